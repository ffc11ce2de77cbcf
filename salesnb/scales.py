"""Answer scales and their top/bottom rules: the NPS definition lives here, once.

:data:`NPS_SCALE` (promoters 9–10, detractors 0–6) and :data:`SATISFACTION_SCALE` (1–5, top-2 box 4–5, dissatisfied
1–2). The metrics, survey weighting, diagnosis and the wording of the definitions (:mod:`salesnb.i18n`) all ask these
objects; changing the NPS definition is a change to one line here. A leaf module: it imports nothing from salesnb.
:mod:`salesnb.kpis` re-exports every name.

Examples
--------
>>> import pandas as pd
>>> s = pd.Series([10, 9, 8, 7, 6, 0])
>>> int(NPS_SCALE.top(s).sum()), int(NPS_SCALE.bottom(s).sum()), NPS_SCALE.top_range, NPS_SCALE.middle_range
(2, 2, '9–10', '7–8')
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

    @property
    def top_range(self) -> str:
        """The top answers as text, e.g. ``'9–10'``."""
        return f"{self.top_min}–{self.high}"

    @property
    def middle_range(self) -> str:
        """The answers between bottom and top as text, e.g. ``'7–8'``."""
        return f"{self.bottom_max + 1}–{self.top_min - 1}"

    @property
    def bottom_range(self) -> str:
        """The bottom answers as text, e.g. ``'0–6'``."""
        return f"{self.low}–{self.bottom_max}"


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
