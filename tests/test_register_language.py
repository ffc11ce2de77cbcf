"""The action register is language-neutral: keys stored, each report renders them in its language, and the
step-4 decisions are the same in English and Chinese whatever ran first (issue 16, "Decisions depend on run
order"). Unit tests work on hand-built registers; the run-level checks reuse the session fixtures
``sample_reports`` (English and Chinese on copies of one workspace) and ``quarterly_loop`` (2025Q3 in
Chinese, then 2025Q4 in English on one workspace) — no new full runs."""
from __future__ import annotations

import html as _html
import json
import shutil

import pandas as pd
import pytest

from salesnb import improve
from salesnb.config import WorkspaceConfig, value_label, value_labels
from salesnb.i18n import show_values, use_value_labels
from salesnb.io import load_workspace
from salesnb.periods import Period
from salesnb.present import table

from conftest import SAMPLE

Q3, Q4 = Period.parse("2025Q3"), Period.parse("2025Q4")
KEYS = ["action_id", "problem_id", "problem", "measure_key", "measure_text", "owner_key", "owner_text", "kpi", "segment", "status",
        "period_opened"]


def _proposals(lang: str) -> pd.DataFrame:
    """Two problems, the best measure of each as :func:`improve.propose` words it in ``lang``."""
    lib = improve.measure_library().set_index("key")
    rows = []
    for rank, (problem, key, segment) in enumerate((("slow_after_sales_response", "hotline_7x24", "region=西南"),
                                                    ("high_churn", "loyalty_offers", "company")), start=1):
        rows.append({"problem_rank": rank, "problem": problem, "segment": segment, "measure_key": key,
                     "measure": lib.loc[key, "zh" if lang == "zh" else "en"], "kpi": lib.loc[key, "kpi"],
                     "owner": lib.loc[key, "owner_zh" if lang == "zh" else "owner_en"], "start": Q4.end_exclusive,
                     "due": Q4.end_exclusive + pd.Timedelta(weeks=12), "baseline": 0.5, "target": 0.2, "priority": 1.0 / rank})
    return pd.DataFrame(rows)


# ------------------------------------------------------------------ keys, not text

def test_new_rows_store_keys_and_are_the_same_from_either_language():
    en, added_en = improve.update_register(None, _proposals("en"), Q4)
    zh, added_zh = improve.update_register(None, _proposals("zh"), Q4)
    pd.testing.assert_frame_equal(en[KEYS], zh[KEYS])
    assert list(en["measure_key"]) == ["hotline_7x24", "loyalty_offers"]
    # owner keys: the English role in snake case, worked out by hand
    assert list(en["owner_key"]) == ["after_sales_service_manager", "key_account_manager"]
    assert en["measure_text"].isna().all() and en["owner_text"].isna().all()  # nothing typed by a person
    assert list(added_en["action_id"]) == list(added_zh["action_id"]) == ["A2025Q4-01", "A2025Q4-02"]


def test_each_language_renders_the_keys_and_typed_text_wins():
    reg, _ = improve.update_register(None, _proposals("en"), Q4)
    reg.loc[1, "owner_text"] = "王芳"  # a person named the owner in Excel
    en, zh = improve.register_text(reg, "en"), improve.register_text(reg, "zh")
    assert list(en["measure"]) == ["7×24 service hotline with a 2-hour response promise",
                                   "Loyalty offers for existing customers (renewal discounts, service packages)"]
    assert list(zh["measure"]) == ["开通7×24小时服务热线，承诺2小时内响应", "老客户忠诚度计划（续约优惠、服务套餐）"]
    assert list(en["owner"]) == ["After-sales service manager", "王芳"] and list(zh["owner"]) == ["售后服务经理", "王芳"]
    table_zh = improve.register_table(reg, Q4, "zh")
    assert set(table_zh["措施"]) == {"开通7×24小时服务热线，承诺2小时内响应", "老客户忠诚度计划（续约优惠、服务套餐）"}


def test_a_register_with_only_text_maps_known_text_back_to_keys_and_keeps_the_rest():
    old = pd.DataFrame({
        "action_id": ["A1", "A2", "A3"],
        "measure": ["开通7×24小时服务热线，承诺2小时内响应", " Monthly product and application training for the sales force ", "每周走访西南大客户"],
        "owner": ["售后服务经理", "sales enablement MANAGER", "周涛"],
    })
    reg = improve.register_keys(old)
    assert reg["measure_key"].tolist()[:2] == ["hotline_7x24", "sales_training"] and pd.isna(reg["measure_key"].iloc[2])
    assert reg["measure_text"].isna().tolist() == [True, True, False] and reg["measure_text"].iloc[2] == "每周走访西南大客户"
    assert reg["owner_key"].tolist()[:2] == ["after_sales_service_manager", "sales_enablement_manager"]
    assert reg["owner_text"].iloc[2] == "周涛" and "measure" not in reg and "owner" not in reg
    en = improve.register_text(reg, "en")
    assert list(en["measure"]) == ["7×24 service hotline with a 2-hour response promise",
                                   "Monthly product and application training for the sales force", "每周走访西南大客户"]


def test_an_old_register_file_with_chinese_headers_loads_with_keys(tmp_path):
    ws = tmp_path / "ws"
    shutil.copytree(SAMPLE, ws, ignore=shutil.ignore_patterns("actions.xlsx", "actions.history", ".salesnb.lock"))
    pd.DataFrame({"措施编号": ["A2025Q3-01"], "问题": ["high_churn"], "措施": ["Loyalty offers for existing customers (renewal discounts, service packages)"],
                  "责任人": ["大客户经理"], "开始日期": ["2025-10-01"], "截止日期": ["2026-03-31"], "指标": ["churn_rate"], "基线": [0.1],
                  "目标": [0.075], "状态": ["进行中"], "提出期间": ["2025Q3"]}).to_excel(ws / "actions.xlsx", sheet_name="actions", index=False)
    actions = load_workspace(ws).table("actions")
    improve.validate_register(actions)
    reg, added = improve.update_register(actions, _proposals("zh"), Q4)
    assert reg.loc[0, ["measure_key", "owner_key"]].tolist() == ["loyalty_offers", "key_account_manager"]
    assert list(added["problem"]) == ["slow_after_sales_response"]  # churn already has an open action
    # written back and read again: the keys stay, the rendering follows the reader's language
    out = improve.write_register(reg, tmp_path / "actions.xlsx", Q4)
    assert improve.read_register(out, "en")["measure"].iloc[0].startswith("Loyalty offers")
    assert improve.read_register(out, "zh")["owner"].tolist() == ["大客户经理", "售后服务经理"]


def test_a_second_run_of_the_period_in_the_other_language_decides_the_same():
    """English first, then Chinese on the same register (the order the issue reports), and the reverse."""
    empty = pd.DataFrame()
    results = []
    for first, second in (("en", "zh"), ("zh", "en")):
        reg1, added1 = improve.update_register(None, _proposals(first), Q4)
        reg2, added2 = improve.update_register(reg1, _proposals(second), Q4)
        assert added2.empty and len(reg2) == 2  # nothing duplicated
        items1 = improve.decision_items(added1, empty, empty, reg1, Q4)
        items2 = improve.decision_items(added2, empty, empty, reg2, Q4)
        assert items1 == items2 == [{"kind": "confirm", "n": 2, "ids": ["A2025Q4-01", "A2025Q4-02"]}]
        results.append((improve.decisions(added1, empty, empty, reg1, Q4, first), improve.decisions(added2, empty, empty, reg2, Q4, second)))
    en_text = results[0][0][0]
    assert en_text == "Confirm owners and due dates of 2 new actions (A2025Q4-01, A2025Q4-02)."
    assert results[0][1][0] == "确认 2 项新增措施的责任人与截止日期（A2025Q4-01、A2025Q4-02）。"
    # next quarter nothing is new any more: an in-progress action past its due date is the decision
    reg = reg1.assign(status=["in_progress", "done"])
    assert improve.decision_items(reg.iloc[:0], empty, empty, reg, Period.parse("2026Q2")) == [{"kind": "overdue", "n": 1, "ids": ["A2025Q4-01"]}]
    assert improve.decisions(reg.iloc[:0], empty, empty, reg, Period.parse("2026Q2"), "en") == [
        "1 action overdue (A2025Q4-01): extend, escalate or drop them."]


# ------------------------------------------------------------------ labels of data values

def test_value_labels_name_data_values_in_each_language():
    cfg = WorkspaceConfig.model_validate({"company": {"name": "x"}, "labels": {
        "en": {"region": {"华东": "East China"}, "product_line": {"智能控制系统": "Smart control systems"}, "category": {"交付延迟": "Late delivery"}},
        "zh": {"region": {"East": "华东"}}}})
    assert value_label(cfg, "region", "华东", "en") == "East China" and value_label(cfg, "region", "华东", "zh") == "华东"
    assert value_label(cfg, "category", "产品质量", "en") == "产品质量"  # no label: the data's value, never invented
    assert value_labels(cfg, "zh") == {"East": "华东"}
    try:
        use_value_labels(value_labels(cfg, "en"))
        assert show_values("Churn in 华东 is high") == "Churn in East China is high"
        rendered = table(pd.DataFrame({"Region": ["华东", "华北"], "Line": ["智能控制系统", None]})).data
        assert ">East China<" in rendered and ">华北<" in rendered and ">Smart control systems<" in rendered and ">—<" in rendered
    finally:
        use_value_labels({})
    with pytest.raises(Exception, match="labels.en.regions"):
        WorkspaceConfig.model_validate({"company": {"name": "x"}, "labels": {"en": {"regions": {"华东": "East"}}}})


# ------------------------------------------------------------------ whole runs (shared fixtures)

def _register(folder):
    return pd.read_excel(folder / "artifacts" / "actions.xlsx", sheet_name="actions", dtype={"action_id": str})


@pytest.mark.e2e
def test_english_first_and_chinese_first_give_the_same_register_and_decisions(sample_reports):
    en, zh = (_register(sample_reports.folders[lang]) for lang in ("en", "zh"))
    assert len(en) >= 1
    pd.testing.assert_frame_equal(en[KEYS + ["baseline", "target", "start", "due"]], zh[KEYS + ["baseline", "target", "start", "due"]])
    assert en["measure_key"].notna().all() and en["owner_key"].notna().all()
    # the register written back into each workspace is the same file content, not text in the run's language
    for lang in ("en", "zh"):
        written = pd.read_excel(sample_reports.workspaces[lang] / "actions.xlsx", sheet_name="actions", dtype={"action_id": str})
        pd.testing.assert_frame_equal(written[KEYS], en[KEYS])
    decided = {lang: json.loads((sample_reports.folders[lang] / "artifacts" / "decisions.json").read_text(encoding="utf-8")) for lang in ("en", "zh")}
    assert decided["en"] == decided["zh"]
    confirm = [d for d in decided["en"]["decisions"] if d["kind"] == "confirm"]
    assert confirm and confirm[0]["ids"] == sorted(en.loc[en["period_opened"] == "2025Q4", "action_id"])
    # each step-4 page names the measures in its own language
    lib = improve.measure_library().set_index("key")
    pages = {lang: sample_reports.pages(lang)["04_improvement.html"].read_text(encoding="utf-8") for lang in ("en", "zh")}
    for key in en["measure_key"]:
        assert _html.escape(lib.loc[key, "en"]) in pages["en"] and _html.escape(lib.loc[key, "zh"]) not in pages["en"]
        assert _html.escape(lib.loc[key, "zh"]) in pages["zh"] and _html.escape(lib.loc[key, "en"]) not in pages["zh"]
    assert "Confirm owners and due dates of" in pages["en"] and "确认" in pages["zh"] and "本期无待决事项" not in pages["zh"]


@pytest.mark.e2e
def test_a_chinese_first_register_renders_english_in_the_english_run(quarterly_loop):
    q3 = quarterly_loop.q3_register
    assert q3["measure_key"].notna().all() and q3["measure_text"].isna().all()  # the Chinese run stored keys, no Chinese text
    lib = improve.measure_library().set_index("key")
    folder = quarterly_loop.q4.folder
    page = (folder / "report" / "04_improvement.html").read_text(encoding="utf-8")
    index = (folder / "report" / "index.html").read_text(encoding="utf-8")
    open_q3 = q3.loc[q3["action_id"] != quarterly_loop.done_id]
    for key in open_q3["measure_key"]:
        assert _html.escape(lib.loc[key, "en"]) in page
    for key in q3["measure_key"]:
        assert _html.escape(lib.loc[key, "zh"]) not in page and _html.escape(lib.loc[key, "zh"]) not in index
    shown = improve.read_register(folder / "artifacts" / "actions.xlsx", "en")
    assert set(shown.loc[shown["action_id"].isin(q3["action_id"]), "measure"]) == {lib.loc[k, "en"] for k in q3["measure_key"]}
