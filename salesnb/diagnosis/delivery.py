"""Deliveries against the promise: each answer linked to the respondent's order, and how the outcome
differs between orders delivered late and on time.

Here: :func:`link_deliveries`, :class:`DeliveryEffect` / :func:`delivery_effect`. Not here: the delivery
problem of the ranking (:func:`.problems.delivery_problem`), the sentence (:mod:`.narrative`) and the
display table (:mod:`.tables`).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import metrics, survey
from ..kpis import outcome_scale
from ..metrics import Z95

__all__ = [
    "link_deliveries", "DeliveryEffect", "delivery_effect",
]


def link_deliveries(answers: pd.DataFrame, sales: pd.DataFrame, as_of: pd.Timestamp | None = None) -> pd.DataFrame:
    """``answers`` with the delivery of each respondent's order: the customer's latest order placed on or
    before the survey date (:func:`salesnb.metrics.delivery_orders`, statuses as of ``as_of``).

    Adds ``order_id``, ``delivery_status`` (on_time / late / overdue / open, NaN when no order is
    found), ``delay_days`` and ``on_time`` (1 on time, 0 late or overdue, NaN otherwise: the delivery
    driver of :func:`key_drivers`). The index is kept.

    Examples
    --------
    >>> s = pd.DataFrame({"order_id": ["1", "2"], "customer_id": ["a", "b"], "region": ["E", "E"], "amount": [5.0, 5.0],
    ...     "order_date": pd.to_datetime(["2025-01-02", "2025-01-03"]), "promised_date": pd.to_datetime(["2025-01-09", "2025-01-09"]),
    ...     "delivered_date": pd.to_datetime(["2025-01-08", "2025-01-12"])})
    >>> a = pd.DataFrame({"customer_id": ["a", "b", "c"], "survey_date": pd.to_datetime(["2025-01-10", "2025-01-13", "2025-01-13"])})
    >>> link_deliveries(a, s)[["delivery_status", "on_time"]].values.tolist()
    [['on_time', 1.0], ['late', 0.0], [nan, nan]]
    """
    orders = metrics.delivery_orders(sales, as_of)
    orders = orders.loc[orders["delivery_status"].notna()].rename_axis("order_id").reset_index()
    out = answers.copy()
    for col in ("order_id", "delivery_status"):
        out[col] = pd.Series(np.nan, index=out.index, dtype=object)
    out["delay_days"] = np.nan
    if "customer_id" in answers and len(orders):
        left = answers.loc[answers["customer_id"].notna(), ["customer_id", "survey_date"]].assign(_row=lambda d: np.arange(len(d)))
        keep = left.index
        left = left.reset_index(drop=True).sort_values("survey_date", kind="mergesort")
        right = orders[["customer_id", "order_date", "order_id", "delivery_status", "delay_days"]].sort_values("order_date", kind="mergesort")
        right = right.astype({"order_date": left["survey_date"].dtype})
        merged = pd.merge_asof(left, right, left_on="survey_date", right_on="order_date", by="customer_id", direction="backward")
        merged = merged.sort_values("_row")
        for col in ("order_id", "delivery_status", "delay_days"):
            out.loc[keep, col] = merged[col].to_numpy()
    out["delay_days"] = out["delay_days"].astype("float64")
    out["on_time"] = out["delivery_status"].map({"on_time": 1.0, "late": 0.0, "overdue": 0.0}).astype("float64")
    return out


@dataclass(frozen=True)
class DeliveryEffect:
    """How the survey outcome differs with the delivery of the respondent's order.

    Attributes
    ----------
    table : per delivery status (on time, late, not delivered past the promise, not yet due): answers,
        mean score with its 95 % interval, top share (4–5, or promoters) and bottom share (1–2, or detractors).
    test : Welch's t of the late orders' scores against the on-time ones (``current`` = late, ``previous`` = on time).
    score : the outcome column (``satisfaction`` or ``nps``).
    n_on_time, n_late, n_due : answers whose order was on time, delivered late, and due (on time, late or overdue).
    late_share : answers of late or overdue orders ÷ answers of orders due.
    gap : the mean outcome of on-time orders − the mean over all orders due: the points lost to late or missing deliveries.
    """

    table: pd.DataFrame
    test: survey.ChangeTest
    score: str
    n_on_time: int
    n_late: int
    n_due: int
    late_share: float
    gap: float


def delivery_effect(linked: pd.DataFrame, score: str = "satisfaction") -> DeliveryEffect:
    """The outcome ``score`` by delivery status of :func:`link_deliveries` output, and late against on time (Welch).

    Examples
    --------
    >>> a = pd.DataFrame({"delivery_status": ["on_time"] * 3 + ["late"] * 2 + ["overdue"], "satisfaction": [5, 4, 5, 2, 1, 1]})
    >>> e = delivery_effect(a)
    >>> round(e.test.current, 2), round(e.test.previous, 2), round(e.late_share, 3), round(e.gap, 3)
    (1.5, 4.67, 0.5, 1.667)
    """
    s = linked[score]
    status = linked["delivery_status"]
    scale = outcome_scale(score)
    hi, lo = scale.top, scale.bottom
    rows = []
    for st in metrics.DELIVERY_STATUSES:
        v = s[status == st].dropna()
        if not len(v) and st in ("overdue", "open"):
            continue
        half = Z95 * float(v.std(ddof=1)) / math.sqrt(len(v)) if len(v) > 1 else float("nan")
        rows.append({"status": st, "answers": int(len(v)), "mean": float(v.mean()) if len(v) else float("nan"),
                     "mean_low": float(v.mean()) - half if len(v) else float("nan"), "mean_high": float(v.mean()) + half if len(v) else float("nan"),
                     "top2": float(hi(v).mean()) if len(v) else float("nan"), "bottom": float(lo(v).mean()) if len(v) else float("nan")})
    table = pd.DataFrame(rows, columns=["status", "answers", "mean", "mean_low", "mean_high", "top2", "bottom"])
    on_time, late = s[status == "on_time"].dropna(), s[status == "late"].dropna()
    due = s[status.isin(["on_time", "late", "overdue"])].dropna()
    test = survey.welch_test(late, on_time)
    n_due = int(len(due))
    return DeliveryEffect(table, test, score, int(len(on_time)), int(len(late)), n_due,
                          (n_due - len(on_time)) / n_due if n_due else float("nan"),
                          float(on_time.mean() - due.mean()) if len(on_time) and n_due else float("nan"))
