"""Safety of what a run shows and writes: personal data quoted by a note
(title and footer lines) is masked; the CLI prints a DataError as a table and
exits 2 before any notebook runs; parameters are checked before papermill;
artifacts are written through a temporary name and os.replace; exports cannot
run formulas."""
from __future__ import annotations

import csv as csv_module
import io
import os

import openpyxl
import pandas as pd
import pytest
from rb_helpers import SALES_HEADER, csv, load, note, workspace

from salesnb import report
from salesnb.report import run as report_run
from salesnb.report import schedule as report_schedule
from salesnb.artifacts import atomic_write_bytes, write_csv, write_xlsx
from salesnb.cli import main
from salesnb.errors import RunRefused


def test_personal_data_in_title_and_footer_lines_is_masked_in_notes_and_quarantine(tmp_path):
    text = csv("导出人 李四 13912345678", SALES_HEADER, "O1,2025-01-05,C1,华东,A,100", "制表：zhang.san@example.com 0755-86668888")
    ws = load(tmp_path, {"sales.csv": text})
    assert note(ws, "header_not_first_row").examples == ("line 1: 导出人 李四 139****5678",)
    assert note(ws, "footer_rows_skipped").examples == ("line 4: 制表：z***@example.com 0755-****8888",)
    assert ws.quarantine["sales"]["reason"].tolist() == ["footer note: 制表：z***@example.com 0755-****8888"]
    quality = ws.quality_frame().to_json(force_ascii=False)  # what run.json and every data-quality section show
    assert "13912345678" not in quality and "zhang.san" not in quality and "86668888" not in quality


def test_customer_names_quoted_in_a_note_are_masked(tmp_path):
    customers = csv("客户编号,区域,客户名称,联系人", "C1,华东,南京立信精细化工有限公司,王建国", "C2,华北,北京宇航,李海燕")
    sales = csv("销售明细（王建国 经办）", SALES_HEADER, "O1,2025-01-05,C1,华东,A,100")
    ws = load(tmp_path, {"customers.csv": customers, "sales.csv": sales})
    assert note(ws, "header_not_first_row").examples == ("line 1: 销售明细（王** 经办）",)


def test_notes_are_what_the_report_data_quality_section_shows(tmp_path, monkeypatch):
    from IPython import display as ipd

    from salesnb import present

    shown = []
    # (obj, metadata): the full table is analyst-only since issue 16; the report page keeps one status line
    monkeypatch.setattr(ipd, "display", lambda obj, metadata=None: shown.append((obj.data, metadata)))
    text = csv(SALES_HEADER, "O1,2025-01-05,C1,华东,A,100", "O2,2025-01-06,C2,华北,B,200", "O2,2025-01-06,C2,华北,B,200", "合计,,,,,500")
    ws = load(tmp_path, {"sales.csv": text})
    present.quality_section(ws, "en")
    # one duplicate removed (a repair), one total row set aside (a warning)
    assert shown[0] == ('<p class="snb-quality">Data quality: 1 repair, 1 warning — <a href="data_quality.html">see the appendix</a></p>', None)
    assert all(md == present.ANALYST_ONLY for _, md in shown[1:])
    markup = "".join(data for data, _ in shown)
    for cell in ("duplicate_rows_removed", "line 4 = line 3", "total_rows_dropped", "line 5: total (合计) = amount 500.00 (matches 3 rows)"):
        assert f">{cell}<" in markup or cell in markup, cell
    row = ws.quality_frame().set_index("rule").loc["duplicate_rows_removed"]  # run.json's data_quality is this frame
    assert (row["severity"], row["count"], row["examples"]) == ("repair", 1, "line 4 = line 3")


def test_cli_run_prints_the_problem_table_and_exits_2_before_any_notebook(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(report_schedule, "_execute", lambda *a, **k: pytest.fail("a notebook was started"))
    folder = workspace(tmp_path / "acme", {"sales.csv": csv(SALES_HEADER, "O1,2025-01-05,C1,华东,A,12abc")})
    assert main(["run", str(folder), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    lines = err.splitlines()
    assert lines[0] == "error: 1 problem(s) in workspace 'acme':"
    assert lines[1].split() == ["file", "line", "column", "value", "rule"]
    assert lines[3].split() == ["sales.csv", "2", "amount", "'12abc'", "must", "be", "a", "number"]
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(("period", "lang"), [("../2024Q1", "en"), ("2025Q4/../../x", "en"), ("2025Q4", "../zh"), ("2025Q4\x00", "en")])
def test_period_and_lang_are_refused_before_the_workspace_is_read(tmp_path, monkeypatch, period, lang):
    for reader in ("load_workspace", "prepare"):  # however the run reads the workspace
        monkeypatch.setattr(report_run, reader, lambda *a, **k: pytest.fail("the workspace was read"), raising=False)
    with pytest.raises(RunRefused):
        report.run_period(tmp_path, period, lang, tmp_path / "out", progress=lambda m: None)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("params", [{"bad-name": "x"}, {"class": "x"}, {"period; import os": "x"}, {"period": 2025}, {"period": "a\x00b"}])
def test_parameters_that_papermill_would_write_into_code_are_refused(params):
    with pytest.raises(RunRefused, match="are not identifiers with text values"):
        report.check_parameters(params)


def test_atomic_write_keeps_the_previous_file_when_the_move_fails(tmp_path, monkeypatch):
    target = tmp_path / "artifacts" / "summary.json"
    atomic_write_bytes(target, b"old")

    def broken(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(OSError, match="disk full"):
        atomic_write_bytes(target, b"new")
    assert target.read_bytes() == b"old"
    assert [p.name for p in target.parent.iterdir()] == ["summary.json"]  # no temporary file left behind


@pytest.mark.parametrize("cell", ['=HYPERLINK("http://x","x")', "+1+1", "-1+cmd|' /C calc'!A0", "@SUM(A1)", "\t=1", "\r=1"])
def test_formula_like_text_is_inert_in_csv_and_xlsx_exports(tmp_path, cell):
    df = pd.DataFrame({"text": [cell], "amount": [-5.0]})
    rows = list(csv_module.reader(io.StringIO(write_csv(df, tmp_path, "t.csv").read_bytes().decode("utf-8-sig"), newline="")))
    assert rows[1] == ["'" + cell, "-5.0"]  # text neutralised, a negative number stays a number
    sheet = openpyxl.load_workbook(write_xlsx(df, tmp_path, "t.xlsx")).active
    # (XML reads a carriage return back as a line feed)
    assert (sheet["A2"].value, sheet["A2"].data_type, sheet["A2"].quotePrefix) == (cell.replace("\r", "\n"), "s", True)
    assert (sheet["B2"].value, sheet["B2"].data_type) == (-5.0, "n")
