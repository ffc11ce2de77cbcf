"""Step 4's KPIs and segments: a KPI's value in a segment (:func:`kpi_value`), whether the workspace records
what it needs (:func:`kpi_available`), a measure's target, and the register's segment text
(:func:`segment_of`, :func:`parse_segment`).

Not here: how a KPI reads in a report (:mod:`salesnb.improve.labels`).
"""
from __future__ import annotations

import math

import pandas as pd  # noqa: F401 - the doctest of kpi_available uses it

from .. import metrics as m
from ..goals import DELIVERY_METRICS, FLOW_METRICS, METRICS, Tables, metric_value
from ..kpis import KPIS
from ..periods import Period

_POINTS = {"nps", "satisfaction_mean"}  # KPIs whose effect is in points, like every dim:<key>


def segment_of(scope: dict | None) -> str:
    """Register text of a scope: ``company`` or ``region=西南`` (several regions joined by ``|``)."""
    if not scope:
        return "company"
    parts = []
    for col, val in scope.items():
        vals = val if isinstance(val, (list, tuple)) else [val]
        parts.append(f"{col}={'|'.join(str(v) for v in vals)}")
    return ";".join(parts)


def parse_segment(text: str | None) -> dict[str, list[str]]:
    """Inverse of :func:`segment_of`.

    >>> parse_segment("region=西南|华南")
    {'region': ['西南', '华南']}
    """
    if text is None or (isinstance(text, float) and math.isnan(text)) or str(text).strip() in ("", "company"):
        return {}
    out = {}
    for part in str(text).split(";"):
        col, _, vals = part.partition("=")
        out[col.strip()] = [v.strip() for v in vals.split("|") if v.strip()]
    return out


def kpi_value(kpi: str, tables: Tables, period: Period, segment: dict[str, list[str]] | None = None) -> float:
    """Value of a KPI over ``period`` in ``segment`` (NaN when it cannot be computed)."""
    sub = tables.scoped(segment or {})
    nan = float("nan")
    if kpi.startswith("dim:"):
        col = kpi[4:]
        if sub.surveys is None or col not in sub.surveys:
            return nan
        return m.csat(sub.surveys.loc[period.contains(sub.surveys["survey_date"]), col]).mean
    if kpi == "median_first_response_hours":
        if sub.complaints is None:
            return nan
        return m.complaint_summary(sub.complaints, period, tables.promise_hours)["median_first_response_hours"]
    if kpi not in METRICS:
        return nan
    if sub.sales is None:
        return nan
    return metric_value(kpi, sub, period)


def kpi_available(kpi: str, tables: Tables) -> bool:
    """Whether the workspace records what ``kpi`` needs: delivery days for the delivery KPIs, the
    recommend question for ``nps``, the survey column of a ``dim:`` KPI or of satisfaction, complaints
    (with first responses for the response-time KPIs).

    Examples
    --------
    >>> s = pd.DataFrame({"order_id": ["1"], "customer_id": ["a"], "amount": [1.0], "order_date": pd.to_datetime(["2025-01-02"])})
    >>> kpi_available("revenue", Tables(s)), kpi_available("on_time_share", Tables(s)), kpi_available("nps", Tables(s))
    (True, False, False)
    """
    surveys, complaints = tables.surveys, tables.complaints
    if kpi.startswith("dim:"):
        return surveys is not None and kpi[4:] in surveys
    scale = KPIS[kpi].scale if kpi in KPIS else None
    if scale is not None:  # a survey score: NPS needs the recommend question, the 1–5 KPIs the satisfaction answers
        return surveys is not None and scale.key in surveys
    if kpi in ("response_over_promise_share", "median_first_response_hours"):
        return m.has_response_times(complaints)
    if kpi == "complaints":
        return complaints is not None
    if kpi in DELIVERY_METRICS:
        return m.has_delivery(tables.sales)
    return True


def _target(kpi: str, baseline: float, effect: float) -> float:
    if baseline != baseline:
        return float("nan")
    if kpi in _POINTS or kpi.startswith("dim:"):
        value = baseline + effect
        return min(value, 5.0) if kpi.startswith("dim:") or kpi == "satisfaction_mean" else min(value, 100.0)
    value = baseline * (1 + effect)
    return min(max(value, 0.0), 1.0) if kpi not in FLOW_METRICS and kpi != "median_first_response_hours" else max(value, 0.0)
