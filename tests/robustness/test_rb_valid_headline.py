"""Headline numbers never shift on a warning (issue 15, item 4).

Excel drops the leading zeros of ids it takes for numbers (``21`` for
``000021``). Such ids are padded back to the one customer id they match
(repair ``ids_zero_padded``); any unknown ids left that carry more than
``checks.unknown_customers.headline_above`` (0.5 %) of the sales amount or of
the customers are an error. A near-duplicate order line (same order, date,
customer and product, another amount) is reported, both lines kept.

The sample case is measured on a copy of ``data/sample`` where every 100th
order line lost its zeros: after the repair, new customers, their revenue
share, revenue and active customers equal the clean sample's exactly.
"""
from __future__ import annotations

import csv as csvmodule
import dataclasses
import io
import math
import shutil
from pathlib import Path

import pytest
from rb_helpers import SALES_HEADER, TODAY, csv, load, note, problems, rules, workspace

from salesnb.errors import DataError

from salesnb import metrics
from salesnb.io import load_workspace
from salesnb.periods import latest_complete_quarter

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"


def _sample_copy(folder: Path, change) -> tuple[Path, int]:
    """``data/sample`` copied to ``folder`` with ``change(id)`` applied to the customer id of every 100th sales line."""
    shutil.copytree(SAMPLE, folder)
    path = folder / "sales.csv"
    rows = list(csvmodule.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    at = rows[0].index("客户编号")
    changed = 0
    for i in range(100, len(rows), 100):
        rows[i][at] = change(rows[i][at])
        changed += 1
    out = io.StringIO()
    csvmodule.writer(out, lineterminator="\n").writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8-sig")
    return folder, changed


def _headline(ws) -> dict:
    """New customers, their revenue share, revenue, orders, active customers and repeat purchase of the latest quarter and a year before."""
    sales = ws.tables["sales"]
    period = latest_complete_quarter(sales["order_date"].max())
    out = {}
    for p in (period, period.year_ago()):
        figures = {**metrics.new_customers(sales, p), **metrics.headline(sales, None, None, p),
                   **{f"retention_{k}": v for k, v in dataclasses.asdict(metrics.retention(sales, p)).items()}}
        out[str(p)] = {k: None if isinstance(v, float) and math.isnan(v) else v for k, v in figures.items()}  # NaN != NaN
    return out


@pytest.fixture(scope="module")
def clean():
    return load_workspace(SAMPLE, today=TODAY)


def test_ids_that_lost_their_leading_zeros_are_padded_back_and_the_headline_is_exact(tmp_path, clean):
    root, changed = _sample_copy(tmp_path / "ws", lambda v: v.lstrip("0"))
    ws = load_workspace(root, today=TODAY)
    found = note(ws, "ids_zero_padded", "sales")
    stripped = [i for i in range(100, clean.sources["sales"].rows + 1, 100)]
    # every 100th line of the file: line 101, 201, … (the header is line 1); the sample's ids all start with 0
    assert found.count == changed == len(stripped) == 283
    assert found.severity == "repair"
    assert found.examples[0] == f"line 101: {clean.tables['sales'].loc[101, 'customer_id'].lstrip('0')} → {clean.tables['sales'].loc[101, 'customer_id']}"
    assert "unknown_customer_ids" not in rules(ws)
    assert ws.tables["sales"]["customer_id"].equals(clean.tables["sales"]["customer_id"])
    assert _headline(ws) == _headline(clean)
    assert _headline(clean)["2025Q4"]["new_customers"] == 42  # the figure (it went to 251 before the repair)


def test_the_same_share_of_ids_that_cannot_be_repaired_is_an_error(tmp_path, clean):
    root, changed = _sample_copy(tmp_path / "ws", lambda v: "K" + v.lstrip("0"))
    with pytest.raises(DataError) as info:
        load_workspace(root, today=TODAY)
    found = info.value.problems
    assert found[0].file == "sales.csv" and found[0].line == 101 and found[0].column == "customer_id"
    assert found[0].value == "K" + clean.tables["sales"].loc[101, "customer_id"].lstrip("0")
    rule = found[0].rule
    assert rule.startswith(f"customer id not found in customers.xlsx: {changed} of 28391 row(s) (1.0%) refer to ")
    assert "above checks.unknown_customers.headline_above (0.5%)" in rule
    assert len(found) == 21 and found[-1].rule.startswith("… and ")


HEADER = SALES_HEADER + ",product"
CUSTOMERS = csv("customer_id,region", "000021", "000315", "C1").replace("000021", "000021,华东").replace("000315\n", "000315,华北\n").replace("C1\n", "C1,华东\n")


def test_padding_names_the_ids_in_every_customer_table(tmp_path):
    sales = csv(HEADER, "O1,2025-01-05,21,华东,A,100,P1", "O2,2025-01-06,000315,华北,B,200,P2", "O3,2025-01-07,0021,华东,A,50,P1")
    complaints = csv("ticket_id,customer_id,opened_at,category", "T1,315,2025-03-05 10:00,质量")
    ws = load(tmp_path, {"sales.csv": sales, "customers.csv": CUSTOMERS, "complaints.csv": complaints})
    assert ws.tables["sales"]["customer_id"].tolist() == ["000021", "000315", "000021"]
    found = note(ws, "ids_zero_padded", "sales")
    assert (found.count, found.examples) == (2, ("line 2: 21 → 000021", "line 4: 0021 → 000021"))
    assert found.detail == (
        "2 row(s) name a customer_id that lost its leading zeros (as Excel does with numbers: 21 for 000021); "
        "2 id value(s) were padded back to the id in customers.csv"
    )
    assert note(ws, "ids_zero_padded", "complaints").examples == ("line 2: 315 → 000315",)
    assert ws.tables["complaints"]["customer_id"].tolist() == ["000315"]


def test_an_id_two_known_ids_could_be_is_not_padded(tmp_path):
    customers = csv("customer_id,region", "021,华东", "0021,华北", "C1,华东")
    sales = csv(HEADER, *[f"O{i},2025-01-05,C1,华东,A,1000,P1" for i in range(300)], "X,2025-01-06,21,华东,A,1,P2")
    ws = load(tmp_path, {"sales.csv": sales, "customers.csv": customers},
              yaml="company:\n  name: Demo\nchecks:\n  unknown_customers: {headline_above: 0.5}\n")
    assert "ids_zero_padded" not in rules(ws)
    assert note(ws, "unknown_customer_ids").examples == ("21 (line 302)",)


def test_unknown_ids_below_the_headline_tolerance_stay_a_warning(tmp_path):
    # 200 customers; C999 buys 1 of 201 lines: 1/201 = 0.50 % of the rows (below error_above 5 %),
    # 10 of 20,010 = 0.05 % of the amount, 1 of 201 ids = 0.4975 % of the customers: at or below 0.5 %
    customers = csv("customer_id,region", *[f"C{i},华东" for i in range(200)])
    lines = [f"O{i},2025-01-05,C{i},华东,A,100,P1" for i in range(200)] + ["X,2025-01-06,C999,华东,A,10,P1"]
    ws = load(tmp_path, {"sales.csv": csv(HEADER, *lines), "customers.csv": customers})
    found = note(ws, "unknown_customer_ids")
    assert (found.severity, found.count) == ("warning", 1)


def test_unknown_ids_above_the_headline_tolerance_are_an_error(tmp_path):
    # C998 and C999: 2 of 202 ids = 0.99 % of the customers (> 0.5 %), 20 of 20,020 = 0.1 % of the amount, 0.99 % of the rows (< 5 %)
    customers = csv("customer_id,region", *[f"C{i},华东" for i in range(200)])
    lines = [f"O{i},2025-01-05,C{i},华东,A,100,P1" for i in range(200)] + ["X,2025-01-06,C998,华东,A,10,P1", "Y,2025-01-06,C999,华东,A,10,P1"]
    found = problems(tmp_path, {"sales.csv": csv(HEADER, *lines), "customers.csv": customers})
    assert [(p.file, p.line, p.column, p.value) for p in found] == [("sales.csv", 202, "customer_id", "C998"), ("sales.csv", 203, "customer_id", "C999")]
    assert found[0].rule == (
        "customer id not found in customers.csv: 2 of 202 row(s) (1.0%) refer to 2 customer_id value(s) not found in customers.csv; "
        "they carry 0.1% of the sales amount and are 2 of the 202 customer ids in sales.csv (1.0%), above "
        "checks.unknown_customers.headline_above (0.5%): each would count as a customer of its own and change new customers, "
        "active customers and repeat purchase. Add them to customers.csv or correct the ids"
    )


def test_near_duplicate_order_line_is_reported_and_both_lines_kept(tmp_path):
    sales = csv(HEADER, "O1,2025-01-05,C1,华东,A,100,P1", "O1,2025-01-05,C1,华东,A,120,P1", "O1,2025-01-05,C1,华东,A,30,P2",
                "O2,2025-01-06,C2,华北,B,200,P1")
    ws = load(tmp_path, {"sales.csv": sales})
    assert ws.tables["sales"]["amount"].sum() == 450.0  # both kept
    found = note(ws, "near_duplicate_lines")
    assert (found.severity, found.count, found.examples) == ("warning", 1, ("line 3 ~ line 2: order O1, product P1, amount 120.00 vs 100.00",))
    assert found.detail.startswith("1 order line(s) repeat the order, date, customer and product of an earlier line with a different amount")


ENGINE = "company:\n  name: Demo\nsource:\n  reader: engine\n  contract_max_rows: 0\n"


def test_the_engine_reader_pads_the_ids_in_its_aggregates_too(tmp_path):
    from salesnb.prepare import prepare

    sales = csv(HEADER, "O1,2025-01-05,21,华东,A,100,P1", "O2,2025-01-06,000021,华东,A,200,P2", "O3,2025-01-07,315,华北,B,50,P1")
    root = workspace(tmp_path / "ws", {"sales.csv": sales, "customers.csv": CUSTOMERS}, yaml=ENGINE)
    prepared = prepare(root, cache_dir=tmp_path / "cache", today=TODAY)
    assert prepared.reader == "engine"
    per_customer = prepared.aggregate("customer_month").groupby("customer_id")["revenue"].sum().to_dict()
    assert per_customer == {"000021": 300.0, "000315": 50.0}
    assert prepared.aggregate("quarter")["customers"].tolist() == [2]
    ws = prepared.workspace()
    assert ws.tables["sales"]["customer_id"].tolist() == ["000021", "000021", "000315"]
    assert note(ws, "ids_zero_padded").count == 2


def test_the_engine_reader_refuses_unknown_ids_above_the_headline_tolerance(tmp_path):
    from salesnb.prepare import prepare

    customers = csv("customer_id,region", *[f"C{i},华东" for i in range(200)])
    lines = [f"O{i},2025-01-05,C{i},华东,A,100,P1" for i in range(200)] + ["X,2025-01-06,C998,华东,A,10,P1", "Y,2025-01-06,C999,华东,A,10,P1"]
    root = workspace(tmp_path / "ws", {"sales.csv": csv(HEADER, *lines), "customers.csv": customers}, yaml=ENGINE)
    with pytest.raises(DataError) as info:
        prepare(root, cache_dir=tmp_path / "cache", today=TODAY)
    assert [(p.file, p.line, p.value) for p in info.value.problems] == [("sales.csv", 202, "C998"), ("sales.csv", 203, "C999")]
    assert "above checks.unknown_customers.headline_above (0.5%)" in info.value.problems[0].rule
