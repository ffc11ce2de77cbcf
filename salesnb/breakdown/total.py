"""The plan's total and its split into existing and new customers.

The goals step 2 can use (:func:`goal_targets`), the total (:func:`plan_total`), retention per window
(:func:`retention_facts`) and the new/existing split with its alternatives (:func:`customer_split`,
:func:`split_options`). Spreading the total over cells is :mod:`.allocation`; sentences are :mod:`.narrative`.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Sequence

import numpy as np
import pandas as pd

from .. import metrics as m
from ..config import CustomerSplitSettings
from ..periods import Period
from .common import PlanError
from .windows import PlanPeriods, Window


def goal_targets(goals: Sequence, sales: pd.DataFrame, report: Period, goals_frame: pd.DataFrame | None = None,
                 window_months: int = 12) -> pd.DataFrame:
    """The absolute target of each goal step 2 can use (revenue, new-customer
    revenue share, repurchase rate), with its baseline.

    The target comes from step 1's ``goals.csv`` (column ``target``) when it
    is given; otherwise it is the goal's ``value``, or its baseline × (1 +
    ``growth``), the baseline being the same period a year before the
    deadline (as in step 1). Returns ``goal_id``, ``metric``, ``scope``
    (dict), ``deadline``, ``baseline``, ``target``, ``source``
    (``goals.csv`` or ``workspace.yaml``).
    """
    given = {}
    if goals_frame is not None and len(goals_frame) and {"goal_id", "target"} <= set(goals_frame.columns):
        for gid, tgt in zip(goals_frame["goal_id"].astype(str), pd.to_numeric(goals_frame["target"], errors="coerce")):
            if tgt == tgt:
                given[gid] = float(tgt)
    rows = []
    for g in goals:
        if g.metric not in ("revenue", "new_customer_revenue_share", "repurchase_rate"):
            continue
        try:
            deadline = Period.parse(g.deadline, report.start_month)
        except ValueError:
            continue
        base_period = deadline.year_ago()
        sub = sales
        for col, val in g.scope.items():
            sub = m.select_rows(sub, (sub[col] == val).to_numpy()) if col in sub else sub.iloc[0:0]
        baseline = float("nan")
        if base_period.end_exclusive <= report.end_exclusive and len(sub):
            if g.metric == "revenue":
                baseline = float(m.sales_in(sub, base_period)["amount"].sum())
            elif g.metric == "new_customer_revenue_share":
                baseline = float(m.new_customers(sub, base_period)["new_customer_revenue_share"])
            else:
                baseline = float(m.retention(sub, base_period, window_months).repurchase_rate)
        if g.id in given:
            target, source = given[g.id], "goals.csv"
        elif g.target.value is not None:
            target, source = float(g.target.value), "workspace.yaml"
        else:
            target, source = baseline * (1 + g.target.growth), "workspace.yaml"
        rows.append({"goal_id": g.id, "metric": g.metric, "scope": dict(g.scope), "deadline": g.deadline,
                     "baseline": baseline, "target": target, "source": source})
    return pd.DataFrame(rows, columns=["goal_id", "metric", "scope", "deadline", "baseline", "target", "source"])


def _company_wide(goals: pd.DataFrame) -> np.ndarray:
    """Rows of :func:`goal_targets` output without a scope."""
    return np.array([not sc for sc in goals["scope"]], dtype=bool)


@dataclass(frozen=True)
class PlanTotal:
    """The plan's total and where it comes from.

    ``source`` is ``value`` (set in workspace.yaml), ``growth`` (set growth
    over the base), ``goal`` (a company-wide revenue goal) or ``trend`` (the
    base continued at its latest yearly growth). ``season_share`` is the
    share of the goal's year that a quarterly plan's quarter carries (1 when
    the amount was not scaled: a yearly plan, or a goal due in the planned quarter).
    """

    value: float
    source: str
    base: float
    growth: float
    goal_id: str | None = None
    goal_target: float | None = None
    season_share: float = 1.0
    trend_known: bool = True
    """False for a ``trend`` total without a latest twelve-month growth (under 24 months of data): it keeps the base."""


def plan_total(settings, periods: PlanPeriods, base: float, recent_growth: float | None, goals: pd.DataFrame,
               season_share: float = 1.0, unit: float = 1) -> PlanTotal:
    """The plan's total (rounded to ``unit``).

    In order: ``settings.value``; ``settings.growth`` over ``base``;
    ``settings.goal`` (a revenue goal, when its deadline is the plan's year
    or the planned quarter itself); the company-wide revenue goal due in the
    planned quarter, else in the plan's year; else the
    trend: ``base`` × (1 + ``recent_growth``, the latest twelve months'
    growth; 0 when unknown).

    ``base`` is the company's revenue in the base window; ``goals`` is
    :func:`goal_targets` output;
    ``season_share`` the share of the plan's year that a quarterly plan
    carries (yearly amounts — ``value`` or a goal — are scaled by it).

    Examples
    --------
    >>> from salesnb.breakdown import plan_periods
    >>> from salesnb.config import BreakdownTotal
    >>> pp = plan_periods(Period.parse("2025Q4"))
    >>> plan_total(BreakdownTotal(growth=0.1), pp, 1000.0, None, goal_targets([], None, pp.report)).value
    1100.0
    >>> plan_total(BreakdownTotal(), pp, 1000.0, 0.05, goal_targets([], None, pp.report)).source
    'trend'
    """
    def rounded(v: float) -> float:
        return float(round(v / unit) * unit)

    def result(value: float, source: str, share: float = season_share, **kw) -> PlanTotal:
        value = rounded(value)
        return PlanTotal(value, source, base, value / base - 1 if base > 0 else float("nan"), season_share=share, **kw)

    if settings.value is not None:
        return result(settings.value * season_share, "value")
    if settings.growth is not None:
        return result(base * (1 + settings.growth), "growth")
    plan_year, plan_label = str(periods.plan.year), str(periods.plan)
    revenue_goals = goals.loc[goals["metric"] == "revenue"] if len(goals) else goals
    if settings.goal is not None:
        row = revenue_goals.loc[revenue_goals["goal_id"] == settings.goal]
        if row.empty:
            raise PlanError(f"breakdown.total.goal {settings.goal!r} is not a revenue goal of workspace.yaml")
        row = row.iloc[0]
        if str(row["deadline"]) not in (plan_year, plan_label):  # the goal is for another year (or quarter) than the plan's
            row = None
    else:
        # a goal for exactly the planned quarter first, then one for the plan's year
        cands = revenue_goals.loc[_company_wide(revenue_goals) & revenue_goals["deadline"].isin([plan_label, plan_year]).to_numpy()] \
            if len(revenue_goals) else revenue_goals
        if len(cands):
            cands = cands.assign(_exact=cands["deadline"] != plan_label).sort_values("_exact", kind="mergesort")
        row = cands.iloc[0] if len(cands) else None
    if row is not None:
        if not (row["target"] == row["target"]):
            raise PlanError(f"goal {row['goal_id']} has no target amount (its baseline could not be computed)")
        yearly = Period.parse(str(row["deadline"]), periods.plan.start_month)
        share = season_share if not yearly.is_quarter and periods.plan.is_quarter else 1.0
        return result(float(row["target"]) * share, "goal", share=share, goal_id=str(row["goal_id"]), goal_target=float(row["target"]))
    known = recent_growth is not None and recent_growth == recent_growth
    return result(base * (1 + (recent_growth if known else 0.0)), "trend", trend_known=known)


@dataclass(frozen=True)
class CustomerSplit:
    """The split of the total into existing and new customers, with its assumption.

    Existing = base customers × repurchase rate × spend per retained customer
    × its trend; new = the total − existing. ``source`` says what set the
    split: ``estimate`` (history), ``repurchase_goal`` (the goal's rate in
    the estimate), ``new_share_goal`` (the goal's share pins the new part) or
    ``observed_mix`` (a guess, said as one: the new/existing revenue mix seen in
    ``mix_label``, used when the repurchase rate cannot be estimated or the
    history has no new-customer revenue at all, see ``fallback``).
    """

    total: float
    existing: float
    new: float
    source: str
    base_customers: int
    repurchase_rate: float
    repurchase_rate_history: float
    spend_per_customer: float
    spend_trend: float
    existing_estimate: float
    new_share_history: float
    goal_id: str | None = None
    capped: bool = False
    returning_revenue: float = 0.0
    fallback: str | None = None
    """Why the split follows the observed mix (``source`` ``observed_mix``): ``no_rate`` (the repurchase
    rate cannot be estimated: no customers in the months before the base window) or ``no_new`` (no
    new-customer revenue anywhere in the history used); None otherwise."""
    mix_label: str = ""
    """The window whose observed new/existing revenue mix the split follows (``observed_mix``)."""

    @property
    def new_share(self) -> float:
        return self.new / self.total if self.total else float("nan")

    def as_dict(self) -> dict:
        return {**asdict(self), "new_share": self.new_share}


@dataclass(frozen=True)
class RetentionFacts:
    """Per history window: customers active in the 12 months before it (base),
    those of them who bought in it (retained) and the retained customers' revenue in it;
    also the *returning* customers — first order before the base months, no
    purchase in them, buying again in the window — and their revenue. Retained
    plus returning are exactly the window's *existing* customers of the
    history tables (first-ever order before the window)."""

    base_customers: int
    retained: int
    retained_revenue: float
    returning: int = 0
    returning_revenue: float = 0.0

    @property
    def rate(self) -> float:
        return self.retained / self.base_customers if self.base_customers else float("nan")

    @property
    def spend(self) -> float:
        return self.retained_revenue / self.retained if self.retained else float("nan")


def retention_facts(sales: pd.DataFrame, window: Window, months: int = 12) -> RetentionFacts:
    """Retention of the customers active in the ``months`` before ``window`` into it."""
    lo = window.start - pd.DateOffset(months=months)
    base = m.bought_between(sales, lo, window.start)
    active = m.bought_between(sales, window.start, window.end)
    older = m.bought_between(sales, None, lo)
    retained = base & active
    returning = active & older & ~base
    inside = window.contains(sales["order_date"]).to_numpy()
    amount = sales["amount"].to_numpy()
    revenue = float(np.nansum(amount[inside & m.per_line(retained, sales)]))
    back = float(np.nansum(amount[inside & m.per_line(returning, sales)]))
    return RetentionFacts(int(base.sum()), int(retained.sum()), revenue, int(returning.sum()), back)


def customer_split(total: float, base_customers: int, facts: Sequence[RetentionFacts], new_share_history: float,
                   settings=None, goals: pd.DataFrame | None = None, plan_is_year: bool = True, unit: float = 1, *,
                   new_seen: bool = True, observed_new_share: float | None = None, mix_label: str = "") -> CustomerSplit:
    """Split ``total`` into existing and new customers.

    A new-customer share goal pins the new part. Otherwise, when the
    repurchase rate cannot be estimated (no ``facts``, or none of their base
    customers) or the history has no new-customer revenue at all
    (``new_seen`` False: a closed cohort), nothing supports an estimate of the
    existing customers' part — giving the whole total to new customers of a
    business that gets none would be a guess presented as a plan — so the
    split follows the observed mix ``observed_new_share`` of ``mix_label``
    (``new_share_history`` when not given; 0 without new customers), with
    ``source`` ``observed_mix`` and ``fallback`` saying why.

    ``facts`` are :func:`retention_facts` of the history windows (most recent
    first): the repurchase rate and spend per retained customer are the
    latest window's, the spend trend is its change against the window before
    (capped at ± ``spend_trend_cap``). The existing part is capped at the
    total (``capped`` is then True and new is zero).

    Examples
    --------
    >>> f = [RetentionFacts(100, 80, 8000.0), RetentionFacts(90, 72, 6480.0)]
    >>> s = customer_split(10000, 110, f, 0.1)
    >>> round(s.repurchase_rate, 2), round(s.spend_trend, 3), s.existing, s.new
    (0.8, 1.111, 9778.0, 222.0)
    """
    settings = settings or CustomerSplitSettings()
    goals = goals if goals is not None else pd.DataFrame(columns=["goal_id", "metric", "scope", "deadline", "target"])
    latest = facts[0] if facts else RetentionFacts(0, 0, 0.0)
    rate_hist = latest.rate
    spend = latest.spend
    trend = _spend_trend(facts, spend, settings)
    new_goal, rep_goal = _split_goals(settings, goals, plan_is_year)
    if new_goal is None and (not new_seen or not (rate_hist == rate_hist)):
        mix = 0.0 if not new_seen else (observed_new_share if observed_new_share is not None else new_share_history)
        return _observed_mix_split(total, mix, base_customers, latest, spend, trend, new_share_history, unit, mix_label)
    rate = float(rep_goal["target"]) if (rep_goal is not None and new_goal is None) else rate_hist
    per = spend if spend == spend else 0.0
    # customers who come back after a year or more without buying are existing
    # customers too (first order before the plan), as in the history tables
    back = latest.returning_revenue * trend
    estimate = base_customers * (rate if rate == rate else 0.0) * per * trend + back
    units = round(total / unit)
    if new_goal is not None:
        new_units = round(units * float(new_goal["target"]))
        new_units = min(max(new_units, 0), units)
        existing = float((units - new_units) * unit)
        return CustomerSplit(total, existing, float(new_units * unit), "new_share_goal", base_customers, rate, rate_hist, per, trend,
                             estimate, new_share_history, goal_id=str(new_goal["goal_id"]), returning_revenue=back)
    existing_units = min(round(estimate / unit), units)
    return CustomerSplit(total, float(existing_units * unit), float((units - existing_units) * unit),
                         "repurchase_goal" if rep_goal is not None else "estimate", base_customers, rate, rate_hist, per, trend,
                         estimate, new_share_history, goal_id=str(rep_goal["goal_id"]) if rep_goal is not None else None,
                         capped=estimate >= total, returning_revenue=back)


def _spend_trend(facts: Sequence[RetentionFacts], spend: float, settings) -> float:
    """The latest window's spend per retained customer against the window before's, capped at ± ``spend_trend_cap``
    (1 without an earlier window to compare with)."""
    trend = 1.0
    if len(facts) > 1 and facts[1].spend == facts[1].spend and facts[1].spend > 0 and spend == spend:
        cap = settings.spend_trend_cap
        trend = float(np.clip(spend / facts[1].spend, 1 - cap, 1 + cap))
    return trend


def _split_goal(goals: pd.DataFrame, metric: str, goal_id: str | None):
    """The company-wide goal on ``metric`` with a target (or the goal ``goal_id`` when named); None without one."""
    rows = goals.loc[(goals["metric"] == metric).to_numpy() & _company_wide(goals)] if len(goals) else goals
    if goal_id is not None:
        named = goals.loc[goals["goal_id"] == goal_id] if len(goals) else goals
        if named.empty:
            raise PlanError(f"breakdown.customer_split: goal {goal_id!r} is not a {metric} goal of workspace.yaml")
        if (named["metric"] != metric).any():  # a revenue target would be taken for a share or a rate
            raise PlanError(f"breakdown.customer_split: goal {goal_id!r} is a {named['metric'].iloc[0]} goal, "
                            f"not a {metric} goal; name a {metric} goal there")
        rows = named
    rows = rows.loc[[v == v for v in rows["target"]]] if len(rows) else rows
    return rows.iloc[0] if len(rows) else None


def _split_goals(settings, goals: pd.DataFrame, plan_is_year: bool) -> tuple:
    """The new-customer share goal and the repurchase goal the split may use under ``settings.source`` (None when
    not used); raises when the source names a goal that is not there."""
    source = settings.source
    new_goal = _split_goal(goals, "new_customer_revenue_share", settings.new_share_goal) if source in ("auto", "new_share_goal") else None
    rep_goal = _split_goal(goals, "repurchase_rate", settings.repurchase_goal) if source in ("auto", "repurchase_goal") and plan_is_year else None
    if source == "new_share_goal" and new_goal is None:
        raise PlanError("breakdown.customer_split.source is new_share_goal but workspace.yaml has no new_customer_revenue_share goal")
    if source == "repurchase_goal" and rep_goal is None:
        raise PlanError("breakdown.customer_split.source is repurchase_goal but there is no repurchase_rate goal (or the plan is a quarter)")
    return new_goal, rep_goal


def _observed_mix_split(total: float, mix: float, base_customers: int, latest: RetentionFacts, spend: float, trend: float,
                        new_share_history: float, unit: float, mix_label: str) -> CustomerSplit:
    """The split that follows the observed new/existing mix ``mix`` (:func:`customer_split` without a rate or
    without new customers): ``fallback`` says which."""
    rate_hist = latest.rate
    mix = float(mix) if mix == mix else 0.0
    units = round(total / unit)
    new_units = min(max(round(units * mix), 0), units)
    per = spend if spend == spend else 0.0
    known = rate_hist == rate_hist
    estimate = base_customers * rate_hist * per * trend + latest.returning_revenue * trend if known else float("nan")
    return CustomerSplit(total, float((units - new_units) * unit), float(new_units * unit), "observed_mix", base_customers,
                         rate_hist, rate_hist, per, trend, estimate, new_share_history,
                         fallback="no_rate" if not known else "no_new", mix_label=mix_label,
                         returning_revenue=latest.returning_revenue * trend if known else 0.0)


def split_options(split: CustomerSplit, goals: pd.DataFrame, unit: float = 1) -> pd.DataFrame:
    """The existing/new split under each assumption (history estimate, the
    repurchase goal, the new-share goal), with the one used marked."""
    rows = []
    total = split.total
    # without a repurchase rate there is no spend per retained customer either: the rate-based options are n/a, not 0
    known = split.repurchase_rate_history == split.repurchase_rate_history
    base = split.base_customers * split.spend_per_customer * split.spend_trend if known else float("nan")

    def row(option, rate, existing, goal_id=None):
        existing = min(existing, total) if existing == existing else existing
        rows.append({"option": option, "goal_id": goal_id, "repurchase_rate": rate, "existing": existing, "new": total - existing,
                     "new_share": (total - existing) / total if total else float("nan")})

    if split.source == "observed_mix":
        row("observed_mix", split.repurchase_rate_history, split.existing)
    if split.repurchase_rate_history == split.repurchase_rate_history:
        row("estimate", split.repurchase_rate_history, round(base * split.repurchase_rate_history / unit) * unit if base else 0.0)
    plain = goals.loc[_company_wide(goals)] if len(goals) else goals
    rep = plain.loc[plain["metric"] == "repurchase_rate"] if len(plain) else plain
    if len(rep):
        r = float(rep.iloc[0]["target"])
        row("repurchase_goal", r, round(base * r / unit) * unit if known else float("nan"), str(rep.iloc[0]["goal_id"]))
    new = plain.loc[plain["metric"] == "new_customer_revenue_share"] if len(plain) else plain
    if len(new):
        share = float(new.iloc[0]["target"])
        existing = total - round(total * share / unit) * unit
        row("new_share_goal", existing / base if known and base else float("nan"), existing, str(new.iloc[0]["goal_id"]))
    out = pd.DataFrame(rows, columns=["option", "goal_id", "repurchase_rate", "existing", "new", "new_share"])
    out["used"] = out["option"] == split.source
    return out
