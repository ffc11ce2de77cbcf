"""Step 2 (breakdown): allocation, rounding, overrides, methods, phasing,
new/existing split, checks, tiers, budget, actions and the Excel template —
each against numbers worked out by hand in the test, or by plain pandas on
the sample's raw files."""
from __future__ import annotations

import io
import warnings

import numpy as np
import pandas as pd
import pytest

from conftest import SAMPLE
from salesnb import breakdown as bd
from salesnb.config import Breakdown, BreakdownOverride, Budget, Tiers, load_config
from salesnb.errors import ConfigError
from salesnb.periods import Period

# ----------------------------------------------------------------------------- rounding


def test_largest_remainder_by_hand():
    # 10 / 3 = 3.33 each: floors 3+3+3, the one unit left goes to the first of the tied fractions
    assert bd.largest_remainder([1, 1, 1], 10).tolist() == [4, 3, 3]
    # 7 × (0.5, 0.25, 0.25) = 3.5, 1.75, 1.75: floors 3, 1, 1 (=5); the two units go to the .75s
    assert bd.largest_remainder([0.5, 0.25, 0.25], 7).tolist() == [3, 2, 2]
    # zeros stay zero
    assert bd.largest_remainder([0, 2, 0, 1], 5).tolist() == [0, 3, 0, 2]


def test_largest_remainder_preserves_random_totals():
    rng = np.random.default_rng(1)
    for _ in range(200):
        values = rng.random(rng.integers(1, 30)) * (rng.random() * 1e6)
        total = int(rng.integers(0, 10**7))
        out = bd.largest_remainder(values, total)
        assert out.sum() == total and (out >= 0).all()
        assert np.abs(out - values / values.sum() * total).max() < 1 + 1e-9


# ----------------------------------------------------------------------------- allocation by hand

IDX = pd.MultiIndex.from_product([["A", "B", "C"], ["x", "y"]], names=["region", "line"])
W = pd.Series([30.0, 10, 20, 20, 15, 5], index=IDX)  # history of 3 regions × 2 lines, sums to 100


def test_allocation_proportional_by_hand():
    # 1000 × (30, 10, 20, 20, 15, 5) / 100 — exact, nothing to round
    assert bd.allocate(1000, W).tolist() == [300, 100, 200, 200, 150, 50]


def test_allocation_with_override_by_hand():
    # A fixed at 500; the 500 left goes to B and C as 40 : 20 → 333.33 and 166.67 → rounded 333 and 167
    # (C has the larger fraction). Inside B 166.5 / 166.5 → 167 / 166; inside C 125.25 / 41.75 → 125 / 42;
    # A keeps its own 3 : 1 → 375 / 125.
    out = bd.allocate(1000, W, {"region": {"A": 500}})
    assert out.tolist() == [375, 125, 167, 166, 125, 42]
    assert out.groupby(level="region").sum().to_dict() == {"A": 500, "B": 333, "C": 167}


def test_allocation_with_overrides_on_two_dimensions_holds_both():
    out = bd.allocate(1000, W, {"region": {"A": 500}, "line": {"y": 400}})
    by_region = out.groupby(level="region").sum()
    by_line = out.groupby(level="line").sum()
    assert by_region["A"] == 500 and by_line["y"] == 400 and out.sum() == 1000
    # the remainder of each dimension keeps its own proportion: B : C = 40 : 20 within ±1 yuan of rounding
    assert abs(by_region["B"] - 2 * by_region["C"]) <= 2


def test_rounding_unit():
    # in units of 100: 12,345 → 123 units; 123 × (3/6, 2/6, 1/6) = 61.5, 41, 20.5 → 62, 41, 20 (first tie wins)
    w = pd.Series([3.0, 2.0, 1.0], index=pd.Index(["A", "B", "C"], name="region"))
    assert bd.allocate(12_345, w, unit=100).tolist() == [6200, 4100, 2000]


@pytest.mark.parametrize("seed", range(4))
def test_every_margin_adds_up_after_rounding_random_tables(seed):
    """Property: for random weights and feasible overrides the cells add up to the
    total, each override holds to the yuan, nothing is negative, and margins
    without overrides stay within one yuan per cell of the unrounded split."""
    rng = np.random.default_rng(seed)
    for _ in range(25):
        shape = rng.integers(1, 6), rng.integers(1, 5), rng.integers(1, 4)
        idx = pd.MultiIndex.from_product([[f"r{i}" for i in range(shape[0])], [f"l{i}" for i in range(shape[1])],
                                          [f"t{i}" for i in range(shape[2])]], names=["region", "line", "type"])
        w = pd.Series(rng.random(len(idx)) + 0.01, index=idx)
        truth = pd.Series(rng.random(len(idx)) + 0.01, index=idx) * rng.integers(1, 10**6)
        total = round(truth.sum())
        overrides = {}
        for dim in ("region", "line", "type"):
            nodes = sorted(set(idx.get_level_values(dim)))
            if len(nodes) > 1 and rng.random() < 0.7:
                node = nodes[rng.integers(0, len(nodes))]
                overrides[dim] = {node: float(np.floor(truth.xs(node, level=dim).sum() * 0.999))}
        out = bd.allocate(total, w, overrides)
        assert out.sum() == total
        assert (out >= 0).all()
        for dim, nodes in overrides.items():
            for node, value in nodes.items():
                assert out.xs(node, level=dim).sum() == value
        if not overrides:
            assert np.abs(out - w / w.sum() * total).max() < 1 + 1e-9


def test_permutation_of_the_input_changes_nothing():
    rng = np.random.default_rng(7)
    shuffled = W.iloc[rng.permutation(len(W))]
    for ov in ({}, {"region": {"B": 250}}, {"region": {"A": 400}, "line": {"x": 700}}):
        assert bd.allocate(1001, shuffled, ov).sort_index().tolist() == bd.allocate(1001, W, ov).sort_index().tolist()


def test_zero_weight_cells_get_nothing_and_a_weightless_override_is_spread_evenly():
    w = pd.Series([5.0, 0.0, 5.0, 0.0], index=pd.MultiIndex.from_product([["A", "B"], ["x", "y"]], names=["region", "line"]))
    out = bd.allocate(100, w)
    assert out.tolist() == [50, 0, 50, 0]
    # line y has no history at all; fixing it at 20 spreads 10 / 10 over its cells
    out = bd.allocate(100, w, {"line": {"y": 20}})
    assert out.xs("y", level="line").tolist() == [10, 10] and out.sum() == 100


# ----------------------------------------------------------------------------- impossible overrides


def test_overrides_exceeding_the_total_are_a_clear_error():
    with pytest.raises(bd.PlanError, match=r"overrides on region \(A 700 \+ B 400\) add up to 1,100, more than the total 1,000"):
        bd.allocate(1000, W, {"region": {"A": 700, "B": 400}})


def test_every_node_overridden_but_not_adding_up_is_an_error():
    with pytest.raises(bd.PlanError, match="every region has an override, but they add up to 900, not the total 1,000"):
        bd.allocate(1000, W, {"region": {"A": 300, "B": 300, "C": 300}})


def test_unknown_node_and_dimension_are_errors():
    with pytest.raises(bd.PlanError, match="not a region of the plan"):
        bd.allocate(1000, W, {"region": {"Z": 10}})
    with pytest.raises(bd.PlanError, match="not one of the plan's dimensions"):
        bd.allocate(1000, W, {"channel": {"web": 10}})


def test_contradicting_overrides_are_an_error():
    # region A's cells are only in line x; A = 800 but x = 100 cannot both hold
    w = pd.Series([1.0, 0.0, 1.0, 1.0], index=pd.MultiIndex.from_product([["A", "B"], ["x", "y"]], names=["region", "line"]))
    with pytest.raises(bd.PlanError, match="cannot be met together"):
        bd.allocate(1000, w, {"region": {"A": 800}, "line": {"x": 100}})


def test_remainder_with_nowhere_to_go_is_an_error():
    w = pd.Series([1.0, 0.0], index=pd.Index(["A", "B"], name="region"))
    with pytest.raises(bd.PlanError, match="left for the other region nodes"):
        bd.allocate(1000, w, {"region": {"A": 600}})


def test_growth_override_resolves_against_the_base_and_needs_one():
    base = {"region": pd.Series({"A": 200.0, "B": 0.0})}
    fixed, table = bd.resolve_overrides([BreakdownOverride(scope={"region": "A"}, growth=0.25)], base, ["region"])
    assert fixed == {"region": {"A": 250.0}} and table["target"].tolist() == [250.0]
    with pytest.raises(bd.PlanError, match="nothing to grow from"):
        bd.resolve_overrides([BreakdownOverride(scope={"region": "B"}, growth=0.1)], base, ["region"])
    with pytest.raises(bd.PlanError, match="is not a region in the history"):
        bd.resolve_overrides([BreakdownOverride(scope={"region": "Z"}, value=1)], base, ["region"])


def test_override_config_needs_one_node_and_one_target():
    with pytest.raises(ValueError, match="exactly one of 'value' or 'growth'"):
        BreakdownOverride(scope={"region": "A"}, value=1, growth=0.1)
    with pytest.raises(ValueError, match="exactly one dimension"):
        BreakdownOverride(scope={"region": "A", "product_line": "x"}, value=1)
    with pytest.raises(ValueError, match="more than one override"):
        Breakdown.model_validate({"overrides": [{"scope": {"region": "A"}, "value": 1}, {"scope": {"region": "A"}, "growth": 0.1}]})


# ----------------------------------------------------------------------------- methods by hand

HIST = pd.DataFrame({"region": ["A", "B", "A", "B"], "window": [0, 0, 1, 1], "revenue": [60.0, 40, 50, 50]})


def test_methods_by_hand():
    w = bd.method_weights(HIST, ["region"], lookback=2, method="blend", blend={"history": 0.5, "momentum": 0.5},
                          potential={"region": {"A": 1, "B": 3}}, momentum_cap=0.3)
    # even: 1/2 each; history: (60+50)/200 and (40+50)/200
    assert w["even"].tolist() == [0.5, 0.5]
    assert w["history"].tolist() == pytest.approx([0.55, 0.45])
    # momentum: latest × own growth, A 60 × 60/50 = 72, B 40 × 40/50 = 32 → 72/104, 32/104
    assert w["momentum"].tolist() == pytest.approx([72 / 104, 32 / 104])
    # potential: the driver 1 : 3
    assert w["potential"].tolist() == pytest.approx([0.25, 0.75])
    # blend 50/50 of history and momentum
    assert w["weight"].tolist() == pytest.approx([(0.55 + 72 / 104) / 2, (0.45 + 32 / 104) / 2])


def test_momentum_growth_is_capped():
    h = pd.DataFrame({"region": ["A", "B", "A", "B"], "window": [0, 0, 1, 1], "revenue": [200.0, 100, 50, 100]})
    w = bd.method_weights(h, ["region"], method="momentum", momentum_cap=0.3)
    # A grew 4× but counts 1.3×: 200 × 1.3 = 260 against B 100 × 1.0
    assert w["momentum"].tolist() == pytest.approx([260 / 360, 100 / 360])


def test_potential_on_a_crossing_keeps_the_mix_inside_each_region():
    h = pd.DataFrame({"region": ["A", "A", "B", "B"], "line": ["x", "y", "x", "y"], "window": 0, "revenue": [30.0, 10, 20, 40]})
    w = bd.method_weights(h, ["region", "line"], method="potential", potential={"region": {"A": 1, "B": 1}})
    # regions get half each; inside A x : y stays 3 : 1, inside B 1 : 2
    assert w["potential"].tolist() == pytest.approx([0.375, 0.125, 1 / 6, 1 / 3])


def test_potential_without_drivers_is_a_clear_error():
    with pytest.raises(bd.PlanError, match="needs drivers in breakdown.potential"):
        bd.method_weights(HIST, ["region"], method="potential")
    with pytest.raises(bd.PlanError, match="no value for B"):
        bd.method_weights(HIST, ["region"], method="potential", potential={"region": {"A": 1}})


# ----------------------------------------------------------------------------- periods


def test_plan_periods():
    start = pd.Timestamp("2023-01-01")
    pp = bd.plan_periods(Period.parse("2025Q4"), data_start=start)
    assert str(pp.plan) == "2026" and [w.label for w in pp.windows] == ["2025", "2024", "2023"] and len(pp.months) == 12
    pp = bd.plan_periods(Period.parse("2025"), data_start=start)
    assert str(pp.plan) == "2026" and pp.base.label == "2025"
    pp = bd.plan_periods(Period.parse("2025Q3"), data_start=start)
    assert str(pp.plan) == "2025Q4" and [w.label for w in pp.windows] == ["2024Q4", "2023Q4"]
    assert pp.months == ("2025-10", "2025-11", "2025-12")
    pp = bd.plan_periods(Period.parse("2025Q4"), "quarter", data_start=start)
    assert str(pp.plan) == "2026Q1" and pp.base.label == "2025Q1"
    # explicit yearly plan in mid-year: trailing twelve months to the report's end
    pp = bd.plan_periods(Period.parse("2025Q2"), "year", data_start=start)
    assert str(pp.plan) == "2026" and pp.base.label == "2024-07…2025-06"
    # a fiscal year starting in April: 2025Q4 is Jan–Mar 2026 and closes fiscal 2025
    pp = bd.plan_periods(Period.parse("2025Q4", 4), data_start=start)
    assert str(pp.plan) == "2026" and pp.plan.start == pd.Timestamp("2026-04-01") and pp.base.label == "2025"


# ----------------------------------------------------------------------------- phasing


def _seasonal_sales() -> pd.DataFrame:
    """A: 100 in January and July 2025 (2 orders); B: 50 every month of 2025 (12 orders)."""
    rows = [("A", "a1", pd.Timestamp("2025-01-10"), 100.0), ("A", "a2", pd.Timestamp("2025-07-10"), 100.0)]
    rows += [("B", f"b{m}", pd.Timestamp(2025, m, 10), 50.0) for m in range(1, 13)]
    df = pd.DataFrame(rows, columns=["region", "order_id", "order_date", "amount"])
    df["customer_id"] = df["region"]
    return df


def test_seasonality_shrinkage_by_hand():
    prof = bd.seasonality(_seasonal_sales(), pd.Timestamp("2026-01-01"), ["region"], prior_orders=2).set_index(["region", "slot"])
    # company: Jan and Jul 150 of 800, other months 50 of 800
    p_jan, p_feb = 150 / 800, 50 / 800
    # A: own 1/2 in Jan and Jul; 2 orders with a prior of 2 → weight 1/2
    assert prof.loc[("A", 1), "weight"] == pytest.approx(0.5)
    assert prof.loc[("A", 1), "share"] == pytest.approx(0.5 * 0.5 + 0.5 * p_jan)
    assert prof.loc[("A", 2), "share"] == pytest.approx(0.5 * 0 + 0.5 * p_feb)
    # B: flat 1/12; 12 orders → weight 12/14
    assert prof.loc[("B", 1), "share"] == pytest.approx(12 / 14 / 12 + 2 / 14 * p_jan)
    # every node's shares add up to 1
    assert prof.groupby(level="region")["share"].sum().tolist() == pytest.approx([1.0, 1.0])


def test_phase_keeps_each_cell_total_and_follows_its_profile():
    sales = _seasonal_sales()
    pp = bd.plan_periods(Period.parse("2025Q4"), data_start=pd.Timestamp("2025-01-01"))
    prof = bd.seasonality(sales, pp.plan.start, ["region"], prior_orders=0)
    cells = pd.DataFrame({"region": ["A", "B"], "target": [1001.0, 1200.0]})
    ph = bd.phase(cells, prof, pp, ["region"])
    assert ph.groupby("region")["target"].sum().to_dict() == {"A": 1001.0, "B": 1200.0}
    a = ph.loc[ph["region"] == "A"].set_index("period")["target"]
    # no shrinkage: A only in January and July, 500.5 each → 501 / 500
    assert a["2026-01"] == 501 and a["2026-07"] == 500 and a.drop(["2026-01", "2026-07"]).eq(0).all()
    assert ph.loc[ph["region"] == "B", "target"].eq(100).all()


# ----------------------------------------------------------------------------- new vs existing


def test_retention_facts_and_split_by_hand():
    s = pd.DataFrame({
        "customer_id": ["a", "b", "c", "a", "b", "d"], "order_id": list("123456"), "amount": [10.0, 10, 10, 30, 50, 5],
        "order_date": pd.to_datetime(["2024-03-01", "2024-04-01", "2024-05-01", "2025-02-01", "2025-03-01", "2025-06-01"])})
    f = bd.retention_facts(s, bd.Window(pd.Timestamp("2025-01-01"), pd.Timestamp("2026-01-01"), "2025"))
    # 2024 buyers a, b, c; a and b bought again in 2025 (30 + 50)
    assert (f.base_customers, f.retained, f.retained_revenue) == (3, 2, 80.0)
    assert f.rate == pytest.approx(2 / 3) and f.spend == 40.0
    # 3 customers in 2025 × 2/3 × 40 × trend 1 (no earlier window) = 80 existing of a 100 total
    split = bd.customer_split(100.0, 3, [f], new_share_history=0.05)
    assert (split.existing, split.new, split.source) == (80.0, 20.0, "estimate")


def test_returning_customers_count_as_existing_like_the_history():
    # e bought in 2023 only, then again in 2025: not in the 2024 base, but an
    # existing customer of 2025 (first order before the window), as plan_history says
    s = pd.DataFrame({
        "customer_id": ["e", "a", "a", "e", "n"], "order_id": list("12345"), "amount": [7.0, 10, 30, 25, 5],
        "order_date": pd.to_datetime(["2023-05-01", "2024-03-01", "2025-02-01", "2025-04-01", "2025-06-01"])})
    window = bd.Window(pd.Timestamp("2025-01-01"), pd.Timestamp("2026-01-01"), "2025")
    f = bd.retention_facts(s, window)
    assert (f.base_customers, f.retained, f.retained_revenue, f.returning, f.returning_revenue) == (1, 1, 30.0, 1, 25.0)
    # independently: 2025 revenue of customers whose first order is before 2025 = a 30 + e 25
    first = s.groupby("customer_id")["order_date"].min()
    in_2025 = s[window.contains(s["order_date"])]
    existing_2025 = in_2025.loc[in_2025["customer_id"].map(first) < window.start, "amount"].sum()
    assert f.retained_revenue + f.returning_revenue == existing_2025 == 55.0
    # the estimate: 1 customer × rate 1 × 30 + 25 returning = 55 of a 100 total
    split = bd.customer_split(100.0, 1, [f], new_share_history=0.05)
    assert (split.existing_estimate, split.existing, split.new, split.returning_revenue) == (55.0, 55.0, 45.0, 25.0)


def test_goals_pin_the_split():
    f = [bd.RetentionFacts(100, 80, 8000.0)]
    goals = pd.DataFrame({"goal_id": ["G4", "G5"], "metric": ["new_customer_revenue_share", "repurchase_rate"],
                          "scope": [{}, {}], "deadline": ["2026", "2026"], "target": [0.3, 0.9]})
    pinned = bd.customer_split(10_000.0, 110, f, 0.1, goals=goals)
    assert (pinned.new, pinned.existing, pinned.goal_id) == (3000.0, 7000.0, "G4")
    # the repurchase goal alone: 110 × 0.9 × 100 = 9,900 existing
    rate = bd.customer_split(10_000.0, 110, f, 0.1, goals=goals.iloc[[1]])
    assert (rate.existing, rate.new, rate.source) == (9900.0, 100.0, "repurchase_goal")
    # an estimate above the total is capped: no new customers
    capped = bd.customer_split(5_000.0, 110, f, 0.1)
    assert (capped.existing, capped.new, capped.capped) == (5000.0, 0.0, True)


# ----------------------------------------------------------------------------- checks


def test_growth_checks_flags_by_hand():
    cells = pd.DataFrame({"region": ["A", "B", "C", "D"], "target": [150.0, 90.0, 105.0, 10.0]})
    hist = pd.DataFrame({"region": list("ABCABCABC"), "window": [0, 0, 0, 1, 1, 1, 2, 2, 2],
                         "revenue": [100.0, 100, 100, 95, 90, 100, 90, 85, 100]})
    c = bd.growth_checks(cells, hist, [["region"]]).set_index("node")
    # A grew 90 → 95 → 100: +5.6 % and +5.3 %; asked +50 % → beyond history
    assert c.loc["A", "implied_growth"] == pytest.approx(0.5) and c.loc["A", "best_growth"] == pytest.approx(95 / 90 - 1)
    assert c.loc["A", "worst_growth"] == pytest.approx(100 / 95 - 1) and c.loc["A", "years"] == 2
    assert c.loc["A", "flag"] == "beyond_history"
    assert c.loc["B", "flag"] == "shrinking"  # −10 %
    assert c.loc["C", "flag"] == "ok"  # +5 % after 0 % years: within 10 points
    assert c.loc["D", "flag"] == "no_history"


# ----------------------------------------------------------------------------- tiers


def test_tiers_on_a_small_frame():
    rows = []
    for i in range(20):
        rev = (i + 1) * 100.0
        n = 5 if i == 19 else 1
        date = pd.Timestamp("2025-06-15") if i in (17, 5) else pd.Timestamp("2025-12-01")
        rows += [(f"c{i:02d}", f"o{i}-{k}", date, rev / n) for k in range(n)]
    rows.append(("c10", "old", pd.Timestamp("2024-05-01"), 10_000.0))  # c10 spent 10,000 in 2024, 1,100 in 2025
    s = pd.DataFrame(rows, columns=["customer_id", "order_id", "order_date", "amount"])
    tiers = bd.customer_tiers(s, Period.parse("2025"), Tiers()).set_index("customer_id")
    # default rules: VIP = top 5 % (1 of 20) with 4+ orders; key = top 20 %; at risk = top half with a risk signal
    assert tiers.loc["c19", "tier"] == "vip"
    assert tiers.loc[["c18", "c16"], "tier"].tolist() == ["key", "key"]
    assert tiers.loc["c17", "recency_days"] == (pd.Timestamp("2025-12-31") - pd.Timestamp("2025-06-15")).days
    assert tiers.loc["c17", "tier"] == "at_risk"  # no order for 199 days
    assert tiers.loc["c10", "tier"] == "at_risk"  # spend fell from 10,000 to 1,100
    assert tiers.loc["c05", "tier"] == "ordinary"  # at risk but in the bottom half
    assert (tiers["tier"] == "ordinary").sum() == 15
    summary = bd.tier_summary(tiers.reset_index(), Tiers())
    assert summary.set_index("tier").loc["vip", "revenue"] == 2000.0
    assert summary["customers"].sum() == 20
    assert summary.set_index("tier").loc["key", "care_budget"] == 2 * 6000


# ----------------------------------------------------------------------------- budget


def test_bounded_budget_shares_by_hand():
    # proportional 0.6 / 0.3 / 0.1; the first capped at 0.5, the third held at 0.2, the second takes the rest
    shares = bd._bounded_shares(np.array([0.6, 0.3, 0.1]), np.array([0, 0, 0.2]), np.array([0.5, 1, 1]))
    assert shares.tolist() == pytest.approx([0.5, 0.3, 0.2])
    with pytest.raises(bd.PlanError, match="minimums add up to 120%"):
        bd._bounded_shares(np.array([1.0, 1.0]), np.array([0.6, 0.6]), np.array([1.0, 1.0]))


def test_budget_allocation_with_a_region_floor_by_hand():
    b = Budget.model_validate({"categories": [{"key": "people", "en": "People", "zh": "人员", "items": {"commission": 700, "hiring": 300}},
                                              {"key": "training", "en": "Training", "zh": "培训", "amount": 50, "allocate": False}],
                               "allocate_by": ["region", "product_line"], "limits": [{"scope": {"region": "B"}, "min_share": 0.4}]})
    scores = pd.DataFrame({"region": ["A", "A", "B", "B"], "product_line": ["x", "y", "x", "y"], "score": [0.5, 0.3, 0.15, 0.05]})
    out = bd.allocate_budget(b, scores)
    people = out.loc[out["category"] == "people"].set_index(["region", "product_line"])["amount"]
    # B held at 40 % (400), split 3 : 1 → 300 / 100; A takes 600 split 5 : 3 → 375 / 225
    assert people.to_dict() == {("A", "x"): 375, ("A", "y"): 225, ("B", "x"): 300, ("B", "y"): 100}
    central = out.loc[out["category"] == "training"]
    assert central[["region", "product_line", "amount"]].values.tolist() == [[bd.CENTRAL, bd.CENTRAL, 50]]


def test_priority_scores_and_efficiency_by_hand():
    cells = pd.DataFrame({"region": ["A", "B"], "base": [100.0, 100.0], "target": [120.0, 80.0]})
    p = bd.priority_scores(cells, ["region"], potential={"region": {"A": 1, "B": 3}}, strategic={"region": {"A": 2}})
    # A: potential 1/4 × growth 1.2 × weight 2 = 0.6; B: 3/4 × 0.8 × 1 = 0.6 → equal shares
    assert p["score"].tolist() == pytest.approx([0.6, 0.6])
    budget = pd.DataFrame({"category": ["c", "c"], "region": ["A", "B"], "amount": [30.0, 4.0], "share": [0.5, 0.5]})
    e = bd.budget_efficiency(budget, p, ["region"], flag_ratio=1.5).set_index("region")
    # company 34 / 200 = 0.17; A 30 / 120 = 0.25 → 1.47× (ok); B 4 / 80 = 0.05 → 0.29× (under)
    assert e.loc["A", "ratio"] == pytest.approx(0.25 / 0.17) and e.loc["A", "flag"] == "ok"
    assert e.loc["B", "flag"] == "under"


# ----------------------------------------------------------------------------- actions


def _config_with(tmp_path, actions_yaml: str):
    (tmp_path / "workspace.yaml").write_text("company: {name: Demo}\naction_plan:\n" + actions_yaml, encoding="utf-8")
    return load_config(tmp_path / "workspace.yaml")


def test_an_action_without_owner_is_a_config_error_naming_the_key(tmp_path):
    with pytest.raises(ConfigError) as err:
        _config_with(tmp_path, "  - {id: A1, kind: care, en: Visit, zh: 拜访, start: 2026-01-01, due: 2026-02-01}\n")
    problems = err.value.problems
    assert [(p.column, p.rule) for p in problems] == [("action_plan.0.owner", "required key is missing")]


def test_an_action_due_before_start_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError) as err:
        _config_with(tmp_path, "  - {id: A1, kind: care, en: Visit, zh: 拜访, owner: 王敏, start: 2026-03-01, due: 2026-01-31}\n")
    assert "due 2026-01-31 is before start 2026-03-01" in err.value.problems[0].rule


def test_action_plan_problems(tmp_path):
    cfg = _config_with(tmp_path, (
        "  - {id: A1, kind: acquisition, en: Ads, zh: 广告, owner: 王敏, start: 2025-12-01, due: 2026-02-01, budget: 10, category: ads,"
        " serves: {region: 火星}, goal: G9}\n"
        "  - {id: A2, kind: care, en: '=HYPERLINK(\"x\")', zh: 拜访, owner: 李, start: 2026-01-01, due: 2026-02-01, serves: {tier: vip}}\n"))
    table, problems = bd.action_plan(cfg.action_plan, Period.parse("2026"), "en", Budget(), Tiers(), {"region": ["华东"]}, [])
    assert table["owner"].tolist() == ["王敏", "李"]
    found = set(zip(problems["id"], problems["field"]))
    assert found == {("A1", "start/due"), ("A1", "category"), ("A1", "serves"), ("A1", "goal")}
    assert bd.safe_frame(table)["action"].tolist()[1] == "'=HYPERLINK(\"x\")"


# ----------------------------------------------------------------------------- the sample workspace


@pytest.fixture(scope="module")
def sample():
    from salesnb.io import load_workspace

    ws = load_workspace(SAMPLE)
    inputs = bd.plan_inputs(ws.table("sales"), ws.table("customers"), Period.parse("2025Q4"), ws.config)
    return ws, inputs, bd.build_plan(inputs)


@pytest.fixture(scope="module")
def raw():
    """The sample's order lines read with plain pandas (no salesnb)."""
    s = pd.read_csv(SAMPLE / "sales.csv", encoding="utf-8-sig", dtype=str).drop_duplicates()
    s["amount"] = s["销售额"].astype(float)
    s["year"] = pd.to_datetime(s["下单日期"]).dt.year
    return s


def test_sample_plan_adds_up_to_the_goal_total_on_every_margin(sample, raw):
    ws, inputs, plan = sample
    rev = raw.groupby("year")["amount"].sum()
    total = round(rev[2025] * 1.12)  # goal G1: +12 % on 2025
    assert plan.total.value == total and plan.total.goal_id == "G1"
    cells = plan.cells
    for dim in ("region", "product_line", "customer_type"):
        assert cells.groupby(dim)["target"].sum().sum() == total
    assert plan.phased["target"].sum() == total
    months = plan.phased.groupby([*plan.dims])["target"].sum()
    assert (months.sort_index().to_numpy() == cells.set_index(list(plan.dims))["target"].sort_index().to_numpy()).all()
    assert (cells["target"] >= 0).all() and (cells["target"] == cells["target"].round()).all()


def test_sample_overrides_and_the_new_customer_goal_hold_exactly(sample, raw):
    ws, inputs, plan = sample
    r25 = raw.loc[raw["year"] == 2025]
    south = r25.loc[r25["区域"] == "华南", "amount"].sum()
    high_end = r25.loc[r25["产品线"] == "智能控制系统", "amount"].sum()
    assert plan.margin("region").loc["华南", "target"] == round(south * 1.25)
    assert plan.margin("product_line").loc["智能控制系统", "target"] == round(high_end * 1.25)
    # goal G4: customers new in 2026 bring 10 % of its revenue
    assert plan.margin("customer_type").loc["new", "target"] == round(plan.total.value * 0.10)


def test_sample_flags_name_the_parts_outside_their_history(sample, raw):
    ws, inputs, plan = sample
    by = raw.groupby(["区域", "year"])["amount"].sum().unstack()
    flags = plan.checks.loc[plan.checks["level"] == "region"].set_index("node")
    for region in by.index:
        implied = plan.margin("region").loc[region, "target"] / by.loc[region, 2025] - 1
        best = max(by.loc[region, 2025] / by.loc[region, 2024], by.loc[region, 2024] / by.loc[region, 2023]) - 1
        expected = "beyond_history" if implied > best + 0.10 else "shrinking" if implied < 0 else "ok"
        assert flags.loc[region, "flag"] == expected, region
    assert flags.loc["西南", "flag"] == "beyond_history" and flags.loc["西北", "flag"] == "shrinking"


def test_sample_quarter_plan_when_the_report_is_not_a_year_end(sample):
    ws, _, _ = sample
    inputs = bd.plan_inputs(ws.table("sales"), ws.table("customers"), Period.parse("2025Q3"), ws.config)
    plan = bd.build_plan(inputs)
    assert str(plan.periods.plan) == "2025Q4" and plan.periods.base.label == "2024Q4"
    assert plan.phased["period"].unique().tolist() == ["2025-10", "2025-11", "2025-12"]
    assert plan.cells["target"].sum() == plan.total.value == plan.phased["target"].sum()
    assert plan.margin_checks["ok"].all()


def test_targets_workbook_opens_with_formatted_sheets(sample):
    from openpyxl import load_workbook

    ws, inputs, plan = sample
    cfg = ws.config
    actions, _ = bd.action_plan(cfg.action_plan, plan.periods.plan, "zh", cfg.budget, cfg.tiers, bd.plan_nodes(plan), cfg.goals)
    actions.loc[0, "action"] = "=cmd|'/C calc'!A0"  # a hostile text must not become a formula
    data = bd.targets_workbook(bd.workbook_sheets(plan, "zh", cfg.company.name, actions=actions, budget_settings=cfg.budget,
                                                  budget_lines_table=bd.budget_lines(cfg.budget, actions)))
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames[:4] == ["说明", "目标分解表", "按区域", "按产品线"]
    assert {"月度目标", "明细", "增长检查", "行动计划", "预算"} <= set(wb.sheetnames)
    sheet = wb["目标分解表"]
    assert sheet.freeze_panes == "B3"
    assert sheet["A2"].font.bold and sheet["A2"].fill.fgColor.rgb.endswith("DCE6F1")
    header = [c.value for c in sheet[2]]
    assert header[0] == "区域" and header[-1] == "合计"
    body = list(sheet.iter_rows(min_row=3, values_only=True))
    assert body[-1][0] == "合计" and sheet.cell(row=sheet.max_row, column=1).font.bold
    numbers = [r[1:] for r in body[:-1]]
    assert all(isinstance(v, (int, float)) for row in numbers for v in row)
    assert sum(r[-1] for r in numbers) == body[-1][-1] == plan.total.value
    assert sheet.cell(row=3, column=2).number_format == "#,##0"
    for name in wb.sheetnames:
        for row in wb[name].iter_rows():
            for cell in row:
                assert cell.data_type != "f", (name, cell.coordinate)
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(("=", "+", "-", "@")), (name, cell.coordinate, cell.value)
    acts = wb["行动计划"]
    assert acts.cell(row=3, column=3).value == "'=cmd|'/C calc'!A0"


def test_plan_panel_rebuilds_the_plan_when_a_setting_changes(sample, capsys):
    ws, inputs, plan = sample
    panel = bd.plan_panel(inputs, "en", "万元")
    assert panel.state["plan"].cells["target"].tolist() == plan.cells["target"].tolist()  # starts from the workspace's plan
    method, growth = panel.children[0].children
    method.value = "history"
    assert panel.state["plan"].method == "history" and panel.state["error"] is None
    growth.value = 0.20
    assert panel.state["plan"].total.value == round(plan.total.base * 1.2)
    text, button = panel.children[4], panel.children[5]
    text.value = "region 华南 400000000"  # more than the whole total
    button.click()
    assert "more than the total" in panel.state["error"]
    text.value = "region 华南 +30%"
    button.click()
    assert panel.state["error"] is None
    assert panel.state["plan"].margin("region").loc["华南", "target"] == round(plan.margin("region").loc["华南", "base"] * 1.3)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_breakdown_charts_are_titled_and_render_chinese(sample, lang):
    import matplotlib

    matplotlib.use("Agg")
    from salesnb import plots
    from salesnb.plots import breakdown as bdplots

    ws, inputs, plan = sample
    plots.use_theme(lang)
    tiers = bd.tier_summary(bd.customer_tiers(ws.table("sales"), Period.parse("2025Q4"), ws.config.tiers, ws.table("customers")),
                            ws.config.tiers, lang)
    scores = bd.priority_scores(plan.cells, ["region", "product_line"], {}, {})
    eff = bd.budget_efficiency(bd.allocate_budget(ws.config.budget, scores), scores, ["region", "product_line"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        figs = [bdplots.target_heatmap(plan.cells, "region", "product_line", lang, "2026"),
                bdplots.targets_vs_base(plan.margin("region"), "region", lang, "2026", "2025"),
                bdplots.monthly_targets(plan.by_period("region"), "region", lang, "2026"),
                bdplots.tier_shares(tiers, lang),
                bdplots.budget_ratio(eff, ["region", "product_line"], lang)]
        for fig in figs:
            fig.savefig(io.BytesIO(), format="png")
    for fig in figs:
        ax = fig.axes[0]
        assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
    assert ("万元" in figs[0].axes[0].get_title()) == (lang == "zh")


def test_every_label_of_the_step_exists_in_both_languages():
    from salesnb.i18n import LABELS

    keys = [k for k in LABELS if k.startswith("bd_")]
    assert len(keys) > 150
    assert all(LABELS[k][0] and LABELS[k][1] for k in keys)


# ----------------------------------------------------------------------------- less than a year of data: recent quarters


def test_plan_periods_without_the_same_quarter_falls_back_to_the_latest_quarters():
    # UCI Online Retail: data from 2010-12-01, report 2011Q3 → plan 2011Q4; 2010Q4 starts 2010-10-01, before the data
    pp = bd.plan_periods(Period.parse("2011Q3"), data_start=pd.Timestamp("2010-12-01"))
    assert str(pp.plan) == "2011Q4" and pp.basis == "recent_quarters" and not pp.year_on_year
    assert [w.label for w in pp.windows] == ["2011Q3", "2011Q2", "2011Q1"]  # 2010Q4 is not whole: stop there
    assert (pp.base.start, pp.base.end) == (pd.Timestamp("2011-07-01"), pd.Timestamp("2011-10-01"))
    assert str(pp.same_period_last_year) == "2010Q4" and pp.data_start == pd.Timestamp("2010-12-01")
    assert pp.months == ("2011-10", "2011-11", "2011-12")
    assert [w.label for w in bd.plan_periods(Period.parse("2011Q3"), data_start=pd.Timestamp("2010-12-01"), max_windows=2).windows] == \
        ["2011Q3", "2011Q2"]
    # a data start in mid-March counts from March (as for year-on-year windows): Q2 and Q3, not Q1
    pp = bd.plan_periods(Period.parse("2011Q3"), data_start=pd.Timestamp("2011-03-15"))
    assert [w.label for w in pp.windows] == ["2011Q3", "2011Q2"]
    # with 2010Q4 in the data nothing changes: the same quarter a year earlier, year on year
    pp = bd.plan_periods(Period.parse("2011Q3"), data_start=pd.Timestamp("2010-10-01"))
    assert [w.label for w in pp.windows] == ["2010Q4"] and pp.basis == "year_on_year"
    # a report year planned by quarter: the year's last quarters
    pp = bd.plan_periods(Period.parse("2011"), "quarter", data_start=pd.Timestamp("2011-03-05"))
    assert str(pp.plan) == "2012Q1" and [w.label for w in pp.windows] == ["2011Q4", "2011Q3", "2011Q2"]
    assert pp.basis == "recent_quarters"


def test_a_yearly_plan_without_a_whole_year_is_a_clear_error():
    # no fallback for a year: the error names the data's start, the months needed and the quarterly alternative
    with pytest.raises(bd.PlanError, match=r"starts on 2011-03-05 .*2011-01 to 2011-12.*breakdown.horizon: quarter"):
        bd.plan_periods(Period.parse("2011Q4"), data_start=pd.Timestamp("2011-03-05"))
    # a quarterly plan still needs one whole quarter
    with pytest.raises(bd.PlanError, match=r"starts on 2011-08-01 .*2011Q3, starts on 2011-07-01"):
        bd.plan_periods(Period.parse("2011Q3"), data_start=pd.Timestamp("2011-08-01"))


def _young_sales() -> pd.DataFrame:
    """Seven months of orders, 2025-03 … 2025-09: no 2024Q4 for a 2025Q4 plan.

    March: a 100 (A), b 100 (B), c 50 (A); 2025Q2: a 200 (A), b 100 (B), d 100 (B, first order);
    2025Q3: a 300 (A), d 100 (B), e 200 (A, first order); an October order lies after the report.
    """
    rows = [("a", "A", "2025-03-01", 100.0), ("b", "B", "2025-03-10", 100.0), ("c", "A", "2025-03-20", 50.0),
            ("a", "A", "2025-05-05", 200.0), ("b", "B", "2025-05-06", 100.0), ("d", "B", "2025-06-10", 100.0),
            ("a", "A", "2025-08-01", 300.0), ("d", "B", "2025-08-02", 100.0), ("e", "A", "2025-09-03", 200.0),
            ("a", "A", "2025-10-15", 999.0)]
    df = pd.DataFrame(rows, columns=["customer_id", "region", "order_date", "amount"])
    df["order_date"] = pd.to_datetime(df["order_date"])
    df["order_id"] = [f"o{i}" for i in range(len(df))]
    return df


@pytest.fixture(scope="module")
def young(tmp_path_factory):
    path = tmp_path_factory.mktemp("young") / "workspace.yaml"
    path.write_text("company: {name: Demo}\nbreakdown: {dimensions: [region, customer_type]}\n", encoding="utf-8")
    cfg = load_config(path)
    inputs = bd.plan_inputs(_young_sales(), None, Period.parse("2025Q3"), cfg)
    return cfg, inputs, bd.build_plan(inputs)


def test_recent_quarters_plan_by_hand(young):
    cfg, inputs, plan = young
    pp = plan.periods
    assert (str(pp.plan), [w.label for w in pp.windows], pp.basis) == ("2025Q4", ["2025Q3", "2025Q2"], "recent_quarters")
    # base = 2025Q3 = 300 + 100 + 200; no goal, no yearly growth (seven months of data): the total keeps it
    assert (plan.total.base, plan.total.value, plan.total.source, plan.total.growth) == (600.0, 600.0, "trend", 0.0)
    assert inputs.recent_growth is None
    # retention over the 4 months the data has before 2025Q3 (March–June): a, b, c, d; a and d buy in Q3 (300 + 100)
    assert bd.retention_months(pp) == 4
    f, = inputs.facts  # one window only: no spend trend between consecutive quarters
    assert (f.base_customers, f.retained, f.retained_revenue) == (4, 2, 400.0)
    # the plan's base: buyers in the 4 months to the report's end (June–September): a, d, e
    assert inputs.base_customers == 3
    # existing = 3 × 2/4 × 200 per retained customer × trend 1 = 300; new = 600 − 300
    sp = plan.split
    assert (sp.existing_estimate, sp.existing, sp.new, sp.spend_trend) == (300.0, 300.0, 300.0, 1.0)
    assert sp.new_share_history == pytest.approx(200 / 600)  # e's 200 of Q3 (censored: an upper bound)
    # weights: history = Q3 + Q2 shares (A·existing 500, A·new 200, B·existing 200, B·new 100 of 1,000);
    # momentum = Q3's shares without a growth factor (300, 200, 100, 0 of 600); blend 50 / 50
    w = plan.weights["weight"]
    assert w.tolist() == pytest.approx([(0.5 + 0.5) / 2, (0.2 + 1 / 3) / 2, (0.2 + 1 / 6) / 2, (0.1 + 0) / 2])
    # existing 300 = 300 × 0.5 / 0.6833 = 219.51 (A) + 80.49 (B) → 220 / 80;
    # new 300 = 300 × 0.2667 / 0.3167 = 252.63 (A) + 47.37 (B) → 253 / 47
    cells = plan.cells.set_index(["region", "customer_type"])["target"]
    assert cells.to_dict() == {("A", "existing"): 220.0, ("A", "new"): 253.0, ("B", "existing"): 80.0, ("B", "new"): 47.0}
    # even phasing (seasonality unknown): 220 → 74/73/73, 253 → 85/84/84, 80 → 27/27/26, 47 → 16/16/15
    months = plan.by_period()["target"]
    assert months.to_dict() == {"2025-10": 202.0, "2025-11": 200.0, "2025-12": 198.0}
    assert inputs.season_share == pytest.approx(0.25)
    # checks are quarter on quarter: A 500 → 473 (−5.4 %, after +150 % Q2→Q3) shrinks; B 100 → 127 (+27 %) beats
    # its best quarter (−50 %) by far; new 200 → 300 (+50 %) is within its +100 %
    checks = plan.checks.set_index("node")
    assert checks.loc["A", "implied_growth"] == pytest.approx(473 / 500 - 1) and checks.loc["A", "best_growth"] == pytest.approx(1.5)
    assert checks.loc[["A", "B", "new", "existing"], "flag"].tolist() == ["shrinking", "beyond_history", "ok", "shrinking"]
    assert plan.margin_checks["ok"].all()


def test_recent_quarters_yearly_amount_takes_an_even_quarter(young):
    from salesnb.config import BreakdownTotal

    cfg, inputs, _ = young
    plan = bd.build_plan(inputs, cfg.breakdown.model_copy(update={"total": BreakdownTotal(value=4000)}))
    # seasonality unknown: the quarter carries 3 of 12 months of a yearly 4,000
    assert (plan.total.value, plan.total.source) == (1000.0, "value")
    assert "takes an even 25.0% of the yearly amount" in bd.narrative_total(plan, "en", "元")
    assert "取全年金额的 25.0%" in bd.narrative_total(plan, "zh", "元")


def test_recent_quarters_narrative_in_both_languages(young):
    cfg, inputs, plan = young
    en = bd.narrative_plan(plan, "en")
    assert ("The data starts on 2025-03-01, so there is no 2024Q4 (the same quarter a year earlier) to compare 2025Q4 with: "
            "the plan is based on the latest quarter(s) 2025Q3, 2025Q2 and seasonality is not known") in en
    zh = bd.narrative_plan(plan, "zh")
    assert "数据始于 2025-03-01，没有上年同期 2024Q4 可与 2025Q4 对照：计划以最近的季度 2025Q3、2025Q2 为依据，季节性未知" in zh
    assert "3 customers bought in the 4 months to 2025-09-30" in bd.narrative_split(plan, "en", "元")
    assert "split evenly over the months of 2025Q4: about 200.0 CNY a month" in bd.narrative_phasing(plan, "en", "元")
    assert "2025Q3's shares without a growth factor" in bd.narrative_method(plan, cfg.breakdown, "en")
    assert "keeps 2025Q3's 600.0 CNY (+0.0%)" in bd.narrative_total(plan, "en", "元")
    assert "best quarter-on-quarter -50.0%" in bd.narrative_checks(plan, "en", "元")
    assert "历史最好环比" in bd.checks_view(plan, "zh", "元").frame.columns.tolist()
    assert bd.total_view(plan, "en", "元").frame.iloc[3, 1] == "base quarter kept (no yearly growth known)"


def test_a_plan_with_the_same_quarter_keeps_its_year_on_year_basis(sample):
    ws, inputs, plan = sample
    assert plan.periods.basis == "year_on_year" and bd.narrative_basis(plan.periods, "en") is None
    assert "the same quarter a year earlier" not in bd.narrative_plan(plan, "en")
    assert "Best year" in bd.checks_view(plan, "en", "万元").frame.columns.tolist()
    # momentum still grows the latest window by its yearly factor
    known = inputs.history.loc[~inputs.history["censored"]]
    yearly = bd.method_weights(known, list(plan.dims), method="momentum")["momentum"]
    flat = bd.method_weights(known, list(plan.dims), method="momentum", trend=False)["momentum"]
    assert plan.weights["momentum"].to_numpy() == pytest.approx(yearly.to_numpy())
    assert not np.allclose(yearly.to_numpy(), flat.to_numpy())
    q = bd.plan_inputs(ws.table("sales"), ws.table("customers"), Period.parse("2025Q3"), ws.config)
    assert q.periods.basis == "year_on_year" and len(q.facts) == 2
    quarter = bd.build_plan(q)
    assert quarter.total.source == "trend" and bd.total_view(quarter, "en", "万元").frame.iloc[3, 1] == "latest growth continued"


def test_a_plan_with_one_dimension_besides_customer_type_has_a_matrix(sample, raw):
    """Region × new/existing only (Online Retail's set-up): the matrix, its heat map and the margin views work."""
    import matplotlib

    matplotlib.use("Agg")
    from salesnb.plots import breakdown as bdplots

    ws, _, _ = sample
    cfg = ws.config.model_copy(update={"breakdown": ws.config.breakdown.model_copy(update={"dimensions": ["region", "customer_type"], "overrides": []})})
    plan = bd.build_plan(bd.plan_inputs(ws.table("sales"), ws.table("customers"), Period.parse("2025Q4"), cfg))
    assert plan.matrix_dims == ("region", "customer_type")
    m = plan.matrix()
    total = round(raw.groupby("year")["amount"].sum()[2025] * 1.12)
    assert m.loc["total", "total"] == total == m["total"].drop("total").sum()
    assert set(m.columns) == {"existing", "new", "total"}
    fig = bdplots.target_heatmap(plan.cells, *plan.matrix_dims, "en", str(plan.periods.plan), "万元")
    assert fig is not None
    assert bd.narrative_matrix(plan, "en", "万元")


def test_a_revenue_goal_for_the_planned_quarter_sets_a_quarterly_plan_total():
    """A goal due in the planned quarter is its total as it stands (no seasonal share); a goal for another quarter is not used."""
    from salesnb.config import BreakdownTotal

    pp = bd.plan_periods(Period.parse("2025Q3"))  # plans 2025Q4
    goals = pd.DataFrame({"goal_id": ["Q4", "Q2", "Y"], "metric": ["revenue"] * 3, "scope": [{}, {}, {}],
                          "deadline": ["2025Q4", "2025Q2", "2025"], "baseline": [np.nan] * 3, "target": [500.0, 999.0, 4000.0],
                          "source": ["workspace.yaml"] * 3})
    total = bd.plan_total(BreakdownTotal(), pp, 400.0, None, goals, season_share=0.3)
    assert (total.value, total.source, total.goal_id) == (500.0, "goal", "Q4")
    # without the quarter's goal, the yearly one: 4000 × the quarter's seasonal share 0.3
    total = bd.plan_total(BreakdownTotal(), pp, 400.0, None, goals.iloc[1:], season_share=0.3)
    assert (total.value, total.goal_id) == (1200.0, "Y")
    # a goal for another quarter is never the plan's total, even when named
    total = bd.plan_total(BreakdownTotal(goal="Q2"), pp, 400.0, 0.0, goals, season_share=0.3)
    assert total.source == "trend" and total.value == 400.0
