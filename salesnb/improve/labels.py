"""How step 4's KPIs, problems and segments read in a report: :func:`kpi_label`, :func:`format_kpi`,
:func:`problem_label`, :func:`segment_label`.

Not here: computing a KPI (:mod:`salesnb.improve.kpis`) or the sentences and
tables that use these labels (:mod:`salesnb.improve.narrative`, :mod:`salesnb.improve.views`).
"""
from __future__ import annotations

from ..i18n import LABELS, money, number, pct
from ..i18n import t as _t
from .kpis import parse_segment


def kpi_label(kpi: str, lang: str, dimension_labels: dict[str, str] | None = None) -> str:
    """A KPI name as readers know it."""
    if kpi.startswith("dim:"):
        return (dimension_labels or {}).get(kpi[4:], kpi[4:])
    key = kpi if kpi in LABELS else f"im_kpi_{kpi}"
    return _t(key, lang) if key in LABELS else kpi


def format_kpi(kpi: str, value: float, lang: str, unit: str = "万元") -> str:
    """A KPI value: money in ``unit``, shares as %, NPS with one decimal, 1–5 scores with two, counts whole."""
    if value is None or value != value:
        return _t("not_available", lang)
    if kpi in ("revenue", "aov"):
        return money(value, unit, lang)
    if kpi in ("nps",):
        return number(value, lang, 1)
    if kpi.startswith("dim:") or kpi == "satisfaction_mean":
        return number(value, lang, 2)
    if kpi in ("new_customers", "complaints", "orders", "active_customers"):
        return number(value, lang)
    if kpi == "median_first_response_hours":
        return number(value, lang, 1) + " h"
    if kpi == "mean_delay_days":
        return _t("dl_days", lang, days=number(value, lang, 1, signed=True))
    return pct(value, lang)


def problem_label(ptype: str, lang: str) -> str:
    key = f"im_problem_{ptype}" if f"im_problem_{ptype}" in LABELS else f"pr_type_{ptype}"  # step-1 symptoms: the register's names
    return _t(key, lang) if key in LABELS else ptype


def segment_label(segment: str, lang: str) -> str:
    parsed = parse_segment(segment)
    return _t("im_company", lang) if not parsed else "、".join(v for vals in parsed.values() for v in vals) if lang == "zh" else ", ".join(v for vals in parsed.values() for v in vals)
