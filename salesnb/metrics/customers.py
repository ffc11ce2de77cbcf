"""Retention, repurchase and churn, and each customer's status (customer, lost, lapsed, prospect).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from ..periods import Period
from .codes import _at, _codes, _dates, _last_purchases, _orders_per_customer, customer_codes


@dataclass(frozen=True)
class RetentionResult:
    """Repurchase, churn and repeat-purchase over stated windows.

    The current window is ``[current_start, end)`` and the base window
    ``[base_start, current_start)``, each ``window_months`` long.
    """

    end: pd.Timestamp
    window_months: int
    base_start: pd.Timestamp
    current_start: pd.Timestamp
    base_customers: int
    retained_customers: int
    current_customers: int
    repeat_customers: int
    repurchase_rate: float
    churn_rate: float
    repeat_purchase_rate: float

    def as_dict(self) -> dict:
        return asdict(self)


def retention(sales: pd.DataFrame, end: pd.Timestamp | Period, window_months: int = 12) -> RetentionResult:
    """Repurchase rate (复购率), churn rate and repeat-purchase rate at ``end``.

    For a period ending at E (exclusive), the current window is (E−W, E] and the
    base window (E−2W, E−W], W = ``window_months``:

    - repurchase rate = customers active in both windows ÷ customers active in the base window;
    - churn rate = 1 − repurchase rate;
    - repeat-purchase rate = share of the current window's customers with 2+ distinct orders in it.

    Active means at least one purchase line (``amount > 0``).

    Examples
    --------
    >>> s = pd.DataFrame({"customer_id": ["a", "a", "b", "c", "c"], "order_id": ["1", "2", "3", "4", "5"],
    ...     "amount": [5.0, 5.0, 5.0, 5.0, 5.0],
    ...     "order_date": pd.to_datetime(["2024-03-01", "2025-02-01", "2024-06-01", "2025-05-01", "2025-06-01"])})
    >>> r = retention(s, Period.parse("2025"))
    >>> r.repurchase_rate, r.churn_rate, r.repeat_purchase_rate
    (0.5, 0.5, 0.5)
    """
    end_ts = end.end_exclusive if isinstance(end, Period) else pd.Timestamp(end)
    current_start = end_ts - pd.DateOffset(months=window_months)
    base_start = current_start - pd.DateOffset(months=window_months)
    codes, n = _codes(sales, "customer_id")
    dates = _dates(sales)
    buy = (sales["amount"].to_numpy() > 0) & (codes >= 0)
    in_cur = buy & (dates >= _at(current_start)) & (dates < _at(end_ts))
    in_base = buy & (dates >= _at(base_start)) & (dates < _at(current_start))
    base = np.zeros(n, dtype=bool)
    base[codes[in_base]] = True
    current = np.zeros(n, dtype=bool)
    current[codes[in_cur]] = True
    per_customer = _orders_per_customer(sales, in_cur, codes, n)
    n_base, n_current = int(base.sum()), int(current.sum())
    retained = int((base & current).sum())
    repeat = int((per_customer >= 2).sum())
    repurchase = retained / n_base if n_base else float("nan")
    return RetentionResult(
        end=end_ts,
        window_months=window_months,
        base_start=base_start,
        current_start=current_start,
        base_customers=n_base,
        retained_customers=retained,
        current_customers=n_current,
        repeat_customers=repeat,
        repurchase_rate=repurchase,
        churn_rate=1 - repurchase if n_base else float("nan"),
        repeat_purchase_rate=repeat / n_current if n_current else float("nan"),
    )


CUSTOMER_STATUSES = ("customer", "lost", "lapsed", "prospect")


def customer_status(sales: pd.DataFrame, customers: pd.DataFrame, end: pd.Timestamp | Period, window_months: int = 12) -> pd.Series:
    """Status of every customer in the master at ``end`` (the churn windows of :func:`retention`).

    - ``customer``: bought in the current window (E−W, E];
    - ``lost``: bought in the base window (E−2W, E−W] but not in the current one (the churned customers);
    - ``lapsed``: bought before the base window only;
    - ``prospect``: in the customer master, never bought before E.

    Returns a Series indexed by ``customer_id``.

    Examples
    --------
    >>> s = pd.DataFrame({"customer_id": ["a", "b", "c"], "amount": [1.0, 1.0, 1.0],
    ...                   "order_date": pd.to_datetime(["2025-06-01", "2024-06-01", "2022-06-01"])})
    >>> c = pd.DataFrame({"customer_id": ["a", "b", "c", "d"]})
    >>> customer_status(s, c, Period.parse("2025")).to_dict()
    {'a': 'customer', 'b': 'lost', 'c': 'lapsed', 'd': 'prospect'}
    """
    end_ts = end.end_exclusive if isinstance(end, Period) else pd.Timestamp(end)
    current_start = end_ts - pd.DateOffset(months=window_months)
    base_start = current_start - pd.DateOffset(months=window_months)
    _, known = customer_codes(sales)
    latest = _last_purchases(sales, end_ts)[3]
    ids = pd.Index(customers["customer_id"].dropna().unique(), name="customer_id")
    present = pd.notna(known)  # codes a selection of the lines (recent_lines) does not hold have no id
    last = pd.Series(latest[present], index=pd.Index(known[present], dtype=object)).reindex(ids)
    status = np.select(
        [last >= current_start, last >= base_start, last.notna()],
        ["customer", "lost", "lapsed"],
        default="prospect",
    )
    return pd.Series(status, index=ids, name="status")


def recent_lines(sales: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> np.ndarray:
    """Which order lines a measure over windows inside ``[start, end)`` needs: every line dated there, and each
    customer's purchase lines (``amount > 0``) on its last purchase day before ``start``.

    The selected lines give the same :func:`customer_status` at ``end`` (for windows reaching back no further
    than ``start``: each customer's last purchase before ``end`` is among them, and so is the difference between
    a lapsed customer and a prospect), and the same figure over any window inside ``[start, end)``, as all the
    lines do — in the same order, so sums match to the last bit. Only ``order_date``, ``amount`` and the customer
    (``_customer_code`` or ``customer_id``) are read, so the selection can be worked out before the other
    columns are read (:meth:`salesnb.io.Workspace.table_rows`).

    Returns a boolean mask over the lines.

    Examples
    --------
    >>> s = pd.DataFrame({"customer_id": ["a", "a", "a", "b", "c"], "amount": [5.0, 3.0, 2.0, -1.0, 4.0],
    ...     "order_date": pd.to_datetime(["2023-02-01", "2023-06-01", "2024-03-01", "2023-07-01", "2025-01-02"])})
    >>> recent_lines(s, pd.Timestamp("2024-01-01"), pd.Timestamp("2025-01-01")).tolist()
    [False, True, True, False, False]
    """
    codes, dates, before, last = _last_purchases(sales, start)
    on_last = np.zeros(len(codes), dtype=bool)
    on_last[before] = dates[before] == last[codes[before]]
    return ((dates >= _at(start)) & (dates < _at(end))) | on_last
