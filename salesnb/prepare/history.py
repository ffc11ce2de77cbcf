"""Quarterly history read from the prepared aggregates (no pass over the order lines), or computed from the sales.

The one notebook helper of the package; building the aggregates is
:mod:`salesnb.prepare.build`.
"""
from __future__ import annotations

from typing import Any

import pandas as pd

from ..metrics import sales_history
from ..periods import Period
from .workspace import Prepared


def quarterly_history(prepared: Prepared | None, sales: pd.DataFrame, period: Any, by: str | list[str] | None = None) -> pd.DataFrame:
    """Quarterly revenue, orders, customers and average order value up to the end of ``period``.

    The same frame as ``metrics.sales_history(sales, "quarter", by, period.start_month)``
    (``sales`` cut at the end of ``period``), read from the prepared aggregates
    when ``prepared`` is given — no pass over the order lines — and computed
    from ``sales`` otherwise. ``by``: None, ``"region"``, ``"product_line"`` or both.

    Examples
    --------
    >>> quarterly_history(ctx.prepared, tables.sales, ctx.period, ["region", "product_line"])  # doctest: +SKIP
    """
    keys = [] if by is None else ([by] if isinstance(by, str) else list(by))
    name = {(): "quarter", ("region",): "quarter_region", ("product_line",): "quarter_product_line",
            ("region", "product_line"): "quarter_region_product_line"}.get(tuple(keys))
    if prepared is None or name is None:
        return sales_history(sales, "quarter", by=by, start_month=period.start_month)
    agg = prepared.aggregate(name)
    ends = {label: Period.parse(label, period.start_month).end for label in agg["period"].unique()}
    agg = agg.loc[agg["period"].map(ends) <= period.end].reset_index(drop=True)
    out = agg[["period", *keys, "revenue", "orders", "customers"]].copy()
    out["aov"] = out["revenue"] / out["orders"].where(out["orders"] > 0)
    return out
