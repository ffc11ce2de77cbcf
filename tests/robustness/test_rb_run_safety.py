"""A run never loses a user's file (issue 15 items 1-3, issue 14 item 4).

The register is written back where the user keeps it; two runs of one
workspace or one period never both publish; every place a run writes is
checked before the first notebook starts; the report and the register are
one publish; a failed step leaves the other steps' notebooks under failed/.

The runs use tiny stand-in notebooks (a few seconds each): step 4's stand-in
adds one action to the register the way notebook 04 does, through
``improve.update_register`` and ``improve.write_register``.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import openpyxl
import pandas as pd
import pytest

from rb_helpers import workspace
from salesnb import improve
from salesnb.cli import main
from salesnb.errors import RunRefused
from salesnb.io import load_workspace
from salesnb.report import NOTEBOOKS, NotebookFailed, run_period
from salesnb.report import checks as report_checks
from salesnb.report import run as report_run
from salesnb.runlock import LOCK_FILE, RunLock

ROOT = Path(__file__).resolve().parents[2]
QUIET = {"progress": lambda m: None}
PERIOD = "2025Q1"
SALES = ("order_id,order_date,customer_id,region,product_line,amount\n"
         "O1,2025-01-05,C1,华东,A,100\nO2,2025-02-05,C2,华北,B,200\nO3,2025-03-28,C1,华东,A,300\n")
FIRST_ROW = ["A2024Q4-01", "low_nps", "Call back detractors", "Service", "2024-10-01", "2025-03-31", "nps", "company",
             30.0, 40.0, "planned", "2024Q4", None, "kept by people"]

STEP4 = '''
import os, time
import pandas as pd
from salesnb import improve, report
from salesnb.io import load_workspace
from salesnb.periods import Period
p = Period.parse(period)
ws = load_workspace(workspace)
register = ws.tables.get("actions")
proposal = pd.DataFrame([{"problem_rank": 1, "problem": "run_" + str(os.getpid()), "segment": "company", "measure": "Stand-in",
                          "kpi": "nps", "owner": "Service", "start": p.start, "due": p.end, "baseline": 1.0, "target": 2.0,
                          "priority": 1.0}])
updated, added = improve.update_register(register.reset_index(drop=True) if register is not None and len(register) else None, proposal, p)
improve.write_register(updated, output_dir + "/artifacts/actions.xlsx", p)
'''


def _notebooks(folder: Path, failing: str | None = None, sleep_env: bool = False) -> Path:
    """Stand-ins for the four notebooks: each records a metric; ``failing`` raises; step 4 adds an action."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in NOTEBOOKS:
        nb = nbformat.v4.new_notebook()
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        params = nbformat.v4.new_code_cell('workspace = ""\nperiod = ""\nlang = "en"\noutput_dir = "."')
        params.metadata["tags"] = ["parameters"]
        body = f'from salesnb.artifacts import record_metrics\nrecord_metrics(output_dir, "{name}", {{"{name}_ran": 1}})'
        if name == "01_goals" and sleep_env:
            body += '\nimport os, time\ntime.sleep(float(os.environ.get("RB_STEP1_SLEEP", "0")))'
        if name == "04_improvement":
            body += STEP4
        if name == failing:
            body = f'raise ValueError("planted failure in {name} for " + period)'
        nb.cells = [params, nbformat.v4.new_code_cell(body)]
        nbformat.write(nb, folder / f"{name}.ipynb")
    return folder


@pytest.fixture
def nbs(tmp_path, monkeypatch):
    folder = _notebooks(tmp_path / "nb")
    monkeypatch.setenv("SALESNB_NOTEBOOKS", str(folder))
    return folder


#: A register as an earlier version wrote it (measure and owner as text): it still loads, and keeps its columns
#: where they were, the key columns of the language-neutral register added after them.
LEGACY_COLUMNS = ["action_id", "problem", "measure", "owner", "start", "due", "kpi", "segment", "baseline", "target", "status",
                  "period_opened", "period_closed", "notes"]


def _register_frame(rows=(FIRST_ROW,)) -> pd.DataFrame:
    frame = pd.DataFrame(list(rows), columns=LEGACY_COLUMNS)
    frame["start"], frame["due"] = pd.to_datetime(frame["start"]), pd.to_datetime(frame["due"])
    return frame


def _ws(folder: Path, yaml_tables: str = "", files: dict | None = None) -> Path:
    return workspace(folder, {"sales.csv": SALES, **(files or {})}, yaml="company:\n  name: Demo\n" + yaml_tables)


def _files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def _ids(table: pd.DataFrame) -> list[str]:
    return list(table["action_id"].astype(str))


# ------------------------------------------------------------ 1. the register stays where the user keeps it

def test_register_in_a_subfolder_with_its_own_name_sheet_and_headers_is_written_back_there(tmp_path, nbs, capsys):
    ws = _ws(tmp_path / "ws", "tables:\n  actions: {file: 台账/改进措施.xlsx, sheet: 措施}\n")
    book = openpyxl.Workbook()
    book.active.title = "说明"
    book.active["A1"] = "a note sheet the team keeps"
    sheet = book.create_sheet("措施")
    sheet.append(["措施编号", "问题", "措施", "责任人", "开始日期", "截止日期", "指标", "segment", "基线", "目标", "状态",
                  "period_opened", "period_closed", "notes"])
    sheet.append(FIRST_ROW[:4] + [pd.Timestamp(FIRST_ROW[4]).to_pydatetime(), pd.Timestamp(FIRST_ROW[5]).to_pydatetime()] + FIRST_ROW[6:])
    (ws / "台账").mkdir()
    book.save(ws / "台账" / "改进措施.xlsx")
    before = (ws / "台账" / "改进措施.xlsx").read_bytes()

    result = run_period(ws, PERIOD, "en", tmp_path / "out", **QUIET)

    register = ws / "台账" / "改进措施.xlsx"
    assert register.is_file() and not (ws / "actions.xlsx").exists()
    written = openpyxl.load_workbook(register)
    # _labels: how each report names the register's measure and owner keys (issue 16)
    assert written.sheetnames == ["说明", "措施", "_salesnb", "_labels"] and written["说明"]["A1"].value == "a note sheet the team keeps"
    assert [c.value for c in written["措施"][1]][:4] == ["措施编号", "问题", "措施", "责任人"]  # the team's headers
    assert (ws / "台账" / "actions.history" / "initial.xlsx").read_bytes() == before  # the replaced version, beside it
    published = pd.read_excel(result.folder / "artifacts" / "actions.xlsx", sheet_name="actions", dtype=str)
    assert _ids(load_workspace(ws).table("actions")) == _ids(published) == ["A2024Q4-01", "A2025Q1-01"]
    assert main(["validate", str(ws)]) == 0
    assert sorted(p.name for p in ws.iterdir()) == ["customers.csv", "sales.csv", "workspace.yaml", "台账"]  # no lock or temp file left


def test_a_csv_register_stays_a_csv(tmp_path, nbs):
    ws = _ws(tmp_path / "ws")
    _register_frame().to_csv(ws / "actions.csv", index=False, date_format="%Y-%m-%d")
    before = (ws / "actions.csv").read_bytes()
    run_period(ws, PERIOD, "en", tmp_path / "out", **QUIET)
    assert not (ws / "actions.xlsx").exists()
    assert (ws / "actions.history" / f"before-{PERIOD}.csv").read_bytes() == before
    text = (ws / "actions.csv").read_text(encoding="utf-8-sig")
    assert text.splitlines()[0] == ",".join(LEGACY_COLUMNS + ["problem_id", "measure_key", "owner_key"])
    assert "A2024Q4-01,low_nps,Call back detractors,Service,2024-10-01,2025-03-31" in text  # dates stay dates
    assert _ids(load_workspace(ws).table("actions")) == ["A2024Q4-01", "A2025Q1-01"]
    assert main(["validate", str(ws)]) == 0


def test_a_gb18030_csv_register_with_chinese_headers_keeps_its_encoding_and_headers(tmp_path):
    """Library level (no run): ``publish_register`` as ``salesnb run`` calls it."""
    ws = _ws(tmp_path / "ws")
    header = "措施编号,问题,措施,责任人,开始日期,截止日期,指标,segment,基线,目标,状态,period_opened,period_closed,notes"
    (ws / "actions.csv").write_bytes((header + "\nA1,low_nps,回访,客服部,2024-10-01,2025-03-31,nps,company,30,40,计划中,2024Q4,,备注\n").encode("gb18030"))
    read = load_workspace(ws)
    assert read.sources["actions"].encoding == "gb18030"
    p = improve.Period.parse(PERIOD)
    proposal = pd.DataFrame([{"problem_rank": 1, "problem": "x", "segment": "company", "measure": "M", "kpi": "nps", "owner": "O",
                              "start": p.start, "due": p.end, "baseline": 1.0, "target": 2.0, "priority": 1.0}])
    updated, _ = improve.update_register(read.table("actions").reset_index(drop=True), proposal, p)
    improve.write_register(updated, tmp_path / "run" / "actions.xlsx", p)
    assert improve.publish_register(ws, tmp_path / "run" / "actions.xlsx", p, encoding="gb18030") == ws / "actions.csv"
    assert (ws / "actions.csv").read_bytes().decode("gb18030").splitlines() == [
        header + ",problem_id,measure_key,owner_key",  # the team's headers, then the register's key columns (issue 16)
        "A1,low_nps,回访,客服部,2024-10-01,2025-03-31,nps,company,30,40,planned,2024Q4,,备注,,,",  # 计划中 is read as planned
        "A2025Q1-01,x,M,O,2025-01-01,2025-03-31,nps,company,1,2,planned,2025Q1,,,,,",
    ]
    assert _ids(load_workspace(ws).table("actions")) == ["A1", "A2025Q1-01"]


def test_a_register_outside_the_workspace_is_refused_before_anything_runs_unless_allowed(tmp_path, nbs, capsys):
    ws = _ws(tmp_path / "ws", "tables:\n  actions: {file: ../shared/actions.xlsx}\n")
    (tmp_path / "shared").mkdir()
    improve.write_register(_register_frame(), tmp_path / "shared" / "actions.xlsx", improve.Period.parse("2024Q4"))
    before = (tmp_path / "shared" / "actions.xlsx").read_bytes()
    assert main(["run", str(ws), "--period", PERIOD, "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert f"the action register resolves to {tmp_path / 'shared' / 'actions.xlsx'}, outside the workspace {ws}" in err
    assert "--allow-register-outside" in err
    assert not (tmp_path / "out").exists() and (tmp_path / "shared" / "actions.xlsx").read_bytes() == before

    # a symbolic link out of the workspace is the same thing
    link = _ws(tmp_path / "ws2")
    (link / "actions.xlsx").symlink_to(tmp_path / "shared" / "actions.xlsx")
    with pytest.raises(RunRefused, match="outside the workspace"):
        run_period(link, PERIOD, "en", tmp_path / "out", **QUIET)

    run_period(ws, PERIOD, "en", tmp_path / "out", allow_register_outside=True, **QUIET)
    assert _ids(load_workspace(ws).table("actions")) == ["A2024Q4-01", "A2025Q1-01"]
    assert (tmp_path / "shared" / "actions.history" / "2024Q4.xlsx").read_bytes() == before
    assert main(["validate", str(ws)]) == 0


# ------------------------------------------------------------ 2. one run at a time

def _env(**extra) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""), **extra}
    env.pop("SALESNB_LOCK_WAIT", None)
    return env


def test_two_runs_of_one_workspace_at_once_the_second_refuses_and_nothing_is_lost(tmp_path):
    """Two real ``python -m salesnb run`` processes on one workspace."""
    ws = _ws(tmp_path / "ws")
    improve.write_register(_register_frame(), ws / "actions.xlsx", improve.Period.parse("2024Q4"))
    env = _env(SALESNB_NOTEBOOKS=str(_notebooks(tmp_path / "nb", sleep_env=True)), RB_STEP1_SLEEP="6")
    out = tmp_path / "out"
    first = subprocess.Popen([sys.executable, "-m", "salesnb", "run", str(ws), "--period", PERIOD, "--out", str(out)],
                             env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lock = ws / LOCK_FILE
    deadline = time.monotonic() + 120
    while not (lock.exists() and lock.stat().st_size) and time.monotonic() < deadline and first.poll() is None:
        time.sleep(0.1)
    assert lock.exists(), first.communicate()
    second = subprocess.run([sys.executable, "-m", "salesnb", "run", str(ws), "--period", "2024Q4", "--out", str(out), "--wait", "1"],
                            env=env, capture_output=True, text=True, timeout=300)
    out1, err1 = first.communicate(timeout=600)
    assert first.returncode == 0, err1
    assert second.returncode == 2, second.stderr
    assert f"workspace {ws} is in use by another salesnb run (pid {first.pid} on " in second.stderr
    assert "waited 1 s. Wait for that run to finish and run again" in second.stderr
    # nothing lost: the first run's new action is in the register, and the second run published nothing
    published = pd.read_excel(out / "ws" / PERIOD / "artifacts" / "actions.xlsx", sheet_name="actions", dtype=str)
    assert _ids(load_workspace(ws).table("actions")) == _ids(published) == ["A2024Q4-01", "A2025Q1-01"]
    assert sorted(p.name for p in (out / "ws").iterdir()) == [PERIOD] and not lock.exists()


HOLD = """
import sys, time
from salesnb.runlock import RunLock
with RunLock(sys.argv[1], "test"):
    print("held", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def test_a_period_folder_held_by_another_process_is_refused_even_with_force(tmp_path, nbs):
    ws = _ws(tmp_path / "ws")
    out = tmp_path / "out"
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(out / "ws" / f".{PERIOD}.lock"), "60"], env=_env(),
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(RunRefused) as info:
            run_period(ws, PERIOD, "en", out, force=True, lock_wait=0.5, **QUIET)
        assert f"period folder {out / 'ws' / PERIOD} is in use by another salesnb run (pid {holder.pid} on " in str(info.value)
        assert not (out / "ws" / PERIOD).exists() and not list((out / "ws").glob(f".{PERIOD}.running-*"))
    finally:
        holder.kill()
        holder.wait()
    # the holder is gone (killed): its lock went with it, a stale lock file does not block
    assert RunLock(out / "ws" / f".{PERIOD}.lock", "test", wait=0).acquire().release() is None


# ------------------------------------------------------------ 3. every place a run writes, checked first

def test_a_read_only_register_or_one_open_in_excel_is_refused_before_any_notebook(tmp_path, nbs, capsys):
    ws = _ws(tmp_path / "ws")
    register = ws / "actions.xlsx"
    improve.write_register(_register_frame(), register, improve.Period.parse("2024Q4"))
    before = register.read_bytes()
    out = tmp_path / "out"
    register.chmod(0o444)
    assert main(["run", str(ws), "--period", PERIOD, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"error: the action register {register} is read-only, and the run writes the updated register back to it: " \
           "clear its read-only flag (file Properties, or chmod u+w) and run again" in err
    register.chmod(0o644)
    (ws / "~$actions.xlsx").write_bytes(b"\x00owner")
    assert main(["run", str(ws), "--period", PERIOD, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"actions.xlsx is open in Excel (its lock file ~$actions.xlsx is beside it in {ws}): close actions.xlsx in Excel and run again" in err
    # no notebook ran, nothing was written anywhere
    assert not (out / "ws" / PERIOD).exists() and not (out / "ws" / "failed").exists()
    assert register.read_bytes() == before and not (ws / "actions.history").exists()
    assert sorted(p.name for p in ws.iterdir()) == ["actions.xlsx", "customers.csv", "sales.csv", "workspace.yaml", "~$actions.xlsx"]


def test_a_failed_register_replace_rolls_the_report_back(tmp_path, nbs, monkeypatch):
    ws = _ws(tmp_path / "ws")
    register = ws / "actions.xlsx"
    improve.write_register(_register_frame(), register, improve.Period.parse("2024Q4"))
    out = tmp_path / "out"
    earlier = run_period(ws, PERIOD, "en", out, **QUIET).folder
    earlier_run = (earlier / "run.json").read_bytes()
    before, history = register.read_bytes(), _files(ws / "actions.history")

    def refuse(self):
        raise PermissionError(13, "Permission denied", str(self.target))

    # actions.xlsx opened in Excel while the notebooks ran: refused before anything moves
    schedule = report_run._schedule

    def open_in_excel_meanwhile(*args, **kwargs):
        done = schedule(*args, **kwargs)
        (ws / "~$actions.xlsx").write_bytes(b"\x00owner")
        return done

    monkeypatch.setattr(report_run, "_schedule", open_in_excel_meanwhile)
    with pytest.raises(RunRefused, match=r"actions.xlsx is open in Excel .*close actions.xlsx in Excel and run again"):
        run_period(ws, PERIOD, "en", out, force=True, **QUIET)
    assert (earlier / "run.json").read_bytes() == earlier_run and sorted(p.name for p in (out / "ws").iterdir()) == [PERIOD]
    assert register.read_bytes() == before and _files(ws / "actions.history") == history
    (ws / "~$actions.xlsx").unlink()
    monkeypatch.setattr(report_run, "_schedule", schedule)

    # the final replace of the register fails: the report goes back out
    monkeypatch.setattr(improve.StagedRegister, "commit", refuse)
    with pytest.raises(RunRefused, match=r"could not be replaced \(Permission denied\); nothing was published and the register is as it was"):
        run_period(ws, PERIOD, "en", out, force=True, **QUIET)
    assert (earlier / "run.json").read_bytes() == earlier_run  # the earlier period folder is back in place
    assert sorted(p.name for p in (out / "ws").iterdir()) == [PERIOD]  # no staging, no .replaced- folder
    assert register.read_bytes() == before and _files(ws / "actions.history") == history  # no history copy of a replace that did not happen
    assert not [p for p in ws.rglob("*") if p.name.endswith(".tmp")]


@pytest.fixture
def tiny_fs(tmp_path):
    """A 5 MB tmpfs (we run as root in CI); skipped where mounting is not permitted."""
    mount = tmp_path / "small"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=5m", "tmpfs", str(mount)], capture_output=True, text=True)
    if done.returncode:
        pytest.skip(f"cannot mount a 5 MB tmpfs here ({done.stderr.strip() or done.returncode})")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def _fill(folder: Path, leave: int) -> None:
    free = shutil.disk_usage(folder).free
    with open(folder / "filler", "wb") as f:
        f.write(b"\0" * max(0, free - leave))


def test_a_full_output_file_system_ends_with_a_clear_message_and_the_earlier_period_intact(tmp_path, nbs, tiny_fs, monkeypatch, capsys):
    ws = _ws(tmp_path / "ws")
    monkeypatch.setenv("SALESNB_MIN_FREE_MB", "0.5")
    earlier = run_period(ws, PERIOD, "en", tiny_fs, **QUIET).folder
    digest = {p: p.read_bytes() for p in earlier.rglob("*") if p.is_file()}
    register = (ws / "actions.xlsx").read_bytes()

    # refused by the preflight: the file system has less than the floor
    _fill(tiny_fs, 200_000)
    assert main(["run", str(ws), "--period", PERIOD, "--out", str(tiny_fs), "--force"]) == 2
    err = capsys.readouterr().err
    size = sum(p.stat().st_size for p in earlier.rglob("*") if p.is_file())
    free = shutil.disk_usage(tiny_fs).free
    assert (f"error: only {free / 2**20:.1f} MB free on the file system of {tiny_fs / 'ws'}; a run needs about {3 * size / 2**20:.1f} MB "
            f"(3 × the last period folder {PERIOD}, at least 0.5 MB): free some space or choose another --out, then run again") in err

    # the disk fills up while the run writes: the same clear message, nothing half-published
    monkeypatch.setenv("SALESNB_MIN_FREE_MB", "0")
    monkeypatch.setattr(report_checks, "_FREE_FACTOR", 0)  # let the run start, so that it meets the full disk while writing
    (tiny_fs / "filler").unlink()
    _fill(tiny_fs, 20_000)
    assert main(["run", str(ws), "--period", PERIOD, "--out", str(tiny_fs), "--force"]) == 2
    err = capsys.readouterr().err
    assert "error: the disk is full (no space left on device while writing" in err
    assert f"nothing was published, the earlier {earlier} is intact and the action register was not touched" in err
    assert {p: p.read_bytes() for p in earlier.rglob("*") if p.is_file()} == digest
    assert sorted(p.name for p in (tiny_fs / "ws").iterdir()) == [PERIOD]
    assert (ws / "actions.xlsx").read_bytes() == register


# ------------------------------------------------------------ 4. a failed step: the others still run

def test_a_failed_step_names_itself_and_the_steps_that_do_not_need_it_still_run(tmp_path, monkeypatch, capsys):
    ws = _ws(tmp_path / "ws")
    improve.write_register(_register_frame(), ws / "actions.xlsx", improve.Period.parse("2024Q4"))
    before = (ws / "actions.xlsx").read_bytes()
    monkeypatch.setenv("SALESNB_NOTEBOOKS", str(_notebooks(tmp_path / "nb2", failing="02_breakdown")))
    assert main(["run", str(ws), "--period", PERIOD, "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert "error: Step 2 · Plan breakdown and resources (02_breakdown) failed: cell [3] ValueError: planted failure in 02_breakdown for 2025Q1" in err
    assert "Steps that finished: 01_goals, 03_diagnosis, 04_improvement." in err
    assert "nothing was published and the action register was not touched" in err
    assert "Traceback" not in err and "---------" not in err
    failed = only_child(tmp_path / "out" / "ws" / "failed")
    assert failed.name.startswith(f"{PERIOD}-")
    assert {p.name for p in failed.glob("*.ipynb")} == {f"{n}.ipynb" for n in NOTEBOOKS}
    assert {p.name for p in (failed / "report").glob("*.html")} == {"01_goals.html", "03_diagnosis.html", "04_improvement.html"}
    assert json.loads((failed / "artifacts" / "summary.json").read_text())["metrics"] == {"01_goals_ran": 1, "03_diagnosis_ran": 1, "04_improvement_ran": 1}
    assert (ws / "actions.xlsx").read_bytes() == before and not (ws / "actions.history").exists()
    assert not (tmp_path / "out" / "ws" / PERIOD).exists()

    # step 1 failing: step 3 still runs, steps 2 and 4 (they read step 1's goals) are not started
    monkeypatch.setenv("SALESNB_NOTEBOOKS", str(_notebooks(tmp_path / "nb1", failing="01_goals")))
    with pytest.raises(NotebookFailed) as info:
        run_period(ws, PERIOD, "en", tmp_path / "out", **QUIET)
    assert info.value.notebook == "01_goals" and info.value.ran == ("03_diagnosis",)
    assert info.value.skipped == ("02_breakdown", "04_improvement")
    assert "Not run because they need a failed step: 02_breakdown, 04_improvement." in str(info.value)
    assert {p.name for p in info.value.failed_dir.glob("*.ipynb")} == {"01_goals.ipynb", "03_diagnosis.ipynb"}


def only_child(folder: Path) -> Path:
    children = list(folder.iterdir())
    assert len(children) == 1, children
    return children[0]


@pytest.mark.e2e
def test_with_the_real_notebooks_a_plan_error_in_step_2_names_it_and_keeps_the_other_three(tmp_path, capsys):
    """The sample with one override typed with too many digits: only step 2 reads ``breakdown.overrides``."""
    from conftest import SAMPLE

    ws = tmp_path / "sample"
    shutil.copytree(SAMPLE, ws, ignore=shutil.ignore_patterns("actions.xlsx", "actions.history", ".salesnb.lock"))
    config = (ws / "workspace.yaml").read_text(encoding="utf-8")
    typo = config.replace("- {scope: {region: 华南}, growth: 0.25,", "- {scope: {region: 华南}, value: 99999999999,")
    assert typo != config
    (ws / "workspace.yaml").write_text(typo, encoding="utf-8")
    assert main(["run", str(ws), "--period", "2025Q4", "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert ("error: Step 2 · Plan breakdown and resources (02_breakdown) failed: cell [8] PlanError: overrides on region "
            "(华南 99,999,999,999) add up to 99,999,999,999, more than the total ") in err
    assert "Steps that finished: 01_goals, 03_diagnosis, 04_improvement." in err and "Traceback" not in err
    failed = only_child(tmp_path / "out" / "sample" / "failed")
    assert {p.name for p in failed.glob("*.ipynb")} == {f"{n}.ipynb" for n in NOTEBOOKS}
    assert {p.name for p in (failed / "report").glob("*.html")} == {"01_goals.html", "03_diagnosis.html", "04_improvement.html"}
    assert (failed / "artifacts" / "pareto.csv").is_file() and (failed / "artifacts" / "diagnosis.json").is_file()  # step 3 is kept
    assert not (ws / "actions.xlsx").exists() and not (tmp_path / "out" / "sample" / "2025Q4").exists()
