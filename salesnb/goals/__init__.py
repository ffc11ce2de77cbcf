"""Step 1: bottlenecks, a forecast baseline, SMART checks and satisfaction baselines.

Everything here works on the tidy tables of a workspace (``sales``,
``surveys``, ``complaints``) passed in a :class:`Tables` bundle, never on
paths. Comparisons that find bottlenecks use trailing twelve months (TTM)
against the twelve months before, so seasonality cancels out.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from . import metrics as m
from .config import Goal, GoalTarget, WorkspaceConfig
from .i18n import money, number, pct, t
from .periods import Period, period_labels

__all__ = [
    "Tables",
    "BENCHMARK_GOAL_IDS",
    "metric_label",
    "scope_label",
    "goal_label",
    "METRICS",
    "LOWER_IS_BETTER",
    "FLOW_METRICS",
    "metric_value",
    "bottlenecks",
    "forecast_revenue",
    "check_goals",
    "satisfaction_baselines",
    "describe_bottlenecks",
    "goal_reasons",
    "format_change",
    "MAX_EXCESS",
    "period_metrics",
    "bottleneck_table",
    "scope_summary",
    "goal_table",
    "goals_artifact",
    "forecast_all",
    "forecast_for_goals",
    "last_complete_year",
    "until",
    "narrate_cagr",
    "narrate_contribution",
    "contribution_table",
    "narrate_bottlenecks",
    "revenue_falls",
    "narrate_forecast",
    "forecast_table",
    "narrate_goals",
    "narrate_customers",
    "narrate_concentration",
    "DELIVERY_METRICS",
    "headline_formats",
    "narrate_satisfaction",
    "narrate_delivery",
    "delivery_region_table",
    "definitions",
    "retention_at",
]

#: Metrics a goal may name; each is computable by :func:`metric_value`.
METRICS = (
    "revenue", "orders", "active_customers", "aov", "new_customers", "new_customer_revenue_share",
    "repurchase_rate", "churn_rate", "repeat_purchase_rate", "nps", "satisfaction_mean", "satisfaction_top2",
    "complaints", "response_over_promise_share", "on_time_share", "mean_delay_days", "not_delivered_share",
)
#: Metrics where a smaller value is better.
LOWER_IS_BETTER = frozenset({"churn_rate", "complaints", "response_over_promise_share", "mean_delay_days", "not_delivered_share"})
#: Additive per-period amounts (judged by relative growth); the rest are rates (judged in points).
FLOW_METRICS = frozenset({"revenue", "orders", "active_customers", "new_customers", "complaints", "aov"})
_SURVEY = frozenset({"nps", "satisfaction_mean", "satisfaction_top2"})
_COMPLAINT = frozenset({"complaints", "response_over_promise_share"})
#: Delivery KPIs (need ``promised_date`` and ``delivered_date`` on the order lines, :func:`salesnb.metrics.delivery_kpis`).
DELIVERY_METRICS = frozenset({"on_time_share", "mean_delay_days", "not_delivered_share"})
_SCOPES = ("region", "product_line")
#: A finding counts at most this many thresholds beyond the line, so one extreme count cannot swamp the ranking.
MAX_EXCESS = 5.0
#: Metrics whose first year of data is left-censored (every customer looks new, or has no base window).
_NEEDS_A_YEAR = frozenset({"new_customers", "new_customer_revenue_share", "repurchase_rate", "churn_rate"})


@dataclass(frozen=True)
class Tables:
    """The workspace tables step 1 reads (optional ones may be None)."""

    sales: pd.DataFrame
    surveys: pd.DataFrame | None = None
    complaints: pd.DataFrame | None = None
    window_months: int = 12
    promise_hours: float = 48.0
    start_month: int = 1

    @classmethod
    def of(cls, ctx) -> "Tables":
        """The tables of a notebook's :class:`~salesnb.context.StepContext`, cut at the end of its period."""
        m.index_ids(ctx.sales)  # ids coded once on the whole table: every cut and scope below reuses them
        full = cls(ctx.sales, ctx.surveys, ctx.complaints, ctx.config.retention.window_months,
                   ctx.config.thresholds.response_promise_hours, ctx.period.start_month)
        return until(full, ctx.period)

    @property
    def data_start(self) -> pd.Timestamp:
        """First day of the month of the first sale."""
        first = m.first_date(self.sales)
        return pd.Timestamp(first.year, first.month, 1)

    def covers(self, period: Period) -> bool:
        """Whether the sales data starts in or before the first month of ``period``
        (a period the data starts inside of would look smaller than it was)."""
        return len(self.sales) > 0 and period.start >= self.data_start

    def months_of_history(self) -> int:
        """Whole months from the first sale's month to the last sale."""
        last = self.sales["order_date"].max()
        return (last.year - self.data_start.year) * 12 + last.month - self.data_start.month + 1

    def scoped(self, scope: Mapping[str, str | Sequence[str]]) -> "Tables":
        """The same tables filtered to ``scope``: a column → one value or a list of
        values (tables without the column are left out)."""
        def cut(df):
            if df is None:
                return None
            mask = np.ones(len(df), dtype=bool)
            for col, val in scope.items():
                if col not in df:
                    return None
                mask &= df[col].isin([val] if isinstance(val, str) else list(val)).to_numpy()
            return m.select_rows(df, mask)

        if not scope:
            return self
        # the last few scopes asked of these tables are kept (with the sales frame): steps 1 and 4 ask
        # the same region or product line for several metrics, and each cut copies its order lines
        key = (tuple((col, val if isinstance(val, str) else tuple(val)) for col, val in scope.items()),
               self.window_months, self.promise_hours, self.start_month)
        recent = m.kept_with(self.sales).setdefault("scoped", {}) if self.sales is not None else {}
        hit = recent.pop(key, None)
        if hit is not None and hit[0] is self.surveys and hit[1] is self.complaints:
            recent[key] = hit  # most recent last
            return hit[2]
        out = Tables(cut(self.sales), cut(self.surveys), cut(self.complaints), self.window_months, self.promise_hours, self.start_month)
        if out.sales is self.sales:  # the scope keeps every line: nothing to keep (and no reference to the frame itself)
            return out
        recent[key] = (self.surveys, self.complaints, out)
        while len(recent) > _SCOPES_KEPT:
            recent.pop(next(iter(recent)))
        return out


#: How many :meth:`Tables.scoped` results are kept per sales frame.
_SCOPES_KEPT = 4


def metric_value(metric: str, tables: Tables, period: Period) -> float:
    """The value of ``metric`` over ``period`` (NaN when it cannot be computed).

    Examples
    --------
    >>> s = pd.DataFrame({"order_id": ["1", "2"], "customer_id": ["a", "b"], "amount": [10.0, 5.0],
    ...                   "order_date": pd.to_datetime(["2025-01-02", "2025-02-03"])})
    >>> metric_value("revenue", Tables(s), Period.parse("2025Q1"))
    15.0
    """
    nan = float("nan")
    if metric not in METRICS:
        raise KeyError(f"unknown metric {metric!r}; known: {', '.join(METRICS)}")
    if metric in _SURVEY:
        if tables.surveys is None:
            return nan
        cur = tables.surveys.loc[period.contains(tables.surveys["survey_date"])]
        if metric == "nps":
            return m.nps(cur["nps"]).nps if m.has_nps(cur) else nan
        if "satisfaction" not in cur:
            return nan
        c = m.csat(cur["satisfaction"])
        return c.mean if metric == "satisfaction_mean" else c.top2
    if metric in _COMPLAINT:
        if tables.complaints is None:
            return nan
        return float(m.complaint_summary(tables.complaints, period, tables.promise_hours)[metric])
    if tables.sales is None:
        return nan
    if metric in DELIVERY_METRICS:
        if not m.has_delivery(tables.sales):
            return nan
        return float(m.delivery_summary(tables.sales, period)[metric])
    if metric in ("repurchase_rate", "churn_rate"):  # one definition: n/a without a whole base window (retention_at)
        return float(getattr(retention_at(tables, period), metric))
    if metric == "repeat_purchase_rate":
        return float(m.retention(tables.sales, period, tables.window_months).repeat_purchase_rate)
    if metric in ("new_customers", "new_customer_revenue_share"):
        return float(m.new_customers(tables.sales, period)[metric])
    ps = m.period_sales(tables.sales, period)
    return float({"revenue": ps.revenue, "orders": ps.orders, "active_customers": ps.active_customers, "aov": ps.aov}[metric])


# ---------------------------------------------------------------- forecast

def _quarterly(sales: pd.DataFrame, end: Period, by: str | None, start_month: int) -> pd.DataFrame:
    """Revenue per quarter (columns) per node (rows), up to ``end``'s last quarter, gaps as 0."""
    last = end.quarters()[-1]
    mask = (sales["order_date"] < last.end_exclusive).to_numpy()
    keyed = pd.DataFrame({"period": period_labels(sales["order_date"], "quarter", start_month).array[mask],
                          "node": sales[by].array[mask] if by else "total", "amount": sales["amount"].to_numpy()[mask]})
    wide = keyed.pivot_table(index="node", columns="period", values="amount", aggfunc="sum", fill_value=0.0)
    first = Period.parse(wide.columns.min(), start_month) if len(wide.columns) else last
    labels, q = [], first
    while q <= last:
        labels.append(str(q))
        q = q.shift(1)
    return wide.reindex(columns=labels, fill_value=0.0)


def _seasonal_drift(y: np.ndarray, horizon: int) -> tuple[np.ndarray, str]:
    """Point forecasts for ``horizon`` quarters after the series ``y``."""
    n = len(y)
    if n >= 8 and y[-8:-4].sum() > 0:
        drift = y[-4:].sum() / y[-8:-4].sum()
        return np.array([y[n - 4 + (h % 4)] * drift ** (1 + h // 4) for h in range(horizon)]), "seasonal_naive_drift"
    if n >= 4:
        return np.array([y[n - 4 + (h % 4)] for h in range(horizon)]), "seasonal_naive"
    return np.repeat(y.mean() if n else 0.0, horizon), "mean"


def _backtest_sd(y: np.ndarray) -> tuple[float, int]:
    """Standard deviation of log(actual/forecast) of the method over the history, and how many errors."""
    errors = []
    for origin in range(8, len(y)):
        point, _ = _seasonal_drift(y[:origin], min(4, len(y) - origin))
        actual = y[origin:origin + len(point)]
        ok = (point > 0) & (actual > 0)
        errors.extend(np.log(actual[ok] / point[ok]))
    if len(errors) < 3:
        return 0.10, len(errors)
    return max(float(np.std(errors, ddof=1)), 0.03), len(errors)


def forecast_revenue(sales: pd.DataFrame, period: Period, by: str | None = None, horizon: int = 4,
                     start_month: int = 1, level: float = 0.95) -> pd.DataFrame:
    """Revenue forecast for the ``horizon`` quarters after ``period`` with a prediction interval.

    Method: seasonal naive with drift (the same quarter a year earlier × the
    latest twelve months' growth over the twelve before), used when eight or
    more quarters of history exist; seasonal naive with four to seven; the
    mean below that. The interval is empirical: the standard deviation of the
    method's own log errors when back-tested over the history (at least 3 %,
    10 % when fewer than three errors exist), point × exp(±z·sd). It is a
    baseline for judging goals, not a goal.

    Returns one row per node and future quarter: ``node``, ``period``,
    ``forecast``, ``low``, ``high``, ``method``, ``errors`` (back-test size).
    """
    from statistics import NormalDist

    z = NormalDist().inv_cdf(0.5 + level / 2)
    wide = _quarterly(sales, period, by, start_month)
    last = period.quarters()[-1]
    future = [str(last.shift(h + 1)) for h in range(horizon)]
    rows = []
    for node, series in wide.iterrows():
        y = series.to_numpy(dtype=float)
        point, method = _seasonal_drift(y, horizon)
        sd, n_err = _backtest_sd(y)
        for h, label in enumerate(future):
            rows.append({"node": node, "period": label, "forecast": point[h], "low": point[h] * math.exp(-z * sd),
                         "high": point[h] * math.exp(z * sd), "method": method, "errors": n_err})
    out = pd.DataFrame(rows, columns=["node", "period", "forecast", "low", "high", "method", "errors"])
    if by:
        out = out.rename(columns={"node": by})
    return out


# ---------------------------------------------------------------- bottlenecks

def _ttm(end: pd.Timestamp, months: int = 12) -> tuple[pd.Timestamp, pd.Timestamp, pd.Timestamp]:
    cur = end - pd.DateOffset(months=months)
    return cur - pd.DateOffset(months=months), cur, end


def _between(df: pd.DataFrame, col: str, lo: pd.Timestamp, hi: pd.Timestamp) -> pd.DataFrame:
    return m.select_rows(df, ((df[col] >= lo) & (df[col] < hi)).to_numpy())


def _finding(kind, scope_type, scope, metric, current, previous, threshold, excess, share, **evidence):
    return {"kind": kind, "scope_type": scope_type, "scope": scope, "metric": metric, "current": current,
            "previous": previous, "change": (current - previous) if previous == previous and current == current else float("nan"),
            "threshold": threshold, "excess": excess, "revenue_share": share, **evidence}


def bottlenecks(tables: Tables, period: Period, config: WorkspaceConfig, dimensions: list[str] | None = None) -> pd.DataFrame:
    """Scan the history for sales bottlenecks and customer pain points (销售瓶颈 and 痛点).

    Compares the twelve months ending with ``period`` (TTM) with the twelve
    before, company-wide and per region (and per product line for growth):

    - ``weak_acquisition``: new customers (first-ever purchase) fell by at least ``new_customers_drop``;
    - ``rising_churn``: churn rate (``retention`` windows) rose by at least ``churn_rise_points``;
    - ``growth_stall``: revenue growth at or below ``growth_stall`` after growing above it the year before;
    - ``falling_nps``: NPS fell by at least ``nps_drop_points`` (both years with n ≥ ``min_group_n``);
    - ``falling_dimension``: a 1–5 dimension mean fell by at least ``dimension_drop``;
    - ``rising_complaints``: a complaint category rose by at least ``complaint_rise`` with ≥ ``complaint_min_tickets``
      tickets and a Poisson z = (now − before)/sqrt(now + before) of at least 2 (its excess is the smaller of rise/threshold and z/2);
    - ``promise_broken``: at least ``promise_broken_share`` of tickets answered later than the promise
      (only when first responses are recorded);
    - ``late_delivery``: at least ``late_delivery_share`` of the orders due (at least ``min_group_n``)
      delivered after the promised day or still undelivered past it (when the order lines carry
      ``promised_date`` and ``delivered_date``).

    When the surveys do not ask the recommend question (no ``nps`` column),
    the overall satisfaction mean (1–5) is scanned like a dimension instead of NPS.

    Changes need the data to start by the first month of the previous twelve
    months; with less history the levels (``promise_broken``,
    ``late_delivery``) are checked, and a steep fall of revenue on a shorter
    span (:func:`revenue_falls`):

    - ``revenue_fall``: the report's last quarter's revenue fell by at least
      ``revenue_fall`` against the same quarter a year earlier (when the data
      covers it; else against the quarter before), company-wide and per region.

    Each finding carries its evidence numbers; ``severity`` = ``excess`` (how
    many thresholds beyond the line it is, between 1 and :data:`MAX_EXCESS`) × the square root of the
    scope's revenue share (1 for the company), so a large miss in a small
    region can outrank a small miss company-wide. Sorted by severity.
    """
    th = config.bottlenecks
    min_n = config.thresholds.min_group_n
    sales = tables.sales
    prev_lo, cur_lo, end = _ttm(period.end_exclusive)
    cur_sales = _between(sales, "order_date", cur_lo, end)
    total_rev = cur_sales["amount"].sum()
    region_share = (cur_sales.groupby("region")["amount"].sum() / total_rev) if total_rev else pd.Series(dtype=float)
    scopes = [("company", "", 1.0)] + [("region", r, float(region_share.get(r, 0.0))) for r in sorted(sales["region"].dropna().unique())]
    deliveries = m.delivery_orders(sales) if m.has_delivery(sales) else None
    # changes against the year before need data from the start of the previous twelve months; with less,
    # the earlier window is partly empty (every count "rises from 0"): only levels are checked
    compare = len(sales) > 0 and tables.data_start <= prev_lo
    findings = []

    for scope_type, scope, share in scopes:
        sub = tables if scope_type == "company" else tables.scoped({"region": scope})
        s = sub.sales
        # new-customer acquisition
        first = m.first_purchase(s)
        n_cur = int(((first >= cur_lo) & (first < end)).sum())
        n_prev = int(((first >= prev_lo) & (first < cur_lo)).sum())
        if compare and n_prev >= 5 and n_cur <= n_prev * (1 - th.new_customers_drop):
            drop = 1 - n_cur / n_prev
            findings.append(_finding("weak_acquisition", scope_type, scope, "new_customers", n_cur, n_prev, th.new_customers_drop, drop / th.new_customers_drop, share))
        # churn
        r_cur = m.retention(s, end, tables.window_months)
        r_prev = m.retention(s, cur_lo, tables.window_months)
        if compare and r_cur.base_customers >= 10 and r_prev.base_customers >= 10 and r_cur.churn_rate - r_prev.churn_rate >= th.churn_rise_points:
            findings.append(_finding("rising_churn", scope_type, scope, "churn_rate", r_cur.churn_rate, r_prev.churn_rate, th.churn_rise_points,
                                     (r_cur.churn_rate - r_prev.churn_rate) / th.churn_rise_points, share, lost_customers=r_cur.base_customers - r_cur.retained_customers))
        # satisfaction
        if compare and sub.surveys is not None and len(sub.surveys):
            sv_cur = _between(sub.surveys, "survey_date", cur_lo, end)
            sv_prev = _between(sub.surveys, "survey_date", prev_lo, cur_lo)
            a, b = (m.nps(sv_cur["nps"]), m.nps(sv_prev["nps"])) if m.has_nps(sv_cur) else (m.nps([]), m.nps([]))
            if a.n >= min_n and b.n >= min_n and b.nps - a.nps >= th.nps_drop_points:
                z = (a.nps - b.nps) / math.sqrt(a.se ** 2 + b.se ** 2) if (a.se + b.se) > 0 else float("nan")
                findings.append(_finding("falling_nps", scope_type, scope, "nps", a.nps, b.nps, th.nps_drop_points, (b.nps - a.nps) / th.nps_drop_points, share,
                                         n=a.n, n_previous=b.n, z=z, detractors=a.detractors, detractors_previous=b.detractors))
            scanned = list(dimensions or []) + (["satisfaction"] if not m.has_nps(sv_cur) and "satisfaction" not in (dimensions or []) else [])
            for dim in scanned:
                if dim not in sv_cur:
                    continue
                ca, cb = m.csat(sv_cur[dim]), m.csat(sv_prev[dim])
                if ca.n >= min_n and cb.n >= min_n and cb.mean - ca.mean >= th.dimension_drop:
                    findings.append(_finding("falling_dimension", scope_type, scope, dim, ca.mean, cb.mean, th.dimension_drop,
                                             (cb.mean - ca.mean) / th.dimension_drop, share, n=ca.n))
        # complaints
        if sub.complaints is not None and len(sub.complaints):
            c_cur = _between(sub.complaints, "opened_at", cur_lo, end)
            c_prev = _between(sub.complaints, "opened_at", prev_lo, cur_lo)
            counts = pd.DataFrame({"cur": c_cur["category"].value_counts(), "prev": c_prev["category"].value_counts()}).fillna(0)
            for cat, row in counts.iterrows():
                # Poisson z of the change: small counts need a large rise to count
                z = (row["cur"] - row["prev"]) / math.sqrt(row["cur"] + row["prev"]) if row["cur"] + row["prev"] else 0.0
                if compare and row["cur"] >= th.complaint_min_tickets and row["cur"] >= (1 + th.complaint_rise) * max(row["prev"], 1) and z >= 2:
                    rise = row["cur"] / max(row["prev"], 1) - 1
                    findings.append(_finding("rising_complaints", scope_type, scope, str(cat), float(row["cur"]), float(row["prev"]), th.complaint_rise,
                                             min(rise / th.complaint_rise, z / 2), share, z=z))
            hours = m.response_hours(c_cur, as_of=end)
            late = float((hours > tables.promise_hours).mean()) if len(c_cur) else float("nan")
            late_prev = float((m.response_hours(c_prev, as_of=cur_lo) > tables.promise_hours).mean()) if len(c_prev) else float("nan")
            if m.has_response_times(c_cur) and len(c_cur) >= th.complaint_min_tickets and late >= th.promise_broken_share:
                findings.append(_finding("promise_broken", scope_type, scope, "response_over_promise_share", late, late_prev, th.promise_broken_share,
                                         late / th.promise_broken_share, share, tickets=len(c_cur), median_hours=float(hours.median())))
        # deliveries against the promise
        if deliveries is not None:
            mine = deliveries if scope_type == "company" else deliveries.loc[deliveries["region"] == scope]
            now = m.delivery_kpis(_between(mine, "order_date", cur_lo, end))
            before = m.delivery_kpis(_between(mine, "order_date", prev_lo, cur_lo))
            previous = before["on_time_share"] if compare and before["orders_due"] >= min_n else float("nan")
            if now["orders_due"] >= min_n and now["late_share"] >= th.late_delivery_share:
                findings.append(_finding("late_delivery", scope_type, scope, "on_time_share", now["on_time_share"], previous,
                                         th.late_delivery_share, now["late_share"] / th.late_delivery_share, share,
                                         late_share=now["late_share"], orders_due=now["orders_due"], mean_days_late=now["mean_days_late"]))

    if not compare:  # no twelve-month comparison: a steep fall on the latest quarter is still a bottleneck
        findings.extend(revenue_falls(tables, period, th.revenue_fall, scopes))

    # growth stalls by region and product line
    for col in ("region", "product_line") if compare else ():
        cur = cur_sales.groupby(col)["amount"].sum()
        prev = _between(sales, "order_date", prev_lo, cur_lo).groupby(col)["amount"].sum()
        prev2 = _between(sales, "order_date", prev_lo - pd.DateOffset(months=12), prev_lo).groupby(col)["amount"].sum()
        for node in cur.index:
            if prev.get(node, 0) <= 0:
                continue
            g = cur[node] / prev[node] - 1
            g_prev = prev[node] / prev2[node] - 1 if prev2.get(node, 0) > 0 else float("nan")
            stalled = g <= th.growth_stall and (g_prev != g_prev or g_prev > th.growth_stall)
            if stalled:
                gap = (g_prev if g_prev == g_prev else th.growth_stall) - g
                findings.append(_finding("growth_stall", col, node, "revenue_growth", g, g_prev, th.growth_stall,
                                         max(1.0, gap / max(abs(th.growth_stall), 0.05)), float(cur[node] / total_rev) if total_rev else 0.0,
                                         revenue=float(cur[node])))

    out = pd.DataFrame(findings)
    if out.empty:
        return pd.DataFrame(columns=["rank", "kind", "scope_type", "scope", "metric", "current", "previous", "change", "threshold", "excess", "revenue_share", "severity"])
    out["excess"] = out["excess"].clip(lower=1.0, upper=MAX_EXCESS)
    out["severity"] = out["excess"] * np.sqrt(out["revenue_share"].clip(lower=0.0))
    out = out.sort_values(["severity", "kind"], ascending=[False, True]).reset_index(drop=True)
    out.insert(0, "rank", range(1, len(out) + 1))
    return out


def revenue_falls(tables: Tables, period: Period, threshold: float, scopes: Sequence[tuple[str, str, float]] = (("company", "", 1.0),)) -> list[dict]:
    """Findings ``revenue_fall`` for a short history: the last quarter of ``period`` against the same
    quarter a year earlier when the data covers it in full, else against the quarter before; a fall
    of at least ``threshold`` (0.2 = −20 %) in a scope (``scope_type``, ``scope``, revenue share) is one.

    Examples
    --------
    >>> s = pd.DataFrame({"order_id": ["1", "2"], "customer_id": ["a", "a"], "region": ["N", "N"], "amount": [100.0, 53.5],
    ...                   "order_date": pd.to_datetime(["2024-10-02", "2025-11-03"])})
    >>> f = revenue_falls(Tables(s), Period.parse("2025Q4"), 0.2)[0]
    >>> f["kind"], round(f["growth"], 3), f["compared_with"], round(f["excess"], 3)
    ('revenue_fall', -0.465, '2024Q4', 2.325)
    """
    q = period.quarters()[-1]
    before = q.year_ago() if tables.covers(q.year_ago()) else q.shift(-1) if tables.covers(q.shift(-1)) else None
    if before is None or threshold <= 0:
        return []
    out = []
    for scope_type, scope, share in scopes:
        s = tables.sales if scope_type == "company" else m.select_rows(tables.sales, (tables.sales[scope_type] == scope).to_numpy())
        now = float(m.sales_in(s, q)["amount"].sum())
        then = float(m.sales_in(s, before)["amount"].sum())
        if then <= 0:
            continue
        growth = now / then - 1
        if growth <= -threshold:
            out.append(_finding("revenue_fall", scope_type, scope, "revenue", now, then, threshold, -growth / threshold, share,
                                growth=growth, period=str(q), compared_with=str(before)))
    return out


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


# ---------------------------------------------------------------- SMART goals

@dataclass(frozen=True)
class _Judgement:
    achievable: str
    required: float
    reference: float
    detail: dict = field(default_factory=dict)


def _periods_between(a: Period, b: Period) -> float:
    """Years from the end of ``a`` to the end of ``b``."""
    months = (b.end_exclusive.year - a.end_exclusive.year) * 12 + b.end_exclusive.month - a.end_exclusive.month
    return months / 12


def _history(metric: str, tables: Tables, last: Period) -> dict[Period, float]:
    """Values of ``metric`` over the periods of ``last``'s grain up to ``last`` (three years at most).

    Periods the data starts inside are left out (a part of a period is not its
    level), and so are periods starting within twelve months of the first sale
    for metrics that need a year of history (in the first year every customer looks new).
    """
    first = tables.sales["order_date"].min() if tables.sales is not None and len(tables.sales) else None
    values = {}
    p = last
    for _ in range(12 if last.is_quarter else 3):
        censored = metric in _NEEDS_A_YEAR and first is not None and p.start < first.normalize().replace(day=1) + pd.DateOffset(months=12)
        if not censored and tables.covers(p):  # a period the data starts inside is not a level (its growth would be huge)
            values[p] = metric_value(metric, tables, p)
        p = p.shift(-1)
    return {k: v for k, v in values.items() if v == v}


def _history_changes(metric: str, values: dict[Period, float]) -> list[float]:
    """Year-over-year changes (relative for amounts, points for rates), favourable direction positive."""
    changes = []
    for p, v in values.items():
        prev = values.get(p.year_ago())
        if prev is None:
            continue
        if metric in FLOW_METRICS:
            if prev <= 0:
                continue
            c = v / prev - 1
        else:
            c = v - prev
        changes.append(-c if metric in LOWER_IS_BETTER else c)
    return changes


def _target_value(goal: Goal, baseline: float) -> float:
    tgt: GoalTarget = goal.target
    return tgt.value if tgt.value is not None else baseline * (1 + tgt.growth)


def check_goals(goals: list[Goal], tables: Tables, report: Period, config: WorkspaceConfig,
                forecast: pd.DataFrame | None = None) -> pd.DataFrame:
    """Check each goal on the five SMART criteria and give a verdict.

    - **Specific**: the metric is one of :data:`METRICS` and its scope names
      columns and values present in the data.
    - **Measurable**: the baseline can be computed from the workspace.
    - **Achievable**: the required yearly change (relative growth for amounts,
      points for rates) against the best year-over-year change in the history
      (for rates at least ``planning.max_yearly_change``): *within reach* up to
      it, *stretch* up to ``stretch_factor`` × it, *unrealistic* beyond; *too
      timid* when the target is no better than the baseline, or (revenue)
      below the forecast interval's lower bound for the deadline.
    - **Relevant**: its theme is one of the declared strategic themes.
    - **Time-bound**: the deadline falls after the report period and within
      ``planning.horizon_years``.

    Baseline: for a growth target, the same period a year before the
    deadline (or the latest complete one of the deadline's grain); for a value
    target, the latest complete period of the deadline's grain.

    Returns one row per goal: ``goal_id``, ``metric``, ``scope``,
    ``baseline_period``, ``baseline``, ``target``, ``deadline``,
    ``required_change``, ``reference_change``, ``forecast``, the five criteria
    (booleans; ``achievable`` holds the class), ``verdict`` and ``reason_codes``.
    """
    themes = {th.key for th in config.themes}
    latest_year = Period(report.year if not report.is_quarter or report.quarter == 4 else report.year - 1, None, report.start_month)
    latest_quarter = report.quarters()[-1]
    rows = []
    for g in goals:
        reasons: list[tuple[str, dict]] = []
        try:
            deadline = Period.parse(g.deadline, report.start_month)
        except ValueError:
            deadline = None
        specific = g.metric in METRICS
        if not specific:
            reasons.append(("gl_r_unknown_metric", {"metric": g.metric}))
        scope_ok = True
        for col, val in g.scope.items():
            table = tables.surveys if g.metric in _SURVEY else tables.complaints if g.metric in _COMPLAINT else tables.sales
            if col not in _SCOPES or table is None or col not in table or not (table[col] == val).any():
                scope_ok = False
                reasons.append(("gl_r_scope", {"scope": f"{col}={val}"}))
        specific = specific and scope_ok
        sub = tables.scoped(g.scope) if scope_ok else None
        baseline_period = None
        baseline = float("nan")
        if specific and deadline is not None:
            latest = latest_quarter if deadline.is_quarter else latest_year
            if g.target.growth is not None and deadline.year_ago() <= latest:
                baseline_period = deadline.year_ago()
            else:
                baseline_period = latest
            if tables.covers(baseline_period):
                baseline = metric_value(g.metric, sub, baseline_period)
            else:
                reasons.append(("gl_r_partial_baseline", {"period": str(baseline_period), "start": tables.data_start.date().isoformat()}))
        measurable = bool(specific and baseline == baseline)
        if specific and not measurable and baseline_period is not None and tables.covers(baseline_period):
            reasons.append(("gl_r_no_baseline", {"metric": g.metric}))
        relevant = g.theme is not None and g.theme in themes
        if not relevant:
            reasons.append(("gl_r_theme", {"theme": g.theme or "—"}))
        horizon_end = Period(report.year + config.planning.horizon_years, None, report.start_month)
        time_bound = deadline is not None and report.end < deadline.end <= horizon_end.end
        if not time_bound:
            reasons.append(("gl_r_deadline", {"deadline": g.deadline, "period": str(report), "years": config.planning.horizon_years}))

        target = _target_value(g, baseline) if measurable else (g.target.value if g.target.value is not None else float("nan"))
        achievable, required, reference, fc = "n/a", float("nan"), float("nan"), float("nan")
        if measurable and time_bound:
            years = max(_periods_between(baseline_period, deadline), 0.25)
            lower = g.metric in LOWER_IS_BETTER
            if g.metric in FLOW_METRICS:
                ratio = target / baseline if baseline > 0 else float("nan")
                required = (ratio ** (1 / years) - 1) if ratio == ratio and ratio > 0 else float("nan")
                required = -required if lower else required
            else:
                required = ((baseline - target) if lower else (target - baseline)) / years
            levels = _history(g.metric, sub, latest_quarter if deadline.is_quarter else latest_year)
            hist = _history_changes(g.metric, levels)
            floor = config.planning.max_yearly_change.get(g.metric)
            reference = max(hist) if hist else float("nan")
            # a level the business has already reached in the history counts as within reach
            best_level = (min(levels.values()) if lower else max(levels.values())) if levels else float("nan")
            done_before = best_level == best_level and ((target >= best_level) if lower else (target <= best_level))
            from_floor = floor is not None and (reference != reference or floor > reference)
            if from_floor:
                reference = floor
            if g.metric == "revenue" and forecast is not None:
                fc_low, fc = _forecast_for(forecast, g.scope, deadline)
            else:
                fc_low = float("nan")
            if required != required or reference != reference:
                achievable = "n/a"
                reasons.append(("gl_r_no_history", {}))
            elif required <= 0 or (fc_low == fc_low and target < fc_low):
                achievable = "too_timid"
                reasons.append(("gl_r_timid_forecast" if fc_low == fc_low and target < fc_low else "gl_r_timid", {}))
            else:
                stretch_limit = reference * config.planning.stretch_factor if reference > 0 else reference + 0.05
                achievable = "within_reach" if required <= reference or done_before else "stretch" if required <= stretch_limit else "unrealistic"
                code = "gl_r_done_before" if done_before and required > reference else f"gl_r_{achievable}"
                reasons.append((code + ("_floor" if from_floor and code != "gl_r_done_before" else ""), {}))
        if not (specific and measurable and relevant and time_bound):
            verdict = "revise"
        else:
            verdict = {"within_reach": "sound", "stretch": "stretch", "unrealistic": "unrealistic", "too_timid": "too_timid"}.get(achievable, "revise")
        rows.append({
            "goal_id": g.id, "metric": g.metric, "scope": ", ".join(f"{k}={v}" for k, v in g.scope.items()) or "company",
            "theme": g.theme, "baseline_period": str(baseline_period) if baseline_period else None, "baseline": baseline,
            "target": target, "deadline": g.deadline, "required_change": required, "reference_change": reference,
            "forecast": fc, "specific": specific, "measurable": measurable, "achievable": achievable,
            "relevant": relevant, "time_bound": time_bound, "verdict": verdict,
            "reason_codes": reasons, "label_en": g.en, "label_zh": g.zh,
        })
    return pd.DataFrame(rows, columns=GOAL_CHECK_COLUMNS)


#: The columns of :func:`check_goals` (an empty goal list gives an empty frame with them).
GOAL_CHECK_COLUMNS = ["goal_id", "metric", "scope", "theme", "baseline_period", "baseline", "target", "deadline", "required_change",
                      "reference_change", "forecast", "specific", "measurable", "achievable", "relevant", "time_bound", "verdict",
                      "reason_codes", "label_en", "label_zh"]


def _forecast_for(forecast: pd.DataFrame, scope: dict[str, str], deadline: Period) -> tuple[float, float]:
    """Summed forecast (lower bound, point) over the deadline's quarters for a scope, if covered."""
    f = forecast
    for col, val in scope.items():
        if col not in f:
            return float("nan"), float("nan")
        f = f.loc[f[col] == val]
    if not scope and "node" in f:
        f = f.loc[f["node"] == "total"]
    wanted = {str(q) for q in deadline.quarters()}
    f = f.loc[f["period"].isin(wanted)]
    if f["period"].nunique() != len(wanted):
        return float("nan"), float("nan")
    return float(f["low"].sum()), float(f["forecast"].sum())


def format_change(metric: str, value: float, lang: str) -> str:
    """A yearly change of ``metric`` as readers expect it: % for amounts,
    percentage points for shares and rates, points for NPS and 1–5 scores, days for delays."""
    if metric in FLOW_METRICS:
        return pct(value, lang, signed=True)
    if metric in ("nps", "satisfaction_mean"):
        return number(value, lang, 1 if metric == "nps" else 2, signed=True) + (" " + t("gl_points", lang))
    if metric == "mean_delay_days":
        return t("dl_days", lang, days=number(value, lang, 1, signed=True))
    return number(100 * value, lang, 1, signed=True) + " " + t("gl_pp", lang)


def goal_reasons(checked: pd.DataFrame, lang: str, unit: str = "万元") -> pd.Series:
    """The ``reason_codes`` of :func:`check_goals` as plain sentences in ``lang``."""
    from .i18n import money

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


# ---------------------------------------------------------------- baselines

def retention_at(tables: Tables, end: Period | pd.Timestamp) -> "m.RetentionResult":
    """:func:`salesnb.metrics.retention` at ``end``, with the repurchase and churn rates NaN when the
    base window starts before the data's first quarter (a part of the base is not a base).

    The one definition of the repurchase rate in step 1: the headline (:func:`period_metrics`), the
    customers sentence (:func:`narrate_customers`) and ``baselines.csv`` (:func:`satisfaction_baselines`)
    all use it, so one period never shows "n/a" in one place and a number in another.
    """
    from dataclasses import replace

    r = m.retention(tables.sales, end, tables.window_months)
    if r.base_customers == 0 or not tables.covers(Period.of(r.base_start, "quarter", tables.start_month)):
        return replace(r, repurchase_rate=float("nan"), churn_rate=float("nan"))
    return r


def satisfaction_baselines(tables: Tables, report: Period, config: WorkspaceConfig) -> tuple[pd.DataFrame, list[Goal]]:
    """Current NPS, satisfaction and repurchase rate against the industry benchmark.

    For each: the value of the latest year (TTM ending with ``report``), the
    year before, the benchmark (industry and leader from ``benchmarks``), the
    gap to the leader (or the industry when no leader is given) and a
    suggested target for the next year that closes ``planning.gap_close_share``
    of the gap (no higher than the leader). The suggestions come back as goals
    (theme: the first declared theme whose key mentions service/retention, else none),
    so they can be checked with :func:`check_goals`. Surveys without an ``nps``
    column give no NPS row (the question was not asked).
    """
    end = report.end_exclusive
    _, cur_lo, _ = _ttm(end)
    prev_lo = cur_lo - pd.DateOffset(months=12)
    rows, goals = [], []
    bench = config.benchmarks
    share = config.planning.gap_close_share
    next_year = Period(report.year + 1 if (not report.is_quarter or report.quarter == 4) else report.year, None, report.start_month)
    theme_of = {"nps": "service", "satisfaction_mean": "service", "repurchase_rate": "retention"}
    themes = {th.key for th in config.themes}
    for metric, b in (("nps", bench.nps), ("satisfaction_mean", bench.satisfaction), ("repurchase_rate", bench.repurchase_rate)):
        if metric == "nps" and tables.surveys is not None and not m.has_nps(tables.surveys):
            continue  # the recommend question is not asked: no NPS baseline (satisfaction stands in)
        if metric == "repurchase_rate":
            cur = retention_at(tables, end).repurchase_rate  # as the headline: n/a without a whole base window
            prev = retention_at(tables, cur_lo).repurchase_rate
        elif tables.surveys is None:
            cur = prev = float("nan")
        else:
            col = "nps" if metric == "nps" else "satisfaction"
            sv = tables.surveys
            now = _between(sv, "survey_date", cur_lo, end)[col] if col in sv else pd.Series(dtype=float)
            before = _between(sv, "survey_date", prev_lo, cur_lo)[col] if col in sv else pd.Series(dtype=float)
            cur = m.nps(now).nps if metric == "nps" else m.csat(now).mean
            prev = m.nps(before).nps if metric == "nps" else m.csat(before).mean
        ref = b.leader if b.leader is not None else b.industry
        gap = ref - cur if ref is not None and cur == cur else float("nan")
        suggested = min(cur + share * gap, ref) if gap == gap and gap > 0 else (cur if cur == cur else float("nan"))
        rows.append({"metric": metric, "current": cur, "previous": prev, "trend": cur - prev if cur == cur and prev == prev else float("nan"),
                     "industry": b.industry, "leader": b.leader, "gap": gap, "suggested_target": suggested, "deadline": str(next_year),
                     "source": b.source})
        if gap == gap and gap > 0:
            digits = 0 if metric == "nps" else 2
            goals.append(Goal(id=BENCHMARK_GOAL_IDS.get(metric, f"B-{metric}"), metric=metric, target=GoalTarget(value=round(suggested, digits)), deadline=str(next_year),
                              theme=theme_of[metric] if theme_of[metric] in themes else None))
    return pd.DataFrame(rows, columns=BASELINE_COLUMNS), goals


#: Ids of the goals suggested from a benchmark (readable in a report: no metric names with underscores).
BENCHMARK_GOAL_IDS = {"nps": "B-NPS", "satisfaction_mean": "B-CSAT"}


def metric_label(metric: str, lang: str, dimension_labels: dict[str, str] | None = None) -> str:
    """A metric as a reader knows it: its label in ``lang`` (``nps`` → NPS / 净推荐值 NPS), a survey
    dimension by its configured name, an unknown metric as it is.

    >>> metric_label("satisfaction_mean", "en"), metric_label("churn_rate", "zh"), metric_label("quality", "en", {"quality": "Product quality"})
    ('Satisfaction (1–5, mean)', '客户流失率', 'Product quality')
    """
    from .i18n import LABELS

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


#: The columns of ``baselines.csv`` (:func:`satisfaction_baselines`).
BASELINE_COLUMNS = ["metric", "current", "previous", "trend", "industry", "leader", "gap", "suggested_target", "deadline", "source"]


# ---------------------------------------------------------------- report tables

def period_metrics(tables: Tables, period: Period) -> dict[str, float | int]:
    """Every step-1 headline metric of ``period`` (the ``summary.json`` keys).

    ``nps`` is the plain, unweighted figure over every answer dated in the period
    (left out, with ``satisfaction_n`` given, when the surveys do not ask it);
    with delivery days on the order lines the delivery KPIs of the orders
    placed in the period are added (:func:`salesnb.metrics.delivery_kpis`).
    When the data starts after the first month of the same period a year
    earlier, ``revenue_prev_year`` and ``revenue_yoy`` are NaN (a part of a
    period is no base for growth); when it starts inside the retention base
    window, ``repurchase_rate`` and ``churn_rate`` are NaN (as
    :func:`narrate_customers` says).
    """
    out = m.headline(tables.sales, tables.surveys, tables.complaints, period, tables.promise_hours)
    out.update(m.new_customers(tables.sales, period))
    r = retention_at(tables, period)  # NaN when the base window is partly before the data
    out.update(repurchase_rate=r.repurchase_rate, churn_rate=r.churn_rate, repeat_purchase_rate=r.repeat_purchase_rate)
    if not tables.covers(period.year_ago()):  # the data starts inside the year-ago period: no growth against a part of it
        out.update(revenue_prev_year=float("nan"), revenue_yoy=float("nan"))
    if m.has_delivery(tables.sales):
        d = m.delivery_summary(tables.sales, period)
        out.update({k: d[k] for k in ("on_time_share", "mean_delay_days", "median_delay_days", "mean_days_late", "not_delivered_share", "orders_due")})
    return out


def bottleneck_table(findings: pd.DataFrame, lang: str, dimension_labels: dict[str, str] | None = None, top: int = 12) -> pd.DataFrame:
    """The ranked findings as a display table in ``lang``."""
    shown = findings.head(top)
    return pd.DataFrame({
        "#": shown["rank"],
        t("gl_col_kind", lang): [t("dl_kind_late_delivery" if k == "late_delivery" else f"gl_kind_{k}", lang) for k in shown["kind"]],
        t("gl_col_finding", lang): describe_bottlenecks(shown, lang, dimension_labels).to_numpy(),
        t("gl_col_severity", lang): shown["severity"].round(2),
    })


def scope_summary(findings: pd.DataFrame) -> pd.DataFrame:
    """Findings per scope (company, each region, each product line): count and total severity, worst first."""
    if findings.empty:
        return pd.DataFrame(columns=["scope", "findings", "severity"])
    key = findings["scope"].where(findings["scope_type"] != "company", "")
    return (findings.assign(scope=key).groupby("scope").agg(findings=("kind", "size"), severity=("severity", "sum"))
            .sort_values("severity", ascending=False).reset_index())


def goal_table(checked: pd.DataFrame, lang: str, unit: str = "万元") -> pd.DataFrame:
    """The SMART check as a display table: goal, baseline, target, the five criteria, verdict, reason."""
    from .i18n import money

    def fmt(metric, v):
        if v != v:
            return t("not_available", lang)
        if metric in ("revenue", "aov"):
            return money(v, unit, lang)
        if metric in FLOW_METRICS or metric == "new_customers":
            return number(v, lang)
        if metric in ("nps",):
            return number(v, lang, 1)
        if metric == "satisfaction_mean":
            return number(v, lang, 2)
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


def forecast_all(sales: pd.DataFrame, period: Period, horizon: int = 4) -> pd.DataFrame:
    """Forecasts for the company, each region and each product line in one long table
    (``scope_type``, ``scope``, ``period``, ``forecast``, ``low``, ``high``, ``method``)."""
    parts = [forecast_revenue(sales, period, None, horizon, period.start_month).assign(scope_type="company", scope="")]
    for col in ("region", "product_line"):
        f = forecast_revenue(sales, period, col, horizon, period.start_month)
        parts.append(f.assign(scope_type=col, scope=f[col]))
    out = pd.concat(parts, ignore_index=True)
    return out[["scope_type", "scope", "period", "forecast", "low", "high", "method", "errors"]]


def forecast_for_goals(forecasts: pd.DataFrame) -> pd.DataFrame:
    """:func:`forecast_all` output reshaped for :func:`check_goals` (``node``/``region``/``product_line`` columns)."""
    f = forecasts.copy()
    f["node"] = np.where(f["scope_type"] == "company", "total", "")
    for col in ("region", "product_line"):
        f[col] = np.where(f["scope_type"] == col, f["scope"], None)
    return f


# ---------------------------------------------------------------- narrative

def last_complete_year(period: Period) -> int:
    """The last fiscal year that ends within ``period`` (its own year for Q4 or an annual period)."""
    return period.year if (not period.is_quarter or period.quarter == 4) else period.year - 1


def until(tables: Tables, period: Period) -> Tables:
    """The tables cut at the end of ``period``: a report on 2025Q3 never sees later data."""
    end = period.end_exclusive

    def cut(df, col):
        return None if df is None else m.select_rows(df, (df[col] < end).to_numpy())

    return Tables(cut(tables.sales, "order_date"), cut(tables.surveys, "survey_date"), cut(tables.complaints, "opened_at"),
                  tables.window_months, tables.promise_hours, tables.start_month)


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
    from .i18n import money

    if not year_ago or contrib.empty or contrib["revenue_prev_year"].sum() <= 0:
        return t("gl_no_prev_year", lang)
    top = contrib.loc[contrib["change"].idxmax()]
    worst = contrib.loc[contrib["change"].idxmin()]
    return t("gl_narr_contribution", lang, top=top[by], share=pct(top["growth_share"], lang), worst=worst[by],
             worst_change=("+" if worst["change"] >= 0 else "") + money(worst["change"], unit, lang))


def contribution_table(contrib: pd.DataFrame, by: str, lang: str, unit: str = "万元", top: int = 12, year_ago: bool = True) -> pd.DataFrame:
    """Revenue, share, growth and share of the change per group (the ``top`` largest), formatted for display
    (growth n/a when the data does not cover the year-ago period in full: ``year_ago`` False)."""
    from .i18n import money

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
    from .i18n import money

    f = forecasts.loc[forecasts["scope_type"] == "company"]
    return t("gl_narr_forecast", lang, method=t(f"gl_method_{f['method'].iloc[0]}", lang), total=money(f["forecast"].sum(), unit, lang),
             low=money(f["low"].sum(), unit, lang), high=money(f["high"].sum(), unit, lang))


def forecast_table(forecasts: pd.DataFrame, lang: str, unit: str = "万元", top: int = 8) -> pd.DataFrame:
    """Forecast for the next quarters summed per region and product line (the ``top`` largest of each), with the interval."""
    from .i18n import money

    f = forecasts.loc[forecasts["scope_type"] != "company"]
    sums = f.groupby(["scope_type", "scope"], sort=False)[["forecast", "low", "high"]].sum().reset_index()
    sums = sums.sort_values("forecast", ascending=False).groupby("scope_type", sort=False).head(top)
    sums = sums.sort_values(["scope_type", "forecast"], ascending=[False, False])
    return pd.DataFrame({
        t("gl_col_scope", lang): [f"{t(st, lang)} · {sc}" for st, sc in zip(sums["scope_type"], sums["scope"])],
        t("gl_forecast", lang): [money(v, unit, lang) for v in sums["forecast"]],
        t("gl_interval", lang): [f"{money(lo, unit, lang)} – {money(hi, unit, lang)}" for lo, hi in zip(sums["low"], sums["high"])],
    })


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


# ---------------------------------------------------------------- what the workspace measures: NPS or satisfaction, deliveries

_HEADLINE_FORMATS = {
    "revenue": "money", "revenue_prev_year": "money", "revenue_yoy": "pct_signed", "orders": "int",
    "active_customers": "int", "new_customers": "int", "new_customer_revenue_share": "pct", "repurchase_rate": "pct",
    "churn_rate": "pct", "repeat_purchase_rate": "pct", "nps": "float1", "nps_n": "int", "satisfaction_mean": "float2",
    "satisfaction_top2": "pct", "satisfaction_n": "int", "complaints": "int", "response_over_promise_share": "pct",
    "on_time_share": "pct", "mean_delay_days": "float1", "mean_days_late": "float1", "not_delivered_share": "pct",
}


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
    from .survey import wilson_interval

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


def definitions(lang: str, window_months: int, promise_hours: float, *, nps_asked: bool = True, response_times: bool = True,
                delivery: bool = False) -> list[str]:
    """The definitions under step 1, for what the workspace measures (NPS or satisfaction only, response times, deliveries)."""
    out = [t("def_revenue", lang), t("def_active", lang), t("gl_def_new", lang), t("gl_def_retention", lang, w=window_months)]
    out += [t("def_nps", lang)] if nps_asked else []
    out += [t("def_satisfaction", lang)]
    out += [t("def_response", lang, hours=promise_hours)] if response_times else []
    out += [t("dl_def", lang)] if delivery else []
    return out + [t("gl_def_bottlenecks", lang), t("gl_def_smart", lang)]
