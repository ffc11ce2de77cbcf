"""From a company's export to a workspace: ``salesnb import EXPORT --mapping import.yaml --out FOLDER``.

A real export is one wide file (an ERP's order lines, a marketplace's orders
with their reviews …). :func:`build_workspace` reads it with the same reader
as every workspace table (strict decoding, header search, line numbers),
derives the contract's tables from a short mapping (``import.yaml``: which
column is the order id, the date, the customer, the amount; how region and
product line are derived; which rows are returns or are set aside), writes
them next to a copy of the mapping's ``workspace.yaml``, and then validates
the new workspace exactly as ``salesnb validate`` does. Problems name the
export's file, line, column and value; problems found when validating the
written tables name the export line each row came from.

The mapping language is documented in ``docs/import.md``; the three
examples in ``examples/`` use all of it.

Examples
--------
>>> m = Mapping.from_dict({"workspace": "workspace.yaml",
...     "tables": {"sales": {"columns": {"order_id": "Invoice", "order_date": "Date",
...         "customer_id": "Customer", "region": {"value": "UK"}, "product_line": {"value": "all"},
...         "amount": {"multiply": ["Qty", "Price"], "round": 2}}},
...         "customers": {"from": "sales", "columns": {"region": {"column": "Country", "agg": "most_frequent"}}}}})
>>> sorted(m.source_columns())
['Country', 'Customer', 'Date', 'Invoice', 'Price', 'Qty']
"""
from __future__ import annotations

import gzip
import hashlib
import json
import re
import shutil
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping as TMapping

import numpy as np
import pandas as pd

from .errors import ConfigError, DataError, Problem, QualityNote
from .io import load_workspace
from .io.files import format_of
from .io.formats import decode_csv, parse_csv, read_csv, read_parquet, read_xlsx, sniff_delimiter
from .io.raw import HEADER_SEARCH_ROWS
from .parse import cell_text, parse_amount, parse_date_texts
from .schemas import CONTRACT, Column, Table, table_contract

__all__ = ["Mapping", "ImportResult", "load_mapping", "build_workspace", "MAPPING_FILE"]

MAPPING_FILE = "import.yaml"
TABLE_ORDER = ("sales", "customers", "surveys", "complaints", "interviews")
AGGS = ("first", "last", "sum", "min", "max", "max_if_all", "most_frequent", "constant", "count")
CONDITIONS = ("blank", "not_blank", "equals", "not_equals", "in", "not_in", "startswith", "zero", "all", "any")
_SPEC_KEYS = {"column", "value", "template", "multiply", "join", "line_number", "sep", "extract", "strip_suffix", "map", "map_file",
              "default", "date_format", "round", "agg", "over", "prefix"}
_BASES = ("column", "value", "template", "multiply", "join", "line_number")
_KEEP_KEYS = {"column", "strip_suffix", "extract", "map", "map_file", "default"}
"""What a ``keep:`` entry may hold besides its column: the text transforms (a kept column keeps its own header)."""
DELIMITERS = {",": ",", "comma": ",", ";": ";", "semicolon": ";", "|": "|", "pipe": "|", "\t": "\t", "tab": "\t",
              "whitespace": "whitespace"}
"""``source.delimiter`` values: a character (or its name) between the fields, or ``whitespace`` (runs of spaces and tabs)."""
TEXT_SUFFIXES = (".txt", ".tsv", ".dat", ".prn")
"""Export file types read as delimited text, like ``.csv``."""
_TEMPLATE_FIELD = re.compile(r"\{([^{}]+)\}")


# =========================================================================== the mapping


def _problem(file: str, key: str, value: Any, rule: str) -> Problem:
    return Problem(file, None, key, None if value is None else str(value)[:60], rule)


@dataclass(frozen=True)
class Mapping:
    """A parsed ``import.yaml``.

    Attributes
    ----------
    workspace : str
        The ``workspace.yaml`` to copy into the new workspace (relative to the mapping).
    tables : dict
        Contract table → its spec (``columns``, and optionally ``where``,
        ``one_row_per``, ``from``, ``returns``).
    set_aside : list of dict
        Rules (``reason``, ``when``) for export rows left out of every table.
    source : dict
        Reading options for the export (``encoding``, ``sheet``, ``delimiter``).
    folder : Path
        Where the mapping lives (``workspace`` and ``map_file`` paths are relative to it).
    file : str
        The mapping's file name (in problems).
    dimensions : tuple of str
        The survey dimension keys of the workspace template (``survey.dimensions``;
        salesnb's five default dimensions when the template declares none): each
        can be mapped as a column of ``surveys``.
    """

    workspace: str
    tables: dict[str, dict]
    set_aside: list[dict] = field(default_factory=list)
    source: dict = field(default_factory=dict)
    folder: Path = Path(".")
    file: str = MAPPING_FILE
    dimensions: tuple[str, ...] = ()

    def contract(self, name: str) -> Table:
        """The contract of table ``name`` as this mapping's workspace will read it (surveys with its dimensions)."""
        return _contract(name, self.dimensions)

    @classmethod
    def from_dict(cls, data: dict, folder: Path = Path("."), file: str = MAPPING_FILE) -> "Mapping":
        """Check a mapping's structure (every problem at once, with its key path)."""
        problems: list[Problem] = []
        if not isinstance(data, dict):
            raise ConfigError([_problem(file, "(top level)", data, "must be a mapping with workspace, tables …")])
        for key in data:
            if key not in ("workspace", "tables", "set_aside", "source"):
                problems.append(_problem(file, str(key), None, "unknown key (workspace, source, set_aside, tables)"))
        if not isinstance(data.get("workspace"), str):
            problems.append(_problem(file, "workspace", data.get("workspace"), "required: the workspace.yaml to copy, relative to this file"))
        source = data.get("source") or {}
        if not isinstance(source, dict) or set(source) - {"encoding", "sheet", "delimiter"}:
            problems.append(_problem(file, "source", source, "may only hold encoding, sheet and delimiter"))
        elif "delimiter" in source and source["delimiter"] not in DELIMITERS:
            problems.append(_problem(file, "source.delimiter", source["delimiter"],
                                     "must be one of , ; | tab whitespace (quote , ; | in YAML)"))
        rules = data.get("set_aside") or []
        if not isinstance(rules, list):
            problems.append(_problem(file, "set_aside", rules, "must be a list of {reason, when}"))
            rules = []
        for i, rule in enumerate(rules):
            if not isinstance(rule, dict) or set(rule) != {"reason", "when"}:
                problems.append(_problem(file, f"set_aside.{i}", rule, "must have exactly reason and when"))
            else:
                problems += _condition_problems(rule["when"], f"set_aside.{i}.when", file)
        tables = data.get("tables")
        if not isinstance(tables, dict) or "sales" not in tables or "customers" not in tables:
            problems.append(_problem(file, "tables", None if not isinstance(tables, dict) else list(tables),
                                     "must map contract tables to their columns: sales and customers are required "
                                     "(customers: {from: sales, columns: …} derives them from the sales lines)"))
            tables = tables if isinstance(tables, dict) else {}
        dims = _template_dimensions(Path(folder) / data["workspace"]) if isinstance(data.get("workspace"), str) else _default_dimensions()
        for name, spec in tables.items():
            problems += _table_problems(name, spec, file, dims)
        if problems:
            raise ConfigError(problems, f"{len(problems)} problem(s) in {file}")
        return cls(data["workspace"], dict(tables), list(rules), dict(source), Path(folder), file, dims)

    def source_columns(self) -> set[str]:
        """Every export column the mapping reads (the header must name them all)."""
        cols: set[str] = set()
        for rule in self.set_aside:
            cols |= _condition_columns(rule["when"])
        for spec in self.tables.values():
            cols |= set(spec.get("one_row_per") or []) | {k["column"] for _, k in _keep_specs(spec)}
            if spec.get("where"):
                cols |= _condition_columns(spec["where"])
            if spec.get("returns"):
                cols |= _condition_columns(spec["returns"]["when"])
            for col in (spec.get("columns") or {}).values():
                cols |= _spec_columns(col)
        return cols


def _default_dimensions() -> tuple[str, ...]:
    from .config import Survey

    return tuple(d.key for d in Survey().dimensions)


def _template_dimensions(path: Path) -> tuple[str, ...]:
    """The ``survey.dimensions`` keys of a workspace template (the defaults when it declares none or cannot be read yet:
    :func:`load_mapping` checks the template itself)."""
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return _default_dimensions()
    survey = data.get("survey") if isinstance(data, dict) else None
    dims = survey.get("dimensions") if isinstance(survey, dict) else None
    if not isinstance(dims, list):
        return _default_dimensions()
    return tuple(str(d["key"]) for d in dims if isinstance(d, dict) and isinstance(d.get("key"), str))


def _contract(name: str, dimensions: tuple[str, ...]) -> Table:
    return table_contract(name, {k: () for k in dimensions}) if name == "surveys" else CONTRACT[name]


def _keep_specs(spec: dict) -> list[tuple[str, dict]]:
    """A table's ``keep:`` entries as (header, spec): ``Row ID`` or ``{column: Row ID, map: {…}}``."""
    keep = spec.get("keep") if isinstance(spec, dict) else None
    if not isinstance(keep, list):
        return []
    out = []
    for k in keep:
        if isinstance(k, str):
            out.append((k, {"column": k}))
        elif isinstance(k, dict) and isinstance(k.get("column"), str):
            out.append((k["column"], k))
    return out


def _condition_columns(cond: Any) -> set[str]:
    if not isinstance(cond, dict) or len(cond) != 1:
        return set()
    (op, arg), = cond.items()
    if op in ("all", "any"):
        return set().union(*(_condition_columns(c) for c in arg)) if isinstance(arg, list) else set()
    if op in ("blank", "not_blank", "zero"):
        return {arg} if isinstance(arg, str) else set()
    return set(arg) if isinstance(arg, dict) else set()


def _condition_problems(cond: Any, key: str, file: str) -> list[Problem]:
    if not isinstance(cond, dict) or len(cond) != 1:
        return [_problem(file, key, cond, f"must be one condition: {', '.join(CONDITIONS)}")]
    (op, arg), = cond.items()
    if op not in CONDITIONS:
        return [_problem(file, f"{key}.{op}", None, f"unknown condition (use {', '.join(CONDITIONS)})")]
    if op in ("all", "any"):
        if not isinstance(arg, list) or not arg:
            return [_problem(file, f"{key}.{op}", arg, "must be a list of conditions")]
        return [p for i, c in enumerate(arg) for p in _condition_problems(c, f"{key}.{op}.{i}", file)]
    if op in ("blank", "not_blank", "zero"):
        return [] if isinstance(arg, str) else [_problem(file, f"{key}.{op}", arg, "must name one export column")]
    if not isinstance(arg, dict) or not arg:
        return [_problem(file, f"{key}.{op}", arg, "must map export columns to values, e.g. {InvoiceNo: C}")]
    if op in ("in", "not_in") and not all(isinstance(v, list) for v in arg.values()):
        return [_problem(file, f"{key}.{op}", arg, "must map export columns to lists of values")]
    values = [x for v in arg.values() for x in (v if isinstance(v, list) else [v])]
    if not all(isinstance(k, str) for k in arg) or not all(isinstance(v, str) for v in values):
        return [_problem(file, f"{key}.{op}", arg, "columns and values must be text (quote NO, yes, 010 … in YAML)")]
    return []


def _spec_columns(spec: Any) -> set[str]:
    if isinstance(spec, str):
        return {spec}
    if not isinstance(spec, dict):
        return set()
    cols = set(spec.get("over") or [])
    if isinstance(spec.get("column"), str):
        cols.add(spec["column"])
    for key in ("multiply", "join"):
        cols |= set(spec.get(key) or [])
    if isinstance(spec.get("template"), str):
        cols |= set(_TEMPLATE_FIELD.findall(spec["template"]))
    return cols


def _table_problems(name: str, spec: Any, file: str, dimensions: tuple[str, ...] = ()) -> list[Problem]:
    key = f"tables.{name}"
    if name not in TABLE_ORDER:
        return [_problem(file, key, None, f"not a table salesnb imports ({', '.join(TABLE_ORDER)}); the action register is kept by the runs")]
    if not isinstance(spec, dict) or not isinstance(spec.get("columns"), dict):
        return [_problem(file, f"{key}.columns", None, "required: contract column → export column or derivation")]
    problems = []
    allowed = {"columns", "where", "one_row_per", "from", "returns", "keep"}
    if spec.get("keep") is not None and (not isinstance(spec["keep"], list) or spec.get("one_row_per") or spec.get("from")
                                         or not all(isinstance(c, str) or (isinstance(c, dict) and isinstance(c.get("column"), str))
                                                    for c in spec["keep"])):
        problems.append(_problem(file, f"{key}.keep", spec["keep"], "a list of export columns copied as extra columns, each a header or "
                                 "{column: header, map: …} (not with one_row_per or from)"))
    for i, (_header, kspec) in enumerate(_keep_specs(spec)):
        wrong = [k for k in kspec if k not in _KEEP_KEYS]
        if wrong:
            problems.append(_problem(file, f"{key}.keep.{i}.{wrong[0]}", None, f"a kept column takes {', '.join(sorted(_KEEP_KEYS))}"))
        elif len(kspec) > 1:
            problems += _spec_problems(kspec, f"{key}.keep.{i}", file, False)
    for k in spec:
        if k not in allowed:
            problems.append(_problem(file, f"{key}.{k}", None, f"unknown key ({', '.join(sorted(allowed))})"))
    if spec.get("from") not in (None, "sales") or (spec.get("from") and name != "customers"):
        problems.append(_problem(file, f"{key}.from", spec.get("from"), "only customers may be built from sales (from: sales)"))
    if spec.get("returns") is not None:
        if name != "sales" or not isinstance(spec["returns"], dict) or set(spec["returns"]) != {"when"}:
            problems.append(_problem(file, f"{key}.returns", spec["returns"], "only sales has returns: {when: condition}"))
        else:
            problems += _condition_problems(spec["returns"]["when"], f"{key}.returns.when", file)
    if spec.get("where") is not None:
        problems += _condition_problems(spec["where"], f"{key}.where", file)
    if spec.get("one_row_per") is not None and (not isinstance(spec["one_row_per"], list) or not spec["one_row_per"]
                                                or not all(isinstance(c, str) for c in spec["one_row_per"])):
        problems.append(_problem(file, f"{key}.one_row_per", spec["one_row_per"], "must be a list of export columns"))
    if spec.get("one_row_per") and spec.get("from"):
        problems.append(_problem(file, f"{key}.one_row_per", None, "from: sales already makes one row per customer: use one or the other"))
    if spec.get("one_row_per") and spec.get("returns") is not None:
        problems.append(_problem(file, f"{key}.returns", None, "returns mark single export lines: not with one_row_per"))
    from .schemas import normalise_header

    contract = _contract(name, dimensions)
    names = {normalise_header(c) for c in contract.names}
    for extra, _ in _keep_specs(spec):
        if normalise_header(extra) in names:
            problems.append(_problem(file, f"{key}.keep", extra, f"is the name of a {name} column: map it under columns instead"))
    grouped = bool(spec.get("one_row_per")) or spec.get("from") == "sales"
    for col, cspec in spec["columns"].items():
        ck = f"{key}.columns.{col}"
        if col not in contract.names:
            problems.append(_problem(file, ck, None, f"not a column of {name} ({', '.join(contract.names)})"))
            continue
        if name == "customers" and spec.get("from") == "sales" and col == "customer_id":
            problems.append(_problem(file, ck, None, "customers built from sales take customer_id from sales; leave it out"))
        problems += _spec_problems(cspec, ck, file, grouped)
    needed = [c for c in contract.required_names if c not in spec["columns"]
              and not (name == "customers" and spec.get("from") == "sales" and c == "customer_id")]
    if needed:
        problems.append(_problem(file, f"{key}.columns", None, f"required column(s) not mapped: {', '.join(needed)}"))
    return problems


def _spec_problems(spec: Any, key: str, file: str, grouped: bool) -> list[Problem]:
    if isinstance(spec, str):
        return []
    if not isinstance(spec, dict):
        return [_problem(file, key, spec, "must be an export column name or a derivation {column|value|template|multiply|join: …}")]
    problems = [_problem(file, f"{key}.{k}", None, f"unknown key ({', '.join(sorted(_SPEC_KEYS))})") for k in spec if k not in _SPEC_KEYS]
    bases = [k for k in _BASES if k in spec]
    if len(bases) != 1:
        problems.append(_problem(file, key, None, f"needs exactly one of {', '.join(_BASES)}"))
    if "line_number" in spec and str(spec["line_number"]).lower() != "true":
        problems.append(_problem(file, f"{key}.line_number", spec["line_number"], "must be true (the export line as the value)"))
    for k in ("multiply", "join", "over"):
        if k in spec and (not isinstance(spec[k], list) or not spec[k] or not all(isinstance(c, str) for c in spec[k])):
            problems.append(_problem(file, f"{key}.{k}", spec[k], "must be a list of export columns"))
    if "multiply" in spec and isinstance(spec["multiply"], list) and len(spec["multiply"]) < 2:
        problems.append(_problem(file, f"{key}.multiply", spec["multiply"], "needs two or more columns"))
    if "extract" in spec:
        try:
            if re.compile(spec["extract"]).groups != 1:
                problems.append(_problem(file, f"{key}.extract", spec["extract"], "the pattern must have exactly one (group)"))
        except (re.error, TypeError) as exc:
            problems.append(_problem(file, f"{key}.extract", spec["extract"], f"is not a regular expression: {exc}"))
    if "map" in spec and not isinstance(spec["map"], dict):
        problems.append(_problem(file, f"{key}.map", spec["map"], "must map export values to workspace values"))
    if "agg" in spec:
        if spec["agg"] not in AGGS:
            problems.append(_problem(file, f"{key}.agg", spec["agg"], f"must be one of {', '.join(AGGS)}"))
        elif not grouped and "over" not in spec:
            problems.append(_problem(file, f"{key}.agg", spec["agg"], "agg needs one_row_per, from: sales, or over"))
    if "over" in spec and "agg" not in spec:
        problems.append(_problem(file, f"{key}.over", spec["over"], "over needs agg (e.g. first)"))
    if "round" in spec and not (isinstance(spec["round"], int) or (isinstance(spec["round"], str) and spec["round"].isdigit())):
        problems.append(_problem(file, f"{key}.round", spec["round"], "must be a whole number of decimals"))
    for k in ("column", "template", "sep", "strip_suffix", "date_format", "prefix", "map_file", "extract"):
        if k in spec and not isinstance(spec[k], str):
            problems.append(_problem(file, f"{key}.{k}", spec[k], "must be text (quote it in YAML)"))
    if spec.get("strip_suffix") == "":
        problems.append(_problem(file, f"{key}.strip_suffix", "", "must not be empty"))
    for k in ("value", "default"):
        if k in spec and (isinstance(spec[k], bool) or not isinstance(spec[k], (str, int, float))):
            problems.append(_problem(file, f"{key}.{k}", spec[k], "must be one value (quote it in YAML)"))
    if "multiply" in spec:
        for k in ("strip_suffix", "extract", "map", "map_file", "date_format", "prefix"):
            if k in spec:
                problems.append(_problem(file, f"{key}.{k}", None, "a text transform cannot apply to a product of numbers"))
    if isinstance(spec.get("map"), dict) and not all(isinstance(k, str) and isinstance(v, str) for k, v in spec["map"].items()):
        problems.append(_problem(file, f"{key}.map", spec["map"], "keys and values must be text (quote NO, yes, 010 … in YAML)"))
    return problems


def load_mapping(path: str | Path) -> Mapping:
    """Read and check ``import.yaml``.

    Raises
    ------
    ConfigError
        One problem per broken key (the key path in ``column``).
    """
    import yaml

    path = Path(path)
    if not path.is_file():
        raise ConfigError([Problem(path.name, None, None, str(path), "mapping file not found")])
    try:
        # every value stays text: YAML 1.1 would read NO as false, 010 as 8 and 1.50 as 1.5, and those are export values
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.BaseLoader)
    except UnicodeDecodeError as exc:
        raise ConfigError([Problem(path.name, None, None, None, f"must be UTF-8 text ({exc.reason} at byte {exc.start})")]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ConfigError([Problem(path.name, mark.line + 1 if mark else None, None, None, f"is not valid YAML: {getattr(exc, 'problem', exc)}")]) from None
    mapping = Mapping.from_dict(data, path.resolve().parent, path.name)
    problems = []
    for name, spec in mapping.tables.items():  # the files it names, before anything is read
        for col, cspec in [*((f"columns.{c}", k) for c, k in spec["columns"].items()), *((f"keep.{h}", k) for h, k in _keep_specs(spec))]:
            if isinstance(cspec, dict) and "map_file" in cspec:
                try:
                    _read_map_file(mapping.folder / cspec["map_file"], cspec["map_file"])
                except ConfigError as err:
                    problems += [Problem(p.file, p.line, p.column or f"tables.{name}.{col}.map_file", p.value, p.rule) for p in err.problems]
    try:
        _template_text(mapping.folder / mapping.workspace, mapping)
    except ConfigError as err:
        problems += err.problems
    if problems:
        raise ConfigError(problems, f"{len(problems)} problem(s) with the files {path.name} names")
    return mapping


def _read_map_file(path: Path, name: str) -> dict[str, str]:
    """A two-column CSV (header, then export value → workspace value); every problem names the file and line."""
    import csv
    from io import StringIO

    if not path.is_file():
        raise ConfigError([Problem(name, None, None, str(path), "map file not found")])
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError([Problem(name, None, None, None, f"must be UTF-8 text ({exc.reason} at byte {exc.start})")]) from None
    rows = [(n, r) for n, r in enumerate(csv.reader(StringIO(text)), 1) if r and "".join(r).strip()]
    if not rows or len(rows[0][1]) != 2:
        raise ConfigError([Problem(name, 1, None, ",".join(rows[0][1]) if rows else None,
                                   "a map file has a header and two columns: export value, workspace value")])
    out: dict[str, str] = {}
    first: dict[str, int] = {}
    for n, r in rows[1:]:
        if len(r) != 2:
            raise ConfigError([Problem(name, n, None, ",".join(r)[:60], f"expected 2 fields, found {len(r)}")])
        k, v = r[0].strip(), r[1].strip()
        if k in out:
            raise ConfigError([Problem(name, n, rows[0][1][0], k, f"listed more than once (also on line {first[k]})")])
        out[k], first[k] = v, n
    return out


def _template_text(path: Path, mapping: "Mapping") -> str:
    """The workspace.yaml template: it must exist, parse, and leave ``tables:`` to the import."""
    import yaml

    if not path.is_file():
        raise ConfigError([Problem(mapping.file, None, "workspace", str(path), "workspace.yaml template not found")])
    text = path.read_text(encoding="utf-8")
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ConfigError([Problem(path.name, mark.line + 1 if mark else None, None, None, f"is not valid YAML: {getattr(exc, 'problem', exc)}")]) from None
    if isinstance(data, dict) and data.get("tables"):
        raise ConfigError([Problem(path.name, None, "tables", None, "leave tables: out of the template: the import writes it")])
    return text


# =========================================================================== reading the export


def _export_contract(columns: set[str]) -> Table:
    """A contract whose required columns are the export columns the mapping reads (drives the header search)."""
    return Table("export", "one row per export line", tuple(Column(c, "text", required=True) for c in sorted(columns)))


def _read_export(path: Path, mapping: Mapping) -> tuple[pd.DataFrame, str, list[QualityNote], str | None]:
    """The export as text columns indexed by line (Excel: row), its display name, reader notes and encoding."""
    from .config import TableSource

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


# =========================================================================== conditions and derivations


class _Deriver:
    """Evaluates conditions and column specs over the export rows, collecting problems."""

    def __init__(self, frame: pd.DataFrame, file: str, mapping: Mapping):
        self.frame = frame
        self.file = file
        self.mapping = mapping
        self.problems: list[Problem] = []
        self.rows = frame.index  # the export rows not set aside (build_workspace narrows it)
        self._numbers: dict[str, tuple[pd.Series, pd.Series, pd.Series]] = {}
        self._maps: dict[str, dict[str, str]] = {}
        self._groups: list[tuple[tuple[str, ...], pd.Index, pd.Series]] = []
        self._seen: set[Problem] = set()

    # --- values -----------------------------------------------------------------
    def text(self, col: str) -> pd.Series:
        return self.frame[col]

    def _parse(self, values: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
        """Text → (numbers, bad mask, currency per value); each distinct text parsed once."""
        codes, uniques = pd.factorize(values)
        parsed = np.full(len(uniques), np.nan)
        bad = np.zeros(len(uniques), dtype=bool)
        currency = np.full(len(uniques), None, dtype=object)
        for i, u in enumerate(uniques):
            try:
                n, cur, unit = parse_amount(u)
                if unit not in (None, "元"):
                    raise ValueError(u)
                parsed[i] = np.nan if n is None else n
                currency[i] = cur
            except ValueError:
                bad[i] = True
        ok = codes >= 0
        pick = np.maximum(codes, 0)
        return (pd.Series(np.where(ok, parsed[pick], np.nan), index=values.index, dtype=float),
                pd.Series(ok & bad[pick], index=values.index),
                pd.Series(np.where(ok, currency[pick], None), index=values.index, dtype=object))

    def _report_numbers(self, texts: pd.Series, bad: pd.Series, currency: pd.Series, col: str, lines: pd.Series | None = None) -> None:
        """Problems for values that are not numbers, and for a column mixing currencies (first line of each)."""
        at = (lambda i: int(lines.iloc[i])) if lines is not None else (lambda i: int(texts.index[i]))
        wrong = np.flatnonzero(bad.to_numpy())
        for i in wrong[:20]:
            self._add(Problem(self.file, at(i), col, str(texts.iloc[i])[:60], "must be a number"))
        if len(wrong) > 20:
            self._add(Problem(self.file, None, col, None, f"… {len(wrong) - 20} more values that are not numbers"))
        kinds = pd.unique(currency.dropna())
        if len(kinds) > 1:
            first = {k: int(np.argmax((currency == k).to_numpy())) for k in kinds}
            i = sorted(first.values())[1]
            self._add(Problem(self.file, at(i), col, str(texts.iloc[i])[:60],
                              f"mixed currencies in one column ({', '.join(str(k) for k in kinds)}): convert them to one currency first"))

    def _add(self, problem: Problem) -> None:
        if problem not in self._seen:  # the same value can be reached by several tables
            self._seen.add(problem)
            self.problems.append(problem)

    def number(self, col: str, rows: pd.Index) -> pd.Series:
        """An export column as numbers over ``rows``; a value that is not a number (or another currency) is a problem at its line.

        Only ``rows`` are checked: rows set aside or outside a table's ``where`` never raise problems."""
        if col not in self._numbers:
            self._numbers[col] = self._parse(self.frame[col])
        values, bad, currency = (x.loc[rows] for x in self._numbers[col])
        self._report_numbers(self.frame[col].loc[rows], bad, currency, col)
        return values

    def as_number(self, values: pd.Series, origin: pd.Series, key: str) -> pd.Series:
        """Derived values (text or numbers) as numbers; a value that is not a number is a problem at its export line."""
        if pd.api.types.is_numeric_dtype(values):
            return values.astype(float)
        numbers, bad, currency = self._parse(values)
        self._report_numbers(values, bad, currency, key, lines=pd.Series(origin.to_numpy()))
        return numbers

    def groups(self, cols: list[str], rows: pd.Index) -> pd.Series:
        """Group labels of ``rows`` by ``cols`` (kept: mappings group the same rows by the same key many times)."""
        for kept_cols, kept_rows, labels in self._groups:
            if kept_cols == tuple(cols) and (kept_rows is rows or kept_rows.equals(rows)):
                return labels
        labels = _group_labels(self.frame, cols, rows)
        self._groups.append((tuple(cols), rows, labels))
        return labels

    # --- conditions ---------------------------------------------------------------
    def condition(self, cond: dict, rows: pd.Index) -> pd.Series:
        (op, arg), = cond.items()
        if op == "all":
            out = pd.Series(True, index=rows)
            for c in arg:
                out &= self.condition(c, rows)
            return out
        if op == "any":
            out = pd.Series(False, index=rows)
            for c in arg:
                out |= self.condition(c, rows)
            return out
        if op in ("blank", "not_blank"):
            blank = self.frame[arg].loc[rows].isna()
            return blank if op == "blank" else ~blank
        if op == "zero":
            return self.number(arg, rows).eq(0)
        out = pd.Series(True, index=rows)
        for col, value in arg.items():
            s = self.frame[col].loc[rows].fillna("")
            if op == "equals":
                out &= s.eq(str(value))
            elif op == "not_equals":
                out &= s.ne(str(value))
            elif op == "in":
                out &= s.isin([str(v) for v in value])
            elif op == "not_in":
                out &= ~s.isin([str(v) for v in value])
            elif op == "startswith":
                out &= s.str.startswith(str(value))
        return out

    # --- columns ------------------------------------------------------------------
    def _map_file(self, name: str, key: str) -> dict[str, str]:
        if name not in self._maps:
            self._maps[name] = _read_map_file(self.mapping.folder / name, name)
        return self._maps[name]

    def column(self, spec: Any, key: str, rows: pd.Index, contract_col: Column) -> pd.Series:
        """One contract column over ``rows`` (before any agg), as text or numbers."""
        if isinstance(spec, str):
            spec = {"column": spec}

        def col(name: str) -> pd.Series:  # one export column over rows (never a copy of the whole export)
            return self.frame[name].loc[rows]

        if "column" in spec:
            out = col(spec["column"])
        elif "value" in spec:
            out = pd.Series(str(spec["value"]), index=rows, dtype=object)
        elif "line_number" in spec:  # the export's line (Excel: row): an id for exports without one
            out = pd.Series(rows.astype(str), index=rows, dtype=object)
        elif "template" in spec:
            fields = _TEMPLATE_FIELD.findall(spec["template"])
            parts = re.split(r"\{[^{}]+\}", spec["template"])
            out = pd.Series(parts[0], index=rows, dtype=object)
            blank = pd.Series(False, index=rows)
            for fld, tail in zip(fields, parts[1:]):
                out = out + col(fld).fillna("") + tail
                blank |= col(fld).isna()
            out = out.mask(blank)
        elif "multiply" in spec:
            out = pd.Series(1.0, index=rows)
            for c in spec["multiply"]:
                out = out * self.number(c, rows)
        else:  # join: the non-blank texts with sep between them, blank when all are blank
            sep = str(spec.get("sep", " "))
            out = pd.Series(np.nan, index=rows, dtype=object)
            for c in spec["join"]:
                part = col(c).where(col(c).fillna("").astype(str).str.len() > 0)
                out = out.where(part.isna(), out.where(out.isna(), out + sep).fillna("") + part.fillna(""))
        if "strip_suffix" in spec:
            suffix = str(spec["strip_suffix"])
            out = out.where(~out.fillna("").str.endswith(suffix), out.str[: -len(suffix)])
        if "extract" in spec:
            out = out.str.extract(spec["extract"], expand=False)
        if "map" in spec or "map_file" in spec:
            table = {str(k): str(v) for k, v in (spec.get("map") or {}).items()}
            if "map_file" in spec:
                table.update(self._map_file(spec["map_file"], f"{key}.map_file"))
            mapped = out.map(table)
            unmapped = out.notna() & mapped.isna()
            if unmapped.any() and "default" not in spec:
                values = out[unmapped]
                for value, lines in values.groupby(values).groups.items():
                    self._add(Problem(self.file, int(lines[0]), spec.get("column", key), str(value)[:60],
                                      f"has no entry in {spec.get('map_file', 'the map')} ({len(lines)} line(s)); add it or give a default"))
            out = mapped.where(~unmapped, out)
            if "default" in spec:
                out = out.where(~unmapped, str(spec["default"]))
            cleared = mapped.fillna("\x00").str.strip().eq("")  # mapped to "": a value the map declares blank (0 = not applicable)
            out = out.mask(cleared)
        else:
            cleared = None
        if "default" in spec:
            filled = out.where(out.notna(), str(spec["default"]) if not pd.api.types.is_numeric_dtype(out) else float(spec["default"]))
            out = filled if cleared is None else filled.mask(cleared)  # the default never overrides a blank the map asks for
        if "date_format" in spec:
            texts = out
            parsed = pd.to_datetime(texts, format=spec["date_format"], errors="coerce")
            other = texts.notna() & parsed.isna()
            if other.any():  # year-first dates (an Excel date cell, 2025-03-05) are never ambiguous: taken as they are
                parsed[other] = parse_date_texts(texts[other].astype(str), None)
            bad = texts.notna() & parsed.isna()
            for line, value in texts[bad].head(20).items():
                self._add(Problem(self.file, int(line), spec.get("column", key), str(value)[:60],
                                  f"does not match the date format {spec['date_format']}"))
            fmt = "%Y-%m-%d %H:%M:%S" if contract_col.kind == "datetime" else "%Y-%m-%d"
            out = parsed.dt.strftime(fmt).where(parsed.notna())
        if "round" in spec:
            if not pd.api.types.is_numeric_dtype(out):  # a plain column: its numbers, each bad one named
                numbers, bad, currency = self._parse(out)
                self._report_numbers(out, bad, currency, spec.get("column", key))
                out = numbers
            out = out.round(int(spec["round"]))
        return out


def _aggregate(values: pd.Series, groups: pd.Series, agg: str, key: str, file: str, problems: list[Problem]) -> pd.Series:
    """One value per group (groups: a group label per row, index = export lines)."""
    g = values.groupby(groups, sort=False, dropna=False)
    if agg == "first":
        return g.first()
    if agg == "last":
        return g.last()
    if agg == "sum":
        return g.sum(min_count=1)
    if agg == "min":
        return g.min()
    if agg == "max":
        return g.max()
    if agg == "max_if_all":
        return g.max().where(g.count() == g.size())
    if agg == "count":
        return g.size().astype(float)
    if agg == "most_frequent":
        counts = values.to_frame("v").assign(g=groups.to_numpy()).dropna(subset=["v"]).groupby(["g", "v"], sort=False).size()
        counts = counts.rename("n").reset_index().sort_values(["g", "n", "v"], ascending=[True, False, True], kind="mergesort")
        return counts.drop_duplicates("g").set_index("g")["v"].reindex(g.size().index)
    # constant: one value per group, or a problem naming both lines
    firsts = g.first()
    differs = values.notna() & values.ne(groups.map(firsts))
    for line in values.index[differs][:10]:
        grp = groups[line]
        other = values.index[(groups == grp) & values.notna()][0]
        problems.append(Problem(file, int(line), key, str(values[line])[:60],
                                f"differs from line {other} ({values[other]}) within one row of the table ({grp}); use agg: first, most_frequent …"))
    return firsts


# =========================================================================== building the workspace


@dataclass(frozen=True)
class ImportResult:
    """What :func:`build_workspace` wrote and counted.

    Attributes
    ----------
    workspace : Path
        The new workspace folder.
    counts : dict
        ``lines`` read, rows ``set_aside`` per reason, ``returns`` flagged,
        rows written per table.
    notes : tuple of QualityNote
        Repairs and warnings from reading the export and from validating the
        written workspace.
    """

    workspace: Path
    counts: dict
    notes: tuple[QualityNote, ...]


def _group_labels(frame: pd.DataFrame, cols: list[str], rows: pd.Index) -> pd.Series:
    keys = frame.loc[rows, cols].fillna("\x00")
    return pd.Series(pd.MultiIndex.from_frame(keys).factorize()[0] if len(rows) else [], index=rows, dtype="int64")


def _derive_table(name: str, spec: dict, d: _Deriver, rows: pd.Index, sales_customer: pd.Series | None,
                  counts: dict | None = None) -> tuple[pd.DataFrame, pd.Series]:
    """The table's rows and, for each, the export line it starts from (``counts['not_in']`` gets the lines ``where`` leaves out)."""
    contract = d.mapping.contract(name)
    if spec.get("where"):
        inside = d.condition(spec["where"], rows).to_numpy()
        if counts is not None:
            counts.setdefault("not_in", {})[name] = int((~inside).sum())
        rows = rows[inside]
    groups = None
    if spec.get("from") == "sales":
        customer = sales_customer.loc[rows]
        keep = customer.notna()
        rows, customer = rows[keep.to_numpy()], customer[keep]
        codes, uniques = pd.factorize(customer)
        groups = pd.Series(codes, index=rows)
    elif spec.get("one_row_per"):
        groups = d.groups(spec["one_row_per"], rows)
    out: dict[str, pd.Series] = {}
    if spec.get("from") == "sales":
        out["customer_id"] = pd.Series(uniques, index=range(len(uniques)), dtype=object)
    for col, cspec in spec["columns"].items():
        key = f"tables.{name}.columns.{col}"
        agg = cspec.get("agg") if isinstance(cspec, dict) else None
        if isinstance(cspec, dict) and cspec.get("over"):
            # over: aggregate within groups of *every* imported export row (not only this table's), so that
            # e.g. an order's first id is the same in sales, surveys and complaints
            every = d.rows
            over = d.groups(cspec["over"], every)
            raw = _typed_for_agg(d, d.column(cspec, key, every, contract.column(col)), agg, contract.column(col),
                                 pd.Series(every, index=every), cspec.get("column", col))
            per = _aggregate(raw, over, agg, cspec.get("column", col), d.file, d.problems)
            values = over.loc[rows].map(per)
            agg = None
        else:
            values = d.column(cspec, key, rows, contract.column(col))
            if groups is not None:
                values = _typed_for_agg(d, values, agg or "constant", contract.column(col), pd.Series(rows, index=rows),
                                        cspec if isinstance(cspec, str) else cspec.get("column", col))
        if isinstance(cspec, dict) and "prefix" in cspec:  # after over: e.g. C + the order's first id
            values = (str(cspec["prefix"]) + values.astype(object).where(values.isna(), values.astype(str))).where(values.notna())
        if groups is not None:
            out[col] = _aggregate(values, groups, agg or "constant", cspec if isinstance(cspec, str) else cspec.get("column", col), d.file, d.problems).reset_index(drop=True)
        else:
            out[col] = values
    if groups is not None:
        first_line = pd.Series(rows, index=rows).groupby(groups, sort=False).first().reset_index(drop=True)
        frame = pd.DataFrame(out)
    else:
        first_line = pd.Series(rows, index=rows)
        frame = pd.DataFrame(out, index=rows)
    for col in frame.columns:  # dates as the reader will see them (the time of a date column is dropped there too)
        kind = contract.column(col).kind
        if pd.api.types.is_datetime64_any_dtype(frame[col]):
            frame[col] = frame[col].dt.strftime("%Y-%m-%d %H:%M:%S" if kind == "datetime" else "%Y-%m-%d").where(frame[col].notna())
        elif kind == "date" and frame[col].dtype == object:
            frame[col] = _iso_dates(frame[col])
    ordered = [c for c in contract.names if c in frame.columns]
    for extra, kspec in _keep_specs(spec):  # export columns kept as extra columns, under their own header
        if len(kspec) > 1:  # with text transforms (map …)
            frame[extra] = d.column(kspec, f"tables.{name}.keep.{extra}", rows, Column(extra, "text")).to_numpy()
        else:
            frame[extra] = d.frame[extra].loc[rows].to_numpy()
        ordered.append(extra)
    return frame[ordered].reset_index(drop=True), first_line.reset_index(drop=True)


def _typed_for_agg(d: "_Deriver", values: pd.Series, agg: str | None, column: Column, lines: pd.Series, name: str) -> pd.Series:
    """Values an ``agg`` can work on: numbers for sum/min/max of number and score columns (5 + 3 is 8, not "53"),
    dates for min/max of date columns; text otherwise (``first``, ``most_frequent`` … need no type)."""
    if agg not in ("sum", "min", "max", "max_if_all") or pd.api.types.is_numeric_dtype(values):
        return values
    if column.kind in ("number", "score"):
        return d.as_number(values, lines, name)
    if column.kind in ("date", "datetime"):
        text = values.dropna().astype(str)
        parsed = parse_date_texts(text, None)
        for line in parsed.index[parsed.isna()][:20]:
            d._add(Problem(d.file, int(line), name, str(values[line])[:60], "must be a date (YYYY-MM-DD) to take its min or max"))
        out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[us]")
        out.loc[parsed.index] = parsed
        return out  # aggregated as dates, formatted when written
    return values


def _iso_dates(values: pd.Series) -> pd.Series:
    """Dates the workspace reader accepts, written ``YYYY-MM-DD``; anything else is left as written for the reader to report."""
    text = values.dropna().astype(str)
    parsed = parse_date_texts(text, None)
    out = values.copy()
    ok = parsed.notna()
    out.loc[ok[ok].index] = parsed[ok].dt.strftime("%Y-%m-%d")
    return out


def _format_numbers(frame: pd.DataFrame) -> pd.DataFrame:
    """Numbers as plain text (no ``1e-05``, no ``.0`` on whole numbers); text unchanged."""
    out = frame.copy()
    for c in out.columns:
        if pd.api.types.is_numeric_dtype(out[c]):
            v = out[c].astype(float)
            whole = v.notna() & (v % 1 == 0) & (v.abs() < 2**53)  # exact integers only (1e19 is not an int64)
            text = v.astype(str)
            text[whole] = v[whole].astype("int64").astype(str)
            odd = text.str.contains("e", regex=False) & ~whole
            text[odd] = v[odd].map(lambda x: np.format_float_positional(x, trim="-"))
            out[c] = text.where(v.notna(), "")
    return out


def _workspace_yaml(template: Path, written: list[str], mapping: Mapping) -> str:
    text = _template_text(template, mapping)
    lines = ["", "# written by salesnb import: one CSV per table (columns kept from the export stay extra columns)", "tables:"]
    for t in written:
        keep = [k for k, _ in _keep_specs(mapping.tables[t])]
        extra = ", ".join(f"{json.dumps(k, ensure_ascii=False)}: extra" for k in keep)
        lines.append(f"  {t}: {{file: {t}.csv{', columns: {' + extra + '}' if keep else ''}}}")
    return text.rstrip("\n") + "\n" + "\n".join(lines) + "\n"


def build_workspace(export: str | Path, mapping: str | Path | Mapping, out: str | Path, *,
                    progress: Callable[[str], None] | None = None) -> ImportResult:
    """Derive a workspace from one export file and validate it.

    Parameters
    ----------
    export : path
        The export: CSV (also ``.csv.gz``), XLSX or Parquet.
    mapping : path or Mapping
        ``import.yaml`` (see ``docs/import.md``).
    out : path
        The workspace folder to create; it must not exist (an import never
        overwrites a workspace: the action register lives there).
    progress : callable, optional
        Receives one line per stage.

    Returns
    -------
    ImportResult

    Raises
    ------
    ConfigError
        A broken mapping or template (key paths named).
    DataError
        Values the derivations cannot use (export file, line, column, value),
        or rows the contract rejects once written (the written file and line,
        and the export line the row came from). Nothing is left behind.
    FileExistsError
        ``out`` exists.
    """
    say = progress or (lambda m: None)
    out = Path(out)
    if out.exists():
        raise FileExistsError(f"{out} exists: an import writes a new workspace (choose another folder, or move the old one aside)")
    m = mapping if isinstance(mapping, Mapping) else load_mapping(mapping)
    export = Path(export)
    frame, file, read_notes, encoding = _read_export(export, m)
    say(f"read {file}: {len(frame):,} lines{f' ({encoding})' if encoding else ''}")
    d = _Deriver(frame, file, m)
    counts: dict[str, Any] = {"lines": int(len(frame))}
    rows = frame.index
    aside_parts = []
    aside_counts: dict[str, int] = {}
    for rule in m.set_aside:
        hit = d.condition(rule["when"], rows)
        aside_counts[rule["reason"]] = aside_counts.get(rule["reason"], 0) + int(hit.sum())  # two rules may share a reason
        if hit.any():
            aside_parts.append(pd.DataFrame({"line": rows[hit.to_numpy()], "reason": rule["reason"]}))
        rows = rows[~hit.to_numpy()]
    counts["set_aside"] = aside_counts
    d.rows = rows
    tables: dict[str, pd.DataFrame] = {}
    origins: dict[str, pd.Series] = {}
    sales_customer = None
    for name in [t for t in TABLE_ORDER if t in m.tables]:
        spec = m.tables[name]
        if spec.get("from") == "sales":
            continue
        frame_t, origin = _derive_table(name, spec, d, rows, None, counts)
        if name == "sales":
            if spec.get("returns"):
                sales_rows = rows[d.condition(spec["where"], rows).to_numpy()] if spec.get("where") else rows
                hit = d.condition(spec["returns"]["when"], sales_rows).to_numpy()
                counts["returns"] = int(hit.sum())
                for c in ("amount", "quantity"):
                    if c in frame_t:
                        values = d.as_number(frame_t[c], origin, f"tables.sales.columns.{c}")
                        frame_t[c] = values.where(~hit, -values.abs())
            sales_customer = pd.Series(frame_t["customer_id"].to_numpy(), index=origin.to_numpy())
        tables[name], origins[name] = frame_t, origin
    for name, spec in m.tables.items():
        if spec.get("from") == "sales":
            frame_t, origin = _derive_table(name, spec, d, pd.Index(sales_customer.index), sales_customer)
            tables[name], origins[name] = frame_t, origin
    if d.problems:
        raise DataError(d.problems, f"{len(d.problems)} problem(s) deriving the workspace from {file}")
    if not len(tables["sales"]):
        raise DataError([Problem(file, None, None, None, f"no sales lines are left to import ({len(frame):,} export lines; set aside: "
                                 f"{aside_counts or 'none'}; outside the sales where: {counts.get('not_in', {}).get('sales', 0)})")])
    empty = [name for name, t in tables.items() if not len(t) and name not in ("sales", "customers")]
    empty_notes = [QualityNote(name, file, "import_table_empty", 0, f"no export line makes a {name} row (its where: or the set-aside "
                               f"rules leave none), so the workspace has no {name} table", "warning") for name in empty]
    for name in empty:  # an optional table with no rows is left out, not written as a header-only file
        tables.pop(name)
        origins.pop(name)
    collapse_notes = [n for name in tables if not (m.tables[name].get("one_row_per") or m.tables[name].get("from"))
                      for n in _collapsed(name, tables[name], origins[name], frame, file)]
    for name, t in tables.items():
        counts[name] = int(len(t))
        say(f"{name}: {len(t):,} rows")
    written = [t for t in TABLE_ORDER if t in tables]
    yaml_text = _workspace_yaml(m.folder / m.workspace, written, m)
    staging = out.with_name(f".{out.name}.importing-{os.getpid()}")
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    try:
        starts: dict[str, list[int]] = {}
        for name in written:
            path = staging / f"{name}.csv"
            _format_numbers(tables[name]).to_csv(path, index=False, encoding="utf-8")
            starts[name] = _record_lines(path)  # a text with a line break takes two lines of the CSV
        (staging / "workspace.yaml").write_text(yaml_text, encoding="utf-8")
        meta = staging / "import"
        meta.mkdir()
        if aside_parts:
            aside = pd.concat(aside_parts, ignore_index=True).rename(columns={"line": "export_line", "reason": "set_aside_reason"})
            aside = aside.join(frame, on="export_line", suffixes=("", " (export)"))
            aside.to_csv(meta / "set_aside.csv", index=False, encoding="utf-8")
        for name in written:
            pd.DataFrame({"line": starts[name], "export_line": origins[name].to_numpy()}).to_csv(meta / f"{name}_lines.csv", index=False)
        copied = {m.file: m.folder / m.file, "workspace.template.yaml": m.folder / m.workspace}
        for spec in m.tables.values():  # the map files too: the import can be repeated exactly
            for cspec in [*spec["columns"].values(), *(k for _, k in _keep_specs(spec))]:
                if isinstance(cspec, dict) and "map_file" in cspec:
                    copied[Path(cspec["map_file"]).name] = m.folder / cspec["map_file"]
        for target, source_path in copied.items():
            shutil.copyfile(source_path, meta / target)
        try:
            ws = load_workspace(staging)
        except DataError as err:
            raise _traced(err, origins, starts, file) from None
        notes = tuple(read_notes) + tuple(empty_notes) + tuple(collapse_notes) + tuple(ws.notes)
        info = {
            "export": str(export.resolve()), "export_sha256": _sha256(export), "mapping": str((m.folder / m.file)),
            "mapping_sha256": _sha256(m.folder / m.file), "encoding": encoding, "counts": counts,
            "files_sha256": {name: _sha256(meta / name) for name in copied},
            "notes": [n.as_row() for n in notes],
        }
        from ._version import __version__

        info["salesnb"] = __version__
        (meta / "import.json").write_text(json.dumps(info, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
        os.replace(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    say(f"workspace {out} is valid")
    return ImportResult(out, counts, notes)


def _collapsed(name: str, table: pd.DataFrame, origin: pd.Series, export: pd.DataFrame, file: str) -> list[QualityNote]:
    """A warning when export rows that differ become identical rows of ``table``.

    The workspace reader removes exact duplicate rows (overlapping exports). Two
    export lines that differ only in columns the mapping does not import (a
    product description, a line number) would be removed the same way; this
    counts them, so the mapping can ``keep:`` a column that tells them apart.
    """
    dup = table.duplicated(keep=False).to_numpy()
    if not dup.any():
        return []
    written = pd.util.hash_pandas_object(table[dup], index=False).to_numpy()
    lines = origin[dup].to_numpy()
    source = pd.util.hash_pandas_object(export.loc[lines], index=False).to_numpy()
    groups = pd.DataFrame({"w": written, "s": source, "line": lines})
    distinct = groups.drop_duplicates(["w", "s"])
    extra = distinct.groupby("w").size() - 1
    n = int(extra.sum())
    if n == 0:
        return []
    hit = distinct[distinct["w"].isin(extra[extra > 0].index)].groupby("w")["line"].apply(lambda s: " = ".join(map(str, s))).head(5)
    return [QualityNote(name, file, "import_lines_collapsed", n,
                        f"{n} export line(s) differ from another only in columns the mapping does not import, so they become "
                        f"identical {name} rows and the reader would remove them as duplicates; add a column that tells "
                        "them apart to tables." + name + ".keep", "warning", tuple(f"lines {v}" for v in hit))]


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _record_lines(path: Path) -> list[int]:
    """The line on which each data record of a written CSV starts (after the header)."""
    import csv

    starts, previous = [], 0
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        for i, _ in enumerate(reader):
            if i:
                starts.append(previous + 1)
            previous = reader.line_num
    return starts


def _traced(err: DataError, origins: TMapping[str, pd.Series], starts: TMapping[str, list[int]], export: str) -> DataError:
    """The validation problems of written tables, each with the export line its row came from."""
    by_file = {f"{name}.csv": (origin, {line: i for i, line in enumerate(starts.get(name, []))}) for name, origin in origins.items()}
    problems = []
    for p in err.problems:
        origin, row_of = by_file.get(p.file, (None, {}))
        if origin is not None and p.line in row_of:
            p = Problem(p.file, p.line, p.column, p.value, f"{p.rule} [from {export} line {int(origin.iloc[row_of[p.line]])}]")
        problems.append(p)
    return DataError(problems, f"the imported workspace does not pass validation ({len(problems)} problem(s))")
