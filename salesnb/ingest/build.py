"""Building the workspace: ``build_workspace`` derives every table, writes them in a staging folder with the
import's record, validates the result with the data contract and publishes it with one rename.
"""
from __future__ import annotations

import hashlib
import json
import shutil
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping as TMapping

import numpy as np
import pandas as pd

from .._version import __version__
from ..errors import DataError, Problem, QualityNote
from ..io import load_workspace
from .derive import _Deriver, _derive_table
from .export import _read_export
from .mapping import Mapping, TABLE_ORDER, _keep_specs, _template_text, load_mapping


# =========================================================================== building the workspace


@dataclass(frozen=True)
class ImportResult:
    """What :func:`build_workspace` wrote and counted.

    Attributes
    ----------
    workspace : Path
        The new workspace folder.
    counts : dict
        ``lines`` read, rows ``set_aside`` per reason, ``returns`` flagged,
        rows written per table.
    notes : tuple of QualityNote
        Repairs and warnings from reading the export and from validating the
        written workspace.
    """

    workspace: Path
    counts: dict
    notes: tuple[QualityNote, ...]


def _format_numbers(frame: pd.DataFrame) -> pd.DataFrame:
    """Numbers as plain text (no ``1e-05``, no ``.0`` on whole numbers); text unchanged."""
    out = frame.copy()
    for c in out.columns:
        if pd.api.types.is_numeric_dtype(out[c]):
            v = out[c].astype(float)
            whole = v.notna() & (v % 1 == 0) & (v.abs() < 2**53)  # exact integers only (1e19 is not an int64)
            text = v.astype(str)
            text[whole] = v[whole].astype("int64").astype(str)
            odd = text.str.contains("e", regex=False) & ~whole
            text[odd] = v[odd].map(lambda x: np.format_float_positional(x, trim="-"))
            out[c] = text.where(v.notna(), "")
    return out


def _workspace_yaml(template: Path, written: list[str], mapping: Mapping) -> str:
    text = _template_text(template, mapping)
    lines = ["", "# written by salesnb import: one CSV per table (columns kept from the export stay extra columns)", "tables:"]
    for t in written:
        keep = [k for k, _ in _keep_specs(mapping.tables[t])]
        extra = ", ".join(f"{json.dumps(k, ensure_ascii=False)}: extra" for k in keep)
        lines.append(f"  {t}: {{file: {t}.csv{', columns: {' + extra + '}' if keep else ''}}}")
    return text.rstrip("\n") + "\n" + "\n".join(lines) + "\n"


def build_workspace(export: str | Path, mapping: str | Path | Mapping, out: str | Path, *,
                    progress: Callable[[str], None] | None = None) -> ImportResult:
    """Derive a workspace from one export file and validate it.

    Parameters
    ----------
    export : path
        The export: CSV (also ``.csv.gz``), XLSX or Parquet.
    mapping : path or Mapping
        ``import.yaml`` (see ``docs/import.md``).
    out : path
        The workspace folder to create; it must not exist (an import never
        overwrites a workspace: the action register lives there).
    progress : callable, optional
        Receives one line per stage.

    Returns
    -------
    ImportResult

    Raises
    ------
    ConfigError
        A broken mapping or template (key paths named).
    DataError
        Values the derivations cannot use (export file, line, column, value),
        or rows the contract rejects once written (the written file and line,
        and the export line the row came from). Nothing is left behind.
    FileExistsError
        ``out`` exists.
    """
    say = progress or (lambda m: None)
    out = Path(out)
    if out.exists():
        raise FileExistsError(f"{out} exists: an import writes a new workspace (choose another folder, or move the old one aside)")
    m = mapping if isinstance(mapping, Mapping) else load_mapping(mapping)
    export = Path(export)
    frame, file, read_notes, encoding = _read_export(export, m)
    say(f"read {file}: {len(frame):,} lines{f' ({encoding})' if encoding else ''}")
    d = _Deriver(frame, file, m)
    counts: dict[str, Any] = {"lines": int(len(frame))}
    rows, aside_parts, counts["set_aside"] = _set_aside(d, m, frame.index)
    d.rows = rows
    tables, origins = _derive_tables(d, m, rows, counts)
    if d.problems:
        raise DataError(d.problems, f"{len(d.problems)} problem(s) deriving the workspace from {file}")
    if not len(tables["sales"]):
        raise DataError([Problem(file, None, None, None, f"no sales lines are left to import ({len(frame):,} export lines; set aside: "
                                 f"{counts['set_aside'] or 'none'}; outside the sales where: {counts.get('not_in', {}).get('sales', 0)})")])
    empty_notes = _drop_empty_tables(tables, origins, file)
    collapse_notes = [n for name in tables if not (m.tables[name].get("one_row_per") or m.tables[name].get("from"))
                      for n in _collapsed(name, tables[name], origins[name], frame, file)]
    for name, t in tables.items():
        counts[name] = int(len(t))
        say(f"{name}: {len(t):,} rows")
    written = [t for t in TABLE_ORDER if t in tables]
    yaml_text = _workspace_yaml(m.folder / m.workspace, written, m)
    staging = out.with_name(f".{out.name}.importing-{os.getpid()}")
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    try:
        starts, copied = _write_staging(staging, written, tables, origins, yaml_text, aside_parts, frame, m)
        try:
            ws = load_workspace(staging)
        except DataError as err:
            raise _traced(err, origins, starts, file) from None
        notes = tuple(read_notes) + tuple(empty_notes) + tuple(collapse_notes) + tuple(ws.notes)
        _write_import_record(staging / "import", export, m, encoding, counts, copied, notes)
        os.replace(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    say(f"workspace {out} is valid")
    return ImportResult(out, counts, notes)


def _set_aside(d: _Deriver, m: Mapping, rows: pd.Index) -> tuple[pd.Index, list[pd.DataFrame], dict[str, int]]:
    """The export lines left after the mapping's ``set_aside`` rules, the lines set aside (with their reason)
    and how many each reason set aside (two rules may share a reason)."""
    aside_parts = []
    aside_counts: dict[str, int] = {}
    for rule in m.set_aside:
        hit = d.condition(rule["when"], rows)
        aside_counts[rule["reason"]] = aside_counts.get(rule["reason"], 0) + int(hit.sum())
        if hit.any():
            aside_parts.append(pd.DataFrame({"line": rows[hit.to_numpy()], "reason": rule["reason"]}))
        rows = rows[~hit.to_numpy()]
    return rows, aside_parts, aside_counts


def _derive_tables(d: _Deriver, m: Mapping, rows: pd.Index, counts: dict[str, Any]) -> tuple[dict[str, pd.DataFrame], dict[str, pd.Series]]:
    """Every table of the mapping and the export line of each of its rows; tables ``from: sales`` last (they are
    derived from the sales lines' customers). Returns turn the sales amount and quantity negative."""
    tables: dict[str, pd.DataFrame] = {}
    origins: dict[str, pd.Series] = {}
    sales_customer = None
    for name in [t for t in TABLE_ORDER if t in m.tables]:
        spec = m.tables[name]
        if spec.get("from") == "sales":
            continue
        frame_t, origin = _derive_table(name, spec, d, rows, None, counts)
        if name == "sales":
            if spec.get("returns"):
                _negate_returns(d, spec, rows, frame_t, origin, counts)
            sales_customer = pd.Series(frame_t["customer_id"].to_numpy(), index=origin.to_numpy())
        tables[name], origins[name] = frame_t, origin
    for name, spec in m.tables.items():
        if spec.get("from") == "sales":
            frame_t, origin = _derive_table(name, spec, d, pd.Index(sales_customer.index), sales_customer)
            tables[name], origins[name] = frame_t, origin
    return tables, origins


def _negate_returns(d: _Deriver, spec: dict, rows: pd.Index, frame_t: pd.DataFrame, origin: pd.Series, counts: dict[str, Any]) -> None:
    """The sales lines the mapping's ``returns: when:`` marks get a negative amount and quantity (in place)."""
    sales_rows = rows[d.condition(spec["where"], rows).to_numpy()] if spec.get("where") else rows
    hit = d.condition(spec["returns"]["when"], sales_rows).to_numpy()
    counts["returns"] = int(hit.sum())
    for c in ("amount", "quantity"):
        if c in frame_t:
            values = d.as_number(frame_t[c], origin, f"tables.sales.columns.{c}")
            frame_t[c] = values.where(~hit, -values.abs())


def _drop_empty_tables(tables: dict[str, pd.DataFrame], origins: dict[str, pd.Series], file: str) -> list[QualityNote]:
    """Optional tables no export line makes a row of are left out (not written as a header-only file), each with a note."""
    empty = [name for name, t in tables.items() if not len(t) and name not in ("sales", "customers")]
    notes = [QualityNote(name, file, "import_table_empty", 0, f"no export line makes a {name} row (its where: or the set-aside "
                         f"rules leave none), so the workspace has no {name} table", "warning") for name in empty]
    for name in empty:
        tables.pop(name)
        origins.pop(name)
    return notes


def _write_staging(staging: Path, written: list[str], tables: dict[str, pd.DataFrame], origins: dict[str, pd.Series],
                   yaml_text: str, aside_parts: list[pd.DataFrame], frame: pd.DataFrame, m: Mapping) -> tuple[dict[str, list[int]], dict[str, Path]]:
    """The workspace's files in ``staging``: each table's CSV, ``workspace.yaml``, and under ``import/`` the lines set
    aside, each row's export line, the mapping, its template and map files (so the import can be repeated exactly).
    Returns the first CSV line of each row per table and the files copied into ``import/``."""
    starts: dict[str, list[int]] = {}
    for name in written:
        path = staging / f"{name}.csv"
        _format_numbers(tables[name]).to_csv(path, index=False, encoding="utf-8")
        starts[name] = _record_lines(path)  # a text with a line break takes two lines of the CSV
    (staging / "workspace.yaml").write_text(yaml_text, encoding="utf-8")
    meta = staging / "import"
    meta.mkdir()
    if aside_parts:
        aside = pd.concat(aside_parts, ignore_index=True).rename(columns={"line": "export_line", "reason": "set_aside_reason"})
        aside = aside.join(frame, on="export_line", suffixes=("", " (export)"))
        aside.to_csv(meta / "set_aside.csv", index=False, encoding="utf-8")
    for name in written:
        pd.DataFrame({"line": starts[name], "export_line": origins[name].to_numpy()}).to_csv(meta / f"{name}_lines.csv", index=False)
    copied = {m.file: m.folder / m.file, "workspace.template.yaml": m.folder / m.workspace}
    for spec in m.tables.values():
        for cspec in [*spec["columns"].values(), *(k for _, k in _keep_specs(spec))]:
            if isinstance(cspec, dict) and "map_file" in cspec:
                copied[Path(cspec["map_file"]).name] = m.folder / cspec["map_file"]
    for target, source_path in copied.items():
        shutil.copyfile(source_path, meta / target)
    return starts, copied


def _write_import_record(meta: Path, export: Path, m: Mapping, encoding: str | None, counts: dict[str, Any],
                         copied: dict[str, Path], notes: tuple[QualityNote, ...]) -> None:
    """``import/import.json``: the export's and the mapping's sha256, the counts, the copied files and the notes."""
    info = {
        "export": str(export.resolve()), "export_sha256": _sha256(export), "mapping": str((m.folder / m.file)),
        "mapping_sha256": _sha256(m.folder / m.file), "encoding": encoding, "counts": counts,
        "files_sha256": {name: _sha256(meta / name) for name in copied},
        "notes": [n.as_row() for n in notes],
    }
    info["salesnb"] = __version__
    (meta / "import.json").write_text(json.dumps(info, ensure_ascii=False, indent=2, default=str), encoding="utf-8")


def _collapsed(name: str, table: pd.DataFrame, origin: pd.Series, export: pd.DataFrame, file: str) -> list[QualityNote]:
    """A warning when export rows that differ become identical rows of ``table``.

    The workspace reader removes exact duplicate rows (overlapping exports). Two
    export lines that differ only in columns the mapping does not import (a
    product description, a line number) would be removed the same way; this
    counts them, so the mapping can ``keep:`` a column that tells them apart.
    """
    dup = table.duplicated(keep=False).to_numpy()
    if not dup.any():
        return []
    written = pd.util.hash_pandas_object(table[dup], index=False).to_numpy()
    lines = origin[dup].to_numpy()
    source = pd.util.hash_pandas_object(export.loc[lines], index=False).to_numpy()
    groups = pd.DataFrame({"w": written, "s": source, "line": lines})
    distinct = groups.drop_duplicates(["w", "s"])
    extra = distinct.groupby("w").size() - 1
    n = int(extra.sum())
    if n == 0:
        return []
    hit = distinct[distinct["w"].isin(extra[extra > 0].index)].groupby("w")["line"].apply(lambda s: " = ".join(map(str, s))).head(5)
    return [QualityNote(name, file, "import_lines_collapsed", n,
                        f"{n} export line(s) differ from another only in columns the mapping does not import, so they become "
                        f"identical {name} rows and the reader would remove them as duplicates; add a column that tells "
                        "them apart to tables." + name + ".keep", "warning", tuple(f"lines {v}" for v in hit))]


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _record_lines(path: Path) -> list[int]:
    """The line on which each data record of a written CSV starts (after the header)."""
    import csv

    starts, previous = [], 0
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        for i, _ in enumerate(reader):
            if i:
                starts.append(previous + 1)
            previous = reader.line_num
    return starts


def _traced(err: DataError, origins: TMapping[str, pd.Series], starts: TMapping[str, list[int]], export: str) -> DataError:
    """The validation problems of written tables, each with the export line its row came from."""
    by_file = {f"{name}.csv": (origin, {line: i for i, line in enumerate(starts.get(name, []))}) for name, origin in origins.items()}
    problems = []
    for p in err.problems:
        origin, row_of = by_file.get(p.file, (None, {}))
        if origin is not None and p.line in row_of:
            p = Problem(p.file, p.line, p.column, p.value, f"{p.rule} [from {export} line {int(origin.iloc[row_of[p.line]])}]")
        problems.append(p)
    return DataError(problems, f"the imported workspace does not pass validation ({len(problems)} problem(s))")
