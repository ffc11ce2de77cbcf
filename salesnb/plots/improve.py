"""Charts of step 4 (improvement)."""
from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from ..i18n import t
from . import finish

__all__ = ["impact_effort"]

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
