"""Step 1: forecast, SMART verdicts and bottlenecks against hand-worked cases,
and the bottleneck scan finding the story planted in the sample company."""
from __future__ import annotations

import math

import pandas as pd
import pytest

from conftest import SAMPLE
from salesnb import goals
from salesnb.config import Goal, WorkspaceConfig
from salesnb.periods import Period

P = Period.parse("2025Q4")


def _company() -> pd.DataFrame:
    """Region A: 100 a quarter in 2023, 110 in 2024, 121 in 2025 (+10 % a year). Region B: 100 a quarter, flat."""
    rows = []
    for year, a in ((2023, 100.0), (2024, 110.0), (2025, 121.0)):
        for q in range(4):
            date = pd.Timestamp(year, 3 * q + 2, 15)
            rows += [("A", f"a{q}", f"{year}{q}A", date, a), ("B", f"b{q}", f"{year}{q}B", date, 100.0)]
    df = pd.DataFrame(rows, columns=["region", "customer_id", "order_id", "order_date", "amount"])
    df["product_line"] = "X"
    return df


CONFIG = WorkspaceConfig.model_validate({"company": {"name": "Demo"}, "themes": [{"key": "growth", "en": "Growth", "zh": "增长"}]})


def _goal(id, metric="revenue", scope=None, growth=None, value=None, deadline="2026", theme="growth"):
    target = {"growth": growth} if growth is not None else {"value": value}
    return Goal.model_validate({"id": id, "metric": metric, "scope": scope or {}, "target": target, "deadline": deadline, "theme": theme})


def test_seasonal_naive_with_drift_by_hand():
    sales = pd.DataFrame({"order_date": pd.to_datetime([f"{y}-{m:02d}-15" for y in (2024, 2025) for m in (2, 5, 8, 11)]),
                          "amount": [10.0, 20, 30, 40, 11, 22, 33, 44]})
    f = goals.forecast_revenue(sales, P)
    # drift = (11+22+33+44)/(10+20+30+40) = 1.1; next year = last year's quarters × 1.1
    assert f["period"].tolist() == ["2026Q1", "2026Q2", "2026Q3", "2026Q4"]
    assert f["forecast"].tolist() == pytest.approx([12.1, 24.2, 36.3, 48.4])
    assert set(f["method"]) == {"seasonal_naive_drift"}
    # no back-test errors with 8 quarters: the default 10 % log-sd
    assert f["low"].iloc[0] == pytest.approx(12.1 * math.exp(-1.959964 * 0.10), rel=1e-5)


def test_short_history_falls_back_to_seasonal_naive():
    sales = pd.DataFrame({"order_date": pd.to_datetime(["2025-02-01", "2025-05-01", "2025-08-01", "2025-11-01"]), "amount": [1.0, 2, 3, 4]})
    f = goals.forecast_revenue(sales, P)
    assert f["forecast"].tolist() == [1.0, 2.0, 3.0, 4.0] and set(f["method"]) == {"seasonal_naive"}


@pytest.fixture(scope="module")
def checked():
    sales = _company()
    tables = goals.Tables(sales)
    fc = goals.forecast_for_goals(goals.forecast_all(sales, P))
    gs = [
        _goal("sound", scope={"region": "A"}, growth=0.08),        # needs +8 %, best year +10 %
        _goal("stretch", scope={"region": "A"}, growth=0.14),      # +14 % ≤ 1.5 × 10 %
        _goal("unreal", scope={"region": "A"}, growth=0.50),       # +50 % > 15 %
        _goal("timid", scope={"region": "A"}, growth=0.01),        # below the forecast's lower bound
        _goal("unknown", metric="profit", growth=0.1),
        _goal("nothere", scope={"region": "Z"}, growth=0.1),
        _goal("notheme", scope={"region": "A"}, growth=0.08, theme="other"),
        _goal("far", scope={"region": "A"}, growth=0.08, deadline="2030"),
        _goal("past", scope={"region": "A"}, growth=0.08, deadline="2025"),
        _goal("nosurvey", metric="nps", value=40, deadline="2026Q4"),
    ]
    return goals.check_goals(gs, tables, P, CONFIG, fc).set_index("goal_id")


def test_achievability_classes_and_verdicts(checked):
    assert checked.loc["sound", "baseline"] == pytest.approx(484.0) and checked.loc["sound", "baseline_period"] == "2025"
    assert checked.loc["sound", "target"] == pytest.approx(484 * 1.08)
    assert checked.loc["sound", "reference_change"] == pytest.approx(0.10)
    assert checked.loc["sound", "forecast"] == pytest.approx(4 * 121 * 1.1)
    expected = {"sound": ("within_reach", "sound"), "stretch": ("stretch", "stretch"), "unreal": ("unrealistic", "unrealistic"),
                "timid": ("too_timid", "too_timid")}
    for gid, (ach, verdict) in expected.items():
        assert (checked.loc[gid, "achievable"], checked.loc[gid, "verdict"]) == (ach, verdict), gid


def test_each_smart_criterion_can_fail_on_its_own(checked):
    assert not checked.loc["unknown", "specific"] and checked.loc["unknown", "verdict"] == "revise"
    assert not checked.loc["nothere", "specific"]
    assert checked.loc["notheme", "specific"] and not checked.loc["notheme", "relevant"] and checked.loc["notheme", "verdict"] == "revise"
    assert not checked.loc["far", "time_bound"] and not checked.loc["past", "time_bound"]
    assert checked.loc["nosurvey", "specific"] and not checked.loc["nosurvey", "measurable"]
    reasons = goals.goal_reasons(checked.reset_index(), "en")
    assert "profit" in reasons.iloc[4] and "theme other" in reasons.iloc[6]
    assert "+50.0%" in reasons.iloc[2] and "+10.0%" in reasons.iloc[2]


def test_rate_goals_are_judged_in_points_and_lower_is_better_for_churn():
    rows = []
    # 10 customers active in 2024; 8 buy again in 2025 → churn 20 % (the data starts with the base year's first
    # quarter: a base window partly before the data gives no rate, as the headline says — goals.retention_at)
    for i in range(10):
        rows.append((f"c{i}", f"o{i}", "2024-01-05", 10.0))
        if i < 8:
            rows.append((f"c{i}", f"p{i}", "2025-06-01", 10.0))
    sales = pd.DataFrame(rows, columns=["customer_id", "order_id", "order_date", "amount"]).assign(
        order_date=lambda d: pd.to_datetime(d["order_date"]), region="A", product_line="X")
    gs = [_goal("c1", metric="churn_rate", value=0.15, deadline="2026Q4"),   # −5 pp in a year ≤ 8 pp default
          _goal("c2", metric="churn_rate", value=0.05, deadline="2026Q4"),   # −15 pp: 8 < 15 > 12 → unrealistic
          _goal("c3", metric="churn_rate", value=0.25, deadline="2026Q4")]   # worse than today
    c = goals.check_goals(gs, goals.Tables(sales), P, CONFIG).set_index("goal_id")
    assert c.loc["c1", "baseline"] == pytest.approx(0.2)
    assert c.loc["c1", "required_change"] == pytest.approx(0.05) and c.loc["c1", "achievable"] == "within_reach"
    assert c.loc["c2", "achievable"] == "unrealistic"
    assert c.loc["c3", "achievable"] == "too_timid"


def test_promise_broken_and_weak_acquisition_by_hand():
    sales = _company()
    # new customers: ten first purchases in 2024, three in 2025 → −70 %
    extra = [(f"n{i}", f"N{i}", pd.Timestamp("2024-05-01"), 5.0) for i in range(10)] + [(f"m{i}", f"M{i}", pd.Timestamp("2025-05-01"), 5.0) for i in range(3)]
    sales = pd.concat([sales, pd.DataFrame(extra, columns=["customer_id", "order_id", "order_date", "amount"]).assign(region="B", product_line="X")])
    opened = pd.date_range("2025-01-05", periods=20, freq="7D")
    complaints = pd.DataFrame({"ticket_id": [f"t{i}" for i in range(20)], "customer_id": "b0", "region": "B", "category": "slow",
                               "opened_at": opened, "first_response_at": opened + pd.to_timedelta([72] * 8 + [2] * 12, unit="h")})
    f = goals.bottlenecks(goals.Tables(sales, complaints=complaints), P, CONFIG)
    late = f[(f["kind"] == "promise_broken") & (f["scope"] == "B")].iloc[0]
    assert late["current"] == pytest.approx(8 / 20) and late["tickets"] == 20
    weak = f[(f["kind"] == "weak_acquisition") & (f["scope"] == "B")].iloc[0]
    assert (weak["current"], weak["previous"]) == (3, 10)
    text = goals.describe_bottlenecks(f, "en")
    assert any("40.0% of tickets answered later" in s for s in text)


@pytest.fixture(scope="module")
def sample_findings():
    import salesnb

    ws = salesnb.load_workspace(SAMPLE)
    tables = goals.Tables(ws.table("sales"), ws.table("surveys"), ws.table("complaints"))
    dims = [d.key for d in ws.config.survey.dimensions]
    return goals.bottlenecks(tables, P, ws.config, dims)


def test_the_scan_finds_the_south_west_story_in_the_sample(sample_findings):
    sw = sample_findings[sample_findings["scope"] == "西南"]
    assert {"promise_broken", "falling_nps", "rising_churn", "growth_stall", "falling_dimension"} <= set(sw["kind"])
    assert set(sw.loc[sw["kind"] == "falling_dimension", "metric"]) >= {"after_sales", "response_speed"}
    summary = goals.scope_summary(sample_findings)
    assert summary.iloc[0]["scope"] == "西南"
    assert (sample_findings.head(6)["scope"] == "西南").sum() >= 3
    # other regions keep their promise
    others = sample_findings[(sample_findings["kind"] == "promise_broken") & (sample_findings["scope"] != "西南")]
    assert others.empty
    for lang, stop in (("en", ". "), ("zh", "。")):  # one full stop after the most severe finding, not two
        text = goals.narrate_bottlenecks(sample_findings, lang)
        top = goals.describe_bottlenecks(sample_findings.head(1), lang).iloc[0].rstrip("。.")
        assert top + stop in text and ".." not in text and "。。" not in text, text


def test_a_baseline_year_the_data_starts_inside_is_not_measurable():
    sales = _company()
    late_start = sales[sales["order_date"] >= "2025-03-01"]  # 2025 is only partly in the data
    c = goals.check_goals([_goal("g", growth=0.1)], goals.Tables(late_start), P, CONFIG).iloc[0]
    assert c["baseline_period"] == "2025" and not c["measurable"] and c["verdict"] == "revise"
    assert "2025 is not fully covered" in goals.goal_reasons(pd.DataFrame([c]), "en").iloc[0]
    assert goals.Tables(late_start).months_of_history() == 7  # May … November 2025


def test_quarterly_revenue_equals_pivot_table_on_the_labels_to_the_bit():
    # the forecast sums per quarter number; the definition it replaced, written out here: pivot_table on the
    # fiscal quarter labels, first quarter = first dated line's (even one with a blank node), gaps as 0
    import numpy as np

    from salesnb.goals.forecast import _quarterly
    from salesnb.periods import period_labels

    rng = np.random.default_rng(4)
    n = 3000
    dates = pd.Series(pd.Timestamp("2019-01-01") + pd.to_timedelta(rng.integers(0, 2500, n), unit="D")).astype("datetime64[us]")
    dates[rng.random(n) < 0.01] = pd.NaT
    sales = pd.DataFrame({"order_date": dates, "region": pd.array(rng.choice(["East", "West", None], n), dtype="str"),
                          "amount": rng.random(n) * 1000 - 50})
    sales.loc[dates.idxmin(), "region"] = None  # the first dated line has no region
    for label, start in (("2025Q4", 1), ("2021Q2", 4), ("2018Q1", 1)):
        end = Period.parse(label, start)
        last = end.quarters()[-1]
        mask = (sales["order_date"] < last.end_exclusive).to_numpy()
        for by in (None, "region"):
            keyed = pd.DataFrame({"period": period_labels(sales["order_date"], "quarter", start).array[mask],
                                  "node": sales[by].array[mask] if by else "total", "amount": sales["amount"].to_numpy()[mask]})
            wide = keyed.pivot_table(index="node", columns="period", values="amount", aggfunc="sum", fill_value=0.0)
            q = Period.parse(wide.columns.min(), start) if len(wide.columns) else last
            labels = []
            while q <= last:
                labels.append(str(q))
                q = q.shift(1)
            pd.testing.assert_frame_equal(_quarterly(sales, end, by, start), wide.reindex(columns=labels, fill_value=0.0), check_exact=True)
    # the documented rule where pivot_table's own result depended on pandas' unused index levels: a region's history
    # starts at the first dated line's quarter even when the lines of the first quarters have no region
    early = sales.assign(region=sales["region"].where(sales["order_date"] >= pd.Timestamp("2019-07-01")))
    wide = _quarterly(early, Period.parse("2025Q4"), "region", 1)
    assert wide.columns[0] == "2019Q1" and (wide[["2019Q1", "2019Q2"]] == 0).all().all()
    assert wide.sum(axis=1).to_dict() == pytest.approx(early.groupby("region")["amount"].sum().to_dict())
    blank = sales.assign(region=pd.array([None] * n, dtype="str"))  # no node at all: no row, the last quarter only
    assert _quarterly(blank, Period.parse("2025Q4"), "region", 1).shape == (0, 1)
