"""Finding a table's file in a workspace folder, its format and its digest.

Which file holds a table (``workspace.yaml``'s ``tables.<name>.file`` or
``<table>.csv`` / ``.xlsx`` / ``.parquet``) and which reader its suffix calls
for; reading the file is :mod:`salesnb.io.formats`.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

from ..config import WorkspaceConfig
from ..errors import DataError, Problem


SEARCH_SUFFIXES: tuple[str, ...] = (".csv", ".xlsx", ".parquet")


FORMATS: dict[str, str] = {
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "csv",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".parquet": "parquet",
    ".pq": "parquet",
}


def sha256_file(path: Path) -> str:
    """Hex SHA-256 digest of a file's bytes.

    Examples
    --------
    >>> sha256_file(Path("data/sample/sales.csv"))[:12]  # doctest: +SKIP
    '3f1c0e9a7b2d'
    """
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def candidate_files(root: Path, table: str) -> list[Path]:
    """``<table>.csv``, ``.xlsx``, ``.parquet`` present in ``root`` (file names compared case-insensitively)."""
    if not root.is_dir():
        return []
    by_lower = {p.name.lower(): p for p in sorted(root.iterdir()) if p.is_file()}
    return [by_lower[f"{table}{suffix}"] for suffix in SEARCH_SUFFIXES if f"{table}{suffix}" in by_lower]


def find_table_file(root: Path, table: str, config: WorkspaceConfig | None) -> Path | None:
    """The file holding ``table`` in workspace folder ``root``, or ``None``.

    ``workspace.yaml``'s ``tables.<table>.file`` wins (``None`` when that file
    does not exist); otherwise the first of ``<table>.csv``, ``<table>.xlsx``,
    ``<table>.parquet`` (file names compared case-insensitively).

    Examples
    --------
    >>> find_table_file(Path("data/sample"), "sales", None).name  # doctest: +SKIP
    'sales.csv'
    """
    root = Path(root)
    source = config.tables.get(table) if config is not None else None
    if source is not None:
        path = root / source.file
        return path if path.is_file() else None
    found = candidate_files(root, table)
    return found[0] if found else None


def format_of(path: Path, file: str) -> str:
    """``csv``, ``xlsx`` or ``parquet`` from the file's suffix; a DataError for ``.xls`` and unknown suffixes."""
    suffix = path.suffix.lower()
    if suffix == ".xls":
        raise DataError([Problem(file, None, None, None, "old .xls workbooks are not read: open the file in Excel and save it as .xlsx (or as CSV UTF-8)")])
    if suffix not in FORMATS:
        raise DataError([Problem(file, None, None, None, f"unknown file type {suffix or '(none)'}: use .csv, .xlsx or .parquet")])
    return FORMATS[suffix]
