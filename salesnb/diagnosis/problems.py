"""The ranked problems of a period: one function per source of problems and the ranking.

The sources, in the order :func:`rank_problems` asks them: :func:`survey_problems` (problem types with survey
dimensions), :func:`delivery_problem` (late deliveries against the promise), :func:`complaint_problems`
(vital-few complaint categories), :func:`text_problems` (themes of comments, interviews or complaint
descriptions) and :func:`churn_problem` (regions losing customers); :func:`rank` orders them. :func:`diagnose`
runs it all with a workspace configuration.

Not here: the :class:`.evidence.Problem` record and the evidence every problem carries (:mod:`.evidence`), which
dimension or category stands for which type (:mod:`.problem_types`), the sentences (:mod:`.narrative`) and
``diagnosis.json`` (:mod:`.record`).
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .. import survey
from ..config import PROBLEM_TYPES
from ..periods import Period
from .complaints import pareto
from .delivery import delivery_effect
from .evidence import Problem, ProblemInputs, _ev, add_evidence, set_scores
from .free_text import ThemeFlags, theme_problem_types
from .problem_types import problem_settings
from .regions import churn_by_region, region_gaps

__all__ = [
    "SCALE_MIDPOINT", "survey_types", "survey_problems", "delivery_problem", "complaint_problems", "text_problems",
    "churn_problem", "rank", "rank_problems", "diagnose", "REVENUE_MONTHS", "SALES_COLUMNS", "sales_months",
]

SCALE_MIDPOINT = 3.0
"""The midpoint of the 1–5 scale: when no survey type has a region gap, a significant fall or a ``target_score``
gap and no satisfaction benchmark is configured, a dimension mean below it is a gap (``score_midpoint`` evidence)."""


REVENUE_MONTHS = 12
"""A problem's revenue affected is its segment's revenue in the twelve months to the period's end."""

SALES_COLUMNS = ("order_date", "customer_id", "region", "amount")
"""The order-line columns step 3 measures with (with the id codes): the dates and amounts of revenue affected and
of the windows, the customer and region of churn, the sampling frame and the complaint rates. Linking answers to
deliveries reads the whole of :attr:`salesnb.context.StepContext.sales`."""


def sales_months(window_months: int) -> int:
    """How many months of order lines up to the period's end step 3 measures: the two retention windows of
    the churn test and of the sampling frame's lost customers (``2 × window_months``), and the months of
    revenue affected (:data:`REVENUE_MONTHS`). The notebook reads only those lines
    (:meth:`salesnb.context.StepContext.recent_sales`).

    >>> sales_months(12), sales_months(3)
    (24, 12)
    """
    return max(2 * window_months, REVENUE_MONTHS)


def _rev(sales: pd.DataFrame, end_ts: pd.Timestamp, regions: list[str] | None) -> float:
    mask = ((sales["order_date"] >= end_ts - pd.DateOffset(months=REVENUE_MONTHS)) & (sales["order_date"] < end_ts)).to_numpy()
    if regions:
        mask = mask & sales["region"].isin(regions).to_numpy()
    return float(np.nansum(sales["amount"].to_numpy()[mask]))


def _importance(drivers: pd.DataFrame | None) -> dict[str, float]:
    """Driver → its relative importance (none without a driver table)."""
    return dict(zip(drivers["dimension"], drivers["importance"])) if drivers is not None and "dimension" in drivers else {}


# ----------------------------------------------------------------------------- survey scores

def survey_types(answers: pd.DataFrame, settings) -> dict[str, list[str]]:
    """Problem type → the survey dimensions of ``answers`` mapped to it (``settings.dimension_problems``), in mapping order."""
    by_type: dict[str, list[str]] = {}
    for dim, ptype in settings.dimension_problems.items():
        if dim in answers:
            by_type.setdefault(ptype, []).append(dim)
    return by_type


def survey_problems(data: ProblemInputs, by_type: dict[str, list[str]], drivers: pd.DataFrame | None,
                    previous: pd.DataFrame | None, benchmark: float | None = None) -> list[Problem]:
    """One problem per problem type with survey dimensions (``by_type``: :func:`survey_types`).

    * **driver weight** = the summed relative importance of its dimensions for NPS;
    * the **segment** = the regions whose average score on those dimensions
      trails the rest of the company by at least ``settings.min_gap`` points
      with Welch p < ``settings.alpha``; the **gap** is that shortfall
      (answer-weighted over the regions). Without such a region the segment is
      the whole company and the gap is the fall against the previous period
      (significant at ``alpha``) or the shortfall against ``settings.target_score``;
    * **revenue affected** = the segment's revenue in the 12 months to the period end;
    * **impact** = driver weight × gap × revenue affected: the ranking key.

    When no survey type has a region gap, a significant fall or a target gap (one wave, one region, no
    ``target_score``), the gap of each survey type is its mean's shortfall below ``benchmark`` (the
    satisfaction benchmark, ``benchmarks.satisfaction.industry``, 1–5) or, without one, below the scale
    midpoint (:data:`SCALE_MIDPOINT`); evidence ``score_benchmark`` / ``score_midpoint``.
    """
    importance = _importance(drivers)
    problems = [_survey_problem(data, ptype, dims, importance, previous) for ptype, dims in by_type.items()]
    _gaps_below_reference(problems, data.answers, benchmark)
    return problems


def _survey_problem(data: ProblemInputs, ptype: str, dims: list[str], importance: dict[str, float],
                    previous: pd.DataFrame | None) -> Problem:
    """The problem of one survey type: its segment, gap, evidence and impact."""
    settings = data.settings
    weight = float(np.nansum([importance.get(d, np.nan) for d in dims]))
    gaps = region_gaps(data.answers, dims)
    hit = gaps.loc[(gaps["gap"] >= settings.min_gap) & (gaps["p_value"] < settings.alpha)]
    evidence = []
    if len(hit):
        regions = list(hit["region"])
        gap = float(np.average(hit["gap"], weights=hit["n"]))
        for row in hit.itertuples():
            evidence.append(_ev("score_gap", row.score, row.rest, region=row.region, p_value=row.p_value, dimensions=dims))
    else:
        regions = []
        gap = _company_gap(data.answers, dims, previous, settings, evidence)
    evidence.insert(0, _ev("driver_weight", weight, None, dimensions=dims))
    rev = _rev(data.sales, data.end, regions)
    p = Problem(type=ptype, regions=regions, driver_weight=weight, gap=gap, revenue_affected=rev,
                impact=weight * gap * rev, basis="survey", dimensions=dims, evidence=evidence)
    set_scores(p, data)
    add_evidence(p, data)
    return p


def _company_gap(answers: pd.DataFrame, dims: list[str], previous: pd.DataFrame | None, settings, evidence: list[dict]) -> float:
    """The company's gap on ``dims`` (no region trails): the significant fall against ``previous`` or the shortfall
    against ``settings.target_score``, whichever is larger (0 without either); appends its evidence."""
    cur_score = answers[dims].mean(axis=1).dropna()
    gap, ref = 0.0, None
    if previous is not None and len(previous):
        prev_score = previous[[d for d in dims if d in previous]].mean(axis=1).dropna()
        test = survey.welch_test(cur_score, prev_score)
        if not math.isnan(test.change) and test.change < 0 and test.p_value < settings.alpha:
            gap, ref = -test.change, test.previous
            evidence.append(_ev("score_drop", test.current, test.previous, p_value=test.p_value, dimensions=dims))
    if settings.target_score is not None and len(cur_score) and settings.target_score - cur_score.mean() > gap:
        gap, ref = float(settings.target_score - cur_score.mean()), settings.target_score
        evidence.append(_ev("score_target", float(cur_score.mean()), ref, dimensions=dims))
    if not evidence and len(cur_score):
        evidence.append(_ev("score", float(cur_score.mean()), None, dimensions=dims))
    return gap


def _gaps_below_reference(problems: list[Problem], answers: pd.DataFrame, benchmark: float | None) -> None:
    """No survey type has a region gap, a significant fall or a target gap (e.g. one wave, one region, no target):
    each type's gap is its mean's shortfall below the satisfaction benchmark, or without one the scale midpoint."""
    survey_ps = [p for p in problems if p.basis == "survey"]
    if survey_ps and not any(p.gap > 0 for p in survey_ps):
        ref, kind = (float(benchmark), "score_benchmark") if benchmark is not None else (SCALE_MIDPOINT, "score_midpoint")
        for p in survey_ps:
            mean = float(answers[p.dimensions].mean(axis=1).dropna().mean())
            if mean == mean and mean < ref:
                p.gap = ref - mean
                p.impact = p.driver_weight * p.gap * p.revenue_affected
                p.evidence = [e for e in p.evidence if e["kind"] != "score"]
                at = next((i for i, e in enumerate(p.evidence) if e["kind"] == "driver_weight"), -1) + 1
                p.evidence.insert(at, _ev(kind, mean, ref, dimensions=p.dimensions))


# ----------------------------------------------------------------------------- deliveries, complaints, free text, churn

def delivery_problem(data: ProblemInputs, drivers: pd.DataFrame | None) -> Problem | None:
    """The ``delivery_delay`` problem (basis ``delivery``), or None.

    When the answers are linked to their orders' deliveries (:func:`.delivery.link_deliveries`) and the
    orders delivered late score significantly lower than those on time (Welch, ``alpha``), a
    ``delivery_delay`` problem is ranked with the survey problems: driver weight = the
    importance of ``on_time`` among the drivers, gap = the outcome points lost to late or missing
    deliveries (:class:`.delivery.DeliveryEffect`), revenue = the company's 12 months.
    """
    answers, outcome = data.answers, data.outcome
    if not ("delivery_status" in answers and outcome in answers):
        return None
    eff = delivery_effect(answers, outcome)
    test = eff.test
    if not (test.significant(data.settings.alpha) and test.change < 0 and eff.gap > 0):
        return None
    weight = float(_importance(drivers).get("on_time", float("nan")))
    rev = _rev(data.sales, data.end, None)
    r2 = drivers.attrs.get("r2", float("nan"))
    evidence = [_ev("driver_weight", weight, None, dimensions=["on_time"], outcome=outcome, r2=r2),
                _ev("delivery_effect", test.current, test.previous, p_value=test.p_value, late=eff.n_late, on_time=eff.n_on_time,
                    score=outcome),
                _ev("late_share", eff.late_share, None, count=eff.n_due - eff.n_on_time, total=eff.n_due)]
    p = Problem(type="delivery_delay", regions=[], driver_weight=weight, gap=eff.gap, revenue_affected=rev,
                impact=weight * eff.gap * rev if weight == weight else float("nan"), basis="delivery", dimensions=["on_time"],
                evidence=evidence)
    set_scores(p, data)
    add_evidence(p, data)
    return p


def complaint_problems(data: ProblemInputs, taken: set[str]) -> list[Problem]:
    """Problem types seen only in complaints: a vital-few category of the period's tickets whose type is mapped
    (``settings.complaint_problems``, e.g. delivery) and not in ``taken`` (the types already found)."""
    cur_c, cat_type = data.tickets, data.settings.complaint_problems
    if cur_c is None or not len(cur_c):
        return []
    table = pareto(cur_c["category"].value_counts(), data.settings.pareto_threshold)
    vital = table.loc[table["vital_few"], "cause"].tolist()  # in the Pareto's order, so equal problems rank the same every run
    problems = []
    for ptype in dict.fromkeys(cat_type[c] for c in vital if c in cat_type):
        if ptype in taken:
            continue
        p = Problem(type=ptype, regions=[], driver_weight=float("nan"), gap=float("nan"),
                    revenue_affected=_rev(data.sales, data.end, None), impact=float("nan"), basis="complaints", surveyed=data.surveyed)
        add_evidence(p, data)
        problems.append(p)
    return problems


def text_problems(data: ProblemInputs, taken: set[str]) -> list[Problem]:
    """Problem types seen only in free text: a theme with ``problem_type`` (not in ``taken``) in at least
    ``settings.text_problem_share`` of the comments or interviews (e.g. training), or else of the period's
    complaint descriptions (``complaint_flags``)."""
    seen, problems = set(taken), []
    for theme, ptype in data.theme_problem.items():
        if ptype in seen or ptype not in PROBLEM_TYPES:
            continue
        p = Problem(type=ptype, regions=[], driver_weight=float("nan"), gap=float("nan"),
                    revenue_affected=_rev(data.sales, data.end, None), impact=float("nan"), basis="text")
        add_evidence(p, data)
        shares = [e["value"] / e["total"] if e["kind"] == "interviews" else e["value"] for e in p.evidence if e["kind"] in ("comment_theme", "interviews")]
        if not (shares and max(shares) >= data.settings.text_problem_share):
            shares = _complaint_theme(p, data, theme) or shares
        if shares and max(shares) >= data.settings.text_problem_share:
            p.surveyed = data.surveyed
            problems.append(p)
            seen.add(ptype)
    return problems


def _complaint_theme(p: Problem, data: ProblemInputs, theme: str) -> list[float]:
    """The period's complaint descriptions, when comments and interviews do not carry the theme: its share of them
    (added to ``p``'s evidence) when it reaches ``settings.text_problem_share``; [] otherwise."""
    complaint_flags = data.complaint_flags
    if complaint_flags is None or not len(complaint_flags) or theme not in complaint_flags:
        return []
    k = int(complaint_flags[theme].sum())
    if k / len(complaint_flags) < data.settings.text_problem_share:
        return []
    p.evidence.append(_ev("complaint_theme", k / len(complaint_flags), None, theme=theme, count=k, total=int(len(complaint_flags))))
    return [k / len(complaint_flags)]


def churn_problem(data: ProblemInputs, window_months: int = 12) -> Problem | None:
    """``high_churn``: the regions whose churn is significantly above the rest (:func:`.regions.churn_by_region`), or None."""
    churn = churn_by_region(data.sales, data.end, window_months)
    high = churn.loc[(churn["p_value"] < data.settings.alpha) & (churn["churn_rate"] > churn["rest_rate"])]
    if not len(high):
        return None
    p = Problem(type="high_churn", regions=list(high["region"]), driver_weight=float("nan"),
                gap=float((high["churn_rate"] - high["rest_rate"]).mean()), revenue_affected=float(high["lost_revenue"].sum()),
                impact=float("nan"), basis="churn")
    for row in high.itertuples():
        p.evidence.append(_ev("churn", row.churn_rate, row.rest_rate, region=row.region, p_value=row.p_value, lost=row.lost))
    set_scores(p, data)
    return p


# ----------------------------------------------------------------------------- the ranking

def _strength(p: Problem) -> float:
    """The largest share among a problem's evidence (tickets, comments, complaint descriptions, interviews)."""
    shares = [e["value"] for e in p.evidence if e["kind"] in ("complaint_share", "comment_theme", "complaint_theme")]
    shares += [e["value"] / e["total"] for e in p.evidence if e["kind"] == "interviews" and e["total"]]
    return max(shares, default=0.0)


def _rank_key(p: Problem):
    if p.basis in ("survey", "delivery") and p.impact > 0:
        return (0, -p.impact)
    if p.basis == "churn":
        return (1, -p.revenue_affected)
    if p.basis in ("complaints", "text"):
        return (2 if p.basis == "complaints" else 3, -_strength(p))
    if p.basis == "delivery":  # significant, but without a driver weight to size it
        return (2, -p.gap)
    if p.basis == "survey" and p.gap > 0 and math.isnan(p.driver_weight):  # a gap, but no driver model to weigh it
        return (1.5, -p.gap)
    return (4, -p.driver_weight if not math.isnan(p.driver_weight) else 0.0)


def rank(problems: list[Problem]) -> list[Problem]:
    """``problems`` in ranking order (stable: ties keep the given order).

    Any data gets a ranking from what it has (the scoring rule, in ranking order):

    1. survey problems with impact > 0 (driver weight × gap × revenue), largest first;
    2. regions with significant churn, by the lost customers' revenue;
    3. survey problems with a gap but no driver weight (too few complete answers for the driver model), by gap;
    4. complaint problems (a vital-few category whose type is mapped, or inferred by :func:`.problem_types.infer_problem_types`),
       by strength: the largest share among their evidence (tickets, comments, complaint descriptions, interviews);
    5. text problems (a theme in at least ``text_problem_share`` of the comments or interviews, or else of the
       period's complaint descriptions, ``complaint_flags``), by the same strength;
    6. survey problems without a gap, by driver weight.

    A delivery problem with impact > 0 ranks with the survey problems (1); one without a driver weight to size it,
    by its gap with the complaint problems (4).
    """
    return sorted(problems, key=_rank_key)


def rank_problems(*, answers: pd.DataFrame | None, previous: pd.DataFrame | None, drivers: pd.DataFrame, sales: pd.DataFrame,
                  complaints: pd.DataFrame | None, period: Period, settings, promise_hours: float, window_months: int = 12,
                  comment_flags: pd.DataFrame | None = None, theme_problem: dict[str, str] | None = None,
                  interview_flags: pd.DataFrame | None = None, interviews: pd.DataFrame | None = None,
                  complaint_flags: pd.DataFrame | None = None, benchmark: float | None = None) -> list[Problem]:
    """Ranked problems of the period.

    The sources, in this order: survey-backed problem types (:func:`survey_problems`: driver weight × gap ×
    revenue affected); late deliveries (:func:`delivery_problem`, when the answers are linked to their orders);
    problem types seen only in complaints (:func:`complaint_problems`: a vital-few category mapped by
    ``settings.complaint_problems``, e.g. delivery), by complaint share; types seen only in free text
    (:func:`text_problems`: a theme with ``problem_type`` in at least ``settings.text_problem_share`` of the
    comments or interviews, e.g. training); regions whose churn is significantly above the rest
    (:func:`churn_problem`: ``high_churn``, by the lost customers' revenue). Every problem carries its evidence
    (score gaps, complaint shares, response times, comment themes, churn: :func:`.evidence.add_evidence`);
    :func:`rank` orders them (survey types with no gap come last).

    Without an ``nps`` column (the recommend question not asked) NPS figures are NaN and the
    segment's mean satisfaction is kept instead (``score_segment``, ``score_rest``). ``answers`` may be None (no
    survey answers in the period): the ranking is then built from complaints, free text and churn, with no survey claim.
    """
    data = ProblemInputs.of(answers, sales, complaints, period, settings, promise_hours, theme_problem=theme_problem,
                            comment_flags=comment_flags, interview_flags=interview_flags, interviews=interviews,
                            complaint_flags=complaint_flags)
    by_type = survey_types(data.answers, settings)
    problems = survey_problems(data, by_type, drivers, previous, benchmark)
    if "delivery_delay" not in by_type and (late := delivery_problem(data, drivers)) is not None:
        problems.append(late)
    problems += complaint_problems(data, set(by_type) | {p.type for p in problems})
    problems += text_problems(data, {p.type for p in problems})
    if (churn := churn_problem(data, window_months)) is not None:
        problems.append(churn)
    problems = rank(problems)
    for p in problems:
        p.surveyed, p.survey_typed = data.surveyed, bool(by_type)
    assert all(p.type in PROBLEM_TYPES for p in problems)
    return problems


# ----------------------------------------------------------------------------- with a workspace configuration

def diagnose(answers: pd.DataFrame | None, previous: pd.DataFrame | None, drivers: pd.DataFrame | None, sales: pd.DataFrame,
             complaints: pd.DataFrame | None, period: Period, config, flags: ThemeFlags, interviews: pd.DataFrame | None) -> list[Problem]:
    """:func:`rank_problems` with the settings of ``config`` (a workspace configuration).

    Uses ``diagnosis`` (thresholds), ``thresholds.response_promise_hours``,
    ``retention.window_months`` and the themes' problem types
    (:func:`theme_problem_types`); ``flags`` codes the comments and interview notes.
    """
    return rank_problems(answers=answers, previous=previous, drivers=drivers, sales=sales, complaints=complaints, period=period,
                         settings=problem_settings(config, complaints), promise_hours=config.thresholds.response_promise_hours,
                         window_months=config.retention.window_months, comment_flags=flags.comments, interview_flags=flags.interviews,
                         interviews=interviews, theme_problem=theme_problem_types(config.text), complaint_flags=flags.complaints,
                         benchmark=_satisfaction_benchmark(config))


def _satisfaction_benchmark(config) -> float | None:
    """The industry satisfaction benchmark (1–5) of ``config``, None when not configured."""
    bench = getattr(getattr(getattr(config, "benchmarks", None), "satisfaction", None), "industry", None)
    return float(bench) if bench is not None and 1 <= float(bench) <= 5 else None
