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
from typing import Any, Mapping

import numpy as np
import pandas as pd

__all__ = ["artifacts_dir", "write_csv", "write_json", "record_metrics", "read_summary", "atomic_write_bytes"]


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


def write_csv(df: pd.DataFrame, output_dir: str | Path, name: str, index: bool = False) -> Path:
    """Write ``artifacts/<name>`` as UTF-8 CSV with a BOM (opens cleanly in Excel)."""
    data = df.to_csv(index=index, lineterminator="\n").encode("utf-8-sig")
    return atomic_write_bytes(artifacts_dir(output_dir) / name, data)


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
    return atomic_write_bytes(artifacts_dir(output_dir) / name, (text + "\n").encode("utf-8"))


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
    side by side, so the read-merge-write is done under a file lock.

    Examples
    --------
    >>> import tempfile
    >>> d = tempfile.mkdtemp()
    >>> record_metrics(d, "01_goals", {"revenue": 10.0})["metrics"]
    {'revenue': 10.0}
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
        summary.setdefault("metrics", {}).update(_plain(dict(metrics)))
        if metrics:
            summary.setdefault("steps", {})[step] = sorted(metrics)
        summary["metrics"] = dict(sorted(summary["metrics"].items()))
        summary["steps"] = dict(sorted(summary.get("steps", {}).items()))
        write_json(summary, output_dir, "summary.json")
    return summary


def read_summary(output_dir: str | Path) -> dict:
    """The current ``artifacts/summary.json`` (empty dict when absent)."""
    path = Path(output_dir) / "artifacts" / "summary.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
