"""Prepare once: read and validate the raw tables, reduce them, cache the result.

``salesnb prepare WORKSPACE`` (and ``salesnb run``, before the notebooks)
calls :func:`prepare`. It

1. hashes the inputs (every table file and the data-related sections of
   ``workspace.yaml``) into a **cache key** together with the salesnb and
   pandas versions and the day of the run (rows dated after it are set aside);
2. on a cache hit returns at once — a second run on unchanged inputs skips the
   work, any changed byte of an input gives a new key;
3. otherwise reads the tables in one of two ways (``source.reader``):

   * **contract** (small files, XLSX, or anything unusual): the pandas reader
     of :mod:`salesnb.io` with every documented repair; the validated
     :class:`~salesnb.io.Workspace` is stored in the cache;
   * **engine** (large clean CSV/Parquet sales files, from
     ``source.engine_min_rows``): DuckDB reads the file directly, maps the
     headers with the contract's aliases, casts every column and applies the
     contract's row-level rules as SQL (required values, parseable dates and
     numbers, exact duplicates, unknown customers) — counting the violations
     and naming file, line, column and value of the first ones in a
     :class:`~salesnb.errors.DataError`. The typed table is written once as
     Parquet; a file the engine cannot read cleanly (header not on line 1, a
     unit in a header, another encoding than UTF-8) falls back to the
     contract reader;

4. reduces the sales (and customers) tables to the aggregates the notebooks
   need — :func:`aggregates`, written once in ibis, so that the same
   expressions run on DuckDB (default), PostgreSQL or Spark
   (``workspace.yaml``'s ``source:``, :mod:`salesnb.engines`) — and writes
   them as Parquet next to a ``manifest.json``.

Notebooks open the cached workspace through :func:`load_workspace_cached`
(``salesnb.open_step`` does) and read aggregates with
:meth:`Prepared.aggregate`. ``docs/scale.md`` explains the design.
"""
from __future__ import annotations

import functools
import hashlib
import json
import os
import pickle
import shutil
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from types import MappingProxyType
from typing import Any, Callable, Mapping

import numpy as np
import pandas as pd

from . import __version__
from .config import CONFIG_FILE, SourceSettings, WorkspaceConfig, load_config
from .errors import ConfigError, DataError, Problem, QualityNote

__all__ = [
    "prepare",
    "Prepared",
    "aggregates",
    "AGGREGATES",
    "cache_root",
    "cache_key",
    "load_workspace_cached",
    "CACHE_ENV",
    "FORMAT",
    "quarterly_history",
    "group_long_tail_ibis",
]

CACHE_ENV = "SALESNB_CACHE"
"""Environment variable naming the cache folder (default ``~/.cache/salesnb``)."""
FORMAT = 1
"""Layout version of a cache entry; bumping it invalidates every entry."""
KEEP_ENTRIES = 3
"""Cache entries kept per workspace (older ones are removed after a prepare)."""
HASH_MEMO_MIN_BYTES = 64 << 20
"""Files at least this large have their sha256 remembered by (size, mtime_ns) between runs."""
MONEY = "decimal(38, 4)"
"""Amounts are summed as exact decimals on every engine, so that engines agree to the last digit."""

AGGREGATES: dict[str, str] = {
    "sales_month": "month × region × product_line × segment: revenue, returns, lines, orders, customers",
    "customer_month": "customer_id × month: revenue, lines, orders",
    "quarter": "fiscal quarter: revenue, orders, customers",
    "quarter_region": "fiscal quarter × region: revenue, orders, customers",
    "quarter_product_line": "fiscal quarter × product_line: revenue, orders, customers",
    "quarter_region_product_line": "fiscal quarter × region × product_line: revenue, orders, customers",
}
"""The aggregates a prepare writes (``<name>.parquet``); orders and customers count purchase lines only (amount > 0)."""

Progress = Callable[[str], None]


def _quiet(message: str) -> None:  # default progress: silent
    return None


# ---------------------------------------------------------------------------
# The portable reduction (ibis)
# ---------------------------------------------------------------------------


def _quarter_label(order_date: Any, start_month: int) -> Any:
    """Fiscal quarter label (``2025Q4``) of an ibis date column, as :func:`salesnb.periods.period_labels`."""
    months = order_date.year() * 12 + order_date.month() - start_month
    fiscal_year = months // 12
    quarter = (months % 12) // 3 + 1
    return fiscal_year.cast("string").concat("Q", quarter.cast("string"))


def aggregates(sales: Any, customers: Any, start_month: int = 1, materialize: Callable[[Any], Any] | None = None) -> dict[str, Any]:
    """The aggregates of :data:`AGGREGATES` as ibis expressions (not yet executed).

    Parameters
    ----------
    sales : ibis.Table
        Validated order lines: ``order_id``, ``order_date`` (date),
        ``customer_id``, ``region``, ``product_line``, ``amount`` (units, 元).
    customers : ibis.Table
        ``customer_id`` and, optionally, ``segment``.
    start_month : int
        First month of the fiscal year (quarters follow it).
    materialize : callable, optional
        Turns the joined, typed order lines into a table the backend keeps
        (DuckDB: a temporary table), so that the six aggregates scan them once
        rather than re-reading the source each time.

    Returns
    -------
    dict of str to ibis.Table
        Each sorted by its keys; ``revenue`` and ``returns`` are exact
        ``decimal(38, 4)`` sums, counts are integers. Run them with
        ``con.to_pyarrow(expr)`` on any ibis backend.

    Examples
    --------
    >>> import ibis
    >>> s = ibis.memtable({"order_id": ["1", "1", "2"], "customer_id": ["a", "a", "b"], "region": ["E"] * 3,
    ...                    "product_line": ["P"] * 3, "amount": [10.0, 5.0, -2.5],
    ...                    "order_date": pd.to_datetime(["2025-01-05", "2025-01-05", "2025-04-01"]).date})
    >>> c = ibis.memtable({"customer_id": ["a", "b"], "segment": ["big", "small"]})
    >>> out = aggregates(s, c)["quarter"].to_pandas()
    >>> out[["period", "orders", "customers"]].values.tolist()
    [['2025Q1', 1, 1], ['2025Q2', 0, 0]]
    >>> [float(v) for v in out["revenue"]]
    [15.0, -2.5]
    """
    import ibis

    segment = customers.segment if "segment" in customers.columns else ibis.null().cast("string")
    # customer_id is unique in customers (the contract checks it); max() keeps the join one-to-one on any engine
    seg = customers.select(customer_id=customers.customer_id, segment=segment).group_by("customer_id").aggregate(
        segment=lambda t: t.segment.max(), known=lambda t: t.customer_id.count())  # known: NULL after the join = unknown customer
    joined = sales.left_join(seg, sales.customer_id == seg.customer_id)
    lines = joined.select(
        order_id=joined.order_id,
        customer_id=joined.customer_id,
        region=joined.region,
        product_line=joined.product_line,
        segment=joined.segment,
        known=joined.known,
        order_date=joined.order_date.cast("date"),
        amount=joined.amount,
        money=joined.amount.cast(MONEY),
    )
    lines = lines.mutate(month=lines.order_date.truncate("M").cast("date"), period=_quarter_label(lines.order_date, start_month))
    if materialize is not None:
        lines = materialize(lines)
    bought = lines.amount > 0

    def counts(t: Any) -> dict[str, Any]:
        return dict(
            revenue=t.money.sum(),
            orders=t.order_id.nunique(where=bought),
            customers=t.customer_id.nunique(where=bought),
        )

    out = {
        "sales_month": lines.group_by(["month", "region", "product_line", "segment"]).aggregate(
            revenue=lines.money.sum(),
            returns=lines.money.sum(where=lines.amount < 0),
            lines=lines.count(),
            orders=lines.order_id.nunique(where=bought),
            customers=lines.customer_id.nunique(where=bought),
        ),
        "customer_month": lines.group_by(["customer_id", "month"]).aggregate(
            revenue=lines.money.sum(), lines=lines.count(), orders=lines.order_id.nunique(where=bought),
        ),
    }
    for name, keys in (("quarter", ["period"]), ("quarter_region", ["period", "region"]),
                       ("quarter_product_line", ["period", "product_line"]),
                       ("quarter_region_product_line", ["period", "region", "product_line"])):
        out[name] = lines.group_by(keys).aggregate(**counts(lines))
    # returns is NULL where a group has no return line on every engine; make it 0
    sm = out["sales_month"]
    out["sales_month"] = sm.mutate(returns=sm.returns.fill_null(0).cast(MONEY))
    return {name: expr.order_by(_keys_of(name)) for name, expr in out.items()}


def _keys_of(name: str) -> list[str]:
    return {
        "sales_month": ["month", "region", "product_line", "segment"],
        "customer_month": ["customer_id", "month"],
        "quarter": ["period"],
        "quarter_region": ["period", "region"],
        "quarter_product_line": ["period", "product_line"],
        "quarter_region_product_line": ["period", "region", "product_line"],
    }[name]


def run_aggregates(con: Any, sales: Any, customers: Any, start_month: int,
                   on_lines: Callable[[Any], None] | None = None) -> dict[str, Any]:
    """Execute :func:`aggregates` on ``con``; returns pyarrow tables (exact decimals).

    On DuckDB the joined order lines are first kept in a temporary table
    ``_lines``; ``on_lines(raw_connection)`` then runs (checks on the joined
    lines, dropping tables no longer needed) before the aggregates.
    """
    def keep_lines(expr: Any) -> Any:
        import ibis

        _run(con.con, f"CREATE OR REPLACE TEMP TABLE _lines AS {ibis.to_sql(expr, dialect='duckdb')}")
        if on_lines is not None:
            on_lines(con.con)
        return con.table("_lines")

    materialize = keep_lines if getattr(con, "name", "") == "duckdb" else None
    return {name: con.to_pyarrow(expr) for name, expr in aggregates(sales, customers, start_month, materialize).items()}


_STORED_TYPES = {"revenue": "DOUBLE", "returns": "DOUBLE", "month": "TIMESTAMP", "lines": "BIGINT", "orders": "BIGINT", "customers": "BIGINT"}
"""How aggregate columns are stored: exact decimal sums as float64, months as timestamps, counts as int64."""


def _copy_sql(query: str, columns: list[str], target: Path) -> str:
    casts = ", ".join(f"CAST({_q(c)} AS {_STORED_TYPES[c]}) AS {_q(c)}" for c in columns if c in _STORED_TYPES)
    select = f"SELECT * REPLACE ({casts}) FROM ({query})" if casts else query
    return f"COPY ({select}) TO {_lit(target)} (FORMAT parquet)"


def write_aggregates_duckdb(con: Any, sales: Any, customers: Any, start_month: int, folder: Path,
                            on_lines: Callable[[Any], None] | None = None) -> dict[str, int]:
    """Compute the aggregates in DuckDB and write them straight to ``folder/<name>.parquet``.

    Nothing passes through Python memory, so a 100-million-line reduction
    stays within DuckDB's ``memory_limit``. Returns the rows per aggregate.
    """
    import ibis

    def materialize(expr: Any) -> Any:
        _run(con.con, f"CREATE OR REPLACE TEMP TABLE _lines AS {ibis.to_sql(expr, dialect='duckdb')}")
        if on_lines is not None:
            on_lines(con.con)
        return con.table("_lines")

    rows = {}
    for name, expr in aggregates(sales, customers, start_month, materialize).items():
        target = folder / f"{name}.parquet"
        _run(con.con, _copy_sql(ibis.to_sql(expr, dialect="duckdb"), list(expr.columns), target))
        rows[name] = int(con.con.execute(f"SELECT count(*) FROM read_parquet({_lit(target)})").fetchall()[0][0])
    return rows


# ---------------------------------------------------------------------------
# Inputs and the cache key
# ---------------------------------------------------------------------------


def cache_root(cache_dir: str | Path | None = None) -> Path:
    """The cache folder: ``cache_dir``, else ``$SALESNB_CACHE``, else ``~/.cache/salesnb``."""
    if cache_dir is not None:
        return Path(cache_dir)
    env = os.environ.get(CACHE_ENV)
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "salesnb"


def _sha256(path: Path, memo: dict[str, Any] | None) -> str:
    """sha256 of a file; files of :data:`HASH_MEMO_MIN_BYTES` or more are remembered by (size, mtime_ns)."""
    from .io import sha256_file

    stat = path.stat()
    big = stat.st_size >= HASH_MEMO_MIN_BYTES and memo is not None
    key = str(path.resolve())
    if big:
        seen = memo.get(key)
        if seen and seen["size"] == stat.st_size and seen["mtime_ns"] == stat.st_mtime_ns:
            return seen["sha256"]
    digest = sha256_file(path)
    if big:
        memo[key] = {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "sha256": digest}
    return digest


def _memo_path(root: Path) -> Path:
    return root / "sha256-memo.json"


def _load_memo(root: Path) -> dict[str, Any]:
    try:
        return json.loads(_memo_path(root).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _save_memo(root: Path, memo: dict[str, Any]) -> None:
    root.mkdir(parents=True, exist_ok=True)
    tmp = _memo_path(root).with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(memo), encoding="utf-8")
    os.replace(tmp, _memo_path(root))


DATA_SECTIONS = ("company", "calendar", "tables", "survey", "checks", "source")
"""``workspace.yaml`` sections that change how tables are read or reduced (others, e.g. goals, do not invalidate the cache)."""


def _input_files(root: Path, config: WorkspaceConfig) -> dict[str, Path]:
    from .io import find_table_file
    from .schemas import TABLE_NAMES

    files = {}
    for name in TABLE_NAMES:
        path = find_table_file(root, name, config)
        if path is not None:
            files[name] = path
    return files


@functools.lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """sha256 of the data layer's own source (reader, contract, masking, engines).

    Part of every cache key, so a changed rule (a new check, new masking)
    never serves data prepared by the old code, even within one version.
    A module that is a package (``config/``) counts with every ``.py`` file in it.
    """
    digest = hashlib.sha256()
    here = Path(__file__).resolve().parent
    for name in ("io.py", "schemas.py", "privacy.py", "config.py", "prepare.py", "engines.py", "periods.py", "longtail.py"):
        path, package = here / name, here / name.removesuffix(".py")
        for part in [path] if path.is_file() else sorted(package.rglob("*.py")) if package.is_dir() else []:
            digest.update(part.relative_to(here).as_posix().encode() + b"\0" + part.read_bytes())
    return digest.hexdigest()


def cache_key(root: Path, config: WorkspaceConfig, today: date, memo: dict[str, Any] | None = None) -> tuple[str, dict[str, Any]]:
    """The cache key of a workspace and what went into it.

    The key is the sha256 of: the cache format, the salesnb and pandas
    versions, the data layer's source (:func:`code_fingerprint`), the day of the run, the data sections of ``workspace.yaml``
    (:data:`DATA_SECTIONS`), the long-tail grouping (``checks.many_values`` and the region and product-line
    values named elsewhere in ``workspace.yaml``, which are always kept) and every table file's name and sha256.

    Returns
    -------
    key : str
        64 hex digits.
    inputs : dict
        The parts, as written to ``manifest.json``.
    """
    files = _input_files(root, config)
    settings = config.model_dump(mode="json", include=set(DATA_SECTIONS))
    inputs = {
        "format": FORMAT,
        "salesnb": __version__,
        "code": code_fingerprint(),
        "pandas": pd.__version__,
        "today": today.isoformat(),
        "config": settings,
        "grouping": _grouping_inputs(config),
        "files": {name: {"file": path.name, "sha256": _sha256(path, memo), "bytes": path.stat().st_size} for name, path in files.items()},
    }
    key = hashlib.sha256(json.dumps(inputs, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()
    return key, inputs


def _grouping_inputs(config: WorkspaceConfig) -> dict[str, Any]:
    """What decides the long-tail grouping: ``checks.many_values`` and the pinned values per column."""
    from .longtail import GROUPED_COLUMNS, pinned_values

    return {"many_values": config.checks.many_values.model_dump(mode="json"),
            "pinned": {c: sorted(pinned_values(config, c)) for c in GROUPED_COLUMNS}}


def _workspace_dir(root: Path, cache: Path) -> Path:
    tag = hashlib.sha256(str(root.resolve()).encode("utf-8")).hexdigest()[:12]
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in root.resolve().name)[:40]
    return cache / f"{safe}-{tag}"


# ---------------------------------------------------------------------------
# The result
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Prepared:
    """A prepared workspace in the cache.

    Attributes
    ----------
    folder : Path
        The cache entry (``manifest.json``, ``<aggregate>.parquet``, ``tables/`` …).
    key : str
        Its cache key.
    hit : bool
        True when the entry existed already (nothing was read).
    reader : str
        ``contract`` or ``engine`` (how the sales table was read).
    engine : str
        Where the aggregates were computed (``duckdb``, ``postgres``, ``spark``).
    seconds : float
        Time this call took.
    manifest : dict
        ``manifest.json``: inputs, rows, timings.
    """

    folder: Path
    key: str
    hit: bool
    reader: str
    engine: str
    seconds: float
    manifest: dict = field(default_factory=dict)

    def aggregate(self, name: str) -> pd.DataFrame:
        """Aggregate ``name`` (:data:`AGGREGATES`) as a DataFrame; money as float64, months as datetime64."""
        if name not in AGGREGATES:
            raise KeyError(f"{name!r} is not a prepared aggregate ({', '.join(AGGREGATES)})")
        return pd.read_parquet(self.folder / f"{name}.parquet")

    def workspace(self, config: WorkspaceConfig | None = None):
        """The validated :class:`~salesnb.io.Workspace` (``config``: a fresher ``workspace.yaml`` model)."""
        return _read_workspace(self.folder, config)


# ---------------------------------------------------------------------------
# The validated workspace in the cache
# ---------------------------------------------------------------------------


_WS_FILE = "workspace.pkl"
_BIG = ("sales", "customers")


def _write_workspace(folder: Path, ws, name: str = _WS_FILE) -> None:
    """Store a Workspace (pickled, exact dtypes; the mappings as plain dicts)."""
    state = {
        "root": str(ws.root), "name": ws.name, "tables": dict(ws.tables), "sources": dict(ws.sources),
        "notes": ws.notes, "quarantine": dict(ws.quarantine), "contacts": ws.contacts, "groups": ws.groups,
    }
    with open(folder / name, "wb") as fh:
        pickle.dump(state, fh, protocol=pickle.HIGHEST_PROTOCOL)


def _read_workspace(folder: Path, config: WorkspaceConfig | None = None):
    """The Workspace of a cache entry: unpickled (contract reader) or assembled by io (engine reader)."""
    from .io import Workspace, load_workspace

    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    root = Path(manifest["root"])
    config = config if config is not None else load_config(root / CONFIG_FILE)
    if manifest["reader"] == "engine" and not (folder / _WS_FILE).is_file():
        # first use: io assembles the workspace from the typed Parquet (date range, unknown customers,
        # regions, masking); the result is kept so that the other notebooks of the run only load it
        engine = {name: (meta, folder / "tables" / f"{name}.parquet") for name, meta in manifest["engine_tables"].items()}
        today = date.fromisoformat(manifest["inputs"]["today"])
        with _reads_through_cache(folder.parent.parent, engine):
            ws = load_workspace(root, today=today)
        tmp = Path(tempfile.mkstemp(prefix=".workspace-", dir=folder)[1])
        try:
            _write_workspace(tmp.parent, ws, tmp.name)
            os.replace(tmp, folder / _WS_FILE)
        finally:
            tmp.unlink(missing_ok=True)
        return replace(ws, config=config)
    with open(folder / _WS_FILE, "rb") as fh:
        state = pickle.load(fh)
    return Workspace(
        root=Path(state["root"]), name=state["name"], config=config, tables=MappingProxyType(state["tables"]),
        sources=MappingProxyType(state["sources"]), notes=tuple(state["notes"]),
        quarantine=MappingProxyType(state["quarantine"]), contacts=state["contacts"], groups=tuple(state.get("groups", ())),
    )


# ---------------------------------------------------------------------------
# The engine reader: DuckDB SQL over clean CSV / Parquet
# ---------------------------------------------------------------------------


_DECIMAL_COMMA_SQL = r",(\d{0,2}|\d{4,})(\D|$)|\.\d*,"
"""A comma not followed by exactly three digits, or after a decimal point: not a thousands separator."""


class _Fallback(Exception):
    """The engine cannot read this file cleanly; use the contract reader."""


def _run(con: Any, sql: str, params: Any = None) -> list:
    """Execute a statement on a DuckDB connection and fetch its (small) result."""
    return (con.execute(sql, params) if params is not None else con.execute(sql)).fetchall()


def _q(name: str) -> str:
    return '"' + str(name).replace('"', '""') + '"'


def _lit(text: str | Path) -> str:
    return "'" + str(text).replace("'", "''") + "'"


@dataclass
class _EngineTable:
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
        return f"read_parquet({_lit(path)})"
    return f"read_csv({_lit(path)}, header = true, all_varchar = true, auto_detect = true)"


def _check_csv_text(path: Path, file: str) -> None:
    with open(path, "rb") as fh:
        head = fh.read(1 << 16)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _Fallback(f"{file} is UTF-16")
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not just a character cut at the end of the block
            raise _Fallback(f"{file} is not UTF-8") from None


_ODD_ID = "[\\x{FF01}-\\x{FF5E}\\x{3000}\\x{200B}-\\x{200D}\\x{2060}\\x{FEFF}\\x{00AD}]|^[+-]?[0-9]+([.][0-9]+)?[eE][+][0-9]{1,3}$"
"""Id values the engine does not repair: full-width or invisible characters, Excel's scientific notation."""


def _engine_table(con: Any, name: str, path: Path, file: str, config: WorkspaceConfig, work: Path) -> _EngineTable:
    """Map, type and check one table in DuckDB; writes ``work/<name>.parquet``."""
    from .io import EXCEL_ERRORS, FORMATS, UNIT_FACTORS, _resolve_headers
    from .schemas import table_contract

    fmt = FORMATS.get(path.suffix.lower())
    if fmt not in ("csv", "parquet"):
        raise _Fallback(f"{file}: {path.suffix} files are read by the contract reader")
    source = config.tables.get(name)
    if source is not None and source.decimal != ".":
        raise _Fallback(f"{file}: numbers with a decimal comma are read by the contract reader")
    if fmt == "csv":
        if source is not None and source.encoding not in (None, "utf-8", "utf-8-sig"):
            raise _Fallback(f"{file} is {source.encoding}")
        _check_csv_text(path, file)
    contract = table_contract(name)
    rel = _relation(path, fmt)
    try:
        described = con.execute(f"DESCRIBE SELECT * FROM {rel}").fetchall()
    except Exception as exc:  # noqa: BLE001 - DuckDB's sniffer could not read it: the contract reader explains
        raise _Fallback(f"{file}: {exc}") from None
    headers = [row[0] for row in described]
    types = {row[0]: row[1] for row in described}
    units: dict[str, str] = {}
    currencies: dict[str, str] = {}
    mapping = _resolve_headers(headers, contract, source, units, currencies)
    targets = list(mapping.values())
    if units or currencies or len(set(targets)) != len(targets) or not set(contract.required_names) <= set(targets):
        raise _Fallback(f"{file}: headers need the contract reader ({', '.join(headers)})")
    factor = UNIT_FACTORS[config.company.unit]
    date_format = source.date_format if source is not None else None
    select, checks, by_name = [], [], {}
    for position, target in sorted(mapping.items()):
        header = headers[position]
        column = contract.column(target)
        raw, typ = _q(header), types[header].upper()
        text = f"NULLIF(trim(CAST({raw} AS VARCHAR)), '')"
        if column.kind in ("id", "text"):
            expr = text if column.kind == "id" else f"NULLIF(CAST({raw} AS VARCHAR), '')"
            bad = "false"
        elif column.kind == "date":
            if typ.startswith(("DATE", "TIMESTAMP")):
                expr, bad = f"CAST({raw} AS DATE)", "false"
            else:
                parsed = [f"TRY_CAST({text} AS DATE)"]
                if date_format:
                    parsed.insert(0, f"CAST(TRY_STRPTIME({text}, {_lit(date_format)}) AS DATE)")
                expr = f"COALESCE({', '.join(parsed)})"
                bad = f"({text} IS NOT NULL AND {expr} IS NULL)"
        elif column.kind == "datetime":
            expr = f"TRY_CAST({text} AS TIMESTAMP)" if typ == "VARCHAR" else f"CAST({raw} AS TIMESTAMP)"
            bad = f"({text} IS NOT NULL AND {expr} IS NULL)"
        elif column.kind == "number":
            scale = factor if target == "amount" else 1.0
            base = f"TRY_CAST(replace({text}, ',', '') AS DOUBLE)" if typ == "VARCHAR" else f"CAST({raw} AS DOUBLE)"
            expr = f"({base} * {scale!r})" if scale != 1.0 else base
            # a comma is a thousands separator only before three digits: 18.972,00 or 1,23 is a decimal comma, never 18.972 or 123
            comma = f"regexp_matches({text}, {_lit(_DECIMAL_COMMA_SQL)})"
            bad = f"({text} IS NOT NULL AND ({base} IS NULL OR {comma}))" if typ == "VARCHAR" else "false"
        else:
            raise _Fallback(f"{file}: column kind {column.kind} is read by the contract reader")
        select.append(f"{expr} AS {_q(target)}")
        by_name[target] = header
        if bad != "false":
            checks.append((target, bad, f"not a valid {column.kind}" + (f" (format {date_format})" if date_format and column.kind == "date" else "")))
        if column.required and not column.nullable:
            checks.append((target, f"({expr} IS NULL)", "required value is missing"))
    for target, header in list(by_name.items()):
        if contract.column(target).kind == "id":  # what only the contract reader repairs or explains
            raw_text = f"trim(CAST({_q(header)} AS VARCHAR))"
            errors = ", ".join(_lit(e) for e in sorted(EXCEL_ERRORS))
            checks.append((target, f"(regexp_matches({raw_text}, {_lit(_ODD_ID)}) OR {raw_text} IN ({errors}))",
                           "full-width, invisible, scientific-notation or Excel-error value (the contract reader explains or repairs it)"))
    if name == "sales" and {"quantity", "amount"} <= set(by_name):
        q, a = (next(e.rsplit(" AS ", 1)[0] for e in select if e.endswith(f" AS {_q(c)}")) for c in ("quantity", "amount"))
        checks.append(("amount", f"(({q}) * ({a}) < 0)", "sign differs from the quantity: a return has a negative quantity and a negative amount"))
    if name == "sales" and "order_date" in by_name:
        ordered = next(e.rsplit(" AS ", 1)[0] for e in select if e.endswith(f" AS {_q('order_date')}"))
        for column, what in (("promised_date", "promised delivery day"), ("delivered_date", "delivery")):
            if column in by_name:
                day = next(e.rsplit(" AS ", 1)[0] for e in select if e.endswith(f" AS {_q(column)}"))
                checks.append((column, f"(({day}) < ({ordered}))", f"the {what} is before the order date"))
    extras = [h for i, h in enumerate(headers) if i not in mapping]
    select += [f"NULLIF(CAST({_q(h)} AS VARCHAR), '') AS {_q(h)}" for h in extras]
    flags = " + ".join(f"(CASE WHEN {cond} THEN {1 << i} ELSE 0 END)" for i, (_, cond, _) in enumerate(checks)) or "0"
    typed = work / f"{name}.parquet"
    mem = f"_t_{name}"  # the typed rows, once, in DuckDB (it spills past memory_limit); rowid = position in the file
    _run(con, f"CREATE OR REPLACE TEMP TABLE {mem} AS SELECT {', '.join(select)}, CAST({flags} AS BIGINT) AS _bad FROM {rel}")
    offset = 2 if fmt == "csv" else 1
    counts = con.execute(
        f"SELECT count(*), {', '.join(f'count(*) FILTER (WHERE _bad & {1 << i} <> 0)' for i in range(len(checks))) or '0'} FROM {mem}"
    ).fetchall()[0]
    rows = int(counts[0])
    if rows == 0:
        raise _Fallback(f"{file} has no data rows")
    problems: list[Problem] = []
    for i, (target, _, rule) in enumerate(checks):
        n = int(counts[i + 1])
        if not n:
            continue
        bad_rows = con.execute(f"SELECT rowid FROM {mem} WHERE _bad & {1 << i} <> 0 ORDER BY 1 LIMIT 10").fetchall()
        positions = [int(r[0]) for r in bad_rows]
        values = _raw_values(con, rel, by_name[target], positions)
        for pos in positions:
            problems.append(Problem(file, pos + offset, f"{by_name[target]} ({target})" if by_name[target] != target else target,
                                    values.get(pos), f"{rule} ({n} row(s) in all)"))
    if problems:
        if rows <= config.source.contract_max_rows:  # small enough: the contract reader repairs it or reports it its way
            raise _Fallback(f"{file}: {len(problems)} value(s) break the engine's rules")
        raise DataError(problems, f"{len(problems)} problem(s) in {file}")
    columns = [t for _, t in sorted(mapping.items())] + extras
    _run(con, f"COPY (SELECT * EXCLUDE (_bad) FROM {mem}) TO {_lit(typed)} (FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE 500000)")
    result = _EngineTable(name, file, path, fmt, typed, offset, rows, columns, headers=by_name, extras=extras)
    result.duplicates = _duplicates(con, mem, columns, offset)
    return result


def _raw_values(con: Any, rel: str, header: str, positions: list[int]) -> dict[int, str | None]:
    """The values as written in the file at 0-based data-row ``positions`` (slow path: errors only)."""
    if not positions:
        return {}
    wanted = ", ".join(str(p) for p in positions)
    rows = con.execute(
        f"SELECT n, CAST(v AS VARCHAR) FROM (SELECT row_number() OVER () - 1 AS n, {_q(header)} AS v FROM {rel}) WHERE n IN ({wanted})"
    ).fetchall()
    return {int(n): (None if v is None else str(v)[:60]) for n, v in rows}


def _duplicates(con: Any, mem: str, columns: list[str], offset: int) -> list[tuple[int, int]]:
    """Rows identical in every column to an earlier row: (line, line of the first).

    A cheap pass first counts hash collisions; only when there are any are
    the candidate rows compared column by column.
    """
    cols = ", ".join(_q(c) for c in columns)
    candidates = con.execute(
        f"SELECT count(*) FROM (SELECT hash({cols}) AS h FROM {mem} GROUP BY h HAVING count(*) > 1)"
    ).fetchall()[0][0]
    if not candidates:
        return []
    rows = con.execute(
        f"""
        WITH hashed AS (SELECT rowid AS pos, hash({cols}) AS h, * EXCLUDE (_bad) FROM {mem}),
             twice AS (SELECT h FROM hashed GROUP BY h HAVING count(*) > 1),
             ranked AS (
               SELECT pos, row_number() OVER w AS rn, first_value(pos) OVER w AS first
               FROM hashed WHERE h IN (SELECT h FROM twice)
               WINDOW w AS (PARTITION BY {cols} ORDER BY pos ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW))
        SELECT pos, first FROM ranked WHERE rn > 1 ORDER BY pos
        """
    ).fetchall()
    return [(int(p) + offset, int(f) + offset) for p, f in rows]


def _engine_frame(meta: dict, typed: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The typed table as the contract reader returns it: (rows kept, duplicates set aside)."""
    from .io import QUARANTINE_REASON

    frame = pd.read_parquet(typed, columns=meta["columns"])
    frame.index = pd.Index(np.arange(len(frame), dtype="int64") + meta["offset"], name="source_line")
    for column in frame.columns:
        kind = meta["kinds"].get(column, "extra")
        if kind in ("date", "datetime"):
            frame[column] = frame[column].astype("datetime64[us]")
        elif kind == "number":
            frame[column] = frame[column].astype("float64")
        else:
            frame[column] = frame[column].astype("str")
    dup = meta.get("duplicates") or []
    empty_aside = frame.iloc[:0].copy()
    empty_aside.insert(0, QUARANTINE_REASON, pd.Series(dtype="str"))
    if not dup:
        return frame, empty_aside
    lines = [d[0] for d in dup]
    aside = frame.loc[lines].copy()
    aside.insert(0, QUARANTINE_REASON, [f"exact duplicate of line {first}" for _, first in dup])
    keep = np.ones(len(frame), dtype=bool)
    keep[np.asarray(lines, dtype="int64") - meta["offset"]] = False  # positions (the index is offset + position)
    return frame.iloc[keep], aside


def _engine_result(meta: dict, typed: Path, source: Any) -> Any:
    """An ``io._TableRead`` built from an engine-read table (notes as the contract reader writes them)."""
    from . import io

    frame, aside = _engine_frame(meta, typed)
    notes = []
    dup = meta.get("duplicates") or []
    if dup:
        notes.append(QualityNote(meta["table"], meta["file"], "duplicate_rows_removed", len(dup),
                                 f"{len(dup)} row(s) identical in every column to an earlier row (overlapping exports) were removed",
                                 "repair", tuple(f"line {a} = line {b}" for a, b in dup[:5])))
    if meta["extras"]:
        extras = meta["extras"]
        notes.append(QualityNote(meta["table"], meta["file"], "extra_columns_kept", len(extras),
                                 f"{len(extras)} column(s) not in the data contract kept under their own header: {', '.join(extras)}",
                                 "warning", tuple(extras[:5])))
    if meta["table"] == "sales":
        notes.extend(io._returns_note(frame, meta["file"]))
    return io._TableRead(frame, source, notes, aside)


@contextmanager
def _reads_through_cache(cache: Path, engine: Mapping[str, tuple[dict, Path]] | None = None, memo: dict | None = None):
    """Let :func:`salesnb.io.load_workspace` read each table file once per content.

    ``load_workspace`` stays the one place that assembles a workspace (date
    range, unknown customers, regions, personal data); only its per-file reader
    ``io._read`` is wrapped: its result is pickled under the file's sha256 and
    the read arguments, so a changed action register re-reads that file only.
    Tables in ``engine`` (name → (meta, typed Parquet)) come from the DuckDB
    reader instead.
    """
    from . import io

    original = io._read
    reads = cache / "reads"

    def cached_read(path, table, source, display_name, unit, unit_explicit, scales):
        path = Path(path)
        if engine and table.name in engine:
            meta, typed = engine[table.name]
            src = io.Source(table.name, display_name or path.name, path.resolve(), meta["format"],
                            "utf-8" if meta["format"] == "csv" else None, None, meta["rows"], _sha256(path, memo))
            return _engine_result(meta, typed, src)
        if not path.is_file():
            return original(path, table, source, display_name, unit, unit_explicit, scales)
        parts = {
            "format": FORMAT, "salesnb": __version__, "code": code_fingerprint(), "pandas": pd.__version__, "sha256": _sha256(path, memo),
            "table": table.name, "contract": repr(table), "source": source.model_dump(mode="json") if source is not None else None,
            "display": display_name, "unit": unit, "explicit": unit_explicit,
            "scales": {k: v.model_dump(mode="json") for k, v in dict(scales).items()},
        }
        key = hashlib.sha256(json.dumps(parts, sort_keys=True, ensure_ascii=False, default=str).encode("utf-8")).hexdigest()
        target = reads / f"{key[:40]}.pkl"
        if target.is_file():
            try:
                with open(target, "rb") as fh:
                    result = pickle.load(fh)
                return replace(result, source=replace(result.source, path=path.resolve()))
            except Exception:  # noqa: BLE001 - a damaged entry is read again
                pass
        result = original(path, table, source, display_name, unit, unit_explicit, scales)
        reads.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(f".{os.getpid()}.tmp")
        with open(tmp, "wb") as fh:
            pickle.dump(result, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, target)
        return result

    io._read = cached_read
    try:
        yield
    finally:
        io._read = original


# ---------------------------------------------------------------------------
# prepare
# ---------------------------------------------------------------------------


def _use_engine(settings: SourceSettings, sales_path: Path | None) -> bool:
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


def _write_aggregates(folder: Path, results: Mapping[str, Any]) -> dict[str, int]:
    """Write aggregates computed elsewhere (PostgreSQL, Spark) as Parquet, with the same casts as the DuckDB path."""
    import duckdb

    con = duckdb.connect()
    rows = {}
    for name, table in results.items():
        con.register("_result", table)
        _run(con, _copy_sql("SELECT * FROM _result", table.column_names, folder / f"{name}.parquet"))
        con.unregister("_result")
        rows[name] = table.num_rows
    con.close()
    return rows


def _engine_entry(root: Path, config: WorkspaceConfig, files: dict[str, Path], work: Path, con: Any, progress: Progress,
                  cache: Path, memo: dict) -> tuple[dict[str, _EngineTable], dict[str, pd.DataFrame]]:
    """Read sales (and customers when it is CSV/Parquet) in DuckDB; check the other tables with the contract reader.

    Returns the engine tables and the contract-read frames (customers when it
    is not engine-read). Raises DataError with the problems of every table.
    """
    from . import io
    from .schemas import table_contract

    (work / "tables").mkdir(exist_ok=True)
    engine: dict[str, _EngineTable] = {}
    for name in _BIG:
        if name not in files:
            continue
        source = config.tables.get(name)
        display = source.file if source is not None else files[name].name
        try:
            progress(f"reading {display} in DuckDB")
            engine[name] = _engine_table(con.con, name, files[name], display, config, work / "tables")
        except _Fallback:
            if name == "sales":
                raise
    frames: dict[str, pd.DataFrame] = {}
    problems: list[Problem] = []
    unit_explicit = "unit" in config.company.model_fields_set
    with _reads_through_cache(cache, memo=memo):
        for name in io.TABLE_NAMES:
            if name in engine or name not in files:
                continue
            source = config.tables.get(name)
            contract = table_contract(name, config.dimension_aliases() if name == "surveys" else None)
            try:
                result = io._read(files[name], contract, source, source.file if source else files[name].name, config.company.unit,
                                  unit_explicit, config.checks.scales if name == "surveys" else {})
            except DataError as exc:
                problems.extend(exc.problems)
                continue
            frames[name] = result.frame
    if problems:
        raise DataError(problems, f"{len(problems)} problem(s) in workspace {root.name!r}")
    return engine, frames


def _engine_meta(t: _EngineTable) -> dict:
    from .schemas import table_contract

    return {"table": t.name, "file": t.file, "format": t.fmt, "rows": t.rows, "offset": t.offset, "columns": t.columns,
            "kinds": {c.name: c.kind for c in table_contract(t.name).columns}, "duplicates": [list(d) for d in t.duplicates],
            "headers": t.headers, "extras": t.extras}


def _engine_checks(raw: Any, engine: dict[str, _EngineTable], config: WorkspaceConfig, today: date, small: Mapping[str, pd.DataFrame]) -> str:
    """A SQL view of the sales rows the notebooks will see (duplicates and out-of-range dates left out)."""
    sales = engine["sales"]
    where = [f"order_date >= DATE {_lit(config.checks.earliest_date.isoformat())}", f"order_date <= DATE {_lit(today.isoformat())}"]
    if sales.duplicates:
        _run(raw, "CREATE OR REPLACE TEMP TABLE _dups AS SELECT unnest(?) AS pos", [[d[0] - sales.offset for d in sales.duplicates]])
        where.append("rowid NOT IN (SELECT pos FROM _dups)")
    _run(raw, f"CREATE OR REPLACE TEMP VIEW _sales AS SELECT * EXCLUDE (_bad) FROM _t_sales WHERE {' AND '.join(where)}")
    if "customers" in engine:
        _run(raw, "CREATE OR REPLACE TEMP VIEW _customers AS SELECT * EXCLUDE (_bad) FROM _t_customers")
    else:
        raw.register("_customers_frame", small["customers"].reset_index(drop=True))
        _run(raw, "CREATE OR REPLACE TEMP VIEW _customers AS SELECT * FROM _customers_frame")
    _pad_customer_ids(raw)
    return _group_long_tail_sql(raw, config)


def _group_long_tail_sql(raw: Any, config: WorkspaceConfig, view: str = "_sales") -> str:
    """:func:`salesnb.longtail.group_tables` in SQL: the same ranking (sales amount per value, from
    :func:`~salesnb.longtail.long_tail`) over the rows of ``view``; returns the view the aggregates read
    (``_sales_grouped`` with the grouped values replaced by the label, or ``view`` when nothing is grouped).

    The workspace assembled from the typed Parquet groups (and reports) the same values again in
    :func:`salesnb.io.load_workspace`.
    """
    from .longtail import GROUPED_COLUMNS, long_tail, pinned_values

    columns = {r[0] for r in raw.execute(f"SELECT column_name FROM (DESCRIBE {view})").fetchall()}
    customer_columns = {r[0] for r in raw.execute("SELECT column_name FROM (DESCRIBE _customers)").fetchall()}
    replaced = []
    for column in GROUPED_COLUMNS:
        if column not in columns:
            continue
        totals = raw.execute(f"SELECT CAST({_q(column)} AS VARCHAR) AS v, CAST(sum(amount) AS DOUBLE) AS amount FROM {view} "
                             f"WHERE {_q(column)} IS NOT NULL GROUP BY 1").fetchdf()
        others = ([r[0] for r in raw.execute(f"SELECT DISTINCT CAST({_q(column)} AS VARCHAR) FROM _customers "
                                             f"WHERE {_q(column)} IS NOT NULL").fetchall()] if column in customer_columns else [])
        found = long_tail(totals.set_index("v")["amount"], column, config.checks.many_values, others, pinned_values(config, column))
        if found is None:
            continue
        keep = f"_keep_{column}"
        _run(raw, f"CREATE OR REPLACE TEMP TABLE {keep} AS SELECT unnest(?::VARCHAR[]) AS v", [list(found.kept)])
        replaced.append(f"CASE WHEN {_q(column)} IS NULL OR CAST({_q(column)} AS VARCHAR) IN (SELECT v FROM {keep}) "
                        f"THEN {_q(column)} ELSE {_lit(found.label)} END AS {_q(column)}")
    if not replaced:
        return view
    _run(raw, f"CREATE OR REPLACE TEMP VIEW _sales_grouped AS SELECT * REPLACE ({', '.join(replaced)}) FROM {view}")
    return "_sales_grouped"


def _pad_customer_ids(raw: Any) -> None:
    """``io._repair_zero_padding`` in SQL: sales ids that lost their leading zeros get them back (for the aggregates).

    The workspace assembled from the typed Parquet repairs (and reports) the
    same ids again in :func:`salesnb.io.load_workspace`.
    """
    _run(raw, r"""
        CREATE OR REPLACE TEMP TABLE _pad AS
        WITH known AS (SELECT DISTINCT CAST(customer_id AS VARCHAR) AS id FROM _customers WHERE customer_id IS NOT NULL),
             cores AS (SELECT ltrim(id, '0') AS core, any_value(id) AS id, count(*) AS n FROM known
                       WHERE regexp_full_match(id, '0[0-9]+') AND ltrim(id, '0') <> '' GROUP BY 1),
             ids AS (SELECT DISTINCT customer_id AS raw FROM _t_sales WHERE regexp_full_match(customer_id, '[0-9]+'))
        SELECT ids.raw, cores.id FROM ids JOIN cores ON ltrim(ids.raw, '0') = cores.core
        WHERE cores.n = 1 AND length(cores.id) > length(ids.raw) AND ids.raw NOT IN (SELECT id FROM known)
    """)
    if raw.execute("SELECT count(*) FROM _pad").fetchall()[0][0]:
        _run(raw, "UPDATE _t_sales SET customer_id = _pad.id FROM _pad WHERE _t_sales.customer_id = _pad.raw")
    _run(raw, "DROP TABLE _pad")


def group_long_tail_ibis(sales: Any, customers: Any, config: WorkspaceConfig) -> Any:
    """:func:`salesnb.longtail.group_tables` as an ibis expression (PostgreSQL, Spark): ``sales`` with the
    long tail of each grouped column replaced by the label, ranked by the same function on the engine's totals.

    Examples
    --------
    >>> import ibis
    >>> from salesnb.config import WorkspaceConfig
    >>> cfg = WorkspaceConfig.model_validate({"company": {"name": "D"}, "checks": {"many_values": {"keep": 1}}})
    >>> s = ibis.memtable({"region": ["A", "B", "C"], "product_line": ["p"] * 3, "amount": [3.0, 2.0, 1.0]})
    >>> group_long_tail_ibis(s, ibis.memtable({"customer_id": ["c"]}), cfg).region.to_pandas().tolist()
    ['A', 'Other', 'Other']
    """
    import ibis

    from .longtail import GROUPED_COLUMNS, long_tail, pinned_values

    for column in GROUPED_COLUMNS:
        if column not in sales.columns:
            continue
        col = sales[column]
        totals = sales.filter(col.notnull()).group_by(column).aggregate(amount=sales.amount.sum()).to_pandas()
        others = (customers.select(column).distinct().to_pandas()[column].dropna().astype(str).tolist()
                  if column in customers.columns else [])
        found = long_tail(totals.set_index(column)["amount"].astype(float), column, config.checks.many_values, others,
                          pinned_values(config, column))
        if found is None:
            continue
        sales = sales.mutate(**{column: ibis.ifelse(col.isnull() | col.isin(list(found.kept)), col, ibis.literal(found.label))})
    return sales


def _check_lines(raw: Any, file: str, limits: Any, offset: int = 2) -> None:
    """On the joined lines (``_lines``): too many unknown customer ids raise (first line of each named); then free the typed tables."""
    total, unknown, money, unknown_money, ids, unknown_ids = raw.execute(
        "SELECT count(customer_id), count(customer_id) FILTER (WHERE known IS NULL), sum(abs(amount)), "
        "sum(abs(amount)) FILTER (WHERE known IS NULL AND customer_id IS NOT NULL), count(DISTINCT customer_id), "
        "count(DISTINCT customer_id) FILTER (WHERE known IS NULL) FROM _lines").fetchall()[0]
    rule = None
    if total and unknown / total > limits.error_above:
        rule = (f"customer id not found in customers: {unknown} of {total} row(s) ({unknown / total:.1%}), "
                f"above checks.unknown_customers.error_above ({limits.error_above:.1%})")
    elif unknown and max(float(unknown_money or 0) / float(money) if money else 0.0, unknown_ids / ids) > limits.headline_above:
        rule = (f"customer id not found in customers: {unknown} of {total} row(s) ({unknown / total:.1%}) carry "
                f"{float(unknown_money or 0) / float(money) if money else 0.0:.1%} of the sales amount and are {unknown_ids} of the "
                f"{ids} customer ids ({unknown_ids / ids:.1%}), above checks.unknown_customers.headline_above ({limits.headline_above:.1%})")
    if rule is not None:
        examples = raw.execute(
            "SELECT min(rowid), customer_id FROM _t_sales WHERE customer_id IN (SELECT customer_id FROM _lines WHERE known IS NULL) "
            "GROUP BY customer_id ORDER BY 1 LIMIT 20"
        ).fetchall()
        raise DataError([Problem(file, int(pos) + offset, "customer_id", v, rule) for pos, v in examples], f"unknown customers in {file}")
    for statement in ("DROP VIEW IF EXISTS _sales_grouped", "DROP TABLE IF EXISTS _keep_region", "DROP TABLE IF EXISTS _keep_product_line",
                      "DROP VIEW IF EXISTS _sales", "DROP VIEW IF EXISTS _customers", "DROP TABLE IF EXISTS _t_sales",
                      "DROP TABLE IF EXISTS _t_customers", "DROP TABLE IF EXISTS _dups"):
        _run(raw, statement)


def prepare(workspace: str | Path, *, cache_dir: str | Path | None = None, force: bool = False, today: date | None = None,
            progress: Progress = _quiet) -> Prepared:
    """Validate and reduce ``workspace`` once; return the cache entry.

    Parameters
    ----------
    workspace : path
        Workspace folder.
    cache_dir : path, optional
        Cache folder (default :func:`cache_root`).
    force : bool
        Prepare again even when the entry exists.
    today : date, optional
        Day of the run (default today): rows dated after it are set aside.
    progress : callable, optional
        Receives one line per stage.

    Returns
    -------
    Prepared

    Raises
    ------
    ConfigError, DataError
        The workspace is invalid (nothing is cached).

    Examples
    --------
    >>> p = prepare("data/sample", cache_dir="/tmp/salesnb-cache")  # doctest: +SKIP
    >>> p.aggregate("quarter").columns.tolist()                       # doctest: +SKIP
    ['period', 'revenue', 'orders', 'customers']
    """
    t0 = time.perf_counter()
    root = Path(workspace).resolve()
    if not root.is_dir():
        raise ConfigError([Problem(str(workspace), None, None, None, "workspace folder does not exist")], "workspace folder not found")
    config = load_config(root / CONFIG_FILE)
    today = today or date.today()
    cache = cache_root(cache_dir)
    memo = _load_memo(cache)
    key, inputs = cache_key(root, config, today, memo)
    agg_inputs = {k: v for k, v in inputs.items() if k != "files"}
    agg_inputs["files"] = {k: v for k, v in inputs["files"].items() if k in _BIG}
    agg_key = hashlib.sha256(json.dumps(agg_inputs, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()
    settings = config.source
    base = _workspace_dir(root, cache)
    folder = base / key[:32]
    if (folder / "manifest.json").is_file() and not force:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        os.utime(folder)  # most recently used
        progress(f"prepared data up to date ({folder})")
        return Prepared(folder, key, True, manifest["reader"], manifest["engine"], round(time.perf_counter() - t0, 3), manifest)

    base.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".prepare-", dir=base))
    timings: dict[str, float] = {"hash": round(time.perf_counter() - t0, 3)}
    manifest: dict[str, Any] = {}
    try:
        from .engines import connect, duckdb_connection, source_tables
        from .io import load_workspace

        files = _input_files(root, config)
        con = duckdb_connection(settings, temp_dir=str(work / "spill"))
        reader, engine, frames, extra = "contract", {}, {}, {}
        t1 = time.perf_counter()
        if settings.engine == "duckdb" and _use_engine(settings, files.get("sales")):
            try:
                engine, frames = _engine_entry(root, config, files, work, con, progress, cache, memo)
                reader = "engine"
                extra["engine_tables"] = {name: _engine_meta(t) for name, t in engine.items()}
            except _Fallback as why:
                progress(f"the engine reader cannot read this file ({why}); using the contract reader")
                extra["fallback"] = str(why)
        ws = None
        if reader == "contract":
            progress("reading the workspace with the contract reader (pandas)")
            with _reads_through_cache(cache, memo=memo):
                ws = load_workspace(root, today=today)
            _write_workspace(work, ws)
        timings["read_validate"] = round(time.perf_counter() - t1, 3)

        t2 = time.perf_counter()
        reused = _reuse_aggregates(base, agg_key, work)
        if reused:
            rows = reused
            progress("aggregates unchanged (sales and customers are the same)")
        else:
            start_month = config.calendar.fiscal_year_start_month
            if settings.engine != "duckdb":
                progress(f"reducing in {settings.engine}")
                remote = connect(settings)
                found = source_tables(remote, settings)
                sales = group_long_tail_ibis(found["sales"], found["customers"], config)
                rows = _write_aggregates(work, run_aggregates(remote, sales, found["customers"], start_month))
            elif reader == "engine":
                progress("reducing in DuckDB")
                view = _engine_checks(con.con, engine, config, today, frames)
                try:
                    rows = write_aggregates_duckdb(
                        con, con.table(view), con.table("_customers"), start_month, work,
                        on_lines=lambda raw: _check_lines(raw, engine["sales"].file, config.checks.unknown_customers, engine["sales"].offset))
                except DataError:
                    if engine["sales"].rows > settings.contract_max_rows:
                        raise
                    progress("unknown customers: the contract reader reads the workspace again to report them")
                    with _reads_through_cache(cache, memo=memo):
                        load_workspace(root, today=today)  # raises the contract reader's DataError
                    raise
            else:
                progress("reducing in DuckDB")
                rows = write_aggregates_duckdb(con, _memtable(con, ws.tables["sales"], "sales"),
                                               _memtable(con, ws.tables["customers"], "customers"), start_month, work)
        timings["reduce"] = round(time.perf_counter() - t2, 3)
        con.disconnect()
        shutil.rmtree(work / "spill", ignore_errors=True)
        manifest = {
            "key": key, "agg_key": agg_key, "root": str(root), "reader": reader, "engine": settings.engine,
            "created": pd.Timestamp.now(tz="UTC").isoformat(timespec="seconds"),
            "inputs": inputs, "aggregates": rows, "timings_seconds": timings, **extra,
        }
        (work / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        if (folder / "manifest.json").is_file() and not force:
            pass  # a concurrent prepare of the same inputs finished first: keep its folder (another run may be reading it)
        else:
            if folder.exists():  # a forced prepare, or a half-written folder
                shutil.rmtree(folder, ignore_errors=True)
            try:
                os.replace(work, folder)
            except OSError:
                if not (folder / "manifest.json").is_file():
                    raise
    finally:
        if work.exists():
            shutil.rmtree(work, ignore_errors=True)
        _save_memo(cache, memo)
    _prune(base, keep=folder)
    seconds = round(time.perf_counter() - t0, 3)
    progress(f"prepared {root.name} ({reader} reader, {settings.engine}) in {seconds:.1f} s: {folder}")
    return Prepared(folder, key, False, reader, settings.engine, seconds, manifest)


def _reuse_aggregates(base: Path, agg_key: str, work: Path) -> dict[str, int] | None:
    """Copy the aggregates of an entry with the same sales, customers and settings (e.g. only the action register changed)."""
    for entry in base.iterdir():
        manifest_path = entry / "manifest.json"
        if entry.name.startswith(".") or not manifest_path.is_file():
            continue
        try:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        except ValueError:
            continue
        if manifest.get("agg_key") != agg_key or not all((entry / f"{n}.parquet").is_file() for n in AGGREGATES):
            continue
        for name in AGGREGATES:
            shutil.copy2(entry / f"{name}.parquet", work / f"{name}.parquet")
        return dict(manifest["aggregates"])
    return None


def _memtable(con: Any, frame: pd.DataFrame, name: str) -> Any:
    """A pandas table as an ibis table of ``con`` (contract columns only; index dropped)."""
    import pyarrow as pa

    wanted = ["order_id", "order_date", "customer_id", "region", "product_line", "amount"] if name == "sales" else ["customer_id", "segment"]
    cols = [c for c in wanted if c in frame.columns]
    table = pa.Table.from_pandas(frame[cols].reset_index(drop=True), preserve_index=False)
    if "order_date" in table.column_names:
        i = table.column_names.index("order_date")
        table = table.set_column(i, "order_date", table.column("order_date").cast(pa.date32()))
    con.con.register(f"_{name}", table)
    return con.table(f"_{name}")


def _prune(base: Path, keep: Path) -> None:
    """Keep the :data:`KEEP_ENTRIES` most recently used entries of a workspace; remove stale temp folders."""
    entries = sorted((p for p in base.iterdir() if p.is_dir() and not p.name.startswith(".")), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in [p for p in entries if p != keep][KEEP_ENTRIES - 1:]:
        shutil.rmtree(old, ignore_errors=True)
    for tmp in base.glob(".prepare-*"):
        if time.time() - tmp.stat().st_mtime > 24 * 3600:
            shutil.rmtree(tmp, ignore_errors=True)


def load_workspace_cached(workspace: str | Path, *, cache_dir: str | Path | None = None, today: date | None = None):
    """The validated workspace from the prepare cache (preparing it first when needed).

    The same Workspace as :func:`salesnb.io.load_workspace` (tables, notes,
    quarantine, contacts). ``workspace.yaml`` is always read afresh, so edited
    goals or thresholds apply without a new prepare.

    Returns
    -------
    (Workspace, Prepared)
    """
    prepared = prepare(workspace, cache_dir=cache_dir, today=today)
    config = load_config(Path(workspace) / CONFIG_FILE)
    return prepared.workspace(config), prepared


def quarterly_history(prepared: Prepared | None, sales: pd.DataFrame, period: Any, by: str | list[str] | None = None) -> pd.DataFrame:
    """Quarterly revenue, orders, customers and average order value up to the end of ``period``.

    The same frame as ``metrics.sales_history(sales, "quarter", by, period.start_month)``
    (``sales`` cut at the end of ``period``), read from the prepared aggregates
    when ``prepared`` is given — no pass over the order lines — and computed
    from ``sales`` otherwise. ``by``: None, ``"region"``, ``"product_line"`` or both.

    Examples
    --------
    >>> quarterly_history(ctx.prepared, tables.sales, ctx.period, ["region", "product_line"])  # doctest: +SKIP
    """
    from .metrics import sales_history
    from .periods import Period

    keys = [] if by is None else ([by] if isinstance(by, str) else list(by))
    name = {(): "quarter", ("region",): "quarter_region", ("product_line",): "quarter_product_line",
            ("region", "product_line"): "quarter_region_product_line"}.get(tuple(keys))
    if prepared is None or name is None:
        return sales_history(sales, "quarter", by=by, start_month=period.start_month)
    agg = prepared.aggregate(name)
    ends = {label: Period.parse(label, period.start_month).end for label in agg["period"].unique()}
    agg = agg.loc[agg["period"].map(ends) <= period.end].reset_index(drop=True)
    out = agg[["period", *keys, "revenue", "orders", "customers"]].copy()
    out["aov"] = out["revenue"] / out["orders"].where(out["orders"] > 0)
    return out
