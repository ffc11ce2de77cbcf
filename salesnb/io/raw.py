"""The raw table every file format is parsed into, and the notes about rows skipped on the way.

:class:`RawTable` holds a file's columns of values as written (before header
mapping and coercion), indexed by source line. The helpers here are shared by
the CSV and XLSX parsers (:mod:`salesnb.io.formats`): blank rows, titles above
the header, repeated headers, footer notes. Finding the header row is
:mod:`salesnb.io.headers`; decoding bytes is :mod:`salesnb.io.formats`.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..errors import Problem, QualityNote


HEADER_SEARCH_ROWS = 20


ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")


@dataclass
class RawTable:
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


def clip(value: Any, width: int = 60) -> str | None:
    """``value`` as text of at most ``width`` characters (``…`` when cut); ``None`` stays ``None``."""
    if value is None:
        return None
    text = str(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def visible(text: Any) -> str:
    """Text with invisible characters spelled out (``C001<U+200B>``), for notes and problems."""
    return "".join(
        f"<U+{ord(ch):04X}>" if ZERO_WIDTH.match(ch) or (unicodedata.category(ch) in ("Cc", "Cf") and ch not in "\t\n") else ch
        for ch in str(text)
    )


def line_index(lines) -> pd.Index:
    """Source lines as the ``source_line`` index of a table."""
    return pd.Index(np.asarray(lines, dtype="int64"), name="source_line")


def line_examples(lines: pd.Index, values: pd.Series | None = None) -> tuple[str, ...]:
    """Up to five ``line N`` examples for a note (``line N: value`` when ``values`` is given)."""
    out = []
    for line in list(lines)[:5]:
        out.append(f"line {line}" if values is None else f"line {line}: {values[line]}")
    return tuple(out)


def drop_empty_unnamed(raw: RawTable) -> None:
    """Drop columns without a header and without any value (spreadsheet padding)."""
    keep = [i for i, (h, s) in enumerate(zip(raw.headers, raw.columns)) if h or s.notna().any()]
    raw.headers = [raw.headers[i] or f"column_{raw.positions[i] + 1}" for i in keep]
    raw.columns = [raw.columns[i] for i in keep]
    raw.positions = [raw.positions[i] for i in keep]


def blank_note(table: str, file: str, lines: list[int], label: str = "line") -> list[QualityNote]:
    """The note for blank rows skipped (none when there are none)."""
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


def header_found_notes(table: str, file: str, label: str, skipped: list[tuple[int, str]], at: int, rows: int) -> list[QualityNote]:
    """The notes for a header below titles or notes, and for a header spanning two rows."""
    notes = []
    if skipped:
        where = f"{label} {at}" if rows == 1 else f"{label}s {at}–{at + 1}"
        notes.append(
            QualityNote(
                table, file, "header_not_first_row", len(skipped),
                f"header found on {where}; the {len(skipped)} non-blank {label}(s) above it (titles, notes) were ignored",
                "warning", tuple(f"{label} {n}: {clip(text, 40)}" for n, text in skipped[:5]),
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


def footer_notes(table: str, file: str, label: str, footers: list[tuple[int, str]]) -> list[QualityNote]:
    """The note for footer rows set aside (none when there are none)."""
    if not footers:
        return []
    return [
        QualityNote(
            table, file, "footer_rows_skipped", len(footers),
            f"{len(footers)} {label}(s) after the last data row hold a single note (e.g. a source or a signature) and were set aside",
            "warning", tuple(f"{label} {n}: {clip(text, 40)}" for n, text in footers[:5]),
        )
    ]


def header_text(value: Any) -> str:
    """A header cell as text (``2025`` rather than ``2025.0``; blank as ``""``)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def drop_repeated_headers(records: list[tuple[int, list[Any]]], header: list[str]) -> tuple[list[tuple[int, list[Any]]], list[int]]:
    """Remove records that repeat the header (exports pasted one after another)."""
    wanted = [ZERO_WIDTH.sub("", h) for h in header]
    kept, repeated = [], []
    first = wanted[0] if wanted else ""
    for line, cells in records:
        if ZERO_WIDTH.sub("", header_text(cells[0] if cells else None)) != first:  # cheap test first: most records are data
            kept.append((line, cells))
            continue
        texts = [ZERO_WIDTH.sub("", header_text(c)) for c in cells]  # a pasted file brings its BOM along
        texts += [""] * (len(wanted) - len(texts))
        if texts[: len(wanted)] == wanted and not any(texts[len(wanted):]):
            repeated.append(line)
        else:
            kept.append((line, cells))
    return kept, repeated


def repeated_header_note(table: str, file: str, label: str, lines: list[int]) -> list[QualityNote]:
    """The note for repeated header rows skipped (none when there are none)."""
    if not lines:
        return []
    return [
        QualityNote(
            table, file, "repeated_header_skipped", len(lines),
            f"{len(lines)} {label}(s) repeat the header (files pasted one after another) and were skipped",
            "repair", tuple(f"{label} {n}" for n in lines[:5]),
        )
    ]


def split_footers(records: list[tuple[int, list[Any]]]) -> tuple[list[tuple[int, list[Any]]], list[tuple[int, str]]]:
    """Split trailing records holding a single value in their first column (footer notes) from the data records."""
    def note_only(cells: list[Any]) -> bool:  # a single value, in the first column
        return _filled(cells) == 1 and cells[0] is not None and bool(str(cells[0]).strip())

    k = len(records)
    while k > 0 and note_only(records[k - 1][1]):
        k -= 1
    footers = [(line, next((str(c).strip() for c in cells if c is not None and str(c).strip()), "")) for line, cells in records[k:]]
    return records[:k], footers
