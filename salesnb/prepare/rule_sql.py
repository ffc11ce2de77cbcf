"""The engine reader's half of the contract's rules: the SQL predicate of a broken row, one small function per rule kind.

The rules themselves are declared once in :mod:`salesnb.schemas` (:class:`~salesnb.schemas.Rule`,
:func:`~salesnb.schemas.column_rules`, ``Table.row_rules``); the contract reader checks the same kinds in pandas
(:data:`salesnb.schemas.PANDERA_CHECKS`, :data:`salesnb.io.rules.ROW_CHECKS`). Here each kind becomes a condition
on the typed column expressions and the rule as the engine reports it; the ``parse`` rule is the cast of each kind
(:data:`CAST_SQL`). Mapping a file, the odd-id check that sends a file back to the contract reader and running the
checks are :mod:`salesnb.prepare.engine_read`.
"""
from __future__ import annotations

from typing import Callable

from ..schemas import Column, Rule, value_rule_text
from .sql import sql_literal

__all__ = ["CAST_SQL", "COLUMN_SQL", "ROW_SQL", "column_check", "row_check"]


_DECIMAL_COMMA_SQL = r",(\d{0,2}|\d{4,})(\D|$)|\.\d*,"
"""A comma not followed by exactly three digits, or after a decimal point: not a thousands separator."""


def _text_of(raw: str) -> str:
    return f"NULLIF(trim(CAST({raw} AS VARCHAR)), '')"


def _cast_id(raw: str, typ: str, scale: float, date_format: str | None) -> tuple[str, str]:
    return _text_of(raw), "false"


def _cast_text(raw: str, typ: str, scale: float, date_format: str | None) -> tuple[str, str]:
    return f"NULLIF(CAST({raw} AS VARCHAR), '')", "false"


def _cast_date(raw: str, typ: str, scale: float, date_format: str | None) -> tuple[str, str]:
    if typ.startswith(("DATE", "TIMESTAMP")):
        return f"CAST({raw} AS DATE)", "false"
    text = _text_of(raw)
    parsed = [f"TRY_CAST({text} AS DATE)"]
    if date_format:
        parsed.insert(0, f"CAST(TRY_STRPTIME({text}, {sql_literal(date_format)}) AS DATE)")
    expr = f"COALESCE({', '.join(parsed)})"
    return expr, f"({text} IS NOT NULL AND {expr} IS NULL)"


def _cast_datetime(raw: str, typ: str, scale: float, date_format: str | None) -> tuple[str, str]:
    text = _text_of(raw)
    expr = f"TRY_CAST({text} AS TIMESTAMP)" if typ == "VARCHAR" else f"CAST({raw} AS TIMESTAMP)"
    return expr, f"({text} IS NOT NULL AND {expr} IS NULL)"


def _cast_number(raw: str, typ: str, scale: float, date_format: str | None) -> tuple[str, str]:
    text = _text_of(raw)
    base = f"TRY_CAST(replace({text}, ',', '') AS DOUBLE)" if typ == "VARCHAR" else f"CAST({raw} AS DOUBLE)"
    expr = f"({base} * {scale!r})" if scale != 1.0 else base
    # a comma is a thousands separator only before three digits: 18.972,00 or 1,23 is a decimal comma, never 18.972 or 123
    comma = f"regexp_matches({text}, {sql_literal(_DECIMAL_COMMA_SQL)})"
    return expr, (f"({text} IS NOT NULL AND ({base} IS NULL OR {comma}))" if typ == "VARCHAR" else "false")


CAST_SQL: dict[str, Callable[[str, str, float, str | None], tuple[str, str]]] = {
    "id": _cast_id, "text": _cast_text, "date": _cast_date, "datetime": _cast_datetime, "number": _cast_number,
}
"""The ``parse`` rule in SQL: each kind the engine reads → ``(raw column, DuckDB type, scale, date_format)`` →
``(typed expression, condition of a value that cannot be read)``. ``score`` and ``category`` are not here: their
columns are read by the contract reader (blank answers such as 无, value aliases)."""


def _parse(rule: Rule, column: Column, expr: str, bad: str) -> str | None:
    return None if bad == "false" else bad  # "false": every value of the column's type can be read


def _required(rule: Rule, column: Column, expr: str, bad: str) -> str:
    return f"({expr} IS NULL)"


def _allowed(rule: Rule, column: Column, expr: str, bad: str) -> str:
    return f"({expr} IS NOT NULL AND {expr} NOT IN ({', '.join(sql_literal(v) for v in column.allowed or ())}))"


def _range(rule: Rule, column: Column, expr: str, bad: str) -> str:
    return f"({expr} < {float(column.low)!r} OR {expr} > {float(column.high)!r})"


def _whole(rule: Rule, column: Column, expr: str, bad: str) -> str:
    return f"({expr} <> floor({expr}))"


def _unique(rule: Rule, column: Column, expr: str, bad: str) -> str:
    return f"({expr} IS NOT NULL AND count(*) OVER (PARTITION BY {expr}) > 1)"


COLUMN_SQL: dict[str, Callable[[Rule, Column, str, str], str | None]] = {
    "parse": _parse, "required": _required, "allowed": _allowed, "range": _range, "whole": _whole, "unique": _unique,
}
"""The SQL predicate of each rule a column implies, given the column's typed expression and its "cannot be read"
condition (``None``: no row can break it)."""

ROW_SQL: dict[str, Callable[[Rule, dict[str, str]], str]] = {
    "same_sign": lambda rule, exprs: f"(({exprs[rule.other]}) * ({exprs[rule.column]}) < 0)",
    "not_before": lambda rule, exprs: f"(({exprs[rule.column]}) < ({exprs[rule.other]}))",
}
"""The SQL predicate of each rule between the columns of a row, given the typed expression of each column."""

def _column_text(rule: Rule, column: Column, date_format: str | None) -> str:
    """The rule as the engine reader reports it (the contract reader words its own, cell by cell)."""
    if rule.kind == "parse":
        return f"not a valid {column.kind}" + (f" (format {date_format})" if date_format and column.kind == "date" else "")
    if rule.kind == "required":
        return "required value is missing"
    if rule.kind == "unique":
        return "must be unique (duplicated id)"
    return value_rule_text(rule.kind, column)  # worded as the contract reader's pandera checks word them


def column_check(rule: Rule, column: Column, expr: str, bad: str, date_format: str | None) -> tuple[str, str, str] | None:
    """``(column, predicate, rule as reported)`` of a column rule, or ``None`` when no row can break it (every
    value of the column's type can be read). Every declared rule kind is applied on both paths."""
    predicate = COLUMN_SQL[rule.kind](rule, column, expr, bad)
    if predicate is None:
        return None
    return column.name, predicate, _column_text(rule, column, date_format)


def row_check(rule: Rule, exprs: dict[str, str]) -> tuple[str, str, str]:
    """``(column, predicate, rule as reported)`` of a rule between the columns of a row."""
    text = f"sign differs from the {rule.other}: {rule.what}" if rule.kind == "same_sign" else f"the {rule.what} is before {rule.event}"
    return rule.column, ROW_SQL[rule.kind](rule, exprs), text
