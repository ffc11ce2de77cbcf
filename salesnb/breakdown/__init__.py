"""Step 2: break the plan down and allocate resources (销售计划拆解与资源配置).

A run for period P plans the **next** period: by default, a report period that
closes its fiscal year (``2025`` or ``2025Q4``) plans the next fiscal year
(``2026``, phased by month); any other quarter plans the next quarter
(``2025Q3`` → ``2025Q4``). ``breakdown.horizon`` in ``workspace.yaml`` forces
``year`` or ``quarter``. Only data up to the end of P is used. A quarterly
plan is compared with the same quarter in earlier years; when the data starts
less than a year before the plan it falls back to the latest whole quarters
and says so (:class:`PlanPeriods` ``basis``); a yearly plan needs a whole year.

The pieces, bottom up:

- :func:`largest_remainder` and :func:`round_table` — integers that add up
  exactly, on every margin of a table;
- :func:`rake` — iterative proportional fitting of a table to fixed margins;
- :func:`allocate` — a total over a grouped hierarchy of dimensions (region ×
  product line × customer type …) from non-negative weights, with overrides
  honoured exactly and the remainder re-spread;
- :func:`method_weights` — the weights of the methods ``even``, ``history``,
  ``momentum``, ``potential`` and their ``blend``;
- :func:`plan_periods`, :func:`plan_history`, :func:`plan_total`,
  :func:`customer_split`, :func:`seasonality`, :func:`phase`,
  :func:`growth_checks` — the plan itself, assembled by :func:`build_plan`;
- :func:`customer_tiers`, :func:`tier_summary` — 客户分层 by value and loyalty;
- :func:`action_plan`, :func:`priority_scores`, :func:`allocate_budget`,
  :func:`budget_efficiency` — the actions and the budget;
- :func:`workbook_sheets`, :func:`targets_workbook` — the 销售目标分解表 for
  sales managers (``targets.xlsx``);
- ``*_view`` and ``narrative_*`` — the notebook's tables and sentences in the
  report language; :func:`plan_panel` — the ipywidgets panel for analysts.

Amounts are in the workspace currency (元) throughout; targets are whole
multiples of ``breakdown.rounding_unit``.
"""
from __future__ import annotations

import io
import math
from dataclasses import dataclass, field
from datetime import date
from typing import Iterable, Mapping, NamedTuple, Sequence

import numpy as np
import pandas as pd

from .config import Breakdown, Budget, PlanAction, Tiers, WorkspaceConfig
from .artifacts import neutralise_formula, neutralise_frame
from .i18n import t
from .periods import Period

__all__ = [
    # allocation and rounding
    "PlanError", "largest_remainder", "round_table", "rake", "allocate", "margins", "METHODS", "method_weights",
    # the plan
    "Window", "PlanPeriods", "plan_periods", "plan_history", "goal_targets", "PlanTotal", "plan_total",
    "RetentionFacts", "retention_facts", "CustomerSplit", "customer_split", "split_options", "resolve_overrides",
    "seasonality", "phase", "growth_checks", "margin_checks", "PlanInputs", "retention_months", "plan_inputs", "Plan", "build_plan",
    "CUSTOMER_TYPES",
    # tiers, actions, budget
    "customer_tiers", "tier_summary", "action_plan", "plan_nodes", "CENTRAL", "priority_scores", "allocate_budget",
    "BudgetFloorWarning", "effective_min_share", "budget_floor_note",
    "budget_efficiency", "budget_lines", "budget_table", "summary_metrics",
    # the Excel template
    "safe_text", "safe_frame", "Sheet", "targets_workbook", "workbook_sheets",
    # views and narrative for the notebook (report language)
    "View", "node_label", "dim_label", "method_text", "flag_text", "actuals_view", "total_view", "goals_view", "method_view",
    "overrides_view", "split_view", "matrix_view", "margin_view", "phasing_view", "checks_view", "margin_checks_view",
    "tiers_view", "actions_view", "problems_view", "budget_lines_view", "budget_view", "budget_matrix_view",
    "narrative_plan", "narrative_basis", "narrative_total", "narrative_method", "narrative_split", "narrative_matrix", "narrative_phasing",
    "narrative_checks", "narrative_tiers", "narrative_actions", "narrative_budget", "definitions",
    # the analysts' panel
    "parse_overrides", "overrides_text", "plan_panel",
]

CUSTOMER_TYPES = ("existing", "new")
"""Nodes of the derived ``customer_type`` dimension."""

_EPS = 1e-9


class PlanError(ValueError):
    """The plan cannot be built as configured (an impossible override, a missing driver …).

    The message says what is wrong and what to change.
    """


# =========================================================================== rounding


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


def _flow_round(x: np.ndarray, rows: np.ndarray, col_lo: np.ndarray, col_hi: np.ndarray, slack: int = 0) -> np.ndarray | None:
    """Integer matrix near ``x`` with exact row sums and column sums within bounds.

    Each entry is ⌊x⌋ or ⌈x⌉ (widened by ``slack`` units either way, never
    below zero, when ``slack`` > 0); entries where ``x`` is zero stay zero.
    Solved as a bipartite flow (rows → columns, one arc per entry): a greedy
    pass in order of fractional part (largest first) and then augmenting paths,
    first up to the columns' lower bounds and then up to their upper bounds.
    Returns None when no such matrix exists.
    """
    x = np.asarray(x, dtype=float)
    n_r, n_c = x.shape
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
    frac = np.where(cap > 0, x - base, -np.inf)
    used = np.zeros((n_r, n_c), dtype=np.int64)
    row_used = np.zeros(n_r, dtype=np.int64)
    col_used = np.zeros(n_c, dtype=np.int64)
    arcs = [(r, c) for r, c in zip(*np.nonzero(cap > 0))]
    arcs.sort(key=lambda rc: (-frac[rc], rc[0], rc[1]))
    # each row's arcs, largest fractional part first (augmenting paths prefer them)
    row_arcs: list[list[int]] = [[] for _ in range(n_r)]
    for r, c in arcs:
        row_arcs[r].append(c)

    def greedy(limit: np.ndarray) -> None:
        for r, c in arcs:
            room = min(need[r] - row_used[r], limit[c] - col_used[c], cap[r, c] - used[r, c])
            if room > 0:
                used[r, c] += room
                row_used[r] += room
                col_used[c] += room

    def augment(limit: np.ndarray) -> bool:
        """One unit along a shortest path from a row short of its need to a column with room."""
        from collections import deque

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

    greedy(lo)
    while col_used.sum() < lo.sum() and augment(lo):
        pass
    if (col_used < lo).any():
        return None
    greedy(hi)
    while (row_used < need).any() and augment(hi):
        pass
    if (row_used < need).any():
        return None
    return base + used


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


# =========================================================================== raking and allocation


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
    x = seed.astype(float).clip(lower=0)
    arr = x.to_numpy(dtype=float, copy=True)
    if not targets:
        return pd.Series(arr, index=x.index, name=seed.name)
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
    tol = max(1e-7, 1e-11 * abs(full))
    for d, _codes, fixed, tgt, _k, _ in specs:
        rest = full - tgt[fixed].sum()
        if rest < -tol:
            raise PlanError(f"the fixed amounts on {d} add up to {tgt[fixed].sum():,.0f}, more than the total {full:,.0f}")
        if fixed.all() and abs(rest) > tol:
            raise PlanError(f"every {d} node is fixed but they add up to {tgt.sum():,.0f}, not the total {full:,.0f}")
    last_check = math.inf
    for it in range(max_iter):
        worst = 0.0
        for d, codes, fixed, tgt, k, names in specs:
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
    return pd.Series(arr, index=x.index, name=seed.name)


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
    units = int(round(total / unit))
    if units < 0:
        raise PlanError(f"the total {total:,.0f} is negative")
    dims = _levels(w.index)
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
    if w.sum() <= 0 and units > 0 and not fixed:
        raise PlanError("all weights are zero: there is nothing to split the total by")
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
    targets = {dim: {n: float(v) for n, v in nodes.items()} for dim, nodes in fixed.items()}
    # first choice: in each dimension with overrides, the other nodes share the remainder exactly in
    # proportion to their weight; when the dimensions cannot all hold that way, only the overrides are
    # held and the other nodes share what is left as the other dimensions allow
    proportional = {}
    for dim, nodes in targets.items():
        marg = seed.groupby(level=dim).sum() if isinstance(seed.index, pd.MultiIndex) else seed.groupby(level=0).sum()
        free = marg.drop(list(nodes))
        rest = units - sum(nodes.values())
        proportional[dim] = {**nodes, **({n: float(v) * rest / free.sum() for n, v in free.items()} if free.sum() > 0 else {})}
    x = seed
    if targets:
        try:
            x = rake(seed, proportional, total=units)
        except PlanError:
            x = rake(seed, targets, total=units)
    y = round_table(x, units, fixed)
    return (y.astype(float) * unit).rename(weights.name or "target")


def margins(cells: pd.DataFrame, by: str | Sequence[str], value: str = "target") -> pd.Series:
    """Sum of ``value`` per node of ``by`` (one dimension or a crossing)."""
    by = [by] if isinstance(by, str) else list(by)
    return cells.groupby(by, sort=True)[value].sum()


# =========================================================================== methods

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

    def norm(s: pd.Series) -> pd.Series:
        tot = s.sum()
        return s / tot if tot > 0 else s * 0.0

    out = pd.DataFrame(index=index)
    out["even"] = 1.0 / len(index)
    out["history"] = norm(by_window[[c for c in use if c in by_window.columns]].sum(axis=1))
    latest = by_window[0] if 0 in by_window.columns else pd.Series(0.0, index=index)
    span = max(c for c in available if c < max(lookback, 2)) if len(available) > 1 and trend else 0
    if span > 0:
        first = by_window[span]
        with np.errstate(divide="ignore", invalid="ignore"):
            factor = np.where(first > 0, (latest / first.where(first > 0)) ** (1.0 / span), np.where(latest > 0, 1 + momentum_cap, 1.0))
        factor = np.clip(np.nan_to_num(factor, nan=1.0), 1 - momentum_cap, 1 + momentum_cap)
        out["momentum"] = norm(latest * factor)
    else:
        out["momentum"] = norm(latest)
    if potential:
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
        seed = out["history"].where(out["history"] > 0, 0.0)
        if seed.sum() <= 0:
            seed = out["even"]
        out["potential"] = norm(rake(seed, targets))
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
        out["weight"] = sum(out[m] * (v / tot) for m, v in blend.items() if v > 0)
    else:
        if method not in out:
            raise PlanError("method 'potential' needs drivers in breakdown.potential (e.g. market size per region)")
        out["weight"] = out[method]
    return out


# =========================================================================== the plan period


@dataclass(frozen=True)
class Window:
    """A stretch of history ``[start, end)`` with a label (``2025`` or ``2024-07…2025-06``)."""

    start: pd.Timestamp
    end: pd.Timestamp
    label: str

    def contains(self, dates: pd.Series) -> pd.Series:
        return (dates >= self.start) & (dates < self.end)


@dataclass(frozen=True)
class PlanPeriods:
    """What a run plans and the history it compares with.

    ``plan`` is the planned period; ``windows`` are the comparable periods of
    the same length before it, most recent first (``windows[0]`` is the base
    that growth is measured against). ``months`` are the plan's months
    (``2026-01`` …). ``basis`` says how the windows relate to the plan:

    - ``year_on_year``: each window is the plan shifted back by whole years —
      for a yearly plan the trailing twelve-month windows ending at the
      report period's end (the fiscal years, when the report closes a year);
      for a quarterly plan the same quarter in earlier years. Comparisons
      between windows and with the plan carry no seasonality.
    - ``recent_quarters``: a quarterly plan whose same quarter a year earlier
      is not (fully) in the data: the latest fully covered quarters,
      consecutive, most recent first (the report quarter, then the ones
      before it). Seasonality is not known, so :func:`plan_inputs` and
      :func:`build_plan` use no quarter-on-quarter trend (total, momentum,
      spend per customer), split the plan's months evenly and say so.

    ``data_start`` is the first order date the windows were chosen from
    (None when not given).
    """

    report: Period
    plan: Period
    windows: tuple[Window, ...]
    months: tuple[str, ...]
    basis: str = "year_on_year"
    data_start: pd.Timestamp | None = None

    @property
    def horizon(self) -> str:
        return "quarter" if self.plan.is_quarter else "year"

    @property
    def base(self) -> Window:
        return self.windows[0]

    @property
    def year_on_year(self) -> bool:
        """True when the windows are the plan's period in earlier years (seasonality is comparable)."""
        return self.basis == "year_on_year"

    @property
    def same_period_last_year(self) -> Period:
        """The plan's period a year earlier (what a ``recent_quarters`` plan lacks)."""
        return self.plan.year_ago()

    @property
    def quarters(self) -> tuple[str, ...]:
        return tuple(str(q) for q in self.plan.quarters())


def _window_label(start: pd.Timestamp, end: pd.Timestamp, start_month: int) -> str:
    months = (end.year - start.year) * 12 + end.month - start.month
    grain = "year" if months == 12 else "quarter" if months == 3 else None
    if grain:
        p = Period.of(start, grain, start_month)
        if p.start == start:
            return str(p)
    return f"{start:%Y-%m}…{(end - pd.Timedelta(days=1)):%Y-%m}"


def plan_periods(report: Period, horizon: str = "auto", data_start: pd.Timestamp | None = None, max_windows: int = 10) -> PlanPeriods:
    """The planned period for a run of ``report`` and its comparable history windows.

    ``horizon``: ``year`` plans the fiscal year after the one containing the
    report period; ``quarter`` the quarter after it (the first quarter of the
    next year when the report period is a year); ``auto`` is ``year`` when
    the report period is a year or the last quarter of one, else ``quarter``.
    Only windows that the data fully covers (from ``data_start``'s month) are
    kept, at most ``max_windows``.

    A quarterly plan compares with the same quarter in earlier years
    (``basis`` ``year_on_year``). When the data covers none of them — it
    starts less than a year before the plan — it falls back to the latest
    whole quarters before the plan, the report quarter first (``basis``
    ``recent_quarters``). A yearly plan needs twelve whole months ending
    with the report period: there is no fallback (a part of a year cannot
    stand for a whole one), and the error names the data's start, the
    months needed and the quarterly alternative.

    Examples
    --------
    >>> pp = plan_periods(Period.parse("2025Q4"), data_start=pd.Timestamp("2023-01-01"))
    >>> str(pp.plan), [w.label for w in pp.windows], pp.months[0], pp.basis
    ('2026', ['2025', '2024', '2023'], '2026-01', 'year_on_year')
    >>> pp = plan_periods(Period.parse("2025Q3"), data_start=pd.Timestamp("2023-01-01"))
    >>> str(pp.plan), [w.label for w in pp.windows]
    ('2025Q4', ['2024Q4', '2023Q4'])
    >>> pp = plan_periods(Period.parse("2011Q3"), data_start=pd.Timestamp("2010-12-01"))
    >>> str(pp.plan), [w.label for w in pp.windows], pp.basis
    ('2011Q4', ['2011Q3', '2011Q2', '2011Q1'], 'recent_quarters')
    """
    if horizon not in ("auto", "year", "quarter"):
        raise PlanError(f"horizon {horizon!r} must be auto, year or quarter")
    sm = report.start_month
    if horizon == "auto":
        horizon = "year" if (not report.is_quarter or report.quarter == 4) else "quarter"
    given = None if data_start is None else pd.Timestamp(data_start)
    first = None if given is None else pd.Timestamp(given.year, given.month, 1)
    data = "the data" if given is None else f"the data starts on {given.date().isoformat()} and"
    windows: list[Window] = []
    basis = "year_on_year"
    if horizon == "year":
        plan = Period(report.year + 1, None, sm)
        end = report.end_exclusive
        for k in range(max_windows):
            w_end = end - pd.DateOffset(months=12 * k)
            w_start = w_end - pd.DateOffset(months=12)
            if first is not None and w_start < first:
                break
            windows.append(Window(w_start, w_end, _window_label(w_start, w_end, sm)))
        if not windows:
            raise PlanError(f"{data} does not cover a whole year before {report}: a yearly plan for {plan} needs the "
                            f"twelve months {end - pd.DateOffset(months=12):%Y-%m} to {end - pd.Timedelta(days=1):%Y-%m} "
                            "to plan from. Report on a later period, or set breakdown.horizon: quarter in workspace.yaml "
                            "to plan the next quarter from the latest quarters")
    else:
        plan = report.shift(1) if report.is_quarter else Period(report.year + 1, 1, sm)
        for k in range(1, max_windows + 1):
            q = plan.shift(-4 * k)
            if q.end_exclusive > report.end_exclusive:
                continue
            if first is not None and q.start < first:
                break
            windows.append(Window(q.start, q.end_exclusive, str(q)))
        if not windows:
            # no same quarter a year earlier: the latest whole quarters, consecutive
            basis = "recent_quarters"
            for k in range(1, max_windows + 1):
                q = plan.shift(-k)
                if first is not None and q.start < first:
                    break
                windows.append(Window(q.start, q.end_exclusive, str(q)))
        if not windows:
            raise PlanError(f"{data} does not cover a whole quarter before {report}: there is no history to plan from "
                            f"(the latest quarter, {plan.shift(-1)}, starts on {plan.shift(-1).start.date().isoformat()})")
    months = tuple(f"{(plan.start + pd.DateOffset(months=i)):%Y-%m}" for i in range(plan.months))
    return PlanPeriods(report, plan, tuple(windows), months, basis, given)


# =========================================================================== history per cell

BLANK = "(blank)"


def _is_code_column(column: str) -> bool:
    """A column of metrics.with_id_codes (integer id codes): never a dimension."""
    from .metrics import ID_CODE_COLUMNS

    return column in ID_CODE_COLUMNS.values()


def _with_dimensions(sales: pd.DataFrame, customers: pd.DataFrame | None, dims: Sequence[str]) -> pd.DataFrame:
    """Order lines with every dimension column present (customer columns joined on ``customer_id``)."""
    out = sales
    for d in dims:
        if d == "customer_type" or d in out.columns:
            continue
        if customers is not None and d in customers.columns:
            attr = customers.drop_duplicates("customer_id").set_index("customer_id")[d]
            out = out.assign(**{d: out["customer_id"].map(attr)})
        else:
            raise PlanError(f"dimension {d!r} is neither a sales column nor a customers column; "
                            f"use customer_type or one of: {', '.join(c for c in sales.columns if sales[c].dtype != float and not _is_code_column(c))}")
    for d in dims:
        if d != "customer_type" and out[d].isna().any():
            out = out.assign(**{d: out[d].astype("object").where(out[d].notna(), BLANK).astype(str)})
    return out


def plan_history(sales: pd.DataFrame, periods: PlanPeriods, dims: Sequence[str], customers: pd.DataFrame | None = None) -> pd.DataFrame:
    """Revenue, orders and customers per cell of ``dims`` in each history window.

    ``customer_type`` is ``new`` for a line whose customer's first-ever order
    falls inside the same window, else ``existing``. Returns one row per cell
    and window: ``dims``, ``window`` (0 = most recent), ``label``,
    ``revenue``, ``orders``, ``customers`` and ``censored`` (True for windows
    starting within the data's first twelve months when ``customer_type`` is a
    dimension: every customer looks new there, so their split is not used).
    """
    from . import metrics as m

    dims = list(dims)
    lines = _with_dimensions(m.with_id_codes(sales), customers, dims)
    first = lines.groupby(m.id_column(lines, "customer_id"))["order_date"].transform("min")
    data_start = lines["order_date"].min()
    data_start = pd.Timestamp(data_start.year, data_start.month, 1)
    frames = []
    for k, w in enumerate(periods.windows):
        mask = w.contains(lines["order_date"])
        part = lines.loc[mask]
        if "customer_type" in dims:
            part = part.assign(customer_type=np.where(first.loc[mask] >= w.start, "new", "existing"))
        g = (part.groupby(dims, sort=True, observed=True)
             .agg(revenue=("amount", "sum"), orders=(m.id_column(part, "order_id"), "nunique"), customers=(m.id_column(part, "customer_id"), "nunique"))
             .reset_index())
        g.insert(len(dims), "window", k)
        g.insert(len(dims) + 1, "label", w.label)
        # in the data's first twelve months every customer looks new: their new/existing split is unknown
        g["censored"] = "customer_type" in dims and w.start < data_start + pd.DateOffset(months=12)
        frames.append(g)
    return pd.concat(frames, ignore_index=True)


# =========================================================================== goals and the total


def goal_targets(goals: Sequence, sales: pd.DataFrame, report: Period, goals_frame: pd.DataFrame | None = None,
                 window_months: int = 12) -> pd.DataFrame:
    """The absolute target of each goal step 2 can use (revenue, new-customer
    revenue share, repurchase rate), with its baseline.

    The target comes from step 1's ``goals.csv`` (column ``target``) when it
    is given; otherwise it is the goal's ``value``, or its baseline × (1 +
    ``growth``), the baseline being the same period a year before the
    deadline (as in step 1). Returns ``goal_id``, ``metric``, ``scope``
    (dict), ``deadline``, ``baseline``, ``target``, ``source``
    (``goals.csv`` or ``workspace.yaml``).
    """
    from . import metrics as m

    given = {}
    if goals_frame is not None and len(goals_frame) and {"goal_id", "target"} <= set(goals_frame.columns):
        for gid, tgt in zip(goals_frame["goal_id"].astype(str), pd.to_numeric(goals_frame["target"], errors="coerce")):
            if tgt == tgt:
                given[gid] = float(tgt)
    rows = []
    for g in goals:
        if g.metric not in ("revenue", "new_customer_revenue_share", "repurchase_rate"):
            continue
        try:
            deadline = Period.parse(g.deadline, report.start_month)
        except ValueError:
            continue
        base_period = deadline.year_ago()
        sub = sales
        for col, val in g.scope.items():
            sub = m.select_rows(sub, (sub[col] == val).to_numpy()) if col in sub else sub.iloc[0:0]
        baseline = float("nan")
        if base_period.end_exclusive <= report.end_exclusive and len(sub):
            if g.metric == "revenue":
                baseline = float(m.sales_in(sub, base_period)["amount"].sum())
            elif g.metric == "new_customer_revenue_share":
                baseline = float(m.new_customers(sub, base_period)["new_customer_revenue_share"])
            else:
                baseline = float(m.retention(sub, base_period, window_months).repurchase_rate)
        if g.id in given:
            target, source = given[g.id], "goals.csv"
        elif g.target.value is not None:
            target, source = float(g.target.value), "workspace.yaml"
        else:
            target, source = baseline * (1 + g.target.growth), "workspace.yaml"
        rows.append({"goal_id": g.id, "metric": g.metric, "scope": dict(g.scope), "deadline": g.deadline,
                     "baseline": baseline, "target": target, "source": source})
    return pd.DataFrame(rows, columns=["goal_id", "metric", "scope", "deadline", "baseline", "target", "source"])


def _company_wide(goals: pd.DataFrame) -> np.ndarray:
    """Rows of :func:`goal_targets` output without a scope."""
    return np.array([not sc for sc in goals["scope"]], dtype=bool)


@dataclass(frozen=True)
class PlanTotal:
    """The plan's total and where it comes from.

    ``source`` is ``value`` (set in workspace.yaml), ``growth`` (set growth
    over the base), ``goal`` (a company-wide revenue goal) or ``trend`` (the
    base continued at its latest yearly growth). ``season_share`` is the
    share of the goal's year that a quarterly plan's quarter carries (1 when
    the amount was not scaled: a yearly plan, or a goal due in the planned quarter).
    """

    value: float
    source: str
    base: float
    growth: float
    goal_id: str | None = None
    goal_target: float | None = None
    season_share: float = 1.0
    trend_known: bool = True
    """False for a ``trend`` total without a latest twelve-month growth (under 24 months of data): it keeps the base."""


def plan_total(settings, periods: PlanPeriods, base: float, recent_growth: float | None, goals: pd.DataFrame,
               season_share: float = 1.0, unit: float = 1) -> PlanTotal:
    """The plan's total (rounded to ``unit``).

    In order: ``settings.value``; ``settings.growth`` over ``base``;
    ``settings.goal`` (a revenue goal, when its deadline is the plan's year
    or the planned quarter itself); the company-wide revenue goal due in the
    planned quarter, else in the plan's year; else the
    trend: ``base`` × (1 + ``recent_growth``, the latest twelve months'
    growth; 0 when unknown).

    ``base`` is the company's revenue in the base window; ``goals`` is
    :func:`goal_targets` output;
    ``season_share`` the share of the plan's year that a quarterly plan
    carries (yearly amounts — ``value`` or a goal — are scaled by it).

    Examples
    --------
    >>> from salesnb.config import BreakdownTotal
    >>> pp = plan_periods(Period.parse("2025Q4"))
    >>> plan_total(BreakdownTotal(growth=0.1), pp, 1000.0, None, goal_targets([], None, pp.report)).value
    1100.0
    >>> plan_total(BreakdownTotal(), pp, 1000.0, 0.05, goal_targets([], None, pp.report)).source
    'trend'
    """
    def rounded(v: float) -> float:
        return float(round(v / unit) * unit)

    def result(value: float, source: str, share: float = season_share, **kw) -> PlanTotal:
        value = rounded(value)
        return PlanTotal(value, source, base, value / base - 1 if base > 0 else float("nan"), season_share=share, **kw)

    if settings.value is not None:
        return result(settings.value * season_share, "value")
    if settings.growth is not None:
        return result(base * (1 + settings.growth), "growth")
    plan_year, plan_label = str(periods.plan.year), str(periods.plan)
    revenue_goals = goals.loc[goals["metric"] == "revenue"] if len(goals) else goals
    if settings.goal is not None:
        row = revenue_goals.loc[revenue_goals["goal_id"] == settings.goal]
        if row.empty:
            raise PlanError(f"breakdown.total.goal {settings.goal!r} is not a revenue goal of workspace.yaml")
        row = row.iloc[0]
        if str(row["deadline"]) not in (plan_year, plan_label):  # the goal is for another year (or quarter) than the plan's
            row = None
    else:
        # a goal for exactly the planned quarter first, then one for the plan's year
        cands = revenue_goals.loc[_company_wide(revenue_goals) & revenue_goals["deadline"].isin([plan_label, plan_year]).to_numpy()] \
            if len(revenue_goals) else revenue_goals
        if len(cands):
            cands = cands.assign(_exact=cands["deadline"] != plan_label).sort_values("_exact", kind="mergesort")
        row = cands.iloc[0] if len(cands) else None
    if row is not None:
        if not (row["target"] == row["target"]):
            raise PlanError(f"goal {row['goal_id']} has no target amount (its baseline could not be computed)")
        yearly = Period.parse(str(row["deadline"]), periods.plan.start_month)
        share = season_share if not yearly.is_quarter and periods.plan.is_quarter else 1.0
        return result(float(row["target"]) * share, "goal", share=share, goal_id=str(row["goal_id"]), goal_target=float(row["target"]))
    known = recent_growth is not None and recent_growth == recent_growth
    return result(base * (1 + (recent_growth if known else 0.0)), "trend", trend_known=known)


# =========================================================================== new vs existing


@dataclass(frozen=True)
class CustomerSplit:
    """The split of the total into existing and new customers, with its assumption.

    Existing = base customers × repurchase rate × spend per retained customer
    × its trend; new = the total − existing. ``source`` says what set the
    split: ``estimate`` (history), ``repurchase_goal`` (the goal's rate in
    the estimate), ``new_share_goal`` (the goal's share pins the new part) or
    ``observed_mix`` (a guess, said as one: the new/existing revenue mix seen in
    ``mix_label``, used when the repurchase rate cannot be estimated or the
    history has no new-customer revenue at all, see ``fallback``).
    """

    total: float
    existing: float
    new: float
    source: str
    base_customers: int
    repurchase_rate: float
    repurchase_rate_history: float
    spend_per_customer: float
    spend_trend: float
    existing_estimate: float
    new_share_history: float
    goal_id: str | None = None
    capped: bool = False
    returning_revenue: float = 0.0
    fallback: str | None = None
    """Why the split follows the observed mix (``source`` ``observed_mix``): ``no_rate`` (the repurchase
    rate cannot be estimated: no customers in the months before the base window) or ``no_new`` (no
    new-customer revenue anywhere in the history used); None otherwise."""
    mix_label: str = ""
    """The window whose observed new/existing revenue mix the split follows (``observed_mix``)."""

    @property
    def new_share(self) -> float:
        return self.new / self.total if self.total else float("nan")

    def as_dict(self) -> dict:
        from dataclasses import asdict

        return {**asdict(self), "new_share": self.new_share}


@dataclass(frozen=True)
class RetentionFacts:
    """Per history window: customers active in the 12 months before it (base),
    those of them who bought in it (retained) and the retained customers' revenue in it;
    also the *returning* customers — first order before the base months, no
    purchase in them, buying again in the window — and their revenue. Retained
    plus returning are exactly the window's *existing* customers of the
    history tables (first-ever order before the window)."""

    base_customers: int
    retained: int
    retained_revenue: float
    returning: int = 0
    returning_revenue: float = 0.0

    @property
    def rate(self) -> float:
        return self.retained / self.base_customers if self.base_customers else float("nan")

    @property
    def spend(self) -> float:
        return self.retained_revenue / self.retained if self.retained else float("nan")


def retention_facts(sales: pd.DataFrame, window: Window, months: int = 12) -> RetentionFacts:
    """Retention of the customers active in the ``months`` before ``window`` into it."""
    from . import metrics as m

    lo = window.start - pd.DateOffset(months=months)
    base = m.bought_between(sales, lo, window.start)
    active = m.bought_between(sales, window.start, window.end)
    older = m.bought_between(sales, None, lo)
    retained = base & active
    returning = active & older & ~base
    inside = window.contains(sales["order_date"]).to_numpy()
    amount = sales["amount"].to_numpy()
    revenue = float(np.nansum(amount[inside & m.per_line(retained, sales)]))
    back = float(np.nansum(amount[inside & m.per_line(returning, sales)]))
    return RetentionFacts(int(base.sum()), int(retained.sum()), revenue, int(returning.sum()), back)


def customer_split(total: float, base_customers: int, facts: Sequence[RetentionFacts], new_share_history: float,
                   settings=None, goals: pd.DataFrame | None = None, plan_is_year: bool = True, unit: float = 1, *,
                   new_seen: bool = True, observed_new_share: float | None = None, mix_label: str = "") -> CustomerSplit:
    """Split ``total`` into existing and new customers.

    A new-customer share goal pins the new part. Otherwise, when the
    repurchase rate cannot be estimated (no ``facts``, or none of their base
    customers) or the history has no new-customer revenue at all
    (``new_seen`` False: a closed cohort), nothing supports an estimate of the
    existing customers' part — giving the whole total to new customers of a
    business that gets none would be a guess presented as a plan — so the
    split follows the observed mix ``observed_new_share`` of ``mix_label``
    (``new_share_history`` when not given; 0 without new customers), with
    ``source`` ``observed_mix`` and ``fallback`` saying why.

    ``facts`` are :func:`retention_facts` of the history windows (most recent
    first): the repurchase rate and spend per retained customer are the
    latest window's, the spend trend is its change against the window before
    (capped at ± ``spend_trend_cap``). The existing part is capped at the
    total (``capped`` is then True and new is zero).

    Examples
    --------
    >>> f = [RetentionFacts(100, 80, 8000.0), RetentionFacts(90, 72, 6480.0)]
    >>> s = customer_split(10000, 110, f, 0.1)
    >>> round(s.repurchase_rate, 2), round(s.spend_trend, 3), s.existing, s.new
    (0.8, 1.111, 9778.0, 222.0)
    """
    from .config import CustomerSplitSettings

    settings = settings or CustomerSplitSettings()
    goals = goals if goals is not None else pd.DataFrame(columns=["goal_id", "metric", "scope", "deadline", "target"])
    latest = facts[0] if facts else RetentionFacts(0, 0, 0.0)
    rate_hist = latest.rate
    spend = latest.spend
    trend = 1.0
    if len(facts) > 1 and facts[1].spend == facts[1].spend and facts[1].spend > 0 and spend == spend:
        cap = settings.spend_trend_cap
        trend = float(np.clip(spend / facts[1].spend, 1 - cap, 1 + cap))

    def pick(metric: str, goal_id: str | None):
        rows = goals.loc[(goals["metric"] == metric).to_numpy() & _company_wide(goals)] if len(goals) else goals
        if goal_id is not None:
            rows = goals.loc[goals["goal_id"] == goal_id] if len(goals) else goals
            if rows.empty:
                raise PlanError(f"breakdown.customer_split: goal {goal_id!r} is not a {metric} goal of workspace.yaml")
        rows = rows.loc[[v == v for v in rows["target"]]] if len(rows) else rows
        return rows.iloc[0] if len(rows) else None

    source = settings.source
    new_goal = pick("new_customer_revenue_share", settings.new_share_goal) if source in ("auto", "new_share_goal") else None
    rep_goal = pick("repurchase_rate", settings.repurchase_goal) if source in ("auto", "repurchase_goal") and plan_is_year else None
    if source == "new_share_goal" and new_goal is None:
        raise PlanError("breakdown.customer_split.source is new_share_goal but workspace.yaml has no new_customer_revenue_share goal")
    if source == "repurchase_goal" and rep_goal is None:
        raise PlanError("breakdown.customer_split.source is repurchase_goal but there is no repurchase_rate goal (or the plan is a quarter)")
    if new_goal is None and (not new_seen or not (rate_hist == rate_hist)):
        mix = 0.0 if not new_seen else (observed_new_share if observed_new_share is not None else new_share_history)
        mix = float(mix) if mix == mix else 0.0
        units = round(total / unit)
        new_units = min(max(round(units * mix), 0), units)
        per = spend if spend == spend else 0.0
        known = rate_hist == rate_hist
        estimate = base_customers * rate_hist * per * trend + latest.returning_revenue * trend if known else float("nan")
        return CustomerSplit(total, float((units - new_units) * unit), float(new_units * unit), "observed_mix", base_customers,
                             rate_hist, rate_hist, per, trend, estimate, new_share_history,
                             fallback="no_rate" if not known else "no_new", mix_label=mix_label,
                             returning_revenue=latest.returning_revenue * trend if known else 0.0)
    rate = float(rep_goal["target"]) if (rep_goal is not None and new_goal is None) else rate_hist
    per = spend if spend == spend else 0.0
    # customers who come back after a year or more without buying are existing
    # customers too (first order before the plan), as in the history tables
    back = latest.returning_revenue * trend
    estimate = base_customers * (rate if rate == rate else 0.0) * per * trend + back
    units = round(total / unit)
    if new_goal is not None:
        new_units = round(units * float(new_goal["target"]))
        new_units = min(max(new_units, 0), units)
        existing = float((units - new_units) * unit)
        return CustomerSplit(total, existing, float(new_units * unit), "new_share_goal", base_customers, rate, rate_hist, per, trend,
                             estimate, new_share_history, goal_id=str(new_goal["goal_id"]), returning_revenue=back)
    existing_units = min(round(estimate / unit), units)
    return CustomerSplit(total, float(existing_units * unit), float((units - existing_units) * unit),
                         "repurchase_goal" if rep_goal is not None else "estimate", base_customers, rate, rate_hist, per, trend,
                         estimate, new_share_history, goal_id=str(rep_goal["goal_id"]) if rep_goal is not None else None,
                         capped=estimate >= total, returning_revenue=back)


def split_options(split: CustomerSplit, goals: pd.DataFrame, unit: float = 1) -> pd.DataFrame:
    """The existing/new split under each assumption (history estimate, the
    repurchase goal, the new-share goal), with the one used marked."""
    rows = []
    total = split.total
    # without a repurchase rate there is no spend per retained customer either: the rate-based options are n/a, not 0
    known = split.repurchase_rate_history == split.repurchase_rate_history
    base = split.base_customers * split.spend_per_customer * split.spend_trend if known else float("nan")

    def row(option, rate, existing, goal_id=None):
        existing = min(existing, total) if existing == existing else existing
        rows.append({"option": option, "goal_id": goal_id, "repurchase_rate": rate, "existing": existing, "new": total - existing,
                     "new_share": (total - existing) / total if total else float("nan")})

    if split.source == "observed_mix":
        row("observed_mix", split.repurchase_rate_history, split.existing)
    if split.repurchase_rate_history == split.repurchase_rate_history:
        row("estimate", split.repurchase_rate_history, round(base * split.repurchase_rate_history / unit) * unit if base else 0.0)
    plain = goals.loc[_company_wide(goals)] if len(goals) else goals
    rep = plain.loc[plain["metric"] == "repurchase_rate"] if len(plain) else plain
    if len(rep):
        r = float(rep.iloc[0]["target"])
        row("repurchase_goal", r, round(base * r / unit) * unit if known else float("nan"), str(rep.iloc[0]["goal_id"]))
    new = plain.loc[plain["metric"] == "new_customer_revenue_share"] if len(plain) else plain
    if len(new):
        share = float(new.iloc[0]["target"])
        existing = total - round(total * share / unit) * unit
        row("new_share_goal", existing / base if known and base else float("nan"), existing, str(new.iloc[0]["goal_id"]))
    out = pd.DataFrame(rows, columns=["option", "goal_id", "repurchase_rate", "existing", "new", "new_share"])
    out["used"] = out["option"] == split.source
    return out


# =========================================================================== overrides


def resolve_overrides(overrides: Sequence, base: Mapping[str, pd.Series], dims: Sequence[str], unit: float = 1) -> tuple[dict, pd.DataFrame]:
    """Turn ``breakdown.overrides`` into amounts per node.

    ``base`` maps each dimension to its nodes' actual revenue in the base
    window (a growth override applies to it). Returns ``{dimension: {node:
    amount}}`` and a table (``dimension``, ``node``, ``kind``, ``requested``,
    ``base``, ``target``, ``note``).
    """
    fixed: dict[str, dict[str, float]] = {}
    rows = []
    for i, o in enumerate(overrides):
        dim, node = next(iter(o.scope.items()))
        if dim not in dims:
            raise PlanError(f"breakdown.overrides.{i}: {dim!r} is not one of the plan's dimensions ({', '.join(dims)})")
        nodes = base[dim]
        if node not in nodes.index:
            raise PlanError(f"breakdown.overrides.{i}: {node!r} is not a {dim} in the history ({', '.join(map(str, nodes.index))})")
        b = float(nodes[node])
        if o.value is not None:
            amount, kind, requested = float(o.value), "value", float(o.value)
        else:
            if b <= 0:
                raise PlanError(f"breakdown.overrides.{i}: {dim} {node} had no revenue in the base period, so a growth override "
                                "has nothing to grow from; give a value instead")
            amount, kind, requested = b * (1 + o.growth), "growth", float(o.growth)
        amount = float(round(amount / unit) * unit)
        fixed.setdefault(dim, {})[node] = amount
        rows.append({"dimension": dim, "node": node, "kind": kind, "requested": requested, "base": b, "target": amount,
                     "note": o.note or ""})
    return fixed, pd.DataFrame(rows, columns=["dimension", "node", "kind", "requested", "base", "target", "note"])


# =========================================================================== phasing


def seasonality(sales: pd.DataFrame, end: pd.Timestamp, by: Sequence[str] = (), prior_orders: float = 200, years: int = 3,
                start_month: int = 1, customers: pd.DataFrame | None = None) -> pd.DataFrame:
    """Monthly seasonality of each node of ``by``, shrunk toward the company's.

    Over the last ``years`` whole twelve-month windows before ``end``, each
    node's own profile q (its revenue in each fiscal month ÷ its revenue) is
    blended with the company profile p: ``share = λ·q + (1 − λ)·p`` with
    ``λ = n / (n + prior_orders)``, n = the node's orders in those windows.
    A node with thin history follows the company.

    Returns one row per node and fiscal month: ``by``, ``slot`` (1 = first
    month of the fiscal year … 12), ``own``, ``company``, ``weight`` (λ),
    ``share`` (each node's shares add up to 1).
    """
    by = list(by)
    end = pd.Timestamp(end)
    first = sales["order_date"].min()
    n_years = 0
    for k in range(1, years + 1):
        if end - pd.DateOffset(months=12 * k) >= pd.Timestamp(first.year, first.month, 1):
            n_years = k
    n_years = max(n_years, 1)
    start = end - pd.DateOffset(months=12 * n_years)
    lines = _with_dimensions(sales.loc[(sales["order_date"] >= start) & (sales["order_date"] < end)], customers, by)
    slot = ((lines["order_date"].dt.month - start_month) % 12) + 1
    lines = lines.assign(slot=slot)
    slots = pd.Index(range(1, 13), name="slot")
    comp = lines.groupby("slot")["amount"].sum().reindex(slots, fill_value=0.0).clip(lower=0)
    company = comp / comp.sum() if comp.sum() > 0 else pd.Series(1 / 12, index=slots)
    if not by:
        return pd.DataFrame({"slot": slots, "own": company.to_numpy(), "company": company.to_numpy(), "weight": 1.0,
                             "share": company.to_numpy()})
    rev = lines.pivot_table(index=by, columns="slot", values="amount", aggfunc="sum", fill_value=0.0).reindex(columns=slots, fill_value=0.0).clip(lower=0)
    from .metrics import id_column

    orders = lines.groupby(by)[id_column(lines, "order_id")].nunique().reindex(rev.index, fill_value=0)
    tot = rev.sum(axis=1)
    own = rev.div(tot.where(tot > 0), axis=0)
    lam = (orders / (orders + prior_orders)).where(tot > 0, 0.0) if prior_orders > 0 else (tot > 0).astype(float)
    own = own.fillna(0.0)
    share = own.mul(lam, axis=0) + np.outer(1 - lam, company.to_numpy())
    out = share.stack().rename("share").reset_index()
    out["own"] = own.stack().to_numpy()
    out["company"] = np.tile(company.to_numpy(), len(share))
    out["weight"] = np.repeat(lam.to_numpy(), 12)
    return out[[*by, "slot", "own", "company", "weight", "share"]]


def phase(cells: pd.DataFrame, profile: pd.DataFrame, periods: PlanPeriods, by: Sequence[str] = (), grain: str = "month",
          value: str = "target", unit: float = 1) -> pd.DataFrame:
    """Spread each cell's ``value`` over the plan's months (or quarters).

    Each cell follows the :func:`seasonality` profile of its node of ``by``
    (the company profile when ``by`` is empty), restricted to the plan's
    months and renormalised; the amounts are rounded to ``unit`` with the
    largest remainder, so every cell's months add up to its target exactly.

    Returns the cells' dimension columns, ``period`` (``2026-01`` … or
    ``2026Q1`` …) and ``value``.
    """
    by = [b for b in by if b in cells.columns]
    dims = [c for c in cells.columns if c not in (value, "base", "growth", "share", "method")]
    plan = periods.plan
    first_slot = ((plan.start.month - plan.start_month) % 12) + 1
    slots = list(range(first_slot, first_slot + plan.months))
    labels = list(periods.months)
    if grain == "quarter":
        labels = [str(Period.of(pd.Timestamp(m + "-01"), "quarter", plan.start_month)) for m in periods.months]
    prof = profile if by else profile.assign(_k=1)
    keys = by if by else ["_k"]
    wide = prof.pivot_table(index=keys, columns="slot", values="share", aggfunc="sum").reindex(columns=slots, fill_value=0.0)
    company = profile.drop_duplicates("slot").set_index("slot")["company"].reindex(slots).to_numpy()
    rows = []
    for rec in cells.to_dict("records"):
        key = tuple(rec[b] for b in by) if by else (1,)
        key = key[0] if len(key) == 1 else key
        shares = wide.loc[key].to_numpy() if key in wide.index else company
        if shares.sum() <= 0:
            shares = np.ones(len(slots))
        amount = int(round(rec[value] / unit))
        parts = largest_remainder(shares, amount) if amount > 0 else np.zeros(len(slots), dtype=np.int64)
        for label, part in zip(labels, parts):
            rows.append({**{d: rec[d] for d in dims}, "period": label, value: float(part) * unit})
    out = pd.DataFrame(rows, columns=[*dims, "period", value])
    if grain == "quarter":
        out = out.groupby([*dims, "period"], sort=False, as_index=False)[value].sum()
    return out


# =========================================================================== checks


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
    from .config import GrowthCheckSettings

    settings = settings or GrowthCheckSettings()
    total = float(cells["target"].sum())
    rows = []
    for level in levels:
        level = list(level)
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
        for node, target in tgt.items():
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
            if target < 0:
                flag = "negative"
            elif base <= 0:
                flag = "no_history" if target > 0 else "ok"
            elif share < settings.min_share:
                flag = "ok" if growths else "no_history"  # small parts are listed, not checked, but never "ok" without a history
            elif best == best and implied > best + settings.beyond_history_points:
                flag = "beyond_history"
            elif latest == latest and latest < 0 and implied - latest >= settings.against_trend_points:
                flag = "against_trend"
            elif not growths:
                flag = "no_history"
            elif implied < settings.shrink_below:
                flag = "shrinking"
            else:
                flag = "ok"
            node_t = node if isinstance(node, tuple) else (node,)
            rows.append({"level": " × ".join(level) or "total", "node": " · ".join(map(str, node_t)),
                         **dict(zip(level, node_t)), "base": base, "target": float(target), "implied_growth": implied,
                         "best_growth": best, "worst_growth": worst, "latest_growth": latest, "years": len(growths),
                         "share": share, "flag": flag})
    cols = CHECK_COLUMNS
    out = pd.DataFrame(rows)
    extra = [c for c in out.columns if c not in cols]
    return out[cols + extra] if len(out) else pd.DataFrame(columns=cols)


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


# =========================================================================== the plan


@dataclass(frozen=True)
class PlanInputs:
    """Everything :func:`build_plan` needs from the data, computed once
    (the widget panel rebuilds plans from it with other settings)."""

    config: WorkspaceConfig
    periods: PlanPeriods
    dims: tuple[str, ...]
    history: pd.DataFrame
    profile: pd.DataFrame
    phasing_by: tuple[str, ...]
    goals: pd.DataFrame
    facts: tuple[RetentionFacts, ...]
    base_customers: int
    recent_growth: float | None = None
    """Revenue of the twelve months to the report period's end against the twelve before, − 1."""
    observed_mix: tuple[float, str] | None = None
    """The new customers' share of revenue in a window the data fully sees, and its label: the base window,
    or — when the base lies in the data's first twelve months (every customer looks new there) — its
    last quarter (new = first order in that quarter). What the split follows when it cannot estimate."""
    trend: pd.DataFrame | None = None
    """Revenue per cell in the report's last quarter (``window`` 0) and the same quarter a year
    earlier (``window`` 1), when the data covers both: the latest trend the growth checks compare with."""

    @property
    def season_share(self) -> float:
        """Share of its fiscal year that the plan period carries (company seasonality)."""
        plan = self.periods.plan
        if not plan.is_quarter:
            return 1.0
        first = ((plan.start.month - plan.start_month) % 12) + 1
        company = self.profile.drop_duplicates("slot").set_index("slot")["company"]
        return float(company.reindex(range(first, first + 3)).sum())


def retention_months(periods: PlanPeriods) -> int:
    """Months before the base window that a ``recent_quarters`` plan's retention base uses.

    Twelve, or fewer when the data starts less than twelve months before the
    base window (the months it has). The plan's base customers are counted
    over as many months before the plan, so the rate and the base match.

    >>> retention_months(plan_periods(Period.parse("2011Q3"), data_start=pd.Timestamp("2010-12-01")))
    7
    """
    if periods.year_on_year or periods.data_start is None:
        return 12
    ds = periods.data_start
    start = periods.base.start
    return int(min(12, max(0, (start.year - ds.year) * 12 + start.month - ds.month)))


def plan_inputs(sales: pd.DataFrame, customers: pd.DataFrame | None, report: Period, config: WorkspaceConfig,
                goals_frame: pd.DataFrame | None = None) -> PlanInputs:
    """Prepare a plan for the period after ``report`` from data up to its end.

    ``goals_frame`` is step 1's ``goals.csv`` when it exists (its targets are
    used for the goals it lists); ``config`` is the workspace configuration
    (``breakdown``, ``goals``, ``retention``).

    With ``recent_quarters`` windows (less than a year of data before the
    plan, see :func:`plan_periods`): the seasonality profile is even (1/12
    a month, so the plan's months get equal shares and a yearly amount a
    quarter of it), ``recent_growth`` is unknown (None: the trend total keeps
    the base), and the new/existing split uses the base quarter's retention
    only — over the :func:`retention_months` the data has before it, with
    the plan's base customers counted over as many months — and no spend
    trend.
    """
    from . import metrics as m

    settings = config.breakdown
    cut = m.with_id_codes(m.select_rows(sales, (sales["order_date"] < report.end_exclusive).to_numpy()))
    if cut.empty:
        raise PlanError(f"no sales before the end of {report}: there is no history to plan from")
    periods = plan_periods(report, settings.horizon, data_start=cut["order_date"].min())
    dims = tuple(settings.dimensions)
    history = plan_history(cut, periods, dims, customers)
    phasing_by = tuple(b for b in settings.phasing.by if b in dims and b != "customer_type")
    profile = seasonality(cut, report.end_exclusive, phasing_by, settings.phasing.prior_orders,
                          start_month=report.start_month, customers=customers)
    goals = goal_targets(config.goals, cut, report, goals_frame, config.retention.window_months)
    end = report.end_exclusive
    first_month = pd.Timestamp(cut["order_date"].min().year, cut["order_date"].min().month, 1)
    if periods.year_on_year:
        months = 12
        # a base window whose twelve months before lie partly before the data has no (whole) retention base:
        # the repurchase rate is not estimated (as step 1's repurchase rate, metrics.retention)
        covered = periods.base.start - pd.DateOffset(months=12) >= first_month
        facts = tuple(retention_facts(cut, w) for w in periods.windows[:2]) if covered else ()
    else:
        # less than a year of data: seasonality is not known, so the months get equal shares (and a
        # yearly amount an even share); retention is measured over the months the data has before the
        # base quarter, and the plan's base customers over as many months; no spend trend (the change
        # between consecutive quarters is mostly seasonal)
        profile = profile.assign(own=1 / 12, company=1 / 12, weight=0.0, share=1 / 12)
        months = retention_months(periods)
        facts = (retention_facts(cut, periods.base, months),)
    buys = cut.loc[(cut["amount"] > 0) & (cut["order_date"] >= end - pd.DateOffset(months=months))]
    dates = cut["order_date"]
    ttm = float(cut.loc[dates >= end - pd.DateOffset(months=12), "amount"].sum())
    before = float(cut.loc[(dates >= end - pd.DateOffset(months=24)) & (dates < end - pd.DateOffset(months=12)), "amount"].sum())
    whole = dates.min() <= end - pd.DateOffset(months=24) + pd.Timedelta(days=31)
    recent = ttm / before - 1 if before > 0 and whole else None
    return PlanInputs(config, periods, dims, history, profile, phasing_by, goals, facts, int(buys[m.id_column(buys, "customer_id")].nunique()),
                      recent, _observed_mix(cut, periods.base, first_month, report.start_month), _latest_trend(cut, report, dims, customers))


def _observed_mix(sales: pd.DataFrame, base: Window, first_month: pd.Timestamp, start_month: int = 1) -> tuple[float, str]:
    """New customers' share of revenue in ``base`` (new = first-ever order inside it) and its label; when
    ``base`` starts within the data's first twelve months (every customer looks new there), in its last quarter.

    >>> s = pd.DataFrame({"customer_id": ["a", "a", "b"], "order_id": ["1", "2", "3"], "amount": [50.0, 30.0, 20.0],
    ...                   "order_date": pd.to_datetime(["2025-01-05", "2025-11-05", "2025-12-01"])})
    >>> _observed_mix(s, Window(pd.Timestamp("2025-01-01"), pd.Timestamp("2026-01-01"), "2025"), pd.Timestamp("2025-01-01"))
    (0.4, '2025Q4')
    """
    from . import metrics as m

    window = base
    if base.start < first_month + pd.DateOffset(months=12):
        start = base.end - pd.DateOffset(months=3)
        window = Window(start, base.end, _window_label(start, base.end, start_month))
    lines = m.with_id_codes(sales)
    first = lines.groupby(m.id_column(lines, "customer_id"))["order_date"].transform("min")  # as plan_history
    inside = window.contains(lines["order_date"]).to_numpy()
    amount = lines["amount"].to_numpy()
    new = (first >= window.start).to_numpy()
    total = float(np.nansum(amount[inside]))
    return (float(np.nansum(amount[inside & new])) / total if total > 0 else float("nan")), window.label


def _latest_trend(sales: pd.DataFrame, report: Period, dims: Sequence[str], customers: pd.DataFrame | None = None) -> pd.DataFrame | None:
    """Revenue per node of each dimension other than ``customer_type`` in the report's last quarter
    (``window`` 0) and the same quarter a year earlier (``window`` 1); None when the data does not
    cover that earlier quarter in full."""
    q = report.quarters()[-1]
    before = q.year_ago()
    first = sales["order_date"].min()
    if before.start < pd.Timestamp(first.year, first.month, 1):
        return None
    plain = [d for d in dims if d != "customer_type"]
    frames = []
    for k, p in enumerate((q, before)):
        part = sales.loc[p.contains(sales["order_date"])]
        part = _with_dimensions(part, customers, plain) if plain else part
        g = part.groupby(plain, sort=True)["amount"].sum().reset_index() if plain else pd.DataFrame({"amount": [part["amount"].sum()]})
        frames.append(g.rename(columns={"amount": "revenue"}).assign(window=k, label=str(p)))
    return pd.concat(frames, ignore_index=True)


@dataclass(frozen=True)
class NoPlan:
    """Why step 2 cannot plan: the sales history before the plan is shorter than the plan needs.

    ``months`` counts the calendar months from the first sale's month to the
    end of ``report`` (what :func:`plan_periods` can use); ``needed`` is 12 for
    a yearly plan and 3 for a quarterly one, ``needed_from`` the first day the
    data would have to start on."""

    report: Period
    plan: Period
    horizon: str
    data_start: pd.Timestamp | None
    months: int
    needed: int
    needed_from: pd.Timestamp
    detail: str = ""


#: Columns of ``targets.csv`` and ``target_checks.csv`` when there is no plan (empty, with their columns).
TARGET_COLUMNS = ["plan", "period", "target", "method"]
CHECK_COLUMNS = ["level", "node", "base", "target", "implied_growth", "best_growth", "worst_growth", "latest_growth", "years", "share", "flag"]


def no_plan_reason(sales: pd.DataFrame, report: Period, horizon: str = "auto") -> NoPlan | None:
    """A :class:`NoPlan` when the sales before the end of ``report`` are too short for the plan
    (:func:`plan_periods` finds no whole window), else None.

    >>> s = pd.DataFrame({"order_date": pd.to_datetime(["2025-08-01", "2025-09-10"]), "amount": [1.0, 2.0]})
    >>> r = no_plan_reason(s, Period.parse("2025Q3"))
    >>> str(r.plan), r.months, r.needed, r.needed_from.date().isoformat()
    ('2025Q4', 2, 3, '2025-07-01')
    """
    dates = sales["order_date"]
    cut = dates.loc[dates < report.end_exclusive]
    start = cut.min() if len(cut) else None
    periods = None
    try:
        periods = plan_periods(report, horizon, data_start=start)
    except PlanError as exc:
        detail = str(exc)
    else:
        if start is not None:
            return None
        detail = f"no sales before the end of {report}"
        periods = None
    h = horizon if horizon != "auto" else ("year" if (not report.is_quarter or report.quarter == 4) else "quarter")
    plan = periods.plan if periods is not None else (Period(report.year + 1, None, report.start_month) if h == "year"
                                                      else report.shift(1) if report.is_quarter else Period(report.year + 1, 1, report.start_month))
    end = report.end_exclusive
    months = 0 if start is None else (end.year - start.year) * 12 + end.month - start.month
    needed = 12 if h == "year" else 3
    needed_from = end - pd.DateOffset(months=needed)
    return NoPlan(report, plan, h, start, max(months, 0), needed, needed_from, detail)


def plan_or_reason(sales: pd.DataFrame, customers: pd.DataFrame | None, report: Period, config: WorkspaceConfig,
                   goals_frame: pd.DataFrame | None = None) -> tuple[PlanInputs | None, Plan | None, NoPlan | None]:
    """:func:`plan_inputs` and :func:`build_plan`, or — when the history is too short to plan
    (:func:`no_plan_reason`) — ``(None, None, reason)``. Any other :class:`PlanError` (a setting
    that contradicts the data) is raised as before."""
    reason = no_plan_reason(sales, report, config.breakdown.horizon)
    if reason is not None:
        return None, None, reason
    inputs = plan_inputs(sales, customers, report, config, goals_frame)
    return inputs, build_plan(inputs), None


def empty_targets(dims: Sequence[str]) -> pd.DataFrame:
    """``targets.csv`` of a run that cannot plan: no rows, the columns of :meth:`Plan.long`."""
    return pd.DataFrame(columns=["plan", "period", *dims, "target", "method"])


def empty_checks() -> pd.DataFrame:
    """``target_checks.csv`` of a run that cannot plan: no rows, the columns of :func:`growth_checks`."""
    return pd.DataFrame(columns=CHECK_COLUMNS)


def empty_budget(by: Sequence[str]) -> pd.DataFrame:
    """``budget.csv`` of a run that cannot plan: no rows, the columns of :func:`budget_table`."""
    return pd.DataFrame(columns=["category", *by, "amount", "share", "score_share", "rank", "priority"])


def empty_actions() -> pd.DataFrame:
    """``actions_plan.csv`` of a run that cannot plan (no plan period to place the actions in)."""
    return pd.DataFrame(columns=["id", "kind", "action", "channel", "serves", "goal", "kpi", "owner", "start", "due", "budget",
                                 "budget_in_plan", "category"])


def no_plan_metrics() -> dict[str, None]:
    """The step's ``summary.json`` plan metrics of a run that cannot plan: every one null ("not computable")."""
    keys = ("target_total", "target_base", "target_growth", "target_new_customers", "target_existing_customers",
            "target_flagged_parts", "budget_total", "budget_committed", "budget_to_target")
    return dict.fromkeys(keys)


def narrative_no_plan(reason: NoPlan, lang: str) -> str:
    """Step 2's one sentence when it cannot plan: how much history there is, how much the plan needs, what to do."""
    start = reason.data_start.date().isoformat() if reason.data_start is not None else t("not_available", lang)
    hint = t("bd_no_plan_hint_year", lang) if reason.horizon == "year" else t("bd_no_plan_hint_quarter", lang)
    key = "bd_no_plan" if reason.data_start is not None else "bd_no_plan_empty"
    return t(key, lang, plan=str(reason.plan), report=str(reason.report), start=start, months=reason.months, needed=reason.needed,
             horizon=t(f"bd_horizon_{reason.horizon}", lang), since=reason.needed_from.date().isoformat()) + " " + hint


@dataclass(frozen=True)
class Plan:
    """A target breakdown: the total, its split, the cells and their phasing, and the checks."""

    periods: PlanPeriods
    dims: tuple[str, ...]
    method: str
    total: PlanTotal
    split: CustomerSplit | None
    weights: pd.DataFrame
    overrides: pd.DataFrame
    cells: pd.DataFrame
    phased: pd.DataFrame
    checks: pd.DataFrame
    margin_checks: pd.DataFrame
    unit: float
    lookback: int = 2
    min_share: float = 0.0
    """``breakdown.checks.min_share``: parts below it are listed in the checks, not flagged."""

    @property
    def matrix_dims(self) -> tuple[str, ...]:
        """The dimensions of the target matrix: the first two other than ``customer_type``; with only one
        such dimension, it and ``customer_type`` (a plan by region × new/existing is a matrix too)."""
        md = tuple(d for d in self.dims if d != "customer_type")[:2]
        if len(md) < 2 and "customer_type" in self.dims:
            md = md + ("customer_type",)
        return md

    def matrix(self, rows: str | None = None, cols: str | None = None, value: str = "target") -> pd.DataFrame:
        """``rows`` × ``cols`` with a ``total`` column and row (the 销售目标分解表)."""
        md = self.matrix_dims
        rows = rows or md[0]
        cols = cols or (md[1] if len(md) > 1 else ("customer_type" if "customer_type" in self.dims else None))
        if cols is None:
            out = self.cells.groupby(rows)[value].sum().to_frame("total")
        else:
            out = self.cells.pivot_table(index=rows, columns=cols, values=value, aggfunc="sum", fill_value=0.0)
            out.columns.name = None
            out["total"] = out.sum(axis=1)
        out = out.sort_values("total", ascending=False)
        out.loc["total"] = out.sum(axis=0)
        out.index.name = rows
        return out

    def margin(self, dim: str) -> pd.DataFrame:
        """Per node of ``dim``: ``base``, ``target``, ``growth``, ``share`` (and ``existing``/``new`` targets)."""
        g = self.cells.groupby(dim)[["base", "target"]].sum()
        g["growth"] = g["target"] / g["base"].where(g["base"] > 0) - 1
        g["share"] = g["target"] / g["target"].sum()
        if "customer_type" in self.dims and dim != "customer_type":
            split = self.cells.pivot_table(index=dim, columns="customer_type", values="target", aggfunc="sum", fill_value=0.0)
            for ct in CUSTOMER_TYPES:
                g[ct] = split[ct] if ct in split else 0.0
        return g.sort_values("target", ascending=False)

    def by_period(self, dim: str | None = None) -> pd.DataFrame:
        """Targets per phasing period (columns), per node of ``dim`` (rows) or in total."""
        if dim is None:
            return self.phased.groupby("period", sort=False)["target"].sum().to_frame("target")
        out = self.phased.pivot_table(index=dim, columns="period", values="target", aggfunc="sum", fill_value=0.0, sort=False)
        out.columns.name = None
        out["total"] = out.sum(axis=1)
        return out.sort_values("total", ascending=False)

    def flagged(self) -> pd.DataFrame:
        return self.checks.loc[self.checks["flag"] != "ok"]

    def long(self) -> pd.DataFrame:
        """``targets.csv``: one row per phasing period and cell."""
        out = self.phased.assign(plan=str(self.periods.plan), method=self.method)
        return out[["plan", "period", *self.dims, "target", "method"]]

    def summary(self) -> dict[str, float | int | None]:
        """Headline numbers for ``summary.json``."""
        ct = self.cells.groupby("customer_type")["target"].sum() if "customer_type" in self.dims else None
        return {
            "target_total": float(self.total.value),
            "target_base": float(self.total.base),
            "target_growth": float(self.total.growth) if self.total.growth == self.total.growth else None,
            "target_new_customers": float(ct.get("new", 0.0)) if ct is not None else None,
            "target_existing_customers": float(ct.get("existing", 0.0)) if ct is not None else None,
            "target_flagged_parts": int((self.checks["flag"] != "ok").sum()),
        }


def _add_type_cells(weights: pd.DataFrame, ct: str) -> pd.DataFrame:
    """``weights`` with cells of customer type ``ct`` added, a copy of the other type's (then every
    column renormalised): a type with a target but no history is spread like the business it has."""
    other = next(c for c in CUSTOMER_TYPES if c != ct)
    if isinstance(weights.index, pd.MultiIndex):
        extra = weights.xs(other, level="customer_type", drop_level=False)
        extra = extra.rename(index={other: ct}, level="customer_type")
    else:
        extra = weights.loc[[other]].rename(index={other: ct})
    out = pd.concat([weights, extra]).sort_index()
    sums = out.sum()
    return out.div(sums.where(sums > 0, 1.0), axis=1)


def build_plan(inputs: PlanInputs, settings: Breakdown | None = None) -> Plan:
    """Build the plan: total → new/existing split → overrides → allocation → phasing → checks.

    ``settings`` defaults to the workspace's ``breakdown`` section; the
    dimensions, horizon and phasing come from ``inputs``.

    With ``recent_quarters`` windows growth is measured against the quarter
    before the plan, momentum has no growth factor (``trend=False`` in
    :func:`method_weights`) and the growth checks compare quarter-on-quarter
    changes. Every such window lies in the data's first twelve months, so
    the history's new/existing split is censored (customers whose orders
    before the data's start are not seen look new): the cells' weights use
    it all the same, the split of the total comes from
    :func:`customer_split`.
    """
    s = settings or inputs.config.breakdown
    dims = list(inputs.dims)
    unit = s.rounding_unit
    hist = inputs.history
    known = hist.loc[~hist["censored"]] if (~hist["censored"]).any() else hist
    weights = method_weights(known, dims, lookback=s.lookback, method=s.method, blend=s.weights, potential=s.potential,
                             momentum_cap=s.momentum_cap, trend=inputs.periods.year_on_year)
    base = (hist.loc[hist["window"] == 0].groupby(dims)["revenue"].sum() if dims else None)
    base = base.reindex(weights.index, fill_value=0.0)
    base_total = float(base.sum())
    total = plan_total(s.total, inputs.periods, base_total, inputs.recent_growth, inputs.goals, inputs.season_share, unit)
    split = None
    fixed, overrides = resolve_overrides(s.overrides, {d: base.groupby(level=d).sum() if len(dims) > 1 else base for d in dims}, dims, unit)
    if "customer_type" in dims:
        # a customer type absent from the base (a closed cohort has no new customers) counts as zero
        by_type = base.groupby(level="customer_type").sum().reindex(list(CUSTOMER_TYPES), fill_value=0.0)
        new_hist = float(by_type["new"]) / base_total if base_total > 0 else float("nan")
        types = _nodes(weights.index, "customer_type")
        mix_share, mix_label = inputs.observed_mix if inputs.observed_mix is not None else (new_hist, inputs.periods.base.label)
        split = customer_split(total.value, inputs.base_customers, inputs.facts, new_hist, s.customer_split, inputs.goals,
                               plan_is_year=not inputs.periods.plan.is_quarter, unit=unit, new_seen="new" in types,
                               observed_new_share=mix_share, mix_label=mix_label)
        if "customer_type" not in fixed:
            fixed["customer_type"] = {"existing": split.existing, "new": split.new}
            fixed["customer_type"] = {k: v for k, v in fixed["customer_type"].items() if k in types or v > 0}
        for ct in CUSTOMER_TYPES:  # a type with a target but no history: its cells follow the other type's weights
            if ct not in types and fixed.get("customer_type", {}).get(ct, 0) > 0:
                weights = _add_type_cells(weights, ct)
    target = allocate(total.value, weights["weight"], fixed, unit)
    cells = target.rename("target").to_frame()
    cells.insert(0, "base", base.reindex(cells.index).to_numpy())
    cells["growth"] = cells["target"] / cells["base"].where(cells["base"] > 0) - 1
    cells["share"] = cells["target"] / cells["target"].sum() if cells["target"].sum() else 0.0
    cells = cells.reset_index()
    phased = phase(cells[[*dims, "target"]], inputs.profile, inputs.periods, inputs.phasing_by,
                   inputs.config.breakdown.phasing.grain, unit=unit)
    matrix_dims = [d for d in dims if d != "customer_type"][:2]
    levels = [[d] for d in dims]
    if len(matrix_dims) == 2:
        levels.append(matrix_dims)
    checks = pd.concat([growth_checks(cells, known if "customer_type" in level else hist, [level], s.checks, inputs.trend)
                        for level in [[], *levels]], ignore_index=True)
    mchecks = margin_checks(cells, total.value, dims, phased)
    return Plan(inputs.periods, tuple(dims), s.method, total, split, weights, overrides, cells, phased, checks, mchecks, unit, s.lookback, s.checks.min_share)


# =========================================================================== customer tiers (客户分层)


def _quintile_score(values: pd.Series, higher_is_better: bool = True) -> pd.Series:
    """1–5 by quintile of rank (5 = best); ties broken by order, so every score is used."""
    if values.empty:
        return values.astype(int)
    ranks = values.rank(method="first", ascending=higher_is_better)
    return np.ceil(ranks / len(values) * 5).clip(1, 5).astype(int)


def customer_tiers(sales: pd.DataFrame, end: pd.Timestamp | Period, settings: Tiers | None = None,
                   customers: pd.DataFrame | None = None) -> pd.DataFrame:
    """Tier every customer active in the window before ``end`` by value and loyalty.

    Over the ``settings.window_months`` before ``end``: revenue (net of
    returns), orders (distinct purchase orders), days since the last purchase
    (``recency_days``), the recency/frequency/monetary quintile scores 1–5
    (``r``, ``f``, ``m``, ``rfm`` = their sum), the customer's rank share by
    revenue (``top_share``: 0.05 = in the top 5 %) and the risk signal
    (``at_risk``: no purchase for ``risk.recency_days`` or spend down by
    ``risk.spend_drop`` against the window before). The first rule of
    ``settings.rules`` whose conditions all hold gives the ``tier``.

    Examples
    --------
    >>> s = pd.DataFrame({"customer_id": ["a", "a", "b", "c"], "order_id": ["1", "2", "3", "4"],
    ...                   "amount": [900.0, 900.0, 50.0, 10.0],
    ...                   "order_date": pd.to_datetime(["2025-03-01", "2025-11-01", "2025-12-01", "2025-02-01"])})
    >>> t = customer_tiers(s, pd.Timestamp("2026-01-01"))
    >>> t[["customer_id", "orders", "recency_days", "top_share", "at_risk"]].round(2).values.tolist()
    [['a', 2, 60, 0.33, False], ['b', 1, 30, 0.67, False], ['c', 1, 333, 1.0, True]]
    """
    from .config import Tiers as TiersModel

    settings = settings or TiersModel()
    end = end.end_exclusive if isinstance(end, Period) else pd.Timestamp(end)
    start = end - pd.DateOffset(months=settings.window_months)
    prev_start = start - pd.DateOffset(months=settings.window_months)
    from . import metrics as m

    # grouped on the customers' integer codes (metrics.customer_codes), reported by id in id order
    codes, known = m.customer_codes(sales)
    dates, amount = sales["order_date"], sales["amount"].to_numpy()
    in_cur = ((dates >= start) & (dates < end)).to_numpy() & (codes >= 0)
    in_prev = ((dates >= prev_start) & (dates < start)).to_numpy() & (codes >= 0)
    buy = in_cur & (amount > 0)
    buyers = np.unique(codes[buy])
    order = np.argsort(known[buyers], kind="stable")
    keys = buyers[order]  # the code of each output row
    ids = pd.Index(known[keys], name="customer_id")

    def per_customer(mask: np.ndarray, values: np.ndarray, how: str, fill=None) -> np.ndarray:
        got = pd.Series(values[mask]).groupby(codes[mask]).agg(how)
        return got.reindex(keys, fill_value=fill).to_numpy() if fill is not None else got.reindex(keys).to_numpy()

    out = pd.DataFrame(index=ids)
    out["revenue"] = per_customer(in_cur, amount, "sum", 0.0)
    out["prev_revenue"] = per_customer(in_prev, amount, "sum", 0.0)
    out["orders"] = m.orders_per_customer(sales, buy)[keys].astype(int)
    last = pd.Series(per_customer(buy, dates.to_numpy(), "max"), index=ids)
    out["last_order"] = last
    out["recency_days"] = ((end - pd.Timedelta(days=1)).normalize() - last.dt.normalize()).dt.days.astype(int)
    region = None
    if "region" in sales:  # the region a customer bought most from in the window (ties: the first by name)
        lines = pd.DataFrame({"code": codes[buy], "region": sales["region"].array[buy], "amount": amount[buy]})
        region = lines.groupby(["code", "region"])["amount"].sum().reset_index().sort_values(["code", "amount"], ascending=[True, False])
        region = region.assign(customer_id=known[region["code"].to_numpy()])
    if customers is not None and "region" in customers:
        master = customers.drop_duplicates("customer_id").set_index("customer_id")
        out.insert(0, "region", master["region"].reindex(ids))
        if region is not None:
            out["region"] = out["region"].fillna(region.drop_duplicates("customer_id").set_index("customer_id")["region"].reindex(ids))
        if "segment" in master:
            out.insert(1, "segment", master["segment"].reindex(ids))
    elif region is not None:
        out.insert(0, "region", region.drop_duplicates("customer_id").set_index("customer_id")["region"].reindex(ids))
    n = len(out)
    order = out.assign(_id=out.index).sort_values(["revenue", "_id"], ascending=[False, True]).index
    out["top_share"] = pd.Series(np.arange(1, n + 1) / max(n, 1), index=order).reindex(ids)
    out["r"] = _quintile_score(-out["recency_days"].astype(float))
    out["f"] = _quintile_score(out["orders"].astype(float))
    out["m"] = _quintile_score(out["revenue"])
    out["rfm"] = out["r"] + out["f"] + out["m"]
    risk = settings.risk
    out["at_risk"] = (out["recency_days"] >= risk.recency_days) | (
        (out["prev_revenue"] > 0) & (out["revenue"] <= (1 - risk.spend_drop) * out["prev_revenue"]))
    tier = pd.Series(pd.NA, index=ids, dtype="object")
    for rule in settings.rules:
        ok = tier.isna()
        if rule.top_share is not None:
            ok &= out["top_share"] <= rule.top_share + _EPS
        if rule.min_revenue is not None:
            ok &= out["revenue"] >= rule.min_revenue
        if rule.min_orders is not None:
            ok &= out["orders"] >= rule.min_orders
        if rule.min_rfm is not None:
            ok &= out["rfm"] >= rule.min_rfm
        if rule.at_risk is not None:
            ok &= out["at_risk"] == rule.at_risk
        tier[ok] = rule.key
    out["tier"] = tier.astype(str)
    return out.reset_index()


def tier_summary(tiers: pd.DataFrame, settings: Tiers | None = None, lang: str = "en") -> pd.DataFrame:
    """Per tier (in rule order): customers, revenue and their shares, revenue
    and orders per customer, the care strategy (visits per year, what,
    budget per customer, owner) and what it adds up to (``visits``,
    ``care_budget``)."""
    from .config import Tiers as TiersModel

    settings = settings or TiersModel()
    g = tiers.groupby("tier").agg(customers=("customer_id", "size"), revenue=("revenue", "sum"), orders=("orders", "sum"))
    rows = []
    n, rev = max(len(tiers), 1), tiers["revenue"].sum()
    for rule in settings.rules:
        c = int(g["customers"].get(rule.key, 0))
        r = float(g["revenue"].get(rule.key, 0.0))
        o = float(g["orders"].get(rule.key, 0.0))
        rows.append({
            "tier": rule.key, "label": rule.zh if lang == "zh" else rule.en, "customers": c, "customer_share": c / n,
            "revenue": r, "revenue_share": r / rev if rev else float("nan"),
            "revenue_per_customer": r / c if c else float("nan"), "orders_per_customer": o / c if c else float("nan"),
            "visits_per_year": rule.visits_per_year, "visits": c * rule.visits_per_year,
            "care": rule.care_zh if lang == "zh" else rule.care_en, "budget_per_customer": rule.budget_per_customer,
            "care_budget": c * rule.budget_per_customer, "owner": rule.owner or "",
        })
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class CareBudgetCheck:
    """The tiers' care budgets against the tiered customers' revenue (:func:`care_budget_check`)."""

    care: float
    revenue: float
    share: float
    max_share: float
    flagged: bool
    scale: float
    """The factor that brings the care budgets to ``max_share`` of revenue (1 when not flagged)."""


def care_budget_check(summary: pd.DataFrame, tiers: pd.DataFrame, max_share: float = 0.05) -> CareBudgetCheck:
    """Do the tiers' care budgets (``summary.care_budget``, :func:`tier_summary`) fit the revenue of the
    customers they care for (``tiers.revenue``, :func:`customer_tiers`)? Flagged above ``max_share``
    (``tiers.care_budget_max_share``), with the factor that would scale them down to it.

    >>> s = pd.DataFrame({"care_budget": [1_500_000.0, 370_000.0]})
    >>> c = care_budget_check(s, pd.DataFrame({"revenue": [60_000.0, 38_000.0]}))
    >>> c.flagged, round(c.share, 2), round(c.scale, 5)
    (True, 19.08, 0.00262)
    """
    care = float(summary["care_budget"].sum()) if len(summary) else 0.0
    revenue = float(tiers["revenue"].sum()) if len(tiers) else 0.0
    share = care / revenue if revenue > 0 else (float("inf") if care > 0 else 0.0)
    flagged = share > max_share
    scale = max_share * revenue / care if flagged and care > 0 else 1.0
    return CareBudgetCheck(care, revenue, share, max_share, bool(flagged), scale)


def narrative_care_budget(check: CareBudgetCheck, summary: pd.DataFrame, lang: str, unit: str) -> str | None:
    """The warning when the care budgets exceed their share of revenue (None when they fit): how much,
    against what, and the scaled budget per customer of each tier that would fit."""
    from .i18n import money, number, pct

    if not check.flagged:
        return None
    sep = "、" if lang == "zh" else ", "
    scaled = sep.join(f"{label} {number(b * check.scale, lang)}" for label, b in zip(summary["label"], summary["budget_per_customer"]) if b > 0)
    return t("bd_care_too_big", lang, care=money(check.care, unit, lang), revenue=money(check.revenue, unit, lang),
             share=pct(check.share, lang) if check.share != float("inf") else t("not_available", lang),
             max=pct(check.max_share, lang), scale=number(check.scale, lang, 4), scaled=scaled)


# =========================================================================== action plan


def action_plan(actions: Sequence[PlanAction], plan: Period, lang: str = "en", budget: Budget | None = None,
                tiers: Tiers | None = None, nodes: Mapping[str, Iterable] | None = None,
                goals: Iterable = ()) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The plan's actions as a table, and the problems found in them.

    The table has one row per action that overlaps the plan period (``id``,
    ``kind``, ``action``, ``channel``, ``serves``, ``goal``, ``kpi``,
    ``owner``, ``start``, ``due``, ``budget``, ``budget_in_plan`` — the
    budget pro rata to the days inside the plan period — and ``category``);
    actions entirely outside it belong to another plan and are left out.
    Problems (``id``, ``field``, ``problem``): a yearly plan's action running
    outside its year, a budget category or goal
    that does not exist, a target served that is not a node of the plan (or a
    tier). Owners and date order are enforced when ``workspace.yaml`` is read.
    """
    nodes = {k: set(map(str, v)) for k, v in (nodes or {}).items()}
    if tiers is not None:
        nodes["tier"] = {r.key for r in tiers.rules}
    categories = {c.key for c in budget.categories} if budget is not None else set()
    goal_ids = {g if isinstance(g, str) else g.id for g in goals}
    rows, problems = [], []
    for a in actions:
        start, due = pd.Timestamp(a.start), pd.Timestamp(a.due)
        if due < plan.start or start > plan.end:  # not part of this plan period
            continue
        days = (due - start).days + 1
        overlap = (min(due, plan.end) - max(start, plan.start)).days + 1
        serves = ", ".join(f"{k}={v}" for k, v in a.serves.items())
        rows.append({"id": a.id, "kind": a.kind, "action": a.zh if lang == "zh" else a.en, "channel": a.channel or "",
                     "serves": serves, "goal": a.goal or "", "kpi": a.kpi or "", "owner": a.owner,
                     "start": start, "due": due, "budget": float(a.budget), "budget_in_plan": float(a.budget) * overlap / days,
                     "category": a.category or ""})
        if not plan.is_quarter and (start < plan.start or due > plan.end):
            problems.append({"id": a.id, "field": "start/due", "problem": t("bd_pr_outside", lang, start=a.start, due=a.due, period=str(plan))})
        if a.category is not None and a.category not in categories:
            problems.append({"id": a.id, "field": "category", "problem": t("bd_pr_category", lang, category=a.category)})
        if a.budget > 0 and a.category is None and categories:
            problems.append({"id": a.id, "field": "category", "problem": t("bd_pr_no_category", lang)})
        for dim, node in a.serves.items():
            if dim not in nodes or str(node) not in nodes[dim]:
                problems.append({"id": a.id, "field": "serves", "problem": t("bd_pr_serves", lang, dim=dim, node=node)})
        if a.goal is not None and a.goal not in goal_ids:
            problems.append({"id": a.id, "field": "goal", "problem": t("bd_pr_goal", lang, goal=a.goal)})
    table = pd.DataFrame(rows, columns=["id", "kind", "action", "channel", "serves", "goal", "kpi", "owner", "start", "due", "budget",
                                        "budget_in_plan", "category"])
    return table, pd.DataFrame(problems, columns=["id", "field", "problem"])


# =========================================================================== budget

CENTRAL = "(central)"


def priority_scores(cells: pd.DataFrame, by: Sequence[str], potential: Mapping[str, Mapping[str, float]] | None = None,
                    strategic: Mapping[str, Mapping[str, float]] | None = None) -> pd.DataFrame:
    """Priority of each node of ``by`` for resources: potential × growth × strategic weight.

    - potential: the node's share of the potential driver when every
      dimension of ``by`` has one (product of the shares), else its share of
      the plan's target;
    - growth: 1 + the plan's implied growth for the node, kept within 0.5…2;
    - strategic weight: the product of ``strategic[dim][node]`` (default 1).

    Returns ``by``, ``base``, ``target``, ``growth``, ``potential``,
    ``growth_factor``, ``strategic``, ``score``, ``score_share``, ``rank``
    (1 = first) and ``priority`` (``high`` / ``medium`` / ``low`` by thirds of the ranking).

    Examples
    --------
    >>> c = pd.DataFrame({"region": ["A", "B"], "base": [100.0, 100.0], "target": [120.0, 100.0]})
    >>> p = priority_scores(c, ["region"], strategic={"region": {"B": 1.5}})
    >>> p[["region", "score_share", "rank"]].round(3).values.tolist()
    [['A', 0.49, 2], ['B', 0.51, 1]]
    """
    by = list(by)
    potential, strategic = dict(potential or {}), dict(strategic or {})
    g = cells.groupby(by, sort=True)[["base", "target"]].sum().reset_index()
    g["growth"] = g["target"] / g["base"].where(g["base"] > 0) - 1
    if all(d in potential for d in by):
        share = pd.Series(1.0, index=g.index)
        for d in by:
            drivers = {str(k): float(v) for k, v in potential[d].items()}
            tot = sum(drivers.values())
            share *= g[d].astype(str).map(lambda n, drivers=drivers, tot=tot: drivers.get(n, 0.0) / tot if tot else 0.0)
        g["potential"] = share / share.sum() if share.sum() > 0 else 1.0 / len(g)
    else:
        g["potential"] = g["target"] / g["target"].sum() if g["target"].sum() > 0 else 1.0 / len(g)
    g["growth_factor"] = (1 + g["growth"]).clip(0.5, 2.0).fillna(1.0)
    weight = pd.Series(1.0, index=g.index)
    for d in by:
        w = {str(k): float(v) for k, v in strategic.get(d, {}).items()}
        weight *= g[d].astype(str).map(lambda n, w=w: w.get(n, 1.0))
    g["strategic"] = weight
    g["score"] = g["potential"] * g["growth_factor"] * g["strategic"]
    g["score_share"] = g["score"] / g["score"].sum() if g["score"].sum() > 0 else 1.0 / len(g)
    g["rank"] = g["score"].rank(ascending=False, method="first").astype(int)
    third = max(len(g) / 3, 1)
    g["priority"] = np.where(g["rank"] <= third, "high", np.where(g["rank"] <= 2 * third, "medium", "low"))
    return g


def _bounded_shares(score: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Shares ∝ ``score`` that add up to 1 with ``lo ≤ share ≤ hi`` (water-filling)."""
    n = len(score)
    if lo.sum() > 1 + 1e-9:
        raise PlanError(f"the budget minimums add up to {lo.sum():.0%} of the category, more than all of it")
    if hi.sum() < 1 - 1e-9:
        raise PlanError(f"the budget maximums add up to {hi.sum():.0%} of the category, less than all of it")
    fixed = np.full(n, np.nan)
    for _ in range(2 * n + 1):
        free = np.isnan(fixed)
        rest = 1 - np.nansum(fixed)
        s = np.where(free, score, 0.0)
        share = np.where(free, s / s.sum() * rest if s.sum() > 0 else (rest / free.sum() if free.any() else 0.0), fixed)
        low = free & (share < lo - 1e-12)
        high = free & (share > hi + 1e-12)
        if not low.any() and not high.any():
            return share
        # fix the worst violation first
        gap = np.where(low, lo - share, 0.0) + np.where(high, share - hi, 0.0)
        i = int(np.argmax(gap))
        fixed[i] = lo[i] if low[i] else hi[i]
    return share


class BudgetFloorWarning(UserWarning):
    """``budget.min_share`` × the number of cells is more than the whole budget: the floor was scaled down."""


MIN_SHARE_FLOORS = 0.5
"""When ``budget.min_share`` for every cell would take more than the whole budget, the floors together take this share."""


def effective_min_share(min_share: float, n: int) -> float:
    """``budget.min_share``, or — when it adds up to more than the whole budget over ``n`` cells (hundreds of
    regions, say) — the share that gives the floors :data:`MIN_SHARE_FLOORS` of the budget together.

    Examples
    --------
    >>> effective_min_share(0.01, 50), effective_min_share(0.01, 200)
    (0.01, 0.0025)
    """
    if n and min_share * n > 1 + 1e-9:
        return MIN_SHARE_FLOORS / n
    return min_share


def allocate_budget(settings: Budget, scores: pd.DataFrame, unit: float = 1, scale: float = 1.0) -> pd.DataFrame:
    """Spread each budget category over the nodes of ``settings.allocate_by``
    in proportion to their priority ``score``; categories with ``allocate:
    false`` stay central.

    Amounts are the yearly budget × ``scale`` (a quarterly plan passes its
    share of the year). Every cell gets at least ``min_share`` of each category; when ``min_share``
    over all cells adds up to more than the whole budget, it is scaled down so that the floors take
    half of it (:func:`effective_min_share`), with a :class:`BudgetFloorWarning` naming the setting,
    and the frame's ``attrs["min_share"]`` / ``attrs["note"]`` say so (:func:`budget_floor_note` in
    either language). ``limits`` bound
    a node's share (e.g. ``{region: 西南}`` at least 10 %, all its cells
    together); limits must all be on one dimension. Shares are water-filled:
    proportional to the score, bounded nodes held at their bound and the rest
    re-spread. Returns one row per category and cell: ``category``, the
    node columns, ``amount`` (whole ``unit`` s; each category adds up
    exactly) and ``share``.

    Examples
    --------
    >>> from salesnb.config import Budget
    >>> b = Budget.model_validate({"categories": [{"key": "people", "en": "People", "zh": "人员", "amount": 1000}],
    ...                            "limits": [{"scope": {"region": "B"}, "min_share": 0.4}]})
    >>> sc = pd.DataFrame({"region": ["A", "B"], "score": [0.8, 0.2]})
    >>> allocate_budget(b, sc)["amount"].tolist()
    [600.0, 400.0]
    """
    by = list(settings.allocate_by)
    missing = [d for d in by if d not in scores.columns]
    if missing:
        raise PlanError(f"budget.allocate_by: {', '.join(missing)} is not a dimension of the plan")
    n = len(scores)
    score = scores["score"].to_numpy(dtype=float) if n else np.zeros(0)
    limit_dims = {next(iter(lim.scope)) for lim in settings.limits}
    if len(limit_dims) > 1:
        raise PlanError(f"budget.limits must all be on one dimension, not {', '.join(sorted(limit_dims))}")
    floor, asked = effective_min_share(settings.min_share, n), settings.min_share
    note = None
    if floor != settings.min_share:  # a documented repair, not a crash: hundreds of cells (docs/robustness.md)
        import warnings

        note = t("rb_min_share_scaled", "en", asked=f"{settings.min_share:.1%}", n=n, used=f"{floor:.2%}")
        warnings.warn(note, BudgetFloorWarning, stacklevel=2)
        settings = settings.model_copy(update={"min_share": floor})
    if limit_dims and n:
        dim = next(iter(limit_dims))
        if dim not in by:
            raise PlanError(f"budget.limits: {dim!r} is not one of budget.allocate_by ({', '.join(by)})")
        node_of = scores[dim].astype(str).to_numpy()
        nodes = sorted(set(node_of))
        count = np.array([(node_of == k).sum() for k in nodes])
        lo = count * settings.min_share
        hi = np.ones(len(nodes))
        for lim in settings.limits:
            node = str(next(iter(lim.scope.values())))
            if node not in nodes:
                raise PlanError(f"budget.limits: {node!r} is not a {dim} of the plan ({', '.join(nodes)})")
            i = nodes.index(node)
            if lim.min_share is not None:
                lo[i] = max(lo[i], lim.min_share)
            if lim.max_share is not None:
                hi[i] = lim.max_share
        node_score = np.array([score[node_of == k].sum() for k in nodes])
        node_share = _bounded_shares(node_score, lo, hi)
        shares = np.zeros(n)
        for i, k in enumerate(nodes):
            mask = node_of == k
            if node_share[i] <= 0:
                continue
            rel_lo = np.full(mask.sum(), min(settings.min_share / node_share[i], 1 / mask.sum()))
            shares[mask] = _bounded_shares(score[mask], rel_lo, np.ones(mask.sum())) * node_share[i]
    else:
        shares = _bounded_shares(score, np.full(n, settings.min_share), np.ones(n)) if n else np.zeros(0)
    rows = []
    for cat in settings.categories:
        amount = int(round(cat.total * scale / unit))
        if not cat.allocate or n == 0:
            rows.append({"category": cat.key, **{d: CENTRAL for d in by}, "amount": amount * unit, "share": 1.0})
            continue
        parts = largest_remainder(shares, amount) if amount > 0 else np.zeros(n, dtype=np.int64)
        for (_, node), part, sh in zip(scores[by].iterrows(), parts, shares):
            rows.append({"category": cat.key, **{d: node[d] for d in by}, "amount": float(part) * unit, "share": float(sh)})
    out = pd.DataFrame(rows, columns=["category", *by, "amount", "share"])
    out.attrs["min_share"] = settings.min_share
    if note is not None:
        out.attrs["note"] = note
        out.attrs["floor"] = {"asked": asked, "n": n, "used": floor}
    return out


def budget_floor_note(budget: pd.DataFrame, lang: str) -> str | None:
    """The sentence saying that ``budget.min_share`` was scaled down for this allocation (or None), in ``lang``.

    Examples
    --------
    >>> b = pd.DataFrame(); b.attrs["floor"] = {"asked": 0.01, "n": 200, "used": 0.0025}
    >>> budget_floor_note(b, "zh").split("；")[1]
    '现按每个单元 0.25% 执行（保底合计占预算一半）：请调低 budget.min_share，或合并更多取值（checks.many_values.keep）。'
    >>> budget_floor_note(pd.DataFrame(), "en") is None
    True
    """
    floor = budget.attrs.get("floor")
    if not floor:
        return None
    return t("rb_min_share_scaled", lang, asked=f"{floor['asked']:.1%}", n=floor["n"], used=f"{floor['used']:.2%}")


def budget_efficiency(budget: pd.DataFrame, scores: pd.DataFrame, by: Sequence[str], flag_ratio: float = 1.5) -> pd.DataFrame:
    """Budget per unit of target revenue per node, against the company's.

    ``budget_to_target`` is the node's allocated budget ÷ its target (0.05 =
    5 fen per yuan of target); ``ratio`` that figure ÷ the company's;
    ``flag`` is ``over`` above ``flag_ratio``, ``under`` below 1 / ``flag_ratio``.
    """
    by = list(by)
    spread = budget.loc[~(budget[by] == CENTRAL).all(axis=1)] if len(budget) else budget
    per = spread.groupby(by)["amount"].sum() if len(spread) else pd.Series(dtype=float)
    out = scores[[*by, "target", "score_share", "rank", "priority"]].copy()
    out["budget"] = out.set_index(by).index.map(lambda k: float(per.get(k, 0.0))).astype(float)
    company = out["budget"].sum() / out["target"].sum() if out["target"].sum() > 0 else float("nan")
    out["budget_to_target"] = out["budget"] / out["target"].where(out["target"] > 0)
    out["ratio"] = out["budget_to_target"] / company if company and company == company else float("nan")
    out["flag"] = np.where(out["ratio"] > flag_ratio, "over", np.where(out["ratio"] < 1 / flag_ratio, "under", "ok"))
    return out.sort_values("rank").reset_index(drop=True)


def budget_lines(settings: Budget, actions: pd.DataFrame | None = None, scale: float = 1.0) -> pd.DataFrame:
    """Per category: the planned amount (× ``scale``: a quarterly plan's share
    of the yearly budget), its items, what the actions commit inside the plan
    period and what is left."""
    committed = actions.groupby("category")["budget_in_plan"].sum() if actions is not None and len(actions) else pd.Series(dtype=float)
    rows = []
    for c in settings.categories:
        rows.append({"category": c.key, "en": c.en, "zh": c.zh, "planned": c.total * scale,
                     "items": ", ".join(f"{k} {v * scale:,.0f}" for k, v in c.items.items()),
                     "committed": float(committed.get(c.key, 0.0)), "allocated": c.allocate})
    out = pd.DataFrame(rows, columns=["category", "en", "zh", "planned", "items", "committed", "allocated"])
    out["uncommitted"] = out["planned"] - out["committed"]
    return out


# =========================================================================== the Excel template (销售目标分解表)

# One rule for formula injection everywhere: :mod:`salesnb.artifacts` (also the CSV/XLSX writers).
safe_text = neutralise_formula
safe_frame = neutralise_frame


@dataclass
class Sheet:
    """One sheet of the workbook: a title row, a table, formats per column and whether its last row is a total."""

    name: str
    title: str
    table: pd.DataFrame
    money: Sequence[str] = ()
    percent: Sequence[str] = ()
    total_row: bool = False
    freeze_cols: int = 1
    row_formats: Mapping[int, str] = field(default_factory=dict)
    """Number format of a row's numbers (row position in ``table``), over the column formats."""


def targets_workbook(sheets: Sequence[Sheet]) -> bytes:
    """An ``.xlsx`` with one formatted sheet per view: a bold title, a header
    row with a fill, frozen panes under the header (and the first column),
    numbers as numbers (amounts ``#,##0``, shares ``0.0%``), a bold totals row
    and widths that fit. Text cells are made formula-safe (:func:`safe_text`)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    wb.remove(wb.active)
    header_fill = PatternFill("solid", fgColor="DCE6F1")
    bold = Font(bold=True)
    top = Border(top=Side(style="thin"))
    used = set()
    for sheet in sheets:
        name = "".join(ch for ch in sheet.name if ch not in '[]:*?/\\')[:31] or "Sheet"
        base_name, k = name, 2
        while name in used:
            name = f"{base_name[:28]}-{k}"
            k += 1
        used.add(name)
        ws = wb.create_sheet(name)
        df = safe_frame(sheet.table.reset_index(drop=True))
        ws.cell(row=1, column=1, value=safe_text(sheet.title)).font = Font(bold=True, size=13)
        for j, col in enumerate(df.columns, start=1):
            cell = ws.cell(row=2, column=j, value=str(col))
            cell.font = bold
            cell.fill = header_fill
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        money, percent = set(map(str, sheet.money)), set(map(str, sheet.percent))
        for i, rec in enumerate(df.itertuples(index=False), start=3):
            for j, (col, value) in enumerate(zip(df.columns, rec), start=1):
                if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
                    value = None
                elif isinstance(value, (np.integer,)):
                    value = int(value)
                elif isinstance(value, (np.floating,)):
                    value = float(value)
                elif isinstance(value, pd.Timestamp):
                    value = value.date()
                elif isinstance(value, (np.bool_, bool)):
                    value = bool(value)
                cell = ws.cell(row=i, column=j, value=value)
                if isinstance(value, str):
                    cell.data_type = "s"
                if isinstance(value, (int, float)) and not isinstance(value, bool) and (i - 3) in sheet.row_formats:
                    cell.number_format = sheet.row_formats[i - 3]
                elif col in money:
                    cell.number_format = "#,##0"
                elif col in percent:
                    cell.number_format = "0.0%"
                elif isinstance(value, date):
                    cell.number_format = "yyyy-mm-dd"
        last = 2 + len(df)
        if sheet.total_row and len(df):
            for j in range(1, len(df.columns) + 1):
                c = ws.cell(row=last, column=j)
                c.font = bold
                c.border = top
        ws.freeze_panes = ws.cell(row=3, column=1 + sheet.freeze_cols)
        for j, col in enumerate(df.columns, start=1):
            values = [str(col)] + [str(v) for v in df.iloc[:, j - 1].tolist()[:200]]
            width = max(len(v) + sum(1 for ch in v if ord(ch) > 0x2E80) for v in values)
            if str(col) in money:
                width = max(width, 14)
            ws.column_dimensions[get_column_letter(j)].width = min(max(width + 2, 8), 60)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# =========================================================================== views (tables in the report language)


class View(NamedTuple):
    """A table ready for :func:`salesnb.present.table`: ``ui.table(*view)``."""

    frame: pd.DataFrame
    caption: str | None = None
    formats: dict | None = None


def _unit(unit: str, lang: str) -> tuple[float, str, int]:
    """Scale factor, label and decimals of amounts shown in ``unit``."""
    from .i18n import UNIT_FACTORS, report_unit, unit_label

    shown = report_unit(unit, lang)
    return UNIT_FACTORS[shown], unit_label(shown, lang), (2 if shown in ("百万元", "million") else 1 if shown != "元" else 0)


def _amount(unit: str, lang: str):
    from .i18n import number

    factor, _, digits = _unit(unit, lang)
    return lambda v: number(v / factor if v == v and v is not None else v, lang, digits)


def _pct(lang: str, signed: bool = False):
    from .i18n import pct

    return lambda v: pct(v, lang, signed=signed)


def node_label(dim: str, node, lang: str) -> str:
    """A node as readers see it: customer types translated, the rest as in the data."""
    if dim == "customer_type" and node in CUSTOMER_TYPES:
        return t(f"bd_ct_{node}", lang)
    if node == CENTRAL:
        return t("bd_central", lang)
    return str(node)


def words(key) -> str:
    """A key a person wrote in ``workspace.yaml`` (``online_promotion``) as words (``online promotion``), for a
    report that has no label for it."""
    return str(key).replace("_", " ").strip()


def channel_label(channel, lang: str) -> str:
    """An action's channel in ``lang``: known channels translated, others as words; blank stays blank.

    >>> channel_label("trade_show", "en"), channel_label("partner", "zh"), channel_label("tv_ads", "en")
    ('trade show', '合作伙伴', 'tv ads')
    """
    from .i18n import LABELS

    if channel is None or channel != channel or not str(channel).strip():
        return ""
    key = f"bd_channel_{channel}"
    return t(key, lang) if key in LABELS else words(channel)


def budget_item_label(item, lang: str) -> str:
    """A budget line (``items:`` key of a budget category) in ``lang``: known lines translated, others as words.

    >>> budget_item_label("online_promotion", "en"), budget_item_label("commission", "zh"), budget_item_label("events_2026", "en")
    ('online promotion', '销售提成', 'events 2026')
    """
    from .i18n import LABELS

    key = f"bd_item_{item}"
    return t(key, lang) if key in LABELS else words(item)


def serves_label(serves, lang: str, tiers: Tiers | None = None) -> str:
    """What an action serves, as readers say it (no ``key=value``): customer types and tiers by their names,
    regions and product lines by their values.

    ``serves`` is the ``serves:`` mapping of an action or its text ``customer_type=new, tier=at_risk``.

    >>> serves_label("customer_type=new", "en"), serves_label({"tier": "at_risk"}, "zh"), serves_label("region=华南", "en")
    ('new customers', '流失预警客户', '华南')
    """
    from .i18n import LABELS

    if isinstance(serves, dict):
        pairs = list(serves.items())
    else:
        text = "" if serves is None or serves != serves else str(serves)
        pairs = [tuple(part.split("=", 1)) if "=" in part else ("", part) for part in (x.strip() for x in text.split(",")) if part]
    tier_names = {r.key: (r.zh if lang == "zh" else r.en) for r in (tiers.rules if tiers is not None else [])}
    out = []
    for dim, node in pairs:
        dim, node = str(dim).strip(), str(node).strip()
        if dim == "customer_type":
            key = f"bd_serves_{node}"
            out.append(t(key, lang) if key in LABELS else node_label(dim, node, lang))
        elif dim == "tier":
            key = f"bd_tier_{node}"
            out.append(tier_names.get(node) or (t(key, lang) if key in LABELS else words(node)))
        else:
            out.append(node)
    return ("、" if lang == "zh" else ", ").join(out)


def dim_label(dim: str, lang: str) -> str:
    """A dimension's name in ``lang`` (known ones translated)."""
    from .i18n import LABELS

    return t(dim, lang) if dim in LABELS else dim


def _source_text(total: PlanTotal, lang: str, year_on_year: bool = True) -> str:
    if total.source == "goal":
        return t("bd_src_goal", lang, goal=total.goal_id)
    if total.source == "trend" and not year_on_year:  # recent quarters: no growth rate is known, the base is kept
        return t("bd_src_trend_flat", lang)
    if total.source == "trend" and not total.trend_known:  # under 24 months: no twelve-month growth to continue
        return t("bd_src_trend_unknown", lang)
    return t(f"bd_src_{total.source}", lang)


def actuals_view(share: pd.DataFrame, lang: str, unit: str) -> View:
    """This period's actuals by region and customer type (``metrics.share_table`` output) with translated headers."""
    factor, label, _ = _unit(unit, lang)
    out = share.reset_index()
    dim = out.columns[0]
    names = {dim: dim_label(dim, lang), "existing": t("bd_col_existing", lang, unit=label), "new": t("bd_col_new", lang, unit=label),
             "total": t("bd_col_amount", lang, unit=label), "share": t("share", lang)}
    out = out.rename(columns=names)
    amount = _amount(unit, lang)
    return View(out, None, {c: (_pct(lang) if c == names["share"] else amount) for c in out.columns[1:]})


def total_view(plan: Plan, lang: str, unit: str) -> View:
    """The total: base actual, plan total, growth, source, method."""
    from .i18n import money, pct

    base, pl = plan.periods.base.label, str(plan.periods.plan)
    rows = [
        (t("bd_row_base", lang, base=base), money(plan.total.base, unit, lang)),
        (t("bd_row_total", lang, plan=pl), money(plan.total.value, unit, lang)),
        (t("bd_row_growth", lang, base=base), pct(plan.total.growth, lang, signed=True)),
        (t("bd_row_source", lang), _source_text(plan.total, lang, plan.periods.year_on_year)),
        (t("bd_row_method", lang), method_text(plan.method, lang)),
        (t("bd_row_dimensions", lang), " × ".join(dim_label(d, lang) for d in plan.dims)),
    ]
    return View(pd.DataFrame(rows, columns=[t("bd_col_metric", lang), t("bd_col_value", lang)]))


def method_text(method: str, lang: str) -> str:
    return t(f"bd_method_{method}", lang)


def _clean_zero(x: float, eps: float = 5e-6) -> float:
    """0.0 for a value that would print as −0.0 %."""
    return 0.0 if x == x and abs(x) < eps else x


def goals_view(plan: Plan, goals: pd.DataFrame, lang: str, unit: str) -> View | None:
    """Revenue goals against the plan: the goal's target and the plan's for the same scope."""
    rev = goals.loc[(goals["metric"] == "revenue") & (goals["deadline"] == str(plan.periods.plan.year))] if len(goals) else goals
    if rev is None or rev.empty or plan.periods.plan.is_quarter:
        return None
    factor, label, _ = _unit(unit, lang)
    rows = []
    for _, g in rev.iterrows():
        mask = pd.Series(True, index=plan.cells.index)
        ok = True
        for col, val in g["scope"].items():
            if col not in plan.cells:
                ok = False
                break
            mask &= plan.cells[col] == val
        planned = float(plan.cells.loc[mask, "target"].sum()) if ok else float("nan")
        scope = ", ".join(f"{node_label(k, v, lang)}" for k, v in g["scope"].items()) or t("bd_company", lang)
        rows.append({t("bd_col_goal", lang): g["goal_id"], t("bd_col_scope", lang): scope,
                     t("bd_col_goal_target", lang, unit=label): g["target"], t("bd_col_plan_target", lang, unit=label): planned,
                     t("bd_col_gap", lang): _clean_zero(planned / g["target"] - 1) if g["target"] else float("nan")})
    df = pd.DataFrame(rows)
    fmts = {t("bd_col_goal_target", lang, unit=label): _amount(unit, lang), t("bd_col_plan_target", lang, unit=label): _amount(unit, lang),
            t("bd_col_gap", lang): _pct(lang, signed=True)}
    return View(df, None, fmts)


def method_view(plan: Plan, dim: str, lang: str) -> View:
    """Each node's share of the total under every method, and the plan's (after overrides)."""
    w = plan.weights.drop(columns="weight").groupby(level=dim).sum() if isinstance(plan.weights.index, pd.MultiIndex) else plan.weights.drop(columns="weight")
    plan_share = plan.cells.groupby(dim)["target"].sum()
    plan_share = plan_share / plan_share.sum()
    df = w.copy()
    df["plan"] = plan_share.reindex(df.index)
    df = df.sort_values("plan", ascending=False)
    cols = {m: t(f"bd_method_{m}", lang) for m in ("even", "history", "momentum", "potential")}
    cols["plan"] = t("bd_method_weight", lang)
    out = df.rename(columns=cols).reset_index()
    out[dim] = [node_label(dim, v, lang) for v in out[dim]]
    out = out.rename(columns={dim: dim_label(dim, lang)})
    return View(out, None, {c: _pct(lang) for c in cols.values() if c in out})


def overrides_view(plan: Plan, lang: str, unit: str) -> View | None:
    if plan.overrides.empty:
        return None
    from .i18n import money, pct

    factor, label, _ = _unit(unit, lang)
    o = plan.overrides
    df = pd.DataFrame({
        t("bd_col_dimension", lang): [dim_label(d, lang) for d in o["dimension"]],
        t("bd_col_node", lang): [node_label(d, n, lang) for d, n in zip(o["dimension"], o["node"])],
        t("bd_col_override", lang): [pct(r, lang, signed=True) if k == "growth" else money(r, unit, lang) for k, r in zip(o["kind"], o["requested"])],
        t("bd_col_base", lang, base=plan.periods.base.label, unit=label): o["base"],
        t("bd_col_target", lang, plan=str(plan.periods.plan), unit=label): o["target"],
        t("bd_col_note", lang): o["note"],
    })
    amount = _amount(unit, lang)
    return View(df, None, {c: amount for c in df.columns[3:5]})


def split_view(plan: Plan, goals: pd.DataFrame, lang: str, unit: str) -> View | None:
    if plan.split is None:
        return None
    opts = split_options(plan.split, goals, plan.unit)
    factor, label, _ = _unit(unit, lang)
    df = pd.DataFrame({
        t("bd_col_assumption", lang): [t(f"bd_opt_{o}", lang) for o in opts["option"]],
        t("bd_col_goal", lang): opts["goal_id"].fillna("—"),
        t("bd_col_repurchase", lang): opts["repurchase_rate"],
        t("bd_col_existing", lang, unit=label): opts["existing"],
        t("bd_col_new", lang, unit=label): opts["new"],
        t("bd_col_new_share", lang): opts["new_share"],
        t("bd_col_used", lang): [t("bd_ok", lang) if u else "" for u in opts["used"]],
    })
    amount = _amount(unit, lang)
    fm = {df.columns[2]: _pct(lang), df.columns[3]: amount, df.columns[4]: amount, df.columns[5]: _pct(lang)}
    return View(df, None, fm)


def matrix_view(plan: Plan, lang: str, unit: str) -> View:
    """The 销售目标分解表: rows × columns of the matrix dimensions, with totals."""
    m = plan.matrix()
    rows = m.index.name
    cols_dim = plan.matrix_dims[1] if len(plan.matrix_dims) > 1 else "customer_type"
    factor, label, _ = _unit(unit, lang)
    out = m.reset_index()
    out[rows] = [t("bd_total", lang) if v == "total" else node_label(rows, v, lang) for v in out[rows]]
    out.columns = [dim_label(rows, lang)] + [t("bd_total", lang) if c == "total" else node_label(cols_dim, c, lang) for c in m.columns]
    amount = _amount(unit, lang)
    cap = t("bd_col_target", lang, plan=str(plan.periods.plan), unit=label)
    return View(out, cap, {c: amount for c in out.columns[1:]})


def margin_view(plan: Plan, dim: str, lang: str, unit: str) -> View:
    """Per node of ``dim``: actual, target, growth, share (and existing/new)."""
    g = plan.margin(dim)
    factor, label, _ = _unit(unit, lang)
    base, pl = plan.periods.base.label, str(plan.periods.plan)
    names = {"base": t("bd_col_base", lang, base=base, unit=label), "target": t("bd_col_target", lang, plan=pl, unit=label),
             "growth": t("bd_col_growth", lang), "share": t("bd_col_share", lang),
             "existing": t("bd_col_existing", lang, unit=label), "new": t("bd_col_new", lang, unit=label)}
    total = pd.DataFrame([{**{c: g[c].sum() for c in g.columns if c not in ("growth", "share")}, "share": 1.0}], index=["total"])
    total["growth"] = total["target"] / total["base"] - 1 if total["base"].iloc[0] > 0 else float("nan")
    g = pd.concat([g, total[g.columns]])
    out = g.rename(columns=names)
    out.index = [t("bd_total", lang) if v == "total" else node_label(dim, v, lang) for v in g.index]
    out = out.rename_axis(dim_label(dim, lang)).reset_index()
    amount = _amount(unit, lang)
    fm = {names[c]: amount for c in ("base", "target", "existing", "new") if names[c] in out}
    fm[names["growth"]] = _pct(lang, signed=True)
    fm[names["share"]] = _pct(lang)
    return View(out, None, fm)


def phasing_view(plan: Plan, dim: str, lang: str, unit: str) -> View:
    """Targets per month (columns) per node of ``dim`` with totals."""
    m = plan.by_period(dim)
    m.loc["total"] = m.sum(axis=0)
    factor, label, _ = _unit(unit, lang)
    out = m.reset_index()
    out[dim] = [t("bd_total", lang) if v == "total" else node_label(dim, v, lang) for v in out[dim]]
    out = out.rename(columns={dim: dim_label(dim, lang), "total": t("bd_total", lang)})
    amount = _amount(unit, lang)
    return View(out, t("bd_col_amount", lang, unit=label), {c: amount for c in out.columns[1:]})


def flag_text(flag: str, lang: str) -> str:
    return t(f"bd_flag_{flag}", lang)


def _part_label(row, lang: str) -> str:
    if row["level"] == "total":
        return t("bd_company", lang)
    dims = [d.strip() for d in str(row["level"]).split("×")]
    return " · ".join(node_label(d, row[d], lang) for d in dims if d in row and row[d] == row[d])


def checks_view(plan: Plan, lang: str, unit: str, flagged_only: bool = True) -> View | None:
    """Implied growth of each part against its history (only flagged parts by default)."""
    c = plan.flagged() if flagged_only else plan.checks
    if c.empty:
        return None
    qoq = "" if plan.periods.year_on_year else "_qoq"
    factor, label, _ = _unit(unit, lang)
    df = pd.DataFrame({
        t("bd_col_level", lang): [t("bd_total", lang) if lv == "total" else " × ".join(dim_label(d.strip(), lang) for d in lv.split("×"))
                                  for lv in c["level"]],
        t("bd_col_node", lang): [_part_label(r, lang) for _, r in c.iterrows()],
        t("bd_col_base", lang, base=plan.periods.base.label, unit=label): c["base"],
        t("bd_col_target", lang, plan=str(plan.periods.plan), unit=label): c["target"],
        t("bd_col_implied", lang): c["implied_growth"],
        t("bd_col_best" if qoq == "" else "bd_col_best_qoq", lang): c["best_growth"],
        t("bd_col_worst" if qoq == "" else "bd_col_worst_qoq", lang): c["worst_growth"],
        t("bd_col_flag", lang): [flag_text(f, lang) for f in c["flag"]],
    })
    amount, sp = _amount(unit, lang), _pct(lang, signed=True)
    fm = {df.columns[2]: amount, df.columns[3]: amount, df.columns[4]: sp, df.columns[5]: sp, df.columns[6]: sp}
    return View(df, None, fm)


def margin_checks_view(plan: Plan, lang: str, unit: str) -> View:
    from .i18n import number

    factor, label, _ = _unit(unit, lang)
    mc = plan.margin_checks
    names = {"cells": t("bd_check_cells", lang), "period": t("bd_check_period", lang),
             "period_by_cell": t("bd_check_period_by_cell", lang), "no_negative": t("bd_check_min", lang)}
    df = pd.DataFrame({
        t("bd_col_check", lang): [names.get(c, dim_label(c, lang)) for c in mc["check"]],
        t("bd_col_sum", lang, unit=label): mc["sum"],
        t("bd_col_total", lang, unit=label): mc["total"],
        t("bd_col_difference", lang): mc["difference"],
        t("bd_col_ok", lang): [t("bd_ok", lang) if ok else t("bd_not_ok", lang) for ok in mc["ok"]],
    })
    amount = _amount(unit, lang)
    return View(df, None, {df.columns[1]: amount, df.columns[2]: amount, df.columns[3]: lambda v: number(v, lang, 0)})


def tiers_view(summary: pd.DataFrame, lang: str, unit: str) -> View:
    factor, label, _ = _unit(unit, lang)
    df = pd.DataFrame({
        t("bd_col_tier", lang): summary["label"],
        t("bd_col_customers", lang): summary["customers"],
        t("bd_col_customer_share", lang): summary["customer_share"],
        t("bd_col_revenue", lang, unit=label): summary["revenue"],
        t("bd_col_revenue_share", lang): summary["revenue_share"],
        t("bd_col_per_customer", lang, unit=label): summary["revenue_per_customer"],
        t("bd_col_visits", lang): summary["visits_per_year"],
        t("bd_col_care", lang): summary["care"],
        t("bd_col_budget_per_customer", lang): summary["budget_per_customer"],
        t("bd_col_care_budget", lang, unit=label): summary["care_budget"],
        t("bd_col_owner", lang): summary["owner"],
    })
    from .i18n import number

    amount = _amount(unit, lang)
    fm = {df.columns[2]: _pct(lang), df.columns[3]: amount, df.columns[4]: _pct(lang), df.columns[5]: amount,
          # a budget per customer is a small amount: in whole currency units, with the unit (not a bare "20,000")
          df.columns[6]: lambda v: number(v, lang, 1), df.columns[8]: lambda v: _per_customer(v, unit, lang), df.columns[9]: amount}
    return View(df, None, fm)


def _per_customer(value, unit: str, lang: str) -> str:
    """An amount per customer in whole currency units with its unit (元 for a CNY workspace).

    >>> _per_customer(20000, "万元", "en"), _per_customer(20000, "万元", "zh"), _per_customer(300, "thousand", "en")
    ('20,000 CNY', '20,000 元', '300')
    """
    from .i18n import money

    return money(value, "元" if unit in ("元", "千元", "万元", "百万元") else "unit", lang, 0)


def actions_view(table: pd.DataFrame, lang: str, unit: str, budget: Budget | None = None, tiers: Tiers | None = None) -> View | None:
    if table.empty:
        return None
    factor, label, _ = _unit(unit, lang)
    cats = {c.key: (c.zh if lang == "zh" else c.en) for c in (budget.categories if budget is not None else [])}
    df = pd.DataFrame({
        t("bd_col_id", lang): table["id"],
        t("bd_col_kind", lang): [t(f"bd_kind_{k}", lang) for k in table["kind"]],
        t("bd_col_action", lang): table["action"],
        t("bd_col_channel", lang): [channel_label(c, lang) for c in table["channel"]],
        t("bd_col_serves", lang): [serves_label(sv, lang, tiers) for sv in table["serves"]],
        t("bd_col_goal", lang): table["goal"],
        t("bd_col_owner", lang): table["owner"],
        t("bd_col_start", lang): table["start"].dt.date.astype(str),
        t("bd_col_due", lang): table["due"].dt.date.astype(str),
        t("bd_col_budget", lang, unit=label): table["budget"],
        t("bd_col_category", lang): [cats.get(c, c) for c in table["category"]],
    })
    return View(df, None, {df.columns[9]: _amount(unit, lang)})


def problems_view(problems: pd.DataFrame, lang: str) -> View | None:
    if problems.empty:
        return None
    df = problems.rename(columns={"id": t("bd_col_id", lang), "field": t("bd_col_field", lang), "problem": t("bd_col_problem", lang)})
    return View(df)


def _items_text(items, lang: str, unit: str) -> str:
    """A category's ``items`` of :func:`budget_lines` (``commission 6,500,000, hiring 2,500,000``, amounts in 元) as
    readers see them: each line named in ``lang`` with its amount in the report's money unit.

    >>> _items_text("commission 6,500,000, online_promotion 1,500,000", "en", "万元")
    'sales commission 6.50 million CNY, online promotion 1.50 million CNY'
    """
    from .i18n import money

    if items is None or items != items or not str(items).strip():
        return ""
    out = []
    for part in str(items).split(", "):
        key, _, amount = part.rpartition(" ")
        try:
            value = float(amount.replace(",", ""))
        except ValueError:
            out.append(part)
            continue
        out.append(f"{budget_item_label(key, lang)} {money(value, unit, lang)}")
    return ("、" if lang == "zh" else ", ").join(out)


def budget_lines_view(lines: pd.DataFrame, lang: str, unit: str) -> View | None:
    if lines.empty:
        return None
    factor, label, _ = _unit(unit, lang)
    total = {"category": "total", "en": t("bd_total", "en"), "zh": t("bd_total", "zh"), "planned": lines["planned"].sum(), "items": "",
             "committed": lines["committed"].sum(), "allocated": None, "uncommitted": lines["uncommitted"].sum()}
    both = pd.concat([lines, pd.DataFrame([total])], ignore_index=True)
    df = pd.DataFrame({
        t("bd_col_category", lang): both["zh" if lang == "zh" else "en"],
        t("bd_col_planned", lang, unit=label): both["planned"],
        t("bd_col_items", lang): [_items_text(x, lang, unit) for x in both["items"]],
        t("bd_col_committed", lang, unit=label): both["committed"],
        t("bd_col_uncommitted", lang, unit=label): both["uncommitted"],
        t("bd_col_spread", lang): ["" if a is None else t("bd_yes", lang) if a else t("bd_central", lang) for a in both["allocated"]],
    })
    amount = _amount(unit, lang)
    return View(df, None, {df.columns[1]: amount, df.columns[3]: amount, df.columns[4]: amount})


def budget_view(efficiency: pd.DataFrame, by: Sequence[str], lang: str, unit: str, only_flagged: bool = False) -> View:
    """Priority, budget and budget per yuan of target per part, with flags."""
    e = efficiency.loc[efficiency["flag"] != "ok"] if only_flagged else efficiency
    factor, label, _ = _unit(unit, lang)
    from .i18n import number

    df = pd.DataFrame({
        t("bd_col_rank", lang): e["rank"],
        t("bd_col_node", lang): [" · ".join(node_label(d, r[d], lang) for d in by) for _, r in e.iterrows()],
        t("bd_col_priority", lang): [t(f"bd_priority_{p}", lang) for p in e["priority"]],
        t("bd_col_score", lang): e["score_share"],
        t("bd_col_target_plain", lang, unit=label): e["target"],
        t("bd_col_budget", lang, unit=label): e["budget"],
        t("bd_col_budget_to_target", lang): e["budget_to_target"],
        t("bd_col_vs_company", lang): e["ratio"],
        t("bd_col_flag", lang): [t(f"bd_budget_{f}", lang) for f in e["flag"]],
    })
    amount = _amount(unit, lang)
    fm = {df.columns[3]: _pct(lang), df.columns[4]: amount, df.columns[5]: amount, df.columns[6]: lambda v: _pct(lang)(v),
          df.columns[7]: lambda v: (number(v, lang, 2) + "×") if v == v else t("not_available", lang)}
    return View(df, None, fm)


def budget_matrix_view(budget: pd.DataFrame, by: Sequence[str], lang: str, unit: str, budget_settings: Budget | None = None) -> View:
    """Budget per part (rows: the first dimension of ``allocate_by``) and category (columns), with totals."""
    factor, label, _ = _unit(unit, lang)
    first = list(by)[0]
    m = budget.pivot_table(index=first, columns="category", values="amount", aggfunc="sum", fill_value=0.0)
    order = [c.key for c in budget_settings.categories] if budget_settings is not None else list(m.columns)
    m = m[[c for c in order if c in m.columns]]
    m["total"] = m.sum(axis=1)
    m = m.sort_values("total", ascending=False)
    m.loc["total"] = m.sum(axis=0)
    cats = {c.key: (c.zh if lang == "zh" else c.en) for c in (budget_settings.categories if budget_settings is not None else [])}
    out = m.reset_index()
    out[first] = [t("bd_total", lang) if v == "total" else node_label(first, v, lang) for v in out[first]]
    out.columns = [dim_label(first, lang)] + [t("bd_total", lang) if c == "total" else cats.get(c, c) for c in m.columns]
    amount = _amount(unit, lang)
    return View(out, t("bd_col_amount", lang, unit=label), {c: amount for c in out.columns[1:]})


# --------------------------------------------------------------------------- narrative


def narrative_plan(plan: Plan, lang: str) -> str:
    """What the run plans, from which data, against which base (and, with
    ``recent_quarters`` windows, :func:`narrative_basis`)."""
    pp = plan.periods
    text = t("bd_narr_plan", lang, report=str(pp.report), horizon=t(f"bd_horizon_{pp.horizon}", lang), plan=str(pp.plan),
             start=pp.plan.start.date().isoformat(), end=pp.plan.end.date().isoformat(), base=pp.base.label,
             grain=t("bd_grain_month", lang))
    basis = narrative_basis(pp, lang)
    return text + " " + basis if basis else text


def narrative_basis(periods: PlanPeriods, lang: str) -> str | None:
    """One sentence for a plan without a same-quarter comparison (``recent_quarters``); None otherwise.

    >>> pp = plan_periods(Period.parse("2011Q3"), data_start=pd.Timestamp("2010-12-01"))
    >>> print(narrative_basis(pp, "en"))  # doctest: +NORMALIZE_WHITESPACE
    The data starts on 2010-12-01, so there is no 2010Q4 (the same quarter a year earlier) to compare 2011Q4 with: the plan is
    based on the latest quarter(s) 2011Q3, 2011Q2, 2011Q1 and seasonality is not known — growth is measured against 2011Q3,
    the quarter just before, without a trend, and the plan's months get equal shares.
    """
    if periods.year_on_year:
        return None
    start = periods.data_start.date().isoformat() if periods.data_start is not None else t("not_available", lang)
    sep = "、" if lang == "zh" else ", "
    return t("bd_narr_basis_recent", lang, start=start, same=str(periods.same_period_last_year), plan=str(periods.plan),
             windows=sep.join(w.label for w in periods.windows), base=periods.base.label)


def narrative_total(plan: Plan, lang: str, unit: str) -> str:
    from .i18n import money, pct

    tot = plan.total
    fields = dict(total=money(tot.value, unit, lang), growth=pct(tot.growth, lang, signed=True), base=plan.periods.base.label,
                  base_value=money(tot.base, unit, lang), goal=tot.goal_id, plan=str(plan.periods.plan))
    flat = tot.source == "trend" and not plan.periods.year_on_year  # no yearly growth rate, no seasonal one either
    if tot.source == "trend" and not tot.trend_known and not flat:  # a yearly plan on under 24 months: no growth to continue
        text = t("bd_narr_total_trend_unknown", lang, **fields)
    else:
        text = t("bd_narr_total_trend_flat" if flat else f"bd_narr_total_{tot.source}", lang, **fields)
    if plan.periods.plan.is_quarter and tot.source in ("goal", "value") and tot.season_share != 1.0:  # a yearly amount, scaled
        season = "bd_narr_season" if plan.periods.year_on_year else "bd_narr_season_even"
        text += " " + t(season, lang, share=pct(tot.season_share, lang))
    return text


def narrative_method(plan: Plan, settings: Breakdown, lang: str) -> str:
    from .i18n import pct

    m = plan.method
    if m == "blend":
        tot = sum(v for v in settings.weights.values() if v > 0)
        parts = ", ".join(f"{method_text(k, lang)} {pct(v / tot, lang, 0)}" for k, v in settings.weights.items() if v > 0)
        why = t("bd_why_blend", lang, parts=parts)
    elif m == "history":
        why = t("bd_why_history", lang, n=settings.lookback)
    elif m == "momentum":
        why = t("bd_why_momentum", lang, cap=pct(settings.momentum_cap, lang, 0))
    elif m == "potential":
        why = t("bd_why_potential", lang, source=settings.potential_source or "breakdown.potential")
    else:
        why = t("bd_why_even", lang)
    momentum = m == "momentum" or (m == "blend" and settings.weights.get("momentum", 0) > 0)
    if momentum and not plan.periods.year_on_year:
        why += " " + t("bd_why_momentum_recent", lang, base=plan.periods.base.label)
    return t("bd_narr_method", lang, method=method_text(m, lang), why=why)


def narrative_split(plan: Plan, lang: str, unit: str) -> str | None:
    from .i18n import money, number, pct

    sp = plan.split
    if sp is None:
        return None
    base = plan.periods.base.label
    if sp.source == "new_share_goal":
        per = sp.base_customers * sp.spend_per_customer * sp.spend_trend
        pin = t("bd_pin_new_share", lang, goal=sp.goal_id, share=pct(sp.new_share, lang), existing=money(sp.existing, unit, lang),
                rate=pct((sp.existing - sp.returning_revenue) / per if per else float("nan"), lang))
    elif sp.source == "repurchase_goal":
        pin = t("bd_pin_repurchase", lang, goal=sp.goal_id, existing=money(sp.existing, unit, lang))
    elif sp.fallback == "no_new":
        pin = t("bd_pin_no_new", lang, windows=_history_labels(plan, lang), existing=money(sp.existing, unit, lang))
    else:
        pin = t("bd_pin_capped", lang) if sp.capped else t("bd_pin_estimate", lang, existing=money(sp.existing, unit, lang))
    if sp.returning_revenue > 0:
        pin = t("bd_narr_returning", lang, back=money(sp.returning_revenue, unit, lang)) + " " + pin
    pp = plan.periods
    if not (sp.repurchase_rate_history == sp.repurchase_rate_history):
        # no retention base before the base window: say so, then what the split follows instead
        start = pp.data_start.date().isoformat() if pp.data_start is not None else t("not_available", lang)
        head = t("bd_split_no_rate", lang, base=base, start=start)
        if sp.source == "observed_mix":
            body = t("bd_split_mix", lang, label=sp.mix_label, mix=pct(sp.new / sp.total if sp.total else float("nan"), lang),
                     existing=money(sp.existing, unit, lang), new=money(sp.new, unit, lang))
        else:
            body = t("bd_split_pinned", lang, goal=sp.goal_id, share=pct(sp.new_share, lang), existing=money(sp.existing, unit, lang),
                     new=money(sp.new, unit, lang))
        return head + " " + body
    if not pp.year_on_year:
        start = pp.data_start.date().isoformat() if pp.data_start is not None else t("not_available", lang)
        return t("bd_narr_split_recent", lang, customers=number(sp.base_customers, lang), months=retention_months(pp),
                 end=pp.report.end.date().isoformat(), start=start, base=base, rate=pct(sp.repurchase_rate, lang),
                 spend=money(sp.spend_per_customer, unit, lang), estimate=money(sp.existing_estimate, unit, lang),
                 pin=pin + " ", new=money(sp.new, unit, lang), new_share=pct(sp.new_share, lang),
                 new_hist=pct(sp.new_share_history, lang))
    return t("bd_narr_split", lang, customers=number(sp.base_customers, lang), base=base, rate=pct(sp.repurchase_rate, lang),
             spend=money(sp.spend_per_customer, unit, lang), trend=pct(sp.spend_trend - 1, lang, signed=True),
             estimate=money(sp.existing_estimate, unit, lang), pin=pin + " ", new=money(sp.new, unit, lang),
             new_share=pct(sp.new_share, lang), new_hist=pct(sp.new_share_history, lang))


def _history_labels(plan: Plan, lang: str) -> str:
    """The labels of the history windows within the plan's lookback (what its weights are drawn from)."""
    return ("、" if lang == "zh" else ", ").join(w.label for w in plan.periods.windows[:max(plan.lookback, 1)])


def narrative_matrix(plan: Plan, lang: str, unit: str) -> str:
    from .i18n import money, pct

    md = plan.matrix_dims
    a = plan.margin(md[0])
    b = plan.margin(md[1]) if len(md) > 1 else a
    key = "bd_narr_matrix" if md[-1] == "product_line" else "bd_narr_matrix_other"
    return t(key, lang, dim=dim_label(md[-1], lang).lower() if lang == "en" else dim_label(md[-1], lang),
             top=node_label(md[0], a.index[0], lang), top_value=money(a["target"].iloc[0], unit, lang),
             top_growth=pct(a["growth"].iloc[0], lang, signed=True), line=node_label(md[-1], b.index[0], lang),
             line_value=money(b["target"].iloc[0], unit, lang), line_growth=pct(b["growth"].iloc[0], lang, signed=True))


def narrative_phasing(plan: Plan, lang: str, unit: str) -> str:
    from .i18n import money

    per = plan.by_period()["target"]
    if not plan.periods.year_on_year:
        return t("bd_narr_phasing_even", lang, plan=str(plan.periods.plan), value=money(per.mean(), unit, lang))
    return t("bd_narr_phasing", lang, peak=per.idxmax(), peak_value=money(per.max(), unit, lang), low=per.idxmin(),
             low_value=money(per.min(), unit, lang))


def narrative_checks(plan: Plan, lang: str, unit: str, limit: int = 6) -> str:
    from .i18n import money, pct

    ok = bool(plan.margin_checks["ok"].all())
    dims = ("、" if lang == "zh" else ", ").join(dim_label(d, lang).lower() if lang == "en" else dim_label(d, lang) for d in plan.dims)
    first = t("bd_narr_margins_ok", lang, total=money(plan.total.value, unit, lang), dims=dims) if ok else t("bd_narr_margins_bad", lang)
    flagged = plan.flagged()
    if flagged.empty:
        # every part checked is within its history; parts under min_share were not checked: say so
        small = int(((plan.checks["share"] < plan.min_share) & (plan.checks["base"] > 0)).sum())
        if small:
            return first + " " + t("bd_narr_no_flags_small", lang, n=small, share=pct(plan.min_share, lang))
        return first + " " + t("bd_narr_no_flags", lang)
    # single dimensions first, then the crossings
    flagged = flagged.assign(_depth=flagged["level"].str.count("×")).sort_values(["_depth", "share"], ascending=[True, False])
    items = []
    best_key = "bd_why_beyond" if plan.periods.year_on_year else "bd_why_beyond_qoq"
    for _, r in flagged.head(limit).iterrows():
        if r["flag"] == "beyond_history":
            why = t(best_key, lang, best=pct(r["best_growth"], lang, signed=True))
        elif r["flag"] == "against_trend":
            why = t("bd_why_against_trend", lang, latest=pct(r["latest_growth"], lang, signed=True))
        elif r["flag"] == "shrinking":
            last = r["best_growth"]
            why = t(best_key, lang, best=pct(last, lang, signed=True)) if last == last else flag_text("shrinking", lang)
        else:
            why = flag_text(r["flag"], lang)
        items.append(t("bd_flag_item", lang, part=_part_label(r, lang), growth=pct(r["implied_growth"], lang, signed=True), why=why))
    more = len(flagged) - limit
    parts = ("; " if lang == "en" else "；").join(items) + (f" … (+{more})" if more > 0 else "")
    return first + " " + t("bd_narr_flags", lang, n=len(flagged), parts=parts)


def narrative_tiers(summary: pd.DataFrame, tiers: pd.DataFrame, settings: Tiers, lang: str, unit: str,
                    budget: Budget | None = None, care_category: str = "customer_care") -> str:
    """The top tier's weight, the customers at risk and (with a ``customer_care`` budget line) what care costs against it."""
    from .i18n import money, number, pct

    care_budget = next((c.total for c in budget.categories if c.key == care_category), None) if budget is not None else None
    top = summary.iloc[0]
    text = t("bd_narr_tiers", lang, top_label=top["label"], top_share=pct(top["customer_share"], lang), n=number(len(tiers), lang),
             top_revenue=pct(top["revenue_share"], lang), risk_n=number(int(tiers["at_risk"].sum()), lang), days=settings.risk.recency_days)
    risk_rule = next((r for r in settings.rules if r.at_risk), None)
    if risk_rule is not None and "tier" in tiers:  # the risk signal and the at-risk tier are two counts: say which is which
        label = summary.loc[summary["tier"] == risk_rule.key, "label"] if "tier" in summary else pd.Series(dtype=str)
        text += " " + t("pr_tier_vs_signal", lang, tier=label.iloc[0] if len(label) else risk_rule.key,
                        tier_n=number(int((tiers["tier"] == risk_rule.key).sum()), lang), risk_n=number(int(tiers["at_risk"].sum()), lang))
    if care_budget is not None:
        text += " " + t("bd_narr_tier_budget", lang, care=money(summary["care_budget"].sum(), unit, lang), budget=money(care_budget, unit, lang))
    return text


def narrative_budget(efficiency: pd.DataFrame, by: Sequence[str], total_budget: float, target: float, lang: str, unit: str) -> str:
    """The budget's two ratios to the target, both labelled: the whole budget, and the part spread across the
    plan's parts (the company line of :func:`salesnb.plots.breakdown.budget_ratio`); then the top priority.

    The ratios are :func:`salesnb.facts.budget_ratios`, the numbers ``summary.json`` records as facts."""
    from .facts import budget_ratios, show
    from .i18n import money

    whole, spread = budget_ratios(total_budget, float(efficiency["budget"].sum()), target)
    top = efficiency.sort_values("rank").iloc[0]
    return t("bd_narr_budget", lang, total=money(total_budget, unit, lang), share=show(whole, lang, "share1"),
             spread_total=money(float(efficiency["budget"].sum()), unit, lang), spread_share=show(spread, lang, "share1"),
             top=" · ".join(node_label(d, top[d], lang) for d in by))


def definitions(settings: Breakdown, budget: Budget, lang: str) -> list[str]:
    from .i18n import number, pct

    return [t("bd_def_plan", lang), t("bd_def_allocation", lang), t("bd_def_existing", lang),
            t("bd_def_phasing", lang, k=number(settings.phasing.prior_orders, lang)),
            t("bd_def_checks", lang, points=number(settings.checks.beyond_history_points * 100, lang),
              shrink=pct(settings.checks.shrink_below, lang, signed=True)),
            t("bd_def_tiers", lang), t("bd_def_budget", lang, ratio=number(budget.flag_ratio, lang, 1)), t("bd_def_budget_year", lang)]


def narrative_actions(actions: pd.DataFrame, lines: pd.DataFrame, lang: str, unit: str, declared: int | None = None,
                      plan: str = "") -> str:
    """How many actions, what they commit; and how many declared ones belong to other periods."""
    from .i18n import money

    if actions.empty:
        return t("bd_narr_actions_none_in_plan", lang, n=declared, plan=plan) if declared else t("bd_narr_no_actions", lang)
    text = t("bd_narr_actions", lang, n=len(actions), budget=money(actions["budget_in_plan"].sum(), unit, lang),
             total=money(lines["planned"].sum() if len(lines) else float("nan"), unit, lang))
    if declared is not None and declared > len(actions):
        text += " " + t("bd_narr_actions_elsewhere", lang, n=declared - len(actions), plan=plan)
    return text


def plan_nodes(plan: Plan) -> dict[str, list]:
    """Every dimension's nodes in the plan (what an action may serve)."""
    return {d: sorted(plan.cells[d].unique(), key=str) for d in plan.dims}


def budget_table(budget: pd.DataFrame, efficiency: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    """``budget.csv``: one row per category and part with the part's priority."""
    by = list(by)
    keys = efficiency[[*by, "score_share", "rank", "priority"]]
    out = budget.merge(keys, on=by, how="left")
    return out[["category", *by, "amount", "share", "score_share", "rank", "priority"]]


def summary_metrics(plan: Plan, lines: pd.DataFrame | None = None) -> dict[str, float | int | None]:
    """The plan's numbers for ``summary.json`` (:meth:`Plan.summary` plus the budget)."""
    out = plan.summary()
    if lines is not None and len(lines):
        total = float(lines["planned"].sum())
        out.update(budget_total=total, budget_committed=float(lines["committed"].sum()),
                   budget_to_target=total / plan.total.value if plan.total.value else None)
    else:
        out.update(budget_total=None, budget_committed=None, budget_to_target=None)
    return out


# --------------------------------------------------------------------------- the workbook's sheets


def workbook_sheets(plan: Plan, lang: str, company: str, tiers: pd.DataFrame | None = None, actions: pd.DataFrame | None = None,
                    budget_lines_table: pd.DataFrame | None = None, efficiency: pd.DataFrame | None = None,
                    budget_settings: Budget | None = None, generated: str | None = None, currency: str = "CNY") -> list[Sheet]:
    """The sheets of ``targets.xlsx`` in ``lang``, amounts in whole currency units (numbers, not text)."""
    pl, base = str(plan.periods.plan), plan.periods.base.label
    cny = currency.upper() in ("CNY", "RMB")
    y = ("元" if lang == "zh" else "CNY") if cny else currency
    sheets: list[Sheet] = []
    sheets_start = len(sheets)
    about = [(t("bd_row_company", lang), company), (t("bd_row_total", lang, plan=pl), plan.total.value),
             (t("bd_row_base", lang, base=base), plan.total.base),
             (t("bd_row_growth", lang, base=base), plan.total.growth),
             (t("bd_row_source", lang), _source_text(plan.total, lang, plan.periods.year_on_year)),
             (t("bd_row_method", lang), method_text(plan.method, lang)),
             (t("bd_row_dimensions", lang), " × ".join(dim_label(d, lang) for d in plan.dims)),
             (t("bd_row_unit", lang), t("bd_amounts_yuan", lang, currency=y))]
    if generated:
        about.append((t("bd_row_generated", lang), generated))
    about_df = pd.DataFrame(about, columns=[t("bd_col_metric", lang), t("bd_col_value", lang)]).astype({t("bd_col_value", lang): object})
    sheets.append(Sheet(t("bd_sheet_about", lang), t("bd_title_matrix", lang, company=company, plan=pl, currency=y), about_df,
                        money=[about_df.columns[1]], freeze_cols=1, row_formats={3: "+0.0%;-0.0%"}))
    # the matrix
    m = plan.matrix()
    rows = m.index.name
    cols_dim = plan.matrix_dims[1] if len(plan.matrix_dims) > 1 else "customer_type"
    mt = m.reset_index()
    mt[rows] = [t("bd_total", lang) if v == "total" else node_label(rows, v, lang) for v in mt[rows]]
    mt.columns = [dim_label(rows, lang)] + [t("bd_total", lang) if c == "total" else node_label(cols_dim, c, lang) for c in m.columns]
    sheets.append(Sheet(t("bd_sheet_matrix", lang), t("bd_title_matrix", lang, company=company, plan=pl, currency=y), mt,
                        money=list(mt.columns[1:]), total_row=True))
    # one sheet per dimension
    for dim in plan.dims:
        g = plan.margin(dim)
        tot = {c: g[c].sum() for c in g.columns}
        tot["growth"] = tot["target"] / tot["base"] - 1 if tot["base"] > 0 else float("nan")
        tot["share"] = 1.0
        g = pd.concat([g, pd.DataFrame([tot], index=["total"])])
        names = {"base": t("bd_col_base", lang, base=base, unit=y), "target": t("bd_col_target", lang, plan=pl, unit=y),
                 "growth": t("bd_col_growth", lang), "share": t("bd_col_share", lang),
                 "existing": t("bd_col_existing", lang, unit=y), "new": t("bd_col_new", lang, unit=y)}
        df = g.rename(columns=names)
        df.insert(0, dim_label(dim, lang), [t("bd_total", lang) if v == "total" else node_label(dim, v, lang) for v in g.index])
        inline = dim_label(dim, lang).lower() if lang == "en" else dim_label(dim, lang)
        sheets.append(Sheet(t("bd_sheet_dim", lang, dim=inline), t("bd_title_dim", lang, plan=pl, dim=inline, currency=y),
                            df, money=[names[c] for c in ("base", "target", "existing", "new") if c in g.columns],
                            percent=[names["growth"], names["share"]], total_row=True))
    # months by the first matrix dimension
    first = plan.matrix_dims[0]
    bp = plan.by_period(first)
    bp.loc["total"] = bp.sum(axis=0)
    bpd = bp.reset_index()
    bpd[first] = [t("bd_total", lang) if v == "total" else node_label(first, v, lang) for v in bpd[first]]
    bpd = bpd.rename(columns={first: dim_label(first, lang), "total": t("bd_total", lang)})
    first_inline = dim_label(first, lang).lower() if lang == "en" else dim_label(first, lang)
    sheets.append(Sheet(t("bd_sheet_month", lang), t("bd_title_month", lang, plan=pl, dim=first_inline, currency=y), bpd,
                        money=list(bpd.columns[1:]), total_row=True))
    # detail
    long = plan.long()
    det = pd.DataFrame({t("bd_col_month", lang): long["period"],
                        **{dim_label(d, lang): [node_label(d, v, lang) for v in long[d]] for d in plan.dims},
                        t("bd_col_target_plain", lang, unit=y): long["target"]})
    sheets.append(Sheet(t("bd_sheet_detail", lang), t("bd_title_detail", lang, plan=pl, currency=y), det, money=[det.columns[-1]], freeze_cols=1))
    # checks (every part)
    cv = checks_view(plan, lang, "元", flagged_only=False)
    if cv is not None:
        cdf = cv.frame
        sheets.append(Sheet(t("bd_sheet_checks", lang), t("bd_title_checks", lang), cdf, money=list(cdf.columns[2:4]),
                            percent=list(cdf.columns[4:7]), freeze_cols=2))
    if tiers is not None and len(tiers):
        tv = tiers_view(tiers, lang, "元").frame
        sheets.append(Sheet(t("bd_sheet_tiers", lang), t("bd_title_tiers", lang, end=plan.periods.report.end.date().isoformat()), tv,
                            money=[tv.columns[3], tv.columns[5], tv.columns[8], tv.columns[9]], percent=[tv.columns[2], tv.columns[4]]))
    if actions is not None and len(actions):
        av = actions_view(actions, lang, "元", budget_settings).frame
        sheets.append(Sheet(t("bd_sheet_actions", lang), t("bd_title_actions", lang, plan=pl), av, money=[av.columns[9]]))
    if budget_lines_table is not None and len(budget_lines_table):
        bv = budget_lines_view(budget_lines_table, lang, "元").frame
        sheets.append(Sheet(t("bd_sheet_budget", lang), t("bd_title_budget", lang, plan=pl, currency=y), bv,
                            money=[bv.columns[1], bv.columns[3], bv.columns[4]], total_row=True))
    if efficiency is not None and len(efficiency) and budget_settings is not None:
        ev = budget_view(efficiency, budget_settings.allocate_by, lang, "元").frame
        sheets.append(Sheet(t("bd_sheet_budget_parts", lang), t("bd_title_budget_parts", lang, plan=pl, currency=y), ev,
                            money=[ev.columns[4], ev.columns[5]], percent=[ev.columns[3], ev.columns[6]], freeze_cols=2))
    # the views above label amounts in 元; name the workspace's own currency instead
    shown = _unit("元", lang)[1]
    if shown != y:
        for sh in sheets[sheets_start:]:
            names = {c: str(c).replace(f"({shown})", f"({y})").replace(f"（{shown}）", f"（{y}）") for c in sh.table.columns}
            sh.table = sh.table.rename(columns=names)
            sh.money = [names.get(c, c) for c in sh.money]
            sh.percent = [names.get(c, c) for c in sh.percent]
    return sheets


# =========================================================================== the analysts' panel (ipywidgets)


def parse_overrides(text: str) -> list:
    """Overrides typed one per line: ``region 华南 +25%`` (growth) or
    ``product_line 智能控制系统 130000000`` (amount).

    >>> [(o.scope, o.growth, o.value) for o in parse_overrides("region 华南 +25%\\nproduct_line A 1,000")]
    [({'region': '华南'}, 0.25, None), ({'product_line': 'A'}, None, 1000.0)]
    """
    from .config import BreakdownOverride

    out = []
    for line in text.splitlines():
        parts = line.split()
        if not parts:
            continue
        if len(parts) < 3:
            raise PlanError(t("bd_w_bad_line", "en", line=line))
        dim, value = parts[0], parts[-1].replace(",", "")
        node = " ".join(parts[1:-1])
        try:
            if value.endswith("%"):
                out.append(BreakdownOverride(scope={dim: node}, growth=float(value[:-1]) / 100))
            else:
                out.append(BreakdownOverride(scope={dim: node}, value=float(value)))
        except ValueError:
            raise PlanError(t("bd_w_bad_line", "en", line=line)) from None
    return out


def overrides_text(overrides: Sequence) -> str:
    """The inverse of :func:`parse_overrides`."""
    lines = []
    for o in overrides:
        dim, node = next(iter(o.scope.items()))
        lines.append(f"{dim} {node} {o.growth * 100:+g}%" if o.growth is not None else f"{dim} {node} {o.value:.0f}")
    return "\n".join(lines)


def plan_panel(inputs: PlanInputs, lang: str, unit: str):
    """An ipywidgets panel for JupyterLab: choose the method, blend weights,
    total growth and overrides; the target matrix and the growth flags
    update. Returns the widget (display it as a cell's last value).

    In a static HTML export the widgets are inert; the notebook shows the
    workspace's own plan as ordinary tables and charts above it.
    """
    import ipywidgets as w
    from IPython.display import display

    from . import present as ui
    from .config import BreakdownTotal

    s = inputs.config.breakdown
    first = build_plan(inputs)
    method = w.Dropdown(options=[(method_text(m, lang), m) for m in METHODS], value=s.method, description=t("bd_w_method", lang))
    growth = w.FloatSlider(value=float(first.total.growth) if first.total.growth == first.total.growth else 0.0, min=-0.3, max=0.6,
                           step=0.005, readout_format=".1%", description=t("bd_w_growth", lang), continuous_update=False)
    sliders = {m: w.FloatSlider(value=float(s.weights.get(m, 0.0)), min=0.0, max=1.0, step=0.05, description=method_text(m, lang),
                                continuous_update=False, disabled=(m == "potential" and not s.potential))
               for m in ("history", "momentum", "potential", "even")}
    text = w.Textarea(value=overrides_text(s.overrides), layout=w.Layout(width="70%", height="90px"))
    button = w.Button(description=t("bd_w_apply", lang), button_style="primary")
    out = w.Output()
    state: dict = {"plan": first, "error": None}

    def render(*_):
        with out:
            out.clear_output(wait=True)
            try:
                weights = {m: sl.value for m, sl in sliders.items() if sl.value > 0} or dict(s.weights)
                settings = s.model_copy(update={"method": method.value, "weights": weights,
                                                "total": BreakdownTotal(growth=growth.value), "overrides": parse_overrides(text.value)})
                plan = build_plan(inputs, settings)
            except (PlanError, ValueError) as exc:
                state.update(error=str(exc))
                display(ui.note(t("bd_w_error", lang, error=str(exc)), warn=True))
                return
            state.update(plan=plan, error=None)
            display(ui.para(narrative_total(plan, lang, unit)))
            display(ui.table(*matrix_view(plan, lang, unit)))
            display(ui.para(narrative_checks(plan, lang, unit)))
            flags = checks_view(plan, lang, unit)
            if flags is not None:
                display(ui.table(*flags))

    for widget in (method, growth, *sliders.values()):
        widget.observe(render, "value")
    button.on_click(render)
    render()
    box = w.VBox([w.HBox([method, growth]), w.HBox([sliders["history"], sliders["momentum"]]),
                  w.HBox([sliders["potential"], sliders["even"]]), w.Label(t("bd_w_overrides", lang)), text, button, out])
    box.state = state  # the plan (or error) behind what the panel shows
    return box
