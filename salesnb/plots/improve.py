"""Charts of step 4 (improvement)."""
from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from ..i18n import t
from . import finish

__all__ = ["impact_effort", "on_time_heatmap"]

_COLORS = {"quick_win": "#55a868", "major_project": "#4c72b0", "fill_in": "#dd8452", "thankless": "#8c8c8c"}


def impact_effort(proposals: pd.DataFrame, lang: str, labels: int = 10):
    """Proposed measures placed by effort (x) and impact (y), coloured by class;
    the ``labels`` highest-priority ones are numbered as in the proposals table."""
    fig, ax = plt.subplots(figsize=(8.5, 5))
    jitter = proposals.groupby(["effort", "impact"]).cumcount() * 0.08
    for quadrant, group in proposals.assign(x=proposals["effort"] + jitter.to_numpy()).groupby("quadrant"):
        ax.scatter(group["x"], group["impact"], s=80, color=_COLORS.get(quadrant, "#333"), label=t(f"im_q_{quadrant}", lang), alpha=0.85)
    top = proposals.assign(x=proposals["effort"] + jitter.to_numpy()).nlargest(labels, "priority")
    for row in top.itertuples():
        ax.annotate(str(row.Index + 1), (row.x, row.impact), xytext=(5, 4), textcoords="offset points", fontsize=9)
    ax.axvline(3.5, color="#999", linewidth=0.8, linestyle="--")
    ax.axhline(0.5, color="#999", linewidth=0.8, linestyle="--")
    ax.set_xlim(0.5, 5.7)
    ax.set_ylim(0, 1.08)
    ax.legend(fontsize=9, loc="lower right")
    return finish(ax, t("im_chart_matrix", lang), t("im_axis_effort", lang), t("im_axis_impact", lang))


def on_time_heatmap(history: pd.DataFrame, lang: str, until: str | None = None, last: int = 8, min_n: int = 30, regions: int = 15):
    """On-time delivery (% of orders due), region × quarter of the order, for the ``last`` quarters up to
    ``until`` (``metrics.delivery_history`` by region); cells with fewer than ``min_n`` orders due are blank,
    the ``regions`` regions with the most orders due are shown; None when no cell has enough orders."""
    from . import heatmap

    h = history if until is None else history.loc[history["period"] <= until]
    cols = sorted(h["period"].unique())[-last:]
    h = h.loc[h["period"].isin(cols)]
    top = h.groupby("region")["orders_due"].sum().nlargest(regions).index
    h = h.loc[h["region"].isin(top)]
    matrix = (h.assign(v=(h["on_time_share"] * 100).where(h["orders_due"] >= min_n))
              .pivot_table(index="region", columns="period", values="v", aggfunc="first", dropna=False).reindex(columns=cols))
    matrix = matrix.loc[matrix.notna().any(axis=1)]
    if matrix.empty:  # no region with enough orders: nothing to colour
        return None
    title = t("dl_chart_heatmap", lang, n=min_n)
    return heatmap(matrix, title=title, xlabel=t("quarter", lang), ylabel=t("region", lang), fmt=".0f", cmap="RdYlGn")
