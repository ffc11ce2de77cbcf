"""The validated workspace in a cache entry: :class:`Prepared`, storing and reading the workspace, the caching reader.

:class:`CachedReader` is the per-file reader prepare hands to
:func:`salesnb.io.load_workspace` (its ``read_file`` argument): each file's
result is kept under its sha256, and engine-read tables come from their typed
Parquet. How the entry is built is :mod:`salesnb.prepare.build`.
"""
from __future__ import annotations

import hashlib
import json
import os
import pickle
import tempfile
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from types import MappingProxyType
from typing import Mapping

import pandas as pd

from .._version import __version__
from ..config import CONFIG_FILE, ScaleDeclaration, TableSource, WorkspaceConfig, load_config
from ..io import Source, TableRead, Workspace, load_workspace, read_table_file
from ..io.model import StoredTables
from ..memory import release_unused_memory
from ..metrics import ID_CODE_COLUMNS, with_id_codes
from ..schemas import Table
from .reduction import AGGREGATES
from .cache import FORMAT, code_fingerprint, file_sha256
from .engine_read import engine_result


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
        """The validated :class:`~salesnb.io.Workspace` (``config``: a fresher ``workspace.yaml`` model).

        An entry that lost a stored table file (deleted by hand) is a damaged entry: it is prepared again.
        """
        try:
            return read_workspace(self.folder, config)
        except FileNotFoundError:
            if not (self.folder / "manifest.json").is_file():
                raise
            from .build import prepare  # build imports this module: the one function-local import of the package

            inputs = self.manifest.get("inputs", {})
            again = prepare(self.manifest["root"], cache_dir=self.folder.parent.parent, force=True,
                            today=date.fromisoformat(inputs["today"]) if "today" in inputs else None)
            return read_workspace(again.folder, config)


_WS_FILE = "workspace.pkl"
BIG_TABLES = ("sales", "customers")
"""Tables the engine reader may read, and whose files alone decide the aggregates."""

STORED_TABLES = ("sales",)
"""Tables an entry keeps in their own Parquet file (``workspace.<name>.parquet``) rather than in the pickle: a
notebook reads only the columns it works on (:meth:`salesnb.io.Workspace.table_columns`), and the whole table
only for a drill-down (:class:`salesnb.io.model.StoredTables`)."""


def stored_file(folder: Path, table: str) -> Path:
    """Where an entry keeps table ``table`` of :data:`STORED_TABLES`."""
    return folder / f"workspace.{table}.parquet"


def _store_table(folder: Path, table: str, frame: pd.DataFrame) -> bool:
    """Write ``frame`` to :func:`stored_file` (the order lines with their id codes, :func:`salesnb.metrics.with_id_codes`,
    so that no notebook codes the ids again); False when Parquet cannot hold it exactly (a column of mixed
    types: the table then stays in the pickle)."""
    import pyarrow as pa

    target = stored_file(folder, table)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        if table == "sales":
            frame = with_id_codes(frame)
            release_unused_memory()  # hashing the ids left about 1.4 GB in Arrow's pool at 10M lines
        frame.to_parquet(tmp)
    except (pa.ArrowException, TypeError, ValueError):
        tmp.unlink(missing_ok=True)
        return False
    os.replace(tmp, target)
    return True


def write_workspace(folder: Path, ws, name: str = _WS_FILE) -> None:
    """Store a Workspace: the tables of :data:`STORED_TABLES` as Parquet, the rest pickled (exact dtypes; the
    mappings as plain dicts)."""
    tables = dict(ws.tables)
    stored = [table for table in STORED_TABLES if table in tables and _store_table(folder, table, tables[table])]
    state = {
        "root": str(ws.root), "name": ws.name, "tables": {k: v for k, v in tables.items() if k not in stored},
        "stored": stored, "sources": dict(ws.sources),
        "notes": ws.notes, "quarantine": dict(ws.quarantine), "contacts": ws.contacts, "groups": ws.groups,
    }
    with open(folder / name, "wb") as fh:
        pickle.dump(state, fh, protocol=pickle.HIGHEST_PROTOCOL)


def read_workspace(folder: Path, config: WorkspaceConfig | None = None):
    """The Workspace of a cache entry: unpickled (contract reader) or assembled by io (engine reader, on first use).

    Its tables are a :class:`~salesnb.io.model.StoredTables`: the order lines stay in their Parquet file until
    a column of them is asked for.
    """
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    root = Path(manifest["root"])
    config = config if config is not None else load_config(root / CONFIG_FILE)
    if manifest["reader"] == "engine" and not (folder / _WS_FILE).is_file():
        # first use: io assembles the workspace from the typed Parquet (date range, unknown customers,
        # regions, masking); the result is kept so that the other notebooks of the run only load it
        engine = {name: (meta, folder / "tables" / f"{name}.parquet") for name, meta in manifest["engine_tables"].items()}
        today = date.fromisoformat(manifest["inputs"]["today"])
        ws = load_workspace(root, today=today, read_file=CachedReader(folder.parent.parent, engine))
        tmp = Path(tempfile.mkstemp(prefix=".workspace-", dir=folder)[1])
        try:
            write_workspace(tmp.parent, ws, tmp.name)
            os.replace(tmp, folder / _WS_FILE)
        finally:
            tmp.unlink(missing_ok=True)
        del ws  # read back as every later use reads it: the order lines stay on disk until asked for
    with open(folder / _WS_FILE, "rb") as fh:
        state = pickle.load(fh)
    stored = {table: stored_file(folder, table) for table in state.get("stored", ())}
    for path in stored.values():
        if not path.is_file():
            raise FileNotFoundError(f"the prepare cache entry {folder} has lost {path.name}: prepare it again (salesnb prepare --force)")
    return Workspace(
        root=Path(state["root"]), name=state["name"], config=config,
        tables=StoredTables(state["tables"], stored, hidden=tuple(ID_CODE_COLUMNS.values())),
        sources=MappingProxyType(state["sources"]), notes=tuple(state["notes"]),
        quarantine=MappingProxyType(state["quarantine"]), contacts=state["contacts"], groups=tuple(state.get("groups", ())),
    )


class CachedReader:
    """:func:`salesnb.io.read_table_file` with each file's result kept in the cache: the ``read_file`` that prepare
    passes to :func:`salesnb.io.load_workspace`, so that it reads each table file once per content.

    ``load_workspace`` stays the one place that assembles a workspace (date
    range, unknown customers, regions, personal data); only its per-file reader
    is replaced: the result is pickled under the file's sha256 and the read
    arguments, so a changed action register re-reads that file only. Tables in
    ``engine`` (name → (meta, typed Parquet)) come from the DuckDB reader
    instead.

    Parameters
    ----------
    cache : Path
        The cache folder (results go to ``cache/reads``).
    engine : mapping, optional
        Engine-read tables: name → (``manifest.json``'s meta, typed Parquet).
    memo : dict, optional
        The sha256 memo of big files (:func:`~salesnb.prepare.cache.file_sha256`).
    """

    def __init__(self, cache: Path, engine: Mapping[str, tuple[dict, Path]] | None = None, memo: dict | None = None):
        self.reads = cache / "reads"
        self.engine = engine
        self.memo = memo

    def __call__(self, path: Path, table: Table, source: TableSource | None, display_name: str | None, unit: str,
                 unit_explicit: bool, scales: Mapping[str, ScaleDeclaration]) -> TableRead:
        path = Path(path)
        if self.engine and table.name in self.engine:
            return self._engine_read(path, table, display_name)
        if not path.is_file():
            return read_table_file(path, table, source, display_name, unit, unit_explicit, scales)
        key = self._key(path, table, source, display_name, unit, unit_explicit, scales)
        target = self.reads / f"{key[:40]}.pkl"
        if target.is_file():
            try:
                with open(target, "rb") as fh:
                    result = pickle.load(fh)
                return replace(result, source=replace(result.source, path=path.resolve()))
            except Exception:  # noqa: BLE001 - a damaged entry is read again
                pass
        result = read_table_file(path, table, source, display_name, unit, unit_explicit, scales)
        self.reads.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(f".{os.getpid()}.tmp")
        with open(tmp, "wb") as fh:
            pickle.dump(result, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, target)
        return result

    def _engine_read(self, path: Path, table: Table, display_name: str | None) -> TableRead:
        """An engine-read table as the contract reader's result (its typed Parquet, its notes)."""
        meta, typed = self.engine[table.name]
        src = Source(table.name, display_name or path.name, path.resolve(), meta["format"],
                     "utf-8" if meta["format"] == "csv" else None, None, meta["rows"], file_sha256(path, self.memo))
        return engine_result(meta, typed, src)

    def _key(self, path: Path, table: Table, source: TableSource | None, display_name: str | None, unit: str,
             unit_explicit: bool, scales: Mapping[str, ScaleDeclaration]) -> str:
        """The sha256 naming a file's stored result: the file's content and every argument of the read."""
        parts = {
            "format": FORMAT, "salesnb": __version__, "code": code_fingerprint(), "pandas": pd.__version__, "sha256": file_sha256(path, self.memo),
            "table": table.name, "contract": repr(table), "source": source.model_dump(mode="json") if source is not None else None,
            "display": display_name, "unit": unit, "explicit": unit_explicit,
            "scales": {k: v.model_dump(mode="json") for k, v in dict(scales).items()},
        }
        return hashlib.sha256(json.dumps(parts, sort_keys=True, ensure_ascii=False, default=str).encode("utf-8")).hexdigest()
