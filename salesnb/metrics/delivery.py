"""Delivery KPIs from the order lines' promised and delivered dates: on-time share, delay, not delivered.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..periods import Period, period_labels
from .sales import purchases, sales_in


DELIVERY_COLUMNS = frozenset({"promised_date", "delivered_date"})
"""The two optional columns of the order lines that carry delivery against the promise."""


def has_delivery(sales: pd.DataFrame | None) -> bool:
    """Whether the order lines carry a promised and an actual delivery day (``promised_date`` and ``delivered_date``)
    with at least one promise.

    Examples
    --------
    >>> has_delivery(pd.DataFrame({"promised_date": pd.to_datetime(["2025-01-05"]), "delivered_date": [pd.NaT]}))
    True
    """
    return sales is not None and DELIVERY_COLUMNS <= set(sales.columns) and bool(sales["promised_date"].notna().any())


DELIVERY_STATUSES = ("on_time", "late", "overdue", "open")
"""An order's delivery against its promise: delivered on or before the promised day, delivered after it,
not delivered with the promised day passed, not delivered and not yet due."""


def data_end(sales: pd.DataFrame) -> pd.Timestamp:
    """The latest day the sales data knows of (order and delivery days): the "as of" of delivery statuses."""
    days = [sales["order_date"].max()] + ([sales["delivered_date"].max()] if "delivered_date" in sales else [])
    days = [d for d in days if pd.notna(d)]
    return pd.Timestamp(max(days)).normalize() if days else pd.NaT


def delivery_orders(sales: pd.DataFrame, as_of: pd.Timestamp | None = None) -> pd.DataFrame:
    """One row per order (purchase lines, ``amount > 0``) with its delivery against the promise.

    An order's promised day is the latest of its lines', its delivery day the
    latest of its lines' (not delivered while any line is blank), its date the
    earliest line's, its region and customer the first line's. ``delay_days``
    = delivered day − promised day (negative = early; NaN when not
    delivered); ``delivery_status`` is one of :data:`DELIVERY_STATUSES` (an
    undelivered order is *overdue* once its promised day is before ``as_of``,
    default :func:`data_end`), or NaN without a promised day.

    Examples
    --------
    >>> s = pd.DataFrame({"order_id": ["1", "1", "2", "3"], "customer_id": ["a", "a", "b", "c"], "region": ["E"] * 4,
    ...     "amount": [5.0, 5.0, 8.0, 2.0], "order_date": pd.to_datetime(["2025-01-02"] * 4),
    ...     "promised_date": pd.to_datetime(["2025-01-09", "2025-01-10", "2025-01-09", "2025-01-09"]),
    ...     "delivered_date": pd.to_datetime(["2025-01-08", "2025-01-12", "2025-01-09", None])})
    >>> o = delivery_orders(s)
    >>> o[["amount", "delay_days", "delivery_status"]].values.tolist()
    [[10.0, 2.0, 'late'], [8.0, 0.0, 'on_time'], [2.0, nan, 'overdue']]
    """
    lines = purchases(sales)
    as_of = data_end(sales) if as_of is None else pd.Timestamp(as_of)
    g = lines.groupby("order_id", sort=False)
    orders = pd.DataFrame({
        "order_date": g["order_date"].min(),
        "customer_id": g["customer_id"].first(),
        "region": g["region"].first(),
        "amount": g["amount"].sum(),
        "promised_date": g["promised_date"].max(),
        "delivered_date": g["delivered_date"].max().where(g["delivered_date"].count() == g.size()),
    })
    orders["delay_days"] = (orders["delivered_date"] - orders["promised_date"]).dt.days.astype("float64")
    delivered = orders["delivered_date"].notna()
    promised = orders["promised_date"].notna()
    status = np.select(
        [promised & delivered & (orders["delay_days"] <= 0), promised & delivered,
         promised & ~delivered & (orders["promised_date"] < as_of), promised & ~delivered],
        ["on_time", "late", "overdue", "open"], default="")
    orders["delivery_status"] = pd.Series(status, index=orders.index).replace("", np.nan)
    return orders


def delivery_kpis(orders: pd.DataFrame) -> dict[str, float | int]:
    """Delivery KPIs of a set of :func:`delivery_orders` rows.

    ``on_time_share`` = on-time orders ÷ orders due (delivered, or undelivered
    past the promise); ``late_share`` = 1 − that; ``mean_delay_days`` and
    ``median_delay_days`` over the delivered orders (negative = early);
    ``mean_days_late`` over the late ones; ``not_delivered_share`` =
    undelivered orders (overdue or open) ÷ orders with a promise.

    Examples
    --------
    >>> o = pd.DataFrame({"delivery_status": ["on_time", "late", "overdue", "open"], "delay_days": [-2.0, 3.0, None, None]})
    >>> k = delivery_kpis(o)
    >>> k["on_time_share"], k["mean_delay_days"], k["not_delivered_share"]
    (0.3333333333333333, 0.5, 0.5)
    """
    status = orders["delivery_status"]
    counts = {s: int((status == s).sum()) for s in DELIVERY_STATUSES}
    n = sum(counts.values())
    due = counts["on_time"] + counts["late"] + counts["overdue"]
    delays = orders.loc[status.isin(["on_time", "late"]), "delay_days"]
    late = orders.loc[status == "late", "delay_days"]
    nan = float("nan")
    return {
        "delivery_orders": n, "orders_due": due, **{f"orders_{s}": c for s, c in counts.items()},
        "on_time_share": counts["on_time"] / due if due else nan,
        "late_share": (counts["late"] + counts["overdue"]) / due if due else nan,
        "mean_delay_days": float(delays.mean()) if len(delays) else nan,
        "median_delay_days": float(delays.median()) if len(delays) else nan,
        "mean_days_late": float(late.mean()) if len(late) else nan,
        "not_delivered_share": (counts["overdue"] + counts["open"]) / n if n else nan,
    }


def delivery_summary(sales: pd.DataFrame, period: Period, as_of: pd.Timestamp | None = None) -> dict[str, float | int]:
    """:func:`delivery_kpis` of the orders placed in ``period`` (statuses as of ``as_of``, default :func:`data_end` of ``sales``)."""
    as_of = data_end(sales) if as_of is None else as_of
    return delivery_kpis(delivery_orders(sales_in(sales, period), as_of))


def delivery_history(sales: pd.DataFrame, grain: str = "quarter", by: str | list[str] | None = None, start_month: int = 1,
                     as_of: pd.Timestamp | None = None) -> pd.DataFrame:
    """:func:`delivery_kpis` per period of the order date (and group, e.g. ``"region"``), oldest first."""
    by = [] if by is None else ([by] if isinstance(by, str) else list(by))
    orders = delivery_orders(sales, as_of)
    orders = orders.assign(period=period_labels(orders["order_date"], grain, start_month))
    rows = []
    for key, g in orders.groupby(["period", *by], sort=True, observed=True):
        key = key if isinstance(key, tuple) else (key,)
        rows.append({**dict(zip(["period", *by], key)), **delivery_kpis(g)})
    cols = ["period", *by, *delivery_kpis(orders.iloc[:0]).keys()]
    return pd.DataFrame(rows, columns=cols)
