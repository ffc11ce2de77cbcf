"""Building a cache entry: :func:`prepare` and its stages, and :func:`load_workspace_cached`.

Hash the inputs; on a miss read the tables (the engine reader for a large
clean sales file, else the contract reader of :mod:`salesnb.io` through the
cache's :class:`~salesnb.prepare.workspace.CachedReader`), reduce them
(DuckDB, PostgreSQL or Spark) and publish the entry. The key is
:mod:`salesnb.prepare.cache`; the aggregates :mod:`salesnb.prepare.reduction`.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Callable

import pandas as pd

from ..config import CONFIG_FILE, WorkspaceConfig, load_config
from ..engines import connect, duckdb_connection, source_tables
from ..errors import ConfigError, DataError, Problem
from ..io import load_workspace
from ..schemas import TABLE_NAMES, table_contract
from .reduction import frame_table, group_long_tail_ibis, run_aggregates, write_aggregates, write_aggregates_duckdb
from .cache import cache_key, cache_root, input_files, load_memo, prune, reuse_aggregates, save_memo, workspace_dir
from .engine_checks import check_lines, engine_checks
from .engine_read import EngineFallback, EngineTable, engine_meta, engine_table, use_engine
from .workspace import BIG_TABLES, CachedReader, Prepared, write_workspace


Progress = Callable[[str], None]


def _quiet(message: str) -> None:  # default progress: silent
    return None


def _engine_entry(root: Path, config: WorkspaceConfig, files: dict[str, Path], work: Path, con: Any, progress: Progress,
                  cache: Path, memo: dict) -> tuple[dict[str, EngineTable], dict[str, pd.DataFrame]]:
    """Read sales (and customers when it is CSV/Parquet) in DuckDB; check the other tables with the contract reader.

    Returns the engine tables and the contract-read frames (customers when it
    is not engine-read). Raises DataError with the problems of every table.
    """
    (work / "tables").mkdir(exist_ok=True)
    read = CachedReader(cache, memo=memo)
    unit_explicit = "unit" in config.company.model_fields_set

    def contract_read(name: str) -> pd.DataFrame | list[Problem]:
        source = config.tables.get(name)
        contract = table_contract(name, config.dimension_aliases() if name == "surveys" else None)
        try:
            return read(files[name], contract, source, source.file if source else files[name].name, config.company.unit,
                        unit_explicit, config.checks.scales if name == "surveys" else {}).frame
        except DataError as exc:
            return list(exc.problems)

    # the small tables are read by the contract reader in a second thread while DuckDB reads the big ones (it
    # releases the GIL; at 10M lines this hides ~0.7 s of pandas and openpyxl behind the engine's pass)
    small = [name for name in TABLE_NAMES if name in files and name not in BIG_TABLES]
    results: dict[str, pd.DataFrame | list[Problem]] = {}
    engine: dict[str, EngineTable] = {}
    with ThreadPoolExecutor(max_workers=1) as pool:  # leaving the block waits for the reads, whatever happens here
        pending = pool.submit(lambda: {name: contract_read(name) for name in small})
        for name in BIG_TABLES:
            if name not in files:
                continue
            source = config.tables.get(name)
            display = source.file if source is not None else files[name].name
            try:
                progress(f"reading {display} in DuckDB")
                engine[name] = engine_table(con.con, name, files[name], display, config, work / "tables")
            except EngineFallback:
                if name == "sales":
                    raise
                results[name] = contract_read(name)
        results.update(pending.result())
    frames: dict[str, pd.DataFrame] = {}
    problems: list[Problem] = []
    for name in TABLE_NAMES:  # in the contract's order, as before
        if name in results:
            found = results[name]
            if isinstance(found, list):
                problems.extend(found)
            else:
                frames[name] = found
    if problems:
        raise DataError(problems, f"{len(problems)} problem(s) in workspace {root.name!r}")
    return engine, frames


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
    memo = load_memo(cache)
    key, inputs = cache_key(root, config, today, memo)
    settings = config.source
    base = workspace_dir(root, cache)
    folder = base / key[:32]
    if (folder / "manifest.json").is_file() and not force:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        os.utime(folder)  # most recently used
        progress(f"prepared data up to date ({folder})")
        return Prepared(folder, key, True, manifest["reader"], manifest["engine"], round(time.perf_counter() - t0, 3), manifest)

    base.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".prepare-", dir=base))
    job = _Job(root, config, today, cache, memo, work, progress)
    timings: dict[str, float] = {"hash": round(time.perf_counter() - t0, 3)}
    manifest: dict[str, Any] = {}
    try:
        manifest = _build_entry(job, key, inputs, base, timings)
        _publish(work, folder, force)
    finally:
        if work.exists():
            shutil.rmtree(work, ignore_errors=True)
        save_memo(cache, memo)
    prune(base, keep=folder)
    seconds = round(time.perf_counter() - t0, 3)
    progress(f"prepared {root.name} ({manifest['reader']} reader, {settings.engine}) in {seconds:.1f} s: {folder}")
    return Prepared(folder, key, False, manifest["reader"], settings.engine, seconds, manifest)


@dataclass
class _Job:
    """One prepare on a cache miss: the workspace, the day of the run, the cache and the entry being written (``work``)."""

    root: Path
    config: WorkspaceConfig
    today: date
    cache: Path
    memo: dict
    work: Path
    progress: Progress

    def load_workspace(self):
        """:func:`salesnb.io.load_workspace` reading each file through the cache."""
        return load_workspace(self.root, today=self.today, read_file=CachedReader(self.cache, memo=self.memo))


def _aggregates_key(inputs: dict[str, Any]) -> str:
    """The key of the aggregates: the cache key's inputs with the sales and customers files only (a changed
    action register or survey file reuses the aggregates)."""
    agg_inputs = {k: v for k, v in inputs.items() if k != "files"}
    agg_inputs["files"] = {k: v for k, v in inputs["files"].items() if k in BIG_TABLES}
    return hashlib.sha256(json.dumps(agg_inputs, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


def _build_entry(job: _Job, key: str, inputs: dict[str, Any], base: Path, timings: dict[str, float]) -> dict[str, Any]:
    """Read and validate, reduce, and write ``manifest.json`` into ``job.work``; returns the manifest."""
    settings = job.config.source
    agg_key = _aggregates_key(inputs)
    files = input_files(job.root, job.config)
    con = duckdb_connection(settings, temp_dir=str(job.work / "spill"))
    t1 = time.perf_counter()
    reader, engine, frames, ws, extra = _read_inputs(job, files, con)
    timings["read_validate"] = round(time.perf_counter() - t1, 3)

    t2 = time.perf_counter()
    reused = reuse_aggregates(base, agg_key, job.work)
    if reused:
        rows = reused
        job.progress("aggregates unchanged (sales and customers are the same)")
    else:
        rows = _reduce(job, reader, engine, frames, ws, con)
    timings["reduce"] = round(time.perf_counter() - t2, 3)
    con.disconnect()
    shutil.rmtree(job.work / "spill", ignore_errors=True)
    manifest = {
        "key": key, "agg_key": agg_key, "root": str(job.root), "reader": reader, "engine": settings.engine,
        "created": pd.Timestamp.now(tz="UTC").isoformat(timespec="seconds"),
        "inputs": inputs, "aggregates": rows, "timings_seconds": timings, **extra,
    }
    (job.work / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    return manifest


def _read_inputs(job: _Job, files: dict[str, Path], con: Any
                 ) -> tuple[str, dict[str, EngineTable], dict[str, pd.DataFrame], Any, dict[str, Any]]:
    """Read and validate the tables: ``(reader, engine tables, contract-read frames, workspace, manifest extras)``.

    The engine reader for a large clean sales file on DuckDB (falling back to
    the contract reader when it cannot read it); otherwise the contract reader,
    whose validated workspace is stored in the entry.
    """
    settings = job.config.source
    reader, engine, frames, extra = "contract", {}, {}, {}
    if settings.engine == "duckdb" and use_engine(settings, files.get("sales")):
        try:
            engine, frames = _engine_entry(job.root, job.config, files, job.work, con, job.progress, job.cache, job.memo)
            reader = "engine"
            extra["engine_tables"] = {name: engine_meta(t) for name, t in engine.items()}
        except EngineFallback as why:
            job.progress(f"the engine reader cannot read this file ({why}); using the contract reader")
            extra["fallback"] = str(why)
    ws = None
    if reader == "contract":
        job.progress("reading the workspace with the contract reader (pandas)")
        ws = job.load_workspace()
        write_workspace(job.work, ws)
    return reader, engine, frames, ws, extra


def _reduce(job: _Job, reader: str, engine: dict[str, EngineTable], frames: dict[str, pd.DataFrame], ws: Any, con: Any) -> dict[str, int]:
    """Compute the aggregates and write them into ``job.work``; returns the rows per aggregate."""
    config = job.config
    settings = config.source
    start_month = config.calendar.fiscal_year_start_month
    if settings.engine != "duckdb":
        job.progress(f"reducing in {settings.engine}")
        remote = connect(settings)
        try:  # only aggregates come back
            found = source_tables(remote, settings)
            sales = group_long_tail_ibis(found["sales"], found["customers"], config)
            return write_aggregates(job.work, run_aggregates(remote, sales, found["customers"], start_month))
        finally:  # a database connection ends here; a Spark session is left running: getOrCreate may have handed
            if settings.engine != "spark":  # us the caller's own session (a notebook on a cluster), not ours to stop
                remote.disconnect()
    if reader == "engine":
        return _reduce_engine_read(job, engine, frames, con)
    job.progress("reducing in DuckDB")
    return write_aggregates_duckdb(con, frame_table(con, ws.tables["sales"], "sales"),
                                   frame_table(con, ws.tables["customers"], "customers"), start_month, job.work)


def _reduce_engine_read(job: _Job, engine: dict[str, EngineTable], frames: dict[str, pd.DataFrame], con: Any) -> dict[str, int]:
    """The aggregates of engine-read tables, in DuckDB; too many unknown customers raise (a small file: as the
    contract reader reports them)."""
    config = job.config
    job.progress("reducing in DuckDB")
    view = engine_checks(con.con, engine, config, job.today, frames)
    try:
        return write_aggregates_duckdb(
            con, con.table(view), con.table("_customers"), config.calendar.fiscal_year_start_month, job.work,
            on_lines=lambda raw: check_lines(raw, engine["sales"].file, config.checks.unknown_customers, engine["sales"].offset))
    except DataError:
        if engine["sales"].rows > config.source.contract_max_rows:
            raise
        job.progress("unknown customers: the contract reader reads the workspace again to report them")
        job.load_workspace()  # raises the contract reader's DataError
        raise


def _publish(work: Path, folder: Path, force: bool) -> None:
    """Move the finished entry into place (unless a concurrent prepare of the same inputs published it first)."""
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
