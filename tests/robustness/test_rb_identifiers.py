"""Identifiers: leading zeros, 18-digit ids and "NA"/"None" codes stay text;
ids Excel already destroyed (scientific notation, more than 15 digits) are an
error; full-width and zero-width variants are normalised, then checked for
duplicates and against customers."""
from __future__ import annotations

import datetime as dt

from rb_helpers import SALES_HEADER, csv, load, note, only, problems, rules, workbook

from salesnb.errors import Problem


def test_leading_zeros_and_18_digit_ids_are_kept_exactly(tmp_path):
    customers = csv("customer_id,region", "000123,华东", "110101199001011234,华北")
    sales = csv(SALES_HEADER, "0001,2025-01-05,000123,华东,A,1", "0002,2025-01-06,110101199001011234,华北,B,2")
    ws = load(tmp_path, {"customers.csv": customers, "sales.csv": sales})
    assert ws.tables["customers"]["customer_id"].tolist() == ["000123", "110101199001011234"]
    assert ws.tables["sales"]["order_id"].tolist() == ["0001", "0002"]
    assert "unknown_customer_ids" not in rules(ws)


def test_xlsx_ids_as_text_and_as_small_numbers(tmp_path):
    data = workbook(tmp_path / "c.xlsx", [["客户编号", "区域"], ["000123", "华东"], [1001.0, "华北"], [42, "华南"]])
    ws = load(tmp_path / "w", {"customers.xlsx": data, "sales.csv": csv(SALES_HEADER, "O1,2025-01-05,1001,华北,A,1")})
    assert ws.tables["customers"]["customer_id"].tolist() == ["000123", "1001", "42"]
    assert "unknown_customer_ids" not in rules(ws)


def test_xlsx_id_stored_as_a_number_past_15_digits_is_an_error(tmp_path):
    # Excel stores 110101199001011234 typed into a General cell as 1.10101199001012E+17 (15 digits)
    data = workbook(tmp_path / "c.xlsx", [["客户编号", "区域"], ["C1", "华东"], [float("1.10101199001012E+17"), "华北"]])
    found = only(problems(tmp_path / "w", {"customers.xlsx": data}))
    assert found == Problem(
        "customers.xlsx", 3, "客户编号 (customer_id)", "1.10101199001012e+17",
        "is stored as a number with more than 15 digits: Excel keeps only 15, so the last digits are lost; "
        "format the column as text in the source system's export and export again (cell A3)",
    )


def test_id_in_scientific_notation_is_an_error(tmp_path):
    found = only(problems(tmp_path, {"customers.csv": csv("客户编号,区域", "C1,华东", "1.10101E+17,华北")}))
    assert found == Problem(
        "customers.csv", 3, "客户编号 (customer_id)", "1.10101E+17",
        "is a number in scientific notation (1.10101E+17): Excel has already rounded this id and its digits cannot be recovered; "
        "re-export it with the column formatted as text",
    )


def test_na_and_none_are_real_region_codes_in_csv_and_xlsx(tmp_path):
    data = workbook(tmp_path / "c.xlsx", [["customer_id", "region"], ["C1", "NA"], ["C2", "None"], ["C3", "null"]])
    ws = load(tmp_path / "w", {"customers.xlsx": data, "sales.csv": csv(SALES_HEADER, "O1,2025-01-05,C1,NA,A,1", "O2,2025-01-05,C2,None,A,1")})
    assert ws.tables["customers"]["region"].tolist() == ["NA", "None", "null"]
    assert ws.tables["sales"]["region"].tolist() == ["NA", "None"]


def test_full_width_id_is_normalised_and_matches_its_customer(tmp_path):
    ws = load(tmp_path, {"sales.csv": csv(SALES_HEADER, "Ｏ１,2025-01-05,Ｃ１,华东,A,1", "O2,2025-01-05,C2,华北,A,1")})
    assert ws.tables["sales"]["customer_id"].tolist() == ["C1", "C2"]
    assert ws.tables["sales"]["order_id"].tolist() == ["O1", "O2"]
    assert "unknown_customer_ids" not in rules(ws)
    found = [n for n in ws.notes if n.rule == "ids_normalised"]
    assert [(n.count, n.examples) for n in found] == [(1, ("line 2: Ｏ１ → O1",)), (1, ("line 2: Ｃ１ → C1",))]


def test_zero_width_variant_with_other_values_is_a_duplicate_error(tmp_path):
    found = problems(tmp_path, {"customers.csv": csv("customer_id,region", "C1,华东", "C1\u200b,华南")})
    assert found == [
        Problem("customers.csv", 2, "customer_id", "C1", "must be unique (duplicated id; also on line 3; region 华东 ≠ 华南)"),
        Problem("customers.csv", 3, "customer_id", "C1\u200b", "must be unique (duplicated id; also on line 2; region 华南 ≠ 华东)"),
    ]


def test_zero_width_variant_of_an_identical_row_is_an_exact_duplicate(tmp_path):
    ws = load(tmp_path, {"customers.csv": csv("customer_id,region", "C1,华东", "C2,华北", "\u200bC1,华东")})
    assert ws.tables["customers"]["customer_id"].tolist() == ["C1", "C2"]
    assert note(ws, "ids_normalised").examples == ("line 4: <U+200B>C1 → C1",)
    assert note(ws, "duplicate_rows_removed").examples == ("line 4 = line 2",)


def test_excel_error_value_in_an_id_column(tmp_path):
    found = only(problems(tmp_path, {"sales.csv": csv(SALES_HEADER, "O1,2025-01-05,#N/A,华东,A,1")}))
    assert found == Problem("sales.csv", 2, "customer_id", "#N/A",
                            "is an Excel error value: a formula failed in the workbook; fix it (or paste the values) and export again")


def test_xlsx_id_that_excel_turned_into_a_date_is_an_error(tmp_path):
    # a product code 3-5 typed into a General cell becomes the date 5 March
    data = workbook(tmp_path / "s.xlsx", [
        ["订单号", "下单日期", "客户编号", "区域", "产品线", "产品", "销售额"],
        ["SO1", dt.datetime(2025, 3, 5), "C1", "华东", "A", "3-4", 100],
        ["SO2", dt.datetime(2025, 3, 5), "C1", "华东", "A", dt.datetime(2026, 3, 5), 100],
    ])
    assert only(problems(tmp_path / "w", {"sales.xlsx": data})) == Problem(
        "sales.xlsx", 3, "产品 (product)", "2026-03-05",
        "is a date cell in Excel: an id is text, and Excel turns codes such as 3-5 or 1/2 into dates without asking; "
        "format the column as text in the source system's export and export again (cell F3)",
    )


def test_phone_number_in_scientific_notation_is_an_error(tmp_path):
    found = only(problems(tmp_path, {"customers.csv": csv("客户编号,区域,手机", "C1,华东,13912345678", "C2,华北,1.39123E+10")}))
    assert found == Problem(
        "customers.csv", 3, "手机 (phone)", "1.39123E+10",
        "is a number in scientific notation (1.39123E+10): Excel has already rounded this phone number and its digits cannot be "
        "recovered; re-export it with the column formatted as text",
    )
