"""Step 4's plan: the best measure of each problem in planning order (:func:`plan_order`) and the register
with the planned ones added (:func:`update_register`).

Not here: why a measure waits, in words (:func:`salesnb.improve.plan_notes`), or
writing the register (:mod:`salesnb.improve.register`).
"""
from __future__ import annotations

import pandas as pd

from ..periods import Period
from .measures import measure_library
from .register import OPEN_STATUSES, REGISTER_COLUMNS, _typed, owner_key, register_keys


QUADRANT_ORDER = {"quick_win": 0, "major_project": 1, "fill_in": 2, "thankless": 3}
"""Planning order of the impact–effort classes: quick wins first, then major projects, fill-ins, thankless tasks."""
PLAN_COLUMNS = ["problem_id", "problem_rank", "problem", "segment", "measure_key", "measure", "quadrant", "impact", "effort", "decision", "open_action"]


def _open_actions(register: pd.DataFrame | None) -> dict[tuple[str, str], str]:
    """(problem type, segment) → the id of an open action on it."""
    if register is None or not len(register) or "status" not in register:
        return {}
    out: dict[tuple[str, str], str] = {}
    for p, s, st, a in zip(register["problem"], register["segment"], register["status"], register["action_id"]):
        if st in OPEN_STATUSES:
            out.setdefault((str(p), str(s) if pd.notna(s) else "company"), str(a))
    return out


def plan_order(proposals: pd.DataFrame, register: pd.DataFrame | None = None, top_problems: int = 3) -> pd.DataFrame:
    """The best measure of each problem, in planning order, with what the plan does with it.

    Order: impact–effort class (:data:`QUADRANT_ORDER`: quick win before major project before fill-in),
    then impact (high first), then problem rank, then priority (impact ÷ effort); each problem's best measure
    is its first in that order. Walking the order, the first ``top_problems`` problems are taken: each gets
    its measure planned (``decision`` ``planned``) unless an open action in ``register`` already covers the
    same problem and segment (``open_action``, with its id); later problems wait (``limit``).
    Proposals without ``quadrant``/``impact`` (hand-built) are ordered by problem rank.

    Examples
    --------
    >>> props = pd.DataFrame({"problem_id": ["P1", "P2", "P3"], "problem_rank": [1, 2, 3], "problem": ["a", "b", "c"],
    ...     "segment": ["company"] * 3, "measure_key": ["m1", "m2", "m3"], "measure": ["M1", "M2", "M3"],
    ...     "quadrant": ["fill_in", "quick_win", "major_project"], "impact": [0.3, 0.9, 1.0], "effort": [2, 2, 5], "priority": [0.15, 0.45, 0.2]})
    >>> plan_order(props, top_problems=2)[["problem_id", "decision"]].values.tolist()
    [['P2', 'planned'], ['P3', 'planned'], ['P1', 'limit']]
    """
    if proposals is None or proposals.empty:
        return pd.DataFrame(columns=PLAN_COLUMNS)
    p = proposals.copy()
    p["_q"] = p["quadrant"].map(QUADRANT_ORDER).fillna(len(QUADRANT_ORDER)) if "quadrant" in p else 0
    p["_i"] = -p["impact"].astype(float) if "impact" in p else 0.0
    p["_p"] = -p["priority"].astype(float) if "priority" in p else 0.0
    p = p.sort_values(["_q", "_i", "problem_rank", "_p"], kind="mergesort")
    best = p.drop_duplicates(["problem", "segment"]).copy()
    covered = _open_actions(register)
    decisions, opened = [], []
    for i, row in enumerate(best.itertuples()):
        action = covered.get((str(row.problem), str(row.segment)))
        decisions.append("limit" if i >= top_problems else "open_action" if action else "planned")
        opened.append(action if i < top_problems else None)
    best["decision"], best["open_action"] = decisions, opened
    for col in PLAN_COLUMNS:
        if col not in best:
            best[col] = pd.NA
    return best[PLAN_COLUMNS + [c for c in best.columns if c not in PLAN_COLUMNS and not c.startswith("_")]].reset_index(drop=True)


def update_register(register: pd.DataFrame | None, proposals: pd.DataFrame, period: Period, top_problems: int = 3,
                    library: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The register with the measures :func:`plan_order` plans added as ``planned``.

    Rows already in the register are kept (people edit them in Excel); a
    register written before the register stored keys gets them from its text
    (:func:`register_keys`). A problem whose type and segment already have an
    open action gets none. New rows carry the problem's register id
    (``problem_id``) and store the measure's key and its
    owner's key (:func:`owner_key`), never text in a report language, so the
    register is the same whichever language ran first. Returns (updated
    register, the rows added).
    """
    library = measure_library() if library is None else library
    reg = register_keys(register, library) if register is not None else pd.DataFrame(columns=REGISTER_COLUMNS)
    for col in REGISTER_COLUMNS:
        if col not in reg:
            reg[col] = pd.NA
    reg = reg.reset_index(drop=True)
    plan = plan_order(proposals, reg, top_problems)
    chosen = plan.loc[plan["decision"] == "planned"]
    existing = set(reg["action_id"].astype(str))
    owners = dict(zip(library["key"], (owner_key(en, k) for en, k in zip(library["owner_en"], library["key"]))))
    added = []
    n = 0
    for row in chosen.to_dict("records"):
        n += 1
        action_id = f"A{period}-{n:02d}"
        while action_id in existing:
            n += 1
            action_id = f"A{period}-{n:02d}"
        existing.add(action_id)
        key = row.get("measure_key") if _typed(row.get("measure_key")) else None
        known = key in owners
        added.append({"action_id": action_id, "problem_id": row.get("problem_id", pd.NA), "problem": row["problem"],
                      "measure_key": key if known else pd.NA, "measure_text": pd.NA if known else row.get("measure", pd.NA),
                      "owner_key": owners[key] if known else pd.NA, "owner_text": pd.NA if known else row.get("owner", pd.NA),
                      "start": row["start"], "due": row["due"], "kpi": row["kpi"], "segment": row["segment"], "baseline": row["baseline"],
                      "target": row["target"], "status": "planned", "period_opened": str(period), "period_closed": pd.NA, "notes": pd.NA})
    added_df = pd.DataFrame(added, columns=REGISTER_COLUMNS)
    out = pd.concat([reg, added_df], ignore_index=True) if len(added_df) else reg
    # a register from before the keys keeps its columns in their order; the key columns come after them
    had = {{"measure": "measure_text", "owner": "owner_text"}.get(c, c) for c in (register.columns if register is not None else [])}
    first = [c for c in REGISTER_COLUMNS if c in had] if had else REGISTER_COLUMNS
    order = first + [c for c in REGISTER_COLUMNS if c not in first]
    return out[order + [c for c in out.columns if c not in order]], added_df
