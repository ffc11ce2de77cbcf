"""Diagnosis (step 3): key drivers, importance–performance, Pareto, response
times, text themes, the fishbone and the ranked problems.

The ranked problems are the contract step 4 builds on (``diagnosis.json``):
each has a ``type`` from :data:`salesnb.config.PROBLEM_TYPES`, the affected
segment, the evidence numbers, its driver weight, gap and revenue affected,
and a one-line statement in English and Chinese.

The package, computation first, then what the report shows (every public name is importable from here):

* :mod:`.drivers` — relative weights, key drivers, importance–performance quadrants;
* :mod:`.regions` — a row's region, score gaps and churn per region against the rest;
* :mod:`.complaints` — the Pareto, the period's tickets, response times, complaint rates;
* :mod:`.free_text` — the period's free text, theme coding and tables, theme impact;
* :mod:`.wave` — the survey wave: region, tier, weights, previous answers, scores per group;
* :mod:`.delivery` — answers linked to their orders, late against on time;
* :mod:`.evidence` — :class:`Problem`, the inputs of the ranking and the evidence a problem carries;
* :mod:`.problem_types` — which dimension or complaint category stands for which problem type;
* :mod:`.problems` — one function per source of problems, the ranking, :func:`rank_problems`, :func:`diagnose`;
* :mod:`.labels` — display names of dimensions, themes, problem types and text sources;
* :mod:`.narrative` — the sentences (``narrative_*``, problem statements and evidence);
* :mod:`.tables` — the display specs (``*_TABLE``) with :func:`report_table` and the display columns;
* :mod:`.fishbone` — the top problem's fishbone;
* :mod:`.record` — ``diagnosis.json`` and step 3's ``summary.json`` metrics.

Examples
--------
>>> import pandas as pd
>>> pareto(pd.Series({"A": 50, "B": 30, "C": 15, "D": 5}))["vital_few"].tolist()
[True, True, False, False]
"""
from __future__ import annotations

from .complaints import (
    pareto, vital_few, pareto_effect, complaint_response, complaint_rates, PeriodTickets, period_tickets,
    complaint_pareto, ResponseHighlights, response_highlights,
)
from .delivery import link_deliveries, DeliveryEffect, delivery_effect
from .drivers import SCORE_FREE_DRIVERS, QUADRANTS, relative_weights, key_drivers, importance_performance, ipa_rows, driver_columns
from .evidence import Problem, ProblemInputs
from .fishbone import fishbone_causes, Fishbone, top_problem_fishbone
from .free_text import (
    TEXT_SOURCES, names_to_mask, TextSources, text_sources, recent, top_phrases, theme_keywords, theme_problem_types,
    ThemeFlags, theme_flags, theme_tables, source_themes, theme_impact,
)
from .labels import Labels, label_maps, problem_label, source_label
from .narrative import (
    score_heading, missing_text, narrative_frame, narrative_sample_plan, narrative_coverage, narrative_weights,
    narrative_missing_dimensions, narrative_dimensions, narrative_segments, narrative_change, narrative_drivers,
    narrative_delivery_effect, narrative_pareto, narrative_response, narrative_rates, narrative_terms,
    narrative_themes, narrative_suggestions, evidence_text, statement, narrative_conclusion, narrative_no_problems,
)
from .problem_types import infer_problem_types, problem_settings
from .problems import (
    SCALE_MIDPOINT, survey_types, survey_problems, delivery_problem, complaint_problems, text_problems, churn_problem,
    rank, rank_problems, diagnose, REVENUE_MONTHS, SALES_COLUMNS, sales_months,
)
from .record import PROBLEM_CODES, diagnosis_record, diagnosis_document, summary_metrics
from .regions import attach_region, region_gaps, churn_by_region
from .tables import (
    report_table, PLAN_TABLE, MARGINS_TABLE, CSAT_MARGINS_TABLE, COVERAGE_TABLE, DIMENSION_TABLE, CHANGE_TABLE,
    DRIVER_TABLE, PARETO_TABLE, RESPONSE_TABLE, RATE_TABLE, TERM_TABLE, THEME_TABLE, IMPACT_TABLE, CSAT_IMPACT_TABLE,
    DELIVERY_TABLE, DELIVERY_TABLE_NPS, SUGGESTION_TABLE, DRIVER_COLUMNS, margins_spec, impact_spec, delivery_spec,
    with_intervals, with_change_text, with_importance_interval, delivery_table, with_joined_quotes, mentioned_themes,
    problem_table,
)
from .wave import SurveyWave, survey_wave, previous_answers, scores_by, segment_scores

__all__ = [
    "PROBLEM_CODES", "relative_weights", "key_drivers", "QUADRANTS", "importance_performance", "pareto", "complaint_response",
    "complaint_rates", "theme_impact", "region_gaps", "churn_by_region", "Problem", "rank_problems", "fishbone_causes",
    "diagnosis_record", "problem_label", "attach_region", "evidence_text", "statement", "recent", "report_table",
    "with_intervals", "with_change_text", "problem_table", "PLAN_TABLE", "MARGINS_TABLE", "COVERAGE_TABLE", "DIMENSION_TABLE",
    "CHANGE_TABLE", "DRIVER_TABLE", "PARETO_TABLE", "RESPONSE_TABLE", "RATE_TABLE", "TERM_TABLE", "THEME_TABLE", "IMPACT_TABLE",
    "SUGGESTION_TABLE",
    # the notebook's building blocks
    "Labels", "label_maps", "theme_keywords", "theme_problem_types", "narrative_frame", "narrative_sample_plan", "SurveyWave",
    "survey_wave", "narrative_coverage", "narrative_weights", "previous_answers", "narrative_dimensions", "narrative_segments",
    "narrative_change", "DRIVER_COLUMNS", "narrative_drivers", "with_importance_interval", "PeriodTickets", "period_tickets",
    "complaint_pareto", "vital_few", "pareto_effect", "narrative_pareto", "ResponseHighlights", "response_highlights",
    "narrative_response", "narrative_rates", "TEXT_SOURCES", "names_to_mask", "TextSources", "source_label", "text_sources",
    "narrative_terms", "top_phrases", "ThemeFlags", "theme_flags", "theme_tables", "source_themes", "with_joined_quotes",
    "mentioned_themes", "narrative_themes", "narrative_suggestions", "diagnose", "sales_months", "REVENUE_MONTHS", "SALES_COLUMNS", "problem_settings", "infer_problem_types",
    "SCALE_MIDPOINT", "narrative_no_problems", "diagnosis_document", "narrative_conclusion", "Fishbone", "top_problem_fishbone",
    "summary_metrics", "missing_text", "narrative_missing_dimensions",
    # surveys without the recommend question, deliveries against the promise
    "SCORE_FREE_DRIVERS", "ipa_rows", "margins_spec", "scores_by", "segment_scores", "impact_spec", "link_deliveries",
    "DeliveryEffect", "delivery_effect", "narrative_delivery_effect", "DELIVERY_TABLE", "DELIVERY_TABLE_NPS", "driver_columns",
    "score_heading", "delivery_spec", "delivery_table", "CSAT_IMPACT_TABLE", "CSAT_MARGINS_TABLE",
    # the sources of the ranked problems and the ranking
    "ProblemInputs", "survey_types", "survey_problems", "delivery_problem", "complaint_problems", "text_problems",
    "churn_problem", "rank",
]
