"""The KPI registry (salesnb.kpis) and the answer scales (salesnb.scales): one home per KPI.

The expected lists below are written out by hand from the framework's definitions, not read from the registry.
"""
import re
from pathlib import Path

import pandas as pd
import pytest

from salesnb import i18n, kpis, metrics, survey
from salesnb.scales import NPS_SCALE, SATISFACTION_SCALE, outcome_scale

PACKAGE = Path(kpis.__file__).parent


def test_goal_metrics_in_the_order_goals_list_them():
    assert kpis.goal_metrics() == (
        "revenue", "orders", "active_customers", "aov", "new_customers", "new_customer_revenue_share",
        "repurchase_rate", "churn_rate", "repeat_purchase_rate", "nps", "satisfaction_mean", "satisfaction_top2",
        "complaints", "response_over_promise_share", "on_time_share", "mean_delay_days", "not_delivered_share")


def test_direction_kind_and_censoring_by_hand():
    assert kpis.lower_is_better() == {"churn_rate", "complaints", "response_over_promise_share", "mean_delay_days",
                                      "not_delivered_share"}
    assert kpis.flow_metrics() == {"revenue", "orders", "active_customers", "new_customers", "complaints", "aov"}
    assert kpis.censored_metrics() == {"new_customers", "new_customer_revenue_share", "repurchase_rate", "churn_rate"}
    assert kpis.metrics_from("surveys") == {"nps", "satisfaction_mean", "satisfaction_top2"}
    assert kpis.metrics_from("delivery") == {"on_time_share", "mean_delay_days", "not_delivered_share"}


def test_headline_rows_follow_the_registry_and_skip_aov():
    rows = kpis.headline_formats()
    assert list(rows)[:4] == ["revenue", "revenue_prev_year", "revenue_yoy", "orders"]
    assert "aov" not in rows and rows["revenue_yoy"] == "pct_signed" and rows["nps"] == "float1"
    assert rows["satisfaction_mean"] == "float2" and rows["mean_delay_days"] == "float1"


@pytest.mark.parametrize("key, value, lang, expected", [
    ("revenue", 1_234_567.0, "en", i18n.money(1_234_567.0, "万元", "en")),
    ("nps", 21.456, "en", "21.5"),
    ("satisfaction_mean", 4.016, "zh", "4.02"),
    ("churn_rate", 0.1234, "en", "12.3%"),
    ("new_customers", 143.0, "en", "143"),
    ("median_first_response_hours", 30.04, "en", "30.0 h"),
    ("dim:speed", 3.456, "en", "3.46"),
    ("churn_rate", float("nan"), "en", i18n.t("not_available", "en")),
])
def test_format_value_by_hand(key, value, lang, expected):
    assert kpis.format_value(key, value, lang) == expected


def test_labels_come_from_the_locales():
    assert kpis.label("churn_rate", "en") == "Churn rate"
    assert kpis.label("median_first_response_hours", "zh") == "首次响应时长中位数（小时）"
    assert kpis.label("dim:speed", "en", {"speed": "Delivery speed"}) == "Delivery speed"
    assert kpis.label("made_up", "en") == "made_up"


def test_nps_scale_counts_promoters_and_detractors_by_hand():
    s = pd.Series([10, 9, 8, 7, 6, 0, 10, 10, 5, 9])
    # promoters 10, 9, 10, 10, 9 = 5; detractors 6, 0, 5 = 3; NPS = 100 * (5 - 3) / 10 = 20
    assert int(NPS_SCALE.top(s).sum()) == 5 and int(NPS_SCALE.bottom(s).sum()) == 3
    assert metrics.nps(s).nps == pytest.approx(20.0)
    assert survey.weighted_nps(s, [1.0] * 10).nps == pytest.approx(20.0)
    assert (NPS_SCALE.top_range, NPS_SCALE.middle_range, NPS_SCALE.bottom_range) == ("9–10", "7–8", "0–6")
    # top-2-box of 1–5 answers: 4 and 5 count; 2 of 4 here
    assert metrics.csat([5, 4, 3, 1]).top2 == pytest.approx(0.5)
    assert outcome_scale(["nps", "satisfaction"]) is NPS_SCALE and outcome_scale("satisfaction") is SATISFACTION_SCALE


def test_the_nps_wording_is_built_from_the_scale():
    for lang in ("en", "zh"):
        assert NPS_SCALE.top_range in i18n.t("promoters", lang) and NPS_SCALE.bottom_range in i18n.t("def_nps", lang)
        assert NPS_SCALE.middle_range in i18n.t("passives", lang)


def test_the_nps_cut_offs_are_written_in_one_place():
    """Changing the NPS definition is one line in salesnb/scales.py: no other module compares a score with 9 or 6."""
    cut_off = re.compile(r"(>=|<=|>|<)\s*(9|6)\b(?!\d|\.)")
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        if path.name in ("scales.py",) or path.parent.name == "sample":
            continue  # the synthetic demo company draws answers; it does not measure them
        if path.name == "sample.py":
            continue
        for no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            code = line.split("#")[0]
            if ("nps" in code.lower() or "score" in code.lower() or re.search(r"\bs\b", code)) and cut_off.search(code):
                offenders.append(f"{path.relative_to(PACKAGE)}:{no}: {line.strip()}")
    assert offenders == []
