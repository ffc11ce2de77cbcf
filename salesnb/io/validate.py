"""Validation with pandera: each failure case of the contract's schema becomes one problem.

Blank required values, values out of range or not allowed, duplicated ids
(naming the other lines and how the rows differ). Cells already reported
while coercing are not reported again. The schema itself is
:func:`salesnb.schemas.pandera_schema`, built from the rules the contract
declares (:func:`salesnb.schemas.column_rules`).
"""
from __future__ import annotations

import pandas as pd

from ..config import CONFIG_FILE
from ..errors import Problem
from ..parse import cell_text, is_missing
from ..schemas import pandera_schema
from .frame import ReadContext
from .raw import clip


_CHECK_RULES = {
    "not_nullable": "must not be blank",
    "column_in_dataframe": "required column is missing",
}


def _differences(frame: pd.DataFrame, line: int, other: int, skip: str) -> str:
    parts = []
    for column in frame.columns:
        if column == skip:
            continue
        a, b = frame.at[line, column], frame.at[other, column]
        if (pd.isna(a) and pd.isna(b)) or (not pd.isna(a) and not pd.isna(b) and a == b):
            continue
        show = lambda v: "(blank)" if pd.isna(v) else (f"{v:%Y-%m-%d}" if isinstance(v, pd.Timestamp) else clip(cell_text(v), 20))  # noqa: E731
        parts.append(f"{column} {show(a)} ≠ {show(b)}")
    return "; ".join(parts[:3])


def schema_problems(frame: pd.DataFrame, ctx: ReadContext, seen: set[tuple[int, str]]) -> list[Problem]:
    """Run the pandera schema; one problem per failure case not already reported."""
    import pandera.pandas as pa

    try:
        pandera_schema(ctx.table).validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
    else:
        return []
    problems = []
    duplicates: dict[str, pd.Series] = {}
    # blanks first, so that a blank id is reported as blank rather than as a duplicate
    cases = cases.assign(_order=(cases["check"] != "not_nullable").astype(int)).sort_values("_order", kind="stable")
    for case in cases.itertuples(index=False):
        check = str(case.check)
        name = case.column if isinstance(case.column, str) else None
        line = None if is_missing(case.index) else int(case.index)
        if name is None:  # a schema-level failure (should not happen after mapping)
            problems.append(Problem(ctx.file, line, clip(case.failure_case), None, _CHECK_RULES.get(check, check)))
            continue
        if (line, name) in seen or (check == "field_uniqueness" and is_missing(case.failure_case)):
            continue
        seen.add((line, name))
        if check == "field_uniqueness":
            if name not in duplicates:
                column = frame[name]
                duplicates[name] = column[column.duplicated(keep=False)]
            same = duplicates[name]
            others = [int(n) for n in same.index[(same == same.get(line)) & (same.index != line)]][:5]
            if others:
                differs = _differences(frame, line, others[0], name)
                rule = f"must be unique (duplicated id; also on line {', '.join(map(str, others))}" + (f"; {differs})" if differs else ")")
            else:
                rule = "must be unique (duplicated id)"
        else:
            rule = _CHECK_RULES.get(check, check)
            column = ctx.table.column(name) if name in ctx.table.names else None
            if column is not None and column.kind == "score" and rule.startswith("must be within") and column.high == 5:
                answered = frame[name].dropna()
                if len(answered) and answered.between(1, 10).all() and (answered % 1 == 0).all():
                    rule += f" (the answers go up to {answered.max():g}: if {name} was asked on a 1–10 scale, declare it under checks.scales.{name} in {CONFIG_FILE})"
        value = ctx.raw_value(name, line)
        if value is None and not is_missing(case.failure_case):
            value = cell_text(case.failure_case)
        problems.append(ctx.problem(name, line, value, rule))
    return problems
