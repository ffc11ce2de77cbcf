"""Helpers of the robustness suite: each case writes a tiny workspace (its
bytes are in the test) and asserts the exact outcome — the problem an analyst
sees (file, line, column, value, rule), or the repaired value and its note."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from salesnb.errors import DataError, Problem, QualityNote
from salesnb.io import Workspace, load_workspace

TODAY = dt.date(2026, 1, 15)
"""The day the cases are 'run' on (rows dated after it are future rows)."""

YAML = "company:\n  name: Demo\n"
SALES_HEADER = "order_id,order_date,customer_id,region,product_line,amount"
CUSTOMERS = "customer_id,region\nC1,华东\nC2,华北\n"
SALES = SALES_HEADER + "\nO1,2025-01-05,C1,华东,A,100\nO2,2025-02-05,C2,华北,B,200\n"


def workspace(folder: Path, files: dict[str, str | bytes], yaml: str = YAML, encoding: str = "utf-8") -> Path:
    """A workspace folder with ``workspace.yaml`` and the given files (text is encoded with ``encoding``).

    ``sales.csv`` and ``customers.csv`` get small valid defaults unless given.
    """
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "workspace.yaml").write_text(yaml, encoding="utf-8")
    defaults = {"sales.csv": SALES, "customers.csv": CUSTOMERS}
    have = {Path(n).stem for n in files}
    for name, text in defaults.items():
        if Path(name).stem not in have:
            files = {**files, name: text}
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
    return folder


def load(folder: Path, files: dict[str, str | bytes], yaml: str = YAML, encoding: str = "utf-8") -> Workspace:
    return load_workspace(workspace(folder, files, yaml, encoding), today=TODAY)


def problems(folder: Path, files: dict[str, str | bytes], yaml: str = YAML, encoding: str = "utf-8") -> list[Problem]:
    with pytest.raises(DataError) as info:
        load(folder, files, yaml, encoding)
    return info.value.problems


def only(found: list):
    assert len(found) == 1, found
    return found[0]


def note(ws: Workspace, rule: str, table: str | None = None) -> QualityNote:
    found = [n for n in ws.notes if n.rule == rule and (table is None or n.table == table)]
    assert len(found) == 1, (rule, ws.notes)
    return found[0]


def rules(ws: Workspace) -> set[str]:
    return {n.rule for n in ws.notes}


def workbook(path: Path, rows: list[list], merge: list[str] = (), title: str = "Sheet1") -> bytes:
    """An .xlsx file's bytes with ``rows`` (None = empty cell) and merged ranges."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    for row in rows:
        ws.append(row)
    for cells in merge:
        ws.merge_cells(cells)
    wb.save(path)
    data = path.read_bytes()
    path.unlink()
    return data


def csv(*lines: str) -> str:
    return "\n".join(lines) + "\n"
