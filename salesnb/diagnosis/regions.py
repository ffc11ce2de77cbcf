"""Regions against the rest of the company: a row's region from the customer master, score gaps per
region (Welch) and churn per region (two-proportion z test).

Here: :func:`attach_region`, :func:`region_gaps`, :func:`churn_by_region`. Not here: which gaps and churn
become ranked problems (:mod:`.problems`).
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .. import metrics, survey
from ..periods import Period

__all__ = [
    "attach_region", "region_gaps", "churn_by_region",
]


def attach_region(df: pd.DataFrame, customers: pd.DataFrame) -> pd.DataFrame:
    """``df`` with ``region`` from the customer master where it is blank or absent."""
    regions = customers.drop_duplicates("customer_id").set_index("customer_id")["region"]
    mapped = df["customer_id"].map(regions) if "customer_id" in df else pd.Series(np.nan, index=df.index, dtype="object")
    return df.assign(region=df["region"].fillna(mapped) if "region" in df else mapped)


def region_gaps(answers: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Each region's mean of the row-wise average of ``columns`` against the rest of the company (Welch).

    Returns ``region``, ``score``, ``rest``, ``gap`` (rest − region; positive =
    the region trails), ``p_value``, ``n``.
    """
    cols = [c for c in columns if c in answers]
    score = answers[cols].mean(axis=1, skipna=True) if cols else pd.Series(np.nan, index=answers.index)
    rows = []
    for region in sorted(answers["region"].dropna().unique()):
        mine = answers["region"] == region
        test = survey.welch_test(score[mine], score[~mine & answers["region"].notna()])
        rows.append({"region": region, "score": test.current, "rest": test.previous, "gap": -test.change if not math.isnan(test.change) else float("nan"),
                     "p_value": test.p_value, "n": int(score[mine].notna().sum())})
    return pd.DataFrame(rows, columns=["region", "score", "rest", "gap", "p_value", "n"])


def churn_by_region(sales: pd.DataFrame, end, window_months: int = 12) -> pd.DataFrame:
    """Churn per region over the retention windows of step 1, with a z test against the rest of the company.

    A customer belongs to the region of its base-window purchases. Returns
    ``region``, ``base_customers``, ``lost``, ``churn_rate``, ``rest_rate``,
    ``p_value``, ``lost_revenue`` (the lost customers' base-window revenue).
    """
    end_ts = end.end_exclusive if isinstance(end, Period) else pd.Timestamp(end)
    cur_start = end_ts - pd.DateOffset(months=window_months)
    base_start = cur_start - pd.DateOffset(months=window_months)
    codes, ids = metrics.customer_codes(sales)
    dates = sales["order_date"]
    in_base = ((sales["amount"] > 0) & (dates >= base_start) & (dates < cur_start)).to_numpy() & (codes >= 0)
    current = metrics.bought_between(sales, cur_start, end_ts)
    lines = pd.DataFrame({"code": codes[in_base], "region": sales["region"].to_numpy()[in_base], "amount": sales["amount"].to_numpy()[in_base]})
    # a customer's region is the most frequent one of its base-window lines (ties: the first by name)
    counts = lines.groupby(["code", "region"], sort=False).size().reset_index(name="lines")
    home = counts.sort_values(["code", "lines", "region"], ascending=[True, False, True]).drop_duplicates("code").set_index("code")["region"]
    revenue = lines.groupby("code")["amount"].sum()
    per = pd.DataFrame({"region": home, "revenue": revenue}).dropna(subset=["region"])
    per["lost"] = ~current[per.index.to_numpy()]
    per.index = pd.Index(ids[per.index.to_numpy()], name="customer_id")
    rows = []
    for region, g in per.groupby("region"):
        rest = per.loc[per["region"] != region]
        p1, n1 = g["lost"].mean(), len(g)
        p2, n2 = (rest["lost"].mean(), len(rest)) if len(rest) else (float("nan"), 0)
        pooled = (g["lost"].sum() + rest["lost"].sum()) / (n1 + n2) if n2 else float("nan")
        se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2)) if n2 and 0 < pooled < 1 else float("nan")
        p = math.erfc(abs((p1 - p2) / se) / math.sqrt(2)) if se and not math.isnan(se) else float("nan")
        rows.append({"region": region, "base_customers": n1, "lost": int(g["lost"].sum()), "churn_rate": float(p1),
                     "rest_rate": float(p2), "p_value": p, "lost_revenue": float(g.loc[g["lost"], "revenue"].sum())})
    return pd.DataFrame(rows, columns=["region", "base_customers", "lost", "churn_rate", "rest_rate", "p_value", "lost_revenue"])
