"""Planning periods: quarters (``2025Q4``) and years (``2025``).

A :class:`Period` knows its first and last day under a fiscal calendar whose
year starts in ``start_month`` (1 = calendar year). A fiscal year is named by
the calendar year in which it *starts*: with ``start_month=4``, ``2025`` runs
2025-04-01 … 2026-03-31 and ``2025Q1`` is April–June 2025.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import partial

import numpy as np
import pandas as pd
import pyarrow as pa

__all__ = ["Period", "parse_period", "PERIOD_PATTERN", "latest_complete_quarter", "latest_complete_period", "PeriodChoice", "period_labels",
           "period_index", "period_index_label"]

PERIOD_PATTERN = re.compile(r"^(?P<year>\d{4})(Q(?P<q>[1-4]))?$")
YEARS = (1900, 2099)
"""The years a period may name (pandas timestamps and the data contract's dates stay within them)."""


@dataclass(frozen=True, order=True)
class Period:
    """A fiscal quarter or year.

    Examples
    --------
    >>> p = Period.parse("2025Q4")
    >>> p.start.date(), p.end.date()
    (datetime.date(2025, 10, 1), datetime.date(2025, 12, 31))
    >>> str(p.previous()), str(p.year_ago())
    ('2025Q3', '2024Q4')
    """

    year: int
    quarter: int | None = None
    start_month: int = 1

    @classmethod
    def parse(cls, text: str, start_month: int = 1) -> "Period":
        """Parse ``YYYY`` or ``YYYYQn``; anything else is a ``ValueError``."""
        if not isinstance(text, str):
            text = str(text)
        m = PERIOD_PATTERN.match(text.strip().upper()) if len(text) <= 10 else None
        if m is None:
            raise ValueError(f"period {text!r} is not of the form YYYY or YYYYQn (e.g. 2025 or 2025Q4)")
        if not YEARS[0] <= int(m.group("year")) <= YEARS[1]:
            raise ValueError(f"period {text!r}: the year {m.group('year')} is outside {YEARS[0]}–{YEARS[1]}, the years salesnb plans for")
        if not 1 <= start_month <= 12:
            raise ValueError(f"fiscal start month {start_month} is not within 1..12")
        q = m.group("q")
        return cls(int(m.group("year")), int(q) if q else None, start_month)

    @property
    def is_quarter(self) -> bool:
        return self.quarter is not None

    @property
    def months(self) -> int:
        return 3 if self.is_quarter else 12

    @property
    def start(self) -> pd.Timestamp:
        first = pd.Timestamp(year=self.year, month=self.start_month, day=1)
        if self.is_quarter:
            first = first + pd.DateOffset(months=3 * (self.quarter - 1))
        return first

    @property
    def end_exclusive(self) -> pd.Timestamp:
        return self.start + pd.DateOffset(months=self.months)

    @property
    def end(self) -> pd.Timestamp:
        """Last day of the period (midnight)."""
        return self.end_exclusive - pd.Timedelta(days=1)

    def shift(self, n: int) -> "Period":
        """The period ``n`` steps later (negative: earlier), same grain."""
        if self.is_quarter:
            idx = self.year * 4 + (self.quarter - 1) + n
            return Period(idx // 4, idx % 4 + 1, self.start_month)
        return Period(self.year + n, None, self.start_month)

    def previous(self) -> "Period":
        return self.shift(-1)

    def year_ago(self) -> "Period":
        return self.shift(-4 if self.is_quarter else -1)

    def contains(self, dates: pd.Series) -> pd.Series:
        """Boolean mask of ``dates`` falling inside the period (any time of day)."""
        return (dates >= self.start) & (dates < self.end_exclusive)

    def quarters(self) -> list["Period"]:
        """The quarters of this period (itself when it is a quarter)."""
        if self.is_quarter:
            return [self]
        return [Period(self.year, q, self.start_month) for q in range(1, 5)]

    def __str__(self) -> str:
        return f"{self.year}Q{self.quarter}" if self.is_quarter else f"{self.year}"

    @classmethod
    def of(cls, date: pd.Timestamp, grain: str = "quarter", start_month: int = 1) -> "Period":
        """The period of ``grain`` ('quarter' or 'year') containing ``date``."""
        date = pd.Timestamp(date)
        months_in = (date.year * 12 + date.month - 1) - (start_month - 1)
        fy, m = divmod(months_in, 12)
        if grain == "year":
            return cls(fy, None, start_month)
        if grain == "quarter":
            return cls(fy, m // 3 + 1, start_month)
        raise ValueError(f"grain {grain!r} must be 'quarter' or 'year'")


def parse_period(text: str, start_month: int = 1) -> Period:
    """Shorthand for :meth:`Period.parse`."""
    return Period.parse(text, start_month)


def latest_complete_quarter(last_date: pd.Timestamp, start_month: int = 1) -> Period:
    """The last quarter that ends on or before ``last_date``.

    Examples
    --------
    >>> str(latest_complete_quarter(pd.Timestamp("2025-12-31")))
    '2025Q4'
    >>> str(latest_complete_quarter(pd.Timestamp("2025-12-30")))
    '2025Q3'
    """
    q = Period.of(last_date, "quarter", start_month)
    return q if q.end <= pd.Timestamp(last_date).normalize() else q.previous()


@dataclass(frozen=True)
class PeriodChoice:
    """The default report period and the dates it was chosen from (see :func:`latest_complete_period`).

    Attributes
    ----------
    period : Period
        The latest complete quarter with data.
    last_date : pd.Timestamp
        The last date of the data that counts: rows after it (future-dated, or
        a few stray rows in otherwise empty trailing quarters) are left out.
    ignored : int
        Rows left out (dated after ``today`` or in sparse trailing quarters).
    first_ignored : pd.Timestamp or None
        The earliest of them.
    """

    period: Period
    last_date: pd.Timestamp
    ignored: int = 0
    first_ignored: pd.Timestamp | None = None


def latest_complete_period(dates: pd.Series, today: date | pd.Timestamp | None = None, start_month: int = 1,
                           min_share: float = 0.1) -> PeriodChoice:
    """The latest complete quarter **with data**, ignoring future-dated and stray trailing rows.

    Rows dated after ``today`` are left out. Then trailing quarters holding
    fewer than ``min_share`` of the median rows per quarter (a single mistyped
    year, ``2026-09-15`` in data ending 2025-12-31) are left out too; the last
    date of what remains decides the latest complete quarter (as
    :func:`latest_complete_quarter`). A quarter in the middle of the data is
    never skipped, however quiet.

    Parameters
    ----------
    dates : Series
        Event dates (``order_date``); NaT is ignored.
    today : date, optional
        The day of the run; rows after it are future-dated.
    start_month : int
        First month of the fiscal year.
    min_share : float
        A trailing quarter with fewer rows than this share of the median
        quarter's rows does not count as data.

    Returns
    -------
    PeriodChoice

    Raises
    ------
    ValueError
        No dated row on or before ``today``.

    Examples
    --------
    >>> d = pd.Series(pd.date_range("2025-01-01", "2025-12-31", freq="D").append(pd.DatetimeIndex(["2026-09-15", "2027-01-01"])))
    >>> c = latest_complete_period(d, today=date(2026, 12, 6))
    >>> str(c.period), c.last_date.date(), c.ignored, c.first_ignored.date()
    ('2025Q4', datetime.date(2025, 12, 31), 2, datetime.date(2026, 9, 15))
    """
    values = pd.to_datetime(pd.Series(dates)).dropna()
    if getattr(values.dt, "tz", None) is not None:
        values = values.dt.tz_localize(None)
    kept = values if today is None else values[values < pd.Timestamp(today) + pd.Timedelta(days=1)]
    if kept.empty:
        raise ValueError("no dated row on or before the day of the run: there is no period to report")
    labels = period_labels(kept, "quarter", start_month)
    counts = labels.value_counts()
    floor = min_share * float(counts.median())
    order = sorted(counts.index, key=lambda label: Period.parse(label, start_month))
    while len(order) > 1 and counts[order[-1]] < floor:
        order.pop()
    last = kept[labels == order[-1]].max()
    late = values[values > last]
    return PeriodChoice(latest_complete_quarter(last, start_month), last, int(len(late)), late.min() if len(late) else None)


def period_index(dates: np.ndarray, grain: str = "quarter", start_month: int = 1) -> np.ndarray:
    """The number of each date's period, counted from year 0: equal numbers ⇔ equal :func:`period_labels`, and
    their order is the periods' order. NaT dates get a meaningless number: mask them.

    Examples
    --------
    >>> k = period_index(np.array(["2025-03-31", "2025-04-01"], dtype="datetime64[D]"))
    >>> [period_index_label(int(x), "quarter") for x in k]
    ['2025Q1', '2025Q2']
    """
    months = np.asarray(dates).astype("datetime64[M]").astype("int64") + 1970 * 12  # months since year 0
    if grain == "month":
        return months
    if grain not in ("quarter", "year"):
        raise ValueError(f"grain {grain!r} must be 'month', 'quarter' or 'year'")
    return np.floor_divide(months - (start_month - 1), 12 if grain == "year" else 3)  # shifted to the fiscal year


def period_index_label(k: int, grain: str = "quarter") -> str:
    """The label (``'2025Q4'``, ``'2025'`` or ``'2025-12'``) of period number ``k`` of :func:`period_index`.

    >>> period_index_label(8103), period_index_label(24311, "month")
    ('2025Q4', '2025-12')
    """
    k = int(k)
    if grain == "month":
        return f"{k // 12:04d}-{k % 12 + 1:02d}"
    return str(k) if grain == "year" else f"{k // 4}Q{k % 4 + 1}"


def period_labels(dates: pd.Series, grain: str = "quarter", start_month: int = 1) -> pd.Series:
    """Vectorised period label (``'2025Q4'``, ``'2025'`` or ``'2025-12'``) of each date.

    Examples
    --------
    >>> period_labels(pd.Series(pd.to_datetime(["2025-03-31", "2025-04-01"]))).tolist()
    ['2025Q1', '2025Q2']
    >>> period_labels(pd.Series(pd.to_datetime(["2025-03-31"])), "quarter", start_month=4).tolist()
    ['2024Q4']
    """
    if grain not in ("month", "quarter", "year"):
        raise ValueError(f"grain {grain!r} must be 'month', 'quarter' or 'year'")
    dates = pd.to_datetime(dates)
    if not isinstance(dates, pd.Series):
        dates = pd.Series(dates)
    if getattr(dates.dt, "tz", None) is not None:
        dates = dates.dt.tz_localize(None)
    values = dates.to_numpy()
    nat = np.isnat(values)
    key = period_index(values, grain, start_month)
    name = partial(period_index_label, grain=grain)
    # a label per distinct period (a few dozen), spread onto the rows with Arrow's take
    valid = key[~nat]
    lo = int(valid.min()) if len(valid) else 0
    span = int(valid.max()) - lo + 1 if len(valid) else 1
    if span <= 1_000_000:
        index = np.where(nat, 0, key - lo)
        labels = [name(lo + k) for k in range(span)]
    else:  # dates centuries apart: label only the periods present
        uniq, index = np.unique(np.where(nat, lo, key), return_inverse=True)
        labels = [name(int(k)) for k in uniq]
    taken = pa.array(labels, type=pa.string()).take(pa.array(index.astype("int64"), mask=nat))
    out = taken.to_pandas(types_mapper={pa.string(): pd.StringDtype("pyarrow", na_value=np.nan)}.get)
    return pd.Series(out.array, index=dates.index, name=dates.name)
