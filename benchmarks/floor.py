"""The floor: the prepare step's aggregates written by hand as one DuckDB SQL script.

No validation, no header mapping, no cache: read the files of a scaled
workspace (benchmarks/gen_scaled.py), join customers, compute the six
aggregates of salesnb.prepare.AGGREGATES with the same exact decimal sums, and
write them as Parquet, under the same DuckDB memory limit as prepare (it spills
past it). This is what a competent analyst would write in DuckDB;
salesnb's prepare should cost at most 1.5x this.

Usage: python benchmarks/floor.py WORKSPACE OUT_DIR
"""
from __future__ import annotations

import sys
from pathlib import Path

import duckdb

from salesnb.engines import default_memory_limit


def main(ws: Path, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    sales = ws / "sales.parquet"
    src = f"read_parquet('{sales}')" if sales.exists() else f"read_csv('{ws / 'sales.csv'}', header = true, types = {{'订单号': 'VARCHAR', '客户编号': 'VARCHAR'}})"
    con = duckdb.connect()
    con.execute("SET preserve_insertion_order = false").fetchall()
    con.execute(f"SET temp_directory = '{out / 'spill'}'").fetchall()  # not the working directory
    # the same memory limit as salesnb prepare (half the RAM, at most 6 GB): without it DuckDB takes
    # 80 % of the RAM at 100M lines (19.9 GB was seen before the run was stopped)
    con.execute(f"SET memory_limit = '{default_memory_limit()}'").fetchall()
    con.execute(f"""
        CREATE TEMP TABLE lines AS
        SELECT s."订单号" AS order_id, s."客户编号" AS customer_id, s."区域" AS region, s."产品线" AS product_line,
               c."客户细分" AS segment, CAST(s."销售额" AS DOUBLE) AS amount, CAST(s."销售额" AS DECIMAL(38, 4)) AS money,
               CAST(date_trunc('month', CAST(s."下单日期" AS DATE)) AS DATE) AS month,
               CAST(year(s."下单日期") AS VARCHAR) || 'Q' || CAST(quarter(s."下单日期") AS VARCHAR) AS period
        FROM {src} s LEFT JOIN read_parquet('{ws / 'customers.parquet'}') c ON s."客户编号" = c."客户编号"
    """).fetchall()
    counts = ("sum(money) AS revenue, count(DISTINCT order_id) FILTER (WHERE amount > 0) AS orders, "
              "count(DISTINCT customer_id) FILTER (WHERE amount > 0) AS customers")
    queries = {
        "sales_month": "SELECT month, region, product_line, segment, sum(money) AS revenue, "
                       "coalesce(sum(money) FILTER (WHERE amount < 0), 0) AS returns, count(*) AS lines, "
                       "count(DISTINCT order_id) FILTER (WHERE amount > 0) AS orders, "
                       "count(DISTINCT customer_id) FILTER (WHERE amount > 0) AS customers FROM lines GROUP BY ALL",
        "customer_month": "SELECT customer_id, month, sum(money) AS revenue, count(*) AS lines, "
                          "count(DISTINCT order_id) FILTER (WHERE amount > 0) AS orders FROM lines GROUP BY ALL",
        "quarter": f"SELECT period, {counts} FROM lines GROUP BY ALL",
        "quarter_region": f"SELECT period, region, {counts} FROM lines GROUP BY ALL",
        "quarter_product_line": f"SELECT period, product_line, {counts} FROM lines GROUP BY ALL",
        "quarter_region_product_line": f"SELECT period, region, product_line, {counts} FROM lines GROUP BY ALL",
    }
    for name, sql in queries.items():
        con.execute(f"COPY ({sql} ORDER BY ALL) TO '{out / (name + '.parquet')}' (FORMAT parquet)").fetchall()
    con.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
