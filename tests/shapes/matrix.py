"""The shape matrix: every pair of factor levels of :data:`shapes.build.FACTORS` in at least one shape.

``lang`` is a factor like the others (each shape runs in one language, both
languages appear with every level of every other factor): running every shape
in both languages would double the matrix's time.
"""
from __future__ import annotations

import os

from .build import FACTORS, shape_name
from .pairwise import all_pairs, lower_bound


def moot(row: dict) -> set[str]:
    """Factors that mean nothing given the others: without a survey table there are no dimensions and no
    waves; when every order is its own customer every customer is new, so there is no closed cohort."""
    out = set()
    if row.get("surveys") == "absent":
        out |= {"dimensions", "waves"}
    if row.get("customers") == "order_is_customer":
        out.add("cohort")
    return out


QUICK_HISTORY = [36, 3, 12]
"""History levels of the quick matrix (``SHAPES_MATRIX=quick``): the sample's, under a quarter of the
year-over-year comparison, exactly the retention window."""


def factors(kind: str | None = None) -> dict[str, list]:
    """The factors of the ``full`` matrix (issue 14's list) or the ``quick`` one (three history levels:
    18 shapes instead of 28; the greedy generator does not reach the bound of 12 with four three-level factors)."""
    kind = kind or os.environ.get("SHAPES_MATRIX", "full")
    if kind == "quick":
        return {**FACTORS, "history": QUICK_HISTORY}
    if kind != "full":
        raise ValueError(f"SHAPES_MATRIX must be full or quick, not {kind!r}")
    return FACTORS


MATRIX_FACTORS = factors()
SHAPES: list[dict] = all_pairs(MATRIX_FACTORS, moot)
"""The shapes, in the generator's order (the first covers the most pairs)."""


def shape_id(i: int, row: dict) -> str:
    return f"s{i:02d}-{row['lang']}-{shape_name(row)}"


def describe() -> str:
    lines = [f"{len(SHAPES)} shapes cover every pair of {len(MATRIX_FACTORS)} factors (lower bound {lower_bound(MATRIX_FACTORS)}):"]
    for i, row in enumerate(SHAPES):
        lines.append(f"  {shape_id(i, row)}")
    return "\n".join(lines)
