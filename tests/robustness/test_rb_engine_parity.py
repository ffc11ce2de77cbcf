"""The run reads a workspace through ``salesnb.prepare``: small or unusual files
through the contract reader of ``salesnb.io`` (every case of this suite), large
CSV/Parquet sales files through the DuckDB engine (``source.reader: auto``
from ``engine_min_rows`` rows). A messy export must end the same way on both
paths: the same rows and repairs, or an error on the same line and column.

Each case forces the engine (``source: {reader: engine}``) on a tiny file and
compares the outcome with the contract reader's. Every case must agree: a
rule the engine cannot check sends the file back to the contract reader
(``contract_max_rows``), never through silently.
"""
from __future__ import annotations

import pytest
from rb_helpers import SALES_HEADER, TODAY, csv, load, workspace

from salesnb.errors import DataError

prepare = pytest.importorskip("salesnb.prepare").prepare

ENGINE = "company:\n  name: Demo\nsource:\n  reader: engine\n"


def _outcome(read):
    try:
        ws = read()
    except DataError as err:
        return "error", sorted({(p.line or 0, p.column or "") for p in err.problems})
    sales = ws.tables["sales"]
    return (
        "read",
        sales[["order_id", "customer_id", "region", "amount"]].astype(str).values.tolist(),
        sorted((n.rule, n.count) for n in ws.notes if n.table == "sales"),
        {name: len(rows) for name, rows in ws.quarantine.items() if len(rows)},
    )


CASES = [
    pytest.param(csv(SALES_HEADER, "O1,2025-01-05,C1,NA,A,100", "O2,2025-01-06,C2,None,B,200"), id="na-none-region-codes"),
    pytest.param(csv(SALES_HEADER, "O1,2025-01-05,C1,华东,A,100", "O2,2099-01-06,C2,华北,B,200"), id="future-date-quarantined"),
    pytest.param(csv(SALES_HEADER, "O1,2025-01-05,C1,华东,A,100", "O1,2025-01-05,C1,华东,A,100"), id="exact-duplicate"),
    pytest.param(csv(SALES_HEADER, "O1,2025-01-05,C1,华东,A,100", "数据来源：ERP"), id="footer-note"),
    pytest.param(csv(SALES_HEADER, "O1,2025-01-05,C1,华东,A,1,234.00"), id="unquoted-thousands-separator"),
    pytest.param(csv(SALES_HEADER, "O1,03/05/2025,C1,华东,A,100"), id="ambiguous-date"),
    pytest.param(csv(SALES_HEADER, "O1,45722,C1,华东,A,100"), id="excel-serial-in-csv"),
    pytest.param(csv(SALES_HEADER, "O1,2025-01-05,C1,华东,A,100", "O2,2025-01-06,C2,华北,B,1.5万"), id="mixed-units"),
    pytest.param(csv(SALES_HEADER + ",quantity", "O1,2025-01-05,C1,华东,A,-100,2"), id="quantity-amount-sign"),
    pytest.param(csv(SALES_HEADER, "O1,2025-01-05,C1,华东,A,100", "O2,2025-01-06,C2,华北,B,200", "合计,,,,,300"), id="total-row-reconciles"),
    pytest.param(csv(SALES_HEADER, "O1,2025-01-05,C1,华东,A,100", "O2,2025-01-06,C2,华北,B,200", "合计,,,,,350"), id="total-row-does-not-reconcile"),
    pytest.param(csv(SALES_HEADER, "O1,2025-01-05,Ｃ１,华东,A,100", "O2,2025-01-06,C2,华北,B,200"), id="full-width-id"),
    pytest.param(csv(SALES_HEADER, 'O1,2025-01-05,C1,华东,A,"¥1,234.00"', "O2,2025-01-06,C2,华北,B,(300.00)"), id="currency-and-accounting-negative"),
    pytest.param(csv(SALES_HEADER, "O1,2025-01-05,C1,华东,A,100", ",,,,,", "O2,2025-01-06,C2,华北,B,200"), id="blank-row"),
    pytest.param(csv(SALES_HEADER, "O1,2025年3月5日,C1,华东,A,100"), id="chinese-date"),
    pytest.param(csv(SALES_HEADER, "O1,2025-01-05,1.10101E+17,华东,A,100"), id="id-in-scientific-notation"),
    pytest.param(csv(SALES_HEADER, "O1,2025-01-05,#N/A,华东,A,100"), id="excel-error-value"),
    pytest.param(csv(SALES_HEADER, "O1,2025-01-05,C1,华东,A,100", "O2,2025-01-06,C9,华北,B,200"), id="unknown-customer-line"),
]


@pytest.mark.parametrize("sales", CASES)
def test_engine_reader_ends_like_the_contract_reader(tmp_path, sales):
    expected = _outcome(lambda: load(tmp_path / "contract", {"sales.csv": sales}))
    root = workspace(tmp_path / "engine", {"sales.csv": sales}, yaml=ENGINE)
    assert _outcome(lambda: prepare(root, cache_dir=tmp_path / "cache", today=TODAY).workspace()) == expected


def test_a_duplicated_customer_id_is_an_error_on_both_paths(tmp_path):
    """customers.customer_id is the table's key: a customer twice would double the revenue joined to it."""
    customers = "customer_id,region\nC1,华东\nC2,华北\nC1,华南\n"
    expected = _outcome(lambda: load(tmp_path / "contract", {"customers.csv": customers}))
    assert expected == ("error", [(2, "customer_id"), (4, "customer_id")])  # both lines of C1 (file lines 2 and 4)
    root = workspace(tmp_path / "engine", {"customers.csv": customers}, yaml=ENGINE)
    assert _outcome(lambda: prepare(root, cache_dir=tmp_path / "cache", today=TODAY).workspace()) == expected
