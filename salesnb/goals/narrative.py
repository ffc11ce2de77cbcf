"""Step 1 in words: the sentences of the report and the labels they use.

Here: how a metric, a scope, a goal and a yearly change read
(:func:`metric_label`, :func:`scope_label`, :func:`goal_label`,
:func:`format_change`), each finding and SMART reason as a sentence, the
``narrate_*`` paragraphs and the definitions. Not here: the numbers they say
(computed in :mod:`salesnb.goals.values`, :mod:`salesnb.goals.bottlenecks`,
:mod:`salesnb.goals.forecast`, :mod:`salesnb.goals.smart`) or display tables
(:mod:`salesnb.goals.views`).
"""
from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from .. import metrics as m
from ..i18n import LABELS, money, number, pct, t
from ..kpis import KPIS
from ..periods import Period
from ..survey import wilson_interval
from .bottlenecks import scope_summary
from .kpi_list import FLOW_METRICS
from .tables import Tables
from .values import retention_at


def metric_label(metric: str, lang: str, dimension_labels: dict[str, str] | None = None) -> str:
    """A metric as a reader knows it: its label in ``lang`` (``nps`` → NPS / 净推荐值 NPS), a survey
    dimension by its configured name, an unknown metric as it is.

    >>> metric_label("satisfaction_mean", "en"), metric_label("churn_rate", "zh"), metric_label("quality", "en", {"quality": "Product quality"})
    ('Satisfaction (1–5, mean)', '客户流失率', 'Product quality')
    """
    if dimension_labels and metric in dimension_labels:
        return dimension_labels[metric]
    return t(metric, lang) if metric in LABELS else metric


def scope_label(scope, lang: str) -> str:
    """A goal's or target's scope as readers say it: the company, or the values it is cut to.

    ``scope`` is ``company``/empty, a ``{column: value}`` mapping or its text ``region=华东, product_line=X``.

    >>> scope_label("company", "en"), scope_label("region=华东, product_line=智能控制系统", "en"), scope_label({"region": "西南"}, "zh")
    ('Company', '华东 · 智能控制系统', '西南')
    """
    if isinstance(scope, dict):
        values = [v for vals in scope.values() for v in (vals if isinstance(vals, (list, tuple)) else [vals])]
    else:
        text = "" if scope is None or scope != scope else str(scope).strip()
        values = [part.split("=", 1)[-1].strip() for part in text.split(",") if part.strip()] if text and text != "company" else []
    return " · ".join(map(str, values)) if values else t("gl_company", lang)


def goal_label(metric: str, scope, lang: str, label: str | None = None, dimension_labels: dict[str, str] | None = None) -> str:
    """A goal as readers name it: its own ``en``/``zh`` label when it has one, else metric · scope in words.

    >>> goal_label("nps", "company", "en"), goal_label("churn_rate", "region=西南", "zh"), goal_label("nps", "company", "en", "Raise NPS")
    ('NPS · Company', '客户流失率 · 西南', 'Raise NPS')
    """
    if label is not None and label == label and str(label).strip():
        return str(label)
    return f"{metric_label(metric, lang, dimension_labels)} · {scope_label(scope, lang)}"


def format_change(metric: str, value: float, lang: str) -> str:
    """A yearly change of ``metric`` as readers expect it: % for amounts,
    percentage points for shares and rates, points for NPS and 1–5 scores, days for delays."""
    if metric in FLOW_METRICS:
        return pct(value, lang, signed=True)
    if metric in ("nps", "satisfaction_mean"):
        return number(value, lang, KPIS[metric].scale.decimals, signed=True) + (" " + t("gl_points", lang))
    if metric == "mean_delay_days":
        return t("dl_days", lang, days=number(value, lang, 1, signed=True))
    return number(100 * value, lang, 1, signed=True) + " " + t("gl_pp", lang)


def goal_reasons(checked: pd.DataFrame, lang: str, unit: str = "万元") -> pd.Series:
    """The ``reason_codes`` of :func:`check_goals` as plain sentences in ``lang``."""
    def render(row) -> str:
        parts = []
        for code, fields in row["reason_codes"]:
            if code.startswith(("gl_r_within_reach", "gl_r_stretch", "gl_r_unrealistic", "gl_r_done_before")):
                fields = {"req": format_change(row["metric"], row["required_change"], lang),
                          "ref": format_change(row["metric"], row["reference_change"], lang)}
            if code == "gl_r_timid_forecast":
                fields = {"fc": money(row["forecast"], unit, lang)}
            parts.append(t(code, lang, **fields))
        return " ".join(parts)

    return checked.apply(render, axis=1) if len(checked) else pd.Series(dtype=str)


def describe_bottlenecks(findings: pd.DataFrame, lang: str, dimension_labels: dict[str, str] | None = None) -> pd.Series:
    """One plain sentence per finding, in ``lang``, with its evidence numbers."""
    labels = dimension_labels or {}

    def where(row) -> str:
        return t("gl_company", lang) if row["scope_type"] == "company" else str(row["scope"])

    def sentence(row) -> str:
        k = row["kind"]
        fields = {"where": where(row)}
        if k == "weak_acquisition":
            fields |= {"cur": number(row["current"], lang), "prev": number(row["previous"], lang), "change": pct(row["current"] / row["previous"] - 1, lang, signed=True)}
        elif k == "rising_churn":
            fields |= {"cur": pct(row["current"], lang), "prev": pct(row["previous"], lang)}
        elif k == "falling_nps":
            fields |= {"cur": number(row["current"], lang, 1), "prev": number(row["previous"], lang, 1), "n": int(row["n"]), "z": number(row["z"], lang, 1)}
        elif k == "falling_dimension":
            dim = labels.get(row["metric"], t("satisfaction_mean", lang) if row["metric"] == "satisfaction" else row["metric"])
            fields |= {"dim": dim, "cur": number(row["current"], lang, 2), "prev": number(row["previous"], lang, 2)}
        elif k == "late_delivery":
            fields |= {"share": pct(row["late_share"], lang), "n": number(row["orders_due"], lang), "days": number(row["mean_days_late"], lang, 1),
                       "prev": pct(1 - row["previous"], lang) if row["previous"] == row["previous"] else t("not_available", lang)}
        elif k == "rising_complaints":
            fields |= {"cat": row["metric"], "cur": number(row["current"], lang), "prev": number(row["previous"], lang)}
        elif k == "promise_broken":
            fields |= {"share": pct(row["current"], lang), "prev": pct(row["previous"], lang), "hours": number(row["median_hours"], lang)}
        elif k == "revenue_fall":
            fields |= {"change": pct(row["growth"], lang, signed=True), "period": row["period"], "before": row["compared_with"]}
        elif k == "growth_stall":
            fields |= {"where": str(row["scope"]), "cur": pct(row["current"], lang, signed=True), "prev": pct(row["previous"], lang, signed=True)}
            if row["previous"] != row["previous"]:  # no year before to compare with: the sentence says so instead of a dash
                return t("gl_finding_growth_stall_first", lang, **fields)
        return t("dl_finding_late_delivery" if k == "late_delivery" else f"gl_finding_{k}", lang, **fields)

    return findings.apply(sentence, axis=1) if len(findings) else pd.Series(dtype=str)


def narrate_cagr(result: "m.CAGRResult", lang: str) -> str:
    """The CAGR sentence, saying when history is shorter than asked."""
    if result.years < 2:
        return t("gl_narr_cagr_none", lang, years=result.years)
    fields = {"cagr": pct(result.cagr, lang, signed=True), "first": result.first_year, "last": result.last_year}
    if result.shorter_than_requested:
        return t("gl_narr_cagr_short", lang, years=result.years, requested=result.requested_years, **fields)
    return t("gl_narr_cagr", lang, **fields)


def narrate_contribution(contrib: pd.DataFrame, by: str, lang: str, unit: str = "万元", year_ago: bool = True) -> str:
    """Who drove the change and which group pulled the other way (or moved least).

    ``year_ago`` is False when the data does not cover the same period a year
    earlier in full (:meth:`Tables.covers`): there is then no change to explain.
    """
    if not year_ago or contrib.empty or contrib["revenue_prev_year"].sum() <= 0:
        return t("gl_no_prev_year", lang)
    top = contrib.loc[contrib["change"].idxmax()]
    worst = contrib.loc[contrib["change"].idxmin()]
    return t("gl_narr_contribution", lang, top=top[by], share=pct(top["growth_share"], lang), worst=worst[by],
             worst_change=("+" if worst["change"] >= 0 else "") + money(worst["change"], unit, lang))


def narrate_bottlenecks(findings: pd.DataFrame, lang: str, dimension_labels: dict[str, str] | None = None,
                        months_of_history: int | None = None) -> str:
    """How many findings, the most severe one, and the scope with the heaviest total.

    With no findings and less than 24 months of history, it says the scan
    could not compare two years rather than that all is well; with findings,
    that only levels were checked.
    """
    short = months_of_history is not None and months_of_history < 24
    if findings.empty:
        if short:
            return t("gl_narr_bottlenecks_short", lang, have=months_of_history)
        return t("gl_narr_no_bottlenecks", lang)
    worst = scope_summary(findings).iloc[0]
    top = describe_bottlenecks(findings.head(1), lang, dimension_labels).iloc[0].rstrip("。.")  # the sentence adds its own full stop
    text = t("gl_narr_bottlenecks", lang, n=len(findings), top=top,
             scope=worst["scope"] or t("gl_company", lang), scope_n=int(worst["findings"]))
    return text + (" " + t("gl_narr_levels_and_fall", lang, have=months_of_history) if short else "")


def narrate_forecast(forecasts: pd.DataFrame, lang: str, unit: str = "万元") -> str:
    """Next four quarters' company forecast with its interval and method."""
    f = forecasts.loc[forecasts["scope_type"] == "company"]
    return t("gl_narr_forecast", lang, method=t(f"gl_method_{f['method'].iloc[0]}", lang), total=money(f["forecast"].sum(), unit, lang),
             low=money(f["low"].sum(), unit, lang), high=money(f["high"].sum(), unit, lang))


def narrate_goals(checked: pd.DataFrame, lang: str) -> str:
    """Counts of goals by verdict."""
    if checked.empty:
        return t("gl_no_goals", lang)
    v = checked["verdict"].value_counts()
    return t("gl_narr_goals", lang, n=len(checked), sound=int(v.get("sound", 0)), stretch=int(v.get("stretch", 0)),
             unrealistic=int(v.get("unrealistic", 0)), timid=int(v.get("too_timid", 0)), revise=int(v.get("revise", 0)))


def narrate_customers(tables: Tables, period: Period, lang: str) -> str:
    """New customers, repurchase, churn and repeat purchase of the period, in one sentence."""
    nc = m.new_customers(tables.sales, period)
    r = retention_at(tables, period)
    if r.repurchase_rate != r.repurchase_rate:
        return t("gl_narr_customers_short", lang, new=number(nc["new_customers"], lang), period=str(period),
                 new_share=pct(nc["new_customer_revenue_share"], lang), months=2 * tables.window_months,
                 have=tables.months_of_history(), repeat=pct(r.repeat_purchase_rate, lang))
    return t("gl_narr_customers", lang, new=number(nc["new_customers"], lang), period=str(period),
             new_share=pct(nc["new_customer_revenue_share"], lang), base=number(r.base_customers, lang),
             repurchase=pct(r.repurchase_rate, lang), churn=pct(r.churn_rate, lang), repeat=pct(r.repeat_purchase_rate, lang))


def narrate_concentration(tables: Tables, period: Period, lang: str, top_n: int = 10) -> str:
    """Top-N share and the customer Pareto of the period."""
    c = m.concentration(tables.sales, period, top_n)
    return t("gl_narr_concentration", lang, n=top_n, top_share=pct(c.top_n_share, lang), period=str(period),
             k=number(c.customers_for_80, lang), k_share=pct(c.share_of_customers_for_80, lang))


def narrate_revenue(headline: Mapping[str, float], period: Period, unit: str, lang: str) -> str:
    """The opening sentence of step 1: the period's revenue, its change on a year earlier, orders and customers.

    Without the same period a year earlier in the data the sentence says so instead of showing "n/a".

    Examples
    --------
    >>> h = {"revenue": 2_117_546.64, "revenue_yoy": float("nan"), "orders": 4366, "active_customers": 2161}
    >>> narrate_revenue(h, Period.parse("2011Q3"), "thousand", "en")[:80]
    'Revenue in 2011Q3 was 2,117.5 thousand (no data for the same period a year earli'
    """
    fields = dict(period=period, revenue=money(headline["revenue"], unit, lang), orders=number(headline["orders"], lang),
                  customers=number(headline["active_customers"], lang))
    yoy = headline.get("revenue_yoy")
    if yoy is None or yoy != yoy:
        return t("narr_revenue_no_yoy", lang, **fields)
    return t("narr_revenue", lang, yoy=pct(yoy, lang, signed=True), **fields)


def narrate_satisfaction(headline: Mapping[str, float], period: Period, lang: str) -> str:
    """The satisfaction headline of ``period``: NPS with its interval, or — when the surveys do not ask
    the recommend question — the 1–5 satisfaction mean and top-2-box with its Wilson interval, saying
    that satisfaction stands in for NPS; "no survey answers" when there are none.

    Examples
    --------
    >>> narrate_satisfaction({"satisfaction_mean": 4.0, "satisfaction_top2": 0.5, "satisfaction_n": 100}, Period.parse("2025Q4"), "en")[:62]
    'The surveys have no 0–10 recommend question, so there is no NP'
    """
    if "nps_n" in headline:
        if not headline["nps_n"]:
            return t("no_surveys", lang, period=period)
        return t("narr_nps", lang, period=period, nps=number(headline["nps"], lang, 1), low=number(headline["nps_ci_low"], lang, 1),
                 high=number(headline["nps_ci_high"], lang, 1), n=headline["nps_n"])
    n = int(headline.get("satisfaction_n") or 0)
    if not n:
        return t("no_surveys", lang, period=period)
    low, high = wilson_interval(headline["satisfaction_top2"], n)
    return t("csat_no_nps", lang) + " " + t("csat_narr", lang, period=period, mean=number(headline["satisfaction_mean"], lang, 2),
                                           top2=pct(headline["satisfaction_top2"], lang), low=pct(low, lang), high=pct(high, lang), n=number(n, lang))


def _days(value: float, lang: str) -> str:
    """A signed delay as words: "9.0 days early" / "2.0 days late" (提前 / 晚)."""
    if value != value:
        return t("not_available", lang)
    return t("dl_days_early" if value < 0 else "dl_days_late", lang, days=number(abs(value), lang, 1))


def narrate_delivery(history: pd.DataFrame, period: Period, lang: str, min_n: int = 30) -> str:
    """Deliveries of the orders placed in ``period`` against their promise, and the on-time share a quarter
    and a year before (:func:`salesnb.metrics.delivery_history` by quarter; "too few orders" below ``min_n``).

    Examples
    --------
    >>> h = pd.DataFrame({"period": ["2025Q3", "2025Q4"], "orders_due": [10, 20], "orders_on_time": [9, 15], "orders_late": [1, 4],
    ...                   "orders_overdue": [0, 1], "on_time_share": [0.9, 0.75], "mean_delay_days": [-3.0, -1.5],
    ...                   "median_delay_days": [-3.0, -2.0], "mean_days_late": [2.0, 4.0], "not_delivered_share": [0.0, 0.05]})
    >>> narrate_delivery(h, Period.parse("2025Q4"), "en").split(";")[0]
    '75.0% of the 20 orders placed in 2025Q4 and due arrived on or before the promised day (4 late, 1 not delivered past the promise)'
    """
    q = period.quarters()[-1] if period.is_quarter else None
    label = str(q) if q is not None else None
    rows = history.set_index("period")
    if label not in rows.index or not rows.loc[label, "orders_due"]:
        return t("dl_none", lang, period=period)
    r = rows.loc[label]
    def earlier(p: Period) -> str:
        if str(p) not in rows.index or not rows.loc[str(p), "orders_due"]:
            return t("not_available", lang)
        due = int(rows.loc[str(p), "orders_due"])
        return pct(rows.loc[str(p), "on_time_share"], lang) if due >= min_n else t("too_few_orders", lang, n=due)

    return t("dl_narr", lang, period=label, share=pct(r["on_time_share"], lang), due=number(r["orders_due"], lang), late=number(r["orders_late"], lang),
             overdue=number(r["orders_overdue"], lang), delay=_days(r["mean_delay_days"], lang), median=_days(r["median_delay_days"], lang),
             days_late=number(r["mean_days_late"], lang, 1), prev=earlier(q.shift(-1)), prev_year=earlier(q.year_ago()))


def definitions(lang: str, window_months: int, promise_hours: float, *, nps_asked: bool = True, response_times: bool = True,
                delivery: bool = False) -> list[str]:
    """The definitions under step 1, for what the workspace measures (NPS or satisfaction only, response times, deliveries)."""
    out = [t("def_revenue", lang), t("def_active", lang), t("gl_def_new", lang), t("gl_def_retention", lang, w=window_months)]
    out += [t("def_nps", lang)] if nps_asked else []
    out += [t("def_satisfaction", lang)]
    out += [t("def_response", lang, hours=promise_hours)] if response_times else []
    out += [t("dl_def", lang)] if delivery else []
    return out + [t("gl_def_bottlenecks", lang), t("gl_def_smart", lang)]
