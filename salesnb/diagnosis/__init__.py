"""Diagnosis (step 3): key drivers, importance–performance, Pareto, response
times, text themes, the fishbone and the ranked problems.

The ranked problems are the contract step 4 builds on (``diagnosis.json``):
each has a ``type`` from :data:`salesnb.config.PROBLEM_TYPES`, the affected
segment, the evidence numbers, its driver weight, gap and revenue affected,
and a one-line statement in English and Chinese.

Examples
--------
>>> pareto(pd.Series({"A": 50, "B": 30, "C": 15, "D": 5}))["vital_few"].tolist()
[True, True, False, False]
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import metrics, survey, text
from .config import PROBLEM_TYPES
from .i18n import number, pct, t
from .kpis import NPS_SCALE, SATISFACTION_SCALE, outcome_scale
from .metrics import Z95
from .periods import Period

__all__ = [
    "PROBLEM_CODES", "relative_weights", "key_drivers", "QUADRANTS", "importance_performance", "pareto", "complaint_response",
    "complaint_rates", "theme_impact", "region_gaps", "churn_by_region", "Problem", "rank_problems", "fishbone_causes",
    "diagnosis_record", "problem_label", "attach_region", "evidence_text", "statement", "recent", "report_table", "with_intervals",
    "with_change_text", "problem_table", "PLAN_TABLE", "MARGINS_TABLE", "COVERAGE_TABLE", "DIMENSION_TABLE", "CHANGE_TABLE", "DRIVER_TABLE",
    "PARETO_TABLE", "RESPONSE_TABLE", "RATE_TABLE", "TERM_TABLE", "THEME_TABLE", "IMPACT_TABLE", "SUGGESTION_TABLE",
    # the notebook's building blocks
    "Labels", "label_maps", "theme_keywords", "theme_problem_types", "narrative_frame", "narrative_sample_plan", "SurveyWave",
    "survey_wave", "narrative_coverage", "narrative_weights", "previous_answers", "narrative_dimensions", "narrative_segments",
    "narrative_change", "DRIVER_COLUMNS", "narrative_drivers", "with_importance_interval", "PeriodTickets", "period_tickets",
    "complaint_pareto", "vital_few", "pareto_effect", "narrative_pareto", "ResponseHighlights", "response_highlights", "narrative_response",
    "narrative_rates", "TEXT_SOURCES", "names_to_mask", "TextSources", "source_label", "text_sources", "narrative_terms", "top_phrases",
    "ThemeFlags", "theme_flags", "theme_tables", "source_themes", "with_joined_quotes", "mentioned_themes", "narrative_themes",
    "narrative_suggestions", "diagnose", "problem_settings", "infer_problem_types", "SCALE_MIDPOINT", "narrative_no_problems", "diagnosis_document", "narrative_conclusion", "Fishbone", "top_problem_fishbone",
    "summary_metrics",
    # surveys without the recommend question, deliveries against the promise
    "SCORE_FREE_DRIVERS", "ipa_rows", "margins_spec", "scores_by", "segment_scores", "impact_spec", "link_deliveries", "DeliveryEffect",
    "delivery_effect", "narrative_delivery_effect", "DELIVERY_TABLE", "DELIVERY_TABLE_NPS", "driver_columns", "score_heading",
    "delivery_spec", "delivery_table", "CSAT_IMPACT_TABLE", "CSAT_MARGINS_TABLE",
]

PROBLEM_CODES = {ptype: i + 1 for i, ptype in enumerate(PROBLEM_TYPES)}
"""Problem type → the number ``summary.json`` records as ``top_problem_type`` (metrics are numbers; 1 = slow_after_sales_response …)."""

SCORE_FREE_DRIVERS = ("on_time",)
"""Drivers that are not 1–5 scores (``on_time``: 1 when the respondent's order arrived on or before the
promised day, 0 when late or overdue): they take part in the relative weights, not in the importance–performance quadrants."""

QUADRANTS = ("fix_first", "keep_up", "low_priority", "possible_overkill")
"""Importance–performance quadrants: high importance & low score = fix first; high & high = keep up;
low & low = low priority; low importance & high score = possible overkill."""


# ----------------------------------------------------------------------------- drivers

def relative_weights(data: pd.DataFrame, predictors: list[str], outcome: str) -> pd.DataFrame:
    """Johnson's relative weights of ``predictors`` for ``outcome`` (rows with any blank dropped).

    With R_xx = VΛVᵀ, Λ½ = VΛ^½Vᵀ (correlations of the predictors with their
    closest orthogonal counterparts), β = Λ½⁻¹ r_xy and raw weight
    ε_j = Σ_k (Λ½)_jk² β_k². The raw weights sum to the model's R²;
    ``importance`` is each one's share of R². A predictor that does not vary
    gets weight 0.

    Returns
    -------
    DataFrame with ``dimension``, ``raw_weight``, ``importance``; ``attrs``
    carries ``r2`` and ``n``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x = pd.DataFrame(rng.normal(size=(500, 2)), columns=["a", "b"])
    >>> w = relative_weights(x.assign(y=2 * x["a"] + x["b"]), ["a", "b"], "y")
    >>> round(w.attrs["r2"], 6), w["importance"].round(1).tolist()
    (1.0, [0.8, 0.2])
    """
    d = data[list(predictors) + [outcome]].dropna()
    sd = d.std(ddof=1)
    keep = [p for p in predictors if sd.get(p, 0) > 0]
    raw = pd.Series(0.0, index=list(predictors))
    r2 = float("nan")
    if len(d) > len(keep) + 1 and keep and sd[outcome] > 0:
        corr = np.corrcoef(d[keep + [outcome]].to_numpy(dtype=float), rowvar=False)
        rxx, rxy = corr[:-1, :-1], corr[:-1, -1]
        evals, evecs = np.linalg.eigh(rxx)
        evals = np.clip(evals, 1e-12, None)
        lam = evecs @ np.diag(np.sqrt(evals)) @ evecs.T
        beta = np.linalg.solve(lam, rxy)
        eps = (lam ** 2) @ (beta ** 2)
        raw[keep] = eps
        r2 = float(eps.sum())
    out = pd.DataFrame({"dimension": list(predictors), "raw_weight": raw.to_numpy()})
    out["importance"] = out["raw_weight"] / r2 if r2 and not math.isnan(r2) and r2 > 0 else float("nan")
    out.attrs.update(r2=r2, n=int(len(d)))
    return out


def key_drivers(answers: pd.DataFrame, dimensions: list[str], outcome: str = "nps", bootstrap: int = 200,
                seed: int = 2025, level: float = 0.95) -> pd.DataFrame:
    """Relative importance of each dimension for ``outcome`` with bootstrap intervals, and its performance.

    Rows with a blank outcome or dimension are dropped (listwise). The
    interval is the percentile interval of ``importance`` over ``bootstrap``
    resamples of the answers (seeded).

    Returns
    -------
    DataFrame with ``dimension``, ``importance`` (share of R², 0–1),
    ``raw_weight``, ``ci_low``, ``ci_high``, ``performance`` (mean 1–5 of the
    answers used) and ``n``; ``attrs``: ``r2``, ``n``, ``outcome``.
    """
    dims = [d for d in dimensions if d in answers]
    data = answers[dims + [outcome]].dropna()
    rw = relative_weights(data, dims, outcome)
    lows, highs = [np.nan] * len(dims), [np.nan] * len(dims)
    if bootstrap and len(data) > len(dims) + 2:
        rng = np.random.default_rng(seed)
        arr = data.to_numpy(dtype=float)
        boots = []
        for _ in range(bootstrap):
            sample = pd.DataFrame(arr[rng.integers(0, len(arr), len(arr))], columns=dims + [outcome])
            boots.append(relative_weights(sample, dims, outcome)["importance"].to_numpy())
        boots = np.array(boots)
        a = (1 - level) / 2
        lows = np.nanquantile(boots, a, axis=0)
        highs = np.nanquantile(boots, 1 - a, axis=0)
    out = rw.assign(ci_low=lows, ci_high=highs, performance=[float(data[d].mean()) for d in dims], n=len(data))
    out = out[["dimension", "importance", "raw_weight", "ci_low", "ci_high", "performance", "n"]]
    out.attrs.update(r2=rw.attrs["r2"], n=int(len(data)), outcome=outcome)
    return out


def importance_performance(drivers: pd.DataFrame) -> pd.DataFrame:
    """``drivers`` with ``quadrant``: crosshairs at the mean importance and the mean performance
    of the 1–5 dimensions (drivers of :data:`SCORE_FREE_DRIVERS` get no quadrant).

    Examples
    --------
    >>> d = pd.DataFrame({"dimension": list("abcd"), "importance": [0.4, 0.4, 0.1, 0.1], "performance": [3.0, 4.0, 3.0, 4.0]})
    >>> importance_performance(d)["quadrant"].tolist()
    ['fix_first', 'keep_up', 'low_priority', 'possible_overkill']
    """
    scored = ~drivers["dimension"].isin(SCORE_FREE_DRIVERS)
    imp_x, perf_y = drivers.loc[scored, "importance"].mean(), drivers.loc[scored, "performance"].mean()
    high_imp = drivers["importance"] >= imp_x
    high_perf = drivers["performance"] >= perf_y
    quadrant = np.select([high_imp & ~high_perf, high_imp & high_perf, ~high_imp & ~high_perf], list(QUADRANTS[:3]), QUADRANTS[3])
    out = drivers.assign(quadrant=pd.Series(quadrant, index=drivers.index, dtype=object).where(scored, None),
                         performance=drivers["performance"].where(scored))  # a share, not a 1–5 mean
    out.attrs.update(drivers.attrs, importance_mean=float(imp_x), performance_mean=float(perf_y))
    return out


def ipa_rows(drivers: pd.DataFrame) -> pd.DataFrame:
    """The drivers placed in a quadrant (1–5 dimensions; :data:`SCORE_FREE_DRIVERS` left out), attrs kept.

    Examples
    --------
    >>> d = pd.DataFrame({"dimension": ["a", "on_time"], "importance": [0.4, 0.6], "performance": [3.0, 0.8]})
    >>> ipa_rows(importance_performance(d))["dimension"].tolist()
    ['a']
    """
    out = drivers.loc[drivers["quadrant"].notna()]
    out.attrs.update(drivers.attrs)
    return out


def driver_columns(answers: pd.DataFrame, dimensions: list[str]) -> list[str]:
    """The predictors of the key-driver model: the survey dimensions the answers hold, plus
    ``on_time`` when they are linked to their orders' deliveries (:func:`link_deliveries`).

    Examples
    --------
    >>> driver_columns(pd.DataFrame({"quality": [4], "on_time": [1.0]}), ["quality", "price"])
    ['quality', 'on_time']
    """
    return [d for d in dimensions if d in answers] + [d for d in SCORE_FREE_DRIVERS if d in answers and answers[d].notna().any()]


# ----------------------------------------------------------------------------- complaints

def pareto(counts: pd.Series, threshold: float = 0.8) -> pd.DataFrame:
    """Pareto table of ``counts`` (cause → count): largest first, share, cumulative share and the vital few.

    The vital few are the causes up to and including the first whose
    cumulative share reaches ``threshold``. Ties keep the given order.

    Returns
    -------
    DataFrame with ``cause``, ``count``, ``share``, ``cum_share``, ``vital_few``.
    """
    c = pd.Series(counts).astype(float)
    c = c[c > 0]
    order = sorted(range(len(c)), key=lambda i: (-c.iloc[i], i))
    c = c.iloc[order]
    total = c.sum()
    out = pd.DataFrame({"cause": list(c.index), "count": c.to_numpy()})
    if out.empty:
        return out.assign(share=[], cum_share=[], vital_few=[])
    out["count"] = out["count"].astype(int) if (out["count"] % 1 == 0).all() else out["count"]
    out["share"] = out["count"] / total
    out["cum_share"] = out["share"].cumsum()
    reached = int(np.argmax(out["cum_share"].to_numpy() >= threshold - 1e-12)) if (out["cum_share"] >= threshold - 1e-12).any() else len(out) - 1
    out["vital_few"] = np.arange(len(out)) <= reached
    return out


def complaint_response(complaints: pd.DataFrame, period: Period, promise_hours: float, by: str | list[str]) -> pd.DataFrame:
    """Tickets opened in ``period`` per group: count, median first-response hours and share over the promise.

    Tickets unanswered at the period's end count with their age then (as in
    :func:`salesnb.metrics.complaint_summary`).
    """
    by = [by] if isinstance(by, str) else list(by)
    cur = complaints.loc[period.contains(complaints["opened_at"])]
    hours = metrics.response_hours(cur, as_of=period.end_exclusive)
    keyed = cur.assign(hours=hours)
    return (keyed.groupby(by, sort=True, observed=True)
            .agg(tickets=("ticket_id", "size"), median_hours=("hours", "median"),
                 over_promise=("hours", lambda h: float((h > promise_hours).mean())))
            .reset_index())


def complaint_rates(complaints: pd.DataFrame, sales: pd.DataFrame, period: Period, min_customers: int = 30) -> pd.DataFrame:
    """Complaint rate per region: tickets opened in ``period`` per 100 customers active in it.

    Returns ``region``, ``tickets``, ``active_customers``, ``per_100_customers``
    and ``reliable`` (at least ``min_customers`` active customers); reliable
    regions first, highest rate first.
    """
    cur = complaints.loc[period.contains(complaints["opened_at"])]
    buys = metrics.purchases(metrics.sales_in(sales, period))
    active = buys.groupby("region")["customer_id"].nunique().rename("active_customers")
    tickets = cur.groupby("region").size().rename("tickets")
    out = pd.concat([tickets, active], axis=1).fillna(0).astype(int).rename_axis("region").reset_index()
    out["per_100_customers"] = 100 * out["tickets"] / out["active_customers"].where(out["active_customers"] > 0)
    out["reliable"] = out["active_customers"] >= min_customers
    return out.sort_values(["reliable", "per_100_customers"], ascending=False, kind="mergesort").reset_index(drop=True)


# ----------------------------------------------------------------------------- themes

def theme_impact(answers: pd.DataFrame, flags: pd.DataFrame, min_n: int = 30) -> pd.DataFrame:
    """NPS of the answers whose comment mentions each theme against those whose comment does not.

    ``flags`` are :func:`salesnb.text.code_themes` on ``answers["comment"]``;
    answers without a comment are left out of both groups.

    Returns
    -------
    DataFrame with ``theme``, ``mentions``, ``nps_with``, ``nps_without``,
    ``difference``, ``p_value`` (z test) and ``reliable``; when the answers
    have no ``nps`` column, ``score_with`` and ``score_without`` (mean
    satisfaction 1–5, Welch's t) instead of the NPS columns.
    """
    has = answers["comment"].map(lambda x: isinstance(x, str) and bool(x.strip())) if "comment" in answers else pd.Series(False, index=answers.index)
    rows = []
    if not metrics.has_nps(answers):  # the recommend question is not asked: mean satisfaction (1–5), Welch's t
        for key in flags.columns:
            f = flags[key].reindex(answers.index, fill_value=False) & has
            test = survey.welch_test(answers.loc[f, "satisfaction"], answers.loc[has & ~f, "satisfaction"])
            rows.append({"theme": key, "mentions": int(f.sum()), "score_with": test.current, "score_without": test.previous,
                         "difference": test.change, "p_value": test.p_value, "reliable": int(answers.loc[f, "satisfaction"].notna().sum()) >= min_n})
        return pd.DataFrame(rows, columns=["theme", "mentions", "score_with", "score_without", "difference", "p_value", "reliable"])
    for key in flags.columns:
        f = flags[key].reindex(answers.index, fill_value=False) & has
        a, b = metrics.nps(answers.loc[f, "nps"]), metrics.nps(answers.loc[has & ~f, "nps"])
        test = survey.nps_change_test(a, b)
        rows.append({"theme": key, "mentions": int(f.sum()), "nps_with": a.nps, "nps_without": b.nps,
                     "difference": test.change, "p_value": test.p_value, "reliable": a.n >= min_n})
    return pd.DataFrame(rows, columns=["theme", "mentions", "nps_with", "nps_without", "difference", "p_value", "reliable"])


# ----------------------------------------------------------------------------- gaps and churn

def region_gaps(answers: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Each region's mean of the row-wise average of ``columns`` against the rest of the company (Welch).

    Returns ``region``, ``score``, ``rest``, ``gap`` (rest − region; positive =
    the region trails), ``p_value``, ``n``.
    """
    cols = [c for c in columns if c in answers]
    score = answers[cols].mean(axis=1, skipna=True) if cols else pd.Series(np.nan, index=answers.index)
    rows = []
    for region in sorted(answers["region"].dropna().unique()):
        mine = answers["region"] == region
        test = survey.welch_test(score[mine], score[~mine & answers["region"].notna()])
        rows.append({"region": region, "score": test.current, "rest": test.previous, "gap": -test.change if not math.isnan(test.change) else float("nan"),
                     "p_value": test.p_value, "n": int(score[mine].notna().sum())})
    return pd.DataFrame(rows, columns=["region", "score", "rest", "gap", "p_value", "n"])


def churn_by_region(sales: pd.DataFrame, end, window_months: int = 12) -> pd.DataFrame:
    """Churn per region over the retention windows of step 1, with a z test against the rest of the company.

    A customer belongs to the region of its base-window purchases. Returns
    ``region``, ``base_customers``, ``lost``, ``churn_rate``, ``rest_rate``,
    ``p_value``, ``lost_revenue`` (the lost customers' base-window revenue).
    """
    end_ts = end.end_exclusive if isinstance(end, Period) else pd.Timestamp(end)
    cur_start = end_ts - pd.DateOffset(months=window_months)
    base_start = cur_start - pd.DateOffset(months=window_months)
    codes, ids = metrics.customer_codes(sales)
    dates = sales["order_date"]
    in_base = ((sales["amount"] > 0) & (dates >= base_start) & (dates < cur_start)).to_numpy() & (codes >= 0)
    current = metrics.bought_between(sales, cur_start, end_ts)
    lines = pd.DataFrame({"code": codes[in_base], "region": sales["region"].to_numpy()[in_base], "amount": sales["amount"].to_numpy()[in_base]})
    # a customer's region is the most frequent one of its base-window lines (ties: the first by name)
    counts = lines.groupby(["code", "region"], sort=False).size().reset_index(name="lines")
    home = counts.sort_values(["code", "lines", "region"], ascending=[True, False, True]).drop_duplicates("code").set_index("code")["region"]
    revenue = lines.groupby("code")["amount"].sum()
    per = pd.DataFrame({"region": home, "revenue": revenue}).dropna(subset=["region"])
    per["lost"] = ~current[per.index.to_numpy()]
    per.index = pd.Index(ids[per.index.to_numpy()], name="customer_id")
    rows = []
    for region, g in per.groupby("region"):
        rest = per.loc[per["region"] != region]
        p1, n1 = g["lost"].mean(), len(g)
        p2, n2 = (rest["lost"].mean(), len(rest)) if len(rest) else (float("nan"), 0)
        pooled = (g["lost"].sum() + rest["lost"].sum()) / (n1 + n2) if n2 else float("nan")
        se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2)) if n2 and 0 < pooled < 1 else float("nan")
        p = math.erfc(abs((p1 - p2) / se) / math.sqrt(2)) if se and not math.isnan(se) else float("nan")
        rows.append({"region": region, "base_customers": n1, "lost": int(g["lost"].sum()), "churn_rate": float(p1),
                     "rest_rate": float(p2), "p_value": p, "lost_revenue": float(g.loc[g["lost"], "revenue"].sum())})
    return pd.DataFrame(rows, columns=["region", "base_customers", "lost", "churn_rate", "rest_rate", "p_value", "lost_revenue"])


# ----------------------------------------------------------------------------- problems

def problem_label(ptype: str, lang: str) -> str:
    """The problem type's name in ``lang``."""
    return t(f"dg_type_{ptype}", lang)


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
    return {"kind": kind, "value": value, "reference": ref, **fields}


def _rev(sales: pd.DataFrame, end_ts: pd.Timestamp, regions: list[str] | None) -> float:
    mask = ((sales["order_date"] >= end_ts - pd.DateOffset(months=12)) & (sales["order_date"] < end_ts)).to_numpy()
    if regions:
        mask = mask & sales["region"].isin(regions).to_numpy()
    return float(np.nansum(sales["amount"].to_numpy()[mask]))


SCALE_MIDPOINT = 3.0
"""The midpoint of the 1–5 scale: when no survey type has a region gap, a significant fall or a ``target_score``
gap and no satisfaction benchmark is configured, a dimension mean below it is a gap (``score_midpoint`` evidence)."""


def _words(text: str) -> str:
    return " " + str(text).lower().replace("_", " ").replace("-", " ") + " "


def infer_problem_types(names: dict[str, list[str]], keywords: dict[str, list[str]], theme_types: dict[str, str]) -> dict[str, str]:
    """Problem types of survey dimensions or complaint categories not mapped in the workspace, from the text themes' keywords.

    ``names`` maps each key (a dimension key or a complaint category) to the names it goes by (key,
    English and Chinese labels, aliases); ``keywords`` are the themes' keywords and ``theme_types``
    the themes' problem types. A key gets the type of the theme whose keywords occur in its names
    most often (Chinese keywords as substrings, others as whole words); ties go to the first theme;
    keys no keyword matches stay unmapped (they keep their place in the Pareto and the driver table).

    Examples
    --------
    >>> kw = {"delivery": ["delivery", "late", "交期"], "billing": ["invoice", "billing"]}
    >>> types = {"delivery": "delivery_delay", "billing": "billing_errors"}
    >>> infer_problem_types({"Late delivery": ["Late delivery"], "invoice_errors": ["invoice_errors"], "Other": ["Other"],
    ...                      "lateness": ["lateness"]}, kw, types)
    {'Late delivery': 'delivery_delay', 'invoice_errors': 'billing_errors'}
    """
    out: dict[str, str] = {}
    for key, aliases in names.items():
        text = " ".join(_words(a) for a in [key, *aliases] if a)
        best, hits = None, 0
        for theme, words in keywords.items():
            if theme not in theme_types:
                continue
            n = sum(1 for w in words if w and ((w.lower() in text) if not w.isascii() else (_words(w) in text)))
            if n > hits:
                best, hits = theme, n
        if best is not None:
            out[key] = theme_types[best]
    return out


def rank_problems(*, answers: pd.DataFrame | None, previous: pd.DataFrame | None, drivers: pd.DataFrame, sales: pd.DataFrame,
                  complaints: pd.DataFrame | None, period: Period, settings, promise_hours: float, window_months: int = 12,
                  comment_flags: pd.DataFrame | None = None, theme_problem: dict[str, str] | None = None,
                  interview_flags: pd.DataFrame | None = None, interviews: pd.DataFrame | None = None,
                  complaint_flags: pd.DataFrame | None = None, benchmark: float | None = None) -> list[Problem]:
    """Ranked problems of the period.

    For each problem type with survey dimensions (``settings.dimension_problems``):

    * **driver weight** = the summed relative importance of its dimensions for NPS;
    * the **segment** = the regions whose average score on those dimensions
      trails the rest of the company by at least ``settings.min_gap`` points
      with Welch p < ``settings.alpha``; the **gap** is that shortfall
      (answer-weighted over the regions). Without such a region the segment is
      the whole company and the gap is the fall against the previous period
      (significant at ``alpha``) or the shortfall against ``settings.target_score``;
    * **revenue affected** = the segment's revenue in the 12 months to the period end;
    * **impact** = driver weight × gap × revenue affected: the ranking key.

    When the answers are linked to their orders' deliveries (:func:`link_deliveries`) and the
    orders delivered late score significantly lower than those on time (Welch, ``alpha``), a
    ``delivery_delay`` problem (basis ``delivery``) is ranked with them: driver weight = the
    importance of ``on_time`` among the drivers, gap = the outcome points lost to late or missing
    deliveries (:class:`DeliveryEffect`), revenue = the company's 12 months.

    Without an ``nps`` column (the recommend question not asked) NPS figures are NaN and the
    segment's mean satisfaction is kept instead (``score_segment``, ``score_rest``).

    Then, in this order: regions whose churn is significantly above the rest
    (``high_churn``, by the lost customers' revenue); problem types seen only in
    complaints (a vital-few category mapped by ``settings.complaint_problems``,
    e.g. delivery), by complaint share; types seen only in free text (a theme
    with ``problem_type`` in at least ``settings.text_problem_share`` of the
    comments or interviews, e.g. training); survey types with no gap come last. Every problem carries its evidence (score
    gaps, complaint shares, response times, comment themes, churn).

    Any data gets a ranking from what it has (the scoring rule, in ranking order):

    1. survey problems with impact > 0 (driver weight × gap × revenue), largest first;
    2. regions with significant churn, by the lost customers' revenue;
    3. survey problems with a gap but no driver weight (too few complete answers for the driver model), by gap;
    4. complaint problems (a vital-few category whose type is mapped, or inferred by :func:`infer_problem_types`),
       by strength: the largest share among their evidence (tickets, comments, complaint descriptions, interviews);
    5. text problems (a theme in at least ``text_problem_share`` of the comments or interviews, or else of the
       period's complaint descriptions, ``complaint_flags``), by the same strength;
    6. survey problems without a gap, by driver weight.

    When no survey type has a region gap, a significant fall or a target gap (one wave, one region, no
    ``target_score``), the gap of each survey type is its mean's shortfall below ``benchmark`` (the
    satisfaction benchmark, ``benchmarks.satisfaction.industry``, 1–5) or, without one, below the scale
    midpoint (:data:`SCALE_MIDPOINT`); evidence ``score_benchmark`` / ``score_midpoint``. ``answers`` may be None (no survey answers in the
    period): the ranking is then built from complaints, free text and churn, with no survey claim.
    """
    end_ts = period.end_exclusive
    surveyed = answers is not None and len(answers) > 0
    if not surveyed:
        answers = pd.DataFrame({"region": pd.Series(dtype=object)})
    alpha, min_gap = settings.alpha, settings.min_gap
    asked = metrics.has_nps(answers)
    outcome = metrics.score_column(answers) or "nps"
    by_type: dict[str, list[str]] = {}
    for dim, ptype in settings.dimension_problems.items():
        if dim in answers:
            by_type.setdefault(ptype, []).append(dim)
    importance = dict(zip(drivers["dimension"], drivers["importance"])) if drivers is not None and "dimension" in drivers else {}
    cur_c = complaints.loc[period.contains(complaints["opened_at"])] if complaints is not None else None
    cat_type = settings.complaint_problems
    theme_problem = theme_problem or {}
    problems: list[Problem] = []

    def nps_pair(regions: list[str]) -> tuple[float, float]:
        if not asked:
            return float("nan"), float("nan")
        if not regions:
            return metrics.nps(answers["nps"]).nps, float("nan")
        mine = answers["region"].isin(regions)
        return metrics.nps(answers.loc[mine, "nps"]).nps, metrics.nps(answers.loc[~mine, "nps"]).nps

    def set_scores(p: Problem) -> None:
        """The segment's NPS against the rest (or, without NPS, its mean satisfaction)."""
        p.nps_segment, p.nps_rest = nps_pair(p.regions)
        p.outcome = outcome
        p.surveyed = surveyed
        if outcome == "satisfaction":
            mine = answers["region"].isin(p.regions) if p.regions else pd.Series(True, index=answers.index)
            p.score_segment = float(answers.loc[mine, "satisfaction"].mean())
            p.score_rest = float(answers.loc[~mine, "satisfaction"].mean()) if p.regions else float("nan")

    def common_evidence(p: Problem) -> None:
        mine_a = answers["region"].isin(p.regions) if p.regions else pd.Series(True, index=answers.index)
        if cur_c is not None and len(cur_c):
            mine_c = cur_c["region"].isin(p.regions) if p.regions else pd.Series(True, index=cur_c.index)
            cats = [c for c, tp in cat_type.items() if tp == p.type]
            sub = cur_c.loc[mine_c]
            if len(sub) and cats:
                k = int(sub["category"].isin(cats).sum())
                rest = cur_c.loc[~mine_c] if p.regions else None
                ref = float(rest["category"].isin(cats).mean()) if rest is not None and len(rest) else None
                if k:
                    found = [c for c in cats if c in set(sub["category"])]
                    p.evidence.append(_ev("complaint_share", k / len(sub), ref, count=k, total=int(len(sub)), categories=found))
            if p.type == "slow_after_sales_response" and len(sub):
                h = metrics.response_hours(sub, as_of=end_ts)
                rest_h = metrics.response_hours(cur_c.loc[~mine_c], as_of=end_ts) if p.regions else None
                p.evidence.append(_ev("over_promise", float((h > promise_hours).mean()),
                                      float((rest_h > promise_hours).mean()) if rest_h is not None and len(rest_h) else None,
                                      hours=promise_hours, total=int(len(sub))))
                p.evidence.append(_ev("median_response", float(h.median()),
                                      float(rest_h.median()) if rest_h is not None and len(rest_h) else None))
        if comment_flags is not None and "comment" in answers:
            has = answers["comment"].map(lambda x: isinstance(x, str) and bool(x.strip()))
            for theme, tp in theme_problem.items():
                if tp != p.type or theme not in comment_flags:
                    continue
                base = has & mine_a
                if base.sum():
                    k = int((comment_flags[theme].reindex(answers.index, fill_value=False) & base).sum())
                    if k:
                        scale = NPS_SCALE if asked else SATISFACTION_SCALE
                        det = base & scale.bottom(answers[scale.key])
                        kd = int((comment_flags[theme].reindex(answers.index, fill_value=False) & det).sum())
                        p.evidence.append(_ev("comment_theme", k / int(base.sum()), None, theme=theme, count=k, total=int(base.sum()),
                                              detractor_share=kd / int(det.sum()) if det.sum() else None))
        if interview_flags is not None and interviews is not None and len(interviews):
            for theme, tp in theme_problem.items():
                if tp != p.type or theme not in interview_flags:
                    continue
                mine_i = interviews["region"].isin(p.regions) if (p.regions and "region" in interviews) else pd.Series(True, index=interviews.index)
                k = int((interview_flags[theme] & mine_i).sum())
                if k:
                    p.evidence.append(_ev("interviews", k, None, theme=theme, total=int(mine_i.sum())))

    # survey-backed problem types
    for ptype, dims in by_type.items():
        weight = float(np.nansum([importance.get(d, np.nan) for d in dims]))
        gaps = region_gaps(answers, dims)
        hit = gaps.loc[(gaps["gap"] >= min_gap) & (gaps["p_value"] < alpha)]
        evidence = []
        if len(hit):
            regions = list(hit["region"])
            gap = float(np.average(hit["gap"], weights=hit["n"]))
            for row in hit.itertuples():
                evidence.append(_ev("score_gap", row.score, row.rest, region=row.region, p_value=row.p_value, dimensions=dims))
        else:
            regions = []
            cur_score = answers[dims].mean(axis=1).dropna()
            gap, ref = 0.0, None
            if previous is not None and len(previous):
                prev_score = previous[[d for d in dims if d in previous]].mean(axis=1).dropna()
                test = survey.welch_test(cur_score, prev_score)
                if not math.isnan(test.change) and test.change < 0 and test.p_value < alpha:
                    gap, ref = -test.change, test.previous
                    evidence.append(_ev("score_drop", test.current, test.previous, p_value=test.p_value, dimensions=dims))
            if settings.target_score is not None and len(cur_score) and settings.target_score - cur_score.mean() > gap:
                gap, ref = float(settings.target_score - cur_score.mean()), settings.target_score
                evidence.append(_ev("score_target", float(cur_score.mean()), ref, dimensions=dims))
            if not evidence and len(cur_score):
                evidence.append(_ev("score", float(cur_score.mean()), None, dimensions=dims))
        evidence.insert(0, _ev("driver_weight", weight, None, dimensions=dims))
        rev = _rev(sales, end_ts, regions)
        p = Problem(type=ptype, regions=regions, driver_weight=weight, gap=gap, revenue_affected=rev,
                    impact=weight * gap * rev, basis="survey", dimensions=dims, evidence=evidence)
        set_scores(p)
        common_evidence(p)
        problems.append(p)

    # no survey type has a region gap, a significant fall or a target gap (e.g. one wave, one region, no target):
    # each type's gap is its mean's shortfall below the satisfaction benchmark, or without one the scale midpoint
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

    # deliveries against the promise: answers linked to their orders (link_deliveries), late against on time
    if "delivery_status" in answers and outcome in answers and "delivery_delay" not in by_type:
        eff = delivery_effect(answers, outcome)
        test = eff.test
        if test.significant(alpha) and test.change < 0 and eff.gap > 0:
            weight = float(importance.get("on_time", float("nan")))
            rev = _rev(sales, end_ts, None)
            r2 = drivers.attrs.get("r2", float("nan"))
            evidence = [_ev("driver_weight", weight, None, dimensions=["on_time"], outcome=outcome, r2=r2),
                        _ev("delivery_effect", test.current, test.previous, p_value=test.p_value, late=eff.n_late, on_time=eff.n_on_time,
                            score=outcome),
                        _ev("late_share", eff.late_share, None, count=eff.n_due - eff.n_on_time, total=eff.n_due)]
            p = Problem(type="delivery_delay", regions=[], driver_weight=weight, gap=eff.gap, revenue_affected=rev,
                        impact=weight * eff.gap * rev if weight == weight else float("nan"), basis="delivery", dimensions=["on_time"],
                        evidence=evidence)
            set_scores(p)
            common_evidence(p)
            problems.append(p)

    # complaint-only problem types (in the vital few, no survey dimension)
    if cur_c is not None and len(cur_c):
        table = pareto(cur_c["category"].value_counts(), settings.pareto_threshold)
        vital = set(table.loc[table["vital_few"], "cause"])
        for ptype in dict.fromkeys(cat_type[c] for c in vital if c in cat_type):
            if ptype in by_type or ptype in {q.type for q in problems}:
                continue
            p = Problem(type=ptype, regions=[], driver_weight=float("nan"), gap=float("nan"),
                        revenue_affected=_rev(sales, end_ts, None), impact=float("nan"), basis="complaints", surveyed=surveyed)
            common_evidence(p)
            problems.append(p)

    # problem types seen only in free text: comments or interview notes coded with a theme of that type
    seen = {p.type for p in problems}
    for theme, ptype in theme_problem.items():
        if ptype in seen or ptype not in PROBLEM_TYPES:
            continue
        p = Problem(type=ptype, regions=[], driver_weight=float("nan"), gap=float("nan"),
                    revenue_affected=_rev(sales, end_ts, None), impact=float("nan"), basis="text")
        common_evidence(p)
        shares = [e["value"] / e["total"] if e["kind"] == "interviews" else e["value"] for e in p.evidence if e["kind"] in ("comment_theme", "interviews")]
        if not (shares and max(shares) >= settings.text_problem_share) and complaint_flags is not None and len(complaint_flags) \
                and theme in complaint_flags:  # the period's complaint descriptions, when comments and interviews do not carry the theme
            k = int(complaint_flags[theme].sum())
            if k / len(complaint_flags) >= settings.text_problem_share:
                p.evidence.append(_ev("complaint_theme", k / len(complaint_flags), None, theme=theme, count=k, total=int(len(complaint_flags))))
                shares = [k / len(complaint_flags)]
        if shares and max(shares) >= settings.text_problem_share:
            p.surveyed = surveyed
            problems.append(p)
            seen.add(ptype)

    # churn
    churn = churn_by_region(sales, end_ts, window_months)
    high = churn.loc[(churn["p_value"] < alpha) & (churn["churn_rate"] > churn["rest_rate"])]
    if len(high):
        p = Problem(type="high_churn", regions=list(high["region"]), driver_weight=float("nan"),
                    gap=float((high["churn_rate"] - high["rest_rate"]).mean()), revenue_affected=float(high["lost_revenue"].sum()),
                    impact=float("nan"), basis="churn")
        for row in high.itertuples():
            p.evidence.append(_ev("churn", row.churn_rate, row.rest_rate, region=row.region, p_value=row.p_value, lost=row.lost))
        set_scores(p)
        problems.append(p)

    def strength(p: Problem) -> float:
        shares = [e["value"] for e in p.evidence if e["kind"] in ("complaint_share", "comment_theme", "complaint_theme")]
        shares += [e["value"] / e["total"] for e in p.evidence if e["kind"] == "interviews" and e["total"]]
        return max(shares, default=0.0)

    def key(p: Problem):
        if p.basis in ("survey", "delivery") and p.impact > 0:
            return (0, -p.impact)
        if p.basis == "churn":
            return (1, -p.revenue_affected)
        if p.basis in ("complaints", "text"):
            return (2 if p.basis == "complaints" else 3, -strength(p))
        if p.basis == "delivery":  # significant, but without a driver weight to size it
            return (2, -p.gap)
        if p.basis == "survey" and p.gap > 0 and math.isnan(p.driver_weight):  # a gap, but no driver model to weigh it
            return (1.5, -p.gap)
        return (4, -p.driver_weight if not math.isnan(p.driver_weight) else 0.0)

    problems.sort(key=key)
    for p in problems:
        p.surveyed, p.survey_typed = surveyed, bool(by_type)
    assert all(p.type in PROBLEM_TYPES for p in problems)
    return problems


def _scope_text(p: Problem, lang: str) -> str:
    return "、".join(p.regions) if (p.regions and lang == "zh") else (", ".join(p.regions) if p.regions else t("dg_whole_company", lang))


def evidence_text(ev: dict, lang: str, dim_labels: dict[str, str], theme_labels: dict[str, str]) -> str:
    """One evidence item as a short sentence in ``lang``."""
    kind = ev["kind"]
    dims = ("、" if lang == "zh" else " & ").join(dim_labels.get(d, d) for d in ev.get("dimensions", []))
    ref = ev.get("reference")
    if kind == "driver_weight":
        if ev.get("outcome", "nps") != "nps":
            return t("csat_ev_driver", lang, dims=dims, share=pct(ev["value"], lang, 0), r2=pct(ev.get("r2"), lang, 0))
        return t("dg_ev_driver", lang, dims=dims, share=pct(ev["value"], lang, 0))
    if kind == "delivery_effect":
        digits = 2 if ev.get("score") == "satisfaction" else 1
        return t("dl_ev_effect" if ev.get("score") == "satisfaction" else "dl_ev_effect_nps", lang, late=number(ev["value"], lang, digits),
                 on_time=number(ref, lang, digits), p=_p_text(ev.get("p_value")), n_late=ev["late"], n_on_time=ev["on_time"])
    if kind == "late_share":
        return t("dl_ev_late_share", lang, share=pct(ev["value"], lang, 0), k=ev["count"], n=ev["total"])
    if kind == "score_gap":
        return t("dg_ev_gap", lang, region=ev["region"], dims=dims, score=number(ev["value"], lang, 2), rest=number(ref, lang, 2))
    if kind == "score_drop":
        return t("dg_ev_drop", lang, dims=dims, score=number(ev["value"], lang, 2), prev=number(ref, lang, 2))
    if kind == "score_target":
        return t("dg_ev_target", lang, dims=dims, score=number(ev["value"], lang, 2), target=number(ref, lang, 1))
    if kind == "score":
        return t("dg_ev_score", lang, dims=dims, score=number(ev["value"], lang, 2))
    if kind == "score_benchmark":
        return t("dg_ev_benchmark", lang, dims=dims, score=number(ev["value"], lang, 2), bench=number(ref, lang, 2))
    if kind == "score_midpoint":
        return t("dg_ev_midpoint", lang, dims=dims, score=number(ev["value"], lang, 2), mid=number(ref, lang, 0))
    if kind == "complaint_theme":
        return t("dg_ev_complaint_theme", lang, share=pct(ev["value"], lang, 0), theme=theme_labels.get(ev["theme"], ev["theme"]), k=ev["count"], n=ev["total"])
    if kind == "complaint_share":
        base = t("dg_ev_complaints", lang, cats="/".join(ev.get("categories", [])), share=pct(ev["value"], lang, 0), k=ev["count"], n=ev["total"])
        return base + (t("dg_ev_rest", lang, rest=pct(ref, lang, 0)) if ref is not None else "")
    if kind == "over_promise":
        base = t("dg_ev_over", lang, share=pct(ev["value"], lang, 0), hours=ev["hours"], n=ev["total"])
        return base + (t("dg_ev_rest", lang, rest=pct(ref, lang, 0)) if ref is not None else "")
    if kind == "median_response":
        base = t("dg_ev_median", lang, hours=number(ev["value"], lang, 0))
        return base + (t("dg_ev_rest_hours", lang, rest=number(ref, lang, 0)) if ref is not None else "")
    if kind == "comment_theme":
        return t("dg_ev_theme", lang, share=pct(ev["value"], lang, 0), theme=theme_labels.get(ev["theme"], ev["theme"]), k=ev["count"], n=ev["total"])
    if kind == "interviews":
        return t("dg_ev_interviews", lang, k=int(ev["value"]), n=ev["total"], theme=theme_labels.get(ev["theme"], ev["theme"]))
    if kind == "churn":
        return t("dg_ev_churn", lang, region=ev["region"], rate=pct(ev["value"], lang, 0), rest=pct(ref, lang, 0), lost=ev["lost"])
    return str(ev)


def statement(p: Problem, rank: int, lang: str, dim_labels: dict[str, str], theme_labels: dict[str, str]) -> str:
    """The problem's one-line statement ("… is the core pain point behind low NPS in 西南: …")."""
    measured = p.basis in ("survey", "delivery") and p.impact > 0
    key = ("dg_statement_core" if measured else "dg_statement_top_unmeasured" if p.surveyed and p.survey_typed
           else "dg_statement_top_untyped" if p.surveyed else "dg_statement_top_nosurvey") if rank == 1 else "dg_statement"
    if key == "dg_statement_top_unmeasured" and p.basis == "survey" and p.gap > 0:  # a score gap without a driver weight to size it
        key = "dg_statement_top_unweighted"
    if key == "dg_statement_core" and p.outcome == "satisfaction":
        key = "csat_statement_core"
    head = t(key, lang, problem=problem_label(p.type, lang), scope=_scope_text(p, lang), rank=rank)
    picks = [e for e in p.evidence if e["kind"] != "driver_weight"][:2]
    if p.basis == "delivery" and p.driver_weight > 0:
        picks = picks[:1] + [e for e in p.evidence if e["kind"] == "driver_weight"]
        picks += [e for e in p.evidence if e["kind"] == "complaint_share"][:1]
    elif p.basis == "survey" and p.driver_weight > 0:
        picks = picks[:1] + [e for e in p.evidence if e["kind"] == "driver_weight"]
        picks += [e for e in p.evidence if e["kind"] in ("over_promise", "complaint_share")][:1]
    sep = "；" if lang == "zh" else "; "
    return head + sep.join(evidence_text(e, lang, dim_labels, theme_labels) for e in picks) + ("。" if lang == "zh" else ".")


def _evidence_type(e: dict, head: str, dimension_problems: dict[str, str], complaint_problems: dict[str, str],
                   theme_problems: dict[str, str]) -> str:
    """The problem type one evidence item points to (its bone on the fishbone): a score's dimension, a complaint
    category, a comment or interview theme by their mapped type; response times are after-sales; the rest the head's."""
    kind = e.get("kind")
    if kind in ("score_gap", "score_drop", "score_target", "score", "score_benchmark", "score_midpoint"):
        types = [dimension_problems[d] for d in e.get("dimensions", []) if d in dimension_problems]
        return head if head in types or not types else types[0]
    if kind == "complaint_share":
        types = [complaint_problems[c] for c in e.get("categories", []) if c in complaint_problems]
        return head if head in types or not types else types[0]
    if kind in ("comment_theme", "interviews", "complaint_theme"):
        return theme_problems.get(e.get("theme"), head)
    if kind in ("over_promise", "median_response"):
        return "slow_after_sales_response"
    if kind in ("delivery_effect", "late_share"):
        return "delivery_delay"
    return head


def fishbone_causes(problems: list[Problem], categories: dict[str, str], lang: str, dim_labels: dict[str, str],
                    theme_labels: dict[str, str], per_category: int = 6, dimension_problems: dict[str, str] | None = None,
                    complaint_problems: dict[str, str] | None = None, theme_problems: dict[str, str] | None = None) -> pd.DataFrame:
    """Causes for the fishbone of the top problem, grouped by bone.

    Only the top problem's own evidence is drawn (evidence of other problems — price complaints, another
    region's churn — is not a cause of it): each item goes on the bone of the problem type it points to
    (:func:`_evidence_type`; ``categories``: problem type → bone), the driver weight is left out (it sizes the
    problem, it is not a cause); at most ``per_category`` causes per bone, in the evidence's order.

    Returns ``category``, ``problem_type``, ``cause`` (the problem's name),
    ``evidence`` (a short sentence with the number), ``top`` (always True: every cause belongs to the top problem).

    Examples
    --------
    >>> p = Problem("slow_after_sales_response", ["西南"], 0.6, 0.8, 1e6, 5e5, "survey", dimensions=["response_speed"],
    ...             evidence=[_ev("driver_weight", 0.6, None, dimensions=["response_speed"]), _ev("over_promise", 0.6, 0.01, hours=48, total=30)])
    >>> q = Problem("price_perception", [], 0.1, 0.1, 1e6, 1e4, "survey", evidence=[_ev("complaint_share", 0.2, None, count=2, total=10, categories=["价格"])])
    >>> fishbone_causes([p, q], {"slow_after_sales_response": "process", "price_perception": "price"}, "en", {}, {})[["category", "problem_type"]].values.tolist()
    [['process', 'slow_after_sales_response']]
    """
    if not problems:
        return pd.DataFrame(columns=["category", "problem_type", "cause", "evidence", "top"])
    top = problems[0]
    rows = []
    for e in top.evidence:
        if e["kind"] == "driver_weight" or (e.get("region") and top.regions and e["region"] not in top.regions):
            continue
        ptype = _evidence_type(e, top.type, dimension_problems or {}, complaint_problems or {}, theme_problems or {})
        rows.append({"category": categories.get(ptype, categories.get(top.type, "process")), "problem_type": ptype,
                     "cause": problem_label(ptype, lang), "evidence": evidence_text(e, lang, dim_labels, theme_labels), "top": True})
    out = pd.DataFrame(rows, columns=["category", "problem_type", "cause", "evidence", "top"])
    return out.groupby("category", sort=False).head(per_category).reset_index(drop=True)


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


def attach_region(df: pd.DataFrame, customers: pd.DataFrame) -> pd.DataFrame:
    """``df`` with ``region`` from the customer master where it is blank or absent."""
    regions = customers.drop_duplicates("customer_id").set_index("customer_id")["region"]
    mapped = df["customer_id"].map(regions) if "customer_id" in df else pd.Series(np.nan, index=df.index, dtype="object")
    return df.assign(region=df["region"].fillna(mapped) if "region" in df else mapped)


def recent(df: pd.DataFrame, column: str, period: Period, months: int = 12) -> pd.DataFrame:
    """Rows of ``df`` dated in the ``months`` months up to the end of ``period`` (e.g. interviews, which are few a quarter)."""
    end = period.end_exclusive
    return df.loc[(df[column] >= end - pd.DateOffset(months=months)) & (df[column] < end)]


# ----------------------------------------------------------------------------- report tables

def _fmt(kind: str, value, lang: str) -> str:
    if kind == "text":
        return "–" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)
    if kind == "int":
        return number(value, lang, 0)
    if kind in ("pct0", "pct1"):
        return pct(value, lang, int(kind[-1]))
    if kind in ("float1", "float2"):
        return number(value, lang, int(kind[-1]))
    if kind in ("signed1", "signed2"):
        return number(value, lang, int(kind[-1]), signed=True)
    if kind == "p":
        return "–" if value is None or (isinstance(value, float) and math.isnan(value)) else ("<0.001" if value < 0.001 else f"{value:.3f}")
    if kind == "yesno":
        return t("dg_yes" if value else "dg_no", lang)
    if kind == "status":
        return t(f"dg_status_{value}", lang) if value in ("customer", "prospect", "lost") else str(value)
    if kind == "minimum":
        return t(f"dg_min_{value or 'none'}", lang)
    if kind == "quadrant":
        return "–" if value is None or (isinstance(value, float) and math.isnan(value)) else t(f"dg_q_{value}", lang)
    if kind == "list":
        return " ｜ ".join(value) if isinstance(value, (list, tuple)) else str(value)
    raise ValueError(f"unknown format {kind!r}")


def _p_text(value: float | None) -> str:
    """A p value in running text: ``p<0.001``, ``p=0.012`` (``p=–`` when missing)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "p=–"
    return "p<0.001" if value < 0.001 else f"p={value:.3f}"


def report_table(df: pd.DataFrame, spec: list[tuple[str, str, str]], lang: str, labels: dict[str, dict[str, str]] | None = None) -> pd.DataFrame:
    """A display table: the columns of ``spec`` — (column, label key, format) — formatted as text in ``lang``.

    Formats: ``text``, ``int``, ``pct0``, ``pct1``, ``float1``, ``float2``, ``signed1``,
    ``signed2``, ``p``, ``yesno``, ``status``, ``minimum``, ``quadrant``, ``list``;
    ``labels`` maps a column to value → label (e.g. dimension keys to their names).

    Examples
    --------
    >>> report_table(pd.DataFrame({"share": [0.25]}), [("share", "share", "pct0")], "en").to_dict("list")
    {'Share': ['25%']}
    """
    labels = labels or {}
    out = {}
    for col, key, kind in spec:
        m = labels.get(col)
        values = df[col].map(lambda v, m=m: m.get(v, v)) if m is not None else df[col]
        out[t(key, lang)] = [_fmt(kind, v, lang) for v in values]
    return pd.DataFrame(out)


PLAN_TABLE = [("region", "region", "text"), ("status", "dg_col_stratum_status", "status"), ("population", "dg_col_population", "int"),
              ("sample", "dg_col_sample", "int"), ("minimum_applied", "dg_col_minimum", "minimum")]
MARGINS_TABLE = [("group", "dg_col_group", "text"), ("population", "dg_col_population", "int"), ("sample", "dg_col_sample", "int"),
                 ("moe_nps", "dg_col_moe_nps", "float1"), ("moe_mean", "dg_col_moe_mean", "float2")]
COVERAGE_TABLE = [("region", "region", "text"), ("status", "dg_col_stratum_status", "status"), ("population", "dg_col_population", "int"),
                  ("sample", "dg_col_sample", "int"), ("answers", "dg_col_answers", "int"), ("response_rate", "dg_col_response_rate", "pct0")]
DIMENSION_TABLE = [("dimension", "dimension", "text"), ("mean", "dg_col_mean_weighted", "float2"), ("mean_ci", "dg_col_mean_ci", "text"),
                   ("top2", "dg_col_top2_weighted", "pct0"), ("top2_ci", "dg_col_top2_ci", "text"), ("n", "dg_col_answers", "int")]
"""Step 3's dimension table: the scores are weighted (post-stratification), and the headers say so."""
CHANGE_TABLE = [("metric", "dg_col_metric", "text"), ("current_s", "dg_col_current", "text"), ("previous_s", "dg_col_previous", "text"),
                ("change_s", "dg_col_change", "text"), ("test", "dg_col_test", "text"), ("p_value", "dg_col_p", "p"), ("significant", "dg_col_significant", "yesno")]
DRIVER_TABLE = [("dimension", "dimension", "text"), ("importance", "dg_col_importance", "pct0"), ("ci", "dg_col_importance_ci", "text"),
                ("performance", "dg_col_performance", "float2"), ("quadrant", "dg_col_quadrant", "quadrant")]
PARETO_TABLE = [("cause", "dg_col_cause", "text"), ("count", "tickets", "int"), ("share", "share", "pct0"), ("cum_share", "dg_col_cum_share", "pct0"),
                ("vital_few", "dg_col_vital", "yesno")]
RESPONSE_TABLE = [("category", "category", "text"), ("tickets", "tickets", "int"), ("median_hours", "dg_col_median_hours", "float1"), ("over_promise", "dg_col_over", "pct0")]
RATE_TABLE = [("region", "region", "text"), ("tickets", "tickets", "int"), ("active_customers", "active_customers", "int"), ("per_100_customers", "dg_col_rate100", "float1")]
TERM_TABLE = [("term", "dg_col_term", "text"), ("texts", "dg_col_texts", "int"), ("share_of_texts", "dg_col_share_texts", "pct0")]
THEME_TABLE = [("source_label", "dg_col_source", "text"), ("theme", "dg_col_theme", "text"), ("mentions", "dg_col_mentions", "int"), ("share", "share", "pct0"),
               ("quotes", "dg_col_quotes", "list")]
IMPACT_TABLE = [("theme", "dg_col_theme", "text"), ("mentions", "dg_col_mentions", "int"), ("nps_with", "dg_col_nps_with", "float1"),
                ("nps_without", "dg_col_nps_without", "float1"), ("difference", "dg_col_change", "signed1"), ("p_value", "dg_col_p", "p")]
CSAT_IMPACT_TABLE = [("theme", "dg_col_theme", "text"), ("mentions", "dg_col_mentions", "int"), ("score_with", "csat_col_with", "float2"),
                     ("score_without", "csat_col_without", "float2"), ("difference", "dg_col_change", "signed2"), ("p_value", "dg_col_p", "p")]
CSAT_MARGINS_TABLE = [("group", "dg_col_group", "text"), ("population", "dg_col_population", "int"), ("sample", "dg_col_sample", "int"),
                      ("moe_mean", "dg_col_moe_mean", "float2")]
DELIVERY_TABLE = [("status_label", "dl_col_status", "text"), ("answers", "dg_col_answers", "int"), ("mean", "mean", "float2"),
                  ("mean_ci", "dg_col_mean_ci", "text"), ("top2", "top2", "pct0"), ("bottom", "dl_col_bottom", "pct0")]
DELIVERY_TABLE_NPS = [("status_label", "dl_col_status", "text"), ("answers", "dg_col_answers", "int"), ("mean", "mean", "float2"),
                      ("mean_ci", "dg_col_mean_ci", "text"), ("top2", "promoters", "pct0"), ("bottom", "detractors", "pct0")]
SUGGESTION_TABLE = [("suggestion", "dg_col_suggestion", "text"), ("texts", "dg_col_texts", "int"), ("share", "dg_col_share_texts", "pct0")]


def with_intervals(dims: pd.DataFrame, lang: str) -> pd.DataFrame:
    """``survey.dimension_table`` output with ``mean_ci`` and ``top2_ci`` as text ("3.97 … 4.15", "71% … 81%")."""
    return dims.assign(mean_ci=[f"{number(a, lang, 2)} … {number(b, lang, 2)}" for a, b in zip(dims["mean_low"], dims["mean_high"])],
                       top2_ci=[f"{pct(a, lang, 0)} … {pct(b, lang, 0)}" for a, b in zip(dims["top2_low"], dims["top2_high"])])


def with_change_text(changes: pd.DataFrame, lang: str) -> pd.DataFrame:
    """``survey.period_changes`` output with current / previous / change as text (NPS to 1 decimal, 1–5 scores to 2)."""
    digits = [1 if m == "nps" else 2 for m in changes["metric"]]
    return changes.assign(current_s=[number(v, lang, d) for v, d in zip(changes["current"], digits)],
                          previous_s=[number(v, lang, d) for v, d in zip(changes["previous"], digits)],
                          change_s=[number(v, lang, d, signed=True) for v, d in zip(changes["change"], digits)],
                          test=changes["test"].map({"z": "z", "welch": "Welch t"}))


def problem_table(record: dict, lang: str, money_fmt) -> pd.DataFrame:
    """The ranked problems of a ``diagnosis.json`` record as a display table (``money_fmt`` formats 元)."""
    sep = "；" if lang == "zh" else "; "
    rows = [{
        t("dg_col_rank", lang): r["rank"],
        t("dg_col_problem", lang): r["label"][lang],
        t("dg_col_scope", lang): ("、" if lang == "zh" else ", ").join(r["regions"]) or t("dg_whole_company", lang),
        t("dg_col_driver", lang): pct(r["driver_weight"], lang, 0) if r["driver_weight"] == r["driver_weight"] else "–",
        t("dg_col_gap", lang): number(r["gap"], lang, 2) if r["basis"] in ("survey", "delivery") else "–",
        t("dg_col_revenue", lang): money_fmt(r["revenue_affected"]),
        t("dg_col_evidence", lang): sep.join(e["text"][lang] for e in r["evidence"][:4]),
    } for r in record["problems"]]
    return pd.DataFrame(rows)


# ----------------------------------------------------------------------------- the step-3 notebook, section by section
#
# One function (or small dataclass) per thing the notebook shows: the labels of
# the workspace, the survey wave and its narratives, the period's tickets and
# their narratives, the free-text sources and their themes, the ranked problems,
# the fishbone and the summary metrics. Each narrative returns the sentence the
# notebook prints, in ``lang``.

def _join(items, lang: str) -> str:
    """``items`` joined as a list in running text (``、`` in Chinese, ``, `` otherwise)."""
    return ("、" if lang == "zh" else ", ").join(items)


@dataclass(frozen=True)
class Labels:
    """Display names of a workspace's survey dimensions and text themes in one language.

    Attributes
    ----------
    dimensions : the survey dimensions (``survey.dimensions``): key → name.
    scores : ``dimensions`` and ``satisfaction`` (the 1–5 scores of ``dimension_scores.csv``).
    measures : ``nps`` and ``scores`` (the metrics of ``score_changes.csv``).
    themes : the text themes (``text.themes``): key → name.
    drivers : ``dimensions`` and the key drivers that are not scores (:data:`SCORE_FREE_DRIVERS`, e.g. ``on_time``).
    """

    dimensions: dict[str, str]
    scores: dict[str, str]
    measures: dict[str, str]
    themes: dict[str, str]
    drivers: dict[str, str] = field(default_factory=dict)


def label_maps(config, lang: str) -> Labels:
    """The dimension, score, measure and theme names of ``config`` (a workspace configuration) in ``lang``.

    Examples
    --------
    >>> from types import SimpleNamespace as NS
    >>> cfg = NS(survey=NS(dimensions=[NS(key="speed", en="Speed", zh="速度")]), text=NS(themes=[NS(key="slow", en="Slow", zh="慢")]))
    >>> labels = label_maps(cfg, "zh")
    >>> labels.dimensions, labels.themes, labels.drivers
    ({'speed': '速度'}, {'slow': '慢'}, {'speed': '速度', 'on_time': '订单准时送达'})
    >>> list(label_maps(cfg, "en").measures)
    ['nps', 'speed', 'satisfaction']
    """
    dims = {d.key: (d.zh if lang == "zh" else d.en) for d in config.survey.dimensions}
    scores = {**dims, "satisfaction": t("dg_satisfaction", lang)}
    themes = {th.key: (th.zh if lang == "zh" else th.en) for th in config.text.themes}
    drivers = {**dims, **{d: t(f"dl_driver_{d}", lang) for d in SCORE_FREE_DRIVERS}}
    return Labels(dims, scores, {"nps": t("nps", lang), **scores}, themes, drivers)


def theme_keywords(text_cfg) -> dict[str, list[str]]:
    """The keyword rules of the text themes (``text.themes``): theme key → keywords, for :func:`salesnb.text.code_themes`.

    Examples
    --------
    >>> from types import SimpleNamespace as NS
    >>> theme_keywords(NS(themes=[NS(key="slow", keywords=["慢", "late"])]))
    {'slow': ['慢', 'late']}
    """
    return {th.key: th.keywords for th in text_cfg.themes}


def theme_problem_types(text_cfg) -> dict[str, str]:
    """Theme key → the problem type it points to, for the themes that have one (``problem_type``).

    Examples
    --------
    >>> from types import SimpleNamespace as NS
    >>> theme_problem_types(NS(themes=[NS(key="slow", problem_type="slow_after_sales_response"), NS(key="praise", problem_type=None)]))
    {'slow': 'slow_after_sales_response'}
    """
    return {th.key: th.problem_type for th in text_cfg.themes if th.problem_type}


# -- survey design and coverage

def narrative_frame(design: survey.SurveyPlan, period: Period, lang: str) -> str:
    """The sampling frame in one sentence: its size and its buying customers, prospects and lost customers.

    Examples
    --------
    >>> frame = pd.DataFrame({"status": ["customer", "customer", "lost"]})
    >>> design = survey.SurveyPlan(frame, pd.DataFrame(), pd.DataFrame(), "neyman", 100, 0.2, 1)
    >>> narrative_frame(design, Period.parse("2025Q4"), "en")[:80]
    'The sampling frame at the end of 2025Q4 holds 3 customers: 2 buying, 0 prospects'
    """
    counts = design.frame["status"].value_counts()
    return t("dg_narr_frame", lang, period=period, n=len(design.frame), customers=counts.get("customer", 0),
             prospects=counts.get("prospect", 0), lost=counts.get("lost", 0))


def narrative_sample_plan(design: survey.SurveyPlan, lang: str) -> str:
    """The next wave's plan in one sentence: sample size, allocation, minimums, the lost customers' share and the margins of error.

    ``design.margins`` has a row ``group == "all"`` (the company) and one per region.

    Examples
    --------
    >>> plan = pd.DataFrame({"status": ["customer", "lost"], "sample": [80, 20]})
    >>> margins = pd.DataFrame({"group": ["all", "东"], "moe_nps": [9.8, 14.0], "moe_mean": [0.12, 0.2]})
    >>> narrative_sample_plan(survey.SurveyPlan(pd.DataFrame(), plan, margins, "proportional", 20, 0.2, 1), "en").split(";")[0]
    'The next wave samples 100 customers (proportional allocation, at least 20 per region and 20% lost customers'
    """
    plan, margins = design.plan, design.margins.set_index("group")
    lost_actual = plan.loc[plan["status"] == "lost", "sample"].sum() / plan["sample"].sum()
    if not design.nps:  # the recommend question is not asked: the margins of the 1–5 mean only
        return t("csat_narr_plan", lang, total=int(plan["sample"].sum()), method=t(f"dg_method_{design.method}", lang),
                 min_region=design.min_per_region, lost_share=pct(design.min_lost_share, lang, 0), lost_actual=pct(lost_actual, lang, 0),
                 moe_mean=number(margins.loc["all", "moe_mean"], lang, 2), moe_mean_region=number(margins.drop("all")["moe_mean"].max(), lang, 2))
    return t("dg_narr_plan", lang, total=int(plan["sample"].sum()), method=t(f"dg_method_{design.method}", lang),
             min_region=design.min_per_region, lost_share=pct(design.min_lost_share, lang, 0), lost_actual=pct(lost_actual, lang, 0),
             moe_nps=number(margins.loc["all", "moe_nps"], lang, 1), moe_mean=number(margins.loc["all", "moe_mean"], lang, 2),
             moe_nps_region=number(margins.drop("all")["moe_nps"].max(), lang, 1))


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


def missing_text(workspace, table: str, period: Period, lang: str) -> str:
    """Why a section is empty: the workspace has no ``table`` at all (and what it would take), or none of its rows fall in ``period``.

    ``table`` is ``"surveys"`` or ``"complaints"``; ``workspace`` anything with ``has(table)`` (a :class:`salesnb.io.Workspace`).

    Examples
    --------
    >>> class NoSurveys:
    ...     def has(self, table): return table != "surveys"
    >>> missing_text(NoSurveys(), "surveys", Period.parse("2011Q3"), "en")[:47]
    'The workspace has no surveys table: satisfactio'
    >>> missing_text(NoSurveys(), "complaints", Period.parse("2011Q3"), "en")
    'No complaint tickets in 2011Q3.'
    """
    if workspace.has(table):
        return t("no_surveys" if table == "surveys" else "no_complaints", lang, period=period)
    return t(f"no_{table}_table", lang)


def narrative_coverage(wave: SurveyWave, lang: str) -> str:
    """How many answers came in and the two planned strata with the lowest answers ÷ planned sample.

    Examples
    --------
    >>> cover = pd.DataFrame({"region": ["东", "西", "南"], "status": ["customer", "lost", "customer"],
    ...                       "sample": [10, 10, 0], "response_rate": [0.9, 0.3, float("nan")]})
    >>> narrative_coverage(SurveyWave(pd.DataFrame(index=range(12)), cover, pd.Series(dtype=float)), "en")
    'This period 12 answers came in; the strata furthest below plan are 西 · lost customers (30%), 东 · buying customers (90%).'

    Only strata below their plan (answers < planned sample) are named; a stratum above plan never is:

    >>> cover = cover.assign(response_rate=[2.59, 1.0, float("nan")])
    >>> narrative_coverage(SurveyWave(pd.DataFrame(index=range(12)), cover, pd.Series(dtype=float)), "en")
    'This period 12 answers came in; every planned stratum reached its planned sample.'
    """
    cover = wave.coverage
    planned = cover.loc[cover["sample"] > 0]
    below = planned.loc[planned["response_rate"] < 1]  # only strata below their plan are "below plan"
    if below.empty:
        return t("dg_narr_coverage_met" if len(planned) else "dg_narr_coverage_unplanned", lang, answers=len(wave.answers))
    low = below.nsmallest(2, "response_rate")
    strata = (f"{r.region} · {t('dg_status_' + r.status, lang)} ({pct(r.response_rate, lang, 0)})" for r in low.itertuples())
    return t("dg_narr_coverage" if len(low) > 1 else "dg_narr_coverage_one", lang, answers=len(wave.answers), low=_join(strata, lang))


def narrative_weights(wave: SurveyWave, lang: str) -> str:
    """The range of the weights and the weighted against the plain NPS of the wave (mean satisfaction
    when the recommend question is not asked).

    Examples
    --------
    >>> wave = SurveyWave(pd.DataFrame({"nps": [10, 0]}), pd.DataFrame(), pd.Series([1.5, 0.5]))
    >>> narrative_weights(wave, "en").split(". ")[-1]
    'NPS (weighted) 50.0; the headline NPS, as on the summary and in step 1, is 0.0 (unweighted).'
    """
    weights = wave.weights
    if not metrics.has_nps(wave.answers):  # weighted against plain mean satisfaction
        dims = survey.dimension_table(wave.answers, ["satisfaction"], weights)
        plain = survey.dimension_table(wave.answers, ["satisfaction"])
        return t("csat_narr_weights", lang, which=t("dg_weighted", lang), wmin=number(weights.min(), lang, 2), wmax=number(weights.max(), lang, 2),
                 w_mean=number(dims["mean"].iloc[0], lang, 2), u_mean=number(plain["mean"].iloc[0], lang, 2))
    nps = wave.answers["nps"]
    w_nps, u_nps = survey.weighted_nps(nps, weights), metrics.nps(nps)
    return t("dg_narr_weights", lang, which=t("dg_weighted", lang), wmin=number(weights.min(), lang, 2), wmax=number(weights.max(), lang, 2),
             w_nps=number(w_nps.nps, lang, 1), u_nps=number(u_nps.nps, lang, 1))


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


# -- scores, segments, change, drivers

def narrative_missing_dimensions(keys: list[str], asked: list[str], labels: dict[str, str], lang: str) -> str | None:
    """The sentence naming configured dimensions this wave has no answers for (None when every one, or none, was asked:
    a survey without dimension questions is said once by ``dg_no_dimensions``).

    Examples
    --------
    >>> narrative_missing_dimensions(["quality", "price"], ["quality"], {"quality": "Quality", "price": "Price"}, "en")[:42]
    'This wave has no answers for Price althoug'
    """
    missing = [k for k in keys if k not in asked]
    if not missing or not asked:
        return None
    names = [labels.get(k, k) for k in missing]
    return t("dg_missing_dimensions", lang, dims=("、" if lang == "zh" else ", ").join(names))


def narrative_dimensions(dims: pd.DataFrame, labels: dict[str, str], lang: str) -> str:
    """The weakest and the strongest dimension (overall satisfaction left out) of a :func:`salesnb.survey.dimension_table`;
    without dimension scores, overall satisfaction with its interval.

    Examples
    --------
    >>> dims = pd.DataFrame({"dimension": ["speed", "price", "satisfaction"], "mean": [3.2, 4.1, 2.0], "top2": [0.4, 0.8, 0.1], "n": [50, 50, 50]})
    >>> narrative_dimensions(dims, {"speed": "Speed", "price": "Price"}, "en")
    'The weakest dimension is Speed (3.20 of 5 weighted, 40% answering 4 or 5, 50 answers); the strongest is Price (4.10).'
    """
    ranked = dims.loc[dims["dimension"] != "satisfaction"].dropna(subset=["mean"]).sort_values("mean")
    if ranked.empty:  # no dimension scores, overall satisfaction only
        sat = dims.loc[dims["dimension"] == "satisfaction"].dropna(subset=["mean"])
        if sat.empty:
            return t("csat_no_scores", lang)
        r = sat.iloc[0]
        return t("csat_narr_dims", lang, mean=number(r["mean"], lang, 2), low=number(r["mean_low"], lang, 2), high=number(r["mean_high"], lang, 2),
                 top2=pct(r["top2"], lang, 0), n=int(r["n"]))
    low, best = ranked.iloc[0], ranked.iloc[-1]
    if len(ranked) == 1:  # one dimension is neither the weakest nor the strongest
        return t("dg_narr_dim_one", lang, dim=labels[low["dimension"]], score=number(low["mean"], lang, 2), top2=pct(low["top2"], lang, 0), n=low["n"])
    return t("dg_narr_dims", lang, dim=labels[low["dimension"]], score=number(low["mean"], lang, 2), top2=pct(low["top2"], lang, 0),
             n=low["n"], best=labels[best["dimension"]], best_score=number(best["mean"], lang, 2))


def narrative_segments(segments: pd.DataFrame, lang: str) -> str | None:
    """The reliable segment with the lowest NPS against the company's (:func:`salesnb.survey.nps_segments`); None if no segment is reliable.

    The company's NPS is the first row (``segment_type == "all"``).

    Examples
    --------
    >>> segs = pd.DataFrame({"segment_type": ["all", "region", "region", "respondent_type"], "segment": ["all", "东", "西", "lost"],
    ...                      "nps": [20.0, 30.0, -50.0, -10.0], "n": [100, 60, 10, 40], "reliable": [True, True, False, True]})
    >>> narrative_segments(segs, "en")
    'The lowest weighted NPS among segments with enough answers is Respondent type · lost customers (-10.0, 40 answers); company NPS (weighted) is 20.0.'
    """
    value = "nps" if "nps" in segments else "mean"  # satisfaction segments (survey.csat_segments) without NPS
    worst = segments.loc[(segments["segment_type"] != "all") & segments["reliable"]].nsmallest(1, value)
    if not len(worst):
        return None
    r = worst.iloc[0]
    name = t(f"dg_status_{r['segment']}", lang) if r["segment_type"] == "respondent_type" else r["segment"]
    if value == "mean":
        return t("csat_narr_segments", lang, seg=f"{t('dg_segtype_' + r['segment_type'], lang)} · {name}", mean=number(r["mean"], lang, 2),
                 top2=pct(r["top2"], lang, 0), n=r["n"], all=number(segments["mean"].iloc[0], lang, 2))
    return t("dg_narr_segments", lang, seg=f"{t('dg_segtype_' + r['segment_type'], lang)} · {name}", nps=number(r["nps"], lang, 1),
             n=r["n"], all=number(segments["nps"].iloc[0], lang, 1))


def narrative_change(changes: pd.DataFrame, previous: Period, labels: dict[str, str], lang: str) -> str:
    """The NPS change against ``previous`` with its p value and the measures that changed significantly.

    ``changes`` is :func:`salesnb.survey.period_changes` output (NPS first);
    ``labels`` names its metrics (:attr:`Labels.measures`).

    Examples
    --------
    >>> ch = pd.DataFrame({"metric": ["nps", "speed"], "change": [-12.34, -0.3], "p_value": [0.0123, 0.2], "significant": [True, False]})
    >>> narrative_change(ch, Period.parse("2025Q3"), {"nps": "NPS", "speed": "Speed"}, "en")
    'Against 2025Q3: NPS -12.3 points (z test, p=0.012); significant changes at 5%: NPS.'
    """
    sig = _join((labels[m] for m in changes.loc[changes["significant"], "metric"]), lang) or t("dg_none", lang)
    if changes["metric"].iloc[0] != "nps":  # no recommend question: overall satisfaction (Welch)
        row = changes.set_index("metric").loc["satisfaction"] if "satisfaction" in set(changes["metric"]) else changes.iloc[0]
        return t("csat_narr_change", lang, prev=previous, change=number(row["change"], lang, 2, signed=True), p=number(row["p_value"], lang, 3), sig=sig)
    return t("dg_narr_change", lang, prev=previous, change=number(changes["change"].iloc[0], lang, 1, signed=True),
             p=number(changes["p_value"].iloc[0], lang, 3), sig=sig)


DRIVER_COLUMNS = ["dimension", "importance", "ci_low", "ci_high", "performance", "quadrant", "raw_weight", "n"]
"""The columns of ``drivers.csv``, in order."""


def narrative_drivers(drivers: pd.DataFrame, labels: dict[str, str], lang: str) -> str:
    """R² of the driver model, the heaviest driver and the fix-first dimensions (:func:`importance_performance` output).

    Models of satisfaction (no recommend question) or with the ``on_time`` delivery driver name their
    drivers and outcome; the fix-first part needs two dimensions in the quadrants.

    Examples
    --------
    >>> d = pd.DataFrame({"dimension": ["speed", "price"], "importance": [0.7, 0.3], "quadrant": ["fix_first", "low_priority"]})
    >>> d.attrs.update(r2=0.42, n=120)
    >>> narrative_drivers(d, {"speed": "Speed", "price": "Price"}, "en").split(". ")[1]
    'Speed weighs most (70%); Speed sit in the fix-first quadrant (important and below average).'
    """
    top = drivers.nlargest(1, "importance").iloc[0]
    fix = _join((labels[d] for d in drivers.loc[drivers["quadrant"] == "fix_first", "dimension"]), lang) or t("dg_none", lang)
    if drivers.attrs.get("outcome", "nps") != "nps" or drivers["dimension"].isin(SCORE_FREE_DRIVERS).any():
        outcome = t("csat_outcome" if drivers.attrs.get("outcome") == "satisfaction" else "dg_outcome_nps", lang)
        if len(drivers) == 1:
            return t("dl_narr_driver_one", lang, top=labels.get(top["dimension"], top["dimension"]), r2=pct(drivers.attrs["r2"], lang, 0),
                     outcome=outcome, n=drivers.attrs["n"])
        text = t("dl_narr_drivers", lang, drivers=_join((labels.get(d, d) for d in drivers["dimension"]), lang), outcome=outcome,
                 r2=pct(drivers.attrs["r2"], lang, 0), n=drivers.attrs["n"], top=labels.get(top["dimension"], top["dimension"]),
                 share=pct(top["importance"], lang, 0))
        return text + (" " + t("dl_narr_fix", lang, fix=fix) if drivers["quadrant"].notna().sum() > 1 else "")
    k = len(drivers) if lang == "zh" else {2: "two", 3: "three", 4: "four", 5: "five", 6: "six"}.get(len(drivers), str(len(drivers)))
    return t("dg_narr_drivers", lang, k=k, r2=pct(drivers.attrs["r2"], lang, 0), n=drivers.attrs["n"], top=labels[top["dimension"]],
             share=pct(top["importance"], lang, 0), fix=fix)


def with_importance_interval(drivers: pd.DataFrame, lang: str) -> pd.DataFrame:
    """``drivers`` with ``ci`` (the bootstrap interval of the importance as text, "12% … 30%"), most important first.

    Examples
    --------
    >>> d = pd.DataFrame({"importance": [0.2, 0.5], "ci_low": [0.1, 0.4], "ci_high": [0.3, 0.6]})
    >>> with_importance_interval(d, "en")["ci"].tolist()
    ['40% … 60%', '10% … 30%']
    """
    ci = [f"{pct(a, lang, 0)} … {pct(b, lang, 0)}" for a, b in zip(drivers["ci_low"], drivers["ci_high"])]
    return drivers.assign(ci=ci).sort_values("importance", ascending=False)


# -- complaints

@dataclass(frozen=True)
class PeriodTickets:
    """The complaint tickets: all of them and those opened in the period, both with ``region``.

    Both are None without a complaints table.
    """

    complaints: pd.DataFrame | None
    current: pd.DataFrame | None

    @property
    def in_period(self) -> bool:
        """Whether any ticket was opened in the period."""
        return self.current is not None and len(self.current) > 0


def period_tickets(complaints: pd.DataFrame | None, customers: pd.DataFrame, period: Period) -> PeriodTickets:
    """``complaints`` with ``region`` (from the customer master where blank) and those opened in ``period``.

    Examples
    --------
    >>> c = pd.DataFrame({"ticket_id": ["a", "b"], "customer_id": ["c1", "c1"], "opened_at": pd.to_datetime(["2025-09-30", "2025-10-01"])})
    >>> tickets = period_tickets(c, pd.DataFrame({"customer_id": ["c1"], "region": ["东"]}), Period.parse("2025Q4"))
    >>> tickets.current["ticket_id"].tolist(), tickets.complaints["region"].tolist(), tickets.in_period
    (['b'], ['东', '东'], True)
    """
    if complaints is None:
        return PeriodTickets(None, None)
    every = attach_region(complaints, customers)
    return PeriodTickets(every, every.loc[period.contains(every["opened_at"])])


def complaint_pareto(tickets: PeriodTickets, threshold: float = 0.8) -> pd.DataFrame | None:
    """The :func:`pareto` table of the categories of the tickets opened in the period; None without such tickets.

    Examples
    --------
    >>> cur = pd.DataFrame({"category": ["慢", "慢", "贵"]})
    >>> complaint_pareto(PeriodTickets(cur, cur))[["cause", "count"]].values.tolist()
    [['慢', 2], ['贵', 1]]
    """
    return pareto(tickets.current["category"].value_counts(), threshold) if tickets.in_period else None


def vital_few(pareto_table: pd.DataFrame | None) -> list[str]:
    """The vital-few causes of a :func:`pareto` table (none without a table).

    Examples
    --------
    >>> vital_few(pareto(pd.Series({"A": 50, "B": 30, "C": 20}))), vital_few(None)
    (['A', 'B'], [])
    """
    return [] if pareto_table is None else list(pareto_table.loc[pareto_table["vital_few"], "cause"])


def pareto_effect(pareto_table: pd.DataFrame | None) -> bool:
    """Whether a :func:`pareto` table shows a Pareto effect: a few causes carry most tickets.

    Rule: the vital few are at most half of the categories (and there are at least two categories).
    When more than half are needed to reach the threshold, the tickets are spread and no
    category dominates: e.g. 5 of 6 categories for 80 % is no Pareto effect.

    Examples
    --------
    >>> pareto_effect(pareto(pd.Series({"A": 60, "B": 25, "C": 10, "D": 5}))), pareto_effect(pareto(pd.Series({"A": 21, "B": 20, "C": 17, "D": 16, "E": 14, "F": 12})))
    (True, False)
    >>> pareto_effect(pareto(pd.Series({"A": 5}))), pareto_effect(None)
    (False, False)
    """
    if pareto_table is None or len(pareto_table) < 2:
        return False
    return int(pareto_table["vital_few"].sum()) * 2 <= len(pareto_table)


def narrative_pareto(pareto_table: pd.DataFrame, lang: str) -> str:
    """How many categories are the vital few, the tickets they cover and their names; or, without a
    Pareto effect (:func:`pareto_effect`), that the tickets are spread and no category dominates.

    Examples
    --------
    >>> narrative_pareto(pareto(pd.Series({"Slow": 60, "Price": 25, "Billing": 10, "Other": 5})), "en")
    '2 of 4 complaint categories are the vital few, covering 85% of 100 tickets: Slow, Price.'
    >>> narrative_pareto(pareto(pd.Series({"Slow": 50, "Price": 30, "Billing": 20})), "en")
    'No Pareto effect: 2 of 3 complaint categories are needed to cover 80% of 100 tickets, so no category dominates (the largest is Slow, 50%).'
    """
    vital = pareto_table.loc[pareto_table["vital_few"]]
    top = pareto_table.iloc[0]
    fields = dict(k=len(vital), n=len(pareto_table), cum=pct(vital["cum_share"].iloc[-1], lang, 0),
                  tickets=int(pareto_table["count"].sum()), cats=_join(vital["cause"], lang), top=top["cause"], share=pct(top["share"], lang, 0))
    if len(pareto_table) == 1:
        return t("dg_narr_pareto_one", lang, **fields)
    return t("dg_narr_pareto" if pareto_effect(pareto_table) else "dg_narr_pareto_spread", lang, **fields)


@dataclass(frozen=True)
class ResponseHighlights:
    """The response-time headline of the period.

    Attributes
    ----------
    late_share : share of the period's tickets first answered after the promise.
    region : the slowest region (highest median first response among regions with enough tickets).
    median_hours : its median first-response hours.
    over_promise : its share of tickets answered after the promise.
    promise_hours : the promise (hours).
    """

    late_share: float
    region: str | None
    median_hours: float
    over_promise: float
    promise_hours: float


def response_highlights(complaints: pd.DataFrame, by_region: pd.DataFrame, period: Period, promise_hours: float,
                        min_tickets: int = 10) -> ResponseHighlights:
    """The company's share of late first responses and the slowest region of ``by_region``.

    ``by_region`` is :func:`complaint_response` by ``region``. The slowest
    region is picked among those with at least ``min_tickets`` tickets (all
    regions when none has that many).

    Examples
    --------
    >>> c = pd.DataFrame({"ticket_id": ["a", "b"], "opened_at": pd.to_datetime(["2025-10-01", "2025-10-01"]),
    ...                   "first_response_at": pd.to_datetime(["2025-10-01 12:00", "2025-10-04 00:00"])})
    >>> by_region = pd.DataFrame({"region": ["东", "西"], "tickets": [1, 1], "median_hours": [12.0, 72.0], "over_promise": [0.0, 1.0]})
    >>> h = response_highlights(c, by_region, Period.parse("2025Q4"), 48)
    >>> h.late_share, h.region, h.median_hours
    (0.5, '西', 72.0)
    """
    enough = by_region.loc[by_region["tickets"] >= min_tickets] if (by_region["tickets"] >= min_tickets).any() else by_region
    slowest = enough.nlargest(1, "median_hours").iloc[0]
    late = metrics.complaint_summary(complaints, period, promise_hours)["response_over_promise_share"]
    if len(by_region) < 2:  # a single region is not "the slowest"
        return ResponseHighlights(late, None, float(slowest["median_hours"]), float(slowest["over_promise"]), promise_hours)
    return ResponseHighlights(late, slowest["region"], float(slowest["median_hours"]), float(slowest["over_promise"]), promise_hours)


def narrative_response(highlights: ResponseHighlights, lang: str) -> str:
    """The share of late first responses and the slowest region in one sentence.

    Examples
    --------
    >>> narrative_response(ResponseHighlights(0.25, "西", 72.0, 1.0, 48), "en")
    "25% of this period's tickets were answered after the 48-hour promise; the slowest region is 西 (median 72 h, 100% over the promise)."
    """
    h = highlights
    if h.region is None:  # one region: nothing to compare
        return t("narr_response", lang, share=pct(h.late_share, lang, 0), hours=h.promise_hours)
    return t("dg_narr_response", lang, share=pct(h.late_share, lang, 0), hours=h.promise_hours, region=h.region,
             median=number(h.median_hours, lang, 0), over=pct(h.over_promise, lang, 0))


def narrative_rates(rates: pd.DataFrame, min_customers: int, lang: str) -> str:
    """The region with the highest complaint rate (the first row of :func:`complaint_rates`).

    Examples
    --------
    >>> rates = pd.DataFrame({"region": ["西", "东"], "per_100_customers": [12.5, 3.0], "active_customers": [40, 50]})
    >>> narrative_rates(rates, 30, "en").split(" (")[0]
    '西 files the most complaints: 12.5 tickets per 100 active customers'
    >>> narrative_rates(rates.head(1), 30, "en").split(" (")[0]  # one region ranks nothing
    '西 files 12.5 tickets per 100 active customers'
    """
    if len(rates) < 2:  # one region: a rate, not a ranking
        return t("dg_narr_rate_one", lang, region=rates["region"].iloc[0], rate=number(rates["per_100_customers"].iloc[0], lang, 1),
                 n=rates["active_customers"].iloc[0])
    return t("dg_narr_rate", lang, region=rates["region"].iloc[0], rate=number(rates["per_100_customers"].iloc[0], lang, 1),
             n=rates["active_customers"].iloc[0], min_n=min_customers)


# -- free text

TEXT_SOURCES = ("complaints", "comments", "interviews")
"""The free-text sources: complaint descriptions, survey comments, interview notes (labels ``dg_src_<source>``)."""


def names_to_mask(contacts: pd.DataFrame | None, customers: pd.DataFrame) -> list[str]:
    """The people's names to mask in quotes: ``contact`` and ``customer_name`` of the contacts table, else of the customer master.

    Examples
    --------
    >>> names_to_mask(None, pd.DataFrame({"customer_name": ["华东机械", None], "contact": ["王伟", "李娜"]}))
    ['王伟', '李娜', '华东机械']
    """
    people = contacts if contacts is not None else customers
    return [n for col in ("contact", "customer_name") if col in people for n in people[col].dropna()]


@dataclass(frozen=True)
class TextSources:
    """The period's free text.

    Attributes
    ----------
    texts : ``complaints`` (descriptions of the period's tickets) and ``comments``
        (the period's survey comments), in that order, each only when it holds some text.
    comment_scores : the 0–10 answers behind the comments (the 1–5 satisfaction when the recommend question is
        not asked); quotes of the lowest scores come first. None without comments.
    interviews : the interviews of the 12 months up to the period's end, with ``region``; None without an interviews table.
    names : the names to mask in quotes (:func:`names_to_mask`).
    """

    texts: dict[str, pd.Series]
    comment_scores: pd.Series | None
    interviews: pd.DataFrame | None
    names: tuple[str, ...] = ()

    @property
    def main(self) -> str | None:
        """The source the frequent words come from: complaints when there are any, else comments; None without text."""
        return next(iter(self.texts), None)

    @property
    def main_texts(self) -> pd.Series:
        """The non-blank texts of :attr:`main`."""
        return self.texts[self.main].dropna()

    @property
    def has_interviews(self) -> bool:
        """Whether any interview falls in the 12 months."""
        return self.interviews is not None and len(self.interviews) > 0


def source_label(source: str, lang: str) -> str:
    """The name of a text source (``complaints``, ``comments``, ``interviews``) in running text.

    Examples
    --------
    >>> source_label("comments", "en"), source_label("complaints", "zh")
    ('survey comments', '投诉描述')
    """
    return t(f"dg_src_{source}", lang)


def text_sources(tickets: pd.DataFrame | None, answers: pd.DataFrame | None, interviews: pd.DataFrame | None,
                 customers: pd.DataFrame, period: Period, contacts: pd.DataFrame | None = None) -> TextSources:
    """Select the period's free text: ticket descriptions, survey comments and the last 12 months' interview notes.

    Parameters
    ----------
    tickets : the tickets opened in the period (``description``), or None.
    answers : the period's survey answers (``comment``, ``nps``), or None.
    interviews : the whole interviews table (``interview_date``, ``notes``), or None.
    customers : the customer master (regions of interviews, names to mask).
    contacts : the contacts table, whose names are masked instead of the master's when given.

    Examples
    --------
    >>> answers = pd.DataFrame({"nps": [3, 9], "comment": ["太慢", None]})
    >>> src = text_sources(pd.DataFrame({"description": [None]}), answers, None, pd.DataFrame({"customer_id": []}), Period.parse("2025Q4"))
    >>> list(src.texts), src.main, src.main_texts.tolist(), src.interviews
    (['comments'], 'comments', ['太慢'], None)
    """
    found = {"complaints": tickets["description"] if tickets is not None and "description" in tickets else None,
             "comments": answers["comment"] if answers is not None and "comment" in answers else None}
    texts = {k: s for k, s in found.items() if s is not None and s.notna().any()}
    notes = attach_region(recent(interviews, "interview_date", period), customers) if interviews is not None else None
    score = metrics.score_column(answers)
    scores = answers[score] if "comments" in texts and score is not None else None
    return TextSources(texts, scores, notes, tuple(names_to_mask(contacts, customers)))


def narrative_terms(terms: pd.DataFrame, n_texts: int, source: str, lang: str) -> str:
    """The most widespread word and phrase of :func:`salesnb.text.frequent_terms` output over ``n_texts`` texts of ``source``.

    Examples
    --------
    >>> terms = pd.DataFrame({"term": ["slow", "too slow"], "kind": ["word", "phrase"], "share_of_texts": [0.5, 0.25]})
    >>> narrative_terms(terms, 4, "comments", "en")
    'In 4 survey comments, the most widespread word is “slow” (50% of texts) and the most widespread phrase “too slow” (25%).'
    """
    word, phrase = terms.loc[terms["kind"] == "word"].iloc[0], terms.loc[terms["kind"] == "phrase"].iloc[0]
    return t("dg_narr_words", lang, n=n_texts, source=source_label(source, lang), term=word["term"],
             share=pct(word["share_of_texts"], lang, 0), phrase=phrase["term"], pshare=pct(phrase["share_of_texts"], lang, 0))


def top_phrases(terms: pd.DataFrame, top: int = 10) -> pd.DataFrame:
    """The ``top`` most widespread two-word phrases of :func:`salesnb.text.frequent_terms` output.

    Examples
    --------
    >>> top_phrases(pd.DataFrame({"term": ["slow", "too slow", "not good"], "kind": ["word", "phrase", "phrase"]}), 1)["term"].tolist()
    ['too slow']
    """
    return terms.loc[terms["kind"] == "phrase"].head(top)


@dataclass(frozen=True)
class ThemeFlags:
    """Theme coding (:func:`salesnb.text.code_themes`) of the survey comments and of the interview notes (None when absent)."""

    comments: pd.DataFrame | None
    interviews: pd.DataFrame | None
    complaints: pd.DataFrame | None = None
    """The period's complaint descriptions (None without any)."""


def theme_flags(sources: TextSources, keywords: dict[str, list[str]]) -> ThemeFlags:
    """Code the survey comments and the interview notes of ``sources`` with the theme ``keywords``.

    Examples
    --------
    >>> src = TextSources({"comments": pd.Series(["售后太慢", "很好"])}, pd.Series([2, 10]), None)
    >>> flags = theme_flags(src, {"slow": ["慢"]})
    >>> flags.comments["slow"].tolist(), flags.interviews, flags.complaints
    ([True, False], None, None)
    """
    comments = text.code_themes(sources.texts["comments"], keywords) if "comments" in sources.texts else None
    interviews = text.code_themes(sources.interviews["notes"], keywords) if sources.interviews is not None else None
    complaints = text.code_themes(sources.texts["complaints"].dropna(), keywords) if "complaints" in sources.texts else None
    return ThemeFlags(comments, interviews, complaints)


def theme_tables(sources: TextSources, keywords: dict[str, list[str]], quotes: int = 3) -> pd.DataFrame:
    """Mentions, share and masked quotes per theme for every text source (:func:`salesnb.text.theme_table`), stacked.

    Sources in order: complaints, comments (quotes of the lowest scores first),
    then interviews when there are any.

    Returns
    -------
    DataFrame with ``theme``, ``mentions``, ``share`` (of the source's texts),
    ``quotes`` (a list) and ``source``.

    Examples
    --------
    >>> src = TextSources({"complaints": pd.Series(["售后太慢", "价格贵", "售后慢"])}, None,
    ...                   pd.DataFrame({"notes": ["售后要快", "ok"]}))
    >>> theme_tables(src, {"slow": ["慢", "快"], "price": ["价格"]}, quotes=0)[["source", "theme", "mentions"]].values.tolist()
    [['complaints', 'slow', 2], ['complaints', 'price', 1], ['interviews', 'slow', 1], ['interviews', 'price', 0]]
    """
    tables = [text.theme_table(s, text.code_themes(s, keywords), quotes, sources.names,
                               order_by=sources.comment_scores if k == "comments" else None).assign(source=k)
              for k, s in sources.texts.items()]
    if sources.has_interviews:
        notes = sources.interviews["notes"]
        tables.append(text.theme_table(notes, text.code_themes(notes, keywords), quotes, sources.names).assign(source="interviews"))
    if not tables:
        return pd.DataFrame(columns=["theme", "mentions", "share", "quotes", "source"])
    return pd.concat(tables, ignore_index=True)


def source_themes(themes: pd.DataFrame, source: str) -> pd.DataFrame:
    """The rows of :func:`theme_tables` output of one source.

    Examples
    --------
    >>> source_themes(pd.DataFrame({"theme": ["a", "b"], "source": ["complaints", "comments"]}), "comments")["theme"].tolist()
    ['b']
    """
    return themes.loc[themes["source"] == source]


def with_joined_quotes(themes: pd.DataFrame) -> pd.DataFrame:
    """:func:`theme_tables` output with each theme's quotes joined by `` | `` (as written to ``themes.csv``).

    Examples
    --------
    >>> with_joined_quotes(pd.DataFrame({"quotes": [["太慢", "没人管"], []]}))["quotes"].tolist()
    ['太慢 | 没人管', '']
    """
    return themes.assign(quotes=themes["quotes"].map(" | ".join))


def mentioned_themes(themes: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The themes of :func:`theme_tables` output mentioned at least once, with ``source_label`` (the source's name in ``lang``).

    Examples
    --------
    >>> th = pd.DataFrame({"theme": ["a", "b"], "mentions": [2, 0], "source": ["comments", "comments"]})
    >>> mentioned_themes(th, "en")[["theme", "source_label"]].values.tolist()
    [['a', 'survey comments']]
    """
    return themes.loc[themes["mentions"] > 0].assign(source_label=lambda d: d["source"].map(lambda s: source_label(s, lang)))


def narrative_themes(main_themes: pd.DataFrame, impact: pd.DataFrame, labels: dict[str, str], lang: str) -> str:
    """The most mentioned theme of the main text source and the comment theme with the lowest NPS against the rest.

    ``main_themes`` is :func:`theme_tables` output of the main source (most
    mentioned first); ``impact`` is :func:`theme_impact` output sorted by
    ``difference`` (the first theme mentioned at least once is named).

    Examples
    --------
    >>> main = pd.DataFrame({"theme": ["slow"], "share": [0.4]})
    >>> impact = pd.DataFrame({"theme": ["price", "slow"], "mentions": [0, 5], "nps_with": [0.0, -60.0], "nps_without": [0.0, 20.0]})
    >>> narrative_themes(main, impact, {"slow": "slow service", "price": "price"}, "en")
    '40% of complaints are about slow service; among survey comments, those mentioning slow service give an NPS of -60.0 against 20.0 for the rest.'
    """
    top = main_themes.iloc[0]
    if not (impact["mentions"] > 0).any():
        return t("dg_narr_no_theme", lang, share=pct(top["share"], lang, 0), theme=labels[top["theme"]])
    worst = impact.loc[impact["mentions"] > 0].iloc[0]
    if "score_with" in impact:  # no recommend question: mean satisfaction with and without the theme
        return t("csat_narr_themes", lang, share=pct(top["share"], lang, 0), theme=labels[top["theme"]], ctheme=labels[worst["theme"]],
                 without=number(worst["score_without"], lang, 2), **{"with": number(worst["score_with"], lang, 2)})
    return t("dg_narr_themes", lang, share=pct(top["share"], lang, 0), theme=labels[top["theme"]], ctheme=labels[worst["theme"]],
             without=number(worst["nps_without"], lang, 1), **{"with": number(worst["nps_with"], lang, 1)})


def narrative_suggestions(suggested: pd.DataFrame, n_interviews: int, lang: str) -> str:
    """The suggestion made most often (first row of :func:`salesnb.text.suggestions`) out of ``n_interviews`` interviews.

    Examples
    --------
    >>> narrative_suggestions(pd.DataFrame({"suggestion": ["建议简化流程"], "texts": [3]}), 8, "zh")
    '近12个月大客户访谈中最常见的建议是“建议简化流程”（8 次访谈中 3 次）。'
    """
    return t("dg_narr_suggestions", lang, top=suggested["suggestion"].iloc[0], k=suggested["texts"].iloc[0], n=n_interviews)


# -- the ranked problems, diagnosis.json, the fishbone, summary.json

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


def problem_settings(config, complaints: pd.DataFrame | None = None):
    """``config.diagnosis`` with the dimensions and complaint categories it does not map given the type
    :func:`infer_problem_types` finds from their names (the configured mappings always win).

    Examples
    --------
    >>> from salesnb.config import WorkspaceConfig
    >>> cfg = WorkspaceConfig.model_validate({"company": {"name": "x"}, "tables": {"sales": {"file": "s.csv"}}})
    >>> s = problem_settings(cfg, pd.DataFrame({"category": ["Late delivery", "Invoice wrong", "Other"]}))
    >>> {k: s.complaint_problems[k] for k in ("Late delivery", "Invoice wrong")}, "Other" in s.complaint_problems
    ({'Late delivery': 'delivery_delay', 'Invoice wrong': 'billing_errors'}, False)
    """
    settings = config.diagnosis
    keywords, types = theme_keywords(config.text), theme_problem_types(config.text)
    dims = {d.key: [d.en, d.zh, *getattr(d, "aliases", [])] for d in config.survey.dimensions if d.key not in settings.dimension_problems}
    cats = {}
    if complaints is not None and "category" in complaints:
        cats = {str(c): [] for c in complaints["category"].dropna().unique() if c not in settings.complaint_problems}
    extra_dims, extra_cats = infer_problem_types(dims, keywords, types), infer_problem_types(cats, keywords, types)
    if not extra_dims and not extra_cats:
        return settings
    update = {"dimension_problems": {**settings.dimension_problems, **extra_dims}, "complaint_problems": {**settings.complaint_problems, **extra_cats}}
    if hasattr(settings, "model_copy"):
        return settings.model_copy(update=update)
    from types import SimpleNamespace

    return SimpleNamespace(**{**vars(settings), **update})


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


def narrative_conclusion(record: dict, lang: str, pareto_table: pd.DataFrame | None = None, drivers: pd.DataFrame | None = None,
                         labels: dict[str, str] | None = None) -> str:
    """The top problem's statement of a ``diagnosis.json`` record, or, without a ranked problem,
    :func:`narrative_no_problems` computed from the Pareto and driver tables shown above it. After the
    statement, fix-first dimensions and vital-few complaint categories that no ranked problem stands
    for are named (they have no problem type), so the conclusion never hides what the tables mark.

    Examples
    --------
    >>> narrative_conclusion({"problems": [{"statement": {"en": "Slow.", "zh": "慢。"}}]}, "zh")
    '慢。'
    >>> narrative_conclusion({"problems": []}, "en")
    'No problem type could be ranked in this period.'
    """
    if not record["problems"]:
        return narrative_no_problems(pareto_table, drivers, labels or {}, lang)
    text = record["problems"][0]["statement"][lang]
    if drivers is not None and "quadrant" in drivers:  # fix-first dimensions that no ranked problem stands for are named
        covered = {d for r in record["problems"] for d in r.get("dimensions", [])}
        fix = [d for d in drivers.loc[drivers["quadrant"] == "fix_first", "dimension"] if d not in covered]
        if fix:
            text += ("" if lang == "zh" else " ") + t("dg_none_fix_first", lang, dims=_join(((labels or {}).get(d, d) for d in fix), lang))
    if pareto_table is not None and len(pareto_table):  # vital-few categories that no ranked problem stands for are named
        covered = {c for r in record["problems"] for e in r.get("evidence", []) if e.get("kind") == "complaint_share" for c in e.get("categories", [])}
        loose = [c for c in pareto_table.loc[pareto_table["vital_few"], "cause"] if c not in covered]
        if loose:
            text += ("" if lang == "zh" else " ") + t("dg_untyped_vital_few", lang, cats=_join(loose, lang))
    return text


def narrative_no_problems(pareto_table: pd.DataFrame | None, drivers: pd.DataFrame | None, labels: dict[str, str], lang: str) -> str:
    """Why nothing is ranked, each clause computed from the table it speaks of.

    "No complaint category dominates" only when the Pareto shows no Pareto effect (:func:`pareto_effect`);
    otherwise its leading category and share are named as not mapped to a problem type. Dimensions the
    driver table marks ``fix_first`` are named.

    Examples
    --------
    >>> par = pareto(pd.Series({"Rude staff": 32, "Parking": 30, "Noise": 20, "Queue": 10, "Wifi": 8}))
    >>> d = pd.DataFrame({"dimension": ["staff", "room"], "quadrant": ["fix_first", "keep_up"]})
    >>> narrative_no_problems(par, d, {"staff": "Staff"}, "en")
    'No problem type could be ranked in this period. Complaints: 3 of 5 categories are needed to cover 82% of tickets, so no category dominates. Staff sit in the fix-first quadrant of the driver table, but no problem type is mapped to them (diagnosis.dimension_problems).'
    >>> narrative_no_problems(pareto(pd.Series({"Rude staff": 60, "Parking": 25, "Noise": 10, "Queue": 5})), None, {}, "en").split(". ")[1]
    'The complaint Pareto is led by Rude staff (60% of tickets), a category no problem type is mapped to (diagnosis.complaint_problems).'
    """
    parts = [t("dg_none_ranked", lang)]
    if pareto_table is not None and len(pareto_table):
        top = pareto_table.iloc[0]
        if pareto_effect(pareto_table):
            parts.append(t("dg_none_pareto_led", lang, top=top["cause"], share=pct(top["share"], lang, 0)))
        elif len(pareto_table) > 1:
            vital = pareto_table.loc[pareto_table["vital_few"]]
            parts.append(t("dg_none_pareto_spread", lang, k=len(vital), n=len(pareto_table), cum=pct(vital["cum_share"].iloc[-1], lang, 0)))
    if drivers is not None and "quadrant" in drivers:
        fix = drivers.loc[drivers["quadrant"] == "fix_first", "dimension"]
        if len(fix):
            parts.append(t("dg_none_fix_first", lang, dims=_join((labels.get(d, d) for d in fix), lang)))
    return ("" if lang == "zh" else " ").join(parts)


@dataclass(frozen=True)
class Fishbone:
    """What the fishbone of the top problem shows (:func:`salesnb.plots.diagnosis.fishbone`).

    Attributes
    ----------
    causes : :func:`fishbone_causes` output.
    bones : (category key, name) of each bone, in the configured order.
    head : the head's text: the problem, its segment and the segment's NPS (or mean satisfaction without NPS).
    title : the problem's name (for the chart title).
    """

    causes: pd.DataFrame
    bones: list[tuple[str, str]]
    head: str
    title: str


def top_problem_fishbone(problems: list[Problem], settings, labels: Labels, lang: str, theme_types: dict[str, str] | None = None,
                         problem_id: str | None = None) -> Fishbone:
    """The fishbone of ``problems[0]``: causes grouped by bone, the bones of ``settings.fishbone`` and the head.

    ``settings`` is the workspace's ``diagnosis`` section (``problem_categories``, ``fishbone``).

    Examples
    --------
    >>> from types import SimpleNamespace as NS
    >>> p = Problem("slow_after_sales_response", ["西南", "华北"], 0.3, 0.5, 1e6, 1.5e5, "survey", nps_segment=-22.4)
    >>> settings = NS(problem_categories={"slow_after_sales_response": "process"}, fishbone=[NS(key="process", en="Process", zh="流程")])
    >>> fish = top_problem_fishbone([p], settings, Labels({}, {}, {}, {}), "zh")
    >>> fish.head, fish.bones, fish.title
    ('售后响应慢\\n→ 西南、华北 NPS -22', [('process', '流程')], '售后响应慢')
    """
    top = problems[0]
    causes = fishbone_causes(problems, settings.problem_categories, lang, labels.drivers or labels.dimensions, labels.themes,
                             dimension_problems=dict(getattr(settings, "dimension_problems", {}) or {}),
                             complaint_problems=dict(getattr(settings, "complaint_problems", {}) or {}), theme_problems=theme_types)
    bones = [(c.key, c.zh if lang == "zh" else c.en) for c in settings.fishbone]
    name = (f"{problem_id} · " if problem_id else "") + problem_label(top.type, lang)
    score = (f"{t('csat_short', lang)} {number(top.score_segment, lang, 2)}" if top.outcome == "satisfaction"
             else f"NPS {number(top.nps_segment, lang, 0)}" if top.surveyed else "")  # no survey answers: no score
    head = f"{name}\n→ {_join(top.regions, lang) or t('dg_whole_company', lang)} {score}".rstrip()
    return Fishbone(causes, bones, head, name)


def summary_metrics(problems: list[Problem], pareto_table: pd.DataFrame | None, complaints: pd.DataFrame | None,
                    period: Period, promise_hours: float) -> dict:
    """Step 3's metrics for ``summary.json``: the top problem's type code, the number of vital-few categories, the late-response share.

    ``pareto_table`` is None without tickets in the period, ``complaints``
    None without a complaints table (their metrics are then None).

    Examples
    --------
    >>> p = Problem("product_quality", [], 0.2, 0.3, 1.0, 0.06, "survey")
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


# ----------------------------------------------------------------------------- surveys without NPS, deliveries

def score_heading(answers: pd.DataFrame, lang: str) -> str:
    """The heading of the score distribution section: NPS, or satisfaction when the recommend question is not asked."""
    return t("dg_sec_nps" if metrics.has_nps(answers) else "csat_sec_dist", lang)


def margins_spec(design: survey.SurveyPlan) -> list[tuple[str, str, str]]:
    """The columns of the margins table: with the NPS margin when the surveys ask it (:data:`MARGINS_TABLE`)."""
    return MARGINS_TABLE if design.nps else CSAT_MARGINS_TABLE


def impact_spec(impact: pd.DataFrame) -> list[tuple[str, str, str]]:
    """The columns of the theme-impact table: NPS with and without the theme, or mean satisfaction (:func:`theme_impact`)."""
    return IMPACT_TABLE if "nps_with" in impact else CSAT_IMPACT_TABLE


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


def link_deliveries(answers: pd.DataFrame, sales: pd.DataFrame, as_of: pd.Timestamp | None = None) -> pd.DataFrame:
    """``answers`` with the delivery of each respondent's order: the customer's latest order placed on or
    before the survey date (:func:`salesnb.metrics.delivery_orders`, statuses as of ``as_of``).

    Adds ``order_id``, ``delivery_status`` (on_time / late / overdue / open, NaN when no order is
    found), ``delay_days`` and ``on_time`` (1 on time, 0 late or overdue, NaN otherwise: the delivery
    driver of :func:`key_drivers`). The index is kept.

    Examples
    --------
    >>> s = pd.DataFrame({"order_id": ["1", "2"], "customer_id": ["a", "b"], "region": ["E", "E"], "amount": [5.0, 5.0],
    ...     "order_date": pd.to_datetime(["2025-01-02", "2025-01-03"]), "promised_date": pd.to_datetime(["2025-01-09", "2025-01-09"]),
    ...     "delivered_date": pd.to_datetime(["2025-01-08", "2025-01-12"])})
    >>> a = pd.DataFrame({"customer_id": ["a", "b", "c"], "survey_date": pd.to_datetime(["2025-01-10", "2025-01-13", "2025-01-13"])})
    >>> link_deliveries(a, s)[["delivery_status", "on_time"]].values.tolist()
    [['on_time', 1.0], ['late', 0.0], [nan, nan]]
    """
    orders = metrics.delivery_orders(sales, as_of)
    orders = orders.loc[orders["delivery_status"].notna()].rename_axis("order_id").reset_index()
    out = answers.copy()
    for col in ("order_id", "delivery_status"):
        out[col] = pd.Series(np.nan, index=out.index, dtype=object)
    out["delay_days"] = np.nan
    if "customer_id" in answers and len(orders):
        left = answers.loc[answers["customer_id"].notna(), ["customer_id", "survey_date"]].assign(_row=lambda d: np.arange(len(d)))
        keep = left.index
        left = left.reset_index(drop=True).sort_values("survey_date", kind="mergesort")
        right = orders[["customer_id", "order_date", "order_id", "delivery_status", "delay_days"]].sort_values("order_date", kind="mergesort")
        right = right.astype({"order_date": left["survey_date"].dtype})
        merged = pd.merge_asof(left, right, left_on="survey_date", right_on="order_date", by="customer_id", direction="backward")
        merged = merged.sort_values("_row")
        for col in ("order_id", "delivery_status", "delay_days"):
            out.loc[keep, col] = merged[col].to_numpy()
    out["delay_days"] = out["delay_days"].astype("float64")
    out["on_time"] = out["delivery_status"].map({"on_time": 1.0, "late": 0.0, "overdue": 0.0}).astype("float64")
    return out


@dataclass(frozen=True)
class DeliveryEffect:
    """How the survey outcome differs with the delivery of the respondent's order.

    Attributes
    ----------
    table : per delivery status (on time, late, not delivered past the promise, not yet due): answers,
        mean score with its 95 % interval, top share (4–5, or promoters) and bottom share (1–2, or detractors).
    test : Welch's t of the late orders' scores against the on-time ones (``current`` = late, ``previous`` = on time).
    score : the outcome column (``satisfaction`` or ``nps``).
    n_on_time, n_late, n_due : answers whose order was on time, delivered late, and due (on time, late or overdue).
    late_share : answers of late or overdue orders ÷ answers of orders due.
    gap : the mean outcome of on-time orders − the mean over all orders due: the points lost to late or missing deliveries.
    """

    table: pd.DataFrame
    test: survey.ChangeTest
    score: str
    n_on_time: int
    n_late: int
    n_due: int
    late_share: float
    gap: float


def delivery_effect(linked: pd.DataFrame, score: str = "satisfaction") -> DeliveryEffect:
    """The outcome ``score`` by delivery status of :func:`link_deliveries` output, and late against on time (Welch).

    Examples
    --------
    >>> a = pd.DataFrame({"delivery_status": ["on_time"] * 3 + ["late"] * 2 + ["overdue"], "satisfaction": [5, 4, 5, 2, 1, 1]})
    >>> e = delivery_effect(a)
    >>> round(e.test.current, 2), round(e.test.previous, 2), round(e.late_share, 3), round(e.gap, 3)
    (1.5, 4.67, 0.5, 1.667)
    """
    s = linked[score]
    status = linked["delivery_status"]
    scale = outcome_scale(score)
    hi, lo = scale.top, scale.bottom
    rows = []
    for st in metrics.DELIVERY_STATUSES:
        v = s[status == st].dropna()
        if not len(v) and st in ("overdue", "open"):
            continue
        half = Z95 * float(v.std(ddof=1)) / math.sqrt(len(v)) if len(v) > 1 else float("nan")
        rows.append({"status": st, "answers": int(len(v)), "mean": float(v.mean()) if len(v) else float("nan"),
                     "mean_low": float(v.mean()) - half if len(v) else float("nan"), "mean_high": float(v.mean()) + half if len(v) else float("nan"),
                     "top2": float(hi(v).mean()) if len(v) else float("nan"), "bottom": float(lo(v).mean()) if len(v) else float("nan")})
    table = pd.DataFrame(rows, columns=["status", "answers", "mean", "mean_low", "mean_high", "top2", "bottom"])
    on_time, late = s[status == "on_time"].dropna(), s[status == "late"].dropna()
    due = s[status.isin(["on_time", "late", "overdue"])].dropna()
    test = survey.welch_test(late, on_time)
    n_due = int(len(due))
    return DeliveryEffect(table, test, score, int(len(on_time)), int(len(late)), n_due,
                          (n_due - len(on_time)) / n_due if n_due else float("nan"),
                          float(on_time.mean() - due.mean()) if len(on_time) and n_due else float("nan"))


def delivery_spec(effect: DeliveryEffect) -> list[tuple[str, str, str]]:
    """The columns of the delivery table: top-2 / bottom-2 shares of satisfaction, or promoters / detractors of NPS."""
    return DELIVERY_TABLE_NPS if effect.score == "nps" else DELIVERY_TABLE


def delivery_table(effect: DeliveryEffect, lang: str) -> pd.DataFrame:
    """:attr:`DeliveryEffect.table` with the status named in ``lang`` and the interval as text (for :data:`DELIVERY_TABLE`)."""
    tb = effect.table
    return tb.assign(status_label=[t(f"dl_status_{s}", lang) for s in tb["status"]],
                     mean_ci=[f"{number(a, lang, 2)} … {number(b, lang, 2)}" for a, b in zip(tb["mean_low"], tb["mean_high"])])


def narrative_delivery_effect(effect: DeliveryEffect, lang: str) -> str:
    """Late against on-time orders in one sentence: mean scores, Welch's p, the late share and the points lost.

    Examples
    --------
    >>> a = pd.DataFrame({"delivery_status": ["on_time"] * 3 + ["late"] * 2 + ["overdue"], "satisfaction": [5, 4, 5, 2, 1, 1]})
    >>> narrative_delivery_effect(delivery_effect(a), "en")[:70]
    'Respondents whose order arrived late gave 1.50 on average against 4.67'
    """
    e = effect
    if not e.n_late or not e.n_on_time:
        return t("dl_narr_effect_none", lang, n=e.n_due)
    sig = e.test.significant(0.05) and e.test.change < 0
    return t("dl_narr_effect", lang, late=number(e.test.current, lang, 2), on_time=number(e.test.previous, lang, 2), n_late=e.n_late,
             n_on_time=e.n_on_time, p=_p_text(e.test.p_value), share=pct(e.late_share, lang), n=e.n_due,
             gap=number(e.gap, lang, 2)) + (" " + t("dl_narr_effect_sig" if sig else "dl_narr_effect_nosig", lang))
