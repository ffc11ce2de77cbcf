"""The planned period, the history windows it is compared with, and the history per cell in each window.

:func:`plan_periods` chooses the plan and its windows (same period in earlier years, or the latest quarters
when the data is young); :func:`plan_history` sums revenue, orders and customers per cell and window.
The plan's total and split are :mod:`.total`; the plan itself :mod:`.plan`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd

from .. import metrics as m
from ..metrics import ID_CODE_COLUMNS
from ..periods import Period
from .common import PlanError


@dataclass(frozen=True)
class Window:
    """A stretch of history ``[start, end)`` with a label (``2025`` or ``2024-07…2025-06``)."""

    start: pd.Timestamp
    end: pd.Timestamp
    label: str

    def contains(self, dates: pd.Series) -> pd.Series:
        return (dates >= self.start) & (dates < self.end)


@dataclass(frozen=True)
class PlanPeriods:
    """What a run plans and the history it compares with.

    ``plan`` is the planned period; ``windows`` are the comparable periods of
    the same length before it, most recent first (``windows[0]`` is the base
    that growth is measured against). ``months`` are the plan's months
    (``2026-01`` …). ``basis`` says how the windows relate to the plan:

    - ``year_on_year``: each window is the plan shifted back by whole years —
      for a yearly plan the trailing twelve-month windows ending at the
      report period's end (the fiscal years, when the report closes a year);
      for a quarterly plan the same quarter in earlier years. Comparisons
      between windows and with the plan carry no seasonality.
    - ``recent_quarters``: a quarterly plan whose same quarter a year earlier
      is not (fully) in the data: the latest fully covered quarters,
      consecutive, most recent first (the report quarter, then the ones
      before it). Seasonality is not known, so :func:`plan_inputs` and
      :func:`build_plan` use no quarter-on-quarter trend (total, momentum,
      spend per customer), split the plan's months evenly and say so.

    ``data_start`` is the first order date the windows were chosen from
    (None when not given).
    """

    report: Period
    plan: Period
    windows: tuple[Window, ...]
    months: tuple[str, ...]
    basis: str = "year_on_year"
    data_start: pd.Timestamp | None = None

    @property
    def horizon(self) -> str:
        return "quarter" if self.plan.is_quarter else "year"

    @property
    def base(self) -> Window:
        return self.windows[0]

    @property
    def year_on_year(self) -> bool:
        """True when the windows are the plan's period in earlier years (seasonality is comparable)."""
        return self.basis == "year_on_year"

    @property
    def same_period_last_year(self) -> Period:
        """The plan's period a year earlier (what a ``recent_quarters`` plan lacks)."""
        return self.plan.year_ago()

    @property
    def quarters(self) -> tuple[str, ...]:
        return tuple(str(q) for q in self.plan.quarters())


def _window_label(start: pd.Timestamp, end: pd.Timestamp, start_month: int) -> str:
    months = (end.year - start.year) * 12 + end.month - start.month
    grain = "year" if months == 12 else "quarter" if months == 3 else None
    if grain:
        p = Period.of(start, grain, start_month)
        if p.start == start:
            return str(p)
    return f"{start:%Y-%m}…{(end - pd.Timedelta(days=1)):%Y-%m}"


def plan_horizon(report: Period, horizon: str = "auto") -> str:
    """What a run for ``report`` plans: ``horizon`` itself, or for ``auto`` the next fiscal year when ``report`` is
    a year or its last quarter, else the next quarter (``breakdown.horizon``).

    >>> plan_horizon(Period.parse("2025Q4")), plan_horizon(Period.parse("2025Q2")), plan_horizon(Period.parse("2025Q2"), "year")
    ('year', 'quarter', 'year')
    """
    if horizon != "auto":
        return horizon
    return "year" if (not report.is_quarter or report.quarter == 4) else "quarter"


def plan_periods(report: Period, horizon: str = "auto", data_start: pd.Timestamp | None = None, max_windows: int = 10) -> PlanPeriods:
    """The planned period for a run of ``report`` and its comparable history windows.

    ``horizon``: ``year`` plans the fiscal year after the one containing the
    report period; ``quarter`` the quarter after it (the first quarter of the
    next year when the report period is a year); ``auto`` is ``year`` when
    the report period is a year or the last quarter of one, else ``quarter``.
    Only windows that the data fully covers (from ``data_start``'s month) are
    kept, at most ``max_windows``.

    A quarterly plan compares with the same quarter in earlier years
    (``basis`` ``year_on_year``). When the data covers none of them — it
    starts less than a year before the plan — it falls back to the latest
    whole quarters before the plan, the report quarter first (``basis``
    ``recent_quarters``). A yearly plan needs twelve whole months ending
    with the report period: there is no fallback (a part of a year cannot
    stand for a whole one), and the error names the data's start, the
    months needed and the quarterly alternative.

    Examples
    --------
    >>> pp = plan_periods(Period.parse("2025Q4"), data_start=pd.Timestamp("2023-01-01"))
    >>> str(pp.plan), [w.label for w in pp.windows], pp.months[0], pp.basis
    ('2026', ['2025', '2024', '2023'], '2026-01', 'year_on_year')
    >>> pp = plan_periods(Period.parse("2025Q3"), data_start=pd.Timestamp("2023-01-01"))
    >>> str(pp.plan), [w.label for w in pp.windows]
    ('2025Q4', ['2024Q4', '2023Q4'])
    >>> pp = plan_periods(Period.parse("2011Q3"), data_start=pd.Timestamp("2010-12-01"))
    >>> str(pp.plan), [w.label for w in pp.windows], pp.basis
    ('2011Q4', ['2011Q3', '2011Q2', '2011Q1'], 'recent_quarters')
    """
    if horizon not in ("auto", "year", "quarter"):
        raise PlanError(f"horizon {horizon!r} must be auto, year or quarter")
    sm = report.start_month
    horizon = plan_horizon(report, horizon)
    given = None if data_start is None else pd.Timestamp(data_start)
    first = None if given is None else pd.Timestamp(given.year, given.month, 1)
    data = "the data" if given is None else f"the data starts on {given.date().isoformat()} and"
    windows: list[Window] = []
    basis = "year_on_year"
    if horizon == "year":
        plan = Period(report.year + 1, None, sm)
        end = report.end_exclusive
        for k in range(max_windows):
            w_end = end - pd.DateOffset(months=12 * k)
            w_start = w_end - pd.DateOffset(months=12)
            if first is not None and w_start < first:
                break
            windows.append(Window(w_start, w_end, _window_label(w_start, w_end, sm)))
        if not windows:
            raise PlanError(f"{data} does not cover a whole year before {report}: a yearly plan for {plan} needs the "
                            f"twelve months {end - pd.DateOffset(months=12):%Y-%m} to {end - pd.Timedelta(days=1):%Y-%m} "
                            "to plan from. Report on a later period, or set breakdown.horizon: quarter in workspace.yaml "
                            "to plan the next quarter from the latest quarters")
    else:
        plan = report.shift(1) if report.is_quarter else Period(report.year + 1, 1, sm)
        for k in range(1, max_windows + 1):
            q = plan.shift(-4 * k)
            if q.end_exclusive > report.end_exclusive:
                continue
            if first is not None and q.start < first:
                break
            windows.append(Window(q.start, q.end_exclusive, str(q)))
        if not windows:
            # no same quarter a year earlier: the latest whole quarters, consecutive
            basis = "recent_quarters"
            for k in range(1, max_windows + 1):
                q = plan.shift(-k)
                if first is not None and q.start < first:
                    break
                windows.append(Window(q.start, q.end_exclusive, str(q)))
        if not windows:
            raise PlanError(f"{data} does not cover a whole quarter before {report}: there is no history to plan from "
                            f"(the latest quarter, {plan.shift(-1)}, starts on {plan.shift(-1).start.date().isoformat()})")
    months = tuple(f"{(plan.start + pd.DateOffset(months=i)):%Y-%m}" for i in range(plan.months))
    return PlanPeriods(report, plan, tuple(windows), months, basis, given)


BLANK = "(blank)"


def _is_code_column(column: str) -> bool:
    """A column of metrics.with_id_codes (integer id codes): never a dimension."""
    return column in ID_CODE_COLUMNS.values()


def _with_dimensions(sales: pd.DataFrame, customers: pd.DataFrame | None, dims: Sequence[str]) -> pd.DataFrame:
    """Order lines with every dimension column present (customer columns joined on ``customer_id``)."""
    out = sales
    for d in dims:
        if d == "customer_type" or d in out.columns:
            continue
        if customers is not None and d in customers.columns:
            attr = customers.drop_duplicates("customer_id").set_index("customer_id")[d]
            out = out.assign(**{d: out["customer_id"].map(attr)})
        else:
            raise PlanError(f"dimension {d!r} is neither a sales column nor a customers column; "
                            f"use customer_type or one of: {', '.join(c for c in sales.columns if sales[c].dtype != float and not _is_code_column(c))}")
    for d in dims:
        if d != "customer_type" and out[d].isna().any():
            out = out.assign(**{d: out[d].astype("object").where(out[d].notna(), BLANK).astype(str)})
    return out


def plan_history(sales: pd.DataFrame, periods: PlanPeriods, dims: Sequence[str], customers: pd.DataFrame | None = None) -> pd.DataFrame:
    """Revenue, orders and customers per cell of ``dims`` in each history window.

    ``customer_type`` is ``new`` for a line whose customer's first-ever order
    falls inside the same window, else ``existing``. Returns one row per cell
    and window: ``dims``, ``window`` (0 = most recent), ``label``,
    ``revenue``, ``orders``, ``customers`` and ``censored`` (True for windows
    starting within the data's first twelve months when ``customer_type`` is a
    dimension: every customer looks new there, so their split is not used).
    """
    dims = list(dims)
    lines = _with_dimensions(m.with_id_codes(sales), customers, dims)
    first = lines.groupby(m.id_column(lines, "customer_id"))["order_date"].transform("min")
    data_start = lines["order_date"].min()
    data_start = pd.Timestamp(data_start.year, data_start.month, 1)
    frames = []
    for k, w in enumerate(periods.windows):
        mask = w.contains(lines["order_date"])
        part = lines.loc[mask]
        if "customer_type" in dims:
            part = part.assign(customer_type=np.where(first.loc[mask] >= w.start, "new", "existing"))
        g = (part.groupby(dims, sort=True, observed=True)
             .agg(revenue=("amount", "sum"), orders=(m.id_column(part, "order_id"), "nunique"), customers=(m.id_column(part, "customer_id"), "nunique"))
             .reset_index())
        g.insert(len(dims), "window", k)
        g.insert(len(dims) + 1, "label", w.label)
        # in the data's first twelve months every customer looks new: their new/existing split is unknown
        g["censored"] = "customer_type" in dims and w.start < data_start + pd.DateOffset(months=12)
        frames.append(g)
    return pd.concat(frames, ignore_index=True)
