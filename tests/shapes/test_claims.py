"""The claim checks fire on a contradiction and stay quiet on a consistent run (hand-made run folders)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from .claims import (Run, check_coverage_sentence, check_no_literals, check_no_na_tiles, check_no_problem_sentence,
                     check_no_traceback, check_pages, check_pareto_sentence, check_quality_line, check_repurchase,
                     check_target_checks)

pytestmark = pytest.mark.shapes

TILE = '<div class="tile"><div class="k">{k}</div><div class="v ">{v}</div><div class="d">{d}</div></div>'


def run_folder(tmp: Path, pages: dict[str, str] | None = None, artifacts: dict[str, str] | None = None, notes=(), lang="en") -> Run:
    pages, artifacts = pages or {}, artifacts or {}
    (tmp / "report").mkdir(parents=True)
    (tmp / "artifacts").mkdir()
    for name in ("index.html", "01_goals.html", "02_breakdown.html", "03_diagnosis.html", "04_improvement.html"):
        (tmp / "report" / name).write_text(f"<html><style>.x{{}}</style><body>{pages.get(name, '')}</body></html>", encoding="utf-8")
    for name, text in artifacts.items():
        (tmp / "artifacts" / name).write_text(text, encoding="utf-8")
    (tmp / "run.json").write_text(json.dumps({"data_quality": list(notes), "parameters": {"workspace": str(tmp)}}), encoding="utf-8")
    return Run(tmp, lang, {"diagnosis": {"pareto_threshold": 0.8}})


def test_pages_and_broken_text(tmp_path):
    run = run_folder(tmp_path, {"01_goals.html": "<p>KeyError: 'x'</p><p>Revenue () and nan and None</p>"})
    assert check_pages(run) == []
    assert "KeyError" in check_no_traceback(run)[0]
    assert check_no_literals(run)[0].startswith("01_goals.html: 3×")
    (tmp_path / "report" / "04_improvement.html").unlink()
    assert check_pages(run) == ["report/04_improvement.html missing"]


def test_billing_errors_and_style_are_not_findings(tmp_path):
    run = run_folder(tmp_path, {"03_diagnosis.html": "<p>Billing errors (3 tickets); Nonetheless, nano-scale (n=0)</p>"})
    assert check_no_traceback(run) == [] and check_no_literals(run) == []


def test_na_tiles(tmp_path):
    tiles = TILE.format(k="NPS", v="n/a", d="95% interval n/a … n/a, n=0") + TILE.format(k="Revenue", v="1.2 million CNY", d="target n/a")
    run = run_folder(tmp_path, {"index.html": f'<div class="tiles">{tiles}</div><p>Service: n/a complaints this period.</p>'})
    found = check_no_na_tiles(run)
    assert len(found) == 3 and found[0].startswith("tile 'NPS'") and "Service" in found[2]


def test_na_tiles_in_chinese(tmp_path):
    tiles = TILE.format(k="复购率", v="89.6%", d="流失率 10.4%；无历史")
    run = run_folder(tmp_path, {"index.html": f"{tiles}<p>服务：本期投诉 无 起；无 的工单首次响应超时。</p>"}, lang="zh")
    assert check_no_na_tiles(run) == ["index line: '服务：本期投诉 无 起；无 的工单首次响应超时。'"]


def test_quality_line(tmp_path):
    page = {"index.html": "<p>Data quality: 1 note(s) on the input data: repairs were applied as documented; warnings need a look.</p>"}
    assert check_quality_line(run_folder(tmp_path / "a", page, notes=[{"severity": "info"}]))
    assert check_quality_line(run_folder(tmp_path / "b", page, notes=[{"severity": "warning"}])) == []


def test_repurchase_one_number(tmp_path):
    base = "metric,current,previous\nrepurchase_rate,0.346,0.5\n"
    shown = TILE.format(k="Repurchase rate", v="n/a", d="needs 24 months")
    assert "but baselines.csv has 34.6%" in check_repurchase(run_folder(tmp_path / "a", {"index.html": shown}, {"baselines.csv": base}))[0]
    same = TILE.format(k="Repurchase rate", v="34.6%", d="churn 65.4%")
    assert check_repurchase(run_folder(tmp_path / "b", {"index.html": same}, {"baselines.csv": base})) == []


def test_no_problem_sentence_against_the_pareto(tmp_path):
    page = {"03_diagnosis.html": "<p>No Pareto effect: 4 of 5 complaint categories are needed to cover 83% of 100 tickets, so no category "
                                 "dominates (the largest is A, 32%).</p>"}
    led = "cause,count,share,cum_share,vital_few\nA,32,0.32,0.32,True\nB,17,0.17,0.49,True\nC,17,0.17,0.66,True\nD,17,0.17,0.83,False\nE,17,0.17,1.0,False\n"
    assert "top 'A' has 32% of 5" in check_no_problem_sentence(run_folder(tmp_path / "a", page, {"pareto.csv": led}))[0]
    even = "cause,count,share,cum_share,vital_few\nA,26,0.26,0.26,True\nB,25,0.25,0.51,True\nC,25,0.25,0.76,True\nD,24,0.24,1.0,False\n"
    assert check_no_problem_sentence(run_folder(tmp_path / "b", page, {"pareto.csv": even})) == []
    drivers = "dimension,quadrant\nafter_sales,fix_first\nprice,keep_up\n"
    silent = {"03_diagnosis.html": "<p>No problem type could be ranked in this period.</p>"}
    assert "fix-first dimensions" in check_no_problem_sentence(run_folder(tmp_path / "c", silent, {"drivers.csv": drivers}))[0]
    named = {"03_diagnosis.html": "<p>No problem type could be ranked in this period. after_sales sit in the fix-first quadrant of the "
                                  "driver table, but no problem type is mapped to them (diagnosis.dimension_problems).</p>"}
    assert check_no_problem_sentence(run_folder(tmp_path / "d", named, {"drivers.csv": drivers})) == []


def test_vital_few_counts_and_majority(tmp_path):
    par = "cause,count,share,cum_share,vital_few\nA,4,0.29,0.29,True\nB,4,0.29,0.57,True\nC,3,0.21,0.79,True\nD,2,0.14,0.93,True\nE,1,0.07,1.0,False\n"
    page = {"03_diagnosis.html": "<p>4 of 5 complaint categories are the vital few, covering 93% of 14 tickets: A, B, C, D.</p>"}
    assert check_pareto_sentence(run_folder(tmp_path / "a", page, {"pareto.csv": par})) == [
        "step 3 calls 4 of 5 complaint categories 'the vital few': no Pareto effect"]
    zh = {"03_diagnosis.html": "<p>5 个投诉类别中 3 个为关键少数，覆盖 14 起投诉的 93%：A、B、C。</p>"}
    assert check_pareto_sentence(run_folder(tmp_path / "b", zh, {"pareto.csv": par}, lang="zh")) == [
        "step 3 says 3 of 5 categories are the vital few, pareto.csv has 4 of 5",
        "step 3 calls 3 of 5 complaint categories 'the vital few': no Pareto effect"]


def test_target_checks(tmp_path):
    tc = ("level,node,base,target,implied_growth,best_growth,worst_growth,years,share,flag\n"
          "region,East,100,225.9,1.259,,,0,1.0,ok\nregion,West,100,110,0.1,0.2,0.0,2,0.5,ok\n")
    page = {"02_breakdown.html": "<p>Every part's implied growth is within its own history.</p>"}
    found = check_target_checks(run_folder(tmp_path, page, {"target_checks.csv": tc}))
    assert found[0].startswith("target_checks.csv: 1 part(s) without history flagged ok, e.g. region=East")
    assert found[1] == "step 2 says every part is within its own history, 1 part(s) have none"


def test_flag_count(tmp_path):
    tc = "level,node,base,target,implied_growth,best_growth,worst_growth,years,share,flag\nregion,East,100,160,0.6,0.13,0.0,2,1.0,beyond_history\n"
    page = {"02_breakdown.html": "<p>Parts that need a look (2): East +60.0%.</p>"}
    assert check_target_checks(run_folder(tmp_path, page, {"target_checks.csv": tc})) == [
        "step 2 says 2 part(s) need a look, target_checks.csv flags 1"]


def test_coverage_sentence(tmp_path):
    bad = {"03_diagnosis.html": "<p>This period 51 answers came in; the strata furthest below plan are 东 · lost customers (25900%), 西 · buying customers (80%).</p>"}
    assert "[25900.0]%" in check_coverage_sentence(run_folder(tmp_path / "a", bad))[0]
    ok = {"03_diagnosis.html": "<p>This period 12 answers came in; the strata furthest below plan are 西 · lost customers (30%), 东 · buying customers (90%).</p>"}
    assert check_coverage_sentence(run_folder(tmp_path / "b", ok)) == []
