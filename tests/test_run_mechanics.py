"""How a run publishes, refuses and fails — with tiny stand-in notebooks so
these tests take seconds (the real notebooks are covered by test_run_e2e)."""
from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import nbformat
import pytest

from conftest import SAMPLE
from salesnb.cli import main
from salesnb.errors import RunRefused
from salesnb.report import NOTEBOOKS, NotebookFailed, run_period

QUIET = {"progress": lambda m: None}


def _stand_in(path: Path, *code: str) -> None:
    """Write a stand-in notebook at ``path``: the four parameters in a ``parameters`` cell, then ``code``'s cells."""
    path.parent.mkdir(parents=True, exist_ok=True)
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    params = nbformat.v4.new_code_cell('workspace = ""\nperiod = ""\nlang = "en"\noutput_dir = "."')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params] + [nbformat.v4.new_code_cell(source) for source in code]
    nbformat.write(nb, path)


def _write_notebooks(folder: Path, failing: str | None = None) -> Path:
    for name in NOTEBOOKS:
        body = f'from salesnb.artifacts import record_metrics\nrecord_metrics(output_dir, "{name}", {{"{name}_ran": 1}})\nprint(period, lang)'
        if name == failing:
            body = 'raise ValueError("planted failure in " + period)'
        _stand_in(folder / f"{name}.ipynb", body)
    return folder


def _digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def tiny(tmp_path, monkeypatch):
    monkeypatch.setenv("SALESNB_NOTEBOOKS", str(_write_notebooks(tmp_path / "nb")))
    return tmp_path


def test_summary_collects_every_notebooks_metrics(tiny):
    result = run_period(SAMPLE, "2025Q4", "en", tiny / "out", **QUIET)
    summary = json.loads((result.folder / "artifacts" / "summary.json").read_text())
    assert summary["metrics"] == {f"{n}_ran": 1 for n in NOTEBOOKS}
    assert summary["period"] == "2025Q4"


def test_force_moves_the_earlier_run_aside_never_deletes_it(tiny):
    first = run_period(SAMPLE, "2025Q4", "en", tiny / "out", **QUIET)
    before = _digest(first.folder)
    second = run_period(SAMPLE, "2025Q4", "en", tiny / "out", force=True, **QUIET)
    aside = [p for p in (tiny / "out" / "sample").iterdir() if p.name.startswith("2025Q4.replaced-")]
    assert len(aside) == 1 and _digest(aside[0]) == before
    assert second.folder.is_dir() and (second.folder / "run.json").is_file()


def test_failed_run_keeps_executed_notebooks_and_publishes_nothing(tiny, monkeypatch, capsys):
    good = run_period(SAMPLE, "2025Q4", "en", tiny / "out", **QUIET)
    before = _digest(good.folder)
    monkeypatch.setenv("SALESNB_NOTEBOOKS", str(_write_notebooks(tiny / "bad", failing="02_breakdown")))
    with pytest.raises(NotebookFailed) as info:
        run_period(SAMPLE, "2025Q4", "en", tiny / "out", force=True, **QUIET)
    assert info.value.notebook == "02_breakdown"
    assert "ValueError: planted failure in 2025Q4" in info.value.error
    failed = info.value.failed_dir
    assert failed.parent == tiny / "out" / "sample" / "failed"
    executed = (failed / "02_breakdown.ipynb").read_text(encoding="utf-8")
    assert "planted failure" in executed and "An Exception was encountered" in executed  # papermill's banner
    assert _digest(good.folder) == before  # the earlier good report is intact
    assert sorted(p.name for p in (tiny / "out" / "sample").iterdir()) == ["2025Q4", "failed"]
    # the CLI reports the failing cell and exits non-zero
    code = main(["run", str(SAMPLE), "--period", "2025Q3", "--out", str(tiny / "out")])
    assert code == 1 and "planted failure in 2025Q3" in capsys.readouterr().err
    assert not (tiny / "out" / "sample" / "2025Q3").exists()


@pytest.mark.parametrize("period", ["2025Q5", "25Q1", "../2024Q1", "2025-Q4", "2025Q4; rm -rf /"])
def test_malformed_period_is_refused_before_anything_runs(tiny, period, capsys):
    with pytest.raises(RunRefused, match="YYYY"):
        run_period(SAMPLE, period, "en", tiny / "out", **QUIET)
    assert main(["run", str(SAMPLE), "--period", period, "--out", str(tiny / "out")]) == 2
    assert "YYYY" in capsys.readouterr().err
    assert not (tiny / "out").exists()


def test_period_after_the_data_and_bad_language_are_refused(tiny):
    with pytest.raises(RunRefused, match="after the last sales date"):
        run_period(SAMPLE, "2026Q2", "en", tiny / "out", **QUIET)
    with pytest.raises(RunRefused, match="lang"):
        run_period(SAMPLE, "2025Q4", "fr", tiny / "out", **QUIET)


def test_default_period_is_the_latest_complete_quarter(tiny):
    assert run_period(SAMPLE, None, "en", tiny / "out", **QUIET).period == "2025Q4"


def test_staging_folder_of_a_killed_run_is_cleaned_up(tiny):
    stale = tiny / "out" / "sample" / ".2025Q4.running-999999999-abcd"
    stale.mkdir(parents=True)
    (stale / "01_goals.ipynb").write_text("{}")
    run_period(SAMPLE, "2025Q4", "en", tiny / "out", **QUIET)
    assert not stale.exists()


def test_validate_command_exit_codes(tmp_path, capsys):
    assert main(["validate", str(SAMPLE)]) == 0
    assert "is valid" in capsys.readouterr().out
    broken = tmp_path / "broken"
    shutil.copytree(SAMPLE, broken)
    text = (broken / "surveys.csv").read_text(encoding="utf-8").splitlines()
    header = text[0].split(",")
    row = text[1].split(",")
    row[header.index("nps")] = "11"
    text[1] = ",".join(row)
    (broken / "surveys.csv").write_text("\n".join(text) + "\n", encoding="utf-8")
    assert main(["validate", str(broken)]) == 2
    err = capsys.readouterr().err
    assert "surveys.csv" in err and "nps" in err and "11" in err and "0..10" in err


def test_a_kernel_that_dies_before_its_first_cell_is_started_once_more(tmp_path, monkeypatch):
    import papermill

    from salesnb import report

    calls = []

    def flaky(src, dst, **kwargs):
        calls.append(dst)
        if len(calls) == 1:
            raise RuntimeError("Kernel died before replying to kernel_info")
        Path(dst).write_text("{}", encoding="utf-8")

    monkeypatch.setattr(papermill, "execute_notebook", flaky)
    seconds, error = report._execute("01_goals", tmp_path, tmp_path, {})
    assert error is None and len(calls) == 2

    def broken(src, dst, **kwargs):
        calls.append(dst)
        raise RuntimeError("other")

    calls.clear()
    monkeypatch.setattr(papermill, "execute_notebook", broken)
    seconds, error = report._execute("01_goals", tmp_path, tmp_path, {})
    assert error == "RuntimeError: other" and len(calls) == 1  # any other failure is reported, not retried


def test_a_kernel_gives_freed_memory_back_after_each_cell_and_registers_that_once():
    from IPython.core.interactiveshell import InteractiveShell

    from salesnb.context import release_after_each_cell
    from salesnb.memory import release_unused_memory

    shell = InteractiveShell.instance()
    try:
        assert release_after_each_cell() and release_after_each_cell()
        assert shell.events.callbacks["post_run_cell"].count(release_unused_memory) == 1
        shell.run_cell("x = bytearray(50_000_000); del x")  # the callback runs after the cell without error
    finally:
        shell.events.unregister("post_run_cell", release_unused_memory)
        InteractiveShell.clear_instance()


def _waiting_notebooks(folder: Path, step1_fails: bool = False, meet_within: float = 60.0) -> Path:
    """Step 1 waits (up to ``meet_within`` s) until step 3 has started, writes bottlenecks.csv (or fails first) and
    then works 4 s more; step 3 reads that file the way the real step 3 does (``ctx.earlier_artifact``'s wait)."""
    _write_notebooks(folder)
    bodies = {
        "01_goals": ("import time, pandas as pd\nfrom pathlib import Path\nfrom salesnb.artifacts import record_metrics, write_csv\n"
                     f"deadline = time.time() + {meet_within}\n"
                     "while not Path(output_dir, 'step3_started').exists() and time.time() < deadline:\n    time.sleep(0.05)\n"
                     "met = Path(output_dir, 'step3_started').exists()\n"
                     + ("raise ValueError('planted failure')\n" if step1_fails else "")
                     + "write_csv(pd.DataFrame({'scope': ['East', 'West']}), output_dir, 'bottlenecks.csv')\n"
                     "record_metrics(output_dir, '01_goals', {'met_step3': int(met), 'wrote_at': time.time()})\ntime.sleep(4)"),
        "03_diagnosis": ("import time\nfrom pathlib import Path\nfrom salesnb.artifacts import record_metrics, wait_for_artifact\n"
                         "Path(output_dir, 'step3_started').touch()\nwait_for_artifact(output_dir, 'bottlenecks.csv')\nread_at = time.time()\n"
                         "found = Path(output_dir, 'artifacts', 'bottlenecks.csv')\n"
                         "rows = len(found.read_text(encoding='utf-8-sig').splitlines()) - 1 if found.is_file() else 0\n"
                         "Path(output_dir, 'step3_started').unlink()\n"
                         "record_metrics(output_dir, '03_diagnosis', {'rows_seen': rows, 'read_at': read_at})"),
    }
    for name, body in bodies.items():
        nb = nbformat.read(folder / f"{name}.ipynb", as_version=4)
        nb.cells[1] = nbformat.v4.new_code_cell(body)
        nbformat.write(nb, folder / f"{name}.ipynb")
    return folder


def test_step3_starts_beside_step1_and_waits_only_for_its_bottlenecks(tmp_path, monkeypatch):
    monkeypatch.setenv("SALESNB_NOTEBOOKS", str(_waiting_notebooks(tmp_path / "nb")))
    result = run_period(SAMPLE, "2025Q4", "en", tmp_path / "out", **QUIET)
    metrics = json.loads((result.folder / "artifacts" / "summary.json").read_text())["metrics"]
    assert metrics["met_step3"] == 1  # step 3 had started before step 1 wrote its file: they ran together
    assert metrics["rows_seen"] == 2  # and it read step 1's whole file, not a missing or half-written one
    assert metrics["wrote_at"] <= metrics["read_at"] < metrics["wrote_at"] + 3  # as soon as written, not at step 1's end
    assert not (result.folder / ".pending").exists()


def test_step3_still_runs_and_does_not_wait_when_step1_fails(tmp_path, monkeypatch):
    monkeypatch.setenv("SALESNB_NOTEBOOKS", str(_waiting_notebooks(tmp_path / "nb", step1_fails=True)))
    with pytest.raises(NotebookFailed) as info:
        run_period(SAMPLE, "2025Q4", "en", tmp_path / "out", **QUIET)
    assert info.value.notebook == "01_goals" and "03_diagnosis" in info.value.ran
    metrics = json.loads((info.value.failed_dir / "artifacts" / "summary.json").read_text())["metrics"]
    assert metrics["rows_seen"] == 0
    assert not (info.value.failed_dir / ".pending").exists()


def test_a_pending_mark_of_a_run_that_is_gone_is_not_waited_for(tmp_path):
    import subprocess
    import sys

    from salesnb.artifacts import mark_pending, wait_for_artifact

    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True)
    mark_pending(tmp_path, ["bottlenecks.csv"], pid=int(gone.stdout))
    assert wait_for_artifact(tmp_path, "bottlenecks.csv") < 1
    mark_pending(tmp_path, ["bottlenecks.csv"])  # this process: alive, so only the time limit ends the wait
    with pytest.warns(UserWarning, match="still being written"):
        assert wait_for_artifact(tmp_path, "bottlenecks.csv", timeout_seconds=0.3) < 2


@pytest.mark.parametrize("parallel", [True, False])
def test_many_order_lines_or_one_worker_start_step3_after_step1(tmp_path, monkeypatch, parallel):
    from salesnb.report import run as report_run

    if parallel:
        monkeypatch.setattr(report_run, "OVERLAP_MAX_LINES", 1000)  # the sample has 28k lines: "many" here
    monkeypatch.setenv("SALESNB_NOTEBOOKS", str(_waiting_notebooks(tmp_path / "nb", meet_within=1.0)))
    said: list[str] = []
    result = run_period(SAMPLE, "2025Q4", "en", tmp_path / "out", progress=said.append, parallel=parallel)
    metrics = json.loads((result.folder / "artifacts" / "summary.json").read_text())["metrics"]
    assert metrics["met_step3"] == 0 and metrics["rows_seen"] == 2  # step 1 had ended before step 3 began
    started = [m.split()[1] for m in said if m.startswith("running")]
    assert started == ["01_goals", "02_breakdown", "03_diagnosis", "04_improvement"] if not parallel else started[0] == "01_goals"
    assert said.index("running 03_diagnosis …") > next(i for i, m in enumerate(said) if m.startswith("01_goals done"))


def _living_processes() -> list[tuple[int, int, str]]:
    """(pid, parent pid, command line) of every living process (from /proc)."""
    import os

    found = []
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                fields = fh.read().rsplit(b")", 1)[1].split()
            if fields[0] != b"Z":
                with open(f"/proc/{entry}/cmdline", "rb") as fh:
                    found.append((int(entry), int(fields[1]), fh.read().replace(b"\0", b" ").decode(errors="replace")))
        except (OSError, ValueError, IndexError):
            continue
    return found


def _child_commands() -> list[str]:
    """The command lines of this process's living children."""
    import os

    return [command for _, parent, command in _living_processes() if parent == os.getpid()]


def _kernels_marked(mark: str) -> list[int]:
    """Living ipykernel processes whose environment holds ``mark``."""
    found = []
    for pid, _, command in _living_processes():
        try:
            with open(f"/proc/{pid}/environ", "rb") as fh:
                if "ipykernel" in command and mark.encode() in fh.read():
                    found.append(pid)
        except OSError:
            continue
    return found


def test_workers_told_to_end_early_are_still_waited_for_when_the_run_leaves_them():
    """NotebookWorkers.end lets the workers end while the run writes its pages; leaving the ``with`` block waits
    for them (the pool's own shutdown(wait=False) forgets its processes, and a later shutdown(wait=True) did not
    wait: CI found the published run's workers still alive)."""
    from salesnb.report.schedule import NotebookWorkers

    with NotebookWorkers(parallel=True) as workers:
        workers.end()
    assert [c for c in _child_commands() if "resource_tracker" not in c] == []


def test_a_refused_run_stops_its_notebook_workers_and_their_kernels_at_once(tiny, monkeypatch):
    import time
    import uuid

    mark = f"salesnb-test-{uuid.uuid4().hex}"  # the kernels inherit it: theirs, not another test's
    monkeypatch.setenv("SALESNB_TEST_MARK", mark)
    run_period(SAMPLE, "2025Q4", "en", tiny / "out", **QUIET)
    assert _kernels_marked(mark) == []  # a published run shut its kernels down
    # and its workers have ended: they start ending once the notebooks have (NotebookWorkers.end), the run waits
    assert [c for c in _child_commands() if "resource_tracker" not in c] == []
    with pytest.raises(RunRefused, match="already exists"):
        run_period(SAMPLE, "2025Q4", "en", tiny / "out", **QUIET)
    # the two workers were warming up (importing papermill, starting a kernel): stopped, not left to finish on the
    # machine's cores; a worker kills its kernel when terminated, and a kernel caught starting ends by itself
    assert [c for c in _child_commands() if "resource_tracker" not in c] == []
    deadline = time.monotonic() + 10
    while _kernels_marked(mark) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _kernels_marked(mark) == []


def _processes_marked(mark: str) -> list[int]:
    """Living processes (workers, kernels) whose environment holds ``mark``."""
    import os

    found = []
    for pid, _, _command in _living_processes():
        try:
            with open(f"/proc/{pid}/environ", "rb") as fh:
                if mark.encode() in fh.read() and pid != os.getpid():
                    found.append(pid)
        except OSError:
            continue
    return found


def test_a_run_killed_outright_leaves_no_notebook_worker_or_kernel_behind(tmp_path):
    # SIGKILL (or a job scheduler) ends the run without a word to its pool: the workers notice their parent is
    # gone and end, killing the kernels they started ahead (before, both waited forever, 250 MB a kernel)
    import os
    import subprocess
    import sys
    import time
    import uuid

    nb_dir = _probe_notebooks(tmp_path / "nb")
    mark = f"salesnb-test-{uuid.uuid4().hex}"
    script = ("import sys, time\nfrom pathlib import Path\nfrom salesnb.report.schedule import NotebookWorkers\n"
              f"with NotebookWorkers(True, Path({str(nb_dir)!r}), kernels=2):\n    time.sleep(600)\n")
    run = subprocess.Popen([sys.executable, "-c", script], env={**os.environ, "SALESNB_TEST_MARK": mark})
    try:
        deadline = time.monotonic() + 90
        while len(_kernels_marked(mark)) < 2 and time.monotonic() < deadline:
            time.sleep(0.3)
        assert len(_kernels_marked(mark)) == 2 and len(_processes_marked(mark)) >= 5  # the run, two workers, two kernels
    finally:
        run.kill()
        run.wait()
    deadline = time.monotonic() + 15
    while _processes_marked(mark) and time.monotonic() < deadline:
        time.sleep(0.3)
    assert _processes_marked(mark) == []


def _probe_notebooks(folder: Path) -> Path:
    """One stand-in notebook that reports what its kernel looks like from inside."""
    probe = ('import json, os, sys\n'
             'print(json.dumps({"cwd": os.getcwd(), "path": [p for p in sys.path if p in ("", os.getcwd())],\n'
             '                  "names": sorted(n for n in globals() if not n.startswith("_")),\n'
             '                  "count": get_ipython().execution_count, "imported": "salesnb.context" in sys.modules}))')
    _stand_in(folder / "01_goals.ipynb", probe)
    return folder


def test_a_notebook_runs_in_a_kernel_started_ahead_as_in_a_fresh_one(tmp_path, monkeypatch):
    import multiprocessing

    from salesnb.report import kernels, schedule

    nb_dir = _probe_notebooks(tmp_path / "nb")
    seen, counts = {}, {}
    for mode in ("fresh", "started"):
        staging = tmp_path / mode
        staging.mkdir()
        if mode == "started":
            wanted = multiprocessing.Value("i", 1)
            warmer = kernels.KernelWarmer(nb_dir, wanted)
            assert warmer.start() and not warmer.start()  # one kernel at a time per worker
            assert not kernels.KernelWarmer(nb_dir, wanted).start()  # the run's count is used up
            monkeypatch.setattr(kernels, "_WARMER", warmer)
        seconds, error = schedule._execute("01_goals", nb_dir, staging, {"lang": "en", "output_dir": "."})
        assert error is None
        out = nbformat.read(staging / "01_goals.ipynb", as_version=4)
        counts[mode] = [c.execution_count for c in out.cells if c.cell_type == "code"]
        seen[mode] = json.loads(out.cells[-1].outputs[0]["text"])
        assert Path(seen[mode].pop("cwd")).resolve() == staging.resolve()  # where a fresh kernel starts
        seen[mode]["path"] = [p.replace(str(staging), "<staging>") for p in seen[mode]["path"]]
    # the imports ran ahead in the started kernel, and left nothing else behind: same names, counts and path
    assert seen["started"].pop("imported") and not seen["fresh"].pop("imported")
    assert seen["started"] == seen["fresh"] and counts["started"] == counts["fresh"] == [1, 2, 3]
    assert warmer.take(tmp_path) is None  # taken once; and the run's count was used up, so none started after


def _state_notebooks(folder: Path, module_dir: Path) -> Path:
    """One notebook that reports its kernel's state, then changes all of it (for the worker's next notebook)."""
    (module_dir / "probe_warn.py").write_text('import warnings\n\ndef warn():\n    warnings.warn("salesnb probe warning")\n')
    probe = ('import hashlib, json, os, sys, tempfile, warnings\n'
             'import matplotlib\n'
             'import matplotlib.pyplot as plt\n'
             f'sys.path.insert(0, {str(module_dir)!r})\n'
             'probe_warn = __import__("probe_warn")  # not an import statement: the kernel started ahead runs those\n'
             f'sys.path.remove({str(module_dir)!r})\n'
             'rc = hashlib.sha256(json.dumps({k: str(v) for k, v in matplotlib.rcParams.items()}).encode()).hexdigest()\n'
             'print(json.dumps({"cwd": os.getcwd(), "path": [p for p in sys.path if p in ("", os.getcwd())],\n'
             '                  "names": sorted(n for n in globals() if not n.startswith("_")),\n'
             '                  "count": get_ipython().execution_count, "rc": rc, "filters": repr(warnings.filters),\n'
             '                  "figures": len(plt.get_fignums()), "env": os.environ.get("SALESNB_PROBE_LEFT"),\n'
             '                  "out": len(Out), "pid": os.getpid()}))\n'
             )
    leave = ('# what a notebook may leave behind\n'
             'leftover = 1\n'
             'plt.rcParams["font.size"] = 33\n'
             'warnings.simplefilter("ignore", ResourceWarning)\n'
             'sys.path.append("/nowhere")\n'
             'os.environ["SALESNB_PROBE_LEFT"] = "1"\n'
             'os.chdir(tempfile.gettempdir())\n'
             'plt.ioff()  # not drawn when the cell ends: the inline backend leaves it open\n'
             'open_figure = plt.figure()\n')
    # a warning the first notebook showed is shown again in the next (IPython clears the record before each cell)
    warn = "probe_warn.warn()"
    _stand_in(folder / "01_goals.ipynb", probe, leave, warn)
    return folder


def test_a_kept_kernel_runs_the_next_notebook_as_the_kernel_started_ahead_ran_the_first(tmp_path, monkeypatch):
    """A small workspace's worker runs its next notebook in the kernel of its last one (schedule.REUSE_MAX_LINES):
    the names, output history, execution count, matplotlib settings, open figures, warning filters and the
    warnings already shown, working folder, sys.path and environment the first notebook left are undone."""
    import multiprocessing
    import os

    from salesnb.report import kernels, schedule

    nb_dir = _state_notebooks(tmp_path / "nb", tmp_path)
    wanted = multiprocessing.Value("i", 2)  # a run of two notebooks
    warmer = kernels.KernelWarmer(nb_dir, wanted)
    assert warmer.start()
    monkeypatch.setattr(kernels, "_WARMER", warmer)
    seen, stderr = [], []
    try:
        for i in range(2):
            staging = tmp_path / f"staging{i}"
            staging.mkdir()
            seconds, error = schedule._execute("01_goals", nb_dir, staging, {"lang": "en", "output_dir": "."}, reuse=True)
            assert error is None
            out = nbformat.read(staging / "01_goals.ipynb", as_version=4)
            seen.append(json.loads(next(o["text"] for o in out.cells[-3].outputs if o.get("name") == "stdout")))
            stderr.append("".join(o["text"] for o in out.cells[-1].outputs if o.get("name") == "stderr"))
            assert Path(seen[-1].pop("cwd")).resolve() == staging.resolve()
            seen[-1]["path"] = [p.replace(str(staging), "<staging>") for p in seen[-1]["path"]]
            assert [c.execution_count for c in out.cells if c.cell_type == "code"] == [1, 2, 3, 4, 5]
            assert wanted.value == 1 and warmer._thread is not None  # kept: no second kernel started
            warmer._thread.join()
            assert "error" not in warmer._box and warmer._box["km"].is_alive()
        first, second = seen
        pid = first.pop("pid")
        assert second.pop("pid") == pid  # the same kernel ran both
        assert second == first and first["env"] is None and first["figures"] == 0 and "leftover" not in first["names"]
        assert all("salesnb probe warning" in text for text in stderr)
        warmer.discard()  # the worker ends: its idle kernel goes with it
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    finally:
        warmer.discard()


def test_a_kernel_whose_notebook_failed_is_shut_down_in_the_background_and_another_started(tmp_path, monkeypatch):
    import multiprocessing
    import os
    import time

    from salesnb.report import kernels, schedule

    nb_dir = _write_notebooks(tmp_path / "nb", failing="01_goals")
    wanted = multiprocessing.Value("i", 2)
    warmer = kernels.KernelWarmer(nb_dir, wanted)
    assert warmer.start()
    monkeypatch.setattr(kernels, "_WARMER", warmer)
    try:
        warmer._thread.join()
        pid = warmer._box["km"].provisioner.pid
        seconds, error = schedule._execute("01_goals", nb_dir, tmp_path, {"lang": "en", "output_dir": ".", "period": "P"},
                                           reuse=True)
        assert "planted failure in P" in error
        assert wanted.value == 0 and warmer._thread is not None  # not kept: the run's next kernel is started
        deadline = time.monotonic() + 30
        while kernels._ENDING and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not kernels._ENDING
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
        warmer._thread.join()
        assert warmer._box["km"].provisioner.pid != pid
    finally:
        warmer.discard()


def test_a_kernel_held_back_starts_only_once_the_run_lets_it(tmp_path):
    import multiprocessing
    import time

    from salesnb.report import kernels

    nb_dir = _probe_notebooks(tmp_path / "nb")
    go = multiprocessing.Event()
    held = kernels.KernelWarmer(nb_dir, multiprocessing.Value("i", 2), go)
    assert held.start()
    time.sleep(1.0)
    assert "km" not in held._box  # waiting for the run (a large workspace being prepared)
    held.discard()  # the worker ends before the run let it: nothing is started, its empty start folder removed
    assert "km" not in held._box and held.take(tmp_path) is None and not Path(held._home).exists()
    released = kernels.KernelWarmer(nb_dir, multiprocessing.Value("i", 1), go)
    assert released.start()
    go.set()
    km = released.take(tmp_path)
    try:
        assert km is not None and km.is_alive()
    finally:
        kernels._shut_down(km, now=True)


def test_a_worker_starts_its_next_kernel_only_once_the_last_one_has_ended(tmp_path):
    """The last notebook's kernel is shut down in the background (kernels.settle_kernel); the next kernel waits
    for it, so a worker never holds two (at 10M lines the one ending holds 1.5 GB)."""
    import multiprocessing
    import threading
    import time

    from salesnb.report import kernels

    nb_dir = _probe_notebooks(tmp_path / "nb")
    ended = threading.Event()
    ending = threading.Thread(target=ended.wait)  # stands in for the last kernel's shutdown
    ending.start()
    warmer = kernels.KernelWarmer(nb_dir, multiprocessing.Value("i", 1))
    try:
        assert warmer.start(after=ending)
        time.sleep(1.0)
        assert "km" not in warmer._box  # nothing started while the last kernel is ending
        ended.set()
        km = warmer.take(tmp_path)
        assert km is not None and km.is_alive()
        kernels._shut_down(km, now=True)
    finally:
        ended.set()
        warmer.discard()


def test_the_executed_notebook_is_written_at_its_end_not_at_every_cell(tmp_path, monkeypatch):
    import papermill.engines

    from salesnb.report import schedule

    nb_dir = _probe_notebooks(tmp_path / "nb")
    writes = []
    real = papermill.engines.write_ipynb
    monkeypatch.setattr(papermill.engines, "write_ipynb", lambda nb, path: (writes.append(path), real(nb, path)))
    seconds, error = schedule._execute("01_goals", nb_dir, tmp_path, {"lang": "en", "output_dir": "."})
    assert error is None
    # three code cells (parameters, injected parameters, probe): papermill's engine writes at each one's start and
    # end (6) and at the end; salesnb's engine once, at the end (papermill then writes the same notebook once more)
    assert writes == [str(tmp_path / "01_goals.ipynb")]
    out = nbformat.read(tmp_path / "01_goals.ipynb", as_version=4)
    assert [c.execution_count for c in out.cells if c.cell_type == "code"] == [1, 2, 3] and out.cells[-1].outputs


def test_kernels_started_at_once_never_share_an_address(tmp_path, monkeypatch):
    """Kernels talk over Unix sockets in a folder of their own: TCP ports drawn by two kernels at once could
    collide, and the losing kernel hung on its way out while the notebook waited 300 s (seen in CI)."""
    import os
    import socket
    import threading

    from salesnb.report import kernels

    from jupyter_client.provisioning.local_provisioner import LocalPortCache

    held = socket.socket()
    held.bind(("127.0.0.1", 0))
    held.listen(1)
    taken = held.getsockname()[1]
    # the race, made certain: every port drawn is one another process has bound since (a TCP kernel cannot start)
    monkeypatch.setattr(LocalPortCache, "find_available_port", lambda self, ip: taken)
    managers = [kernels.kernel_manager_class()(kernel_name="python3") for _ in range(4)]
    replies: dict[int, str] = {}

    def start(i, km):
        km.start_kernel(cwd=str(tmp_path))
        kc = km.client()
        kc.start_channels()
        try:
            kc.wait_for_ready(timeout=30)
            replies[i] = kc.execute_interactive("x = 1", timeout=60)["content"]["status"]
        finally:
            kc.stop_channels()

    threads = [threading.Thread(target=start, args=(i, km)) for i, km in enumerate(managers)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        assert replies == {0: "ok", 1: "ok", 2: "ok", 3: "ok"}
        folders = {os.path.dirname(km.ip) for km in managers}
        assert len(folders) == 4
    finally:
        held.close()
        for km in managers:
            kernels._shut_down(km, now=True)
    assert not any(os.path.exists(folder) for folder in folders)  # removed with the kernel


def test_a_runs_kernels_allocate_arrow_memory_from_jemalloc(tmp_path, monkeypatch):
    """jemalloc gives freed memory back within a second (assembling 10M lines: 3.8 → 3.1 GB at the peak); the
    run sets it for the processes it starts, which read it when they import pyarrow. A pool the user named stays."""
    import os

    import pyarrow as pa

    from salesnb.memory import POOL_ENV

    try:
        pa.jemalloc_memory_pool()
    except NotImplementedError:
        pytest.skip("this pyarrow has no jemalloc")
    folder = _write_notebooks(tmp_path / "nb")
    nb = nbformat.read(folder / "01_goals.ipynb", as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(
        'import pyarrow as pa\nopen("pool.txt", "w").write(pa.default_memory_pool().backend_name)'))
    nbformat.write(nb, folder / "01_goals.ipynb")
    monkeypatch.setenv("SALESNB_NOTEBOOKS", str(folder))
    monkeypatch.delenv(POOL_ENV, raising=False)
    result = run_period(SAMPLE, "2025Q4", "en", tmp_path / "out", **QUIET)
    assert (result.folder / "pool.txt").read_text() == "jemalloc"
    import subprocess
    import sys

    probe = "from salesnb.memory import use_jemalloc_pool; print(use_jemalloc_pool())"
    for named in ("system", "mimalloc"):  # the user's own choice stays
        out = subprocess.run([sys.executable, "-c", probe], env={**os.environ, POOL_ENV: named},
                             capture_output=True, text=True, check=True)
        assert out.stdout.strip() == named
