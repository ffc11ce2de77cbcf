"""Run one shape of the matrix end to end and check what it published.

Each matrix test file calls :func:`run_shape` for its share of
:data:`shapes.matrix.SHAPES`. With ``SHAPES_RESULTS=<file>`` every shape
appends one JSON line (factors, seconds, first failure) — the input of the
shapes report.
"""
from __future__ import annotations

import json
import os
import resource
import time
import traceback
from pathlib import Path

import pytest
import yaml

from .build import build_shape, period_of
from .claims import Run, check_all
from .matrix import SHAPES, shape_id


def _record(entry: dict) -> None:
    path = os.environ.get("SHAPES_RESULTS")
    if path:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(entry, ensure_ascii=False, default=str) + "\n")


def step_status(folder: Path) -> dict[str, str]:
    """Each notebook of a failed run's folder: ``ok``, ``not run`` or its first error (cell, exception, message)."""
    out = {}
    for name in ("01_goals", "02_breakdown", "03_diagnosis", "04_improvement"):
        path = folder / f"{name}.ipynb"
        if not path.is_file():
            out[name] = "not run"
            continue
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        errors = [(i, o) for i, c in enumerate(cells) for o in c.get("outputs", []) if o.get("output_type") == "error"]
        executed = any(c.get("execution_count") for c in cells if c.get("cell_type") == "code")
        if errors:
            i, o = errors[0]
            out[name] = f"cell {i}: {o.get('ename')}: {o.get('evalue', '')}"[:300]
        else:
            out[name] = "ok" if executed else "not run"
    return out


def _cpu() -> float:
    """CPU seconds of this process and its finished children (the notebook workers and their kernels)."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def run_shape(i: int, tmp: Path, lang: str | None = None) -> None:
    """Build shape ``i``, run its period in its language (or ``lang``), and fail with the first problem found."""
    from salesnb.report import NotebookFailed, run_period

    factors = SHAPES[i] if lang is None else {**SHAPES[i], "lang": lang}
    entry = {"shape": shape_id(i, factors), "factors": factors}
    t0 = time.perf_counter()
    cpu0 = _cpu()
    try:
        ws = build_shape(tmp / "ws", factors)
        entry["build_seconds"] = round(time.perf_counter() - t0, 2)
        # the kernels draw charts as a user's run does (inline); the suite's MPLBACKEND=Agg would leave
        # "<Figure size …>" text in place of every chart
        backend = os.environ.pop("MPLBACKEND", None)
        try:
            result = run_period(ws, period_of(factors), factors["lang"], tmp / "out", progress=lambda msg: None)
        finally:
            if backend is not None:
                os.environ["MPLBACKEND"] = backend
    except NotebookFailed as exc:
        entry["steps"] = step_status(Path(exc.failed_dir))
        entry.update(seconds=round(time.perf_counter() - t0, 1), cpu_seconds=round(_cpu() - cpu0, 1), step=exc.notebook, failure=exc.error.strip().splitlines()[-1][:400],
                     failure_full=exc.error[-1500:])
        _record(entry)
        pytest.fail(f"{entry['shape']}: step {exc.notebook} failed: {exc.error[-1500:]}", pytrace=False)
    except Exception as exc:  # noqa: BLE001 - validation or run machinery
        entry.update(seconds=round(time.perf_counter() - t0, 1), step="run", failure=f"{type(exc).__name__}: {str(exc)[:400]}",
                     failure_full=traceback.format_exc()[-1500:])
        _record(entry)
        raise
    entry.update(seconds=round(time.perf_counter() - t0, 1), cpu_seconds=round(_cpu() - cpu0, 1), timings=result.timings)
    config = yaml.safe_load((ws / "workspace.yaml").read_text(encoding="utf-8"))
    found = check_all(Run(result.folder, factors["lang"], config))
    entry["claims"] = found
    if found:
        first = next(iter(found))
        entry.update(step="claims", failure=f"{first}: {found[first][0]}"[:400])
    _record(entry)
    assert not found, f"{entry['shape']}: " + json.dumps(found, ensure_ascii=False, indent=1)


def half(part: int, parts: int = 2) -> list[tuple[int, str]]:
    """(shape number, language) of one matrix file: every ``parts``-th shape from ``part`` (the costly
    first shapes are spread over the files). Each shape runs in its pairwise language; with
    ``SHAPES_LANGS=both`` in English and in Chinese (twice the time); with ``SHAPES_LANGS=other`` in the
    language the pairwise design did not give it (a pairwise run and an ``other`` run cover both)."""
    mode = os.environ.get("SHAPES_LANGS", "pairwise")
    if mode not in ("pairwise", "both", "other"):
        raise ValueError(f"SHAPES_LANGS must be pairwise, both or other, not {mode!r}")
    numbers = [i for i in range(len(SHAPES)) if i % parts == part]

    def langs(i: int) -> tuple[str, ...]:
        own = SHAPES[i]["lang"]
        return ("en", "zh") if mode == "both" else ((own,) if mode == "pairwise" else ({"en": "zh", "zh": "en"}[own],))

    return [(i, lang) for i in numbers for lang in langs(i)]


def ids(cases: list[tuple[int, str]]) -> list[str]:
    return [shape_id(i, {**SHAPES[i], "lang": lang}) for i, lang in cases]
