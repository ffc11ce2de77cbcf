"""The contract's rules are declared once (salesnb.schemas) and both readers are generated from them.

Every declared rule kind has a pandas check (the contract reader, salesnb.io) and an SQL predicate (the engine
reader, salesnb.prepare); a rule added to the declaration reaches both readers without further code.
"""
from __future__ import annotations

from dataclasses import replace

import duckdb
import pytest

from salesnb.errors import DataError
from salesnb.io import read_table
from salesnb.io.frame import PARSERS
from salesnb.io.rules import ROW_CHECKS
from salesnb.prepare.engine_read import _row_checks, _typed_columns
from salesnb.prepare.rule_sql import CAST_SQL, COLUMN_SQL, ROW_SQL
from salesnb.schemas import (CONTRACT, PANDERA_CHECKS, PANDERA_FLAGS, REFERENCES, RULE_KINDS, TABLE_NAMES, Column, Rule, column_rules,
                             table_contract, table_rules)

PANDAS_KINDS = set(PANDERA_CHECKS) | set(PANDERA_FLAGS) | set(ROW_CHECKS) | {"parse"}  # parse: io.frame.PARSERS, one per column kind
SQL_KINDS = set(COLUMN_SQL) | set(ROW_SQL)


def _declared() -> list[tuple[str, Rule]]:
    tables = [table_contract(name) for name in TABLE_NAMES] + [table_contract("surveys", {"quality": ("产品质量",)})]
    return [(t.name, rule) for t in tables for rule in table_rules(t)]


def test_every_rule_kind_has_a_pandas_check_and_an_sql_predicate():
    assert set(RULE_KINDS) == PANDAS_KINDS == SQL_KINDS
    assert set(ROW_CHECKS) == set(ROW_SQL)


@pytest.mark.parametrize(("table", "rule"), _declared(), ids=lambda v: v if isinstance(v, str) else f"{v.kind}-{v.column}")
def test_every_declared_rule_is_checked_by_both_readers(table, rule):
    assert rule.kind in RULE_KINDS
    assert rule.kind in PANDAS_KINDS and rule.kind in SQL_KINDS
    contract = table_contract(table, {"quality": ("产品质量",)} if table == "surveys" else None)
    assert rule.column in contract.names
    if rule.other is not None:
        assert rule.other in contract.names and rule.what
        kinds = {contract.column(rule.column).kind, contract.column(rule.other).kind}
        assert kinds <= ({"date", "datetime"} if rule.kind == "not_before" else {"number"})
    if rule.kind == "parse":  # score columns are read by the contract reader only (blank answers such as 无)
        kind = contract.column(rule.column).kind
        assert kind in PARSERS and (kind in CAST_SQL or kind == "score")


def test_column_rules_follow_the_columns():
    for table in CONTRACT.values():
        for column in table.columns:
            kinds = [r.kind for r in column_rules(column)]
            assert ("required" in kinds) == (column.required and not column.nullable)
            assert ("unique" in kinds) == column.unique
            assert ("range" in kinds) == (column.low is not None)


def test_references_name_declared_columns():
    for ref in REFERENCES:
        assert ref.column in CONTRACT[ref.table].names
        assert ref.target_column in CONTRACT[ref.target].names
        assert CONTRACT[ref.target].column(ref.target_column).unique


def _engine_flags(contract, rows: list[tuple]) -> dict[str, list[int]]:
    """Run the engine reader's generated checks on a small all-VARCHAR table; rule → flagged rows (0-based)."""
    headers = contract.names
    con = duckdb.connect()
    con.execute(f"CREATE TABLE raw ({', '.join(f'{h} VARCHAR' for h in headers)})")
    con.executemany(f"INSERT INTO raw VALUES ({', '.join('?' for _ in headers)})", rows)
    select, checks, _, exprs = _typed_columns(headers, dict.fromkeys(headers, "VARCHAR"), dict(enumerate(headers)), contract, "t.csv", 1.0, None)
    checks += _row_checks(contract, exprs)
    flags: dict[str, list[int]] = {}
    for _, predicate, text in checks:
        found = con.execute(f"SELECT rowid FROM raw WHERE {predicate} ORDER BY 1").fetchall()
        if found:
            flags[text] = [int(r[0]) for r in found]
    return flags


def _small_sales_contract(*row_rules: Rule, quantity: Column | None = None):
    sales = CONTRACT["sales"]
    columns = [c for c in sales.columns if c.name in ("order_id", "order_date", "customer_id", "region", "product_line", "amount",
                                                     "promised_date", "delivered_date")]
    if quantity is not None:
        columns.append(quantity)
    return replace(sales, columns=tuple(columns), row_rules=sales.row_rules + row_rules)


def _read_problems(tmp_path, contract, text: str):
    path = tmp_path / "sales.csv"
    path.write_text(text, encoding="utf-8")
    try:
        read_table(path, contract)
    except DataError as err:
        return [(p.line, p.rule) for p in err.problems]
    return []


HEADER = "order_id,order_date,customer_id,region,product_line,amount,promised_date,delivered_date"


def test_a_new_row_rule_reaches_both_readers(tmp_path):
    late = Rule("not_before", "delivered_date", "promised_date", "delivery", "the promised day")
    contract = _small_sales_contract(late)
    rows = [("O1", "2025-01-05", "C1", "华东", "A", "100", "2025-01-10", "2025-01-08"),
            ("O2", "2025-01-05", "C2", "华东", "A", "100", "2025-01-10", "2025-01-12")]
    assert _engine_flags(contract, rows) == {"the delivery is before the promised day": [0]}
    problems = _read_problems(tmp_path, contract, "\n".join([HEADER] + [",".join(r) for r in rows]) + "\n")
    assert problems == [(2, "the delivery is before the promised day (2025-01-10)")]
    assert _engine_flags(_small_sales_contract(), rows) == {}  # without the declaration neither reader knows the rule
    assert _read_problems(tmp_path, _small_sales_contract(), "\n".join([HEADER] + [",".join(r) for r in rows]) + "\n") == []


def test_a_new_range_reaches_both_readers(tmp_path):
    quantity = Column("quantity", "number", nullable=True, low=0, high=1000)
    contract = _small_sales_contract(quantity=quantity)
    rows = [("O1", "2025-01-05", "C1", "华东", "A", "100", "", "", "5"),
            ("O2", "2025-01-05", "C2", "华东", "A", "100", "", "", "5000")]
    assert _engine_flags(contract, [tuple(v or None for v in r) for r in rows]) == {"must be within 0..1000": [1]}
    problems = _read_problems(tmp_path, contract, "\n".join([HEADER + ",quantity"] + [",".join(r) for r in rows]) + "\n")
    assert problems == [(3, "must be within 0..1000")]
