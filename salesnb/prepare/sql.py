"""Three small helpers for the SQL text the DuckDB paths write: run a statement, quote a name, quote a literal.

Used by the engine reader (:mod:`salesnb.prepare.engine_read`), its checks
(:mod:`salesnb.prepare.engine_checks`) and the aggregate writers
(:mod:`salesnb.prepare.reduction`); no SQL of its own lives here.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any


def run_sql(con: Any, sql: str, params: Any = None) -> list:
    """Execute a statement on a DuckDB connection and fetch its (small) result."""
    return (con.execute(sql, params) if params is not None else con.execute(sql)).fetchall()


def quote_name(name: str) -> str:
    """A quoted SQL identifier."""
    return '"' + str(name).replace('"', '""') + '"'


def sql_literal(text: str | Path) -> str:
    """A quoted SQL string literal."""
    return "'" + str(text).replace("'", "''") + "'"
