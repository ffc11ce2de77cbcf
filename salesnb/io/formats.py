"""Decoding and parsing each file format into a :class:`~salesnb.io.raw.RawTable`: CSV, XLSX, Parquet.

CSV: strict decoding (BOMs, UTF-16 without a BOM, UTF-8 then GB18030, a
Windows-1252 file misread as GB18030), the delimiter, records with the line
each starts on. XLSX: the sheet, merged cells, hidden rows, formulas without a
saved value. Parquet: typed columns. Values stay as written; mapping and
coercion come after (:mod:`salesnb.io.headers`, :mod:`salesnb.io.frame`).
"""
from __future__ import annotations

import codecs
import csv
import html
import re
from io import StringIO
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..config import CONFIG_FILE, TableSource
from ..errors import DataError, Problem, QualityNote
from ..parse import cell_text
from ..schemas import Table
from .headers import find_header
from .raw import (
    HEADER_SEARCH_ROWS,
    RawTable,
    blank_note,
    clip,
    drop_empty_unnamed,
    drop_repeated_headers,
    footer_notes,
    header_found_notes,
    header_text,
    line_index,
    repeated_header_note,
    split_footers,
)


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


def decode_csv(data: bytes, file: str, table: str, forced: str | None) -> tuple[str, str]:
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


def sniff_delimiter(text: str) -> str:
    """The delimiter of the first line that has one: the most frequent of , tab ; | (comma when none)."""
    for n, ln in enumerate(StringIO(text, newline="")):
        if n >= HEADER_SEARCH_ROWS:
            break
        counts = {d: ln.count(d) for d in (",", "\t", ";", "|")}
        best = max(counts, key=lambda d: counts[d])
        if counts[best]:
            return best
    return ","


def parse_csv(text: str, file: str, table: Table, source: TableSource | None) -> RawTable:
    """Split decoded text into records with the line where each record starts."""
    delimiter = sniff_delimiter(text)
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
    at, header_rows, header = find_header([rec for _, _, rec in filled[: HEADER_SEARCH_ROWS + 1]], table, source)
    skipped = [(start, delimiter.join(c for c in rec if c.strip())) for start, _, rec in filled[:at]]
    body = filled[at + header_rows :]
    ends = {start: end for start, end, _ in body}
    kept, footers = split_footers([(start, rec) for start, _, rec in body])
    kept, repeated = drop_repeated_headers(kept, [h.strip() for h in header])
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
            problems.append(Problem(file, start, None, clip(delimiter.join(record)), rule))
            continue
        rows.append(record)
        lines.append(start)
    index = line_index(lines)
    columns = []
    for values in (zip(*rows) if rows else [()] * width):
        s = pd.Series(list(values), index=index, dtype="str").str.strip()
        columns.append(s.mask(s == ""))
    notes = blank_note(table.name, file, blank)
    notes += header_found_notes(table.name, file, "line", skipped, filled[at][0], header_rows)
    if trimmed:
        notes.append(
            QualityNote(
                table.name, file, "trailing_empty_fields_trimmed", len(trimmed),
                f"{len(trimmed)} line(s) had more fields than the header, all of the extra ones empty (stray delimiters); the empty fields were dropped",
                "repair", tuple(f"line {n}" for n in trimmed[:5]),
            )
        )
    notes += repeated_header_note(table.name, file, "line", repeated)
    notes += footer_notes(table.name, file, "line", footers)
    raw = RawTable(
        headers=[h.strip() for h in header],
        columns=columns,
        positions=list(range(width)),
        lines=index,
        problems=problems,
        notes=notes,
        set_aside=[(line, f"footer note: {text}") for line, text in footers],
    )
    raw.delimiter = delimiter
    drop_empty_unnamed(raw)
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


def read_csv(path: Path, data: bytes, file: str, table: Table, source: TableSource | None) -> RawTable:
    """A CSV file as a :class:`RawTable`: decoded (a Windows-1252 file misread as GB18030 is read again), then parsed."""
    forced = source.encoding if source else None
    text, encoding = decode_csv(data, file, table.name, forced)
    misread = _western_misread(data, text) if encoding == "gb18030" and forced is None else None
    if misread is not None:
        text, encoding = data.decode("cp1252"), "cp1252"
    raw = parse_csv(text, file, table, source)
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


def _cell_value(value: Any) -> Any:
    """Excel cell → raw value: stripped text (``None`` when blank) or the typed value."""
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


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
            ranges.append(f"{get_column_letter(min_col)}{min_row}:{get_column_letter(min_col)}{max_row}: {clip(cell_text(value), 30)}")
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


def read_xlsx(path: Path, file: str, table: Table, source: TableSource | None) -> RawTable:
    """A worksheet (``source.sheet``, default the first) as a :class:`RawTable`, line = Excel row."""
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
    texts = [[header_text(v) for v in values] for _, values in filled[: HEADER_SEARCH_ROWS + 1]]
    at, header_rows, header = find_header(texts, table, source)
    header_row = filled[at][0]
    body_start = filled[at + header_rows - 1][0]
    fill_notes = _fill_merged_cells(filled, merged, body_start, table.name, file)
    skipped = [(n, " ".join(header_text(v) for v in values if v is not None)) for n, values in filled[:at]]
    body = [(n, values) for n, values in filled[at + header_rows :]]
    kept, footers = split_footers(body)
    kept, repeated = (drop_repeated_headers(kept, header) if header_rows == 1 else (kept, []))
    width = max([len(header), *(len(v) for _, v in kept)])
    headers = list(header) + [""] * (width - len(header))
    data_rows = [values + [None] * (width - len(values)) for _, values in kept]
    lines = [n for n, _ in kept]
    blank = [n for n in blank_all if n > body_start]
    index = line_index(lines)
    columns = [pd.Series([r[i] for r in data_rows], index=index, dtype=object) for i in range(width)]
    notes = blank_note(table.name, file, blank, "row")
    notes += header_found_notes(table.name, file, "row", skipped, header_row, header_rows)
    notes += fill_notes
    notes += repeated_header_note(table.name, file, "row", repeated)
    notes += footer_notes(table.name, file, "row", footers)
    hidden_data = sorted(set(hidden_rows) & set(lines))
    if hidden_data:
        notes.append(QualityNote(
            table.name, file, "hidden_rows", len(hidden_data),
            f"{len(hidden_data)} row(s) hidden in Excel were read as data, like every other row: unhide and check them, "
            f"and delete them from the file if they should not count", "warning", tuple(f"row {n}" for n in hidden_data[:5])))
    raw = RawTable(
        headers=headers, columns=columns, positions=list(range(width)), lines=index,
        sheet=title, excel=True, notes=notes, set_aside=[(line, f"footer note: {text}") for line, text in footers],
    )
    drop_empty_unnamed(raw)
    return raw


def read_parquet(path: Path, file: str) -> RawTable:
    """A Parquet file as a :class:`RawTable`, line = row number + 1; typed values kept."""
    import pyarrow.parquet as pq

    try:
        frame = pq.read_table(path).to_pandas(date_as_object=False)
    except Exception as exc:  # pyarrow raises ArrowInvalid, OSError …
        raise DataError([Problem(file, None, None, None, f"cannot be read as Parquet: {exc}")]) from None
    index = line_index(np.arange(1, len(frame) + 1))
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
    raw = RawTable(headers=[str(c).strip() for c in frame.columns], columns=columns, positions=list(range(frame.shape[1])), lines=index)
    drop_empty_unnamed(raw)
    return raw
