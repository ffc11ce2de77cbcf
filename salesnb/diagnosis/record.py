"""What step 3 hands on: the ``diagnosis.json`` document (the ranked problems with their evidence and
statements in English and Chinese) and step 3's metrics for ``summary.json``.

Here: :data:`PROBLEM_CODES`, :func:`diagnosis_record`, :func:`diagnosis_document`, :func:`summary_metrics`.
Not here: the ranking (:mod:`.problems`), the sentences (:mod:`.narrative`), the problem register built on
the record (:mod:`salesnb.problems`).
"""
from __future__ import annotations

import pandas as pd

from .. import metrics
from ..config import PROBLEM_TYPES
from ..periods import Period
from .evidence import Problem
from .labels import label_maps, problem_label
from .narrative import evidence_text, statement

__all__ = [
    "PROBLEM_CODES", "diagnosis_record", "diagnosis_document", "summary_metrics",
]


PROBLEM_CODES = {ptype: i + 1 for i, ptype in enumerate(PROBLEM_TYPES)}
"""Problem type → the number ``summary.json`` records as ``top_problem_type`` (metrics are numbers; 1 = slow_after_sales_response …)."""


def diagnosis_record(problems: list[Problem], period: Period, lang: str, dim_labels: dict[str, dict[str, str]],
                     theme_labels: dict[str, dict[str, str]], categories: dict[str, str], weighted: bool, extra: dict | None = None) -> dict:
    """The ``diagnosis.json`` document: the ranked problems with evidence and statements in both languages.

    ``dim_labels`` / ``theme_labels`` map ``en`` and ``zh`` to key → label. Problems of surveys
    without the recommend question also carry ``outcome`` (``satisfaction``) and the segment's
    mean satisfaction against the rest (``satisfaction_segment``, ``satisfaction_rest``); their
    ``nps_segment``/``nps_rest`` are NaN.
    """
    out = []
    for rank, p in enumerate(problems, 1):
        out.append({
            "rank": rank,
            "type": p.type,
            "label": {lg: problem_label(p.type, lg) for lg in ("en", "zh")},
            "scope": p.scope,
            "segment": {"region": p.regions} if p.regions else {},
            "regions": p.regions,
            "basis": p.basis,
            "dimensions": p.dimensions,
            "driver_weight": p.driver_weight,
            "gap": p.gap,
            "revenue_affected": p.revenue_affected,
            "impact": p.impact,
            "nps_segment": p.nps_segment,
            "nps_rest": p.nps_rest,
            **({"outcome": p.outcome, "satisfaction_segment": p.score_segment, "satisfaction_rest": p.score_rest}
               if p.outcome != "nps" else {}),
            "fishbone_category": categories.get(p.type),
            "evidence": [{**e, "text": {lg: evidence_text(e, lg, dim_labels[lg], theme_labels[lg]) for lg in ("en", "zh")}} for e in p.evidence],
            "statement": {lg: statement(p, rank, lg, dim_labels[lg], theme_labels[lg]) for lg in ("en", "zh")},
        })
    return {"period": str(period), "lang": lang, "weighted": weighted, "problem_types": list(PROBLEM_TYPES),
            "top_problem_type": problems[0].type if problems else None, "problems": out, **(extra or {})}


def diagnosis_document(problems: list[Problem], period: Period, lang: str, config, vital_few_causes: list[str],
                       weighted: bool = True, missing: list[str] | None = None) -> dict:
    """The ``diagnosis.json`` record of ``problems`` (:func:`diagnosis_record`) with the labels of ``config`` in both languages.

    ``vital_few_causes`` (the Pareto's vital few complaint categories) is
    recorded as ``vital_few``; ``missing`` (:func:`salesnb.present.missing_tables`: what the workspace
    lacks, e.g. ``["surveys", "interviews"]``) as ``missing_tables``, which the one-pager names once.

    Examples
    --------
    >>> from types import SimpleNamespace as NS
    >>> cfg = NS(survey=NS(dimensions=[]), text=NS(themes=[]), diagnosis=NS(problem_categories={}))
    >>> doc = diagnosis_document([], Period.parse("2025Q4"), "en", cfg, ["售后响应慢"])
    >>> doc["period"], doc["problems"], doc["vital_few"], doc["top_problem_type"]
    ('2025Q4', [], ['售后响应慢'], None)
    """
    both = {lg: label_maps(config, lg) for lg in ("en", "zh")}
    return diagnosis_record(problems, period, lang, {lg: lb.drivers for lg, lb in both.items()}, {lg: lb.themes for lg, lb in both.items()},
                            config.diagnosis.problem_categories, weighted=weighted,
                            extra={"vital_few": vital_few_causes, **({"missing_tables": list(missing)} if missing is not None else {})})


def summary_metrics(problems: list[Problem], pareto_table: pd.DataFrame | None, complaints: pd.DataFrame | None,
                    period: Period, promise_hours: float) -> dict:
    """Step 3's metrics for ``summary.json``: the top problem's type code, the number of vital-few categories, the late-response share.

    ``pareto_table`` is None without tickets in the period, ``complaints``
    None without a complaints table (their metrics are then None).

    Examples
    --------
    >>> p = Problem("product_quality", [], 0.2, 0.3, 1.0, 0.06, "survey")
    >>> from salesnb.diagnosis.complaints import pareto
    >>> summary_metrics([p], pareto(pd.Series({"A": 9, "B": 1})), None, Period.parse("2025Q4"), 48)
    {'top_problem_type': 2, 'vital_few_categories': 1, 'response_over_promise_share': None}
    """
    return {
        "top_problem_type": PROBLEM_CODES[problems[0].type] if problems else None,
        # null: no complaints table (not computable); 0: a complaints table without tickets in the period (counted, none)
        "vital_few_categories": int(pareto_table["vital_few"].sum()) if pareto_table is not None else (0 if complaints is not None else None),
        "response_over_promise_share": (metrics.complaint_summary(complaints, period, promise_hours)["response_over_promise_share"]
                                        if complaints is not None else None),
    }
