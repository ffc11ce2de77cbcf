"""Survey scales: ``checks.scales`` declarations, the scale a header names, and the conversion.

Answers are validated on the scale they were asked on (the declared contract)
and converted to the contract's scale afterwards. Reading the scores is
:mod:`salesnb.io.coerce`.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Mapping

import numpy as np
import pandas as pd

from ..config import CONFIG_FILE, ScaleDeclaration
from ..errors import Problem, QualityNote
from ..schemas import Table
from .frame import ReadContext
from .headers import header_scale


def scale_config_problems(table: Table, scales: Mapping[str, ScaleDeclaration]) -> list[Problem]:
    """``checks.scales`` entries that name no score column, or cannot be converted."""
    problems = []
    scores = {c.name: c for c in table.columns if c.kind == "score"}
    for name, decl in scales.items():
        key = f"checks.scales.{name}"
        if name not in scores:
            problems.append(Problem(CONFIG_FILE, None, key, name, f"is not a score column of surveys (score columns: {', '.join(scores)})"))
            continue
        column = scores[name]
        if decl.convert == "none" and (decl.low < column.low or decl.high > column.high):
            problems.append(
                Problem(CONFIG_FILE, None, f"{key}.convert", "none",
                        f"keeps answers {decl.low}–{decl.high} outside the {column.low:g}–{column.high:g} scale of {name}: use 'linear' or a table")
            )
        if isinstance(decl.convert, dict):
            missing = [v for v in range(decl.low, decl.high + 1) if v not in decl.convert]
            outside = [f"{k}: {v:g}" for k, v in decl.convert.items() if not column.low <= v <= column.high]
            if missing:
                problems.append(Problem(CONFIG_FILE, None, f"{key}.convert", None, f"gives no value for answer(s) {', '.join(map(str, missing))}"))
            if outside:
                problems.append(Problem(CONFIG_FILE, None, f"{key}.convert", ", ".join(outside), f"converts to values outside {column.low:g}–{column.high:g}"))
    return problems


def declared_contract(table: Table, scales: Mapping[str, ScaleDeclaration]) -> Table:
    """The contract with declared scales: answers are validated on the scale they were asked on."""
    if not scales:
        return table
    columns = tuple(
        replace(c, low=scales[c.name].low, high=scales[c.name].high) if c.kind == "score" and c.name in scales else c for c in table.columns
    )
    return replace(table, columns=columns)


def convert_scales(frame: pd.DataFrame, contract: Table, scales: Mapping[str, ScaleDeclaration], file: str) -> list[QualityNote]:
    """Convert the declared survey scales to the contract's scale in place; one repair note per column."""
    notes = []
    for name, decl in scales.items():
        if name not in frame:
            continue
        column = contract.column(name)
        values = frame[name]
        if decl.convert == "none":
            converted, how = values, "kept as answered"
        elif decl.convert == "linear":
            converted = column.low + (values - decl.low) * (column.high - column.low) / (decl.high - decl.low)
            how = f"converted linearly to {column.low:g}–{column.high:g}"
        else:
            table = {float(k): float(v) for k, v in decl.convert.items()}
            converted = values.map(lambda v, table=table: table.get(v, np.nan) if not pd.isna(v) else v)
            how = f"converted to {column.low:g}–{column.high:g} with the declared table"
        frame[name] = converted.astype("float64")
        notes.append(
            QualityNote(
                contract.name, file, "scale_converted", int(values.notna().sum()),
                f"{name} was asked on a {decl.low}–{decl.high} scale (checks.scales.{name}) and {how}", "repair",
            )
        )
    return notes


def header_scale_problems(ctx: ReadContext, contract: Table, scales: Mapping[str, ScaleDeclaration]) -> list[Problem]:
    """A score header that names its scale (``推荐意愿(1-10)``) must agree with the contract's or the declared scale.

    Answers 1–10 to a 0–10 NPS question look valid, so the header is the only
    place a 1–10 NPS scale shows: it is an error until ``checks.scales`` says
    how to read it.
    """
    problems = []
    for position, target in ctx.mapping.items():
        column = ctx.table.column(target)
        if column.kind != "score" or (found := header_scale(ctx.raw.headers[position])) is None:
            continue
        low, high = found
        if (low, high) == (column.low, column.high):
            continue
        declared = scales.get(target)
        base = contract.column(target)
        if declared is None:
            fits = base.low <= low and high <= base.high
            rule = (
                f"the header says {target} was asked on a {low}–{high} scale, not on the {base.low:g}–{base.high:g} scale of the data contract: "
                f"declare it under checks.scales.{target} in {CONFIG_FILE} (e.g. {{low: {low}, high: {high}, convert: {'none' if fits else 'linear'}}})"
            )
        else:
            rule = (f"the header says a {low}–{high} scale but checks.scales.{target} in {CONFIG_FILE} declares "
                    f"{declared.low}–{declared.high}: correct one of them")
        problems.append(Problem(ctx.file, None, ctx.header(target), None, rule))
    return problems
