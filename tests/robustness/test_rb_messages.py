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
