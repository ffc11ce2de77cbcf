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
from salesnb import diagnosis, metrics, survey, text
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
    assert causes.groupby("category").size().max() <= 3 and causes["top"].any()
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
