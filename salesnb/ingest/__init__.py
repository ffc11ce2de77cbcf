"""From a company's export to a workspace: ``salesnb import EXPORT --mapping import.yaml --out FOLDER``.

A real export is one wide file (an ERP's order lines, a marketplace's orders
with their reviews …). :func:`build_workspace` reads it with the same reader
as every workspace table (strict decoding, header search, line numbers),
derives the contract's tables from a short mapping (``import.yaml``: which
column is the order id, the date, the customer, the amount; how region and
product line are derived; which rows are returns or are set aside), writes
them next to a copy of the mapping's ``workspace.yaml``, and then validates
the new workspace exactly as ``salesnb validate`` does. Problems name the
export's file, line, column and value; problems found when validating the
written tables name the export line each row came from.

The mapping language is documented in ``docs/import.md``; the three
examples in ``examples/`` use all of it.

Examples
--------
>>> m = Mapping.from_dict({"workspace": "workspace.yaml",
...     "tables": {"sales": {"columns": {"order_id": "Invoice", "order_date": "Date",
...         "customer_id": "Customer", "region": {"value": "UK"}, "product_line": {"value": "all"},
...         "amount": {"multiply": ["Qty", "Price"], "round": 2}}},
...         "customers": {"from": "sales", "columns": {"region": {"column": "Country", "agg": "most_frequent"}}}}})
>>> sorted(m.source_columns())
['Country', 'Customer', 'Date', 'Invoice', 'Price', 'Qty']
"""
from __future__ import annotations

from .mapping import MAPPING_FILE, Mapping, TABLE_ORDER, _condition_problems, _table_problems, load_mapping  # noqa: F401
from .export import _read_export  # noqa: F401
from .derive import _Deriver, _derive_table  # noqa: F401
from .build import ImportResult, _format_numbers, _sha256, build_workspace  # noqa: F401

__all__ = [
    "Mapping",
    "ImportResult",
    "load_mapping",
    "build_workspace",
    "MAPPING_FILE",
]
