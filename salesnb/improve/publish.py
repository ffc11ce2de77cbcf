"""Putting the run's register back where the user keeps it: in the same place and format (``.xlsx`` with the
user's sheets and headers, CSV or Parquet), after keeping the replaced version under ``actions.history/``.

Here: :func:`register_path`, :func:`stage_register` (a temp file beside the
target, committed with the report), :func:`publish_register`. Not here: the
register's content (:mod:`salesnb.improve.register`).
"""
from __future__ import annotations

import math
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pandas as pd
import pyarrow.parquet as pq

from ..io import find_table_file
from ..periods import Period
from ..schemas import table_contract
from .register import _written_for


REGISTER_HISTORY = "actions.history"
"""Folder beside the register that keeps every version a run replaced."""


def register_path(workspace: str | Path, config=None) -> Path:
    """Where the workspace keeps its action register (symlinks and ``..`` resolved).

    ``tables.actions.file`` in ``workspace.yaml`` wins; otherwise the first of
    ``actions.csv``, ``actions.xlsx``, ``actions.parquet`` in the workspace
    folder; otherwise ``<workspace>/actions.xlsx`` (where the first run starts it).
    """
    root = Path(workspace).resolve()
    source = config.tables.get("actions") if config is not None else None
    if source is not None:
        return (root / source.file).resolve()
    found = find_table_file(root, "actions", None)
    return found.resolve() if found is not None else root / "actions.xlsx"


@dataclass(frozen=True)
class StagedRegister:
    """A register ready to replace ``target``: written to ``tmp`` beside it.

    :meth:`commit` puts it in place with one ``os.replace``; :meth:`discard`
    removes the temp file and the history copy (the register was not replaced).
    """

    target: Path
    tmp: Path
    history: Path | None

    def commit(self) -> Path:
        os.replace(self.tmp, self.target)
        return self.target

    def discard(self) -> None:
        self.tmp.unlink(missing_ok=True)
        if self.history is not None:
            self.history.unlink(missing_ok=True)


def _history_copy(current: Path, period: Period) -> Path:
    history = current.parent / REGISTER_HISTORY
    history.mkdir(exist_ok=True)
    suffix = current.suffix.lower()
    label = _written_for(current) if suffix == ".xlsx" else f"before-{period}"
    keep = history / f"{label}{suffix}"
    k = 2
    while keep.exists():
        keep = history / f"{label}-{k}{suffix}"
        k += 1
    shutil.copy2(current, keep)
    return keep


def _user_headers(source, current: Path | None, sheet=None, encoding: str | None = None) -> dict[str, str]:
    """Contract column → the header the user's register uses: from
    ``tables.actions.columns`` or, for a header the contract knows by an alias
    (``措施编号`` …), from the first row of the current file."""
    mapped = dict(source.columns) if source is not None else {}
    known = {alias.strip().lower(): col.name for col in table_contract("actions").columns for alias in (col.name, *col.aliases)}
    header: list = []
    try:
        if current is not None and current.exists():
            if current.suffix.lower() == ".xlsx":
                header = list(pd.read_excel(current, sheet_name=sheet if sheet is not None else 0, nrows=0).columns)
            elif current.suffix.lower() == ".parquet":
                header = list(pq.read_schema(current).names)
            else:
                header = list(pd.read_csv(current, nrows=1, sep=None, engine="python", encoding=encoding or "utf-8-sig",
                                          encoding_errors="replace").columns)
    except Exception:  # noqa: BLE001 - an unreadable header: write the contract names
        header = []
    back: dict[str, str] = {}
    for h in header:
        name = mapped.get(h) or known.get(str(h).strip().lower())
        if name is not None:
            back.setdefault(name, h)
    for h, name in mapped.items():
        back.setdefault(name, h)
    return {k: v for k, v in back.items() if k != v}


def _write_xlsx_like(updated: Path, current: Path | None, tmp: Path, source, read_sheet: str | None = None) -> None:
    """The updated register in the user's workbook: the register sheet (its name,
    position and headers as the user keeps them) replaced, every other sheet kept."""
    sheet = read_sheet if read_sheet is not None else (source.sheet if source is not None else None)
    headers = _user_headers(source, current, sheet)
    book = openpyxl.load_workbook(current) if current is not None and current.exists() else None
    others = [n for n in (book.sheetnames if book is not None else []) if n not in ("actions", "_salesnb", "_labels")]
    if sheet in (None, "actions") and not headers and not others:
        shutil.copy2(updated, tmp)  # the register exactly as step 4 wrote it
        return
    new = openpyxl.load_workbook(updated)
    if book is None:
        book = openpyxl.Workbook()
        book.remove(book.active)
    if isinstance(sheet, int) and sheet < len(book.worksheets):
        title = book.worksheets[sheet].title
    elif isinstance(sheet, str):
        title = sheet
    else:
        title = "actions"
    index = book.sheetnames.index(title) if title in book.sheetnames else (sheet if isinstance(sheet, int) else 0)
    for name in (title, "_salesnb", "_labels"):
        if name in book.sheetnames:
            book.remove(book[name])
    index = min(index, len(book.sheetnames))
    for name, position in ((title, index), ("_salesnb", None), ("_labels", None)):
        if name not in new.sheetnames and name != title:
            continue
        src = new["actions" if name == title else name]
        dst = book.create_sheet(name, position)
        for r, row in enumerate(src.iter_rows(), start=1):
            for c, cell in enumerate(row, start=1):
                value = headers.get(cell.value, cell.value) if r == 1 and name == title else cell.value
                out = dst.cell(row=r, column=c, value=value)
                out.number_format = cell.number_format
    book.save(tmp)


def _write_table_like(updated: Path, current: Path | None, tmp: Path, fmt: str, source, encoding: str | None) -> None:
    """The updated register as CSV (dates ``YYYY-MM-DD``) or Parquet, headers as the user keeps them."""
    frame = pd.read_excel(updated, sheet_name="actions", dtype=object)
    for col in ("start", "due"):
        if col in frame:
            frame[col] = pd.to_datetime(frame[col], errors="coerce")
            if fmt != "parquet":
                frame[col] = frame[col].dt.date
    for col in ("baseline", "target"):
        if col in frame:
            frame[col] = pd.to_numeric(frame[col], errors="coerce")
    read_with = (source.encoding if source is not None and source.encoding else None) or encoding
    frame = frame.rename(columns=_user_headers(source, current, encoding=read_with))
    if fmt == "parquet":
        for col in frame.columns:
            if frame[col].dtype == object:
                frame[col] = frame[col].map(lambda v: v if v is None or isinstance(v, float) and math.isnan(v) else str(v))
        frame.to_parquet(tmp, index=False)
        return
    enc = read_with or "utf-8-sig"
    if enc == "utf-8":
        enc = "utf-8-sig"  # Excel opens Chinese text in a UTF-8 CSV only with the BOM
    frame.to_csv(tmp, index=False, encoding=enc, sep="\t" if ".tsv." in tmp.name.lower() else ",",
                 date_format="%Y-%m-%d")


def stage_register(updated: str | Path, period: Period, target: str | Path, source=None, encoding: str | None = None,
                   sheet: str | None = None) -> StagedRegister:
    """Write the run's updated register beside ``target`` as a temp file, in the
    format of ``target`` (``.xlsx``, ``.csv``/``.tsv``/``.txt`` or ``.parquet``),
    after copying the version it will replace to ``actions.history/`` beside it.

    Parameters
    ----------
    updated : path
        The register step 4 wrote (``artifacts/actions.xlsx`` of the run).
    period : Period
        The run's period (written into the register; names CSV history copies).
    target : path
        Where the user keeps the register (:func:`register_path`).
    source : TableSource, optional
        ``tables.actions`` of ``workspace.yaml``: its ``sheet`` and ``columns``
        are kept in what is written back.
    encoding : str, optional
        The encoding the CSV register was read with.
    sheet : str, optional
        The worksheet the register was read from (replaced in place; the
        workbook's other sheets are kept).
    """
    updated, target = Path(updated), Path(target)
    suffix = target.suffix.lower()
    fmt = {".xlsx": "xlsx", ".csv": "csv", ".tsv": "csv", ".txt": "csv", ".parquet": "parquet"}.get(suffix)
    if fmt is None:
        raise ValueError(f"the action register {target} has a type salesnb cannot write ({suffix or 'no extension'}): use .xlsx, .csv or .parquet")
    current = target if target.exists() else None
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    history = None
    try:
        history = _history_copy(current, period) if current is not None else None
        if fmt == "xlsx":
            _write_xlsx_like(updated, current, tmp, source, sheet)
        else:
            _write_table_like(updated, current, tmp, fmt, source, encoding)
    except BaseException:
        tmp.unlink(missing_ok=True)
        if history is not None:
            history.unlink(missing_ok=True)
        raise
    return StagedRegister(target, tmp, history)


def publish_register(workspace: str | Path, updated: str | Path, period: Period, current: str | Path | None = None,
                     source=None, encoding: str | None = None, sheet: str | None = None) -> Path:
    """Put the run's updated register where the user keeps it, in the same format.

    The register is written back to ``current`` (default :func:`register_path`
    of ``workspace``: ``tables.actions.file``, else ``actions.csv`` /
    ``actions.xlsx`` / ``actions.parquet`` in the workspace, else a new
    ``actions.xlsx``). The version it replaces is first copied to
    ``actions.history/`` beside it — ``<period it was written for>.xlsx``
    (``initial.xlsx`` for a register started by hand) or
    ``before-<period>.csv`` — and an existing history file is never
    overwritten (a ``-2``, ``-3`` … suffix is added). The user's file is never
    deleted or moved; the write is atomic (a temp file beside it, then one
    ``os.replace``). ``salesnb run`` uses :func:`stage_register` and commits
    it together with the report.
    """
    target = Path(current).resolve() if current else register_path(workspace)
    return stage_register(updated, period, target, source, encoding, sheet).commit()
