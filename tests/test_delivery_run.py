"""End to end on a workspace like the Olist import: order lines with promised and
delivered days, surveys with the 1–5 score only (no recommend question),
complaints without first-response times. The four notebooks run, the figures
equal a plain pandas computation of the raw files, the report says that
satisfaction stands in for NPS and that there is no response-time data, and the
diagnosis names late delivery as the core pain point."""
from __future__ import annotations

import html
import json

import numpy as np
import pandas as pd
import pytest

from salesnb.i18n import t
from salesnb.report import NOTEBOOKS, run_period

pytestmark = pytest.mark.e2e

START, END = pd.Timestamp("2025-10-01"), pd.Timestamp("2026-01-01")
YAML = """company:
  name: Delivery demo
survey:
  dimensions: []
themes:
  - {key: service, en: Service, zh: 服务}
goals:
  - {id: G1, metric: satisfaction_mean, target: {value: 4.2}, deadline: 2026Q4, theme: service, en: Satisfaction 4.2, zh: 满意度4.2}
"""


def _write(folder):
    """Two years of orders, one customer each; South delivers late three times as often as North; late orders score low."""
    rng = np.random.default_rng(11)
    rows, answers, tickets = [], [], []
    days = pd.date_range("2024-01-01", "2025-12-31", freq="D")
    for i in range(720):
        order_date = days[int(rng.integers(len(days)))]
        region = "North" if i % 2 else "South"
        promised = order_date + pd.Timedelta(days=7)
        r = rng.random()
        late_p = 0.1 if region == "North" else 0.3
        if r < 0.03:
            delivered = pd.NaT
        elif r < 0.03 + late_p:
            delivered = promised + pd.Timedelta(days=int(rng.integers(1, 7)))
        else:
            delivered = promised - pd.Timedelta(days=int(rng.integers(0, 4)))
        rows.append({"order_id": f"O{i}", "order_date": order_date, "customer_id": f"C{i}", "region": region,
                     "product_line": "A" if i % 3 else "B", "amount": float(rng.integers(50, 500)), "promised_date": promised,
                     "delivered_date": delivered})
        if rng.random() < 0.7:
            status_late = pd.isna(delivered) or delivered > promised
            score = rng.choice([1, 2, 3], p=[0.4, 0.4, 0.2]) if status_late else rng.choice([3, 4, 5], p=[0.2, 0.4, 0.4])
            answers.append({"response_id": f"R{i}", "survey_date": (delivered if pd.notna(delivered) else promised) + pd.Timedelta(days=1),
                            "respondent_type": "customer", "customer_id": f"C{i}", "satisfaction": int(score),
                            "comment": "entrega atrasada" if status_late else "chegou bem"})
            if status_late and rng.random() < 0.6:
                tickets.append({"ticket_id": f"T{i}", "customer_id": f"C{i}", "opened_at": answers[-1]["survey_date"], "category": "delivery",
                                "description": "pedido atrasado"})
            elif rng.random() < 0.05:
                tickets.append({"ticket_id": f"T{i}", "customer_id": f"C{i}", "opened_at": answers[-1]["survey_date"], "category": "quality",
                                "description": "produto com defeito"})
    sales = pd.DataFrame(rows)
    folder.mkdir(parents=True)
    (folder / "workspace.yaml").write_text(YAML, encoding="utf-8")
    day = lambda s: s.dt.strftime("%Y-%m-%d")  # noqa: E731
    sales.assign(order_date=day(sales["order_date"]), promised_date=day(sales["promised_date"]),
                 delivered_date=day(sales["delivered_date"])).to_csv(folder / "sales.csv", index=False)
    sales[["customer_id", "region"]].to_csv(folder / "customers.csv", index=False)
    surveys = pd.DataFrame(answers)
    surveys = surveys.loc[surveys["survey_date"] < "2026-01-01"]
    surveys.assign(survey_date=day(surveys["survey_date"])).to_csv(folder / "surveys.csv", index=False)
    complaints = pd.DataFrame(tickets)
    complaints = complaints.loc[complaints["opened_at"] < "2026-01-01"]
    complaints.assign(opened_at=day(complaints["opened_at"])).to_csv(folder / "complaints.csv", index=False)
    return sales, surveys


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    base = tmp_path_factory.mktemp("delivery_run")
    sales, surveys = _write(base / "ws")
    result = run_period(base / "ws", "2025Q4", "en", base / "out", progress=lambda m: None)
    return result.folder, sales, surveys


def _text(path) -> str:
    return html.unescape(path.read_text(encoding="utf-8"))


def test_the_notebooks_run_without_errors(run):
    folder, _, _ = run
    for name in NOTEBOOKS:
        nb = json.loads((folder / f"{name}.ipynb").read_text(encoding="utf-8"))
        errors = [o for c in nb["cells"] if c["cell_type"] == "code" for o in c["outputs"] if o["output_type"] == "error"]
        assert not errors, name


def test_summary_equals_a_plain_pandas_computation(run):
    folder, sales, surveys = run
    m = json.loads((folder / "artifacts" / "summary.json").read_text(encoding="utf-8"))["metrics"]
    q4 = sales.loc[(sales["order_date"] >= START) & (sales["order_date"] < END)]
    data_end = max(sales["order_date"].max(), sales["delivered_date"].max())
    delivered = q4["delivered_date"].notna()
    on_time = delivered & (q4["delivered_date"] <= q4["promised_date"])
    due = delivered | (q4["promised_date"] < data_end)
    assert m["on_time_share"] == pytest.approx(on_time.sum() / due.sum())
    assert m["mean_delay_days"] == pytest.approx((q4.loc[delivered, "delivered_date"] - q4.loc[delivered, "promised_date"]).dt.days.mean())
    assert m["not_delivered_share"] == pytest.approx((~delivered).mean())
    s4 = surveys.loc[(surveys["survey_date"] >= START) & (surveys["survey_date"] < END), "satisfaction"]
    assert m["satisfaction_mean"] == pytest.approx(s4.mean()) and m["satisfaction_top2"] == pytest.approx((s4 >= 4).mean())
    assert m["satisfaction_n"] == len(s4)
    assert not {"nps", "nps_n"} & set(m) and m["response_over_promise_share"] is None


def test_late_delivery_is_the_core_pain_point(run):
    folder, sales, surveys = run
    doc = json.loads((folder / "artifacts" / "diagnosis.json").read_text(encoding="utf-8"))
    top = doc["problems"][0]
    assert (top["type"], top["basis"], top["outcome"]) == ("delivery_delay", "delivery", "satisfaction")
    effect = next(e for e in top["evidence"] if e["kind"] == "delivery_effect")
    s4 = surveys.loc[(surveys["survey_date"] >= START) & (surveys["survey_date"] < END)].merge(sales, on="customer_id")
    late = s4["delivered_date"].notna() & (s4["delivered_date"] > s4["promised_date"])
    in_time = s4["delivered_date"].notna() & ~late
    assert effect["value"] == pytest.approx(s4.loc[late, "satisfaction"].mean())
    assert effect["reference"] == pytest.approx(s4.loc[in_time, "satisfaction"].mean())
    assert top["statement"]["en"].startswith("Delivery delays is the core pain point behind low satisfaction")
    proposals = pd.read_csv(folder / "artifacts" / "proposals.csv")
    best = proposals.loc[proposals["problem"] == "delivery_delay"].iloc[0]
    assert best["measure_key"] == "lead_time_promise" and best["kpi"] == "on_time_share"


def test_the_report_says_why_there_is_no_nps_and_no_response_time(run):
    folder = run[0]
    step1, step3 = _text(folder / "report" / "01_goals.html"), _text(folder / "report" / "03_diagnosis.html")
    index, step4 = _text(folder / "report" / "index.html"), _text(folder / "report" / "04_improvement.html")
    for page in (step1, step3, index):
        assert page.count(t("csat_no_nps", "en")) == 1
    assert t("no_response_times", "en") in step3 and t("no_response_times", "en") in step4
    assert "NPS (-100 to 100)" not in step1 and "nps_by_region.csv" not in {p.name for p in (folder / "artifacts").iterdir()}
    assert t("dl_sec_delivery", "en") in step1 and t("dl_sec_diagnosis", "en") in step3
    assert f'{t("satisfaction_top2", "en")}' in index and ">NPS<" not in index
