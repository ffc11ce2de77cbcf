"""The engine reader: DuckDB maps, types and checks a large clean CSV or Parquet table with SQL.

The contract's row-level rules (required values, parseable dates and
numbers, a return's sign, delivery before order: declared once in
:mod:`salesnb.schemas`, rendered as SQL by :mod:`salesnb.prepare.rule_sql`)
and odd ids are counted in SQL; the first violations are named by file, line, column and value. A file
the engine cannot read cleanly raises :class:`EngineFallback` and the contract
reader (:mod:`salesnb.io`) reads it instead. The typed table is written once
as Parquet and turned back into the contract reader's result by
:func:`engine_result`. Checks across tables on this path are
:mod:`salesnb.prepare.engine_checks`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..config import SourceSettings, TableSource, WorkspaceConfig
from ..errors import DataError, Problem
from ..io import (EXCEL_ERRORS, FORMATS, QUARANTINE_REASON, UNIT_FACTORS, Source, TableRead, duplicate_reason, duplicates_note,
                  extra_columns_note, resolve_headers, returns_note)
from ..schemas import Table, column_rules, table_contract
from .rule_sql import CAST_SQL, column_check, row_check
from .sql import quote_name, run_sql, sql_literal


class EngineFallback(Exception):
    """The engine cannot read this file cleanly; use the contract reader."""


@dataclass
class EngineTable:
    """One table read by the engine: the typed Parquet, where its lines start, its duplicates and headers."""

    name: str
    file: str
    path: Path
    fmt: str
    typed: Path  # Parquet, contract columns in file order (+ extras)
    offset: int  # source line of the first data row
    rows: int
    columns: list[str]
    duplicates: list[tuple[int, int]] = field(default_factory=list)  # (line, first line)
    headers: dict[str, str] = field(default_factory=dict)  # contract name -> header in the file
    extras: list[str] = field(default_factory=list)


def _relation(path: Path, fmt: str) -> str:
    if fmt == "parquet":
        return f"read_parquet({sql_literal(path)})"
    return f"read_csv({sql_literal(path)}, header = true, all_varchar = true, auto_detect = true)"


def _check_csv_text(path: Path, file: str) -> None:
    with open(path, "rb") as fh:
        head = fh.read(1 << 16)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise EngineFallback(f"{file} is UTF-16")
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not just a character cut at the end of the block
            raise EngineFallback(f"{file} is not UTF-8") from None


_ODD_ID = "[\\x{FF01}-\\x{FF5E}\\x{3000}\\x{200B}-\\x{200D}\\x{2060}\\x{FEFF}\\x{00AD}]|^[+-]?[0-9]+([.][0-9]+)?[eE][+][0-9]{1,3}$"
"""Id values the engine does not repair: full-width or invisible characters, Excel's scientific notation."""


def engine_table(con: Any, name: str, path: Path, file: str, config: WorkspaceConfig, work: Path) -> EngineTable:
    """Map, type and check one table in DuckDB; writes ``work/<name>.parquet``."""
    source = config.tables.get(name)
    fmt = _engine_format(path, file, source)
    contract = table_contract(name)
    rel = _relation(path, fmt)
    headers, types = _described(con, rel, file)
    mapping = _engine_mapping(headers, contract, source, file)
    date_format = source.date_format if source is not None else None
    select, checks, by_name, exprs = _typed_columns(headers, types, mapping, contract, file, UNIT_FACTORS[config.company.unit], date_format)
    checks += _id_checks(con, rel, fmt, contract, by_name)
    checks += _row_checks(contract, exprs)
    extras = [h for i, h in enumerate(headers) if i not in mapping]
    select += [f"NULLIF(CAST({quote_name(h)} AS VARCHAR), '') AS {quote_name(h)}" for h in extras]
    flags = " + ".join(f"(CASE WHEN {cond} THEN {1 << i} ELSE 0 END)" for i, (_, cond, _) in enumerate(checks)) or "0"
    columns = [t for _, t in sorted(mapping.items())] + extras
    typed = work / f"{name}.parquet"
    row_hash = f"hash({', '.join(quote_name(c) for c in columns)}) AS _salesnb_hash"  # for the duplicate check, in the same pass
    if " OVER " in flags:  # a rule over other rows (a unique key) may reorder them: keep the file's order explicitly
        source_rows = f"(SELECT *, row_number() OVER () AS _salesnb_pos FROM {rel})"
        rows_sql = (f"SELECT * EXCLUDE (_salesnb_pos), {row_hash} FROM (SELECT {', '.join(select)}, CAST({flags} AS BIGINT) AS _bad, "
                    f"_salesnb_pos FROM {source_rows}) ORDER BY _salesnb_pos")
    else:
        rows_sql = f"SELECT *, {row_hash} FROM (SELECT {', '.join(select)}, CAST({flags} AS BIGINT) AS _bad FROM {rel})"
    # one pass types, checks and hashes the rows and writes them, in the file's order, to the entry's typed Parquet
    # (DuckDB's default row groups of 122,880 rows: at 10M lines 3.8 s against 4.5-4.8 s in row groups of 500,000);
    # the checks below and the reduction read that file (10M lines: 1.5 s less than a temporary table copied out)
    run_sql(con, f"COPY ({rows_sql}) TO {sql_literal(typed)} (FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE 122880)")
    mem = f"_t_{name}"  # the typed rows; _salesnb_row = 0-based position in the file
    run_sql(con, f"CREATE OR REPLACE TEMP VIEW {mem} AS SELECT * EXCLUDE (file_row_number), file_row_number AS _salesnb_row "
                 f"FROM read_parquet({sql_literal(typed)}, file_row_number = true)")
    offset = 2 if fmt == "csv" else 1
    rows, problems = _rule_problems(con, mem, rel, checks, by_name, file, offset)
    if problems:
        if rows <= config.source.contract_max_rows:  # small enough: the contract reader repairs it or reports it its way
            raise EngineFallback(f"{file}: {len(problems)} value(s) break the engine's rules")
        raise DataError(problems, f"{len(problems)} problem(s) in {file}")
    result = EngineTable(name, file, path, fmt, typed, offset, rows, columns, headers=by_name, extras=extras)
    result.duplicates = _duplicates(con, mem, columns, offset)
    return result


TYPED_COLUMNS = "* EXCLUDE (_bad, _salesnb_hash, _salesnb_row)"
"""The typed table's own columns. ``_t_<name>`` (and its Parquet file) also keep each row's broken rules (``_bad``,
one bit per rule) and the hash of its values (``_salesnb_hash``, for the duplicate check); the view adds its 0-based position
(``_salesnb_row``).
The workspace is assembled from the file's own columns (``EngineTable.columns``)."""


_Check = tuple[str, str, str]
"""One engine rule: (contract column, SQL condition of a broken row, rule as reported)."""


def _engine_format(path: Path, file: str, source: TableSource | None) -> str:
    """``csv`` or ``parquet`` when the engine can read the file; :class:`EngineFallback` otherwise."""
    fmt = FORMATS.get(path.suffix.lower())
    if fmt not in ("csv", "parquet"):
        raise EngineFallback(f"{file}: {path.suffix} files are read by the contract reader")
    if source is not None and source.decimal != ".":
        raise EngineFallback(f"{file}: numbers with a decimal comma are read by the contract reader")
    if fmt == "csv":
        if source is not None and source.encoding not in (None, "utf-8", "utf-8-sig"):
            raise EngineFallback(f"{file} is {source.encoding}")
        _check_csv_text(path, file)
    return fmt


def _described(con: Any, rel: str, file: str) -> tuple[list[str], dict[str, str]]:
    """The file's headers and DuckDB's type of each, as its sniffer reads them."""
    try:
        described = con.execute(f"DESCRIBE SELECT * FROM {rel}").fetchall()
    except Exception as exc:  # noqa: BLE001 - DuckDB's sniffer could not read it: the contract reader explains
        raise EngineFallback(f"{file}: {exc}") from None
    return [row[0] for row in described], {row[0]: row[1] for row in described}


def _engine_mapping(headers: list[str], contract: Table, source: TableSource | None, file: str) -> dict[int, str]:
    """Header position → contract column, as the contract reader maps them; headers with a unit or currency,
    two headers for one column or a required column missing are left to the contract reader."""
    units: dict[str, str] = {}
    currencies: dict[str, str] = {}
    mapping = resolve_headers(headers, contract, source, units, currencies)
    targets = list(mapping.values())
    if units or currencies or len(set(targets)) != len(targets) or not set(contract.required_names) <= set(targets):
        raise EngineFallback(f"{file}: headers need the contract reader ({', '.join(headers)})")
    return mapping


def _typed_columns(headers: list[str], types: dict[str, str], mapping: dict[int, str], contract: Table, file: str, factor: float,
                   date_format: str | None) -> tuple[list[str], list[_Check], dict[str, str], dict[str, str]]:
    """``(select, checks, by_name, exprs)``: the SQL casting each mapped column to its kind, the SQL of the rules each
    column implies (:func:`~salesnb.schemas.column_rules`: parseable, required …), the file's header of each contract
    column and the typed expression of each."""
    select: list[str] = []
    checks: list[_Check] = []
    by_name: dict[str, str] = {}
    exprs: dict[str, str] = {}
    for position, target in sorted(mapping.items()):
        header = headers[position]
        column = contract.column(target)
        expr, bad = _typed_column(quote_name(header), types[header].upper(), column.kind, target, file, factor, date_format)
        select.append(f"{expr} AS {quote_name(target)}")
        by_name[target] = header
        exprs[target] = expr
        checks += [c for rule in column_rules(column) if (c := column_check(rule, column, expr, bad, date_format)) is not None]
    return select, checks, by_name, exprs


def _typed_column(raw: str, typ: str, kind: str, target: str, file: str, factor: float, date_format: str | None) -> tuple[str, str]:
    """``(expression, bad)``: the SQL of one column cast to its kind (:data:`~salesnb.prepare.rule_sql.CAST_SQL`), and
    the condition of a value that cannot be read (``"false"`` when every value can); only ``amount`` takes the unit."""
    cast = CAST_SQL.get(kind)
    if cast is None:
        raise EngineFallback(f"{file}: column kind {kind} is read by the contract reader")
    return cast(raw, typ, factor if target == "amount" else 1.0, date_format)


def _id_checks(con: Any, rel: str, fmt: str, contract: Table, by_name: dict[str, str]) -> list[_Check]:
    """Id values only the contract reader repairs or explains: full-width, invisible, scientific notation, Excel errors.

    In a Parquet file, a column with few distinct values (region, product line, channel …) is checked on its
    distinct values first (:func:`_odd_values`): DuckDB evaluates a regular expression row by row but a comparison
    once per value of a dictionary-encoded column, so the rows' condition becomes ``value IN (the odd values)``, or no
    condition when there are none. At 10M lines this is 0.05 s per column instead of 0.3-0.5 s.
    """
    ids = {target: header for target, header in by_name.items() if contract.column(target).kind == "id"}
    few = _few_valued(con, rel, list(ids.values())) if fmt == "parquet" else set()
    errors = ", ".join(sql_literal(e) for e in sorted(EXCEL_ERRORS))
    checks = []
    for target, header in ids.items():
        raw_text = f"trim(CAST({quote_name(header)} AS VARCHAR))"
        odd = f"(regexp_matches({raw_text}, {sql_literal(_ODD_ID)}) OR {raw_text} IN ({errors}))"
        if header in few:
            values = _odd_values(con, rel, raw_text, odd)
            if values is not None and not values:
                continue  # no value of the column can break the rule
            if values is not None:
                odd = f"({raw_text} IN ({', '.join(sql_literal(v) for v in values)}))"
        checks.append((target, odd, "full-width, invisible, scientific-notation or Excel-error value (the contract reader explains or repairs it)"))
    return checks


_FEW_VALUES = 1_000
"""A column with at most this many distinct values in its first :data:`_PROBE_ROWS` rows is checked on its distinct values."""

_PROBE_ROWS = 100_000


def _few_valued(con: Any, rel: str, headers: list[str]) -> set[str]:
    """The columns of ``headers`` with few distinct values among the file's first rows (which check is quicker; the
    check itself always reads every row)."""
    if not headers:
        return set()
    names = [quote_name(h) for h in headers]
    counts = con.execute(f"SELECT {', '.join(f'count(DISTINCT {n})' for n in names)} FROM (SELECT {', '.join(names)} "
                         f"FROM {rel} LIMIT {_PROBE_ROWS})").fetchall()[0]
    return {h for h, n in zip(headers, counts) if n <= _FEW_VALUES}


def _odd_values(con: Any, rel: str, raw_text: str, odd: str) -> list[str] | None:
    """The distinct values of a column that break the odd-id rule (``odd``), or None when there are too many to list."""
    found = con.execute(f"SELECT DISTINCT {raw_text} FROM {rel} WHERE {odd} LIMIT {_FEW_VALUES + 1}").fetchall()
    return None if len(found) > _FEW_VALUES else [row[0] for row in found]


def _row_checks(contract: Table, exprs: dict[str, str]) -> list[_Check]:
    """The SQL of the table's rules between the columns of a row (``Table.row_rules``: a return's sign, deliveries
    before the order), each when both its columns are mapped."""
    return [row_check(rule, exprs) for rule in contract.row_rules if rule.column in exprs and rule.other in exprs]


def _rule_problems(con: Any, mem: str, rel: str, checks: list[_Check], by_name: dict[str, str], file: str,
                   offset: int) -> tuple[int, list[Problem]]:
    """``(rows, problems)``: the rows of the typed table, and the first ten rows breaking each rule (with the count of all)."""
    counts = con.execute(
        f"SELECT count(*), {', '.join(f'count(*) FILTER (WHERE _bad & {1 << i} <> 0)' for i in range(len(checks))) or '0'} FROM {mem}"
    ).fetchall()[0]
    rows = int(counts[0])
    if rows == 0:
        raise EngineFallback(f"{file} has no data rows")
    problems: list[Problem] = []
    for i, (target, _, rule) in enumerate(checks):
        n = int(counts[i + 1])
        if not n:
            continue
        bad_rows = con.execute(f"SELECT _salesnb_row FROM {mem} WHERE _bad & {1 << i} <> 0 ORDER BY 1 LIMIT 10").fetchall()
        positions = [int(r[0]) for r in bad_rows]
        values = _raw_values(con, rel, by_name[target], positions)
        for pos in positions:
            problems.append(Problem(file, pos + offset, f"{by_name[target]} ({target})" if by_name[target] != target else target,
                                    values.get(pos), f"{rule} ({n} row(s) in all)"))
    return rows, problems


def _raw_values(con: Any, rel: str, header: str, positions: list[int]) -> dict[int, str | None]:
    """The values as written in the file at 0-based data-row ``positions`` (slow path: errors only)."""
    if not positions:
        return {}
    wanted = ", ".join(str(p) for p in positions)
    rows = con.execute(
        f"SELECT n, CAST(v AS VARCHAR) FROM (SELECT row_number() OVER () - 1 AS n, {quote_name(header)} AS v FROM {rel}) WHERE n IN ({wanted})"
    ).fetchall()
    return {int(n): (None if v is None else str(v)[:60]) for n, v in rows}


def _duplicates(con: Any, mem: str, columns: list[str], offset: int) -> list[tuple[int, int]]:
    """Rows identical in every column to an earlier row: (line, line of the first).

    Each row's hash (``_salesnb_hash``, computed with the typed table) is counted
    first; only the rows whose hash is seen more than once are compared
    column by column.
    """
    twice = f"{mem}_twice"
    run_sql(con, f"CREATE OR REPLACE TEMP TABLE {twice} AS SELECT _salesnb_hash FROM {mem} GROUP BY _salesnb_hash HAVING count(*) > 1")
    try:
        if not con.execute(f"SELECT count(*) FROM {twice}").fetchall()[0][0]:
            return []
        cols = ", ".join(quote_name(c) for c in columns)
        rows = con.execute(
            f"""
            WITH candidates AS (SELECT _salesnb_row AS pos, {TYPED_COLUMNS} FROM {mem} WHERE _salesnb_hash IN (SELECT _salesnb_hash FROM {twice})),
                 ranked AS (
                   SELECT pos, row_number() OVER w AS rn, first_value(pos) OVER w AS first
                   FROM candidates
                   WINDOW w AS (PARTITION BY {cols} ORDER BY pos ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW))
            SELECT pos, first FROM ranked WHERE rn > 1 ORDER BY pos
            """
        ).fetchall()
    finally:
        run_sql(con, f"DROP TABLE IF EXISTS {twice}")
    return [(int(p) + offset, int(f) + offset) for p, f in rows]


def engine_meta(t: EngineTable) -> dict:
    """What ``manifest.json`` keeps of an engine-read table (enough to rebuild the contract reader's result)."""
    return {"table": t.name, "file": t.file, "format": t.fmt, "rows": t.rows, "offset": t.offset, "columns": t.columns,
            "kinds": {c.name: c.kind for c in table_contract(t.name).columns}, "duplicates": [list(d) for d in t.duplicates],
            "headers": t.headers, "extras": t.extras}


def _engine_frame(meta: dict, typed: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The typed table as the contract reader returns it: (rows kept, duplicates set aside).

    Read with pyarrow: dates become timestamps in Arrow (not ten million Python dates first) and the duplicates are
    left out as slices of the table (not a copy of every column). At 10M lines 12 s became about 3 s. Texts are
    read as ``large_string``, the type pandas keeps them in, so that no column is cast (copied) on its way into the
    frame: at 10M lines the read peaks at 3.0 GB instead of 3.3 GB, in the same time.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    stored = pq.read_schema(typed)
    wanted = pa.schema([pa.field(c, pa.large_string()) if pa.types.is_string(stored.field(c).type) else stored.field(c)
                        for c in meta["columns"]])
    table = pq.read_table(typed, columns=meta["columns"], schema=wanted)
    for i, column in enumerate(table.column_names):
        if meta["kinds"].get(column, "extra") in ("date", "datetime"):
            table = table.set_column(i, column, table.column(i).cast(pa.timestamp("us")))
    duplicates = sorted(meta.get("duplicates") or [])  # (line, the line it repeats), in line order
    positions = [line - meta["offset"] for line, _ in duplicates]
    kept = pa.concat_tables([table.slice(start, stop - start) for start, stop in _runs_between(positions, table.num_rows)])
    frame = _typed_frame(kept.to_pandas(), meta)
    frame.index = pd.Index(np.delete(np.arange(table.num_rows, dtype="int64"), positions) + meta["offset"], name="source_line")
    aside = _typed_frame(table.take(pa.array(positions, type=pa.int64())).to_pandas(), meta)
    aside.index = pd.Index([line for line, _ in duplicates], dtype="int64", name="source_line")
    aside.insert(0, QUARANTINE_REASON, pd.Series([duplicate_reason(first) for _, first in duplicates], index=aside.index, dtype="str"))
    return frame, aside


def _runs_between(positions: list[int], rows: int) -> list[tuple[int, int]]:
    """The ``(start, stop)`` runs of rows ``0 … rows − 1`` between the sorted ``positions`` (at least one run).

    >>> _runs_between([2, 3, 7], 9)
    [(0, 2), (4, 7), (8, 9)]
    """
    runs, start = [], 0
    for p in positions:
        if p > start:
            runs.append((start, p))
        start = p + 1
    if start < rows or not runs:
        runs.append((start, rows))
    return runs


def _typed_frame(frame: pd.DataFrame, meta: dict) -> pd.DataFrame:
    """Each column in the contract reader's dtype: datetime64[us], float64 or str."""
    for column in frame.columns:
        kind = meta["kinds"].get(column, "extra")
        if kind in ("date", "datetime"):
            frame[column] = frame[column].astype("datetime64[us]")
        elif kind == "number":
            frame[column] = frame[column].astype("float64")
        else:
            frame[column] = frame[column].astype("str")
    return frame


def engine_result(meta: dict, typed: Path, source: Source) -> TableRead:
    """A :class:`salesnb.io.TableRead` built from an engine-read table (notes as the contract reader writes them)."""
    frame, aside = _engine_frame(meta, typed)
    notes = []
    dup = meta.get("duplicates") or []
    if dup:
        notes.append(duplicates_note(meta["table"], meta["file"], len(dup), [(a, b) for a, b in dup[:5]]))
    if meta["extras"]:
        notes.append(extra_columns_note(meta["table"], meta["file"], meta["extras"]))
    if meta["table"] == "sales":
        notes.extend(returns_note(frame, meta["file"]))
    return TableRead(frame, source, notes, aside)


def use_engine(settings: SourceSettings, sales_path: Path | None) -> bool:
    """Whether the engine reader reads the sales file (``source.reader``, else its estimated rows)."""
    if settings.reader == "contract" or sales_path is None:
        return False
    if settings.reader == "engine":
        return True
    return _estimated_rows(sales_path) >= settings.engine_min_rows


def _estimated_rows(path: Path) -> int:
    """Rows of a Parquet file (metadata), or of a CSV estimated from its size (80 bytes a line); XLSX: 0."""
    suffix = path.suffix.lower()
    if suffix in (".parquet", ".pq"):
        import pyarrow.parquet as pq

        try:
            return pq.ParquetFile(path).metadata.num_rows
        except Exception:  # noqa: BLE001 - unreadable: the contract reader reports it
            return 0
    if suffix in (".csv", ".txt", ".tsv"):
        return path.stat().st_size // 80
    return 0
