"""The engine path's checks across tables, in DuckDB SQL: the rows the notebooks will see, ids padded back,
the long tail grouped, unknown customers counted on the joined lines.

They mirror what :func:`salesnb.io.load_workspace` does on pandas frames
(which still runs on the typed Parquet to assemble the workspace); reading
each table is :mod:`salesnb.prepare.engine_read`.
"""
from __future__ import annotations

from datetime import date
from typing import Any, Mapping

import pandas as pd

from ..config import WorkspaceConfig
from ..errors import DataError, Problem
from ..longtail import GROUPED_COLUMNS, long_tail, pinned_values
from ..schemas import CONTRACT
from .engine_read import TYPED_COLUMNS, EngineTable
from .sql import quote_name, run_sql, sql_literal


def engine_checks(raw: Any, engine: dict[str, EngineTable], config: WorkspaceConfig, today: date, small: Mapping[str, pd.DataFrame]) -> str:
    """A SQL view of the sales rows the notebooks will see (duplicates and out-of-range dates left out)."""
    sales = engine["sales"]
    event = CONTRACT["sales"].event_date  # the date range of every table, declared in the contract
    where = [f"{event} >= DATE {sql_literal(config.checks.earliest_date.isoformat())}", f"{event} <= DATE {sql_literal(today.isoformat())}"]
    if sales.duplicates:
        run_sql(raw, "CREATE OR REPLACE TEMP TABLE _dups AS SELECT unnest(?) AS pos", [[d[0] - sales.offset for d in sales.duplicates]])
        where.append("_salesnb_row NOT IN (SELECT pos FROM _dups)")
    if "customers" in engine:
        run_sql(raw, f"CREATE OR REPLACE TEMP VIEW _customers AS SELECT {TYPED_COLUMNS} FROM _t_customers")
    else:
        raw.register("_customers_frame", small["customers"].reset_index(drop=True))
        run_sql(raw, "CREATE OR REPLACE TEMP VIEW _customers AS SELECT * FROM _customers_frame")
    _pad_customer_ids(raw)
    run_sql(raw, f"CREATE OR REPLACE TEMP VIEW _sales AS SELECT {TYPED_COLUMNS} FROM _sales_ids WHERE {' AND '.join(where)}")
    return _group_long_tail_sql(raw, config)


def _group_long_tail_sql(raw: Any, config: WorkspaceConfig, view: str = "_sales") -> str:
    """:func:`salesnb.longtail.group_tables` in SQL: the same ranking (sales amount per value, from
    :func:`~salesnb.longtail.long_tail`) over the rows of ``view``; returns the view the aggregates read
    (``_sales_grouped`` with the grouped values replaced by the label, or ``view`` when nothing is grouped).

    The workspace assembled from the typed Parquet groups (and reports) the same values again in
    :func:`salesnb.io.load_workspace`.
    """
    columns = {r[0] for r in raw.execute(f"SELECT column_name FROM (DESCRIBE {view})").fetchall()}
    customer_columns = {r[0] for r in raw.execute("SELECT column_name FROM (DESCRIBE _customers)").fetchall()}
    replaced = []
    for column in GROUPED_COLUMNS:
        if column not in columns:
            continue
        totals = raw.execute(f"SELECT CAST({quote_name(column)} AS VARCHAR) AS v, CAST(sum(amount) AS DOUBLE) AS amount FROM {view} "
                             f"WHERE {quote_name(column)} IS NOT NULL GROUP BY 1").fetchdf()
        others = ([r[0] for r in raw.execute(f"SELECT DISTINCT CAST({quote_name(column)} AS VARCHAR) FROM _customers "
                                             f"WHERE {quote_name(column)} IS NOT NULL").fetchall()] if column in customer_columns else [])
        found = long_tail(totals.set_index("v")["amount"], column, config.checks.many_values, others, pinned_values(config, column))
        if found is None:
            continue
        keep = f"_keep_{column}"
        run_sql(raw, f"CREATE OR REPLACE TEMP TABLE {keep} AS SELECT unnest(?::VARCHAR[]) AS v", [list(found.kept)])
        replaced.append(f"CASE WHEN {quote_name(column)} IS NULL OR CAST({quote_name(column)} AS VARCHAR) IN (SELECT v FROM {keep}) "
                        f"THEN {quote_name(column)} ELSE {sql_literal(found.label)} END AS {quote_name(column)}")
    if not replaced:
        return view
    run_sql(raw, f"CREATE OR REPLACE TEMP VIEW _sales_grouped AS SELECT * REPLACE ({', '.join(replaced)}) FROM {view}")
    return "_sales_grouped"


def _pad_customer_ids(raw: Any) -> None:
    """:func:`salesnb.io.repair_zero_padding` in SQL: sales ids that lost their leading zeros get them back (for the aggregates).

    Creates the view ``_sales_ids``: the typed sales rows (``_t_sales``) with
    those ids repaired. The workspace assembled from the typed Parquet repairs
    (and reports) the same ids again in :func:`salesnb.io.load_workspace`.
    """
    run_sql(raw, r"""
        CREATE OR REPLACE TEMP TABLE _pad_cores AS
        WITH known AS (SELECT DISTINCT CAST(customer_id AS VARCHAR) AS id FROM _customers WHERE customer_id IS NOT NULL)
        SELECT ltrim(id, '0') AS core, any_value(id) AS id, count(*) AS n FROM known
        WHERE regexp_full_match(id, '0[0-9]+') AND ltrim(id, '0') <> '' GROUP BY 1
    """)
    if raw.execute("SELECT count(*) FROM _pad_cores").fetchall()[0][0]:  # else no id can be padded: the lines are not read
        run_sql(raw, r"""
            CREATE OR REPLACE TEMP TABLE _pad AS
            WITH known AS (SELECT DISTINCT CAST(customer_id AS VARCHAR) AS id FROM _customers WHERE customer_id IS NOT NULL),
                 unknown AS (SELECT DISTINCT customer_id AS raw FROM _t_sales WHERE customer_id NOT IN (SELECT id FROM known)),
                 ids AS (SELECT raw FROM unknown WHERE regexp_full_match(raw, '[0-9]+'))
            SELECT ids.raw, cores.id FROM ids JOIN _pad_cores AS cores ON ltrim(ids.raw, '0') = cores.core
            WHERE cores.n = 1 AND length(cores.id) > length(ids.raw)
        """)  # the ids not in customers first (a hash probe), the pattern on those only: 10M lines 0.35 s, not 0.8
    else:
        run_sql(raw, "CREATE OR REPLACE TEMP TABLE _pad AS SELECT CAST(NULL AS VARCHAR) AS raw, CAST(NULL AS VARCHAR) AS id LIMIT 0")
    run_sql(raw, "DROP TABLE _pad_cores")
    if raw.execute("SELECT count(*) FROM _pad").fetchall()[0][0]:  # each raw id has one repair (its core is unique)
        run_sql(raw, "CREATE OR REPLACE TEMP VIEW _sales_ids AS SELECT s.* REPLACE (coalesce(_pad.id, s.customer_id) AS customer_id) "
                     "FROM _t_sales s LEFT JOIN _pad ON s.customer_id = _pad.raw")
    else:
        run_sql(raw, "CREATE OR REPLACE TEMP VIEW _sales_ids AS SELECT * FROM _t_sales")


def check_lines(raw: Any, file: str, limits: Any, offset: int = 2) -> None:
    """On the joined lines (``_lines``): too many unknown customer ids raise (first line of each named); then free the typed tables."""
    total, unknown = raw.execute("SELECT count(customer_id), count(customer_id) FILTER (WHERE known IS NULL) FROM _lines").fetchall()[0]
    money = unknown_money = ids = unknown_ids = 0
    if unknown:  # the shares of the amount and of the ids (a distinct count over every line) only when some are unknown
        money, unknown_money, ids, unknown_ids = raw.execute(
            "SELECT sum(abs(amount)), sum(abs(amount)) FILTER (WHERE known IS NULL AND customer_id IS NOT NULL), "
            "count(DISTINCT customer_id), count(DISTINCT customer_id) FILTER (WHERE known IS NULL) FROM _lines").fetchall()[0]
    rule = None
    if total and unknown / total > limits.error_above:
        rule = (f"customer id not found in customers: {unknown} of {total} row(s) ({unknown / total:.1%}), "
                f"above checks.unknown_customers.error_above ({limits.error_above:.1%})")
    elif unknown and max(float(unknown_money or 0) / float(money) if money else 0.0, unknown_ids / ids) > limits.headline_above:
        rule = (f"customer id not found in customers: {unknown} of {total} row(s) ({unknown / total:.1%}) carry "
                f"{float(unknown_money or 0) / float(money) if money else 0.0:.1%} of the sales amount and are {unknown_ids} of the "
                f"{ids} customer ids ({unknown_ids / ids:.1%}), above checks.unknown_customers.headline_above ({limits.headline_above:.1%})")
    if rule is not None:
        examples = raw.execute(
            "SELECT min(_salesnb_row), customer_id FROM _sales_ids WHERE customer_id IN (SELECT customer_id FROM _lines WHERE known IS NULL) "
            "GROUP BY customer_id ORDER BY 1 LIMIT 20"
        ).fetchall()
        raise DataError([Problem(file, int(pos) + offset, "customer_id", v, rule) for pos, v in examples], f"unknown customers in {file}")
    for statement in ("DROP VIEW IF EXISTS _sales_grouped", "DROP TABLE IF EXISTS _keep_region", "DROP TABLE IF EXISTS _keep_product_line",
                      "DROP VIEW IF EXISTS _sales", "DROP VIEW IF EXISTS _customers", "DROP VIEW IF EXISTS _sales_ids",
                      "DROP TABLE IF EXISTS _pad", "DROP VIEW IF EXISTS _t_sales", "DROP VIEW IF EXISTS _t_customers",
                      "DROP TABLE IF EXISTS _dups"):
        run_sql(raw, statement)
