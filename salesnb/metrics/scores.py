"""NPS and satisfaction scores: the framework's definitions over 0–10 and 1–5 answers, per group and per period.

The answer scales (promoters, top-2 box) are :mod:`salesnb.scales`; weighting is :mod:`salesnb.survey`.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from ..scales import NPS_SCALE, SATISFACTION_SCALE, Scale
from ..periods import period_labels


Z95 = 1.959963984540054


@dataclass(frozen=True)
class NPSResult:
    """NPS with its 95 % interval and the three shares.

    ``nps``, ``ci_low`` and ``ci_high`` are on the −100…100 scale; shares are
    0…1; ``n`` counts valid answers (blanks excluded).
    """

    nps: float
    ci_low: float
    ci_high: float
    se: float
    n: int
    promoters: float
    passives: float
    detractors: float

    def as_dict(self) -> dict:
        return asdict(self)


def nps(scores: pd.Series | np.ndarray | list) -> NPSResult:
    """Net Promoter Score of 0–10 answers with its 95 % interval.

    NPS = 100·(p_P − p_D); SE = 100·sqrt((p_P + p_D − (p_P − p_D)²)/n); the
    interval is NPS ± 1.96·SE, clipped to −100…100. Blank answers are
    excluded; with no answers every field is NaN and ``n`` is 0.

    Examples
    --------
    >>> r = nps([10, 9, 8, 7, 6, 0, 10, 10, 5, 9])
    >>> r.nps, r.n
    (20.0, 10)
    """
    s = pd.to_numeric(pd.Series(scores, dtype="float64"), errors="raise").dropna()
    n = int(s.size)
    if n == 0:
        nan = float("nan")
        return NPSResult(nan, nan, nan, nan, 0, nan, nan, nan)
    p_p = float(NPS_SCALE.top(s).mean())
    p_d = float(NPS_SCALE.bottom(s).mean())
    value = 100 * (p_p - p_d)
    se = 100 * math.sqrt(max(p_p + p_d - (p_p - p_d) ** 2, 0.0) / n)
    return NPSResult(
        nps=value,
        ci_low=max(-100.0, value - Z95 * se),
        ci_high=min(100.0, value + Z95 * se),
        se=se,
        n=n,
        promoters=p_p,
        passives=1 - p_p - p_d,
        detractors=p_d,
    )


def nps_table(surveys: pd.DataFrame, by: str | list[str], min_n: int = 30, score: str = "nps") -> pd.DataFrame:
    """NPS per group with interval, shares, ``n`` and a ``reliable`` flag.

    Groups with fewer than ``min_n`` answers keep their ``n`` but have
    ``reliable = False``; reports show them as "too few answers".

    Examples
    --------
    >>> df = pd.DataFrame({"region": ["A", "A", "B"], "nps": [10, 0, 9]})
    >>> nps_table(df, "region", min_n=2)[["nps", "n", "reliable"]].to_dict("list")
    {'nps': [0.0, 100.0], 'n': [2, 1], 'reliable': [True, False]}
    """
    by = [by] if isinstance(by, str) else list(by)
    rows = []
    for key, group in surveys.groupby(by, sort=True, dropna=False, observed=True):
        key = key if isinstance(key, tuple) else (key,)
        r = nps(group[score])
        rows.append({**dict(zip(by, key)), **r.as_dict()})
    cols = by + list(NPSResult.__dataclass_fields__)
    out = pd.DataFrame(rows, columns=cols)
    out["reliable"] = out["n"] >= min_n
    return out.set_index(by)


@dataclass(frozen=True)
class CSATResult:
    """Mean and top-2-box of a 1–5 score."""

    mean: float
    top2: float
    n: int

    def as_dict(self) -> dict:
        return asdict(self)


def csat(scores: pd.Series | list) -> CSATResult:
    """Mean and top-2-box (share of 4 or 5) of 1–5 answers, blanks excluded.

    Examples
    --------
    >>> csat([5, 4, 3, None]).top2
    0.6666666666666666
    """
    s = pd.Series(scores, dtype="float64").dropna()
    if s.empty:
        return CSATResult(float("nan"), float("nan"), 0)
    return CSATResult(float(s.mean()), float(SATISFACTION_SCALE.top(s).mean()), int(s.size))


def score_value(scores: pd.Series | list, scale: Scale) -> float:
    """The headline figure of ``scale`` over ``scores`` (its :attr:`~salesnb.scales.Scale.statistic`): NPS (−100…100)
    of 0–10 answers, the mean of 1–5 answers; blanks excluded.

    Examples
    --------
    >>> score_value([10, 9, 0, None], NPS_SCALE), score_value([5, 4, 3, None], SATISFACTION_SCALE)
    (33.33333333333333, 4.0)
    """
    return getattr(_SUMMARY[scale.key](scores), scale.statistic)


_SUMMARY = {NPS_SCALE.key: nps, SATISFACTION_SCALE.key: csat}


def csat_table(surveys: pd.DataFrame, columns: list[str], by: str | list[str] | None = None, min_n: int = 30) -> pd.DataFrame:
    """Mean, top-2-box and n of each 1–5 column, overall or per group (long format).

    Returns one row per (group…, dimension) with ``mean``, ``top2``, ``n`` and
    ``reliable``.
    """
    by = [] if by is None else ([by] if isinstance(by, str) else list(by))
    groups = surveys.groupby(by, sort=True, dropna=False, observed=True) if by else [((), surveys)]
    rows = []
    for key, group in groups:
        key = key if isinstance(key, tuple) else (key,)
        for col in columns:
            r = csat(group[col]) if col in group else CSATResult(float("nan"), float("nan"), 0)
            rows.append({**dict(zip(by, key)), "dimension": col, **r.as_dict()})
    out = pd.DataFrame(rows, columns=by + ["dimension", "mean", "top2", "n"])
    out["reliable"] = out["n"] >= min_n
    return out


def nps_history(surveys: pd.DataFrame, grain: str = "quarter", by: str | list[str] | None = None,
                start_month: int = 1, min_n: int = 30) -> pd.DataFrame:
    """NPS per period (and group) with interval, shares, n and ``reliable``."""
    by = [] if by is None else ([by] if isinstance(by, str) else list(by))
    keyed = surveys.assign(period=period_labels(surveys["survey_date"], grain, start_month))
    return nps_table(keyed, ["period", *by], min_n=min_n).reset_index()


# ---- what a workspace measures: the recommend question, response times, deliveries ----

def has_nps(surveys: pd.DataFrame | None) -> bool:
    """Whether the surveys asked the 0–10 recommend question (an ``nps`` column exists).

    A column with blank cells means "asked, not answered"; no column means the
    question was not asked, and reports use the 1–5 satisfaction score instead.

    Examples
    --------
    >>> has_nps(pd.DataFrame({"satisfaction": [5]})), has_nps(pd.DataFrame({"nps": [None]}))
    (False, True)
    """
    return surveys is not None and "nps" in surveys.columns


def score_column(surveys: pd.DataFrame | None) -> str | None:
    """The survey outcome the analysis uses: ``nps`` when asked, else ``satisfaction`` (1–5), else None.

    Examples
    --------
    >>> score_column(pd.DataFrame({"nps": [9], "satisfaction": [4]})), score_column(pd.DataFrame({"satisfaction": [4]}))
    ('nps', 'satisfaction')
    """
    if has_nps(surveys):
        return "nps"
    return "satisfaction" if surveys is not None and "satisfaction" in surveys.columns else None
