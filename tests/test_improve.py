"""Step 4: measure library, register round trip, verdicts by hand, and the two-quarter loop."""
from __future__ import annotations

import hashlib
import shutil

import numpy as np
import openpyxl
import pandas as pd
import pytest

from conftest import SAMPLE
from salesnb import improve
from salesnb.config import WorkspaceConfig
from salesnb.errors import ConfigError, DataError
from salesnb.goals import Tables
from salesnb.io import load_workspace
from salesnb.periods import Period

Q3, Q4 = Period.parse("2025Q3"), Period.parse("2025Q4")


def test_library_can_add_replace_and_disable_measures():
    cfg = WorkspaceConfig.model_validate({"company": {"name": "x"}, "measures": [
        {"key": "hotline_7x24", "weeks": 4},                       # replace one field
        {"key": "loyalty_offers", "disabled": True},               # remove
        {"key": "wechat_group", "problem_type": "slow_after_sales_response", "en": "WeChat service group", "zh": "微信服务群",
         "kpi": "median_first_response_hours", "direction": -1, "owner_en": "Service", "owner_zh": "服务", "weeks": 2, "effort": 1, "effect": -0.2},
    ]})
    lib = improve.measure_library(cfg).set_index("key")
    assert lib.loc["hotline_7x24", "weeks"] == 4 and lib.loc["hotline_7x24", "effort"] == 4
    assert "loyalty_offers" not in lib.index and lib.loc["wechat_group", "effort"] == 1
    bad = WorkspaceConfig.model_validate({"company": {"name": "x"}, "measures": [{"key": "half", "en": "Half a measure"}]})
    with pytest.raises(ConfigError) as err:
        improve.measure_library(bad)
    assert "measures.0.kpi" in {p.column for p in err.value.problems}


def _complaints(late_before: int, late_after: int, region="西南"):
    rows = []
    for quarter, late in ((Q3, late_before), (Q4, late_after)):
        for i in range(20):
            opened = quarter.start + pd.Timedelta(days=2 + 3 * i)
            rows.append({"ticket_id": f"{quarter}-{i}", "customer_id": "c1", "region": region, "category": "slow", "opened_at": opened,
                         "first_response_at": opened + pd.Timedelta(hours=72 if i < late else 4)})
    return pd.DataFrame(rows)


def _surveys(before: list[int], after: list[int]):
    rows = [{"survey_date": Q3.start + pd.Timedelta(days=10), "nps": s, "region": "西南"} for s in before]
    rows += [{"survey_date": Q4.start + pd.Timedelta(days=10), "nps": s, "region": "西南"} for s in after]
    return pd.DataFrame(rows)


def _register(**rows):
    base = {"problem": "slow_after_sales_response", "measure": "m", "owner": "o", "start": pd.Timestamp("2025-10-01"),
            "due": pd.Timestamp("2026-03-31"), "segment": "region=西南", "status": "in_progress", "period_opened": "2025Q3", "notes": None}
    return pd.DataFrame([{**base, "action_id": k, **v} for k, v in rows.items()])


def test_verdicts_on_hand_built_kpi_series():
    sales = pd.DataFrame({"customer_id": ["c1"], "order_id": ["1"], "order_date": [pd.Timestamp("2025-07-05")], "amount": [1.0], "region": ["西南"]})
    tables = Tables(sales, _surveys([10] * 40 + [0] * 60, [10] * 70 + [0] * 30), _complaints(10, 2))
    reg = _register(
        late=dict(kpi="response_over_promise_share", baseline=0.5, target=0.2),      # 50 % → 10 %: −40 pp ≥ half of −30 pp
        small=dict(kpi="response_over_promise_share", baseline=0.15, target=0.0),    # −5 pp < half of the planned −15 pp: not yet
        nps=dict(kpi="nps", baseline=-20.0, target=0.0),                             # −20 → +40, z ≈ 6.1
        wrong=dict(kpi="response_over_promise_share", baseline=0.05, target=0.02, due=pd.Timestamp("2025-11-30")),  # 5 % → 10 %, due passed
        none=dict(kpi="dim:quality", baseline=3.5, target=3.8),                      # no such survey column
        dropped=dict(kpi="nps", baseline=0.0, target=5.0, status="dropped"),
        fresh=dict(kpi="nps", baseline=0.0, target=5.0, period_opened="2025Q4"),     # opened this quarter
    )
    tr = improve.track(reg, tables, Q4).set_index("action_id")
    assert set(tr.index) == {"late", "small", "nps", "wrong", "none"}
    assert tr.loc["late", "current"] == pytest.approx(0.10) and tr.loc["late", "verdict"] == "effective"
    assert tr.loc["small", "verdict"] == "not_yet"
    # NPS by hand: before 40 % promoters, 60 % detractors → −20; after +40; SE² = (p+d−(p−d)²)/n · 100²
    se = np.sqrt((1 - 0.04) / 100 + (1 - 0.16) / 100) * 100
    assert tr.loc["nps", "change"] == pytest.approx(60.0)
    from math import erfc, sqrt
    assert tr.loc["nps", "p_value"] == pytest.approx(erfc(60 / se / sqrt(2)))
    assert tr.loc["nps", "verdict"] == "effective"
    assert tr.loc["wrong", "verdict"] == "ineffective" and bool(tr.loc["wrong", "overdue"])
    assert tr.loc["none", "verdict"] == "no_data"


def _workspace_with_register(tmp_path, rows):
    ws = tmp_path / "ws"
    shutil.copytree(SAMPLE, ws, ignore=shutil.ignore_patterns("actions.xlsx", "actions.history"))
    improve.write_register(pd.DataFrame(rows, columns=improve.REGISTER_COLUMNS), ws / "actions.xlsx", Q3)
    return ws


def test_register_round_trip_keeps_edits_history_and_never_duplicates(tmp_path):
    proposals = pd.DataFrame([
        {"problem_rank": 1, "problem": "slow_after_sales_response", "segment": "region=西南", "measure": "Hotline", "kpi": "response_over_promise_share",
         "owner": "Service", "start": Q4.start, "due": Q4.end, "baseline": 0.5, "target": 0.2, "priority": 0.5},
        {"problem_rank": 2, "problem": "high_churn", "segment": "company", "measure": "Loyalty", "kpi": "churn_rate",
         "owner": "KAM", "start": Q4.start, "due": Q4.end, "baseline": 0.1, "target": 0.08, "priority": 0.3},
    ])
    first, added = improve.update_register(None, proposals, Q3)
    assert list(added["action_id"]) == ["A2025Q3-01", "A2025Q3-02"] and set(first["status"]) == {"planned"}
    ws = _workspace_with_register(tmp_path, first.to_dict("records"))
    # a person edits the file in Excel: the churn action goes in progress, a note is added
    book = openpyxl.load_workbook(ws / "actions.xlsx")
    sheet = book["actions"]
    header = [c.value for c in sheet[1]]
    sheet.cell(row=3, column=header.index("status") + 1, value="in progress")
    sheet.cell(row=3, column=header.index("notes") + 1, value="waiting for the budget")
    book.save(ws / "actions.xlsx")
    register = load_workspace(ws).table("actions")
    assert list(register["status"]) == ["planned", "in_progress"]
    improve.validate_register(register)
    second, added = improve.update_register(register, proposals, Q4)
    assert added.empty  # both problems already have an open action
    assert list(second["status"]) == ["planned", "in_progress"] and second["notes"].iloc[1] == "waiting for the budget"
    out = tmp_path / "run" / "actions.xlsx"
    improve.write_register(second.assign(notes=["=HYPERLINK(\"http://x\")", "waiting for the budget"]), out, Q4)
    assert openpyxl.load_workbook(out)["actions"].cell(row=2, column=header.index("notes") + 1).value == "'=HYPERLINK(\"http://x\")"  # text, not a formula
    improve.write_register(second, out, Q4)
    improve.publish_register(ws, out, Q4)
    improve.publish_register(ws, out, Q4)
    history = sorted(p.name for p in (ws / "actions.history").iterdir())
    assert history == ["2025Q3.xlsx", "2025Q4.xlsx"]  # the version each publish replaced, none overwritten
    assert len(load_workspace(ws).table("actions")) == 2


def test_an_edited_register_with_errors_is_rejected_and_left_untouched(tmp_path):
    row = {"action_id": "A1", "problem": "p", "measure_text": "m", "owner_text": "Service", "start": pd.Timestamp("2025-10-01"), "due": pd.Timestamp("2025-09-01"),
           "kpi": "nps", "segment": "company", "baseline": 1.0, "target": 2.0, "status": "planned", "period_opened": "2025Q3",
           "period_closed": None, "notes": None}
    ws = _workspace_with_register(tmp_path, [row])
    with pytest.raises(DataError) as err:  # due before start: caught by the register's own rules
        improve.validate_register(load_workspace(ws).table("actions"))
    assert [(p.line, p.column) for p in err.value.problems] == [(2, "due")]  # Excel row 2 is the first action
    shutil.copy(ws / "actions.xlsx", tmp_path / "original.xlsx")
    for column, value, rule in (("owner_text", None, "must not be blank"), ("status", "stalled", "must be one of")):
        book = openpyxl.load_workbook(tmp_path / "original.xlsx")
        book["actions"].cell(row=2, column=improve.REGISTER_COLUMNS.index(column) + 1).value = value  # cell(value=None) would not clear it
        book.save(tmp_path / "edited.xlsx")
        shutil.copy(tmp_path / "edited.xlsx", ws / "actions.xlsx")
        before = hashlib.sha256((ws / "actions.xlsx").read_bytes()).hexdigest()
        with pytest.raises(DataError) as err:
            load_workspace(ws)
        problem = err.value.problems[0]
        assert (problem.file, problem.line, rule in problem.rule) == ("actions.xlsx", 2, True)
        assert column in problem.column
        assert hashlib.sha256((ws / "actions.xlsx").read_bytes()).hexdigest() == before




def test_a_measure_moved_onto_a_lower_is_better_kpi_takes_its_direction():
    """Olist's workspace tracks the quality measure by the complaint count: the target must be fewer complaints."""
    def config(*measures):
        return WorkspaceConfig.model_validate({"company": {"name": "x"}, "measures": list(measures)})

    lib = improve.measure_library(config({"key": "quality_8d", "kpi": "complaints", "effect": -0.2})).set_index("key")
    builtin = improve.measure_library().set_index("key")
    assert builtin.loc["quality_8d", "direction"] == 1 and builtin.loc["quality_8d", "kpi"] == "dim:quality"
    assert lib.loc["quality_8d", ["kpi", "direction", "effect"]].tolist() == ["complaints", -1, -0.2]
    assert improve._target("complaints", 391.0, -0.2) == pytest.approx(312.8)  # 391 × 0.8
    with pytest.raises(ConfigError) as err:  # the built-in +0.30 points of dim:quality would mean +30 % complaints
        improve.measure_library(config({"key": "quality_8d", "kpi": "complaints"}))
    assert err.value.problems[0].column == "measures.0.effect" and "dim:quality" in err.value.problems[0].rule
    with pytest.raises(ConfigError) as err:
        improve.measure_library(config({"key": "quality_8d", "kpi": "complaints", "effect": 0.2}))
    assert "opposite sign" in err.value.problems[0].rule
