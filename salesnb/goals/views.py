"""Step 1's display tables and ``goals.csv``: the headline rows, complaint mix, contribution, deliveries per
region, findings, forecast and the SMART check, formatted in the report's language.

Not here: the computations behind them or the sentences around them
(:mod:`salesnb.goals.narrative`).
"""
from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from .. import metrics as m
from ..i18n import money, number, pct, t
from ..kpis import KPIS
from ..periods import Period
from .kpi_list import _HEADLINE_FORMATS, FLOW_METRICS
from .narrative import describe_bottlenecks, goal_label, goal_reasons


def headline_formats(headline: Mapping[str, float], response_times: bool = True) -> dict[str, str]:
    """The rows of the headline table (metric → format of :func:`salesnb.present.metric_table`) that ``headline`` holds.

    NPS rows appear only when the surveys ask it (:func:`period_metrics` leaves
    them out otherwise), delivery rows only with delivery days, and the late-response
    share only when first responses are recorded (``response_times``).

    Examples
    --------
    >>> list(headline_formats({"revenue": 1.0, "satisfaction_mean": 4.1, "response_over_promise_share": float("nan")}, response_times=False))
    ['revenue', 'satisfaction_mean']
    """
    return {k: v for k, v in _HEADLINE_FORMATS.items() if k in headline and (response_times or k != "response_over_promise_share")}


def complaint_mix_table(mix: pd.DataFrame, lang: str) -> pd.DataFrame:
    """:func:`salesnb.metrics.category_shares` as a display table with headers in ``lang``.

    Examples
    --------
    >>> mix = pd.DataFrame({"category": ["交付延迟"], "tickets": [3], "share": [0.75], "cumulative_share": [0.75]})
    >>> list(complaint_mix_table(mix, "zh").columns)[:2], complaint_mix_table(mix, "en").iloc[0, 2]
    (['类别', '工单数'], '75.0%')
    """
    return pd.DataFrame({t("category", lang): mix["category"].astype(str).to_numpy(),
                         t("tickets", lang): [number(v, lang) for v in mix["tickets"]],
                         t("share", lang): [pct(v, lang) for v in mix["share"]],
                         t("dg_col_cum_share", lang): [pct(v, lang) for v in mix["cumulative_share"]]})


def contribution_table(contrib: pd.DataFrame, by: str, lang: str, unit: str = "万元", top: int = 12, year_ago: bool = True) -> pd.DataFrame:
    """Revenue, share, growth and share of the change per group (the ``top`` largest), formatted for display
    (growth n/a when the data does not cover the year-ago period in full: ``year_ago`` False)."""
    contrib = contrib.head(top)
    if not year_ago:
        contrib = contrib.assign(growth=float("nan"), growth_share=float("nan"))
    return pd.DataFrame({
        t(by, lang): contrib[by],
        t("revenue", lang): [money(v, unit, lang) for v in contrib["revenue"]],
        t("share", lang): [pct(v, lang) for v in contrib["share"]],
        t("revenue_yoy", lang): [pct(v, lang, signed=True) for v in contrib["growth"]],
        t("gl_col_growth_share", lang): [pct(v, lang) for v in contrib["growth_share"]],
    })


def delivery_region_table(sales: pd.DataFrame, period: Period, lang: str, min_n: int = 30) -> pd.DataFrame:
    """On-time share, delays and undelivered share of ``period``'s orders per region, worst first
    (regions with fewer than ``min_n`` orders due after the others), formatted for display."""
    orders = m.delivery_orders(m.sales_in(sales, period), m.data_end(sales))
    h = pd.DataFrame([{"region": r, **m.delivery_kpis(g)} for r, g in orders.groupby("region", sort=True)],
                     columns=["region", *m.delivery_kpis(orders.iloc[:0])])
    h = h.assign(_small=h["orders_due"] < min_n).sort_values(["_small", "on_time_share"], kind="mergesort")
    return pd.DataFrame({
        t("region", lang): h["region"],
        t("dl_col_due", lang): [number(v, lang) for v in h["orders_due"]],
        t("on_time_share", lang): [pct(v, lang) if not small else t("too_few_orders", lang, n=int(n))
                                   for v, small, n in zip(h["on_time_share"], h["_small"], h["orders_due"])],
        t("mean_delay_days", lang): [number(v, lang, 1, signed=True) for v in h["mean_delay_days"]],
        t("mean_days_late", lang): [number(v, lang, 1) for v in h["mean_days_late"]],
        t("not_delivered_share", lang): [pct(v, lang) for v in h["not_delivered_share"]],
    })


def bottleneck_table(findings: pd.DataFrame, lang: str, dimension_labels: dict[str, str] | None = None, top: int = 12) -> pd.DataFrame:
    """The ranked findings as a display table in ``lang``."""
    shown = findings.head(top)
    return pd.DataFrame({
        "#": shown["rank"],
        t("gl_col_kind", lang): [t("dl_kind_late_delivery" if k == "late_delivery" else f"gl_kind_{k}", lang) for k in shown["kind"]],
        t("gl_col_finding", lang): describe_bottlenecks(shown, lang, dimension_labels).to_numpy(),
        t("gl_col_severity", lang): shown["severity"].round(2),
    })


def forecast_table(forecasts: pd.DataFrame, lang: str, unit: str = "万元", top: int = 8) -> pd.DataFrame:
    """Forecast for the next quarters summed per region and product line (the ``top`` largest of each), with the interval."""
    f = forecasts.loc[forecasts["scope_type"] != "company"]
    sums = f.groupby(["scope_type", "scope"], sort=False)[["forecast", "low", "high"]].sum().reset_index()
    sums = sums.sort_values("forecast", ascending=False).groupby("scope_type", sort=False).head(top)
    sums = sums.sort_values(["scope_type", "forecast"], ascending=[False, False])
    return pd.DataFrame({
        t("gl_col_scope", lang): [f"{t(st, lang)} · {sc}" for st, sc in zip(sums["scope_type"], sums["scope"])],
        t("gl_forecast", lang): [money(v, unit, lang) for v in sums["forecast"]],
        t("gl_interval", lang): [f"{money(lo, unit, lang)} – {money(hi, unit, lang)}" for lo, hi in zip(sums["low"], sums["high"])],
    })


def goal_table(checked: pd.DataFrame, lang: str, unit: str = "万元") -> pd.DataFrame:
    """The SMART check as a display table: goal, baseline, target, the five criteria, verdict, reason."""
    def fmt(metric, v):
        if v != v:
            return t("not_available", lang)
        if metric in ("revenue", "aov"):
            return money(v, unit, lang)
        if metric in FLOW_METRICS or metric == "new_customers":
            return number(v, lang)
        if metric in ("nps", "satisfaction_mean"):
            return number(v, lang, KPIS[metric].scale.decimals)
        if metric == "mean_delay_days":
            return t("dl_days", lang, days=number(v, lang, 1, signed=True))
        return pct(v, lang)

    def mark(v):
        return "✓" if v is True else "✗"

    label = [goal_label(mt, sc, lang, lb) for mt, sc, lb in zip(checked["metric"], checked["scope"], checked[f"label_{lang}"])]
    return pd.DataFrame({
        "ID": checked["goal_id"],
        t("gl_col_goal", lang): label,
        t("gl_col_baseline", lang): [f"{fmt(mt, b)} ({bp or '—'})" for mt, b, bp in zip(checked["metric"], checked["baseline"], checked["baseline_period"])],
        t("gl_col_target", lang): [f"{fmt(mt, v)} ({d})" for mt, v, d in zip(checked["metric"], checked["target"], checked["deadline"])],
        "S": checked["specific"].map(mark), "M": checked["measurable"].map(mark),
        "A": [t(f"gl_ach_{a}", lang) for a in checked["achievable"]],
        "R": checked["relevant"].map(mark), "T": checked["time_bound"].map(mark),
        t("gl_col_verdict", lang): [t(f"gl_verdict_{v}", lang) for v in checked["verdict"]],
        t("gl_col_reason", lang): goal_reasons(checked, lang, unit).to_numpy(),
    })


def goals_artifact(checked: pd.DataFrame, lang: str = "en", unit: str = "万元") -> pd.DataFrame:
    """``goals.csv``: one row per goal with the SMART columns and a plain reason."""
    out = checked[["goal_id", "metric", "scope", "baseline_period", "baseline", "target", "deadline", "specific", "measurable",
                   "achievable", "relevant", "time_bound", "verdict"]].copy()
    out["reason"] = goal_reasons(checked, lang, unit).to_numpy()
    return out
