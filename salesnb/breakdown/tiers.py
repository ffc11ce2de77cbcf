"""Customer tiers (客户分层): every active customer tiered by value and loyalty, the tiers' summary and care budgets.

Their sentences are :mod:`.narrative`; their table :mod:`.views`.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import metrics as m
from ..config import Tiers
from ..periods import Period
from .common import _EPS


def _quintile_score(values: pd.Series, higher_is_better: bool = True) -> pd.Series:
    """1–5 by quintile of rank (5 = best); ties broken by order, so every score is used."""
    if values.empty:
        return values.astype(int)
    ranks = values.rank(method="first", ascending=higher_is_better)
    return np.ceil(ranks / len(values) * 5).clip(1, 5).astype(int)


def customer_tiers(sales: pd.DataFrame, end: pd.Timestamp | Period, settings: Tiers | None = None,
                   customers: pd.DataFrame | None = None) -> pd.DataFrame:
    """Tier every customer active in the window before ``end`` by value and loyalty.

    Over the ``settings.window_months`` before ``end``: revenue (net of
    returns), orders (distinct purchase orders), days since the last purchase
    (``recency_days``), the recency/frequency/monetary quintile scores 1–5
    (``r``, ``f``, ``m``, ``rfm`` = their sum), the customer's rank share by
    revenue (``top_share``: 0.05 = in the top 5 %) and the risk signal
    (``at_risk``: no purchase for ``risk.recency_days`` or spend down by
    ``risk.spend_drop`` against the window before). The first rule of
    ``settings.rules`` whose conditions all hold gives the ``tier``.

    Examples
    --------
    >>> s = pd.DataFrame({"customer_id": ["a", "a", "b", "c"], "order_id": ["1", "2", "3", "4"],
    ...                   "amount": [900.0, 900.0, 50.0, 10.0],
    ...                   "order_date": pd.to_datetime(["2025-03-01", "2025-11-01", "2025-12-01", "2025-02-01"])})
    >>> t = customer_tiers(s, pd.Timestamp("2026-01-01"))
    >>> t[["customer_id", "orders", "recency_days", "top_share", "at_risk"]].round(2).values.tolist()
    [['a', 2, 60, 0.33, False], ['b', 1, 30, 0.67, False], ['c', 1, 333, 1.0, True]]
    """
    settings = settings or Tiers()
    end = end.end_exclusive if isinstance(end, Period) else pd.Timestamp(end)
    start = end - pd.DateOffset(months=settings.window_months)
    prev_start = start - pd.DateOffset(months=settings.window_months)
    # grouped on the customers' integer codes (metrics.customer_codes), reported by id in id order
    codes, known = m.customer_codes(sales)
    dates, amount = sales["order_date"], sales["amount"].to_numpy()
    in_cur = ((dates >= start) & (dates < end)).to_numpy() & (codes >= 0)
    in_prev = ((dates >= prev_start) & (dates < start)).to_numpy() & (codes >= 0)
    buy = in_cur & (amount > 0)
    buyers = np.unique(codes[buy])
    order = np.argsort(known[buyers], kind="stable")
    keys = buyers[order]  # the code of each output row
    ids = pd.Index(known[keys], name="customer_id")

    def per_customer(mask: np.ndarray, values: np.ndarray, how: str, fill=None) -> np.ndarray:
        got = pd.Series(values[mask]).groupby(codes[mask]).agg(how)
        return got.reindex(keys, fill_value=fill).to_numpy() if fill is not None else got.reindex(keys).to_numpy()

    out = pd.DataFrame(index=ids)
    out["revenue"] = per_customer(in_cur, amount, "sum", 0.0)
    out["prev_revenue"] = per_customer(in_prev, amount, "sum", 0.0)
    out["orders"] = m.orders_per_customer(sales, buy)[keys].astype(int)
    last = pd.Series(per_customer(buy, dates.to_numpy(), "max"), index=ids)
    out["last_order"] = last
    out["recency_days"] = ((end - pd.Timedelta(days=1)).normalize() - last.dt.normalize()).dt.days.astype(int)
    _add_region(out, sales, customers, codes, known, buy, amount, ids)
    _add_scores(out, ids, settings.risk)
    out["tier"] = _tier_of(out, ids, settings.rules).astype(str)
    return out.reset_index()


def _add_region(out: pd.DataFrame, sales: pd.DataFrame, customers: pd.DataFrame | None, codes: np.ndarray, known: np.ndarray,
                buy: np.ndarray, amount: np.ndarray, ids: pd.Index) -> None:
    """Insert each customer's ``region`` (from the customer master, else the one it bought most from in the window)
    and ``segment`` (from the master) as the first columns of :func:`customer_tiers`' table."""
    region = None
    if "region" in sales:  # the region a customer bought most from in the window (ties: the first by name)
        lines = pd.DataFrame({"code": codes[buy], "region": sales["region"].array[buy], "amount": amount[buy]})
        region = lines.groupby(["code", "region"])["amount"].sum().reset_index().sort_values(["code", "amount"], ascending=[True, False])
        region = region.assign(customer_id=known[region["code"].to_numpy()])
    if customers is not None and "region" in customers:
        master = customers.drop_duplicates("customer_id").set_index("customer_id")
        out.insert(0, "region", master["region"].reindex(ids))
        if region is not None:
            out["region"] = out["region"].fillna(region.drop_duplicates("customer_id").set_index("customer_id")["region"].reindex(ids))
        if "segment" in master:
            out.insert(1, "segment", master["segment"].reindex(ids))
    elif region is not None:
        out.insert(0, "region", region.drop_duplicates("customer_id").set_index("customer_id")["region"].reindex(ids))


def _add_scores(out: pd.DataFrame, ids: pd.Index, risk) -> None:
    """Add the revenue rank share (``top_share``), the R/F/M quintile scores and their sum, and the risk signal."""
    n = len(out)
    order = out.assign(_id=out.index).sort_values(["revenue", "_id"], ascending=[False, True]).index
    out["top_share"] = pd.Series(np.arange(1, n + 1) / max(n, 1), index=order).reindex(ids)
    out["r"] = _quintile_score(-out["recency_days"].astype(float))
    out["f"] = _quintile_score(out["orders"].astype(float))
    out["m"] = _quintile_score(out["revenue"])
    out["rfm"] = out["r"] + out["f"] + out["m"]
    out["at_risk"] = (out["recency_days"] >= risk.recency_days) | (
        (out["prev_revenue"] > 0) & (out["revenue"] <= (1 - risk.spend_drop) * out["prev_revenue"]))


def _tier_of(out: pd.DataFrame, ids: pd.Index, rules) -> pd.Series:
    """Each customer's tier: the first rule whose conditions all hold (NA when none does)."""
    tier = pd.Series(pd.NA, index=ids, dtype="object")
    for rule in rules:
        ok = tier.isna()
        if rule.top_share is not None:
            ok &= out["top_share"] <= rule.top_share + _EPS
        if rule.min_revenue is not None:
            ok &= out["revenue"] >= rule.min_revenue
        if rule.min_orders is not None:
            ok &= out["orders"] >= rule.min_orders
        if rule.min_rfm is not None:
            ok &= out["rfm"] >= rule.min_rfm
        if rule.at_risk is not None:
            ok &= out["at_risk"] == rule.at_risk
        tier[ok] = rule.key
    return tier


def tier_summary(tiers: pd.DataFrame, settings: Tiers | None = None, lang: str = "en") -> pd.DataFrame:
    """Per tier (in rule order): customers, revenue and their shares, revenue
    and orders per customer, the care strategy (visits per year, what,
    budget per customer, owner) and what it adds up to (``visits``,
    ``care_budget``)."""
    settings = settings or Tiers()
    g = tiers.groupby("tier").agg(customers=("customer_id", "size"), revenue=("revenue", "sum"), orders=("orders", "sum"))
    rows = []
    n, rev = max(len(tiers), 1), tiers["revenue"].sum()
    for rule in settings.rules:
        c = int(g["customers"].get(rule.key, 0))
        r = float(g["revenue"].get(rule.key, 0.0))
        o = float(g["orders"].get(rule.key, 0.0))
        rows.append({
            "tier": rule.key, "label": rule.zh if lang == "zh" else rule.en, "customers": c, "customer_share": c / n,
            "revenue": r, "revenue_share": r / rev if rev else float("nan"),
            "revenue_per_customer": r / c if c else float("nan"), "orders_per_customer": o / c if c else float("nan"),
            "visits_per_year": rule.visits_per_year, "visits": c * rule.visits_per_year,
            "care": rule.care_zh if lang == "zh" else rule.care_en, "budget_per_customer": rule.budget_per_customer,
            "care_budget": c * rule.budget_per_customer, "owner": rule.owner or "",
        })
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class CareBudgetCheck:
    """The tiers' care budgets against the tiered customers' revenue (:func:`care_budget_check`)."""

    care: float
    revenue: float
    share: float
    max_share: float
    flagged: bool
    scale: float
    """The factor that brings the care budgets to ``max_share`` of revenue (1 when not flagged)."""


def care_budget_check(summary: pd.DataFrame, tiers: pd.DataFrame, max_share: float = 0.05) -> CareBudgetCheck:
    """Do the tiers' care budgets (``summary.care_budget``, :func:`tier_summary`) fit the revenue of the
    customers they care for (``tiers.revenue``, :func:`customer_tiers`)? Flagged above ``max_share``
    (``tiers.care_budget_max_share``), with the factor that would scale them down to it.

    >>> s = pd.DataFrame({"care_budget": [1_500_000.0, 370_000.0]})
    >>> c = care_budget_check(s, pd.DataFrame({"revenue": [60_000.0, 38_000.0]}))
    >>> c.flagged, round(c.share, 2), round(c.scale, 5)
    (True, 19.08, 0.00262)
    """
    care = float(summary["care_budget"].sum()) if len(summary) else 0.0
    revenue = float(tiers["revenue"].sum()) if len(tiers) else 0.0
    share = care / revenue if revenue > 0 else (float("inf") if care > 0 else 0.0)
    flagged = share > max_share
    scale = max_share * revenue / care if flagged and care > 0 else 1.0
    return CareBudgetCheck(care, revenue, share, max_share, bool(flagged), scale)
