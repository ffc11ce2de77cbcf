"""Reading the one wide export (CSV, ``.csv.gz``, XLSX, Parquet) an import starts from, with its delimiter and
encoding, as text cells keyed by export line.
"""
from __future__ import annotations

import gzip
import re
from pathlib import Path

import pandas as pd

from ..errors import ConfigError, DataError, Problem, QualityNote
from ..io.files import format_of
from ..io.formats import decode_csv, parse_csv, read_csv, read_parquet, read_xlsx, sniff_delimiter
from ..io.raw import HEADER_SEARCH_ROWS
from ..parse import cell_text
from ..schemas import Column, Table
from .mapping import DELIMITERS, Mapping
from ..config import TableSource


TEXT_SUFFIXES = (".txt", ".tsv", ".dat", ".prn")
"""Export file types read as delimited text, like ``.csv``."""


# =========================================================================== reading the export


def _export_contract(columns: set[str]) -> Table:
    """A contract whose required columns are the export columns the mapping reads (drives the header search)."""
    return Table("export", "one row per export line", tuple(Column(c, "text", required=True) for c in sorted(columns)))


def _read_export(path: Path, mapping: Mapping) -> tuple[pd.DataFrame, str, list[QualityNote], str | None]:
    """The export as text columns indexed by line (Excel: row), its display name, reader notes and encoding."""
    file = path.name
    if not path.is_file():
        raise DataError([Problem(file, None, None, str(path), "export file not found")])
    contract = _export_contract(mapping.source_columns())
    sheet = mapping.source.get("sheet")
    sheet = int(sheet) if isinstance(sheet, str) and sheet.isdigit() else sheet  # a number counts sheets from 0, as in workspace.yaml
    from pydantic import ValidationError

    try:
        source = TableSource(file=file, encoding=mapping.source.get("encoding") or None, sheet=sheet)
    except ValidationError as exc:
        raise ConfigError([Problem(mapping.file, None, "source." + ".".join(str(x) for x in e["loc"]), str(e.get("input"))[:60], e["msg"])
                           for e in exc.errors()]) from None
    name = path.name[:-3] if path.name.lower().endswith(".gz") else path.name
    delimiter = DELIMITERS.get(mapping.source.get("delimiter")) if mapping.source.get("delimiter") else None
    fmt = "csv" if Path(name).suffix.lower() in TEXT_SUFFIXES else format_of(Path(name), file)
    if fmt == "csv":
        data = path.read_bytes()
        if path.name.lower().endswith(".gz"):
            try:
                data = gzip.decompress(data)
            except (OSError, EOFError, ValueError) as exc:  # not gzip, truncated, corrupt
                raise DataError([Problem(file, None, None, None, f"cannot be decompressed: {exc}")]) from None
        if delimiter:  # declared: split here, hand the reader the same lines with a delimiter it finds
            text, enc = decode_csv(data, file, contract.name, source.encoding)
            raw = parse_csv(_resplit(text, delimiter, file), file, contract, source)
            raw.encoding = enc
        else:
            raw = read_csv(path, data, file, contract, source)
    elif fmt == "xlsx":
        raw = read_xlsx(path, file, contract, source)
    else:
        raw = read_parquet(path, file)
    problems = list(raw.problems)
    present = {h: i for i, h in enumerate(raw.headers)}
    missing = sorted(contract.required_names)
    found = {}
    for col in missing:
        hit = col if col in present else next((h for h in raw.headers if h.strip().casefold() == col.casefold()), None)
        if hit is not None:
            same = [i for i, h in enumerate(raw.headers) if h.strip().casefold() == hit.strip().casefold()]
            if len(same) > 1:  # which one would be meant? never guess
                problems.append(Problem(file, None, col, None, f"the header names {col} {len(same)} times (columns "
                                        f"{', '.join(str(i + 1) for i in same)}): rename them in the export"))
            found[col] = raw.columns[present[hit]]
    absent = [c for c in missing if c not in found]
    if absent and fmt == "csv" and len(raw.headers) <= 1 and len(missing) > 1:
        # one column per line: the columns are not separated by , ; | or tab (or not by the declared delimiter)
        said = {",": "a comma", ";": "a semicolon", "|": "a pipe", "\t": "a tab", "whitespace": "whitespace"}
        rule = (f"no delimiter found: no {said[delimiter]} separates the header's names (source.delimiter), so each line is one column"
                if delimiter else "no delimiter found: no line has a comma, semicolon, pipe or tab between its fields, so each line is "
                "one column; declare the delimiter in the mapping (source: {delimiter: whitespace} for columns separated by spaces)")
        problems.append(Problem(file, None, ", ".join(absent), None, rule))
    elif absent:
        problems.append(Problem(file, None, ", ".join(absent), None,
                                f"the mapping reads column(s) the export does not have (its header: {', '.join(raw.headers[:40])})"))
    if problems:
        raise DataError(problems, f"{len(problems)} problem(s) reading {file}")
    for header, series in zip(raw.headers, raw.columns):  # the other columns too: set-aside rows are listed whole
        if header and header not in found and header not in {h for h in found}:
            found[header] = series
    if fmt == "csv":  # already stripped text, blank = missing
        frame = pd.DataFrame({c: s.astype(object) for c, s in found.items()}, index=raw.lines)
    else:  # typed cells (Excel numbers and dates, Parquet types) → their text
        frame = pd.DataFrame({c: s.map(cell_text).astype(object) for c, s in found.items()}, index=raw.lines)
    frame.index.name = "line"
    return frame, file, list(raw.notes), raw.encoding


_WS_FIELD = re.compile(r'"((?:[^"]|"")*)"|(\S+)')


def _split_records(text: str, delimiter: str) -> list[list[str]]:
    """The records of a delimited text, one per line it starts on plus the lines a quoted line break spans (blank lines: []).

    ``whitespace``: fields are separated by runs of spaces and tabs; a field with spaces (or a blank one) is written
    in double quotes (``"New York"``, ``""``); one line is one record.
    """
    import csv
    from io import StringIO

    if delimiter != "whitespace":
        old = csv.field_size_limit()
        csv.field_size_limit(1 << 30)
        try:
            return list(csv.reader(StringIO(text, newline=""), delimiter=delimiter))
        finally:
            csv.field_size_limit(old)
    out = []
    for line in text.split("\n"):
        line = line.rstrip("\r")
        out.append([q.replace('""', '"') if q or plain == "" else plain for q, plain in _WS_FIELD.findall(line)])
    if out and out[-1] == [] and text.endswith("\n"):
        out.pop()
    return out


def _resplit(text: str, delimiter: str, file: str) -> str:
    """``text`` split with a declared delimiter and written again with one the workspace reader finds on its own.

    Every record keeps its lines (line numbers stay those of the export). The delimiter written is the one
    the reader's search picks on the first lines (a value holding commas is quoted, but the search counts it).
    """
    import csv
    from io import StringIO

    records = _split_records(text, delimiter)

    def write(recs: list[list[str]], sep: str) -> str:
        buf = StringIO()
        w = csv.writer(buf, delimiter=sep, lineterminator="\n")
        for r in recs:
            w.writerow(r)
        return buf.getvalue()

    head = records[: HEADER_SEARCH_ROWS + 1]
    for sep in (",", "\t", ";", "|"):
        if sniff_delimiter(write(head, sep)) == sep:
            return write(records, sep)
    raise DataError([Problem(file, None, None, None, "cannot be rewritten for the reader: the first lines mix , tab ; and | inside "
                             "their values; save the export as CSV")])
