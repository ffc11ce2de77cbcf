"""Sales and satisfaction metrics on tidy DataFrames.

Every function takes DataFrames with contract column names (see
:mod:`salesnb.schemas`) and returns a number, a small frozen dataclass or a
DataFrame. Definitions are the framework's (``docs/metrics.md``).
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from .scales import NPS_SCALE, SATISFACTION_SCALE
from .periods import Period, period_labels

__all__ = [
    "NPSResult",
    "nps",
    "nps_table",
    "CSATResult",
    "csat",
    "csat_table",
    "sales_history",
    "sales_in",
    "period_sales",
    "PeriodSales",
    "new_customer_flags",
    "first_purchase",
    "customer_codes",
    "bought_between",
    "per_line",
    "select_rows",
    "orders_per_customer",
    "with_id_codes",
    "id_column",
    "ID_CODE_COLUMNS",
    "first_date",
    "response_hours",
    "complaint_summary",
    "Z95",
    "headline",
    "nps_history",
    "revenue_split",
    "new_customers",
    "response_table",
    "category_shares",
    "share_table",
    "purchases",
    "retention",
    "RetentionResult",
    "customer_status",
    "CUSTOMER_STATUSES",
    "with_growth",
    "cagr",
    "CAGRResult",
    "contribution",
    "concentration",
    "Concentration",
    "satisfaction_history",
    "has_nps",
    "score_column",
    "has_response_times",
    "has_delivery",
    "DELIVERY_STATUSES",
    "data_end",
    "delivery_orders",
    "delivery_kpis",
    "delivery_summary",
    "delivery_history",
]

Z95 = 1.959963984540054


@dataclass(frozen=True)
class NPSResult:
    """NPS with its 95 % interval and the three shares.

    ``nps``, ``ci_low`` and ``ci_high`` are on the −100…100 scale; shares are
    0…1; ``n`` counts valid answers (blanks excluded).
    """

    nps: float
    ci_low: float
    ci_high: float
    se: float
    n: int
    promoters: float
    passives: float
    detractors: float

    def as_dict(self) -> dict:
        return asdict(self)


def nps(scores: pd.Series | np.ndarray | list) -> NPSResult:
    """Net Promoter Score of 0–10 answers with its 95 % interval.

    NPS = 100·(p_P − p_D); SE = 100·sqrt((p_P + p_D − (p_P − p_D)²)/n); the
    interval is NPS ± 1.96·SE, clipped to −100…100. Blank answers are
    excluded; with no answers every field is NaN and ``n`` is 0.

    Examples
    --------
    >>> r = nps([10, 9, 8, 7, 6, 0, 10, 10, 5, 9])
    >>> r.nps, r.n
    (20.0, 10)
    """
    s = pd.to_numeric(pd.Series(scores, dtype="float64"), errors="raise").dropna()
    n = int(s.size)
    if n == 0:
        nan = float("nan")
        return NPSResult(nan, nan, nan, nan, 0, nan, nan, nan)
    p_p = float(NPS_SCALE.top(s).mean())
    p_d = float(NPS_SCALE.bottom(s).mean())
    value = 100 * (p_p - p_d)
    se = 100 * math.sqrt(max(p_p + p_d - (p_p - p_d) ** 2, 0.0) / n)
    return NPSResult(
        nps=value,
        ci_low=max(-100.0, value - Z95 * se),
        ci_high=min(100.0, value + Z95 * se),
        se=se,
        n=n,
        promoters=p_p,
        passives=1 - p_p - p_d,
        detractors=p_d,
    )


def nps_table(surveys: pd.DataFrame, by: str | list[str], min_n: int = 30, score: str = "nps") -> pd.DataFrame:
    """NPS per group with interval, shares, ``n`` and a ``reliable`` flag.

    Groups with fewer than ``min_n`` answers keep their ``n`` but have
    ``reliable = False``; reports show them as "too few answers".

    Examples
    --------
    >>> df = pd.DataFrame({"region": ["A", "A", "B"], "nps": [10, 0, 9]})
    >>> nps_table(df, "region", min_n=2)[["nps", "n", "reliable"]].to_dict("list")
    {'nps': [0.0, 100.0], 'n': [2, 1], 'reliable': [True, False]}
    """
    by = [by] if isinstance(by, str) else list(by)
    rows = []
    for key, group in surveys.groupby(by, sort=True, dropna=False, observed=True):
        key = key if isinstance(key, tuple) else (key,)
        r = nps(group[score])
        rows.append({**dict(zip(by, key)), **r.as_dict()})
    cols = by + list(NPSResult.__dataclass_fields__)
    out = pd.DataFrame(rows, columns=cols)
    out["reliable"] = out["n"] >= min_n
    return out.set_index(by)


@dataclass(frozen=True)
class CSATResult:
    """Mean and top-2-box of a 1–5 score."""

    mean: float
    top2: float
    n: int

    def as_dict(self) -> dict:
        return asdict(self)


def csat(scores: pd.Series | list) -> CSATResult:
    """Mean and top-2-box (share of 4 or 5) of 1–5 answers, blanks excluded.

    Examples
    --------
    >>> csat([5, 4, 3, None]).top2
    0.6666666666666666
    """
    s = pd.Series(scores, dtype="float64").dropna()
    if s.empty:
        return CSATResult(float("nan"), float("nan"), 0)
    return CSATResult(float(s.mean()), float(SATISFACTION_SCALE.top(s).mean()), int(s.size))


def csat_table(surveys: pd.DataFrame, columns: list[str], by: str | list[str] | None = None, min_n: int = 30) -> pd.DataFrame:
    """Mean, top-2-box and n of each 1–5 column, overall or per group (long format).

    Returns one row per (group…, dimension) with ``mean``, ``top2``, ``n`` and
    ``reliable``.
    """
    by = [] if by is None else ([by] if isinstance(by, str) else list(by))
    groups = surveys.groupby(by, sort=True, dropna=False, observed=True) if by else [((), surveys)]
    rows = []
    for key, group in groups:
        key = key if isinstance(key, tuple) else (key,)
        for col in columns:
            r = csat(group[col]) if col in group else CSATResult(float("nan"), float("nan"), 0)
            rows.append({**dict(zip(by, key)), "dimension": col, **r.as_dict()})
    out = pd.DataFrame(rows, columns=by + ["dimension", "mean", "top2", "n"])
    out["reliable"] = out["n"] >= min_n
    return out


def sales_in(sales: pd.DataFrame, period: Period) -> pd.DataFrame:
    """The order lines dated inside ``period``."""
    return sales.loc[period.contains(sales["order_date"])]


# ---- customer and order codes ----------------------------------------------
#
# Retention, new customers and customer status are asked of the same order lines many times per notebook (every
# goal, every bottleneck scope, every history period). Hashing millions of text ids is most of their cost, so the
# order lines a notebook works on carry their ids' integer codes as two columns (``_customer_code``,
# ``_order_code``: :func:`with_id_codes`, added once by :attr:`salesnb.context.StepContext.sales`). Every subset
# of those lines carries its codes with it, whatever took it (``loc``, a boolean mask, :func:`select_rows`); the
# metrics work on the codes as numpy arrays. A frame without the columns (a test's, an analyst's) is coded on
# the fly, each time. Nothing is kept anywhere else: no cache, no memo.

#: Integer columns :func:`with_id_codes` adds (``customer_id`` → ``_customer_code``, ``order_id`` → ``_order_code``).
ID_CODE_COLUMNS = {"customer_id": "_customer_code", "order_id": "_order_code"}


def _factorized(sales: pd.DataFrame, column: str) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes of ``sales[column]`` (−1 for blank) and the id of each code.

    From the frame's code column (:func:`with_id_codes`) when it has one — the numbering is then the whole
    table's, and ids of codes the frame does not contain are ``None`` — else ``pd.factorize`` of the ids.
    """
    coded = ID_CODE_COLUMNS.get(column)
    if coded is None or coded not in sales:
        codes, uniques = pd.factorize(sales[column])
        return codes, np.asarray(uniques, dtype=object)
    values = sales[coded].to_numpy()
    codes = np.where(np.isnan(values), -1, values).astype("int64") if values.dtype.kind == "f" else values.astype("int64")
    valid = codes >= 0
    uniques = np.full(int(codes.max()) + 1 if valid.any() else 0, None, dtype=object)
    uniques[codes[valid]] = sales[column].to_numpy(dtype=object)[valid]
    return codes, uniques


def with_id_codes(sales: pd.DataFrame) -> pd.DataFrame:
    """``sales`` with ``_customer_code`` and ``_order_code``: the integer codes of :func:`customer_codes`
    as columns (NaN for a blank id), so that counting distinct customers or orders per group
    (``nunique``) and any row selection afterwards work on numbers, not millions of texts.
    A frame that already has them is returned as it is.

    Examples
    --------
    >>> s = with_id_codes(pd.DataFrame({"customer_id": ["b", "a", "b"], "order_id": ["1", "2", "3"]}))
    >>> s.groupby("customer_id")["_order_code"].nunique().to_dict()
    {'a': 1, 'b': 2}
    """
    columns = {}
    for column, name in ID_CODE_COLUMNS.items():
        if column in sales and name not in sales:
            codes, _ = _factorized(sales, column)
            columns[name] = codes if (codes >= 0).all() else np.where(codes >= 0, codes, np.nan)
    if not columns:
        return sales
    return sales.assign(**columns)


def id_column(frame: pd.DataFrame, column: str) -> str:
    """``_customer_code``/``_order_code`` when ``frame`` carries the codes of :func:`with_id_codes`, else ``column``."""
    coded = ID_CODE_COLUMNS.get(column)
    return coded if coded in frame else column


def select_rows(sales: pd.DataFrame, mask: pd.Series | np.ndarray) -> pd.DataFrame:
    """``sales.loc[mask]``; ``sales`` itself when the mask keeps every row (no copy of millions of lines).

    The subset carries the id code columns of :func:`with_id_codes` with the parent's numbering (codes of
    customers it does not contain are simply unused).

    Examples
    --------
    >>> s = with_id_codes(pd.DataFrame({"customer_id": ["a", "b", "a"], "amount": [1.0, 2.0, 3.0]}))
    >>> customer_codes(select_rows(s, s["amount"] > 1))[0].tolist()
    [1, 0]
    """
    mask = np.asarray(mask, dtype=bool)
    if mask.all():
        return sales
    return sales.loc[mask]


def _codes(sales: pd.DataFrame, column: str) -> tuple[np.ndarray, int]:
    """Integer codes (−1 for blank) of ``sales[column]`` and the number of distinct values."""
    codes, uniques = _factorized(sales, column)
    return codes, len(uniques)


def _dates(sales: pd.DataFrame, column: str = "order_date") -> np.ndarray:
    """``sales[column]`` as a datetime64 numpy array (NaT for blanks)."""
    col = sales[column]
    if isinstance(col.dtype, pd.DatetimeTZDtype):  # compare on the wall clock, as the naive period bounds are
        col = col.dt.tz_localize(None)
    return col.to_numpy(dtype="datetime64[ns]") if col.dtype.kind != "M" else col.to_numpy()


def _at(ts: pd.Timestamp) -> np.datetime64:
    """``ts`` as a numpy datetime64 (compares exactly with any datetime64 unit)."""
    return pd.Timestamp(ts).to_datetime64()


def first_date(sales: pd.DataFrame, column: str = "order_date") -> pd.Timestamp:
    """The earliest ``sales[column]`` (NaT when empty)."""
    return sales[column].min()


def customer_codes(sales: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Each order line's customer as an integer code (−1 for blank) and the customer id of each code.

    Read from the frame's ``_customer_code`` column when it has one (:func:`with_id_codes`: the customer
    metrics (:func:`retention`, :func:`new_customers`, :func:`bought_between` …) then do not hash the same
    millions of ids again), else worked out from ``customer_id``.

    Examples
    --------
    >>> codes, ids = customer_codes(pd.DataFrame({"customer_id": ["b", "a", "b"]}))
    >>> codes.tolist(), ids.tolist()
    ([0, 1, 0], ['b', 'a'])
    """
    return _factorized(sales, "customer_id")


def bought_between(sales: pd.DataFrame, start: pd.Timestamp | None, end: pd.Timestamp | None) -> np.ndarray:
    """Per customer code (:func:`customer_codes`): whether it has a purchase line (``amount > 0``)
    dated in ``[start, end)`` (``None``: open-ended).

    Examples
    --------
    >>> s = pd.DataFrame({"customer_id": ["a", "b", "b"], "amount": [5.0, -1.0, 2.0],
    ...                   "order_date": pd.to_datetime(["2025-01-05", "2025-02-01", "2024-02-01"])})
    >>> bought_between(s, pd.Timestamp("2025-01-01"), None).tolist()
    [True, False]
    """
    codes, n = _codes(sales, "customer_id")
    dates = _dates(sales)
    mask = (sales["amount"].to_numpy() > 0) & (codes >= 0)
    if start is not None:
        mask &= dates >= _at(start)
    if end is not None:
        mask &= dates < _at(end)
    out = np.zeros(n, dtype=bool)
    out[codes[mask]] = True
    return out


def per_line(values: np.ndarray, sales: pd.DataFrame, fill=False) -> np.ndarray:
    """A per-customer-code array (:func:`customer_codes`) spread onto the order lines (``fill`` for blank customers)."""
    codes, n = _codes(sales, "customer_id")
    if n == 0:
        return np.full(len(codes), fill, dtype=np.asarray(values).dtype)
    return np.where(codes >= 0, values[np.maximum(codes, 0)], fill)


def first_purchase(sales: pd.DataFrame) -> pd.Series:
    """Date of each customer's first purchase line (``amount > 0``), indexed by ``customer_id``;
    customers with no purchase line are left out.

    Examples
    --------
    >>> s = pd.DataFrame({"customer_id": ["a", "a", "b"], "amount": [5.0, 7.0, -2.0],
    ...                   "order_date": pd.to_datetime(["2025-03-01", "2025-01-05", "2025-02-01"])})
    >>> first_purchase(s).dt.strftime("%Y-%m-%d").to_dict()
    {'a': '2025-01-05'}
    """
    _, uniques = _factorized(sales, "customer_id")
    first = _first_purchase_dates(sales)
    keep = ~np.isnat(first)
    return pd.Series(first[keep], index=pd.Index(uniques[keep], name="customer_id"), name="order_date")


def _first_purchase_dates(sales: pd.DataFrame) -> np.ndarray:
    """First purchase date per customer code (NaT for customers with no purchase line)."""
    codes, n = _codes(sales, "customer_id")
    dates = _dates(sales)
    buy = (sales["amount"].to_numpy() > 0) & (codes >= 0) & ~np.isnat(dates)
    nat = np.iinfo(np.int64).min  # NaT's integer
    first = np.full(n, np.iinfo(np.int64).max, dtype="int64")
    np.minimum.at(first, codes[buy], dates[buy].view("int64"))
    first[first == np.iinfo(np.int64).max] = nat
    return first.view(dates.dtype)


def new_customer_flags(sales: pd.DataFrame, grain: str = "quarter", start_month: int = 1) -> pd.Series:
    """Per order line: ``'new'`` when the line falls in the period (of ``grain``)
    of its customer's first-ever purchase (``amount > 0``), else ``'existing'``.

    Examples
    --------
    >>> s = pd.DataFrame({"customer_id": ["a", "a", "b"],
    ...                   "order_date": pd.to_datetime(["2025-01-05", "2025-05-01", "2025-05-02"])})
    >>> new_customer_flags(s).tolist()
    ['new', 'existing', 'new']
    """
    dates = _dates(sales)
    if "amount" in sales:
        first = per_line(_first_purchase_dates(sales), sales, fill=np.datetime64("NaT"))
    else:
        first = sales.groupby("customer_id")["order_date"].transform("min").to_numpy()
    same = (_period_index(first, grain, start_month) == _period_index(dates, grain, start_month)) & ~np.isnat(first) & ~np.isnat(dates)
    return pd.Series(np.where(same, "new", "existing"), index=sales.index, name="customer_type")


def _period_index(dates: np.ndarray, grain: str, start_month: int) -> np.ndarray:
    """Integer index of each date's period (same index ⇔ same :func:`period_labels` label; NaT rows are
    to be masked by the caller)."""
    months = np.asarray(dates).astype("datetime64[M]").astype("int64") - (start_month - 1)  # months since 1970-01, fiscal shift
    return np.floor_divide(months, {"month": 1, "quarter": 3, "year": 12}[grain])


def sales_history(sales: pd.DataFrame, grain: str = "quarter", by: str | list[str] | None = None, start_month: int = 1) -> pd.DataFrame:
    """Revenue, orders, active customers and average order value per period.

    Parameters
    ----------
    sales : DataFrame
        Order lines (``order_id``, ``order_date``, ``customer_id``, ``amount`` …).
    grain : {'month', 'quarter', 'year'}
    by : column name(s), optional
        Extra grouping, e.g. ``"region"`` or ``["region", "product_line"]``.

    Returns
    -------
    DataFrame with ``period`` (and ``by``) columns and ``revenue`` (returns
    included), ``orders`` (distinct order ids with a purchase line),
    ``customers`` (distinct customers with a purchase line), ``aov``
    (revenue / orders).

    Examples
    --------
    >>> s = pd.DataFrame({"order_id": ["1", "1", "2"], "customer_id": ["a", "a", "b"],
    ...                   "order_date": pd.to_datetime(["2025-01-05"] * 2 + ["2025-04-01"]),
    ...                   "amount": [10.0, 5.0, 20.0]})
    >>> sales_history(s)[["period", "revenue", "orders"]].values.tolist()
    [['2025Q1', 15.0, 1], ['2025Q2', 20.0, 1]]
    """
    by = [] if by is None else ([by] if isinstance(by, str) else list(by))
    keyed = sales.assign(period=period_labels(sales["order_date"], grain, start_month))
    keys = ["period", *by]
    revenue = keyed.groupby(keys, sort=True, observed=True)["amount"].sum().rename("revenue")
    bought = keyed.loc[keyed["amount"] > 0].groupby(keys, sort=True, observed=True)
    out = pd.concat([revenue, bought["order_id"].nunique().rename("orders"), bought["customer_id"].nunique().rename("customers")], axis=1)
    out[["orders", "customers"]] = out[["orders", "customers"]].fillna(0).astype(int)
    out = out.reset_index()
    out["aov"] = out["revenue"] / out["orders"].where(out["orders"] > 0)
    return out


@dataclass(frozen=True)
class PeriodSales:
    """Headline sales figures of one period and the same period a year before."""

    period: str
    revenue: float
    revenue_prev_year: float
    revenue_yoy: float
    orders: int
    active_customers: int
    aov: float

    def as_dict(self) -> dict:
        return asdict(self)


def period_sales(sales: pd.DataFrame, period: Period) -> PeriodSales:
    """Revenue (returns included), orders, active customers and YoY growth.

    Orders and active customers count purchase lines only (``amount > 0``): a
    customer that only returned goods in the period is not active.
    ``revenue_yoy`` is NaN when last year's revenue is zero or absent.
    """
    dates, amount = _dates(sales), sales["amount"].to_numpy()
    cur = (dates >= _at(period.start)) & (dates < _at(period.end_exclusive))
    ago = period.year_ago()
    prev = (dates >= _at(ago.start)) & (dates < _at(ago.end_exclusive))
    revenue = float(np.nansum(amount[cur]))  # blanks skipped, as pandas' sum does
    prev_rev = float(np.nansum(amount[prev]))
    bought = cur & (amount > 0)
    orders = _distinct(sales, "order_id", bought)
    return PeriodSales(
        period=str(period),
        revenue=revenue,
        revenue_prev_year=prev_rev if prev.any() else float("nan"),
        revenue_yoy=revenue / prev_rev - 1 if prev_rev > 0 else float("nan"),
        orders=orders,
        active_customers=_distinct(sales, "customer_id", bought),
        aov=revenue / orders if orders else float("nan"),
    )


def _distinct(sales: pd.DataFrame, column: str, mask: np.ndarray) -> int:
    """Distinct non-blank values of ``sales[column]`` on the rows of ``mask``."""
    codes, n = _codes(sales, column)
    seen = np.zeros(n, dtype=bool)
    picked = codes[mask]
    seen[picked[picked >= 0]] = True
    return int(seen.sum())


def response_hours(complaints: pd.DataFrame, as_of: pd.Timestamp | None = None) -> pd.Series:
    """Hours from opening to first response per ticket.

    Tickets not yet answered count up to ``as_of`` (a lower bound on their
    response time), so a ticket silent for three days is late even without a
    response; without ``as_of`` they are NaN.
    """
    if not has_response_times(complaints):  # first responses are not recorded: no response time, not "unanswered"
        return pd.Series(np.nan, index=complaints.index, dtype="float64")
    first = complaints["first_response_at"]
    if as_of is not None:
        first = first.fillna(pd.Timestamp(as_of))
    return (first - complaints["opened_at"]).dt.total_seconds() / 3600


def complaint_summary(complaints: pd.DataFrame, period: Period, promise_hours: float) -> dict:
    """Count, response-over-promise share and median first response of the
    tickets opened in ``period``.

    The share's denominator is every ticket opened in the period; a ticket
    unanswered at the period's end counts as late once it is older than the
    promise. Without a ``first_response_at`` column the share and the median
    are NaN (no response-time data), never "all late".
    """
    cur = complaints.loc[period.contains(complaints["opened_at"])]
    hours = response_hours(cur, as_of=period.end_exclusive)
    timed = len(cur) > 0 and has_response_times(complaints)
    return {
        "complaints": int(len(cur)),
        "response_over_promise_share": float((hours > promise_hours).mean()) if timed else float("nan"),
        "median_first_response_hours": float(hours.median()) if timed else float("nan"),
    }


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


def nps_history(surveys: pd.DataFrame, grain: str = "quarter", by: str | list[str] | None = None,
                start_month: int = 1, min_n: int = 30) -> pd.DataFrame:
    """NPS per period (and group) with interval, shares, n and ``reliable``."""
    by = [] if by is None else ([by] if isinstance(by, str) else list(by))
    keyed = surveys.assign(period=period_labels(surveys["survey_date"], grain, start_month))
    return nps_table(keyed, ["period", *by], min_n=min_n).reset_index()


def revenue_split(sales: pd.DataFrame, period: Period, by: list[str] = ("region", "product_line")) -> pd.DataFrame:
    """Revenue, orders and customers of ``period`` by ``by`` and customer type.

    ``customer_type`` is ``new`` for lines in the period (of the same grain as
    ``period``) holding the customer's first-ever order, else ``existing``.
    """
    # a line of the period is new when its customer's first purchase falls in the period (the flag of
    # new_customer_flags at the period's grain), worked out for the period's lines only
    coded = with_id_codes(sales)
    inside = period.contains(coded["order_date"]).to_numpy()
    first = _first_purchase_dates(coded)
    new_code = (first >= _at(period.start)) & (first < _at(period.end_exclusive))
    cur = coded.loc[inside]
    cur = cur.assign(customer_type=np.where(per_line(new_code, coded)[inside], "new", "existing"))
    keys = [*by, "customer_type"]
    return (
        cur.groupby(keys, sort=True, observed=True)
        .agg(revenue=("amount", "sum"), orders=(id_column(cur, "order_id"), "nunique"), customers=(id_column(cur, "customer_id"), "nunique"))
        .reset_index()
    )


def new_customers(sales: pd.DataFrame, period: Period) -> dict[str, float | int]:
    """Customers whose first-ever order falls in ``period`` and their share of its revenue.

    Examples
    --------
    >>> s = pd.DataFrame({"customer_id": ["a", "a", "b"], "amount": [10.0, 30.0, 60.0],
    ...                   "order_date": pd.to_datetime(["2024-12-01", "2025-01-05", "2025-02-01"])})
    >>> new_customers(s, Period.parse("2025Q1"))
    {'new_customers': 1, 'new_customer_revenue_share': 0.6666666666666666}
    """
    # a customer is new in the period when its first purchase falls inside it; its lines in the period
    # (returns included) are the new customers' revenue
    codes, _ = _codes(sales, "customer_id")
    dates = _dates(sales)
    lo, hi = _at(period.start), _at(period.end_exclusive)
    first = _first_purchase_dates(sales)
    new_code = (first >= lo) & (first < hi)
    mask = (dates >= lo) & (dates < hi)
    amount = sales["amount"].to_numpy()
    is_new = mask & per_line(new_code, sales)
    total = float(np.nansum(amount[mask]))
    return {
        "new_customers": int(new_code.sum()),
        "new_customer_revenue_share": float(np.nansum(amount[is_new])) / total if total > 0 else float("nan"),
    }


def response_table(complaints: pd.DataFrame, by: str | list[str], grain: str = "quarter", start_month: int = 1,
                   promise_hours: float = 48) -> pd.DataFrame:
    """Tickets, median first-response hours and share over the promise per period and group.

    Unanswered tickets count with their age at the end of the data (a lower bound).
    """
    by = [by] if isinstance(by, str) else list(by)
    as_of = complaints["opened_at"].max() if len(complaints) else None
    keyed = complaints.assign(period=period_labels(complaints["opened_at"], grain, start_month),
                              hours=response_hours(complaints, as_of=as_of))
    out = (
        keyed.groupby(["period", *by], sort=True, observed=True)
        .agg(tickets=("ticket_id", "size"), median_hours=("hours", "median"), over_promise=("hours", lambda h: float((h > promise_hours).mean())))
        .reset_index()
    )
    return out


def category_shares(complaints: pd.DataFrame, period: Period, column: str = "category") -> pd.DataFrame:
    """Tickets per category opened in ``period``, largest first, with share and cumulative share."""
    cur = complaints.loc[period.contains(complaints["opened_at"])]
    counts = cur[column].value_counts().rename_axis(column).reset_index(name="tickets")
    counts["share"] = counts["tickets"] / counts["tickets"].sum() if len(counts) else []
    counts["cumulative_share"] = counts["share"].cumsum()
    return counts


def share_table(df: pd.DataFrame, index: str, columns: str, value: str = "revenue") -> pd.DataFrame:
    """``value`` by ``index`` × ``columns`` with a ``total`` column and each row's
    ``share`` of the grand total, largest row first.

    Examples
    --------
    >>> df = pd.DataFrame({"region": ["A", "A", "B"], "customer_type": ["new", "existing", "new"], "revenue": [1.0, 3.0, 6.0]})
    >>> share_table(df, "region", "customer_type").to_dict("index")["A"]
    {'existing': 3.0, 'new': 1.0, 'total': 4.0, 'share': 0.4}
    """
    wide = df.pivot_table(index=index, columns=columns, values=value, aggfunc="sum", fill_value=0.0)
    wide.columns.name = None
    wide["total"] = wide.sum(axis=1)
    grand = wide["total"].sum()
    wide["share"] = wide["total"] / grand if grand else float("nan")
    return wide.sort_values("total", ascending=False)


def purchases(sales: pd.DataFrame) -> pd.DataFrame:
    """Order lines that are purchases (``amount > 0``); returns and zero lines excluded.

    A customer is *active* in a window when it has at least one purchase line
    there: a customer with only returns in a window is not active.
    """
    return sales.loc[sales["amount"] > 0]


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


def orders_per_customer(sales: pd.DataFrame, mask: np.ndarray | pd.Series | None = None) -> np.ndarray:
    """Distinct orders of each customer code (:func:`customer_codes`) among the lines of ``mask`` (all lines by default).

    Examples
    --------
    >>> s = pd.DataFrame({"customer_id": ["a", "a", "b", "a"], "order_id": ["1", "1", "2", "3"]})
    >>> orders_per_customer(s).tolist()
    [2, 1]
    """
    codes, n = _codes(sales, "customer_id")
    mask = np.ones(len(sales), dtype=bool) if mask is None else np.asarray(mask, dtype=bool)
    return _orders_per_customer(sales, mask & (codes >= 0), codes, n)


def _orders_per_customer(sales: pd.DataFrame, mask: np.ndarray, codes: np.ndarray, n: int) -> np.ndarray:
    """Distinct orders per customer code among the lines of ``mask`` (blank order ids not counted)."""
    orders, n_orders = _codes(sales, "order_id")
    owner = _order_customer(orders, n_orders, codes)
    counted = mask & (orders >= 0)
    if owner is not None:  # one customer per order: count each distinct order once for its customer
        seen = np.zeros(n_orders, dtype=bool)
        seen[orders[counted]] = True
        return np.bincount(owner[seen], minlength=n)
    pair = codes[counted].astype("int64") * n_orders + orders[counted]  # distinct (customer, order) pairs
    return np.bincount(np.unique(pair) // max(n_orders, 1), minlength=n)


def _order_customer(orders: np.ndarray, n_orders: int, codes: np.ndarray) -> np.ndarray | None:
    """The customer code of each order code, or None when an order has lines of two customers."""
    owner = np.full(n_orders, -1, dtype="int64")
    valid = orders >= 0
    owner[orders[valid]] = codes[valid]
    return owner if (owner[orders[valid]] == codes[valid]).all() else None


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
    codes, known = customer_codes(sales)
    dates = _dates(sales)
    buy = (sales["amount"].to_numpy() > 0) & (codes >= 0) & (dates < _at(end_ts))
    latest = np.full(len(known), np.iinfo(np.int64).min, dtype="int64")  # NaT until a purchase is seen
    np.maximum.at(latest, codes[buy], dates[buy].view("int64"))
    ids = pd.Index(customers["customer_id"].dropna().unique(), name="customer_id")
    last = pd.Series(latest.view(dates.dtype), index=pd.Index(known, dtype=object)).reindex(ids)
    status = np.select(
        [last >= current_start, last >= base_start, last.notna()],
        ["customer", "lost", "lapsed"],
        default="prospect",
    )
    return pd.Series(status, index=ids, name="status")


# ---- step 1: growth, contribution, concentration, satisfaction per period ----

def with_growth(history: pd.DataFrame, by: str | list[str] | None = None, value: str = "revenue", grain: str = "quarter") -> pd.DataFrame:
    """Add period-over-period (``qoq`` for quarters, ``mom`` for months) and
    year-over-year (``yoy``) growth of ``value`` to a :func:`sales_history` table.

    Growth is NaN where the earlier period is missing or not positive.

    Examples
    --------
    >>> h = pd.DataFrame({"period": ["2024Q1", "2024Q2", "2024Q3", "2024Q4", "2025Q1"], "revenue": [10.0, 20, 20, 40, 15]})
    >>> with_growth(h)[["qoq", "yoy"]].round(2).iloc[-1].tolist()
    [-0.62, 0.5]
    """
    by = [] if by is None else ([by] if isinstance(by, str) else list(by))
    steps = {"month": ("mom", 12), "quarter": ("qoq", 4), "year": (None, 1)}[grain]
    out = history.sort_values([*by, "period"]).copy()
    # index every period on one integer axis so that gaps are not skipped over
    if grain == "quarter":
        idx = out["period"].str[:4].astype(int) * 4 + out["period"].str[-1].astype(int)
    elif grain == "month":
        idx = out["period"].str[:4].astype(int) * 12 + out["period"].str[5:7].astype(int)
    else:
        idx = out["period"].astype(int)
    out["_idx"] = idx
    lookup = out.set_index([*by, "_idx"])[value]

    def lagged(n: int) -> pd.Series:
        keys = list(zip(*[out[b] for b in by], out["_idx"] - n)) if by else list(out["_idx"] - n)
        prev = lookup.reindex(pd.MultiIndex.from_tuples(keys) if by else keys).to_numpy()
        prev = np.where(prev > 0, prev, np.nan)
        return pd.Series(out[value].to_numpy() / prev - 1, index=out.index)

    if steps[0]:
        out[steps[0]] = lagged(1)
    out["yoy"] = lagged(steps[1])
    return out.drop(columns="_idx")


@dataclass(frozen=True)
class CAGRResult:
    """Compound annual growth over the complete years available."""

    cagr: float
    first_year: int | None
    last_year: int | None
    years: int
    requested_years: int

    @property
    def shorter_than_requested(self) -> bool:
        return self.years < self.requested_years

    def as_dict(self) -> dict:
        return {**asdict(self), "shorter_than_requested": self.shorter_than_requested}


def cagr(sales: pd.DataFrame, last_year: int, years: int = 3, start_month: int = 1) -> CAGRResult:
    """CAGR of revenue over up to ``years`` complete years ending with ``last_year``.

    Uses the complete (fiscal) years present in the data; with fewer than
    ``years`` available it uses what there is and ``shorter_than_requested``
    is True. CAGR = (R_last / R_first)^(1/(n−1)) − 1 over n years.

    Examples
    --------
    >>> s = pd.DataFrame({"amount": [100.0, 121.0], "order_date": pd.to_datetime(["2023-01-05", "2025-12-01"])})
    >>> r = cagr(s, 2025)
    >>> round(r.cagr, 4), r.years
    (0.1, 3)
    """
    first_date = sales["order_date"].min()
    # a year counts when the data starts in or before its first month
    data_start = pd.Timestamp(first_date.year, first_date.month, 1)
    available = [y for y in range(last_year - years + 1, last_year + 1) if Period(y, None, start_month).start >= data_start]
    if len(available) < 2:
        return CAGRResult(float("nan"), available[0] if available else None, last_year, len(available), years)
    totals = {y: float(sales_in(sales, Period(y, None, start_month))["amount"].sum()) for y in (available[0], available[-1])}
    n = len(available)
    value = (totals[available[-1]] / totals[available[0]]) ** (1 / (n - 1)) - 1 if totals[available[0]] > 0 else float("nan")
    return CAGRResult(value, available[0], available[-1], n, years)


def contribution(sales: pd.DataFrame, period: Period, by: str) -> pd.DataFrame:
    """Each group's revenue, share of revenue, growth and share of the growth
    (period vs the same period a year earlier): who drove the change.

    ``growth_share`` = the group's change ÷ the total change; it can be negative
    or above 1 when groups move in opposite directions.

    Examples
    --------
    >>> s = pd.DataFrame({"region": ["A", "B", "A", "B"], "amount": [10.0, 10, 16, 12],
    ...                   "order_date": pd.to_datetime(["2024-02-01", "2024-02-01", "2025-02-01", "2025-02-01"])})
    >>> contribution(s, Period.parse("2025Q1"), "region")["growth_share"].round(2).tolist()
    [0.75, 0.25]
    """
    cur = sales_in(sales, period).groupby(by, observed=True)["amount"].sum()
    prev = sales_in(sales, period.year_ago()).groupby(by, observed=True)["amount"].sum()
    out = pd.DataFrame({"revenue": cur, "revenue_prev_year": prev}).fillna(0.0)
    out["share"] = out["revenue"] / out["revenue"].sum() if out["revenue"].sum() else float("nan")
    out["growth"] = (out["revenue"] / out["revenue_prev_year"].where(out["revenue_prev_year"] > 0)) - 1
    change = out["revenue"] - out["revenue_prev_year"]
    total_change = change.sum()
    out["change"] = change
    out["growth_share"] = change / total_change if total_change else float("nan")
    out.index.name = by
    return out.sort_values("revenue", ascending=False).reset_index()


@dataclass(frozen=True)
class Concentration:
    """How concentrated revenue is among customers."""

    customers: int
    top_n: int
    top_n_share: float
    customers_for_80: int
    share_of_customers_for_80: float

    def as_dict(self) -> dict:
        return asdict(self)


def concentration(sales: pd.DataFrame, period: Period, top_n: int = 10) -> Concentration:
    """Top-``top_n`` customers' revenue share and the customer Pareto: the
    fewest customers whose revenue reaches 80 % of the period's total.

    Only customers with positive net revenue are ranked.

    Examples
    --------
    >>> s = pd.DataFrame({"customer_id": list("abcde"), "amount": [50.0, 30, 10, 5, 5],
    ...                   "order_date": pd.to_datetime(["2025-01-05"] * 5)})
    >>> c = concentration(s, Period.parse("2025Q1"), top_n=1)
    >>> c.top_n_share, c.customers_for_80
    (0.5, 2)
    """
    rev = sales_in(sales, period).groupby("customer_id")["amount"].sum()
    rev = rev[rev > 0].sort_values(ascending=False)
    total = rev.sum()
    if total <= 0:
        return Concentration(0, top_n, float("nan"), 0, float("nan"))
    cum = rev.cumsum() / total
    k = int((cum < 0.8 - 1e-12).sum()) + 1
    return Concentration(int(len(rev)), top_n, float(rev.head(top_n).sum() / total), k, k / len(rev))


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


# ---- what a workspace measures: the recommend question, response times, deliveries ----

def has_nps(surveys: pd.DataFrame | None) -> bool:
    """Whether the surveys asked the 0–10 recommend question (an ``nps`` column exists).

    A column with blank cells means "asked, not answered"; no column means the
    question was not asked, and reports use the 1–5 satisfaction score instead.

    Examples
    --------
    >>> has_nps(pd.DataFrame({"satisfaction": [5]})), has_nps(pd.DataFrame({"nps": [None]}))
    (False, True)
    """
    return surveys is not None and "nps" in surveys.columns


def score_column(surveys: pd.DataFrame | None) -> str | None:
    """The survey outcome the analysis uses: ``nps`` when asked, else ``satisfaction`` (1–5), else None.

    Examples
    --------
    >>> score_column(pd.DataFrame({"nps": [9], "satisfaction": [4]})), score_column(pd.DataFrame({"satisfaction": [4]}))
    ('nps', 'satisfaction')
    """
    if has_nps(surveys):
        return "nps"
    return "satisfaction" if surveys is not None and "satisfaction" in surveys.columns else None


def has_response_times(complaints: pd.DataFrame | None) -> bool:
    """Whether the complaints record first responses (a ``first_response_at`` column exists)."""
    return complaints is not None and "first_response_at" in complaints.columns


def has_delivery(sales: pd.DataFrame | None) -> bool:
    """Whether the order lines carry a promised and an actual delivery day (``promised_date`` and ``delivered_date``)
    with at least one promise.

    Examples
    --------
    >>> has_delivery(pd.DataFrame({"promised_date": pd.to_datetime(["2025-01-05"]), "delivered_date": [pd.NaT]}))
    True
    """
    return sales is not None and {"promised_date", "delivered_date"} <= set(sales.columns) and bool(sales["promised_date"].notna().any())


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
