"""Diagnosis: relative weights against a brute-force Shapley decomposition,
quadrants, Pareto, response times, and the planted story of the sample
workspace (西南's slow after-sales response ranked first)."""
from __future__ import annotations

import itertools
import json
import math
import warnings

import numpy as np
import pandas as pd
import pytest

from conftest import SAMPLE
from salesnb import diagnosis, survey, text
from salesnb.periods import Period


def _r2(df: pd.DataFrame, cols: list[str], y: str) -> float:
    if not cols:
        return 0.0
    a = np.column_stack([np.ones(len(df))] + [df[c].to_numpy() for c in cols])
    beta, *_ = np.linalg.lstsq(a, df[y].to_numpy(), rcond=None)
    resid = df[y].to_numpy() - a @ beta
    return 1 - resid.var() / df[y].to_numpy().var()


def _shapley_r2(df: pd.DataFrame, cols: list[str], y: str) -> dict[str, float]:
    """Shapley value of each predictor in R² by enumerating every subset (LMG / dominance analysis)."""
    p = len(cols)
    out = {}
    for j in cols:
        others = [c for c in cols if c != j]
        total = 0.0
        for k in range(p):
            for subset in itertools.combinations(others, k):
                weight = math.factorial(k) * math.factorial(p - k - 1) / math.factorial(p)
                total += weight * (_r2(df, list(subset) + [j], y) - _r2(df, list(subset), y))
        out[j] = total
    return out


@pytest.fixture(scope="module")
def correlated():
    rng = np.random.default_rng(11)
    n = 3000
    chol = np.linalg.cholesky(np.array([[1, 0.55, 0.3], [0.55, 1, 0.45], [0.3, 0.45, 1]]))
    x = rng.normal(size=(n, 3)) @ chol.T
    y = 0.6 * x[:, 0] + 0.25 * x[:, 1] + 0.1 * x[:, 2] + rng.normal(size=n)
    return pd.DataFrame(x, columns=["a", "b", "c"]).assign(y=y)


def test_relative_weights_sum_to_r2_and_agree_with_brute_force_shapley(correlated):
    rw = diagnosis.relative_weights(correlated, ["a", "b", "c"], "y").set_index("dimension")
    r2 = _r2(correlated, ["a", "b", "c"], "y")
    assert rw["raw_weight"].sum() == pytest.approx(r2, rel=1e-9)
    assert rw.attrs["r2"] == pytest.approx(r2, rel=1e-9)
    shapley = _shapley_r2(correlated, ["a", "b", "c"], "y")
    for col in "abc":
        assert rw.loc[col, "raw_weight"] == pytest.approx(shapley[col], abs=0.005)
    assert rw["importance"].sum() == pytest.approx(1.0)


def test_relative_weights_of_uncorrelated_predictors_are_squared_correlations():
    rng = np.random.default_rng(5)
    x = rng.normal(size=(400, 2))
    x = np.linalg.qr(x - x.mean(axis=0))[0]  # exactly orthogonal, centred columns
    df = pd.DataFrame(x, columns=["a", "b"]).assign(y=lambda d: 3 * d["a"] - d["b"] + rng.normal(scale=0.01, size=400))
    rw = diagnosis.relative_weights(df, ["a", "b"], "y").set_index("dimension")
    for col in "ab":
        assert rw.loc[col, "raw_weight"] == pytest.approx(np.corrcoef(df[col], df["y"])[0, 1] ** 2, rel=1e-9)


def test_constant_predictor_gets_zero_weight():
    df = pd.DataFrame({"a": [1, 2, 3, 4, 5, 6.0], "b": [3.0] * 6, "y": [1, 2, 2, 4, 5, 7.0]})
    rw = diagnosis.relative_weights(df, ["a", "b"], "y").set_index("dimension")
    assert rw.loc["b", "raw_weight"] == 0 and rw.loc["a", "importance"] == pytest.approx(1.0)


def test_key_drivers_bootstrap_interval_brackets_the_estimate(correlated):
    answers = correlated.rename(columns={"y": "nps"})
    d = diagnosis.key_drivers(answers, ["a", "b", "c"], "nps", bootstrap=60, seed=1).set_index("dimension")
    assert ((d["ci_low"] <= d["importance"]) & (d["importance"] <= d["ci_high"])).all()
    assert d.loc["a", "performance"] == pytest.approx(correlated["a"].mean())
    again = diagnosis.key_drivers(answers, ["a", "b", "c"], "nps", bootstrap=60, seed=1).set_index("dimension")
    pd.testing.assert_frame_equal(d, again)


def test_importance_performance_quadrants_cross_at_the_means():
    d = pd.DataFrame({"dimension": ["speed", "quality", "price", "sales"], "importance": [0.5, 0.3, 0.15, 0.05],
                      "performance": [3.2, 4.1, 3.3, 4.2]})
    out = diagnosis.importance_performance(d).set_index("dimension")["quadrant"]
    # mean importance 0.25, mean performance 3.7
    assert out.to_dict() == {"speed": "fix_first", "quality": "keep_up", "price": "low_priority", "sales": "possible_overkill"}


def test_pareto_cumulative_shares_and_vital_few():
    counts = pd.Series({"售后响应慢": 30, "产品质量": 25, "交付延迟": 25, "价格争议": 12, "发票账务": 8})
    table = diagnosis.pareto(counts, 0.8)
    assert table["cause"].tolist() == ["售后响应慢", "产品质量", "交付延迟", "价格争议", "发票账务"]
    assert table["cum_share"].tolist() == pytest.approx([0.30, 0.55, 0.80, 0.92, 1.00])
    # 交付延迟 brings the cumulative share to exactly 80 %: it is the last of the vital few
    assert table["vital_few"].tolist() == [True, True, True, False, False]
    assert diagnosis.pareto(pd.Series({"a": 90, "b": 10}), 0.8)["vital_few"].tolist() == [True, False]
    assert diagnosis.pareto(pd.Series(dtype=float)).empty


def test_complaint_response_by_region_by_hand():
    opened = pd.to_datetime(["2025-10-01 08:00", "2025-10-02 08:00", "2025-10-03 08:00", "2025-12-31 12:00"])
    complaints = pd.DataFrame({"ticket_id": list("abcd"), "region": ["X", "X", "X", "Y"], "opened_at": opened,
                               "first_response_at": pd.to_datetime(["2025-10-01 20:00", "2025-10-05 08:00", None, None])})
    out = diagnosis.complaint_response(complaints, Period.parse("2025Q4"), 48, "region").set_index("region")
    # X: 12 h, 72 h, unanswered (age at 2026-01-01 00:00 = 89 days 16 h); Y: 12 h so far
    assert out.loc["X", "median_hours"] == pytest.approx(72)
    assert out.loc["X", "over_promise"] == pytest.approx(2 / 3)
    assert out.loc["Y", "tickets"] == 1 and out.loc["Y", "over_promise"] == 0


def test_theme_impact_compares_nps_with_and_without_the_theme():
    answers = pd.DataFrame({"nps": [0, 2, 10, 9, 10, 5], "comment": ["售后慢", "售后差", "很好", "满意", None, "一般"]})
    flags = text.code_themes(answers["comment"], {"after_sales": ["售后"]})
    row = diagnosis.theme_impact(answers, flags, min_n=1).iloc[0]
    assert row["mentions"] == 2 and row["nps_with"] == -100
    assert row["nps_without"] == pytest.approx(100 * (2 - 1) / 3)  # 10, 9, 5: two promoters, one detractor
    assert row["difference"] == pytest.approx(-100 - 100 / 3)


# --------------------------------------------------------------------------- the sample's story

@pytest.fixture(scope="module")
def sample_diagnosis():
    from salesnb.io import load_workspace

    ws = load_workspace(SAMPLE)
    cfg = ws.config
    p = Period.parse("2025Q4")
    surveys, customers = ws.table("surveys"), ws.table("customers")
    answers = diagnosis.attach_region(survey.with_tier(surveys.loc[p.contains(surveys["survey_date"])], customers), customers)
    prev = diagnosis.attach_region(surveys.loc[p.previous().contains(surveys["survey_date"])], customers)
    drivers = diagnosis.key_drivers(answers, [d.key for d in cfg.survey.dimensions], "nps", bootstrap=0)
    themes = {th.key: th.keywords for th in cfg.text.themes}
    complaints = diagnosis.attach_region(ws.table("complaints"), customers)
    problems = diagnosis.rank_problems(
        answers=answers, previous=prev, drivers=drivers, sales=ws.table("sales"), complaints=complaints, period=p,
        settings=cfg.diagnosis, promise_hours=cfg.thresholds.response_promise_hours,
        comment_flags=text.code_themes(answers["comment"], themes),
        theme_problem={th.key: th.problem_type for th in cfg.text.themes if th.problem_type})
    return ws, p, answers, complaints, problems


def test_sample_ranks_south_west_after_sales_response_first(sample_diagnosis):
    ws, p, answers, complaints, problems = sample_diagnosis
    top = problems[0]
    assert top.type == "slow_after_sales_response"
    assert top.regions == ["西南"]
    # its evidence, recomputed here with plain pandas
    sw = answers["region"] == "西南"
    score = answers[["response_speed", "after_sales"]].mean(axis=1)
    gap = next(e for e in top.evidence if e["kind"] == "score_gap")
    assert gap["value"] == pytest.approx(score[sw].mean()) and gap["reference"] == pytest.approx(score[~sw].mean())
    assert top.gap == pytest.approx(score[~sw].mean() - score[sw].mean())
    cur = complaints.loc[p.contains(complaints["opened_at"]) & (complaints["region"] == "西南")]
    share = next(e for e in top.evidence if e["kind"] == "complaint_share")
    assert share["value"] == pytest.approx((cur["category"] == "售后响应慢").mean())
    over = next(e for e in top.evidence if e["kind"] == "over_promise")
    hours = (cur["first_response_at"].fillna(p.end_exclusive) - cur["opened_at"]).dt.total_seconds() / 3600
    assert over["value"] == pytest.approx((hours > 48).mean()) and over["value"] > 0.5
    sales = ws.table("sales")
    last12 = sales.loc[(sales["order_date"] >= "2025-01-01") & (sales["order_date"] < "2026-01-01") & (sales["region"] == "西南")]
    assert top.revenue_affected == pytest.approx(last12["amount"].sum())
    assert top.impact == pytest.approx(top.driver_weight * top.gap * top.revenue_affected)
    assert top.nps_segment < 0 < top.nps_rest
    # 西南's churn shows up as a problem too
    assert any(q.type == "high_churn" and "西南" in q.regions for q in problems)


def test_sample_statement_and_record_are_bilingual(sample_diagnosis):
    ws, p, *_, problems = sample_diagnosis
    cfg = ws.config
    dims = {lg: {d.key: (d.zh if lg == "zh" else d.en) for d in cfg.survey.dimensions} for lg in ("en", "zh")}
    themes = {lg: {th.key: (th.zh if lg == "zh" else th.en) for th in cfg.text.themes} for lg in ("en", "zh")}
    record = diagnosis.diagnosis_record(problems, p, "zh", dims, themes, cfg.diagnosis.problem_categories, weighted=True)
    json.dumps(record, allow_nan=True)
    first = record["problems"][0]
    assert first["statement"]["zh"].startswith("售后响应慢是西南NPS 偏低的核心痛点")
    assert first["statement"]["en"].startswith("Slow after-sales response is the core pain point behind low NPS in 西南")
    assert record["top_problem_type"] == "slow_after_sales_response" and diagnosis.PROBLEM_CODES["slow_after_sales_response"] == 1
    assert {"type", "segment", "evidence", "driver_weight", "gap", "revenue_affected", "statement"} <= set(first)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_fishbone_and_charts_render_without_missing_glyphs(sample_diagnosis, lang, tmp_path):
    from salesnb import plots
    from salesnb.plots import diagnosis as dplots

    ws, p, answers, complaints, problems = sample_diagnosis
    cfg = ws.config
    dims = {d.key: (d.zh if lang == "zh" else d.en) for d in cfg.survey.dimensions}
    themes = {th.key: (th.zh if lang == "zh" else th.en) for th in cfg.text.themes}
    causes = diagnosis.fishbone_causes(problems, cfg.diagnosis.problem_categories, lang, dims, themes)
    # only the top problem's own evidence (no other problem's price complaints or churn), at most 6 a bone, no driver weight
    assert causes.groupby("category").size().max() <= 6 and causes["top"].all()
    assert set(causes["problem_type"]) <= {problems[0].type} | set(cfg.diagnosis.dimension_problems.values()) | set(cfg.diagnosis.complaint_problems.values())
    top_texts = {diagnosis.evidence_text(e, lang, dims, themes) for e in problems[0].evidence if e["kind"] != "driver_weight"}
    assert set(causes["evidence"]) <= top_texts
    plots.use_theme(lang)
    bones = [(c.key, c.zh if lang == "zh" else c.en) for c in cfg.diagnosis.fishbone]
    drivers = diagnosis.importance_performance(diagnosis.key_drivers(answers, list(dims), "nps", bootstrap=0))
    par = diagnosis.pareto(complaints.loc[p.contains(complaints["opened_at"]), "category"].value_counts())
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a missing CJK glyph is a failure
        figs = [dplots.fishbone(causes, bones, "售后响应慢 → 西南 NPS -22", lang, "售后响应慢"),
                dplots.ipa_matrix(drivers, dims, lang), dplots.drivers(drivers, dims, lang), dplots.pareto(par, lang, p)]
        for i, fig in enumerate(figs):
            fig.savefig(tmp_path / f"{i}.png")
    assert figs[0].axes[0].get_title().startswith("鱼骨图" if lang == "zh" else "Fishbone")


def test_before_the_story_no_survey_problem_claims_to_drive_nps():
    from salesnb.io import load_workspace

    ws = load_workspace(SAMPLE)
    cfg, p = ws.config, Period.parse("2024Q3")
    surveys, customers = ws.table("surveys"), ws.table("customers")
    answers = diagnosis.attach_region(surveys.loc[p.contains(surveys["survey_date"])], customers)
    prev = diagnosis.attach_region(surveys.loc[p.previous().contains(surveys["survey_date"])], customers)
    drivers = diagnosis.key_drivers(answers, [d.key for d in cfg.survey.dimensions], "nps", bootstrap=0)
    problems = diagnosis.rank_problems(answers=answers, previous=prev, drivers=drivers, sales=ws.table("sales"),
                                       complaints=diagnosis.attach_region(ws.table("complaints"), customers), period=p,
                                       settings=cfg.diagnosis, promise_hours=48)
    assert not any(q.basis == "survey" and q.impact > 0 for q in problems)  # 西南's slowdown starts in 2024Q4
    first = diagnosis.statement(problems[0], 1, "en", {}, {})
    assert "core pain point" not in first and first.startswith("No survey dimension trails significantly")


# --------------------------------------------------------------------------- the notebook's building blocks
# Tiny frames with hand-computed expectations for the functions notebook 03 calls.

from types import SimpleNamespace as NS  # noqa: E402

Q4 = Period.parse("2025Q4")


def _config():
    dims = [NS(key="response_speed", en="Response speed", zh="响应速度"), NS(key="price", en="Price", zh="价格")]
    themes = [NS(key="slow", en="Slow service", zh="服务慢", keywords=["慢", "slow"], problem_type="slow_after_sales_response"),
              NS(key="praise", en="Praise", zh="表扬", keywords=["好"], problem_type=None)]
    return NS(survey=NS(dimensions=dims), text=NS(themes=themes),
              diagnosis=NS(problem_categories={"slow_after_sales_response": "process", "high_churn": "people"},
                           fishbone=[NS(key="people", en="People", zh="人"), NS(key="process", en="Process", zh="流程")]))


def test_label_maps_for_each_language_keep_the_configured_order():
    en, zh = diagnosis.label_maps(_config(), "en"), diagnosis.label_maps(_config(), "zh")
    assert en.dimensions == {"response_speed": "Response speed", "price": "Price"}
    assert list(en.scores.items()) == [("response_speed", "Response speed"), ("price", "Price"), ("satisfaction", "Overall satisfaction")]
    assert list(en.measures) == ["nps", "response_speed", "price", "satisfaction"] and en.measures["nps"] == "NPS"
    assert zh.dimensions == {"response_speed": "响应速度", "price": "价格"} and zh.scores["satisfaction"] == "总体满意度"
    assert zh.themes == {"slow": "服务慢", "praise": "表扬"} and en.themes == {"slow": "Slow service", "praise": "Praise"}
    assert diagnosis.theme_keywords(_config().text) == {"slow": ["慢", "slow"], "praise": ["好"]}
    assert diagnosis.theme_problem_types(_config().text) == {"slow": "slow_after_sales_response"}  # praise has none


def _design():
    frame = pd.DataFrame({"customer_id": ["c1", "c2", "c3", "c4"], "region": ["A", "B", "A", "A"],
                          "status": ["customer", "customer", "customer", "lost"]})
    plan = pd.DataFrame({"region": ["A", "A", "B"], "status": ["customer", "lost", "customer"], "population": [2, 1, 1],
                         "sample": [60, 20, 20]})
    margins = pd.DataFrame({"group": ["all", "A", "B"], "moe_nps": [9.87, 12.3, 20.04], "moe_mean": [0.123, 0.2, 0.3]})
    return survey.SurveyPlan(frame, plan, margins, "neyman", 20, 0.2, 7)


def test_narrative_frame_and_sample_plan_by_hand():
    design = _design()
    assert diagnosis.narrative_frame(design, Q4, "en").startswith(
        "The sampling frame at the end of 2025Q4 holds 4 customers: 3 buying, 0 prospects and 1 lost")
    # 100 planned, 20 of them lost (20 %); company margins ±9.9 NPS, ±0.12; the worst region ±20.0
    assert diagnosis.narrative_sample_plan(design, "en") == (
        "The next wave samples 100 customers (Neyman allocation, at least 20 per region and 20% lost customers; 20% planned). "
        "At 95% confidence this measures company NPS within ±9.9 points and a 1–5 mean within ±0.12; per region within ±20.0 NPS points at worst.")


def test_survey_wave_attaches_region_and_tier_and_weights_by_stratum():
    customers = pd.DataFrame({"customer_id": ["c1", "c2", "c3"], "region": ["A", "B", "A"], "segment": ["KA", "SMB", "SMB"]})
    answers = pd.DataFrame({"customer_id": ["c1", "c2", "c3"], "region": [None, "B", None], "respondent_type": ["customer"] * 3,
                            "nps": [10, 9, 0]})
    wave = diagnosis.survey_wave(answers, _design(), customers)
    assert wave.answers["region"].tolist() == ["A", "B", "A"] and wave.answers["tier"].tolist() == ["KA", "SMB", "SMB"]
    # population A·customer 2, B·customer 1 (N = 3); answers 2 and 1 (r = 3): w_A = (2/3)/(2/3) = 1, w_B = (1/3)/(1/3) = 1
    assert wave.weights.tolist() == pytest.approx([1.0, 1.0, 1.0])
    cover = wave.coverage.set_index(["region", "status"])
    assert cover.loc[("A", "customer"), "answers"] == 2 and cover.loc[("A", "lost"), "answers"] == 0
    assert cover.loc[("A", "customer"), "response_rate"] == pytest.approx(2 / 60)
    # lowest answers ÷ plan first: A·lost 0 %, then A·customer 3 % (B·customer 5 %)
    assert diagnosis.narrative_coverage(wave, "en") == (
        "This period 3 answers came in; the strata furthest below plan are A · lost customers (0%), A · buying customers (3%).")
    assert diagnosis.survey_wave(None, _design(), customers) is None
    assert diagnosis.survey_wave(answers.iloc[:0], _design(), customers) is None


def test_narrative_weights_compares_weighted_and_plain_nps():
    answers = pd.DataFrame({"nps": [10, 0, 9]})
    wave = diagnosis.SurveyWave(answers, pd.DataFrame(), pd.Series([1.125, 1.125, 0.75]))
    # weighted: promoters (1.125 + 0.75) / 3 = 62.5 %, detractors 1.125 / 3 = 37.5 % → 25.0; plain 2/3 − 1/3 → 33.3
    out = diagnosis.narrative_weights(wave, "en")
    assert "from 0.75 to 1.12" in out and out.endswith("NPS (weighted) 25.0; the headline NPS, as on the summary and in step 1, is 33.3 (unweighted).")


def test_previous_answers_are_the_previous_quarter_with_region():
    customers = pd.DataFrame({"customer_id": ["c1", "c2"], "region": ["A", "B"]})
    surveys = pd.DataFrame({"survey_date": pd.to_datetime(["2025-06-30", "2025-07-01", "2025-09-30", "2025-10-01"]),
                            "customer_id": ["c1", "c1", "c2", "c2"], "nps": [1, 2, 3, 4]})
    prev = diagnosis.previous_answers(surveys, Q4, customers)
    assert prev["nps"].tolist() == [2, 3] and prev["region"].tolist() == ["A", "B"]
    assert diagnosis.previous_answers(surveys, Period.parse("2025Q2"), customers) is None  # nothing in 2025Q1
    assert diagnosis.previous_answers(None, Q4, customers) is None


def test_narrative_dimensions_skips_overall_satisfaction_and_blank_means():
    dims = pd.DataFrame({"dimension": ["response_speed", "price", "satisfaction", "quality"], "mean": [3.456, 4.1, 1.0, float("nan")],
                         "top2": [0.456, 0.8, 0.1, float("nan")], "n": [80, 80, 80, 0]})
    labels = {"response_speed": "响应速度", "price": "价格"}
    assert diagnosis.narrative_dimensions(dims, labels, "zh") == (
        "得分最低的维度是响应速度（加权 3.46 分，46% 的回答为 4 或 5 分，80 份回答）；最高的是价格（4.10 分）。")


def test_narrative_segments_names_the_worst_reliable_segment():
    segs = pd.DataFrame({"segment_type": ["all", "region", "tier", "respondent_type"], "segment": ["all", "西南", "KA", "lost"],
                         "nps": [12.0, -30.0, -5.55, -20.0], "n": [300, 20, 90, 60], "reliable": [True, False, True, True]})
    # 西南 (−30) has too few answers; lost customers (−20) is the worst reliable segment
    assert diagnosis.narrative_segments(segs, "en") == (
        "The lowest weighted NPS among segments with enough answers is Respondent type · lost customers (-20.0, 60 answers); company NPS (weighted) is 12.0.")
    tier_worst = segs.assign(nps=[12.0, -30.0, -25.0, -20.0])
    assert "Customer segment · KA (-25.0, 90 answers)" in diagnosis.narrative_segments(tier_worst, "en")  # customers.segment
    assert diagnosis.narrative_segments(segs.assign(reliable=[True, False, False, False]), "en") is None


def test_narrative_change_lists_significant_measures_or_none():
    changes = pd.DataFrame({"metric": ["nps", "response_speed", "price"], "change": [-8.04, -0.4, 0.1], "p_value": [0.0416, 0.01, 0.5],
                            "significant": [True, True, False]})
    names = {"nps": "NPS", "response_speed": "Response speed", "price": "Price"}
    assert diagnosis.narrative_change(changes, Period.parse("2025Q3"), names, "en") == (
        "Against 2025Q3: NPS -8.0 points (z test, p=0.042); significant changes at 5%: NPS, Response speed.")
    calm = diagnosis.narrative_change(changes.assign(significant=False), Period.parse("2025Q3"), names, "zh")
    assert calm.endswith("5% 水平下显著变化的指标：无。")
    assert "、" in diagnosis.narrative_change(changes, Period.parse("2025Q3"), names, "zh")


def test_driver_narrative_and_interval_text():
    d = pd.DataFrame({"dimension": ["price", "response_speed", "quality"], "importance": [0.2, 0.55, 0.25],
                      "ci_low": [0.1, 0.4, 0.15], "ci_high": [0.3, 0.7, 0.35], "quadrant": ["low_priority", "fix_first", "fix_first"]})
    d.attrs.update(r2=0.384, n=250)
    labels = {"price": "Price", "response_speed": "Response speed", "quality": "Quality"}
    assert diagnosis.narrative_drivers(d, labels, "en") == (
        "The three dimensions explain 38% of the variance in the 0–10 recommend score (250 complete answers). Response speed weighs most (55%); "
        "Response speed, Quality sit in the fix-first quadrant (important and below average).")
    none_fix = diagnosis.narrative_drivers(d.assign(quadrant="keep_up"), labels, "en")
    assert none_fix.endswith("; none sit in the fix-first quadrant (important and below average).")
    ci = diagnosis.with_importance_interval(d, "en")
    assert ci["dimension"].tolist() == ["response_speed", "quality", "price"]
    assert ci["ci"].tolist() == ["40% … 70%", "15% … 35%", "10% … 30%"]
    assert diagnosis.DRIVER_COLUMNS[:2] == ["dimension", "importance"] and len(diagnosis.DRIVER_COLUMNS) == 8


def _tickets():
    opened = pd.to_datetime(["2025-09-30 08:00", "2025-10-01 08:00", "2025-10-02 08:00", "2025-10-03 08:00", "2025-10-01 00:00"])
    return pd.DataFrame({"ticket_id": list("abcde"), "customer_id": ["c1", "c1", "c1", "c1", "c2"], "region": [None, None, "X", None, None],
                         "category": ["慢", "慢", "慢", "贵", "贵"], "opened_at": opened,
                         "first_response_at": pd.to_datetime(["2025-09-30 09:00", "2025-10-01 20:00", "2025-10-05 08:00", None, None])})


def test_period_tickets_pareto_and_vital_few():
    customers = pd.DataFrame({"customer_id": ["c1", "c2"], "region": ["X", "Y"]})
    tickets = diagnosis.period_tickets(_tickets(), customers, Q4)
    assert len(tickets.complaints) == 5 and tickets.complaints["region"].tolist() == ["X", "X", "X", "X", "Y"]
    assert tickets.current["ticket_id"].tolist() == ["b", "c", "d", "e"] and tickets.in_period
    par = diagnosis.complaint_pareto(tickets, 0.5)
    # 慢 2, 贵 2 of 4 in the quarter (the September ticket left out): 慢 alone reaches 50 %
    assert par[["cause", "count"]].values.tolist() == [["慢", 2], ["贵", 2]]
    assert diagnosis.vital_few(par) == ["慢"]
    assert diagnosis.narrative_pareto(par, "en") == "1 of 2 complaint categories are the vital few, covering 50% of 4 tickets: 慢."
    none = diagnosis.period_tickets(None, customers, Q4)
    assert none.complaints is None and not none.in_period and diagnosis.complaint_pareto(none) is None
    later = diagnosis.period_tickets(_tickets(), customers, Period.parse("2026Q1"))
    assert len(later.current) == 0 and not later.in_period and diagnosis.complaint_pareto(later) is None
    assert diagnosis.vital_few(None) == []


def test_response_highlights_pick_the_slowest_region_with_enough_tickets():
    customers = pd.DataFrame({"customer_id": ["c1", "c2"], "region": ["X", "Y"]})
    complaints = diagnosis.period_tickets(_tickets(), customers, Q4).complaints
    by_region = diagnosis.complaint_response(complaints, Q4, 48, "region")
    # Q4 tickets: X 12 h, 72 h, unanswered since 10-03 08:00 (2176 h at 2026-01-01); Y unanswered since 10-01 (2208 h)
    assert by_region.set_index("region")["median_hours"].to_dict() == pytest.approx({"X": 72.0, "Y": 2208.0})
    three = diagnosis.response_highlights(complaints, by_region, Q4, 48, min_tickets=3)
    assert (three.region, three.median_hours, three.over_promise) == ("X", 72.0, pytest.approx(2 / 3))
    assert three.late_share == pytest.approx(3 / 4)  # 72 h and both unanswered tickets are late
    anyone = diagnosis.response_highlights(complaints, by_region, Q4, 48)  # nobody has 10 tickets: all regions compete
    assert anyone.region == "Y" and anyone.over_promise == 1.0
    assert diagnosis.narrative_response(three, "en") == (
        "75% of this period's tickets were answered after the 48-hour promise; the slowest region is X (median 72 h, 67% over the promise).")


def test_narrative_rates_names_the_first_region():
    rates = pd.DataFrame({"region": ["西南", "华东"], "per_100_customers": [8.333, 2.0], "active_customers": [36, 50]})
    assert diagnosis.narrative_rates(rates, 30, "zh") == "西南投诉率最高：每百名活跃客户 8.3 起（活跃客户 36 个；活跃客户少于 30 的区域不参与比较）。"


def test_text_sources_select_complaints_then_comments_and_a_year_of_interviews():
    customers = pd.DataFrame({"customer_id": ["c1", "c2"], "region": ["X", "Y"], "customer_name": ["华东机械", None], "contact": ["王伟", "李娜"]})
    tickets = pd.DataFrame({"description": ["售后太慢", None]})
    answers = pd.DataFrame({"nps": [3, 9, 10], "comment": [None, "还不错", " "]})
    interviews = pd.DataFrame({"interview_date": pd.to_datetime(["2024-12-31", "2025-01-01", "2025-12-31", "2026-01-01"]),
                               "customer_id": ["c1", "c1", "c2", "c2"], "notes": ["a", "b", "c", "d"]})
    src = diagnosis.text_sources(tickets, answers, interviews, customers, Q4)
    assert list(src.texts) == ["complaints", "comments"] and src.main == "complaints"
    assert src.main_texts.tolist() == ["售后太慢"]
    assert src.comment_scores.tolist() == [3, 9, 10]
    # the 12 months to the end of 2025Q4: 2025-01-01 … 2025-12-31
    assert src.interviews["notes"].tolist() == ["b", "c"] and src.interviews["region"].tolist() == ["X", "Y"] and src.has_interviews
    assert src.names == ("王伟", "李娜", "华东机械")  # contacts first, then company names
    contacts = pd.DataFrame({"contact": ["赵六"]})
    assert diagnosis.text_sources(tickets, answers, None, customers, Q4, contacts).names == ("赵六",)


def test_text_sources_leave_out_empty_sources():
    customers = pd.DataFrame({"customer_id": ["c1"], "region": ["X"]})
    no_text = diagnosis.text_sources(pd.DataFrame({"description": [None, None]}), pd.DataFrame({"nps": [5], "comment": [None]}),
                                     None, customers, Q4)
    assert no_text.texts == {} and no_text.main is None and no_text.comment_scores is None and not no_text.has_interviews
    no_column = diagnosis.text_sources(pd.DataFrame({"category": ["慢"]}), None, None, customers, Q4)
    assert no_column.main is None
    comments_only = diagnosis.text_sources(None, pd.DataFrame({"nps": [5], "comment": ["慢"]}), None, customers, Q4)
    assert comments_only.main == "comments" and diagnosis.source_label(comments_only.main, "en") == "survey comments"
    empty_year = diagnosis.text_sources(None, None, pd.DataFrame({"interview_date": pd.to_datetime(["2023-01-01"]), "customer_id": ["c1"],
                                                                  "notes": ["x"]}), customers, Q4)
    assert empty_year.interviews is not None and not empty_year.has_interviews


def test_theme_tables_stack_the_sources_with_lowest_scores_quoted_first():
    src = diagnosis.TextSources(
        {"complaints": pd.Series(["售后太慢，王伟没回电", "价格贵", "售后太慢，王伟没回电"]),
         "comments": pd.Series(["售后慢了点", "价格还行", "售后超慢", None])},
        pd.Series([9, 5, 2, 10]),
        pd.DataFrame({"notes": ["服务慢", "很满意"]}),
        ("王伟",))
    keywords = {"slow": ["慢"], "price": ["价格"]}
    themes = diagnosis.theme_tables(src, keywords, quotes=2)
    assert themes[["source", "theme", "mentions"]].values.tolist() == [
        ["complaints", "slow", 2], ["complaints", "price", 1], ["comments", "slow", 2], ["comments", "price", 1],
        ["interviews", "slow", 1], ["interviews", "price", 0]]
    assert themes["share"].tolist() == pytest.approx([2 / 3, 1 / 3, 2 / 3, 1 / 3, 1 / 2, 0])  # the blank comment is not a text
    rows = themes.set_index(["source", "theme"])["quotes"]
    assert rows[("complaints", "slow")] == ["售后太慢，王*没回电"]  # repeated text quoted once, name masked
    assert rows[("comments", "slow")] == ["售后超慢", "售后慢了点"]  # NPS 2 before NPS 9
    assert diagnosis.with_joined_quotes(themes)["quotes"].tolist()[2] == "售后超慢 | 售后慢了点"
    assert diagnosis.source_themes(themes, "interviews")["theme"].tolist() == ["slow", "price"]
    shown = diagnosis.mentioned_themes(themes, "zh")
    assert len(shown) == 5 and shown["source_label"].tolist() == ["投诉描述", "投诉描述", "问卷评论", "问卷评论", "访谈记录"]
    flags = diagnosis.theme_flags(src, keywords)
    assert flags.comments["slow"].tolist() == [True, False, True, False] and flags.interviews["slow"].tolist() == [True, False]
    no_comments = diagnosis.theme_flags(diagnosis.TextSources({}, None, None), keywords)
    assert no_comments.comments is None and no_comments.interviews is None
    assert diagnosis.theme_tables(diagnosis.TextSources({}, None, None), keywords).empty


def test_text_narratives_by_hand():
    terms = pd.DataFrame({"term": ["售后", "售后 太慢", "价格", "响应 慢"], "kind": ["word", "phrase", "word", "phrase"],
                          "share_of_texts": [0.604, 0.25, 0.2, 0.1]})
    assert diagnosis.narrative_terms(terms, 48, "complaints", "zh") == (
        "在 48 条投诉描述中，出现最广的词是“售后”（60% 的文本），最常见的短语是“售后 太慢”（25%）。")
    assert diagnosis.top_phrases(terms, 1)["term"].tolist() == ["售后 太慢"]
    main = pd.DataFrame({"theme": ["slow", "price"], "share": [0.42, 0.1]})
    impact = pd.DataFrame({"theme": ["praise", "slow"], "mentions": [0, 12], "nps_with": [float("nan"), -41.67], "nps_without": [0.0, 25.0]})
    labels = {"slow": "Slow service", "price": "Price", "praise": "Praise"}
    assert diagnosis.narrative_themes(main, impact, labels, "en") == (
        "42% of complaints are about Slow service; among survey comments, those mentioning Slow service give an NPS of -41.7 against 25.0 for the rest.")
    assert diagnosis.narrative_suggestions(pd.DataFrame({"suggestion": ["Please call back"], "texts": [2]}), 5, "en") == (
        "Key-account interviews of the last 12 months: the suggestion made most often is “Please call back” (2 of 5 interviews).")


def _problems():
    ev = [{"kind": "comment_theme", "value": 0.25, "reference": None, "theme": "slow", "count": 5, "total": 20}]
    top = diagnosis.Problem("slow_after_sales_response", [], float("nan"), float("nan"), 1e6, float("nan"), "text", evidence=ev,
                            nps_segment=4.6)
    churn = diagnosis.Problem("high_churn", ["西南"], float("nan"), 0.1, 5e5, float("nan"), "churn",
                              evidence=[{"kind": "churn", "value": 0.3, "reference": 0.1, "region": "西南", "p_value": 0.01, "lost": 7}])
    return [top, churn]


def test_diagnosis_document_and_conclusion_carry_both_languages():
    record = diagnosis.diagnosis_document(_problems(), Q4, "en", _config(), ["慢"])
    assert record["vital_few"] == ["慢"] and record["weighted"] is True and record["top_problem_type"] == "slow_after_sales_response"
    text = record["problems"][0]["evidence"][0]["text"]
    assert text == {"en": "25% of comments mention Slow service (5 of 20)", "zh": "25% 的评论提到“服务慢”（20 条中 5 条）"}
    assert record["problems"][1]["fishbone_category"] == "people"
    assert diagnosis.narrative_conclusion(record, "zh") == record["problems"][0]["statement"]["zh"]
    assert diagnosis.narrative_conclusion(diagnosis.diagnosis_document([], Q4, "en", _config(), []), "en") == "No problem type could be ranked in this period."


def test_top_problem_fishbone_head_bones_and_causes():
    cfg = _config()
    labels = diagnosis.label_maps(cfg, "en")
    fish = diagnosis.top_problem_fishbone(_problems(), cfg.diagnosis, labels, "en")
    assert fish.head == "Slow after-sales response\n→ the whole company NPS 5" and fish.title == "Slow after-sales response"
    assert fish.bones == [("people", "People"), ("process", "Process")]
    # the fishbone draws only its head problem's evidence: the churn of 西南 (another problem) is no cause of slow service
    assert fish.causes[["category", "top"]].values.tolist() == [["process", True]]
    assert fish.causes["evidence"].tolist() == ["25% of comments mention Slow service (5 of 20)"]
    regional = diagnosis.top_problem_fishbone(_problems()[::-1], cfg.diagnosis, diagnosis.label_maps(cfg, "zh"), "zh")
    assert regional.head.startswith("客户流失率高\n→ 西南 NPS ")


def test_summary_metrics_by_hand():
    customers = pd.DataFrame({"customer_id": ["c1", "c2"], "region": ["X", "Y"]})
    complaints = diagnosis.period_tickets(_tickets(), customers, Q4).complaints
    par = diagnosis.pareto(pd.Series({"慢": 2, "贵": 2}), 0.5)
    out = diagnosis.summary_metrics(_problems(), par, complaints, Q4, 48)
    assert out == {"top_problem_type": 1, "vital_few_categories": 1, "response_over_promise_share": pytest.approx(0.75)}
    assert diagnosis.summary_metrics([], None, None, Q4, 48) == {
        "top_problem_type": None, "vital_few_categories": None, "response_over_promise_share": None}


def test_diagnose_reads_its_settings_from_the_workspace_config(sample_diagnosis):
    ws, p, answers, complaints, problems = sample_diagnosis
    cfg = ws.config
    surveys = ws.table("surveys")
    prev = diagnosis.attach_region(surveys.loc[p.previous().contains(surveys["survey_date"])], ws.table("customers"))
    drivers = diagnosis.key_drivers(answers, [d.key for d in cfg.survey.dimensions], "nps", bootstrap=0)
    src = diagnosis.text_sources(None, answers, None, ws.table("customers"), p)
    flags = diagnosis.theme_flags(src, diagnosis.theme_keywords(cfg.text))
    again = diagnosis.diagnose(answers, prev, drivers, ws.table("sales"), complaints, p, cfg, flags, None)
    assert cfg.retention.window_months == 12  # the fixture ranks with the default window
    assert [(q.type, q.regions, q.basis) for q in again] == [(q.type, q.regions, q.basis) for q in problems]
    assert [q.impact for q in again] == pytest.approx([q.impact for q in problems], nan_ok=True)


def test_complaint_only_problems_follow_the_pareto_order_every_run(monkeypatch):
    """Two vital-few categories mapped to two problem types: the problems come in the Pareto's order (most tickets
    first), not in a set's order, so equal problems rank the same in every process."""
    from types import SimpleNamespace

    from salesnb.diagnosis import problems as dp

    monkeypatch.setattr(dp, "add_evidence", lambda p, data: None)  # evidence is not what this test is about
    tickets = pd.DataFrame({"category": ["Late shipment"] * 5 + ["Invoice mistakes"] * 4 + ["Rude staff"] * 1})
    sales = pd.DataFrame({"order_date": pd.to_datetime(["2025-11-01"]), "amount": [100.0], "region": ["N"]})
    settings = SimpleNamespace(complaint_problems={"Invoice mistakes": "billing_errors", "Late shipment": "delivery_delay"},
                               pareto_threshold=0.8)
    data = SimpleNamespace(tickets=tickets, settings=settings, sales=sales, end=pd.Timestamp("2026-01-01"), surveyed=False)
    found = dp.complaint_problems(data, taken=set())
    # Pareto: Late shipment 5 (50 %), Invoice mistakes 4 (90 %): both vital; the order is the table's
    assert [p.type for p in found] == ["delivery_delay", "billing_errors"]
    assert [p.revenue_affected for p in found] == [100.0, 100.0]
    assert dp.complaint_problems(data, taken={"delivery_delay"})[0].type == "billing_errors"
