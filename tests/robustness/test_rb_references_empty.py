"""References and empty files: rows naming customers that are not in
customers are an info note, a warning or an error by share (thresholds in
checks.unknown_customers); empty files and header-only files are an error
saying there are no rows."""
from __future__ import annotations

import pandas as pd
from rb_helpers import SALES_HEADER, csv, load, note, only, problems, workbook

from salesnb.errors import Problem

UNKNOWN = csv(SALES_HEADER, "O1,2025-01-05,C1,华东,A,1", "O2,2025-01-05,C2,华东,A,1", "O3,2025-01-05,C1,华东,A,1", "O4,2025-01-05,C9,华东,A,1")


def limits(warn: float, error: float) -> str:
    return f"company:\n  name: Demo\nchecks:\n  unknown_customers: {{warn_above: {warn}, error_above: {error}, headline_above: 1}}\n"


def test_unknown_customers_at_or_below_the_warning_threshold_are_an_info_note(tmp_path):
    ws = load(tmp_path, {"sales.csv": UNKNOWN}, yaml=limits(0.25, 0.5))
    found = note(ws, "unknown_customer_ids")
    assert (found.severity, found.count, found.examples) == ("info", 1, ("C9 (line 5)",))
    assert found.detail.startswith("1 of 4 row(s) (25.0%) refer to 1 customer_id value(s) not found in customers.csv")


def test_unknown_customers_above_the_warning_threshold_are_a_warning(tmp_path):
    ws = load(tmp_path, {"sales.csv": UNKNOWN}, yaml=limits(0.1, 0.5))
    assert note(ws, "unknown_customer_ids").severity == "warning"


def test_unknown_customers_above_the_error_threshold_are_an_error(tmp_path):
    found = only(problems(tmp_path, {"sales.csv": UNKNOWN}))  # defaults: warn above 0 %, error above 5 %
    assert found == Problem(
        "sales.csv", 5, "customer_id", "C9",
        "customer id not found in customers.csv: 1 of 4 row(s) (25.0%) refer to 1 customer_id value(s) not found in customers.csv, "
        "above checks.unknown_customers.error_above (5.0%)",
    )


def test_thresholds_apply_per_table(tmp_path):
    complaints = csv("ticket_id,customer_id,opened_at,category", "T1,C7,2025-03-05 10:00,质量", "T2,C1,2025-03-05 10:00,质量")
    found = only(problems(tmp_path, {"complaints.csv": complaints}, yaml=limits(0.1, 0.3)))
    assert (found.file, found.line, found.value) == ("complaints.csv", 2, "C7")


def test_empty_csv_file(tmp_path):
    assert only(problems(tmp_path, {"surveys.csv": b""})) == Problem("surveys.csv", None, None, None, "the file is empty (no header line)")


def test_csv_with_blank_lines_only(tmp_path):
    assert only(problems(tmp_path, {"sales.csv": "\ufeff\n\n  \n"})).rule == "the file is empty (no header line)"


def test_header_only_csv(tmp_path):
    assert only(problems(tmp_path, {"complaints.csv": "ticket_id,customer_id,opened_at,category\n"})) == Problem(
        "complaints.csv", None, None, None, "has a header but no data rows: export the rows too (or remove the file)"
    )


def test_empty_xlsx_sheet(tmp_path):
    data = workbook(tmp_path / "c.xlsx", [], title="客户")
    assert only(problems(tmp_path / "w", {"customers.xlsx": data})) == Problem(
        "customers.xlsx", None, None, "客户", "sheet '客户' is empty (no header and no rows)"
    )


def test_header_only_xlsx(tmp_path):
    data = workbook(tmp_path / "s.xlsx", [["订单号", "下单日期", "客户编号", "区域", "产品线", "销售额"], [], []])
    assert only(problems(tmp_path / "w", {"sales.xlsx": data})).rule == "has a header but no data rows: export the rows too (or remove the file)"


def test_header_only_parquet(tmp_path):
    path = tmp_path / "s.parquet"
    pd.DataFrame({c: pd.Series(dtype="str") for c in SALES_HEADER.split(",")}).to_parquet(path)
    data = path.read_bytes()
    assert only(problems(tmp_path / "w", {"sales.parquet": data})).rule == "has a header but no data rows: export the rows too (or remove the file)"


def test_an_empty_action_register_is_allowed(tmp_path):
    header = "action_id,problem,measure,owner,start,due,kpi,baseline,target,status\n"
    ws = load(tmp_path, {"actions.csv": header})
    assert ws.has("actions") and ws.tables["actions"].empty
