"""The action plan: the workspace's actions placed in the plan period, with the problems found in them.

The budget they draw on is :mod:`.budget`; their table :mod:`.views`.
"""
from __future__ import annotations

from typing import Iterable, Mapping, Sequence

import pandas as pd

from ..config import Budget, PlanAction, Tiers
from ..i18n import t
from ..periods import Period
from .plan import Plan


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


def plan_nodes(plan: Plan) -> dict[str, list]:
    """Every dimension's nodes in the plan (what an action may serve)."""
    return {d: sorted(plan.cells[d].unique(), key=str) for d in plan.dims}
