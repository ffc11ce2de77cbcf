"""Surveys without the 0–10 recommend question (CSAT only) and complaints without
first-response times: the contract accepts them, every step works from the 1–5
satisfaction score and says once, in the report language, that satisfaction
stands in for NPS — never an NPS of 0 or n/a. Values are worked out by hand."""
from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from salesnb import diagnosis, goals, improve, metrics, survey
from salesnb.config import WorkspaceConfig
from salesnb.errors import DataError
from salesnb.i18n import t
from salesnb.io import load_workspace
from salesnb.periods import Period
from salesnb.summary import executive_summary

Q4 = Period.parse("2025Q4")
TODAY = pd.Timestamp("2026-01-15").date()
SALES = "order_id,order_date,customer_id,region,product_line,amount\nO1,2025-10-05,C1,North,A,100\nO2,2025-11-06,C2,South,B,200\n"
CUSTOMERS = "customer_id,region\nC1,North\nC2,South\n"
# six answers of 2025Q4: satisfaction 5, 4, 2, 3, 5, 1 -> mean 20/6, top-2-box (4 or 5) 3/6
SURVEYS = """response_id,survey_date,respondent_type,customer_id,satisfaction,comment
R1,2025-10-10,customer,C1,5,very good
R2,2025-10-12,customer,C1,4,
R3,2025-11-01,customer,C2,2,late delivery
R4,2025-11-03,customer,C2,3,
R5,2025-12-01,customer,C1,5,
R6,2025-12-02,customer,C2,1,late again
"""


def _workspace(folder, surveys=SURVEYS, complaints=None, yaml="company:\n  name: Demo\n"):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "workspace.yaml").write_text(yaml, encoding="utf-8")
    for name, text in (("sales.csv", SALES), ("customers.csv", CUSTOMERS), ("surveys.csv", surveys), ("complaints.csv", complaints)):
        if text is not None:
            (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    complaints = "ticket_id,customer_id,opened_at,category,description\nT1,C2,2025-11-01,delivery,late\nT2,C2,2025-12-02,delivery,late again\n"
    return load_workspace(_workspace(tmp_path_factory.mktemp("csat") / "ws", complaints=complaints), today=TODAY)


# ----------------------------------------------------------------------------- the contract


def test_the_contract_accepts_surveys_without_nps(ws):
    s = ws.tables["surveys"]
    assert "nps" not in s.columns and s["satisfaction"].tolist() == [5.0, 4.0, 2.0, 3.0, 5.0, 1.0]
    assert not metrics.has_nps(s) and metrics.score_column(s) == "satisfaction"


def test_blank_nps_cells_are_still_not_answered(tmp_path):
    surveys = "response_id,survey_date,respondent_type,nps,satisfaction\nR1,2025-10-10,customer,,4\nR2,2025-10-11,customer,9,5\n"
    s = load_workspace(_workspace(tmp_path, surveys=surveys), today=TODAY).tables["surveys"]
    assert metrics.has_nps(s) and metrics.nps(s["nps"]).n == 1


def test_a_survey_without_any_score_is_an_error(tmp_path):
    surveys = "response_id,survey_date,respondent_type,comment\nR1,2025-10-10,customer,ok\n"
    with pytest.raises(DataError) as info:
        load_workspace(_workspace(tmp_path, surveys=surveys), today=TODAY)
    (problem,) = info.value.problems
    assert problem.file == "surveys.csv" and problem.column == "nps/satisfaction"
    assert "needs at least one of the columns 'nps' or 'satisfaction'" in problem.rule and "满意度" in problem.rule


def test_the_engine_prepare_path_accepts_surveys_without_nps(tmp_path):
    from salesnb.prepare import prepare

    contract = load_workspace(_workspace(tmp_path / "contract"), today=TODAY)
    root = _workspace(tmp_path / "engine", yaml="company:\n  name: Demo\nsource:\n  reader: engine\n")
    prepared = prepare(root, cache_dir=tmp_path / "cache", today=TODAY)
    assert prepared.reader == "engine"
    pd.testing.assert_frame_equal(prepared.workspace().tables["surveys"], contract.tables["surveys"])


# ----------------------------------------------------------------------------- step 1


def test_headline_uses_satisfaction_and_leaves_nps_out(ws):
    h = goals.period_metrics(goals.Tables(ws.tables["sales"], ws.tables["surveys"], ws.tables["complaints"]), Q4)
    assert not {"nps", "nps_n", "nps_ci_low", "nps_ci_high"} & set(h)
    assert h["satisfaction_mean"] == pytest.approx(20 / 6) and h["satisfaction_top2"] == pytest.approx(0.5) and h["satisfaction_n"] == 6
    assert math.isnan(h["response_over_promise_share"])  # no first_response_at: no response-time data, not "all late"
    assert "response_over_promise_share" not in goals.headline_formats(h, response_times=False)
    assert "nps" not in goals.headline_formats(h) and "satisfaction_n" in goals.headline_formats(h)


def test_the_no_nps_sentence_in_english_and_chinese(ws):
    h = goals.period_metrics(goals.Tables(ws.tables["sales"], ws.tables["surveys"]), Q4)
    en, zh = goals.narrate_satisfaction(h, Q4, "en"), goals.narrate_satisfaction(h, Q4, "zh")
    # Wilson interval of 3/6 by hand: (0.5 + z²/12 ± z·sqrt(0.25/6 + z²/144)) / (1 + z²/6)
    z = 1.959963984540054
    lo = (0.5 + z * z / 12 - z * math.sqrt(0.25 / 6 + z * z / 144)) / (1 + z * z / 6)
    assert en.startswith(t("csat_no_nps", "en")) and "no 0–10 recommend question" in en
    assert f"averaged 3.33 of 5, with 50.0% answering 4 or 5 (95% interval {lo * 100:.1f}% to {(1 - lo) * 100:.1f}%, n=6)" in en
    assert zh.startswith(t("csat_no_nps", "zh")) and "推荐意愿题" in zh and "满意度均值 3.33 分" in zh
    assert "NPS of" not in en and "n/a" not in en


def test_satisfaction_history_without_nps_or_response_times(ws):
    h = metrics.satisfaction_history(ws.tables["surveys"], ws.tables["complaints"], ws.tables["sales"], min_n=3)
    row = h.loc[h["period"] == "2025Q4"].iloc[0]
    assert "nps" not in h.columns and row["satisfaction_n"] == 6 and bool(row["reliable"])
    assert row["satisfaction_top2"] == pytest.approx(0.5) and row["complaints"] == 2
    assert math.isnan(row["response_over_promise_share"])
    assert metrics.response_table(ws.tables["complaints"], "region")["median_hours"].isna().all()


def test_bottleneck_scan_watches_satisfaction_instead_of_nps():
    # two years of 40 answers a quarter: 4.0 on average the year before, 3.5 in the last twelve months
    rows, sales = [], []
    for year, score in ((2024, [4, 4, 4, 4, 4]), (2025, [3, 4, 3, 4, 3.5])):
        for q in range(4):
            for i in range(40):
                rows.append({"survey_date": pd.Timestamp(year, 3 * q + 2, 10), "region": "North", "satisfaction": float(score[i % 4] if year == 2025 else 4)})
    surveys = pd.DataFrame(rows)
    for y in (2024, 2025):
        sales += [{"order_id": f"{y}{m}", "customer_id": "C1", "region": "North", "product_line": "A", "amount": 10.0,
                   "order_date": pd.Timestamp(y, m, 1)} for m in range(1, 13)]
    found = goals.bottlenecks(goals.Tables(pd.DataFrame(sales), surveys), Q4, WorkspaceConfig.model_validate({"company": {"name": "D"}}))
    fall = found.loc[(found["kind"] == "falling_dimension") & (found["scope"] == "")].iloc[0]
    assert fall["metric"] == "satisfaction" and fall["current"] == pytest.approx(3.5) and fall["previous"] == pytest.approx(4.0)
    assert not (found["kind"] == "falling_nps").any()
    text = goals.describe_bottlenecks(found.head(1), "en").iloc[0]
    assert "Satisfaction (1–5, mean) fell to 3.50 from 4.00" in text


def test_baselines_have_no_nps_row_without_the_question(ws):
    config = WorkspaceConfig.model_validate({"company": {"name": "Demo"}, "benchmarks": {"nps": {"industry": 30, "leader": 45}}})
    baselines, suggested = goals.satisfaction_baselines(goals.Tables(ws.tables["sales"], ws.tables["surveys"]), Q4, config)
    assert "nps" not in set(baselines["metric"]) and not any(g.metric == "nps" for g in suggested)
    assert goals.metric_value("nps", goals.Tables(ws.tables["sales"], ws.tables["surveys"]), Q4) != goals.metric_value("nps", goals.Tables(ws.tables["sales"], ws.tables["surveys"]), Q4)


# ----------------------------------------------------------------------------- step 3


def test_survey_design_without_nps_uses_the_satisfaction_spread(ws):
    strata = pd.DataFrame({"region": ["North", "South"], "status": ["customer", "customer"], "population": [100, 100]})
    sd = survey.stratum_sd(ws.tables["surveys"].assign(region=["North", "North", "South", "South", "North", "South"]), strata, min_n=3)
    north, south = np.std([5, 4, 5], ddof=1), np.std([2, 3, 1], ddof=1)
    assert sd["sd_mean"].tolist() == pytest.approx([north, south]) and sd["sd_nps"].isna().all()
    plan = survey.allocate(sd, total=30, min_per_region=0, min_lost_share=0, method="neyman")
    # Neyman on the 1–5 spread: 100·0.577 : 100·1.0
    assert plan["sample"].tolist() == [round(30 * north / (north + south)), 30 - round(30 * north / (north + south))]
    assert survey.plan_margins(plan)["moe_nps"].isna().all()


def test_csat_segments_by_hand(ws):
    answers = ws.tables["surveys"].assign(region=["North", "North", "South", "South", "North", "South"])
    segs = survey.csat_segments(answers, ["region"], min_n=3).set_index("segment")
    assert segs.loc["North", "mean"] == pytest.approx(14 / 3) and segs.loc["South", "mean"] == pytest.approx(2.0)
    assert segs.loc["North", "top2"] == 1.0 and segs.loc["South", "top2"] == 0.0
    half = 1.959963984540054 * 1.0 / math.sqrt(3)  # South: 2, 3, 1 -> sd 1
    assert segs.loc["South", "ci_low"] == pytest.approx(2 - half)
    text = diagnosis.narrative_segments(segs.reset_index(), "en")
    assert text.startswith("The lowest satisfaction among segments with enough answers is Region · South (2.00 of 5")


def test_change_test_and_theme_impact_without_nps(ws):
    now, before = ws.tables["surveys"], ws.tables["surveys"].assign(satisfaction=[5.0, 5, 4, 4, 5, 4])
    changes = survey.period_changes(now, before, ["satisfaction"])
    assert changes["metric"].tolist() == ["satisfaction"] and changes["change"].iloc[0] == pytest.approx(20 / 6 - 27 / 6)
    assert diagnosis.narrative_change(changes, Period.parse("2025Q3"), {"satisfaction": "Overall"}, "en").startswith("Against 2025Q3: overall satisfaction -1.17 points")
    flags = pd.DataFrame({"late": [False, False, True, False, False, True]}, index=now.index)
    impact = diagnosis.theme_impact(now, flags).iloc[0]
    # comments: R1 (5), R3 (2, late), R6 (1, late) -> with the theme 1.5, without it 5
    assert (impact["mentions"], impact["score_with"], impact["score_without"]) == (2, 1.5, 5.0)
    assert diagnosis.impact_spec(diagnosis.theme_impact(now, flags)) is diagnosis.CSAT_IMPACT_TABLE


def test_weights_and_drivers_narratives_without_nps(ws):
    answers = ws.tables["surveys"].assign(region="North")
    wave = diagnosis.SurveyWave(answers, pd.DataFrame(), pd.Series([2.0, 1, 1, 1, 1, 0.0], index=answers.index))
    # weighted (2·5 + 4 + 2 + 3 + 5 + 0·1) / 6 = 4.00 against 20/6 plain
    assert diagnosis.narrative_weights(wave, "en").endswith("Satisfaction (1–5, mean) (weighted) 4.00; the headline satisfaction, as on the summary and in step 1, is 3.33 (unweighted).")
    dims = survey.dimension_table(answers, ["satisfaction"])
    assert diagnosis.narrative_dimensions(dims, {"satisfaction": "Overall"}, "en").startswith("The survey has no dimension scores; overall satisfaction is 3.33")


def test_complaint_response_sections_say_there_is_no_response_data(ws):
    c = ws.tables["complaints"]
    s = metrics.complaint_summary(c, Q4, 48)
    assert s["complaints"] == 2 and math.isnan(s["response_over_promise_share"]) and math.isnan(s["median_first_response_hours"])
    assert diagnosis.summary_metrics([], None, c, Q4, 48)["response_over_promise_share"] != 0.0
    assert "no first-response times" in t("no_response_times", "en") and "首次响应时间" in t("no_response_times", "zh")


# ----------------------------------------------------------------------------- step 4 and the one-pager


def test_satisfaction_kpis_are_tracked_with_welch(ws):
    tables = goals.Tables(ws.tables["sales"], ws.tables["surveys"])
    assert improve.kpi_available("satisfaction_mean", tables) and not improve.kpi_available("nps", tables)
    assert not improve.kpi_available("response_over_promise_share", goals.Tables(ws.tables["sales"], complaints=ws.tables["complaints"]))
    assert improve.kpi_value("satisfaction_mean", tables, Q4) == pytest.approx(20 / 6)


def _summary_folder(tmp_path, metrics_: dict):
    (tmp_path / "artifacts").mkdir(parents=True)
    (tmp_path / "artifacts" / "summary.json").write_text(json.dumps({"metrics": metrics_}), encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_one_pager_shows_the_top_2_box_tile_and_says_why(tmp_path, lang):
    folder = _summary_folder(tmp_path, {"revenue": 300.0, "satisfaction_mean": 3.3333, "satisfaction_top2": 0.5, "satisfaction_n": 6,
                                        "complaints": 2, "response_over_promise_share": None, "on_time_share": 0.4, "orders_due": 5,
                                        "mean_days_late": 3.0, "not_delivered_share": 0.3333})
    page = executive_summary(folder, "Demo", Q4, lang, "元")
    assert t("csat_no_nps", lang).replace("'", "&#x27;") in page and page.count(t("csat_no_nps", lang)[:20]) == 1
    assert f'<div class="k">{t("satisfaction_top2", lang)}</div><div class="v ">50.0%</div>' in page
    assert '<div class="k">NPS</div>' not in page
    assert t("sm_service_no_times", lang, complaints="2") in page
    assert t("sm_delivery", lang, share="40.0%", due="5", late="3.0", undelivered="33.3%") in page


def test_one_pager_keeps_the_nps_tile_when_nps_is_asked(tmp_path):
    folder = _summary_folder(tmp_path, {"nps": 20.0, "nps_ci_low": 10.0, "nps_ci_high": 30.0, "nps_n": 100, "satisfaction_mean": 4.0,
                                        "satisfaction_top2": 0.7, "complaints": 5, "response_over_promise_share": 0.2})
    page = executive_summary(folder, "Demo", Q4, "en", "元")
    assert '<div class="k">NPS</div><div class="v ">20.0</div>' in page and t("csat_no_nps", "en")[:20] not in page
    assert t("sm_service", "en", complaints="5", late="20.0%") in page
