"""The prepare step: cache keyed by the inputs, aggregates, the DuckDB engine reader, the CLI.

Expected values are computed here with plain pandas from the rows of the
test files, not with salesnb's metrics.
"""
from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from conftest import SAMPLE
from salesnb.errors import DataError
from salesnb.io import load_workspace
from salesnb.prepare import AGGREGATES, load_workspace_cached, prepare

TODAY = date(2026, 1, 15)


def write(folder: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = folder / name
    path.write_text(text, encoding=encoding)
    return path


def make_ws(folder: Path, sales: str, customers: str, yaml_extra: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    write(folder, "workspace.yaml", "company:\n  name: Demo\n" + yaml_extra)
    write(folder, "sales.csv", sales)
    write(folder, "customers.csv", customers)
    return folder


SALES = (
    "order_id,order_date,customer_id,region,product_line,amount\n"
    "O1,2025-01-05,C1,华东,A,100.25\n"
    "O1,2025-01-05,C1,华东,B,50\n"
    "O2,2025-02-10,C2,华北,A,200\n"
    "O3,2025-04-01,C1,华东,A,-30.5\n"  # a return: revenue, but no order or customer
    "O4,2025-04-02,C2,华北,B,70\n"
    "O5,2024-04-03,C2,华北,B,10\n"
)
CUSTOMERS = "customer_id,region,segment\nC1,华东,大客户\nC2,华北,小微企业\n"


@pytest.fixture()
def cache(tmp_path) -> Path:
    return tmp_path / "cache"


@pytest.fixture(scope="module")
def sample_cache(tmp_path_factory) -> Path:
    """One cache for the tests on the sample: each table file is parsed once for all of them."""
    return tmp_path_factory.mktemp("sample-cache")


def test_second_prepare_is_a_cache_hit_and_a_changed_input_invalidates_it(tmp_path, cache):
    ws = make_ws(tmp_path / "w", SALES, CUSTOMERS)
    first = prepare(ws, cache_dir=cache, today=TODAY)
    assert not first.hit and first.reader == "contract" and first.engine == "duckdb"
    # the aggregates, and the order lines in their own file (read column by column by the notebooks)
    assert sorted(p.name for p in first.folder.glob("*.parquet")) == sorted([f"{n}.parquet" for n in AGGREGATES] + ["workspace.sales.parquet"])
    again = prepare(ws, cache_dir=cache, today=TODAY)
    assert again.hit and again.folder == first.folder and again.key == first.key

    # editing goals (not a data section of workspace.yaml) keeps the entry
    write(ws, "workspace.yaml", "company:\n  name: Demo\nplanning:\n  gap_close_share: 0.4\n")
    assert prepare(ws, cache_dir=cache, today=TODAY).hit

    # one changed amount: new key, new aggregates (2025Q1 revenue 350.25 -> 351.25)
    write(ws, "sales.csv", SALES.replace("O2,2025-02-10,C2,华北,A,200", "O2,2025-02-10,C2,华北,A,201"))
    changed = prepare(ws, cache_dir=cache, today=TODAY)
    assert not changed.hit and changed.key != first.key
    q = changed.aggregate("quarter").set_index("period")
    assert q.loc["2025Q1", "revenue"] == pytest.approx(100.25 + 50 + 201)
    assert first.aggregate("quarter").set_index("period").loc["2025Q1", "revenue"] == pytest.approx(350.25)

    # the unit is a data setting: amounts in 万元 give a new entry with amounts × 10,000
    write(ws, "workspace.yaml", "company:\n  name: Demo\n  unit: 万元\n")
    wan = prepare(ws, cache_dir=cache, today=TODAY)
    assert not wan.hit
    assert wan.aggregate("quarter").set_index("period").loc["2025Q1", "revenue"] == pytest.approx(351.25e4)

    # force prepares again into the same entry
    forced = prepare(ws, cache_dir=cache, today=TODAY, force=True)
    assert not forced.hit and forced.folder == wan.folder


def test_aggregates_match_a_hand_computation(tmp_path, cache):
    ws = make_ws(tmp_path / "w", SALES, CUSTOMERS)
    p = prepare(ws, cache_dir=cache, today=TODAY)
    q = p.aggregate("quarter").set_index("period")
    assert q.index.tolist() == ["2024Q2", "2025Q1", "2025Q2"]
    assert q.loc["2025Q1"].to_dict() == {"revenue": 350.25, "orders": 2, "customers": 2}
    assert q.loc["2025Q2"].to_dict() == {"revenue": 39.5, "orders": 1, "customers": 1}  # O3 is a return

    rl = p.aggregate("quarter_region_product_line").set_index(["period", "region", "product_line"])
    assert rl.loc[("2025Q1", "华东", "A")].to_dict() == {"revenue": 100.25, "orders": 1, "customers": 1}
    assert rl.loc[("2025Q2", "华东", "A")].to_dict() == {"revenue": -30.5, "orders": 0, "customers": 0}

    sm = p.aggregate("sales_month")
    assert list(sm.columns) == ["month", "region", "product_line", "segment", "revenue", "returns", "lines", "orders", "customers"]
    row = sm[(sm["month"] == "2025-04-01") & (sm["region"] == "华东")].iloc[0]
    assert (row["segment"], row["revenue"], row["returns"], row["lines"], row["orders"]) == ("大客户", -30.5, -30.5, 1, 0)
    assert sm["revenue"].sum() == pytest.approx(100.25 + 50 + 200 - 30.5 + 70 + 10)

    cm = p.aggregate("customer_month").set_index(["customer_id", "month"])
    assert cm.loc[("C1", pd.Timestamp("2025-01-01"))].to_dict() == {"revenue": 150.25, "lines": 2, "orders": 1}


def test_fiscal_quarters_follow_the_calendar(tmp_path, cache):
    ws = make_ws(tmp_path / "w", SALES, CUSTOMERS, "calendar:\n  fiscal_year_start_month: 4\n")
    q = prepare(ws, cache_dir=cache, today=TODAY).aggregate("quarter")
    # April 2024 opens FY2024; Jan/Feb 2025 are its Q4; April 2025 opens FY2025
    assert q["period"].tolist() == ["2024Q1", "2024Q4", "2025Q1"]


def test_sample_aggregates_equal_pandas_on_the_validated_rows(sample_cache):
    p = prepare(SAMPLE, cache_dir=sample_cache)
    sales = load_workspace(SAMPLE).table("sales")
    quarter = sales["order_date"].dt.to_period("Q").astype(str).str.replace("Q", "Q", regex=False)
    expected = sales.assign(period=quarter).groupby(["period", "region"])["amount"].sum()
    got = p.aggregate("quarter_region").set_index(["period", "region"])["revenue"]
    pd.testing.assert_series_equal(got.sort_index(), expected.rename("revenue").sort_index(), check_exact=False, rtol=1e-12)
    bought = sales[sales["amount"] > 0].assign(period=quarter)
    orders = bought.groupby("period")["order_id"].nunique()
    assert p.aggregate("quarter").set_index("period")["orders"].to_dict() == orders.to_dict()


def test_cached_workspace_is_the_one_load_workspace_returns(sample_cache):
    ws, prepared = load_workspace_cached(SAMPLE, cache_dir=sample_cache)
    ref = load_workspace(SAMPLE)
    assert set(ws.tables) == set(ref.tables)
    for name in ref.tables:
        pd.testing.assert_frame_equal(ws.tables[name], ref.tables[name])
    for name in ref.quarantine:
        pd.testing.assert_frame_equal(ws.quarantine[name], ref.quarantine[name])
    assert ws.notes == ref.notes and dict(ws.sources) == dict(ref.sources)
    pd.testing.assert_frame_equal(ws.contacts, ref.contacts)
    assert prepared.reader == "contract"


def test_invalid_workspace_raises_and_caches_nothing(tmp_path, cache):
    ws = make_ws(tmp_path / "w", SALES.replace("2025-02-10", "not a date"), CUSTOMERS)
    with pytest.raises(DataError):
        prepare(ws, cache_dir=cache, today=TODAY)
    assert not list(cache.rglob("manifest.json"))


def test_source_config_is_checked():
    from salesnb.config import WorkspaceConfig

    with pytest.raises(Exception, match="url or url_env"):
        WorkspaceConfig.model_validate({"company": {"name": "D"}, "source": {"engine": "postgres", "tables": {"sales": "s", "customers": "c"}}})
    with pytest.raises(Exception, match="tables.sales and tables.customers"):
        WorkspaceConfig.model_validate({"company": {"name": "D"}, "source": {"engine": "spark"}})


# --------------------------------------------------------------------------- the engine reader


ENGINE = "source:\n  reader: engine\n"
WIDE = (
    "订单号,下单日期,客户编号,区域,产品线,销售额,备注\n"
    "SO1,2025-01-05, 0007 ,华东,A,\"1,200.50\",x\n"
    "SO2,2025-02-05,0008,华北,B,300,\n"
    "SO2,2025-02-05,0008,华北,B,300,\n"  # exact duplicate of line 3
    "SO3,2025-03-01,0007,华东,B,-20,\n"
    "SO4,2030-01-01,0007,华东,B,5,\n"  # after the day of the run: set aside
)
WIDE_CUSTOMERS = "客户编号,区域,客户细分\n0007,华东,大客户\n0008,华北,小微企业\n"


def test_engine_reader_gives_the_contract_readers_workspace(tmp_path, cache):
    engine_ws = make_ws(tmp_path / "e", WIDE, WIDE_CUSTOMERS, ENGINE)
    contract_ws = make_ws(tmp_path / "c", WIDE, WIDE_CUSTOMERS)
    p = prepare(engine_ws, cache_dir=cache, today=TODAY)
    assert p.reader == "engine" and p.manifest["engine_tables"]["sales"]["duplicates"] == [[4, 3]]
    ws = p.workspace()
    assert (p.folder / "workspace.pkl").is_file()  # assembled once, loaded by the next notebooks
    again = p.workspace()
    ref = load_workspace(contract_ws, today=TODAY)
    for name in ("sales", "customers"):
        pd.testing.assert_frame_equal(ws.tables[name], ref.tables[name])
        pd.testing.assert_frame_equal(again.tables[name], ref.tables[name])
    assert again.notes == ws.notes
    assert ws.tables["sales"]["customer_id"].tolist() == ["0007", "0008", "0007"]  # trimmed, zeros kept
    assert ws.tables["sales"]["amount"].tolist() == [1200.5, 300.0, -20.0]
    assert ws.quarantine["sales"].index.tolist() == [4, 6]
    rules = lambda w: sorted((n.table, n.rule, n.count) for n in w.notes)  # noqa: E731
    assert rules(ws) == rules(ref)
    # the aggregates leave out the rows set aside
    agg = p.aggregate("quarter").set_index("period")
    assert agg.loc["2025Q1"].to_dict() == {"revenue": 1480.5, "orders": 2, "customers": 2}
    assert list(agg.index) == ["2025Q1"]
    contract = prepare(contract_ws, cache_dir=cache, today=TODAY)
    for name in AGGREGATES:
        pd.testing.assert_frame_equal(p.aggregate(name), contract.aggregate(name))


def test_engine_reader_names_file_line_column_and_value(tmp_path, cache):
    bad = WIDE.replace("SO3,2025-03-01", "SO3,2025-13-45").replace(",300,\n", ",3OO,\n", 1)
    # contract_max_rows 0: the engine's verdict stands (as for a file too large for the contract reader)
    ws = make_ws(tmp_path / "e", bad, WIDE_CUSTOMERS, ENGINE + "  contract_max_rows: 0\n")
    with pytest.raises(DataError) as err:
        prepare(ws, cache_dir=cache, today=TODAY)
    found = {(p.file, p.line, p.value) for p in err.value.problems}
    assert ("sales.csv", 5, "2025-13-45") in found
    assert ("sales.csv", 3, "3OO") in found
    assert all("下单日期 (order_date)" == p.column for p in err.value.problems if p.line == 5)


def test_engine_reader_falls_back_to_the_contract_reader_for_unusual_files(tmp_path, cache):
    # a title line above the header and a unit in a header: only the contract reader handles them
    messy = "华信 2025 销售明细\n" + WIDE.replace("销售额", "销售额(万元)")
    ws = make_ws(tmp_path / "m", messy, WIDE_CUSTOMERS, ENGINE)
    p = prepare(ws, cache_dir=cache, today=TODAY)
    assert p.reader == "contract" and "fallback" in p.manifest
    assert p.aggregate("quarter").set_index("period").loc["2025Q1", "revenue"] == pytest.approx(1480.5e4)


def test_engine_reader_reads_parquet(tmp_path, cache):
    folder = tmp_path / "pq"
    folder.mkdir()
    frame = pd.DataFrame({
        "order_id": ["A", "B", "C"], "order_date": pd.to_datetime(["2025-01-02", "2025-05-06", "2025-05-07"]),
        "customer_id": ["1", "2", "2"], "region": ["E", "N", "N"], "product_line": ["P", "P", "Q"], "amount": [1.5, 2.0, 4.0],
    })
    frame.to_parquet(folder / "sales.parquet", index=False)
    write(folder, "customers.csv", "customer_id,region\n1,E\n2,N\n")
    write(folder, "workspace.yaml", "company:\n  name: Demo\n" + ENGINE)
    p = prepare(folder, cache_dir=cache, today=TODAY)
    assert p.reader == "engine"
    ws = p.workspace()
    ref = load_workspace(folder, today=TODAY)
    pd.testing.assert_frame_equal(ws.tables["sales"], ref.tables["sales"])
    assert p.aggregate("quarter")[["period", "orders"]].values.tolist() == [["2025Q1", 1], ["2025Q2", 2]]
    assert p.aggregate("sales_month")["segment"].isna().all()  # customers without a segment column


@pytest.mark.parametrize("few_values", [1_000, 0], ids=["distinct values", "every row"])
def test_engine_reader_finds_odd_ids_on_distinct_values_and_row_by_row_alike(tmp_path, cache, monkeypatch, few_values):
    # a Parquet column with few values is checked on its distinct values (engine_read._odd_values), any other row by
    # row; both name the same file, line, column and value. _FEW_VALUES 0 forces the row-by-row check on every column.
    import salesnb.prepare.engine_read as engine_read

    monkeypatch.setattr(engine_read, "_FEW_VALUES", few_values)
    folder = tmp_path / "odd"
    folder.mkdir()
    pd.DataFrame({
        "order_id": ["A", "1.2E+05", "C", "D"], "order_date": pd.to_datetime(["2025-01-02"] * 4),
        "customer_id": ["1", "2", "2", "1"], "region": ["E", "\uff25", "E", "E"],  # a full-width Ｅ on data row 2
        "product_line": ["P", "P", "#N/A", "#N/A"], "amount": [1.5, 2.0, 4.0, 1.0],  # an Excel error on rows 3 and 4
    }).to_parquet(folder / "sales.parquet", index=False)
    write(folder, "customers.csv", "customer_id,region\n1,E\n2,E\n")
    write(folder, "workspace.yaml", "company:\n  name: Demo\n" + ENGINE + "  contract_max_rows: 0\n")
    with pytest.raises(DataError) as err:
        prepare(folder, cache_dir=cache, today=TODAY)
    # Parquet's first data row is line 1
    assert sorted((p.file, p.line, p.column, p.value) for p in err.value.problems) == [
        ("sales.parquet", 2, "order_id", "1.2E+05"), ("sales.parquet", 2, "region", "\uff25"),
        ("sales.parquet", 3, "product_line", "#N/A"), ("sales.parquet", 4, "product_line", "#N/A")]
    assert all("(2 row(s) in all)" in p.rule for p in err.value.problems if p.column == "product_line")


def test_cli_prepare_prints_the_entry(tmp_path, cache, capsys):
    from salesnb.cli import main

    ws = make_ws(tmp_path / "w", SALES, CUSTOMERS)
    assert main(["prepare", str(ws), "--cache", str(cache)]) == 0
    first = capsys.readouterr().out
    assert first.startswith("prepared in") and "quarter.parquet" in first
    assert main(["prepare", str(ws), "--cache", str(cache)]) == 0
    second = capsys.readouterr().out
    assert second.startswith("cache hit")
    folder = Path(second.strip().splitlines()[-1])
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["inputs"]["files"]["sales"]["file"] == "sales.csv"
    write(ws, "sales.csv", "order_id\n")
    assert main(["prepare", str(ws), "--cache", str(cache)]) == 2  # bad data: exit status 2, message on stderr


def test_action_register_change_reuses_the_aggregates(tmp_path, sample_cache):
    cache = sample_cache
    ws = tmp_path / "s"
    shutil.copytree(SAMPLE, ws, ignore=shutil.ignore_patterns("actions*"))
    first = prepare(ws, cache_dir=cache)
    write(ws, "actions.csv", "action_id,problem,measure,owner,start,due,kpi,baseline,target,status\n")  # a new, empty register
    second = prepare(ws, cache_dir=cache, progress=(messages := []).append)
    assert not second.hit and second.key != first.key
    assert "aggregates unchanged (sales and customers are the same)" in messages
    for name in AGGREGATES:
        pd.testing.assert_frame_equal(first.aggregate(name), second.aggregate(name))


@pytest.mark.parametrize("period", ["2025Q4", "2024Q2", "2024"])
def test_quarterly_history_from_aggregates_equals_the_row_level_history(sample_cache, period):
    from salesnb.artifacts import csv_bytes
    from salesnb.metrics import sales_history
    from salesnb.periods import Period
    from salesnb.prepare import quarterly_history

    ws, prepared = load_workspace_cached(SAMPLE, cache_dir=sample_cache)
    p = Period.parse(period)
    sales = ws.table("sales")
    sales = sales.loc[sales["order_date"] <= p.end]
    for by in (None, "region", "product_line", ["region", "product_line"]):
        expected = sales_history(sales, "quarter", by=by, start_month=p.start_month)
        got = quarterly_history(prepared, sales, p, by)
        pd.testing.assert_frame_equal(got, expected, check_exact=False, rtol=1e-13)
        assert csv_bytes(got) == csv_bytes(expected)  # history.csv is byte for byte the same
        assert quarterly_history(None, sales, p, by).equals(expected)


def test_engine_reader_rejects_too_many_unknown_customers(tmp_path, cache):
    ws = make_ws(tmp_path / "u", WIDE, "客户编号,区域\n0007,华东\n", ENGINE + "  contract_max_rows: 0\n")  # 0008: 1 of 3 rows kept
    with pytest.raises(DataError) as err:
        prepare(ws, cache_dir=cache, today=TODAY)
    assert [(p.file, p.line, p.value) for p in err.value.problems] == [("sales.csv", 3, "0008")]
    assert "1 of 3 row(s)" in err.value.problems[0].rule


def test_small_file_breaking_an_engine_rule_is_read_by_the_contract_reader(tmp_path, cache):
    # an accounting negative and a full-width id: the contract reader repairs both (documented repairs)
    messy = WIDE.replace(",-20,", ",(20),").replace(" 0007 ", "０００７")
    ws = make_ws(tmp_path / "s", messy, WIDE_CUSTOMERS, ENGINE)
    p = prepare(ws, cache_dir=cache, today=TODAY)
    ref = load_workspace(make_ws(tmp_path / "c", messy, WIDE_CUSTOMERS), today=TODAY)
    assert p.reader == "contract" and "engine's rules" in p.manifest["fallback"]
    pd.testing.assert_frame_equal(p.workspace().tables["sales"], ref.tables["sales"])


def test_a_large_workspace_is_prepared_in_a_child_process_and_the_run_reads_the_entry(tmp_path, cache, monkeypatch):
    from salesnb import report

    ws = tmp_path / "ws"
    shutil.copytree(SAMPLE, ws)
    monkeypatch.setenv("SALESNB_CACHE", str(cache))
    monkeypatch.setattr(report.run, "_PREPARE_APART_BYTES", 0)  # the sample counts as large
    report._prepare_apart(ws, lambda m: None)
    again = prepare(ws, cache_dir=cache)
    assert again.hit  # the child filled the cache: nothing is read again
    assert (again.folder / "workspace.pkl").is_file()  # the assembled workspace is in the entry
    pd.testing.assert_frame_equal(again.workspace().table("sales"), load_workspace(ws).table("sales"))


def test_a_failing_child_prepare_leaves_the_error_to_the_run(tmp_path, cache, monkeypatch):
    from salesnb import report

    ws = tmp_path / "ws"
    shutil.copytree(SAMPLE, ws)
    (ws / "sales.csv").write_text("not,a,sales,table\n1,2,3,4\n", encoding="utf-8")
    monkeypatch.setenv("SALESNB_CACHE", str(cache))
    monkeypatch.setattr(report.run, "_PREPARE_APART_BYTES", 0)
    report._prepare_apart(ws, lambda m: None)  # no exception here: the in-process prepare raises it with its detail
    with pytest.raises(DataError):
        prepare(ws, cache_dir=cache)


# ---- the order lines in their own Parquet file: read by column, the whole table only on demand ---------------

LONG_SALES = (
    "order_id,order_date,customer_id,region,product_line,product,quantity,channel,sales_rep,amount\n"
    "O1,2025-01-05,C1,华东,A,p1,2,online,Wang,100.25\n"
    "O1,2025-01-05,C1,华东,B,p2,1,online,Wang,50\n"
    "O2,2025-02-10,C2,华北,A,p1,4,direct,Li,200\n"
    "O3,2025-04-01,C1,华东,A,p1,-1,online,Wang,-30.5\n"
)


def test_a_stored_workspace_holds_the_order_lines_on_disk_until_asked_and_gives_them_exactly(tmp_path, cache):
    from salesnb.io.model import StoredTables

    folder = make_ws(tmp_path / "w", LONG_SALES, CUSTOMERS)
    p = prepare(folder, cache_dir=cache, today=TODAY)
    ws = p.workspace()
    ref = load_workspace(folder, today=TODAY)
    assert isinstance(ws.tables, StoredTables) and not ws.tables.loaded("sales")
    assert set(ws.tables) == set(ref.tables) and "sales" in ws.tables and ws.has("sales")
    # a few columns, read without the rest: the table's own index and values
    dates = ws.table_columns("sales", ["order_date", "no_such_column"])
    pd.testing.assert_frame_equal(dates, ref.tables["sales"][["order_date"]])
    assert not ws.tables.loaded("sales")
    # the id codes the cache adds are listed, but are not part of the whole table
    assert ws.column_names("sales")[-2:] == ["_customer_code", "_order_code"]
    codes = ws.table_columns("sales", ["_customer_code", "_order_code"])
    pd.testing.assert_frame_equal(ws.table("sales"), ref.tables["sales"])  # exact: dtypes, index, values
    assert ws.tables.loaded("sales")
    # once loaded whole (without the codes), the codes still come from the file
    pd.testing.assert_frame_equal(ws.table_columns("sales", ["_customer_code", "_order_code"]), codes)
    assert codes["_customer_code"].tolist() == [0, 0, 1, 0]
    with pytest.raises(KeyError, match="not in workspace"):
        ws.table_columns("surveys", ["nps"])


def test_a_notebooks_order_lines_leave_out_the_columns_no_step_reads_unless_named(tmp_path, cache):
    from salesnb.context import CODED_SALES_COLUMNS, UNREAD_SALES_COLUMNS, open_step
    from salesnb.metrics import with_categories, with_id_codes

    folder = make_ws(tmp_path / "w", LONG_SALES, CUSTOMERS)
    ctx = open_step(folder, "2025Q1", "en", tmp_path / "out")
    ref = load_workspace(folder).tables["sales"]
    assert not set(UNREAD_SALES_COLUMNS) & set(ctx.sales.columns)
    assert CODED_SALES_COLUMNS == ("order_id",) and "order_id" not in ctx.sales and "_order_code" in ctx.sales
    kept = [c for c in ref.columns if c not in UNREAD_SALES_COLUMNS]
    # the same lines and values as the whole table, with the same id codes as coding them afresh (the order id
    # itself left out: only its code is counted), regions and product lines as categories in the texts' order
    pd.testing.assert_frame_equal(ctx.sales, with_categories(with_id_codes(ref[kept]).drop(columns="order_id")))
    assert ctx.sales["_order_code"].tolist() == [0, 0, 1, 2]  # O1, O1, O2, O3 by hand
    assert ctx.sales["region"].cat.categories.tolist() == sorted(ref["region"].dropna().unique())
    assert ctx.sales["region"].astype(str).tolist() == ref["region"].astype(str).tolist()
    # read from the files (no cache) a notebook gets the same lines, columns and codes
    import os

    os.environ["SALESNB_NO_CACHE"] = "1"
    try:
        pd.testing.assert_frame_equal(open_step(folder, "2025Q1", "en", tmp_path / "out").sales, ctx.sales)
    finally:
        del os.environ["SALESNB_NO_CACHE"]
    # a goal on a channel and a register segment on a sales rep keep those two columns
    write(folder, "workspace.yaml", "company:\n  name: Demo\ngoals:\n  - {id: g1, metric: revenue, target: {growth: 0.1}, "
                                    "deadline: '2025', scope: {channel: online}}\n")
    write(folder, "actions.csv", "action_id,problem,measure,owner,start,due,kpi,baseline,target,status,segment\n"
                                 "A1,slow replies,call back,Li,2025-04-01,2025-06-30,revenue,100,120,planned,sales_rep=Wang\n")
    ctx = open_step(folder, "2025Q1", "en", tmp_path / "out")
    assert {"channel", "sales_rep"} <= set(ctx.sales.columns) and not {"product", "quantity"} & set(ctx.sales.columns)
    assert ctx.sales["channel"].tolist() == ["online", "online", "direct", "online"]


RECENT_SALES = (  # C1 bought in 2023 and 2024, C2 only in 2023 (lapsed by 2025Q4), C3 returned goods only; C4 never bought
    "order_id,order_date,customer_id,region,product_line,amount,promised_date,delivered_date\n"
    "O1,2023-02-01,C1,华东,A,100,,\n"
    "O2,2023-06-01,C2,华北,A,80,,\n"
    "O2,2023-06-01,C2,华北,B,20,,\n"
    "O3,2023-03-01,C2,华北,A,50,,\n"
    "O4,2023-07-01,C3,华北,A,-10,,\n"
    "O5,2024-03-01,C1,华东,B,40,,\n"
    "O6,2025-02-01,C1,华东,A,60,,\n"
    "O7,2026-01-05,C2,华北,A,70,,\n"
)


@pytest.mark.parametrize("no_cache", [False, True])
def test_step_3_reads_the_recent_order_lines_and_each_customers_last_earlier_purchase_day(tmp_path, cache, no_cache, monkeypatch):
    from salesnb.context import open_step
    from salesnb.metrics import customer_status

    if no_cache:
        monkeypatch.setenv("SALESNB_NO_CACHE", "1")
    folder = make_ws(tmp_path / "w", RECENT_SALES.replace(",,\n", "\n").replace(",promised_date,delivered_date", ""),
                     "customer_id,region\nC1,华东\nC2,华北\nC3,华北\nC4,华东\n")
    ctx = open_step(folder, "2025Q4", "en", tmp_path / "out")
    recent = ctx.recent_sales(12)  # 2025-01-01 .. 2025-12-31, and before it each customer's last purchase day
    assert ctx.ws.stored("sales") is not no_cache  # read from the file, without loading the whole table
    # by hand: O6 is in the window; C1's last earlier purchase is O5 (2024-03-01), C2's is O2 (2023-06-01, both
    # lines); C3 only returned goods; O7 is after the period
    assert sorted(recent["amount"].tolist()) == [20.0, 40.0, 60.0, 80.0]
    assert recent.index.tolist() == sorted(recent.index.tolist())  # the table's order (sums match to the bit)
    pd.testing.assert_frame_equal(recent, ctx.sales.loc[recent.index])  # the same columns, values and codes
    narrow = ctx.recent_sales(12, ["order_date", "amount"])  # some columns only, and always the id codes
    assert narrow.columns.tolist() == ["order_date", "amount", "_customer_code", "_order_code"]
    pd.testing.assert_frame_equal(narrow, recent[narrow.columns.tolist()])
    # a column the notebook's lines leave out (the order id's text) is left out here too, on both paths
    assert "order_id" not in ctx.recent_sales(12, ["order_id", "amount"])
    if not no_cache:  # the keys alone: the rows without other columns
        rows = ctx.ws.table_rows("sales", [], ["amount"], lambda k: k["amount"] > 50)
        assert rows.shape == (4, 0) and rows.index.tolist() == ctx.sales.index[ctx.sales["amount"] > 50].tolist()
    status = customer_status(recent, ctx.customers, ctx.period, 6).to_dict()
    assert status == customer_status(ctx.sales, ctx.customers, ctx.period, 6).to_dict()
    assert status == {"C1": "lost", "C2": "lapsed", "C3": "prospect", "C4": "prospect"}  # C1 last bought in the base half


def test_step_3_keeps_the_order_id_when_it_links_answers_to_deliveries(tmp_path, cache):
    from salesnb.context import open_step

    folder = make_ws(tmp_path / "w", RECENT_SALES.replace(",,\n", ",2025-02-05,2025-02-04\n", 1), CUSTOMERS + "C3,华北,小微企业\n")
    ctx = open_step(folder, "2025Q4", "en", tmp_path / "out")
    assert "order_id" in ctx.sales and ctx.has_delivery


def test_an_open_workspace_still_reads_its_order_lines_after_the_entry_is_replaced(tmp_path, cache):
    # a notebook open in JupyterLab while a forced prepare (or the pruning of old entries) removes its entry
    folder = make_ws(tmp_path / "w", LONG_SALES, CUSTOMERS)
    p = prepare(folder, cache_dir=cache, today=TODAY)
    ws = p.workspace()
    shutil.rmtree(p.folder)
    ref = load_workspace(folder, today=TODAY).tables["sales"]
    pd.testing.assert_frame_equal(ws.table_columns("sales", ["amount"]), ref[["amount"]])
    pd.testing.assert_frame_equal(ws.table("sales"), ref)


def test_an_entry_that_lost_its_order_lines_file_is_prepared_again(tmp_path, cache):
    folder = make_ws(tmp_path / "w", LONG_SALES, CUSTOMERS)
    p = prepare(folder, cache_dir=cache, today=TODAY)
    (p.folder / "workspace.sales.parquet").unlink()  # deleted by hand
    ws = p.workspace()
    assert (p.folder / "workspace.sales.parquet").is_file()
    pd.testing.assert_frame_equal(ws.table("sales"), load_workspace(folder, today=TODAY).tables["sales"])
    ws2, again = load_workspace_cached(folder, cache_dir=cache, today=TODAY)
    assert again.hit and ws2.table_columns("sales", ["amount"])["amount"].tolist() == [100.25, 50.0, 200.0, -30.5]


def test_a_sales_table_parquet_cannot_hold_stays_in_the_pickle(tmp_path):
    from types import MappingProxyType

    from salesnb.io import Workspace
    from salesnb.prepare.workspace import read_workspace, write_workspace

    folder = make_ws(tmp_path / "w", LONG_SALES, CUSTOMERS)
    ws = load_workspace(folder, today=TODAY)
    odd = ws.tables["sales"].assign(note=pd.Series([1, "two", 3.5, None], index=ws.tables["sales"].index, dtype=object))
    ws = Workspace(ws.root, ws.name, ws.config, MappingProxyType({**ws.tables, "sales": odd}), ws.sources, ws.notes,
                   ws.quarantine, ws.contacts, ws.groups)
    entry = tmp_path / "entry"
    entry.mkdir()
    (entry / "manifest.json").write_text(json.dumps({"root": str(folder), "reader": "contract"}), encoding="utf-8")
    write_workspace(entry, ws)
    assert not (entry / "workspace.sales.parquet").exists() and not list(entry.glob(".*.tmp"))
    back = read_workspace(entry)
    assert back.tables.loaded("sales")  # kept in memory with the rest
    pd.testing.assert_frame_equal(back.table("sales"), odd)
