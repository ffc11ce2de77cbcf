"""Charts of step 1 (goals): revenue with growth, contribution, forecast, satisfaction, baselines."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ..i18n import UNIT_FACTORS, report_unit, t, unit_label
from ..kpis import KPIS
from ..survey import wilson_interval
from . import finish

__all__ = ["revenue_yoy", "growth_contribution", "forecast", "satisfaction_trend", "benchmarks", "csat_trend", "satisfaction_charts",
           "delivery_trend"]


def _money_axis(unit: str, lang: str) -> tuple[float, str]:
    unit = report_unit(unit, lang)
    return UNIT_FACTORS[unit], t("amount_axis", lang, unit=unit_label(unit, lang))


def revenue_yoy(history: pd.DataFrame, lang: str, unit: str = "万元", last: int = 12):
    """Revenue bars per period with the year-over-year growth line on a second axis
    (``metrics.with_growth`` output, company level)."""
    data = history.tail(last)
    factor, ylabel = _money_axis(unit, lang)
    fig, ax = plt.subplots()
    xs = np.arange(len(data))
    ax.bar(xs, data["revenue"] / factor, color="#4c72b0", label=t("revenue", lang))
    ax.set_xticks(xs, data["period"], rotation=45)
    ax2 = ax.twinx()
    ax2.plot(xs, data["yoy"] * 100, color="#c44e52", marker="o", label=t("gl_yoy_pct", lang))
    ax2.axhline(0, color="#c44e52", linewidth=0.6, linestyle=":")
    ax2.set_ylabel(t("gl_yoy_pct", lang))
    ax2.grid(False)
    lines = ax.get_legend_handles_labels()[0] + ax2.get_legend_handles_labels()[0]
    ax.legend(lines, [t("revenue", lang), t("gl_yoy_pct", lang)], loc="upper left", fontsize=9)
    return finish(ax, t("gl_chart_revenue_yoy", lang), t("quarter", lang), ylabel)


def growth_contribution(contrib: pd.DataFrame, by: str, lang: str, period, unit: str = "万元", top: int = 12):
    """Each group's change in revenue against a year earlier (the ``top`` largest groups): who drove the change."""
    data = contrib.head(top).sort_values("change")
    factor, _ = _money_axis(unit, lang)
    unit = unit_label(report_unit(unit, lang), lang)
    fig, ax = plt.subplots(figsize=(8.5, max(3.0, 0.45 * len(data) + 1.2)))
    colors = ["#c44e52" if v < 0 else "#55a868" for v in data["change"]]
    ax.barh(data[by].astype(str), data["change"] / factor, color=colors)
    for y, (v, share) in enumerate(zip(data["change"] / factor, data["growth_share"])):
        ax.annotate(f"{share * 100:+.0f}%", (v, y), xytext=(4 if v >= 0 else -4, 0), textcoords="offset points",
                    ha="left" if v >= 0 else "right", va="center", fontsize=9)
    ax.axvline(0, color="#444", linewidth=0.8)
    return finish(ax, t("gl_chart_contribution", lang, by=t(by, lang), period=str(period)),
                  t("gl_change_axis", lang, unit=unit), t(by, lang))


def forecast(history: pd.DataFrame, fc: pd.DataFrame, lang: str, unit: str = "万元", last: int = 12):
    """Quarterly revenue history with the next quarters' forecast and its interval band."""
    factor, ylabel = _money_axis(unit, lang)
    hist = history.tail(last)
    fig, ax = plt.subplots()
    n = len(hist)
    ax.plot(range(n), hist["revenue"] / factor, marker="o", color="#4c72b0", label=t("gl_actual", lang))
    xs = np.arange(n, n + len(fc))
    ax.fill_between(xs, fc["low"] / factor, fc["high"] / factor, color="#dd8452", alpha=0.25, label=t("gl_interval", lang))
    ax.plot(xs, fc["forecast"] / factor, marker="o", linestyle="--", color="#dd8452", label=t("gl_forecast", lang))
    ax.set_xticks(list(range(n + len(fc))), list(hist["period"]) + list(fc["period"]), rotation=45)
    ax.legend(fontsize=9, loc="upper left")
    return finish(ax, t("gl_chart_forecast", lang), t("quarter", lang), ylabel)


def satisfaction_trend(history: pd.DataFrame, lang: str):
    """Mean satisfaction (1–5) and complaints per 100 active customers per period.

    Draws the series the history holds: without a satisfaction score (no
    surveys) only the complaint bars, without complaints only the satisfaction
    line; None when it holds neither (there is nothing to draw).
    """
    def series(col: str) -> pd.Series | None:
        return history[col] if col in history and history[col].notna().any() else None

    sat, comp = series("satisfaction_mean"), series("complaints_per_100_customers")
    if sat is None and comp is None:
        return None
    fig, ax = plt.subplots()
    xs = np.arange(len(history))
    handles, labels = [], []
    if sat is not None:
        ax.plot(xs, sat, marker="o", color="#4c72b0", label=t("satisfaction_mean", lang))
        ax.set_ylim(1, 5)
        handles += ax.get_legend_handles_labels()[0]
        labels.append(t("satisfaction_mean", lang))
    ax.set_xticks(xs, history["period"], rotation=45)
    if comp is not None:
        bar_ax = ax.twinx() if sat is not None else ax
        bar_ax.bar(xs, comp, alpha=0.3 if sat is not None else 0.8, color="#c44e52", label=t("gl_complaints_per_100", lang))
        if sat is not None:
            bar_ax.set_ylabel(t("gl_complaints_per_100", lang))
            bar_ax.grid(False)
        handles += bar_ax.get_legend_handles_labels()[0][-1:]
        labels.append(t("gl_complaints_per_100", lang))
    ax.legend(handles, labels, loc="lower left", fontsize=9)
    ylabel = t("score_1_5", lang) if sat is not None else t("gl_complaints_per_100", lang)
    return finish(ax, t("gl_chart_satisfaction", lang), t("quarter", lang), ylabel)


def benchmarks(baselines: pd.DataFrame, lang: str):
    """Current value, industry average, leader and suggested target of each baseline metric, one panel each."""
    fig, axes = plt.subplots(1, len(baselines), figsize=(3.2 * len(baselines) + 1, 3.6))
    axes = np.atleast_1d(axes)
    for ax, row in zip(axes, baselines.itertuples()):
        pct = row.metric == "repurchase_rate"
        names = [t("gl_current", lang), t("gl_industry", lang), t("gl_leader", lang), t("gl_suggested", lang)]
        vals = [row.current, row.industry, row.leader, row.suggested_target]
        vals = [np.nan if v is None else (v * 100 if pct else v) for v in vals]
        ax.bar(names, vals, color=["#4c72b0", "#8c8c8c", "#55a868", "#dd8452"])
        for x, v in enumerate(vals):
            if v == v:
                ax.annotate(f"{v:.1f}" if not pct else f"{v:.0f}%", (x, v), xytext=(0, 2), textcoords="offset points", ha="center", fontsize=9)
            elif x == 0:  # no current value (e.g. a repurchase rate without a whole base year): say so, as the headline does
                ax.annotate(t("not_available", lang), (x, 0), xytext=(0, 2), textcoords="offset points", ha="center", fontsize=9)
        ax.set_title(t(row.metric, lang) if row.metric != "repurchase_rate" else t("gl_repurchase_rate", lang), fontsize=11)
        ax.tick_params(axis="x", rotation=30, labelsize=9)
        ax.set_ylabel("%" if pct else t(KPIS[row.metric].scale.value_axis, lang), fontsize=9)
    fig.suptitle(t("gl_chart_benchmarks", lang))
    fig.tight_layout()
    plt.close(fig)
    return fig


def csat_trend(history: pd.DataFrame, lang: str):
    """Satisfaction top-2-box (share answering 4 or 5) per period with its 95 % Wilson band: the trend
    chart when the surveys do not ask the recommend question (``metrics.satisfaction_history`` output)."""
    data = history.dropna(subset=["satisfaction_top2"])
    bands = [wilson_interval(p, n) for p, n in zip(data["satisfaction_top2"], data["satisfaction_n"])]
    fig, ax = plt.subplots()
    xs = np.arange(len(data))
    ax.fill_between(xs, [100 * lo for lo, _ in bands], [100 * hi for _, hi in bands], alpha=0.2)
    ax.plot(xs, data["satisfaction_top2"] * 100, marker="o")
    for x, (v, n) in enumerate(zip(data["satisfaction_top2"], data["satisfaction_n"])):
        ax.annotate(f"{v * 100:.0f}% (n={int(n)})", (x, v * 100), xytext=(0, 6), textcoords="offset points", ha="center", fontsize=8)
    ax.set_xticks(xs, data["period"], rotation=45)
    ax.set_ylim(0, 105)
    return finish(ax, t("csat_chart_trend", lang), t("quarter", lang), t("csat_axis_top2", lang))


def satisfaction_charts(history: pd.DataFrame, headline: dict, lang: str) -> list:
    """The satisfaction charts of step 1: NPS with its band (when asked) or the top-2-box with its
    band (when not), then mean satisfaction with complaints; none without answers in the period."""
    from . import nps_trend

    if "nps_n" in headline:
        charts = [nps_trend(history, lang), satisfaction_trend(history, lang)] if headline["nps_n"] else []
    else:
        charts = [csat_trend(history, lang), satisfaction_trend(history, lang)] if headline.get("satisfaction_n") else []
    return [c for c in charts if c is not None]


def delivery_trend(history: pd.DataFrame, lang: str, last: int = 12, min_n: int = 30):
    """On-time share of the orders due per quarter (bars, %) with the mean delay of the delivered
    orders on a second axis (days, negative = early): ``metrics.delivery_history`` output. Quarters
    with fewer than ``min_n`` orders due are drawn faint and hatched, without a delay point."""
    data = history.loc[history["orders_due"] > 0].tail(last)
    small = (data["orders_due"] < min_n).to_numpy()
    fig, ax = plt.subplots()
    xs = np.arange(len(data))
    bars = ax.bar(xs, data["on_time_share"] * 100, color="#4c72b0", label=t("on_time_share", lang))
    for b, few in zip(bars, small):
        if few:
            b.set_alpha(0.35)
            b.set_hatch("//")
    for x, (v, n) in enumerate(zip(data["on_time_share"], data["orders_due"])):
        ax.annotate(f"{v * 100:.0f}%\nn={int(n)}", (x, v * 100), xytext=(0, 2), textcoords="offset points", ha="center", fontsize=8)
    ax.set_ylim(0, 118)
    ax.set_xticks(xs, data["period"], rotation=45)
    ax2 = ax.twinx()
    ax2.plot(xs, data["mean_delay_days"].where(~small), color="#c44e52", marker="o", label=t("mean_delay_days", lang))
    ax2.axhline(0, color="#c44e52", linewidth=0.6, linestyle=":")
    ax2.set_ylabel(t("dl_axis_days", lang))
    ax2.grid(False)
    handles = ax.get_legend_handles_labels()[0] + ax2.get_legend_handles_labels()[0]
    ax.legend(handles, [t("on_time_share", lang), t("mean_delay_days", lang)], loc="lower left", fontsize=9)
    return finish(ax, t("dl_chart_trend", lang), t("quarter", lang), t("dl_axis_on_time", lang))
