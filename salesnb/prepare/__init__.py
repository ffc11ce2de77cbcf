"""Prepare once: read and validate the raw tables, reduce them, cache the result.

``salesnb prepare WORKSPACE`` (and ``salesnb run``, before the notebooks)
calls :func:`prepare`. It

1. hashes the inputs (every table file and the data-related sections of
   ``workspace.yaml``) into a **cache key** together with the salesnb and
   pandas versions and the day of the run (rows dated after it are set aside);
2. on a cache hit returns at once — a second run on unchanged inputs skips the
   work, any changed byte of an input gives a new key;
3. otherwise reads the tables in one of two ways (``source.reader``):

   * **contract** (small files, XLSX, or anything unusual): the pandas reader
     of :mod:`salesnb.io` with every documented repair; the validated
     :class:`~salesnb.io.Workspace` is stored in the cache;
   * **engine** (large clean CSV/Parquet sales files, from
     ``source.engine_min_rows``): DuckDB reads the file directly, maps the
     headers with the contract's aliases, casts every column and applies the
     contract's row-level rules as SQL (required values, parseable dates and
     numbers, exact duplicates, unknown customers) — counting the violations
     and naming file, line, column and value of the first ones in a
     :class:`~salesnb.errors.DataError`. The typed table is written once as
     Parquet; a file the engine cannot read cleanly (header not on line 1, a
     unit in a header, another encoding than UTF-8) falls back to the
     contract reader;

4. reduces the sales (and customers) tables to the aggregates the notebooks
   need — :func:`aggregates`, written once in ibis, so that the same
   expressions run on DuckDB (default), PostgreSQL or Spark
   (``workspace.yaml``'s ``source:``, :mod:`salesnb.engines`) — and writes
   them as Parquet next to a ``manifest.json``.

Notebooks open the cached workspace through :func:`load_workspace_cached`
(``salesnb.open_step`` does) and read aggregates with
:meth:`Prepared.aggregate`. ``docs/scale.md`` explains the design.

The package is split by stage: :mod:`~salesnb.prepare.cache` (the key, the
folders, reuse and pruning), :mod:`~salesnb.prepare.engine_read` and
:mod:`~salesnb.prepare.engine_checks` (the DuckDB reader and its checks
across tables, with the SQL helpers of :mod:`~salesnb.prepare.sql`),
:mod:`~salesnb.prepare.reduction` (the portable ibis reduction),
:mod:`~salesnb.prepare.workspace` (:class:`Prepared`, the stored workspace and
the caching reader handed to :func:`salesnb.io.load_workspace`),
:mod:`~salesnb.prepare.build` (:func:`prepare` itself) and
:mod:`~salesnb.prepare.history` (:func:`quarterly_history`).
"""
from __future__ import annotations

from .reduction import AGGREGATES, MONEY, aggregates, frame_table, group_long_tail_ibis, run_aggregates, write_aggregates_duckdb  # noqa: F401
from .build import Progress, load_workspace_cached, prepare  # noqa: F401
from .cache import CACHE_ENV, DATA_SECTIONS, FORMAT, HASH_MEMO_MIN_BYTES, KEEP_ENTRIES, cache_key, cache_root, code_fingerprint  # noqa: F401
from .history import quarterly_history
from .workspace import CachedReader, Prepared

__all__ = [
    "prepare",
    "Prepared",
    "aggregates",
    "AGGREGATES",
    "cache_root",
    "cache_key",
    "load_workspace_cached",
    "CACHE_ENV",
    "FORMAT",
    "quarterly_history",
    "group_long_tail_ibis",
    "CachedReader",
]

_memtable = frame_table
"""The old private name of :func:`~salesnb.prepare.reduction.frame_table` (tests/test_prepare_postgres.py, tests/test_prepare_spark.py)."""
