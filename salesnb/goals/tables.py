"""The tables step 1 reads (:class:`Tables`) and how they are cut: by scope, at a period's end, by time window.

Here: the :class:`Tables` bundle (``sales``, ``surveys``, ``complaints`` and the
settings that go with them), its scoped cuts, :func:`until`, the trailing-twelve-month
windows and :func:`last_complete_year`. Not here: any metric computed from them
(:mod:`salesnb.goals.values` and the modules beside it).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from .. import metrics as m
from ..periods import Period


CUT_LINES_KEPT = 1.0
"""The scoped cuts a :class:`Tables` keeps hold at most this many times its own order lines (the least recently
asked cut goes first): a notebook that asks many scopes holds at most one more copy of the lines. Half a copy
was tried: the goal checks and the goal outlook ask the same five or six scopes twice in the same order, the
worst order for dropping the least recent, and at 10M lines cutting again cost more time than the 0.3 GB saved."""


@dataclass(frozen=True)
class Tables:
    """The workspace tables step 1 reads (optional ones may be None)."""

    sales: pd.DataFrame
    surveys: pd.DataFrame | None = None
    complaints: pd.DataFrame | None = None
    window_months: int = 12
    promise_hours: float = 48.0
    start_month: int = 1
    _cuts: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    @classmethod
    def of(cls, ctx) -> "Tables":
        """The tables of a notebook's :class:`~salesnb.context.StepContext`, cut at the end of its period."""
        full = cls(ctx.sales, ctx.surveys, ctx.complaints, ctx.config.retention.window_months,
                   ctx.config.thresholds.response_promise_hours, ctx.period.start_month)
        return until(full, ctx.period)

    @cached_property
    def data_start(self) -> pd.Timestamp:
        """First day of the month of the first sale (worked out once: goal checks ask it a hundred times)."""
        first = m.first_date(self.sales)
        return pd.Timestamp(first.year, first.month, 1)

    def covers(self, period: Period) -> bool:
        """Whether the sales data starts in or before the first month of ``period``
        (a period the data starts inside of would look smaller than it was)."""
        return len(self.sales) > 0 and period.start >= self.data_start

    def months_of_history(self) -> int:
        """Whole months from the first sale's month to the last sale."""
        last = self.sales["order_date"].max()
        return (last.year - self.data_start.year) * 12 + last.month - self.data_start.month + 1

    def scoped(self, scope: Mapping[str, str | Sequence[str]]) -> "Tables":
        """The same tables filtered to ``scope``: a column → one value or a list of
        values (tables without the column are left out)."""
        def cut(df):
            if df is None:
                return None
            mask = np.ones(len(df), dtype=bool)
            for col, val in scope.items():
                if col not in df:
                    return None
                mask &= df[col].isin([val] if isinstance(val, str) else list(val)).to_numpy()
            return m.select_rows(df, mask)

        if not scope:
            return self
        # steps 1 and 4 ask the same region or product line for several metrics, and each cut copies its order
        # lines: the cuts of these tables are kept with them (a cache owned by this object, gone with it), the
        # least recently asked dropped first once they hold more than CUT_LINES_KEPT times the tables' own lines
        key = tuple((col, val if isinstance(val, str) else tuple(val)) for col, val in scope.items())
        hit = self._cuts.pop(key, None)
        if hit is None:
            hit = Tables(cut(self.sales), cut(self.surveys), cut(self.complaints), self.window_months, self.promise_hours, self.start_month)
        self._cuts[key] = hit  # now the most recent
        budget = CUT_LINES_KEPT * (0 if self.sales is None else len(self.sales))
        while len(self._cuts) > 1 and sum(len(t.sales) for t in self._cuts.values() if t.sales is not None) > budget:
            del self._cuts[next(iter(self._cuts))]  # the least recently asked
        return hit


def _ttm(end: pd.Timestamp, months: int = 12) -> tuple[pd.Timestamp, pd.Timestamp, pd.Timestamp]:
    cur = end - pd.DateOffset(months=months)
    return cur - pd.DateOffset(months=months), cur, end


def _between(df: pd.DataFrame, col: str, lo: pd.Timestamp, hi: pd.Timestamp) -> pd.DataFrame:
    return m.select_rows(df, ((df[col] >= lo) & (df[col] < hi)).to_numpy())


def last_complete_year(period: Period) -> int:
    """The last fiscal year that ends within ``period`` (its own year for Q4 or an annual period)."""
    return period.year if (not period.is_quarter or period.quarter == 4) else period.year - 1


def until(tables: Tables, period: Period) -> Tables:
    """The tables cut at the end of ``period``: a report on 2025Q3 never sees later data."""
    end = period.end_exclusive

    def cut(df, col):
        return None if df is None else m.select_rows(df, (df[col] < end).to_numpy())

    return Tables(cut(tables.sales, "order_date"), cut(tables.surveys, "survey_date"), cut(tables.complaints, "opened_at"),
                  tables.window_months, tables.promise_hours, tables.start_month)
