"""The bottleneck scan of step 1: sales bottlenecks and customer pain points (销售瓶颈 and 痛点) as ranked findings.

Here: :func:`bottlenecks` (the last twelve months against the twelve before,
company-wide and per region) and its checks, one helper each, :func:`revenue_falls`
for a short history, and :func:`scope_summary`. Not here: the findings as
sentences (:func:`salesnb.goals.describe_bottlenecks`) or tables (:mod:`salesnb.goals.views`).
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import metrics as m
from ..config import Bottlenecks, WorkspaceConfig
from ..periods import Period
from .tables import Tables, _between, _ttm

#: A finding counts at most this many thresholds beyond the line, so one extreme count cannot swamp the ranking.
MAX_EXCESS = 5.0

#: An empty scan's columns.
_FINDING_COLUMNS = ["rank", "kind", "scope_type", "scope", "metric", "current", "previous", "change", "threshold", "excess", "revenue_share",
                    "severity"]


def _finding(kind, scope_type, scope, metric, current, previous, threshold, excess, share, **evidence):
    return {"kind": kind, "scope_type": scope_type, "scope": scope, "metric": metric, "current": current,
            "previous": previous, "change": (current - previous) if previous == previous and current == current else float("nan"),
            "threshold": threshold, "excess": excess, "revenue_share": share, **evidence}


@dataclass(frozen=True)
class _Scan:
    """What every check of one :func:`bottlenecks` scan shares: the thresholds, the two twelve-month windows
    (``prev_lo`` … ``cur_lo`` before, ``cur_lo`` … ``end`` now) and whether the data covers both (``compare``)."""

    th: Bottlenecks
    min_n: int
    prev_lo: pd.Timestamp
    cur_lo: pd.Timestamp
    end: pd.Timestamp
    compare: bool


def bottlenecks(tables: Tables, period: Period, config: WorkspaceConfig, dimensions: list[str] | None = None) -> pd.DataFrame:
    """Scan the history for sales bottlenecks and customer pain points (销售瓶颈 and 痛点).

    Compares the twelve months ending with ``period`` (TTM) with the twelve
    before, company-wide and per region (and per product line for growth):

    - ``weak_acquisition``: new customers (first-ever purchase) fell by at least ``new_customers_drop``;
    - ``rising_churn``: churn rate (``retention`` windows) rose by at least ``churn_rise_points``;
    - ``growth_stall``: revenue growth at or below ``growth_stall`` after growing above it the year before;
    - ``falling_nps``: NPS fell by at least ``nps_drop_points`` (both years with n ≥ ``min_group_n``);
    - ``falling_dimension``: a 1–5 dimension mean fell by at least ``dimension_drop``;
    - ``rising_complaints``: a complaint category rose by at least ``complaint_rise`` with ≥ ``complaint_min_tickets``
      tickets and a Poisson z = (now − before)/sqrt(now + before) of at least 2 (its excess is the smaller of rise/threshold and z/2);
    - ``promise_broken``: at least ``promise_broken_share`` of tickets answered later than the promise
      (only when first responses are recorded);
    - ``late_delivery``: at least ``late_delivery_share`` of the orders due (at least ``min_group_n``)
      delivered after the promised day or still undelivered past it (when the order lines carry
      ``promised_date`` and ``delivered_date``).

    When the surveys do not ask the recommend question (no ``nps`` column),
    the overall satisfaction mean (1–5) is scanned like a dimension instead of NPS.

    Changes need the data to start by the first month of the previous twelve
    months; with less history the levels (``promise_broken``,
    ``late_delivery``) are checked, and a steep fall of revenue on a shorter
    span (:func:`revenue_falls`):

    - ``revenue_fall``: the report's last quarter's revenue fell by at least
      ``revenue_fall`` against the same quarter a year earlier (when the data
      covers it; else against the quarter before), company-wide and per region.

    Each finding carries its evidence numbers; ``severity`` = ``excess`` (how
    many thresholds beyond the line it is, between 1 and :data:`MAX_EXCESS`) × the square root of the
    scope's revenue share (1 for the company), so a large miss in a small
    region can outrank a small miss company-wide. Sorted by severity.
    """
    th = config.bottlenecks
    sales = tables.sales
    prev_lo, cur_lo, end = _ttm(period.end_exclusive)
    cur_sales = _between(sales, "order_date", cur_lo, end)
    total_rev = cur_sales["amount"].sum()
    scopes = _scopes(sales, cur_sales, total_rev)
    deliveries = m.delivery_orders(sales) if m.has_delivery(sales) else None
    # changes against the year before need data from the start of the previous twelve months; with less,
    # the earlier window is partly empty (every count "rises from 0"): only levels are checked
    compare = len(sales) > 0 and tables.data_start <= prev_lo
    scan = _Scan(th, config.thresholds.min_group_n, prev_lo, cur_lo, end, compare)
    findings = []

    for where in scopes:
        sub = tables if where[0] == "company" else tables.scoped({"region": where[1]})
        findings += _acquisition(scan, sub.sales, where)
        findings += _churn(scan, sub.sales, tables.window_months, where)
        findings += _satisfaction(scan, sub.surveys, dimensions, where)
        findings += _complaints(scan, sub.complaints, tables.promise_hours, where)
        findings += _late_deliveries(scan, deliveries, where)

    if not compare:  # no twelve-month comparison: a steep fall on the latest quarter is still a bottleneck
        findings.extend(revenue_falls(tables, period, th.revenue_fall, scopes))

    findings += _growth_stalls(scan, sales, cur_sales, total_rev)
    return _ranked(findings)


def _scopes(sales: pd.DataFrame, cur_sales: pd.DataFrame, total_rev: float) -> list[tuple[str, str, float]]:
    """The scopes scanned: (``scope_type``, ``scope``, revenue share of the last twelve months), the company first."""
    region_share = (cur_sales.groupby("region")["amount"].sum() / total_rev) if total_rev else pd.Series(dtype=float)
    return [("company", "", 1.0)] + [("region", r, float(region_share.get(r, 0.0))) for r in sorted(sales["region"].dropna().unique())]


def _acquisition(scan: _Scan, s: pd.DataFrame, where: tuple[str, str, float]) -> list[dict]:
    """``weak_acquisition``: new customers (first-ever purchase) of the scope fell by at least ``new_customers_drop``."""
    th, (scope_type, scope, share) = scan.th, where
    n_prev, n_cur = m.first_purchases_in(s, [scan.prev_lo, scan.cur_lo, scan.end])
    if scan.compare and n_prev >= 5 and n_cur <= n_prev * (1 - th.new_customers_drop):
        drop = 1 - n_cur / n_prev
        return [_finding("weak_acquisition", scope_type, scope, "new_customers", n_cur, n_prev, th.new_customers_drop, drop / th.new_customers_drop, share)]
    return []


def _churn(scan: _Scan, s: pd.DataFrame, window_months: int, where: tuple[str, str, float]) -> list[dict]:
    """``rising_churn``: the scope's churn rate (``retention`` windows) rose by at least ``churn_rise_points``."""
    th, (scope_type, scope, share) = scan.th, where
    r_cur = m.retention(s, scan.end, window_months)
    r_prev = m.retention(s, scan.cur_lo, window_months)
    if scan.compare and r_cur.base_customers >= 10 and r_prev.base_customers >= 10 and r_cur.churn_rate - r_prev.churn_rate >= th.churn_rise_points:
        return [_finding("rising_churn", scope_type, scope, "churn_rate", r_cur.churn_rate, r_prev.churn_rate, th.churn_rise_points,
                         (r_cur.churn_rate - r_prev.churn_rate) / th.churn_rise_points, share, lost_customers=r_cur.base_customers - r_cur.retained_customers)]
    return []


def _satisfaction(scan: _Scan, surveys: pd.DataFrame | None, dimensions: list[str] | None, where: tuple[str, str, float]) -> list[dict]:
    """``falling_nps`` and ``falling_dimension`` of the scope (the satisfaction mean stands in for NPS when it is not asked)."""
    if not (scan.compare and surveys is not None and len(surveys)):
        return []
    th, min_n, (scope_type, scope, share) = scan.th, scan.min_n, where
    findings = []
    sv_cur = _between(surveys, "survey_date", scan.cur_lo, scan.end)
    sv_prev = _between(surveys, "survey_date", scan.prev_lo, scan.cur_lo)
    a, b = (m.nps(sv_cur["nps"]), m.nps(sv_prev["nps"])) if m.has_nps(sv_cur) else (m.nps([]), m.nps([]))
    if a.n >= min_n and b.n >= min_n and b.nps - a.nps >= th.nps_drop_points:
        z = (a.nps - b.nps) / math.sqrt(a.se ** 2 + b.se ** 2) if (a.se + b.se) > 0 else float("nan")
        findings.append(_finding("falling_nps", scope_type, scope, "nps", a.nps, b.nps, th.nps_drop_points, (b.nps - a.nps) / th.nps_drop_points, share,
                                 n=a.n, n_previous=b.n, z=z, detractors=a.detractors, detractors_previous=b.detractors))
    scanned = list(dimensions or []) + (["satisfaction"] if not m.has_nps(sv_cur) and "satisfaction" not in (dimensions or []) else [])
    for dim in scanned:
        if dim not in sv_cur:
            continue
        ca, cb = m.csat(sv_cur[dim]), m.csat(sv_prev[dim])
        if ca.n >= min_n and cb.n >= min_n and cb.mean - ca.mean >= th.dimension_drop:
            findings.append(_finding("falling_dimension", scope_type, scope, dim, ca.mean, cb.mean, th.dimension_drop,
                                     (cb.mean - ca.mean) / th.dimension_drop, share, n=ca.n))
    return findings


def _complaints(scan: _Scan, complaints: pd.DataFrame | None, promise_hours: float, where: tuple[str, str, float]) -> list[dict]:
    """``rising_complaints`` per category (with a Poisson z of at least 2) and ``promise_broken`` of the scope."""
    if not (complaints is not None and len(complaints)):
        return []
    th, (scope_type, scope, share) = scan.th, where
    findings = []
    c_cur = _between(complaints, "opened_at", scan.cur_lo, scan.end)
    c_prev = _between(complaints, "opened_at", scan.prev_lo, scan.cur_lo)
    counts = pd.DataFrame({"cur": c_cur["category"].value_counts(), "prev": c_prev["category"].value_counts()}).fillna(0)
    for cat, row in counts.iterrows():
        # Poisson z of the change: small counts need a large rise to count
        z = (row["cur"] - row["prev"]) / math.sqrt(row["cur"] + row["prev"]) if row["cur"] + row["prev"] else 0.0
        if scan.compare and row["cur"] >= th.complaint_min_tickets and row["cur"] >= (1 + th.complaint_rise) * max(row["prev"], 1) and z >= 2:
            rise = row["cur"] / max(row["prev"], 1) - 1
            findings.append(_finding("rising_complaints", scope_type, scope, str(cat), float(row["cur"]), float(row["prev"]), th.complaint_rise,
                                     min(rise / th.complaint_rise, z / 2), share, z=z))
    hours = m.response_hours(c_cur, as_of=scan.end)
    late = float((hours > promise_hours).mean()) if len(c_cur) else float("nan")
    late_prev = float((m.response_hours(c_prev, as_of=scan.cur_lo) > promise_hours).mean()) if len(c_prev) else float("nan")
    if m.has_response_times(c_cur) and len(c_cur) >= th.complaint_min_tickets and late >= th.promise_broken_share:
        findings.append(_finding("promise_broken", scope_type, scope, "response_over_promise_share", late, late_prev, th.promise_broken_share,
                                 late / th.promise_broken_share, share, tickets=len(c_cur), median_hours=float(hours.median())))
    return findings


def _late_deliveries(scan: _Scan, deliveries: pd.DataFrame | None, where: tuple[str, str, float]) -> list[dict]:
    """``late_delivery``: deliveries of the scope against the promise (when the order lines carry delivery days)."""
    if deliveries is None:
        return []
    th, min_n, (scope_type, scope, share) = scan.th, scan.min_n, where
    mine = deliveries if scope_type == "company" else deliveries.loc[deliveries["region"] == scope]
    now = m.delivery_kpis(_between(mine, "order_date", scan.cur_lo, scan.end))
    before = m.delivery_kpis(_between(mine, "order_date", scan.prev_lo, scan.cur_lo))
    previous = before["on_time_share"] if scan.compare and before["orders_due"] >= min_n else float("nan")
    if now["orders_due"] >= min_n and now["late_share"] >= th.late_delivery_share:
        return [_finding("late_delivery", scope_type, scope, "on_time_share", now["on_time_share"], previous,
                         th.late_delivery_share, now["late_share"] / th.late_delivery_share, share,
                         late_share=now["late_share"], orders_due=now["orders_due"], mean_days_late=now["mean_days_late"])]
    return []


def _growth_stalls(scan: _Scan, sales: pd.DataFrame, cur_sales: pd.DataFrame, total_rev: float) -> list[dict]:
    """``growth_stall`` by region and product line (only when the data covers both twelve-month windows)."""
    th, prev_lo, cur_lo = scan.th, scan.prev_lo, scan.cur_lo
    findings = []
    for col in ("region", "product_line") if scan.compare else ():
        cur = cur_sales.groupby(col)["amount"].sum()
        prev = _between(sales, "order_date", prev_lo, cur_lo).groupby(col)["amount"].sum()
        prev2 = _between(sales, "order_date", prev_lo - pd.DateOffset(months=12), prev_lo).groupby(col)["amount"].sum()
        for node in cur.index:
            if prev.get(node, 0) <= 0:
                continue
            g = cur[node] / prev[node] - 1
            g_prev = prev[node] / prev2[node] - 1 if prev2.get(node, 0) > 0 else float("nan")
            stalled = g <= th.growth_stall and (g_prev != g_prev or g_prev > th.growth_stall)
            if stalled:
                gap = (g_prev if g_prev == g_prev else th.growth_stall) - g
                findings.append(_finding("growth_stall", col, node, "revenue_growth", g, g_prev, th.growth_stall,
                                         max(1.0, gap / max(abs(th.growth_stall), 0.05)), float(cur[node] / total_rev) if total_rev else 0.0,
                                         revenue=float(cur[node])))
    return findings


def _ranked(findings: list[dict]) -> pd.DataFrame:
    """The findings as a frame with ``excess`` clipped to 1–:data:`MAX_EXCESS`, ``severity`` and ``rank``, most severe first."""
    out = pd.DataFrame(findings)
    if out.empty:
        return pd.DataFrame(columns=_FINDING_COLUMNS)
    out["excess"] = out["excess"].clip(lower=1.0, upper=MAX_EXCESS)
    out["severity"] = out["excess"] * np.sqrt(out["revenue_share"].clip(lower=0.0))
    out = out.sort_values(["severity", "kind"], ascending=[False, True]).reset_index(drop=True)
    out.insert(0, "rank", range(1, len(out) + 1))
    return out


def revenue_falls(tables: Tables, period: Period, threshold: float, scopes: Sequence[tuple[str, str, float]] = (("company", "", 1.0),)) -> list[dict]:
    """Findings ``revenue_fall`` for a short history: the last quarter of ``period`` against the same
    quarter a year earlier when the data covers it in full, else against the quarter before; a fall
    of at least ``threshold`` (0.2 = −20 %) in a scope (``scope_type``, ``scope``, revenue share) is one.

    Examples
    --------
    >>> s = pd.DataFrame({"order_id": ["1", "2"], "customer_id": ["a", "a"], "region": ["N", "N"], "amount": [100.0, 53.5],
    ...                   "order_date": pd.to_datetime(["2024-10-02", "2025-11-03"])})
    >>> f = revenue_falls(Tables(s), Period.parse("2025Q4"), 0.2)[0]
    >>> f["kind"], round(f["growth"], 3), f["compared_with"], round(f["excess"], 3)
    ('revenue_fall', -0.465, '2024Q4', 2.325)
    """
    q = period.quarters()[-1]
    before = q.year_ago() if tables.covers(q.year_ago()) else q.shift(-1) if tables.covers(q.shift(-1)) else None
    if before is None or threshold <= 0:
        return []
    out = []
    for scope_type, scope, share in scopes:
        s = tables.sales if scope_type == "company" else m.select_rows(tables.sales, (tables.sales[scope_type] == scope).to_numpy())
        now = float(m.sales_in(s, q)["amount"].sum())
        then = float(m.sales_in(s, before)["amount"].sum())
        if then <= 0:
            continue
        growth = now / then - 1
        if growth <= -threshold:
            out.append(_finding("revenue_fall", scope_type, scope, "revenue", now, then, threshold, -growth / threshold, share,
                                growth=growth, period=str(q), compared_with=str(before)))
    return out


def scope_summary(findings: pd.DataFrame) -> pd.DataFrame:
    """Findings per scope (company, each region, each product line): count and total severity, worst first."""
    if findings.empty:
        return pd.DataFrame(columns=["scope", "findings", "severity"])
    key = findings["scope"].where(findings["scope_type"] != "company", "")
    return (findings.assign(scope=key).groupby("scope").agg(findings=("kind", "size"), severity=("severity", "sum"))
            .sort_values("severity", ascending=False).reset_index())
