"""The budget: priority scores per part, the categories spread over the parts (water-filled within limits),
budget per unit of target, the budget lines and the plan's ``summary.json`` numbers.

Its tables are :mod:`.views`; its sentences :mod:`.narrative`.
"""
from __future__ import annotations

import warnings
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from ..config import Budget
from ..i18n import t
from .allocation import largest_remainder
from .common import PlanError
from .plan import Plan


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
        note = t("rb_min_share_scaled", "en", asked=f"{settings.min_share:.1%}", n=n, used=f"{floor:.2%}")
        warnings.warn(note, BudgetFloorWarning, stacklevel=2)
        settings = settings.model_copy(update={"min_share": floor})
    if limit_dims and n:
        shares = _limited_shares(settings, scores, score, next(iter(limit_dims)), by)
    else:
        shares = _bounded_shares(score, np.full(n, settings.min_share), np.ones(n)) if n else np.zeros(0)
    rows = _budget_rows(settings, scores, by, shares, unit, scale)
    out = pd.DataFrame(rows, columns=["category", *by, "amount", "share"])
    out.attrs["min_share"] = settings.min_share
    if note is not None:
        out.attrs["note"] = note
        out.attrs["floor"] = {"asked": asked, "n": n, "used": floor}
    return out


def _limited_shares(settings: Budget, scores: pd.DataFrame, score: np.ndarray, dim: str, by: list[str]) -> np.ndarray:
    """Each cell's share of a category under ``settings.limits`` on ``dim``: the nodes' shares water-filled within
    their bounds, then each node's cells within it (every cell at least ``min_share`` where the node allows)."""
    n = len(scores)
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
    return shares


def _budget_rows(settings: Budget, scores: pd.DataFrame, by: list[str], shares: np.ndarray, unit: float, scale: float) -> list[dict]:
    """The rows of :func:`allocate_budget`: each category spread over the cells by ``shares`` (whole ``unit`` s,
    largest remainder), or one central row when it is not allocated (or there are no cells)."""
    n = len(scores)
    rows = []
    for cat in settings.categories:
        amount = int(round(cat.total * scale / unit))
        if not cat.allocate or n == 0:
            rows.append({"category": cat.key, **{d: CENTRAL for d in by}, "amount": amount * unit, "share": 1.0})
            continue
        parts = largest_remainder(shares, amount) if amount > 0 else np.zeros(n, dtype=np.int64)
        for (_, node), part, sh in zip(scores[by].iterrows(), parts, shares):
            rows.append({"category": cat.key, **{d: node[d] for d in by}, "amount": float(part) * unit, "share": float(sh)})
    return rows


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
