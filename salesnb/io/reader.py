"""Reading one table file: decode, map, coerce, apply the row rules, validate.

:func:`read_table_file` is the per-file reader :func:`~salesnb.io.load_workspace`
calls for each table (the prepare cache passes its own, caching one,
with the same signature: :class:`TableFileReader`); :func:`read_table` is its
public form for one file. Checks across tables are
:mod:`salesnb.io.crosscheck`.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Protocol

import pandas as pd

from ..config import CONFIG_FILE, Checks, ScaleDeclaration, TableSource
from ..errors import ConfigError, DataError, Problem, QualityNote
from ..parse import UNIT_FACTORS
from ..schemas import Table
from .coerce import ColumnUnit
from .files import format_of
from .formats import read_csv, read_parquet, read_xlsx
from .frame import ReadContext, coerce_frame
from .headers import map_columns, source_column_problems
from .model import QUARANTINE_REASON, Source
from .raw import RawTable, line_index
from .rules import drop_duplicate_rows, label_positions, reconcile_totals, returns_note, row_rules, total_rows, unreconcilable_totals
from .scales import convert_scales, declared_contract, header_scale_problems, scale_config_problems
from .validate import schema_problems


MAY_BE_EMPTY: tuple[str, ...] = ("actions",)
"""Tables whose file may hold a header only (a new action register starts empty)."""


@dataclass
class TableRead:
    """One table file read and validated: what :func:`read_table_file` returns.

    ``aside`` holds the rows set aside (footer notes, reconciled total rows,
    exact duplicates) with a ``reason`` column; ``currencies`` maps a number
    column to the currency its header names and that header (checked against
    ``company.currency`` by :func:`~salesnb.io.load_workspace`).
    """

    frame: pd.DataFrame
    source: Source
    notes: list[QualityNote]
    aside: pd.DataFrame
    currencies: dict[str, tuple[str, str]] = field(default_factory=dict)  # column → (currency its header names, header)


class TableFileReader(Protocol):
    """What :func:`~salesnb.io.load_workspace` calls to read one table file: :func:`read_table_file`'s signature.

    The prepare cache passes a reader that returns a stored :class:`TableRead`
    for a file it has read before (:class:`salesnb.prepare.workspace.CachedReader`).
    """

    def __call__(self, path: Path, table: Table, source: TableSource | None, display_name: str | None, unit: str,
                 unit_explicit: bool, scales: Mapping[str, ScaleDeclaration]) -> TableRead: ...


def aside_frame(pieces: list[pd.DataFrame]) -> pd.DataFrame:
    """The rows set aside, in line order (an empty frame with a ``reason`` column when there are none)."""
    pieces = [p for p in pieces if len(p)]
    if not pieces:
        return pd.DataFrame({QUARANTINE_REASON: pd.Series(dtype="str")}, index=line_index([]))
    out = pd.concat(pieces).sort_index(kind="stable")
    out.index.name = "source_line"
    return out


def read_table_file(
    path: Path,
    table: Table,
    source: TableSource | None,
    display_name: str | None,
    unit: str,
    unit_explicit: bool,
    scales: Mapping[str, ScaleDeclaration],
) -> TableRead:
    """Read one table file, map its headers, coerce, set rows aside and validate (the reader of :func:`load_workspace`).

    Parameters
    ----------
    path : Path
        The CSV, XLSX or Parquet file.
    table : Table
        Its contract.
    source : TableSource or None
        ``workspace.yaml``'s ``tables.<name>`` entry.
    display_name : str or None
        File name used in problems and notes (default: ``path.name``).
    unit : str
        ``company.unit``.
    unit_explicit : bool
        Whether ``unit`` was written in ``workspace.yaml``.
    scales : mapping
        Declared survey scales (``checks.scales``; empty for other tables).

    Returns
    -------
    TableRead

    Raises
    ------
    ConfigError, DataError
        As :func:`read_table`.
    """
    path = Path(path)
    file = display_name or path.name
    contract, table = table, _declared(table, source, unit, scales)
    if not path.is_file():
        raise DataError([Problem(file, None, None, None, "file not found")])
    fmt = format_of(path, file)
    raw, digest = _read_raw(path, fmt, file, table, source)

    currencies: dict[str, str] = {}
    mapping, header_units, mapping_problems, notes = map_columns(raw, table, source, file, currencies)
    notes = raw.notes + notes
    _check_mapped(raw, table, file, mapping_problems)
    ctx = ReadContext(file, table, raw, mapping, raw.excel)
    units, unit_problems = _column_units(ctx, header_units, unit, unit_explicit)
    unit_problems += header_scale_problems(ctx, contract, scales)
    frame, value_problems, coerce_notes, bad_cells = coerce_frame(ctx, units, source.date_format if source else None,
                                                                   source.decimal if source else ".")
    notes += coerce_notes
    pieces: list[pd.DataFrame] = []
    if raw.set_aside:
        pieces.append(pd.DataFrame({QUARANTINE_REASON: [r for _, r in raw.set_aside]}, index=line_index([n for n, _ in raw.set_aside])))

    frame, value_problems, bad_cells, totals, total_notes = _set_aside_totals(frame, ctx, units, value_problems, bad_cells)
    pieces += totals
    notes += total_notes
    frame, dup_notes, duplicates = drop_duplicate_rows(frame, table.name, file)
    notes += dup_notes
    pieces.append(duplicates)
    value_problems += schema_problems(frame, ctx, bad_cells)
    value_problems += row_rules(frame, ctx, bad_cells)
    _raise_problems(file, value_problems, raw.problems, unit_problems)
    if scales:
        notes += convert_scales(frame, contract, scales, file)
    if table.name == "sales":
        notes += returns_note(frame, file)
    headers = {target: raw.headers[p] for p, target in mapping.items() if target in currencies}
    return TableRead(frame, _source(table, file, path, fmt, raw, digest), notes, aside_frame(pieces),
                     {t: (c, headers[t]) for t, c in currencies.items()})


def _source(table: Table, file: str, path: Path, fmt: str, raw: RawTable, digest: str) -> Source:
    """Where the table came from, as ``run.json`` records it."""
    return Source(
        table=table.name,
        file=file,
        path=path.resolve(),
        format=fmt,
        encoding=raw.encoding,
        sheet=raw.sheet,
        rows=len(raw.lines),
        sha256=digest,
    )


def _declared(table: Table, source: TableSource | None, unit: str, scales: Mapping[str, ScaleDeclaration]) -> Table:
    """The contract with the declared survey scales, after checking ``unit`` and the configuration of this table."""
    if unit not in UNIT_FACTORS:
        raise ValueError(f"unit {unit!r} is not one of {', '.join(UNIT_FACTORS)}")
    config_problems = source_column_problems(table, source) + scale_config_problems(table, scales)
    if config_problems:
        raise ConfigError(config_problems, f"{len(config_problems)} problem(s) in {CONFIG_FILE}")
    return declared_contract(table, scales)


def _read_raw(path: Path, fmt: str, file: str, table: Table, source: TableSource | None) -> tuple[RawTable, str]:
    """The file parsed by the reader of its format, and the sha256 of its bytes."""
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if fmt == "csv":
        raw = read_csv(path, data, file, table, source)
    elif fmt == "xlsx":
        raw = read_xlsx(path, file, table, source)
    else:
        raw = read_parquet(path, file)
    del data
    return raw, digest


def _check_mapped(raw: RawTable, table: Table, file: str, mapping_problems: list[Problem]) -> None:
    """Stop before the values when the headers did not map, or when there are no rows to read."""
    if mapping_problems:  # values cannot be checked against the wrong columns
        raise DataError(raw.problems + mapping_problems, f"{len(raw.problems) + len(mapping_problems)} problem(s) in {file}")
    if len(raw.lines) == 0 and not raw.problems and table.name not in MAY_BE_EMPTY:
        raise DataError([Problem(file, None, None, None, "has a header but no data rows: export the rows too (or remove the file)")], f"{file} has no rows")


def _set_aside_totals(frame: pd.DataFrame, ctx: ReadContext, units: dict[str, ColumnUnit], value_problems: list[Problem],
                      bad_cells: set[tuple[int, str]]) -> tuple[pd.DataFrame, list[Problem], set[tuple[int, str]], list[pd.DataFrame], list[QualityNote]]:
    """Total and subtotal rows: checked against the detail rows and set aside (a table with amounts), or an error (without).

    Returns ``(frame, value_problems, bad_cells, set-aside pieces, notes)``:
    the problems and bad cells of the total rows are replaced by the totals'
    own problems.
    """
    table, raw, file = ctx.table, ctx.raw, ctx.file
    pieces: list[pd.DataFrame] = []
    notes: list[QualityNote] = []
    has_numbers = any(c.kind == "number" and c.name in frame for c in table.columns)
    kinds = total_rows(raw) if has_numbers else pd.Series(dtype=object)
    if len(kinds):
        factors = {name: UNIT_FACTORS[u.unit] for name, u in units.items()}
        total_problems, matched = reconcile_totals(frame, kinds, ctx, factors)
        value_problems = [p for p in value_problems if p.line not in kinds.index] + total_problems
        bad_cells = {c for c in bad_cells if c[0] not in kinds.index}
        totals = frame.loc[kinds.index].copy()
        totals.insert(0, QUARANTINE_REASON, ["subtotal row (小计)" if k == "subtotal" else "total row (合计)" for k in kinds])
        frame = frame.drop(index=kinds.index)
        pieces.append(totals)
        if not total_problems:
            notes.append(
                QualityNote(
                    table.name, file, "total_rows_dropped", len(kinds),
                    f"{len(kinds)} total/subtotal row(s) (合计, 小计, Total) match the detail rows and were set aside so that sums are not doubled",
                    "warning", tuple(matched[:5]),
                )
            )
    elif not has_numbers:
        # no amounts to check a 合计 row against (customers, surveys, complaints, interviews): an error, never a row
        labels = total_rows(raw, label_positions(ctx))
        if len(labels):
            value_problems = [p for p in value_problems if p.line not in labels.index] + unreconcilable_totals(labels, ctx)
            bad_cells = {c for c in bad_cells if c[0] not in labels.index}
            frame = frame.drop(index=labels.index)  # reported once, as a total row
    return frame, value_problems, bad_cells, pieces, notes


def _raise_problems(file: str, value_problems: list[Problem], raw_problems: list[Problem], unit_problems: list[Problem]) -> None:
    """Raise every problem of the file at once: a decimal comma first, then the parser's, the units', the values' by line."""
    comma = [p for p in value_problems if p.rule.startswith("the numbers use a decimal comma")]
    rest = [p for p in value_problems if not p.rule.startswith("the numbers use a decimal comma")]
    problems = comma + raw_problems + unit_problems + sorted(rest, key=lambda p: (p.line is None, p.line or 0))
    if problems:
        raise DataError(problems, f"{len(problems)} problem(s) in {file}")


def _column_units(ctx: ReadContext, header_units: dict[str, str], unit: str, unit_explicit: bool) -> tuple[dict[str, ColumnUnit], list[Problem]]:
    """The unit of each number column: from its header, else (amount) ``company.unit``."""
    units: dict[str, ColumnUnit] = {}
    problems: list[Problem] = []
    for name, header_unit in header_units.items():
        origin = f"header {ctx.header(name).split(' (')[0]!r}"
        units[name] = ColumnUnit(header_unit, origin, cell_units=name == "amount")
        if name == "amount" and unit_explicit and UNIT_FACTORS[unit] != UNIT_FACTORS[header_unit]:
            problems.append(
                Problem(
                    ctx.file, None, ctx.header(name), None,
                    f"the header says the amounts are in {header_unit} but company.unit in {CONFIG_FILE} says {unit}: "
                    "remove the unit from one of them so that amounts are converted once",
                )
            )
    if "amount" not in units and "amount" in ctx.mapping.values():
        units["amount"] = ColumnUnit(unit, "company.unit" if unit_explicit else None, cell_units=True)
    return units, problems


def read_table(
    path: Path,
    table: Table,
    source: TableSource | None = None,
    *,
    display_name: str | None = None,
    unit: str = "元",
    unit_explicit: bool | None = None,
    checks: Checks | None = None,
) -> tuple[pd.DataFrame, Source, list[QualityNote]]:
    """Read one table file, map its headers, coerce and validate its values.

    Parameters
    ----------
    path : Path
        The CSV, XLSX or Parquet file.
    table : Table
        Its contract (for surveys, ``table_contract("surveys", config.dimension_aliases())``).
    source : TableSource, optional
        ``workspace.yaml``'s ``tables.<name>`` entry (sheet, encoding, columns, date_format).
    display_name : str, optional
        File name used in problems and notes (default: ``path.name``).
    unit : str
        ``company.unit``; ``amount`` values are multiplied to units (元).
    unit_explicit : bool, optional
        Whether ``unit`` was written in ``workspace.yaml`` (a unit in the
        header that contradicts it is then an error); default: ``unit != "元"``.
    checks : Checks, optional
        ``workspace.yaml``'s ``checks`` (declared survey scales).

    Returns
    -------
    frame : DataFrame
        Contract columns (plus extra columns), index ``source_line``; rows set
        aside (totals, duplicates, footers) are left out — see
        :func:`load_workspace` for them.
    source : Source
    notes : list of QualityNote

    Raises
    ------
    DataError
        Every problem of the file at once (``ConfigError`` when
        ``source.columns`` names a column the contract does not have).

    Examples
    --------
    >>> from salesnb.schemas import CONTRACT
    >>> df, src, notes = read_table(Path("sales.csv"), CONTRACT["sales"])  # doctest: +SKIP
    >>> src.encoding, df.index.name                                        # doctest: +SKIP
    ('utf-8', 'source_line')
    """
    explicit = unit != "元" if unit_explicit is None else unit_explicit
    scales = checks.scales if checks is not None and table.name == "surveys" else {}
    result = read_table_file(path, table, source, display_name, unit, explicit, scales)
    return result.frame, result.source, result.notes
