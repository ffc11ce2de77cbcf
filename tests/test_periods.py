"""Planning periods: parsing, boundaries, arithmetic and fiscal calendars (salesnb.periods)."""
from __future__ import annotations

import pandas as pd
import pytest

from salesnb.periods import Period, latest_complete_quarter, parse_period


def ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text)


@pytest.mark.parametrize(
    "text, year, quarter",
    [("2025Q4", 2025, 4), ("2025q4", 2025, 4), (" 2025Q1 ", 2025, 1), ("2025", 2025, None), ("1999Q2", 1999, 2)],
)
def test_parse_accepts_years_and_quarters(text, year, quarter):
    p = Period.parse(text)
    assert (p.year, p.quarter, p.start_month) == (year, quarter, 1)
    assert parse_period(text) == p


def test_parse_round_trips_through_str():
    assert str(Period.parse("2025q4")) == "2025Q4"
    assert str(Period.parse("2025")) == "2025"


@pytest.mark.parametrize("text", ["2025Q5", "2025Q0", "25Q1", "../2024Q1", "2025-Q1", "Q1 2025", "2025Q4x", "", "2025/Q1", "2025Q12"])
def test_parse_rejects_malformed_periods(text):
    with pytest.raises(ValueError, match="YYYY or YYYYQn"):
        Period.parse(text)


def test_parse_rejects_invalid_fiscal_start_month():
    with pytest.raises(ValueError, match="fiscal start month"):
        Period.parse("2025Q1", start_month=13)


def test_calendar_quarter_and_year_boundaries():
    q = Period.parse("2025Q4")
    assert (q.start, q.end, q.end_exclusive) == (ts("2025-10-01"), ts("2025-12-31"), ts("2026-01-01"))
    assert q.is_quarter and q.months == 3
    y = Period.parse("2025")
    assert (y.start, y.end) == (ts("2025-01-01"), ts("2025-12-31"))
    assert not y.is_quarter and y.months == 12
    assert Period.parse("2024Q1").end == ts("2024-03-31")


def test_fiscal_year_starting_in_april():
    q1 = Period.parse("2025Q1", start_month=4)
    assert (q1.start, q1.end) == (ts("2025-04-01"), ts("2025-06-30"))
    q4 = Period.parse("2025Q4", start_month=4)
    assert (q4.start, q4.end) == (ts("2026-01-01"), ts("2026-03-31"))
    year = Period.parse("2025", start_month=4)
    assert (year.start, year.end) == (ts("2025-04-01"), ts("2026-03-31"))
    assert [str(q) for q in year.quarters()] == ["2025Q1", "2025Q2", "2025Q3", "2025Q4"]
    assert all(q.start_month == 4 for q in year.quarters())


def test_shift_previous_and_year_ago():
    q = Period.parse("2025Q1")
    assert str(q.previous()) == "2024Q4"
    assert str(q.shift(3)) == "2025Q4"
    assert str(q.shift(4)) == "2026Q1"
    assert str(q.shift(-5)) == "2023Q4"
    assert str(q.year_ago()) == "2024Q1"
    y = Period.parse("2025")
    assert (str(y.previous()), str(y.year_ago()), str(y.shift(2))) == ("2024", "2024", "2027")
    assert Period.parse("2025Q1", start_month=4).previous().start == ts("2025-01-01")


def test_of_finds_the_period_containing_a_date():
    assert str(Period.of(ts("2025-03-31 23:59"))) == "2025Q1"
    assert str(Period.of(ts("2025-04-01"))) == "2025Q2"
    assert str(Period.of(ts("2025-07-15"), "year")) == "2025"
    # fiscal year from April: February 2026 is Q4 of fiscal 2025
    assert str(Period.of(ts("2026-02-15"), start_month=4)) == "2025Q4"
    assert str(Period.of(ts("2026-02-15"), "year", start_month=4)) == "2025"
    assert str(Period.of(ts("2025-04-01"), start_month=4)) == "2025Q1"
    with pytest.raises(ValueError, match="grain"):
        Period.of(ts("2025-01-01"), "month")


def test_contains_is_inclusive_of_the_last_day():
    dates = pd.Series(pd.to_datetime(["2025-09-30 23:00", "2025-10-01", "2025-12-31 18:00", "2026-01-01"], format="ISO8601"))
    assert Period.parse("2025Q4").contains(dates).tolist() == [False, True, True, False]


@pytest.mark.parametrize(
    "last, start_month, expected",
    [
        ("2025-12-31", 1, "2025Q4"),
        ("2025-12-30", 1, "2025Q3"),
        ("2025-12-31 17:00", 1, "2025Q4"),
        ("2025-01-15", 1, "2024Q4"),
        ("2026-03-31", 4, "2025Q4"),
        ("2026-03-30", 4, "2025Q3"),
        ("2025-06-30", 4, "2025Q1"),
    ],
)
def test_latest_complete_quarter(last, start_month, expected):
    got = latest_complete_quarter(ts(last), start_month)
    assert str(got) == expected and got.start_month == start_month
