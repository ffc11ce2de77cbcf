"""Delivery against the promise: the optional sales columns ``promised_date`` and
``delivered_date``, the delivery KPIs, late against on-time satisfaction, the
bottleneck, the problem ranking and the step-4 measure — every number worked out
by hand (or by a second method: scipy's own Welch test) on tiny data."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from salesnb import diagnosis, goals, improve, metrics
from salesnb.config import WorkspaceConfig
from salesnb.errors import DataError
from salesnb.io import load_workspace
from salesnb.periods import Period

Q1 = Period.parse("2025Q1")

# Six orders of 2025Q1, one customer each (O3 has two lines from two sellers):
#   O1 promised 01-10, delivered 01-09  -> on time, delay -1
#   O2 promised 01-10, delivered 01-13  -> late,    delay +3
#   O3 lines promised 02-08 / 02-09, delivered 02-07 / 02-12 -> order promised 02-09, delivered 02-12: late, +3
#   O4 promised 02-15, not delivered; the data ends 03-20 -> overdue
#   O5 promised 03-05, delivered 03-05  -> on time, delay 0
#   O6 promised 04-30, not delivered; not yet due on 03-20 -> open
SALES = """order_id,order_date,customer_id,region,product_line,amount,promised_date,delivered_date
O1,2025-01-05,C1,North,A,100,2025-01-10,2025-01-09
O2,2025-01-06,C2,North,A,200,2025-01-10,2025-01-13
O3,2025-02-01,C3,South,B,50,2025-02-08,2025-02-07
O3,2025-02-01,C3,South,B,70,2025-02-09,2025-02-12
O4,2025-02-10,C4,South,A,80,2025-02-15,
O5,2025-03-01,C5,North,B,60,2025-03-05,2025-03-05
O6,2025-03-20,C6,South,B,40,2025-04-30,
"""
CUSTOMERS = "customer_id,region\n" + "\n".join(f"C{i},{'North' if i in (1, 2, 5) else 'South'}" for i in range(1, 7)) + "\n"
SURVEYS = """response_id,survey_date,respondent_type,customer_id,satisfaction,comment
R1,2025-01-10,customer,C1,5,ótimo
R2,2025-01-14,customer,C2,2,atrasou
R3,2025-02-13,customer,C3,1,
R4,2025-02-20,customer,C4,1,não recebi
R5,2025-03-06,customer,C5,4,
"""


def _workspace(folder, sales=SALES, surveys=SURVEYS, yaml="company:\n  name: Demo\n"):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "workspace.yaml").write_text(yaml, encoding="utf-8")
    (folder / "sales.csv").write_text(sales, encoding="utf-8")
    (folder / "customers.csv").write_text(CUSTOMERS, encoding="utf-8")
    if surveys is not None:
        (folder / "surveys.csv").write_text(surveys, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    return load_workspace(_workspace(tmp_path_factory.mktemp("delivery") / "ws"), today=pd.Timestamp("2026-01-15").date())


# ----------------------------------------------------------------------------- the contract


def test_delivery_columns_are_read_as_dates(ws):
    sales = ws.tables["sales"]
    assert str(sales["promised_date"].dtype) == "datetime64[us]" and str(sales["delivered_date"].dtype) == "datetime64[us]"
    assert sales["delivered_date"].isna().sum() == 2
    assert metrics.has_delivery(sales)


def test_chinese_and_english_delivery_headers_are_recognised(tmp_path):
    sales = SALES.replace("promised_date", "承诺交期").replace("delivered_date", "实际交付日期")
    a = load_workspace(_workspace(tmp_path / "zh", sales=sales), today=pd.Timestamp("2026-01-15").date()).tables["sales"]
    sales = SALES.replace("promised_date", "Estimated delivery date").replace("delivered_date", "Delivery date")
    b = load_workspace(_workspace(tmp_path / "en", sales=sales), today=pd.Timestamp("2026-01-15").date()).tables["sales"]
    assert {"promised_date", "delivered_date"} <= set(a.columns) and {"promised_date", "delivered_date"} <= set(b.columns)
    assert a["delivered_date"].equals(b["delivered_date"])


def test_a_delivery_before_the_order_is_an_error_on_its_line(tmp_path):
    sales = SALES.replace("O5,2025-03-01,C5,North,B,60,2025-03-05,2025-03-05", "O5,2025-03-01,C5,North,B,60,2025-03-05,2025-02-27")
    with pytest.raises(DataError) as info:
        load_workspace(_workspace(tmp_path, sales=sales), today=pd.Timestamp("2026-01-15").date())
    (problem,) = info.value.problems
    assert (problem.file, problem.line, problem.column, problem.value) == ("sales.csv", 7, "delivered_date", "2025-02-27")
    assert "before the order date (2025-03-01)" in problem.rule


def test_engine_reader_reads_delivery_days_like_the_contract_reader(tmp_path):
    from salesnb.prepare import prepare

    contract = load_workspace(_workspace(tmp_path / "contract"), today=pd.Timestamp("2026-01-15").date()).tables["sales"]
    root = _workspace(tmp_path / "engine", yaml="company:\n  name: Demo\nsource:\n  reader: engine\n")
    prepared = prepare(root, cache_dir=tmp_path / "cache", today=pd.Timestamp("2026-01-15").date())
    assert prepared.reader == "engine"
    engine = prepared.workspace().tables["sales"]
    cols = ["order_id", "order_date", "promised_date", "delivered_date", "amount"]
    pd.testing.assert_frame_equal(engine[cols], contract[cols])


def test_engine_reader_rejects_an_early_delivery_on_the_same_line(tmp_path):
    from salesnb.prepare import prepare

    sales = SALES.replace("O1,2025-01-05,C1,North,A,100,2025-01-10,2025-01-09", "O1,2025-01-05,C1,North,A,100,2025-01-10,2025-01-02")
    with pytest.raises(DataError) as contract:
        load_workspace(_workspace(tmp_path / "contract", sales=sales), today=pd.Timestamp("2026-01-15").date())
    root = _workspace(tmp_path / "engine", sales=sales, yaml="company:\n  name: Demo\nsource:\n  reader: engine\n")
    with pytest.raises(DataError) as engine:
        prepare(root, cache_dir=tmp_path / "cache", today=pd.Timestamp("2026-01-15").date()).workspace()
    where = lambda err: sorted((p.line, p.column) for p in err.value.problems)  # noqa: E731
    assert where(engine) == where(contract) == [(2, "delivered_date")]


# ----------------------------------------------------------------------------- the KPIs, by hand


def test_delivery_orders_one_row_per_order(ws):
    orders = metrics.delivery_orders(ws.tables["sales"])
    assert orders.loc["O3", "amount"] == 120.0  # both lines
    assert orders.loc["O3", "promised_date"] == pd.Timestamp("2025-02-09") and orders.loc["O3", "delivered_date"] == pd.Timestamp("2025-02-12")
    assert orders["delivery_status"].to_dict() == {"O1": "on_time", "O2": "late", "O3": "late", "O4": "overdue", "O5": "on_time", "O6": "open"}
    assert orders["delay_days"].dropna().to_dict() == {"O1": -1.0, "O2": 3.0, "O3": 3.0, "O5": 0.0}
    assert metrics.data_end(ws.tables["sales"]) == pd.Timestamp("2025-03-20")


def test_delivery_kpis_by_hand(ws):
    k = metrics.delivery_summary(ws.tables["sales"], Q1)
    # due = O1, O2, O3, O4, O5 (O6 not yet due); on time = O1, O5
    assert (k["delivery_orders"], k["orders_due"], k["orders_on_time"], k["orders_late"], k["orders_overdue"], k["orders_open"]) == (6, 5, 2, 2, 1, 1)
    assert k["on_time_share"] == pytest.approx(2 / 5)
    assert k["late_share"] == pytest.approx(3 / 5)
    assert k["mean_delay_days"] == pytest.approx((-1 + 3 + 3 + 0) / 4)  # delivered orders only, per order
    assert k["median_delay_days"] == pytest.approx((0 + 3) / 2)
    assert k["mean_days_late"] == pytest.approx(3.0)
    assert k["not_delivered_share"] == pytest.approx(2 / 6)
    assert goals.metric_value("on_time_share", goals.Tables(ws.tables["sales"]), Q1) == pytest.approx(0.4)
    assert goals.metric_value("mean_delay_days", goals.Tables(ws.tables["sales"]), Q1) == pytest.approx(1.25)


def test_delivery_history_by_month_and_region(ws):
    h = metrics.delivery_history(ws.tables["sales"], "month", "region")
    row = lambda m, r: h.loc[(h["period"] == m) & (h["region"] == r)].iloc[0]  # noqa: E731
    assert row("2025-01", "North")["on_time_share"] == 0.5  # O1 on time, O2 late
    assert row("2025-02", "South")["on_time_share"] == 0.0 and row("2025-02", "South")["orders_overdue"] == 1
    assert row("2025-03", "South")["orders_due"] == 0 and math.isnan(row("2025-03", "South")["on_time_share"])


def test_headline_has_delivery_metrics_only_with_delivery_days(ws):
    with_days = goals.period_metrics(goals.Tables(ws.tables["sales"], ws.tables["surveys"]), Q1)
    assert with_days["on_time_share"] == pytest.approx(0.4) and with_days["not_delivered_share"] == pytest.approx(1 / 3)
    plain = ws.tables["sales"].drop(columns=["promised_date", "delivered_date"])
    assert "on_time_share" not in goals.period_metrics(goals.Tables(plain), Q1)
    assert not metrics.has_delivery(plain)


def test_delivery_narrative_and_region_table(ws):
    hist = metrics.delivery_history(ws.tables["sales"], "quarter")
    text = goals.narrate_delivery(hist, Q1, "en", min_n=1)
    assert text.startswith("40.0% of the 5 orders placed in 2025Q1 and due arrived on or before the promised day (2 late, 1 not delivered")
    assert "1.2 days late on average (median 1.5 days late)" in text  # mean delay +1.25 days
    assert "准时率" in goals.narrate_delivery(hist, Q1, "zh", min_n=1)
    table = goals.delivery_region_table(ws.tables["sales"], Q1, "en", min_n=1)
    assert table.iloc[:, 0].tolist() == ["South", "North"]  # South 0 of 2 due on time, North 2 of 3
    assert table.iloc[:, 2].tolist() == ["0.0%", "66.7%"]


def test_late_delivery_bottleneck(ws):
    config = WorkspaceConfig.model_validate({"company": {"name": "Demo"}, "thresholds": {"min_group_n": 2}})
    found = goals.bottlenecks(goals.Tables(ws.tables["sales"]), Q1, config)
    late = found.loc[found["kind"] == "late_delivery"].set_index("scope")
    # company: 3 of 5 due orders late or overdue = 60% >= 15% (excess 0.6 / 0.15 = 4); South: 2 of 2 = 100% (excess 5, the cap);
    # North: 1 of 3 = 33%
    assert late.loc["", "late_share"] == pytest.approx(0.6) and late.loc["", "excess"] == pytest.approx(4.0)
    assert late.loc["South", "late_share"] == pytest.approx(1.0) and late.loc["North", "late_share"] == pytest.approx(1 / 3)
    assert not (found["kind"] == "rising_complaints").any()  # less than 24 months of data: no year-on-year changes
    assert "Findings: 3." in goals.narrate_bottlenecks(found, "en", months_of_history=3)
    assert "only levels" in goals.narrate_bottlenecks(found, "en", months_of_history=3)


# ----------------------------------------------------------------------------- satisfaction against delivery


def test_answers_link_to_their_order_and_late_against_on_time_by_hand(ws):
    linked = diagnosis.link_deliveries(ws.tables["surveys"], ws.tables["sales"])
    assert linked["delivery_status"].tolist() == ["on_time", "late", "late", "overdue", "on_time"]
    assert linked["on_time"].tolist() == [1.0, 0.0, 0.0, 0.0, 1.0]
    e = diagnosis.delivery_effect(linked, "satisfaction")
    # on time 5, 4 -> 4.5; late 2, 1 -> 1.5; Welch: t = -3/sqrt(0.5/2 + 0.5/2) = -3/sqrt(0.5), df = 2
    assert (e.test.current, e.test.previous) == (1.5, 4.5)
    t = -3 / math.sqrt(0.5)
    assert e.test.statistic == pytest.approx(t) and e.test.df == pytest.approx(2.0)
    assert e.test.p_value == pytest.approx(1 - abs(t) / math.sqrt(2 + t * t))  # Student t with 2 df, two-sided
    assert e.late_share == pytest.approx(3 / 5)  # O2, O3, O4 of the 5 rated orders due
    assert e.gap == pytest.approx(4.5 - (5 + 2 + 1 + 1 + 4) / 5)
    table = e.table.set_index("status")
    assert table.loc["overdue", "mean"] == 1.0 and table.loc["on_time", "top2"] == 1.0 and table.loc["late", "bottom"] == 1.0
    assert "open" not in table.index  # the not-yet-due order has no answer


def _ranked_case(n_on: int = 20, n_late: int = 10):
    """Linked answers: on-time orders score 4 or 5, late ones 1 or 2; a sales table for the revenue."""
    rng = np.random.default_rng(7)
    status = ["on_time"] * n_on + ["late"] * n_late
    score = np.r_[rng.choice([4, 5], n_on), rng.choice([1, 2], n_late)].astype(float)
    answers = pd.DataFrame({"region": ["North"] * (n_on + n_late), "satisfaction": score, "delivery_status": status,
                            "on_time": [1.0 if s == "on_time" else 0.0 for s in status], "customer_id": [f"C{i}" for i in range(n_on + n_late)]})
    sales = pd.DataFrame({"order_id": ["1", "2"], "customer_id": ["C0", "C1"], "region": ["North"] * 2, "amount": [300.0, 700.0],
                          "order_date": pd.to_datetime(["2025-02-01", "2025-03-01"])})
    return answers, sales


def test_delivery_problem_is_ranked_by_driver_weight_times_gap_times_revenue():
    answers, sales = _ranked_case()
    drivers = diagnosis.importance_performance(diagnosis.key_drivers(answers, diagnosis.driver_columns(answers, []), "satisfaction", bootstrap=0))
    assert drivers["dimension"].tolist() == ["on_time"] and drivers["importance"].iloc[0] == pytest.approx(1.0)
    r = np.corrcoef(answers["on_time"], answers["satisfaction"])[0, 1]
    assert drivers.attrs["r2"] == pytest.approx(r * r)  # one predictor: R² is its squared correlation
    assert drivers["quadrant"].isna().all() and drivers["performance"].isna().all()
    config = WorkspaceConfig.model_validate({"company": {"name": "Demo"}})
    problems = diagnosis.rank_problems(answers=answers, previous=None, drivers=drivers, sales=sales, complaints=None, period=Q1,
                                       settings=config.diagnosis, promise_hours=48)
    top = problems[0]
    on, late = answers.loc[answers["delivery_status"] == "on_time", "satisfaction"], answers.loc[answers["delivery_status"] == "late", "satisfaction"]
    gap = on.mean() - answers["satisfaction"].mean()
    assert (top.type, top.basis, top.outcome) == ("delivery_delay", "delivery", "satisfaction")
    assert top.gap == pytest.approx(gap) and top.revenue_affected == 1000.0 and top.impact == pytest.approx(1.0 * gap * 1000.0)
    effect = next(e for e in top.evidence if e["kind"] == "delivery_effect")
    assert effect["p_value"] == pytest.approx(stats.ttest_ind(late, on, equal_var=False).pvalue)  # a second implementation of Welch
    assert top.score_segment == pytest.approx(answers["satisfaction"].mean()) and math.isnan(top.nps_segment)
    assert diagnosis.statement(top, 1, "en", {"on_time": "On time"}, {}).startswith("Delivery delays is the core pain point behind low satisfaction")
    fish = diagnosis.top_problem_fishbone(problems, config.diagnosis, diagnosis.label_maps(config, "en"), "en")
    assert fish.head.endswith(f"satisfaction {answers['satisfaction'].mean():.2f}")


def test_no_delivery_problem_without_a_significant_difference():
    answers, sales = _ranked_case()
    answers["satisfaction"] = 4.0
    drivers = diagnosis.key_drivers(answers, ["on_time"], "satisfaction", bootstrap=0)
    config = WorkspaceConfig.model_validate({"company": {"name": "Demo"}})
    problems = diagnosis.rank_problems(answers=answers, previous=None, drivers=drivers, sales=sales, complaints=None, period=Q1,
                                       settings=config.diagnosis, promise_hours=48)
    assert "delivery_delay" not in {p.type for p in problems}


# ----------------------------------------------------------------------------- step 4


def test_on_time_measures_are_proposed_only_with_delivery_days(ws):
    library = improve.measure_library()
    problem = [{"rank": 1, "type": "delivery_delay", "segment": {}, "impact": 10.0}]
    with_days = improve.propose(problem, library, goals.Tables(ws.tables["sales"], ws.tables["surveys"]), Q1)
    lead = with_days.set_index("measure_key").loc["lead_time_promise"]
    assert lead["kpi"] == "on_time_share" and lead["baseline"] == pytest.approx(0.4) and lead["target"] == pytest.approx(0.4 * 1.05)
    assert with_days["measure_key"].iloc[0] == "lead_time_promise"  # effort 2: the best priority
    complaints = pd.DataFrame({"ticket_id": ["T1"], "customer_id": ["C2"], "opened_at": pd.to_datetime(["2025-01-14"]), "category": ["delivery"]})
    plain = goals.Tables(ws.tables["sales"].drop(columns=["promised_date", "delivered_date"]), complaints=complaints)
    without = improve.propose(problem, library, plain, Q1)
    assert without["measure_key"].tolist() == ["delivery_promise"]  # on-time measures need delivery days
    # with no measurable KPI at all the problem keeps every measure (its KPI reads n/a) rather than none
    assert len(improve.propose(problem, library, goals.Tables(plain.sales), Q1)) == 3
    assert improve.kpi_value("on_time_share", goals.Tables(ws.tables["sales"]), Q1, {"region": ["North"]}) == pytest.approx(2 / 3)
    assert improve.format_kpi("on_time_share", 0.4, "en") == "40.0%" and improve.kpi_label("on_time_share", "zh") == "准时交付率（占应交付订单）"


def test_an_on_time_action_is_tracked(ws):
    register = pd.DataFrame([{"action_id": "A1", "problem": "delivery_delay", "measure": "m", "owner": "o", "start": pd.Timestamp("2025-01-01"),
                              "due": pd.Timestamp("2025-12-31"), "kpi": "on_time_share", "segment": "company", "baseline": 0.2, "target": 0.3,
                              "status": "in_progress", "period_opened": "2024Q4", "period_closed": None, "notes": None}])
    tracked = improve.track(register, goals.Tables(ws.tables["sales"]), Q1).iloc[0]
    # 0.2 -> 0.4: moved +0.2, at least half the planned +0.1
    assert tracked["current"] == pytest.approx(0.4) and tracked["verdict"] == "effective"
