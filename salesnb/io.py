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
Documented repairs and warnings become :class:`~salesnb.errors.QualityNote` s;
rows set aside (total rows that reconcile, exact duplicates, footer notes,
rows dated outside the accepted range) are kept in ``Workspace.quarantine``
and written by the runner to ``quarantine/<table>.csv`` — nothing is dropped
silently. ``docs/data.md`` lists every rule, and ``tests/robustness/`` holds
one tiny file per case.

The module is split by concern: finding files, decoding and parsing each
format into a raw table (header search, footers), mapping headers, coercing
values per kind, row rules (totals, duplicates, returns, time order), turning
pandera failures into problems, and the cross-table checks of
:func:`load_workspace` (date range, unknown customers, regions, personal data).
"""
from __future__ import annotations

import codecs
import csv
import hashlib
import html
import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from io import StringIO
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

import numpy as np
import pandas as pd

from .config import CONFIG_FILE, Checks, ScaleDeclaration, TableSource, WorkspaceConfig, load_config
from .errors import ConfigError, DataError, Problem, QualityNote
from .longtail import Grouping, group_tables, grouping_note
from .privacy import PERSONAL_COLUMNS, Masker, mask_column
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
    "QUARANTINE_REASON",
    "EVENT_DATES",
]

REQUIRED_TABLES: tuple[str, ...] = ("sales", "customers")
"""Tables a workspace must have; the others are optional."""

MAY_BE_EMPTY: tuple[str, ...] = ("actions",)
"""Tables whose file may hold a header only (a new action register starts empty)."""

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

# Unit words recognised in a header ("销售额(万元)") or a cell ("1.5万"), folded
# with normalise_header, and the unit they mean.
UNIT_WORDS: dict[str, str] = {
    "元": "元", "人民币元": "元", "rmb": "元", "cny": "元", "¥": "元",
    "千元": "千元", "千": "千元",
    "万元": "万元", "万": "万元",
    "百万元": "百万元", "百万": "百万元",
}

# Currency words in a header ("销售额(美元)", "amount (USD)"), folded with normalise_header → ISO code.
# 元 and ¥ alone are units (UNIT_WORDS), not a currency: they are what a CNY workspace writes.
CURRENCY_WORDS: dict[str, str] = {
    "美元": "USD", "美金": "USD", "usd": "USD", "us$": "USD", "$": "USD",
    "人民币": "CNY", "cny": "CNY", "rmb": "CNY",
    "欧元": "EUR", "eur": "EUR", "€": "EUR",
    "英镑": "GBP", "gbp": "GBP", "£": "GBP",
    "港币": "HKD", "港元": "HKD", "hkd": "HKD",
    "日元": "JPY", "jpy": "JPY", "円": "JPY",
    "新台币": "TWD", "twd": "TWD", "巴西雷亚尔": "BRL", "brl": "BRL", "r$": "BRL",
}
_UNIT_PREFIX = {"百万": "百万元", "千": "千元", "万": "万元", "": "元"}


def _header_currency(inner: str) -> tuple[str, str] | None:
    """``(ISO code, unit)`` of a header's bracket text naming a currency (``美元`` → USD, ``万美元`` → USD in 万元).

    Examples
    --------
    >>> _header_currency("美元"), _header_currency("万美元"), _header_currency("USD"), _header_currency("件")
    (('USD', '元'), ('USD', '万元'), ('USD', '元'), None)
    """
    key = normalise_header(inner)
    for prefix in ("百万", "千", "万", ""):
        if key.startswith(prefix) and key[len(prefix):] in CURRENCY_WORDS:
            return CURRENCY_WORDS[key[len(prefix):]], _UNIT_PREFIX[prefix]
    return None


QUALITY_COLUMNS: tuple[str, ...] = ("table", "file", "severity", "rule", "count", "detail", "examples")
QUARANTINE_REASON = "reason"
"""Column of a quarantine frame saying why the row was set aside."""

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
BLANK_ANSWERS = frozenset(
    {"无", "n/a", "na", "n.a.", "#n/a", "none", "null", "-", "--", "—", "——", "不适用", "未回答", "未作答", "未填", "空", "/", "暂无"}
)

# Tables whose customer_id is checked against customers, and those whose blank
# region is taken from the customer.
CUSTOMER_TABLES: tuple[str, ...] = ("sales", "complaints", "surveys", "interviews")
REGION_FROM_CUSTOMER: tuple[str, ...] = ("surveys", "complaints")

EVENT_DATES: dict[str, str] = {"sales": "order_date", "surveys": "survey_date", "complaints": "opened_at", "interviews": "interview_date"}
"""The date that places a row in time; rows dated outside the accepted range are quarantined."""

# Labels of total rows (folded: NFKC, casefold, no spaces/_/-/:) and their kind.
TOTAL_WORDS: dict[str, str] = {
    "合计": "total", "总计": "total", "总合计": "total", "共计": "total", "总额": "total",
    "total": "total", "totals": "total", "grandtotal": "total",
    "小计": "subtotal", "subtotal": "subtotal",
}
_TOTAL_SUFFIX = re.compile(r"^[^\d]{1,12}?(小计|合计|总计)$")

EXCEL_ERRORS = frozenset({"#N/A", "#VALUE!", "#REF!", "#DIV/0!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!", "#GETTING_DATA"})
"""Cell values Excel writes when a formula failed."""

_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_SCIENTIFIC = re.compile(r"^[+-]?\d+(?:\.\d+)?[eE]\+\d{1,3}$")
_SLASH_DATE = re.compile(r"^\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2,4}(?:\s.*)?$")
_SERIAL = re.compile(r"^\d{5}(?:\.\d+)?$")
EXCEL_DIGITS = 15
"""Excel keeps 15 significant digits: a longer number in an id column is already damaged."""


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
        Data rows read from the file (before rows were set aside).
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


def _empty_mapping() -> Mapping[str, pd.DataFrame]:
    return MappingProxyType({})


@dataclass(frozen=True, eq=False)
class Workspace:
    """A loaded workspace: its configuration, tables, sources and quality notes.

    ``quarantine`` holds, per table, the rows set aside (with a ``reason``
    column and the same ``source_line`` index); ``contacts`` is the unmasked
    contact list of the customers (the tables themselves carry personal data
    masked, see :mod:`salesnb.privacy`).

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
    quarantine: Mapping[str, pd.DataFrame] = field(default_factory=_empty_mapping)
    contacts: pd.DataFrame | None = None
    groups: tuple[Grouping, ...] = ()
    """Long-tail groupings applied (``checks.many_values``): column, values kept and grouped, lines and amount moved."""

    def has(self, table: str) -> bool:
        """Whether the workspace holds ``table`` (e.g. ``"surveys"``)."""
        return table in self.tables

    def table(self, name: str) -> pd.DataFrame:
        """Table ``name`` (a shallow copy: pandas' copy-on-write keeps the workspace's own frame
        unchanged when the copy is modified, without copying millions of rows per call).

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
        return self.tables[name].copy(deep=False)

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

    def quarantined(self) -> dict[str, int]:
        """Rows set aside per table (tables with none are left out)."""
        return {name: len(frame) for name, frame in self.quarantine.items() if len(frame)}


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
    set_aside: list[tuple[int, str]] = field(default_factory=list)  # (line, reason): footer notes
    delimiter: str | None = None  # CSV only


def _clip(value: Any, width: int = 60) -> str | None:
    if value is None:
        return None
    text = str(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def _visible(text: Any) -> str:
    """Text with invisible characters spelled out (``C001<U+200B>``), for notes and problems."""
    return "".join(
        f"<U+{ord(ch):04X}>" if _ZERO_WIDTH.match(ch) or (unicodedata.category(ch) in ("Cc", "Cf") and ch not in "\t\n") else ch
        for ch in str(text)
    )


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


def _filled(cells: list[Any]) -> int:
    """How many cells of a record hold something."""
    return sum(1 for c in cells if c is not None and str(c).strip())


def _header_found_notes(table: str, file: str, label: str, skipped: list[tuple[int, str]], at: int, rows: int) -> list[QualityNote]:
    notes = []
    if skipped:
        where = f"{label} {at}" if rows == 1 else f"{label}s {at}–{at + 1}"
        notes.append(
            QualityNote(
                table, file, "header_not_first_row", len(skipped),
                f"header found on {where}; the {len(skipped)} non-blank {label}(s) above it (titles, notes) were ignored",
                "warning", tuple(f"{label} {n}: {_clip(text, 40)}" for n, text in skipped[:5]),
            )
        )
    if rows == 2:
        notes.append(
            QualityNote(
                table, file, "two_row_header", 1,
                f"the header spans {label}s {at}–{at + 1} (merged cells); each column's name was read from both rows",
                "warning", (f"{label}s {at}–{at + 1}",),
            )
        )
    return notes


def _footer_notes(table: str, file: str, label: str, footers: list[tuple[int, str]]) -> list[QualityNote]:
    if not footers:
        return []
    return [
        QualityNote(
            table, file, "footer_rows_skipped", len(footers),
            f"{len(footers)} {label}(s) after the last data row hold a single note (e.g. a source or a signature) and were set aside",
            "warning", tuple(f"{label} {n}: {_clip(text, 40)}" for n, text in footers[:5]),
        )
    ]


def _drop_repeated_headers(records: list[tuple[int, list[Any]]], header: list[str]) -> tuple[list[tuple[int, list[Any]]], list[int]]:
    """Remove records that repeat the header (exports pasted one after another)."""
    wanted = [_ZERO_WIDTH.sub("", h) for h in header]
    kept, repeated = [], []
    first = wanted[0] if wanted else ""
    for line, cells in records:
        if _ZERO_WIDTH.sub("", _header_text(cells[0] if cells else None)) != first:  # cheap test first: most records are data
            kept.append((line, cells))
            continue
        texts = [_ZERO_WIDTH.sub("", _header_text(c)) for c in cells]  # a pasted file brings its BOM along
        texts += [""] * (len(wanted) - len(texts))
        if texts[: len(wanted)] == wanted and not any(texts[len(wanted):]):
            repeated.append(line)
        else:
            kept.append((line, cells))
    return kept, repeated


def _repeated_header_note(table: str, file: str, label: str, lines: list[int]) -> list[QualityNote]:
    if not lines:
        return []
    return [
        QualityNote(
            table, file, "repeated_header_skipped", len(lines),
            f"{len(lines)} {label}(s) repeat the header (files pasted one after another) and were skipped",
            "repair", tuple(f"{label} {n}" for n in lines[:5]),
        )
    ]


def _split_footers(records: list[tuple[int, list[Any]]]) -> tuple[list[tuple[int, list[Any]]], list[tuple[int, str]]]:
    """Split trailing records holding a single value in their first column (footer notes) from the data records."""
    def note_only(cells: list[Any]) -> bool:  # a single value, in the first column
        return _filled(cells) == 1 and cells[0] is not None and bool(str(cells[0]).strip())

    k = len(records)
    while k > 0 and note_only(records[k - 1][1]):
        k -= 1
    footers = [(line, next((str(c).strip() for c in cells if c is not None and str(c).strip()), "")) for line, cells in records[k:]]
    return records[:k], footers


# --- header search (CSV and XLSX) -------------------------------------------


def _score(headers: list[str], table: Table, source: TableSource | None) -> int:
    targets = set(_resolve_headers(headers, table, source).values())
    return len(targets & set(table.required_names))


def _merge_header_rows(top: list[str], sub: list[str], table: Table, source: TableSource | None) -> list[str]:
    """Column names of a two-row header whose upper row has merged cells.

    A merged cell's text sits in its first column, so the upper row is filled
    to the right; each column is named by upper+lower when that is a known
    header (``客户`` + ``编号``), else by the lower cell, else (vertically
    merged) by the upper cell.
    """
    width = max(len(top), len(sub))
    top = [str(h or "").strip() for h in top] + [""] * (width - len(top))
    sub = [str(h or "").strip() for h in sub] + [""] * (width - len(sub))
    filled, last = [], ""
    for h in top:
        last = h or last
        filled.append(last)

    def known(h: str) -> bool:
        return bool(_resolve_headers([h], table, source))

    names = []
    for own, parent, lower in zip(top, filled, sub):
        if not lower:
            names.append(own)
        elif parent and known(parent + lower):
            names.append(parent + lower)
        elif known(lower) or not parent or parent == lower:
            names.append(lower)
        else:
            names.append(f"{parent} {lower}")
    return names


def _find_header(rows: list[list[str]], table: Table, source: TableSource | None) -> tuple[int, int, list[str]]:
    """``(index, rows, headers)`` of the header among the first rows.

    The header is the first row naming every required column; failing that,
    two rows read together (merged cells above sub-headers); failing that, the
    row naming the most required columns (the mapping step then reports what
    is missing).
    """
    full = len(table.required_names)
    best, best_score = None, -1
    for i, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        if not any(str(h).strip() for h in row):
            continue
        score = _score(row, table, source)
        if score == full:
            return i, 1, [str(h).strip() for h in row]
        nxt = rows[i + 1] if i + 1 < len(rows) else None
        if nxt is not None and any(str(h).strip() for h in nxt) and _score(nxt, table, source) < full:
            merged = _merge_header_rows(row, nxt, table, source)
            if _score(merged, table, source) == full:
                return i, 2, merged
        if score > best_score:
            best, best_score = i, score
    best = best if best is not None else 0
    return best, 1, [str(h).strip() for h in rows[best]] if rows else []


# --- CSV --------------------------------------------------------------------


def _line_of_offset(data: bytes, offset: int, encoding: str) -> int:
    """1-based line of byte ``offset``; the bytes before it decode cleanly by construction."""
    prefix = data[:offset].decode(encoding)
    return len(re.findall(r"\r\n|\r|\n", prefix)) + 1


def _utf16_without_bom(data: bytes) -> str | None:
    """``utf-16-le``/``utf-16-be`` when the bytes look like UTF-16 text without a BOM."""
    sample = data[:4000]
    if len(sample) < 4 or b"\x00" not in sample:
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) > 0.3 * len(odd) and even.count(0) < 0.05 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.3 * len(even) and odd.count(0) < 0.05 * len(odd):
        return "utf-16-be"
    return None


_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")


def _western_bytes(data: bytes) -> bool:
    """Whether ``data`` decodes as cp1252 and holds no UTF-8 multi-byte sequence (a single-byte Western file)."""
    try:
        data.decode("cp1252")
    except UnicodeDecodeError:
        return False
    return _UTF8_MULTIBYTE.search(data) is None


def _decode(data: bytes, file: str, table: str, forced: str | None) -> tuple[str, str]:
    """Decode CSV bytes strictly; return ``(text, encoding)``.

    BOMs decide (UTF-8 BOM → ``utf-8-sig``, UTF-16 BOM → ``utf-16``); UTF-16
    without a BOM is recognised by its zero bytes; else UTF-8, then GB18030.
    ``forced`` (``tables.<name>.encoding``) overrides.
    """
    if forced:
        encodings = [forced]
    elif data.startswith(codecs.BOM_UTF8):
        encodings = ["utf-8-sig"]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings = ["utf-16"]
    elif (utf16 := _utf16_without_bom(data)) is not None:
        encodings = [utf16]
    else:
        encodings = ["utf-8", "gb18030"]
    failures: list[tuple[str, UnicodeDecodeError]] = []
    for encoding in encodings:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError as exc:
            failures.append((encoding, exc))
            continue
        if "\x00" in text:
            line = text[: text.index("\x00")].count("\n") + 1
            rule = (
                f"holds NUL bytes although it decodes as {encoding.upper()}: it is probably UTF-16 or a binary file; "
                f"save it as CSV UTF-8, or set tables.{table}.encoding in {CONFIG_FILE}"
            )
            raise DataError([Problem(file, line, None, None, rule)], f"{file} is not readable text")
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
    if not forced and _western_bytes(data):
        hint += f" (it reads as Windows-1252: for an English or Western-European export set tables.{table}.encoding: cp1252)"
    rule = f"cannot be decoded as {tried}: byte(s) {bad.hex(' ')} at byte offset {exc.start} (line {line}) are not valid {encoding.upper()}; {hint}"
    raise DataError([Problem(file, line, None, bad.hex(" "), rule)], f"{file} is not readable text")


def _sniff_delimiter(text: str) -> str:
    """The delimiter of the first line that has one: the most frequent of , tab ; | (comma when none)."""
    for n, ln in enumerate(StringIO(text, newline="")):
        if n >= HEADER_SEARCH_ROWS:
            break
        counts = {d: ln.count(d) for d in (",", "\t", ";", "|")}
        best = max(counts, key=lambda d: counts[d])
        if counts[best]:
            return best
    return ","


def _parse_csv(text: str, file: str, table: Table, source: TableSource | None) -> _Raw:
    """Split decoded text into records with the line where each record starts."""
    delimiter = _sniff_delimiter(text)
    reader = csv.reader(StringIO(text, newline=""), delimiter=delimiter)
    records: list[tuple[int, int, list[str]]] = []
    problems: list[Problem] = []
    previous = 0
    old_limit = csv.field_size_limit()
    csv.field_size_limit(1 << 30)
    try:
        for record in reader:
            start, previous = previous + 1, reader.line_num
            records.append((start, previous, record))
    except csv.Error as exc:
        problems.append(Problem(file, previous + 1, None, None, f"cannot be read as CSV: {exc}"))
    finally:
        csv.field_size_limit(old_limit)
    blank = [start for start, _, rec in records if not rec or not "".join(rec).strip()]
    filled = [(start, end, rec) for start, end, rec in records if rec and "".join(rec).strip()]
    if not filled:
        raise DataError([Problem(file, None, None, None, "the file is empty (no header line)")], f"{file} is empty")
    at, header_rows, header = _find_header([rec for _, _, rec in filled[: HEADER_SEARCH_ROWS + 1]], table, source)
    skipped = [(start, delimiter.join(c for c in rec if c.strip())) for start, _, rec in filled[:at]]
    body = filled[at + header_rows :]
    ends = {start: end for start, end, _ in body}
    kept, footers = _split_footers([(start, rec) for start, _, rec in body])
    kept, repeated = _drop_repeated_headers(kept, [h.strip() for h in header])
    rows: list[list[str]] = []
    lines: list[int] = []
    trimmed: list[int] = []
    width = len(header)
    for start, record in kept:
        if len(record) > width and not "".join(record[width:]).strip():
            record = record[:width]
            trimmed.append(start)
        if len(record) != width:
            rule = f"expected {width} fields, found {len(record)}"
            if ends[start] > start:
                rule += f" (the record runs to line {ends[start]}: check for an unclosed quote)"
            problems.append(Problem(file, start, None, _clip(delimiter.join(record)), rule))
            continue
        rows.append(record)
        lines.append(start)
    index = _line_index(lines)
    columns = []
    for values in (zip(*rows) if rows else [()] * width):
        s = pd.Series(list(values), index=index, dtype="str").str.strip()
        columns.append(s.mask(s == ""))
    notes = _blank_note(table.name, file, blank)
    notes += _header_found_notes(table.name, file, "line", skipped, filled[at][0], header_rows)
    if trimmed:
        notes.append(
            QualityNote(
                table.name, file, "trailing_empty_fields_trimmed", len(trimmed),
                f"{len(trimmed)} line(s) had more fields than the header, all of the extra ones empty (stray delimiters); the empty fields were dropped",
                "repair", tuple(f"line {n}" for n in trimmed[:5]),
            )
        )
    notes += _repeated_header_note(table.name, file, "line", repeated)
    notes += _footer_notes(table.name, file, "line", footers)
    raw = _Raw(
        headers=[h.strip() for h in header],
        columns=columns,
        positions=list(range(width)),
        lines=index,
        problems=problems,
        notes=notes,
        set_aside=[(line, f"footer note: {text}") for line, text in footers],
    )
    raw.delimiter = delimiter
    _drop_empty_unnamed(raw)
    return raw


_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_RUN = re.compile(f"[{_CJK}]+")
_GLUED_CJK = re.compile(f"(?<=[A-Za-z])[{_CJK}](?![{_CJK}])")
"""One CJK character right after a Latin letter and not followed by another: a Windows-1252 byte
(``’`` = 0x92) that GB18030 read together with the next letter (``don’t`` → ``don抰``)."""


def _western_misread(data: bytes, text: str) -> list[tuple[str, str]] | None:
    r"""``(as GB18030, as cp1252)`` word pairs when ``text`` is a Windows-1252 file misread as GB18030, else ``None``.

    The sign: at least half of the CJK runs are single characters glued to a
    Latin letter, and the bytes decode as cp1252. Chinese text has CJK in runs
    (``产品线``, ``iPhone手机``), so it is never taken for one.

    Examples
    --------
    >>> raw = "name,comment\nA,don’t like it\nB,it’s late\n".encode("cp1252")
    >>> _western_misread(raw, raw.decode("gb18030"))
    [('don抰', 'don’t'), ('it抯', 'it’s')]
    >>> _western_misread("客户,iPhone手机".encode("gb18030"), "客户,iPhone手机") is None
    True
    """
    runs = _CJK_RUN.findall(text)
    glued = _GLUED_CJK.findall(text)
    if not glued or len(glued) < 0.5 * len(runs):
        return None
    try:
        western = data.decode("cp1252")
    except UnicodeDecodeError:
        return None
    if _CJK_RUN.search(western):
        return None
    words = re.findall(f"[A-Za-z]+[{_CJK}][A-Za-z]*", text)[:5]
    other = re.findall(r"[A-Za-z]+[^\x00-\x7f]+[A-Za-z]*", western)
    return list(zip(words, other))


def _read_csv(path: Path, data: bytes, file: str, table: Table, source: TableSource | None) -> _Raw:
    forced = source.encoding if source else None
    text, encoding = _decode(data, file, table.name, forced)
    misread = _western_misread(data, text) if encoding == "gb18030" and forced is None else None
    if misread is not None:
        text, encoding = data.decode("cp1252"), "cp1252"
    raw = _parse_csv(text, file, table, source)
    raw.encoding = encoding
    if misread is not None:
        raw.notes.insert(0, QualityNote(
            table.name, file, "encoding_cp1252", len(misread),
            f"{file} is not UTF-8; read as GB18030 it gives Chinese characters inside English words "
            f"({', '.join(f'{a} for {b}' for a, b in misread[:2])}), so it was read as Windows-1252 (cp1252). "
            f"Set tables.{table.name}.encoding: cp1252 in {CONFIG_FILE} to say so (or gb18030 if the file is Chinese)",
            "warning", tuple(f"{a} → {b}" for a, b in misread),
        ))
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


_MERGE_CELL = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]{1,3}[0-9]+:[A-Z]{1,3}[0-9]+)"')


def _merged_ranges(workbook, sheet) -> list[tuple[int, int, int, int]]:
    """``(min_col, min_row, max_col, max_row)`` of the sheet's merged cells (read-only sheets do not list them:
    they are read from the sheet's XML)."""
    from openpyxl.utils.cell import range_boundaries

    path, archive = getattr(sheet, "_worksheet_path", None), getattr(workbook, "_archive", None)
    if not path or archive is None:
        return []
    refs: dict[bytes, None] = {}
    try:
        with archive.open(path) as fh:  # streamed: a big sheet's XML is not held in memory twice
            tail = b""
            for chunk in iter(lambda: fh.read(1 << 22), b""):
                block = tail + chunk
                refs.update(dict.fromkeys(_MERGE_CELL.findall(block)))
                tail = block[-200:]
    except KeyError:
        return []
    return [range_boundaries(ref.decode()) for ref in refs]


def _fill_merged_cells(filled: list[tuple[int, list[Any]]], merged: list[tuple[int, int, int, int]], body_start: int,
                       table: str, file: str) -> list[QualityNote]:
    """Give every row of a vertically merged data cell (区域 merged over the rows of one region) the merged value.

    Excel shows the value on every row of the range; openpyxl reads it on the
    first row only, which would leave the others blank. Merges inside the
    header are read by the header logic; horizontal merges are left as they are.
    """
    from openpyxl.utils import get_column_letter

    by_row = dict(filled)
    ranges, cells = [], 0
    for min_col, min_row, _max_col, max_row in merged:
        if min_row <= body_start or max_row == min_row or min_row not in by_row:
            continue
        anchor = by_row[min_row]
        value = anchor[min_col - 1] if min_col - 1 < len(anchor) else None
        if value is None:
            continue
        n = 0
        for line in range(min_row + 1, max_row + 1):
            row = by_row.get(line)
            if row is None:
                continue
            row.extend([None] * (min_col - len(row)))
            if row[min_col - 1] is None:
                row[min_col - 1] = value
                n += 1
        if n:
            cells += n
            ranges.append(f"{get_column_letter(min_col)}{min_row}:{get_column_letter(min_col)}{max_row}: {_clip(_cell_text(value), 30)}")
    if not cells:
        return []
    return [
        QualityNote(
            table, file, "merged_cells_filled", cells,
            f"{cells} cell(s) under {len(ranges)} vertically merged cell(s) took the merged value, as Excel shows it on every row of the range",
            "repair", tuple(ranges[:5]),
        )
    ]


_HIDDEN_ROW = re.compile(rb'<row\b(?=[^>]*\bhidden="(?:1|true)")[^>]*\br="(\d+)"')
_FORMULA_CELL = re.compile(rb'<c\b([^>]*\br="([A-Z]+)(\d+)"[^>]*)>(.*?)</c>', re.S)


def _sheet_flags(workbook, sheet) -> tuple[list[int], list[tuple[str, int, str]]]:
    """(hidden rows, formula cells without a saved value as (column letter, row, formula)) of a read-only sheet,
    read from its XML: openpyxl's read-only mode shows neither (a hidden row reads like any other, a formula never
    calculated reads as blank)."""
    try:
        xml = workbook._archive.read(sheet._worksheet_path)
    except Exception:  # noqa: BLE001 - an unusual package layout: nothing to report rather than a failed read
        return [], []
    hidden = [int(m.group(1)) for m in _HIDDEN_ROW.finditer(xml)]
    formulas = []
    if b"<f" in xml:
        for m in _FORMULA_CELL.finditer(xml):
            attrs, inner = m.group(1), m.group(4)
            if b"<f" not in inner:
                continue
            value = re.search(rb"<v>([^<]*)</v>", inner)
            # Excel saves every result (an empty text as t="str" with <v></v>); a tool that never calculated writes
            # no <v> or an empty <v/> without a type
            if value is None or (not value.group(1) and b't="str"' not in attrs):
                f = re.search(rb"<f\b[^>]*>([^<]*)</f>", inner)
                formula = html.unescape(f.group(1).decode("utf-8", "replace")) if f else "…"
                formulas.append((m.group(2).decode(), int(m.group(3)), "=" + formula))
    return hidden, formulas


_OLE_MAGIC = bytes.fromhex("d0cf11e0a1b11ae1")
"""The first bytes of an OLE compound file: an encrypted (password-protected) workbook, or an old .xls."""


def _read_xlsx(path: Path, file: str, table: Table, source: TableSource | None) -> _Raw:
    from openpyxl import load_workbook

    with open(path, "rb") as fh:
        head = fh.read(8)
    if head == _OLE_MAGIC:
        raise DataError([Problem(file, None, None, None,
                                 "is password-protected (encrypted) or an old Excel 97–2003 .xls file, which cannot be read: "
                                 "open it in Excel, remove the password (File › Info › Protect Workbook › Encrypt with Password, "
                                 "clear it) and save it as an .xlsx workbook")]) from None
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
        merged = _merged_ranges(workbook, sheet)
        hidden_rows, unsaved = _sheet_flags(workbook, sheet)
    finally:
        workbook.close()

    if unsaved:
        col, row, formula = unsaved[0]
        raise DataError([Problem(file, row, None, f"{col}{row}: {formula}"[:80],
                                 f"{len(unsaved)} cell(s) hold a formula without a saved value (the file was written by a program "
                                 f"that does not calculate formulas), so they would read as blank: open {file} in Excel, save it, and run again")])
    numbered = [(n, [_cell_value(v) for v in row]) for n, row in enumerate(rows, start=1)]
    filled = [(n, values) for n, values in numbered if any(v is not None for v in values)]
    blank_all = [n for n, values in numbered if all(v is None for v in values)]
    if not filled:
        raise DataError([Problem(file, None, None, title, f"sheet {title!r} is empty (no header and no rows)")], f"{file} is empty")
    texts = [[_header_text(v) for v in values] for _, values in filled[: HEADER_SEARCH_ROWS + 1]]
    at, header_rows, header = _find_header(texts, table, source)
    header_row = filled[at][0]
    body_start = filled[at + header_rows - 1][0]
    fill_notes = _fill_merged_cells(filled, merged, body_start, table.name, file)
    skipped = [(n, " ".join(_header_text(v) for v in values if v is not None)) for n, values in filled[:at]]
    body = [(n, values) for n, values in filled[at + header_rows :]]
    kept, footers = _split_footers(body)
    kept, repeated = (_drop_repeated_headers(kept, header) if header_rows == 1 else (kept, []))
    width = max([len(header), *(len(v) for _, v in kept)])
    headers = list(header) + [""] * (width - len(header))
    data_rows = [values + [None] * (width - len(values)) for _, values in kept]
    lines = [n for n, _ in kept]
    blank = [n for n in blank_all if n > body_start]
    index = _line_index(lines)
    columns = [pd.Series([r[i] for r in data_rows], index=index, dtype=object) for i in range(width)]
    notes = _blank_note(table.name, file, blank, "row")
    notes += _header_found_notes(table.name, file, "row", skipped, header_row, header_rows)
    notes += fill_notes
    notes += _repeated_header_note(table.name, file, "row", repeated)
    notes += _footer_notes(table.name, file, "row", footers)
    hidden_data = sorted(set(hidden_rows) & set(lines))
    if hidden_data:
        notes.append(QualityNote(
            table.name, file, "hidden_rows", len(hidden_data),
            f"{len(hidden_data)} row(s) hidden in Excel were read as data, like every other row: unhide and check them, "
            f"and delete them from the file if they should not count", "warning", tuple(f"row {n}" for n in hidden_data[:5])))
    raw = _Raw(
        headers=headers, columns=columns, positions=list(range(width)), lines=index,
        sheet=title, excel=True, notes=notes, set_aside=[(line, f"footer note: {text}") for line, text in footers],
    )
    _drop_empty_unnamed(raw)
    return raw


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


_HEADER_SUFFIX = re.compile(r"^(?P<base>.+?)\s*(?:[(（\[【](?P<inner>[^)）\]】]*)[)）\]】]|(?P<unit>百万元|千元|万元|元))\s*$")


_SCALE_SUFFIX = re.compile(r"^(?P<base>.*?)\s*[(\[【]?\s*(?P<low>\d{1,2})\s*(?:-|–|—|~|至|到)\s*(?P<high>\d{1,3})\s*分?\s*[)\]】]?\s*$")
"""A scale written after a survey header: ``推荐意愿(1-10)``, ``满意度（1～5分）``, ``NPS 0-10`` (after NFKC)."""


def _header_scale(header: str) -> tuple[int, int] | None:
    """``(low, high)`` when ``header`` ends with a scale (``满意度(1-10)`` → ``(1, 10)``), else ``None``."""
    m = _SCALE_SUFFIX.match(unicodedata.normalize("NFKC", str(header)).strip())
    if m is None or not m["base"].strip() or int(m["low"]) >= int(m["high"]):
        return None
    return int(m["low"]), int(m["high"])


def _resolve_headers(headers: list[str], table: Table, source: TableSource | None, units: dict[str, str] | None = None,
                     currencies: dict[str, str] | None = None) -> dict[int, str]:
    """Header position → contract column: configured mapping, then contract names, then aliases.

    A header that is not known as written is tried again without a trailing
    bracket or unit (``销售额(万元)``, ``数量（件）``, ``金额元``); a money unit
    found that way on a number column is stored in ``units``.
    """
    configured = {normalise_header(k): v for k, v in (source.columns.items() if source else ())}
    names = {normalise_header(c.name): c.name for c in table.columns}
    aliases: dict[str, str] = {}
    for c in table.columns:
        for alias in c.aliases:
            aliases.setdefault(normalise_header(alias), c.name)

    def lookup(key: str) -> str | None:
        return configured.get(key) or names.get(key) or aliases.get(key)

    mapping = {}
    for i, header in enumerate(headers):
        key = normalise_header(header)
        if not key:
            continue
        target, unit = lookup(key), None
        if not target:
            m = _HEADER_SUFFIX.match(str(header).strip())
            if m:
                target = lookup(normalise_header(m["base"]))
                unit = UNIT_WORDS.get(normalise_header(m["inner"] or m["unit"] or ""))
                named = _header_currency(m["inner"]) if m["inner"] and unit is None else None
                if named is not None and target and target in table.names and table.column(target).kind == "number":
                    unit = named[1] if named[1] != "元" else None  # 万美元: a unit too; 美元 alone: the currency only
                    if currencies is not None:
                        currencies[target] = named[0]
                elif unit is not None and normalise_header(m["inner"] or "") in ("rmb", "cny") and currencies is not None and target:
                    currencies[target] = "CNY"
        if not target and _header_scale(header) is not None:  # "NPS 0-10": a score header followed by its scale
            base = _SCALE_SUFFIX.match(unicodedata.normalize("NFKC", str(header)).strip())["base"]
            found = lookup(normalise_header(base))
            target = found if found in table.names and table.column(found).kind == "score" else None
        if target and target != EXTRA and target in table.names:
            mapping[i] = target
            if unit and units is not None and table.column(target).kind == "number":
                units[target] = unit
    return mapping


def _display_header(header: str, name: str) -> str:
    """Column as shown in problems: the file's header, plus the contract name when different."""
    return header if header == name else f"{header} ({name})"


def _map_columns(raw: _Raw, table: Table, source: TableSource | None, file: str,
                 currencies: dict[str, str] | None = None) -> tuple[dict[int, str], dict[str, str], list[Problem], list[QualityNote]]:
    units: dict[str, str] = {}
    mapping = _resolve_headers(raw.headers, table, source, units, currencies)
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
    if table.any_of and not set(table.any_of) & set(by_target):
        wanted = " or ".join(f"'{c}'" for c in table.any_of)
        accepted = "; ".join(f"{c}: {', '.join(dict.fromkeys([c, *table.column(c).aliases]))}" for c in table.any_of)
        problems.append(
            Problem(
                file, None, "/".join(table.any_of), None,
                f"needs at least one of the columns {wanted}; headers found: {found}; accepted headers: {accepted} "
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
    return mapping, units, problems, notes


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


def _normalise_ids(values: pd.Series) -> pd.Series:
    """Ids with full-width characters folded (NFKC) and zero-width characters removed."""
    present = values.dropna()
    if present.empty:
        return values
    # ASCII text is unchanged by NFKC: fold only the distinct non-ASCII values
    changes = {}
    for value in pd.unique(present[~present.str.isascii()]):
        folded = _ZERO_WIDTH.sub("", unicodedata.normalize("NFKC", value)).strip()
        if folded != value:
            changes[value] = folded or None
    if not changes:
        return values
    return values.map(lambda v: changes.get(v, v), na_action="ignore").astype("str")


def _split_text(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Split an object column into its text values (``str`` dtype) and its other non-missing values."""
    if isinstance(raw.dtype, pd.StringDtype):
        return raw.dropna().astype("str"), raw.iloc[:0]
    present = raw[raw.map(lambda v: not _is_missing(v))]
    is_text = present.map(lambda v: isinstance(v, str)).astype(bool)
    return present[is_text].astype("str"), present[~is_text]


_NUMBER = re.compile(
    r"""(?P<sign1>[+-])?(?P<cur1>(?:RMB|CNY|USD)?[¥$€£]?)
        (?P<open>\()?
        (?P<sign2>[+-])?(?P<cur2>(?:RMB|CNY|USD)?[¥$€£]?)
        (?P<num>(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d*)?|\.\d+)
        (?P<exp>[eE][+-]?\d+)?
        (?P<close>\))?
        (?P<unit>百万元|千元|万元|元|百万|万|千)?""",
    re.X | re.I,
)
_CURRENCY = {"": None, "¥": "¥", "rmb": "¥", "cny": "¥", "rmb¥": "¥", "cny¥": "¥", "$": "$", "usd": "$", "usd$": "$", "€": "€", "£": "£"}


def _parse_amount(value: Any) -> tuple[float | None, str | None, str | None]:
    """One value → ``(number, currency, unit)``; number ``None`` when missing; ``ValueError`` when not a number.

    Accepts ``1,234.50``, ``¥1,234``, ``￥``/``$``, full-width digits,
    accounting negatives ``(300.00)`` and a unit after the number (``1.5万``,
    ``12,000元``).
    """
    if _is_missing(value):
        return None, None, None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (str, int, float, np.integer, np.floating)):
        raise ValueError(value)
    currency = unit = None
    if not isinstance(value, str):
        number = float(value)
    else:
        text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", value).replace("\u2212", "-"))
        if not text:
            return None, None, None
        m = _NUMBER.fullmatch(text)
        if m is None or bool(m["open"]) != bool(m["close"]) or (m["sign1"] and m["sign2"]) or (m["cur1"] and m["cur2"]):
            raise ValueError(value)
        sign = m["sign1"] or m["sign2"]
        if m["open"] and sign:
            raise ValueError(value)
        cur = (m["cur1"] or m["cur2"] or "").casefold()
        if cur not in _CURRENCY:
            raise ValueError(value)
        currency = _CURRENCY[cur]
        unit = UNIT_WORDS[m["unit"]] if m["unit"] else None
        number = float(m["num"].replace(",", "") + (m["exp"] or ""))
        if m["open"] or sign == "-":
            number = -number
    if not math.isfinite(number):
        raise ValueError(value)
    return number, currency, unit


def _parse_number(value: Any) -> float | None:
    """One value → float (``None`` when missing); a unit other than 元 is not a plain number."""
    number, _, unit = _parse_amount(value)
    if unit not in (None, "元"):
        raise ValueError(value)
    return number


@dataclass(frozen=True)
class _Unit:
    """The unit of a number column and where it was declared."""

    unit: str = "元"
    origin: str | None = None  # "header '…'", "company.unit" or None (the default, 元)
    cell_units: bool = False  # cells may carry a unit (amount only)


def _coerce_number(raw: pd.Series, unit: _Unit = _Unit()) -> tuple[pd.Series, pd.Series, dict[int, str], str, bool]:
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
            number, currency, cell_unit = _parse_amount(value)
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
    r"(?:(?:\s+|T)(?P<hour>\d{1,2})[:时点](?P<minute>\d{1,2})(?:[:分](?P<second>\d{1,2})(?P<fraction>\.\d+)?秒?)?分?"
    r"(?P<zone>\s*(?:Z|UTC|GMT)?\s*[+-]\d{2}:?\d{2}|\s*(?:Z|UTC|GMT))?)?$"
)
"""Accepted date forms; a UTC offset after the time (``2015-02-24 11:15:36 -0800``) is read and
dropped: the wall-clock time as written is kept (the day the customer saw), as for ISO ``…T…+08:00``."""
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


def _date_rule(text: str | None, kind: str, table: str, date_format: str | None, excel: bool) -> str:
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
        day = (_EXCEL_EPOCH + pd.to_timedelta(float(text), unit="D")).date()
        return f"{base}; {text} looks like an Excel day number ({day}): format the column as a date in Excel before saving as CSV"
    return base


def _coerce_score(raw: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Score → float; returns ``(values, bad, blank_answers)`` where blank answers ("无", "N/A" …) are missing."""
    if pd.api.types.is_numeric_dtype(raw) and not pd.api.types.is_bool_dtype(raw):
        values, bad, _, _, _ = _coerce_number(raw)
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
            if isinstance(value, (float, np.floating)) and not _is_missing(value) and abs(value) >= 10**EXCEL_DIGITS:
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


def _decimal_comma_problem(ctx: _Context, name: str, series: pd.Series, bad: pd.Series) -> Problem | None:
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


def _coerce_frame(ctx: _Context, units: dict[str, _Unit], date_format: str | None,
                  decimal: str = ".") -> tuple[pd.DataFrame, list[Problem], list[QualityNote], set[tuple[int, str]]]:
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
        errors = _excel_errors(series)
        if errors.any():
            for line in series.index[errors]:
                problems.append(ctx.problem(column.name, int(line), _cell_text(series[line]),
                                            "is an Excel error value: a formula failed in the workbook; fix it (or paste the values) and export again"))
                cells.add((int(line), column.name))
            series = series.mask(errors)
        if kind in ("id", "text", "category"):
            values = _coerce_text(series)
            if column.name == "phone":  # a phone number Excel turned into 1.39123E+10 is as lost as such an id
                present = values.dropna()
                for line, value in present[present.str.fullmatch(_SCIENTIFIC.pattern)].items():
                    problems.append(ctx.problem(column.name, int(line), value,
                                                f"is a number in scientific notation ({value}): Excel has already rounded this phone number "
                                                "and its digits cannot be recovered; re-export it with the column formatted as text"))
                    cells.add((int(line), column.name))
            if kind == "id":
                for line, rule in _damaged_ids(series, values).items():
                    value = series[line]
                    shown = f"{value:.15g}" if isinstance(value, (float, np.floating)) else _cell_text(value)  # as Excel shows it
                    problems.append(ctx.problem(column.name, line, shown, rule))
                    cells.add((line, column.name))
                before = values
                values = _normalise_ids(values)
                changed = before.notna() & (before != values)
                if changed.any():
                    pairs = [f"line {i}: {_visible(before[i])} → {values[i]}" for i in changed[changed].index[:5]]
                    notes.append(
                        QualityNote(
                            table.name, ctx.file, "ids_normalised", int(changed.sum()),
                            f"{int(changed.sum())} {ctx.header(column.name)} value(s) written with full-width or invisible characters were normalised",
                            "repair", tuple(pairs),
                        )
                    )
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
        issues: dict[int, str] = {}
        if kind == "number":
            unit = units.get(column.name, _Unit())
            values, bad, issues, written_in, from_cells = _coerce_number(_decimal_point(series) if decimal == "," else series, unit)
            rule = "must be a number"
            comma = _decimal_comma_problem(ctx, column.name, series, bad) if decimal == "." else None
            if comma is not None:  # one problem for the column, first among the file's problems
                problems.insert(0, comma)
                cells.update((int(line), column.name) for line in bad[bad].index)
                data[column.name] = values
                continue
            factor = UNIT_FACTORS[written_in]
            if factor != 1:
                origin = "the cells" if from_cells else unit.origin or "company.unit"
                notes.append(
                    QualityNote(
                        table.name, ctx.file, "amount_unit_converted" if column.name == "amount" else "unit_converted", int(values.notna().sum()),
                        f"{ctx.header(column.name)} values were written in {written_in} (from {origin}) and multiplied by {factor:g}"
                        + (" to 元" if column.name == "amount" else ""),
                        "repair",
                    )
                )
        elif kind in ("date", "datetime"):
            values, bad = _coerce_datetime(series, date_format=date_format, excel=raw.excel)
            if kind == "date":
                values = values.dt.normalize()
            for line in bad[bad].index:
                issues[int(line)] = _date_rule(_cell_text(series[line]), kind, table.name, date_format, raw.excel)
            rule = "must be a date (YYYY-MM-DD)" if kind == "date" else "must be a date and time (YYYY-MM-DD HH:MM)"
        elif kind == "score":
            values, bad, blank = _coerce_score(series)
            rule = f"must be a number ({column.low:g}–{column.high:g}; leave blank when not answered)"
            if not blank.empty:
                shown = sorted({repr(b) if not b.strip() else b for b in blank})
                notes.append(
                    QualityNote(
                        table.name, ctx.file, "blank_answers", len(blank),
                        f"{len(blank)} {ctx.header(column.name)} answer(s) such as {', '.join(shown[:3])} read as not answered (excluded from n)",
                        "repair", _examples(blank.index, blank.map(lambda b: repr(b) if not b.strip() else b)),
                    )
                )
        else:  # pragma: no cover - the contract only uses the kinds above
            raise ValueError(f"unknown column kind {kind!r} for {table.name}.{column.name}")
        for line in bad[bad].index:
            problems.append(ctx.problem(column.name, int(line), _cell_text(series[line]), issues.get(int(line), rule)))
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


# ---------------------------------------------------------------------------
# Row rules: totals, duplicates, returns, time order
# ---------------------------------------------------------------------------


def _fold_label(text: str) -> str | None:
    """``"total"``/``"subtotal"`` when ``text`` labels a total row (合计, 小计, Total:, 华东小计 …)."""
    folded = re.sub(r"[\s_\-:：.]", "", unicodedata.normalize("NFKC", text).casefold())
    kind = TOTAL_WORDS.get(folded)
    if kind is None and (m := _TOTAL_SUFFIX.match(folded)):
        kind = "subtotal" if m.group(1) == "小计" else "total"
    return kind


def _total_rows(raw: _Raw, positions: list[int] | None = None) -> pd.Series:
    """Line → ``"total"``/``"subtotal"`` for rows labelled 合计, 小计, Total … in any text cell
    (or only in the columns at ``positions``)."""
    found: dict[int, str] = {}
    for i, series in enumerate(raw.columns):
        if positions is not None and i not in positions:
            continue
        if isinstance(series.dtype, pd.StringDtype):
            text = series
        elif series.dtype == object:
            text = series.map(lambda v: v if isinstance(v, str) else None).astype("str")
        else:
            continue
        # cheap vectorised pre-filter, then the exact rule on the few candidates
        candidates = text[text.str.contains("计|total|ｔｏｔａｌ", case=False, regex=True).fillna(False).astype(bool)]
        for line, value in candidates.items():
            kind = _fold_label(value)
            if kind is not None:
                found[int(line)] = "subtotal" if "subtotal" in (kind, found.get(int(line))) else kind
    return pd.Series(found, dtype=object).sort_index()


def _label_positions(ctx: "_Context") -> list[int]:
    """Where a total label would sit in a table without number columns: its first column and its id/category columns
    (free-text columns such as comments are not searched: a comment may well say 合计)."""
    kinds = {c.name: c.kind for c in ctx.table.columns}
    return sorted({0} | {p for p, target in ctx.mapping.items() if kinds.get(target) in ("id", "category")})


def _unreconcilable_totals(labels: pd.Series, ctx: "_Context") -> list[Problem]:
    """One problem per total/subtotal row of a table that has no number column to check it against."""
    problems = []
    positions = _label_positions(ctx)
    for line, kind in labels.items():
        label = "subtotal (小计)" if kind == "subtotal" else "total (合计)"
        where, value = None, None
        for p in positions:
            cell = ctx.raw.columns[p].get(line)
            if isinstance(cell, str) and _fold_label(cell) is not None:
                where, value = ctx.mapping.get(p), cell
                break
        rule = (f"a {label} row in a table without amounts: there is nothing to check it against, "
                "so it cannot be told from a record; remove it from the export")
        if where is not None:
            problems.append(ctx.problem(where, int(line), value, rule))
        else:
            problems.append(Problem(ctx.file, int(line), None, _clip(value), rule))
    return problems


def _reconcile_totals(frame: pd.DataFrame, kinds: pd.Series, ctx: _Context, factors: dict[str, float]) -> tuple[list[Problem], list[str]]:
    """Check each total row against the detail rows above it.

    A subtotal (小计) must equal the detail rows since the previous total or
    subtotal row; a total (合计) must equal all detail rows above it. Numbers
    are compared in the file's unit to the cent.
    """
    columns = [c.name for c in ctx.table.columns if c.kind == "number" and c.name in frame]
    detail = frame.loc[~frame.index.isin(kinds.index), columns].fillna(0.0)
    problems, checked = [], []
    previous = None
    for line, kind in kinds.sort_index().items():
        above = detail.index < line
        block = above & (detail.index > previous) if (kind == "subtotal" and previous is not None) else above
        sums = detail.loc[block].sum()
        n = int(block.sum())
        label = "subtotal (小计)" if kind == "subtotal" else "total (合计)"
        row = frame.loc[line, columns]
        given = [c for c in columns if not pd.isna(row[c])]
        if not given:
            problems.append(Problem(ctx.file, int(line), None, None, f"a {label} row without any amount: remove it"))
        for c in given:
            factor = factors.get(c, 1.0)
            if abs(row[c] - sums[c]) > 0.005 * factor + 1e-9 * abs(sums[c]):
                problems.append(
                    ctx.problem(
                        c, int(line), ctx.raw_value(c, int(line)),
                        f"a {label} row that does not match the {n} detail row(s) above it, which sum to {sums[c] / factor:,.2f}: "
                        "remove the row or correct the figures",
                    )
                )
        if given and not any(p.line == line for p in problems):
            checked.append(f"line {line}: {label} = {', '.join(f'{c} {row[c] / factors.get(c, 1.0):,.2f}' for c in given)} (matches {n} rows)")
        previous = line
    return problems, checked


def _drop_duplicates(frame: pd.DataFrame, table: str, file: str) -> tuple[pd.DataFrame, list[QualityNote], pd.DataFrame]:
    """Remove rows identical in every column to an earlier row (overlapping exports)."""
    duplicated = frame.duplicated(keep="first")
    if not duplicated.any():
        return frame, [], frame.iloc[:0]
    hashes = pd.util.hash_pandas_object(frame, index=False)
    first = pd.Series(frame.index, index=frame.index).groupby(hashes.values).transform("first")
    lines = frame.index[duplicated]
    aside = frame.loc[duplicated].copy()
    aside.insert(0, QUARANTINE_REASON, [f"exact duplicate of line {first[line]}" for line in lines])
    n = int(duplicated.sum())
    note = QualityNote(
        table, file, "duplicate_rows_removed", n,
        f"{n} row(s) identical in every column to an earlier row (overlapping exports) were removed", "repair",
        tuple(f"line {line} = line {first[line]}" for line in lines[:5]),
    )
    return frame.loc[~duplicated], [note], aside


def _row_rules(frame: pd.DataFrame, ctx: _Context, seen: set[tuple[int, str]]) -> list[Problem]:
    """Rules between columns of one row: sign of quantity vs amount, event order of a ticket."""
    problems: list[Problem] = []
    name = ctx.table.name
    if name == "sales" and {"quantity", "amount"} <= set(frame):
        q, a = frame["quantity"], frame["amount"]
        clash = (q * a < 0) & q.notna() & a.notna()
        for line in frame.index[clash]:
            if (int(line), "amount") in seen or (int(line), "quantity") in seen:
                continue
            problems.append(
                ctx.problem(
                    "amount", int(line), ctx.raw_value("amount", int(line)),
                    f"sign differs from the quantity ({ctx.raw_value('quantity', int(line))}): a return has a negative quantity and a negative amount",
                )
            )
    if name == "sales" and "order_date" in frame:
        ordered = frame["order_date"]
        for column, what in (("promised_date", "promised delivery day"), ("delivered_date", "delivery")):
            if column not in frame:
                continue
            early = frame[column].notna() & ordered.notna() & (frame[column] < ordered)
            for line in frame.index[early]:
                if (int(line), column) in seen or (int(line), "order_date") in seen:
                    continue
                problems.append(
                    ctx.problem(column, int(line), ctx.raw_value(column, int(line)),
                                f"the {what} is before the order date ({ordered[line]:%Y-%m-%d})")
                )
    if name == "complaints" and "opened_at" in frame:
        opened = frame["opened_at"]
        for column, what in (("first_response_at", "first response"), ("resolved_at", "resolution")):
            if column not in frame:
                continue
            early = frame[column].notna() & opened.notna() & (frame[column] < opened)
            for line in frame.index[early]:
                problems.append(
                    ctx.problem(
                        column, int(line), ctx.raw_value(column, int(line)),
                        f"the {what} is before the ticket was opened ({opened[line]:%Y-%m-%d %H:%M})",
                    )
                )
    return problems


def _returns_note(frame: pd.DataFrame, file: str) -> list[QualityNote]:
    if "amount" not in frame:
        return []
    negative = frame["amount"] < 0
    if not negative.any():
        return []
    n = int(negative.sum())
    total = float(frame.loc[negative, "amount"].sum())
    return [
        QualityNote(
            "sales", file, "returns", n,
            f"{n} order line(s) with a negative amount are returns or cancellations, {total:,.2f} in all (currency units); "
            "they are kept and net against revenue",
            "info", _examples(frame.index[negative]),
        )
    ]


# ---------------------------------------------------------------------------
# Survey scales
# ---------------------------------------------------------------------------


def _scale_config_problems(table: Table, scales: Mapping[str, ScaleDeclaration]) -> list[Problem]:
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


def _declared_contract(table: Table, scales: Mapping[str, ScaleDeclaration]) -> Table:
    """The contract with declared scales: answers are validated on the scale they were asked on."""
    if not scales:
        return table
    columns = tuple(
        replace(c, low=scales[c.name].low, high=scales[c.name].high) if c.kind == "score" and c.name in scales else c for c in table.columns
    )
    return replace(table, columns=columns)


def _convert_scales(frame: pd.DataFrame, contract: Table, scales: Mapping[str, ScaleDeclaration], file: str) -> list[QualityNote]:
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


# ---------------------------------------------------------------------------
# Validation (pandera) and the public reader
# ---------------------------------------------------------------------------


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
        show = lambda v: "(blank)" if pd.isna(v) else (f"{v:%Y-%m-%d}" if isinstance(v, pd.Timestamp) else _clip(_cell_text(v), 20))  # noqa: E731
        parts.append(f"{column} {show(a)} ≠ {show(b)}")
    return "; ".join(parts[:3])


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
        if value is None and not _is_missing(case.failure_case):
            value = _cell_text(case.failure_case)
        problems.append(ctx.problem(name, line, value, rule))
    return problems


@dataclass
class _TableRead:
    frame: pd.DataFrame
    source: Source
    notes: list[QualityNote]
    aside: pd.DataFrame
    currencies: dict[str, tuple[str, str]] = field(default_factory=dict)  # column → (currency its header names, header)


def _aside_frame(pieces: list[pd.DataFrame]) -> pd.DataFrame:
    pieces = [p for p in pieces if len(p)]
    if not pieces:
        return pd.DataFrame({QUARANTINE_REASON: pd.Series(dtype="str")}, index=_line_index([]))
    out = pd.concat(pieces).sort_index(kind="stable")
    out.index.name = "source_line"
    return out


def _read(
    path: Path,
    table: Table,
    source: TableSource | None,
    display_name: str | None,
    unit: str,
    unit_explicit: bool,
    scales: Mapping[str, ScaleDeclaration],
) -> _TableRead:
    path = Path(path)
    file = display_name or path.name
    if unit not in UNIT_FACTORS:
        raise ValueError(f"unit {unit!r} is not one of {', '.join(UNIT_FACTORS)}")
    config_problems = _source_column_problems(table, source) + _scale_config_problems(table, scales)
    if config_problems:
        raise ConfigError(config_problems, f"{len(config_problems)} problem(s) in {CONFIG_FILE}")
    contract, table = table, _declared_contract(table, scales)
    if not path.is_file():
        raise DataError([Problem(file, None, None, None, "file not found")])
    fmt = _format_of(path, file)
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if fmt == "csv":
        raw = _read_csv(path, data, file, table, source)
    elif fmt == "xlsx":
        raw = _read_xlsx(path, file, table, source)
    else:
        raw = _read_parquet(path, file)
    del data

    currencies: dict[str, str] = {}
    mapping, header_units, mapping_problems, notes = _map_columns(raw, table, source, file, currencies)
    notes = raw.notes + notes
    if mapping_problems:  # values cannot be checked against the wrong columns
        raise DataError(raw.problems + mapping_problems, f"{len(raw.problems) + len(mapping_problems)} problem(s) in {file}")
    if len(raw.lines) == 0 and not raw.problems and table.name not in MAY_BE_EMPTY:
        raise DataError([Problem(file, None, None, None, "has a header but no data rows: export the rows too (or remove the file)")], f"{file} has no rows")
    ctx = _Context(file, table, raw, mapping, raw.excel)
    units, unit_problems = _column_units(ctx, header_units, unit, unit_explicit)
    unit_problems += _header_scale_problems(ctx, contract, scales)
    frame, value_problems, coerce_notes, bad_cells = _coerce_frame(ctx, units, source.date_format if source else None,
                                                                   source.decimal if source else ".")
    notes += coerce_notes
    pieces: list[pd.DataFrame] = []
    if raw.set_aside:
        pieces.append(pd.DataFrame({QUARANTINE_REASON: [r for _, r in raw.set_aside]}, index=_line_index([n for n, _ in raw.set_aside])))

    has_numbers = any(c.kind == "number" and c.name in frame for c in table.columns)
    kinds = _total_rows(raw) if has_numbers else pd.Series(dtype=object)
    if len(kinds):
        factors = {name: UNIT_FACTORS[u.unit] for name, u in units.items()}
        total_problems, matched = _reconcile_totals(frame, kinds, ctx, factors)
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
        labels = _total_rows(raw, _label_positions(ctx))
        if len(labels):
            value_problems = [p for p in value_problems if p.line not in labels.index] + _unreconcilable_totals(labels, ctx)
            bad_cells = {c for c in bad_cells if c[0] not in labels.index}
            frame = frame.drop(index=labels.index)  # reported once, as a total row
    frame, dup_notes, duplicates = _drop_duplicates(frame, table.name, file)
    notes += dup_notes
    pieces.append(duplicates)
    value_problems += _schema_problems(frame, ctx, bad_cells)
    value_problems += _row_rules(frame, ctx, bad_cells)
    comma = [p for p in value_problems if p.rule.startswith("the numbers use a decimal comma")]
    rest = [p for p in value_problems if not p.rule.startswith("the numbers use a decimal comma")]
    problems = comma + raw.problems + unit_problems + sorted(rest, key=lambda p: (p.line is None, p.line or 0))
    if problems:
        raise DataError(problems, f"{len(problems)} problem(s) in {file}")
    if scales:
        notes += _convert_scales(frame, contract, scales, file)
    if table.name == "sales":
        notes += _returns_note(frame, file)
    src = Source(
        table=table.name,
        file=file,
        path=path.resolve(),
        format=fmt,
        encoding=raw.encoding,
        sheet=raw.sheet,
        rows=len(raw.lines),
        sha256=digest,
    )
    headers = {target: raw.headers[p] for p, target in mapping.items() if target in currencies}
    return _TableRead(frame, src, notes, _aside_frame(pieces), {t: (c, headers[t]) for t, c in currencies.items()})


def _header_scale_problems(ctx: _Context, contract: Table, scales: Mapping[str, ScaleDeclaration]) -> list[Problem]:
    """A score header that names its scale (``推荐意愿(1-10)``) must agree with the contract's or the declared scale.

    Answers 1–10 to a 0–10 NPS question look valid, so the header is the only
    place a 1–10 NPS scale shows: it is an error until ``checks.scales`` says
    how to read it.
    """
    problems = []
    for position, target in ctx.mapping.items():
        column = ctx.table.column(target)
        if column.kind != "score" or (found := _header_scale(ctx.raw.headers[position])) is None:
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


def _column_units(ctx: _Context, header_units: dict[str, str], unit: str, unit_explicit: bool) -> tuple[dict[str, _Unit], list[Problem]]:
    """The unit of each number column: from its header, else (amount) ``company.unit``."""
    units: dict[str, _Unit] = {}
    problems: list[Problem] = []
    for name, header_unit in header_units.items():
        origin = f"header {ctx.header(name).split(' (')[0]!r}"
        units[name] = _Unit(header_unit, origin, cell_units=name == "amount")
        if name == "amount" and unit_explicit and UNIT_FACTORS[unit] != UNIT_FACTORS[header_unit]:
            problems.append(
                Problem(
                    ctx.file, None, ctx.header(name), None,
                    f"the header says the amounts are in {header_unit} but company.unit in {CONFIG_FILE} says {unit}: "
                    "remove the unit from one of them so that amounts are converted once",
                )
            )
    if "amount" not in units and "amount" in ctx.mapping.values():
        units["amount"] = _Unit(unit, "company.unit" if unit_explicit else None, cell_units=True)
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
    result = _read(path, table, source, display_name, unit, explicit, scales)
    return result.frame, result.source, result.notes


# ---------------------------------------------------------------------------
# The workspace: every table, then cross-table checks and repairs
# ---------------------------------------------------------------------------


def _zero_padding_targets(known: pd.Series) -> dict[str, str]:
    """Digits left when leading zeros are stripped → the one known id with leading zeros they belong to.

    Only known ids made of digits and starting with ``0`` take part; a core that
    two known ids share (``021`` and ``0021``) is ambiguous and left out.

    Examples
    --------
    >>> _zero_padding_targets(pd.Series(["000021", "000315", "C1", "21000"]))
    {'21': '000021', '315': '000315'}
    """
    ids = known.dropna().astype(str)
    padded = ids[ids.str.fullmatch(r"0\d+")]
    cores = padded.str.lstrip("0")
    keep = (cores != "") & ~cores.duplicated(keep=False)
    return dict(zip(cores[keep].tolist(), padded[keep].tolist()))


def _repair_zero_padding(tables: dict[str, pd.DataFrame], sources: dict[str, Source]) -> list[QualityNote]:
    """Customer ids that lost their leading zeros (``21`` for ``000021``, as Excel does) are padded back.

    An id is rewritten only when it is not a known customer id, is made of
    digits, and padding it with zeros gives exactly one known id (see
    :func:`_zero_padding_targets`). Each table gets a ``ids_zero_padded``
    repair note with the count and examples.
    """
    targets = _zero_padding_targets(tables["customers"]["customer_id"])
    if not targets:
        return []
    known = set(tables["customers"]["customer_id"].dropna().tolist())
    notes = []
    for name in CUSTOMER_TABLES:
        frame = tables.get(name)
        if frame is None or "customer_id" not in frame:
            continue
        ids = frame["customer_id"]
        codes, distinct = pd.factorize(ids)
        fixes = {}
        for value in distinct.tolist():
            if value in known or not value.isdigit() or not value.isascii():
                continue
            target = targets.get(value.lstrip("0"))
            if target is not None and len(target) > len(value):
                fixes[value] = target
        if not fixes:
            continue
        hit = ids.isin(list(fixes)).fillna(False).to_numpy(dtype=bool)
        before = ids[hit]
        frame["customer_id"] = ids.mask(hit, before.map(fixes)).astype(ids.dtype)
        n = int(hit.sum())
        notes.append(
            QualityNote(
                name, sources[name].file, "ids_zero_padded", n,
                f"{n} row(s) name a customer_id that lost its leading zeros (as Excel does with numbers: "
                f"{next(iter(fixes))} for {fixes[next(iter(fixes))]}); {len(fixes)} id value(s) were padded back to the id "
                f"in {sources['customers'].file}",
                "repair", tuple(f"line {line}: {v} → {fixes[v]}" for line, v in before.iloc[:5].items()),
            )
        )
    return notes


def _unknown_customers(tables: dict[str, pd.DataFrame], sources: dict[str, Source], checks: Checks) -> tuple[list[QualityNote], list[Problem]]:
    """Rows naming a customer not in customers: info, warning or error by share (``checks.unknown_customers``).

    In sales, unknown ids that carry more than ``headline_above`` of the amount
    or of the distinct customers are an error whatever their row share: each
    would count as a customer of its own and move the headline numbers.
    """
    known = set(tables["customers"]["customer_id"].dropna().tolist())
    limits = checks.unknown_customers
    notes, problems = [], []
    for name in CUSTOMER_TABLES:
        frame = tables.get(name)
        if frame is None or "customer_id" not in frame:
            continue
        ids = frame["customer_id"]
        with_id = int(ids.notna().sum())
        # each distinct id is looked up once (millions of order lines name far fewer customers)
        codes, distinct = pd.factorize(ids)
        missing = np.array([v not in known for v in distinct.tolist()] + [False], dtype=bool)  # code −1 (blank) → the False at the end
        hit = missing[codes]
        unknown = ids[hit]
        if unknown.empty:
            continue
        share = len(unknown) / with_id
        first = unknown[~unknown.duplicated()]
        summary = (
            f"{len(unknown)} of {with_id} row(s) ({share:.1%}) refer to {len(first)} customer_id value(s) "
            f"not found in {sources['customers'].file}"
        )
        rule = None
        if share > limits.error_above:
            rule = f"customer id not found in {sources['customers'].file}: {summary}, above checks.unknown_customers.error_above ({limits.error_above:.1%})"
        elif name == "sales" and "amount" in frame:
            amount = np.abs(frame["amount"].to_numpy(dtype="float64", na_value=np.nan))
            total = float(np.nansum(amount))
            money = float(np.nansum(amount[hit])) / total if total > 0 else 0.0
            people = len(first) / max(len(distinct), 1)
            if max(money, people) > limits.headline_above:
                rule = (
                    f"customer id not found in {sources['customers'].file}: {summary}; they carry {money:.1%} of the sales amount "
                    f"and are {len(first)} of the {len(distinct)} customer ids in {sources[name].file} ({people:.1%}), "
                    f"above checks.unknown_customers.headline_above ({limits.headline_above:.1%}): each would count as a customer "
                    f"of its own and change new customers, active customers and repeat purchase. Add them to "
                    f"{sources['customers'].file} or correct the ids"
                )
        if rule is not None:
            for line, value in first.iloc[:20].items():
                problems.append(Problem(sources[name].file, int(line), "customer_id", value, rule))
            if len(first) > 20:
                problems.append(Problem(sources[name].file, None, "customer_id", None, f"… and {len(first) - 20} more unknown customer ids"))
            continue
        severity = "warning" if share > limits.warn_above else "info"
        notes.append(
            QualityNote(
                name, sources[name].file, "unknown_customer_ids", len(unknown),
                summary + ("" if severity == "warning" else f" (at or below checks.unknown_customers.warn_above, {limits.warn_above:.1%})"),
                severity, tuple(f"{v} (line {line})" for line, v in first.iloc[:5].items()),
            )
        )
    return notes, problems


NEAR_DUPLICATE_KEYS: tuple[str, ...] = ("order_id", "order_date", "customer_id")
"""With ``product`` (or ``product_line`` when there is no product column): lines that should be one."""


MANY_VALUES = 200
"""Distinct regions or product lines above which validation warns: plans, charts and tables list each one."""


def _many_values(frame: pd.DataFrame, file: str, columns: tuple[str, ...] = ("region", "product_line"),
                 limit: int = MANY_VALUES, keep: int | None = None) -> list[QualityNote]:
    """A warning for each plan dimension with more than ``limit`` distinct values (a customer or address column
    mapped as the region, say): every step lists each value, or, when the long tail is grouped (``keep``:
    ``checks.many_values.keep`` with ``group: true``), only the ``keep`` largest and "Other".

    Examples
    --------
    >>> f = pd.DataFrame({"region": [f"R{i}" for i in range(250)], "product_line": ["A"] * 250})
    >>> [(n.rule, n.count) for n in _many_values(f, "sales.csv")]
    [('many_values', 250)]
    """
    notes = []
    for column in columns:
        if column not in frame:
            continue
        n = int(frame[column].nunique(dropna=True))
        if n > limit:
            top = frame[column].value_counts().index[:3]
            what = (f"the plans, charts and tables show the {keep} largest and group the rest (long_tail_grouped)"
                    if keep is not None and n > keep + 1
                    else "every plan, chart and table lists each one")
            notes.append(QualityNote(
                "sales", file, "many_values", n,
                f"column {column} has {n:,} distinct values (more than {limit}): {what}; "
                f"check that the right column is mapped to {column}, or group the values in the export",
                "warning", tuple(f"{column} = {v}" for v in top)))
    return notes


def _near_duplicates(frame: pd.DataFrame, file: str) -> list[QualityNote]:
    """Order lines with the same order, date, customer and product but a different amount (both kept, reported).

    Examples
    --------
    >>> f = pd.DataFrame({"order_id": ["O1", "O1", "O2"], "order_date": pd.to_datetime(["2025-01-05"] * 3),
    ...                   "customer_id": ["C1"] * 3, "product": ["P"] * 3, "amount": [100.0, 120.0, 5.0]},
    ...                  index=pd.Index([2, 3, 4], name="source_line"))
    >>> _near_duplicates(f, "sales.csv")[0].examples
    ('line 3 ~ line 2: order O1, product P, amount 120.00 vs 100.00',)
    """
    product = "product" if "product" in frame and frame["product"].notna().any() else "product_line"
    keys = [k for k in (*NEAR_DUPLICATE_KEYS, product) if k in frame]
    if "amount" not in frame or len(keys) < len(NEAR_DUPLICATE_KEYS) + 1 or len(frame) < 2:
        return []
    sub = frame[keys + ["amount"]]
    twice = sub.duplicated(keys, keep=False)
    if not twice.any():
        return []
    groups = sub[twice].reset_index()
    line = groups.columns[0]
    amounts = groups.groupby(keys, sort=False, dropna=False)["amount"].transform("nunique")
    groups = groups[amounts.to_numpy() > 1]
    if groups.empty:
        return []
    firsts = groups.groupby(keys, sort=False, dropna=False)[line].transform("first")
    first_amount = groups.groupby(keys, sort=False, dropna=False)["amount"].transform("first")
    later = groups[groups[line] != firsts]
    examples = tuple(
        f"line {r[line]} ~ line {f}: order {r['order_id']}, {product} {r[product]}, amount {r['amount']:,.2f} vs {a:,.2f}"
        for (_, r), f, a in zip(later.iloc[:5].iterrows(), firsts[later.index][:5], first_amount[later.index][:5])
    )
    n = len(later)
    return [
        QualityNote(
            "sales", file, "near_duplicate_lines", n,
            f"{n} order line(s) repeat the order, date, customer and {product} of an earlier line with a different amount; "
            f"both lines are kept and counted (a correction exported beside the original would double the revenue): check them",
            "warning", examples,
        )
    ]


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


def _quarantine_dates(tables: dict[str, pd.DataFrame], sources: dict[str, Source], aside: dict[str, list[pd.DataFrame]],
                      earliest: date, today: date) -> list[QualityNote]:
    """Set aside rows whose event date is before ``earliest`` or after ``today`` (future dates)."""
    notes = []
    low, high = pd.Timestamp(earliest), pd.Timestamp(today) + pd.Timedelta(days=1)
    for name, column in EVENT_DATES.items():
        frame = tables.get(name)
        if frame is None or column not in frame:
            continue
        when = frame[column]
        early, late = when < low, when >= high
        out = early | late
        if not out.any():
            continue
        reasons = [
            f"{column} {when[line]:%Y-%m-%d} is " + (f"after the day of the run ({today})" if late[line] else f"before checks.earliest_date ({earliest})")
            for line in frame.index[out]
        ]
        rows = frame.loc[out].copy()
        rows.insert(0, QUARANTINE_REASON, reasons)
        aside.setdefault(name, []).append(rows)
        tables[name] = frame.loc[~out]
        n = int(out.sum())
        notes.append(
            QualityNote(
                name, sources[name].file, "dates_out_of_range", n,
                f"{_out_of_range_counts(int(early.sum()), int(late.sum()), earliest, today)} were set aside (quarantine/{name}.csv of the run)",
                "warning", tuple(f"line {line}: {when[line]:%Y-%m-%d}" for line in frame.index[out][:5]),
            )
        )
    return notes


def _out_of_range_counts(early: int, late: int, earliest: date, today: date) -> str:
    """``6,919 row(s) dated before checks.earliest_date 2000-01-01 and 2 row(s) dated after the day of the run (2026-01-15)``."""
    parts = []
    if early:
        parts.append(f"{early:,} row(s) dated before checks.earliest_date {earliest}")
    if late:
        parts.append(f"{late:,} row(s) dated after the day of the run ({today})")
    return " and ".join(parts)


def _empty_after_set_aside(name: str, source: Source, aside: list[pd.DataFrame]) -> Problem:
    """The error for a required table left without rows, saying which rows were set aside and why."""
    reasons = pd.concat([a[QUARANTINE_REASON] for a in aside if len(a)], ignore_index=True) if any(len(a) for a in aside) else pd.Series(dtype="str")
    early = int(reasons.str.contains("before checks.earliest_date", regex=False).sum())
    late = int(reasons.str.contains("after the day of the run", regex=False).sum())
    other = len(reasons) - early - late
    why = []
    if early:
        why.append(f"{early:,} row(s) dated before checks.earliest_date (lower it in {CONFIG_FILE}, e.g. checks: {{earliest_date: 1990-01-01}})")
    if late:
        why.append(f"{late:,} row(s) dated after the day of the run")
    if other:
        why.append(f"{other:,} other row(s) (totals, duplicates, footers)")
    return Problem(source.file, None, None, None,
                   f"required table '{name}' has no data rows left after the rows set aside" + (f": {'; '.join(why)}" if why else ""))


def _extreme_amounts(sales: pd.DataFrame, file: str, limits: Any, start_month: int) -> list[Problem]:
    """Order lines far above every other (``checks.extreme_amounts``): an error naming line and value.

    A line is flagged when ``|amount|`` exceeds ``factor`` × the
    ``percentile`` of the absolute line amounts (the lower order statistic, so
    a few typos do not raise it) and ``quarter_share`` × the rest of its
    fiscal quarter's revenue.
    """
    from .periods import period_labels

    if not limits.factor or "amount" not in sales or len(sales) < limits.min_rows:
        return []
    amount = sales["amount"].to_numpy(dtype="float64", na_value=np.nan)
    size = np.abs(amount)
    known = size[~np.isnan(size)]
    if known.size < limits.min_rows:
        return []
    level = float(np.percentile(known, limits.percentile, method="lower"))
    candidates = np.flatnonzero(size > limits.factor * level) if level > 0 else np.array([], dtype=int)
    if candidates.size == 0:
        return []
    quarters = period_labels(sales["order_date"], "quarter", start_month).to_numpy()
    revenue = pd.Series(amount).groupby(quarters).sum()
    pct = f"{limits.percentile:g}th percentile"
    problems = []
    for i in candidates:
        value, quarter = float(amount[i]), quarters[i]
        rest = float(revenue.get(quarter, 0.0)) - value
        if rest > 0 and abs(value) <= limits.quarter_share * rest:
            continue
        against = f"{abs(value) / rest:,.1f}× the rest of {quarter}'s revenue ({rest:,.2f})" if rest > 0 else f"the rest of {quarter}'s revenue is {rest:,.2f}"
        problems.append(Problem(
            file, int(sales.index[i]), "amount", f"{value:,.2f}",
            f"is {abs(value) / level:,.0f}× the {pct} of the order-line amounts ({level:,.2f}) and {against}: "
            f"probably a typo (extra zeros); correct it, or raise checks.extreme_amounts.factor in {CONFIG_FILE} "
            f"(0 turns the check off) if it is real",
        ))
    return problems


def _stray_late_rows(sales: pd.DataFrame, file: str, today: date, start_month: int) -> list[QualityNote]:
    """Sales rows in otherwise empty quarters after the data (``2026-09-15`` in data ending 2025-12-31).

    Reported only when they would move the default report period: the period
    is then the latest complete quarter with data
    (:func:`salesnb.periods.latest_complete_period`), and these rows are named.
    """
    from .periods import latest_complete_period, latest_complete_quarter

    dates = sales["order_date"].dropna()
    if dates.empty:
        return []
    choice = latest_complete_period(dates, today, start_month)
    if not choice.ignored or choice.period == latest_complete_quarter(dates.max(), start_month):
        return []
    late = dates[dates > choice.last_date].sort_values(kind="stable")
    return [
        QualityNote(
            "sales", file, "stray_late_rows", len(late),
            f"{len(late)} row(s) dated after {choice.last_date:%Y-%m-%d} lie in quarter(s) that otherwise hold no data; "
            f"the default report period is {choice.period}, the latest complete quarter with data: check these dates",
            "warning", tuple(f"line {line}: {d:%Y-%m-%d}" for line, d in late.iloc[:5].items()),
        )
    ]


def _contact_list(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame | None:
    customers = tables.get("customers")
    if customers is None:
        return None
    columns = [c for c in ("customer_id", "customer_name", "region", "segment", "contact", "phone", "email") if c in customers]
    return customers[columns].copy()


def _mask_frame(frame: pd.DataFrame, contract: Table, masker: Masker, personal: bool) -> tuple[pd.DataFrame, dict[str, int]]:
    """Mask personal data in the text columns of ``frame``; returns ``(frame, masked values per column)``."""
    counts: dict[str, int] = {}
    kinds = {c.name: c.kind for c in contract.columns}
    for column in frame.columns:
        values = frame[column]
        if column == QUARANTINE_REASON:  # may quote a footer or title line: masked, not counted
            if values.dtype == object or pd.api.types.is_string_dtype(values):
                frame[column] = values.map(masker.text, na_action="ignore")
            continue
        if not pd.api.types.is_string_dtype(values):
            continue
        kind = kinds.get(column, "extra")
        if personal and column in PERSONAL_COLUMNS:
            masked = mask_column(values, PERSONAL_COLUMNS[column])
        elif kind in ("text", "extra"):
            masked = masker.series(values)
        else:
            continue
        changed = int((values.notna() & (masked != values)).sum())
        if changed:
            frame[column] = masked
            counts[column] = changed
    return frame, counts


def _mask_note(note: QualityNote, masker: Masker) -> QualityNote:
    """``note`` with personal data in its detail and examples masked (ids in notes are masked too: generous by design)."""
    detail, examples = masker.text(note.detail), tuple(masker.text(e) for e in note.examples)
    return note if (detail, examples) == (note.detail, note.examples) else replace(note, detail=detail, examples=examples)


def _mask_personal_data(tables: dict[str, pd.DataFrame], aside: dict[str, pd.DataFrame], contracts: Mapping[str, Table],
                        sources: Mapping[str, Source], masker: Masker) -> list[QualityNote]:
    """Mask names, phones, e-mails and ID-card numbers in every table (and its quarantine)."""
    notes = []
    for name in list(tables):
        frame, counts = _mask_frame(tables[name], contracts[name], masker, personal=name == "customers")
        tables[name] = frame
        if name in aside and len(aside[name]):
            aside[name], _ = _mask_frame(aside[name], contracts[name], masker, personal=name == "customers")
        if counts:
            total = sum(counts.values())
            notes.append(
                QualityNote(
                    name, sources[name].file, "personal_data_masked", total,
                    f"{total} value(s) with names, phone numbers, e-mails or ID-card numbers were masked in "
                    f"{', '.join(counts)}; the unmasked contact list is internal/contacts.csv of the run",
                    "info", tuple(f"{c}: {n}" for c, n in counts.items()),
                )
            )
    return notes


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


def load_workspace(path: str | Path, *, today: date | None = None) -> Workspace:
    """Read, map and validate every table of a workspace folder.

    Parameters
    ----------
    path : str or Path
        Folder holding ``workspace.yaml`` and one file per table.
    today : date, optional
        The day of the run (default: today); rows dated after it are quarantined.

    Returns
    -------
    Workspace
        Tables with personal data masked; rows set aside in ``quarantine``;
        the unmasked customer contacts in ``contacts``.

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
    checks = config.checks
    contracts = {
        name: table_contract(name, config.dimension_aliases() if name == "surveys" else None) for name in TABLE_NAMES
    }
    config_problems = [p for name in TABLE_NAMES for p in _source_column_problems(contracts[name], config.tables.get(name))]
    config_problems += _scale_config_problems(contracts["surveys"], checks.scales)
    if config_problems:
        raise ConfigError(config_problems, f"{len(config_problems)} problem(s) in {CONFIG_FILE}")
    unit_explicit = "unit" in config.company.model_fields_set

    tables: dict[str, pd.DataFrame] = {}
    sources: dict[str, Source] = {}
    aside: dict[str, list[pd.DataFrame]] = {}
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
            result = _read(file_path, contracts[name], source, display, config.company.unit, unit_explicit,
                           checks.scales if name == "surveys" else {})
        except DataError as exc:
            problems.extend(exc.problems)
            continue
        tables[name], sources[name] = result.frame, result.source
        for column, (currency, header) in getattr(result, "currencies", {}).items():
            if currency != {"RMB": "CNY"}.get(config.company.currency.upper(), config.company.currency.upper()):
                problems.append(Problem(
                    display, None, f"{header} ({column})", None,
                    f"the header says the amounts are in {currency} but company.currency in {CONFIG_FILE} is "
                    f"{config.company.currency}: convert the amounts to {config.company.currency} before exporting, "
                    f"or set company.currency: {currency} if the whole workspace is in {currency}",
                ))
        aside[name] = [result.aside]
        notes.extend(result.notes)
        if source is None:
            notes.extend(_ignored_files(root, name, file_path))
    if problems:
        raise DataError(problems, f"{len(problems)} problem(s) in workspace {root.name!r}")

    notes.extend(_quarantine_dates(tables, sources, aside, checks.earliest_date, today or date.today()))
    for name in REQUIRED_TABLES:
        if tables[name].empty:
            problems.append(_empty_after_set_aside(name, sources[name], aside.get(name, [])))
    problems += _extreme_amounts(tables["sales"], sources["sales"].file, checks.extreme_amounts, config.calendar.fiscal_year_start_month)
    padding_notes = _repair_zero_padding(tables, sources)
    reference_notes, reference_problems = _unknown_customers(tables, sources, checks)
    problems += reference_problems
    if "actions" in tables:  # the register's owner/measure: a key or typed text (the contract cannot say "one of two")
        from .improve import register_problems

        problems += register_problems(tables["actions"], sources["actions"].file)
    if problems:
        raise DataError(problems, f"{len(problems)} problem(s) in workspace {root.name!r}")
    notes.extend(padding_notes)
    notes.extend(reference_notes)
    notes.extend(_near_duplicates(tables["sales"], sources["sales"].file))
    notes.extend(_many_values(tables["sales"], sources["sales"].file, limit=checks.many_values.warn_above,
                              keep=checks.many_values.keep if checks.many_values.group else None))
    notes.extend(_stray_late_rows(tables["sales"], sources["sales"].file, today or date.today(), config.calendar.fiscal_year_start_month))
    notes.extend(_fill_regions(tables, sources))
    groups = tuple(group_tables(tables, checks.many_values, config))  # after the regions are filled: every table alike
    notes.extend(grouping_note(g, sources["sales"].file) for g in groups)
    contacts = _contact_list(tables)
    quarantine = {name: _aside_frame(pieces) for name, pieces in aside.items()}
    masker = Masker.from_tables(tables)  # before masking: it needs the names as written
    masked_notes = _mask_personal_data(tables, quarantine, contracts, sources, masker)
    # notes quote title and footer lines ("制表人：张三 13912345678"): they reach run.json and every report
    notes = [_mask_note(n, masker) for n in notes] + masked_notes
    return Workspace(
        root=root.resolve(),
        name=root.resolve().name,
        config=config,
        tables=MappingProxyType(tables),
        sources=MappingProxyType(sources),
        notes=tuple(notes),
        quarantine=MappingProxyType(quarantine),
        contacts=contacts,
        groups=groups,
    )
