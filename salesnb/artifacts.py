"""Machine-readable results of a run: tables, JSON and the headline metrics.

Every write goes to a temporary file that is moved into place with
``os.replace``, so a killed run never leaves a half-written artifact. The
names are stable and documented in ``docs/outputs.md``.
"""
from __future__ import annotations

import fcntl
import json
import math
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterable, Mapping

import numpy as np
import pandas as pd

__all__ = ["artifacts_dir", "write_csv", "write_csv_file", "write_xlsx", "write_json", "record_metrics", "record_facts", "read_summary", "atomic_write_bytes", "neutralise_formula", "neutralise_frame", "csv_bytes",
           "mark_pending", "release_pending", "wait_for_artifact"]


def artifacts_dir(output_dir: str | Path) -> Path:
    """``<output_dir>/artifacts``, created if missing."""
    path = Path(output_dir) / "artifacts"
    path.mkdir(parents=True, exist_ok=True)
    return path


def atomic_write_bytes(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` through a temporary file and ``os.replace``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


FORMULA_START: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")
"""A spreadsheet reads a cell starting with one of these as a formula."""


def neutralise_formula(value: Any) -> Any:
    """A text value that a spreadsheet would run as a formula, made inert with a
    leading apostrophe (numbers and other values unchanged).

    >>> neutralise_formula("=SUM(A1)"), neutralise_formula("-5 %"), neutralise_formula(-5.0)
    ("'=SUM(A1)", "'-5 %", -5.0)
    """
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def neutralise_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` with :func:`neutralise_formula` applied to every text cell,
    column label and index label (formula injection through exported data)."""
    out = df.copy()
    for column in out.columns:
        values = out[column]
        if isinstance(values.dtype, pd.CategoricalDtype):  # a notebook's regions and product lines: written as texts
            values = out[column] = values.astype(values.cat.categories.dtype)
        if pd.api.types.is_string_dtype(values) or values.dtype == object:
            out[column] = _neutralised_texts(values)
    out.columns = out.columns.map(lambda c: neutralise_formula(c) if isinstance(c, str) else c)
    if isinstance(out.index, pd.MultiIndex):
        out.index = out.index.set_levels([level.map(neutralise_formula) if level.dtype == object or pd.api.types.is_string_dtype(level) else level
                                          for level in out.index.levels])
    elif out.index.dtype == object or pd.api.types.is_string_dtype(out.index):
        out.index = out.index.map(neutralise_formula)
    return out


def _neutralised_texts(values: pd.Series) -> pd.Series:
    """:func:`neutralise_formula` of every cell of a text column: vectorised for a column of texts (a customer
    table at 10M order lines has two million cells: 1.9 s cell by cell), cell by cell for a column of objects
    (texts mixed with numbers)."""
    if values.dtype == object:
        return values.map(neutralise_formula, na_action="ignore")
    starts = values.str.startswith(FORMULA_START).fillna(False).to_numpy(dtype=bool)
    return values.where(~starts, "'" + values) if starts.any() else values


def _holds_cr(values: pd.Series) -> bool:
    """Whether a text cell of ``values`` holds a carriage return."""
    if values.dtype == object:
        return bool(values.map(lambda v: isinstance(v, str) and "\r" in v).any())
    return bool(values.str.contains("\r", regex=False).fillna(False).any())


def csv_bytes(df: pd.DataFrame, index: bool = False) -> bytes:
    """``df`` as UTF-8 CSV with a BOM, formula-like text neutralised.

    Lines end with ``\n``; when a text cell holds a carriage return they end
    with ``\r\n`` instead, so that the writer quotes that cell (Python's csv
    module quotes only the characters of its line terminator) and a reader
    does not split the row.
    """
    out = neutralise_frame(df)
    texts = [out[c] for c in out.columns if out[c].dtype == object or pd.api.types.is_string_dtype(out[c])]
    labels = [str(v) for v in (*out.columns, *(out.index if index else ()))]
    has_cr = any(_holds_cr(s) for s in texts) or any("\r" in v for v in labels)
    return out.to_csv(index=index, lineterminator="\r\n" if has_cr else "\n").encode("utf-8-sig")


def write_csv(df: pd.DataFrame, output_dir: str | Path, name: str, index: bool = False) -> Path:
    """Write ``artifacts/<name>`` as UTF-8 CSV with a BOM (opens cleanly in Excel).

    Text cells starting with ``=``, ``+``, ``-``, ``@`` (or tab/CR) get a
    leading apostrophe so that a spreadsheet does not run them as formulas.
    """
    path = atomic_write_bytes(artifacts_dir(output_dir) / name, csv_bytes(df, index))
    release_pending(output_dir, name)
    return path


def write_csv_file(df: pd.DataFrame, path: str | Path, index: bool = False) -> Path:
    """Like :func:`write_csv`, to any path (e.g. ``quarantine/sales.csv`` of a run)."""
    return atomic_write_bytes(Path(path), csv_bytes(df, index))


def write_xlsx(sheets: Mapping[str, pd.DataFrame] | pd.DataFrame, output_dir: str | Path, name: str, index: bool = False) -> Path:
    """Write ``artifacts/<name>`` as an Excel workbook (one sheet per frame).

    Text is always stored as text: a value starting with ``=``, ``+``, ``-``
    or ``@`` is written as a text cell with Excel's quote prefix, so it is
    shown as written and never evaluated (and reads back unchanged).
    """
    from io import BytesIO

    from openpyxl import Workbook

    if isinstance(sheets, pd.DataFrame):
        sheets = {"Sheet1": sheets}
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, frame in sheets.items():
        sheet = workbook.create_sheet(str(title)[:31])
        shown = frame.reset_index() if index else frame
        sheet.append([_xlsx_value(c) for c in shown.columns])
        for row in shown.itertuples(index=False):
            sheet.append([_xlsx_value(v) for v in row])
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith(FORMULA_START):
                    cell.data_type = "s"
                    cell.quotePrefix = True
    buffer = BytesIO()
    workbook.save(buffer)
    return atomic_write_bytes(artifacts_dir(output_dir) / name, buffer.getvalue())


def _xlsx_value(value: Any) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, (str, int, float, bool)) or hasattr(value, "isoformat"):
        return value
    return str(value)


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        return None if math.isnan(float(value)) else float(value)
    if isinstance(value, (pd.Timestamp,)):
        return value.isoformat()
    return value


def write_json(obj: Any, output_dir: str | Path, name: str) -> Path:
    """Write ``artifacts/<name>`` as pretty UTF-8 JSON (NaN becomes null)."""
    text = json.dumps(_plain(obj), ensure_ascii=False, indent=2, sort_keys=False)
    path = atomic_write_bytes(artifacts_dir(output_dir) / name, (text + "\n").encode("utf-8"))
    release_pending(output_dir, name)
    return path


PENDING = ".pending"
"""``<output_dir>/.pending/<artifact name>``: an artifact a step of this run is still to write (the file holds the
run's process id). ``salesnb run`` marks them when it starts a step beside the step that reads them, and removes
the folder when the notebooks have finished; run alone in JupyterLab, a step finds no marks and never waits."""


def mark_pending(output_dir: str | Path, names: Iterable[str], pid: int | None = None) -> None:
    """Mark ``names`` (artifact file names) as still to be written in this run, by the process ``pid``."""
    folder = Path(output_dir) / PENDING
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        (folder / name).write_text(str(pid or os.getpid()), encoding="utf-8")


def release_pending(output_dir: str | Path, name: str) -> None:
    """The artifact ``name`` is written (or will not be): whoever waits for it goes on."""
    (Path(output_dir) / PENDING / name).unlink(missing_ok=True)


def wait_for_artifact(output_dir: str | Path, name: str, poll_seconds: float = 0.1, timeout_seconds: float = 3600.0) -> float:
    """Wait while ``name`` is marked pending (:func:`mark_pending`) and its run is alive, at most
    ``timeout_seconds`` (then a warning says so and the step goes on without it); the seconds waited.

    >>> import tempfile
    >>> out = tempfile.mkdtemp()
    >>> mark_pending(out, ["bottlenecks.csv"])
    >>> _ = write_csv(pd.DataFrame({"a": [1]}), out, "bottlenecks.csv")  # writing it releases it
    >>> wait_for_artifact(out, "bottlenecks.csv")
    0.0
    """
    import time

    mark, start = Path(output_dir) / PENDING / name, time.monotonic()
    while True:
        try:
            pid = int(mark.read_text(encoding="utf-8") or 0)
        except (OSError, ValueError):
            break  # not marked (or released meanwhile)
        if not _alive(pid):
            break  # a run that ended without releasing it (killed): nothing more will come
        if time.monotonic() - start > timeout_seconds:
            import warnings

            warnings.warn(f"{name} was still being written after {timeout_seconds:.0f} s; going on without it", stacklevel=2)
            break
        time.sleep(poll_seconds)
    return round(time.monotonic() - start, 3)


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextmanager
def _locked(folder: Path):
    """Exclusive lock on ``folder`` itself (no lock file is left behind)."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def record_metrics(output_dir: str | Path, step: str, metrics: Mapping[str, float | int | None], **context: Any) -> dict:
    """Merge headline ``metrics`` of ``step`` into ``artifacts/summary.json``.

    Values must be numbers (or None/NaN for "not available"); notebooks run
    side by side, so the read-merge-write is done under a file lock. A metric
    two steps record keeps the value of the later step in the run's order
    (``01_goals`` … ``04_improvement``), whichever finished first.

    Examples
    --------
    >>> import tempfile
    >>> d = tempfile.mkdtemp()
    >>> record_metrics(d, "01_goals", {"revenue": 10.0})["metrics"]
    {'revenue': 10.0}
    >>> _ = record_metrics(d, "03_diagnosis", {"late_share": 0.25})
    >>> record_metrics(d, "01_goals", {"late_share": 0.2})["metrics"]["late_share"]  # step 3's stays
    0.25
    """
    def is_number(v: Any) -> bool:
        return v is None or (isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool))

    bad = {k: v for k, v in metrics.items() if not is_number(v)}
    if bad:
        raise TypeError(f"summary metrics must be numbers, not {bad!r}")
    path = artifacts_dir(output_dir) / "summary.json"
    with _locked(path.parent):
        summary = read_summary(output_dir)
        summary.update({k: _plain(v) for k, v in context.items()})
        later = {k for other, keys in summary.get("steps", {}).items() if other > step for k in keys}
        summary.setdefault("metrics", {}).update(_plain({k: v for k, v in metrics.items() if k not in later}))
        if metrics:
            steps = summary.setdefault("steps", {})
            steps[step] = sorted(set(steps.get(step, [])) | set(metrics))
        summary["metrics"] = dict(sorted(summary["metrics"].items()))
        summary["steps"] = dict(sorted(summary.get("steps", {}).items()))
        write_json(summary, output_dir, "summary.json")
    return summary


def record_facts(output_dir: str | Path, step: str, facts: Mapping[str, Mapping[str, Any]]) -> dict:
    """Merge ``facts`` (:func:`salesnb.facts.fact` records) of ``step`` into ``artifacts/summary.json``'s ``facts`` block.

    The step that computes a figure records it once; every page reads it from
    there (docs/outputs.md, "summary.json facts"). The ``metrics`` block is
    left as it is. Same file lock as :func:`record_metrics`.

    Examples
    --------
    >>> import tempfile
    >>> from salesnb.facts import fact
    >>> d = tempfile.mkdtemp()
    >>> record_facts(d, "01_goals", {"nps": fact("nps", 21.5, window="2025Q4", n=335)})["facts"]["nps"]["step"]
    '01_goals'
    """
    for key, value in facts.items():
        if not isinstance(value, Mapping) or "value" not in value or "label" not in value:
            raise TypeError(f"fact {key!r} must be a salesnb.facts.fact record, not {value!r}")
    path = artifacts_dir(output_dir) / "summary.json"
    with _locked(path.parent):
        summary = read_summary(output_dir)
        merged = dict(summary.get("facts") or {})
        merged.update({str(k): {**_plain(dict(v)), "step": step} for k, v in facts.items()})
        summary["facts"] = dict(sorted(merged.items()))
        write_json(summary, output_dir, "summary.json")
    return summary


def read_summary(output_dir: str | Path) -> dict:
    """The current ``artifacts/summary.json`` (empty dict when absent)."""
    path = Path(output_dir) / "artifacts" / "summary.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
