"""How step 4's KPIs, problems and segments read in a report: :func:`kpi_label`, :func:`format_kpi`,
:func:`problem_label`, :func:`segment_label`.

Not here: computing a KPI (:mod:`salesnb.improve.kpi_values`) or the sentences and
tables that use these labels (:mod:`salesnb.improve.narrative`, :mod:`salesnb.improve.views`).
"""
from __future__ import annotations

from .. import kpis
from ..i18n import LABELS
from ..i18n import t as _t
from .kpi_values import parse_segment


def kpi_label(kpi: str, lang: str, dimension_labels: dict[str, str] | None = None) -> str:
    """A KPI name as readers know it (the registry's label, :func:`salesnb.kpis.label`)."""
    return kpis.label(kpi, lang, dimension_labels)


def format_kpi(kpi: str, value: float, lang: str, unit: str = "万元") -> str:
    """A KPI value in the registry's format (:func:`salesnb.kpis.format_value`): money in ``unit``, shares as %,
    NPS with one decimal, 1–5 scores with two, counts whole."""
    return kpis.format_value(kpi, value, lang, unit)


def problem_label(ptype: str, lang: str) -> str:
    key = f"im_problem_{ptype}" if f"im_problem_{ptype}" in LABELS else f"pr_type_{ptype}"  # step-1 symptoms: the register's names
    return _t(key, lang) if key in LABELS else ptype


def segment_label(segment: str, lang: str) -> str:
    parsed = parse_segment(segment)
    return _t("im_company", lang) if not parsed else "、".join(v for vals in parsed.values() for v in vals) if lang == "zh" else ", ".join(v for vals in parsed.values() for v in vals)
