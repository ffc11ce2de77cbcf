"""The shape matrix: every pair of factor levels of :data:`shapes.build.FACTORS` in at least one shape.

``lang`` is a factor like the others (each shape runs in one language, both
languages appear with every level of every other factor): running every shape
in both languages would double the matrix's time.
"""
from __future__ import annotations

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


SHAPES: list[dict] = all_pairs(FACTORS, moot)
"""The shapes, in the generator's order (the first covers the most pairs)."""


def shape_id(i: int, row: dict) -> str:
    return f"s{i:02d}-{row['lang']}-{shape_name(row)}"


def describe() -> str:
    lines = [f"{len(SHAPES)} shapes cover every pair of {len(FACTORS)} factors (lower bound {lower_bound(FACTORS)}):"]
    for i, row in enumerate(SHAPES):
        lines.append(f"  {shape_id(i, row)}")
    return "\n".join(lines)
