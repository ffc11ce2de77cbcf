"""The loaded workspace and where each table came from: :class:`Workspace` and :class:`Source`.

Plain data classes (and the column names of the quality and quarantine
frames); reading files and building a workspace live in
:mod:`salesnb.io.reader` and :mod:`salesnb.io.workspace`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Mapping

import pandas as pd

from ..config import WorkspaceConfig
from ..errors import QualityNote
from ..longtail import Grouping
from ..schemas import TABLE_NAMES


QUALITY_COLUMNS: tuple[str, ...] = ("table", "file", "severity", "rule", "count", "detail", "examples")
QUARANTINE_REASON = "reason"
"""Column of a quarantine frame saying why the row was set aside."""


@dataclass(frozen=True)
class Source:
    """Where a table came from (written to ``run.json``).

    Parameters
    ----------
    table : str
        Contract table name.
    file : str
        File name relative to the workspace folder.
    path : Path
        Absolute path of the file.
    format : str
        ``"csv"``, ``"xlsx"`` or ``"parquet"``.
    encoding : str or None
        Text encoding detected (or forced) for CSV files; ``None`` otherwise.
    sheet : str or None
        Worksheet read for XLSX files; ``None`` otherwise.
    rows : int
        Data rows read from the file (before rows were set aside).
    sha256 : str
        Hex digest of the file bytes.
    """

    table: str
    file: str
    path: Path
    format: str
    encoding: str | None
    sheet: str | None
    rows: int
    sha256: str


def _empty_mapping() -> Mapping[str, pd.DataFrame]:
    return MappingProxyType({})


@dataclass(frozen=True, eq=False)
class Workspace:
    """A loaded workspace: its configuration, tables, sources and quality notes.

    ``quarantine`` holds, per table, the rows set aside (with a ``reason``
    column and the same ``source_line`` index); ``contacts`` is the unmasked
    contact list of the customers (the tables themselves carry personal data
    masked, see :mod:`salesnb.privacy`).

    Examples
    --------
    >>> ws = load_workspace("data/sample")            # doctest: +SKIP
    >>> ws.has("surveys"), ws.table("sales").index.name  # doctest: +SKIP
    (True, 'source_line')
    """

    root: Path
    name: str
    config: WorkspaceConfig
    tables: Mapping[str, pd.DataFrame]
    sources: Mapping[str, Source]
    notes: tuple[QualityNote, ...] = ()
    quarantine: Mapping[str, pd.DataFrame] = field(default_factory=_empty_mapping)
    contacts: pd.DataFrame | None = None
    groups: tuple[Grouping, ...] = ()
    """Long-tail groupings applied (``checks.many_values``): column, values kept and grouped, lines and amount moved."""

    def has(self, table: str) -> bool:
        """Whether the workspace holds ``table`` (e.g. ``"surveys"``)."""
        return table in self.tables

    def table(self, name: str) -> pd.DataFrame:
        """Table ``name`` (a shallow copy: pandas' copy-on-write keeps the workspace's own frame
        unchanged when the copy is modified, without copying millions of rows per call).

        Raises
        ------
        KeyError
            When the table is not in the workspace (the message says which
            tables are present and how to add the missing one).
        """
        if name not in self.tables:
            present = ", ".join(self.tables) or "none"
            if name not in TABLE_NAMES:
                raise KeyError(f"{name!r} is not a table of the data contract (tables: {', '.join(TABLE_NAMES)})")
            raise KeyError(
                f"table {name!r} is not in workspace {self.name!r} (present: {present}); "
                f"add {name}.csv, {name}.xlsx or {name}.parquet to {self.root}"
            )
        return self.tables[name].copy(deep=False)

    def quality_frame(self) -> pd.DataFrame:
        """One row per quality note: table, file, severity, rule, count, detail, examples.

        Examples
        --------
        >>> ws.quality_frame().columns.tolist()  # doctest: +SKIP
        ['table', 'file', 'severity', 'rule', 'count', 'detail', 'examples']
        """
        rows = [note.as_row() for note in self.notes]
        frame = pd.DataFrame(rows, columns=list(QUALITY_COLUMNS))
        return frame.astype({"count": "int64"})

    def quarantined(self) -> dict[str, int]:
        """Rows set aside per table (tables with none are left out)."""
        return {name: len(frame) for name, frame in self.quarantine.items() if len(frame)}
