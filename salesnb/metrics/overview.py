"""Step 1's overviews across tables: the period's headline figures and the satisfaction history.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..scales import SATISFACTION_SCALE
from ..periods import Period, period_labels
from .codes import _codes
from .complaints import complaint_summary, has_response_times
from .sales import period_sales
from .scores import csat, has_nps, nps, nps_table


def _surveys_in(surveys: pd.DataFrame | None, period: Period) -> pd.DataFrame:
    if surveys is None or surveys.empty:
        return pd.DataFrame(columns=["survey_date", "nps", "satisfaction"])
    return surveys.loc[period.contains(surveys["survey_date"])]


def headline(sales: pd.DataFrame, surveys: pd.DataFrame | None, complaints: pd.DataFrame | None,
             period: Period, promise_hours: float = 48) -> dict[str, float | int | None]:
    """The period's headline figures, as written to ``summary.json``.

    Keys: ``revenue``, ``revenue_prev_year``, ``revenue_yoy``, ``orders``,
    ``active_customers``, ``nps``, ``nps_ci_low``, ``nps_ci_high``, ``nps_n``
    (plain, unweighted, over every answer dated in the period),
    ``satisfaction_mean``, ``satisfaction_top2``, ``complaints``,
    ``response_over_promise_share``. Missing tables give NaN (``nps_n`` None), not zero: in
    ``summary.json`` null means "not computable / table absent" and 0 "counted, none".

    When the surveys have no ``nps`` column (the recommend question was not
    asked) the four ``nps*`` keys are left out and ``satisfaction_n`` (the
    1–5 answers) is given instead, so that no report shows an NPS of 0 or n/a.
    """
    ps = period_sales(sales, period)
    cur = _surveys_in(surveys, period)
    asked = surveys is None or surveys.empty or has_nps(surveys)
    r = nps(cur["nps"]) if "nps" in cur else nps([])
    c = csat(cur["satisfaction"]) if "satisfaction" in cur else csat([])
    nan = float("nan")
    comp = complaint_summary(complaints, period, promise_hours) if complaints is not None else {"complaints": nan, "response_over_promise_share": nan}
    out = {
        "revenue": ps.revenue,
        "revenue_prev_year": ps.revenue_prev_year,
        "revenue_yoy": ps.revenue_yoy,
        "orders": ps.orders,
        "active_customers": ps.active_customers,
        "nps": r.nps,
        "nps_ci_low": r.ci_low,
        "nps_ci_high": r.ci_high,
        "nps_n": r.n if surveys is not None else None,  # null: no surveys table; 0: a table without answers in the period
        "satisfaction_mean": c.mean,
        "satisfaction_top2": c.top2,
        "complaints": comp["complaints"],
        "response_over_promise_share": comp["response_over_promise_share"],
    }
    if not asked:
        for key in ("nps", "nps_ci_low", "nps_ci_high", "nps_n"):
            del out[key]
        out["satisfaction_n"] = c.n
    return out


def satisfaction_history(surveys: pd.DataFrame | None, complaints: pd.DataFrame | None, sales: pd.DataFrame,
                         grain: str = "quarter", start_month: int = 1, min_n: int = 30,
                         promise_hours: float = 48, by: str | None = None) -> pd.DataFrame:
    """Per period (and group): NPS with interval and shares, satisfaction mean
    and top-2-box, complaints, complaints per 100 active customers and the
    share of tickets answered later than the promise.

    Missing tables leave their columns NaN. ``reliable`` refers to the NPS n;
    when the surveys have no ``nps`` column (not asked) the NPS columns are
    left out and ``reliable`` refers to the satisfaction n. Without a
    ``first_response_at`` column ``response_over_promise_share`` is NaN (no
    response-time data).
    """
    keys = ["period"] + ([by] if by else [])
    parts = []
    if surveys is not None and len(surveys):
        s = surveys.assign(period=period_labels(surveys["survey_date"], grain, start_month))
        n = nps_table(s, keys, min_n=min_n) if has_nps(s) else None
        sat = s.groupby(keys, observed=True)["satisfaction"].agg(
            satisfaction_mean="mean", satisfaction_top2=lambda x: float(SATISFACTION_SCALE.top(x.dropna()).mean()) if x.notna().any() else float("nan"),
            satisfaction_n="count") if "satisfaction" in s else None
        if n is None and sat is not None:
            sat["reliable"] = sat["satisfaction_n"] >= min_n
        parts.append(n if sat is None else sat if n is None else n.join(sat))
    # distinct customers with a purchase line per period (and group), counted on integer codes
    codes, _ = _codes(sales, "customer_id")
    buy = (sales["amount"].to_numpy() > 0) & (codes >= 0)
    if by and by not in sales:  # no such column: no active customers per group
        buy[:] = False
    columns = {"period": period_labels(sales["order_date"], grain, start_month).array[buy], "code": codes[buy]}
    if by:
        columns[by] = sales[by].array[buy] if by in sales else pd.Series([], dtype="str")
    active = pd.DataFrame(columns)
    act = active.groupby(keys, observed=True)["code"].nunique().rename("active_customers")
    parts.append(act.to_frame())
    if complaints is not None and len(complaints):
        c = complaints.assign(period=period_labels(complaints["opened_at"], grain, start_month))
        # an unanswered ticket counts with its age at the end of its period (as in complaint_summary)
        ends = c["period"].map({lab: Period.parse(lab, start_month).end_exclusive if grain != "month" else pd.Period(lab).end_time.normalize() + pd.Timedelta(days=1)
                                for lab in c["period"].dropna().unique()})
        first = c["first_response_at"] if "first_response_at" in c else pd.Series(pd.NaT, index=c.index)
        hours = (first.fillna(ends) - c["opened_at"]).dt.total_seconds() / 3600
        c = c.assign(late=(hours > promise_hours).astype(float) if has_response_times(c) else np.nan)
        comp = c.groupby(keys, observed=True).agg(complaints=("ticket_id", "size"), response_over_promise_share=("late", "mean"))
        parts.append(comp)
    out = pd.concat(parts, axis=1).sort_index()
    if "complaints" in out:
        out["complaints"] = out["complaints"].fillna(0)
        out["complaints_per_100_customers"] = 100 * out["complaints"] / out["active_customers"]
    return out.reset_index()
