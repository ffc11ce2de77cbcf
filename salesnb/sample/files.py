"""How the demo workspace's rows become bytes: CSV, the workbook, ``workspace.yaml`` from its template.

Here: number and time formatting, :func:`_write_csv`, ``customers.xlsx`` with fixed timestamps (byte-for-byte
reproducible), the ``workspace.yaml`` template (the package-data file ``workspace.yaml.tmpl``) and the 2025
facts it quotes (:func:`_baselines`). Not here: what the rows hold (the other modules of :mod:`salesnb.sample`).
"""
from __future__ import annotations

import collections
import csv
import io
import re
import zipfile
from datetime import datetime, timedelta
from importlib import resources
from pathlib import Path

import numpy as np
from openpyxl import Workbook
from openpyxl.styles import Font

from .knobs import _FIXED_TIMESTAMP, _INDUSTRIES, _SEGMENTS, COMPANY_NAME, REGIONS


def _fmt_amount(x: float) -> str:
    s = f"{x:.2f}"
    return "0.00" if s == "-0.00" else s


def _fmt_dt(minutes: np.ndarray) -> list[str]:
    """Minutes since 2023-01-01 00:00 → ``YYYY-MM-DD HH:MM``."""
    base = datetime(2023, 1, 1)
    return [(base + timedelta(minutes=int(m))).strftime("%Y-%m-%d %H:%M") for m in minutes]


def _write_csv(path: Path, header: list[str], rows, encoding: str) -> None:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(header)
    writer.writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))


def _write_customers_xlsx(path: Path, cust: dict, det: dict) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "客户清单"
    header = ["客户编号", "客户名称", "区域", "客户细分", "行业", "建档日期", "联系人", "手机", "邮箱"]
    ws.append(header)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for i in range(cust["n"]):
        ws.append([
            cust["id"][i], det["name"][i], REGIONS[cust["region"][i]], _SEGMENTS[cust["segment"][i]],
            _INDUSTRIES[cust["industry"][i]], cust["created"][i], det["contact"][i],
            det["phone"][i] or None, det["email"][i] or None,
        ])
    for row in ws.iter_rows(min_row=2, max_col=9):
        row[0].number_format = "@"
        row[5].number_format = "yyyy-mm-dd"
        row[7].number_format = "@"
    for col, width in zip("ABCDEFGHI", (10, 34, 8, 10, 10, 12, 10, 16, 30)):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "A2"
    wb.properties.creator = "salesnb sample"
    wb.properties.title = f"{COMPANY_NAME} 客户清单（示例数据）"
    buf = io.BytesIO()
    wb.save(buf)
    _rezip_deterministic(buf.getvalue(), path)


def _rezip_deterministic(data: bytes, path: Path) -> None:
    """Rewrite an xlsx with fixed timestamps (core properties and ZIP entry dates)."""
    stamp = _FIXED_TIMESTAMP.strftime("%Y-%m-%dT%H:%M:%SZ")
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                text = content.decode("utf-8")
                text = re.sub(r"(<dcterms:created[^>]*>)[^<]*(</dcterms:created>)", rf"\g<1>{stamp}\g<2>", text)
                text = re.sub(r"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)", rf"\g<1>{stamp}\g<2>", text)
                content = text.encode("utf-8")
            zi = zipfile.ZipInfo(info.filename, date_time=_FIXED_TIMESTAMP.timetuple()[:6])
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o644 << 16
            zi.create_system = 3
            dst.writestr(zi, content, compresslevel=6)
    path.write_bytes(out.getvalue())


TEMPLATE_FILE = "workspace.yaml.tmpl"
"""The commented ``workspace.yaml`` of the demo company, a :meth:`str.format` template (package data beside this module)."""


def _yaml_template() -> str:
    """The text of :data:`TEMPLATE_FILE` (placeholders ``{company}``, ``{seed}`` and the :func:`_baselines`)."""
    return resources.files(__package__).joinpath(TEMPLATE_FILE).read_text(encoding="utf-8")


def _baselines(sales_rows: list, survey_rows: list, cust: dict) -> dict:
    """2025 facts of the generated data quoted in the goals (computed from the rows)."""
    rev = collections.defaultdict(float)
    buyers = collections.defaultdict(set)
    first_year = {}
    for r in sales_rows:
        year = int(r[1][:4])
        rev[(r[3], year)] += float(r[7])
        rev[("all", year)] += float(r[7])
        if float(r[6]) > 0:
            buyers[(r[3], year)].add(r[2])
            first_year[r[2]] = min(first_year.get(r[2], 9999), year)
    created_2025 = {cust["id"][i] for i in range(cust["n"]) if cust["created"][i].year == 2025}
    new_rev = sum(float(r[7]) for r in sales_rows if r[1].startswith("2025") and r[2] in created_2025)
    b24, b25 = buyers[("西南", 2024)], buyers[("西南", 2025)]
    b23 = buyers[("西南", 2023)]
    churn24 = len(b23 - b24) / len(b23)
    churn25 = len(b24 - b25) / len(b24)
    scores = [int(r[5]) for r in survey_rows if r[1].startswith("2025") and r[5] != ""]
    nps = 100 * (sum(s >= 9 for s in scores) - sum(s <= 6 for s in scores)) / len(scores)
    south = ((rev[("华南", 2024)] / rev[("华南", 2023)]) * (rev[("华南", 2025)] / rev[("华南", 2024)])) ** 0.5 - 1
    return dict(
        nps_2025=int(round(nps)), nps_target=int(round(nps)) + 10,
        new_share_pct=int(round(100 * new_rev / rev[("all", 2025)])),
        sw_churn_target=round(churn24, 2), sw_churn_target_pct=int(round(100 * churn24)),
        sw_churn_2025_pct=int(round(100 * churn25)), south_growth_pct=int(round(100 * south)),
        sw_best_pct=int(round(100 * max(rev[("西南", y)] / rev[("西南", y - 1)] - 1 for y in (2024, 2025)))),
    )
