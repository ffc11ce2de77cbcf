"""The monthly simulation of the demo company: arrivals, complaint tickets, experience, churn and orders.

Here: :func:`_simulate` (the loop over 36 months, see the package docstring's "How it is simulated") and its
per-month parts, the story's service level and response times, and :func:`_sample_days`. Not here: the rows of
each table drawn from its result (:mod:`salesnb.sample.sales`, :mod:`~salesnb.sample.complaints`,
:mod:`~salesnb.sample.surveys`, :mod:`~salesnb.sample.interviews`).
"""
from __future__ import annotations

import numpy as np

from .knobs import (_CADENCE_SHAPE, _CATEGORIES, _CATEGORY_RESP, _CATEGORY_WEIGHTS, _FIRST_DAY, _MONTH_FACTOR, _N_MONTHS,
                    _PROMISE_HOURS, _REGION_PARAMS, _SEG, _STORY, REGIONS, _month_start)


def _quarter_of_month(m: int) -> int:
    return m // 3  # 0 … 11


def _response_median(region: int) -> np.ndarray:
    """Median first-response hours of a region per quarter (12 quarters)."""
    name = REGIONS[region]
    base = _REGION_PARAMS[name]["resp"]
    out = np.full(12, base)
    out *= np.linspace(1.02, 0.96, 12)  # slow general improvement
    if name == _STORY["region"]:
        out[7] = base * 1.8  # 2024Q4: the first signs
        out[8:12] = _STORY["resp_2025"]
    return out


def _service_level(region: int) -> np.ndarray:
    out = np.zeros(12)
    if REGIONS[region] == _STORY["region"]:
        out[7] = _STORY["service_2024q4"]
        out[8:12] = _STORY["service_2025"]
    return out


def _month_tables(order_w: np.ndarray) -> dict:
    """What the monthly loop reads per region and month: first-response medians and service level per quarter,
    the first day of each month, seasonality, spend level (with its trend carried past the yearly midpoints),
    the churn multiplier and the segments' monthly base hazard."""
    resp_med = np.array([_response_median(r) for r in range(len(REGIONS))])  # (6, 12)
    service = np.array([_service_level(r) for r in range(len(REGIONS))])
    month_days = np.array([(_month_start(m + 1) - _month_start(m)).days if m < 35 else 31 for m in range(_N_MONTHS)])
    starts = np.concatenate([[0], np.cumsum(month_days)])
    order_mass = np.array([order_w[starts[m]: starts[m + 1]].sum() for m in range(_N_MONTHS)])
    season = _MONTH_FACTOR[np.arange(_N_MONTHS) % 12] * order_mass / order_mass.mean()
    levels = np.array([_REGION_PARAMS[r]["level"] for r in REGIONS])  # (6, 3)
    mid = np.array([5.5, 17.5, 29.5])
    level_m = np.array([np.interp(np.arange(_N_MONTHS), mid, levels[r]) for r in range(len(REGIONS))])
    # extrapolate the last year's trend beyond mid-2025 and before mid-2023
    for r in range(len(REGIONS)):
        slope_end = (levels[r, 2] - levels[r, 1]) / 12
        slope_start = (levels[r, 1] - levels[r, 0]) / 12
        level_m[r, 30:] = levels[r, 2] + slope_end * (np.arange(30, 36) - 29.5)
        level_m[r, :6] = levels[r, 0] + slope_start * (np.arange(0, 6) - 5.5)
    churn_mult = np.array([_REGION_PARAMS[r]["churn"] for r in REGIONS])
    h_base = 1 - (1 - _SEG["churn_annual"]) ** (1 / 12)
    return dict(resp_med=resp_med, service=service, starts=starts, season=season, level_m=level_m,
                churn_mult=churn_mult, h_base=h_base)


def _month_tickets(rng: np.random.Generator, cust: dict, idx: np.ndarray, m: int, q: int, resp_med: np.ndarray,
                   penalty: np.ndarray, tickets: tuple[list, list, list, list]) -> None:
    """The complaint tickets of month ``m`` (quarter ``q``) of the active customers ``idx``: appended to
    ``tickets`` (customers, months, categories, first-response hours); a ticket answered after the promise
    adds its penalty to ``penalty`` (in place)."""
    region, seg = cust["region"], cust["segment"]
    t_cust, t_month, t_cat, t_resp = tickets
    cat_w = _CATEGORY_WEIGHTS
    story = REGIONS.index(_STORY["region"])
    cmult = np.where((region[idx] == story) & (m >= _STORY["start_month"]), _STORY["complaint_mult_2025"], 1.0)
    lam_c = _SEG["complaint_rate"][seg[idx]] * cmult
    n_c = rng.poisson(lam_c)
    tc = np.repeat(idx, n_c)
    if len(tc):
        med = resp_med[region[tc], q]
        slow_w = (med / 15.0) ** 1.25  # slow service → more 售后响应慢 tickets
        w = np.tile(cat_w, (len(tc), 1))
        w[:, 0] *= slow_w
        w /= w.sum(axis=1, keepdims=True)
        u = rng.random(len(tc))
        cat = (u[:, None] > np.cumsum(w, axis=1)).sum(axis=1).clip(0, len(_CATEGORIES) - 1)
        hours = med * _CATEGORY_RESP[cat] * np.exp(rng.normal(0.0, 0.55, len(tc)))
        hours = np.maximum(hours, 0.2)
        t_cust.append(tc)
        t_month.append(np.full(len(tc), m))
        t_cat.append(cat)
        t_resp.append(hours)
        np.add.at(penalty, tc, np.where(hours > _PROMISE_HOURS, -_STORY["slow_penalty"], -0.05))


def _month_orders(rng: np.random.Generator, cust: dict, idx: np.ndarray, arriving: np.ndarray, need: np.ndarray,
                  experience: np.ndarray, tables: dict, m: int) -> np.ndarray:
    """The orders of month ``m`` of the active customers ``idx`` (one entry per order, the customer's index);
    ``need``, the reorder accumulator, is updated in place."""
    region, seg = cust["region"], cust["segment"]
    lam_o = (
        _SEG["order_rate"][seg[idx]] * cust["activity"][idx] * tables["season"][m] * tables["level_m"][region[idx], m]
        * np.exp(_STORY["wallet_beta"] * np.minimum(experience[idx], 0.5))
    )
    # B2B customers reorder on a cadence: each month adds a jittered "need" to an
    # accumulator and every whole unit becomes an order (less noisy than Poisson)
    new = arriving[idx]
    need[idx[new]] = np.maximum(need[idx[new]], np.where(rng.random(new.sum()) < 0.9, 1.0, 0.0))
    need[idx] += lam_o * rng.gamma(_CADENCE_SHAPE, 1 / _CADENCE_SHAPE, len(idx))
    n_o = np.floor(need[idx]).astype(int)
    need[idx] -= n_o
    return np.repeat(idx, n_o)


def _simulate(rng: np.random.Generator, cust: dict, order_w: np.ndarray) -> dict:
    """The monthly loop: arrivals, tickets, experience, churn and orders (see the module docstring)."""
    n = cust["n"]
    region, seg = cust["region"], cust["segment"]
    tables = _month_tables(order_w)
    service = tables["service"]

    is_new = np.array([d >= _FIRST_DAY for d in cust["created"]])
    active = (cust["start"] == 0) & ~is_new  # the base on 2023-01-01
    churn_month = np.full(n, -1)
    penalty = np.zeros(n)
    need = rng.random(n)  # order accumulator (random phase)
    exp_hist = np.zeros((n, _N_MONTHS))
    pen_hist = np.zeros((n, _N_MONTHS))
    o_cust, o_month = [], []
    t_cust, t_month, t_cat, t_resp = [], [], [], []
    for m in range(_N_MONTHS):
        q = _quarter_of_month(m)
        arriving = (cust["start"] == m) & is_new
        active |= arriving
        # complaints of this month
        _month_tickets(rng, cust, np.flatnonzero(active), m, q, tables["resp_med"], penalty, (t_cust, t_month, t_cat, t_resp))
        experience = cust["base_exp"] + service[region, q] + penalty
        exp_hist[:, m] = experience
        pen_hist[:, m] = penalty
        # churn (not in the month of arrival)
        h = tables["h_base"][seg] * tables["churn_mult"][region] * np.exp(-_STORY["churn_beta"] * experience)
        leave = active & ~arriving & (rng.random(n) < h)
        churn_month[leave] = m
        active &= ~leave
        # orders
        oc = _month_orders(rng, cust, np.flatnonzero(active), arriving, need, experience, tables, m)
        o_cust.append(oc)
        o_month.append(np.full(len(oc), m))
        penalty *= _STORY["penalty_decay"]
    return dict(
        o_cust=np.concatenate(o_cust), o_month=np.concatenate(o_month),
        t_cust=np.concatenate(t_cust), t_month=np.concatenate(t_month),
        t_cat=np.concatenate(t_cat), t_resp=np.concatenate(t_resp),
        churn_month=churn_month, exp_hist=exp_hist, pen_hist=pen_hist,
        service=service, resp_med=tables["resp_med"], month_starts=tables["starts"],
    )


def _sample_days(rng: np.random.Generator, months: np.ndarray, weights: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """A day index (days since 2023-01-01) inside each month, proportional to ``weights``."""
    cum = np.cumsum(weights)
    before = np.concatenate([[0.0], cum])[starts[months]]
    total = cum[starts[months + 1] - 1] - before
    target = before + rng.random(len(months)) * total
    day = np.searchsorted(cum, target, side="right")
    return np.minimum(day, starts[months + 1] - 1)
