"""Survey design and survey statistics, each number checked against a hand
computation or a second implementation (scipy)."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from salesnb import metrics, survey

Z = 1.959963984540054


def test_allocation_with_region_minimum_and_lost_share_binding():
    # Two regions; total 200, at least 60 per region, lost at least 20 % of each region.
    # Proportional region split: A 1000/1200·200 = 166.7, B 33.3 → B lifted to 60, A gets 140.
    # A: proportional lost 140·100/1000 = 14 < ceil(0.2·140) = 28 → lost 28, customers 112.
    # B: proportional lost 60·20/200 = 6 < ceil(0.2·60) = 12 → lost 12, customers 48.
    strata = pd.DataFrame({"region": ["A", "A", "B", "B"], "status": ["customer", "lost", "customer", "lost"],
                           "population": [900, 100, 180, 20]})
    plan = survey.allocate(strata, total=200, min_per_region=60, min_lost_share=0.2)
    assert plan["sample"].tolist() == [112, 28, 48, 12]
    assert plan["minimum_applied"].tolist() == ["", "lost_share", "region_minimum", "lost_share"]


def test_allocation_without_minimums_is_proportional():
    strata = pd.DataFrame({"region": ["A", "A", "B"], "status": ["customer", "lost", "customer"], "population": [500, 100, 400]})
    plan = survey.allocate(strata, total=100, min_per_region=0, min_lost_share=0)
    assert plan["sample"].tolist() == [50, 10, 40]
    assert plan["sample"].sum() == 100


def test_neyman_allocation_on_two_strata_by_hand():
    # n_h = n · N_h S_h / Σ N S = 50 · (200, 300) / 500 = (20, 30)
    strata = pd.DataFrame({"region": ["A", "A"], "status": ["customer", "lost"], "population": [100, 300], "sd": [2.0, 1.0]})
    plan = survey.allocate(strata, total=50, min_per_region=0, min_lost_share=0, method="neyman")
    assert plan["sample"].tolist() == [20, 30]


def test_small_strata_are_taken_whole_and_the_rest_redistributed():
    # lost minimum ceil(0.2·60) = 12 but only 5 lost customers: all 5 (census), 55 customers
    strata = pd.DataFrame({"region": ["A", "A"], "status": ["customer", "lost"], "population": [300, 5]})
    plan = survey.allocate(strata, total=60, min_per_region=60, min_lost_share=0.2)
    assert plan["sample"].tolist() == [55, 5]
    assert plan.loc[1, "minimum_applied"] == "census"


def test_total_defaults_to_the_region_minimum_times_regions():
    strata = pd.DataFrame({"region": ["A", "B", "C"], "status": ["customer"] * 3, "population": [1000, 1000, 1000]})
    assert survey.allocate(strata, None, min_per_region=100, min_lost_share=0)["sample"].tolist() == [100, 100, 100]
    with pytest.raises(ValueError):
        survey.allocate(strata, 300, 100, 0, method="random")


def test_margin_of_error_against_the_formula():
    n, big_n = 200, 1000
    fpc = math.sqrt((big_n - n) / (big_n - 1))
    assert survey.moe_nps(n, 0.5, 0.2, big_n) == pytest.approx(Z * 100 * math.sqrt((0.7 - 0.09) / n) * fpc, rel=1e-12)
    assert survey.moe_mean(n, 0.9, big_n) == pytest.approx(Z * 0.9 / math.sqrt(n) * fpc, rel=1e-12)
    assert survey.moe_nps(100) == pytest.approx(19.5996, abs=1e-4)  # worst case, infinite population: 1.96·100/√100
    # a census has no sampling error
    assert survey.moe_mean(50, 1.0, 50) == 0


def test_plan_margins_stratified_by_hand():
    plan = pd.DataFrame({"region": ["A", "A"], "status": ["customer", "lost"], "population": [800, 200],
                         "sample": [80, 40], "sd_nps": [60.0, 90.0], "sd_mean": [0.8, 1.0]})
    w1, w2 = 0.8, 0.2
    var = w1 ** 2 * (1 - 80 / 800) * 60 ** 2 / 80 + w2 ** 2 * (1 - 40 / 200) * 90 ** 2 / 40
    m = survey.plan_margins(plan).set_index("group")
    assert m.loc["all", "moe_nps"] == pytest.approx(Z * math.sqrt(var), rel=1e-12)
    assert m.loc["A", "sample"] == 120


def test_wilson_interval_matches_the_published_example_and_the_formula():
    lo, hi = survey.wilson_interval(0.8, 10)  # 8 of 10: 0.490 … 0.943 (Wilson 1927 / Newcombe 1998)
    assert (round(lo, 3), round(hi, 3)) == (0.49, 0.943)
    p, n = 0.37, 250
    centre = (p + Z ** 2 / (2 * n)) / (1 + Z ** 2 / n)
    half = Z / (1 + Z ** 2 / n) * math.sqrt(p * (1 - p) / n + Z ** 2 / (4 * n ** 2))
    assert survey.wilson_interval(p, n) == pytest.approx((centre - half, centre + half), rel=1e-12)
    assert survey.wilson_interval(0.0, 20)[0] == 0.0


def test_nps_change_z_test_by_hand():
    a = metrics.nps([10] * 45 + [8] * 30 + [3] * 25)  # 45 % P, 25 % D: NPS 20
    b = metrics.nps([9] * 30 + [7] * 30 + [5] * 40)   # 30 % P, 40 % D: NPS −10
    se_a = 100 * math.sqrt((0.45 + 0.25 - 0.2 ** 2) / 100)
    se_b = 100 * math.sqrt((0.30 + 0.40 - 0.1 ** 2) / 100)
    z = 30 / math.sqrt(se_a ** 2 + se_b ** 2)
    r = survey.nps_change_test(a, b)
    assert r.change == pytest.approx(30)
    assert r.statistic == pytest.approx(z, rel=1e-12)
    assert r.p_value == pytest.approx(2 * stats.norm.sf(z), rel=1e-9)
    assert r.significant()


def test_welch_test_agrees_with_scipy():
    rng = np.random.default_rng(3)
    a, b = rng.integers(1, 6, 80).astype(float), rng.integers(2, 6, 55).astype(float)
    ref = stats.ttest_ind(a, b, equal_var=False)
    r = survey.welch_test(a, b)
    assert r.statistic == pytest.approx(ref.statistic, rel=1e-10)
    assert r.p_value == pytest.approx(ref.pvalue, rel=1e-10)
    assert r.change == pytest.approx(a.mean() - b.mean())


def test_poststratification_weights_and_weighted_nps_by_hand():
    # population: A 100 customers, A 100 lost; sample: 3 customers, 1 lost → lost weighted up
    answers = pd.DataFrame({"region": ["A"] * 4, "respondent_type": ["customer"] * 3 + ["lost"], "nps": [10, 10, 9, 0]})
    pop = pd.DataFrame({"region": ["A", "A"], "status": ["customer", "lost"], "population": [100, 100]})
    w = survey.poststrat_weights(answers, pop)
    assert w.tolist() == pytest.approx([0.5 / 0.75] * 3 + [0.5 / 0.25])
    r = survey.weighted_nps(answers["nps"], w)
    # weighted shares: promoters 3·(2/3)/4 = 0.5, detractors 2/4 = 0.5 → NPS 0
    assert r.nps == pytest.approx(0.0)
    n_eff = w.sum() ** 2 / (w ** 2).sum()
    assert r.se == pytest.approx(100 * math.sqrt((0.5 + 0.5 - 0) / n_eff))
    assert survey.weighted_nps(answers["nps"]).nps == pytest.approx(50.0)  # plain: 75 % − 25 %


def test_unknown_cells_keep_weight_one():
    answers = pd.DataFrame({"region": ["A", "A", "B"], "respondent_type": ["customer", "prospect", "customer"]})
    pop = pd.DataFrame({"region": ["A", "B"], "status": ["customer", "customer"], "population": [30, 10]})
    w = survey.poststrat_weights(answers, pop)
    assert w.iloc[1] == 1.0
    assert w.iloc[0] == pytest.approx(0.75 / 0.5) and w.iloc[2] == pytest.approx(0.25 / 0.5)


def test_dimension_table_mean_top2_and_interval():
    answers = pd.DataFrame({"quality": [5, 4, 4, 3, 2, np.nan], "price": [1, 2, 3, 4, 5, 5]})
    dims = survey.dimension_table(answers, ["quality", "price"], min_n=5).set_index("dimension")
    assert dims.loc["quality", "mean"] == pytest.approx(18 / 5)
    assert dims.loc["quality", "top2"] == pytest.approx(3 / 5)
    assert dims.loc["quality", "n"] == 5
    sd = np.std([5, 4, 4, 3, 2], ddof=1)
    assert dims.loc["quality", "mean_high"] - dims.loc["quality", "mean"] == pytest.approx(Z * sd / math.sqrt(5))
    assert (dims.loc["quality", "top2_low"], dims.loc["quality", "top2_high"]) == pytest.approx(survey.wilson_interval(0.6, 5))


def _tiny_workspace():
    customers = pd.DataFrame({"customer_id": [f"{i:03d}" for i in range(1, 13)], "region": ["A"] * 6 + ["B"] * 6,
                              "segment": ["大客户", "小微企业"] * 6, "phone": ["13800000000"] * 12})
    dates = {"001": "2025-06-01", "002": "2025-05-01", "003": "2024-06-01", "004": "2022-01-01",
             "007": "2025-03-01", "008": "2024-03-01", "009": "2024-02-01"}
    sales = pd.DataFrame({"customer_id": list(dates), "order_date": pd.to_datetime(list(dates.values())), "amount": 1.0,
                          "region": ["A"] * 4 + ["B"] * 3, "order_id": list(dates)})
    return sales, customers


def test_sampling_frame_uses_the_churn_definition_and_leaves_lapsed_out():
    sales, customers = _tiny_workspace()
    frame = survey.sampling_frame(sales, customers, pd.Timestamp("2026-01-01"))
    status = dict(zip(frame["customer_id"], frame["status"]))
    assert status["001"] == "customer" and status["003"] == "lost" and status["005"] == "prospect"
    assert "004" not in status  # last bought in 2022: lapsed
    assert list(frame.columns) == ["customer_id", "region", "status", "tier"]  # no personal data in the frame
    sheet = survey.contact_sheet(frame.head(2), customers)
    assert sheet["phone"].tolist() == ["13800000000"] * 2


def test_contact_list_is_reproducible_and_follows_the_plan():
    sales, customers = _tiny_workspace()
    frame = survey.sampling_frame(sales, customers, pd.Timestamp("2026-01-01"))
    plan = survey.allocate(survey.stratum_counts(frame), total=6, min_per_region=3, min_lost_share=0.2)
    a = survey.draw_contacts(frame, plan, seed=7)
    b = survey.draw_contacts(frame, plan, seed=7)
    pd.testing.assert_frame_equal(a, b)
    got = a.groupby(["region", "status"]).size()
    want = plan.set_index(["region", "status"])["sample"]
    assert got.reindex(want.index, fill_value=0).tolist() == want.tolist()
    assert set(a["customer_id"]) <= set(frame["customer_id"])
    assert not a.duplicated("customer_id").any()


def test_period_changes_table():
    cur = pd.DataFrame({"nps": [10, 9, 8, 2], "quality": [5, 4, 4, 3]})
    prev = pd.DataFrame({"nps": [5, 6, 9, 10], "quality": [3, 3, 4, 2]})
    out = survey.period_changes(cur, prev, ["quality", "missing"]).set_index("metric")
    assert list(out.index) == ["nps", "quality"]
    assert out.loc["nps", "change"] == pytest.approx(25.0 - 0.0)
    assert out.loc["quality", "p_value"] == pytest.approx(stats.ttest_ind([5, 4, 4, 3], [3, 3, 4, 2], equal_var=False).pvalue)
