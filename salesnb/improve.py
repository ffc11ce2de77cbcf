"""Improvement measures and the action register (step 4).

The register is the workspace's ``actions`` table (改进措施跟踪表): problem,
measure, owner, start, due, KPI, baseline, target, status. It is kept across
periods; salesnb reads it and never rewrites the analyst's file.
"""
from __future__ import annotations

import pandas as pd

from .periods import Period

__all__ = ["register_status", "CLOSED_STATUSES"]

CLOSED_STATUSES = ("done", "cancelled")


def register_status(actions: pd.DataFrame, period: Period) -> dict[str, int]:
    """Counts of the register at the end of ``period``.

    An action is *overdue* when its status says so, or when it is still open
    and its due date is before the period's end.

    Examples
    --------
    >>> a = pd.DataFrame({"status": ["done", "in_progress", "planned", "overdue"],
    ...                   "due": pd.to_datetime(["2025-11-01", "2025-11-01", "2026-03-31", "2025-12-01"])})
    >>> register_status(a, Period.parse("2025Q4"))
    {'n': 4, 'done': 1, 'open': 3, 'overdue': 2}
    """
    closed = actions["status"].isin(CLOSED_STATUSES)
    late = (~closed) & ((actions["status"] == "overdue") | (actions["due"] < period.end_exclusive - pd.Timedelta(days=1)))
    return {
        "n": int(len(actions)),
        "done": int((actions["status"] == "done").sum()),
        "open": int((~closed).sum()),
        "overdue": int(late.sum()),
    }
