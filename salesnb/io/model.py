"""The loaded workspace and where each table came from: :class:`Workspace` and :class:`Source`.

Plain data classes (and the column names of the quality and quarantine
frames); reading files and building a workspace live in
:mod:`salesnb.io.reader` and :mod:`salesnb.io.workspace`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Callable, Iterator, Mapping, Sequence

import numpy as np
import pandas as pd

from ..config import WorkspaceConfig
from ..errors import QualityNote
from ..longtail import Grouping
from ..memory import release_unused_memory
from ..metrics import with_categories
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


def _parquet_columns(path) -> list[str]:
    """The data columns of a Parquet file pandas wrote (its index columns left out), from the footer alone
    (``path``: a path or an open binary file)."""
    import json

    import pyarrow.parquet as pq

    schema = pq.read_schema(path)
    meta = json.loads((schema.metadata or {}).get(b"pandas", b"{}"))
    index = {c for c in meta.get("index_columns", []) if isinstance(c, str)}
    return [c for c in schema.names if c not in index]


class StoredTables(Mapping):
    """A workspace's tables, some held in memory and some stored as Parquet and read on first use.

    The prepare cache keeps the order lines (millions of rows) in their own Parquet file, so that a notebook
    reads only the columns it works on (:meth:`columns`) and the whole table only when something asks for it
    (``ws.tables["sales"]``, ``ws.table("sales")``: an analyst's drill-down). A table once read whole is kept.
    Read-only, like the :class:`~types.MappingProxyType` of a workspace read from the files.

    Parameters
    ----------
    frames : mapping
        Tables already in memory.
    stored : mapping
        Table name → Parquet file (written by :func:`salesnb.prepare.workspace.write_workspace`).
    hidden : sequence of str
        Columns of the stored files that are not the table's own (the id codes the cache adds for the
        notebooks): left out of a whole-table read, given to :meth:`columns` when asked by name.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "sales.parquet"
    >>> pd.DataFrame({"amount": [1.0, 2.0], "region": ["E", "W"]}).to_parquet(f)
    >>> t = StoredTables({}, {"sales": f})
    >>> "sales" in t, t.loaded("sales")
    (True, False)
    >>> t.columns("sales", ["amount"]).columns.tolist(), t.loaded("sales")
    (['amount'], False)
    >>> t["sales"].shape, t.loaded("sales")
    ((2, 2), True)
    """

    def __init__(self, frames: Mapping[str, pd.DataFrame], stored: Mapping[str, Path], hidden: Sequence[str] = ()):
        self._frames = dict(frames)
        # each file is opened now and read through that handle: a cache entry pruned or prepared again while a
        # notebook is open (a long JupyterLab session) leaves the file readable to it until the handle closes
        self._stored = {name: open(path, "rb") for name, path in stored.items() if name not in self._frames}
        self._hidden = tuple(hidden)

    def __del__(self) -> None:
        for handle in getattr(self, "_stored", {}).values():
            handle.close()

    def _read(self, name: str, columns: list[str], categories: Sequence[str] = ()) -> pd.DataFrame:
        handle = self._stored[name]
        handle.seek(0)
        # text columns wanted as categories are read as Arrow dictionaries: at 10M lines 0.13 s for regions and
        # product lines, against 0.8 s to read the texts and 4.9 s to make categories of them
        dictionary = [c for c in categories if c in columns]
        frame = pd.read_parquet(handle, columns=columns, read_dictionary=dictionary or None)
        for column in dictionary:  # the categories in the texts' sort order, as metrics.with_categories makes them
            values = frame[column]
            if isinstance(values.dtype, pd.CategoricalDtype):
                frame[column] = values.cat.set_categories(pd.Index(sorted(values.cat.categories), dtype="str"))
            else:  # not stored as text (Arrow read it plainly)
                frame[column] = with_categories(frame[[column]], (column,))[column]
        release_unused_memory()  # the decoding buffers (half the frame's size again at 10M lines) go back now
        return frame

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name not in self._frames:
            if name not in self._stored:
                raise KeyError(name)
            names = [c for c in self.column_names(name) if c not in self._hidden]
            self._frames[name] = self._read(name, names)
        return self._frames[name]

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys([*self._frames, *self._stored]))  # a stored table once read is in both

    def __len__(self) -> int:
        return len(set(self._frames) | set(self._stored))

    def __contains__(self, name: object) -> bool:
        return name in self._frames or name in self._stored

    def loaded(self, name: str) -> bool:
        """Whether table ``name`` is in memory."""
        return name in self._frames

    def column_names(self, name: str) -> list[str]:
        """The columns of table ``name`` (a stored one's from its file's footer, the hidden ones included)."""
        if name in self._stored:
            handle = self._stored[name]
            handle.seek(0)
            return _parquet_columns(handle)
        return list(self._frames[name].columns)

    def columns(self, name: str, columns: Sequence[str], categories: Sequence[str] = ()) -> pd.DataFrame:
        """Table ``name`` with only ``columns`` (those it has, in that order): from memory when the table is
        loaded and holds them all, else read from its Parquet file without the other columns; the index is
        the table's (``source_line``). Those of ``categories`` come as categoricals
        (:func:`salesnb.metrics.with_categories`)."""
        have = set(self.column_names(name))
        wanted = [c for c in columns if c in have]
        frame = self._frames.get(name)
        if frame is not None and all(c in frame.columns for c in wanted):
            return with_categories(frame[wanted].copy(deep=False), tuple(categories))
        return self._read(name, wanted, categories)

    def rows(self, name: str, columns: Sequence[str], keys: Sequence[str],
             keep: Callable[[pd.DataFrame], np.ndarray], categories: Sequence[str] = ()) -> pd.DataFrame:
        """The rows of table ``name`` that ``keep`` selects, with only ``columns``: ``keep`` gets the ``keys``
        columns (those the table has) and returns a boolean mask; the other columns are then read one at a
        time and cut to those rows, so that no more than one whole column is in memory beside the keys.
        Rows keep the table's order and index; those of ``categories`` are categoricals (as in :meth:`columns`)."""
        have = set(self.column_names(name))
        key_frame = self.columns(name, [c for c in keys if c in have], categories)
        mask = np.asarray(keep(key_frame), dtype=bool)
        parts = {}
        for c in (c for c in columns if c in have):
            column = key_frame[c] if c in key_frame else self.columns(name, [c], categories)[c]
            parts[c] = column[mask].reset_index(drop=True)
        out = pd.DataFrame(parts, columns=list(parts)) if parts else pd.DataFrame(index=range(int(mask.sum())))
        return out.set_axis(key_frame.index[mask])


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

    def column_names(self, name: str) -> list[str]:
        """The columns of table ``name``, without reading a table stored in the prepare cache (whose id-code
        columns, :func:`salesnb.metrics.with_id_codes`, are listed too)."""
        if name not in self.tables:
            self.table(name)  # raises table()'s KeyError
        if isinstance(self.tables, StoredTables):
            return self.tables.column_names(name)
        return list(self.tables[name].columns)

    def table_columns(self, name: str, columns: Sequence[str], categories: Sequence[str] = ()) -> pd.DataFrame:
        """Table ``name`` with only those of ``columns`` it has (in that order): read from the prepare cache's
        Parquet without the other columns when the table is stored there (:class:`StoredTables`), else
        selected from the table in memory. Those of ``categories`` come as categoricals in the texts' sort
        order (:func:`salesnb.metrics.with_categories`; from the cache, read as Arrow dictionaries).

        Examples
        --------
        >>> ws.table_columns("sales", ["order_date"]).columns.tolist()  # doctest: +SKIP
        ['order_date']
        """
        if name not in self.tables:
            self.table(name)  # raises table()'s KeyError
        if isinstance(self.tables, StoredTables):
            return self.tables.columns(name, columns, categories)
        frame = self.tables[name]
        return with_categories(frame[[c for c in columns if c in frame.columns]].copy(deep=False), tuple(categories))

    def stored(self, name: str) -> bool:
        """Whether table ``name`` is in the prepare cache's Parquet file and not yet in memory."""
        return isinstance(self.tables, StoredTables) and name in self.tables and not self.tables.loaded(name)

    def table_rows(self, name: str, columns: Sequence[str], keys: Sequence[str],
                   keep: Callable[[pd.DataFrame], np.ndarray], categories: Sequence[str] = ()) -> pd.DataFrame:
        """The rows of table ``name`` that ``keep(frame of the keys columns)`` selects (a boolean mask), with only
        those of ``columns`` it has: from the prepare cache the keys are read first and every other column is
        cut to the rows as it is read (:meth:`StoredTables.rows`); in memory, a selection of the table.

        Examples
        --------
        >>> ws.table_rows("sales", ["region", "amount"], ["amount"], lambda k: k["amount"] > 0)  # doctest: +SKIP
        """
        if name not in self.tables:
            self.table(name)  # raises table()'s KeyError
        if isinstance(self.tables, StoredTables):
            return self.tables.rows(name, columns, keys, keep, categories)
        frame = self.tables[name]
        mask = np.asarray(keep(frame[[c for c in keys if c in frame.columns]]), dtype=bool)
        # categories of the whole table, as read from the cache
        return with_categories(frame[[c for c in columns if c in frame.columns]], tuple(categories)).loc[mask]

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
