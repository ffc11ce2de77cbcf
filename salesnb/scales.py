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
>>> [(s.kpi, s.statistic, s.decimals) for s in (NPS_SCALE, SATISFACTION_SCALE)]
[('nps', 'nps', 1), ('satisfaction_mean', 'mean', 2)]
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import KW_ONLY, dataclass

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
    kpi : str
        The KPI of :mod:`salesnb.kpis` that is the score's headline figure (``"nps"`` / ``"satisfaction_mean"``).
    statistic : str
        The name of that figure in the summaries and segment tables: ``"nps"`` (``metrics.NPSResult.nps``, −100…100)
        or ``"mean"`` (``metrics.CSATResult.mean``, 1–5); :func:`salesnb.metrics.score_value` computes it.
    decimals : int
        The decimals of the headline figure and of its changes (NPS 1, the 1–5 mean 2).
    target_decimals : int
        The decimals a suggested benchmark target is rounded to (NPS whole points, the 1–5 mean 2).
    bottom_label, axis_label, value_axis, section_label, outcome_label, statement_core, drivers_chart, delivery_effect_label : str
        i18n keys: the bottom answers' name (detractors / dissatisfied), the answer axis, the axis of the headline
        figure (NPS −100…100, the 1–5 mean), the heading of the score distribution section, the outcome a driver model explains, the core-problem statement of step 3, the title of
        the key-driver chart and the evidence sentence of late deliveries' effect on the score.
    """

    key: str
    low: int
    high: int
    top_min: int
    bottom_max: int
    _: KW_ONLY
    kpi: str
    statistic: str
    decimals: int
    target_decimals: int
    bottom_label: str
    axis_label: str
    value_axis: str
    section_label: str
    outcome_label: str
    statement_core: str
    drivers_chart: str
    delivery_effect_label: str

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
NPS_SCALE = Scale("nps", 0, 10, top_min=9, bottom_max=6, kpi="nps", statistic="nps", decimals=1, target_decimals=0,
                  bottom_label="detractors", axis_label="dg_axis_score_0_10", value_axis="nps_axis", section_label="dg_sec_nps",
                  outcome_label="dg_outcome_nps", statement_core="dg_statement_core", drivers_chart="dg_chart_drivers",
                  delivery_effect_label="dl_ev_effect_nps")
#: The 1–5 satisfaction score: top-2 box 4–5, dissatisfied 1–2.
SATISFACTION_SCALE = Scale("satisfaction", 1, 5, top_min=4, bottom_max=2, kpi="satisfaction_mean", statistic="mean", decimals=2,
                           target_decimals=2, bottom_label="csat_low", axis_label="score_1_5", value_axis="score_1_5",
                           section_label="csat_sec_dist", outcome_label="csat_outcome",
                           statement_core="csat_statement_core", drivers_chart="csat_chart_drivers",
                           delivery_effect_label="dl_ev_effect")


def outcome_scale(columns: Iterable[str] | str) -> Scale:
    """The workspace's outcome score: NPS when the answers have an ``nps`` column, otherwise satisfaction.

    ``columns`` is the answers' columns, or the score's name (``"nps"`` / ``"satisfaction"``).
    """
    if isinstance(columns, str):
        return NPS_SCALE if columns == "nps" else SATISFACTION_SCALE
    return NPS_SCALE if "nps" in set(columns) else SATISFACTION_SCALE
