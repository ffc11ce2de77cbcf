"""Customer and order id codes, first purchases and new-customer flags, on numpy arrays.

The order lines a notebook works on carry the integer codes of their ids as two columns (:func:`with_id_codes`,
added once by :attr:`salesnb.context.StepContext.sales`); every cut of them carries its codes. The functions here read
the codes, or code a frame that has none on the fly. Nothing is cached.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pyarrow as pa

from ..periods import period_index


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


def factorize_values(values: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """``pd.factorize(values)``: codes in order of first appearance (−1 for blank) and the distinct values.

    A text column held by Arrow is encoded by Arrow itself, chunk after chunk into one dictionary
    (``pyarrow.compute.dictionary_encode``): pandas factorized each chunk apart and then unified their
    dictionaries (twice the time at 10M order ids in 84 chunks), and making one chunk first copied the column.
    At 10M order ids: 4.3 s and 1.2 GB at the peak through pandas, 3.2 s and 0.96 GB here. Same codes, same
    values (tested against ``pd.factorize``).

    Examples
    --------
    >>> codes, uniques = factorize_values(pd.Series(["b", None, "a", "b"], dtype="str"))
    >>> codes.tolist(), uniques.tolist()
    ([0, -1, 1, 0], ['b', 'a'])
    """
    array = values.array
    if not isinstance(array, pd.arrays.ArrowStringArray):
        return pd.factorize(values)
    import pyarrow.compute as pc

    encoded = pc.dictionary_encode(array.__arrow_array__())  # one dictionary shared by every chunk
    codes = np.empty(len(values), dtype=np.intp)
    at = 0
    for chunk in encoded.chunks:
        codes[at:at + len(chunk)] = chunk.indices.fill_null(-1).to_numpy()
        at += len(chunk)
    dictionary = encoded.chunks[0].dictionary if encoded.num_chunks else pa.array([], type=encoded.type.value_type)
    return codes, pd.Index(pd.array(dictionary, dtype=values.dtype))


def _code_column(sales: pd.DataFrame, column: str) -> np.ndarray | None:
    """The frame's integer codes of ``column`` (−1 for blank) from its code column, or None without one."""
    coded = ID_CODE_COLUMNS.get(column)
    if coded is None or coded not in sales:
        return None
    values = sales[coded].to_numpy()
    if values.dtype.kind == "f":
        return np.where(np.isnan(values), -1, values).astype("int64")
    return values.astype("int64", copy=False)


def _count(codes: np.ndarray) -> int:
    """How many codes a per-code array needs (the largest code + 1)."""
    top = int(codes.max()) if len(codes) else -1
    return top + 1 if top >= 0 else 0


def _factorized(sales: pd.DataFrame, column: str) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes of ``sales[column]`` (−1 for blank) and the id of each code.

    From the frame's code column (:func:`with_id_codes`) when it has one — the numbering is then the whole
    table's, and ids of codes the frame does not contain are ``None``; only one line per code is read for its id —
    else ``pd.factorize`` of the ids.
    """
    codes = _code_column(sales, column)
    if codes is None:
        codes, uniques = factorize_values(sales[column])
        return codes, np.asarray(uniques, dtype=object)
    line_of = np.full(_count(codes), -1, dtype="int64")
    rows = np.flatnonzero(codes >= 0)
    line_of[codes[rows]] = rows  # a line of each code (any: they hold the same id)
    present = line_of >= 0
    uniques = np.full(len(line_of), None, dtype=object)
    uniques[present] = sales[column].iloc[line_of[present]].to_numpy(dtype=object)
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
    wanted = {name: column for column, name in ID_CODE_COLUMNS.items() if column in sales and name not in sales}
    if not wanted:
        return sales

    def coded(column: str) -> np.ndarray:
        codes, _ = factorize_values(sales[column])  # the codes only: no Python object per distinct id
        return codes if (codes >= 0).all() else np.where(codes >= 0, codes, np.nan)

    if len(wanted) > 1 and len(sales) >= PARALLEL_CODING_LINES:  # Arrow hashes without the GIL: both ids at once
        with ThreadPoolExecutor(max_workers=len(wanted)) as pool:
            return sales.assign(**dict(zip(wanted, pool.map(coded, wanted.values()))))
    return sales.assign(**{name: coded(column) for name, column in wanted.items()})


#: From this many lines :func:`with_id_codes` codes the two ids in two threads (at 10M lines 4.5 s → 1.7 s).
PARALLEL_CODING_LINES = 1_000_000


#: Text columns of the order lines with few distinct values: a notebook holds them as categories (at 10M lines
#: regions and product lines took 390 MB of a kernel's 950 MB of order lines as texts, 20 MB as categories).
CATEGORY_COLUMNS = ("region", "product_line")


def with_categories(sales: pd.DataFrame, columns: tuple[str, ...] = CATEGORY_COLUMNS) -> pd.DataFrame:
    """``sales`` with ``columns`` as categoricals whose categories are in the texts' own sort order, so that
    every sort, group and comparison gives what the texts give. Columns already categorical, or absent, are
    left as they are.

    Examples
    --------
    >>> s = with_categories(pd.DataFrame({"region": pd.array(["West", "East", None, "West"], dtype="str")}))
    >>> s["region"].cat.categories.tolist(), int(s["region"].isna().sum())
    (['East', 'West'], 1)
    """
    changed = {}
    for column in columns:
        if column in sales and not isinstance(sales[column].dtype, pd.CategoricalDtype):
            values = sales[column]
            categories = np.sort(values.dropna().unique().astype(object)) if len(values) else []
            changed[column] = pd.Categorical(values, categories=pd.Index(categories, dtype=values.dtype))
    return sales.assign(**changed) if changed else sales


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
    """Integer codes (−1 for blank) of ``sales[column]`` and how many codes a per-code array needs
    (read from the code column when the frame has one: no hashing, no ids)."""
    codes = _code_column(sales, column)
    if codes is None:
        codes, uniques = factorize_values(sales[column])
        return codes, len(uniques)
    return codes, _count(codes)


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


def first_purchases_in(sales: pd.DataFrame, edges: list[pd.Timestamp]) -> list[int]:
    """How many customers made their first purchase (``amount > 0``) in each window ``[edges[i], edges[i + 1])``:
    :func:`first_purchase` counted, without the customers' ids.

    >>> s = pd.DataFrame({"customer_id": ["a", "a", "b", "c"], "amount": [5.0, 7.0, 3.0, -1.0],
    ...                   "order_date": pd.to_datetime(["2025-03-01", "2025-01-05", "2025-02-01", "2025-01-09"])})
    >>> first_purchases_in(s, [pd.Timestamp("2025-01-01"), pd.Timestamp("2025-02-01"), pd.Timestamp("2025-03-01")])
    [1, 1]
    """
    first = _first_purchase_dates(sales)
    return [int(((first >= _at(lo)) & (first < _at(hi))).sum()) for lo, hi in zip(edges[:-1], edges[1:])]


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


def _last_purchases(sales: pd.DataFrame, before: pd.Timestamp) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Each line's customer code and date, which lines are purchases (``amount > 0``) of a known customer dated
    before ``before``, and per customer code the date of its last such purchase (NaT without one)."""
    codes, n = _codes(sales, "customer_id")
    dates = _dates(sales)
    buy = (sales["amount"].to_numpy() > 0) & (codes >= 0) & (dates < _at(before))
    last = np.full(n, np.iinfo(np.int64).min, dtype="int64")  # NaT's integer until a purchase is seen
    np.maximum.at(last, codes[buy], dates[buy].view("int64"))
    return codes, dates, buy, last.view(dates.dtype)


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
    same = (period_index(first, grain, start_month) == period_index(dates, grain, start_month)) & ~np.isnat(first) & ~np.isnat(dates)
    return pd.Series(np.where(same, "new", "existing"), index=sales.index, name="customer_type")


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
    """Distinct orders per customer code among the lines of ``mask`` (lines with a customer; blank order ids not
    counted).

    Worked out on those lines only: when each of their orders is one customer's, each order is counted once for
    its customer, else each distinct (customer, order) pair is counted — the same count either way. (It used to
    check every line of the table for an order of two customers on each call: at 10M lines, 0.1 s a call, and
    step 1 asks for retention about thirty times.)
    """
    orders, n_orders = _codes(sales, "order_id")
    counted = mask & (orders >= 0)
    order, customer = orders[counted], codes[counted]
    owner = np.full(n_orders, -1, dtype="int64")
    owner[order] = customer
    if (owner[order] == customer).all():
        return np.bincount(owner[owner >= 0], minlength=n)
    pair = customer.astype("int64") * n_orders + order  # distinct (customer, order) pairs
    return np.bincount(np.unique(pair) // max(n_orders, 1), minlength=n)
