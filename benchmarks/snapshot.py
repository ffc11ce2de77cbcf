"""Snapshot every number a run publishes, to prove a refactor changed none of them.

``python benchmarks/snapshot.py take OUT_PERIOD_DIR SNAP.json`` reads one published period folder
(``outputs/<workspace>/<period>``) and writes a normalized JSON: each artifact CSV and JSON as text, each workbook's
cells, the visible text of every HTML page (scripts, styles and images left out) and run.json without its times,
versions and paths. ``python benchmarks/snapshot.py compare A.json B.json`` prints every difference and exits 1 when
there is one. Used for issue 18's "every number unchanged" check (see benchmarks/README.md).

``compare A.json B.json --rel-tol 1e-9 --abs-tol 0.005`` counts two numbers as equal when they are that close
(``math.isclose``): in JSON values, workbook cells and the fields of CSV lines. HTML text stays exact (it shows
formatted numbers). This is for a change that moves a sum into another engine: DuckDB's exact decimal sums and
pandas' float64 sums can differ in the last bits, so "unchanged" there means "unchanged to the cent".
"""
from __future__ import annotations

import csv
import html.parser
import json
import math
import sys
from pathlib import Path

import openpyxl

VOLATILE_RUN_KEYS = {"started_at", "finished_at", "seconds_total", "timings_seconds", "versions", "lock_drift",
                     "platform", "salesnb", "inputs", "prepare", "parameters", "register"}


class _Text(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        for k, v in attrs:
            if k in ("alt", "title", "aria-label") and v:
                self.parts.append(f"[{k}:{v}]")

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.parts.append(data.strip())


def _html_text(path: Path) -> list[str]:
    p = _Text()
    p.feed(path.read_text(encoding="utf-8"))
    return p.parts


def _workbook(path: Path) -> dict:
    wb = openpyxl.load_workbook(path, data_only=False)
    return {ws.title: [[c for c in row] for row in ws.iter_rows(values_only=True)] for ws in wb.worksheets}


def take(period_dir: Path) -> dict:
    snap: dict = {}
    for f in sorted(period_dir.rglob("*")):
        rel = str(f.relative_to(period_dir))
        if not f.is_file() or rel.endswith(".ipynb") or "/failed/" in rel:
            continue
        if f.suffix == ".csv":
            snap[rel] = f.read_text(encoding="utf-8-sig").splitlines()
        elif f.suffix == ".json" and f.name == "run.json":
            d = json.loads(f.read_text(encoding="utf-8"))
            snap[rel] = {k: v for k, v in d.items() if k not in VOLATILE_RUN_KEYS}
        elif f.suffix == ".json":
            d = json.loads(f.read_text(encoding="utf-8"))
            if isinstance(d, dict):
                d.pop("generated_at", None)
                d.pop("run", None)
            snap[rel] = d
        elif f.suffix == ".xlsx":
            snap[rel] = _workbook(f)
        elif f.suffix == ".html":
            snap[rel] = _html_text(f)
    return snap


def _number(value) -> float | None:
    """``value`` as a float when it is a number or a text that reads as one (not a bool), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _same(a, b, tol: tuple[float, float]) -> bool:
    """Equal, or two numbers within ``tol`` (relative, absolute); NaN equals NaN."""
    if a == b:
        return True
    x, y = _number(a), _number(b)
    if x is None or y is None or tol == (0.0, 0.0):
        return False
    if math.isnan(x) or math.isnan(y):
        return math.isnan(x) and math.isnan(y)
    return math.isclose(x, y, rel_tol=tol[0], abs_tol=tol[1])


def _same_csv_line(a: str, b: str, tol: tuple[float, float]) -> bool:
    fa, fb = next(csv.reader([a])), next(csv.reader([b]))
    return len(fa) == len(fb) and all(_same(x, y, tol) for x, y in zip(fa, fb))


def _diff(a, b, path: str, out: list[str], tol: tuple[float, float] = (0.0, 0.0), html: bool = False) -> None:
    """Append to ``out`` every difference between ``a`` and ``b`` (``tol``: see the module docstring)."""
    numeric = tol != (0.0, 0.0) and _number(a) is not None and _number(b) is not None and not isinstance(a, str)
    if type(a) is not type(b) and not numeric:
        out.append(f"{path}: {a!r} != {b!r}")
    elif isinstance(a, dict):
        for k in sorted(set(a) | set(b), key=str):
            if k not in a or k not in b:
                out.append(f"{path}/{k}: only in {'B' if k not in a else 'A'}")
            else:
                _diff(a[k], b[k], f"{path}/{k}", out, tol, html or str(k).endswith(".html"))
    elif isinstance(a, list):
        if len(a) != len(b):
            out.append(f"{path}: {len(a)} items != {len(b)} items")
        csv_lines = path.endswith(".csv")
        for i, (x, y) in enumerate(zip(a, b)):
            if csv_lines and isinstance(x, str) and isinstance(y, str):
                if not _same_csv_line(x, y, tol):
                    out.append(f"{path}[{i}]: {x!r} != {y!r}")
            else:
                _diff(x, y, f"{path}[{i}]", out, tol, html)
    elif html or isinstance(a, str):
        if a != b:
            out.append(f"{path}: {a!r} != {b!r}")
    elif not _same(a, b, tol):
        out.append(f"{path}: {a!r} != {b!r}")


def _tolerance(args: list[str]) -> tuple[float, float]:
    rel = float(args[args.index("--rel-tol") + 1]) if "--rel-tol" in args else 0.0
    absolute = float(args[args.index("--abs-tol") + 1]) if "--abs-tol" in args else 0.0
    return rel, absolute


def main(argv: list[str]) -> int:
    if argv[:1] == ["take"] and len(argv) == 3:
        Path(argv[2]).write_text(json.dumps(take(Path(argv[1])), ensure_ascii=False, indent=0, default=str),
                                 encoding="utf-8")
        return 0
    if argv[:1] == ["compare"] and len(argv) in (3, 5, 7):
        a, b = (json.loads(Path(p).read_text(encoding="utf-8")) for p in argv[1:3])
        out: list[str] = []
        _diff(a, b, "", out, _tolerance(argv[3:]))
        print("\n".join(out[:200]) + (f"\n… {len(out) - 200} more" if len(out) > 200 else ""))
        print(f"{len(out)} difference(s)")
        return 1 if out else 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
