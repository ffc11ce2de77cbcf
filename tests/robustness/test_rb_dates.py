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
