"""The quarterly run from start to publish: :func:`run_period` and its stages.

:func:`run_period` checks its parameters, takes the workspace lock and calls, in order: :func:`plan_run`
(validate and prepare the workspace, choose the period, preflight), :func:`execute_notebooks` (the four
notebooks into a staging folder), :func:`write_run_record` (``run.json``) and :func:`publish` (the staging
folder and the action register moved into place together). Not here: the scheduler and the notebook workers
(:mod:`salesnb.report.schedule`), the checks and refusals (:mod:`salesnb.report.checks`), the pages
(:mod:`salesnb.report.pages`, :mod:`salesnb.report.export`) and the other files a run records
(:mod:`salesnb.report.record`).
"""
from __future__ import annotations

import multiprocessing
import os
import re
import shutil
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Callable

from ..artifacts import record_facts, record_metrics
from ..config import CONFIG_FILE, load_config
from ..errors import RunRefused
from ..facts import register_facts
from ..i18n import check_lang, t
from ..improve import REGISTER_HISTORY, StagedRegister, register_path, stage_register
from ..installation import notebooks_dir as _installed_notebooks_dir
from ..io import Workspace, sha256_file
from ..periods import Period, latest_complete_period
from ..memory import release_unused_memory, use_jemalloc_pool
from ..prepare import Prepared, prepare
from ..runlock import LOCK_FILE, RunLock
from .checks import (_disk_full, _disk_full_refusal, check_folder_name, check_parameters, check_register_location,
                     check_register_writable, preflight)
from .pages import NOTEBOOKS, _nav, write_index, write_quality_page
from .record import _lock_drift, write_contacts, write_quarantine, write_run_record
from .schedule import OVERLAP_MAX_LINES, REUSE_MAX_LINES, NotebookWorkers, _notebook_failed, _schedule

if TYPE_CHECKING:
    import pandas as pd

_STAGING = re.compile(r"^\.(?P<period>[0-9Q]+)\.running-(?P<pid>\d+)-")


@dataclass(frozen=True)
class RunResult:
    """Where a published run lives and how long it took."""

    folder: Path
    period: str
    index_html: Path
    timings: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0


@dataclass(frozen=True)
class RunPlan:
    """What :func:`plan_run` settled before the period folder is locked: the validated workspace, the period
    and the folders the run writes."""

    root: Path
    """The workspace folder (resolved)."""
    register: Path
    """The action register the run reads and writes back (``tables.actions.file``, resolved)."""
    drift: list[dict]
    """Installed packages that differ from ``requirements.lock`` (run.json's ``lock_drift``)."""
    prepared: Prepared
    ws: Workspace
    """The prepared workspace, its sales table cut to the order dates (all the run itself reads)."""
    period: Period
    complete: bool
    """Whether the sales data covers the whole period."""
    base: Path
    """``<out>/<workspace folder name>``."""
    final: Path
    """``<base>/<period>``: the published folder."""
    prepare_seconds: float


def notebooks_dir() -> Path:
    """The folder with the numbered notebooks (:func:`salesnb.installation.notebooks_dir`)."""
    return _installed_notebooks_dir()


def resolve_period(ws: Workspace, period: str | None) -> tuple[Period, bool]:
    """The requested period (default: the latest complete quarter **with data**,
    :func:`salesnb.periods.latest_complete_period`: a few stray rows in a later,
    otherwise empty quarter do not move it) and whether the data covers all of
    it. A period starting after the data ends is refused."""
    start_month = ws.config.calendar.fiscal_year_start_month
    dates = ws.table_columns("sales", ["order_date"])["order_date"]
    last = dates.max()
    p = latest_complete_period(dates, None, start_month).period if period is None else Period.parse(period, start_month)
    if p.start > last:
        raise RunRefused(f"period {p} starts after the last sales date in the workspace ({last.date()}); nothing to report")
    return p, bool(p.end <= last)


def _progress_default(message: str) -> None:
    print(f"[salesnb] {message}", flush=True)


def _prepare_child(root: Path) -> None:
    """Worker: prepare ``root`` and assemble its workspace into the cache (progress on stderr)."""
    prepare(root, progress=lambda m: print(f"[salesnb] {m}", file=sys.stderr, flush=True)).workspace()


def _prepare_apart(root: Path, progress: Callable[[str], None]) -> None:
    """Fill the prepare cache in a child process when the sales table is large.

    DuckDB and the assembly of millions of order lines leave gigabytes in the
    process that did them; done apart, the run itself then only loads the
    result (and the notebooks run next to a small process). Small workspaces,
    and any failure, are left to the in-process prepare that follows, which
    raises errors with their full detail.
    """
    if not _prepares_apart(root):
        return
    progress("preparing in a child process (large sales table)")
    try:
        with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
            pool.submit(_prepare_child, root).result()
    except Exception:  # noqa: BLE001 - the in-process prepare below reports it properly
        pass


def _prepares_apart(root: Path) -> bool:
    """Whether the run prepares ``root`` in a child process (:func:`_prepare_apart`): a sales file of at least
    :data:`_PREPARE_APART_BYTES`, and the cache in use."""
    sizes = [f.stat().st_size for f in root.glob("sales.*") if f.is_file()]
    return bool(sizes) and max(sizes) >= _PREPARE_APART_BYTES and os.environ.get("SALESNB_NO_CACHE") != "1"


#: Sales files at least this large are prepared in a child process (about 2M order lines as Parquet, 150k as CSV).
_PREPARE_APART_BYTES = 16 * 2**20


def _clean_stale_staging(base: Path) -> None:
    """Remove staging folders of runs whose process is gone (killed runs)."""
    for entry in base.glob(".*.running-*"):
        m = _STAGING.match(entry.name)
        if not m or not entry.is_dir():
            continue
        pid = int(m.group("pid"))
        try:
            os.kill(pid, 0)
            alive = True
        except ProcessLookupError:
            alive = False
        except PermissionError:
            alive = True
        if not alive:
            shutil.rmtree(entry, ignore_errors=True)


def run_period(
    workspace: str | Path,
    period: str | None = None,
    lang: str = "en",
    out: str | Path = "outputs",
    force: bool = False,
    progress: Callable[[str], None] = _progress_default,
    parallel: bool = True,
    allow_register_outside: bool = False,
    lock_wait: float | None = None,
) -> RunResult:
    """Validate ``workspace``, run the four notebooks for ``period`` and publish.

    Parameters
    ----------
    workspace : path
        Workspace folder (``workspace.yaml`` plus one file per table).
    period : str, optional
        ``YYYYQn`` or ``YYYY``; default the latest complete quarter in the sales data.
    lang : {'en', 'zh'}
    out : path
        Output root; the run goes to ``<out>/<workspace folder name>/<period>/``.
    force : bool
        Move an existing period folder aside (``<period>.replaced-<timestamp>``)
        instead of refusing.
    parallel : bool
        Run independent notebooks side by side (two at a time).
    allow_register_outside : bool
        Read and write back an action register that ``tables.actions.file``
        places outside the workspace folder (refused otherwise).
    lock_wait : float, optional
        Seconds to wait for another run holding the workspace or the period
        folder (default ``SALESNB_LOCK_WAIT`` or 5).

    Raises
    ------
    DataError, ConfigError
        The workspace is invalid (nothing was run).
    RunRefused
        Bad parameters, the period folder exists and ``force`` is False,
        another run holds the workspace or the period, or a place the run
        writes is not writable (register open in Excel, read-only, disk full).
    NotebookFailed
        A notebook raised; the others that do not need it still ran, their
        notebooks are under ``failed/``, nothing was published.
    """
    started = datetime.now(timezone.utc)
    t0 = time.perf_counter()
    try:  # reject malformed parameters before reading anything
        check_lang(lang)
        if period is not None:
            Period.parse(period)
    except ValueError as exc:
        raise RunRefused(str(exc)) from None
    root = Path(workspace).resolve()
    if not root.is_dir():
        raise RunRefused(f"workspace folder {root} does not exist")
    check_folder_name(root.name)
    nb_dir = notebooks_dir()
    use_jemalloc_pool()  # here and in the prepare child, the notebook workers and their kernels (salesnb.memory)
    with RunLock(root / LOCK_FILE, f"workspace {root}", lock_wait):
        return _run_locked(root, nb_dir, period, lang, Path(out), force, progress, parallel, allow_register_outside,
                           lock_wait, started, t0)


def _run_locked(root: Path, nb_dir: Path, period: str | None, lang: str, out: Path, force: bool, progress, parallel: bool,
                allow_register_outside: bool, lock_wait: float | None, started: datetime, t0: float) -> RunResult:
    """:func:`run_period` once the workspace lock is held; the notebook workers start (and warm up) first."""
    # a large workspace is prepared on every core: the kernels started ahead wait until it is (kernels.py)
    with NotebookWorkers(parallel, nb_dir, kernels=len(NOTEBOOKS), hold=_prepares_apart(root)) as workers:
        return _run_planned(root, nb_dir, period, lang, out, force, progress, workers, allow_register_outside, lock_wait,
                            started, t0)


def _run_planned(root: Path, nb_dir: Path, period: str | None, lang: str, out: Path, force: bool, progress,
                 workers: NotebookWorkers, allow_register_outside: bool, lock_wait: float | None, started: datetime,
                 t0: float) -> RunResult:
    """:func:`run_period` with the lock held and the notebook ``workers`` started: plan, run, publish."""
    plan = plan_run(root, period, lang, out, force, progress, allow_register_outside, workers.release_kernels)
    p, base, final, ws = plan.period, plan.base, plan.final, plan.ws
    with RunLock(base / f".{p}.lock", f"period folder {final}", lock_wait):
        if final.exists() and not force:  # published by another run while this one waited
            raise RunRefused(f"{final} already exists; an earlier run is never overwritten. Use --force to move it aside, or choose another --out")
        _clean_stale_staging(base)
        params = check_parameters({"workspace": str(root), "period": str(p), "lang": lang, "output_dir": "."})
        staging = Path(tempfile.mkdtemp(prefix=f".{p}.running-{os.getpid()}-", dir=base))
        hashes = {name: s.sha256 for name, s in ws.sources.items()}
        progress(f"period {p} ({p.start.date()} to {p.end.date()}), lang={lang}" + ("" if plan.complete else " — data ends inside the period"))

        timings: dict[str, float] = {"prepare": plan.prepare_seconds}
        staged = None
        try:
            execute_notebooks(plan, nb_dir, staging, params, lang, workers, progress, t0, timings)
            _check_inputs_unchanged(ws, hashes)
            index, notes, quarantined, contacts = _write_outputs(staging, plan, lang, timings)
            write_run_record(staging, plan, lang, started, t0, timings, notes, quarantined, contacts)
            staged = _stage_register(staging, plan)
            publish(staging, plan, staged, progress)
        except BaseException as exc:
            if staged is not None and staged.tmp.exists():
                staged.discard()
            if staging.exists():
                shutil.rmtree(staging, ignore_errors=True)
            if _disk_full(exc):
                raise _disk_full_refusal(getattr(exc, "filename", None) or str(base), final) from None
            raise
    seconds = round(time.perf_counter() - t0, 2)
    progress(f"published {final} in {seconds:.1f} s")
    return RunResult(final, str(p), final / "report" / index.relative_to(staging / "report"), timings, seconds)


def plan_run(root: Path, period: str | None, lang: str, out: Path, force: bool, progress: Callable[[str], None],
             allow_register_outside: bool, prepared_apart: Callable[[], None] | None = None) -> RunPlan:
    """Everything a run settles before its period folder is locked.

    Finds the action register (refused outside the workspace unless ``allow_register_outside``), warns about
    packages that differ from the lock, prepares and validates the workspace (in a child process when the
    sales table is large, :func:`_prepare_apart`), resolves the period (:func:`resolve_period`), refuses an
    existing period folder unless ``force`` and checks every place the run writes (:func:`preflight`).
    ``lang`` is the report language (checked by :func:`run_period`). ``prepared_apart`` is called once the
    child process has finished (at once when there is none).
    """
    register = register_path(root, load_config(root / CONFIG_FILE))
    check_register_location(root, register, allow_register_outside)
    drift = _lock_drift(progress)
    progress(f"validating workspace {root}")
    p0 = time.perf_counter()
    _prepare_apart(root, progress)
    if prepared_apart is not None:
        prepared_apart()  # the cores DuckDB used are free again (the kernels started ahead may start)
    prepared = prepare(root, progress=progress)  # read, validate and reduce once (above); the notebooks read the cache
    ws = prepared.workspace()
    prepare_seconds = round(time.perf_counter() - p0, 2)
    p, complete = resolve_period(ws, period)
    # the run itself needs only the sales dates (the index page); the notebooks load the cache themselves,
    # so the order lines are not held here while they run (1.8 GB at 10M lines)
    ws = replace(ws, tables=MappingProxyType({**{k: ws.tables[k] for k in ws.tables if k != "sales"},
                                             "sales": ws.table_columns("sales", ["order_date"])}))
    release_unused_memory()  # what reading the dates took goes back to the system before the kernels start
    base = out.resolve() / ws.name
    final = base / str(p)
    if final.exists() and not force:
        raise RunRefused(f"{final} already exists; an earlier run is never overwritten. Use --force to move it aside, or choose another --out")
    preflight(base, register)
    return RunPlan(root, register, drift, prepared, ws, p, complete, base, final, prepare_seconds)


def execute_notebooks(plan: RunPlan, nb_dir: Path, staging: Path, params: dict, lang: str, workers: NotebookWorkers,
                      progress: Callable[[str], None], t0: float, timings: dict[str, float]) -> None:
    """Run the four notebooks of ``nb_dir`` into ``staging`` with ``params`` (:func:`_schedule`), each exporting
    its HTML page as it finishes; their seconds go to ``timings``.

    Raises
    ------
    NotebookFailed
        A notebook raised: ``staging`` has moved to ``<base>/failed/`` (:func:`_notebook_failed`).
    OSError
        ``ENOSPC``, when a notebook failed because the disk is full.
    """
    p = plan.period
    company = plan.ws.config.company.name
    pages = {name: (f"{company} · {t(f'step_{name}', lang)} · {p}", _nav(lang, name)) for name in NOTEBOOKS}
    # with one worker, step 3 beside step 1 would only change the order; the run holds the order dates only
    lines = len(plan.ws.tables["sales"])
    overlap = workers.size > 1 and lines <= OVERLAP_MAX_LINES
    results, skipped = _schedule(NOTEBOOKS, nb_dir, staging, params, pages, workers, progress, t0, timings, overlap,
                                 reuse=lines <= REUSE_MAX_LINES)
    workers.end()
    failures = {name: err for name in NOTEBOOKS for (_, err) in [results.get(name, (0, None))] if err}
    if failures:
        raise _notebook_failed(staging, plan.base, p, results, skipped, failures)


def _check_inputs_unchanged(ws: Workspace, hashes: dict[str, str]) -> None:
    """Refuse to publish when an input file's sha256 is no longer the one read before the notebooks ran."""
    changed = [s.file for name, s in ws.sources.items() if sha256_file(s.path) != hashes[name]]
    if changed:
        raise RunRefused(f"input file(s) {', '.join(changed)} changed while the notebooks ran; nothing was published — run again")


def _write_outputs(staging: Path, plan: RunPlan, lang: str, timings: dict[str, float]) -> tuple[Path, "pd.DataFrame", dict[str, dict], str | None]:
    """What the run writes into ``staging`` once the notebooks have: the run's metrics and the register's facts,
    the quarantine, the contact list, ``report/index.html`` and the data-quality appendix (their seconds are
    ``timings["html"]``). Returns the index page, the data-quality notes, the quarantine and the contact list."""
    ws, p = plan.ws, plan.period
    h0 = time.perf_counter()
    summary = record_metrics(staging, "run", {}, period=str(p), workspace=ws.name, lang=lang)
    record_facts(staging, "04_improvement", register_facts(summary.get("metrics", {}), str(p)))  # the steps recorded theirs
    quarantined = write_quarantine(staging, ws)
    contacts = write_contacts(staging, ws)
    notes = ws.quality_frame()
    index = write_index(staging, ws, p, lang, plan.complete, notes)
    write_quality_page(staging, ws, p, lang, notes)
    timings["html"] = round(time.perf_counter() - h0, 2)
    return index, notes, quarantined, contacts


def _stage_register(staging: Path, plan: RunPlan) -> StagedRegister | None:
    """Write step 4's updated action register beside the register (not yet in its place), when step 4 wrote one.

    The report and the register are one publish: the register is written beside itself first, then the period
    folder moves into place and the register replaces its file (:func:`publish`)."""
    updated = staging / "artifacts" / "actions.xlsx"
    if not updated.is_file():
        return None
    ws, register = plan.ws, plan.register
    source = ws.sources.get("actions")
    try:
        return stage_register(updated, plan.period, register, ws.config.tables.get("actions"),
                              source.encoding if source else None, source.sheet if source else None)
    except OSError as exc:
        if _disk_full(exc):
            raise
        raise RunRefused(f"could not write the updated action register beside {register} ({exc.strerror or exc}); "
                         "nothing was published and the register is as it was: get write access to its folder "
                         "and run again") from None


def publish(staging: Path, plan: RunPlan, staged: StagedRegister | None, progress: Callable[[str], None]) -> None:
    """Publish the run: the period folder ``staging`` moves into place and the ``staged`` register replaces its file.

    If that last step fails, the period folder moves back out (and an earlier one back in)
    (:func:`_publish`); the register is checked once more first (opened in Excel while the notebooks ran?
    refused before anything moves)."""
    register = plan.register
    if staged is not None:
        check_register_writable(register)  # opened in Excel while the notebooks ran? refuse before moving anything
    _publish(staging, plan.final, plan.base, plan.period, staged, progress)
    if staged is not None:
        progress(f"action register updated: {register} (the replaced version is in {register.parent / REGISTER_HISTORY})")


def _publish(staging: Path, final: Path, base: Path, p: Period, staged, progress) -> None:
    """Move ``staging`` into place as ``final`` (an earlier ``final`` moved aside) and commit the
    staged register; if any step fails, undo the others: never a report without its register."""
    aside = None
    if final.exists():
        aside = base / f"{p}.replaced-{datetime.now().strftime('%Y%m%dT%H%M%S')}"
        os.replace(final, aside)
    try:
        os.replace(staging, final)
        try:
            if staged is not None:
                staged.commit()
        except BaseException as exc:
            os.replace(final, staging)
            if isinstance(exc, OSError):
                raise RunRefused(f"the action register {staged.target} could not be replaced ({exc.strerror or exc}); "
                                 "nothing was published and the register is as it was: close it in any program that "
                                 "has it open and run again") from None
            raise
    except BaseException:
        if aside is not None and not final.exists():
            os.replace(aside, final)
        raise
    if aside is not None:
        progress(f"moved the earlier {p} run aside to {aside}")
