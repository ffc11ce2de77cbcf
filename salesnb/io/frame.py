"""From raw columns to a contract frame: every mapped column coerced, every bad cell a problem.

:class:`ReadContext` words a problem (file, line, the file's header, Excel's
cell reference); :func:`coerce_frame` runs the per-kind coercion of
:mod:`salesnb.io.coerce` on each column and adds what only a whole column
shows: Excel error values, ids Excel already destroyed, a decimal comma.
Row rules and validation come after (:mod:`salesnb.io.rules`,
:mod:`salesnb.io.validate`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd

from ..config import CONFIG_FILE
from ..errors import Problem, QualityNote
from ..parse import UNIT_FACTORS, cell_text, is_missing
from ..schemas import Column, Table
from .coerce import ColumnUnit, coerce_category, coerce_datetime, coerce_number, coerce_score, coerce_text, date_rule, normalise_ids
from .headers import display_header
from .raw import RawTable, clip, line_examples, visible


EXCEL_ERRORS = frozenset({"#N/A", "#VALUE!", "#REF!", "#DIV/0!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!", "#GETTING_DATA"})
"""Cell values Excel writes when a formula failed."""


_SCIENTIFIC = re.compile(r"^[+-]?\d+(?:\.\d+)?[eE]\+\d{1,3}$")


EXCEL_DIGITS = 15
"""Excel keeps 15 significant digits: a longer number in an id column is already damaged."""


@dataclass
class ReadContext:
    """What the coercion and validation steps need to word a problem."""

    file: str
    table: Table
    raw: RawTable
    mapping: dict[int, str]
    excel: bool

    def header(self, name: str) -> str:
        for position, target in self.mapping.items():
            if target == name:
                return display_header(self.raw.headers[position], name)
        return name

    def position(self, name: str) -> int | None:
        for position, target in self.mapping.items():
            if target == name:
                return self.raw.positions[position]
        return None

    def raw_value(self, name: str, line: int | None) -> str | None:
        for position, target in self.mapping.items():
            if target == name and line is not None and line in self.raw.columns[position].index:
                return clip(cell_text(self.raw.columns[position][line]))
        return None

    def problem(self, name: str, line: int | None, value: Any, rule: str) -> Problem:
        position = self.position(name)
        if self.excel and line is not None and position is not None:
            from openpyxl.utils import get_column_letter

            rule = f"{rule} (cell {get_column_letter(position + 1)}{line})"
        return Problem(self.file, line, self.header(name), clip(value), rule)


def _excel_errors(series: pd.Series) -> pd.Series:
    """Mask of cells holding an Excel error value (``#N/A``, ``#VALUE!`` …)."""
    if isinstance(series.dtype, pd.StringDtype):
        return series.str.strip().str.upper().isin(EXCEL_ERRORS).fillna(False).astype(bool)
    if series.dtype == object:
        return series.map(lambda v: isinstance(v, str) and v.strip().upper() in EXCEL_ERRORS).astype(bool)
    return pd.Series(False, index=series.index)


def _damaged_ids(series: pd.Series, text: pd.Series) -> dict[int, str]:
    """Ids Excel already destroyed: scientific notation, or numbers past 15 digits."""
    issues: dict[int, str] = {}
    sci = text.dropna()
    sci = sci[sci.str.fullmatch(_SCIENTIFIC.pattern)]
    for line, value in sci.items():
        issues[int(line)] = (
            f"is a number in scientific notation ({value}): Excel has already rounded this id and its digits cannot be recovered; "
            "re-export it with the column formatted as text"
        )
    if series.dtype == object:
        for line, value in series.items():
            if isinstance(value, (datetime, date)):
                issues[int(line)] = (
                    "is a date cell in Excel: an id is text, and Excel turns codes such as 3-5 or 1/2 into dates without asking; "
                    "format the column as text in the source system's export and export again"
                )
    if series.dtype == object or pd.api.types.is_float_dtype(series):
        for line, value in series.items():
            if isinstance(value, (float, np.floating)) and not is_missing(value) and abs(value) >= 10**EXCEL_DIGITS:
                issues[int(line)] = (
                    f"is stored as a number with more than {EXCEL_DIGITS} digits: Excel keeps only {EXCEL_DIGITS}, so the last digits are lost; "
                    "format the column as text in the source system's export and export again"
                )
    return issues


_DECIMAL_COMMA = re.compile(r"^[-+(]?\s*[¥$€£]?\s*(?:\d{1,3}(?:[.\s\u00a0\u202f]\d{3})+|\d+),\d+\)?$")
"""``18.972,00``, ``1 234,5``, ``-0,75``: a number written with a decimal comma."""
_EUROPEAN = re.compile(r"\d\.\d{3},\d")


def _decimal_point(series: pd.Series) -> pd.Series:
    """Text numbers written with a decimal comma → with a decimal point (``18.972,00`` → ``18972.00``)."""
    def convert(value: Any) -> Any:
        if not isinstance(value, str):
            return value
        return re.sub(r"[.\s\u00a0\u202f]", "", value).replace(",", ".")

    return series.map(convert) if series.dtype == object or pd.api.types.is_string_dtype(series) else series


def _decimal_comma_problem(ctx: ReadContext, name: str, series: pd.Series, bad: pd.Series) -> Problem | None:
    """One problem for a column whose numbers use a decimal comma (instead of one per line), or ``None``.

    Taken for a decimal comma when at least half the column's values have its
    shape and the file is ``;``-separated or a value has the European form
    (``18.972,00``) — ``1,23`` alone in a comma file stays "must be a number".
    """
    texts = series[series.map(lambda v: isinstance(v, str))].astype(str).str.strip()
    texts = texts[texts != ""]
    if texts.empty or not bad.any():
        return None
    shaped = texts.str.match(_DECIMAL_COMMA)
    if shaped.sum() < 0.5 * len(texts) or not (ctx.raw.delimiter == ";" or texts.str.contains(_EUROPEAN).any()):
        return None
    first = shaped[shaped & bad.reindex(shaped.index, fill_value=False)].index
    if first.empty:
        return None
    line = int(first[0])
    return ctx.problem(
        name, line, texts[line],
        f"the numbers use a decimal comma ({texts[line]}): {int(bad.sum()):,} value(s) cannot be read with a decimal point; "
        f"set tables.{ctx.table.name}.decimal: \",\" in {CONFIG_FILE} (a . or space is then a thousands separator)",
    )


@dataclass
class _Found:
    """What coercing the columns of one file found: problems, notes, and the cells already reported."""

    problems: list[Problem] = field(default_factory=list)
    notes: list[QualityNote] = field(default_factory=list)
    cells: set[tuple[int, str]] = field(default_factory=set)

    def bad(self, ctx: ReadContext, name: str, line: int, value: Any, rule: str) -> None:
        self.problems.append(ctx.problem(name, line, value, rule))
        self.cells.add((line, name))


def coerce_frame(ctx: ReadContext, units: dict[str, ColumnUnit], date_format: str | None,
                 decimal: str = ".") -> tuple[pd.DataFrame, list[Problem], list[QualityNote], set[tuple[int, str]]]:
    """Coerce each mapped column to its kind; collect every bad value (and its cell)."""
    table, raw = ctx.table, ctx.raw
    found = _Found()
    data: dict[str, pd.Series] = {}
    by_name = {target: raw.columns[p] for p, target in ctx.mapping.items()}
    for column in table.columns:
        if column.name not in by_name:
            continue
        series = _without_excel_errors(ctx, column, by_name[column.name], found)
        if column.kind in ("id", "text", "category"):
            data[column.name] = _text_column(ctx, column, series, found)
        else:
            data[column.name] = _typed_column(ctx, column, series, units, date_format, decimal, found)
    frame = pd.DataFrame({**data, **_extra_columns(ctx, data)}, index=raw.lines)
    frame.index.name = "source_line"
    return frame, found.problems, found.notes, found.cells


def _without_excel_errors(ctx: ReadContext, column: Column, series: pd.Series, found: _Found) -> pd.Series:
    """``series`` with Excel error values (``#N/A`` …) blanked, each reported."""
    errors = _excel_errors(series)
    if errors.any():
        for line in series.index[errors]:
            found.bad(ctx, column.name, int(line), cell_text(series[line]),
                      "is an Excel error value: a formula failed in the workbook; fix it (or paste the values) and export again")
        series = series.mask(errors)
    return series


def _text_column(ctx: ReadContext, column: Column, series: pd.Series, found: _Found) -> pd.Series:
    """An id, text or category column as text: damaged ids and phone numbers reported, ids folded, categories translated."""
    values = coerce_text(series)
    if column.name == "phone":  # a phone number Excel turned into 1.39123E+10 is as lost as such an id
        present = values.dropna()
        for line, value in present[present.str.fullmatch(_SCIENTIFIC.pattern)].items():
            found.bad(ctx, column.name, int(line), value,
                      f"is a number in scientific notation ({value}): Excel has already rounded this phone number "
                      "and its digits cannot be recovered; re-export it with the column formatted as text")
    if column.kind == "id":
        values = _id_column(ctx, column, series, values, found)
    if column.kind == "category":
        values, changed = coerce_category(values, column)
        if changed.any():
            before = coerce_text(series)
            pairs = sorted({f"{before[i]} → {values[i]}" for i in changed[changed].index})
            found.notes.append(
                QualityNote(
                    ctx.table.name, ctx.file, "category_values_translated", int(changed.sum()),
                    f"{int(changed.sum())} {ctx.header(column.name)} value(s) translated to contract values: {', '.join(pairs[:5])}",
                    "repair", tuple(pairs[:5]),
                )
            )
    return values


def _id_column(ctx: ReadContext, column: Column, series: pd.Series, values: pd.Series, found: _Found) -> pd.Series:
    """Ids Excel already destroyed are reported; full-width and invisible characters are folded (a repair note)."""
    for line, rule in _damaged_ids(series, values).items():
        value = series[line]
        shown = f"{value:.15g}" if isinstance(value, (float, np.floating)) else cell_text(value)  # as Excel shows it
        found.bad(ctx, column.name, line, shown, rule)
    before = values
    values = normalise_ids(values)
    changed = before.notna() & (before != values)
    if changed.any():
        pairs = [f"line {i}: {visible(before[i])} → {values[i]}" for i in changed[changed].index[:5]]
        found.notes.append(
            QualityNote(
                ctx.table.name, ctx.file, "ids_normalised", int(changed.sum()),
                f"{int(changed.sum())} {ctx.header(column.name)} value(s) written with full-width or invisible characters were normalised",
                "repair", tuple(pairs),
            )
        )
    return values


def _typed_column(ctx: ReadContext, column: Column, series: pd.Series, units: dict[str, ColumnUnit], date_format: str | None,
                  decimal: str, found: _Found) -> pd.Series:
    """A number, date, datetime or score column coerced (:data:`PARSERS`); each value that cannot be read is a problem."""
    parse = PARSERS.get(column.kind)
    if parse is None:  # pragma: no cover - the contract only uses the kinds of PARSERS and text kinds
        raise ValueError(f"unknown column kind {column.kind!r} for {ctx.table.name}.{column.name}")
    values, bad, issues, rule = parse(ctx, column, series, units, date_format, decimal, found)
    if rule is None:  # a decimal comma: one problem for the column, already reported
        return values
    for line in bad[bad].index:
        found.bad(ctx, column.name, int(line), cell_text(series[line]), issues.get(int(line), rule))
    return values


_Parsed = tuple[pd.Series, pd.Series, dict[int, str], "str | None"]
"""``(values, bad, issues, rule)``: the coerced values, the bad ones, a rule more precise than ``rule`` per line."""


def _date_column(ctx: ReadContext, column: Column, series: pd.Series, units: dict[str, ColumnUnit], date_format: str | None,
                 decimal: str, found: _Found) -> _Parsed:
    """A date or datetime column: each refused value with the reason (and the fix when the form is recognisable)."""
    kind = column.kind
    values, bad = coerce_datetime(series, date_format=date_format, excel=ctx.raw.excel)
    if kind == "date":
        values = values.dt.normalize()
    issues = {int(line): date_rule(cell_text(series[line]), kind, ctx.table.name, date_format, ctx.raw.excel) for line in bad[bad].index}
    return values, bad, issues, "must be a date (YYYY-MM-DD)" if kind == "date" else "must be a date and time (YYYY-MM-DD HH:MM)"


def _number_column(ctx: ReadContext, column: Column, series: pd.Series, units: dict[str, ColumnUnit], date_format: str | None,
                   decimal: str, found: _Found) -> _Parsed:
    """A number column in units: ``(values, bad, issues, rule)``; ``rule`` is ``None`` when the column uses a
    decimal comma (reported once, first among the file's problems, its bad cells marked)."""
    unit = units.get(column.name, ColumnUnit())
    values, bad, issues, written_in, from_cells = coerce_number(_decimal_point(series) if decimal == "," else series, unit)
    comma = _decimal_comma_problem(ctx, column.name, series, bad) if decimal == "." else None
    if comma is not None:  # one problem for the column, first among the file's problems
        found.problems.insert(0, comma)
        found.cells.update((int(line), column.name) for line in bad[bad].index)
        return values, bad, issues, None
    factor = UNIT_FACTORS[written_in]
    if factor != 1:
        origin = "the cells" if from_cells else unit.origin or "company.unit"
        found.notes.append(
            QualityNote(
                ctx.table.name, ctx.file, "amount_unit_converted" if column.name == "amount" else "unit_converted", int(values.notna().sum()),
                f"{ctx.header(column.name)} values were written in {written_in} (from {origin}) and multiplied by {factor:g}"
                + (" to 元" if column.name == "amount" else ""),
                "repair",
            )
        )
    return values, bad, issues, "must be a number"


def _score_values(ctx: ReadContext, column: Column, series: pd.Series, units: dict[str, ColumnUnit], date_format: str | None,
                  decimal: str, found: _Found) -> _Parsed:
    values, bad, rule = _score_column(ctx, column, series, found)
    return values, bad, {}, rule


def _score_column(ctx: ReadContext, column: Column, series: pd.Series, found: _Found) -> tuple[pd.Series, pd.Series, str]:
    """A survey score column: ``(values, bad, rule)``; answers such as 无 or N/A are not answered (a repair note)."""
    values, bad, blank = coerce_score(series)
    rule = f"must be a number ({column.low:g}–{column.high:g}; leave blank when not answered)"
    if not blank.empty:
        shown = sorted({repr(b) if not b.strip() else b for b in blank})
        found.notes.append(
            QualityNote(
                ctx.table.name, ctx.file, "blank_answers", len(blank),
                f"{len(blank)} {ctx.header(column.name)} answer(s) such as {', '.join(shown[:3])} read as not answered (excluded from n)",
                "repair", line_examples(blank.index, blank.map(lambda b: repr(b) if not b.strip() else b)),
            )
        )
    return values, bad, rule


PARSERS = {"number": _number_column, "date": _date_column, "datetime": _date_column, "score": _score_values}
"""The ``parse`` rule of the contract (:func:`salesnb.schemas.column_rules`) in pandas: one coercion per kind (the engine
reader's is :data:`salesnb.prepare.rule_sql.CAST_SQL`); id, text and category columns are read as text."""


def _extra_columns(ctx: ReadContext, data: dict[str, pd.Series]) -> dict[str, pd.Series]:
    """The unmapped columns under their own header (``name (2)`` when a header repeats)."""
    raw = ctx.raw
    extras: dict[str, pd.Series] = {}
    for position, header in enumerate(raw.headers):
        if position in ctx.mapping:
            continue
        name, n = header, 2
        while name in extras or name in data:
            name, n = f"{header} ({n})", n + 1
        series = raw.columns[position]
        extras[name] = series if series.dtype != object else coerce_text(series)
    return extras
