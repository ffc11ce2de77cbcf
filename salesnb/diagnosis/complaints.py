"""The Pareto table and the period's complaint tickets: response times per group, complaint rates per
region, the Pareto of categories and the response-time headline.

Here: :func:`pareto` (largest first, cumulative share, the vital few; any cause → count series),
:func:`vital_few`, :func:`pareto_effect`, :class:`PeriodTickets` / :func:`period_tickets`,
:func:`complaint_response`, :func:`complaint_rates`, :func:`complaint_pareto`, :class:`ResponseHighlights` /
:func:`response_highlights`. Not here: the sentences (:mod:`.narrative`), the display columns
(:mod:`.tables`), and the complaint evidence of ranked problems (:mod:`.evidence`).

Examples
--------
>>> pareto(pd.Series({"A": 50, "B": 30, "C": 15, "D": 5}))["vital_few"].tolist()
[True, True, False, False]
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import metrics
from ..periods import Period
from .regions import attach_region

__all__ = [
    "pareto", "vital_few", "pareto_effect", "complaint_response", "complaint_rates", "PeriodTickets", "period_tickets",
    "complaint_pareto", "ResponseHighlights", "response_highlights",
]


# -- the Pareto

def pareto(counts: pd.Series, threshold: float = 0.8) -> pd.DataFrame:
    """Pareto table of ``counts`` (cause → count): largest first, share, cumulative share and the vital few.

    The vital few are the causes up to and including the first whose
    cumulative share reaches ``threshold``. Ties keep the given order.

    Returns
    -------
    DataFrame with ``cause``, ``count``, ``share``, ``cum_share``, ``vital_few``.
    """
    c = pd.Series(counts).astype(float)
    c = c[c > 0]
    order = sorted(range(len(c)), key=lambda i: (-c.iloc[i], i))
    c = c.iloc[order]
    total = c.sum()
    out = pd.DataFrame({"cause": list(c.index), "count": c.to_numpy()})
    if out.empty:
        return out.assign(share=[], cum_share=[], vital_few=[])
    out["count"] = out["count"].astype(int) if (out["count"] % 1 == 0).all() else out["count"]
    out["share"] = out["count"] / total
    out["cum_share"] = out["share"].cumsum()
    reached = int(np.argmax(out["cum_share"].to_numpy() >= threshold - 1e-12)) if (out["cum_share"] >= threshold - 1e-12).any() else len(out) - 1
    out["vital_few"] = np.arange(len(out)) <= reached
    return out


def vital_few(pareto_table: pd.DataFrame | None) -> list[str]:
    """The vital-few causes of a :func:`pareto` table (none without a table).

    Examples
    --------
    >>> vital_few(pareto(pd.Series({"A": 50, "B": 30, "C": 20}))), vital_few(None)
    (['A', 'B'], [])
    """
    return [] if pareto_table is None else list(pareto_table.loc[pareto_table["vital_few"], "cause"])


def pareto_effect(pareto_table: pd.DataFrame | None) -> bool:
    """Whether a :func:`pareto` table shows a Pareto effect: a few causes carry most tickets.

    Rule: the vital few are at most half of the categories (and there are at least two categories).
    When more than half are needed to reach the threshold, the tickets are spread and no
    category dominates: e.g. 5 of 6 categories for 80 % is no Pareto effect.

    Examples
    --------
    >>> pareto_effect(pareto(pd.Series({"A": 60, "B": 25, "C": 10, "D": 5}))), pareto_effect(pareto(pd.Series({"A": 21, "B": 20, "C": 17, "D": 16, "E": 14, "F": 12})))
    (True, False)
    >>> pareto_effect(pareto(pd.Series({"A": 5}))), pareto_effect(None)
    (False, False)
    """
    if pareto_table is None or len(pareto_table) < 2:
        return False
    return int(pareto_table["vital_few"].sum()) * 2 <= len(pareto_table)


# -- the period's tickets

def complaint_response(complaints: pd.DataFrame, period: Period, promise_hours: float, by: str | list[str]) -> pd.DataFrame:
    """Tickets opened in ``period`` per group: count, median first-response hours and share over the promise.

    Tickets unanswered at the period's end count with their age then (as in
    :func:`salesnb.metrics.complaint_summary`).
    """
    by = [by] if isinstance(by, str) else list(by)
    cur = complaints.loc[period.contains(complaints["opened_at"])]
    hours = metrics.response_hours(cur, as_of=period.end_exclusive)
    keyed = cur.assign(hours=hours)
    return (keyed.groupby(by, sort=True, observed=True)
            .agg(tickets=("ticket_id", "size"), median_hours=("hours", "median"),
                 over_promise=("hours", lambda h: float((h > promise_hours).mean())))
            .reset_index())


def complaint_rates(complaints: pd.DataFrame, sales: pd.DataFrame, period: Period, min_customers: int = 30) -> pd.DataFrame:
    """Complaint rate per region: tickets opened in ``period`` per 100 customers active in it.

    Returns ``region``, ``tickets``, ``active_customers``, ``per_100_customers``
    and ``reliable`` (at least ``min_customers`` active customers); reliable
    regions first, highest rate first.
    """
    cur = complaints.loc[period.contains(complaints["opened_at"])]
    buys = metrics.purchases(metrics.sales_in(sales, period))
    active = buys.groupby("region")["customer_id"].nunique().rename("active_customers")
    tickets = cur.groupby("region").size().rename("tickets")
    out = pd.concat([tickets, active], axis=1).fillna(0).astype(int).rename_axis("region").reset_index()
    out["per_100_customers"] = 100 * out["tickets"] / out["active_customers"].where(out["active_customers"] > 0)
    out["reliable"] = out["active_customers"] >= min_customers
    return out.sort_values(["reliable", "per_100_customers"], ascending=False, kind="mergesort").reset_index(drop=True)


@dataclass(frozen=True)
class PeriodTickets:
    """The complaint tickets: all of them and those opened in the period, both with ``region``.

    Both are None without a complaints table.
    """

    complaints: pd.DataFrame | None
    current: pd.DataFrame | None

    @property
    def in_period(self) -> bool:
        """Whether any ticket was opened in the period."""
        return self.current is not None and len(self.current) > 0


def period_tickets(complaints: pd.DataFrame | None, customers: pd.DataFrame, period: Period) -> PeriodTickets:
    """``complaints`` with ``region`` (from the customer master where blank) and those opened in ``period``.

    Examples
    --------
    >>> c = pd.DataFrame({"ticket_id": ["a", "b"], "customer_id": ["c1", "c1"], "opened_at": pd.to_datetime(["2025-09-30", "2025-10-01"])})
    >>> tickets = period_tickets(c, pd.DataFrame({"customer_id": ["c1"], "region": ["东"]}), Period.parse("2025Q4"))
    >>> tickets.current["ticket_id"].tolist(), tickets.complaints["region"].tolist(), tickets.in_period
    (['b'], ['东', '东'], True)
    """
    if complaints is None:
        return PeriodTickets(None, None)
    every = attach_region(complaints, customers)
    return PeriodTickets(every, every.loc[period.contains(every["opened_at"])])


def complaint_pareto(tickets: PeriodTickets, threshold: float = 0.8) -> pd.DataFrame | None:
    """The :func:`pareto` table of the categories of the tickets opened in the period; None without such tickets.

    Examples
    --------
    >>> cur = pd.DataFrame({"category": ["慢", "慢", "贵"]})
    >>> complaint_pareto(PeriodTickets(cur, cur))[["cause", "count"]].values.tolist()
    [['慢', 2], ['贵', 1]]
    """
    return pareto(tickets.current["category"].value_counts(), threshold) if tickets.in_period else None


@dataclass(frozen=True)
class ResponseHighlights:
    """The response-time headline of the period.

    Attributes
    ----------
    late_share : share of the period's tickets first answered after the promise.
    region : the slowest region (highest median first response among regions with enough tickets).
    median_hours : its median first-response hours.
    over_promise : its share of tickets answered after the promise.
    promise_hours : the promise (hours).
    """

    late_share: float
    region: str | None
    median_hours: float
    over_promise: float
    promise_hours: float


def response_highlights(complaints: pd.DataFrame, by_region: pd.DataFrame, period: Period, promise_hours: float,
                        min_tickets: int = 10) -> ResponseHighlights:
    """The company's share of late first responses and the slowest region of ``by_region``.

    ``by_region`` is :func:`complaint_response` by ``region``. The slowest
    region is picked among those with at least ``min_tickets`` tickets (all
    regions when none has that many).

    Examples
    --------
    >>> c = pd.DataFrame({"ticket_id": ["a", "b"], "opened_at": pd.to_datetime(["2025-10-01", "2025-10-01"]),
    ...                   "first_response_at": pd.to_datetime(["2025-10-01 12:00", "2025-10-04 00:00"])})
    >>> by_region = pd.DataFrame({"region": ["东", "西"], "tickets": [1, 1], "median_hours": [12.0, 72.0], "over_promise": [0.0, 1.0]})
    >>> h = response_highlights(c, by_region, Period.parse("2025Q4"), 48)
    >>> h.late_share, h.region, h.median_hours
    (0.5, '西', 72.0)
    """
    enough = by_region.loc[by_region["tickets"] >= min_tickets] if (by_region["tickets"] >= min_tickets).any() else by_region
    slowest = enough.nlargest(1, "median_hours").iloc[0]
    late = metrics.complaint_summary(complaints, period, promise_hours)["response_over_promise_share"]
    if len(by_region) < 2:  # a single region is not "the slowest"
        return ResponseHighlights(late, None, float(slowest["median_hours"]), float(slowest["over_promise"]), promise_hours)
    return ResponseHighlights(late, slowest["region"], float(slowest["median_hours"]), float(slowest["over_promise"]), promise_hours)
