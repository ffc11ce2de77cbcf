"""Structure: title rows and two-row merged headers, duplicated/padded/
full-width headers, wrong field counts, stray delimiters, blank rows, footer
notes, and total/subtotal rows (set aside when they reconcile, else an error)."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from rb_helpers import SALES_HEADER, csv, load, note, only, problems, workbook

from salesnb.errors import Problem


def test_xlsx_title_rows_above_the_header_keep_excel_row_numbers(tmp_path):
    data = workbook(tmp_path / "x.xlsx", [
        ["华信智能装备 2025 年销售明细"],
        ["导出时间：2026-01-02"],
        [],
        ["订单号", "下单日期", "客户编号", "区域", "产品线", "销售额"],
        ["SO1", dt.datetime(2025, 3, 5), "C1", "华东", "A", 100],
        ["SO2", dt.datetime(2025, 3, 6), "C2", "华北", "B", 250.5],
    ])
    ws = load(tmp_path / "w", {"sales.xlsx": data})
    sales = ws.tables["sales"]
    assert sales.index.tolist() == [5, 6]
    assert sales["amount"].tolist() == [100.0, 250.5]
    found = note(ws, "header_not_first_row")
    assert (found.count, found.severity) == (2, "warning")
    assert found.detail.startswith("header found on row 4")
    assert found.examples == ("row 1: 华信智能装备 2025 年销售明细", "row 2: 导出时间：2026-01-02")


def test_xlsx_two_row_merged_header_is_read_from_both_rows(tmp_path):
    data = workbook(
        tmp_path / "x.xlsx",
        [
            ["订单明细（ERP 导出）", None, None, None, None, None],
            ["订单", None, "客户", None, "产品线", "销售额"],
            ["号", "日期", "编号", "区域", None, None],
            ["SO1", "2025-03-05", "C1", "华东", "A", 100],
            ["SO2", "2025-03-06", "C2", "华北", "B", 250.5],
        ],
        merge=["A1:F1", "A2:B2", "C2:D2", "E2:E3", "F2:F3"],
    )
    ws = load(tmp_path / "w", {"sales.xlsx": data})
    sales = ws.tables["sales"]
    assert sales.columns.tolist() == ["order_id", "order_date", "customer_id", "region", "product_line", "amount"]
    assert sales.index.tolist() == [4, 5]
    assert sales.loc[4, ["order_id", "customer_id", "region"]].tolist() == ["SO1", "C1", "华东"]
    assert note(ws, "two_row_header").detail.startswith("the header spans rows 2–3")
    assert note(ws, "header_not_first_row").examples == ("row 1: 订单明细（ERP 导出）",)


def test_csv_title_line_above_the_header(tmp_path):
    ws = load(tmp_path, {"sales.csv": csv("销售明细 2025年12月", SALES_HEADER, "O1,2025-01-05,C1,华东,A,100")})
    assert ws.tables["sales"].index.tolist() == [3]
    assert note(ws, "header_not_first_row").examples == ("line 1: 销售明细 2025年12月",)


def test_duplicated_unknown_headers_are_kept_apart(tmp_path):
    ws = load(tmp_path, {"sales.csv": csv(SALES_HEADER + ",备注,备注", "O1,2025-01-05,C1,华东,A,100,加急,客户自提")})
    assert ws.tables["sales"].loc[2, ["备注", "备注 (2)"]].tolist() == ["加急", "客户自提"]
    assert note(ws, "extra_columns_kept").examples == ("备注", "备注")


def test_duplicated_known_headers_are_an_error(tmp_path):
    found = only(problems(tmp_path, {"sales.csv": csv(SALES_HEADER + ",金额", "O1,2025-01-05,C1,华东,A,100,100")}))
    assert (found.file, found.line, found.column) == ("sales.csv", None, "amount")
    assert found.rule.startswith("columns 'amount' and '金额' both map to 'amount'")


def test_padded_and_full_width_headers_are_recognised(tmp_path):
    header = "  订单号  ,Ｏｒｄｅｒ　Ｄａｔｅ,客户ＩＤ,区域\u3000,ＰＲＯＤＵＣＴ＿ＬＩＮＥ,销售额"
    ws = load(tmp_path, {"sales.csv": csv(header, "O1,2025-01-05,C1,华东,A,100")})
    assert ws.tables["sales"].columns.tolist() == ["order_id", "order_date", "customer_id", "region", "product_line", "amount"]


def test_lines_with_too_many_or_too_few_fields(tmp_path):
    found = problems(tmp_path, {"sales.csv": csv(SALES_HEADER, "O1,2025-01-05,C1,华东,A,100", "O2,2025-01-05,C1,华东,100", "O3,2025-01-05,C1,华东,A,100,x")})
    assert found == [
        Problem("sales.csv", 3, None, "O2,2025-01-05,C1,华东,100", "expected 6 fields, found 5"),
        Problem("sales.csv", 4, None, "O3,2025-01-05,C1,华东,A,100,x", "expected 6 fields, found 7"),
    ]


def test_unquoted_thousands_separator_is_an_error_not_a_shifted_row(tmp_path):
    # pandas would silently turn the extra field into an index; here it is a clear error
    found = only(problems(tmp_path, {"sales.csv": csv(SALES_HEADER, "O1,2025-01-05,C1,华东,A,1,234.00")}))
    assert found == Problem("sales.csv", 2, None, "O1,2025-01-05,C1,华东,A,1,234.00", "expected 6 fields, found 7")


def test_stray_trailing_delimiters_are_trimmed(tmp_path):
    ws = load(tmp_path, {"sales.csv": csv(SALES_HEADER, "O1,2025-01-05,C1,华东,A,100,,", "O2,2025-01-05,C2,华北,B,50")})
    assert ws.tables["sales"]["amount"].tolist() == [100.0, 50.0]
    found = note(ws, "trailing_empty_fields_trimmed")
    assert (found.count, found.severity, found.examples) == (1, "repair", ("line 2",))


def test_blank_rows_in_every_form_are_skipped_and_counted(tmp_path):
    ws = load(tmp_path, {"sales.csv": csv(SALES_HEADER, "O1,2025-01-05,C1,华东,A,100", "", ",,,,,", "\u3000,\u3000, ,,,", "O2,2025-01-05,C2,华北,B,50")})
    assert ws.tables["sales"].index.tolist() == [2, 6]
    assert note(ws, "blank_rows_skipped").examples == ("line 3", "line 4", "line 5")


def test_csv_footer_notes_are_set_aside_not_errors(tmp_path):
    ws = load(tmp_path, {"sales.csv": csv(SALES_HEADER, "O1,2025-01-05,C1,华东,A,100", "数据来源：ERP 导出", "", "共 1 条记录,,,,,")})
    assert ws.tables["sales"].index.tolist() == [2]
    found = note(ws, "footer_rows_skipped")
    assert (found.count, found.severity, found.examples) == (2, "warning", ("line 3: 数据来源：ERP 导出", "line 5: 共 1 条记录"))
    assert ws.quarantine["sales"]["reason"].tolist() == ["footer note: 数据来源：ERP 导出", "footer note: 共 1 条记录"]


def test_xlsx_footer_note_is_set_aside(tmp_path):
    data = workbook(tmp_path / "c.xlsx", [["客户编号", "区域"], ["C1", "华东"], ["C2", "华北"], [], ["注：客户名单截至 2025-12-31"]])
    ws = load(tmp_path / "w", {"customers.xlsx": data})
    assert ws.tables["customers"].index.tolist() == [2, 3]
    assert note(ws, "footer_rows_skipped").examples == ("row 5: 注：客户名单截至 2025-12-31",)


def test_total_row_that_reconciles_is_set_aside_with_a_warning(tmp_path):
    text = csv(SALES_HEADER + ",quantity", "O1,2025-01-05,C1,华东,A,100.50,1", 'O2,2025-01-06,C2,华北,B,"1,200.00",2', '合计,,,,,"1,300.50",3')
    ws = load(tmp_path, {"sales.csv": text})
    sales = ws.tables["sales"]
    assert sales.index.tolist() == [2, 3] and sales["amount"].sum() == 1300.5
    found = note(ws, "total_rows_dropped")
    assert (found.count, found.severity) == (1, "warning")
    assert found.examples == ("line 4: total (合计) = amount 1,300.50, quantity 3.00 (matches 2 rows)",)
    aside = ws.quarantine["sales"]
    assert aside.index.tolist() == [4] and aside.loc[4, "reason"] == "total row (合计)" and aside.loc[4, "amount"] == 1300.5


def test_subtotals_per_group_and_a_grand_total_all_reconcile(tmp_path):
    text = csv(
        SALES_HEADER,
        "O1,2025-01-05,C1,华东,A,100",
        "O2,2025-01-06,C1,华东,B,50",
        "华东小计,,,,,150",
        "O3,2025-01-07,C2,华北,A,30",
        "华北 小计：,,,,,30",
        "Grand Total,,,,,180",
    )
    ws = load(tmp_path, {"sales.csv": text})
    assert ws.tables["sales"].index.tolist() == [2, 3, 5]
    assert ws.quarantine["sales"]["reason"].tolist() == ["subtotal row (小计)", "subtotal row (小计)", "total row (合计)"]
    assert note(ws, "total_rows_dropped").count == 3


def test_total_row_that_does_not_reconcile_is_an_error(tmp_path):
    text = csv(SALES_HEADER, "O1,2025-01-05,C1,华东,A,100", "O2,2025-01-06,C2,华北,B,200", "合计,,,,,350")
    assert problems(tmp_path, {"sales.csv": text}) == [
        Problem("sales.csv", 4, "amount", "350",
                "a total (合计) row that does not match the 2 detail row(s) above it, which sum to 300.00: remove the row or correct the figures"),
    ]


def test_subtotal_that_does_not_reconcile_names_its_block(tmp_path):
    text = csv(SALES_HEADER, "O1,2025-01-05,C1,华东,A,100", "小计,,,,,100", "O2,2025-01-06,C2,华北,B,200", "小计,,,,,250")
    assert problems(tmp_path, {"sales.csv": text}) == [
        Problem("sales.csv", 5, "amount", "250",
                "a subtotal (小计) row that does not match the 1 detail row(s) above it, which sum to 200.00: remove the row or correct the figures"),
    ]


def test_xlsx_total_row_with_label_in_the_region_column(tmp_path):
    data = workbook(tmp_path / "s.xlsx", [
        ["订单号", "下单日期", "客户编号", "区域", "产品线", "销售额"],
        ["SO1", dt.datetime(2025, 3, 5), "C1", "华东", "A", 100],
        ["SO2", dt.datetime(2025, 3, 6), "C2", "华北", "B", 250.5],
        [None, None, None, "总计", None, 350.5],
    ])
    ws = load(tmp_path / "w", {"sales.xlsx": data})
    assert ws.tables["sales"].index.tolist() == [2, 3]
    assert pd.isna(ws.quarantine["sales"].loc[4, "order_date"])


def test_excel_sep_hint_line_is_skipped_and_sets_the_delimiter(tmp_path):
    ws = load(tmp_path, {"sales.csv": csv("sep=;", SALES_HEADER.replace(",", ";"), "O1;2025-01-05;C1;华东;A;1.5")})
    assert ws.tables["sales"].loc[3, "amount"] == 1.5
    assert note(ws, "header_not_first_row").examples == ("line 1: sep=",)  # the line's non-empty fields


def test_header_repeated_where_two_exports_were_pasted_together(tmp_path):
    text = csv(SALES_HEADER, "O1,2025-01-05,C1,华东,A,100", SALES_HEADER, "O2,2025-02-05,C2,华北,B,200")
    ws = load(tmp_path, {"sales.csv": text})
    assert ws.tables["sales"].index.tolist() == [2, 4]
    found = note(ws, "repeated_header_skipped")
    assert (found.count, found.severity, found.examples) == (1, "repair", ("line 3",))


def test_pasted_export_that_brings_its_bom_along(tmp_path):
    # copy a.csv+b.csv: the second file's byte-order mark sits at the start of its header line
    text = "\ufeff" + csv(SALES_HEADER, "O1,2025-01-05,C1,华东,A,100") + "\ufeff" + csv(SALES_HEADER, "O2,2025-02-05,C2,华北,B,200")
    ws = load(tmp_path, {"sales.csv": text})
    assert ws.tables["sales"]["order_id"].tolist() == ["O1", "O2"]
    found = note(ws, "repeated_header_skipped")
    assert (found.count, found.severity, found.examples) == (1, "repair", ("line 3",))


@pytest.mark.parametrize(
    ("name", "text", "line", "column", "value"),
    [
        ("customers.csv", csv("customer_id,region", "C1,华东", "C2,华北", "合计,2"), 4, "customer_id", "合计"),
        ("customers.csv", csv("客户编号,区域", "C1,华东", "C2,华东", ",华东小计"), 4, "区域 (region)", "华东小计"),
        ("surveys.csv", csv("response_id,survey_date,respondent_type,nps", "R1,2025-03-01,customer,9", "R2,2025-03-01,customer,5", "Total,,,7"),
         4, "response_id", "Total"),
    ],
)
def test_total_row_in_a_table_without_amounts_is_an_error(tmp_path, name, text, line, column, value):
    # nothing to reconcile it with: read as a record it would be a customer called 合计 (or a blank-dated answer)
    label = "subtotal (小计)" if "小计" in value else "total (合计)"
    assert problems(tmp_path, {name: text}) == [
        Problem(name, line, column, value,
                f"a {label} row in a table without amounts: there is nothing to check it against, so it cannot be told "
                "from a record; remove it from the export"),
    ]


def test_comment_that_says_total_is_not_a_total_row(tmp_path):
    text = csv("response_id,survey_date,respondent_type,nps,comment", "R1,2025-03-01,customer,9,合计", "R2,2025-03-01,customer,5,小计")
    ws = load(tmp_path, {"surveys.csv": text})
    assert ws.tables["surveys"]["comment"].tolist() == ["合计", "小计"]


def test_xlsx_vertically_merged_data_cells_give_every_row_their_value(tmp_path):
    # 区域 and 渠道 merged down over the rows they apply to, as Chinese Excel reports often are;
    # openpyxl reads the value on the first row only (a required column would be blank, an optional one silently so)
    data = workbook(
        tmp_path / "s.xlsx",
        [
            ["订单号", "下单日期", "客户编号", "区域", "产品线", "销售额", "渠道"],
            ["SO1", dt.datetime(2025, 3, 5), "C1", "华东", "A", 100, "线上"],
            ["SO2", dt.datetime(2025, 3, 6), "C1", None, "B", 200, None],
            ["SO3", dt.datetime(2025, 3, 7), "C1", None, "A", 300, None],
            ["SO4", dt.datetime(2025, 3, 8), "C2", "华北", "A", 400, "直销"],
            ["备注 SO1–SO3 同一合同", None, None, None, None, None, None],
        ],
        merge=["D2:D4", "G2:G4", "A6:G6"],
    )
    ws = load(tmp_path / "w", {"sales.xlsx": data})
    sales = ws.tables["sales"]
    assert sales["region"].tolist() == ["华东", "华东", "华东", "华北"]
    assert sales["channel"].tolist() == ["线上", "线上", "线上", "直销"]
    found = note(ws, "merged_cells_filled")
    assert (found.count, found.severity, found.examples) == (4, "repair", ("D2:D4: 华东", "G2:G4: 线上"))
    assert note(ws, "footer_rows_skipped").examples == ("row 6: 备注 SO1–SO3 同一合同",)  # a horizontal merge stays one cell
