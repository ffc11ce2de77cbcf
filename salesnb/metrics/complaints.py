"""Complaint tickets: response hours, the period's summary, response tables and category shares.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..periods import Period, period_labels


def response_hours(complaints: pd.DataFrame, as_of: pd.Timestamp | None = None) -> pd.Series:
    """Hours from opening to first response per ticket.

    Tickets not yet answered count up to ``as_of`` (a lower bound on their
    response time), so a ticket silent for three days is late even without a
    response; without ``as_of`` they are NaN.
    """
    if not has_response_times(complaints):  # first responses are not recorded: no response time, not "unanswered"
        return pd.Series(np.nan, index=complaints.index, dtype="float64")
    first = complaints["first_response_at"]
    if as_of is not None:
        first = first.fillna(pd.Timestamp(as_of))
    return (first - complaints["opened_at"]).dt.total_seconds() / 3600


def complaint_summary(complaints: pd.DataFrame, period: Period, promise_hours: float) -> dict:
    """Count, response-over-promise share and median first response of the
    tickets opened in ``period``.

    The share's denominator is every ticket opened in the period; a ticket
    unanswered at the period's end counts as late once it is older than the
    promise. Without a ``first_response_at`` column the share and the median
    are NaN (no response-time data), never "all late".
    """
    cur = complaints.loc[period.contains(complaints["opened_at"])]
    hours = response_hours(cur, as_of=period.end_exclusive)
    timed = len(cur) > 0 and has_response_times(complaints)
    return {
        "complaints": int(len(cur)),
        "response_over_promise_share": float((hours > promise_hours).mean()) if timed else float("nan"),
        "median_first_response_hours": float(hours.median()) if timed else float("nan"),
    }


def response_table(complaints: pd.DataFrame, by: str | list[str], grain: str = "quarter", start_month: int = 1,
                   promise_hours: float = 48) -> pd.DataFrame:
    """Tickets, median first-response hours and share over the promise per period and group.

    Unanswered tickets count with their age at the end of the data (a lower bound).
    """
    by = [by] if isinstance(by, str) else list(by)
    as_of = complaints["opened_at"].max() if len(complaints) else None
    keyed = complaints.assign(period=period_labels(complaints["opened_at"], grain, start_month),
                              hours=response_hours(complaints, as_of=as_of))
    out = (
        keyed.groupby(["period", *by], sort=True, observed=True)
        .agg(tickets=("ticket_id", "size"), median_hours=("hours", "median"), over_promise=("hours", lambda h: float((h > promise_hours).mean())))
        .reset_index()
    )
    return out


def category_shares(complaints: pd.DataFrame, period: Period, column: str = "category") -> pd.DataFrame:
    """Tickets per category opened in ``period``, largest first, with share and cumulative share."""
    cur = complaints.loc[period.contains(complaints["opened_at"])]
    counts = cur[column].value_counts().rename_axis(column).reset_index(name="tickets")
    counts["share"] = counts["tickets"] / counts["tickets"].sum() if len(counts) else []
    counts["cumulative_share"] = counts["share"].cumsum()
    return counts


def has_response_times(complaints: pd.DataFrame | None) -> bool:
    """Whether the complaints record first responses (a ``first_response_at`` column exists)."""
    return complaints is not None and "first_response_at" in complaints.columns
