"""Integers that add up and totals spread over a table: rounding, raking and allocation.

:func:`largest_remainder` and :func:`round_table` (controlled rounding, every margin exact or within one
unit), :func:`rake` (iterative proportional fitting to fixed margins) and :func:`allocate` (a total over a
grouped hierarchy of dimensions from weights, overrides honoured exactly). Where the weights come from is
:mod:`.methods`; the plan that calls them is :mod:`.plan`.
"""
from __future__ import annotations

import math
from collections import deque
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from .common import _EPS, PlanError


def largest_remainder(values: Sequence[float] | np.ndarray, total: int) -> np.ndarray:
    """Non-negative integers close to ``values`` that add up to ``total`` exactly.

    ``values`` are first scaled to sum to ``total``; each is rounded down and
    the units left over go, one each, to the largest fractional parts (ties:
    the earlier position). Zero values stay zero.

    Examples
    --------
    >>> largest_remainder([1/3, 1/3, 1/3], 10).tolist()
    [4, 3, 3]
    >>> largest_remainder([0.5, 0.25, 0.25], 7).tolist()
    [3, 2, 2]
    """
    x = np.asarray(values, dtype=float)
    total = int(total)
    if total < 0 or (x < 0).any():
        raise ValueError("largest_remainder needs non-negative values and total")
    if x.size == 0:
        if total:
            raise ValueError(f"cannot spread {total} over no values")
        return np.zeros(0, dtype=np.int64)
    s = x.sum()
    if s <= 0:
        if total:
            raise ValueError(f"cannot spread {total} over values that are all zero")
        return np.zeros(x.size, dtype=np.int64)
    scaled = x * (total / s)
    base = np.floor(scaled + _EPS).astype(np.int64)
    left = total - int(base.sum())
    frac = scaled - base
    order = np.lexsort((np.arange(x.size), -frac))  # largest fraction first, ties by position
    if left > 0:
        eligible = [i for i in order if x[i] > 0]
        for k in range(left):
            base[eligible[k % len(eligible)]] += 1
    elif left < 0:
        for i in order[::-1][: -left]:
            base[i] -= 1
    return base


class _Flow:
    """The state of one :func:`_flow_round`: the units each arc (row → column), row and column carries so far.

    ``need`` is each row's units to place, ``cap`` each arc's room; arcs are taken in order of fractional
    part ``frac`` (largest first, then by row and column).
    """

    def __init__(self, need: np.ndarray, cap: np.ndarray, frac: np.ndarray):
        n_r, n_c = cap.shape
        self.n_r = n_r
        self.need, self.cap = need, cap
        self.used = np.zeros((n_r, n_c), dtype=np.int64)
        self.row_used = np.zeros(n_r, dtype=np.int64)
        self.col_used = np.zeros(n_c, dtype=np.int64)
        arcs = [(r, c) for r, c in zip(*np.nonzero(cap > 0))]
        arcs.sort(key=lambda rc: (-frac[rc], rc[0], rc[1]))
        self.arcs = arcs
        # each row's arcs, largest fractional part first (augmenting paths prefer them)
        row_arcs: list[list[int]] = [[] for _ in range(n_r)]
        for r, c in arcs:
            row_arcs[r].append(c)
        self.row_arcs = row_arcs

    def greedy(self, limit: np.ndarray) -> None:
        """Fill the arcs in order, each as far as its row's need, its column's ``limit`` and its room allow."""
        need, cap, used, row_used, col_used = self.need, self.cap, self.used, self.row_used, self.col_used
        for r, c in self.arcs:
            room = min(need[r] - row_used[r], limit[c] - col_used[c], cap[r, c] - used[r, c])
            if room > 0:
                used[r, c] += room
                row_used[r] += room
                col_used[c] += room

    def augment(self, limit: np.ndarray) -> bool:
        """One unit along a shortest path from a row short of its need to a column with room."""
        n_r, need, cap, used, row_used, col_used = self.n_r, self.need, self.cap, self.used, self.row_used, self.col_used
        row_arcs = self.row_arcs
        prev_col = {}  # column → row it was reached from
        prev_row = {}  # row → column it was reached from (None for a start row)
        queue = deque()
        for r in range(n_r):
            if row_used[r] < need[r]:
                prev_row[r] = None
                queue.append(r)
        while queue:
            r = queue.popleft()
            for c in row_arcs[r]:
                if c in prev_col or used[r, c] >= cap[r, c]:
                    continue
                prev_col[c] = r
                if col_used[c] < limit[c]:
                    # flip the path
                    col_used[c] += 1
                    while True:
                        rr = prev_col[c]
                        used[rr, c] += 1
                        back = prev_row[rr]
                        if back is None:
                            row_used[rr] += 1
                            return True
                        used[rr, back] -= 1
                        c = back
                for r2 in range(n_r):
                    if used[r2, c] > 0 and r2 not in prev_row:
                        prev_row[r2] = c
                        queue.append(r2)
        return False


def _flow_round(x: np.ndarray, rows: np.ndarray, col_lo: np.ndarray, col_hi: np.ndarray, slack: int = 0) -> np.ndarray | None:
    """Integer matrix near ``x`` with exact row sums and column sums within bounds.

    Each entry is ⌊x⌋ or ⌈x⌉ (widened by ``slack`` units either way, never
    below zero, when ``slack`` > 0); entries where ``x`` is zero stay zero.
    Solved as a bipartite flow (rows → columns, one arc per entry): a greedy
    pass in order of fractional part (largest first) and then augmenting paths,
    first up to the columns' lower bounds and then up to their upper bounds
    (:class:`_Flow`). Returns None when no such matrix exists.
    """
    x = np.asarray(x, dtype=float)
    support = x > _EPS
    low = np.floor(x + _EPS)
    high = np.ceil(x - _EPS)
    base = np.where(support, np.maximum(low - slack, 0), 0).astype(np.int64)
    cap = np.where(support, (high + slack) - base, 0).astype(np.int64)
    need = rows.astype(np.int64) - base.sum(axis=1)
    lo = np.maximum(col_lo.astype(np.int64) - base.sum(axis=0), 0)
    hi = col_hi.astype(np.int64) - base.sum(axis=0)
    if (need < 0).any() or (need > cap.sum(axis=1)).any() or (hi < 0).any() or (lo > hi).any():
        return None
    flow = _Flow(need, cap, np.where(cap > 0, x - base, -np.inf))
    flow.greedy(lo)
    while flow.col_used.sum() < lo.sum() and flow.augment(lo):
        pass
    if (flow.col_used < lo).any():
        return None
    flow.greedy(hi)
    while (flow.row_used < need).any() and flow.augment(hi):
        pass
    if (flow.row_used < need).any():
        return None
    return base + flow.used


def _rake_matrix(m: np.ndarray, rows: np.ndarray, cols: np.ndarray, fixed_cols: np.ndarray,
                 tol: float = 1e-7, max_iter: int = 5000) -> np.ndarray | None:
    """Scale ``m`` to row sums ``rows`` and, for columns flagged in ``fixed_cols``,
    column sums ``cols`` (the other columns share what is left in proportion to
    their current sums). None when it does not converge."""
    m = np.asarray(m, dtype=float).copy()
    free = ~fixed_cols
    for _ in range(max_iter):
        rs = m.sum(axis=1)
        if ((rs <= _EPS) & (rows > tol)).any():
            return None
        m *= np.divide(rows, rs, out=np.zeros_like(rs), where=rs > _EPS)[:, None]
        if not fixed_cols.any():
            return m
        cs = m.sum(axis=0)
        target = cols.astype(float).copy()
        rest = rows.sum() - target[fixed_cols].sum()
        free_sum = cs[free].sum()
        if free.any():
            if free_sum <= _EPS:
                if rest > tol:
                    return None
                target[free] = 0.0
            else:
                target[free] = cs[free] * (rest / free_sum)
        if ((cs <= _EPS) & (target > tol)).any():
            return None
        m *= np.divide(target, cs, out=np.zeros_like(cs), where=cs > _EPS)[None, :]
        if np.abs(m.sum(axis=1) - rows).max(initial=0.0) < tol:
            return m
    return None


def round_table(values: pd.Series, total: int, fixed: Mapping[str, Mapping[object, int]] | None = None) -> pd.Series:
    """Round a table of non-negative amounts to integers that add up to
    ``total`` exactly, keeping every fixed node's sum exact.

    ``values`` has one entry per cell of a crossing of dimensions (a
    MultiIndex, or a plain index for one dimension) and should add up to
    ``total``; ``fixed`` maps a dimension to ``{node: integer sum}`` (sums
    that must come out exactly, e.g. overrides). Every cell ends on ⌊x⌋ or
    ⌈x⌉, and so does every node of every dimension that is not fixed — the
    table is consistent on every margin by construction (controlled rounding:
    one dimension at a time, each level a small bipartite flow between the
    cells rounded so far and the next dimension's nodes).

    Examples
    --------
    >>> idx = pd.MultiIndex.from_product([["A", "B"], ["x", "y"]], names=["region", "line"])
    >>> round_table(pd.Series([2.5, 2.5, 2.5, 2.5], index=idx), 10).tolist()
    [3, 2, 2, 3]
    """
    fixed = {d: dict(v) for d, v in (fixed or {}).items() if v}
    if not isinstance(values.index, pd.MultiIndex):
        name = values.index.name or "node"
        out = round_table(pd.Series(values.to_numpy(), index=pd.MultiIndex.from_arrays([values.index], names=[name])),
                          total, {name: fixed.get(name, {})} if fixed else None)
        return pd.Series(out.to_numpy(), index=values.index, name=values.name)
    dims = list(values.index.names)
    order = [d for d in dims if d in fixed] + [d for d in dims if d not in fixed]
    x = values.astype(float).clip(lower=0)
    rows = pd.Series([int(total)], index=pd.Index(["__all__"]))
    result: pd.Series | None = None
    for j, dim in enumerate(order):
        keys = order[: j + 1]
        xj = x.groupby(level=keys, sort=True).sum()
        if j == 0:
            mat = pd.DataFrame([xj.to_numpy()], index=rows.index, columns=xj.index)
        else:
            mat = xj.unstack(dim, fill_value=0.0)
            if not isinstance(mat.index, pd.MultiIndex) and len(keys) > 2:
                mat.index = pd.MultiIndex.from_tuples(mat.index)
        r = rows.reindex(mat.index).fillna(0).to_numpy(dtype=float)
        col_nodes = list(mat.columns)
        fixed_d = fixed.get(dim, {})
        is_fixed = np.array([c in fixed_d for c in col_nodes], dtype=bool)
        cols = np.array([fixed_d.get(c, 0) for c in col_nodes], dtype=float)
        m = mat.to_numpy(dtype=float)
        raked = _rake_matrix(m, r, cols, is_fixed)
        y = None
        if raked is not None:
            cs = raked.sum(axis=0)
            lo = np.where(is_fixed, cols, np.floor(cs + _EPS))
            hi = np.where(is_fixed, cols, np.ceil(cs - _EPS))
            y = _flow_round(raked, r, lo, hi)
        if y is None:  # rare: the rounding of earlier dimensions left no room; allow wider steps
            rs = m.sum(axis=1)
            scaled = m * np.divide(r, rs, out=np.zeros_like(rs), where=rs > _EPS)[:, None]
            lo = np.where(is_fixed, cols, 0)
            hi = np.where(is_fixed, cols, np.iinfo(np.int64).max // 4)
            for slack in (1, 2, 3, 5, 10):
                y = _flow_round(scaled, r, lo, hi, slack=slack)
                if y is not None:
                    break
        if y is None:
            raise PlanError(f"the fixed amounts on {dim} cannot be met together with the others after rounding; check the overrides")
        frame = pd.DataFrame(y, index=mat.index, columns=mat.columns)
        if j == 0:
            result = pd.Series(frame.iloc[0].to_numpy(), index=xj.index)
        else:
            stacked = frame.stack()
            stacked.index = stacked.index.set_names(keys)
            result = stacked.reindex(xj.index).fillna(0).astype(np.int64)
        rows = result
    out = result.reorder_levels(dims) if len(dims) > 1 else result
    out = out.reindex(values.index).fillna(0).astype(np.int64)
    out.name = values.name
    return out


def rake(seed: pd.Series, targets: Mapping[str, Mapping[object, float]], total: float | None = None,
         max_iter: int = 20000) -> pd.Series:
    """Iterative proportional fitting: scale ``seed`` until, in every
    dimension of ``targets``, each listed node's cells add up to its target.

    Nodes of a dimension that are not listed share what is left (``total`` −
    the listed targets) and keep their proportions among themselves as far as
    the other dimensions allow. ``total`` defaults to the seed's sum. Cells
    that are zero stay zero. Raises :class:`PlanError` when the targets cannot
    be met together (a listed node has no cells with weight, the listed
    targets exceed the total, or the dimensions contradict each other).

    Examples
    --------
    >>> idx = pd.MultiIndex.from_product([["A", "B"], ["x", "y"]], names=["region", "line"])
    >>> r = rake(pd.Series(1.0, index=idx), {"region": {"A": 6, "B": 4}, "line": {"x": 7, "y": 3}})
    >>> r.round(3).tolist()
    [4.2, 1.8, 2.8, 1.2]
    >>> rake(pd.Series([1.0, 1, 2, 2], index=idx), {"region": {"A": 3}}).tolist()
    [1.5, 1.5, 1.5, 1.5]
    """
    if max_iter < 1:
        raise ValueError(f"max_iter must be at least 1, not {max_iter}")
    x = seed.astype(float).clip(lower=0)
    arr = x.to_numpy(dtype=float, copy=True)
    if not targets:
        return pd.Series(arr, index=x.index, name=seed.name)
    specs, full = _rake_specs(x, arr, targets, total)
    tol = max(1e-7, 1e-11 * abs(full))
    _check_fixed_sums(specs, full, tol)
    _fit(arr, specs, full, tol, max_iter)
    return pd.Series(arr, index=x.index, name=seed.name)


def _rake_specs(x: pd.Series, arr: np.ndarray, targets: Mapping[str, Mapping[object, float]], total: float | None) -> tuple[list, float]:
    """Per dimension of ``targets`` (:func:`rake`): ``(dimension, each cell's node code, which nodes are
    fixed, their targets, the number of nodes, the nodes)``; and the total the table is fitted to."""
    full = sum(float(v) for v in next(iter(targets.values())).values()) if total is None else float(total)
    specs = []
    for d, nodes in targets.items():
        level = x.index.get_level_values(d) if isinstance(x.index, pd.MultiIndex) else x.index
        values = sorted(pd.unique(level), key=str)
        unknown = [n for n in nodes if n not in set(values)]
        if unknown:
            raise PlanError(f"{d}: {', '.join(map(str, unknown))} not found among the nodes ({', '.join(map(str, values))})")
        codes = pd.Index(values).get_indexer(level)
        fixed = np.array([v in nodes for v in values])
        tgt = np.array([float(nodes.get(v, 0.0)) for v in values])
        if total is None and not fixed.all():
            full = float(arr.sum())
        specs.append((d, codes, fixed, tgt, len(values), values))
    return specs, full


def _check_fixed_sums(specs: list, full: float, tol: float) -> None:
    """Raise when a dimension's fixed targets exceed the total, or fix every node and miss it."""
    for d, _codes, fixed, tgt, _k, _ in specs:
        rest = full - tgt[fixed].sum()
        if rest < -tol:
            raise PlanError(f"the fixed amounts on {d} add up to {tgt[fixed].sum():,.0f}, more than the total {full:,.0f}")
        if fixed.all() and abs(rest) > tol:
            raise PlanError(f"every {d} node is fixed but they add up to {tgt.sum():,.0f}, not the total {full:,.0f}")


def _rake_dimension(arr: np.ndarray, spec: tuple, full: float, tol: float, worst: float) -> float:
    """One step of :func:`rake`: scale ``arr`` in place so that one dimension's fixed nodes meet their targets
    and the free ones share the rest; returns ``worst`` raised to this dimension's gaps before the step."""
    d, codes, fixed, tgt, k, names = spec
    sums = np.bincount(codes, weights=arr, minlength=k)
    factor = np.ones(k)
    empty = fixed & (sums <= _EPS) & (tgt > tol)
    if empty.any():
        which = [str(v) for v, e in zip(names, empty) if e]
        raise PlanError(f"{d} {', '.join(which)} should get an amount but has no weight to carry it (no history under this method)")
    ok = fixed & (sums > _EPS)
    factor[ok] = tgt[ok] / sums[ok]
    worst = max(worst, float(np.abs(sums[fixed] - tgt[fixed]).max(initial=0.0)))
    free = ~fixed
    if free.any():
        rest = full - tgt[fixed].sum()
        free_sum = sums[free].sum()
        if free_sum <= _EPS:
            if rest > tol:
                raise PlanError(f"{rest:,.0f} is left for the other {d} nodes, but they have no weight under this method")
        else:
            factor[free] = max(rest, 0.0) / free_sum
            worst = max(worst, abs(free_sum - rest))
    arr *= factor[codes]
    return worst


def _fit(arr: np.ndarray, specs: list, full: float, tol: float, max_iter: int) -> None:
    """Repeat :func:`_rake_dimension` over the dimensions until every target holds (``arr`` scaled in place);
    raise when the targets contradict each other (no longer improving, or ``max_iter`` rounds)."""
    last_check = math.inf
    for it in range(max_iter):
        worst = 0.0
        for spec in specs:
            worst = _rake_dimension(arr, spec, full, tol, worst)
        if worst < tol:
            break
        if it % 500 == 499:  # no longer improving: the targets contradict each other
            if worst > 0.9 * last_check:
                it = max_iter
                break
            last_check = worst
    if it >= max_iter - 1 and worst >= tol:
        named = "; ".join(f"{d}: " + ", ".join(str(v) for v, f in zip(names, fixed) if f) for d, _, fixed, _, _, names in specs)
        raise PlanError(f"the fixed amounts cannot be met together ({named}): the overrides of different dimensions contradict "
                        "each other given where the weights lie (e.g. a region fixed high whose cells sit mostly in a product "
                        "line fixed low); relax one of them")


def _levels(index: pd.Index) -> list[str]:
    return list(index.names) if isinstance(index, pd.MultiIndex) else [index.name]


def _nodes(index: pd.Index, dim: str) -> list:
    level = index.get_level_values(dim) if isinstance(index, pd.MultiIndex) else index
    return sorted(pd.unique(level), key=str)


def allocate(total: float, weights: pd.Series, overrides: Mapping[str, Mapping[object, float]] | None = None,
             unit: float = 1) -> pd.Series:
    """Split ``total`` over the cells of ``weights`` in proportion to the
    weights, honouring ``overrides`` exactly and preserving every total.

    Parameters
    ----------
    total : float
        The amount to split (rounded to a whole number of ``unit``).
    weights : Series
        Non-negative weight per cell; the index is one dimension or a
        MultiIndex crossing several (e.g. region × product_line ×
        customer_type: a grouped hierarchy, not a tree).
    overrides : mapping, optional
        ``{dimension: {node: amount}}``: the node's cells must add up to the
        amount exactly. Within each dimension with overrides, the remainder
        (total − overrides) is re-spread over the other nodes in proportion
        to their weight, and the table is raked (iterative proportional
        fitting) so that every dimension holds at once. When overrides on
        several dimensions cannot hold with those proportions, only the
        overrides are held and the other nodes share the rest as the other
        dimensions allow.
    unit : float
        Rounding unit (1 = one yuan). Every cell is a whole number of units;
        cells, fixed nodes and the grand total add up exactly, and every other
        margin is within one unit of its unrounded value.

    Returns
    -------
    Series of the same index (sorted), amounts in currency (multiples of ``unit``).

    Raises
    ------
    PlanError
        Overrides exceed the total, leave a remainder with nowhere to go,
        name an unknown node, or cannot hold together.

    Examples
    --------
    >>> w = pd.Series([3.0, 1.0, 2.0, 2.0], index=pd.MultiIndex.from_product([["A", "B"], ["x", "y"]], names=["region", "line"]))
    >>> allocate(100, w).tolist()
    [38.0, 12.0, 25.0, 25.0]
    >>> allocate(100, w, {"region": {"A": 60}}).tolist()
    [45.0, 15.0, 20.0, 20.0]
    """
    w = _checked_weights(weights, unit)
    units = int(round(total / unit))
    if units < 0:
        raise PlanError(f"the total {total:,.0f} is negative")
    dims = _levels(w.index)
    fixed = _fixed_units(overrides, w, dims, units, unit)
    if w.sum() <= 0 and units > 0 and not fixed:
        raise PlanError("all weights are zero: there is nothing to split the total by")
    seed = _seed(w, fixed, dims, units, unit)
    targets = {dim: {n: float(v) for n, v in nodes.items()} for dim, nodes in fixed.items()}
    x = seed
    if targets:
        # first choice: in each dimension with overrides, the other nodes share the remainder exactly in
        # proportion to their weight; when the dimensions cannot all hold that way, only the overrides are
        # held and the other nodes share what is left as the other dimensions allow
        proportional = _proportional(seed, targets, units)
        try:
            x = rake(seed, proportional, total=units)
        except PlanError:
            x = rake(seed, targets, total=units)
    y = round_table(x, units, fixed)
    return (y.astype(float) * unit).rename(weights.name or "target")


def _checked_weights(weights: pd.Series, unit: float) -> pd.Series:
    """:func:`allocate`'s weights as floats in index order, after checking them and the rounding unit."""
    if not isinstance(weights, pd.Series):
        raise TypeError("weights must be a pandas Series")
    if weights.isna().any():
        raise PlanError("weights contain blanks")
    if (weights < 0).any():
        raise PlanError("weights must not be negative")
    if unit <= 0:
        raise PlanError("the rounding unit must be positive")
    w = weights.astype(float).sort_index()
    if w.index.has_duplicates:
        raise PlanError("each cell must appear once in the weights")
    return w


def _fixed_units(overrides: Mapping[str, Mapping[object, float]] | None, w: pd.Series, dims: list[str], units: int,
                 unit: float) -> dict[str, dict[object, int]]:
    """:func:`allocate`'s overrides in whole units, ``{dimension: {node: units}}``, after checking that each
    names a node of the plan, is a non-negative amount and fits the total."""
    fixed: dict[str, dict[object, int]] = {}
    for dim, nodes in (overrides or {}).items():
        if not nodes:
            continue
        if dim not in dims:
            raise PlanError(f"override on {dim!r}: not one of the plan's dimensions ({', '.join(dims)})")
        known = _nodes(w.index, dim)
        unknown = [n for n in nodes if n not in known]
        if unknown:
            raise PlanError(f"override on {dim} {', '.join(map(str, unknown))}: not a {dim} of the plan ({', '.join(map(str, known))})")
        bad = {n: v for n, v in nodes.items() if v is None or not np.isfinite(v) or v < 0}
        if bad:
            raise PlanError(f"override on {dim} {', '.join(map(str, bad))}: a target must be a non-negative amount")
        fixed[dim] = {n: int(round(v / unit)) for n, v in nodes.items()}
        used = sum(fixed[dim].values())
        listing = " + ".join(f"{n} {v * unit:,.0f}" for n, v in fixed[dim].items())
        if used > units:
            raise PlanError(f"overrides on {dim} ({listing}) add up to {used * unit:,.0f}, more than the total {units * unit:,.0f}: "
                            f"lower them or raise the total")
        if len(fixed[dim]) == len(known) and used != units:
            raise PlanError(f"every {dim} has an override, but they add up to {used * unit:,.0f}, not the total {units * unit:,.0f}")
    return fixed


def _seed(w: pd.Series, fixed: dict[str, dict[object, int]], dims: list[str], units: int, unit: float) -> pd.Series:
    """The weights scaled to ``units``, a fixed node without weight spread evenly over its cells; raises when
    what the overrides leave has no weight to go to."""
    seed = w.copy()
    level_of = {d: (seed.index.get_level_values(d) if isinstance(seed.index, pd.MultiIndex) else seed.index) for d in dims}
    # a fixed node with no weight at all is spread evenly over its cells
    for dim, nodes in fixed.items():
        for node, value in nodes.items():
            mask = np.asarray(level_of[dim] == node)
            if value > 0 and seed[mask].sum() <= 0:
                seed[mask] = 1e-6 * max(w.sum(), 1.0) / mask.sum()
    s = seed.sum()
    seed = seed * (units / s) if s > 0 else seed
    for dim, nodes in fixed.items():
        marg = seed.groupby(level=dim).sum() if isinstance(seed.index, pd.MultiIndex) else seed.groupby(level=0).sum()
        free = [n for n in marg.index if n not in nodes]
        rest = units - sum(nodes.values())
        if rest > 0 and (not free or float(marg[free].sum()) <= 0):
            others = ", ".join(map(str, free)) if free else "none"
            raise PlanError(f"after the overrides on {dim}, {rest * unit:,.0f} is left for the other {dim} nodes ({others}), "
                            f"but they have no weight under this method: override them too, or change the method")
    return seed


def _proportional(seed: pd.Series, targets: dict[str, dict[object, float]], units: int) -> dict[str, dict[object, float]]:
    """``targets`` with, in each dimension, the other nodes' share of the remainder in proportion to their weight."""
    proportional = {}
    for dim, nodes in targets.items():
        marg = seed.groupby(level=dim).sum() if isinstance(seed.index, pd.MultiIndex) else seed.groupby(level=0).sum()
        free = marg.drop(list(nodes))
        rest = units - sum(nodes.values())
        proportional[dim] = {**nodes, **({n: float(v) * rest / free.sum() for n, v in free.items()} if free.sum() > 0 else {})}
    return proportional


def margins(cells: pd.DataFrame, by: str | Sequence[str], value: str = "target") -> pd.Series:
    """Sum of ``value`` per node of ``by`` (one dimension or a crossing)."""
    by = [by] if isinstance(by, str) else list(by)
    return cells.groupby(by, sort=True)[value].sum()
