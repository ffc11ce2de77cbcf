"""A diagnosed problem and the evidence it carries.

Here: :class:`Problem` (what :func:`.problems.rank_problems` returns), :class:`ProblemInputs` (the period's
data every problem is drawn from), :func:`set_scores` (the segment's outcome score against the rest) and
:func:`add_evidence` (the complaint shares, response times, comment themes and interview mentions that back
a problem of a given type). Evidence items are plain dicts keyed by ``kind`` — the form ``diagnosis.json``,
``problems.csv`` and step 4 read.

Not here: the sources that create problems and their ranking (:mod:`.problems`), the sentences of the
evidence (:func:`.narrative.evidence_text`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .. import metrics
from ..kpis import Scale, outcome_scale
from ..periods import Period

__all__ = [
    "Problem", "ProblemInputs", "set_scores", "add_evidence",
]


@dataclass
class Problem:
    """A diagnosed problem: type, affected segment, the numbers behind it and its evidence."""

    type: str
    regions: list[str]
    driver_weight: float
    gap: float
    revenue_affected: float
    impact: float
    basis: str
    """``survey`` (a score gap weighted by its driver weight), ``delivery`` (satisfaction lost to late deliveries,
    weighted by the on-time driver's weight), ``churn``, ``complaints`` or ``text`` (no survey driver)."""
    dimensions: list[str] = field(default_factory=list)
    evidence: list[dict] = field(default_factory=list)
    nps_segment: float = float("nan")
    nps_rest: float = float("nan")
    outcome: str = "nps"
    """The survey outcome: ``nps``, or ``satisfaction`` when the recommend question is not asked."""
    score_segment: float = float("nan")
    score_rest: float = float("nan")
    """Mean satisfaction (1–5) in the segment and elsewhere (filled when ``outcome`` is ``satisfaction``)."""
    surveyed: bool = True
    """Whether the period had survey answers (False: complaint- or text-only diagnosis, no survey claim is made)."""
    survey_typed: bool = True
    """Whether any survey dimension asked maps to a problem type (False: no claim about survey dimensions is made)."""

    @property
    def scope(self) -> str:
        return "region" if self.regions else "company"


def _ev(kind: str, value: float, ref: float | None = None, **fields) -> dict:
    """One evidence item: its ``kind``, ``value``, ``reference`` (the comparison, or None) and the kind's own fields."""
    return {"kind": kind, "value": value, "reference": ref, **fields}


@dataclass(frozen=True, eq=False)
class ProblemInputs:
    """The period's data the problems and their evidence are drawn from (the inputs of :func:`.problems.rank_problems`).

    Attributes
    ----------
    answers : the period's survey answers with ``region`` (an empty frame with a ``region`` column when there are none).
    surveyed : whether the period had survey answers.
    sales : the order lines (revenue affected, churn).
    period : the period diagnosed.
    tickets : the complaint tickets opened in the period (with ``region``), None without a complaints table.
    settings : the workspace's ``diagnosis`` section (:func:`.problem_types.problem_settings`).
    promise_hours : the first-response promise (hours).
    theme_problem : text theme → the problem type it points to.
    comment_flags, interview_flags, complaint_flags : theme coding of the survey comments, the interview notes and the
        period's complaint descriptions (None when absent).
    interviews : the interviews whose notes ``interview_flags`` codes (with ``region`` when known), or None.
    """

    answers: pd.DataFrame
    surveyed: bool
    sales: pd.DataFrame
    period: Period
    tickets: pd.DataFrame | None
    settings: Any
    promise_hours: float
    theme_problem: dict[str, str]
    comment_flags: pd.DataFrame | None = None
    interview_flags: pd.DataFrame | None = None
    interviews: pd.DataFrame | None = None
    complaint_flags: pd.DataFrame | None = None

    @classmethod
    def of(cls, answers: pd.DataFrame | None, sales: pd.DataFrame, complaints: pd.DataFrame | None, period: Period, settings,
           promise_hours: float, *, theme_problem: dict[str, str] | None = None, comment_flags: pd.DataFrame | None = None,
           interview_flags: pd.DataFrame | None = None, interviews: pd.DataFrame | None = None,
           complaint_flags: pd.DataFrame | None = None) -> ProblemInputs:
        """The inputs of a period: ``answers`` None or empty means no survey answers; ``complaints`` (the whole table)
        is cut to the tickets opened in ``period``."""
        surveyed = answers is not None and len(answers) > 0
        if not surveyed:
            answers = pd.DataFrame({"region": pd.Series(dtype=object)})
        tickets = complaints.loc[period.contains(complaints["opened_at"])] if complaints is not None else None
        return cls(answers, surveyed, sales, period, tickets, settings, promise_hours, theme_problem or {}, comment_flags,
                   interview_flags, interviews, complaint_flags)

    @property
    def end(self) -> pd.Timestamp:
        """The end of the period (exclusive): revenue, response ages and churn are measured up to it."""
        return self.period.end_exclusive

    @property
    def asked(self) -> bool:
        """Whether the surveys ask the 0–10 recommend question (an ``nps`` column)."""
        return metrics.has_nps(self.answers)

    @property
    def outcome(self) -> str:
        """The survey outcome: ``nps``, ``satisfaction`` when the recommend question is not asked (``nps`` without either)."""
        return metrics.score_column(self.answers) or "nps"

    @property
    def scale(self) -> Scale:
        """The outcome's answer scale and its bottom rule (NPS detractors, or dissatisfied 1–2 answers)."""
        return outcome_scale(self.answers.columns)


def _nps_pair(data: ProblemInputs, regions: list[str]) -> tuple[float, float]:
    """NPS in ``regions`` and elsewhere (the company's and NaN without regions; NaN when the question is not asked)."""
    answers = data.answers
    if not data.asked:
        return float("nan"), float("nan")
    if not regions:
        return metrics.nps(answers["nps"]).nps, float("nan")
    mine = answers["region"].isin(regions)
    return metrics.nps(answers.loc[mine, "nps"]).nps, metrics.nps(answers.loc[~mine, "nps"]).nps


def set_scores(p: Problem, data: ProblemInputs) -> None:
    """The segment's NPS against the rest (or, without NPS, its mean satisfaction)."""
    answers = data.answers
    p.nps_segment, p.nps_rest = _nps_pair(data, p.regions)
    p.outcome = data.outcome
    p.surveyed = data.surveyed
    if p.outcome == "satisfaction":
        mine = answers["region"].isin(p.regions) if p.regions else pd.Series(True, index=answers.index)
        p.score_segment = float(answers.loc[mine, "satisfaction"].mean())
        p.score_rest = float(answers.loc[~mine, "satisfaction"].mean()) if p.regions else float("nan")


def add_evidence(p: Problem, data: ProblemInputs) -> None:
    """Append the evidence of ``p``'s type and segment, in this order: the share of the period's tickets in the complaint
    categories of its type (``complaint_share``), for slow after-sales response the tickets over the promise and the median
    first response (``over_promise``, ``median_response``), the survey comments coded with a theme of its type
    (``comment_theme``), and the interviews mentioning one (``interviews``)."""
    _complaint_evidence(p, data)
    _comment_evidence(p, data)
    _interview_evidence(p, data)


def _complaint_evidence(p: Problem, data: ProblemInputs) -> None:
    cur_c = data.tickets
    if cur_c is None or not len(cur_c):
        return
    mine_c = cur_c["region"].isin(p.regions) if p.regions else pd.Series(True, index=cur_c.index)
    cats = [c for c, tp in data.settings.complaint_problems.items() if tp == p.type]
    sub = cur_c.loc[mine_c]
    if len(sub) and cats:
        k = int(sub["category"].isin(cats).sum())
        rest = cur_c.loc[~mine_c] if p.regions else None
        ref = float(rest["category"].isin(cats).mean()) if rest is not None and len(rest) else None
        if k:
            found = [c for c in cats if c in set(sub["category"])]
            p.evidence.append(_ev("complaint_share", k / len(sub), ref, count=k, total=int(len(sub)), categories=found))
    if p.type == "slow_after_sales_response" and len(sub):
        _response_evidence(p, data, sub, mine_c)


def _response_evidence(p: Problem, data: ProblemInputs, sub: pd.DataFrame, mine_c: pd.Series) -> None:
    """The segment's tickets first answered after the promise and its median first response, against the rest."""
    promise_hours, end_ts = data.promise_hours, data.end
    h = metrics.response_hours(sub, as_of=end_ts)
    rest_h = metrics.response_hours(data.tickets.loc[~mine_c], as_of=end_ts) if p.regions else None
    p.evidence.append(_ev("over_promise", float((h > promise_hours).mean()),
                          float((rest_h > promise_hours).mean()) if rest_h is not None and len(rest_h) else None,
                          hours=promise_hours, total=int(len(sub))))
    p.evidence.append(_ev("median_response", float(h.median()),
                          float(rest_h.median()) if rest_h is not None and len(rest_h) else None))


def _comment_evidence(p: Problem, data: ProblemInputs) -> None:
    answers, comment_flags = data.answers, data.comment_flags
    if comment_flags is None or "comment" not in answers:
        return
    mine_a = answers["region"].isin(p.regions) if p.regions else pd.Series(True, index=answers.index)
    has = answers["comment"].map(lambda x: isinstance(x, str) and bool(x.strip()))
    for theme, tp in data.theme_problem.items():
        if tp != p.type or theme not in comment_flags:
            continue
        base = has & mine_a
        if base.sum():
            k = int((comment_flags[theme].reindex(answers.index, fill_value=False) & base).sum())
            if k:
                scale = data.scale
                det = base & scale.bottom(answers[scale.key])
                kd = int((comment_flags[theme].reindex(answers.index, fill_value=False) & det).sum())
                p.evidence.append(_ev("comment_theme", k / int(base.sum()), None, theme=theme, count=k, total=int(base.sum()),
                                      detractor_share=kd / int(det.sum()) if det.sum() else None))


def _interview_evidence(p: Problem, data: ProblemInputs) -> None:
    interviews, interview_flags = data.interviews, data.interview_flags
    if interview_flags is None or interviews is None or not len(interviews):
        return
    for theme, tp in data.theme_problem.items():
        if tp != p.type or theme not in interview_flags:
            continue
        mine_i = interviews["region"].isin(p.regions) if (p.regions and "region" in interviews) else pd.Series(True, index=interviews.index)
        k = int((interview_flags[theme] & mine_i).sum())
        if k:
            p.evidence.append(_ev("interviews", k, None, theme=theme, total=int(mine_i.sum())))
