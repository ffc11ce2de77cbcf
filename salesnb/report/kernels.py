"""Notebook kernels started ahead of their notebooks.

A notebook's kernel start and its imports (pandas, matplotlib, seaborn with scipy, salesnb: about 3 s of the
sample's 4–10 s per notebook) do not depend on the workspace. So each notebook worker starts one kernel and runs
the notebooks' import statements in it while the run validates and prepares the workspace, and starts the next
one as soon as its notebook has executed, while it exports the page (:class:`KernelWarmer`). A run starts as
many kernels as it has notebooks, shared by the workers through one counter, so none is started for nothing.
In a run of a small workspace a worker's kernel runs its next notebook too (:meth:`KernelWarmer.keep`): what the
notebook left behind is undone (:func:`restore_fresh_state`) instead of starting and importing again (four
kernel starts were about a quarter of the sample quarter's CPU time).

The notebook then runs in that kernel as in a fresh one: the imports run inside a function, silently (no name
left in the kernel's namespace, no execution count, no history; what they print is not kept), and before the
first cell the kernel moves into the staging folder, where a fresh kernel would have started
(:func:`_move_kernel`). A kernel that died or did not start is replaced by a fresh one, as before.

Runs in the notebook workers (:mod:`salesnb.report.schedule`); papermill and jupyter_client are imported there,
never in the run's own process.
"""
from __future__ import annotations

import ast
import atexit
import functools
import json
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
import warnings
from pathlib import Path

ENGINE = "salesnb"
"""salesnb's papermill engine (:func:`register_engine`): a kernel started ahead, the notebook written at its end."""

START_TIMEOUT = 300
"""Seconds a kernel may take to start and reply (papermill's 60 s is too short on a busy two-core machine)."""

INLINE_BACKEND = "module://matplotlib_inline.backend_inline"
"""``MPLBACKEND`` for the kernels, which inherit the worker's environment: an ``MPLBACKEND=Agg`` set for scripts
would turn every chart into the text "<Figure size …>"; the report's charts are always drawn inline."""

HISTORY = ["--HistoryManager.hist_file=:memory:"]
"""A kernel's input history is kept in memory, as nbclient starts a fresh kernel (no shared SQLite file)."""

ALSO_IMPORTED = ("salesnb.context", "matplotlib.pyplot", "seaborn")
"""Imported by the notebooks' first call (``salesnb.open_step``, the first chart), not by an import statement."""


def notebook_imports(sources) -> list[str]:
    """The import statements of notebook cells' ``sources``, each once, in order.

    >>> notebook_imports(["import pandas as pd\\nx = 1", "from salesnb import goals\\nimport pandas as pd", "%time 1"])
    ['import pandas as pd', 'from salesnb import goals']
    """
    found: dict[str, None] = {}
    for source in sources:
        try:
            tree = ast.parse(source)
        except SyntaxError:  # IPython magics: not Python, and no import to run ahead
            continue
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)) and not (isinstance(node, ast.ImportFrom) and node.level):
                found.setdefault(ast.unparse(node))
    return list(found)


def warm_code(nb_dir: Path) -> str:
    """Python that imports what the notebooks of ``nb_dir`` import, inside a function that leaves no name behind.

    >>> import tempfile, pathlib, json
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> cell = {"cell_type": "code", "source": ["import numpy as np\\n", "np.zeros(1)"], "metadata": {}, "outputs": []}
    >>> _ = (d / "01_x.ipynb").write_text(json.dumps({"cells": [cell]}))
    >>> print(warm_code(d))
    def _salesnb_started_kernel():
        import numpy as np
        import salesnb.context
        import matplotlib.pyplot
        import seaborn
        __import__('salesnb.report.kernels', fromlist=['_']).remember_fresh_state()
    _salesnb_started_kernel()
    del _salesnb_started_kernel
    """
    sources = []
    for path in sorted(Path(nb_dir).glob("[0-9][0-9]_*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
        sources += ["".join(c.get("source", "")) for c in cells if c.get("cell_type") == "code"]
    lines = notebook_imports(sources) + [f"import {m}" for m in ALSO_IMPORTED]
    lines.append("__import__('salesnb.report.kernels', fromlist=['_']).remember_fresh_state()")
    body = "\n".join(f"    {line}" for line in dict.fromkeys(lines))
    return f"def _salesnb_started_kernel():\n{body}\n_salesnb_started_kernel()\ndel _salesnb_started_kernel"


RESET_CODE = "__import__('salesnb.report.kernels', fromlist=['_']).restore_fresh_state()"
"""Run silently in a kept kernel (:meth:`KernelWarmer.keep`): one expression, as the reset clears every name."""

_FRESH: dict = {}
"""In a kernel started ahead: its state once the imports have run (:func:`remember_fresh_state`)."""


def remember_fresh_state() -> None:
    """In a kernel started ahead, once the notebooks' imports have run: record what a notebook may change and a
    fresh kernel would not have (matplotlib's settings, the warning filters, the working folder, ``sys.path``,
    the environment), for :func:`restore_fresh_state`."""
    import matplotlib

    _FRESH.update(rc=dict(matplotlib.rcParams), filters=list(warnings.filters), cwd=os.getcwd(),
                  path=list(sys.path), environ=dict(os.environ))


def restore_fresh_state() -> None:
    """In a kernel whose notebook has ended, before the worker's next notebook runs in it: back to the state
    :func:`remember_fresh_state` recorded. The notebook's names, output history and execution count go
    (IPython's ``reset``), its figures are closed, matplotlib's settings, the warning filters (and the record of
    warnings already shown, so the next notebook shows its own), the working folder, ``sys.path`` and the
    environment are as they were, and the memory its frames held goes back to the system. Modules it imported
    stay imported, as a fresh kernel's imports would leave them."""
    import gc

    import matplotlib
    import matplotlib.pyplot as plt
    from IPython import get_ipython

    from ..memory import release_unused_memory

    plt.close("all")
    get_ipython().reset(new_session=True)
    dict.update(matplotlib.rcParams, _FRESH["rc"])  # the values recorded were valid: set as they were
    warnings.filters[:] = _FRESH["filters"]
    warnings._filters_mutated()  # the record of warnings shown is cleared (as IPython does before each cell)
    os.chdir(_FRESH["cwd"])
    sys.path[:] = _FRESH["path"]
    os.environ.clear()
    os.environ.update(_FRESH["environ"])
    gc.collect()
    release_unused_memory()


@functools.cache
def kernel_manager_class():
    """The kernel manager of every notebook kernel a run starts: Unix-socket transport in a private folder of
    its own, and CurveZMQ transport encryption where the installed jupyter_client supports it (ipykernel ≥ 7.4
    warns otherwise).

    Why not TCP: jupyter_client draws a kernel's five ports by binding port 0 and closing the probe, and the
    kernel binds them a moment later, so two kernels started at once by two workers (or by two runs) can draw
    the same port. The loser then either dies (retried in :func:`salesnb.report.schedule._execute`) or hangs
    in ``zmq.Context.term()`` on its way out, still alive, and the notebook waited out the whole
    :data:`START_TIMEOUT` (300 s, seen in CI). Sockets named by path in a folder no other kernel uses cannot
    collide. The folder (``ip``) is removed with the kernel's other resources.
    """
    from jupyter_client.manager import KernelManager
    from jupyter_client.utils import run_sync

    encrypted = "transport_encryption" in KernelManager.class_trait_names()
    if encrypted:
        try:
            KernelManager(transport_encryption="auto")
        except Exception:  # noqa: BLE001 - no CurveZMQ in this libzmq
            encrypted = False

    class SalesnbKernelManager(KernelManager):
        def __init__(self, **kwargs):
            if encrypted:
                kwargs.setdefault("transport_encryption", "auto")
            if "transport" not in kwargs and os.name == "posix":
                kwargs["transport"] = "ipc"
                kwargs.setdefault("ip", os.path.join(tempfile.mkdtemp(prefix="salesnb-ipc-"), "kernel"))
            super().__init__(**kwargs)

        async def _async_cleanup_resources(self, restart: bool = False) -> None:
            await super()._async_cleanup_resources(restart=restart)
            folder = os.path.dirname(self.ip)
            if not restart and self.transport == "ipc" and os.path.basename(folder).startswith("salesnb-ipc-"):
                shutil.rmtree(folder, ignore_errors=True)

        cleanup_resources = run_sync(_async_cleanup_resources)

    return SalesnbKernelManager


def _run_silently(km, code: str, ready: bool = False) -> None:
    """Run ``code`` in ``km``'s kernel without a trace in the notebook (silent, no history); raise if it fails.

    A kernel just started is waited for (``wait_for_ready``: a ``kernel_info`` round trip, then 0.2 s of
    listening for stray output). A kernel known to be ``ready`` (it has run code already) is sent the code on
    its shell channel alone and its reply awaited there: the output channel is not listened to, so it need not
    be connected first, and the 0.2 s are not spent on every notebook's way in.
    """
    kc = km.client()
    if not ready:
        kc.start_channels()
        try:
            kc.wait_for_ready(timeout=START_TIMEOUT)
            reply = kc.execute_interactive(code, silent=True, store_history=False, timeout=START_TIMEOUT,
                                           output_hook=lambda msg: None, allow_stdin=False)
        finally:
            kc.stop_channels()
    else:
        kc.start_channels(iopub=False, stdin=False, hb=False, control=False)
        try:
            reply = _shell_reply(km, kc, kc.execute(code, silent=True, store_history=False, allow_stdin=False))
        finally:
            kc.stop_channels()
    if reply["content"].get("status") != "ok":
        raise RuntimeError(f"{reply['content'].get('ename')}: {reply['content'].get('evalue')}")


def _shell_reply(km, kc, msg_id: str) -> dict:
    """The shell channel's reply to ``msg_id``; raises when the kernel dies or :data:`START_TIMEOUT` passes."""
    from queue import Empty

    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        try:
            reply = kc.get_shell_msg(timeout=1)
        except Empty:
            if not km.is_alive():
                raise RuntimeError("the kernel died before it replied") from None
            continue
        if reply.get("parent_header", {}).get("msg_id") == msg_id:
            return reply
    raise TimeoutError(f"the kernel did not reply within {START_TIMEOUT} s")


def _move_kernel(km, cwd: Path) -> None:
    """Move a started kernel into ``cwd``, as if it had started there (working folder and ``sys.path``)."""
    code = ("def _salesnb_move(to):\n"
            "    import os, sys\n"
            "    here = os.getcwd()\n"
            "    os.chdir(to)\n"
            "    sys.path[:] = [to if p == here else p for p in sys.path]\n"
            f"_salesnb_move({str(cwd)!r})\n"
            "del _salesnb_move")
    _run_silently(km, code, ready=True)


def _shut_down(km, now: bool = False) -> None:
    """Shut ``km``'s kernel down: killed (``now``), or asked to end and waited for (killed after 5 s).

    Not jupyter_client's graceful ``shutdown_kernel``: it interrupts the kernel first, and an idle ipykernel
    then writes "KeyboardInterrupt caught in kernel" to the run's console. Asked to shut down, it ends by itself.
    """
    try:
        if km.has_kernel:
            if now:
                km.shutdown_kernel(now=True)
            else:
                km.request_shutdown()
                km.finish_shutdown()
    except Exception:  # noqa: BLE001 - already gone
        pass
    try:
        km.cleanup_resources()
    except Exception:  # noqa: BLE001
        pass


class KernelWarmer:
    """One notebook worker's kernel started ahead: :meth:`start` it, :meth:`take` it for a notebook.

    ``wanted`` is the run's shared counter of kernels still to start (a ``multiprocessing.Value``); each start
    takes one from it, so the workers together start as many kernels as the run has notebooks. ``go`` (a
    ``multiprocessing.Event``, or None for at once) holds the starts back until the run sets it: a large
    workspace is prepared by DuckDB on every core, and kernels importing beside it slowed that more than they
    saved (at 10M lines prepare took 49 s instead of 32 s).
    """

    def __init__(self, nb_dir: Path, wanted, go=None):
        self.nb_dir, self.wanted, self.go = Path(nb_dir), wanted, go
        self._cancelled = threading.Event()
        self._thread: threading.Thread | None = None
        self._box: dict = {}
        self._home = tempfile.mkdtemp(prefix="salesnb-kernel-")  # an empty folder to start in, not the run's cwd

    def start(self, after: threading.Thread | None = None) -> bool:
        """Start a kernel and its imports in the background, unless one is started or the run needs no more;
        once ``after`` (the last notebook's kernel shutting down, :func:`settle_kernel`) has ended, so that a
        worker never holds two kernels at once (at 10M lines the one ending holds 1.5 GB)."""
        if self._thread is not None:
            return False
        with self.wanted.get_lock():
            if self.wanted.value <= 0:
                return False
            self.wanted.value -= 1
        box: dict = {}
        self._box, self._thread = box, threading.Thread(target=self._start, args=(box, after), name="salesnb-kernel")
        self._thread.start()
        return True

    def keep(self, km) -> bool:
        """Hold ``km``, whose notebook has just succeeded, for this worker's next notebook: it is reset in the
        background (:func:`restore_fresh_state`) and :meth:`take` hands it out as a started kernel. False (the
        caller shuts it down) when one is held already.

        A kept kernel is not counted against the run's kernels still to start: which worker runs which notebook
        is decided as they free up, so each worker keeps its own (a worker that runs no more notebooks kills its
        idle kernel when it ends, :meth:`discard`), and none is started unless a notebook failed."""
        if self._thread is not None:
            return False
        box: dict = {"km": km}
        self._box, self._thread = box, threading.Thread(target=self._reset, args=(box,), name="salesnb-kernel")
        self._thread.start()
        return True

    def _reset(self, box: dict) -> None:
        km = box["km"]
        try:
            if not km.is_alive():
                raise RuntimeError("the kernel kept has died")
            _run_silently(km, RESET_CODE, ready=True)
        except Exception as exc:  # noqa: BLE001 - the notebook then starts a fresh kernel, as before
            box.pop("km", None)
            _shut_down(km, now=True)
            box["error"] = f"{type(exc).__name__}: {exc}"

    def _start(self, box: dict, after: threading.Thread | None = None) -> None:
        if after is not None:
            after.join()
        while self.go is not None and not self.go.wait(0.2):
            if self._cancelled.is_set():
                return
        for _attempt in range(2):  # two kernels starting at once can draw the same free port: once more is safe
            km = box["km"] = kernel_manager_class()(kernel_name="python3")
            try:
                km.start_kernel(cwd=self._home, extra_arguments=HISTORY)
                _run_silently(km, warm_code(self.nb_dir))
                return
            except Exception as exc:  # noqa: BLE001 - the notebook then starts a fresh kernel, as before
                box.pop("km", None)
                _shut_down(km, now=True)
                box["error"] = f"{type(exc).__name__}: {exc}"

    def take(self, cwd: Path):
        """The started kernel's manager, moved into ``cwd``, or None (none started, or it failed)."""
        thread, box = self._thread, self._box
        self._thread, self._box = None, {}
        if thread is None:
            return None
        if self.go is not None and not self.go.is_set():  # never let start: a fresh kernel, not a wait without end
            self._cancelled.set()
        thread.join()
        km = box.get("km")
        if km is None:
            return None
        try:
            if not km.is_alive():
                raise RuntimeError("the kernel started ahead has died")
            _move_kernel(km, cwd)
        except Exception:  # noqa: BLE001 - start a fresh kernel instead
            _shut_down(km, now=True)
            return None
        return km

    def discard(self) -> None:
        """Shut down a kernel started and not taken, and remove the folder kernels start in (the worker is ending)."""
        thread, box = self._thread, self._box
        self._thread = None
        if thread is not None:
            self._cancelled.set()  # a start still held back never happens
            thread.join()
            if box.get("km") is not None:
                _shut_down(box["km"], now=True)
        shutil.rmtree(self._home, ignore_errors=True)


_WARMER: KernelWarmer | None = None


def init_worker(nb_dir: Path | None = None, wanted=None, go=None) -> None:
    """Pool initializer of a notebook worker: its :class:`KernelWarmer` (when ``nb_dir``), shut down with it."""
    global _WARMER
    # nbformat imports jsonschema, whose IRI format checker compiles 38 Lark grammars when imported (1.4 s of a
    # worker's 2.7 s start; python-jsonschema/jsonschema#1428). Notebooks are validated without format checks
    # (nbformat's schema names no format), so this process leaves that checker's module out.
    sys.modules.setdefault("rfc3987_syntax", None)
    os.environ["MPLBACKEND"] = INLINE_BACKEND
    threading.Thread(target=_end_with_parent, args=(os.getppid(),), name="salesnb-parent-watch", daemon=True).start()
    if nb_dir is None or wanted is None:
        return
    _WARMER = KernelWarmer(nb_dir, wanted, go)
    atexit.register(_WARMER.discard)
    # each worker starts its first kernel here, once, as it starts: the warm-up tasks go to whichever worker is
    # free, and when one worker took both, the other started none (a flaky test and a fresh kernel for step 3)
    _WARMER.start()

    def stop(signum, frame):  # terminated (a refused run): the started kernel goes with the worker
        _kill_started()
        os._exit(128 + signum)

    signal.signal(signal.SIGTERM, stop)


def _end_with_parent(parent: int, every: float = 1.0) -> None:
    """Watch the run that started this worker; when it is gone (killed outright: no SIGTERM reaches the pool),
    kill the kernel started ahead and end. A pool worker left alone waits on its task queue forever (it holds
    that queue's write end too), and with it the kernel it started: 250 MB each, four per killed run."""
    while os.getppid() == parent:
        time.sleep(every)
    _kill_started()
    os._exit(1)


def _kill_started() -> None:
    if _WARMER is None:
        return
    for km in [_WARMER._box.get("km"), *list(_ENDING)]:
        if km is not None:
            try:
                km.shutdown_kernel(now=True)
            except Exception:  # noqa: BLE001 - not started yet, or gone
                pass
    shutil.rmtree(_WARMER._home, ignore_errors=True)


_ENDING: set = set()
"""Kernels this worker is shutting down in the background (:func:`settle_kernel`)."""


def _end_later(km) -> threading.Thread:
    """Shut ``km`` down in the background (a graceful shutdown waits about 0.5 s for the kernel to exit): the
    notebook's page is exported meanwhile. The thread is not a daemon, so the worker waits for it at exit."""
    _ENDING.add(km)

    def end():
        try:
            _shut_down(km)
        finally:
            _ENDING.discard(km)

    thread = threading.Thread(target=end, name="salesnb-kernel-end")
    thread.start()
    return thread


def settle_kernel(km, succeeded: bool, reuse: bool) -> None:
    """In a notebook worker, once a notebook has ended in ``km`` (a kernel started ahead, or None when the
    notebook ran in a fresh kernel, which papermill has shut down): keep ``km`` for the worker's next notebook
    when it ``succeeded`` and the run lets kernels be ``reuse``-d (:meth:`KernelWarmer.keep`); otherwise shut
    it down in the background and start the next kernel ahead (when the run still needs one) once it is down."""
    if km is not None and succeeded and reuse and _WARMER is not None and _WARMER.keep(km):
        return
    ending = _end_later(km) if km is not None else None
    if _WARMER is not None:
        _WARMER.start(after=ending)


def take_kernel(cwd: Path):
    """In a notebook worker: the kernel started ahead, moved into ``cwd``, or None."""
    return _WARMER.take(cwd) if _WARMER is not None else None


def register_engine() -> str:
    """Register (once) and name salesnb's papermill engine: papermill's nbclient engine that runs a notebook on a
    given kernel manager (``km=``, a kernel started ahead, left running for :func:`settle_kernel`; a fresh
    kernel without it, shut down when the notebook ends), and that writes the executed
    notebook when it ends, fails or runs a long cell (papermill's autosave), not at every cell's start and end
    (twice per cell a growing notebook serialised and validated: about 2 CPU-seconds of a sample run)."""
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, NotebookExecutionManager, papermill_engines
    from papermill.exceptions import PapermillException
    from papermill.log import logger
    from papermill.utils import merge_kwargs, remove_args

    try:
        papermill_engines.get_engine(ENGINE)
        return ENGINE
    except PapermillException:  # not registered in this process yet
        pass

    class SavedAtEnd(NotebookExecutionManager):
        _autosaving = False

        def save(self, **kwargs):
            if self.end_time is not None or self._autosaving:  # notebook_complete (also after a failure), autosave
                super().save(**kwargs)

        def autosave_cell(self):
            self._autosaving = True
            try:
                super().autosave_cell()
            finally:
                self._autosaving = False

    class SalesnbEngine(NBClientEngine):
        @classmethod
        def execute_notebook(cls, nb, kernel_name, output_path=None, progress_bar=True, log_output=False,
                             autosave_cell_every=30, **kwargs):
            nb_man = SavedAtEnd(nb, output_path=output_path, progress_bar=progress_bar, log_output=log_output,
                                autosave_cell_every=autosave_cell_every)
            nb_man.notebook_start()
            try:
                cls.execute_managed_notebook(nb_man, kernel_name, log_output=log_output, **kwargs)
            finally:
                nb_man.cleanup_pbar()
                nb_man.notebook_complete()
            return nb_man.nb

        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None, stderr_file=None,
                                     start_timeout=60, execution_timeout=None, **kwargs):
            kwargs = remove_args(["input_path"], **kwargs)
            safe_kwargs = remove_args(["timeout", "startup_timeout"], **kwargs)
            final_kwargs = merge_kwargs(safe_kwargs, timeout=execution_timeout if execution_timeout else kwargs.get("timeout"),
                                        startup_timeout=start_timeout, kernel_name=kernel_name, log=logger,
                                        log_output=log_output, stdout_file=stdout_file, stderr_file=stderr_file)
            client = PapermillNotebookClient(nb_man, **final_kwargs)
            if final_kwargs.get("km") is None:  # a fresh kernel: papermill's own, shut down here
                return client.execute(cleanup_kc=True)
            try:  # a kernel given: the caller keeps it for its next notebook or shuts it down (settle_kernel)
                return client.execute(cleanup_kc=False)
            finally:
                if getattr(client, "kc", None) is not None:
                    client.kc.stop_channels()

    papermill_engines.register(ENGINE, SalesnbEngine)
    return ENGINE
