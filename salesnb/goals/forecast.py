"""The revenue forecast of step 1: a baseline for judging goals (seasonal naive with drift and an empirical interval).

Here: :func:`forecast_revenue` for one scope type, :func:`forecast_all` for the
company, regions and product lines, and the reshaping and lookup
:func:`salesnb.goals.check_goals` uses. Not here: its sentence and display table
(:mod:`salesnb.goals.narrative`, :mod:`salesnb.goals.views`).
"""
from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
import pandas as pd

from ..periods import Period, period_labels


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
