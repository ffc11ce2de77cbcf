"""The plan's checks: each part's implied growth against its own history, and whether the parts add up.

The flags' wording is :mod:`.labels` / :mod:`.narrative`; their tables :mod:`.views`.
"""
from __future__ import annotations

from typing import Sequence

import pandas as pd

from ..config import GrowthCheckSettings


#: Columns of :func:`growth_checks` (``target_checks.csv``, also when there is no plan).
CHECK_COLUMNS = ["level", "node", "base", "target", "implied_growth", "best_growth", "worst_growth", "latest_growth", "years", "share", "flag"]


def growth_checks(cells: pd.DataFrame, history: pd.DataFrame, levels: Sequence[Sequence[str]], settings=None,
                  trend: pd.DataFrame | None = None) -> pd.DataFrame:
    """Each part's implied growth against its own history and its latest trend.

    For every node of each level in ``levels`` (a dimension or a crossing,
    e.g. ``[["region"], ["product_line"], ["region", "product_line"]]``; ``[]``
    is the whole plan, level ``total``): ``base`` (actual in the base window),
    ``target``, ``implied_growth`` = target ÷ base − 1, the best and worst
    growth of the node between consecutive history windows, ``latest_growth``
    (the latest of those growths; when there is none, the report's last
    quarter on the same quarter a year earlier from ``trend``, see
    :attr:`PlanInputs.trend`) and a ``flag``, the first that holds of:

    - ``negative``: a negative target;
    - ``no_history``: no revenue in the base window;
    - ``ok`` for parts below ``min_share`` of the total (listed, not flagged),
      unless they have no growth to compare with (``no_history``);
    - ``beyond_history``: implied growth above the best year by more than
      ``beyond_history_points``;
    - ``against_trend``: the latest change was a fall and the implied growth
      is at least ``against_trend_points`` above it;
    - ``no_history``: no growth between history windows to compare with
      (``years`` 0: a single window), so "within its history" cannot be said;
    - ``shrinking``: implied growth below ``shrink_below`` (0: any decline);
    - ``ok``.

    ``years`` counts the growths between consecutive windows: years, or
    quarters when the windows are consecutive quarters (``recent_quarters``),
    in which case implied and historical growths are quarter-on-quarter.
    """
    settings = settings or GrowthCheckSettings()
    total = float(cells["target"].sum())
    rows = []
    for level in levels:
        level = list(level)
        tgt, hist, recent = _level_tables(cells, history, trend, level)
        for node, target in tgt.items():
            rows.append(_check_row(level, node, target, hist, recent, total, settings))
    cols = CHECK_COLUMNS
    out = pd.DataFrame(rows)
    extra = [c for c in out.columns if c not in cols]
    return out[cols + extra] if len(out) else pd.DataFrame(columns=cols)


def _level_tables(cells: pd.DataFrame, history: pd.DataFrame, trend: pd.DataFrame | None, level: list[str]) -> tuple:
    """For one level of :func:`growth_checks`: the target per node, its revenue per history window and (when
    ``trend`` covers the level) the latest trend's revenue per window (else None)."""
    keyed = level or ["_all"]
    c = cells if level else cells.assign(_all="total")
    h = history if level else history.assign(_all="total")
    tgt = c.groupby(keyed, sort=True)["target"].sum()
    hist = h.pivot_table(index=keyed, columns="window", values="revenue", aggfunc="sum", fill_value=0.0)
    hist = hist.reindex(tgt.index, fill_value=0.0)
    recent = None
    if trend is not None and set(level) <= set(trend.columns):
        tr = trend if level else trend.assign(_all="total")
        recent = tr.pivot_table(index=keyed, columns="window", values="revenue", aggfunc="sum", fill_value=0.0)
    return tgt, hist, recent


def _check_row(level: list[str], node, target: float, hist: pd.DataFrame, recent: pd.DataFrame | None, total: float,
               settings) -> dict:
    """One row of :func:`growth_checks`: a node's base, target, implied, best, worst and latest growth and its flag."""
    series = hist.loc[node] if node in hist.index else pd.Series(dtype=float)
    base = float(series.get(0, 0.0))
    growths = [series.get(k) / series.get(k + 1) - 1 for k in range(len(series) - 1)
               if series.get(k + 1, 0) > 0 and series.get(k) is not None]
    implied = target / base - 1 if base > 0 else float("nan")
    best = max(growths) if growths else float("nan")
    worst = min(growths) if growths else float("nan")
    latest = series.get(0) / series.get(1) - 1 if series.get(1, 0) > 0 else float("nan")
    if latest != latest and recent is not None and node in recent.index and recent.loc[node].get(1, 0) > 0:
        latest = float(recent.loc[node].get(0, 0.0) / recent.loc[node][1] - 1)
    share = target / total if total else float("nan")
    flag = _growth_flag(target, base, share, growths, best, implied, latest, settings)
    node_t = node if isinstance(node, tuple) else (node,)
    return {"level": " × ".join(level) or "total", "node": " · ".join(map(str, node_t)),
            **dict(zip(level, node_t)), "base": base, "target": float(target), "implied_growth": implied,
            "best_growth": best, "worst_growth": worst, "latest_growth": latest, "years": len(growths),
            "share": share, "flag": flag}


def _growth_flag(target: float, base: float, share: float, growths: list, best: float, implied: float, latest: float,
                 settings) -> str:
    """The first flag of :func:`growth_checks` that holds for a part."""
    if target < 0:
        return "negative"
    if base <= 0:
        return "no_history" if target > 0 else "ok"
    if share < settings.min_share:
        return "ok" if growths else "no_history"  # small parts are listed, not checked, but never "ok" without a history
    if best == best and implied > best + settings.beyond_history_points:
        return "beyond_history"
    if latest == latest and latest < 0 and implied - latest >= settings.against_trend_points:
        return "against_trend"
    if not growths:
        return "no_history"
    if implied < settings.shrink_below:
        return "shrinking"
    return "ok"


def margin_checks(cells: pd.DataFrame, total: float, dims: Sequence[str], phased: pd.DataFrame | None = None) -> pd.DataFrame:
    """Do the parts add up? One row per dimension (and the phasing): the sum
    of its nodes, the total, the difference and ``ok``; plus the smallest
    target (no negatives)."""
    rows = [{"check": d, "sum": float(cells.groupby(d)["target"].sum().sum()), "total": float(total)} for d in dims]
    rows.append({"check": "cells", "sum": float(cells["target"].sum()), "total": float(total)})
    if phased is not None:
        rows.append({"check": "period", "sum": float(phased.groupby("period")["target"].sum().sum()), "total": float(total)})
        per_cell = phased.groupby(list(dims))["target"].sum()
        target = cells.set_index(list(dims))["target"].reindex(per_cell.index)
        rows.append({"check": "period_by_cell", "sum": float(total - (per_cell - target).abs().sum()), "total": float(total)})
    out = pd.DataFrame(rows)
    out["difference"] = out["sum"] - out["total"]
    out["ok"] = out["difference"].abs() < 1e-6
    neg = {"check": "no_negative", "sum": float(cells["target"].min()), "total": 0.0, "difference": 0.0,
           "ok": bool(cells["target"].min() >= 0)}
    return pd.concat([out, pd.DataFrame([neg])], ignore_index=True)
