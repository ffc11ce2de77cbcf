"""Revenue, orders and customers per period: history, growth, CAGR, contribution, concentration, revenue split.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from ..periods import Period, period_labels
from .codes import _at, _codes, _dates, _first_purchase_dates, id_column, per_line, with_id_codes


def sales_in(sales: pd.DataFrame, period: Period) -> pd.DataFrame:
    """The order lines dated inside ``period``."""
    return sales.loc[period.contains(sales["order_date"])]


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
    orders, customers = bought[id_column(sales, "order_id")].nunique(), bought[id_column(sales, "customer_id")].nunique()
    out = pd.concat([revenue, orders.rename("orders"), customers.rename("customers")], axis=1)
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
