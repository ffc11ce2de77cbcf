"""What every part of step 2 shares: the plan's error, the customer-type nodes and the rounding tolerance.

Nothing here computes anything; the pieces live in the sibling modules (see :mod:`salesnb.breakdown`).
"""
from __future__ import annotations

CUSTOMER_TYPES = ("existing", "new")
"""Nodes of the derived ``customer_type`` dimension."""

_EPS = 1e-9


class PlanError(ValueError):
    """The plan cannot be built as configured (an impossible override, a missing driver …).

    The message says what is wrong and what to change.
    """
