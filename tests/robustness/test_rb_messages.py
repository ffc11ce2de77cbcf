"""Messages that say what is wrong (issue 15, item 10)."""
from __future__ import annotations

import shutil

import pytest

from conftest import SAMPLE
from salesnb.errors import DataError
from salesnb.io import load_workspace
from salesnb.periods import Period


def test_a_password_protected_workbook_is_called_encrypted_not_a_broken_zip(tmp_path):
    ws = tmp_path / "ws"
    shutil.copytree(SAMPLE, ws, ignore=shutil.ignore_patterns("actions.xlsx", "actions.history"))
    # Excel saves an encrypted workbook as an OLE compound file: the 8-byte signature, then the encrypted package
    (ws / "customers.xlsx").write_bytes(bytes.fromhex("d0cf11e0a1b11ae1") + b"\x00" * 504)
    with pytest.raises(DataError) as err:
        load_workspace(ws)
    (problem,) = [p for p in err.value.problems if p.file == "customers.xlsx"]
    assert problem.rule.startswith("is password-protected (encrypted) or an old Excel 97–2003 .xls file")
    assert "remove the password" in problem.rule and "zip" not in problem.rule


@pytest.mark.parametrize("text, reason", [
    ("1899Q1", "the year 1899 is outside 1900–2099"),
    ("2100", "the year 2100 is outside 1900–2099"),
    ("3025Q1", "the year 3025 is outside 1900–2099"),
    ("2025Q5", "is not of the form YYYY or YYYYQn"),
    ("25Q1", "is not of the form YYYY or YYYYQn"),
])
def test_a_period_is_refused_for_the_right_reason(text, reason):
    with pytest.raises(ValueError, match=reason):
        Period.parse(text)
    assert str(Period.parse("1900Q1")) == "1900Q1" and str(Period.parse("2099")) == "2099"


def test_a_plan_dimension_with_thousands_of_values_is_a_warning_naming_column_and_count(tmp_path):
    import pandas as pd

    ws = tmp_path / "ws"
    shutil.copytree(SAMPLE, ws, ignore=shutil.ignore_patterns("actions.xlsx", "actions.history"))
    sales = pd.read_csv(ws / "sales.csv", encoding="utf-8-sig", dtype=str, keep_default_na=False)
    sales["产品线"] = [f"SKU-{i % 1500:04d}" for i in range(len(sales))]  # a product code mapped as the product line
    sales.to_csv(ws / "sales.csv", encoding="utf-8-sig", index=False)
    text = (ws / "workspace.yaml").read_text(encoding="utf-8")
    loaded = load_workspace(ws)
    notes = loaded.quality_frame()
    (row,) = notes[notes["rule"] == "many_values"].itertuples()
    assert row.count == 1500 and row.severity == "warning"
    assert row.detail.startswith("column product_line has 1,500 distinct values (more than 200)")
    assert (ws / "workspace.yaml").read_text(encoding="utf-8") == text


def _customers_book(ws):
    import openpyxl

    return openpyxl.load_workbook(ws / "customers.xlsx")


def test_formulas_without_saved_values_say_open_and_save_in_excel(tmp_path):
    """openpyxl, like many export tools, writes formulas without their results: read as blank, they would
    give "must not be blank" on a required column or a silent gap on an optional one."""
    ws = tmp_path / "ws"
    shutil.copytree(SAMPLE, ws, ignore=shutil.ignore_patterns("actions.xlsx", "actions.history"))
    book = _customers_book(ws)
    sheet = book.worksheets[0]
    sheet["Z2"] = "=A2&\"-x\""  # one formula, never calculated
    sheet["Z3"] = "=LEN(A3)"
    book.save(ws / "customers.xlsx")
    with pytest.raises(DataError) as err:
        load_workspace(ws)
    (problem,) = [p for p in err.value.problems if p.file == "customers.xlsx"]
    assert problem.line == 2 and problem.value == 'Z2: =A2&"-x"'
    assert problem.rule.startswith("2 cell(s) hold a formula without a saved value")
    assert problem.rule.endswith("open customers.xlsx in Excel, save it, and run again")


def test_hidden_excel_rows_are_read_with_a_note(tmp_path):
    ws = tmp_path / "ws"
    shutil.copytree(SAMPLE, ws, ignore=shutil.ignore_patterns("actions.xlsx", "actions.history"))
    book = _customers_book(ws)
    sheet = book.worksheets[0]
    header_row = next(r for r in range(1, 10) if any(c.value for c in sheet[r]))
    hidden = [header_row + 3, header_row + 7]
    for r in hidden:
        sheet.row_dimensions[r].hidden = True
    book.save(ws / "customers.xlsx")
    loaded = load_workspace(ws)
    notes = loaded.quality_frame()
    (row,) = notes[notes["rule"] == "hidden_rows"].itertuples()
    assert row.count == 2 and row.severity == "warning" and row.table == "customers"
    assert len(loaded.tables["customers"]) == len(load_workspace(SAMPLE).tables["customers"])  # read, not dropped
