"""End to end: `salesnb run` on the bundled sample, checked against an
independent pandas reading of the raw files."""
from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import SAMPLE
from salesnb.cli import main
from salesnb.errors import RunRefused
from salesnb.report import NOTEBOOKS, run_period

pytestmark = pytest.mark.e2e

Z = 1.959963984540054  # standard normal 97.5 % quantile
Q4_START, Q4_END = pd.Timestamp("2025-10-01"), pd.Timestamp("2026-01-01")


def _digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


def _copy_of_sample(tmp: Path) -> Path:
    """Runs write the action register into their workspace: never run on the committed sample itself."""
    target = tmp / "sample"
    shutil.copytree(SAMPLE, target, ignore=shutil.ignore_patterns("actions.xlsx", "actions.history"))
    return target


@pytest.fixture(scope="module")
def en_run(quarterly_loop):
    """The 2025Q4 English run of the shared two-quarter loop (conftest.py)."""
    return quarterly_loop.q4, quarterly_loop.out, quarterly_loop.messages


@pytest.fixture(scope="module")
def independent():
    """The summary metrics computed from the raw files with plain pandas (no salesnb)."""
    sales = pd.read_csv(SAMPLE / "sales.csv", encoding="utf-8-sig", dtype=str)
    sales["amount"] = sales["销售额"].astype(float)
    sales["date"] = pd.to_datetime(sales["下单日期"])
    sales = sales.drop_duplicates()  # exact duplicate lines are removed by salesnb (documented repair)
    q4 = sales[(sales["date"] >= Q4_START) & (sales["date"] < Q4_END)]
    q4_prev = sales[(sales["date"] >= "2024-10-01") & (sales["date"] < "2025-01-01")]
    first = sales[sales["amount"] > 0].groupby("客户编号")["date"].min()
    new_ids = set(first[(first >= Q4_START) & (first < Q4_END)].index)

    surveys = pd.read_csv(SAMPLE / "surveys.csv", dtype={"customer_id": str})
    surveys["survey_date"] = pd.to_datetime(surveys["survey_date"])
    s4 = surveys[(surveys["survey_date"] >= Q4_START) & (surveys["survey_date"] < Q4_END)]
    scores = s4["nps"].dropna()
    p_p, p_d, n = (scores >= 9).mean(), (scores <= 6).mean(), len(scores)
    se = 100 * np.sqrt((p_p + p_d - (p_p - p_d) ** 2) / n)

    complaints = pd.read_csv(SAMPLE / "complaints.csv", encoding="gb18030", dtype=str)
    opened = pd.to_datetime(complaints["投诉时间"])
    first_resp = pd.to_datetime(complaints["首次响应时间"])
    c4 = (opened >= Q4_START) & (opened < Q4_END)
    hours = (first_resp.fillna(Q4_END) - opened)[c4].dt.total_seconds() / 3600
    buys = sales[sales["amount"] > 0]
    base = set(buys.loc[buys["date"].dt.year == 2024, "客户编号"])
    current = buys[buys["date"].dt.year == 2025]
    orders_per = current.groupby("客户编号")["订单号"].nunique()
    return {
        "repurchase_rate": len(base & set(current["客户编号"])) / len(base),
        "churn_rate": 1 - len(base & set(current["客户编号"])) / len(base),
        "repeat_purchase_rate": (orders_per >= 2).mean(),
        "revenue": q4["amount"].sum(),
        "revenue_prev_year": q4_prev["amount"].sum(),
        "revenue_yoy": q4["amount"].sum() / q4_prev["amount"].sum() - 1,
        "orders": q4.loc[q4["amount"] > 0, "订单号"].nunique(),
        "active_customers": q4.loc[q4["amount"] > 0, "客户编号"].nunique(),
        "new_customers": len(new_ids & set(q4["客户编号"])),
        "new_customer_revenue_share": q4.loc[q4["客户编号"].isin(new_ids) & (q4["date"] >= Q4_START), "amount"].sum() / q4["amount"].sum(),
        "nps": 100 * (p_p - p_d),
        "nps_ci_low": 100 * (p_p - p_d) - Z * se,
        "nps_ci_high": 100 * (p_p - p_d) + Z * se,
        "nps_n": n,
        "satisfaction_mean": s4["satisfaction"].dropna().mean(),
        "satisfaction_top2": (s4["satisfaction"].dropna() >= 4).mean(),
        "complaints": int(c4.sum()),
        "response_over_promise_share": (hours > 48).mean(),
        "median_first_response_hours": hours.median(),
    }


def test_run_publishes_notebooks_html_artifacts_and_run_json(en_run):
    result, out, messages = en_run
    folder = out / "sample" / "2025Q4"
    assert result.folder == folder and result.index_html == folder / "report" / "index.html"
    for name in NOTEBOOKS:
        nb = json.loads((folder / f"{name}.ipynb").read_text(encoding="utf-8"))
        errors = [o for c in nb["cells"] if c["cell_type"] == "code" for o in c["outputs"] if o["output_type"] == "error"]
        assert not errors, f"{name} has error outputs"
        assert (folder / "report" / f"{name}.html").is_file()
    assert (folder / "report" / "index.html").is_file()
    assert len(list((folder / "report").glob("*.html"))) == 6  # the summary, four steps and the data-quality appendix
    assert (folder / "report" / "data_quality.html").is_file()
    # no staging folder left behind (2025Q3 is the loop's earlier quarter), progress was reported per notebook
    assert sorted(p.name for p in (out / "sample").iterdir()) == ["2025Q3", "2025Q4"]
    assert sum("done in" in m for m in messages) == 4


def test_summary_metrics_equal_an_independent_pandas_computation(en_run, independent):
    folder = en_run[0].folder
    metrics = json.loads((folder / "artifacts" / "summary.json").read_text(encoding="utf-8"))["metrics"]
    for key, expected in independent.items():
        assert metrics[key] == pytest.approx(expected, rel=1e-9, abs=1e-9), key
        assert isinstance(metrics[key], (int, float)), key


def test_run_json_records_parameters_versions_hashes_and_timings(en_run):
    folder = en_run[0].folder
    info = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    assert info["parameters"]["period"] == "2025Q4" and info["parameters"]["lang"] == "en"
    assert info["period"] == {"label": "2025Q4", "start": "2025-10-01", "end": "2025-12-31", "complete": True}
    workspace = Path(info["parameters"]["workspace"])
    for item in info["inputs"]:
        if item["table"] == "actions":
            # the register the run read (edited after 2025Q3) was replaced by the run and kept, byte for byte, in the history
            source = workspace / "actions.history" / "2025Q3.xlsx"
        else:
            source = SAMPLE / item["file"]
        assert item["sha256"] == hashlib.sha256(source.read_bytes()).hexdigest(), item["file"]
    assert {i["table"] for i in info["inputs"]} >= {"sales", "customers", "surveys", "complaints", "interviews", "actions"}
    assert set(info["timings_seconds"]) >= {*NOTEBOOKS, "html"}
    assert info["versions"]["pandas"] == pd.__version__


def test_html_report_hides_code(en_run):
    html = (en_run[0].folder / "report" / "01_goals.html").read_text(encoding="utf-8")
    assert "salesnb.open_step" not in html and "import salesnb" not in html
    assert "Revenue" in html and "data:image/png;base64" in html
    for page in (en_run[0].folder / "report").glob("0*.html"):  # no cell leaks a Python value (summary.json's dict was shown)
        text = page.read_text(encoding="utf-8")
        assert "'steps': {" not in text and "'metrics': {" not in text, page.name
        # the suite runs with MPLBACKEND=Agg (tests/conftest.py); the kernels still draw every chart inline
        assert "&lt;Figure size" not in text and "<Figure size" not in text, page.name


def test_second_identical_run_refuses_and_leaves_the_first_byte_identical(en_run, capsys):
    result, out, _ = en_run
    before = _digest(result.folder)
    workspace = Path(json.loads((result.folder / "run.json").read_text())["parameters"]["workspace"])
    with pytest.raises(RunRefused, match="already exists"):
        run_period(workspace, "2025Q4", "en", out, progress=lambda m: None)
    code = main(["run", str(workspace), "--period", "2025Q4", "--out", str(out)])
    assert code == 2 and "already exists" in capsys.readouterr().err
    assert _digest(result.folder) == before


def test_chinese_report_renders_without_missing_glyphs(quarterly_loop):
    result = quarterly_loop.q3  # the loop's 2025Q3 run is in Chinese
    html = (result.folder / "report" / "01_goals.html").read_text(encoding="utf-8")
    assert "第一步" in html and "销售额" in html
    for name in NOTEBOOKS:
        text = (result.folder / f"{name}.ipynb").read_text(encoding="utf-8")
        assert "missing from font" not in text, f"{name} has a missing-glyph warning"


# moved from test_improve.py: every test of the shared two-quarter loop lives in this file, so a
# pytest-xdist worker (--dist loadfile) runs the loop once
@pytest.mark.e2e
def test_two_quarters_close_the_loop(quarterly_loop):
    """2025Q3 run, first action marked done in Excel, 2025Q4 run (the shared loop of conftest.py)."""
    ws, out, done_id, first = quarterly_loop.workspace, quarterly_loop.out, quarterly_loop.done_id, quarterly_loop.q3_register
    assert len(first) >= 1 and set(first["period_opened"]) == {"2025Q3"}
    second = pd.read_excel(ws / "actions.xlsx", sheet_name="actions", dtype={"action_id": str}).set_index("action_id")
    assert second.loc[done_id, "status"] == "done"  # the edit survived
    assert set(first["action_id"]) <= set(second.index)  # nothing lost
    opened = second[second["status"].isin(["planned", "in_progress"])]
    assert not opened.duplicated(["problem", "segment"]).any()
    assert sorted(p.name for p in (ws / "actions.history").iterdir()) == ["2025Q3.xlsx"]
    tracking = pd.read_csv(out / "sample" / "2025Q4" / "artifacts" / "tracking.csv", dtype={"action_id": str}).set_index("action_id")
    assert set(first["action_id"]) <= set(tracking.index)
    assert set(tracking["verdict"]) <= {"effective", "not_yet", "ineffective", "no_data"}
    row = tracking.loc[done_id]
    assert row["baseline"] == pytest.approx(first.set_index("action_id").loc[done_id, "baseline"])
    summary = json.loads((out / "sample" / "2025Q4" / "artifacts" / "summary.json").read_text())["metrics"]
    assert summary["goals_total"] == 12 and summary["actions_open"] == len(opened)
    # the one-pager: KPIs, top problems, actions, last quarter's verdicts; Chinese glyphs embedded; no personal data
    index = (out / "sample" / "2025Q4" / "report" / "index.html").read_text(encoding="utf-8")
    import html as _html
    for heading in ("Headline figures", "Goals", "Top three problems", "Actions due and overdue", "What last quarter's actions achieved"):
        assert _html.escape(heading) in index
    assert "西南" in index and "@font-face" in index and "<script" not in index
    import re
    assert not re.search(r"(?<!\d)1[3-9]\d{9}(?!\d)", index)
