"""Coercion, one function per column kind; each returns the values and a mask of the bad ones.

Text and ids (full-width and invisible characters folded), numbers (units,
currencies, accounting negatives), dates and datetimes (with the reason a date
was refused), survey scores (blank answers such as ``无`` or ``N/A``) and
categories (value aliases). Parsing one value is :mod:`salesnb.parse`;
turning the problems into messages per cell is :mod:`salesnb.io.frame`.
"""
from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..config import CONFIG_FILE
from ..parse import (
    DATETIME_DTYPE,
    EXCEL_EPOCH,
    UNIT_FACTORS,
    cell_text,
    excel_datetime,
    is_missing,
    parse_amount,
    parse_date_texts,
    parse_number,
)
from ..schemas import Column
from .raw import ZERO_WIDTH


# Answers that mean "not answered" in a score column (compared after NFKC,
# strip and casefold; the empty string is plain missing and not counted).
BLANK_ANSWERS = frozenset(
    {"无", "n/a", "na", "n.a.", "#n/a", "none", "null", "-", "--", "—", "——", "不适用", "未回答", "未作答", "未填", "空", "/", "暂无"}
)


_SLASH_DATE = re.compile(r"^\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2,4}(?:\s.*)?$")
_SERIAL = re.compile(r"^\d{5}(?:\.\d+)?$")


def coerce_text(raw: pd.Series) -> pd.Series:
    """Any column → text (``str`` dtype): typed cells written as :func:`~salesnb.parse.cell_text` writes them."""
    if isinstance(raw.dtype, pd.StringDtype):
        return raw.astype("str")
    return raw.map(cell_text).astype("str")


def normalise_ids(values: pd.Series) -> pd.Series:
    """Ids with full-width characters folded (NFKC) and zero-width characters removed."""
    present = values.dropna()
    if present.empty:
        return values
    # ASCII text is unchanged by NFKC: fold only the distinct non-ASCII values
    changes = {}
    for value in pd.unique(present[~present.str.isascii()]):
        folded = ZERO_WIDTH.sub("", unicodedata.normalize("NFKC", value)).strip()
        if folded != value:
            changes[value] = folded or None
    if not changes:
        return values
    return values.map(lambda v: changes.get(v, v), na_action="ignore").astype("str")


def _split_text(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Split an object column into its text values (``str`` dtype) and its other non-missing values."""
    if isinstance(raw.dtype, pd.StringDtype):
        return raw.dropna().astype("str"), raw.iloc[:0]
    present = raw[raw.map(lambda v: not is_missing(v))]
    is_text = present.map(lambda v: isinstance(v, str)).astype(bool)
    return present[is_text].astype("str"), present[~is_text]


@dataclass(frozen=True)
class ColumnUnit:
    """The unit of a number column and where it was declared."""

    unit: str = "元"
    origin: str | None = None  # "header '…'", "company.unit" or None (the default, 元)
    cell_units: bool = False  # cells may carry a unit (amount only)


def coerce_number(raw: pd.Series, unit: ColumnUnit = ColumnUnit()) -> tuple[pd.Series, pd.Series, dict[int, str], str, bool]:
    """Numbers → float in units (元 for amounts).

    Returns ``(values, bad, issues, unit, from_cells)``: ``issues`` maps lines
    to a rule more precise than "must be a number" (mixed units or
    currencies); ``unit`` is the unit the values were written in.
    """
    issues: dict[int, str] = {}
    if pd.api.types.is_bool_dtype(raw):
        return pd.Series(np.nan, index=raw.index), raw.notna(), issues, unit.unit, False
    if pd.api.types.is_numeric_dtype(raw):
        values = raw.astype("float64")
        return values.where(np.isfinite(values)) * UNIT_FACTORS[unit.unit], values.notna() & ~np.isfinite(values), issues, unit.unit, False
    values = pd.Series(np.nan, index=raw.index, dtype="float64")
    bad = pd.Series(False, index=raw.index)
    texts, others = _split_text(raw)
    fast = pd.to_numeric(texts, errors="coerce")
    ok = fast.notna() & np.isfinite(fast)
    values[ok[ok].index] = fast[ok]
    parsed: dict[int, tuple[float, str | None, str | None]] = {}
    failed: list[int] = []
    for line, value in pd.concat([texts[~ok].astype(object), others.astype(object)]).items():
        try:
            number, currency, cell_unit = parse_amount(value)
        except ValueError:
            failed.append(line)
            continue
        if number is None:
            continue
        if cell_unit not in (None, "元") and not unit.cell_units:
            failed.append(line)
            continue
        parsed[line] = (number, currency, cell_unit)
    if failed:
        bad[failed] = True
    if parsed:
        values[list(parsed)] = [p[0] for p in parsed.values()]
    written_in, from_cells = unit.unit, False
    cell_units = {line: p[2] for line, p in parsed.items() if p[2]}
    numbers = int(values.notna().sum())
    if cell_units and unit.origin is None and len(set(cell_units.values())) == 1 and len(cell_units) == numbers:
        written_in, from_cells = next(iter(cell_units.values())), True
    origin = unit.origin or "the default unit"
    for line, cell_unit in cell_units.items():
        if UNIT_FACTORS[cell_unit] != UNIT_FACTORS[written_in]:
            issues[line] = f"is in {cell_unit} while the column is in {written_in} ({origin}): mixed units in one file; write every amount in one unit"
    currencies = {line: p[1] for line, p in parsed.items() if p[1]}
    if len(set(currencies.values())) > 1:
        counts = Counter(currencies.values())
        main = counts.most_common(1)[0][0]
        first = min(line for line, c in currencies.items() if c == main)
        for line, currency in currencies.items():
            if currency != main:
                issues[line] = f"mixed currencies in one column: {currency} here, {main} on line {first}; convert to one currency before exporting"
    for line in issues:
        bad[line] = True
    values[bad] = np.nan
    return values * UNIT_FACTORS[written_in], bad, issues, written_in, from_cells


def _parse_each(slow: pd.Series, values: pd.Series, bad: pd.Series) -> None:
    """Parse the values the vectorised path left, one by one, into ``values``/``bad``."""
    parsed: dict[int, float] = {}
    failed: list[int] = []
    for line, value in slow.items():
        try:
            number = parse_number(value)
        except ValueError:
            failed.append(line)
        else:
            if number is not None:
                parsed[line] = number
    if parsed:
        values[list(parsed)] = list(parsed.values())
    if failed:
        bad[failed] = True


def coerce_datetime(raw: pd.Series, *, date_format: str | None, excel: bool) -> tuple[pd.Series, pd.Series]:
    """Dates and datetimes → ``datetime64[us]``; returns ``(values, bad)`` (Excel day numbers only from XLSX)."""
    if pd.api.types.is_datetime64_any_dtype(raw):
        values = raw.dt.tz_localize(None) if getattr(raw.dt, "tz", None) is not None else raw
        return values.astype(DATETIME_DTYPE), pd.Series(False, index=raw.index)
    if pd.api.types.is_numeric_dtype(raw):  # numbers in a typed (Parquet) column are not dates
        return pd.Series(pd.NaT, index=raw.index, dtype=DATETIME_DTYPE), raw.notna()
    texts, others = _split_text(raw)
    values = pd.Series(pd.NaT, index=raw.index, dtype=DATETIME_DTYPE)
    bad = pd.Series(False, index=raw.index)
    parsed = parse_date_texts(texts, date_format)
    values[parsed.index] = parsed
    bad[parsed.index[parsed.isna()]] = True
    stamps = {line: excel_datetime(value, excel) for line, value in others.items()}
    good = {line: stamp for line, stamp in stamps.items() if stamp is not None and not pd.isna(stamp)}
    if good:
        values[list(good)] = pd.Series(list(good.values()), dtype=DATETIME_DTYPE).to_numpy()
    failed = [line for line in stamps if line not in good]
    if failed:
        bad[failed] = True
    return values, bad


def date_rule(text: str | None, kind: str, table: str, date_format: str | None, excel: bool) -> str:
    """Why a date cell was refused, with the fix when the form is recognisable."""
    base = "must be a date (YYYY-MM-DD)" if kind == "date" else "must be a date and time (YYYY-MM-DD HH:MM)"
    text = unicodedata.normalize("NFKC", text or "").strip()
    if date_format and _SLASH_DATE.match(text):
        return f"{base}; does not match tables.{table}.date_format {date_format!r}"
    if _SLASH_DATE.match(text):
        return (
            f"{base}; {text} could be day/month or month/day: declare the format as tables.{table}.date_format "
            f"in {CONFIG_FILE} (e.g. \"%m/%d/%Y\" or \"%d/%m/%Y\")"
        )
    if not excel and _SERIAL.match(text):
        day = (EXCEL_EPOCH + pd.to_timedelta(float(text), unit="D")).date()
        return f"{base}; {text} looks like an Excel day number ({day}): format the column as a date in Excel before saving as CSV"
    return base


def coerce_score(raw: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Score → float; returns ``(values, bad, blank_answers)`` where blank answers ("无", "N/A" …) are missing."""
    if pd.api.types.is_numeric_dtype(raw) and not pd.api.types.is_bool_dtype(raw):
        values, bad, _, _, _ = coerce_number(raw)
        return values, bad, raw.iloc[:0]
    texts, others = _split_text(raw)
    codes, uniques = pd.factorize(texts)
    folded_uniques = [unicodedata.normalize("NFKC", u).strip().casefold() for u in uniques]
    folded = pd.Series(np.asarray(folded_uniques, dtype=object)[codes] if len(texts) else [], index=texts.index, dtype="str")
    blank = folded.isin(BLANK_ANSWERS) | (folded == "")
    cleaned = folded[~blank].str.removesuffix("分")
    numbers = pd.to_numeric(cleaned, errors="coerce")
    values = pd.Series(np.nan, index=raw.index, dtype="float64")
    bad = pd.Series(False, index=raw.index)
    ok = numbers.notna() & np.isfinite(numbers)
    values[ok[ok].index] = numbers[ok]
    bad[ok.index[~ok]] = True
    _parse_each(others.astype(object), values, bad)
    return values, bad, texts[blank]


def coerce_category(text: pd.Series, column: Column) -> tuple[pd.Series, pd.Series]:
    """Apply ``value_aliases`` and the allowed values' case (case-insensitive); returns ``(values, changed)``."""
    lookup = {str(k).casefold(): v for k, v in column.value_aliases.items()}
    lookup.update({a.casefold(): a for a in column.allowed or ()})
    mapped = text.str.casefold().map(lookup)
    values = text.where(mapped.isna(), mapped).astype("str")
    changed = values.notna() & (values != text)
    return values, changed
