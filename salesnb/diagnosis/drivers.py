"""Key drivers of the survey outcome: Johnson's relative weights with bootstrap intervals and the
importance–performance quadrants.

Here: :func:`relative_weights`, :func:`key_drivers`, :func:`importance_performance`, :func:`ipa_rows`,
:func:`driver_columns` and the driver vocabularies (:data:`QUADRANTS`, :data:`SCORE_FREE_DRIVERS`).
Not here: the sentences about the drivers (:mod:`.narrative`), their display table and the columns of
``drivers.csv`` (:mod:`.tables`), the delivery driver's answers ↔ orders link (:mod:`.delivery`).
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

__all__ = [
    "SCORE_FREE_DRIVERS", "QUADRANTS", "relative_weights", "key_drivers", "importance_performance", "ipa_rows",
    "driver_columns",
]


SCORE_FREE_DRIVERS = ("on_time",)
"""Drivers that are not 1–5 scores (``on_time``: 1 when the respondent's order arrived on or before the
promised day, 0 when late or overdue): they take part in the relative weights, not in the importance–performance quadrants."""

QUADRANTS = ("fix_first", "keep_up", "low_priority", "possible_overkill")
"""Importance–performance quadrants: high importance & low score = fix first; high & high = keep up;
low & low = low priority; low importance & high score = possible overkill."""


def relative_weights(data: pd.DataFrame, predictors: list[str], outcome: str) -> pd.DataFrame:
    """Johnson's relative weights of ``predictors`` for ``outcome`` (rows with any blank dropped).

    With R_xx = VΛVᵀ, Λ½ = VΛ^½Vᵀ (correlations of the predictors with their
    closest orthogonal counterparts), β = Λ½⁻¹ r_xy and raw weight
    ε_j = Σ_k (Λ½)_jk² β_k². The raw weights sum to the model's R²;
    ``importance`` is each one's share of R². A predictor that does not vary
    gets weight 0.

    Returns
    -------
    DataFrame with ``dimension``, ``raw_weight``, ``importance``; ``attrs``
    carries ``r2`` and ``n``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x = pd.DataFrame(rng.normal(size=(500, 2)), columns=["a", "b"])
    >>> w = relative_weights(x.assign(y=2 * x["a"] + x["b"]), ["a", "b"], "y")
    >>> round(w.attrs["r2"], 6), w["importance"].round(1).tolist()
    (1.0, [0.8, 0.2])
    """
    d = data[list(predictors) + [outcome]].dropna()
    sd = d.std(ddof=1)
    keep = [p for p in predictors if sd.get(p, 0) > 0]
    raw = pd.Series(0.0, index=list(predictors))
    r2 = float("nan")
    if len(d) > len(keep) + 1 and keep and sd[outcome] > 0:
        corr = np.corrcoef(d[keep + [outcome]].to_numpy(dtype=float), rowvar=False)
        rxx, rxy = corr[:-1, :-1], corr[:-1, -1]
        evals, evecs = np.linalg.eigh(rxx)
        evals = np.clip(evals, 1e-12, None)
        lam = evecs @ np.diag(np.sqrt(evals)) @ evecs.T
        beta = np.linalg.solve(lam, rxy)
        eps = (lam ** 2) @ (beta ** 2)
        raw[keep] = eps
        r2 = float(eps.sum())
    out = pd.DataFrame({"dimension": list(predictors), "raw_weight": raw.to_numpy()})
    out["importance"] = out["raw_weight"] / r2 if r2 and not math.isnan(r2) and r2 > 0 else float("nan")
    out.attrs.update(r2=r2, n=int(len(d)))
    return out


def key_drivers(answers: pd.DataFrame, dimensions: list[str], outcome: str = "nps", bootstrap: int = 200,
                seed: int = 2025, level: float = 0.95) -> pd.DataFrame:
    """Relative importance of each dimension for ``outcome`` with bootstrap intervals, and its performance.

    Rows with a blank outcome or dimension are dropped (listwise). The
    interval is the percentile interval of ``importance`` over ``bootstrap``
    resamples of the answers (seeded).

    Returns
    -------
    DataFrame with ``dimension``, ``importance`` (share of R², 0–1),
    ``raw_weight``, ``ci_low``, ``ci_high``, ``performance`` (mean 1–5 of the
    answers used) and ``n``; ``attrs``: ``r2``, ``n``, ``outcome``.
    """
    dims = [d for d in dimensions if d in answers]
    data = answers[dims + [outcome]].dropna()
    rw = relative_weights(data, dims, outcome)
    lows, highs = [np.nan] * len(dims), [np.nan] * len(dims)
    if bootstrap and len(data) > len(dims) + 2:
        rng = np.random.default_rng(seed)
        arr = data.to_numpy(dtype=float)
        boots = []
        for _ in range(bootstrap):
            sample = pd.DataFrame(arr[rng.integers(0, len(arr), len(arr))], columns=dims + [outcome])
            boots.append(relative_weights(sample, dims, outcome)["importance"].to_numpy())
        boots = np.array(boots)
        a = (1 - level) / 2
        lows = np.nanquantile(boots, a, axis=0)
        highs = np.nanquantile(boots, 1 - a, axis=0)
    out = rw.assign(ci_low=lows, ci_high=highs, performance=[float(data[d].mean()) for d in dims], n=len(data))
    out = out[["dimension", "importance", "raw_weight", "ci_low", "ci_high", "performance", "n"]]
    out.attrs.update(r2=rw.attrs["r2"], n=int(len(data)), outcome=outcome)
    return out


def importance_performance(drivers: pd.DataFrame) -> pd.DataFrame:
    """``drivers`` with ``quadrant``: crosshairs at the mean importance and the mean performance
    of the 1–5 dimensions (drivers of :data:`SCORE_FREE_DRIVERS` get no quadrant).

    Examples
    --------
    >>> d = pd.DataFrame({"dimension": list("abcd"), "importance": [0.4, 0.4, 0.1, 0.1], "performance": [3.0, 4.0, 3.0, 4.0]})
    >>> importance_performance(d)["quadrant"].tolist()
    ['fix_first', 'keep_up', 'low_priority', 'possible_overkill']
    """
    scored = ~drivers["dimension"].isin(SCORE_FREE_DRIVERS)
    imp_x, perf_y = drivers.loc[scored, "importance"].mean(), drivers.loc[scored, "performance"].mean()
    high_imp = drivers["importance"] >= imp_x
    high_perf = drivers["performance"] >= perf_y
    quadrant = np.select([high_imp & ~high_perf, high_imp & high_perf, ~high_imp & ~high_perf], list(QUADRANTS[:3]), QUADRANTS[3])
    out = drivers.assign(quadrant=pd.Series(quadrant, index=drivers.index, dtype=object).where(scored, None),
                         performance=drivers["performance"].where(scored))  # a share, not a 1–5 mean
    out.attrs.update(drivers.attrs, importance_mean=float(imp_x), performance_mean=float(perf_y))
    return out


def ipa_rows(drivers: pd.DataFrame) -> pd.DataFrame:
    """The drivers placed in a quadrant (1–5 dimensions; :data:`SCORE_FREE_DRIVERS` left out), attrs kept.

    Examples
    --------
    >>> d = pd.DataFrame({"dimension": ["a", "on_time"], "importance": [0.4, 0.6], "performance": [3.0, 0.8]})
    >>> ipa_rows(importance_performance(d))["dimension"].tolist()
    ['a']
    """
    out = drivers.loc[drivers["quadrant"].notna()]
    out.attrs.update(drivers.attrs)
    return out


def driver_columns(answers: pd.DataFrame, dimensions: list[str]) -> list[str]:
    """The predictors of the key-driver model: the survey dimensions the answers hold, plus
    ``on_time`` when they are linked to their orders' deliveries (:func:`link_deliveries`).

    Examples
    --------
    >>> driver_columns(pd.DataFrame({"quality": [4], "on_time": [1.0]}), ["quality", "price"])
    ['quality', 'on_time']
    """
    return [d for d in dimensions if d in answers] + [d for d in SCORE_FREE_DRIVERS if d in answers and answers[d].notna().any()]
