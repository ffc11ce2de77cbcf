"""What leadership should decide after step 4, language-neutral: :func:`decision_items` (``decisions.json``)
and the step-4 counts of ``summary.json`` (:func:`summary_metrics`).

Not here: the decisions as sentences (:func:`salesnb.improve.decisions`).
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..artifacts import write_json
from ..periods import Period
from .register import OPEN_STATUSES, REGISTER_COLUMNS, register_status

#: Kinds of :func:`decision_items`, in the order they are listed.
DECISION_KINDS = ("confirm", "overdue", "ineffective", "close", "goals")


def opened_in(register: pd.DataFrame, period: Period) -> list[str]:
    """Ids of the actions opened in ``period`` and still planned (added by this run or an earlier run of the same period).

    >>> opened_in(pd.DataFrame({"action_id": ["A1", "A2", "A3"], "status": ["planned", "planned", "in_progress"],
    ...                         "period_opened": ["2025Q4", "2025Q3", "2025Q4"]}), Period.parse("2025Q4"))
    ['A1']
    """
    if register is None or not len(register) or "period_opened" not in register:
        return []
    mask = (register["status"] == "planned") & (register["period_opened"].astype(str) == str(period))
    return [str(i) for i in register.loc[mask, "action_id"]]


def write_decisions(items: list[dict], output_dir: str | Path, period: Period) -> Path:
    """``artifacts/decisions.json``: the period and :func:`decision_items` (language-neutral)."""
    return write_json({"period": str(period), "decisions": items}, output_dir, "decisions.json")


def decision_items(added: pd.DataFrame, tracking: pd.DataFrame, attainment: pd.DataFrame, register: pd.DataFrame,
                   period: Period) -> list[dict]:
    """What leadership should decide now, language-neutral (written to ``decisions.json``).

    Each item is ``{"kind": ..., "n": ..., "ids": [...]}``, kinds in the order
    of :data:`DECISION_KINDS`: ``confirm`` — planned actions opened in
    ``period`` (the rows ``added`` now, and those an earlier run of the same
    period already added: a second run, in either language, asks the same);
    ``overdue`` — open actions past their due date; ``ineffective`` and
    ``close`` — from the tracking verdicts; ``goals`` — goals off track or
    missed. Only keys, ids and statuses are read, never text, so English and
    Chinese runs decide the same.

    Examples
    --------
    >>> reg = pd.DataFrame({"action_id": ["A1", "A2"], "status": ["planned", "in_progress"], "period_opened": ["2025Q4", "2025Q3"],
    ...                     "due": pd.to_datetime(["2026-06-30", "2025-11-30"])})
    >>> none = pd.DataFrame()
    >>> decision_items(reg.iloc[:0], none, none, reg, Period.parse("2025Q4"))
    [{'kind': 'confirm', 'n': 1, 'ids': ['A1']}, {'kind': 'overdue', 'n': 1, 'ids': ['A2']}]
    """
    def item(kind: str, ids) -> list[dict]:
        ids = list(dict.fromkeys(str(i) for i in ids))
        return [{"kind": kind, "n": len(ids), "ids": ids}] if ids else []

    reg = register if register is not None else pd.DataFrame(columns=REGISTER_COLUMNS)
    confirm = [*(added["action_id"] if len(added) else []), *opened_in(reg, period)]
    out = item("confirm", sorted(set(map(str, confirm))))
    if len(reg):
        late = reg[reg["status"].isin(OPEN_STATUSES) & (pd.to_datetime(reg["due"]) < period.end_exclusive)]
        out += item("overdue", late["action_id"])
    if len(tracking):
        out += item("ineffective", tracking.loc[tracking["verdict"] == "ineffective", "action_id"])
        out += item("close", tracking.loc[(tracking["verdict"] == "effective") & (tracking["status"] != "done"), "action_id"])
    if len(attainment):
        out += item("goals", attainment.loc[attainment["status"].isin(["off_track", "missed"]), "goal_id"])
    return out


def summary_metrics(register: pd.DataFrame, tracking: pd.DataFrame, attainment: pd.DataFrame, period: Period) -> dict[str, int]:
    """``actions_open``, ``actions_overdue``, ``actions_effective``, ``goals_on_track``, ``goals_total`` for summary.json."""
    status = register_status(register, period) if len(register) else {"open": 0, "overdue": 0}
    started = attainment[attainment["on_track"].notna()] if len(attainment) else attainment
    return {
        "actions_open": status["open"], "actions_overdue": status["overdue"],
        "actions_effective": int((tracking["verdict"] == "effective").sum()) if len(tracking) else 0,
        "goals_on_track": int(started["on_track"].astype(bool).sum()) if len(started) else 0,
        "goals_total": int(len(attainment)),
    }
