"""Engines the prepare step reduces data in: DuckDB (default), PostgreSQL, Spark.

Everything that must give the same answer on every engine is written once as
`ibis <https://ibis-project.org>`_ expressions (:mod:`salesnb.prepare`'s
:func:`~salesnb.prepare.aggregates`); this module only opens connections and
finds the two large tables (sales, customers) in each engine:

* ``duckdb`` — embedded, no server; reads the workspace's own CSV/Parquet
  files and works out of core (it spills to disk past ``memory_limit``);
* ``postgres`` — a PostgreSQL database named by ``source.url`` (or the
  environment variable ``source.url_env``); ``source.tables`` names the tables;
* ``spark`` — a Spark session (``source.master``, default ``local[2]``);
  ``source.tables`` names tables of its catalogue (or Parquet paths).

Only aggregates come back from PostgreSQL and Spark.
"""
from __future__ import annotations

import os
from typing import Any

from .config import SourceSettings
from .errors import ConfigError, Problem

__all__ = ["duckdb_connection", "connect", "source_tables", "postgres_url", "spark_session", "default_memory_limit"]


def duckdb_connection(settings: SourceSettings | None = None, temp_dir: str | None = None) -> Any:
    """An ibis DuckDB backend (in memory) with the workspace's memory and thread limits.

    Parameters
    ----------
    settings : SourceSettings, optional
        ``workspace.yaml``'s ``source:``; ``memory_limit`` and ``threads`` are applied.
    temp_dir : str, optional
        Where DuckDB spills when a query does not fit in ``memory_limit``.

    Examples
    --------
    >>> con = duckdb_connection()
    >>> con.raw_sql("SELECT 42").fetchone()[0]
    42
    """
    import ibis

    con = ibis.duckdb.connect()
    raw = con.con
    statements = ["SET preserve_insertion_order = true", "SET enable_progress_bar = false"]
    limit = settings.memory_limit if settings is not None and settings.memory_limit else default_memory_limit()
    statements.append(f"SET memory_limit = '{_sql_text(limit)}'")
    if settings is not None and settings.threads:
        statements.append(f"SET threads = {int(settings.threads)}")
    if temp_dir:
        statements.append(f"SET temp_directory = '{_sql_text(temp_dir)}'")
    for statement in statements:
        raw.execute(statement).fetchall()
    return con


def default_memory_limit() -> str:
    """DuckDB's memory limit when ``source.memory_limit`` is not set: half the RAM, at most 6 GB.

    DuckDB spills to disk past it, so a 100-million-line workspace prepares in
    bounded memory and the notebooks keep room next to it.
    """
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # pragma: no cover - not POSIX
        return "4GB"
    return f"{max(1, min(6, int(total / 2 / 2**30)))}GB"


def _sql_text(value: str) -> str:
    return str(value).replace("'", "''")


def postgres_url(settings: SourceSettings) -> str:
    """The PostgreSQL URL of ``settings`` (``url_env`` is read from the environment).

    Raises
    ------
    ConfigError
        When ``url_env`` names an unset variable.
    """
    if settings.url_env:
        url = os.environ.get(settings.url_env)
        if not url:
            raise ConfigError([Problem("workspace.yaml", None, "source.url_env", settings.url_env,
                                       "environment variable is not set (it should hold the PostgreSQL URL)")])
        return url
    assert settings.url is not None  # checked by SourceSettings
    return settings.url


def connect(settings: SourceSettings) -> Any:
    """An ibis backend for ``settings.engine``.

    ``postgres`` connects with psycopg; ``spark`` starts (or reuses) a local
    or cluster Spark session (``pyspark`` must be installed: ``pip install
    'salesnb[spark]'``).
    """
    import ibis

    if settings.engine == "duckdb":
        return duckdb_connection(settings)
    if settings.engine == "postgres":
        return ibis.connect(postgres_url(settings))
    if settings.engine == "spark":
        return ibis.pyspark.connect(spark_session(settings))
    raise ValueError(f"unknown engine {settings.engine!r}")  # pragma: no cover - the config model forbids it


def spark_session(settings: SourceSettings) -> Any:
    """A Spark session for ``settings`` (UTC session time zone, so dates do not shift)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise ConfigError([Problem("workspace.yaml", None, "source.engine", "spark",
                                   "pyspark is not installed: pip install 'salesnb[spark]' (needs Java 17)")]) from exc
    builder = SparkSession.builder.master(settings.master).appName("salesnb-prepare")
    conf = {"spark.sql.session.timeZone": "UTC", "spark.ui.enabled": "false", "spark.sql.shuffle.partitions": "8", **settings.spark_conf}
    for key, value in conf.items():
        builder = builder.config(key, value)
    return builder.getOrCreate()


def source_tables(con: Any, settings: SourceSettings) -> dict[str, Any]:
    """``{"sales": table, "customers": table}`` as ibis tables of ``con``.

    A name with a dot is ``schema.table`` (PostgreSQL) or ``database.table``
    (Spark); for Spark, a name ending in ``.parquet`` is read as a file.
    """
    out = {}
    for name in ("sales", "customers"):
        ref = settings.tables[name]
        if settings.engine == "spark" and ref.endswith(".parquet"):
            out[name] = con.read_parquet(ref)
        elif "." in ref:
            schema, table = ref.rsplit(".", 1)
            out[name] = con.table(table, database=schema)
        else:
            out[name] = con.table(ref)
    return out
