"""Snapshot every number a run publishes, to prove a refactor changed none of them.

``python benchmarks/snapshot.py take OUT_PERIOD_DIR SNAP.json`` reads one published period folder
(``outputs/<workspace>/<period>``) and writes a normalized JSON: each artifact CSV and JSON as text, each workbook's
cells, the visible text of every HTML page (scripts, styles and images left out) and run.json without its times,
versions and paths. ``python benchmarks/snapshot.py compare A.json B.json`` prints every difference and exits 1 when
there is one. Used for issue 18's "every number unchanged" check (see benchmarks/README.md).
"""
from __future__ import annotations

import html.parser
import json
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


def _diff(a, b, path: str, out: list[str]) -> None:
    if type(a) is not type(b):
        out.append(f"{path}: {a!r} != {b!r}")
    elif isinstance(a, dict):
        for k in sorted(set(a) | set(b), key=str):
            if k not in a or k not in b:
                out.append(f"{path}/{k}: only in {'B' if k not in a else 'A'}")
            else:
                _diff(a[k], b[k], f"{path}/{k}", out)
    elif isinstance(a, list):
        if len(a) != len(b):
            out.append(f"{path}: {len(a)} items != {len(b)} items")
        for i, (x, y) in enumerate(zip(a, b)):
            _diff(x, y, f"{path}[{i}]", out)
    elif a != b:
        out.append(f"{path}: {a!r} != {b!r}")


def main(argv: list[str]) -> int:
    if argv[:1] == ["take"] and len(argv) == 3:
        Path(argv[2]).write_text(json.dumps(take(Path(argv[1])), ensure_ascii=False, indent=0, default=str),
                                 encoding="utf-8")
        return 0
    if argv[:1] == ["compare"] and len(argv) == 3:
        a, b = (json.loads(Path(p).read_text(encoding="utf-8")) for p in argv[1:])
        out: list[str] = []
        _diff(a, b, "", out)
        print("\n".join(out[:200]) + (f"\n… {len(out) - 200} more" if len(out) > 200 else ""))
        print(f"{len(out)} difference(s)")
        return 1 if out else 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
