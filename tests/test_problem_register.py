"""The problem register: one ranked list from step 1's bottlenecks and step 3's diagnosis to step 4 and the summary."""
from __future__ import annotations

import json
import math
import re

import pandas as pd
import pytest

from salesnb import improve, problems
from salesnb.i18n import t


def _record() -> dict:
    def ev(text):
        return [{"kind": "score_gap", "text": {"en": text, "zh": text + "（中）"}}, {"kind": "driver_weight", "text": {"en": "w", "zh": "w"}}]

    return {"problems": [
        {"rank": 1, "type": "slow_after_sales_response", "regions": ["S"], "basis": "survey", "gap": 0.5, "evidence": ev("slow in S")},
        {"rank": 2, "type": "price_perception", "regions": [], "basis": "survey", "gap": 0.1, "evidence": ev("price fell")},
        {"rank": 3, "type": "billing_errors", "regions": [], "basis": "complaints", "gap": float("nan"), "evidence": ev("billing")},
        {"rank": 4, "type": "product_quality", "regions": [], "basis": "survey", "gap": 0.0, "evidence": ev("quality ok")},
    ]}


def _bottlenecks() -> pd.DataFrame:
    rows = [
        dict(kind="weak_acquisition", scope_type="company", scope=None, metric="new_customers", current=75, previous=100, revenue_share=1.0, severity=1.8),
        dict(kind="weak_acquisition", scope_type="region", scope="N", metric="new_customers", current=30, previous=50, revenue_share=0.6,
             severity=2 * math.sqrt(0.6)),
        dict(kind="rising_complaints", scope_type="company", scope=None, metric="slow", current=30, previous=10, revenue_share=1.0, severity=1.2),
        dict(kind="falling_nps", scope_type="region", scope="S", metric="nps", current=-10.0, previous=20.0, revenue_share=0.4,
             severity=3 * math.sqrt(0.4), n=120, z=-4.2),
        dict(kind="growth_stall", scope_type="product_line", scope="Parts", metric="revenue_growth", current=-0.05, previous=0.1, revenue_share=0.2,
             severity=1.1),
        dict(kind="rising_churn", scope_type="region", scope="N", metric="churn_rate", current=0.2, previous=0.1, revenue_share=0.6, severity=0.9),
    ]
    out = pd.DataFrame(rows)
    out.insert(0, "rank", range(1, len(out) + 1))
    return out


def _register() -> pd.DataFrame:
    return problems.problem_register(_record(), _bottlenecks(), pd.Series({"N": 600.0, "S": 400.0}), min_gap=0.2, churn_points=0.03,
                                     nps_points=8, dimension_problems={"response_speed": "slow_after_sales_response"},
                                     complaint_problems={"slow": "slow_after_sales_response"})


def test_hand_checked_ranking_on_a_small_frame():
    reg = _register()
    # by hand: after-sales in S: excess 0.5/0.2 = 2.5 × √(400/1000) = 1.581, its linked NPS fall in S 3 × √0.4 = 1.897 → 1.897;
    # weak acquisition only in step 1: company finding 1.8 (the region N finding is evidence of the same problem);
    # growth stall (a symptom, no diagnosed problem) 1.1 on its product line (20 % of revenue); price: a 0.1 gap is below
    # the 0.2 line but significant → excess 1 × √1; billing (complaints) 1 × √1, after price by step 3's order; churn in N 0.9;
    # product quality: no gap → 0
    assert reg["problem_id"].tolist() == [f"P{i}" for i in range(1, 8)]
    assert reg["type"].tolist() == ["slow_after_sales_response", "weak_acquisition", "growth_stall", "price_perception", "billing_errors",
                                    "high_churn", "product_quality"]
    assert reg["severity"].tolist() == pytest.approx([3 * math.sqrt(0.4), 1.8, 1.1, 1.0, 1.0, 0.9, 0.0])
    assert reg["source"].tolist() == ["1+3", "1", "1", "3", "3", "1", "3"]
    assert reg["segment"].tolist() == ["region=S", "company", "product_line=Parts", "company", "company", "region=N", "company"]
    assert reg["revenue_at_stake"].tolist() == pytest.approx([400.0, 1000.0, 200.0, 1000.0, 1000.0, 600.0, 1000.0])
    # the linked step-1 findings are evidence of P1, in plain words (no z-score), the driver weight is not evidence
    first = reg.iloc[0]
    assert first["step1_ranks"] == "3 4" and first["step3_rank"] == 1
    assert first["evidence_en"].startswith("slow in S | ") and "w |" not in first["evidence_en"]
    assert "z=" not in first["evidence_en"] and "S: NPS fell to -10.0 from 20.0" in first["evidence_en"]
    assert "N: weak new-customer acquisition" in reg.iloc[1]["evidence_en"]
    assert reg.iloc[1]["title_zh"] == "新客户获取不足" and reg.iloc[2]["title_en"] == t("pr_type_growth_stall", "en")


def test_register_without_bottlenecks_keeps_step_3_order_and_ids_reach_diagnosis_json():
    reg = problems.problem_register(_record(), None, pd.Series({"N": 600.0, "S": 400.0}))
    assert reg["type"].tolist() == ["slow_after_sales_response", "price_perception", "billing_errors", "product_quality"]
    doc = problems.with_register(_record(), reg)
    assert doc["problem_count"] == 4 and [p["problem_id"] for p in doc["problems"]] == ["P1", "P2", "P3", "P4"]
    json.dumps(doc)  # serialisable: no NA or numpy scalars left
    assert problems.id_prefix(doc) == "P1 · "
    empty = problems.problem_register(None, None, pd.Series(dtype=float))
    assert empty.empty and problems.narrative_register(empty, "zh") == t("pr_narr_none", "zh")


def test_step_4_sizes_measures_by_register_severity_and_plans_quick_wins_first():
    reg = _register()
    doc = problems.with_register(_record(), reg)
    plist = improve.problems_from(doc, None)
    assert [p["problem_id"] for p in plist] == [f"P{i}" for i in range(1, 8)]
    props = pd.DataFrame({
        "problem_id": ["P1", "P1", "P2", "P4", "P6"], "problem_rank": [1, 1, 2, 4, 6],
        "problem": ["slow_after_sales_response", "slow_after_sales_response", "weak_acquisition", "price_perception", "high_churn"],
        "segment": ["region=S", "region=S", "company", "company", "region=N"], "measure_key": ["hotline", "dispatch", "pitch", "value", "loyalty"],
        "measure": ["Hotline", "Dispatch", "Pitch", "Value", "Loyalty"], "impact": [1.0, 1.0, 0.95, 0.53, 0.47], "effort": [4, 2, 2, 2, 2],
    })
    props["priority"] = props["impact"] / props["effort"]
    props["quadrant"] = ["major_project", "quick_win", "quick_win", "quick_win", "fill_in"]
    # quick wins first (P1 dispatch 1.0, P2 0.95, P4 0.53), then the fill-in; P1 already has an open action
    open_ = pd.DataFrame({"action_id": ["A1"], "problem": ["slow_after_sales_response"], "segment": ["region=S"], "status": ["in_progress"]})
    plan = improve.plan_order(props, open_, top_problems=3)
    assert plan[["problem_id", "measure_key", "decision"]].values.tolist() == [
        ["P1", "dispatch", "open_action"], ["P2", "pitch", "planned"], ["P4", "value", "planned"], ["P6", "loyalty", "limit"]]
    notes = improve.plan_notes(plan, plist, "en", 3)
    assert notes[0] == t("pr_plan_why_open", "en", pid="P1", title=improve.problem_label("slow_after_sales_response", "en"), action="A1")
    assert notes[-1].startswith("P3 ") and "P5 " in notes[-1]  # growth stall and billing errors have no measure here
    _, added = improve.update_register(open_, props.assign(owner="o", start=pd.Timestamp("2026-01-01"), due=pd.Timestamp("2026-03-01"),
                                                            kpi="nps", baseline=1.0, target=2.0), _q4(), 3)
    assert added["problem_id"].tolist() == ["P2", "P4"]  # (hand-made measure keys outside the library are stored as text)


def _q4():
    from salesnb.periods import Period

    return Period.parse("2025Q4")


def test_propose_scales_impact_by_the_largest_severity():
    from salesnb.goals import Tables

    sales = pd.DataFrame({"order_id": ["1"], "customer_id": ["c"], "order_date": [pd.Timestamp("2025-11-01")], "region": ["N"],
                          "product_line": ["x"], "amount": [1.0]})
    plist = [{"problem_id": "P1", "rank": 1, "type": "weak_acquisition", "segment": {}, "severity": 2.0},
             {"problem_id": "P2", "rank": 2, "type": "high_churn", "segment": {"region": ["N"]}, "severity": 1.5}]
    out = improve.propose(plist, improve.measure_library(), Tables(sales), _q4())
    assert out.groupby("problem_id")["impact"].first().to_dict() == {"P1": 1.0, "P2": 0.75}
    assert set(out["problem_id"]) == {"P1", "P2"}


# ----------------------------------------------------------------------------- on the sample's published report

def _text(path) -> str:
    import html

    page = re.sub(r"<(style|script)\b.*?</\1>", " ", path.read_text(encoding="utf-8"), flags=re.S | re.I)  # embedded fonts are no text
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_sample_every_page_speaks_of_the_same_problems(sample_reports, lang):
    art = sample_reports.folders[lang] / "artifacts"
    doc = json.loads((art / "diagnosis.json").read_text(encoding="utf-8"))
    register = pd.read_csv(art / "problems.csv")
    summary = json.loads((art / "summary.json").read_text(encoding="utf-8"))["metrics"]
    n = len(register)
    assert summary["problems"] == n == doc["problem_count"] == len(doc["register"])
    assert register["problem_id"].tolist() == [f"P{i}" for i in range(1, n + 1)]
    assert register["severity"].is_monotonic_decreasing
    # step 1's most severe bottleneck is in the register, and so is every diagnosed problem
    bottlenecks = pd.read_csv(art / "bottlenecks.csv")
    ranks = {int(r) for x in register["step1_ranks"].dropna().astype(str) for r in x.split()}
    assert int(bottlenecks["rank"].iloc[0]) in ranks
    assert set(register["step3_rank"].dropna().astype(int)) == {p["rank"] for p in doc["problems"]}
    pages = sample_reports.pages(lang)
    step3, step4, index = _text(pages["03_diagnosis.html"]), _text(pages["04_improvement.html"]), _text(pages["index.html"])
    words = t("pr_problem_many", lang)
    assert t("pr_narr_register", lang, n=n, problems=words, top="").split("{top}")[0][:25] in step3
    assert re.search(rf"\bP{n}\b", step3) and not re.search(rf"\bP{n + 1}\b", step3)
    assert t("pr_narr_proposals", lang, n=n, m=0, top=0, problems=words).split("P1")[0] in step4
    # the summary's top three are P1–P3, with their titles
    for pid in ("P1", "P2", "P3"):
        row = register.set_index("problem_id").loc[pid]
        assert f"{pid} · {row['title_' + lang]}" in index
    assert "P4 ·" not in index
    # P1's evidence on the summary is the register's (step 1's weak acquisition in the sample, with its −25.1 %)
    # the summary drops the finding's lead where it repeats the title ("Company: weak new-customer acquisition — 143 …")
    first = str(register.iloc[0]["evidence_" + lang]).split(" | ")[0].rstrip("。.")
    lead, _, rest = first.partition("——" if lang == "zh" else " — ")
    assert rest and register.iloc[0]["title_" + lang].casefold() in lead.casefold()
    assert f"{register.iloc[0]['title_' + lang]}" in index and rest.strip() in index and "25.1%" in rest
    assert lead not in index


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_sample_planned_actions_reference_problem_ids_and_quick_wins_come_first(sample_reports, lang):
    art = sample_reports.folders[lang] / "artifacts"
    register = pd.read_csv(art / "problems.csv")
    proposals = pd.read_csv(art / "proposals.csv")
    actions = pd.read_excel(art / "actions.xlsx", sheet_name="actions", dtype={"action_id": str})
    new = actions.loc[actions["period_opened"].astype(str) == "2025Q4"]
    assert len(new) and new["problem_id"].isin(register["problem_id"]).all()
    assert set(proposals["problem_id"]) <= set(register["problem_id"])
    # each planned measure is its problem's quick win when it has one, and no unplanned quick win has more impact
    # than a planned measure that is not a quick win
    planned = proposals.merge(new[["problem_id", "measure_key"]], on=["problem_id", "measure_key"])
    assert len(planned) == len(new)
    waiting = proposals.loc[~proposals["problem_id"].isin(new["problem_id"]) & (proposals["quadrant"] == "quick_win")]
    slower = planned.loc[planned["quadrant"] != "quick_win"]
    assert waiting.empty or slower.empty or waiting["impact"].max() <= slower["impact"].min()
    # the sample: new-customer acquisition (P1 in the register, from step 1) gets a planned quick win
    p1 = register.iloc[0]
    assert p1["type"] == "weak_acquisition" and "P1" in set(new["problem_id"])
    assert set(planned["quadrant"]) == {"quick_win"}


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_sample_step_2_names_the_risk_signal_and_the_at_risk_tier_as_two_counts(sample_reports, lang):
    from salesnb.i18n import number

    art = sample_reports.folders[lang] / "artifacts"
    customers = pd.read_csv(art / "customer_tiers.csv")
    tiers = pd.read_csv(art / "tiers.csv").set_index("tier")
    risk_n, tier_n = int(customers["at_risk"].sum()), int((customers["tier"] == "at_risk").sum())
    assert risk_n > tier_n > 0  # the sample: 197 with the signal, 13 in the tier
    step2 = re.sub(r"\s+", " ", _text(sample_reports.pages(lang)["02_breakdown.html"]))
    assert t("pr_tier_vs_signal", lang, tier=tiers.loc["at_risk", "label"], tier_n=number(tier_n, lang), risk_n=number(risk_n, lang)) in step2
