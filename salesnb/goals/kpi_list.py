"""The KPI list of step 1, as the KPI registry (:mod:`salesnb.kpis`) declares it.

Here: the names a goal may name (:data:`METRICS`), which are better lower, which are amounts or rates, which come
from surveys, complaints or deliveries, which need a year of history, and the headline table's formats — each read
from :data:`salesnb.kpis.KPIS`, where a KPI is declared once. Not here: computing a metric
(:mod:`salesnb.goals.values`) or saying it in words (:mod:`salesnb.goals.narrative`).
"""
from __future__ import annotations

from .. import kpis

#: Metrics a goal may name; each is computable by :func:`salesnb.goals.metric_value`.
METRICS = kpis.goal_metrics()
#: Metrics where a smaller value is better.
LOWER_IS_BETTER = kpis.lower_is_better()
#: Additive per-period amounts (judged by relative growth); the rest are rates (judged in points).
FLOW_METRICS = kpis.flow_metrics()
_SURVEY = kpis.metrics_from("surveys")
_COMPLAINT = kpis.metrics_from("complaints")
#: Delivery KPIs (need ``promised_date`` and ``delivered_date`` on the order lines, :func:`salesnb.metrics.delivery_kpis`).
DELIVERY_METRICS = kpis.metrics_from("delivery")
#: Metrics whose first year of data is left-censored (every customer looks new, or has no base window).
_NEEDS_A_YEAR = kpis.censored_metrics()
#: The headline table's rows and their formats (:func:`salesnb.goals.headline_formats` picks those a headline holds).
_HEADLINE_FORMATS = kpis.headline_formats()
