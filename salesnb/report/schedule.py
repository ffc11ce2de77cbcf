"""Running the four notebooks: which waits for which, one notebook in a worker process, failures.

Here: the dependencies between the steps (:data:`NEEDS`, :data:`WAITS_FOR`), the scheduler that runs them two at
a time (:func:`_schedule`), one notebook's papermill run and HTML export in a worker (:func:`_execute`), and
how a failed step is reported (:class:`NotebookFailed`, :func:`_notebook_failed`). Not here: what the run
does before and after the notebooks (:mod:`salesnb.report.run`) and the HTML export itself
(:mod:`salesnb.report.export`).
"""
from __future__ import annotations

import errno
import multiprocessing
import os
import shutil
import threading
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from datetime import datetime
from pathlib import Path

from ..artifacts import PENDING, mark_pending, release_pending
from ..i18n import t
from ..notebook_zh import localise_markdown
from ..periods import Period
from .kernels import (INLINE_BACKEND, START_TIMEOUT, init_worker, kernel_manager_class, register_engine, settle_kernel,
                      take_kernel)
from .pages import NOTEBOOKS

NEEDS = {"01_goals": (), "03_diagnosis": (), "02_breakdown": ("01_goals",), "04_improvement": ("01_goals", "03_diagnosis")}
"""What each notebook reads from the others (step 1's goals.csv and bottlenecks.csv, step 3's diagnosis.json):
a notebook starts as soon as those have finished, two at a time."""
WAITS_FOR = {"03_diagnosis": {"01_goals": ("bottlenecks.csv",)}}
"""Soft dependencies: step 3 starts beside step 1 and its register cell waits for step 1's ``bottlenecks.csv``
(``ctx.earlier_artifact``, :func:`salesnb.artifacts.wait_for_artifact`) until step 1 has written it or ended
without it (step 1 failed: the register then holds step 3's problems only). Before, step 3 started only once
step 1 had finished, with one core idle the while (the sample quarter: 22.3 s against 32.3 s, the warm workers
included 19.1 s). Above :data:`OVERLAP_MAX_LINES` order lines step 3 still starts after step 1: the two largest
kernels side by side would add about 0.9 GB to the peak at 10M lines (6.1 GB against 5.2) for 10 s."""

OVERLAP_MAX_LINES = 2_000_000
"""Up to this many order lines, step 3 starts beside step 1 (:data:`WAITS_FOR`); above, after it."""

REUSE_MAX_LINES = 2_000_000
"""Up to this many order lines, a worker's kernel runs its next notebook too, reset in between
(:meth:`salesnb.report.kernels.KernelWarmer.keep`): two kernels started and importing instead of four (with the
background shutdowns, the sample quarter's CPU went from 35 to 28 seconds). Above, each notebook gets a kernel of
its own, as before: the frames a large step held are freed, but a kernel that held them does not always shrink
back to a fresh one's size."""


class NotebookFailed(RuntimeError):
    """A notebook raised; ``failed_dir`` keeps every executed notebook of the run.

    ``notebook`` and ``error`` are the first failed step and its exception's
    own message (``PlanError: …``, no traceback); ``failures`` maps every
    failed step to its message, ``ran`` lists the steps that finished and
    ``skipped`` the steps not started because they need a failed one.
    """

    def __init__(self, notebook: str, error: str, failed_dir: Path, failures: dict[str, str] | None = None,
                 ran: tuple[str, ...] = (), skipped: tuple[str, ...] = ()):
        self.notebook, self.error, self.failed_dir = notebook, error, failed_dir
        self.failures = dict(failures or {notebook: error})
        self.ran, self.skipped = tuple(ran), tuple(skipped)
        lines = [f"{_step_label(name)} ({name}) failed: {text}" for name, text in self.failures.items()]
        if self.ran:
            lines.append(f"Steps that finished: {', '.join(self.ran)}.")
        if self.skipped:
            lines.append(f"Not run because they need a failed step: {', '.join(self.skipped)}.")
        lines.append(f"Executed notebooks (and the finished steps' HTML pages) kept in {failed_dir}; "
                     "nothing was published and the action register was not touched.")
        super().__init__("\n".join(lines))


def _step_label(name: str) -> str:
    try:
        return t(f"step_{name}", "en")
    except KeyError:
        return name


def _execute(name: str, nb_dir: Path, staging: Path, params: dict, html: tuple[str, str] | None = None,
             reuse: bool = False) -> tuple[float, str | None]:
    """Execute one notebook into ``staging`` and, when it succeeds and ``html`` (title, nav) is given,
    export its HTML page to ``staging/report``; returns (seconds, error text or None). With ``reuse`` the
    kernel of a notebook that succeeded runs this worker's next notebook (:func:`~salesnb.report.kernels.settle_kernel`).

    Runs in a worker process: papermill changes the process's working
    directory to ``staging`` for the kernel, which is not safe in threads.
    Exporting here lets one notebook's export overlap the next one's run.
    """
    import papermill as pm  # imported in the worker (a warm worker has it already): not in the run's own process

    from .export import export_html

    os.environ["MPLBACKEND"] = INLINE_BACKEND  # set by the worker's initializer too; here for a direct call
    start = time.perf_counter()
    try:
        km = take_kernel(staging)  # started ahead by this worker (kernels.py), or None: a fresh kernel
        succeeded = False
        try:
            for attempt in range(2):
                started = {"km": km} if km is not None else {}
                try:
                    pm.execute_notebook(
                        str(nb_dir / f"{name}.ipynb"),
                        str(staging / f"{name}.ipynb"),
                        parameters=params,
                        cwd=str(staging),
                        progress_bar=False,
                        log_output=False,
                        kernel_name="python3",
                        kernel_manager_class=kernel_manager_class(),
                        start_timeout=START_TIMEOUT,
                        engine_name=register_engine(),
                        **started,
                    )
                    succeeded = True
                    break
                except RuntimeError as exc:
                    # a kernel started ahead that died before its first cell: a fresh one is started, once
                    if attempt or _KERNEL_START_FAILED not in str(exc):
                        raise
                    km = None  # nbclient has shut the dead kernel's manager down
        finally:
            # kept for the next notebook, or shut down, and the next one started, while this one's page is exported
            settle_kernel(km, succeeded, reuse)
        localise_markdown(staging / f"{name}.ipynb", str(params.get("lang", "en")))  # the analyst notes in the run's language
        if html is not None:
            export_html(staging / f"{name}.ipynb", staging / "report" / f"{name}.html", html[0], nav=html[1], lang=params.get("lang"))
    except Exception as exc:  # noqa: BLE001 - reported to the parent as text (papermill errors do not pickle)
        return time.perf_counter() - start, _error_text(exc)
    return time.perf_counter() - start, None


_KERNEL_START_FAILED = "Kernel died before replying to kernel_info"


def _error_text(exc: BaseException) -> str:
    ename = getattr(exc, "ename", type(exc).__name__)
    evalue = getattr(exc, "evalue", str(exc))
    count = getattr(exc, "exec_count", None)
    where = f"cell [{count}] " if count is not None else ""
    return f"{where}{ename}: {evalue}"


class NotebookWorkers:
    """The processes that run the notebooks: two (one when not ``parallel``), started before the run reads the
    workspace with one warm-up task each (the pool hands a task to whichever worker is free, so usually one
    each), so that papermill, nbconvert and salesnb (about 2 s) are imported while the run validates and
    prepares, not when the first notebooks are due. With ``nb_dir``, each worker also starts a notebook kernel
    ahead as it starts (its initializer, so every worker starts one whichever took the warm-up tasks) and runs
    the notebooks' imports in it (:mod:`salesnb.report.kernels`), ``kernels`` in all over the run; with
    ``hold``, not before :meth:`release_kernels`. A context manager; :meth:`submit` runs :func:`_execute` in one.

    >>> with NotebookWorkers(parallel=False) as workers:
    ...     workers.size
    1
    """

    def __init__(self, parallel: bool = True, nb_dir: Path | None = None, kernels: int = 0, hold: bool = False):
        self.size = 2 if parallel else 1
        context = multiprocessing.get_context("spawn")
        wanted = context.Value("i", kernels) if nb_dir is not None and kernels > 0 else None
        self._go = context.Event() if hold else None
        self._pool = ProcessPoolExecutor(max_workers=self.size, mp_context=context, initializer=init_worker,
                                         initargs=(nb_dir, wanted, self._go))
        self._ending: threading.Thread | None = None
        for _ in range(self.size):
            self._pool.submit(_warm_up)

    def release_kernels(self) -> None:
        """Let the workers start the kernels held back (``hold``); nothing otherwise."""
        if self._go is not None:
            self._go.set()

    def submit(self, *args):
        """Run ``_execute(*args)`` in a worker; its future."""
        return self._pool.submit(_execute, *args)

    def drain(self) -> None:
        """Cancel the notebooks not started and wait for the running ones to end."""
        self._pool.shutdown(wait=True, cancel_futures=True)

    def end(self) -> None:
        """Every notebook has ended: the workers end (killing the kernels they kept) while the run writes its own
        pages, instead of after it has published (0.4 s at the end of the sample quarter). Waited for in a thread
        that leaving the ``with`` block joins: the pool's own ``shutdown(wait=False)`` forgets its processes, and a
        later ``shutdown(wait=True)`` would then not wait for them."""
        if self._ending is None:
            self._ending = threading.Thread(target=self._pool.shutdown, name="salesnb-workers-end")
            self._ending.start()

    def __enter__(self) -> "NotebookWorkers":
        return self

    def __exit__(self, exc_type, *exc) -> bool:
        if self._ending is not None:  # every notebook had ended: the workers are ending already (end)
            self._ending.join()
        if exc_type is not None:
            # a run refused before its notebooks (period folder exists, bad data …), or one whose notebooks have
            # ended (a failed step; an interruption drains first): the workers are stopped, their warm-up not
            # waited for nor left to finish on the machine's two cores (a kernel started ahead goes with them)
            for process in list((getattr(self._pool, "_processes", None) or {}).values()):
                process.terminate()
        self._pool.shutdown(wait=True, cancel_futures=True)
        return False


def _warm_up() -> None:
    """Import, in the worker that runs it, what running and exporting a notebook needs (each worker's first
    kernel is started by its initializer, :func:`~salesnb.report.kernels.init_worker`)."""
    import papermill  # noqa: F401

    from .export import export_html  # noqa: F401

    kernel_manager_class()
    register_engine()


def _schedule(names, nb_dir, staging, params, pages, workers: NotebookWorkers, progress, t0, timings,
              overlap: bool = True, reuse: bool = False) -> tuple[dict, list[str]]:
    """Run the notebooks, each as soon as the ones it needs have finished; a
    notebook that needs a failed (or skipped) one is skipped, every other still runs. A notebook with soft
    dependencies (:data:`WAITS_FOR`) starts at once when ``overlap``, else once they have ended. With ``reuse``
    a worker runs its next notebook in the kernel of its last one (:data:`REUSE_MAX_LINES`)."""
    results: dict[str, tuple[float, str | None]] = {}
    skipped: list[str] = []
    pending = _pending_artifacts(names) if overlap else {}
    mark_pending(staging, [a for produced in pending.values() for a in produced])
    try:
        running: dict = {}
        waiting = list(names)
        while waiting or running:
            for name in list(waiting):
                blocked = [d for d in NEEDS[name] if d in skipped or (d in results and results[d][1])]
                if blocked:
                    waiting.remove(name)
                    skipped.append(name)
                    _release(staging, pending.pop(name, ()))
                    progress(f"{name} skipped: it needs {', '.join(blocked)}, which did not finish")
                elif all(d in results for d in NEEDS[name]) and (overlap or all(d in results or d in skipped or d not in names
                                                                            for d in WAITS_FOR.get(name, {}))):
                    progress(f"running {name} …")
                    running[workers.submit(name, nb_dir, staging, params, pages[name], reuse)] = name
                    waiting.remove(name)
            if not running:
                break
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for fut in done:
                name = running.pop(fut)
                results[name] = fut.result()
                _release(staging, pending.pop(name, ()))
                timings[name] = round(results[name][0], 2)
                progress(f"{name} {'failed' if results[name][1] else 'done'} in {timings[name]:.1f} s (elapsed {time.perf_counter() - t0:.1f} s)")
    except BaseException:
        workers.drain()  # interrupted: the running notebooks end before their staging folder is removed
        raise
    finally:
        shutil.rmtree(staging / PENDING, ignore_errors=True)
    return results, skipped


def _pending_artifacts(names) -> dict[str, tuple[str, ...]]:
    """Step → the artifacts a step of this run waits for (:data:`WAITS_FOR`), for the steps run together.

    >>> _pending_artifacts(["01_goals", "02_breakdown", "03_diagnosis", "04_improvement"])
    {'01_goals': ('bottlenecks.csv',)}
    >>> _pending_artifacts(["03_diagnosis"])
    {}
    """
    out: dict[str, tuple[str, ...]] = {}
    for reader, producers in WAITS_FOR.items():
        for producer, produced in producers.items():
            if reader in names and producer in names:
                out[producer] = tuple(dict.fromkeys(out.get(producer, ()) + tuple(produced)))
    return out


def _release(staging: Path, produced) -> None:
    for name in produced:
        release_pending(staging, name)


def _notebook_error(path: Path) -> tuple[int | None, str] | None:
    """The error a cell of the executed notebook ``path`` raised: (its execution count, ``Name: message``)."""
    import nbformat

    try:
        nb = nbformat.read(path, as_version=4)
    except Exception:  # noqa: BLE001 - not written (the kernel never started)
        return None
    for cell in nb.cells:
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            if output.get("output_type") == "error":
                return cell.get("execution_count"), f"{output.get('ename')}: {output.get('evalue')}"
    return None


def _notebook_failed(staging: Path, base: Path, p: Period, results: dict, skipped: list[str], failures: dict[str, str]) -> NotebookFailed:
    """The :class:`NotebookFailed` of a run whose ``failures`` (step → error text) are not empty, once ``staging``
    has moved to ``<base>/failed/``; each message is the failed cell's own error when the notebook holds one.
    A full disk among the failures raises ``OSError(ENOSPC)`` instead (nothing is moved)."""
    if any("No space left on device" in err or "[Errno 28]" in err for err in failures.values()):
        raise OSError(errno.ENOSPC, "No space left on device", str(staging))
    for name in failures:
        found = _notebook_error(staging / f"{name}.ipynb")
        if found is not None:
            failures[name] = (f"cell [{found[0]}] " if found[0] is not None else "") + found[1]
    failed = base / "failed" / f"{p}-{datetime.now().strftime('%Y%m%dT%H%M%S')}-{os.getpid()}"
    failed.parent.mkdir(parents=True, exist_ok=True)
    os.replace(staging, failed)
    ran = tuple(n for n in NOTEBOOKS if n in results and n not in failures)
    first = next(iter(failures))
    return NotebookFailed(first, failures[first], failed, failures, ran, tuple(skipped))
