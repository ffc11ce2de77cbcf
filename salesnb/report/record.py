"""What a run records besides the notebooks and the pages: run.json, the quarantine, the contact list, versions.

Here: :func:`write_run_record` (``run.json``: parameters, period, timings, versions, inputs and their sha256, the
prepare cache, data quality, what holds personal data), :func:`write_quarantine`, :func:`write_contacts` and the
package versions and lock drift they quote. Not here: the run itself (:mod:`salesnb.report.run`).
"""
from __future__ import annotations

import json
import platform
import time
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from .._version import __version__
from ..artifacts import write_csv_file
from ..config import CONFIG_FILE
from ..installation import lock_file, version_drift
from ..io import Workspace, sha256_file

if TYPE_CHECKING:
    import pandas as pd

PACKAGES = ("pandas", "numpy", "matplotlib", "seaborn", "papermill", "nbconvert", "nbclient", "pandera", "pydantic", "openpyxl", "pyarrow", "ipykernel")


def _reason_kind(reason: str) -> str:
    for prefix, kind in (("footer note", "footer_note"), ("total row", "total_row"), ("subtotal row", "total_row"), ("exact duplicate", "duplicate")):
        if reason.startswith(prefix):
            return kind
    return "date_out_of_range"


def write_quarantine(folder: Path, ws: Workspace) -> dict[str, dict]:
    """``quarantine/<table>.csv`` for every table with rows set aside; returns what run.json records."""
    written = {}
    for name, frame in ws.quarantine.items():
        if not len(frame):
            continue
        path = write_csv_file(frame.reset_index(), folder / "quarantine" / f"{name}.csv")
        kinds = frame["reason"].map(_reason_kind).value_counts()
        written[name] = {"file": str(path.relative_to(folder)), "rows": len(frame), "reasons": {k: int(v) for k, v in kinds.items()}}
    return written


def write_contacts(folder: Path, ws: Workspace) -> str | None:
    """``internal/contacts.csv``: the unmasked customer contact list, the only output holding personal data."""
    if ws.contacts is None or ws.contacts.empty:
        return None
    path = write_csv_file(ws.contacts.reset_index(drop=True), folder / "internal" / "contacts.csv")
    return str(path.relative_to(folder))


def _lock_drift(progress: Callable[[str], None]) -> list[dict]:
    """Warn (one progress line) when installed packages differ from ``requirements.lock``; the list goes to run.json."""
    drift = [{"package": d.package, "locked": d.locked, "running": d.running} for d in version_drift()]
    if drift:
        shown = ", ".join(f"{d['package']} {d['running']} (locked {d['locked']})" for d in drift[:5])
        more = f" and {len(drift) - 5} more" if len(drift) > 5 else ""
        progress(f"warning: {len(drift)} installed package(s) differ from {lock_file()}: {shown}{more}; "
                 "numbers may differ from a run with the locked versions (README: upgrading deliberately)")
    return drift


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version(), "salesnb": __version__}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def write_run_record(staging: Path, plan, lang: str, started: datetime, t0: float, timings: dict[str, float],
                     notes: "pd.DataFrame", quarantined: dict[str, dict], contacts: str | None) -> dict:
    """Write ``staging/run.json`` for the run ``plan`` (a :class:`salesnb.report.run.RunPlan`) and return what it holds.

    ``started`` and ``t0`` are when the run began (the wall clock and :func:`time.perf_counter`), ``timings``
    the seconds per step, ``notes`` the workspace's data-quality notes, ``quarantined`` and ``contacts`` what
    :func:`write_quarantine` and :func:`write_contacts` wrote.
    """
    root, p, final, ws, prepared = plan.root, plan.period, plan.final, plan.ws, plan.prepared
    complete, drift, register = plan.complete, plan.drift, plan.register
    run_info = {
        "salesnb": __version__,
        "parameters": {"workspace": str(root), "period": str(p), "lang": lang, "output_dir": str(final)},
        "period": {"label": str(p), "start": p.start.date().isoformat(), "end": p.end.date().isoformat(), "complete": complete},
        "started_at": started.isoformat(timespec="seconds"),
        "finished_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "seconds_total": round(time.perf_counter() - t0, 2),
        "timings_seconds": timings,
        "versions": _versions(),
        "lock_drift": drift,
        "platform": platform.platform(),
        "inputs": [
            {"table": s.table, "file": s.file, "format": s.format, "encoding": s.encoding, "sheet": s.sheet, "rows": s.rows, "sha256": s.sha256}
            for s in ws.sources.values()
        ] + [{"table": None, "file": CONFIG_FILE, "format": "yaml", "encoding": "utf-8", "sheet": None, "rows": None,
              "sha256": sha256_file(root / CONFIG_FILE)}],
        "prepare": {"cache_hit": prepared.hit, "reader": prepared.reader, "engine": prepared.engine, "key": prepared.key},
        "data_quality": json.loads(notes.to_json(orient="records", force_ascii=False)),
        "quarantine": quarantined,
        "register": str(register),
        "personal_data": {
            "masked_in": ["report/", "*.ipynb", "artifacts/", "quarantine/"],
            "contact_list": contacts,
            "unmasked_files": sorted(str(f.relative_to(staging)) for f in (staging / "internal").rglob("*") if f.is_file()),
        },
    }
    (staging / "run.json").write_text(json.dumps(run_info, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return run_info
