"""Survey design and survey statistics (step 3).

Design: the sampling frame of buying, prospective and lost customers (lost =
the churn definition of step 1, :func:`salesnb.metrics.customer_status`), a
sample allocated over strata region × status (proportional or Neyman) with a
minimum per region and a minimum share of lost customers, the margin of error
it buys (finite-population corrected) and a seeded contact list.

Analysis: coverage and response per stratum, post-stratification weights,
dimension scores with Wilson intervals, NPS by segment (weighted or not) and
the change against the previous period with its significance test (NPS: z on
the difference, SE from the NPS variance formula; means: Welch's t).

Examples
--------
>>> strata = pd.DataFrame({"region": ["A", "A"], "status": ["customer", "lost"], "population": [100, 300], "sd": [2.0, 1.0]})
>>> allocate(strata, total=50, min_per_region=0, min_lost_share=0, method="neyman")["sample"].tolist()
[20, 30]
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import metrics
from .scales import NPS_SCALE, SATISFACTION_SCALE
from .metrics import Z95, NPSResult

__all__ = [
    "FRAME_STATUSES", "sampling_frame", "contact_sheet", "stratum_counts", "nps_sd", "stratum_sd", "allocate", "fpc", "moe_mean", "moe_nps",
    "plan_margins", "draw_contacts", "coverage", "poststrat_weights", "weighted_nps", "wilson_interval", "dimension_table",
    "with_tier", "nps_segments", "nps_change_test", "welch_test", "period_changes", "ChangeTest", "SurveyPlan", "plan_next_wave",
    "csat_segments", "asked_dimensions",
]

FRAME_STATUSES = ("customer", "prospect", "lost")
"""Strata of the frame: buying (成交), prospective (潜在) and lost (流失) customers."""

_PERSONAL = ("customer_name", "contact", "phone", "email")


# ----------------------------------------------------------------------------- the frame

def sampling_frame(sales: pd.DataFrame, customers: pd.DataFrame, end, window_months: int = 12) -> pd.DataFrame:
    """Every customer of the master that is buying, prospective or lost at ``end``.

    Status is :func:`salesnb.metrics.customer_status` (the churn windows of
    step 1); *lapsed* customers (last bought before the base window) are left
    out: they are neither current nor recently lost.

    Returns
    -------
    DataFrame with ``customer_id``, ``region``, ``status`` and ``tier`` (the
    master's ``segment``, when present); no personal data (see :func:`contact_sheet`).
    """
    status = metrics.customer_status(sales, customers, end, window_months)
    master = customers.drop_duplicates("customer_id").set_index("customer_id")
    cols = ["region"] + (["segment"] if "segment" in master.columns else [])
    frame = master[cols].join(status, how="inner").reset_index().rename(columns={"segment": "tier"})
    frame = frame.loc[frame["status"].isin(FRAME_STATUSES)]
    order = ["customer_id", "region", "status"] + (["tier"] if "tier" in frame.columns else [])
    return frame[order].sort_values(["region", "status", "customer_id"], kind="mergesort").reset_index(drop=True)


def contact_sheet(drawn: pd.DataFrame, contacts: pd.DataFrame | None) -> pd.DataFrame:
    """The drawn customers with their contact details (name, contact person, phone, e-mail) from ``contacts``.

    Personal data: for the internal file only, never for a report or an artifact.
    """
    if contacts is None or "customer_id" not in contacts:
        return drawn.copy()
    personal = [c for c in _PERSONAL if c in contacts.columns]
    return drawn.merge(contacts.drop_duplicates("customer_id")[["customer_id", *personal]], on="customer_id", how="left")


def stratum_counts(frame: pd.DataFrame) -> pd.DataFrame:
    """Population per stratum (region × status) of a sampling frame."""
    out = frame.groupby(["region", "status"], sort=True, observed=True).size().rename("population").reset_index()
    return out


def nps_sd(promoters: float, detractors: float) -> float:
    """Standard deviation of one answer's NPS contribution (+100 promoter, −100 detractor, 0 passive).

    sqrt(p_P + p_D − (p_P − p_D)²)·100, so that SE(NPS) = sd/√n.

    >>> nps_sd(0.5, 0.5)
    100.0
    """
    return 100 * math.sqrt(max(promoters + detractors - (promoters - detractors) ** 2, 0.0))


def stratum_sd(answers: pd.DataFrame, strata: pd.DataFrame, min_n: int = 30) -> pd.DataFrame:
    """``strata`` with ``sd_nps`` (NPS points) and ``sd_mean`` (1–5 satisfaction) estimated from ``answers``.

    A stratum with fewer than ``min_n`` answers borrows the pooled value of its
    status, then of all answers; without any answers the conservative maxima
    (100 and 2) are used. When the answers have no ``nps`` column (the
    recommend question is not asked) ``sd_nps`` is NaN and the number of
    satisfaction answers decides when a stratum borrows.
    """
    a = answers.rename(columns={"respondent_type": "status"})
    out = strata.copy()
    asked = "nps" in a.columns

    def sds(group: pd.DataFrame) -> tuple[float, float, int]:
        s = group["nps"].dropna() if asked else pd.Series(dtype=float)
        sat = group["satisfaction"].dropna() if "satisfaction" in group else pd.Series(dtype=float)
        sdn = nps_sd(float(NPS_SCALE.top(s).mean()), float(NPS_SCALE.bottom(s).mean())) if len(s) else float("nan")
        sdm = float(sat.std(ddof=1)) if len(sat) > 1 else float("nan")
        return (sdn, sdm, int(len(s))) if asked else (sdm, sdm, int(len(sat)))

    pooled_all = sds(a) if len(a) else (float("nan"), float("nan"), 0)
    by_status = {k: sds(g) for k, g in a.groupby("status", observed=True)} if len(a) else {}
    by_cell = {k: sds(g) for k, g in a.groupby(["region", "status"], observed=True)} if len(a) else {}
    sd_n, sd_m = [], []
    for region, status in zip(out["region"], out["status"]):
        for cand in (by_cell.get((region, status)), by_status.get(status), pooled_all):
            if cand is not None and cand[2] >= min_n and not math.isnan(cand[0]):
                sd_n.append(cand[0])
                sd_m.append(cand[1] if not math.isnan(cand[1]) else 2.0)
                break
        else:
            fallback = pooled_all if pooled_all[2] > 1 else (100.0, 2.0, 0)
            sd_n.append(fallback[0] if not math.isnan(fallback[0]) else 100.0)
            sd_m.append(fallback[1] if not math.isnan(fallback[1]) else 2.0)
    out["sd_nps"] = sd_n if asked else float("nan")
    out["sd_mean"] = sd_m
    return out


# ----------------------------------------------------------------------------- allocation

def _bounded(total: int, weights: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Integers summing to ``total``, proportional to ``weights`` within ``lower``…``upper``.

    Returns the allocation and two masks: at the lower bound because it
    binds, at the upper bound because it binds.
    """
    weights = np.asarray(weights, dtype=float)
    lower = np.minimum(np.asarray(lower, dtype=float), upper)
    upper = np.asarray(upper, dtype=float)
    total = float(min(max(total, lower.sum()), upper.sum()))
    x = np.zeros(len(weights))
    at_low = np.zeros(len(weights), dtype=bool)
    at_up = np.zeros(len(weights), dtype=bool)
    for _ in range(len(weights) + 2):
        free = ~(at_low | at_up)
        remaining = total - lower[at_low].sum() - upper[at_up].sum()
        w = weights[free]
        share = w / w.sum() if w.sum() > 0 else np.full(free.sum(), 1 / max(free.sum(), 1))
        x[free] = remaining * share
        x[at_low], x[at_up] = lower[at_low], upper[at_up]
        low_v = free & (x < lower - 1e-9)
        up_v = free & (x > upper + 1e-9)
        if not (low_v.any() or up_v.any()):
            break
        at_low |= low_v
        at_up |= up_v
    # integers by largest remainder, staying within the bounds
    base = np.floor(x + 1e-9)
    base = np.clip(base, np.ceil(lower - 1e-9), upper)
    left = int(round(total - base.sum()))
    rema = x - base
    order = np.lexsort((np.arange(len(x)), -rema))
    i = 0
    while left > 0 and i < 10 * len(x) + 10:
        k = order[i % len(x)]
        if base[k] + 1 <= upper[k]:
            base[k] += 1
            left -= 1
        i += 1
    return base.astype(int), at_low, at_up


def allocate(strata: pd.DataFrame, total: int | None = None, min_per_region: int = 100, min_lost_share: float = 0.2,
             method: str = "proportional") -> pd.DataFrame:
    """Sample size per stratum (region × status).

    1. Regions get ``total`` in proportion to their population (proportional)
       or to Σ population × sd (Neyman: ``sd``, else ``sd_nps``, else — surveys
       without the recommend question — ``sd_mean``), but at
       least ``min_per_region`` (or the whole region when it is smaller).
    2. Inside a region the same rule splits the region's sample over its
       strata, with the lost stratum getting at least
       ``ceil(min_lost_share × region sample)`` (or all lost customers when fewer).
    3. No stratum gets more than its population. Integers by largest remainder.

    ``total`` defaults to ``min_per_region`` × number of regions, and is raised
    to that when smaller.

    Returns
    -------
    ``strata`` with ``sample`` and ``minimum_applied`` (``region_minimum``,
    ``lost_share``, ``census`` — the whole stratum — or empty).

    Examples
    --------
    >>> s = pd.DataFrame({"region": ["A", "A", "B", "B"], "status": ["customer", "lost"] * 2, "population": [900, 100, 180, 20]})
    >>> allocate(s, total=200, min_per_region=60, min_lost_share=0.2)["sample"].tolist()
    [112, 28, 48, 12]
    """
    if method not in ("proportional", "neyman"):
        raise ValueError(f"allocation method {method!r} must be 'proportional' or 'neyman'")
    out = strata.reset_index(drop=True).copy()
    pop = out["population"].to_numpy(dtype=float)
    if method == "neyman":
        sd_col = "sd" if "sd" in out else "sd_nps" if "sd_nps" in out and out["sd_nps"].notna().any() else "sd_mean"
        weight = pop * out[sd_col].to_numpy(dtype=float)
    else:
        weight = pop.copy()
    regions = list(dict.fromkeys(out["region"]))
    if total is None:
        total = min_per_region * len(regions)
    total = max(int(total), min_per_region * len(regions))
    reg_pop = np.array([pop[out["region"] == r].sum() for r in regions])
    reg_w = np.array([weight[out["region"] == r].sum() for r in regions])
    reg_n, reg_low, _ = _bounded(total, reg_w, np.minimum(min_per_region, reg_pop), reg_pop)
    sample = np.zeros(len(out), dtype=int)
    flag = np.array([""] * len(out), dtype=object)
    for r, n_r, low_r in zip(regions, reg_n, reg_low):
        idx = np.flatnonzero(out["region"].to_numpy() == r)
        lost = (out["status"].to_numpy()[idx] == "lost")
        lower = np.where(lost, np.minimum(math.ceil(min_lost_share * n_r - 1e-9), pop[idx]), 0)
        n_h, at_low, _ = _bounded(int(n_r), weight[idx], lower, pop[idx])
        sample[idx] = n_h
        for j, k in enumerate(idx):
            if n_h[j] >= pop[k] and pop[k] > 0:
                flag[k] = "census"
            elif at_low[j] and lost[j] and lower[j] > 0:
                flag[k] = "lost_share"
            elif low_r:
                flag[k] = "region_minimum"
    out["sample"] = sample
    out["minimum_applied"] = flag
    return out


def fpc(n: float, population: float | None) -> float:
    """Finite-population correction sqrt((N − n)/(N − 1)); 1 without a population.

    >>> round(fpc(100, 1000), 4)
    0.9492
    """
    if population is None or (isinstance(population, float) and math.isnan(population)) or population <= 1:
        return 1.0
    return math.sqrt(max(population - n, 0) / (population - 1))


def moe_mean(n: int, sd: float, population: float | None = None, z: float = Z95) -> float:
    """Margin of error of a mean at 95 %: z·sd/√n·fpc.

    >>> round(moe_mean(100, 1.0), 4)
    0.196
    """
    return z * sd / math.sqrt(n) * fpc(n, population) if n > 0 else float("nan")


def moe_nps(n: int, promoters: float = 0.5, detractors: float = 0.5, population: float | None = None, z: float = Z95) -> float:
    """Margin of error of NPS at 95 % (NPS points): z·SE·fpc, SE = sqrt((p_P + p_D − (p_P − p_D)²)/n)·100.

    The defaults (half promoters, half detractors) give the worst case.

    >>> round(moe_nps(100), 2)
    19.6
    """
    return moe_mean(n, nps_sd(promoters, detractors), population, z)


def plan_margins(plan: pd.DataFrame, z: float = Z95) -> pd.DataFrame:
    """Margins of error the plan buys, per region and for the whole frame.

    For a group of strata h (weights W_h = N_h/N): MOE = z·sqrt(Σ W_h²·(1 − n_h/N_h)·S_h²/n_h),
    with S_h = ``sd_nps`` for NPS and ``sd_mean`` for a 1–5 mean (strata with
    no sample are left out).

    Returns
    -------
    DataFrame with ``group`` (a region or ``"all"``), ``population``,
    ``sample``, ``moe_nps`` (points) and ``moe_mean`` (points on 1–5).
    """
    rows = []
    groups = [(r, plan.loc[plan["region"] == r]) for r in dict.fromkeys(plan["region"])] + [("all", plan)]
    for name, g in groups:
        g = g.loc[g["sample"] > 0]
        n_pop = g["population"].sum()
        res = {"group": name, "population": int(g["population"].sum()), "sample": int(g["sample"].sum())}
        for col, key in (("sd_nps", "moe_nps"), ("sd_mean", "moe_mean")):
            if col not in g or n_pop == 0 or g[col].isna().all():  # no spread (e.g. NPS not asked): no margin
                res[key] = float("nan")
                continue
            w = g["population"] / n_pop
            var = (w ** 2 * (1 - g["sample"] / g["population"]) * g[col] ** 2 / g["sample"]).sum()
            res[key] = z * math.sqrt(max(float(var), 0.0))
        rows.append(res)
    return pd.DataFrame(rows)


def draw_contacts(frame: pd.DataFrame, plan: pd.DataFrame, seed: int) -> pd.DataFrame:
    """The contact list: ``plan.sample`` customers drawn at random from each stratum of ``frame``.

    Reproducible: strata are visited in (region, status) order, each stratum's
    customers sorted by id, one ``numpy.random.default_rng(seed)`` draws
    without replacement. Ids and strata only; :func:`contact_sheet` adds the
    contact details for the internal file.
    """
    rng = np.random.default_rng(seed)
    picks = []
    for row in plan.sort_values(["region", "status"]).itertuples():
        if row.sample <= 0:
            continue
        pool = frame.loc[(frame["region"] == row.region) & (frame["status"] == row.status)].sort_values("customer_id")
        k = min(int(row.sample), len(pool))
        idx = rng.choice(len(pool), size=k, replace=False)
        picks.append(pool.iloc[np.sort(idx)])
    cols = list(frame.columns)
    out = pd.concat(picks, ignore_index=True) if picks else pd.DataFrame(columns=cols)
    return out[cols]


# ----------------------------------------------------------------------------- analysis

def coverage(plan: pd.DataFrame, answers: pd.DataFrame) -> pd.DataFrame:
    """Answers per stratum against the plan and the population.

    ``response_rate`` = answers ÷ planned sample of the stratum (the response
    rate when the wave was fielded from the contact list); ``sampling_fraction``
    = answers ÷ population. Strata with answers but no frame population
    (e.g. prospects not in the customer master) are listed with population 0.
    """
    got = answers.groupby(["region", "respondent_type"], observed=True).size().rename("answers").reset_index()
    got = got.rename(columns={"respondent_type": "status"})
    out = plan[["region", "status", "population", "sample"]].merge(got, on=["region", "status"], how="outer")
    out[["population", "sample", "answers"]] = out[["population", "sample", "answers"]].fillna(0).astype(int)
    out["response_rate"] = out["answers"] / out["sample"].where(out["sample"] > 0)
    out["sampling_fraction"] = out["answers"] / out["population"].where(out["population"] > 0)
    return out.sort_values(["region", "status"], kind="mergesort").reset_index(drop=True)


def poststrat_weights(answers: pd.DataFrame, population: pd.DataFrame) -> pd.Series:
    """Post-stratification weight per answer, cells region × respondent type.

    w_h = (N_h / N) / (r_h / r) over the cells the frame knows (N from
    ``population``: region, status, population; r = answers); answers in a
    cell the frame does not know (no region, or prospects absent from the
    master) keep weight 1. The mean weight is 1, so weighted counts stay
    comparable with plain ones.

    Examples
    --------
    >>> a = pd.DataFrame({"region": ["A", "A", "A", "B"], "respondent_type": ["customer"] * 4})
    >>> pop = pd.DataFrame({"region": ["A", "B"], "status": ["customer"] * 2, "population": [50, 50]})
    >>> poststrat_weights(a, pop).round(3).tolist()
    [0.667, 0.667, 0.667, 2.0]
    """
    key = list(zip(answers["region"], answers["respondent_type"]))
    pop = {(r, s): n for r, s, n in zip(population["region"], population["status"], population["population"]) if n > 0}
    known = pd.Series([k in pop for k in key], index=answers.index)
    r_known = int(known.sum())
    if r_known == 0:
        return pd.Series(1.0, index=answers.index, name="weight")
    cells = pd.Series(key, index=answers.index)
    r_h = cells[known].value_counts()
    present = {k: pop[k] for k in r_h.index}
    n_known = float(sum(present.values()))
    w = pd.Series(1.0, index=answers.index, name="weight")
    for k, r in r_h.items():
        w[cells == k] = (present[k] / n_known) / (r / r_known)
    return w


def _clean(scores, weights=None) -> tuple[np.ndarray, np.ndarray]:
    s = pd.Series(scores, dtype="float64")
    w = pd.Series(1.0, index=s.index) if weights is None else pd.Series(weights, index=s.index, dtype="float64")
    ok = s.notna() & w.notna() & (w > 0)
    return s[ok].to_numpy(), w[ok].to_numpy()


def weighted_nps(scores, weights=None) -> NPSResult:
    """NPS with weights; the SE uses Kish's effective n = (Σw)²/Σw².

    Without weights it equals :func:`salesnb.metrics.nps`; ``n`` is the
    number of answers (not the effective n).
    """
    s, w = _clean(scores, weights)
    if len(s) == 0:
        return metrics.nps([])
    if weights is None:
        return metrics.nps(s)
    p_p = float(w[NPS_SCALE.top(s)].sum() / w.sum())
    p_d = float(w[NPS_SCALE.bottom(s)].sum() / w.sum())
    n_eff = w.sum() ** 2 / (w ** 2).sum()
    value = 100 * (p_p - p_d)
    se = nps_sd(p_p, p_d) / math.sqrt(n_eff)
    return NPSResult(value, max(-100.0, value - Z95 * se), min(100.0, value + Z95 * se), se, int(len(s)), p_p, 1 - p_p - p_d, p_d)


def wilson_interval(p: float, n: float, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval of a proportion ``p`` observed on ``n`` answers.

    (p + z²/2n ± z·sqrt(p(1 − p)/n + z²/4n²)) / (1 + z²/n)

    >>> tuple(round(x, 4) for x in wilson_interval(0.5, 100))
    (0.4038, 0.5962)
    """
    if not n or n <= 0 or p is None or math.isnan(p):
        return float("nan"), float("nan")
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def asked_dimensions(answers: pd.DataFrame, keys: list[str]) -> list[str]:
    """The configured dimension ``keys`` this wave has answers for, in their order.

    A key whose column is missing from the import (the platform's export lacked
    the question) or holds no answer at all is left out, so step 3 can say so
    instead of showing an empty row or dropping it silently.

    Examples
    --------
    >>> a = pd.DataFrame({"quality": [4, 5], "price": [None, None]})
    >>> asked_dimensions(a, ["quality", "price", "after_sales"])
    ['quality']
    """
    return [k for k in keys if k in answers.columns and answers[k].notna().any()]


def dimension_table(answers: pd.DataFrame, dimensions: list[str], weights: pd.Series | None = None, min_n: int = 30) -> pd.DataFrame:
    """Per 1–5 dimension: mean (with 95 % interval), top-2-box (share of 4–5) with its Wilson interval, n.

    With ``weights`` the mean and share are weighted and the intervals use
    Kish's effective n; ``n`` is always the number of answers.

    Returns
    -------
    DataFrame with ``dimension``, ``mean``, ``mean_low``, ``mean_high``, ``top2``,
    ``top2_low``, ``top2_high``, ``n``, ``reliable``.
    """
    rows = []
    for dim in dimensions:
        if dim not in answers:
            rows.append({"dimension": dim, "n": 0})
            continue
        s, w = _clean(answers[dim], None if weights is None else weights.reindex(answers.index))
        n = len(s)
        if n == 0:
            rows.append({"dimension": dim, "n": 0})
            continue
        mean = float(np.average(s, weights=w))
        top2 = float(w[SATISFACTION_SCALE.top(s)].sum() / w.sum())
        n_eff = w.sum() ** 2 / (w ** 2).sum()
        var = float(np.average((s - mean) ** 2, weights=w)) * n / max(n - 1, 1)
        half = Z95 * math.sqrt(var / n_eff) if n > 1 else float("nan")
        lo, hi = wilson_interval(top2, n_eff)
        rows.append({"dimension": dim, "mean": mean, "mean_low": mean - half, "mean_high": mean + half,
                     "top2": top2, "top2_low": lo, "top2_high": hi, "n": n})
    cols = ["dimension", "mean", "mean_low", "mean_high", "top2", "top2_low", "top2_high", "n"]
    out = pd.DataFrame(rows).reindex(columns=cols)
    out["n"] = out["n"].astype(int)
    out["reliable"] = out["n"] >= min_n
    return out


def with_tier(answers: pd.DataFrame, customers: pd.DataFrame) -> pd.DataFrame:
    """``answers`` with ``tier``: the customer master's ``segment`` of the respondent (NaN for prospects without an id)."""
    if "segment" not in customers or "customer_id" not in answers:
        return answers.assign(tier=pd.Series(np.nan, index=answers.index, dtype="object"))
    tiers = customers.drop_duplicates("customer_id").set_index("customer_id")["segment"]
    return answers.assign(tier=answers["customer_id"].map(tiers))


def nps_segments(answers: pd.DataFrame, segments: list[str], weights: pd.Series | None = None, min_n: int = 30) -> pd.DataFrame:
    """NPS with interval overall and per value of each segment column (long format).

    Returns
    -------
    DataFrame with ``segment_type`` (``all`` or the column), ``segment``,
    ``nps``, ``ci_low``, ``ci_high``, ``se``, ``n``, ``promoters``,
    ``passives``, ``detractors``, ``reliable``.
    """
    w = None if weights is None else weights.reindex(answers.index)
    rows = [{"segment_type": "all", "segment": "all", **weighted_nps(answers["nps"], w).as_dict()}]
    for col in segments:
        if col not in answers:
            continue
        for value, g in answers.groupby(col, sort=True, observed=True):
            rows.append({"segment_type": col, "segment": value, **weighted_nps(g["nps"], None if w is None else w.loc[g.index]).as_dict()})
    out = pd.DataFrame(rows)
    out["reliable"] = out["n"] >= min_n
    return out


def csat_segments(answers: pd.DataFrame, segments: list[str], weights: pd.Series | None = None, min_n: int = 30,
                  column: str = "satisfaction") -> pd.DataFrame:
    """Satisfaction (1–5) overall and per value of each segment column (long format): the
    :func:`nps_segments` of surveys that do not ask the recommend question.

    With ``weights`` the mean and top-2-box are weighted (intervals with
    Kish's effective n, as :func:`dimension_table`).

    Returns
    -------
    DataFrame with ``segment_type`` (``all`` or the column), ``segment``,
    ``mean``, ``ci_low``, ``ci_high``, ``top2``, ``top2_low``, ``top2_high``, ``n``, ``reliable``.

    Examples
    --------
    >>> a = pd.DataFrame({"region": ["A", "A", "B"], "satisfaction": [5, 3, 1]})
    >>> csat_segments(a, ["region"], min_n=2)[["segment", "mean", "top2", "n", "reliable"]].values.tolist()
    [['all', 3.0, 0.3333333333333333, 3, True], ['A', 4.0, 0.5, 2, True], ['B', 1.0, 0.0, 1, False]]
    """
    w = None if weights is None else weights.reindex(answers.index)

    def one(frame: pd.DataFrame, wts) -> dict:
        row = dimension_table(frame, [column], wts, min_n).iloc[0]
        return {"mean": row["mean"], "ci_low": row["mean_low"], "ci_high": row["mean_high"], "top2": row["top2"],
                "top2_low": row["top2_low"], "top2_high": row["top2_high"], "n": int(row["n"])}

    rows = [{"segment_type": "all", "segment": "all", **one(answers, w)}]
    for col in segments:
        if col not in answers:
            continue
        for value, g in answers.groupby(col, sort=True, observed=True):
            rows.append({"segment_type": col, "segment": value, **one(g, None if w is None else w.loc[g.index])})
    out = pd.DataFrame(rows, columns=["segment_type", "segment", "mean", "ci_low", "ci_high", "top2", "top2_low", "top2_high", "n"])
    out["reliable"] = out["n"] >= min_n
    return out


@dataclass(frozen=True)
class ChangeTest:
    """A change between two periods and its two-sided test."""

    current: float
    previous: float
    change: float
    se: float
    statistic: float
    df: float
    p_value: float
    test: str

    def significant(self, alpha: float = 0.05) -> bool:
        return bool(self.p_value < alpha) if not math.isnan(self.p_value) else False


def nps_change_test(current: NPSResult, previous: NPSResult) -> ChangeTest:
    """z test on an NPS difference: z = (NPS₁ − NPS₂)/sqrt(SE₁² + SE₂²), SE from the NPS variance formula.

    Examples
    --------
    >>> a, b = metrics.nps([10] * 60 + [0] * 40), metrics.nps([10] * 50 + [0] * 50)
    >>> round(nps_change_test(a, b).p_value, 4)
    0.1531
    """
    nan = float("nan")
    if current.n == 0 or previous.n == 0:
        return ChangeTest(current.nps, previous.nps, nan, nan, nan, nan, nan, "z")
    se = math.sqrt(current.se ** 2 + previous.se ** 2)
    diff = current.nps - previous.nps
    z = diff / se if se > 0 else (0.0 if diff == 0 else math.copysign(math.inf, diff))
    p = math.erfc(abs(z) / math.sqrt(2)) if not math.isinf(z) else 0.0
    return ChangeTest(current.nps, previous.nps, diff, se, z, math.inf, p, "z")


def welch_test(current, previous) -> ChangeTest:
    """Welch's t test on the difference of two means (unequal variances).

    t = (m₁ − m₂)/sqrt(s₁²/n₁ + s₂²/n₂), Welch–Satterthwaite degrees of freedom.
    """
    from scipy import stats

    a = pd.Series(current, dtype="float64").dropna().to_numpy()
    b = pd.Series(previous, dtype="float64").dropna().to_numpy()
    nan = float("nan")
    if len(a) < 2 or len(b) < 2:
        return ChangeTest(float(a.mean()) if len(a) else nan, float(b.mean()) if len(b) else nan, nan, nan, nan, nan, nan, "welch")
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    se = math.sqrt(va + vb)
    diff = float(a.mean() - b.mean())
    if se == 0:
        return ChangeTest(float(a.mean()), float(b.mean()), diff, 0.0, nan, nan, 1.0 if diff == 0 else 0.0, "welch")
    t = diff / se
    df = (va + vb) ** 2 / (va ** 2 / (len(a) - 1) + vb ** 2 / (len(b) - 1))
    p = float(2 * stats.t.sf(abs(t), df))
    return ChangeTest(float(a.mean()), float(b.mean()), diff, se, t, float(df), p, "welch")


def period_changes(current: pd.DataFrame, previous: pd.DataFrame, columns: list[str], alpha: float = 0.05) -> pd.DataFrame:
    """NPS (when asked) and each 1–5 column now against the previous period, with their tests (unweighted).

    Returns
    -------
    DataFrame with ``metric`` (``nps`` or a column), ``current``, ``previous``,
    ``change``, ``test`` (z / welch), ``statistic``, ``p_value``,
    ``significant``, ``n_current``, ``n_previous``.
    """
    rows = []
    tests = [("nps", nps_change_test(metrics.nps(current["nps"]), metrics.nps(previous["nps"])),
              current["nps"].notna().sum(), previous["nps"].notna().sum())] if "nps" in current and "nps" in previous else []
    for col in columns:
        if col in current and col in previous:
            tests.append((col, welch_test(current[col], previous[col]), current[col].notna().sum(), previous[col].notna().sum()))
    for name, r, n1, n0 in tests:
        rows.append({"metric": name, "current": r.current, "previous": r.previous, "change": r.change, "test": r.test,
                     "statistic": r.statistic, "p_value": r.p_value, "significant": r.significant(alpha),
                     "n_current": int(n1), "n_previous": int(n0)})
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class SurveyPlan:
    """The next wave's design: frame, allocation per stratum and the margins it buys.

    ``nps`` is False when the surveys do not ask the recommend question: the
    margins are then those of the 1–5 satisfaction mean only.
    """

    frame: pd.DataFrame
    plan: pd.DataFrame
    margins: pd.DataFrame
    method: str
    min_per_region: int
    min_lost_share: float
    seed: int
    nps: bool = True


def plan_next_wave(sales: pd.DataFrame, customers: pd.DataFrame, answers: pd.DataFrame | None, end, design,
                   window_months: int = 12, min_n: int = 30) -> SurveyPlan:
    """Frame at ``end``, allocation by ``design`` (``survey.design`` of workspace.yaml) and margins of error.

    Standard deviations per stratum (for Neyman and the margins) come from
    ``answers`` (:func:`stratum_sd`).
    """
    frame = sampling_frame(sales, customers, end, window_months)
    strata = stratum_counts(frame)
    strata = stratum_sd(answers if answers is not None else pd.DataFrame(columns=["region", "respondent_type", "nps"]), strata, min_n)
    plan = allocate(strata, design.sample_size, design.min_per_region, design.min_lost_share, design.allocation)
    asked = answers is None or "nps" in answers.columns
    return SurveyPlan(frame, plan, plan_margins(plan), design.allocation, design.min_per_region, design.min_lost_share, design.seed, asked)
