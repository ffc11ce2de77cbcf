"""Charts in the report language, with a real CJK font for Chinese.

The theme, generic charts and the foundation charts live here; each step
adds its own charts in a submodule (``salesnb.plots.goals``,
``salesnb.plots.breakdown``, ``salesnb.plots.diagnosis``,
``salesnb.plots.improve``) built on :func:`bar`, :func:`line`,
:func:`heatmap` and :func:`finish`.

Call :func:`use_theme` once per notebook (after any ``seaborn.set_theme``,
which resets fonts). Every chart function takes a tidy DataFrame and returns
the matplotlib ``Figure``, titled and labelled with units.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns
from matplotlib import font_manager

from ..webfont import cjk_font_file
from ..i18n import UNIT_FACTORS, report_unit, t, unit_label

__all__ = [
    "use_theme", "cjk_font_path", "figure_title", "CJK_FAMILY", "bar", "line", "interval_line", "heatmap", "finish",
    "revenue_trend", "revenue_heatmap", "nps_trend", "nps_by_group", "dimension_scores", "complaint_categories", "response_heatmap",
]

CJK_FAMILY = "Noto Sans CJK SC"


@lru_cache(maxsize=1)
def cjk_font_path() -> Path:
    """Path of the bundled Noto Sans CJK SC font (:func:`salesnb.webfont.cjk_font_file`), registered with matplotlib."""
    path = cjk_font_file()
    font_manager.fontManager.addfont(str(path))
    return path


def use_theme(lang: str = "en") -> None:
    """Seaborn's whitegrid theme with a font that has both Latin and CJK glyphs.

    The CJK font is set for both languages, so Chinese region names in an
    English report still render.
    """
    sns.set_theme(style="whitegrid", context="notebook")
    cjk_font_path()
    plt.rcParams["font.family"] = "sans-serif"
    plt.rcParams["font.sans-serif"] = [CJK_FAMILY, "DejaVu Sans"]
    plt.rcParams["axes.unicode_minus"] = False
    plt.rcParams["text.parse_math"] = False  # data text ($, \\, _, ^, %, {}) is drawn as written, never parsed as mathtext
    plt.rcParams["figure.dpi"] = 100
    plt.rcParams["savefig.dpi"] = 100
    plt.rcParams["figure.figsize"] = (8.5, 4.2)
    # the bundled CJK font has one weight: larger titles instead of a faux bold
    plt.rcParams["axes.titleweight"] = "normal"
    plt.rcParams["axes.titlesize"] = "large"


def figure_title(fig) -> str:
    """The title of ``fig`` as one line (its suptitle, then every axes title, joined with "; "), "" when untitled;
    the leadership HTML uses it as the chart's alt text.

    Examples
    --------
    >>> fig, (a, b) = plt.subplots(1, 2)
    >>> _ = a.set_title("Revenue"), b.set_title("NPS", loc="left")
    >>> figure_title(fig)
    'Revenue; NPS'
    >>> plt.close(fig)
    """
    parts = []
    sup = getattr(fig, "_suptitle", None)
    if sup is not None and sup.get_text().strip():
        parts.append(sup.get_text().strip())
    for ax in fig.get_axes():
        for loc in ("center", "left", "right"):
            text = ax.get_title(loc=loc).strip()
            if text and text not in parts:
                parts.append(text)
    return "; ".join(" ".join(p.split()) for p in parts)


def finish(ax, title: str, xlabel: str, ylabel: str):
    """Title and label ``ax``, tighten the layout, close the figure (so it shows once) and return it."""
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    fig = ax.figure
    fig.tight_layout()
    plt.close(fig)
    return fig


def bar(data: pd.DataFrame, x: str, y: str, *, title: str, xlabel: str, ylabel: str, hue: str | None = None,
        horizontal: bool = False, value_format: str | None = None):
    """Bar chart of ``y`` by ``x`` (optionally split by ``hue``)."""
    fig, ax = plt.subplots()
    if horizontal:
        sns.barplot(data=data, y=x, x=y, hue=hue, ax=ax, orient="h", errorbar=None)
        xlabel, ylabel = ylabel, xlabel
    else:
        sns.barplot(data=data, x=x, y=y, hue=hue, ax=ax, errorbar=None)
    if value_format and hue is None:
        for container in ax.containers:
            ax.bar_label(container, fmt=value_format, fontsize=9, padding=2)
    if hue is not None:
        ax.legend(title=None, fontsize=9, ncols=min(4, data[hue].nunique()))
    return finish(ax, title, xlabel, ylabel)


def line(data: pd.DataFrame, x: str, y: str, *, title: str, xlabel: str, ylabel: str, hue: str | None = None):
    """Line chart of ``y`` over ``x`` (one line per ``hue``)."""
    fig, ax = plt.subplots()
    sns.lineplot(data=data, x=x, y=y, hue=hue, marker="o", ax=ax, errorbar=None, sort=False)
    ax.tick_params(axis="x", rotation=45)
    if hue is not None:
        ax.legend(title=None, fontsize=9, ncols=min(3, data[hue].nunique()))
    return finish(ax, title, xlabel, ylabel)


def interval_line(data: pd.DataFrame, x: str, y: str, low: str, high: str, *, title: str, xlabel: str, ylabel: str):
    """Line of ``y`` with a shaded ``low``–``high`` band (e.g. NPS and its 95 % interval)."""
    fig, ax = plt.subplots()
    xs = list(range(len(data)))
    ax.fill_between(xs, data[low], data[high], alpha=0.2)
    ax.plot(xs, data[y], marker="o")
    ax.set_xticks(xs, data[x].astype(str), rotation=45)
    return finish(ax, title, xlabel, ylabel)


def heatmap(matrix: pd.DataFrame, *, title: str, xlabel: str, ylabel: str, fmt: str = ".0f", cmap: str = "RdYlGn_r", center: float | None = None):
    """Annotated heat map of a small matrix (rows × columns)."""
    fig, ax = plt.subplots(figsize=(max(6, 0.8 * matrix.shape[1] + 2.5), max(3, 0.45 * matrix.shape[0] + 1.5)))
    sns.heatmap(matrix, annot=True, fmt=fmt, cmap=cmap, center=center, cbar=False, ax=ax, linewidths=0.5)
    ax.tick_params(axis="x", rotation=45)
    ax.tick_params(axis="y", rotation=0)
    return finish(ax, title, xlabel, ylabel)


# ---- domain charts: each takes a metrics table and returns a titled Figure ----

def _scale(values: pd.Series, unit: str) -> pd.Series:
    return values / UNIT_FACTORS[unit]


def _unit(unit: str, lang: str) -> str:
    return report_unit(unit, lang)


def revenue_trend(history: pd.DataFrame, lang: str, unit: str = "万元"):
    """Revenue per period (``metrics.sales_history`` output, no grouping)."""
    unit = _unit(unit, lang)
    data = history.assign(revenue_scaled=_scale(history["revenue"], unit))
    fig = bar(data, "period", "revenue_scaled", title=t("chart_revenue_trend", lang), xlabel=t("quarter", lang),
              ylabel=t("amount_axis", lang, unit=unit_label(unit, lang)))
    fig.axes[0].tick_params(axis="x", rotation=45)
    return fig


def revenue_heatmap(split: pd.DataFrame, lang: str, period, unit: str = "万元"):
    """Region × product line revenue of the period (``metrics.revenue_split`` output)."""
    unit = _unit(unit, lang)
    matrix = split.pivot_table(index="region", columns="product_line", values="revenue", aggfunc="sum", fill_value=0)
    matrix = _scale(matrix, unit)
    shown = unit_label(unit, lang)
    title = t("chart_revenue_region_product", lang, period=str(period)) + (f" ({shown})" if shown else "")
    return heatmap(matrix, title=title, xlabel=t("product_line", lang), ylabel=t("region", lang), fmt=",.0f" if unit in ("元", "千元", "万元") else ",.1f", cmap="Blues")


def nps_trend(nps_hist: pd.DataFrame, lang: str):
    """NPS per period with its 95 % band (``metrics.nps_history`` output, no grouping)."""
    return interval_line(nps_hist, "period", "nps", "ci_low", "ci_high", title=t("chart_nps_trend", lang),
                         xlabel=t("quarter", lang), ylabel=t("nps_axis", lang))


def nps_by_group(table: pd.DataFrame, group: str, lang: str, period):
    """NPS per group with 95 % error bars; unreliable groups (too few answers) hatched."""
    data = table.reset_index().sort_values("nps")
    fig, ax = plt.subplots()
    ys = range(len(data))
    err = [data["nps"] - data["ci_low"], data["ci_high"] - data["nps"]]
    bars = ax.barh(list(ys), data["nps"], xerr=err, capsize=3, color="#4c72b0")
    for b, ok in zip(bars, data["reliable"]):
        if not ok:
            b.set_hatch("//")
            b.set_alpha(0.4)
    ax.set_yticks(list(ys), [f"{g} (n={n})" for g, n in zip(data[group], data["n"])])
    ax.axvline(0, color="#444", linewidth=0.8)
    return finish(ax, t("chart_nps_region", lang, period=str(period)), t("nps_axis", lang), t(group, lang) if group in ("region",) else group)


def dimension_scores(table: pd.DataFrame, labels: dict[str, str], lang: str, period):
    """Mean 1–5 score per dimension (``metrics.csat_table`` output, no grouping)."""
    data = table.assign(label=table["dimension"].map(labels).fillna(table["dimension"])).sort_values("mean")
    fig = bar(data, "label", "mean", title=t("chart_dimensions", lang, period=str(period)), xlabel=t("dimension", lang),
              ylabel=t("score_1_5", lang), horizontal=True, value_format="%.2f")
    fig.axes[0].set_xlim(1, 5)
    return fig


def complaint_categories(shares: pd.DataFrame, lang: str, period):
    """Tickets per category, largest first, with the cumulative share line (Pareto view)."""
    fig, ax = plt.subplots()
    xs = range(len(shares))
    ax.bar(list(xs), shares["tickets"], color="#4c72b0")
    ax.set_xticks(list(xs), shares["category"], rotation=30, ha="right")
    ax2 = ax.twinx()
    ax2.plot(list(xs), shares["cumulative_share"] * 100, color="#c44e52", marker="o")
    ax2.set_ylim(0, 105)
    ax2.set_ylabel("%")
    ax2.grid(False)
    return finish(ax, t("chart_complaints", lang, period=str(period)), t("category", lang), t("count_axis", lang))


def response_heatmap(table: pd.DataFrame, lang: str, until: str | None = None, last: int = 8):
    """Median first-response hours, region × period, for the ``last`` periods up to ``until``."""
    matrix = table.pivot_table(index="region", columns="period", values="median_hours", aggfunc="first")
    cols = sorted(c for c in matrix.columns if until is None or c <= until)
    matrix = matrix[cols[-last:]]
    title = t("chart_response", lang) + f" ({t('hours', lang)})"
    return heatmap(matrix, title=title, xlabel=t("quarter", lang), ylabel=t("region", lang), fmt=".0f")
