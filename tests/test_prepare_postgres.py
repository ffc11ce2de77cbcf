"""The same reduction on DuckDB and on a real PostgreSQL server agrees exactly.

``.ci/run`` starts a throwaway server (``.ci/postgres.sh``) and exports
``SALESNB_TEST_PG_DSN``; locally these tests skip without it (start one with
``eval "$(bash .ci/postgres.sh start)"``). In CI (``CI=true``) a missing DSN
is a failure, not a skip.
"""
from __future__ import annotations

import os
import uuid
from datetime import datetime
from decimal import Decimal

import pandas as pd
import pytest

from conftest import SAMPLE

DSN = os.environ.get("SALESNB_TEST_PG_DSN")

if not DSN:
    if os.environ.get("CI"):
        pytest.fail("SALESNB_TEST_PG_DSN is not set in CI: .ci/run must start PostgreSQL (.ci/postgres.sh)", pytrace=False)
    pytestmark = pytest.mark.skip(reason='SALESNB_TEST_PG_DSN is not set: eval "$(bash .ci/postgres.sh start)" to run these')


@pytest.fixture(scope="module")
def sample():
    from salesnb.io import load_workspace

    return load_workspace(SAMPLE)


@pytest.fixture(scope="module")
def pg_schema(sample):
    """The sample's validated sales and customers loaded into a fresh schema (COPY), dropped afterwards."""
    import psycopg

    schema = f"t_{uuid.uuid4().hex[:10]}"
    sales = sample.tables["sales"]
    customers = sample.tables["customers"]
    with psycopg.connect(DSN, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
        conn.execute(f"CREATE TABLE {schema}.sales (order_id text, order_date date, customer_id text, region text, "
                     "product_line text, amount double precision)")
        conn.execute(f"CREATE TABLE {schema}.customers (customer_id text, region text, segment text)")
        with conn.cursor() as cur:
            with cur.copy(f"COPY {schema}.sales FROM STDIN") as copy:
                for row in sales[["order_id", "order_date", "customer_id", "region", "product_line", "amount"]].itertuples(index=False):
                    copy.write_row((row.order_id, row.order_date.date(), row.customer_id, row.region, row.product_line, float(row.amount)))
            with cur.copy(f"COPY {schema}.customers FROM STDIN") as copy:
                for row in customers[["customer_id", "region", "segment"]].itertuples(index=False):
                    copy.write_row(tuple(None if pd.isna(v) else v for v in row))
        yield schema
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


def _rows(table) -> list[tuple]:
    """Rows of a pyarrow table as plain Python values (Decimal money, int counts), sorted; NULL sorts first."""
    out = []
    for row in table.to_pylist():
        values = []
        for key in table.column_names:
            v = row[key]
            if isinstance(v, Decimal):
                v = v.normalize() + 0  # same number whatever the scale
            elif isinstance(v, datetime):
                v = v.date()
            elif isinstance(v, int):
                v = int(v)
            values.append(v)
        out.append(tuple(values))
    return sorted(out, key=lambda r: tuple((v is not None, v) for v in r))


def test_duckdb_and_postgres_aggregates_agree_exactly(sample, pg_schema):
    import ibis

    from salesnb.engines import duckdb_connection
    from salesnb.prepare import AGGREGATES, _memtable, run_aggregates

    duck = duckdb_connection()
    d = run_aggregates(duck, _memtable(duck, sample.tables["sales"], "sales"), _memtable(duck, sample.tables["customers"], "customers"), 1)
    pg = ibis.connect(DSN)
    p = run_aggregates(pg, pg.table("sales", database=pg_schema), pg.table("customers", database=pg_schema), 1)
    assert set(d) == set(p) == set(AGGREGATES)
    for name in AGGREGATES:
        assert d[name].column_names == p[name].column_names, name
        assert d[name].num_rows == p[name].num_rows > 0, name
        assert _rows(d[name]) == _rows(p[name]), f"{name} differs between DuckDB and PostgreSQL"
    # exact money: the company's revenue equals the sum of the sample's amounts in cents
    total = sum(Decimal(str(round(a, 2))) for a in sample.tables["sales"]["amount"])
    assert sum(r[1] for r in _rows(p["quarter"])) == total


def test_prepare_with_a_postgres_source_matches_the_duckdb_prepare(tmp_path, pg_schema, monkeypatch):
    import shutil

    from salesnb.prepare import AGGREGATES, prepare

    ws = tmp_path / "pgws"
    shutil.copytree(SAMPLE, ws, ignore=shutil.ignore_patterns("actions*"))
    local = prepare(ws, cache_dir=tmp_path / "cache")
    monkeypatch.setenv("SALESNB_PG_URL", DSN)
    config = (ws / "workspace.yaml").read_text(encoding="utf-8")
    (ws / "workspace.yaml").write_text(
        config + f"\nsource:\n  engine: postgres\n  url_env: SALESNB_PG_URL\n  tables: {{sales: {pg_schema}.sales, customers: {pg_schema}.customers}}\n",
        encoding="utf-8",
    )
    remote = prepare(ws, cache_dir=tmp_path / "cache")
    assert remote.engine == "postgres" and not remote.hit and remote.key != local.key
    for name in AGGREGATES:
        pd.testing.assert_frame_equal(local.aggregate(name), remote.aggregate(name), check_exact=True)
