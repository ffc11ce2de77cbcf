"""Steps 1 and 2 on workspace shapes unlike the sample (issue 14): no goals, a closed cohort, a base in
the data's first year, a history too short to plan, a steep fall on a short history, satisfaction
without NPS or complaints. Each shape is a handful of order lines whose numbers are worked out by hand
in the comments; every sentence that states a direction, "no X" or "within its history" is checked
against the frame beside it, in English and Chinese."""
from __future__ import annotations

import pandas as pd
import pytest

from salesnb import breakdown as bd
from salesnb import goals
from salesnb.config import WorkspaceConfig
from salesnb.i18n import pct, t
from salesnb.periods import Period
from salesnb.plots import goals as goal_charts

Q4 = Period.parse("2025Q4")
LANGS = ("en", "zh")


def _sales(rows) -> pd.DataFrame:
    """Order lines from (date, customer, region, amount) tuples, one order each, one product line."""
    df = pd.DataFrame(rows, columns=["order_date", "customer_id", "region", "amount"])
    df.insert(0, "order_id", [f"O{i}" for i in range(len(df))])
    df["order_date"] = pd.to_datetime(df["order_date"])
    df["product_line"] = "P"
    df["amount"] = df["amount"].astype(float)
    return df.sort_values("order_date", kind="mergesort").reset_index(drop=True)


def _config(**extra) -> WorkspaceConfig:
    raw = {"company": {"name": "Demo"},
           "breakdown": {"dimensions": ["region", "customer_type"], "method": "history", "phasing": {"by": ["region"]}}}
    for key, value in extra.items():
        if key == "breakdown":
            raw["breakdown"] = {**raw["breakdown"], **value}
        else:
            raw[key] = value
    return WorkspaceConfig.model_validate(raw)


def _quarters(year: int, day: int = 10) -> list[str]:
    return [f"{year}-{m:02d}-{day:02d}" for m in (1, 4, 7, 10)]


# the shapes are built afresh in each test (a module-level frame would outlive the library's per-frame memo)
# a closed cohort: a (N) and b (S) first buy in 2023Q1 and every quarter after; c (N) buys in 2023 and 2024 only.
#   2023: a 4×100, b 4×50, c 30 = 630;  2024: a 400, b 200, c 30 = 630;  2025: a 4×120, b 4×60 = 720
def _closed() -> pd.DataFrame:
    return _sales([(d, "a", "N", 100) for y in (2023, 2024) for d in _quarters(y)]
                  + [(d, "b", "S", 50) for y in (2023, 2024) for d in _quarters(y)]
                  + [(d, "a", "N", 120) for d in _quarters(2025)] + [(d, "b", "S", 60) for d in _quarters(2025)]
                  + [("2023-01-12", "c", "N", 30), ("2024-03-12", "c", "N", 30)])


# a base in the data's first twelve months: a buys 100 a quarter in 2025; b first buys 2025-11 and 2025-12 (50 each).
#   base 2025 = 500, every customer new in it; its last quarter 2025Q4 = 200, of which new (b) 100 -> mix 50 %
def _first_year() -> pd.DataFrame:
    return _sales([(d, "a", "N", 100) for d in _quarters(2025)] + [("2025-11-02", "b", "S", 50), ("2025-12-02", "b", "S", 50)])


# a steep fall on thirteen months (2024-10 … 2025-10): 2024Q4 100, 2025 Q1–Q3 100 each, 2025Q4 53.5 (-46.5 % on 2024Q4)
def _fall() -> pd.DataFrame:
    return _sales([("2024-10-05", "a", "N", 100)] + [(d, "a", "N", 100) for d in _quarters(2025)[:3]] + [("2025-10-05", "a", "N", 53.5)])


def _plan(sales: pd.DataFrame, config: WorkspaceConfig, report: Period = Q4) -> bd.Plan:
    inputs, plan, reason = bd.plan_or_reason(sales, None, report, config)
    assert reason is None
    return plan


def _flag_sentence_matches_table(plan: bd.Plan, lang: str) -> str:
    """The checks sentence against target_checks: its count is the flagged rows', and "within its own
    history" only when no part is flagged and every part checked has a growth to compare with."""
    text = bd.narrative_checks(plan, lang, "元")
    flagged = plan.checks.loc[plan.checks["flag"] != "ok"]
    if flagged.empty:
        assert t("bd_narr_no_flags", lang) in text
        assert (plan.checks["years"] >= 1).all() and plan.checks["base"].gt(0).all()
    else:
        assert t("bd_narr_no_flags", lang) not in text
        assert t("bd_narr_flags", lang, n=len(flagged), parts="").split(":")[0].split("：")[0] in text
    return text


# ----------------------------------------------------------------------------- 1. no goals: frames keep their columns


def test_no_goals_gives_an_empty_goal_table_with_its_columns():
    checked = goals.check_goals([], goals.Tables(_closed()), Q4, _config())
    assert checked.empty and list(checked.columns) == goals.GOAL_CHECK_COLUMNS
    for lang in LANGS:
        art = goals.goals_artifact(checked, lang)
        assert art.empty and list(art.columns) == ["goal_id", "metric", "scope", "baseline_period", "baseline", "target", "deadline",
                                                   "specific", "measurable", "achievable", "relevant", "time_bound", "verdict", "reason"]
        assert goals.narrate_goals(checked, lang) == t("gl_no_goals", lang)


def test_empty_inputs_give_frames_with_columns():
    sales = _closed()
    none = sales.iloc[0:0]
    assert list(goals.forecast_revenue(sales.loc[sales["region"] == "X"], Q4, by="region").columns) == \
        ["region", "period", "forecast", "low", "high", "method", "errors"]
    pp = bd.plan_periods(Q4)
    phased = bd.phase(pd.DataFrame(columns=["region", "target"]), bd.seasonality(sales, Q4.end_exclusive), pp)
    assert phased.empty and list(phased.columns) == ["region", "period", "target"]
    assert list(bd.empty_checks().columns) == bd.CHECK_COLUMNS and "latest_growth" in bd.CHECK_COLUMNS
    assert list(bd.empty_targets(["region", "customer_type"]).columns) == ["plan", "period", "region", "customer_type", "target", "method"]
    assert none.empty


# ----------------------------------------------------------------------------- 2. closed cohort: no KeyError 'new'


def test_closed_cohort_puts_the_target_on_existing_customers_and_says_why():
    plan = _plan(_closed(), _config())
    # trend total: 2025's 720 × (720 / 630) = 822.857… -> 823
    assert plan.total.source == "trend" and plan.total.value == 823
    sp = plan.split
    assert sp.source == "observed_mix" and sp.fallback == "no_new"
    assert (sp.new, sp.existing) == (0.0, 823.0) and sp.new_share_history == 0.0
    # repurchase: 2024's a, b, c -> a and b bought in 2025: 2/3
    assert sp.repurchase_rate == pytest.approx(2 / 3)
    cells = plan.cells.set_index(["region", "customer_type"])["target"]
    assert set(cells.index.get_level_values("customer_type")) == {"existing"} and cells.sum() == 823
    for lang in LANGS:
        text = bd.narrative_split(plan, lang, "元")
        assert t("bd_pin_no_new", lang, windows=("、" if lang == "zh" else ", ").join(["2025", "2024"]),
                 existing="X").split("X")[0] in text
        _flag_sentence_matches_table(plan, lang)
    assert plan.summary()["target_new_customers"] == 0.0


def test_closed_cohort_with_a_new_share_goal_spreads_the_new_part_like_the_business_and_flags_it():
    cfg = _config(goals=[{"id": "G4", "metric": "new_customer_revenue_share", "target": {"value": 0.1}, "deadline": "2026"}])
    plan = _plan(_closed(), cfg)
    # 823 × 10 % = 82.3 -> 82 new; the new cells follow the existing weights: N (480+430)/(720+630)… history weights
    assert (plan.split.source, plan.split.new, plan.split.existing) == ("new_share_goal", 82.0, 741.0)
    new = plan.cells.loc[plan.cells["customer_type"] == "new"].set_index("region")["target"]
    assert new.sum() == 82 and new["N"] > new["S"] > 0
    row = plan.checks.loc[(plan.checks["level"] == "customer_type") & (plan.checks["node"] == "new")].iloc[0]
    assert row["base"] == 0 and row["flag"] == "no_history"
    for lang in LANGS:
        _flag_sentence_matches_table(plan, lang)


# ----------------------------------------------------------------------------- a base in the data's first year


def test_first_year_base_cannot_estimate_repurchase_and_follows_the_last_quarters_mix():
    plan = _plan(_first_year(), _config())
    assert plan.total.value == 500 and not plan.total.trend_known  # no earlier year: the trend keeps the base, and says why
    for lang in LANGS:
        assert t("bd_src_trend_unknown", lang) in bd.total_view(plan, lang, "元")[0].astype(str).to_numpy().ravel().tolist()
        assert bd.narrative_total(plan, lang, "元").startswith(t("bd_narr_total_trend_unknown", lang, plan="2026", total="X", base="2025", base_value="Y", growth="Z").split("X")[0])
    sp = plan.split
    assert sp.source == "observed_mix" and sp.fallback == "no_rate" and sp.mix_label == "2025Q4"
    assert (sp.new, sp.existing) == (250.0, 250.0)  # 2025Q4: 200, of which b (first order in it) 100
    assert plan.cells.groupby("customer_type")["target"].sum().to_dict() == {"existing": 250.0, "new": 250.0}
    total = plan.checks.loc[plan.checks["level"] == "total"].iloc[0]
    assert total["years"] == 0 and total["flag"] == "no_history"  # one window: nothing to be "within"
    for lang in LANGS:
        text = bd.narrative_split(plan, lang, "元")
        assert text.startswith(t("bd_split_no_rate", lang, base="2025", start="2025-01-10"))
        assert pct(0.5, lang) in text and "2025Q4" in text
        _flag_sentence_matches_table(plan, lang)


# ----------------------------------------------------------------------------- a target against a steep fall


def test_a_target_against_a_steep_fall_is_flagged_and_said():
    plan = _plan(_fall(), _config(breakdown={"total": {"growth": 1.259}, "dimensions": ["region"]}))
    # base 2025 = 353.5; total 353.5 × 2.259 = 798.56 -> 799; latest trend 2025Q4 53.5 on 2024Q4 100: -46.5 %
    total = plan.checks.loc[plan.checks["level"] == "total"].iloc[0]
    assert total["target"] == 799 and total["base"] == 353.5 and total["years"] == 0
    assert total["latest_growth"] == pytest.approx(-0.465) and total["flag"] == "against_trend"
    for lang in LANGS:
        text = _flag_sentence_matches_table(plan, lang)
        assert t("bd_why_against_trend", lang, latest=pct(-0.465, lang, signed=True)) in text
        assert pct(799 / 353.5 - 1, lang, signed=True) in text


def test_growth_checks_rules_by_hand():
    cells = pd.DataFrame({"region": ["A", "B", "C"], "target": [150.0, 120.0, 60.0]})
    history = pd.DataFrame({"region": ["A", "A", "B", "C", "C", "C"], "window": [0, 1, 0, 0, 1, 2],
                            "revenue": [100.0, 80.0, 100.0, 50.0, 100.0, 50.0]})
    out = bd.growth_checks(cells, history, [["region"]]).set_index("node")
    # A: +50 % against a best year of +25 %: beyond; B: one window, nothing to compare: no_history (never "ok" with years 0);
    # C: +20 % within its best year (+100 %) but right after -50 %: 70 points against the latest trend
    assert out["flag"].to_dict() == {"A": "beyond_history", "B": "no_history", "C": "against_trend"}
    assert out.loc["B", "years"] == 0 and out.loc["C", "latest_growth"] == pytest.approx(-0.5)


# ----------------------------------------------------------------------------- 5. too short to plan


@pytest.mark.parametrize("start,report,months,needed,since,plan", [
    ("2025-08-01", "2025Q3", 2, 3, "2025-07-01", "2025Q4"),
    ("2025-03-01", "2025Q4", 10, 12, "2025-01-01", "2026"),
])
def test_too_short_a_history_says_why_instead_of_failing(start, report, months, needed, since, plan):
    sales = _sales([(start, "a", "N", 10), ("2025-09-20", "a", "N", 10)])
    inputs, built, reason = bd.plan_or_reason(sales, None, Period.parse(report), _config())
    assert inputs is None and built is None
    assert (reason.months, reason.needed, reason.needed_from.date().isoformat(), str(reason.plan)) == (months, needed, since, plan)
    hint = "bd_no_plan_hint_year" if plan == "2026" else "bd_no_plan_hint_quarter"
    for lang in LANGS:
        text = bd.narrative_no_plan(reason, lang)
        assert text.endswith(t(hint, lang)) and start in text and since in text
        assert (f"{months} months" if lang == "en" else f"{months} 个月") in text  # plural by count (issue 16)
    assert set(bd.no_plan_metrics().values()) == {None}


# ----------------------------------------------------------------------------- one repurchase rate


def test_repurchase_is_one_number_in_the_headline_and_the_baselines():
    for sales, expected in ((_closed(), 2 / 3), (_fall(), float("nan"))):
        tables = goals.Tables(sales)
        head = goals.period_metrics(tables, Q4)["repurchase_rate"]
        base, _ = goals.satisfaction_baselines(tables, Q4, _config())
        cur = base.set_index("metric").loc["repurchase_rate", "current"]
        goal = _config(goals=[{"id": "G5", "metric": "repurchase_rate", "target": {"value": 0.9}, "deadline": "2026Q4"}]).goals
        checked = goals.check_goals(goal, tables, Q4, _config()).iloc[0]  # a goal's baseline: the same number again
        assert checked["baseline_period"] == "2025Q4" and (checked["baseline"] == pytest.approx(head) if head == head else checked["baseline"] != checked["baseline"])
        if expected == expected:
            assert head == pytest.approx(expected) and cur == pytest.approx(expected)
        else:  # fifteen months: the base year 2024 is only partly in the data -> n/a in both
            assert head != head and cur != cur
            for lang in LANGS:  # the customers sentence says why, with the months it needs and has (2024-10 … 2025-10: 13)
                text = goals.narrate_customers(tables, Q4, lang)
                assert "24" in text and "13" in text and pct(2 / 3, lang) not in text


# ----------------------------------------------------------------------------- tier care budgets


def test_care_budgets_above_their_share_of_revenue_are_flagged_with_the_scale():
    cfg = _config()
    tiers = bd.customer_tiers(_closed(), Q4, cfg.tiers)
    summary = bd.tier_summary(tiers, cfg.tiers, "en")
    # a and b are ordinary (300 a year each): 600 of care against 720 of revenue, 83 % > 5 %; scale 0.05 × 720 / 600 = 0.06
    check = bd.care_budget_check(summary, tiers, cfg.tiers.care_budget_max_share)
    assert (check.care, check.revenue, check.flagged) == (600.0, 720.0, True) and check.scale == pytest.approx(0.06)
    for lang in LANGS:
        text = bd.narrative_care_budget(check, bd.tier_summary(tiers, cfg.tiers, lang), lang, "元")
        assert text is not None and "18" in text and pct(600 / 720, lang) in text
    roomy = bd.care_budget_check(summary, tiers, 0.9)
    assert not roomy.flagged and bd.narrative_care_budget(roomy, summary, "en", "元") is None


# ----------------------------------------------------------------------------- a steep fall is a bottleneck on a short history


def test_a_steep_fall_on_a_short_history_is_a_bottleneck_and_the_sentence_names_it():
    tables = goals.Tables(_fall())
    findings = goals.bottlenecks(tables, Q4, _config())
    top = findings.iloc[0]
    assert (top["kind"], top["scope_type"], top["compared_with"]) == ("revenue_fall", "company", "2024Q4")
    assert top["growth"] == pytest.approx(-0.465) and top["excess"] == pytest.approx(0.465 / 0.2)
    for lang in LANGS:
        text = goals.narrate_bottlenecks(findings, lang, None, tables.months_of_history())
        first = goals.describe_bottlenecks(findings.head(1), lang).iloc[0].rstrip("。.")
        assert first in text and pct(-0.465, lang, signed=True) in first
        assert tables.months_of_history() == 13  # 2024-10 … 2025-10
        assert t("gl_narr_levels_and_fall", lang, have=13) in text
    # the same fall with two whole years of history is the twelve-month scan's business, not this test's
    assert goals.revenue_falls(goals.Tables(_closed()), Q4, 0.2) == []


# ----------------------------------------------------------------------------- 3. satisfaction without NPS, no complaints


def test_the_satisfaction_chart_draws_what_exists():
    periods = ["2025Q3", "2025Q4"]
    csat = pd.DataFrame({"period": periods, "satisfaction_mean": [4.0, 3.5], "satisfaction_top2": [0.6, 0.5],
                         "satisfaction_n": [40, 50], "active_customers": [10, 12]})
    fig = goal_charts.satisfaction_trend(csat, "en")
    assert len(fig.axes) == 1 and len(fig.axes[0].lines) == 1 and not fig.axes[0].patches  # the line, no bars
    only_complaints = pd.DataFrame({"period": periods, "active_customers": [10, 12], "complaints": [2, 3],
                                    "complaints_per_100_customers": [20.0, 25.0]})
    fig = goal_charts.satisfaction_trend(only_complaints, "en")
    assert len(fig.axes) == 1 and len(fig.axes[0].patches) == 2 and not fig.axes[0].lines
    assert goal_charts.satisfaction_trend(pd.DataFrame({"period": periods, "active_customers": [1, 2]}), "en") is None
    charts = goal_charts.satisfaction_charts(csat, {"satisfaction_n": 50, "satisfaction_mean": 3.5, "satisfaction_top2": 0.5}, "en")
    assert len(charts) == 2


@pytest.mark.parametrize("shape", ["_closed", "_fall", "_first_year"])
def test_the_bottleneck_sentence_counts_the_table_beside_it(shape):
    tables = goals.Tables(globals()[shape]())
    findings = goals.bottlenecks(tables, Q4, _config())
    months = tables.months_of_history()
    for lang in LANGS:
        text = goals.narrate_bottlenecks(findings, lang, None, months)
        if findings.empty:  # "no bottleneck" only with two years to compare; else it says what it could not compare
            assert text == (t("gl_narr_no_bottlenecks", lang) if months >= 24 else t("gl_narr_bottlenecks_short", lang, have=months))
        else:
            worst = goals.scope_summary(findings).iloc[0]
            assert text.startswith(t("gl_narr_bottlenecks", lang, n=len(findings), top="X", scope="", scope_n=0).split("X")[0])
            assert goals.describe_bottlenecks(findings.head(1), lang).iloc[0].rstrip("。.") in text
            assert t("gl_narr_bottlenecks", lang, n=1, top="", scope="S", scope_n=int(worst["findings"])).split("S")[-1] in text


def test_a_split_goal_named_by_id_must_be_of_the_splits_metric():
    # customer_split.new_share_goal naming a revenue goal: its 1,000 would be taken for a share
    cfg = _config(goals=[{"id": "G1", "metric": "revenue", "target": {"value": 1000}, "deadline": "2026"},
                         {"id": "G4", "metric": "new_customer_revenue_share", "target": {"value": 0.1}, "deadline": "2026"}],
                  breakdown={"customer_split": {"source": "new_share_goal", "new_share_goal": "G1"}})
    with pytest.raises(bd.PlanError, match="'G1' is a revenue goal, not a new_customer_revenue_share goal"):
        _plan(_closed(), cfg)
    right = _config(goals=cfg.model_dump()["goals"], breakdown={"customer_split": {"source": "new_share_goal", "new_share_goal": "G4"}})
    split = _plan(_closed(), right).split  # the revenue goal G1 sets the total: 1,000 × G4's 10 % is new
    assert (split.total, split.new, split.goal_id) == (1000.0, 100.0, "G4")


def test_rake_refuses_no_rounds():
    idx = pd.MultiIndex.from_product([["A", "B"], ["x", "y"]], names=["region", "line"])
    with pytest.raises(ValueError, match="max_iter must be at least 1, not 0"):
        bd.rake(pd.Series(1.0, index=idx), {"region": {"A": 6, "B": 4}}, max_iter=0)
    assert bd.rake(pd.Series(1.0, index=idx), {"region": {"A": 6, "B": 4}}, max_iter=2).tolist() == [3.0, 3.0, 2.0, 2.0]
