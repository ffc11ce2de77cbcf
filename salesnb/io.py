"""Read a workspace: find the files, decode them, map headers, coerce, validate.

The data layer turns a company's exports into DataFrames that follow the
contract in :mod:`salesnb.schemas`:

* column names are the contract names (unmapped extra columns keep their
  original header);
* the index is the **source line** (``df.index.name == "source_line"``): the
  physical line where a CSV record starts (the header is line 1), the Excel row
  number, or the Parquet row number + 1 — so every message can point at the
  line an analyst sees in their editor;
* id/text/category columns have pandas' ``str`` dtype, date/datetime columns
  ``datetime64[us]``, number and score columns ``float64`` (NaN = missing).

Every broken rule becomes a :class:`~salesnb.errors.Problem`; all problems of
all tables are raised together in one :class:`~salesnb.errors.DataError`.
Documented repairs and warnings become :class:`~salesnb.errors.QualityNote` s.

The module is split by concern: finding files, decoding and parsing each
format into a raw table, mapping headers, coercing values per kind, turning
pandera failures into problems, and the cross-table checks of
:func:`load_workspace`.
"""
from __future__ import annotations

import codecs
import csv
import hashlib
import math
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, time
from io import StringIO
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

import numpy as np
import pandas as pd

from .config import CONFIG_FILE, TableSource, WorkspaceConfig, load_config
from .errors import ConfigError, DataError, Problem, QualityNote
from .schemas import TABLE_NAMES, Column, Table, normalise_header, pandera_schema, table_contract

__all__ = [
    "Source",
    "Workspace",
    "read_table",
    "load_workspace",
    "find_table_file",
    "sha256_file",
    "REQUIRED_TABLES",
    "UNIT_FACTORS",
    "QUALITY_COLUMNS",
]

REQUIRED_TABLES: tuple[str, ...] = ("sales", "customers")
"""Tables a workspace must have; the others are optional."""

UNIT_FACTORS: dict[str, float] = {
    "元": 1.0,
    "unit": 1.0,
    "千元": 1e3,
    "thousand": 1e3,
    "万元": 1e4,
    "百万元": 1e6,
    "million": 1e6,
}
"""Factor that turns an ``amount`` written in ``company.unit`` into units (元)."""

QUALITY_COLUMNS: tuple[str, ...] = ("table", "file", "severity", "rule", "count", "detail", "examples")

SEARCH_SUFFIXES: tuple[str, ...] = (".csv", ".xlsx", ".parquet")
FORMATS: dict[str, str] = {
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "csv",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".parquet": "parquet",
    ".pq": "parquet",
}
DATETIME_DTYPE = "datetime64[us]"
HEADER_SEARCH_ROWS = 20
EXTRA = "extra"
"""``tables.<name>.columns`` target that keeps a column as an unmapped extra."""

# Answers that mean "not answered" in a score column (compared after NFKC,
# strip and casefold; the empty string is plain missing and not counted).
BLANK_ANSWERS = frozenset({"无", "n/a", "na", "-", "--", "—", "——", "不适用", "未回答", "未填", "空", "/"})

# Tables whose customer_id is checked against customers, and those whose blank
# region is taken from the customer.
CUSTOMER_TABLES: tuple[str, ...] = ("sales", "complaints", "surveys", "interviews")
REGION_FROM_CUSTOMER: tuple[str, ...] = ("surveys", "complaints")


# ---------------------------------------------------------------------------
# Public data classes
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """Where a table came from (written to ``run.json``).

    Parameters
    ----------
    table : str
        Contract table name.
    file : str
        File name relative to the workspace folder.
    path : Path
        Absolute path of the file.
    format : str
        ``"csv"``, ``"xlsx"`` or ``"parquet"``.
    encoding : str or None
        Text encoding detected (or forced) for CSV files; ``None`` otherwise.
    sheet : str or None
        Worksheet read for XLSX files; ``None`` otherwise.
    rows : int
        Data rows read from the file (before cross-table repairs).
    sha256 : str
        Hex digest of the file bytes.
    """

    table: str
    file: str
    path: Path
    format: str
    encoding: str | None
    sheet: str | None
    rows: int
    sha256: str


@dataclass(frozen=True, eq=False)
class Workspace:
    """A loaded workspace: its configuration, tables, sources and quality notes.

    Examples
    --------
    >>> ws = load_workspace("data/sample")            # doctest: +SKIP
    >>> ws.has("surveys"), ws.table("sales").index.name  # doctest: +SKIP
    (True, 'source_line')
    """

    root: Path
    name: str
    config: WorkspaceConfig
    tables: Mapping[str, pd.DataFrame]
    sources: Mapping[str, Source]
    notes: tuple[QualityNote, ...] = ()

    def has(self, table: str) -> bool:
        """Whether the workspace holds ``table`` (e.g. ``"surveys"``)."""
        return table in self.tables

    def table(self, name: str) -> pd.DataFrame:
        """A copy of table ``name``.

        Raises
        ------
        KeyError
            When the table is not in the workspace (the message says which
            tables are present and how to add the missing one).
        """
        if name not in self.tables:
            present = ", ".join(self.tables) or "none"
            if name not in TABLE_NAMES:
                raise KeyError(f"{name!r} is not a table of the data contract (tables: {', '.join(TABLE_NAMES)})")
            raise KeyError(
                f"table {name!r} is not in workspace {self.name!r} (present: {present}); "
                f"add {name}.csv, {name}.xlsx or {name}.parquet to {self.root}"
            )
        return self.tables[name].copy()

    def quality_frame(self) -> pd.DataFrame:
        """One row per quality note: table, file, severity, rule, count, detail, examples.

        Examples
        --------
        >>> ws.quality_frame().columns.tolist()  # doctest: +SKIP
        ['table', 'file', 'severity', 'rule', 'count', 'detail', 'examples']
        """
        rows = [note.as_row() for note in self.notes]
        frame = pd.DataFrame(rows, columns=list(QUALITY_COLUMNS))
        return frame.astype({"count": "int64"})


# ---------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------


def sha256_file(path: Path) -> str:
    """Hex SHA-256 digest of a file's bytes.

    Examples
    --------
    >>> sha256_file(Path("data/sample/sales.csv"))[:12]  # doctest: +SKIP
    '3f1c0e9a7b2d'
    """
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _candidates(root: Path, table: str) -> list[Path]:
    """``<table>.csv``, ``.xlsx``, ``.parquet`` present in ``root`` (file names compared case-insensitively)."""
    if not root.is_dir():
        return []
    by_lower = {p.name.lower(): p for p in sorted(root.iterdir()) if p.is_file()}
    return [by_lower[f"{table}{suffix}"] for suffix in SEARCH_SUFFIXES if f"{table}{suffix}" in by_lower]


def find_table_file(root: Path, table: str, config: WorkspaceConfig | None) -> Path | None:
    """The file holding ``table`` in workspace folder ``root``, or ``None``.

    ``workspace.yaml``'s ``tables.<table>.file`` wins (``None`` when that file
    does not exist); otherwise the first of ``<table>.csv``, ``<table>.xlsx``,
    ``<table>.parquet`` (file names compared case-insensitively).

    Examples
    --------
    >>> find_table_file(Path("data/sample"), "sales", None).name  # doctest: +SKIP
    'sales.csv'
    """
    root = Path(root)
    source = config.tables.get(table) if config is not None else None
    if source is not None:
        path = root / source.file
        return path if path.is_file() else None
    found = _candidates(root, table)
    return found[0] if found else None


def _format_of(path: Path, file: str) -> str:
    suffix = path.suffix.lower()
    if suffix == ".xls":
        raise DataError([Problem(file, None, None, None, "old .xls workbooks are not read: open the file in Excel and save it as .xlsx (or as CSV UTF-8)")])
    if suffix not in FORMATS:
        raise DataError([Problem(file, None, None, None, f"unknown file type {suffix or '(none)'}: use .csv, .xlsx or .parquet")])
    return FORMATS[suffix]


# ---------------------------------------------------------------------------
# Raw tables: one per file format, all values still as in the file
# ---------------------------------------------------------------------------


@dataclass
class _Raw:
    """A file parsed into columns of raw values, before mapping and coercion."""

    headers: list[str]
    columns: list[pd.Series]  # one per header, index = source lines
    positions: list[int]  # 0-based column position in the file (cell references)
    lines: pd.Index
    encoding: str | None = None
    sheet: str | None = None
    excel: bool = False
    problems: list[Problem] = field(default_factory=list)
    notes: list[QualityNote] = field(default_factory=list)


def _clip(value: Any, width: int = 60) -> str | None:
    if value is None:
        return None
    text = str(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def _line_index(lines) -> pd.Index:
    return pd.Index(np.asarray(lines, dtype="int64"), name="source_line")


def _drop_empty_unnamed(raw: _Raw) -> None:
    """Drop columns without a header and without any value (spreadsheet padding)."""
    keep = [i for i, (h, s) in enumerate(zip(raw.headers, raw.columns)) if h or s.notna().any()]
    raw.headers = [raw.headers[i] or f"column_{raw.positions[i] + 1}" for i in keep]
    raw.columns = [raw.columns[i] for i in keep]
    raw.positions = [raw.positions[i] for i in keep]


def _blank_note(table: str, file: str, lines: list[int], label: str = "line") -> list[QualityNote]:
    if not lines:
        return []
    return [
        QualityNote(
            table, file, "blank_rows_skipped", len(lines),
            f"{len(lines)} blank row(s) skipped", "repair", tuple(f"{label} {n}" for n in lines[:5]),
        )
    ]


# --- CSV --------------------------------------------------------------------


def _line_of_offset(data: bytes, offset: int, encoding: str) -> int:
    """1-based line of byte ``offset``; the bytes before it decode cleanly by construction."""
    prefix = data[:offset].decode(encoding)
    return len(re.findall(r"\r\n|\r|\n", prefix)) + 1


def _decode(data: bytes, file: str, table: str, forced: str | None) -> tuple[str, str]:
    """Decode CSV bytes strictly; return ``(text, encoding)``.

    BOMs decide (UTF-8 BOM → ``utf-8-sig``, UTF-16 BOM → ``utf-16``); else
    UTF-8, then GB18030. ``forced`` (``tables.<name>.encoding``) overrides.
    """
    if forced:
        encodings = [forced]
    elif data.startswith(codecs.BOM_UTF8):
        encodings = ["utf-8-sig"]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings = ["utf-16"]
    else:
        encodings = ["utf-8", "gb18030"]
    failures: list[tuple[str, UnicodeDecodeError]] = []
    for encoding in encodings:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError as exc:
            failures.append((encoding, exc))
            continue
        return text.removeprefix("\ufeff"), encoding
    # the encoding that got furthest is the likeliest one; report where it broke
    encoding, exc = max(failures, key=lambda f: f[1].start)
    line = _line_of_offset(data, exc.start, encoding)
    bad = data[exc.start : max(exc.end, exc.start + 1)]
    tried = " or ".join(e.upper() for e, _ in failures)
    hint = (
        f"check the encoding set in {CONFIG_FILE} (tables.{table}.encoding)"
        if forced
        else f"save the file as CSV UTF-8, or set tables.{table}.encoding in {CONFIG_FILE}"
    )
    rule = f"cannot be decoded as {tried}: byte(s) {bad.hex(' ')} at byte offset {exc.start} (line {line}) are not valid {encoding.upper()}; {hint}"
    raise DataError([Problem(file, line, None, bad.hex(" "), rule)], f"{file} is not readable text")


def _sniff_delimiter(text: str) -> str:
    """The delimiter of the header line: the most frequent of , tab ; | (comma when none)."""
    first = next((ln for ln in StringIO(text, newline="") if ln.strip()), "")
    counts = {d: first.count(d) for d in (",", "\t", ";", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _parse_csv(text: str, file: str, table: str) -> _Raw:
    """Split decoded text into records with the line where each record starts."""
    delimiter = _sniff_delimiter(text)
    reader = csv.reader(StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] | None = None
    rows: list[list[str]] = []
    lines: list[int] = []
    blank: list[int] = []
    problems: list[Problem] = []
    previous = 0
    old_limit = csv.field_size_limit()
    csv.field_size_limit(1 << 30)
    try:
        for record in reader:
            start, previous = previous + 1, reader.line_num
            if not record or not "".join(record).strip():
                blank.append(start)
                continue
            if header is None:
                header = record
                continue
            if len(record) != len(header):
                rule = f"expected {len(header)} fields, found {len(record)}"
                if reader.line_num > start:
                    rule += f" (the record runs to line {reader.line_num}: check for an unclosed quote)"
                problems.append(Problem(file, start, None, _clip(delimiter.join(record)), rule))
                continue
            rows.append(record)
            lines.append(start)
    except csv.Error as exc:
        problems.append(Problem(file, previous + 1, None, None, f"cannot be read as CSV: {exc}"))
    finally:
        csv.field_size_limit(old_limit)
    if header is None:
        raise DataError([Problem(file, None, None, None, "the file is empty (no header line)")], f"{file} is empty")
    index = _line_index(lines)
    columns = []
    for values in (zip(*rows) if rows else [()] * len(header)):
        s = pd.Series(list(values), index=index, dtype="str").str.strip()
        columns.append(s.mask(s == ""))
    raw = _Raw(
        headers=[h.strip() for h in header],
        columns=columns,
        positions=list(range(len(header))),
        lines=index,
        problems=problems,
        notes=_blank_note(table, file, blank),
    )
    _drop_empty_unnamed(raw)
    return raw


def _read_csv(path: Path, data: bytes, file: str, table: str, source: TableSource | None) -> _Raw:
    text, encoding = _decode(data, file, table, source.encoding if source else None)
    raw = _parse_csv(text, file, table)
    raw.encoding = encoding
    return raw


# --- XLSX -------------------------------------------------------------------


def _cell_value(value: Any) -> Any:
    """Excel cell → raw value: stripped text (``None`` when blank) or the typed value."""
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def _header_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _read_xlsx(path: Path, file: str, table: Table, source: TableSource | None) -> _Raw:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for damaged files
        raise DataError([Problem(file, None, None, None, f"cannot be opened as an Excel workbook: {exc}")]) from None
    try:
        wanted = source.sheet if source else None
        names = workbook.sheetnames
        if wanted is None:
            sheet = workbook.worksheets[0]
        elif isinstance(wanted, int):
            if not 0 <= wanted < len(names):
                raise DataError([Problem(file, None, None, str(wanted), f"sheet number {wanted} does not exist (counted from 0; sheets: {', '.join(names)})")])
            sheet = workbook.worksheets[wanted]
        else:
            if wanted not in names:
                raise DataError([Problem(file, None, None, wanted, f"sheet {wanted!r} does not exist (sheets: {', '.join(names)})")])
            sheet = workbook[wanted]
        sheet.reset_dimensions()  # do not trust the stored dimension
        rows = [tuple(r) for r in sheet.iter_rows(values_only=True)]
        title = sheet.title
    finally:
        workbook.close()

    header_at = _find_header_row(rows, table, source)
    width = max((len(r) for r in rows), default=0)
    header_cells = list(rows[header_at]) if rows else []
    headers = [_header_text(v) for v in header_cells] + [""] * (width - len(header_cells))
    notes: list[QualityNote] = []
    if header_at > 0:
        notes.append(
            QualityNote(
                table.name, file, "header_not_first_row", header_at,
                f"header found on row {header_at + 1} of sheet {title!r}; the {header_at} row(s) above it were ignored",
                "warning", tuple(f"row {i + 1}: {_clip(' '.join(_header_text(v) for v in rows[i] if v is not None), 40)}" for i in range(min(header_at, 5))),
            )
        )
    data_rows: list[list[Any]] = []
    lines: list[int] = []
    blank: list[int] = []
    for number, row in enumerate(rows[header_at + 1 :], start=header_at + 2):
        values = [_cell_value(v) for v in row]
        if all(v is None for v in values):
            blank.append(number)
            continue
        data_rows.append(values + [None] * (width - len(values)))
        lines.append(number)
    index = _line_index(lines)
    columns = [pd.Series([r[i] for r in data_rows], index=index, dtype=object) for i in range(width)]
    raw = _Raw(
        headers=headers, columns=columns, positions=list(range(width)), lines=index,
        sheet=title, excel=True, notes=notes + _blank_note(table.name, file, blank, "row"),
    )
    _drop_empty_unnamed(raw)
    return raw


def _find_header_row(rows: list[tuple], table: Table, source: TableSource | None) -> int:
    """0-based row holding every required column (first 20 rows), else the best match."""
    best, best_score = None, -1
    for i, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        headers = [_header_text(v) for v in row]
        if not any(headers):
            continue
        targets = set(_resolve_headers(headers, table, source).values())
        score = len(targets & set(table.required_names))
        if score == len(table.required_names):
            return i
        if score > best_score:
            best, best_score = i, score
    return best if best is not None else 0


# --- Parquet ----------------------------------------------------------------


def _read_parquet(path: Path, file: str) -> _Raw:
    import pyarrow.parquet as pq

    try:
        frame = pq.read_table(path).to_pandas(date_as_object=False)
    except Exception as exc:  # pyarrow raises ArrowInvalid, OSError …
        raise DataError([Problem(file, None, None, None, f"cannot be read as Parquet: {exc}")]) from None
    index = _line_index(np.arange(1, len(frame) + 1))
    columns = []
    for i in range(frame.shape[1]):
        column = frame.iloc[:, i].set_axis(index)
        if isinstance(column.dtype, pd.CategoricalDtype):  # dictionary-encoded columns
            column = column.astype(object)
        if isinstance(column.dtype, pd.StringDtype):
            column = column.str.strip()
            column = column.mask(column == "")
        elif column.dtype == object:
            column = column.map(_cell_value, na_action="ignore")
        columns.append(column)
    raw = _Raw(headers=[str(c).strip() for c in frame.columns], columns=columns, positions=list(range(frame.shape[1])), lines=index)
    _drop_empty_unnamed(raw)
    return raw


# ---------------------------------------------------------------------------
# Header mapping
# ---------------------------------------------------------------------------


def _source_column_problems(table: Table, source: TableSource | None) -> list[Problem]:
    """``tables.<name>.columns`` targets that are not contract columns (a config error)."""
    if source is None:
        return []
    problems = []
    for header, target in source.columns.items():
        if target != EXTRA and target not in table.names:
            problems.append(
                Problem(
                    CONFIG_FILE, None, f"tables.{table.name}.columns.{header}", target,
                    f"is not a column of {table.name} (columns: {', '.join(table.names)}; or '{EXTRA}' to keep it unmapped)",
                )
            )
    return problems


def _resolve_headers(headers: list[str], table: Table, source: TableSource | None) -> dict[int, str]:
    """Header position → contract column: configured mapping, then contract names, then aliases."""
    configured = {normalise_header(k): v for k, v in (source.columns.items() if source else ())}
    names = {normalise_header(c.name): c.name for c in table.columns}
    aliases: dict[str, str] = {}
    for c in table.columns:
        for alias in c.aliases:
            aliases.setdefault(normalise_header(alias), c.name)
    mapping = {}
    for i, header in enumerate(headers):
        key = normalise_header(header)
        if not key:
            continue
        target = configured.get(key) or names.get(key) or aliases.get(key)
        if target and target != EXTRA and target in table.names:
            mapping[i] = target
    return mapping


def _display_header(header: str, name: str) -> str:
    """Column as shown in problems: the file's header, plus the contract name when different."""
    return header if header == name else f"{header} ({name})"


def _map_columns(raw: _Raw, table: Table, source: TableSource | None, file: str) -> tuple[dict[int, str], list[Problem], list[QualityNote]]:
    mapping = _resolve_headers(raw.headers, table, source)
    problems: list[Problem] = []
    notes: list[QualityNote] = []
    by_target: dict[str, list[int]] = {}
    for position, target in mapping.items():
        by_target.setdefault(target, []).append(position)
    for target, positions in by_target.items():
        if len(positions) > 1:
            both = " and ".join(repr(raw.headers[p]) for p in positions)
            problems.append(
                Problem(
                    file, None, target, None,
                    f"columns {both} both map to '{target}': remove one, or map one of them elsewhere under "
                    f"tables.{table.name}.columns in {CONFIG_FILE} (use '{EXTRA}' to keep it unmapped)",
                )
            )
    found = ", ".join(h for h in raw.headers if h) or "(none)"
    configured = dict(source.columns) if source else {}
    for column in table.columns:
        if column.required and column.name not in by_target:
            accepted = list(dict.fromkeys([column.name, *column.aliases, *(h for h, t in configured.items() if t == column.name)]))
            problems.append(
                Problem(
                    file, None, column.name, None,
                    f"required column '{column.name}' is missing; headers found: {found}; accepted headers: {', '.join(accepted)} "
                    f"(or map yours under tables.{table.name}.columns in {CONFIG_FILE})",
                )
            )
    present = {normalise_header(h) for h in raw.headers}
    unmatched = [h for h, t in configured.items() if normalise_header(h) not in present]
    if unmatched:
        notes.append(
            QualityNote(
                table.name, file, "mapped_header_not_found", len(unmatched),
                f"{CONFIG_FILE} maps header(s) that are not in the file: {', '.join(unmatched)}", "warning", tuple(unmatched[:5]),
            )
        )
    extras = [raw.headers[i] for i in range(len(raw.headers)) if i not in mapping]
    if extras:
        notes.append(
            QualityNote(
                table.name, file, "extra_columns_kept", len(extras),
                f"{len(extras)} column(s) not in the data contract kept under their own header: {', '.join(extras)}",
                "warning", tuple(extras[:5]),
            )
        )
    return mapping, problems, notes


# ---------------------------------------------------------------------------
# Coercion, one function per kind; each returns (values, bad mask)
# ---------------------------------------------------------------------------


def _is_missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def _cell_text(value: Any) -> str | None:
    """A typed cell as text: integral floats without ``.0``, midnight datetimes as dates."""
    if _is_missing(value):
        return None
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, (bool, np.bool_)):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return str(int(value)) if float(value).is_integer() else repr(float(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip() or None


def _coerce_text(raw: pd.Series) -> pd.Series:
    if isinstance(raw.dtype, pd.StringDtype):
        return raw.astype("str")
    return raw.map(_cell_text).astype("str")


def _split_text(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Split an object column into its text values (``str`` dtype) and its other non-missing values."""
    if isinstance(raw.dtype, pd.StringDtype):
        return raw.dropna().astype("str"), raw.iloc[:0]
    present = raw[raw.map(lambda v: not _is_missing(v))]
    is_text = present.map(lambda v: isinstance(v, str)).astype(bool)
    return present[is_text].astype("str"), present[~is_text]


_NUMBER = re.compile(
    r"""(?P<sign1>[+-])?(?:RMB|CNY|USD)?[¥$€£]?
        (?P<open>\()?
        (?P<sign2>[+-])?(?:RMB|CNY|USD)?[¥$€£]?
        (?P<num>(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d*)?|\.\d+)
        (?P<exp>[eE][+-]?\d+)?
        (?P<close>\))?
        元?""",
    re.X | re.I,
)


def _parse_number(value: Any) -> float | None:
    """One value → float; ``None`` when missing; ``ValueError`` when not a number.

    Accepts ``1,234.50``, ``¥1,234``, ``￥``/``$``, full-width digits and
    accounting negatives ``(300.00)``.
    """
    if _is_missing(value):
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (str, int, float, np.integer, np.floating)):
        raise ValueError(value)
    if not isinstance(value, str):
        number = float(value)
    else:
        text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", value).replace("\u2212", "-"))
        if not text:
            return None
        m = _NUMBER.fullmatch(text)
        if m is None or bool(m["open"]) != bool(m["close"]) or (m["sign1"] and m["sign2"]):
            raise ValueError(value)
        sign = m["sign1"] or m["sign2"]
        if m["open"] and sign:
            raise ValueError(value)
        number = float(m["num"].replace(",", "") + (m["exp"] or ""))
        if m["open"] or sign == "-":
            number = -number
    if not math.isfinite(number):
        raise ValueError(value)
    return number


def _coerce_number(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    if pd.api.types.is_bool_dtype(raw):
        return pd.Series(np.nan, index=raw.index), raw.notna()
    if pd.api.types.is_numeric_dtype(raw):
        values = raw.astype("float64")
        return values.where(np.isfinite(values)), values.notna() & ~np.isfinite(values)
    values = pd.Series(np.nan, index=raw.index, dtype="float64")
    bad = pd.Series(False, index=raw.index)
    texts, others = _split_text(raw)
    fast = pd.to_numeric(texts, errors="coerce")
    ok = fast.notna() & np.isfinite(fast)
    values[ok[ok].index] = fast[ok]
    _parse_each(pd.concat([texts[~ok].astype(object), others.astype(object)]), values, bad)
    return values, bad


def _parse_each(slow: pd.Series, values: pd.Series, bad: pd.Series) -> None:
    """Parse the values the vectorised path left, one by one, into ``values``/``bad``."""
    parsed: dict[int, float] = {}
    failed: list[int] = []
    for line, value in slow.items():
        try:
            number = _parse_number(value)
        except ValueError:
            failed.append(line)
        else:
            if number is not None:
                parsed[line] = number
    if parsed:
        values[list(parsed)] = list(parsed.values())
    if failed:
        bad[failed] = True


_DATE = re.compile(
    r"^(?P<year>\d{4})[-/.年](?P<month>\d{1,2})[-/.月](?P<day>\d{1,2})日?"
    r"(?:(?:\s+|T)(?P<hour>\d{1,2})[:时点](?P<minute>\d{1,2})(?:[:分](?P<second>\d{1,2})(?P<fraction>\.\d+)?秒?)?分?)?$"
)
_COMPACT_DATE = re.compile(r"^(?P<year>\d{4})(?P<month>\d{2})(?P<day>\d{2})$")
_ISO_ZONED = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})$")
_EXCEL_EPOCH = pd.Timestamp("1899-12-30")


def _assemble(parts: pd.DataFrame) -> pd.Series:
    """Year/month/day[/hour/minute/second/fraction] text columns → timestamps (NaT when invalid)."""
    numbers = pd.DataFrame({k: pd.to_numeric(parts[k]) for k in ("year", "month", "day")})
    for k in ("hour", "minute", "second"):
        numbers[k] = pd.to_numeric(parts[k]).fillna(0) if k in parts else 0
    stamps = pd.to_datetime(numbers, errors="coerce")
    if "fraction" in parts:
        stamps = stamps + pd.to_timedelta(pd.to_numeric(parts["fraction"]).fillna(0), unit="s")
    return stamps


def _parse_date_texts(texts: pd.Series, date_format: str | None) -> pd.Series:
    """Text dates → ``datetime64[us]`` (NaT where no accepted form matches)."""
    if texts.empty:
        return pd.Series(pd.NaT, index=texts.index, dtype=DATETIME_DTYPE)
    # dates repeat a lot: parse each distinct text once
    codes, uniques = pd.factorize(texts)
    if len(uniques) < len(texts):
        parsed = _parse_date_texts(pd.Series(uniques, dtype="str"), date_format)
        return pd.Series(parsed.to_numpy()[codes], index=texts.index, dtype=DATETIME_DTYPE)
    out = pd.Series(pd.NaT, index=texts.index, dtype=DATETIME_DTYPE)
    texts = texts.str.normalize("NFKC").str.strip()
    if date_format:
        out = pd.to_datetime(texts, format=date_format, errors="coerce").astype(DATETIME_DTYPE)
    for pattern in (_DATE, _COMPACT_DATE):
        todo = out.isna()
        if not todo.any():
            break
        parts = texts[todo].str.extract(pattern)
        matched = parts["year"].notna()
        if matched.any():
            out[matched[matched].index] = _assemble(parts[matched]).astype(DATETIME_DTYPE)
    for line in out.index[out.isna()]:
        text = texts[line]
        if _ISO_ZONED.match(text):
            out[line] = pd.Timestamp(text).tz_localize(None)  # keep the wall-clock time as written
    return out


def _excel_datetime(value: Any, excel: bool) -> pd.Timestamp | None:
    """A typed cell → timestamp; Excel serial day numbers only from XLSX files."""
    if isinstance(value, (datetime, date, pd.Timestamp, np.datetime64)):
        stamp = pd.Timestamp(value)
        return stamp.tz_localize(None) if stamp.tzinfo is not None else stamp
    if excel and isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool) and 1 <= value < 2958466:
        return _EXCEL_EPOCH + pd.to_timedelta(float(value), unit="D")
    return None


def _coerce_datetime(raw: pd.Series, *, date_format: str | None, excel: bool) -> tuple[pd.Series, pd.Series]:
    if pd.api.types.is_datetime64_any_dtype(raw):
        values = raw.dt.tz_localize(None) if getattr(raw.dt, "tz", None) is not None else raw
        return values.astype(DATETIME_DTYPE), pd.Series(False, index=raw.index)
    if pd.api.types.is_numeric_dtype(raw):  # numbers in a typed (Parquet) column are not dates
        return pd.Series(pd.NaT, index=raw.index, dtype=DATETIME_DTYPE), raw.notna()
    texts, others = _split_text(raw)
    values = pd.Series(pd.NaT, index=raw.index, dtype=DATETIME_DTYPE)
    bad = pd.Series(False, index=raw.index)
    parsed = _parse_date_texts(texts, date_format)
    values[parsed.index] = parsed
    bad[parsed.index[parsed.isna()]] = True
    stamps = {line: _excel_datetime(value, excel) for line, value in others.items()}
    good = {line: stamp for line, stamp in stamps.items() if stamp is not None and not pd.isna(stamp)}
    if good:
        values[list(good)] = pd.Series(list(good.values()), dtype=DATETIME_DTYPE).to_numpy()
    failed = [line for line in stamps if line not in good]
    if failed:
        bad[failed] = True
    return values, bad


def _coerce_score(raw: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Score → float; returns ``(values, bad, blank_answers)`` where blank answers ("无", "N/A" …) are missing."""
    if pd.api.types.is_numeric_dtype(raw) and not pd.api.types.is_bool_dtype(raw):
        values, bad = _coerce_number(raw)
        return values, bad, raw.iloc[:0]
    texts, others = _split_text(raw)
    folded = texts.str.normalize("NFKC").str.strip().str.casefold()
    blank = folded.isin(BLANK_ANSWERS) | (folded == "")
    cleaned = folded[~blank].str.removesuffix("分")
    numbers = pd.to_numeric(cleaned, errors="coerce")
    values = pd.Series(np.nan, index=raw.index, dtype="float64")
    bad = pd.Series(False, index=raw.index)
    ok = numbers.notna() & np.isfinite(numbers)
    values[ok[ok].index] = numbers[ok]
    bad[ok.index[~ok]] = True
    _parse_each(others.astype(object), values, bad)
    return values, bad, texts[blank & (texts.str.strip() != "")]


def _coerce_category(text: pd.Series, column: Column) -> tuple[pd.Series, pd.Series]:
    """Apply ``value_aliases`` and the allowed values' case (case-insensitive); returns ``(values, changed)``."""
    lookup = {str(k).casefold(): v for k, v in column.value_aliases.items()}
    lookup.update({a.casefold(): a for a in column.allowed or ()})
    mapped = text.str.casefold().map(lookup)
    values = text.where(mapped.isna(), mapped).astype("str")
    changed = values.notna() & (values != text)
    return values, changed


# ---------------------------------------------------------------------------
# From raw columns to a contract frame
# ---------------------------------------------------------------------------


@dataclass
class _Context:
    """What the coercion and validation steps need to word a problem."""

    file: str
    table: Table
    raw: _Raw
    mapping: dict[int, str]
    excel: bool

    def header(self, name: str) -> str:
        for position, target in self.mapping.items():
            if target == name:
                return _display_header(self.raw.headers[position], name)
        return name

    def position(self, name: str) -> int | None:
        for position, target in self.mapping.items():
            if target == name:
                return self.raw.positions[position]
        return None

    def raw_value(self, name: str, line: int | None) -> str | None:
        for position, target in self.mapping.items():
            if target == name and line is not None and line in self.raw.columns[position].index:
                return _clip(_cell_text(self.raw.columns[position][line]))
        return None

    def problem(self, name: str, line: int | None, value: Any, rule: str) -> Problem:
        position = self.position(name)
        if self.excel and line is not None and position is not None:
            from openpyxl.utils import get_column_letter

            rule = f"{rule} (cell {get_column_letter(position + 1)}{line})"
        return Problem(self.file, line, self.header(name), _clip(value), rule)


def _examples(lines: pd.Index, values: pd.Series | None = None) -> tuple[str, ...]:
    out = []
    for line in list(lines)[:5]:
        out.append(f"line {line}" if values is None else f"line {line}: {values[line]}")
    return tuple(out)


def _coerce_frame(ctx: _Context, unit_factor: float, date_format: str | None) -> tuple[pd.DataFrame, list[Problem], list[QualityNote], set[tuple[int, str]]]:
    """Coerce each mapped column to its kind; collect every bad value (and its cell)."""
    table, raw = ctx.table, ctx.raw
    problems: list[Problem] = []
    notes: list[QualityNote] = []
    cells: set[tuple[int, str]] = set()
    data: dict[str, pd.Series] = {}
    by_name = {target: raw.columns[p] for p, target in ctx.mapping.items()}
    for column in table.columns:
        if column.name not in by_name:
            continue
        series = by_name[column.name]
        kind = column.kind
        if kind in ("id", "text", "category"):
            values = _coerce_text(series)
            if kind == "category":
                values, changed = _coerce_category(values, column)
                if changed.any():
                    before = _coerce_text(series)
                    pairs = sorted({f"{before[i]} → {values[i]}" for i in changed[changed].index})
                    notes.append(
                        QualityNote(
                            table.name, ctx.file, "category_values_translated", int(changed.sum()),
                            f"{int(changed.sum())} {ctx.header(column.name)} value(s) translated to contract values: {', '.join(pairs[:5])}",
                            "repair", tuple(pairs[:5]),
                        )
                    )
            data[column.name] = values
            continue
        if kind == "number":
            values, bad = _coerce_number(series)
            rule = "must be a number"
            if column.name == "amount" and unit_factor != 1:
                values = values * unit_factor
        elif kind in ("date", "datetime"):
            values, bad = _coerce_datetime(series, date_format=date_format, excel=raw.excel)
            if kind == "date":
                values = values.dt.normalize()
            rule = "must be a date (YYYY-MM-DD)" if kind == "date" else "must be a date and time (YYYY-MM-DD HH:MM)"
        elif kind == "score":
            values, bad, blank = _coerce_score(series)
            rule = f"must be a number ({column.low:g}–{column.high:g}; leave blank when not answered)"
            if not blank.empty:
                notes.append(
                    QualityNote(
                        table.name, ctx.file, "blank_answers", len(blank),
                        f"{len(blank)} {ctx.header(column.name)} answer(s) such as {', '.join(sorted(set(blank))[:3])} read as not answered",
                        "repair", _examples(blank.index, blank),
                    )
                )
        else:  # pragma: no cover - the contract only uses the kinds above
            raise ValueError(f"unknown column kind {kind!r} for {table.name}.{column.name}")
        for line in bad[bad].index:
            problems.append(ctx.problem(column.name, int(line), _cell_text(series[line]), rule))
            cells.add((int(line), column.name))
        data[column.name] = values
    extras: dict[str, pd.Series] = {}
    for position, header in enumerate(raw.headers):
        if position in ctx.mapping:
            continue
        name, n = header, 2
        while name in extras or name in data:
            name, n = f"{header} ({n})", n + 1
        series = raw.columns[position]
        extras[name] = series if series.dtype != object else _coerce_text(series)
    frame = pd.DataFrame({**data, **extras}, index=raw.lines)
    frame.index.name = "source_line"
    return frame, problems, notes, cells


_CHECK_RULES = {
    "not_nullable": "must not be blank",
    "column_in_dataframe": "required column is missing",
}


def _schema_problems(frame: pd.DataFrame, ctx: _Context, seen: set[tuple[int, str]]) -> list[Problem]:
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
        line = None if _is_missing(case.index) else int(case.index)
        if name is None:  # a schema-level failure (should not happen after mapping)
            problems.append(Problem(ctx.file, line, _clip(case.failure_case), None, _CHECK_RULES.get(check, check)))
            continue
        if (line, name) in seen or (check == "field_uniqueness" and _is_missing(case.failure_case)):
            continue
        seen.add((line, name))
        if check == "field_uniqueness":
            if name not in duplicates:
                column = frame[name]
                duplicates[name] = column[column.duplicated(keep=False)]
            same = duplicates[name]
            others = [str(n) for n in same.index[(same == same.get(line)) & (same.index != line)]][:5]
            rule = f"must be unique (duplicated id; also on line {', '.join(others)})" if others else "must be unique (duplicated id)"
        else:
            rule = _CHECK_RULES.get(check, check)
        value = ctx.raw_value(name, line)
        if value is None and not _is_missing(case.failure_case):
            value = _cell_text(case.failure_case)
        problems.append(ctx.problem(name, line, value, rule))
    return problems


def read_table(
    path: Path,
    table: Table,
    source: TableSource | None = None,
    *,
    display_name: str | None = None,
    unit: str = "元",
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

    Returns
    -------
    frame : DataFrame
        Contract columns (plus extra columns), index ``source_line``.
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
    path = Path(path)
    file = display_name or path.name
    if unit not in UNIT_FACTORS:
        raise ValueError(f"unit {unit!r} is not one of {', '.join(UNIT_FACTORS)}")
    config_problems = _source_column_problems(table, source)
    if config_problems:
        raise ConfigError(config_problems, f"{len(config_problems)} problem(s) in {CONFIG_FILE}")
    if not path.is_file():
        raise DataError([Problem(file, None, None, None, "file not found")])
    fmt = _format_of(path, file)
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if fmt == "csv":
        raw = _read_csv(path, data, file, table.name, source)
    elif fmt == "xlsx":
        raw = _read_xlsx(path, file, table, source)
    else:
        raw = _read_parquet(path, file)
    del data

    mapping, mapping_problems, notes = _map_columns(raw, table, source, file)
    notes = raw.notes + notes
    if mapping_problems:  # values cannot be checked against the wrong columns
        raise DataError(raw.problems + mapping_problems, f"{len(raw.problems) + len(mapping_problems)} problem(s) in {file}")
    ctx = _Context(file, table, raw, mapping, raw.excel)
    frame, value_problems, coerce_notes, bad_cells = _coerce_frame(ctx, UNIT_FACTORS[unit], source.date_format if source else None)
    notes += coerce_notes
    value_problems += _schema_problems(frame, ctx, bad_cells)
    if UNIT_FACTORS[unit] != 1 and "amount" in frame:
        notes.append(
            QualityNote(table.name, file, "amount_unit_converted", int(frame["amount"].notna().sum()),
                        f"amounts were written in {unit} and multiplied by {UNIT_FACTORS[unit]:g} to 元", "repair")
        )
    problems = raw.problems + sorted(value_problems, key=lambda p: (p.line is None, p.line or 0))
    if problems:
        raise DataError(problems, f"{len(problems)} problem(s) in {file}")
    src = Source(
        table=table.name,
        file=file,
        path=path.resolve(),
        format=fmt,
        encoding=raw.encoding,
        sheet=raw.sheet,
        rows=len(frame),
        sha256=digest,
    )
    return frame, src, notes


# ---------------------------------------------------------------------------
# The workspace: every table, then cross-table checks and repairs
# ---------------------------------------------------------------------------


def _unknown_customers(tables: dict[str, pd.DataFrame], sources: dict[str, Source]) -> list[QualityNote]:
    known = set(tables["customers"]["customer_id"].dropna())
    notes = []
    for name in CUSTOMER_TABLES:
        frame = tables.get(name)
        if frame is None or "customer_id" not in frame:
            continue
        ids = frame["customer_id"]
        unknown = ids[ids.notna() & ~ids.isin(known)]
        if unknown.empty:
            continue
        first = unknown[~unknown.duplicated()]
        notes.append(
            QualityNote(
                name, sources[name].file, "unknown_customer_ids", len(unknown),
                f"{len(unknown)} row(s) refer to {len(first)} customer_id value(s) not found in {sources['customers'].file}",
                "warning", tuple(f"{v} (line {line})" for line, v in first.iloc[:5].items()),
            )
        )
    return notes


def _fill_regions(tables: dict[str, pd.DataFrame], sources: dict[str, Source]) -> list[QualityNote]:
    customers = tables["customers"]
    region_of = customers.dropna(subset=["customer_id"]).drop_duplicates("customer_id").set_index("customer_id")["region"]
    notes = []
    for name in REGION_FROM_CUSTOMER:
        frame = tables.get(name)
        if frame is None:
            continue
        derived = "region" not in frame  # no region column: taken from customers, a join rather than a repair
        if derived:
            frame["region"] = pd.Series(pd.NA, index=frame.index, dtype="str")
        if "customer_id" not in frame:
            continue
        blank = frame["region"].isna()
        filled = frame.loc[blank, "customer_id"].map(region_of).dropna()
        if not filled.empty:
            frame.loc[filled.index, "region"] = filled.astype("str")
        if not filled.empty and not derived:
            notes.append(
                QualityNote(
                    name, sources[name].file, "region_from_customers", len(filled),
                    f"{len(filled)} blank region(s) filled with the customer's region from {sources['customers'].file}",
                    "repair", _examples(filled.index, filled),
                )
            )
        still = frame["region"].isna()
        if still.any():
            notes.append(
                QualityNote(
                    name, sources[name].file, "region_unknown", int(still.sum()),
                    f"{int(still.sum())} row(s) have no region and no known customer to take it from",
                    "warning", _examples(frame.index[still]),
                )
            )
    return notes


def _drop_duplicate_sales(tables: dict[str, pd.DataFrame], sources: dict[str, Source]) -> list[QualityNote]:
    sales = tables["sales"]
    duplicated = sales.duplicated(keep="first")
    if not duplicated.any():
        return []
    hashes = pd.util.hash_pandas_object(sales, index=False)
    first = pd.Series(sales.index, index=sales.index).groupby(hashes.values).transform("first")
    examples = tuple(f"line {line} = line {first[line]}" for line in sales.index[duplicated][:5])
    tables["sales"] = sales[~duplicated]
    n = int(duplicated.sum())
    return [
        QualityNote(
            "sales", sources["sales"].file, "duplicate_rows_removed", n,
            f"{n} order line(s) identical in every column to an earlier line were removed", "repair", examples,
        )
    ]


def _ignored_files(root: Path, name: str, used: Path) -> list[QualityNote]:
    others = [p.name for p in _candidates(root, name) if p.resolve() != used.resolve()]
    if not others:
        return []
    return [
        QualityNote(
            name, used.name, "other_files_ignored", len(others),
            f"{used.name} was read; {', '.join(others)} also exist(s) and were ignored", "warning", tuple(others),
        )
    ]


def load_workspace(path: str | Path) -> Workspace:
    """Read, map and validate every table of a workspace folder.

    Parameters
    ----------
    path : str or Path
        Folder holding ``workspace.yaml`` and one file per table.

    Returns
    -------
    Workspace

    Raises
    ------
    ConfigError
        ``workspace.yaml`` is missing or broken (checked before any table is read).
    DataError
        All problems of all tables together.

    Examples
    --------
    >>> ws = load_workspace("data/sample")   # doctest: +SKIP
    >>> sorted(ws.tables)                    # doctest: +SKIP
    ['actions', 'complaints', 'customers', 'interviews', 'sales', 'surveys']
    """
    root = Path(path)
    if not root.is_dir():
        raise ConfigError([Problem(str(path), None, None, None, "workspace folder does not exist")], "workspace folder not found")
    config = load_config(root / CONFIG_FILE)
    contracts = {
        name: table_contract(name, config.dimension_aliases() if name == "surveys" else None) for name in TABLE_NAMES
    }
    config_problems = [p for name in TABLE_NAMES for p in _source_column_problems(contracts[name], config.tables.get(name))]
    if config_problems:
        raise ConfigError(config_problems, f"{len(config_problems)} problem(s) in {CONFIG_FILE}")

    tables: dict[str, pd.DataFrame] = {}
    sources: dict[str, Source] = {}
    notes: list[QualityNote] = []
    problems: list[Problem] = []
    for name in TABLE_NAMES:
        source = config.tables.get(name)
        file_path = find_table_file(root, name, config)
        if file_path is None:
            if source is not None:
                problems.append(Problem(source.file, None, None, None, f"file named in {CONFIG_FILE} (tables.{name}.file) does not exist"))
            elif name in REQUIRED_TABLES:
                problems.append(
                    Problem(
                        f"{name}.csv", None, None, None,
                        f"required table '{name}' is missing: put {name}.csv, {name}.xlsx or {name}.parquet in the workspace folder "
                        f"or set tables.{name}.file in {CONFIG_FILE}",
                    )
                )
            continue
        display = source.file if source is not None else file_path.name
        try:
            frame, src, table_notes = read_table(file_path, contracts[name], source, display_name=display, unit=config.company.unit)
        except DataError as exc:
            problems.extend(exc.problems)
            continue
        if name in REQUIRED_TABLES and frame.empty:
            problems.append(Problem(display, None, None, None, f"required table '{name}' has no data rows"))
        tables[name], sources[name] = frame, src
        notes.extend(table_notes)
        if source is None:
            notes.extend(_ignored_files(root, name, file_path))
    if problems:
        raise DataError(problems, f"{len(problems)} problem(s) in workspace {root.name!r}")

    notes.extend(_drop_duplicate_sales(tables, sources))
    notes.extend(_unknown_customers(tables, sources))
    notes.extend(_fill_regions(tables, sources))
    return Workspace(
        root=root.resolve(),
        name=root.resolve().name,
        config=config,
        tables=MappingProxyType(tables),
        sources=MappingProxyType(sources),
        notes=tuple(notes),
    )
