"""Step 4 in words: the tracking verdicts counted (:func:`tracking_narrative`), what leadership should decide
(:func:`decisions`) and why a measure was not planned (:func:`plan_notes`).

Not here: the decision items themselves (:mod:`salesnb.improve.decisions`) or
display tables (:mod:`salesnb.improve.views`).
"""
from __future__ import annotations

import pandas as pd

from ..i18n import count, number
from ..i18n import t as _t
from ..periods import Period
from .decisions import decision_items
from .labels import problem_label
from .tracking import VERDICTS


def tracking_narrative(tracking: pd.DataFrame, lang: str) -> str:
    """One sentence counting the verdicts of the earlier actions.

    Examples
    --------
    >>> tracking_narrative(pd.DataFrame({"verdict": ["effective", "not_yet", "effective"]}), "en")
    '3 earlier actions judged on their KPI: 2 effective, 1 not yet, 0 ineffective, 0 without data.'
    """
    if tracking.empty:
        return _t("im_no_tracking", lang)
    counts = tracking["verdict"].value_counts()
    return _t("im_narr_tracking", lang, n=len(tracking), **{v: int(counts.get(v, 0)) for v in VERDICTS})


def decisions(added: pd.DataFrame, tracking: pd.DataFrame, attainment: pd.DataFrame, register: pd.DataFrame, period: Period,
              lang: str, items: list[dict] | None = None) -> list[str]:
    """What leadership should decide now, one sentence each (:func:`decision_items` in ``lang``)."""
    items = decision_items(added, tracking, attainment, register, period) if items is None else items
    sep = "、" if lang == "zh" else ", "
    nouns = {"confirm": "new_action", "goals": "goal"}
    return [_t(f"im_decide_{d['kind']}", lang, what=count(d["n"], nouns.get(d["kind"], "action"), lang), ids=sep.join(d["ids"]))
            for d in items] or [_t("im_decide_nothing", lang)]


def plan_notes(plan: pd.DataFrame, problems: list[dict], lang: str, top_problems: int) -> list[str]:
    """Why a measure was not planned, one sentence each: a quick win or major project left for the quarter's limit,
    a problem an open action already covers, and the register's problems no library measure fits.

    ``plan`` is :func:`plan_order`'s output, ``problems`` :func:`problems_from`'s (register rows with ``problem_id``).
    """
    out, waiting = [], []
    sep = "；" if lang == "zh" else "; "
    for row in plan.itertuples():
        pid = row.problem_id if isinstance(row.problem_id, str) else f"#{row.problem_rank}"
        title = problem_label(row.problem, lang)
        if row.decision == "open_action":
            out.append(_t("pr_plan_why_open", lang, pid=pid, title=title, action=row.open_action))
        elif row.decision == "limit" and row.quadrant in ("quick_win", "major_project"):
            waiting.append(_t("pr_plan_waiting", lang, pid=pid, title=title, quadrant=_t(f"im_q_{row.quadrant}", lang), measure=row.measure,
                              impact=number(row.impact, lang, 2)))
    if waiting:
        out.append(_t("pr_plan_why_limit", lang, top=top_problems, items=sep.join(waiting)))
    measured = set(plan["problem_id"].dropna()) if "problem_id" in plan else set()
    bare = [p for p in problems if p.get("problem_id") and p["problem_id"] not in measured]
    if bare:
        sep = "、" if lang == "zh" else ", "
        out.append(_t("pr_plan_no_measure", lang, items=sep.join(f"{p['problem_id']} {problem_label(p['type'], lang)}" for p in bare)))
    return out
