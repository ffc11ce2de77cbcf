"""The plan model: the inputs computed once from the data, the :class:`Plan` and :func:`build_plan`, and the
no-plan path when the history is too short (:func:`no_plan_reason`, the empty tables of such a run).

The pieces it assembles are in :mod:`.windows`, :mod:`.total`, :mod:`.methods`, :mod:`.allocation`,
:mod:`.phasing` and :mod:`.checks`; its tables and sentences are :mod:`.views` and :mod:`.narrative`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from .. import metrics as m
from ..config import Breakdown, WorkspaceConfig
from ..periods import Period
from .allocation import _nodes, allocate
from .checks import CHECK_COLUMNS, growth_checks, margin_checks
from .common import CUSTOMER_TYPES, PlanError
from .methods import method_weights
from .phasing import phase, seasonality
from .total import CustomerSplit, PlanTotal, RetentionFacts, customer_split, goal_targets, plan_total, retention_facts
from .windows import PlanPeriods, Window, _window_label, _with_dimensions, plan_history, plan_horizon, plan_periods


@dataclass(frozen=True)
class PlanInputs:
    """Everything :func:`build_plan` needs from the data, computed once
    (the widget panel rebuilds plans from it with other settings)."""

    config: WorkspaceConfig
    periods: PlanPeriods
    dims: tuple[str, ...]
    history: pd.DataFrame
    profile: pd.DataFrame
    phasing_by: tuple[str, ...]
    goals: pd.DataFrame
    facts: tuple[RetentionFacts, ...]
    base_customers: int
    recent_growth: float | None = None
    """Revenue of the twelve months to the report period's end against the twelve before, − 1."""
    observed_mix: tuple[float, str] | None = None
    """The new customers' share of revenue in a window the data fully sees, and its label: the base window,
    or — when the base lies in the data's first twelve months (every customer looks new there) — its
    last quarter (new = first order in that quarter). What the split follows when it cannot estimate."""
    trend: pd.DataFrame | None = None
    """Revenue per cell in the report's last quarter (``window`` 0) and the same quarter a year
    earlier (``window`` 1), when the data covers both: the latest trend the growth checks compare with."""

    @property
    def season_share(self) -> float:
        """Share of its fiscal year that the plan period carries (company seasonality)."""
        plan = self.periods.plan
        if not plan.is_quarter:
            return 1.0
        first = ((plan.start.month - plan.start_month) % 12) + 1
        company = self.profile.drop_duplicates("slot").set_index("slot")["company"]
        return float(company.reindex(range(first, first + 3)).sum())


def retention_months(periods: PlanPeriods) -> int:
    """Months before the base window that a ``recent_quarters`` plan's retention base uses.

    Twelve, or fewer when the data starts less than twelve months before the
    base window (the months it has). The plan's base customers are counted
    over as many months before the plan, so the rate and the base match.

    >>> retention_months(plan_periods(Period.parse("2011Q3"), data_start=pd.Timestamp("2010-12-01")))
    7
    """
    if periods.year_on_year or periods.data_start is None:
        return 12
    ds = periods.data_start
    start = periods.base.start
    return int(min(12, max(0, (start.year - ds.year) * 12 + start.month - ds.month)))


def plan_inputs(sales: pd.DataFrame, customers: pd.DataFrame | None, report: Period, config: WorkspaceConfig,
                goals_frame: pd.DataFrame | None = None) -> PlanInputs:
    """Prepare a plan for the period after ``report`` from data up to its end.

    ``goals_frame`` is step 1's ``goals.csv`` when it exists (its targets are
    used for the goals it lists); ``config`` is the workspace configuration
    (``breakdown``, ``goals``, ``retention``).

    With ``recent_quarters`` windows (less than a year of data before the
    plan, see :func:`plan_periods`): the seasonality profile is even (1/12
    a month, so the plan's months get equal shares and a yearly amount a
    quarter of it), ``recent_growth`` is unknown (None: the trend total keeps
    the base), and the new/existing split uses the base quarter's retention
    only — over the :func:`retention_months` the data has before it, with
    the plan's base customers counted over as many months — and no spend
    trend.
    """
    settings = config.breakdown
    cut = m.with_id_codes(m.select_rows(sales, (sales["order_date"] < report.end_exclusive).to_numpy()))
    if cut.empty:
        raise PlanError(f"no sales before the end of {report}: there is no history to plan from")
    periods = plan_periods(report, settings.horizon, data_start=cut["order_date"].min())
    dims = tuple(settings.dimensions)
    history = plan_history(cut, periods, dims, customers)
    phasing_by = tuple(b for b in settings.phasing.by if b in dims and b != "customer_type")
    profile = seasonality(cut, report.end_exclusive, phasing_by, settings.phasing.prior_orders,
                          start_month=report.start_month, customers=customers)
    goals = goal_targets(config.goals, cut, report, goals_frame, config.retention.window_months)
    end = report.end_exclusive
    first_month = pd.Timestamp(cut["order_date"].min().year, cut["order_date"].min().month, 1)
    if periods.year_on_year:
        months = 12
        # a base window whose twelve months before lie partly before the data has no (whole) retention base:
        # the repurchase rate is not estimated (as step 1's repurchase rate, metrics.retention)
        covered = periods.base.start - pd.DateOffset(months=12) >= first_month
        facts = tuple(retention_facts(cut, w) for w in periods.windows[:2]) if covered else ()
    else:
        # less than a year of data: seasonality is not known, so the months get equal shares (and a
        # yearly amount an even share); retention is measured over the months the data has before the
        # base quarter, and the plan's base customers over as many months; no spend trend (the change
        # between consecutive quarters is mostly seasonal)
        profile = profile.assign(own=1 / 12, company=1 / 12, weight=0.0, share=1 / 12)
        months = retention_months(periods)
        facts = (retention_facts(cut, periods.base, months),)
    buys = cut.loc[(cut["amount"] > 0) & (cut["order_date"] >= end - pd.DateOffset(months=months))]
    dates = cut["order_date"]
    ttm = float(cut.loc[dates >= end - pd.DateOffset(months=12), "amount"].sum())
    before = float(cut.loc[(dates >= end - pd.DateOffset(months=24)) & (dates < end - pd.DateOffset(months=12)), "amount"].sum())
    whole = dates.min() <= end - pd.DateOffset(months=24) + pd.Timedelta(days=31)
    recent = ttm / before - 1 if before > 0 and whole else None
    return PlanInputs(config, periods, dims, history, profile, phasing_by, goals, facts, int(buys[m.id_column(buys, "customer_id")].nunique()),
                      recent, _observed_mix(cut, periods.base, first_month, report.start_month), _latest_trend(cut, report, dims, customers))


def _observed_mix(sales: pd.DataFrame, base: Window, first_month: pd.Timestamp, start_month: int = 1) -> tuple[float, str]:
    """New customers' share of revenue in ``base`` (new = first-ever order inside it) and its label; when
    ``base`` starts within the data's first twelve months (every customer looks new there), in its last quarter.

    >>> s = pd.DataFrame({"customer_id": ["a", "a", "b"], "order_id": ["1", "2", "3"], "amount": [50.0, 30.0, 20.0],
    ...                   "order_date": pd.to_datetime(["2025-01-05", "2025-11-05", "2025-12-01"])})
    >>> _observed_mix(s, Window(pd.Timestamp("2025-01-01"), pd.Timestamp("2026-01-01"), "2025"), pd.Timestamp("2025-01-01"))
    (0.4, '2025Q4')
    """
    window = base
    if base.start < first_month + pd.DateOffset(months=12):
        start = base.end - pd.DateOffset(months=3)
        window = Window(start, base.end, _window_label(start, base.end, start_month))
    lines = m.with_id_codes(sales)
    first = lines.groupby(m.id_column(lines, "customer_id"))["order_date"].transform("min")  # as plan_history
    inside = window.contains(lines["order_date"]).to_numpy()
    amount = lines["amount"].to_numpy()
    new = (first >= window.start).to_numpy()
    total = float(np.nansum(amount[inside]))
    return (float(np.nansum(amount[inside & new])) / total if total > 0 else float("nan")), window.label


def _latest_trend(sales: pd.DataFrame, report: Period, dims: Sequence[str], customers: pd.DataFrame | None = None) -> pd.DataFrame | None:
    """Revenue per node of each dimension other than ``customer_type`` in the report's last quarter
    (``window`` 0) and the same quarter a year earlier (``window`` 1); None when the data does not
    cover that earlier quarter in full."""
    q = report.quarters()[-1]
    before = q.year_ago()
    first = sales["order_date"].min()
    if before.start < pd.Timestamp(first.year, first.month, 1):
        return None
    plain = [d for d in dims if d != "customer_type"]
    frames = []
    for k, p in enumerate((q, before)):
        part = sales.loc[p.contains(sales["order_date"])]
        part = _with_dimensions(part, customers, plain) if plain else part
        g = part.groupby(plain, sort=True)["amount"].sum().reset_index() if plain else pd.DataFrame({"amount": [part["amount"].sum()]})
        frames.append(g.rename(columns={"amount": "revenue"}).assign(window=k, label=str(p)))
    return pd.concat(frames, ignore_index=True)


@dataclass(frozen=True)
class NoPlan:
    """Why step 2 cannot plan: the sales history before the plan is shorter than the plan needs.

    ``months`` counts the calendar months from the first sale's month to the
    end of ``report`` (what :func:`plan_periods` can use); ``needed`` is 12 for
    a yearly plan and 3 for a quarterly one, ``needed_from`` the first day the
    data would have to start on."""

    report: Period
    plan: Period
    horizon: str
    data_start: pd.Timestamp | None
    months: int
    needed: int
    needed_from: pd.Timestamp
    detail: str = ""


#: Columns of ``targets.csv`` when there is no plan (empty, with its columns; ``target_checks.csv``'s are
#: :data:`.checks.CHECK_COLUMNS`).
TARGET_COLUMNS = ["plan", "period", "target", "method"]


def no_plan_reason(sales: pd.DataFrame, report: Period, horizon: str = "auto") -> NoPlan | None:
    """A :class:`NoPlan` when the sales before the end of ``report`` are too short for the plan
    (:func:`plan_periods` finds no whole window), else None.

    >>> s = pd.DataFrame({"order_date": pd.to_datetime(["2025-08-01", "2025-09-10"]), "amount": [1.0, 2.0]})
    >>> r = no_plan_reason(s, Period.parse("2025Q3"))
    >>> str(r.plan), r.months, r.needed, r.needed_from.date().isoformat()
    ('2025Q4', 2, 3, '2025-07-01')
    """
    dates = sales["order_date"]
    cut = dates.loc[dates < report.end_exclusive]
    start = cut.min() if len(cut) else None
    periods = None
    try:
        periods = plan_periods(report, horizon, data_start=start)
    except PlanError as exc:
        detail = str(exc)
    else:
        if start is not None:
            return None
        detail = f"no sales before the end of {report}"
        periods = None
    h = plan_horizon(report, horizon)
    plan = periods.plan if periods is not None else (Period(report.year + 1, None, report.start_month) if h == "year"
                                                      else report.shift(1) if report.is_quarter else Period(report.year + 1, 1, report.start_month))
    end = report.end_exclusive
    months = 0 if start is None else (end.year - start.year) * 12 + end.month - start.month
    needed = 12 if h == "year" else 3
    needed_from = end - pd.DateOffset(months=needed)
    return NoPlan(report, plan, h, start, max(months, 0), needed, needed_from, detail)


def plan_or_reason(sales: pd.DataFrame, customers: pd.DataFrame | None, report: Period, config: WorkspaceConfig,
                   goals_frame: pd.DataFrame | None = None) -> tuple[PlanInputs | None, Plan | None, NoPlan | None]:
    """:func:`plan_inputs` and :func:`build_plan`, or — when the history is too short to plan
    (:func:`no_plan_reason`) — ``(None, None, reason)``. Any other :class:`PlanError` (a setting
    that contradicts the data) is raised as before."""
    reason = no_plan_reason(sales, report, config.breakdown.horizon)
    if reason is not None:
        return None, None, reason
    inputs = plan_inputs(sales, customers, report, config, goals_frame)
    return inputs, build_plan(inputs), None


def empty_targets(dims: Sequence[str]) -> pd.DataFrame:
    """``targets.csv`` of a run that cannot plan: no rows, the columns of :meth:`Plan.long`."""
    return pd.DataFrame(columns=["plan", "period", *dims, "target", "method"])


def empty_checks() -> pd.DataFrame:
    """``target_checks.csv`` of a run that cannot plan: no rows, the columns of :func:`growth_checks`."""
    return pd.DataFrame(columns=CHECK_COLUMNS)


def empty_budget(by: Sequence[str]) -> pd.DataFrame:
    """``budget.csv`` of a run that cannot plan: no rows, the columns of :func:`budget_table`."""
    return pd.DataFrame(columns=["category", *by, "amount", "share", "score_share", "rank", "priority"])


def empty_actions() -> pd.DataFrame:
    """``actions_plan.csv`` of a run that cannot plan (no plan period to place the actions in)."""
    return pd.DataFrame(columns=["id", "kind", "action", "channel", "serves", "goal", "kpi", "owner", "start", "due", "budget",
                                 "budget_in_plan", "category"])


def no_plan_metrics() -> dict[str, None]:
    """The step's ``summary.json`` plan metrics of a run that cannot plan: every one null ("not computable")."""
    keys = ("target_total", "target_base", "target_growth", "target_new_customers", "target_existing_customers",
            "target_flagged_parts", "budget_total", "budget_committed", "budget_to_target")
    return dict.fromkeys(keys)


@dataclass(frozen=True)
class Plan:
    """A target breakdown: the total, its split, the cells and their phasing, and the checks."""

    periods: PlanPeriods
    dims: tuple[str, ...]
    method: str
    total: PlanTotal
    split: CustomerSplit | None
    weights: pd.DataFrame
    overrides: pd.DataFrame
    cells: pd.DataFrame
    phased: pd.DataFrame
    checks: pd.DataFrame
    margin_checks: pd.DataFrame
    unit: float
    lookback: int = 2
    min_share: float = 0.0
    """``breakdown.checks.min_share``: parts below it are listed in the checks, not flagged."""

    @property
    def matrix_dims(self) -> tuple[str, ...]:
        """The dimensions of the target matrix: the first two other than ``customer_type``; with only one
        such dimension, it and ``customer_type`` (a plan by region × new/existing is a matrix too)."""
        md = tuple(d for d in self.dims if d != "customer_type")[:2]
        if len(md) < 2 and "customer_type" in self.dims:
            md = md + ("customer_type",)
        return md

    def matrix(self, rows: str | None = None, cols: str | None = None, value: str = "target") -> pd.DataFrame:
        """``rows`` × ``cols`` with a ``total`` column and row (the 销售目标分解表)."""
        md = self.matrix_dims
        rows = rows or md[0]
        cols = cols or (md[1] if len(md) > 1 else ("customer_type" if "customer_type" in self.dims else None))
        if cols is None:
            out = self.cells.groupby(rows)[value].sum().to_frame("total")
        else:
            out = self.cells.pivot_table(index=rows, columns=cols, values=value, aggfunc="sum", fill_value=0.0)
            out.columns.name = None
            out["total"] = out.sum(axis=1)
        out = out.sort_values("total", ascending=False)
        out.loc["total"] = out.sum(axis=0)
        out.index.name = rows
        return out

    def margin(self, dim: str) -> pd.DataFrame:
        """Per node of ``dim``: ``base``, ``target``, ``growth``, ``share`` (and ``existing``/``new`` targets)."""
        g = self.cells.groupby(dim)[["base", "target"]].sum()
        g["growth"] = g["target"] / g["base"].where(g["base"] > 0) - 1
        g["share"] = g["target"] / g["target"].sum()
        if "customer_type" in self.dims and dim != "customer_type":
            split = self.cells.pivot_table(index=dim, columns="customer_type", values="target", aggfunc="sum", fill_value=0.0)
            for ct in CUSTOMER_TYPES:
                g[ct] = split[ct] if ct in split else 0.0
        return g.sort_values("target", ascending=False)

    def by_period(self, dim: str | None = None) -> pd.DataFrame:
        """Targets per phasing period (columns), per node of ``dim`` (rows) or in total."""
        if dim is None:
            return self.phased.groupby("period", sort=False)["target"].sum().to_frame("target")
        out = self.phased.pivot_table(index=dim, columns="period", values="target", aggfunc="sum", fill_value=0.0, sort=False)
        out.columns.name = None
        out["total"] = out.sum(axis=1)
        return out.sort_values("total", ascending=False)

    def flagged(self) -> pd.DataFrame:
        return self.checks.loc[self.checks["flag"] != "ok"]

    def long(self) -> pd.DataFrame:
        """``targets.csv``: one row per phasing period and cell."""
        out = self.phased.assign(plan=str(self.periods.plan), method=self.method)
        return out[["plan", "period", *self.dims, "target", "method"]]

    def summary(self) -> dict[str, float | int | None]:
        """Headline numbers for ``summary.json``."""
        ct = self.cells.groupby("customer_type")["target"].sum() if "customer_type" in self.dims else None
        return {
            "target_total": float(self.total.value),
            "target_base": float(self.total.base),
            "target_growth": float(self.total.growth) if self.total.growth == self.total.growth else None,
            "target_new_customers": float(ct.get("new", 0.0)) if ct is not None else None,
            "target_existing_customers": float(ct.get("existing", 0.0)) if ct is not None else None,
            "target_flagged_parts": int((self.checks["flag"] != "ok").sum()),
        }


def _add_type_cells(weights: pd.DataFrame, ct: str) -> pd.DataFrame:
    """``weights`` with cells of customer type ``ct`` added, a copy of the other type's (then every
    column renormalised): a type with a target but no history is spread like the business it has."""
    other = next(c for c in CUSTOMER_TYPES if c != ct)
    if isinstance(weights.index, pd.MultiIndex):
        extra = weights.xs(other, level="customer_type", drop_level=False)
        extra = extra.rename(index={other: ct}, level="customer_type")
    else:
        extra = weights.loc[[other]].rename(index={other: ct})
    out = pd.concat([weights, extra]).sort_index()
    sums = out.sum()
    return out.div(sums.where(sums > 0, 1.0), axis=1)


def resolve_overrides(overrides: Sequence, base: Mapping[str, pd.Series], dims: Sequence[str], unit: float = 1) -> tuple[dict, pd.DataFrame]:
    """Turn ``breakdown.overrides`` into amounts per node.

    ``base`` maps each dimension to its nodes' actual revenue in the base
    window (a growth override applies to it). Returns ``{dimension: {node:
    amount}}`` and a table (``dimension``, ``node``, ``kind``, ``requested``,
    ``base``, ``target``, ``note``).
    """
    fixed: dict[str, dict[str, float]] = {}
    rows = []
    for i, o in enumerate(overrides):
        dim, node = next(iter(o.scope.items()))
        if dim not in dims:
            raise PlanError(f"breakdown.overrides.{i}: {dim!r} is not one of the plan's dimensions ({', '.join(dims)})")
        nodes = base[dim]
        if node not in nodes.index:
            raise PlanError(f"breakdown.overrides.{i}: {node!r} is not a {dim} in the history ({', '.join(map(str, nodes.index))})")
        b = float(nodes[node])
        if o.value is not None:
            amount, kind, requested = float(o.value), "value", float(o.value)
        else:
            if b <= 0:
                raise PlanError(f"breakdown.overrides.{i}: {dim} {node} had no revenue in the base period, so a growth override "
                                "has nothing to grow from; give a value instead")
            amount, kind, requested = b * (1 + o.growth), "growth", float(o.growth)
        amount = float(round(amount / unit) * unit)
        fixed.setdefault(dim, {})[node] = amount
        rows.append({"dimension": dim, "node": node, "kind": kind, "requested": requested, "base": b, "target": amount,
                     "note": o.note or ""})
    return fixed, pd.DataFrame(rows, columns=["dimension", "node", "kind", "requested", "base", "target", "note"])


def build_plan(inputs: PlanInputs, settings: Breakdown | None = None) -> Plan:
    """Build the plan: total → new/existing split → overrides → allocation → phasing → checks.

    ``settings`` defaults to the workspace's ``breakdown`` section; the
    dimensions, horizon and phasing come from ``inputs``.

    With ``recent_quarters`` windows growth is measured against the quarter
    before the plan, momentum has no growth factor (``trend=False`` in
    :func:`method_weights`) and the growth checks compare quarter-on-quarter
    changes. Every such window lies in the data's first twelve months, so
    the history's new/existing split is censored (customers whose orders
    before the data's start are not seen look new): the cells' weights use
    it all the same, the split of the total comes from
    :func:`customer_split`.
    """
    s = settings or inputs.config.breakdown
    dims = list(inputs.dims)
    unit = s.rounding_unit
    hist = inputs.history
    known = hist.loc[~hist["censored"]] if (~hist["censored"]).any() else hist
    weights = method_weights(known, dims, lookback=s.lookback, method=s.method, blend=s.weights, potential=s.potential,
                             momentum_cap=s.momentum_cap, trend=inputs.periods.year_on_year)
    base = (hist.loc[hist["window"] == 0].groupby(dims)["revenue"].sum() if dims else None)
    base = base.reindex(weights.index, fill_value=0.0)
    base_total = float(base.sum())
    total = plan_total(s.total, inputs.periods, base_total, inputs.recent_growth, inputs.goals, inputs.season_share, unit)
    split = None
    fixed, overrides = resolve_overrides(s.overrides, {d: base.groupby(level=d).sum() if len(dims) > 1 else base for d in dims}, dims, unit)
    if "customer_type" in dims:
        # a customer type absent from the base (a closed cohort has no new customers) counts as zero
        by_type = base.groupby(level="customer_type").sum().reindex(list(CUSTOMER_TYPES), fill_value=0.0)
        new_hist = float(by_type["new"]) / base_total if base_total > 0 else float("nan")
        types = _nodes(weights.index, "customer_type")
        mix_share, mix_label = inputs.observed_mix if inputs.observed_mix is not None else (new_hist, inputs.periods.base.label)
        split = customer_split(total.value, inputs.base_customers, inputs.facts, new_hist, s.customer_split, inputs.goals,
                               plan_is_year=not inputs.periods.plan.is_quarter, unit=unit, new_seen="new" in types,
                               observed_new_share=mix_share, mix_label=mix_label)
        if "customer_type" not in fixed:
            fixed["customer_type"] = {"existing": split.existing, "new": split.new}
            fixed["customer_type"] = {k: v for k, v in fixed["customer_type"].items() if k in types or v > 0}
        for ct in CUSTOMER_TYPES:  # a type with a target but no history: its cells follow the other type's weights
            if ct not in types and fixed.get("customer_type", {}).get(ct, 0) > 0:
                weights = _add_type_cells(weights, ct)
    target = allocate(total.value, weights["weight"], fixed, unit)
    cells = target.rename("target").to_frame()
    cells.insert(0, "base", base.reindex(cells.index).to_numpy())
    cells["growth"] = cells["target"] / cells["base"].where(cells["base"] > 0) - 1
    cells["share"] = cells["target"] / cells["target"].sum() if cells["target"].sum() else 0.0
    cells = cells.reset_index()
    phased = phase(cells[[*dims, "target"]], inputs.profile, inputs.periods, inputs.phasing_by,
                   inputs.config.breakdown.phasing.grain, unit=unit)
    matrix_dims = [d for d in dims if d != "customer_type"][:2]
    levels = [[d] for d in dims]
    if len(matrix_dims) == 2:
        levels.append(matrix_dims)
    checks = pd.concat([growth_checks(cells, known if "customer_type" in level else hist, [level], s.checks, inputs.trend)
                        for level in [[], *levels]], ignore_index=True)
    mchecks = margin_checks(cells, total.value, dims, phased)
    return Plan(inputs.periods, tuple(dims), s.method, total, split, weights, overrides, cells, phased, checks, mchecks, unit, s.lookback, s.checks.min_share)
