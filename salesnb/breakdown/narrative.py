"""Step 2's sentences in the report language (``narrative_*``) and the definitions it lists.

Words and formats are :mod:`.labels`; tables :mod:`.views`.
"""
from __future__ import annotations

from typing import Sequence

import pandas as pd

from ..config import Breakdown, Budget, Tiers
from ..facts import budget_ratios, show
from ..i18n import money, number, pct, t
from .labels import _part_label, dim_label, flag_text, method_text, node_label
from .plan import NoPlan, Plan, retention_months
from .tiers import CareBudgetCheck
from .windows import PlanPeriods


def narrative_no_plan(reason: NoPlan, lang: str) -> str:
    """Step 2's one sentence when it cannot plan: how much history there is, how much the plan needs, what to do."""
    start = reason.data_start.date().isoformat() if reason.data_start is not None else t("not_available", lang)
    hint = t("bd_no_plan_hint_year", lang) if reason.horizon == "year" else t("bd_no_plan_hint_quarter", lang)
    key = "bd_no_plan" if reason.data_start is not None else "bd_no_plan_empty"
    return t(key, lang, plan=str(reason.plan), report=str(reason.report), start=start, months=reason.months, needed=reason.needed,
             horizon=t(f"bd_horizon_{reason.horizon}", lang), since=reason.needed_from.date().isoformat()) + " " + hint


def narrative_plan(plan: Plan, lang: str) -> str:
    """What the run plans, from which data, against which base (and, with
    ``recent_quarters`` windows, :func:`narrative_basis`)."""
    pp = plan.periods
    text = t("bd_narr_plan", lang, report=str(pp.report), horizon=t(f"bd_horizon_{pp.horizon}", lang), plan=str(pp.plan),
             start=pp.plan.start.date().isoformat(), end=pp.plan.end.date().isoformat(), base=pp.base.label,
             grain=t("bd_grain_month", lang))
    basis = narrative_basis(pp, lang)
    return text + " " + basis if basis else text


def narrative_basis(periods: PlanPeriods, lang: str) -> str | None:
    """One sentence for a plan without a same-quarter comparison (``recent_quarters``); None otherwise.

    >>> from salesnb.breakdown import plan_periods
    >>> from salesnb.periods import Period
    >>> pp = plan_periods(Period.parse("2011Q3"), data_start=pd.Timestamp("2010-12-01"))
    >>> print(narrative_basis(pp, "en"))  # doctest: +NORMALIZE_WHITESPACE
    The data starts on 2010-12-01, so there is no 2010Q4 (the same quarter a year earlier) to compare 2011Q4 with: the plan is
    based on the latest quarter(s) 2011Q3, 2011Q2, 2011Q1 and seasonality is not known — growth is measured against 2011Q3,
    the quarter just before, without a trend, and the plan's months get equal shares.
    """
    if periods.year_on_year:
        return None
    start = periods.data_start.date().isoformat() if periods.data_start is not None else t("not_available", lang)
    sep = "、" if lang == "zh" else ", "
    return t("bd_narr_basis_recent", lang, start=start, same=str(periods.same_period_last_year), plan=str(periods.plan),
             windows=sep.join(w.label for w in periods.windows), base=periods.base.label)


def narrative_total(plan: Plan, lang: str, unit: str) -> str:
    tot = plan.total
    fields = dict(total=money(tot.value, unit, lang), growth=pct(tot.growth, lang, signed=True), base=plan.periods.base.label,
                  base_value=money(tot.base, unit, lang), goal=tot.goal_id, plan=str(plan.periods.plan))
    flat = tot.source == "trend" and not plan.periods.year_on_year  # no yearly growth rate, no seasonal one either
    if tot.source == "trend" and not tot.trend_known and not flat:  # a yearly plan on under 24 months: no growth to continue
        text = t("bd_narr_total_trend_unknown", lang, **fields)
    else:
        text = t("bd_narr_total_trend_flat" if flat else f"bd_narr_total_{tot.source}", lang, **fields)
    if plan.periods.plan.is_quarter and tot.source in ("goal", "value") and tot.season_share != 1.0:  # a yearly amount, scaled
        season = "bd_narr_season" if plan.periods.year_on_year else "bd_narr_season_even"
        text += " " + t(season, lang, share=pct(tot.season_share, lang))
    return text


def narrative_method(plan: Plan, settings: Breakdown, lang: str) -> str:
    m = plan.method
    if m == "blend":
        tot = sum(v for v in settings.weights.values() if v > 0)
        parts = ", ".join(f"{method_text(k, lang)} {pct(v / tot, lang, 0)}" for k, v in settings.weights.items() if v > 0)
        why = t("bd_why_blend", lang, parts=parts)
    elif m == "history":
        why = t("bd_why_history", lang, n=settings.lookback)
    elif m == "momentum":
        why = t("bd_why_momentum", lang, cap=pct(settings.momentum_cap, lang, 0))
    elif m == "potential":
        why = t("bd_why_potential", lang, source=settings.potential_source or "breakdown.potential")
    else:
        why = t("bd_why_even", lang)
    momentum = m == "momentum" or (m == "blend" and settings.weights.get("momentum", 0) > 0)
    if momentum and not plan.periods.year_on_year:
        why += " " + t("bd_why_momentum_recent", lang, base=plan.periods.base.label)
    return t("bd_narr_method", lang, method=method_text(m, lang), why=why)


def narrative_split(plan: Plan, lang: str, unit: str) -> str | None:
    sp = plan.split
    if sp is None:
        return None
    base = plan.periods.base.label
    if sp.source == "new_share_goal":
        per = sp.base_customers * sp.spend_per_customer * sp.spend_trend
        pin = t("bd_pin_new_share", lang, goal=sp.goal_id, share=pct(sp.new_share, lang), existing=money(sp.existing, unit, lang),
                rate=pct((sp.existing - sp.returning_revenue) / per if per else float("nan"), lang))
    elif sp.source == "repurchase_goal":
        pin = t("bd_pin_repurchase", lang, goal=sp.goal_id, existing=money(sp.existing, unit, lang))
    elif sp.fallback == "no_new":
        pin = t("bd_pin_no_new", lang, windows=_history_labels(plan, lang), existing=money(sp.existing, unit, lang))
    else:
        pin = t("bd_pin_capped", lang) if sp.capped else t("bd_pin_estimate", lang, existing=money(sp.existing, unit, lang))
    if sp.returning_revenue > 0:
        pin = t("bd_narr_returning", lang, back=money(sp.returning_revenue, unit, lang)) + " " + pin
    pp = plan.periods
    if not (sp.repurchase_rate_history == sp.repurchase_rate_history):
        # no retention base before the base window: say so, then what the split follows instead
        start = pp.data_start.date().isoformat() if pp.data_start is not None else t("not_available", lang)
        head = t("bd_split_no_rate", lang, base=base, start=start)
        if sp.source == "observed_mix":
            body = t("bd_split_mix", lang, label=sp.mix_label, mix=pct(sp.new / sp.total if sp.total else float("nan"), lang),
                     existing=money(sp.existing, unit, lang), new=money(sp.new, unit, lang))
        else:
            body = t("bd_split_pinned", lang, goal=sp.goal_id, share=pct(sp.new_share, lang), existing=money(sp.existing, unit, lang),
                     new=money(sp.new, unit, lang))
        return head + " " + body
    if not pp.year_on_year:
        start = pp.data_start.date().isoformat() if pp.data_start is not None else t("not_available", lang)
        return t("bd_narr_split_recent", lang, customers=number(sp.base_customers, lang), months=retention_months(pp),
                 end=pp.report.end.date().isoformat(), start=start, base=base, rate=pct(sp.repurchase_rate, lang),
                 spend=money(sp.spend_per_customer, unit, lang), estimate=money(sp.existing_estimate, unit, lang),
                 pin=pin + " ", new=money(sp.new, unit, lang), new_share=pct(sp.new_share, lang),
                 new_hist=pct(sp.new_share_history, lang))
    return t("bd_narr_split", lang, customers=number(sp.base_customers, lang), base=base, rate=pct(sp.repurchase_rate, lang),
             spend=money(sp.spend_per_customer, unit, lang), trend=pct(sp.spend_trend - 1, lang, signed=True),
             estimate=money(sp.existing_estimate, unit, lang), pin=pin + " ", new=money(sp.new, unit, lang),
             new_share=pct(sp.new_share, lang), new_hist=pct(sp.new_share_history, lang))


def _history_labels(plan: Plan, lang: str) -> str:
    """The labels of the history windows within the plan's lookback (what its weights are drawn from)."""
    return ("、" if lang == "zh" else ", ").join(w.label for w in plan.periods.windows[:max(plan.lookback, 1)])


def narrative_matrix(plan: Plan, lang: str, unit: str) -> str:
    md = plan.matrix_dims
    a = plan.margin(md[0])
    b = plan.margin(md[1]) if len(md) > 1 else a
    key = "bd_narr_matrix" if md[-1] == "product_line" else "bd_narr_matrix_other"
    return t(key, lang, dim=dim_label(md[-1], lang).lower() if lang == "en" else dim_label(md[-1], lang),
             top=node_label(md[0], a.index[0], lang), top_value=money(a["target"].iloc[0], unit, lang),
             top_growth=pct(a["growth"].iloc[0], lang, signed=True), line=node_label(md[-1], b.index[0], lang),
             line_value=money(b["target"].iloc[0], unit, lang), line_growth=pct(b["growth"].iloc[0], lang, signed=True))


def narrative_phasing(plan: Plan, lang: str, unit: str) -> str:
    per = plan.by_period()["target"]
    if not plan.periods.year_on_year:
        return t("bd_narr_phasing_even", lang, plan=str(plan.periods.plan), value=money(per.mean(), unit, lang))
    return t("bd_narr_phasing", lang, peak=per.idxmax(), peak_value=money(per.max(), unit, lang), low=per.idxmin(),
             low_value=money(per.min(), unit, lang))


def narrative_checks(plan: Plan, lang: str, unit: str, limit: int = 6) -> str:
    ok = bool(plan.margin_checks["ok"].all())
    dims = ("、" if lang == "zh" else ", ").join(dim_label(d, lang).lower() if lang == "en" else dim_label(d, lang) for d in plan.dims)
    first = t("bd_narr_margins_ok", lang, total=money(plan.total.value, unit, lang), dims=dims) if ok else t("bd_narr_margins_bad", lang)
    flagged = plan.flagged()
    if flagged.empty:
        # every part checked is within its history; parts under min_share were not checked: say so
        small = int(((plan.checks["share"] < plan.min_share) & (plan.checks["base"] > 0)).sum())
        if small:
            return first + " " + t("bd_narr_no_flags_small", lang, n=small, share=pct(plan.min_share, lang))
        return first + " " + t("bd_narr_no_flags", lang)
    # single dimensions first, then the crossings
    flagged = flagged.assign(_depth=flagged["level"].str.count("×")).sort_values(["_depth", "share"], ascending=[True, False])
    items = []
    best_key = "bd_why_beyond" if plan.periods.year_on_year else "bd_why_beyond_qoq"
    for _, r in flagged.head(limit).iterrows():
        if r["flag"] == "beyond_history":
            why = t(best_key, lang, best=pct(r["best_growth"], lang, signed=True))
        elif r["flag"] == "against_trend":
            why = t("bd_why_against_trend", lang, latest=pct(r["latest_growth"], lang, signed=True))
        elif r["flag"] == "shrinking":
            last = r["best_growth"]
            why = t(best_key, lang, best=pct(last, lang, signed=True)) if last == last else flag_text("shrinking", lang)
        else:
            why = flag_text(r["flag"], lang)
        items.append(t("bd_flag_item", lang, part=_part_label(r, lang), growth=pct(r["implied_growth"], lang, signed=True), why=why))
    more = len(flagged) - limit
    parts = ("; " if lang == "en" else "；").join(items) + (f" … (+{more})" if more > 0 else "")
    return first + " " + t("bd_narr_flags", lang, n=len(flagged), parts=parts)


def narrative_tiers(summary: pd.DataFrame, tiers: pd.DataFrame, settings: Tiers, lang: str, unit: str,
                    budget: Budget | None = None, care_category: str = "customer_care") -> str:
    """The top tier's weight, the customers at risk and (with a ``customer_care`` budget line) what care costs against it."""
    care_budget = next((c.total for c in budget.categories if c.key == care_category), None) if budget is not None else None
    top = summary.iloc[0]
    text = t("bd_narr_tiers", lang, top_label=top["label"], top_share=pct(top["customer_share"], lang), n=number(len(tiers), lang),
             top_revenue=pct(top["revenue_share"], lang), risk_n=number(int(tiers["at_risk"].sum()), lang), days=settings.risk.recency_days)
    risk_rule = next((r for r in settings.rules if r.at_risk), None)
    if risk_rule is not None and "tier" in tiers:  # the risk signal and the at-risk tier are two counts: say which is which
        label = summary.loc[summary["tier"] == risk_rule.key, "label"] if "tier" in summary else pd.Series(dtype=str)
        text += " " + t("pr_tier_vs_signal", lang, tier=label.iloc[0] if len(label) else risk_rule.key,
                        tier_n=number(int((tiers["tier"] == risk_rule.key).sum()), lang), risk_n=number(int(tiers["at_risk"].sum()), lang))
    if care_budget is not None:
        text += " " + t("bd_narr_tier_budget", lang, care=money(summary["care_budget"].sum(), unit, lang), budget=money(care_budget, unit, lang))
    return text


def narrative_care_budget(check: CareBudgetCheck, summary: pd.DataFrame, lang: str, unit: str) -> str | None:
    """The warning when the care budgets exceed their share of revenue (None when they fit): how much,
    against what, and the scaled budget per customer of each tier that would fit."""
    if not check.flagged:
        return None
    sep = "、" if lang == "zh" else ", "
    scaled = sep.join(f"{label} {number(b * check.scale, lang)}" for label, b in zip(summary["label"], summary["budget_per_customer"]) if b > 0)
    return t("bd_care_too_big", lang, care=money(check.care, unit, lang), revenue=money(check.revenue, unit, lang),
             share=pct(check.share, lang) if check.share != float("inf") else t("not_available", lang),
             max=pct(check.max_share, lang), scale=number(check.scale, lang, 4), scaled=scaled)


def narrative_budget(efficiency: pd.DataFrame, by: Sequence[str], total_budget: float, target: float, lang: str, unit: str) -> str:
    """The budget's two ratios to the target, both labelled: the whole budget, and the part spread across the
    plan's parts (the company line of :func:`salesnb.plots.breakdown.budget_ratio`); then the top priority.

    The ratios are :func:`salesnb.facts.budget_ratios`, the numbers ``summary.json`` records as facts."""
    whole, spread = budget_ratios(total_budget, float(efficiency["budget"].sum()), target)
    top = efficiency.sort_values("rank").iloc[0]
    return t("bd_narr_budget", lang, total=money(total_budget, unit, lang), share=show(whole, lang, "share1"),
             spread_total=money(float(efficiency["budget"].sum()), unit, lang), spread_share=show(spread, lang, "share1"),
             top=" · ".join(node_label(d, top[d], lang) for d in by))


def definitions(settings: Breakdown, budget: Budget, lang: str) -> list[str]:
    return [t("bd_def_plan", lang), t("bd_def_allocation", lang), t("bd_def_existing", lang),
            t("bd_def_phasing", lang, k=number(settings.phasing.prior_orders, lang)),
            t("bd_def_checks", lang, points=number(settings.checks.beyond_history_points * 100, lang),
              shrink=pct(settings.checks.shrink_below, lang, signed=True)),
            t("bd_def_tiers", lang), t("bd_def_budget", lang, ratio=number(budget.flag_ratio, lang, 1)), t("bd_def_budget_year", lang)]


def narrative_actions(actions: pd.DataFrame, lines: pd.DataFrame, lang: str, unit: str, declared: int | None = None,
                      plan: str = "") -> str:
    """How many actions, what they commit; and how many declared ones belong to other periods."""
    if actions.empty:
        return t("bd_narr_actions_none_in_plan", lang, n=declared, plan=plan) if declared else t("bd_narr_no_actions", lang)
    text = t("bd_narr_actions", lang, n=len(actions), budget=money(actions["budget_in_plan"].sum(), unit, lang),
             total=money(lines["planned"].sum() if len(lines) else float("nan"), unit, lang))
    if declared is not None and declared > len(actions):
        text += " " + t("bd_narr_actions_elsewhere", lang, n=declared - len(actions), plan=plan)
    return text
