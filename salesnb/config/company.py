"""The company and where its data lives: ``company:``, ``calendar:``, ``tables:`` and ``source:``.

Not here: what the data is checked for (:mod:`salesnb.config.checks`) and the workspace as a whole
(:mod:`salesnb.config.workspace`).
"""
from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from .base import _Model


class Company(_Model):
    name: str
    currency: str = "CNY"
    unit: Literal["元", "千元", "万元", "百万元", "unit", "thousand", "million"] = "元"
    """Unit of the amounts in the files (converted to ``currency`` on read)."""
    display_unit: Literal["元", "千元", "万元", "百万元", "unit", "thousand", "million"] = "万元"
    """Unit used in report tables and charts; default 万元 for CNY, ``thousand`` (of the workspace's
    currency) for any other currency, so a USD company is never shown in "10k CNY"."""
    industry: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _display_unit_follows_currency(cls, data):
        if isinstance(data, dict) and data.get("display_unit") is None and str(data.get("currency") or "CNY").strip().upper() not in ("CNY", "RMB"):
            data = {**data, "display_unit": "thousand"}
        return data


class Calendar(_Model):
    fiscal_year_start_month: int = Field(1, ge=1, le=12)


class TableSource(_Model):
    """Where a table lives and how to read it."""

    file: str
    sheet: str | int | None = None
    encoding: Literal["utf-8", "utf-8-sig", "gb18030", "gbk", "utf-16", "cp1252"] | None = None
    columns: dict[str, str] = Field(default_factory=dict)
    """User header → contract column name (e.g. ``客户简码: customer_id``)."""
    date_format: str | None = None
    """strftime format for ambiguous dates, e.g. ``%m/%d/%Y``."""
    decimal: Literal[".", ","] = "."
    """Decimal mark of the numbers: ``","`` for European exports (``18.972,00``; a ``.`` or space is then a thousands separator)."""


class SourceSettings(_Model):
    """Where the prepare step reduces the raw tables (``workspace.yaml``'s ``source:``).

    ``engine: duckdb`` (the default) reads the workspace's own files in an
    embedded DuckDB; ``postgres`` and ``spark`` run the same reduction where the
    data already is, and only the aggregates come back (``tables`` names the
    sales and customers tables there). See ``docs/scale.md``.
    """

    engine: Literal["duckdb", "postgres", "spark"] = "duckdb"
    url: str | None = None
    """PostgreSQL connection URL (``postgresql://user@host:5432/db``); prefer ``url_env``."""
    url_env: str | None = None
    """Name of an environment variable holding the URL (keeps passwords out of this file)."""
    tables: dict[Literal["sales", "customers"], str] = Field(default_factory=dict)
    """Table (or ``schema.table``) names in the database or Spark catalogue."""
    master: str = "local[2]"
    """Spark master URL for ``engine: spark`` (``local[2]``, ``spark://host:7077`` …)."""
    spark_conf: dict[str, str] = Field(default_factory=dict)
    """Extra Spark settings (``spark.executor.memory: 4g`` …)."""
    reader: Literal["auto", "contract", "engine"] = "auto"
    """Row-level reading of files: ``contract`` = the pandas reader with every repair; ``engine`` =
    DuckDB SQL over clean CSV/Parquet; ``auto`` = engine from ``engine_min_rows`` sales rows on, contract below."""
    engine_min_rows: int = Field(200_000, ge=0)
    """Sales rows from which ``reader: auto`` uses the engine (Parquet: from its metadata; CSV: estimated as bytes / 80)."""
    contract_max_rows: int = Field(2_000_000, ge=0)
    """A file the engine reader finds a broken rule in is read again by the contract reader (which repairs
    what it documents, or reports the problem its way) up to this many rows; above it the engine's error stands."""
    memory_limit: str | None = None
    """DuckDB memory limit (e.g. ``4GB``); it spills to disk beyond it."""
    threads: int | None = Field(None, ge=1)
    """DuckDB threads (default: all cores)."""

    @model_validator(mode="after")
    def _engine_settings(self) -> "SourceSettings":
        if self.engine == "postgres" and not (self.url or self.url_env):
            raise ValueError("engine postgres needs url or url_env")
        if self.engine != "duckdb" and not {"sales", "customers"} <= set(self.tables):
            raise ValueError(f"engine {self.engine} needs tables.sales and tables.customers (names in the {self.engine} source)")
        return self
