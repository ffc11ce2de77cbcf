"""The KPI list of step 1: which metrics a goal may name and how each is judged.

Here: the names (:data:`METRICS`), which are better lower, which are amounts or
rates, which come from surveys, complaints or deliveries, which need a year of
history, and the headline table's formats. Not here: computing a metric
(:mod:`salesnb.goals.values`) or saying it in words (:mod:`salesnb.goals.narrative`).
"""
from __future__ import annotations

#: Metrics a goal may name; each is computable by :func:`metric_value`.
METRICS = (
    "revenue", "orders", "active_customers", "aov", "new_customers", "new_customer_revenue_share",
    "repurchase_rate", "churn_rate", "repeat_purchase_rate", "nps", "satisfaction_mean", "satisfaction_top2",
    "complaints", "response_over_promise_share", "on_time_share", "mean_delay_days", "not_delivered_share",
)
#: Metrics where a smaller value is better.
LOWER_IS_BETTER = frozenset({"churn_rate", "complaints", "response_over_promise_share", "mean_delay_days", "not_delivered_share"})
#: Additive per-period amounts (judged by relative growth); the rest are rates (judged in points).
FLOW_METRICS = frozenset({"revenue", "orders", "active_customers", "new_customers", "complaints", "aov"})
_SURVEY = frozenset({"nps", "satisfaction_mean", "satisfaction_top2"})
_COMPLAINT = frozenset({"complaints", "response_over_promise_share"})
#: Delivery KPIs (need ``promised_date`` and ``delivered_date`` on the order lines, :func:`salesnb.metrics.delivery_kpis`).
DELIVERY_METRICS = frozenset({"on_time_share", "mean_delay_days", "not_delivered_share"})
#: Metrics whose first year of data is left-censored (every customer looks new, or has no base window).
_NEEDS_A_YEAR = frozenset({"new_customers", "new_customer_revenue_share", "repurchase_rate", "churn_rate"})
#: The headline table's rows and their formats (:func:`salesnb.goals.headline_formats` picks those a headline holds).
_HEADLINE_FORMATS = {
    "revenue": "money", "revenue_prev_year": "money", "revenue_yoy": "pct_signed", "orders": "int",
    "active_customers": "int", "new_customers": "int", "new_customer_revenue_share": "pct", "repurchase_rate": "pct",
    "churn_rate": "pct", "repeat_purchase_rate": "pct", "nps": "float1", "nps_n": "int", "satisfaction_mean": "float2",
    "satisfaction_top2": "pct", "satisfaction_n": "int", "complaints": "int", "response_over_promise_share": "pct",
    "on_time_share": "pct", "mean_delay_days": "float1", "mean_days_late": "float1", "not_delivered_share": "pct",
}
