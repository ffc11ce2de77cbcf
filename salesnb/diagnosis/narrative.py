"""The sentences step 3 prints, in the report language: one ``narrative_*`` per section of the notebook
(survey design and coverage, scores, segments and change, drivers, deliveries, complaints, free text, the
conclusion), and the statement and evidence sentences of each ranked problem.

Each function returns text; none computes a statistic of its own (the numbers come from the computation
modules: :mod:`.drivers`, :mod:`.complaints`, :mod:`.free_text`, :mod:`.delivery`,
:mod:`.problems`). Not here: the display tables (:mod:`.tables`), the names of things (:mod:`.labels`).
"""
from __future__ import annotations

import math

import pandas as pd

from .. import metrics, survey
from ..i18n import number, pct, t
from ..scales import outcome_scale
from ..periods import Period
from .complaints import ResponseHighlights, pareto_effect
from .delivery import DeliveryEffect
from .drivers import SCORE_FREE_DRIVERS
from .evidence import Problem
from .labels import problem_label, source_label
from .wave import SurveyWave

__all__ = [
    "score_heading", "missing_text", "narrative_frame", "narrative_sample_plan", "narrative_coverage",
    "narrative_weights", "narrative_missing_dimensions", "narrative_dimensions", "narrative_segments",
    "narrative_change", "narrative_drivers", "narrative_delivery_effect", "narrative_pareto", "narrative_response",
    "narrative_rates", "narrative_terms", "narrative_themes", "narrative_suggestions", "evidence_text", "statement",
    "narrative_conclusion", "narrative_no_problems",
]


# -- helpers and section headings

def _join(items, lang: str) -> str:
    """``items`` joined as a list in running text (``、`` in Chinese, ``, `` otherwise)."""
    return ("、" if lang == "zh" else ", ").join(items)


def _p_text(value: float | None) -> str:
    """A p value in running text: ``p<0.001``, ``p=0.012`` (``p=–`` when missing)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "p=–"
    return "p<0.001" if value < 0.001 else f"p={value:.3f}"


def score_heading(answers: pd.DataFrame, lang: str) -> str:
    """The heading of the score distribution section: NPS, or satisfaction when the recommend question is not asked."""
    return t(outcome_scale(answers.columns).section_label, lang)


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
    value = outcome_scale(segments.columns).statistic  # "mean": satisfaction segments (survey.csat_segments) without NPS
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
        outcome = t(outcome_scale(drivers.attrs.get("outcome") or "nps").outcome_label, lang)
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


# -- deliveries

def narrative_delivery_effect(effect: DeliveryEffect, lang: str) -> str:
    """Late against on-time orders in one sentence: mean scores, Welch's p, the late share and the points lost.

    Examples
    --------
    >>> from salesnb.diagnosis.delivery import delivery_effect
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


# -- complaints

def narrative_pareto(pareto_table: pd.DataFrame, lang: str) -> str:
    """How many categories are the vital few, the tickets they cover and their names; or, without a
    Pareto effect (:func:`pareto_effect`), that the tickets are spread and no category dominates.

    Examples
    --------
    >>> from salesnb.diagnosis.complaints import pareto
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


# -- the ranked problems: evidence, statements, the conclusion

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
        scale = outcome_scale(ev.get("score") or "nps")
        digits = scale.decimals
        return t(scale.delivery_effect_label, lang, late=number(ev["value"], lang, digits),
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
    if key == "dg_statement_core":
        key = outcome_scale(p.outcome).statement_core
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
    >>> from salesnb.diagnosis.complaints import pareto
    >>> par = pareto(pd.Series({"Rude staff": 32, "Parking": 30, "Noise": 20, "Queue": 10, "Wifi": 8}))
    >>> d = pd.DataFrame({"dimension": ["staff", "room"], "quadrant": ["fix_first", "keep_up"]})
    >>> narrative_no_problems(par, d, {"staff": "Staff"}, "en")
    'No problem type could be ranked in this period. Complaints: 3 of 5 categories are needed to cover 82% of tickets, so no category dominates. Staff sit in the fix-first quadrant of the driver table, but no problem type is mapped to them yet (the analyst can map them in the diagnosis settings).'
    >>> narrative_no_problems(pareto(pd.Series({"Rude staff": 60, "Parking": 25, "Noise": 10, "Queue": 5})), None, {}, "en").split(". ")[1]
    'The complaint Pareto is led by Rude staff (60% of tickets), a category no problem type is mapped to yet (the analyst can map it in the diagnosis settings).'
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
