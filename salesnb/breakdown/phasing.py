"""Phasing: monthly seasonality per node (shrunk toward the company's) and the targets spread over the plan's months.

The targets themselves come from :mod:`.plan`; the month tables for readers are :mod:`.views`.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from ..metrics import id_column
from ..periods import Period
from .allocation import largest_remainder
from .windows import PlanPeriods, _with_dimensions


def seasonality(sales: pd.DataFrame, end: pd.Timestamp, by: Sequence[str] = (), prior_orders: float = 200, years: int = 3,
                start_month: int = 1, customers: pd.DataFrame | None = None) -> pd.DataFrame:
    """Monthly seasonality of each node of ``by``, shrunk toward the company's.

    Over the last ``years`` whole twelve-month windows before ``end``, each
    node's own profile q (its revenue in each fiscal month ÷ its revenue) is
    blended with the company profile p: ``share = λ·q + (1 − λ)·p`` with
    ``λ = n / (n + prior_orders)``, n = the node's orders in those windows.
    A node with thin history follows the company.

    Returns one row per node and fiscal month: ``by``, ``slot`` (1 = first
    month of the fiscal year … 12), ``own``, ``company``, ``weight`` (λ),
    ``share`` (each node's shares add up to 1).
    """
    by = list(by)
    end = pd.Timestamp(end)
    first = sales["order_date"].min()
    n_years = 0
    for k in range(1, years + 1):
        if end - pd.DateOffset(months=12 * k) >= pd.Timestamp(first.year, first.month, 1):
            n_years = k
    n_years = max(n_years, 1)
    start = end - pd.DateOffset(months=12 * n_years)
    lines = _with_dimensions(sales.loc[(sales["order_date"] >= start) & (sales["order_date"] < end)], customers, by)
    slot = ((lines["order_date"].dt.month - start_month) % 12) + 1
    lines = lines.assign(slot=slot)
    slots = pd.Index(range(1, 13), name="slot")
    comp = lines.groupby("slot")["amount"].sum().reindex(slots, fill_value=0.0).clip(lower=0)
    company = comp / comp.sum() if comp.sum() > 0 else pd.Series(1 / 12, index=slots)
    if not by:
        return pd.DataFrame({"slot": slots, "own": company.to_numpy(), "company": company.to_numpy(), "weight": 1.0,
                             "share": company.to_numpy()})
    rev = lines.pivot_table(index=by, columns="slot", values="amount", aggfunc="sum", fill_value=0.0).reindex(columns=slots, fill_value=0.0).clip(lower=0)
    orders = lines.groupby(by)[id_column(lines, "order_id")].nunique().reindex(rev.index, fill_value=0)
    tot = rev.sum(axis=1)
    own = rev.div(tot.where(tot > 0), axis=0)
    lam = (orders / (orders + prior_orders)).where(tot > 0, 0.0) if prior_orders > 0 else (tot > 0).astype(float)
    own = own.fillna(0.0)
    share = own.mul(lam, axis=0) + np.outer(1 - lam, company.to_numpy())
    out = share.stack().rename("share").reset_index()
    out["own"] = own.stack().to_numpy()
    out["company"] = np.tile(company.to_numpy(), len(share))
    out["weight"] = np.repeat(lam.to_numpy(), 12)
    return out[[*by, "slot", "own", "company", "weight", "share"]]


def phase(cells: pd.DataFrame, profile: pd.DataFrame, periods: PlanPeriods, by: Sequence[str] = (), grain: str = "month",
          value: str = "target", unit: float = 1) -> pd.DataFrame:
    """Spread each cell's ``value`` over the plan's months (or quarters).

    Each cell follows the :func:`seasonality` profile of its node of ``by``
    (the company profile when ``by`` is empty), restricted to the plan's
    months and renormalised; the amounts are rounded to ``unit`` with the
    largest remainder, so every cell's months add up to its target exactly.

    Returns the cells' dimension columns, ``period`` (``2026-01`` … or
    ``2026Q1`` …) and ``value``.
    """
    by = [b for b in by if b in cells.columns]
    dims = [c for c in cells.columns if c not in (value, "base", "growth", "share", "method")]
    plan = periods.plan
    first_slot = ((plan.start.month - plan.start_month) % 12) + 1
    slots = list(range(first_slot, first_slot + plan.months))
    labels = list(periods.months)
    if grain == "quarter":
        labels = [str(Period.of(pd.Timestamp(m + "-01"), "quarter", plan.start_month)) for m in periods.months]
    prof = profile if by else profile.assign(_k=1)
    keys = by if by else ["_k"]
    wide = prof.pivot_table(index=keys, columns="slot", values="share", aggfunc="sum").reindex(columns=slots, fill_value=0.0)
    company = profile.drop_duplicates("slot").set_index("slot")["company"].reindex(slots).to_numpy()
    rows = []
    for rec in cells.to_dict("records"):
        key = tuple(rec[b] for b in by) if by else (1,)
        key = key[0] if len(key) == 1 else key
        shares = wide.loc[key].to_numpy() if key in wide.index else company
        if shares.sum() <= 0:
            shares = np.ones(len(slots))
        amount = int(round(rec[value] / unit))
        parts = largest_remainder(shares, amount) if amount > 0 else np.zeros(len(slots), dtype=np.int64)
        for label, part in zip(labels, parts):
            rows.append({**{d: rec[d] for d in dims}, "period": label, value: float(part) * unit})
    out = pd.DataFrame(rows, columns=[*dims, "period", value])
    if grain == "quarter":
        out = out.groupby([*dims, "period"], sort=False, as_index=False)[value].sum()
    return out
