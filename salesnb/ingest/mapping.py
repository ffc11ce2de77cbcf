"""The import mapping (``import.yaml``): its model, how it is read and every check of it (key paths named).

Not here: reading the export (:mod:`salesnb.ingest.export`), deriving the tables (:mod:`salesnb.ingest.derive`)
or writing the workspace (:mod:`salesnb.ingest.build`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ConfigError, Problem
from ..schemas import CONTRACT, Table, table_contract
from ..config import Survey
from ..schemas import normalise_header


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
