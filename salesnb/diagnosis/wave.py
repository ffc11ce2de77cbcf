"""This period's survey answers ready for analysis: region, tier and post-stratification weights, the
previous period's answers, and plain or weighted scores per group (NPS, or satisfaction without NPS).

Here: :class:`SurveyWave` / :func:`survey_wave`, :func:`previous_answers`, :func:`scores_by`,
:func:`segment_scores`. Not here: the survey design and the statistics themselves (:mod:`salesnb.survey`,
:mod:`salesnb.metrics`), the sentences about the wave (:mod:`.narrative`).
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .. import metrics, survey
from ..periods import Period
from .regions import attach_region

__all__ = [
    "SurveyWave", "survey_wave", "previous_answers", "scores_by", "segment_scores",
]


@dataclass(frozen=True)
class SurveyWave:
    """This period's survey answers ready for analysis.

    Attributes
    ----------
    answers : the answers with ``region`` (from the customer master where blank) and ``tier``.
    coverage : answers per stratum against the plan (:func:`salesnb.survey.coverage`).
    weights : post-stratification weight per answer (region × respondent type).
    """

    answers: pd.DataFrame
    coverage: pd.DataFrame
    weights: pd.Series


def survey_wave(answers: pd.DataFrame | None, design: survey.SurveyPlan, customers: pd.DataFrame) -> SurveyWave | None:
    """The period's ``answers`` with region and tier, their coverage of ``design`` and their weights; None without answers.

    Weights come from the population of ``design.frame`` per region × status
    (:func:`salesnb.survey.poststrat_weights`).

    Examples
    --------
    >>> survey_wave(None, None, pd.DataFrame()) is None
    True
    """
    if answers is None or len(answers) == 0:
        return None
    answers = attach_region(survey.with_tier(answers, customers), customers)
    weights = survey.poststrat_weights(answers, survey.stratum_counts(design.frame))
    return SurveyWave(answers, survey.coverage(design.plan, answers), weights)


def previous_answers(surveys: pd.DataFrame | None, period: Period, customers: pd.DataFrame) -> pd.DataFrame | None:
    """The answers of the period before ``period`` with ``region``; None when there are none (or no surveys table).

    Examples
    --------
    >>> s = pd.DataFrame({"survey_date": pd.to_datetime(["2025-08-01", "2025-11-01"]), "customer_id": ["c1", "c2"], "nps": [9, 3]})
    >>> previous_answers(s, Period.parse("2025Q4"), pd.DataFrame({"customer_id": ["c1"], "region": ["东"]}))[["nps", "region"]].values.tolist()
    [[9, '东']]
    """
    if surveys is None:
        return None
    prev = surveys.loc[period.previous().contains(surveys["survey_date"])]
    return attach_region(prev, customers) if len(prev) else None


def scores_by(answers: pd.DataFrame, group: str, min_n: int = 30) -> pd.DataFrame:
    """Plain (unweighted) scores per ``group``: :func:`salesnb.metrics.nps_table` when the surveys ask the recommend
    question, else :func:`salesnb.metrics.csat_table` of ``satisfaction`` (written as ``<outcome>_by_region.csv``)."""
    if metrics.has_nps(answers):
        return metrics.nps_table(answers, group, min_n=min_n).reset_index()
    return metrics.csat_table(answers, ["satisfaction"], group, min_n)


def segment_scores(answers: pd.DataFrame, segments: list[str], weights: pd.Series | None = None, min_n: int = 30) -> pd.DataFrame:
    """Weighted scores per segment: :func:`salesnb.survey.nps_segments`, or :func:`salesnb.survey.csat_segments`
    when the recommend question is not asked."""
    if metrics.has_nps(answers):
        return survey.nps_segments(answers, segments, weights, min_n)
    return survey.csat_segments(answers, segments, weights, min_n)
