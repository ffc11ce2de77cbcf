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

The package is split by concern, in the order a file goes through:

* :mod:`~salesnb.io.files` — finding a table's file, its format, its digest;
* :mod:`~salesnb.io.formats` — decoding and parsing CSV, XLSX and Parquet into
  a :class:`~salesnb.io.raw.RawTable` (:mod:`~salesnb.io.raw`: footers,
  repeated headers, blank rows);
* :mod:`~salesnb.io.headers` — the header search and the header mapping;
* :mod:`~salesnb.io.coerce` and :mod:`~salesnb.io.frame` — values per kind,
  then the contract frame with one problem per bad cell (one value is parsed
  by :mod:`salesnb.parse`);
* :mod:`~salesnb.io.rules`, :mod:`~salesnb.io.scales`,
  :mod:`~salesnb.io.validate` — row rules (totals, duplicates, returns, time
  order), survey scales, pandera;
* :mod:`~salesnb.io.reader` — one table file from end to end
  (:func:`read_table_file`, :func:`read_table`);
* :mod:`~salesnb.io.crosscheck`, :mod:`~salesnb.io.masking`,
  :mod:`~salesnb.io.workspace` — the checks across tables (date range,
  unknown customers, regions), personal data, and :func:`load_workspace`;
* :mod:`~salesnb.io.model` — :class:`Workspace` and :class:`Source`.
"""
from __future__ import annotations

from ..parse import DATETIME_DTYPE, UNIT_FACTORS, UNIT_WORDS  # noqa: F401
from ..schemas import TABLE_NAMES  # noqa: F401
from .coerce import BLANK_ANSWERS  # noqa: F401 - the constants below were attributes of the single-file io.py
from .crosscheck import CUSTOMER_TABLES, EVENT_DATES, MANY_VALUES, NEAR_DUPLICATE_KEYS, REGION_FROM_CUSTOMER, repair_zero_padding  # noqa: F401
from .files import FORMATS, SEARCH_SUFFIXES, find_table_file, format_of, sha256_file  # noqa: F401
from .frame import EXCEL_DIGITS, EXCEL_ERRORS  # noqa: F401
from .headers import CURRENCY_WORDS, EXTRA, extra_columns_note, resolve_headers  # noqa: F401
from .model import QUALITY_COLUMNS, QUARANTINE_REASON, Source, Workspace
from .raw import HEADER_SEARCH_ROWS, RawTable  # noqa: F401
from .reader import MAY_BE_EMPTY, TableFileReader, TableRead, read_table, read_table_file  # noqa: F401
from .rules import TOTAL_WORDS, duplicate_reason, duplicates_note, register_problems, returns_note, typed  # noqa: F401
from .workspace import REQUIRED_TABLES, load_workspace

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
    "TableRead",
    "TableFileReader",
    "read_table_file",
    "resolve_headers",
    "returns_note", "register_problems", "typed",
    "repair_zero_padding",
    "format_of",
    "RawTable",
    "EXCEL_ERRORS",
    "FORMATS",
]
