"""Dates: ISO, Chinese and compact forms; Excel serial numbers (typed cells
only); US m/d/yyyy only when declared; ambiguous forms are an error naming the
setting; future or too-early dates are quarantined with a warning; a first
response before the ticket was opened is an error."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from rb_helpers import SALES_HEADER, TODAY, csv, load, note, only, problems, workbook

from salesnb.errors import Problem

COMPLAINTS = "ticket_id,customer_id,opened_at,category,first_response_at,resolved_at"


@pytest.mark.parametrize("text", ["2025-03-05", "2025/3/5", "2025.3.5", "2025年3月5日", "２０２５年３月５日", "20250305", "2025-03-05 14:30:00"])
def test_accepted_date_forms(tmp_path, text):
    ws = load(tmp_path, {"sales.csv": csv(SALES_HEADER, f"O1,{text},C1,华东,A,1")})
    assert ws.tables["sales"].loc[2, "order_date"] == pd.Timestamp("2025-03-05")


def test_excel_serial_numbers_in_a_typed_xlsx_cell(tmp_path):
    data = workbook(tmp_path / "s.xlsx", [
        ["订单号", "下单日期", "客户编号", "区域", "产品线", "销售额"],
        ["SO1", 45722, "C1", "华东", "A", 1],
        ["SO2", dt.datetime(2025, 3, 6, 15, 30), "C1", "华东", "A", 1],
    ])
    ws = load(tmp_path / "w", {"sales.xlsx": data})
    assert ws.tables["sales"]["order_date"].tolist() == [pd.Timestamp("2025-03-06")] * 2


def test_excel_serial_number_in_a_csv_is_an_error_with_the_fix(tmp_path):
    found = only(problems(tmp_path, {"sales.csv": csv(SALES_HEADER, "O1,45722,C1,华东,A,1")}))
    assert found == Problem("sales.csv", 2, "order_date", "45722",
                            "must be a date (YYYY-MM-DD); 45722 looks like an Excel day number (2025-03-06): "
                            "format the column as a date in Excel before saving as CSV")


def test_us_month_first_dates_when_declared(tmp_path):
    yaml = 'company:\n  name: Demo\ntables:\n  sales: {file: sales.csv, date_format: "%m/%d/%Y"}\n'
    ws = load(tmp_path, {"sales.csv": csv(SALES_HEADER, "O1,03/05/2025,C1,华东,A,1", "O2,12/31/2025,C1,华东,A,1", "O3,2025-07-01,C1,华东,A,1")}, yaml=yaml)
    assert ws.tables["sales"]["order_date"].tolist() == [pd.Timestamp("2025-03-05"), pd.Timestamp("2025-12-31"), pd.Timestamp("2025-07-01")]


def test_ambiguous_day_month_order_is_an_error_unless_declared(tmp_path):
    found = only(problems(tmp_path, {"sales.csv": csv(SALES_HEADER, "O1,03/05/2025,C1,华东,A,1")}))
    assert found == Problem("sales.csv", 2, "order_date", "03/05/2025",
                            'must be a date (YYYY-MM-DD); 03/05/2025 could be day/month or month/day: declare the format as '
                            'tables.sales.date_format in workspace.yaml (e.g. "%m/%d/%Y" or "%d/%m/%Y")')


def test_date_that_breaks_the_declared_format(tmp_path):
    yaml = 'company:\n  name: Demo\ntables:\n  sales: {file: sales.csv, date_format: "%m/%d/%Y"}\n'
    found = only(problems(tmp_path, {"sales.csv": csv(SALES_HEADER, "O1,13/05/2025,C1,华东,A,1")}, yaml=yaml))
    assert found.rule == "must be a date (YYYY-MM-DD); does not match tables.sales.date_format '%m/%d/%Y'"


def test_future_dates_are_quarantined_with_a_warning(tmp_path):
    ws = load(tmp_path, {"sales.csv": csv(SALES_HEADER, "O1,2025-12-30,C1,华东,A,1", "O2,2026-03-01,C1,华东,A,7", f"O3,{TODAY},C1,华东,A,1")})
    assert ws.tables["sales"].index.tolist() == [2, 4]
    found = note(ws, "dates_out_of_range")
    assert (found.table, found.count, found.severity, found.examples) == ("sales", 1, "warning", ("line 3: 2026-03-01",))
    aside = ws.quarantine["sales"]
    assert aside.loc[3, "reason"] == "order_date 2026-03-01 is after the day of the run (2026-01-15)"
    assert aside.loc[3, "amount"] == 7.0


def test_dates_before_the_accepted_range_are_quarantined(tmp_path):
    yaml = "company:\n  name: Demo\nchecks:\n  earliest_date: 2020-01-01\n"
    surveys = csv("response_id,survey_date,respondent_type,nps", "R1,2025-03-01,customer,9", "R2,1900-01-00,customer,9", "R3,2019-12-31,customer,3")
    found = only(problems(tmp_path / "a", {"surveys.csv": surveys}, yaml=yaml))
    assert (found.line, found.value) == (3, "1900-01-00")  # not a date at all: an error, not a quarantine
    surveys = csv("response_id,survey_date,respondent_type,nps", "R1,2025-03-01,customer,9", "R3,2019-12-31,customer,3")
    ws = load(tmp_path / "b", {"surveys.csv": surveys}, yaml=yaml)
    assert ws.tables["surveys"].index.tolist() == [2]
    assert ws.quarantine["surveys"].loc[3, "reason"] == "survey_date 2019-12-31 is before checks.earliest_date (2020-01-01)"


def test_complaint_opened_in_the_future_is_quarantined(tmp_path):
    complaints = csv(COMPLAINTS, "T1,C1,2025-03-05 14:30,质量,,", "T2,C1,2026-01-16 08:00,质量,,")
    ws = load(tmp_path, {"complaints.csv": complaints})
    assert ws.tables["complaints"].index.tolist() == [2]
    assert ws.quarantine["complaints"].index.tolist() == [3]


def test_first_response_or_resolution_before_opening_is_an_error(tmp_path):
    complaints = csv(COMPLAINTS, "T1,C1,2025-03-05 14:30,质量,2025-03-05 09:00,", "T2,C1,2025-03-05 14:30,质量,2025-03-05 15:00,2025-03-04 10:00")
    assert problems(tmp_path, {"complaints.csv": complaints}) == [
        Problem("complaints.csv", 2, "first_response_at", "2025-03-05 09:00", "the first response is before the ticket was opened (2025-03-05 14:30)"),
        Problem("complaints.csv", 3, "resolved_at", "2025-03-04 10:00", "the resolution is before the ticket was opened (2025-03-05 14:30)"),
    ]


def test_rows_set_aside_by_date_are_counted_by_reason_in_the_warning(tmp_path):
    # 2 rows before checks.earliest_date (1999-12-31, 1998-05-01), 1 after the day of the run (2026-01-15)
    sales = csv(SALES_HEADER, "O1,1999-12-31,C1,华东,A,1", "O2,2025-03-01,C1,华东,A,1", "O3,1998-05-01,C2,华北,B,1", "O4,2026-02-01,C2,华北,B,1")
    found = note(load(tmp_path, {"sales.csv": sales}), "dates_out_of_range")
    assert found.count == 3
    assert found.detail == (
        "2 row(s) dated before checks.earliest_date 2000-01-01 and 1 row(s) dated after the day of the run (2026-01-15) "
        "were set aside (quarantine/sales.csv of the run)"
    )
    assert found.examples == ("line 2: 1999-12-31", "line 4: 1998-05-01", "line 5: 2026-02-01")


def test_a_table_emptied_by_earliest_date_names_the_count_and_the_setting(tmp_path):
    sales = csv(SALES_HEADER, *[f"O{i},1995-0{i}-01,C1,华东,A,1" for i in range(1, 4)])
    assert only(problems(tmp_path, {"sales.csv": sales})) == Problem(
        "sales.csv", None, None, None,
        "required table 'sales' has no data rows left after the rows set aside: 3 row(s) dated before checks.earliest_date "
        "(lower it in workspace.yaml, e.g. checks: {earliest_date: 1990-01-01})",
    )


@pytest.mark.parametrize("text", ["2015-02-24 11:15:36 -0800", "2015-02-24 11:15:36 +08:00", "2015-02-24 11:15 UTC", "2015-02-24T11:15:36-08:00"])
def test_datetimes_with_a_utc_offset_keep_their_wall_clock_day(tmp_path, text):
    complaints = csv(COMPLAINTS, f"T1,C1,{text},质量,,")
    sales = csv(SALES_HEADER, f"O1,{text},C1,华东,A,1")
    ws = load(tmp_path, {"complaints.csv": complaints, "sales.csv": sales})
    assert ws.tables["sales"]["order_date"].tolist() == [pd.Timestamp("2015-02-24")]
    opened = ws.tables["complaints"]["opened_at"].iloc[0]
    assert (opened.date(), opened.hour, opened.minute) == (dt.date(2015, 2, 24), 11, 15)  # as written, not moved to UTC


def test_the_engine_reader_reads_a_utc_offset_the_same_way(tmp_path):
    from rb_helpers import workspace

    from salesnb.prepare import prepare

    sales = csv(SALES_HEADER, "O1,2015-02-24 23:15:36 -0800,C1,华东,A,1", "O2,2015-02-25,C2,华北,B,2")
    root = workspace(tmp_path / "e", {"sales.csv": sales}, yaml="company:\n  name: Demo\nsource:\n  reader: engine\n  contract_max_rows: 0\n")
    prepared = prepare(root, cache_dir=tmp_path / "cache", today=TODAY)
    assert prepared.reader == "engine"
    assert prepared.workspace().tables["sales"]["order_date"].tolist() == [pd.Timestamp("2015-02-24"), pd.Timestamp("2015-02-25")]
