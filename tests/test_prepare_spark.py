"""The same reduction on Spark (local mode) and on DuckDB agrees exactly.

Needs pyspark and Java 17, so it is not part of ``make test``: run
``make test-spark`` (installs ``salesnb[spark]`` and runs ``pytest -m spark``).
"""
from __future__ import annotations

import shutil
from datetime import datetime
from decimal import Decimal

import pandas as pd
import pytest

from conftest import SAMPLE

pytestmark = pytest.mark.spark
pyspark = pytest.importorskip("pyspark", reason="pyspark is not installed: make test-spark")


@pytest.fixture(scope="module")
def sample():
    from salesnb.io import load_workspace

    return load_workspace(SAMPLE)


@pytest.fixture(scope="module")
def parquet_tables(sample, tmp_path_factory):
    """The validated sample's sales and customers as Parquet files Spark reads."""
    folder = tmp_path_factory.mktemp("spark")
    sales = sample.tables["sales"][["order_id", "order_date", "customer_id", "region", "product_line", "amount"]].reset_index(drop=True)
    sales = sales.assign(order_date=sales["order_date"].dt.date)
    sales.to_parquet(folder / "sales.parquet", index=False)
    sample.tables["customers"][["customer_id", "region", "segment"]].reset_index(drop=True).to_parquet(folder / "customers.parquet", index=False)
    return folder


@pytest.fixture(scope="module")
def spark_con():
    import ibis

    from salesnb.config import SourceSettings
    from salesnb.engines import spark_session

    session = spark_session(SourceSettings(engine="spark", tables={"sales": "s", "customers": "c"}))
    yield ibis.pyspark.connect(session)
    session.stop()


def _rows(table) -> list[tuple]:
    out = []
    for row in table.to_pylist():
        values = []
        for v in row.values():
            if isinstance(v, Decimal):
                v = v.normalize() + 0
            elif isinstance(v, datetime):
                v = v.date()
            values.append(v)
        out.append(tuple(values))
    return sorted(out, key=lambda r: tuple((v is not None, v) for v in r))


def test_spark_and_duckdb_aggregates_agree_exactly(sample, parquet_tables, spark_con):
    from salesnb.engines import duckdb_connection
    from salesnb.prepare import AGGREGATES, _memtable, run_aggregates

    duck = duckdb_connection()
    d = run_aggregates(duck, _memtable(duck, sample.tables["sales"], "sales"), _memtable(duck, sample.tables["customers"], "customers"), 1)
    s = run_aggregates(spark_con, spark_con.read_parquet(str(parquet_tables / "sales.parquet")),
                       spark_con.read_parquet(str(parquet_tables / "customers.parquet")), 1)
    for name in AGGREGATES:
        assert d[name].column_names == s[name].column_names, name
        assert _rows(d[name]) == _rows(s[name]), f"{name} differs between DuckDB and Spark"


def test_prepare_with_a_spark_source(tmp_path, parquet_tables, spark_con):
    from salesnb.prepare import AGGREGATES, prepare

    ws = tmp_path / "sparkws"
    shutil.copytree(SAMPLE, ws, ignore=shutil.ignore_patterns("actions*"))
    local = prepare(ws, cache_dir=tmp_path / "cache")
    config = (ws / "workspace.yaml").read_text(encoding="utf-8")
    (ws / "workspace.yaml").write_text(
        config + f"\nsource:\n  engine: spark\n  master: local[2]\n"
        f"  tables: {{sales: {parquet_tables / 'sales.parquet'}, customers: {parquet_tables / 'customers.parquet'}}}\n",
        encoding="utf-8",
    )
    remote = prepare(ws, cache_dir=tmp_path / "cache")
    assert remote.engine == "spark"
    for name in AGGREGATES:
        pd.testing.assert_frame_equal(local.aggregate(name), remote.aggregate(name), check_exact=True)
