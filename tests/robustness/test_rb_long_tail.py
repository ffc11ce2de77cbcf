"""Issue 15 item 9, second half: a region or product-line column with thousands of values is grouped.

``checks.many_values`` keeps the ``keep`` largest values by sales amount (values named in
``workspace.yaml`` always) and maps the rest to one label in every table, the same way in
the pandas reader and in the DuckDB prepare path; step 2's ``budget.min_share`` is scaled
down (with a warning naming it) when the floors would take more than the whole budget.
"""
from __future__ import annotations

import shutil
import warnings
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from rb_helpers import SALES_HEADER, csv, load, note

from salesnb.config import Budget, ManyValues, load_config
from salesnb.longtail import Grouping, group_tables, long_tail, long_tail_sentences, pinned_values

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"
RUN_DAY = date(2026, 1, 15)


def long_tail_workspace(folder: Path, yaml_extra: str = "", seed: int = 7) -> Path:
    """The sample with 30 % of its order lines moved to thousands of small regions ("华东-0042")
    and 30 % to hundreds of small product lines ("工业传感器-017")."""
    shutil.copytree(SAMPLE, folder, ignore=shutil.ignore_patterns("actions.xlsx", "actions.history", ".salesnb.lock"))
    sales = pd.read_csv(folder / "sales.csv", encoding="utf-8-sig", dtype=str, keep_default_na=False)
    rng = np.random.default_rng(seed)
    for column, width, many in (("区域", 4, 1000), ("产品线", 3, 400)):
        split = rng.random(len(sales)) < 0.3
        sales.loc[split, column] = [f"{v}-{i:0{width}d}" for v, i in zip(sales.loc[split, column], rng.integers(0, many, split.sum()))]
    sales.to_csv(folder / "sales.csv", encoding="utf-8-sig", index=False)
    if yaml_extra:
        with open(folder / "workspace.yaml", "a", encoding="utf-8") as fh:
            fh.write("\n" + yaml_extra)
    return folder


def raw_sales(folder: Path) -> pd.DataFrame:
    """The sales file read without salesnb (amount as a number): the independent side of the checks."""
    raw = pd.read_csv(folder / "sales.csv", encoding="utf-8-sig", dtype=str, keep_default_na=False)
    return pd.DataFrame({"region": raw["区域"], "product_line": raw["产品线"], "amount": raw["销售额"].astype(float)})


# ---- the ranking ---------------------------------------------------------------------------------------------------


def test_the_largest_values_are_kept_ties_by_name_and_the_rest_grouped():
    totals = pd.Series({"B": 40.0, "A": 40.0, "C": 30.0, "E": 5.0, "D": 5.0, "F": -3.0})
    g = long_tail(totals, "region", ManyValues(keep=3), others=["Z"])
    assert g.kept == ("A", "B", "C")  # A and B tie at 40: by name
    assert g.grouped == ("D", "E", "F", "Z")  # D/E tie at 5 by name; F nets negative; Z has no sales at all
    assert (g.label, g.clash) == ("Other", None)
    assert g.amount == 7.0 and g.total == 117.0 and g.share == pytest.approx(7 / 117)


def test_one_value_more_than_keep_is_not_grouped_and_group_false_keeps_every_value():
    totals = pd.Series({f"R{i}": float(i) for i in range(6)})
    assert long_tail(totals, "region", ManyValues(keep=5)) is None  # grouping R0 alone would only rename it
    assert long_tail(totals, "region", ManyValues(keep=4)).grouped == ("R1", "R0")
    assert long_tail(totals, "region", ManyValues(keep=4, group=False)) is None


def test_the_label_never_collides_with_a_value_of_the_data_and_the_note_says_so():
    totals = pd.Series({"华东": 9.0, "华北": 8.0, "其他": 7.0, "a": 1.0, "b": 1.0})
    g = long_tail(totals, "region", ManyValues(keep=3))
    assert g.kept == ("华东", "华北", "其他") and g.grouped == ("a", "b")
    assert (g.label, g.clash) == ("其他（合并）", "其他")  # Chinese values: a Chinese label, not the data's own 其他
    text = long_tail_sentences([g], "en")[0]
    assert 'The data already has a value "其他", so the grouped ones are called "其他（合并）".' in text
    assert "数据中已有取值“其他”" in long_tail_sentences([g], "zh")[0]
    english = long_tail(pd.Series({"East": 9.0, "Other": 8.0, "x": 1.0, "y": 1.0}), "region", ManyValues(keep=2))
    assert (english.label, english.clash) == ("Other (grouped)", "Other")
    # the online-retail example's stock-code families end in "other": no "other" beside "Other" in a chart
    families = pd.Series({f"{i:02d}": float(100 - i) for i in range(10, 43)} | {"other": 75.0})
    online = long_tail(families, "product_line", ManyValues(keep=30))
    assert (online.label, online.clash) == ("Other (grouped)", "other") and "other" in online.kept
    own = long_tail(totals, "region", ManyValues(keep=3, label="长尾"))
    assert (own.label, own.clash) == ("长尾", None)


def test_values_named_in_workspace_yaml_are_always_kept():
    config = load_config(SAMPLE / "workspace.yaml")
    pins = pinned_values(config, "region")
    assert pins == {"华北", "华东", "华南", "华中", "西南", "西北"}  # potential drivers, goal scopes, overrides, limits …
    assert {"智能控制系统", "工业传感器"} <= pinned_values(config, "product_line")
    totals = pd.Series({"华东": 1.0, "big": 100.0, "bigger": 200.0, "tiny": 0.5, "tinier": 0.1})
    g = long_tail(totals, "region", ManyValues(keep=2), pinned=["华东"])
    assert g.kept == ("bigger", "华东") and g.grouped == ("big", "tiny", "tinier")


def test_grouping_rewrites_every_table_but_the_action_register():
    tables = {
        "sales": pd.DataFrame({"region": ["A", "B", "C", "D", None], "product_line": ["p"] * 5, "amount": [5.0, 4.0, 1.0, 2.0, 3.0]}),
        "customers": pd.DataFrame({"region": ["A", "E", None]}),
        "surveys": pd.DataFrame({"region": ["C", "B"]}),
        "actions": pd.DataFrame({"region": ["D"]}),
    }
    (g,) = group_tables(tables, ManyValues(keep=2))
    assert (g.column, g.kept, g.grouped, g.rows, g.amount, g.total) == ("region", ("A", "B"), ("D", "C", "E"), 2, 3.0, 12.0)
    assert tables["sales"]["region"].tolist()[:4] == ["A", "B", "Other", "Other"] and pd.isna(tables["sales"]["region"].iloc[4])
    assert tables["customers"]["region"].tolist()[:2] == ["A", "Other"] and tables["surveys"]["region"].tolist() == ["Other", "B"]
    assert tables["actions"]["region"].tolist() == ["D"]


def test_a_tiny_workspace_gets_a_repair_note_naming_column_label_and_share(tmp_path):
    rows = [f"O{i},2025-01-05,C1,R{i:02d},A,{100 - i}" for i in range(12)]
    ws = load(tmp_path / "ws", {"sales.csv": csv(SALES_HEADER, *rows)},
              yaml="company:\n  name: Demo\nchecks:\n  many_values: {keep: 10}\n")
    n = note(ws, "long_tail_grouped")
    moved = (100 - 10) + (100 - 11)
    total = sum(100 - i for i in range(12))
    assert (n.severity, n.count, n.table) == ("repair", 4, "sales")  # R10, R11 and the customers' 华东, 华北 (no sales)
    assert n.detail == (f"4 region values with the smallest sales were grouped as 'Other' ({moved / total:.1%} of revenue, 2 order lines); "
                        "the 10 largest are kept (checks.many_values.keep)")
    assert ws.tables["customers"]["region"].tolist() == ["Other", "Other"]
    assert n.examples == ("region = R10", "region = R11", "region = 华东")
    (g,) = ws.groups
    assert (g.rows, g.amount) == (2, float(moved))


# ---- a workspace with thousands of regions: pandas, DuckDB, the cache key ---------------------------------------------


@pytest.fixture(scope="module")
def tail_ws(tmp_path_factory) -> Path:
    return long_tail_workspace(tmp_path_factory.mktemp("tail") / "ws")


def test_thousands_of_regions_are_grouped_with_the_amount_conserved(tail_ws):
    from salesnb.io import load_workspace

    raw = raw_sales(tail_ws)
    assert raw["region"].nunique() > 3000 and raw["product_line"].nunique() > 1000
    ws = load_workspace(tail_ws, today=RUN_DAY)
    sales = ws.tables["sales"]
    assert sales["amount"].sum() == pytest.approx(raw["amount"].sum(), abs=0.01)  # nothing set aside in the sample
    by_column = {g.column: g for g in ws.groups}
    for column in ("region", "product_line"):
        g = by_column[column]
        assert g.label == "其他" and len(g.kept) == 40 and sales[column].nunique() == 41
        expected = raw.groupby(column)["amount"].sum()
        order = expected.reset_index().assign(neg=lambda f: -f["amount"].round(2)).sort_values(["neg", column])[column].tolist()
        pins = set(pinned_values(ws.config, column)) & set(order)
        assert set(g.kept) == pins | set([v for v in order if v not in pins][:40 - len(pins)])
        grouped = sales.groupby(column)["amount"].sum()
        for value in g.kept:  # kept values keep exactly their own amount
            assert grouped[value] == pytest.approx(expected[value], abs=0.01)
        other = expected.drop(list(g.kept)).sum()
        assert grouped["其他"] == pytest.approx(other, abs=0.01) and g.amount == pytest.approx(other, abs=0.01)
        assert grouped.sum() == pytest.approx(expected.sum(), abs=0.01)
        assert g.rows == int((~raw[column].isin(g.kept)).sum())
    assert set(pinned_values(ws.config, "region")) <= set(by_column["region"].kept)
    # the regions of the other tables are the kept ones or the label
    for name in ("customers", "surveys", "complaints"):
        assert set(ws.tables[name]["region"].dropna()) <= set(by_column["region"].kept) | {"其他"}
    rules = ws.quality_frame().set_index("rule")
    assert rules.loc["long_tail_grouped", "count"].tolist() == [len(by_column["region"].grouped), len(by_column["product_line"].grouped)]


def test_the_duckdb_engine_groups_the_same_values_as_the_pandas_reader(tail_ws, tmp_path):
    from salesnb.prepare import prepare

    engine_ws = tmp_path / "engine"
    shutil.copytree(tail_ws, engine_ws)
    with open(engine_ws / "workspace.yaml", "a", encoding="utf-8") as fh:
        fh.write("\nsource:\n  reader: engine\n")
    contract = prepare(tail_ws, cache_dir=tmp_path / "c1", today=RUN_DAY)
    engine = prepare(engine_ws, cache_dir=tmp_path / "c2", today=RUN_DAY)
    assert (contract.reader, engine.reader) == ("contract", "engine")
    ws = contract.workspace()
    sales = ws.tables["sales"]
    # independently: the grouped pandas frame, summed per quarter and region
    quarter = sales["order_date"].dt.year.astype(str) + "Q" + sales["order_date"].dt.quarter.astype(str)
    by_hand = sales.groupby([quarter.rename("period"), "region"])["amount"].sum()
    for prepared in (contract, engine):
        agg = prepared.aggregate("quarter_region").set_index(["period", "region"])["revenue"]
        assert sorted(agg.index) == sorted(by_hand.index)
        assert np.allclose(agg.loc[by_hand.index].to_numpy(), by_hand.to_numpy(), atol=0.01)
        lines = prepared.aggregate("quarter_region_product_line")
        assert lines["product_line"].nunique() == 41 and lines["region"].nunique() == 41
    engine_groups = engine.workspace().groups
    assert [(g.column, g.kept, g.grouped, g.rows) for g in engine_groups] == [(g.column, g.kept, g.grouped, g.rows) for g in ws.groups]


def test_a_remote_engine_groups_the_same_values_through_ibis(tail_ws):
    """PostgreSQL and Spark reduce the source tables themselves: the same grouping as an ibis expression
    (run here on an in-memory DuckDB backend)."""
    import ibis

    from salesnb.io import load_workspace
    from salesnb.prepare import group_long_tail_ibis

    ws = load_workspace(tail_ws, today=RUN_DAY)
    raw = raw_sales(tail_ws)
    customers = ws.tables["customers"][["customer_id"]].reset_index(drop=True)
    grouped = group_long_tail_ibis(ibis.memtable(raw), ibis.memtable(customers), ws.config).to_pandas()
    for column in ("region", "product_line"):
        assert grouped.groupby(column)["amount"].sum().round(2).to_dict() == \
            ws.tables["sales"].groupby(column)["amount"].sum().round(2).to_dict()


def test_the_prepare_cache_key_changes_with_the_grouping_settings(tail_ws, tmp_path):
    from salesnb.prepare import cache_key

    config = load_config(tail_ws / "workspace.yaml")
    base, _ = cache_key(tail_ws, config, RUN_DAY)
    fewer = config.model_copy(update={"checks": config.checks.model_copy(update={"many_values": ManyValues(keep=10)})})
    assert cache_key(tail_ws, fewer, RUN_DAY)[0] != base
    pinned = config.model_copy(update={"budget": config.budget.model_copy(update={"strategic_weights": {"region": {"华东-0001": 2.0}}})})
    assert cache_key(tail_ws, pinned, RUN_DAY)[0] != base  # a value named in a setting outside checks is kept: a new grouping


# ---- step 2: the budget floor ------------------------------------------------------------------------------------------


def test_a_budget_floor_over_the_whole_budget_is_scaled_down_with_a_warning_naming_the_setting():
    from salesnb.breakdown import BudgetFloorWarning, allocate_budget, budget_floor_note

    budget = Budget.model_validate({"categories": [{"key": "people", "en": "People", "zh": "人员", "amount": 100000}],
                                    "min_share": 0.01, "allocate_by": ["region"]})
    scores = pd.DataFrame({"region": [f"R{i:03d}" for i in range(200)], "score": np.linspace(1.0, 0.0, 200) ** 4})
    with pytest.warns(BudgetFloorWarning, match=r"budget\.min_share 1\.0% for each of 200 cells .* 0\.25% per cell is used instead"):
        out = allocate_budget(budget, scores)
    assert out["amount"].sum() == 100000 and out["share"].sum() == pytest.approx(1.0)
    assert out["share"].min() >= 0.0025 - 1e-12 and out.attrs["min_share"] == 0.0025 and "budget.min_share" in out.attrs["note"]
    assert budget_floor_note(out, "en") == out.attrs["note"]
    assert budget_floor_note(out, "zh").startswith("budget.min_share 为 1.0%，200 个单元合计将超过全部预算；现按每个单元 0.25% 执行")
    # above the floor the budget still follows the priority score: the two largest cells in the ratio of their scores
    assert out["share"].iloc[0] / out["share"].iloc[1] == pytest.approx(scores["score"].iloc[0] / scores["score"].iloc[1])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        small = allocate_budget(budget, scores.head(50))  # 50 × 1 % fits: unchanged, no warning
    assert small["share"].min() >= 0.01 - 1e-12 and small.attrs["min_share"] == 0.01 and budget_floor_note(small, "zh") is None


def test_the_sentence_is_said_once_per_column_in_both_languages():
    g = Grouping("product_line", "Other", ("A",), ("B", "C", "D"), rows=12, amount=30.0, total=120.0)
    assert long_tail_sentences([g], "en") == ['3 product lines with the smallest sales are grouped as "Other" (25.0% of revenue, '
                                              '12 order lines); the 1 largest are kept (checks.many_values.keep).']
    assert long_tail_sentences([g], "zh") == ["销售额最小的 3 个产品线已合并为“Other”（占收入 25.0%，12 行订单）；保留销售额最大的 1 个（checks.many_values.keep）。"]


# ---- end to end ----------------------------------------------------------------------------------------------------------


@pytest.mark.e2e
def test_a_workspace_with_thousands_of_regions_runs_end_to_end(tmp_path):
    """The sample with 4,453 regions and 1,469 product lines: the six regions the settings name
    (potential drivers, goals, budget limits) stay, the rest is 其他, which gets its own potential driver."""
    from salesnb.cli import main

    ws = long_tail_workspace(tmp_path / "tail", "checks:\n  many_values: {keep: 6}\n")
    config = (ws / "workspace.yaml").read_text(encoding="utf-8")
    with_other = config.replace("西南: 230, 西北: 110}", "西南: 230, 西北: 110, 其他: 60}")
    assert with_other != config
    (ws / "workspace.yaml").write_text(with_other, encoding="utf-8")
    out = tmp_path / "out"
    assert main(["run", str(ws), "--period", "2025Q4", "--out", str(out)]) == 0
    folder = out / "tail" / "2025Q4"
    targets = pd.read_csv(folder / "artifacts" / "targets.csv")
    assert set(targets["region"]) == {"华北", "华东", "华南", "华中", "西南", "西北", "其他"}
    assert targets["product_line"].nunique() <= 7 and "其他" in set(targets["product_line"])
    import json

    quality = json.loads((folder / "run.json").read_text(encoding="utf-8"))["data_quality"]
    grouped = [q for q in quality if q["rule"] == "long_tail_grouped"]
    assert [q["detail"].split(" ")[1] for q in grouped] == ["region", "product_line"]
