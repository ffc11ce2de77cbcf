"""The allocation methods (``even``, ``history``, ``momentum``, ``potential``, ``blend``) and their weights per cell.

Only the weights: spreading a total by them is :func:`.allocation.allocate`.
"""
from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from .allocation import _nodes, rake
from .common import PlanError


METHODS = ("even", "history", "momentum", "potential", "blend")


def method_weights(history: pd.DataFrame, dims: Sequence[str], *, lookback: int = 2, method: str = "history",
                   blend: Mapping[str, float] | None = None, potential: Mapping[str, Mapping[str, float]] | None = None,
                   momentum_cap: float = 0.3, trend: bool = True) -> pd.DataFrame:
    """Each method's share of every cell, and the chosen method's ``weight``.

    ``history`` has one row per cell and window: ``dims``, ``window`` (0 =
    the most recent period of the plan's length, 1 = the one before …) and
    ``revenue``. The cells are every crossing of the nodes seen in the
    lookback windows.

    - ``even``: the same share for every cell;
    - ``history``: the cell's revenue over the last ``lookback`` windows;
    - ``momentum``: the latest window's revenue × the cell's yearly growth
      factor over the lookback (capped at 1 ± ``momentum_cap``), so growing
      cells gain share. With ``trend=False`` (windows that are consecutive
      quarters, see :class:`PlanPeriods` ``recent_quarters``: their change
      is mostly seasonal, not a trend) there is no growth factor and
      momentum is the latest window's shares;
    - ``potential``: the history shares re-weighted so that each dimension
      named in ``potential`` splits in proportion to its driver (e.g. market
      size per region);
    - ``blend``: ``Σ blend[m] × share_m / Σ blend[m]``.

    Negative revenue (returns beyond sales) counts as zero.

    Returns a DataFrame indexed by the cells with one column per available
    method and ``weight`` (shares, each column adds up to 1).

    Examples
    --------
    >>> h = pd.DataFrame({"region": ["A", "B", "A", "B"], "window": [0, 0, 1, 1], "revenue": [60.0, 40, 50, 50]})
    >>> w = method_weights(h, ["region"], method="history")
    >>> w["history"].round(3).tolist(), w["even"].tolist()
    ([0.55, 0.45], [0.5, 0.5])
    >>> w["momentum"].round(3).tolist()  # A ×1.2 (60 / 50), B ×0.8: 72 : 32
    [0.692, 0.308]
    >>> method_weights(h, ["region"], method="momentum", trend=False)["momentum"].tolist()  # the latest window's shares
    [0.6, 0.4]
    """
    dims = list(dims)
    if method not in METHODS:
        raise PlanError(f"method {method!r} must be one of {', '.join(METHODS)}")
    available = sorted(history["window"].unique()) if len(history) else [0]
    use = [wdw for wdw in available if wdw < max(lookback, 1)]
    recent = history.loc[history["window"].isin(use)]
    nodes = [sorted(pd.unique(recent[d]), key=str) for d in dims]
    if not all(nodes):
        raise PlanError("no sales history in the lookback window: there is nothing to break the plan down by")
    index = pd.MultiIndex.from_product(nodes, names=dims) if len(dims) > 1 else pd.Index(nodes[0], name=dims[0])
    by_window = history.pivot_table(index=dims, columns="window", values="revenue", aggfunc="sum", fill_value=0.0)
    by_window = by_window.reindex(index, fill_value=0.0).clip(lower=0)
    out = pd.DataFrame(index=index)
    out["even"] = 1.0 / len(index)
    out["history"] = _norm(by_window[[c for c in use if c in by_window.columns]].sum(axis=1))
    out["momentum"] = _momentum(by_window, index, available, lookback, momentum_cap, trend)
    if potential:
        seed = out["history"].where(out["history"] > 0, 0.0)
        if seed.sum() <= 0:
            seed = out["even"]
        out["potential"] = _norm(rake(seed, _potential_targets(potential, dims, index)))
    out["weight"] = _chosen_weight(out, method, blend)
    return out


def _norm(s: pd.Series) -> pd.Series:
    """``s`` as shares of its sum (zeros when the sum is not positive)."""
    tot = s.sum()
    return s / tot if tot > 0 else s * 0.0


def _momentum(by_window: pd.DataFrame, index: pd.Index, available: list, lookback: int, momentum_cap: float,
              trend: bool) -> pd.Series:
    """The ``momentum`` shares of :func:`method_weights`: the latest window's revenue × each cell's capped yearly
    growth factor over the lookback (none without ``trend`` or with a single window)."""
    latest = by_window[0] if 0 in by_window.columns else pd.Series(0.0, index=index)
    span = max(c for c in available if c < max(lookback, 2)) if len(available) > 1 and trend else 0
    if span > 0:
        first = by_window[span]
        with np.errstate(divide="ignore", invalid="ignore"):
            factor = np.where(first > 0, (latest / first.where(first > 0)) ** (1.0 / span), np.where(latest > 0, 1 + momentum_cap, 1.0))
        factor = np.clip(np.nan_to_num(factor, nan=1.0), 1 - momentum_cap, 1 + momentum_cap)
        return _norm(latest * factor)
    return _norm(latest)


def _potential_targets(potential: Mapping[str, Mapping[str, float]], dims: list[str], index: pd.Index) -> dict:
    """Each dimension's shares by its potential driver, ``{dimension: {node: share}}``, after checking the drivers."""
    targets = {}
    for dim, drivers in potential.items():
        if dim not in dims:
            raise PlanError(f"potential driver on {dim!r}: not one of the plan's dimensions ({', '.join(dims)})")
        known = _nodes(index, dim)
        missing = [n for n in known if n not in drivers]
        if missing:
            raise PlanError(f"potential driver on {dim}: no value for {', '.join(map(str, missing))}")
        vals = {n: float(drivers[n]) for n in known}
        tot = sum(vals.values())
        if tot <= 0 or any(v < 0 for v in vals.values()):
            raise PlanError(f"potential driver on {dim}: values must be non-negative with a positive total")
        targets[dim] = {n: v / tot for n, v in vals.items()}
    return targets


def _chosen_weight(out: pd.DataFrame, method: str, blend: Mapping[str, float] | None) -> pd.Series:
    """The ``weight`` column of :func:`method_weights`: the chosen method's shares, or the blend of several."""
    if method == "blend":
        blend = dict(blend or {"history": 0.5, "momentum": 0.5})
        unknown = [m for m in blend if m not in ("even", "history", "momentum", "potential")]
        if unknown:
            raise PlanError(f"blend weights: unknown method(s) {', '.join(unknown)}")
        if "potential" in blend and blend["potential"] > 0 and "potential" not in out:
            raise PlanError("the blend uses 'potential' but breakdown.potential gives no drivers")
        tot = sum(v for v in blend.values() if v > 0)
        if tot <= 0:
            raise PlanError("blend weights must have a positive sum")
        return sum(out[m] * (v / tot) for m, v in blend.items() if v > 0)
    if method not in out:
        raise PlanError("method 'potential' needs drivers in breakdown.potential (e.g. market size per region)")
    return out[method]
