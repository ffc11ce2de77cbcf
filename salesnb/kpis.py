"""One home per KPI: the answer scales and the KPI registry.

Everything salesnb knows about a KPI — what it measures, whether higher is better, how it is judged, its unit and
format, its label, which table it needs — is declared here once, and the steps, the summary, tracking and the
reports ask this module instead of keeping their own lists.

* :class:`Scale` — an answer scale with its top and bottom rule. :data:`NPS_SCALE` holds the NPS definition
  (promoters 9–10, detractors 0–6); :data:`SATISFACTION_SCALE` the 1–5 satisfaction score (top-2 box 4–5,
  bottom 1–2). Changing the NPS definition is a change to this one line.
* :func:`outcome_scale` — the workspace's outcome score (NPS when the surveys ask it, otherwise satisfaction).

This module is a leaf: it imports nothing from salesnb, so every layer may use it.

Examples
--------
>>> import pandas as pd
>>> s = pd.Series([10, 9, 8, 7, 6, 0])
>>> int(NPS_SCALE.top(s).sum()), int(NPS_SCALE.bottom(s).sum())
(2, 2)
>>> outcome_scale(["satisfaction"]).key
'satisfaction'
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["Scale", "NPS_SCALE", "SATISFACTION_SCALE", "outcome_scale"]


@dataclass(frozen=True)
class Scale:
    """An answer scale and its top/bottom rule.

    Parameters
    ----------
    key : str
        The survey column holding the answers (``"nps"`` or ``"satisfaction"``).
    low, high : int
        The lowest and highest answer.
    top_min : int
        Answers at or above it are the top of the scale (NPS promoters, satisfaction's top-2 box).
    bottom_max : int
        Answers at or below it are the bottom (NPS detractors, dissatisfied answers).
    """

    key: str
    low: int
    high: int
    top_min: int
    bottom_max: int

    def top(self, scores: pd.Series | np.ndarray) -> pd.Series | np.ndarray:
        """Boolean mask: the answers at the top of the scale (promoters / top-2 box)."""
        return scores >= self.top_min

    def bottom(self, scores: pd.Series | np.ndarray) -> pd.Series | np.ndarray:
        """Boolean mask: the answers at the bottom of the scale (detractors / dissatisfied)."""
        return scores <= self.bottom_max


#: The Net Promoter Score's 0–10 "would you recommend" scale: promoters 9–10, detractors 0–6.
NPS_SCALE = Scale("nps", 0, 10, top_min=9, bottom_max=6)
#: The 1–5 satisfaction score: top-2 box 4–5, dissatisfied 1–2.
SATISFACTION_SCALE = Scale("satisfaction", 1, 5, top_min=4, bottom_max=2)


def outcome_scale(columns: Iterable[str] | str) -> Scale:
    """The workspace's outcome score: NPS when the answers have an ``nps`` column, otherwise satisfaction.

    ``columns`` is the answers' columns, or the score's name (``"nps"`` / ``"satisfaction"``).
    """
    if isinstance(columns, str):
        return NPS_SCALE if columns == "nps" else SATISFACTION_SCALE
    return NPS_SCALE if "nps" in set(columns) else SATISFACTION_SCALE
