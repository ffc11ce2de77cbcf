"""The value of a step-1 metric over a period: :func:`metric_value`, the headline (:func:`period_metrics`) and
the one definition of the repurchase and churn rates (:func:`retention_at`).

Not here: the KPI list itself (:mod:`salesnb.goals.kpi_list`), comparisons over
time (:mod:`salesnb.goals.bottlenecks`, :mod:`salesnb.goals.smart`) or sentences.
"""
from __future__ import annotations

from dataclasses import replace

import pandas as pd

from .. import metrics as m
from ..periods import Period
from .kpi_list import _COMPLAINT, _SURVEY, DELIVERY_METRICS, METRICS
from .tables import Tables


def metric_value(metric: str, tables: Tables, period: Period) -> float:
    """The value of ``metric`` over ``period`` (NaN when it cannot be computed).

    Examples
    --------
    >>> s = pd.DataFrame({"order_id": ["1", "2"], "customer_id": ["a", "b"], "amount": [10.0, 5.0],
    ...                   "order_date": pd.to_datetime(["2025-01-02", "2025-02-03"])})
    >>> metric_value("revenue", Tables(s), Period.parse("2025Q1"))
    15.0
    """
    nan = float("nan")
    if metric not in METRICS:
        raise KeyError(f"unknown metric {metric!r}; known: {', '.join(METRICS)}")
    if metric in _SURVEY:
        if tables.surveys is None:
            return nan
        cur = tables.surveys.loc[period.contains(tables.surveys["survey_date"])]
        if metric == "nps":
            return m.nps(cur["nps"]).nps if m.has_nps(cur) else nan
        if "satisfaction" not in cur:
            return nan
        c = m.csat(cur["satisfaction"])
        return c.mean if metric == "satisfaction_mean" else c.top2
    if metric in _COMPLAINT:
        if tables.complaints is None:
            return nan
        return float(m.complaint_summary(tables.complaints, period, tables.promise_hours)[metric])
    if tables.sales is None:
        return nan
    if metric in DELIVERY_METRICS:
        if not m.has_delivery(tables.sales):
            return nan
        return float(m.delivery_summary(tables.sales, period)[metric])
    if metric in ("repurchase_rate", "churn_rate"):  # one definition: n/a without a whole base window (retention_at)
        return float(getattr(retention_at(tables, period), metric))
    if metric == "repeat_purchase_rate":
        return float(m.retention(tables.sales, period, tables.window_months).repeat_purchase_rate)
    if metric in ("new_customers", "new_customer_revenue_share"):
        return float(m.new_customers(tables.sales, period)[metric])
    ps = m.period_sales(tables.sales, period)
    return float({"revenue": ps.revenue, "orders": ps.orders, "active_customers": ps.active_customers, "aov": ps.aov}[metric])


def retention_at(tables: Tables, end: Period | pd.Timestamp) -> "m.RetentionResult":
    """:func:`salesnb.metrics.retention` at ``end``, with the repurchase and churn rates NaN when the
    base window starts before the data's first quarter (a part of the base is not a base).

    The one definition of the repurchase rate in step 1: the headline (:func:`period_metrics`), the
    customers sentence (:func:`narrate_customers`) and ``baselines.csv`` (:func:`satisfaction_baselines`)
    all use it, so one period never shows "n/a" in one place and a number in another.
    """
    r = m.retention(tables.sales, end, tables.window_months)
    if r.base_customers == 0 or not tables.covers(Period.of(r.base_start, "quarter", tables.start_month)):
        return replace(r, repurchase_rate=float("nan"), churn_rate=float("nan"))
    return r


def period_metrics(tables: Tables, period: Period) -> dict[str, float | int]:
    """Every step-1 headline metric of ``period`` (the ``summary.json`` keys).

    ``nps`` is the plain, unweighted figure over every answer dated in the period
    (left out, with ``satisfaction_n`` given, when the surveys do not ask it);
    with delivery days on the order lines the delivery KPIs of the orders
    placed in the period are added (:func:`salesnb.metrics.delivery_kpis`).
    When the data starts after the first month of the same period a year
    earlier, ``revenue_prev_year`` and ``revenue_yoy`` are NaN (a part of a
    period is no base for growth); when it starts inside the retention base
    window, ``repurchase_rate`` and ``churn_rate`` are NaN (as
    :func:`narrate_customers` says).
    """
    out = m.headline(tables.sales, tables.surveys, tables.complaints, period, tables.promise_hours)
    out.update(m.new_customers(tables.sales, period))
    r = retention_at(tables, period)  # NaN when the base window is partly before the data
    out.update(repurchase_rate=r.repurchase_rate, churn_rate=r.churn_rate, repeat_purchase_rate=r.repeat_purchase_rate)
    if not tables.covers(period.year_ago()):  # the data starts inside the year-ago period: no growth against a part of it
        out.update(revenue_prev_year=float("nan"), revenue_yoy=float("nan"))
    if m.has_delivery(tables.sales):
        d = m.delivery_summary(tables.sales, period)
        out.update({k: d[k] for k in ("on_time_share", "mean_delay_days", "median_delay_days", "mean_days_late", "not_delivered_share", "orders_due")})
    return out
