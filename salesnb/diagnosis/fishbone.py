"""The fishbone of the top problem: its evidence placed on the bone of the problem type each item points
to, the bones of the workspace and the head's text.

Here: :func:`fishbone_causes`, :class:`Fishbone` / :func:`top_problem_fishbone`. Not here: the chart
(:func:`salesnb.plots.diagnosis.fishbone`), the evidence sentences (:mod:`.narrative`).
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..i18n import number, t
from .evidence import Problem
from .labels import Labels, problem_label
from .narrative import _join, evidence_text

__all__ = [
    "fishbone_causes", "Fishbone", "top_problem_fishbone",
]


def _evidence_type(e: dict, head: str, dimension_problems: dict[str, str], complaint_problems: dict[str, str],
                   theme_problems: dict[str, str]) -> str:
    """The problem type one evidence item points to (its bone on the fishbone): a score's dimension, a complaint
    category, a comment or interview theme by their mapped type; response times are after-sales; the rest the head's."""
    kind = e.get("kind")
    if kind in ("score_gap", "score_drop", "score_target", "score", "score_benchmark", "score_midpoint"):
        types = [dimension_problems[d] for d in e.get("dimensions", []) if d in dimension_problems]
        return head if head in types or not types else types[0]
    if kind == "complaint_share":
        types = [complaint_problems[c] for c in e.get("categories", []) if c in complaint_problems]
        return head if head in types or not types else types[0]
    if kind in ("comment_theme", "interviews", "complaint_theme"):
        return theme_problems.get(e.get("theme"), head)
    if kind in ("over_promise", "median_response"):
        return "slow_after_sales_response"
    if kind in ("delivery_effect", "late_share"):
        return "delivery_delay"
    return head


def fishbone_causes(problems: list[Problem], categories: dict[str, str], lang: str, dim_labels: dict[str, str],
                    theme_labels: dict[str, str], per_category: int = 6, dimension_problems: dict[str, str] | None = None,
                    complaint_problems: dict[str, str] | None = None, theme_problems: dict[str, str] | None = None) -> pd.DataFrame:
    """Causes for the fishbone of the top problem, grouped by bone.

    Only the top problem's own evidence is drawn (evidence of other problems — price complaints, another
    region's churn — is not a cause of it): each item goes on the bone of the problem type it points to
    (:func:`_evidence_type`; ``categories``: problem type → bone), the driver weight is left out (it sizes the
    problem, it is not a cause); at most ``per_category`` causes per bone, in the evidence's order.

    Returns ``category``, ``problem_type``, ``cause`` (the problem's name),
    ``evidence`` (a short sentence with the number), ``top`` (always True: every cause belongs to the top problem).

    Examples
    --------
    >>> from salesnb.diagnosis.evidence import _ev
    >>> p = Problem("slow_after_sales_response", ["西南"], 0.6, 0.8, 1e6, 5e5, "survey", dimensions=["response_speed"],
    ...             evidence=[_ev("driver_weight", 0.6, None, dimensions=["response_speed"]), _ev("over_promise", 0.6, 0.01, hours=48, total=30)])
    >>> q = Problem("price_perception", [], 0.1, 0.1, 1e6, 1e4, "survey", evidence=[_ev("complaint_share", 0.2, None, count=2, total=10, categories=["价格"])])
    >>> fishbone_causes([p, q], {"slow_after_sales_response": "process", "price_perception": "price"}, "en", {}, {})[["category", "problem_type"]].values.tolist()
    [['process', 'slow_after_sales_response']]
    """
    if not problems:
        return pd.DataFrame(columns=["category", "problem_type", "cause", "evidence", "top"])
    top = problems[0]
    rows = []
    for e in top.evidence:
        if e["kind"] == "driver_weight" or (e.get("region") and top.regions and e["region"] not in top.regions):
            continue
        ptype = _evidence_type(e, top.type, dimension_problems or {}, complaint_problems or {}, theme_problems or {})
        rows.append({"category": categories.get(ptype, categories.get(top.type, "process")), "problem_type": ptype,
                     "cause": problem_label(ptype, lang), "evidence": evidence_text(e, lang, dim_labels, theme_labels), "top": True})
    out = pd.DataFrame(rows, columns=["category", "problem_type", "cause", "evidence", "top"])
    return out.groupby("category", sort=False).head(per_category).reset_index(drop=True)


@dataclass(frozen=True)
class Fishbone:
    """What the fishbone of the top problem shows (:func:`salesnb.plots.diagnosis.fishbone`).

    Attributes
    ----------
    causes : :func:`fishbone_causes` output.
    bones : (category key, name) of each bone, in the configured order.
    head : the head's text: the problem, its segment and the segment's NPS (or mean satisfaction without NPS).
    title : the problem's name (for the chart title).
    """

    causes: pd.DataFrame
    bones: list[tuple[str, str]]
    head: str
    title: str


def top_problem_fishbone(problems: list[Problem], settings, labels: Labels, lang: str, theme_types: dict[str, str] | None = None,
                         problem_id: str | None = None) -> Fishbone:
    """The fishbone of ``problems[0]``: causes grouped by bone, the bones of ``settings.fishbone`` and the head.

    ``settings`` is the workspace's ``diagnosis`` section (``problem_categories``, ``fishbone``).

    Examples
    --------
    >>> from types import SimpleNamespace as NS
    >>> p = Problem("slow_after_sales_response", ["西南", "华北"], 0.3, 0.5, 1e6, 1.5e5, "survey", nps_segment=-22.4)
    >>> settings = NS(problem_categories={"slow_after_sales_response": "process"}, fishbone=[NS(key="process", en="Process", zh="流程")])
    >>> fish = top_problem_fishbone([p], settings, Labels({}, {}, {}, {}), "zh")
    >>> fish.head, fish.bones, fish.title
    ('售后响应慢\\n→ 西南、华北 NPS -22', [('process', '流程')], '售后响应慢')
    """
    top = problems[0]
    causes = fishbone_causes(problems, settings.problem_categories, lang, labels.drivers or labels.dimensions, labels.themes,
                             dimension_problems=dict(getattr(settings, "dimension_problems", {}) or {}),
                             complaint_problems=dict(getattr(settings, "complaint_problems", {}) or {}), theme_problems=theme_types)
    bones = [(c.key, c.zh if lang == "zh" else c.en) for c in settings.fishbone]
    name = (f"{problem_id} · " if problem_id else "") + problem_label(top.type, lang)
    score = (f"{t('csat_short', lang)} {number(top.score_segment, lang, 2)}" if top.outcome == "satisfaction"
             else f"NPS {number(top.nps_segment, lang, 0)}" if top.surveyed else "")  # no survey answers: no score
    head = f"{name}\n→ {_join(top.regions, lang) or t('dg_whole_company', lang)} {score}".rstrip()
    return Fishbone(causes, bones, head, name)
