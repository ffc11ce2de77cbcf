"""The notebook's tables in the report language (``*_view``): each returns a :class:`View` for
:func:`salesnb.present.table`.

Words and formats are :mod:`.labels`; sentences :mod:`.narrative`; the Excel sheets :mod:`.workbook`.
"""
from __future__ import annotations

from typing import NamedTuple, Sequence

import pandas as pd

from ..config import Budget, Tiers
from ..i18n import money, number, pct, t
from .labels import (_amount, _clean_zero, _items_text, _part_label, _pct, _per_customer, _source_text, _unit, channel_label,
                     dim_label, flag_text, method_text, node_label, serves_label)
from .plan import Plan
from .total import split_options


class View(NamedTuple):
    """A table ready for :func:`salesnb.present.table`: ``ui.table(*view)``."""

    frame: pd.DataFrame
    caption: str | None = None
    formats: dict | None = None


def actuals_view(share: pd.DataFrame, lang: str, unit: str) -> View:
    """This period's actuals by region and customer type (``metrics.share_table`` output) with translated headers."""
    factor, label, _ = _unit(unit, lang)
    out = share.reset_index()
    dim = out.columns[0]
    names = {dim: dim_label(dim, lang), "existing": t("bd_col_existing", lang, unit=label), "new": t("bd_col_new", lang, unit=label),
             "total": t("bd_col_amount", lang, unit=label), "share": t("share", lang)}
    out = out.rename(columns=names)
    amount = _amount(unit, lang)
    return View(out, None, {c: (_pct(lang) if c == names["share"] else amount) for c in out.columns[1:]})


def total_view(plan: Plan, lang: str, unit: str) -> View:
    """The total: base actual, plan total, growth, source, method."""
    base, pl = plan.periods.base.label, str(plan.periods.plan)
    rows = [
        (t("bd_row_base", lang, base=base), money(plan.total.base, unit, lang)),
        (t("bd_row_total", lang, plan=pl), money(plan.total.value, unit, lang)),
        (t("bd_row_growth", lang, base=base), pct(plan.total.growth, lang, signed=True)),
        (t("bd_row_source", lang), _source_text(plan.total, lang, plan.periods.year_on_year)),
        (t("bd_row_method", lang), method_text(plan.method, lang)),
        (t("bd_row_dimensions", lang), " × ".join(dim_label(d, lang) for d in plan.dims)),
    ]
    return View(pd.DataFrame(rows, columns=[t("bd_col_metric", lang), t("bd_col_value", lang)]))


def goals_view(plan: Plan, goals: pd.DataFrame, lang: str, unit: str) -> View | None:
    """Revenue goals against the plan: the goal's target and the plan's for the same scope."""
    rev = goals.loc[(goals["metric"] == "revenue") & (goals["deadline"] == str(plan.periods.plan.year))] if len(goals) else goals
    if rev is None or rev.empty or plan.periods.plan.is_quarter:
        return None
    factor, label, _ = _unit(unit, lang)
    rows = []
    for _, g in rev.iterrows():
        mask = pd.Series(True, index=plan.cells.index)
        ok = True
        for col, val in g["scope"].items():
            if col not in plan.cells:
                ok = False
                break
            mask &= plan.cells[col] == val
        planned = float(plan.cells.loc[mask, "target"].sum()) if ok else float("nan")
        scope = ", ".join(f"{node_label(k, v, lang)}" for k, v in g["scope"].items()) or t("bd_company", lang)
        rows.append({t("bd_col_goal", lang): g["goal_id"], t("bd_col_scope", lang): scope,
                     t("bd_col_goal_target", lang, unit=label): g["target"], t("bd_col_plan_target", lang, unit=label): planned,
                     t("bd_col_gap", lang): _clean_zero(planned / g["target"] - 1) if g["target"] else float("nan")})
    df = pd.DataFrame(rows)
    fmts = {t("bd_col_goal_target", lang, unit=label): _amount(unit, lang), t("bd_col_plan_target", lang, unit=label): _amount(unit, lang),
            t("bd_col_gap", lang): _pct(lang, signed=True)}
    return View(df, None, fmts)


def method_view(plan: Plan, dim: str, lang: str) -> View:
    """Each node's share of the total under every method, and the plan's (after overrides)."""
    w = plan.weights.drop(columns="weight").groupby(level=dim).sum() if isinstance(plan.weights.index, pd.MultiIndex) else plan.weights.drop(columns="weight")
    plan_share = plan.cells.groupby(dim)["target"].sum()
    plan_share = plan_share / plan_share.sum()
    df = w.copy()
    df["plan"] = plan_share.reindex(df.index)
    df = df.sort_values("plan", ascending=False)
    cols = {m: t(f"bd_method_{m}", lang) for m in ("even", "history", "momentum", "potential")}
    cols["plan"] = t("bd_method_weight", lang)
    out = df.rename(columns=cols).reset_index()
    out[dim] = [node_label(dim, v, lang) for v in out[dim]]
    out = out.rename(columns={dim: dim_label(dim, lang)})
    return View(out, None, {c: _pct(lang) for c in cols.values() if c in out})


def overrides_view(plan: Plan, lang: str, unit: str) -> View | None:
    if plan.overrides.empty:
        return None
    factor, label, _ = _unit(unit, lang)
    o = plan.overrides
    df = pd.DataFrame({
        t("bd_col_dimension", lang): [dim_label(d, lang) for d in o["dimension"]],
        t("bd_col_node", lang): [node_label(d, n, lang) for d, n in zip(o["dimension"], o["node"])],
        t("bd_col_override", lang): [pct(r, lang, signed=True) if k == "growth" else money(r, unit, lang) for k, r in zip(o["kind"], o["requested"])],
        t("bd_col_base", lang, base=plan.periods.base.label, unit=label): o["base"],
        t("bd_col_target", lang, plan=str(plan.periods.plan), unit=label): o["target"],
        t("bd_col_note", lang): o["note"],
    })
    amount = _amount(unit, lang)
    return View(df, None, {c: amount for c in df.columns[3:5]})


def split_view(plan: Plan, goals: pd.DataFrame, lang: str, unit: str) -> View | None:
    if plan.split is None:
        return None
    opts = split_options(plan.split, goals, plan.unit)
    factor, label, _ = _unit(unit, lang)
    df = pd.DataFrame({
        t("bd_col_assumption", lang): [t(f"bd_opt_{o}", lang) for o in opts["option"]],
        t("bd_col_goal", lang): opts["goal_id"].fillna("—"),
        t("bd_col_repurchase", lang): opts["repurchase_rate"],
        t("bd_col_existing", lang, unit=label): opts["existing"],
        t("bd_col_new", lang, unit=label): opts["new"],
        t("bd_col_new_share", lang): opts["new_share"],
        t("bd_col_used", lang): [t("bd_ok", lang) if u else "" for u in opts["used"]],
    })
    amount = _amount(unit, lang)
    fm = {df.columns[2]: _pct(lang), df.columns[3]: amount, df.columns[4]: amount, df.columns[5]: _pct(lang)}
    return View(df, None, fm)


def matrix_view(plan: Plan, lang: str, unit: str) -> View:
    """The 销售目标分解表: rows × columns of the matrix dimensions, with totals."""
    m = plan.matrix()
    rows = m.index.name
    cols_dim = plan.matrix_dims[1] if len(plan.matrix_dims) > 1 else "customer_type"
    factor, label, _ = _unit(unit, lang)
    out = m.reset_index()
    out[rows] = [t("bd_total", lang) if v == "total" else node_label(rows, v, lang) for v in out[rows]]
    out.columns = [dim_label(rows, lang)] + [t("bd_total", lang) if c == "total" else node_label(cols_dim, c, lang) for c in m.columns]
    amount = _amount(unit, lang)
    cap = t("bd_col_target", lang, plan=str(plan.periods.plan), unit=label)
    return View(out, cap, {c: amount for c in out.columns[1:]})


def margin_view(plan: Plan, dim: str, lang: str, unit: str) -> View:
    """Per node of ``dim``: actual, target, growth, share (and existing/new)."""
    g = plan.margin(dim)
    factor, label, _ = _unit(unit, lang)
    base, pl = plan.periods.base.label, str(plan.periods.plan)
    names = {"base": t("bd_col_base", lang, base=base, unit=label), "target": t("bd_col_target", lang, plan=pl, unit=label),
             "growth": t("bd_col_growth", lang), "share": t("bd_col_share", lang),
             "existing": t("bd_col_existing", lang, unit=label), "new": t("bd_col_new", lang, unit=label)}
    total = pd.DataFrame([{**{c: g[c].sum() for c in g.columns if c not in ("growth", "share")}, "share": 1.0}], index=["total"])
    total["growth"] = total["target"] / total["base"] - 1 if total["base"].iloc[0] > 0 else float("nan")
    g = pd.concat([g, total[g.columns]])
    out = g.rename(columns=names)
    out.index = [t("bd_total", lang) if v == "total" else node_label(dim, v, lang) for v in g.index]
    out = out.rename_axis(dim_label(dim, lang)).reset_index()
    amount = _amount(unit, lang)
    fm = {names[c]: amount for c in ("base", "target", "existing", "new") if names[c] in out}
    fm[names["growth"]] = _pct(lang, signed=True)
    fm[names["share"]] = _pct(lang)
    return View(out, None, fm)


def phasing_view(plan: Plan, dim: str, lang: str, unit: str) -> View:
    """Targets per month (columns) per node of ``dim`` with totals."""
    m = plan.by_period(dim)
    m.loc["total"] = m.sum(axis=0)
    factor, label, _ = _unit(unit, lang)
    out = m.reset_index()
    out[dim] = [t("bd_total", lang) if v == "total" else node_label(dim, v, lang) for v in out[dim]]
    out = out.rename(columns={dim: dim_label(dim, lang), "total": t("bd_total", lang)})
    amount = _amount(unit, lang)
    return View(out, t("bd_col_amount", lang, unit=label), {c: amount for c in out.columns[1:]})


def checks_view(plan: Plan, lang: str, unit: str, flagged_only: bool = True) -> View | None:
    """Implied growth of each part against its history (only flagged parts by default)."""
    c = plan.flagged() if flagged_only else plan.checks
    if c.empty:
        return None
    qoq = "" if plan.periods.year_on_year else "_qoq"
    factor, label, _ = _unit(unit, lang)
    df = pd.DataFrame({
        t("bd_col_level", lang): [t("bd_total", lang) if lv == "total" else " × ".join(dim_label(d.strip(), lang) for d in lv.split("×"))
                                  for lv in c["level"]],
        t("bd_col_node", lang): [_part_label(r, lang) for _, r in c.iterrows()],
        t("bd_col_base", lang, base=plan.periods.base.label, unit=label): c["base"],
        t("bd_col_target", lang, plan=str(plan.periods.plan), unit=label): c["target"],
        t("bd_col_implied", lang): c["implied_growth"],
        t("bd_col_best" if qoq == "" else "bd_col_best_qoq", lang): c["best_growth"],
        t("bd_col_worst" if qoq == "" else "bd_col_worst_qoq", lang): c["worst_growth"],
        t("bd_col_flag", lang): [flag_text(f, lang) for f in c["flag"]],
    })
    amount, sp = _amount(unit, lang), _pct(lang, signed=True)
    fm = {df.columns[2]: amount, df.columns[3]: amount, df.columns[4]: sp, df.columns[5]: sp, df.columns[6]: sp}
    return View(df, None, fm)


def margin_checks_view(plan: Plan, lang: str, unit: str) -> View:
    factor, label, _ = _unit(unit, lang)
    mc = plan.margin_checks
    names = {"cells": t("bd_check_cells", lang), "period": t("bd_check_period", lang),
             "period_by_cell": t("bd_check_period_by_cell", lang), "no_negative": t("bd_check_min", lang)}
    df = pd.DataFrame({
        t("bd_col_check", lang): [names.get(c, dim_label(c, lang)) for c in mc["check"]],
        t("bd_col_sum", lang, unit=label): mc["sum"],
        t("bd_col_total", lang, unit=label): mc["total"],
        t("bd_col_difference", lang): mc["difference"],
        t("bd_col_ok", lang): [t("bd_ok", lang) if ok else t("bd_not_ok", lang) for ok in mc["ok"]],
    })
    amount = _amount(unit, lang)
    return View(df, None, {df.columns[1]: amount, df.columns[2]: amount, df.columns[3]: lambda v: number(v, lang, 0)})


def tiers_view(summary: pd.DataFrame, lang: str, unit: str) -> View:
    factor, label, _ = _unit(unit, lang)
    df = pd.DataFrame({
        t("bd_col_tier", lang): summary["label"],
        t("bd_col_customers", lang): summary["customers"],
        t("bd_col_customer_share", lang): summary["customer_share"],
        t("bd_col_revenue", lang, unit=label): summary["revenue"],
        t("bd_col_revenue_share", lang): summary["revenue_share"],
        t("bd_col_per_customer", lang, unit=label): summary["revenue_per_customer"],
        t("bd_col_visits", lang): summary["visits_per_year"],
        t("bd_col_care", lang): summary["care"],
        t("bd_col_budget_per_customer", lang): summary["budget_per_customer"],
        t("bd_col_care_budget", lang, unit=label): summary["care_budget"],
        t("bd_col_owner", lang): summary["owner"],
    })
    amount = _amount(unit, lang)
    fm = {df.columns[2]: _pct(lang), df.columns[3]: amount, df.columns[4]: _pct(lang), df.columns[5]: amount,
          # a budget per customer is a small amount: in whole currency units, with the unit (not a bare "20,000")
          df.columns[6]: lambda v: number(v, lang, 1), df.columns[8]: lambda v: _per_customer(v, unit, lang), df.columns[9]: amount}
    return View(df, None, fm)


def actions_view(table: pd.DataFrame, lang: str, unit: str, budget: Budget | None = None, tiers: Tiers | None = None) -> View | None:
    if table.empty:
        return None
    factor, label, _ = _unit(unit, lang)
    cats = {c.key: (c.zh if lang == "zh" else c.en) for c in (budget.categories if budget is not None else [])}
    df = pd.DataFrame({
        t("bd_col_id", lang): table["id"],
        t("bd_col_kind", lang): [t(f"bd_kind_{k}", lang) for k in table["kind"]],
        t("bd_col_action", lang): table["action"],
        t("bd_col_channel", lang): [channel_label(c, lang) for c in table["channel"]],
        t("bd_col_serves", lang): [serves_label(sv, lang, tiers) for sv in table["serves"]],
        t("bd_col_goal", lang): table["goal"],
        t("bd_col_owner", lang): table["owner"],
        t("bd_col_start", lang): table["start"].dt.date.astype(str),
        t("bd_col_due", lang): table["due"].dt.date.astype(str),
        t("bd_col_budget", lang, unit=label): table["budget"],
        t("bd_col_category", lang): [cats.get(c, c) for c in table["category"]],
    })
    return View(df, None, {df.columns[9]: _amount(unit, lang)})


def problems_view(problems: pd.DataFrame, lang: str) -> View | None:
    if problems.empty:
        return None
    df = problems.rename(columns={"id": t("bd_col_id", lang), "field": t("bd_col_field", lang), "problem": t("bd_col_problem", lang)})
    return View(df)


def budget_lines_view(lines: pd.DataFrame, lang: str, unit: str) -> View | None:
    if lines.empty:
        return None
    factor, label, _ = _unit(unit, lang)
    total = {"category": "total", "en": t("bd_total", "en"), "zh": t("bd_total", "zh"), "planned": lines["planned"].sum(), "items": "",
             "committed": lines["committed"].sum(), "allocated": None, "uncommitted": lines["uncommitted"].sum()}
    both = pd.concat([lines, pd.DataFrame([total])], ignore_index=True)
    df = pd.DataFrame({
        t("bd_col_category", lang): both["zh" if lang == "zh" else "en"],
        t("bd_col_planned", lang, unit=label): both["planned"],
        t("bd_col_items", lang): [_items_text(x, lang, unit) for x in both["items"]],
        t("bd_col_committed", lang, unit=label): both["committed"],
        t("bd_col_uncommitted", lang, unit=label): both["uncommitted"],
        t("bd_col_spread", lang): ["" if a is None else t("bd_yes", lang) if a else t("bd_central", lang) for a in both["allocated"]],
    })
    amount = _amount(unit, lang)
    return View(df, None, {df.columns[1]: amount, df.columns[3]: amount, df.columns[4]: amount})


def budget_view(efficiency: pd.DataFrame, by: Sequence[str], lang: str, unit: str, only_flagged: bool = False) -> View:
    """Priority, budget and budget per yuan of target per part, with flags."""
    e = efficiency.loc[efficiency["flag"] != "ok"] if only_flagged else efficiency
    factor, label, _ = _unit(unit, lang)
    df = pd.DataFrame({
        t("bd_col_rank", lang): e["rank"],
        t("bd_col_node", lang): [" · ".join(node_label(d, r[d], lang) for d in by) for _, r in e.iterrows()],
        t("bd_col_priority", lang): [t(f"bd_priority_{p}", lang) for p in e["priority"]],
        t("bd_col_score", lang): e["score_share"],
        t("bd_col_target_plain", lang, unit=label): e["target"],
        t("bd_col_budget", lang, unit=label): e["budget"],
        t("bd_col_budget_to_target", lang): e["budget_to_target"],
        t("bd_col_vs_company", lang): e["ratio"],
        t("bd_col_flag", lang): [t(f"bd_budget_{f}", lang) for f in e["flag"]],
    })
    amount = _amount(unit, lang)
    fm = {df.columns[3]: _pct(lang), df.columns[4]: amount, df.columns[5]: amount, df.columns[6]: lambda v: _pct(lang)(v),
          df.columns[7]: lambda v: (number(v, lang, 2) + "×") if v == v else t("not_available", lang)}
    return View(df, None, fm)


def budget_matrix_view(budget: pd.DataFrame, by: Sequence[str], lang: str, unit: str, budget_settings: Budget | None = None) -> View:
    """Budget per part (rows: the first dimension of ``allocate_by``) and category (columns), with totals."""
    factor, label, _ = _unit(unit, lang)
    first = list(by)[0]
    m = budget.pivot_table(index=first, columns="category", values="amount", aggfunc="sum", fill_value=0.0)
    order = [c.key for c in budget_settings.categories] if budget_settings is not None else list(m.columns)
    m = m[[c for c in order if c in m.columns]]
    m["total"] = m.sum(axis=1)
    m = m.sort_values("total", ascending=False)
    m.loc["total"] = m.sum(axis=0)
    cats = {c.key: (c.zh if lang == "zh" else c.en) for c in (budget_settings.categories if budget_settings is not None else [])}
    out = m.reset_index()
    out[first] = [t("bd_total", lang) if v == "total" else node_label(first, v, lang) for v in out[first]]
    out.columns = [dim_label(first, lang)] + [t("bd_total", lang) if c == "total" else cats.get(c, c) for c in m.columns]
    amount = _amount(unit, lang)
    return View(out, t("bd_col_amount", lang, unit=label), {c: amount for c in out.columns[1:]})
