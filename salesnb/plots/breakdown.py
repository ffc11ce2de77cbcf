"""Charts of step 2 (breakdown): the target matrix, targets against actuals,
monthly phasing, customer tiers and budget per unit of target.

Every function takes plain DataFrames (the tables of :mod:`salesnb.breakdown`),
returns a titled matplotlib ``Figure`` with labelled axes and units, and
writes in the report language.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ..facts import budget_ratios, show
from ..i18n import LABELS, UNIT_FACTORS, report_unit, t, unit_label
from . import finish, heatmap

__all__ = ["target_heatmap", "targets_vs_base", "monthly_targets", "tier_shares", "budget_ratio"]

_PALETTE = ["#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860", "#da8bc3", "#8c8c8c", "#ccb974", "#64b5cd"]


def _money(unit: str, lang: str) -> tuple[float, str]:
    shown = report_unit(unit, lang)
    return UNIT_FACTORS[shown], unit_label(shown, lang)


def _label(dim: str, node, lang: str) -> str:
    if dim == "customer_type" and node in ("new", "existing"):
        return t(f"bd_ct_{node}", lang)
    return str(node)


def _dim(dim: str, lang: str, inline: bool = False) -> str:
    """A dimension's name; ``inline`` lower-cases English for use inside a sentence."""
    name = t(dim, lang) if dim in LABELS else dim
    return name.lower() if inline and lang == "en" else name


def target_heatmap(cells: pd.DataFrame, rows: str, cols: str, lang: str, plan: str, unit: str = "万元"):
    """Targets of ``rows`` × ``cols`` (e.g. region × product line) as an annotated heat map."""
    factor, label = _money(unit, lang)
    m = cells.pivot_table(index=rows, columns=cols, values="target", aggfunc="sum", fill_value=0.0) / factor
    m = m.loc[m.sum(axis=1).sort_values(ascending=False).index, m.sum(axis=0).sort_values(ascending=False).index]
    m.index = [_label(rows, v, lang) for v in m.index]
    m.columns = [_label(cols, v, lang) for v in m.columns]
    fmt = ",.0f" if factor <= 10_000 else ",.1f"
    return heatmap(m, title=t("bd_chart_matrix", lang, plan=plan, unit=label), xlabel=_dim(cols, lang), ylabel=_dim(rows, lang),
                   fmt=fmt, cmap="Blues")


def targets_vs_base(margin: pd.DataFrame, dim: str, lang: str, plan: str, base: str, unit: str = "万元"):
    """Actual (base window) and target per node of ``dim``, with the implied growth above each target bar.

    ``margin`` is ``Plan.margin(dim)``: indexed by node with ``base``, ``target``, ``growth``.
    """
    factor, label = _money(unit, lang)
    data = margin.sort_values("target", ascending=False)
    xs = np.arange(len(data))
    fig, ax = plt.subplots()
    w = 0.38
    ax.bar(xs - w / 2, data["base"] / factor, width=w, color="#a6bddb", label=t("bd_legend_base", lang, base=base))
    bars = ax.bar(xs + w / 2, data["target"] / factor, width=w, color="#4c72b0", label=t("bd_legend_target", lang, plan=plan))
    for b, g in zip(bars, data["growth"]):
        if g == g:
            ax.annotate(f"{g * 100:+.1f}%", (b.get_x() + b.get_width() / 2, b.get_height()), xytext=(0, 3),
                        textcoords="offset points", ha="center", fontsize=8, color="#c44e52" if g < 0 else "#333")
    ax.set_xticks(xs, [_label(dim, v, lang) for v in data.index], rotation=30 if len(data) > 6 else 0)
    ax.legend(fontsize=9)
    ax.margins(y=0.12)
    return finish(ax, t("bd_chart_vs_base", lang, plan=plan, base=base, dim=_dim(dim, lang, True)), _dim(dim, lang),
                  t("bd_axis_amount", lang, unit=label))


def monthly_targets(by_period: pd.DataFrame, dim: str, lang: str, plan: str, unit: str = "万元"):
    """Stacked monthly targets per node of ``dim`` (``Plan.by_period(dim)``: nodes × periods, plus ``total``)."""
    factor, label = _money(unit, lang)
    data = by_period.drop(columns=[c for c in ("total",) if c in by_period.columns])
    data = data.loc[[i for i in data.index if i != "total"]]
    periods = list(data.columns)
    xs = np.arange(len(periods))
    fig, ax = plt.subplots()
    bottom = np.zeros(len(periods))
    for i, (node, row) in enumerate(data.iterrows()):
        vals = row.to_numpy(dtype=float) / factor
        ax.bar(xs, vals, bottom=bottom, color=_PALETTE[i % len(_PALETTE)], label=_label(dim, node, lang), width=0.7)
        bottom += vals
    ax.set_xticks(xs, [p[-2:] if len(p) == 7 else p for p in periods])
    ax.legend(fontsize=8, ncols=min(3, len(data)), loc="upper left")
    ax.margins(y=0.15)
    return finish(ax, t("bd_chart_monthly", lang, plan=plan, dim=_dim(dim, lang, True)), t("bd_col_month", lang),
                  t("bd_axis_amount", lang, unit=label))


def tier_shares(summary: pd.DataFrame, lang: str):
    """Share of customers and share of revenue per tier (``breakdown.tier_summary`` output)."""
    data = summary.iloc[::-1]
    ys = np.arange(len(data))
    fig, ax = plt.subplots(figsize=(8.5, max(3.0, 0.7 * len(data) + 1.2)))
    h = 0.38
    ax.barh(ys + h / 2, data["customer_share"] * 100, height=h, color="#a6bddb", label=t("bd_col_customer_share", lang))
    ax.barh(ys - h / 2, data["revenue_share"] * 100, height=h, color="#4c72b0", label=t("bd_col_revenue_share", lang))
    for y, (c, r) in enumerate(zip(data["customer_share"], data["revenue_share"])):
        ax.annotate(f"{c * 100:.0f}%", (c * 100, y + h / 2), xytext=(3, 0), textcoords="offset points", va="center", fontsize=8)
        ax.annotate(f"{r * 100:.0f}%", (r * 100, y - h / 2), xytext=(3, 0), textcoords="offset points", va="center", fontsize=8)
    ax.set_yticks(ys, data["label"])
    ax.legend(fontsize=9, loc="upper right")
    ax.margins(x=0.12)
    return finish(ax, t("bd_chart_tiers", lang), t("bd_axis_share", lang), t("bd_col_tier", lang))


def budget_ratio(efficiency: pd.DataFrame, by: list[str], lang: str, top: int = 24):
    """Budget as a percentage of target per part, coloured by flag, with the company's level
    (``breakdown.budget_efficiency`` output)."""
    data = efficiency.sort_values("rank").head(top).iloc[::-1]
    # the budget spread across the parts against the whole target: the fact ``budget_to_target_spread``
    company = budget_ratios(float("nan"), float(efficiency["budget"].sum()), float(efficiency["target"].sum()))[1]
    colors = {"over": "#c44e52", "under": "#dd8452", "ok": "#4c72b0"}
    fig, ax = plt.subplots(figsize=(8.5, max(3.0, 0.32 * len(data) + 1.4)))
    ys = np.arange(len(data))
    ax.barh(ys, data["budget_to_target"] * 100, color=[colors.get(f, "#4c72b0") for f in data["flag"]])
    ax.set_yticks(ys, [" · ".join(_label(d, r[d], lang) for d in by) for _, r in data.iterrows()], fontsize=8)
    ax.axvline(company * 100, color="#333", linestyle="--", linewidth=1, label=t("bd_legend_company", lang, value=show(company, lang, "share1")))
    from matplotlib.patches import Patch

    handles = [ax.get_legend_handles_labels()[0][0]] + [Patch(color=colors[k], label=t(f"bd_budget_{k}", lang)) for k in ("ok", "over", "under")]
    ax.legend(handles=handles, fontsize=8, loc="lower right")
    return finish(ax, t("bd_chart_budget", lang, dim=" × ".join(_dim(d, lang, True) for d in by)), t("bd_axis_budget_ratio", lang),
                  " × ".join(_dim(d, lang) for d in by))
