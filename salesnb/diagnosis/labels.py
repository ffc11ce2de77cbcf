"""Display names in the report language: the workspace's survey dimensions, scores and text themes,
the problem types and the text sources.

Here: :class:`Labels` / :func:`label_maps`, :func:`problem_label`, :func:`source_label`. Not here: the
sentences that use them (:mod:`.narrative`) and the table headers (:mod:`.tables`).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..i18n import t
from .drivers import SCORE_FREE_DRIVERS

__all__ = [
    "Labels", "label_maps", "problem_label", "source_label",
]


@dataclass(frozen=True)
class Labels:
    """Display names of a workspace's survey dimensions and text themes in one language.

    Attributes
    ----------
    dimensions : the survey dimensions (``survey.dimensions``): key → name.
    scores : ``dimensions`` and ``satisfaction`` (the 1–5 scores of ``dimension_scores.csv``).
    measures : ``nps`` and ``scores`` (the metrics of ``score_changes.csv``).
    themes : the text themes (``text.themes``): key → name.
    drivers : ``dimensions`` and the key drivers that are not scores (:data:`SCORE_FREE_DRIVERS`, e.g. ``on_time``).
    """

    dimensions: dict[str, str]
    scores: dict[str, str]
    measures: dict[str, str]
    themes: dict[str, str]
    drivers: dict[str, str] = field(default_factory=dict)


def label_maps(config, lang: str) -> Labels:
    """The dimension, score, measure and theme names of ``config`` (a workspace configuration) in ``lang``.

    Examples
    --------
    >>> from types import SimpleNamespace as NS
    >>> cfg = NS(survey=NS(dimensions=[NS(key="speed", en="Speed", zh="速度")]), text=NS(themes=[NS(key="slow", en="Slow", zh="慢")]))
    >>> labels = label_maps(cfg, "zh")
    >>> labels.dimensions, labels.themes, labels.drivers
    ({'speed': '速度'}, {'slow': '慢'}, {'speed': '速度', 'on_time': '订单准时送达'})
    >>> list(label_maps(cfg, "en").measures)
    ['nps', 'speed', 'satisfaction']
    """
    dims = {d.key: (d.zh if lang == "zh" else d.en) for d in config.survey.dimensions}
    scores = {**dims, "satisfaction": t("dg_satisfaction", lang)}
    themes = {th.key: (th.zh if lang == "zh" else th.en) for th in config.text.themes}
    drivers = {**dims, **{d: t(f"dl_driver_{d}", lang) for d in SCORE_FREE_DRIVERS}}
    return Labels(dims, scores, {"nps": t("nps", lang), **scores}, themes, drivers)


def problem_label(ptype: str, lang: str) -> str:
    """The problem type's name in ``lang``."""
    return t(f"dg_type_{ptype}", lang)


def source_label(source: str, lang: str) -> str:
    """The name of a text source (``complaints``, ``comments``, ``interviews``) in running text.

    Examples
    --------
    >>> source_label("comments", "en"), source_label("complaints", "zh")
    ('survey comments', '投诉描述')
    """
    return t(f"dg_src_{source}", lang)
