"""Report safety: hostile text stays text, personal data stays masked, exports
cannot run formulas, and a run killed half-way loses nothing.

The fast tests exercise each guard on tiny inputs. The two ``e2e`` tests run
the real pipeline: one on a copy of the sample workspace with hostile
payloads and personal data pushed through every text field (then every HTML
page, executed notebook and artifact is parsed and scanned), one that kills
``salesnb run`` during notebook 02 and checks that nothing was lost.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import queue
import re
import unicodedata
import shutil
import signal
import subprocess
import sys
import threading
import time
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import openpyxl
import pandas as pd
import pytest

from conftest import SAMPLE
from salesnb import present, privacy
from salesnb.artifacts import neutralise_formula, write_csv, write_xlsx
from salesnb.errors import RunRefused
from salesnb.io import load_workspace
from salesnb.report import CSP, check_folder_name, export_html, run_period

PAYLOADS = (
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '"><svg onload=alert(1)>',
    '<a href="javascript:alert(1)">link</a>',
)
FORMULAS = ('=HYPERLINK("http://evil.example","open")', "@SUM(1+1)", "+1+1", "-1+cmd|' /C calc'!A0")
"""Cell starts a spreadsheet would run as a formula; every CSV/XLSX output must keep them inert."""
PII_TEXT = ("请回电 13912345678 或 0755-86668888，邮箱 zhang.san@example.com，身份证 11010519491231002X"
            "，退款卡 4111 1111 1111 1111，旧证 110105491231002，证件 110105 19491231 002X，手机 １３９１２３４５６７８")

# Independent patterns (not salesnb.privacy's): digits not preceded by a digit,
# a dot (decimals in CSV/JSON) or a mask star.
MOBILE = re.compile(r"(?<![\d.*])1[3-9]\d{9}(?!\d)")
LANDLINE = re.compile(r"(?<![\d.*])0[1-9]\d{1,2}-[2-9]\d{6,7}(?!\d)")
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
ID_CARD = re.compile(r"(?<![\d.*])[1-9]\d{5}(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx](?!\d)")
ID_CARD_GROUPED = re.compile(r"(?<![\d.*])[1-9]\d{5}[ -](?:19|20)\d{2}[ -]?\d{4}[ -]\d{3}[\dXx](?!\d)")
ID_CARD_15 = re.compile(r"(?<![\d.*])[1-9]\d{5}\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}(?![\dXx])")
CARD = re.compile(r"(?<![\d.*])(?:\d{4}[ -]){3}\d{4}(?:[ -]?\d{1,3})?(?!\d)|(?<![\d.*])\d{16,19}(?!\d)")


def _luhn(number: str) -> bool:
    digits = [int(c) for c in number if c.isdigit()][::-1]
    return sum(d if i % 2 == 0 else sum(divmod(2 * d, 10)) for i, d in enumerate(digits)) % 10 == 0


# --------------------------------------------------------------------------- helpers


class _Elements(HTMLParser):
    """Every start tag with its attributes, and the text, of an HTML page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, {k.lower(): v or "" for k, v in attrs}))

    handle_startendtag = handle_starttag

    def handle_data(self, data):
        self.text.append(data)


def parse(markup: str) -> _Elements:
    parser = _Elements()
    parser.feed(markup)
    parser.close()
    return parser


def live_markup(markup: str) -> list[str]:
    """Everything in ``markup`` that a browser would run."""
    found = []
    for tag, attrs in parse(markup).tags:
        if tag in ("script", "iframe", "object", "embed"):
            found.append(f"<{tag}>")
        for name, value in attrs.items():
            if name.startswith("on"):
                found.append(f"{tag} {name}={value}")
            if re.sub(r"[\s\x00-\x1f]", "", value).lower().startswith(("javascript:", "vbscript:")):
                found.append(f"{tag} {name}={value}")
    return found


def has_csp(markup: str) -> bool:
    return any(tag == "meta" and a.get("http-equiv", "").lower() == "content-security-policy" and a.get("content") == CSP
               for tag, a in parse(markup).tags)


def personal_data(text: str) -> list[str]:
    text = re.sub(r"data:image/[a-z+]+;base64,[A-Za-z0-9+/=\s]+", "", text)
    # widget model ids and other random hex ids (32 hex digits, or UUIDs): 11 of their digits can look like a
    # mainland mobile number (CI runs found "17733231818" and "14535998222" inside IPY_MODEL_ ids)
    text = re.sub(r"(?<![0-9a-f])[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}(?![0-9a-f])", "", text)  # also IPY_MODEL_<id>
    text = unicodedata.normalize("NFKC", text)  # full-width digits read as ASCII
    found = [m for pattern in (MOBILE, LANDLINE, EMAIL, ID_CARD, ID_CARD_GROUPED, ID_CARD_15) for m in pattern.findall(text)]
    return found + [m for m in CARD.findall(text) if _luhn(m)]


def _lock(p: Path) -> bool:
    """A run's lock file (``.salesnb.lock``, ``.<period>.lock``): a killed run leaves it behind, the next run takes it over."""
    return p.name.startswith(".") and p.name.endswith(".lock")


def files(folder: Path) -> dict[str, str]:
    """Relative path → sha256 of every file under ``folder`` (run lock files left out)."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file() and not _lock(p)}


def data_files(hashes: dict[str, str]) -> dict[str, str]:
    """The input files proper: without the action register, which a run updates on purpose."""
    return {k: v for k, v in hashes.items() if not k.startswith("actions.")}


def digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not _lock(p) and not any(part.startswith(".") and ".running-" in part for part in p.relative_to(folder).parts)
    }


# --------------------------------------------------------------------------- escaping and sanitising


@pytest.mark.parametrize("payload", PAYLOADS)
def test_present_escapes_every_payload_in_tables_and_narrative(payload):
    df = pd.DataFrame({payload: [payload, "ok"], "n": [1, 2]}, index=pd.Index([payload, "b"], name="label " + payload))
    for markup in (present.table(df, caption=payload, index=True).data, present.para(payload).data, present.heading(payload).data,
                   present.note(payload).data, present.definitions([payload], "en").data):
        assert live_markup(markup) == []
        assert payload in "".join(parse(markup).text)  # shown as text, not dropped


def test_sanitize_html_removes_everything_that_runs_and_keeps_tables():
    markup = (
        '<style>.t td{color:red}</style><table class="t"><tr><td onclick="x()">1 &lt; 2</td></tr></table>'
        '<script>alert(1)</script><img src=x onerror=alert(1)><svg onload=alert(1)><a href=" JaVaScRiPt:alert(1)">a</a>'
        '<iframe srcdoc="<script>alert(1)</script>"></iframe><img src="data:image/png;base64,iVBOR">'
        '<a href="data:text/html,<script>alert(1)</script>">d</a><div style="background:url(javascript:x)">s</div>'
    )
    clean = present.sanitize_html(markup)
    assert live_markup(clean) == []
    assert clean == (
        '<style>.t td{color:red}</style><table class="t"><tr><td>1 &lt; 2</td></tr></table>'
        '<img src="x"><svg><a>a</a><img src="data:image/png;base64,iVBOR"><a>d</a><div>s</div>'
    )


def test_exported_html_has_no_script_at_all_and_a_csp(tmp_path):
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("x")
    cell.outputs = [
        nbformat.v4.new_output("display_data", data={"text/html": "<b>hi</b><script>alert(1)</script><img src=x onerror=alert(2)>"}),
        nbformat.v4.new_output("display_data", data={"text/markdown": '**md** <img src=x onerror=alert(3)> [x](javascript:alert(4))'}),
        nbformat.v4.new_output("display_data", data={"application/javascript": "alert(5)", "text/plain": "js"}),
        nbformat.v4.new_output("stream", name="stdout", text="<script>alert(6)</script>"),
    ]
    nb.cells = [cell]
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    nbformat.write(nb, tmp_path / "n.ipynb")
    page = export_html(tmp_path / "n.ipynb", tmp_path / "n.html", "t").read_text(encoding="utf-8")
    assert live_markup(page) == []
    assert "<script" not in page.lower() and "alert(5)" not in page
    assert has_csp(page)
    assert "<script>alert(6)</script>" in "".join(parse(page).text)  # printed text stays visible, as text


def test_formula_injection_is_neutralised_in_csv_and_xlsx(tmp_path):
    df = pd.DataFrame({"=cmd": ["=HYPERLINK(\"http://x\",\"x\")", "+1+1", "-2+3", "@SUM(A1)", "ok", None], "amount": [-1.5, 2, 3, 4, 5, 6]},
                      index=pd.Index(["=i", "b", "c", "d", "e", "f"]))
    text = write_csv(df, tmp_path, "t.csv", index=True).read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["", "'=cmd", "amount"]
    assert [r[1] for r in rows[1:]] == ["'=HYPERLINK(\"http://x\",\"x\")", "'+1+1", "'-2+3", "'@SUM(A1)", "ok", ""]
    assert rows[1][0] == "'=i" and rows[1][2] == "-1.5"  # numbers are numbers, not text
    book = openpyxl.load_workbook(write_xlsx(df, tmp_path, "t.xlsx"))
    cells = [c for row in book.active.iter_rows() for c in row]
    assert [c.data_type for c in cells if isinstance(c.value, str) and c.value.startswith("=")] == ["s", "s"]
    assert not any(c.data_type == "f" for c in cells)
    assert book.active["A2"].value == "=HYPERLINK(\"http://x\",\"x\")" and book.active["A2"].quotePrefix
    assert neutralise_formula(-3) == -3


def test_a_categorical_column_is_written_and_neutralised_as_its_texts(tmp_path):
    # a notebook holds regions and product lines as categories (metrics.with_categories); its CSV files must be
    # the bytes the texts give, formula-like names neutralised, a carriage return still quoted
    from salesnb.artifacts import csv_bytes
    from salesnb.metrics import with_categories

    texts = pd.DataFrame({"region": pd.array(["=East", "West", None, "West"], dtype="str"),
                          "product_line": pd.array(["A\rB", "A\rB", "C", "C"], dtype="str"), "amount": [1.0, 2.0, 3.0, 4.0]})
    coded = with_categories(texts)
    assert isinstance(coded["region"].dtype, pd.CategoricalDtype)
    assert csv_bytes(coded) == csv_bytes(texts) and csv_bytes(coded.iloc[[1, 3]]) == csv_bytes(texts.iloc[[1, 3]])
    assert b"'=East" in csv_bytes(coded) and b"\r\n" in csv_bytes(coded)


@pytest.mark.parametrize("name", ["", ".hidden", "-rf", "a\nb", "a:b", "con|x", " padded"])
def test_unsafe_workspace_folder_names_are_refused(name):
    with pytest.raises(RunRefused, match="cannot be used for the output folder"):
        check_folder_name(name)


def test_run_refuses_a_workspace_folder_with_an_unsafe_name(tmp_path):
    bad = tmp_path / "bad\tname"
    shutil.copytree(SAMPLE, bad)
    with pytest.raises(RunRefused, match="cannot be used for the output folder"):
        run_period(bad, "2025Q4", "en", tmp_path / "out", progress=lambda m: None)
    assert not (tmp_path / "out").exists()


# --------------------------------------------------------------------------- personal data


def test_masking_functions():
    assert privacy.mask_text(PII_TEXT) == ("请回电 139****5678 或 0755-****8888，邮箱 z***@example.com，身份证 110105********002X"
                                           "，退款卡 **** **** **** 1111，旧证 110105******002，证件 110105********002X，手机 139****5678")
    assert personal_data(privacy.mask_text(PII_TEXT)) == []
    assert privacy.mask_person_name("李海燕") == "李**"
    assert privacy.mask_company_name("南京立信精细化工有限公司") == "南***有限公司"
    assert privacy.mask_phone("13298466306") == "132****6306" and privacy.mask_email("3182988675@qq.com") == "3***@qq.com"


def test_workspace_tables_carry_masked_personal_data_and_the_contact_list_does_not(sample_dir):
    ws = load_workspace(sample_dir)
    raw = pd.read_excel(sample_dir / "customers.xlsx", dtype=str)
    customers = ws.tables["customers"]
    assert customers["customer_id"].tolist() == raw["客户编号"].tolist()
    shown = " ".join(customers[["customer_name", "contact", "phone", "email"]].fillna("").astype(str).agg(" ".join, axis=1))
    assert personal_data(shown) == []
    assert not set(raw["客户名称"]) & set(customers["customer_name"]) and not set(raw["联系人"]) & set(customers["contact"])
    contacts = ws.contacts.set_index("customer_id")
    assert contacts.loc["000001", ["customer_name", "contact", "phone"]].tolist() == raw.loc[0, ["客户名称", "联系人", "手机"]].tolist()
    notes = ws.tables["interviews"]["notes"]
    assert not any(name in text for text in notes for name in raw["联系人"] if len(name) >= 2)
    assert any(n.rule == "personal_data_masked" and n.table == "customers" for n in ws.notes)


# --------------------------------------------------------------------------- full pipeline: hostile text and personal data


def _rewrite_csv(path: Path, encoding: str, change) -> None:
    with open(path, encoding=encoding, newline="") as fh:
        rows = list(csv.reader(fh))
    header, body = rows[0], rows[1:]
    body = change(header, body)
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([header, *body])
    path.write_bytes(out.getvalue().encode(encoding))


def _renamed(value, names: dict):
    """``value`` (a parsed YAML document) with every key or string equal to a key of ``names`` renamed."""
    if isinstance(value, dict):
        return {names.get(k, k) if isinstance(k, str) else k: _renamed(v, names) for k, v in value.items()}
    if isinstance(value, list):
        return [_renamed(v, names) for v in value]
    return names.get(value, value) if isinstance(value, str) else value


def hostile_workspace(folder: Path) -> Path:
    """A copy of the sample with payloads in every text field and personal data in free text.

    Region, product line, channel, segment and complaint category values get a
    payload appended everywhere, in the data and in workspace.yaml alike; so does
    every fourth customer id, in every table that names it. Some product lines,
    segments, categories, products and comments start with a spreadsheet formula
    (FORMULAS).
    """
    import yaml

    shutil.copytree(SAMPLE, folder)
    p = PAYLOADS
    f = FORMULAS
    region, line, channel, category = "西北" + p[0], f[3] + "自动化设备" + p[2], p[1] + "线上商城", f[0] + p[3] + "发票账务"
    segment = f[1] + "中型企业" + p[1]
    names = {"西北": region, "自动化设备": line, "线上商城": channel, "发票账务": category, "中型企业": segment}

    config = _renamed(yaml.safe_load((folder / "workspace.yaml").read_text(encoding="utf-8")), names)
    config["company"]["name"] += '"><svg onload=alert(1)>'
    config["goals"][0]["en"] = "<script>alert(1)</script> " + config["goals"][0]["en"]
    config["themes"][0]["en"] = "<img src=x onerror=alert(1)> " + config["themes"][0]["en"]
    (folder / "workspace.yaml").write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")

    book = openpyxl.load_workbook(folder / "customers.xlsx")
    sheet = book.active
    head = [c.value for c in sheet[1]]
    col = {name: head.index(name) for name in head}
    ids: dict[str, str] = {}  # every fourth customer id carries a payload, in every table that names it
    for i, row in enumerate(sheet.iter_rows(min_row=2), start=0):
        if i % 4 == 1:
            old = str(row[col["客户编号"]].value)
            ids[old] = row[col["客户编号"]].value = old + p[(i // 4) % 4]
        row[col["客户名称"]].value = p[i % 4] + str(row[col["客户名称"]].value)
        if i % 5 == 0:
            row[col["联系人"]].value = p[(i + 1) % 4] + str(row[col["联系人"]].value)
        for name in ("区域", "客户细分"):
            row[col[name]].value = names.get(row[col[name]].value, row[col[name]].value)
        row[col["行业"]].value = str(row[col["行业"]].value) + p[3] if i % 3 == 0 else row[col["行业"]].value
    book.save(folder / "customers.xlsx")

    def sales(header, body):
        c = {n: header.index(n) for n in header}
        for i, r in enumerate(body):
            r[c["客户编号"]] = ids.get(r[c["客户编号"]], r[c["客户编号"]])
            for name in ("区域", "产品线", "渠道"):
                r[c[name]] = names.get(r[c[name]], r[c[name]])
            if i % 7 == 0:
                r[c["产品"]] = p[i % 4] + r[c["产品"]]
                r[c["销售代表"]] = r[c["销售代表"]] + p[(i + 2) % 4]
            elif i % 7 == 3:
                r[c["产品"]] = f[2] + r[c["产品"]]
        future = list(body[-1])
        future[c["订单号"]], future[c["下单日期"]] = "SO-FUTURE", "2099-01-01"
        return body + [list(body[-1]), future]  # an exact duplicate and a future line: both quarantined

    def surveys(header, body):
        c = {n: header.index(n) for n in header}
        for i, r in enumerate(body):
            r[c["customer_id"]] = ids.get(r[c["customer_id"]], r[c["customer_id"]])
            if i % 4 == 2:
                r[c["channel"]] = r[c["channel"]] + p[i % 4]
            r[c["region"]] = names.get(r[c["region"]], r[c["region"]])
            if i % 3 == 0:
                r[c["comment"]] = f"{r[c['comment']]}{p[i % 4]}{PII_TEXT if i % 6 == 0 else ''}"
            elif i % 3 == 1 and r[c["comment"]]:
                r[c["comment"]] = f[i % 4] + r[c["comment"]]
        return body

    def complaints(header, body):
        c = {n: header.index(n) for n in header}
        for i, r in enumerate(body):
            r[c["客户编号"]] = ids.get(r[c["客户编号"]], r[c["客户编号"]])
            r[c["投诉类型"]] = names.get(r[c["投诉类型"]], r[c["投诉类型"]])
            if i % 3 == 0:
                r[c["投诉内容"]] = f"{r[c['投诉内容']]}{p[(i + 1) % 4]}{PII_TEXT if i % 6 == 0 else ''}"
                r[c["渠道"]] = r[c["渠道"]] + p[i % 4]
        return body

    def interviews(header, body):
        c = {n: header.index(n) for n in header}
        for i, r in enumerate(body):
            r[c["customer_id"]] = ids.get(r[c["customer_id"]], r[c["customer_id"]])
            r[c["notes"]] = f"{r[c['notes']]}{p[i % 4]}{PII_TEXT}"
            r[c["themes"]] = r[c["themes"]] + ";" + p[(i + 1) % 4]
            r[c["interviewer"]] = p[(i + 2) % 4] + r[c["interviewer"]]
        return body

    _rewrite_csv(folder / "sales.csv", "utf-8-sig", sales)
    _rewrite_csv(folder / "surveys.csv", "utf-8", surveys)
    _rewrite_csv(folder / "complaints.csv", "gb18030", complaints)
    _rewrite_csv(folder / "interviews.csv", "utf-8", interviews)
    return folder


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory):
    base = tmp_path_factory.mktemp("hostile")
    ws = hostile_workspace(base / "hostile")
    before = files(ws)
    result = run_period(ws, "2025Q4", "en", base / "out", progress=lambda m: None)
    return ws, result.folder, before


def _rendered(value, mimes=("text/html", "text/markdown")) -> list[str]:
    """Every HTML or Markdown output anywhere in a notebook's JSON: cell outputs and the
    outputs kept in widget state (an ipywidgets Output shows them when the notebook is opened)."""
    found = []
    if isinstance(value, dict):
        for key, item in value.items():
            if key in mimes:
                found.append("".join(item) if isinstance(item, list) else str(item))
            else:
                found += _rendered(item, mimes)
    elif isinstance(value, list):
        for item in value:
            found += _rendered(item, mimes)
    return found


def _without_images(value):
    """A notebook's JSON without base64 images (their digits are not text)."""
    if isinstance(value, dict):
        return {k: _without_images(v) for k, v in value.items() if not k.startswith("image/")}
    if isinstance(value, list):
        return [_without_images(v) for v in value]
    return value


@pytest.mark.e2e
def test_hostile_text_stays_text_in_every_html_page_and_notebook(hostile_run):
    _, folder, _ = hostile_run
    pages = sorted((folder / "report").glob("*.html"))
    assert [p.name for p in pages] == ["01_goals.html", "02_breakdown.html", "03_diagnosis.html", "04_improvement.html",
                                       "data_quality.html", "index.html"]
    shown = ""
    for page in pages:
        markup = page.read_text(encoding="utf-8")
        assert live_markup(markup) == [], page.name
        assert "<script" not in markup.lower(), page.name  # not even the template's own scripts
        assert has_csp(markup), page.name
        text = "".join(parse(markup).text)
        if page.name != "data_quality.html":  # the appendix shows file names and counts, not data values
            assert any(p in text for p in PAYLOADS), page.name  # the payloads reached this page — as visible text
        shown += text
    assert "西北<script>alert(1)</script>" in shown and '华信智能装备有限公司"><svg onload=alert(1)>' in shown
    index = "".join(parse((folder / "report" / "index.html").read_text(encoding="utf-8")).text)
    assert '华信智能装备有限公司"><svg onload=alert(1)>' in index  # the executive summary (salesnb.summary)
    for name in ("01_goals", "02_breakdown", "03_diagnosis", "04_improvement"):
        nb = json.loads((folder / f"{name}.ipynb").read_text(encoding="utf-8"))
        rendered = _rendered(nb)
        assert rendered, name
        for markup in rendered:
            assert live_markup(markup) == [], (name, markup[:200])


@pytest.mark.e2e
def test_exports_keep_formula_payloads_inert(hostile_run):
    _, folder, _ = hostile_run

    def live(value) -> bool:  # text a spreadsheet would run (a plain negative number is fine)
        if not isinstance(value, str) or not value.startswith(("=", "+", "-", "@", "\t", "\r")):
            return False
        try:
            float(value)
        except ValueError:
            return True
        return False

    reached, checked = set(), 0
    for path in sorted(folder.rglob("*.csv")):
        rows = list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig"), newline="")))
        cells = [c for row in rows for c in row]
        assert [c for c in cells if live(c)] == [], path.relative_to(folder)
        reached |= {f for f in FORMULAS for c in cells if c.startswith("'" + f)}
        checked += 1
    for path in sorted(folder.rglob("*.xlsx")):
        for sheet in openpyxl.load_workbook(path).worksheets:
            for row in sheet.iter_rows():
                for c in row:
                    assert c.data_type != "f", (path.name, sheet.title, c.coordinate)
                    assert not (live(c.value) and not c.quotePrefix), (path.name, sheet.title, c.coordinate, c.value)
                    if isinstance(c.value, str):
                        reached |= {f for f in FORMULAS if c.value.lstrip("'").startswith(f)}
        checked += 1
    assert checked >= 20 and len(reached) >= 2, (checked, reached)  # the payloads did reach the exports


@pytest.mark.e2e
def test_no_personal_data_in_reports_notebooks_or_artifacts(hostile_run):
    ws, folder, _ = hostile_run
    raw = pd.read_excel(SAMPLE / "customers.xlsx", dtype=str)
    reps = set(pd.read_csv(SAMPLE / "sales.csv", encoding="utf-8-sig", dtype=str)["销售代表"])
    interviewers = set(pd.read_csv(SAMPLE / "interviews.csv", dtype=str)["interviewer"].str.split("（").str[0])
    config = (SAMPLE / "workspace.yaml").read_text(encoding="utf-8")  # action owners are employees too
    # contacts who share a name with an employee (sales rep, interviewer, owner) cannot be told apart from them
    names = set(raw["客户名称"].dropna()) | {n for n in raw["联系人"].dropna() if n not in reps | interviewers and n not in config}
    checked = 0
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if not path.is_file() or relative.parts[0] == "internal":
            continue
        text = path.read_text(encoding="utf-8-sig") if path.suffix in (".html", ".csv", ".json", ".ipynb") else ""
        if path.suffix == ".ipynb":  # outputs and widget state, not the base64 images
            nb = json.loads(text)
            text = json.dumps(_without_images([[c.get("outputs", []) for c in nb["cells"]], nb["metadata"]]), ensure_ascii=False)
        if path.suffix == ".xlsx":
            text = "\n".join(str(c.value) for sheet in openpyxl.load_workbook(path).worksheets for row in sheet.iter_rows()
                             for c in row if c.value is not None)
        assert personal_data(text) == [], relative
        leaked = [n for n in names if n in text]
        assert leaked == [], (relative, leaked[:5])
        checked += bool(text)
    assert checked >= 10
    contacts = (folder / "internal" / "contacts.csv").read_text(encoding="utf-8-sig")
    assert raw.loc[0, "手机"] in contacts and raw.loc[0, "邮箱"] in contacts  # the one place that keeps them
    index = (folder / "report" / "index.html").read_text(encoding="utf-8")
    assert "internal/contacts.csv" in index


@pytest.mark.e2e
def test_rows_set_aside_are_in_the_quarantine_folder_and_run_json(hostile_run):
    ws, folder, before = hostile_run
    info = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    assert info["quarantine"]["sales"] == {"file": "quarantine/sales.csv", "rows": 2, "reasons": {"duplicate": 1, "date_out_of_range": 1}}
    aside = pd.read_csv(folder / "quarantine" / "sales.csv", encoding="utf-8-sig", dtype=str)
    assert aside["order_id"].tolist()[-1] == "SO-FUTURE"
    rules = {(n["table"], n["rule"]) for n in info["data_quality"]}
    assert {("sales", "duplicate_rows_removed"), ("sales", "dates_out_of_range"), ("customers", "personal_data_masked")} <= rules
    # input files never modified; their sha256 (as read) is in run.json
    assert data_files(files(ws)) == data_files(before)
    recorded = {i["file"]: i["sha256"] for i in info["inputs"]}
    assert recorded == {k: before[k] for k in recorded} and set(data_files(before)) - set(recorded) == set()
    assert "workspace.yaml" in recorded
    # the repairs and set-asides are listed in every step notebook's data-quality section (analysts) and, in plain
    # words without rule ids, in the report's appendix, which every step page links from its one status line (issue 16)
    from salesnb.i18n import t

    appendix = "".join(parse((folder / "report" / "data_quality.html").read_text(encoding="utf-8")).text)
    for rule in ("duplicate_rows_removed", "dates_out_of_range"):
        assert t(f"rp_rule_{rule}", "en") in appendix and rule not in appendix
    for name in ("01_goals", "02_breakdown", "03_diagnosis", "04_improvement"):
        notebook = (folder / f"{name}.ipynb").read_text(encoding="utf-8")
        assert "duplicate_rows_removed" in notebook and "dates_out_of_range" in notebook, name
        page = (folder / "report" / f"{name}.html").read_text(encoding="utf-8")
        assert 'href="data_quality.html">see the appendix</a>' in page and "duplicate_rows_removed" not in page, name


# --------------------------------------------------------------------------- nothing lost: a run killed during notebook 02


def _stat(pid: int) -> list[str] | None:
    """Fields of /proc/<pid>/stat after the command name (state, ppid, …), or None."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def _descendants(pid: int) -> list[tuple[int, str]]:
    """``(pid, start time)`` of the processes started by ``pid``, directly or not (workers, kernels)."""
    parent = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        fields = _stat(int(stat.parent.name))
        if fields:
            parent[int(stat.parent.name)] = (int(fields[1]), fields[19])
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        kids = [child for child, (ppid, _) in parent.items() if ppid == current]
        found += [(child, parent[child][1]) for child in kids]
        todo += kids
    return found


def _alive(process: tuple[int, str]) -> bool:
    """Whether that very process (same pid and start time) still runs."""
    fields = _stat(process[0])
    return bool(fields) and fields[19] == process[1] and fields[0] != "Z"


@pytest.mark.e2e
def test_run_killed_during_02_leaves_the_previous_report_intact(hostile_run, tmp_path, monkeypatch):
    ws, folder, inputs = hostile_run
    base = folder.parent
    before = digest(base)
    workspace_before = files(ws)  # inputs and the action register
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "salesnb", "run", str(ws), "--period", "2025Q4", "--out", str(base.parent), "--force"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, start_new_session=True,
    )
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout], daemon=True).start()
    seen, deadline, kernels = [], time.monotonic() + 300, []
    try:
        while not any("running 02_breakdown" in s for s in seen):
            assert time.monotonic() < deadline and proc.poll() is None, seen
            try:
                seen.append(lines.get(timeout=1))
            except queue.Empty:
                pass
        staging = [p for p in base.iterdir() if p.name.startswith(f".2025Q4.running-{proc.pid}-")]
        assert len(staging) == 1
        while not (staging[0] / "02_breakdown.ipynb").exists():  # papermill has started notebook 02
            assert time.monotonic() < deadline and proc.poll() is None
            time.sleep(0.1)
        kernels = _descendants(proc.pid)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            kernels = kernels or _descendants(proc.pid)
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
    for k in kernels:  # the whole tree dies at once, as when the machine goes down; nothing is left running
        if _alive(k):
            os.kill(k[0], signal.SIGKILL)
    end = time.monotonic() + 10
    while any(_alive(k) for k in kernels) and time.monotonic() < end:
        time.sleep(0.2)

    assert proc.returncode == -signal.SIGKILL
    assert digest(base) == before  # the previous report is byte-identical
    assert sorted(p.name for p in base.iterdir() if not p.name.startswith(".")) == sorted(
        p for p in {Path(k).parts[0] for k in before}
    )  # no half-published folder
    assert files(ws) == workspace_before  # inputs untouched, the action register byte-identical
    assert data_files(workspace_before) == data_files(inputs)

    # the next run works (tiny stand-in notebooks: what matters here is the runner) and clears the stale staging folder
    from test_run_mechanics import _write_notebooks

    monkeypatch.setenv("SALESNB_NOTEBOOKS", str(_write_notebooks(tmp_path / "nb")))
    result = run_period(ws, "2025Q3", "en", base.parent, progress=lambda m: None)
    assert (result.folder / "run.json").is_file()
    assert not [p for p in base.iterdir() if ".running-" in p.name]
    assert digest(folder) == {k.split("/", 1)[1]: v for k, v in before.items() if k.startswith("2025Q4/")}


def _csv_cell_by_cell(df: pd.DataFrame, index: bool = False) -> bytes:
    """The CSV writer as it was, one cell at a time: the second method for the vectorised one."""
    from salesnb.artifacts import neutralise_formula

    out = df.copy()
    for column in out.columns:
        values = out[column]
        if isinstance(values.dtype, pd.CategoricalDtype):
            values = out[column] = values.astype(values.cat.categories.dtype)
        if pd.api.types.is_string_dtype(values) or values.dtype == object:
            out[column] = values.map(neutralise_formula, na_action="ignore")
    texts = [out[c] for c in out.columns if out[c].dtype == object or pd.api.types.is_string_dtype(out[c])]
    has_cr = any(s.map(lambda v: isinstance(v, str) and "\r" in v).any() for s in texts)
    return out.to_csv(index=index, lineterminator="\r\n" if has_cr else "\n").encode("utf-8-sig")


def test_csv_texts_are_neutralised_column_at_once_exactly_as_cell_by_cell():
    import numpy as np

    from salesnb.artifacts import csv_bytes

    rng = np.random.default_rng(3)
    pool = ["=SUM(A1)", "+1", "-5 %", "@me", "\tx", "\rx", "plain", "a\rb", "中文", "", None, "'=kept"]
    for trial in range(60):
        n = int(rng.integers(1, 30))  # (cell by cell failed on an empty column of pandas' python-backed "string")
        pick = [pool[i] for i in rng.integers(0, len(pool), n)]
        if trial % 4 == 0:  # no carriage return anywhere: lines end with \n
            pick = [v.replace("\r", "") if isinstance(v, str) else v for v in pick]
        frame = pd.DataFrame({
            "text": pd.array(pick, dtype="str"),
            "python_text": pd.array(pick, dtype="string"),
            "mixed": pd.Series([v if i % 3 else -1.5 for i, v in enumerate(pick)], dtype=object),
            "category": pd.Categorical(pick),
            "number": rng.normal(size=n),
        })
        assert csv_bytes(frame) == _csv_cell_by_cell(frame), frame
    assert csv_bytes(frame.iloc[:0]) == "text,python_text,mixed,category,number\n".encode("utf-8-sig")
