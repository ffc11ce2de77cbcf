"""Future-dated and stray rows never move the default period (issue 15, item 6).

Rows dated after the day of the run are set aside (``dates_out_of_range``).
A few rows dated in quarters that otherwise hold no data (a mistyped year
before the day of the run) are kept and reported (``stray_late_rows``);
:func:`salesnb.periods.latest_complete_period` gives the latest complete
quarter *with data*, which ``report.resolve_period`` uses by default.
"""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from rb_helpers import SALES_HEADER, TODAY, csv, load, note, rules

from salesnb.periods import Period, latest_complete_period


def _year_2025(extra: list[str]) -> str:
    # one order on each of the days 1–28 of every month of 2025 and on 2025-12-31: 84 lines a quarter (85 in Q4)
    lines = [f"O{m}-{d},2025-{m:02d}-{d:02d},C1,华东,A,100" for m in range(1, 13) for d in range(1, 29)]
    lines.append("O12-31,2025-12-31,C1,华东,A,100")  # the data end on the last day of 2025Q4
    return csv(SALES_HEADER, *lines, *extra)


def test_a_stray_row_dated_in_an_empty_later_quarter_is_reported_and_ignored_for_the_period(tmp_path):
    # the crash: a row dated in a later quarter that is complete by the day of the run (2026Q3, run on 2026-12-06)
    # made 2026Q3 the default period, an empty quarter; 1 row < 10 % of the median 84 rows a quarter: a stray
    today = dt.date(2026, 12, 6)
    ws_sales = _year_2025(["X1,2026-09-15,C1,华东,A,7"])
    from rb_helpers import workspace
    from salesnb.io import load_workspace

    ws = load_workspace(workspace(tmp_path, {"sales.csv": ws_sales}), today=today)
    found = note(ws, "stray_late_rows")
    assert (found.count, found.severity, found.examples) == (1, "warning", ("line 339: 2026-09-15",))
    assert found.detail == (
        "1 row(s) dated after 2025-12-31 lie in quarter(s) that otherwise hold no data; the default report period is 2025Q4, "
        "the latest complete quarter with data: check these dates"
    )
    choice = latest_complete_period(ws.tables["sales"]["order_date"], today)
    assert (str(choice.period), choice.last_date, choice.ignored) == ("2025Q4", pd.Timestamp("2025-12-31"), 1)
    assert ws.tables["sales"]["amount"].sum() == 337 * 100 + 7  # kept: nothing is dropped


def test_future_rows_are_set_aside_and_do_not_count_for_the_period(tmp_path):
    ws = load(tmp_path, {"sales.csv": _year_2025(["X1,2026-09-15,C1,华东,A,7"])})  # TODAY = 2026-01-15: a future date
    assert note(ws, "dates_out_of_range").examples == ("line 339: 2026-09-15",)
    assert "stray_late_rows" not in rules(ws)
    assert str(latest_complete_period(ws.tables["sales"]["order_date"], TODAY).period) == "2025Q4"


def test_the_running_quarter_is_not_a_stray(tmp_path):
    # two weeks into 2026Q1, a single order: the period is 2025Q4 either way, so nothing is reported
    ws = load(tmp_path, {"sales.csv": _year_2025(["X1,2026-01-10,C1,华东,A,7"])})
    assert "stray_late_rows" not in rules(ws)


@pytest.mark.parametrize(
    ("dates", "today", "expected"),
    [
        (["2025-01-01", "2025-03-31"], None, ("2025Q1", "2025-03-31", 0)),
        (["2025-01-01", "2025-03-30"], None, ("2024Q4", "2025-03-30", 0)),  # Q1 not complete
        (["2025-01-01", "2025-03-31", "2031-05-01"], dt.date(2026, 1, 15), ("2025Q1", "2025-03-31", 1)),  # future
        # 10 rows a month in 2025 (30 a quarter), one in 2026Q3: 1 < 10 % of 30 → a stray, the period stays 2025Q4
        ([*[f"2025-{m:02d}-28" for m in range(1, 13)] * 10, "2025-12-31", "2026-07-01"], dt.date(2026, 12, 6), ("2025Q4", "2025-12-31", 1)),
        # 3 rows in 2026Q3 against 30: exactly 10 % is data, not a stray (2026Q3 is then the latest complete quarter)
        ([*[f"2025-{m:02d}-28" for m in range(1, 13)] * 10, *["2026-09-30"] * 3], dt.date(2026, 12, 6), ("2026Q3", "2026-09-30", 0)),
    ],
)
def test_latest_complete_period_by_hand(dates, today, expected):
    choice = latest_complete_period(pd.Series(pd.to_datetime(dates)), today)
    assert (str(choice.period), f"{choice.last_date:%Y-%m-%d}", choice.ignored) == expected
    assert isinstance(choice.period, Period)
