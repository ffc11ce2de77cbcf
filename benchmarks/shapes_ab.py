"""Run the workspace shapes of docs/shapes.md with two versions of salesnb and compare every output.

The A/B check behind "every number unchanged" for a change to the data path: each of the 28 pairwise shapes
(``tests/shapes``) is built once, run end to end by code A and by code B (two at a time, each with its own cache), and
the two published periods are compared with ``snapshot.py`` (exact, or within ``--rel-tol``/``--abs-tol``).

Usage::

    git worktree add /tmp/salesnb-before <commit>
    python benchmarks/shapes_ab.py --a /tmp/salesnb-before --b . --dir /tmp/shapes-ab [--limit 3]

Prints one line per shape (exit codes of both runs and the number of differences) and exits 1 when a run failed or
a shape differs. A run takes 20–40 s; the 28 shapes take about 15 minutes on two cores.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def build_shapes(folder: Path, limit: int | None) -> list[tuple[Path, str, str]]:
    """Write the shapes' workspaces under ``folder``: (workspace, period, language) each."""
    sys.path.insert(0, str(ROOT / "tests"))
    from shapes.build import build_shape, period_of
    from shapes.matrix import SHAPES

    rows = []
    for row in SHAPES[:limit]:
        factors = {k: v for k, v in row.items() if k != "lang"}
        rows.append((build_shape(folder, factors), period_of(factors), row["lang"]))
    return rows


def run_one(code: Path, ws: Path, period: str, lang: str, out: Path) -> tuple[int, Path]:
    """Copy ``ws`` under ``out`` and run it with the salesnb in ``code``; returns (exit code, snapshot file)."""
    out.mkdir(parents=True, exist_ok=True)
    copy = out / "ws"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(ws, copy)
    env = {**os.environ, "PYTHONPATH": str(code), "SALESNB_CACHE": str(out.parent / "cache")}
    salesnb = Path(sys.executable).parent / "salesnb"
    with open(out / "log", "w", encoding="utf-8") as log:
        rc = subprocess.run([str(salesnb), "run", str(copy), "--period", period, "--lang", lang, "--out", str(out / "o"),
                             "--force"], env=env, stdout=log, stderr=subprocess.STDOUT, cwd="/tmp").returncode
    snap = out / "snap.json"
    if rc == 0:
        subprocess.run([sys.executable, str(HERE / "snapshot.py"), "take", str(out / "o" / "ws" / period), str(snap)],
                       env=env, check=True)
    return rc, snap


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--a", type=Path, required=True, help="checkout of the code before (its root folder)")
    parser.add_argument("--b", type=Path, required=True, help="checkout of the code after")
    parser.add_argument("--dir", type=Path, default=Path("/tmp/shapes-ab"))
    parser.add_argument("--limit", type=int, default=None, help="only the first N shapes")
    parser.add_argument("--rel-tol", default=None)
    parser.add_argument("--abs-tol", default=None)
    args = parser.parse_args()
    shutil.rmtree(args.dir, ignore_errors=True)
    shapes = build_shapes(args.dir / "ws", args.limit)
    tol = [*(["--rel-tol", args.rel_tol] if args.rel_tol else []), *(["--abs-tol", args.abs_tol] if args.abs_tol else [])]
    bad = 0
    with ThreadPoolExecutor(2) as pool:
        for ws, period, lang in shapes:
            runs = [pool.submit(run_one, code, ws, period, lang, args.dir / label / ws.name)
                    for code, label in ((args.a.resolve(), "A"), (args.b.resolve(), "B"))]
            a, b = (r.result() for r in runs)
            if a[0] or b[0]:
                verdict = "a run failed (see its log)"
            else:
                cmp = subprocess.run([sys.executable, str(HERE / "snapshot.py"), "compare", str(a[1]), str(b[1]), *tol],
                                     capture_output=True, text=True)
                verdict = cmp.stdout.strip().splitlines()[-1]
            bad += verdict != "0 difference(s)"
            print(f"{ws.name} {period} {lang}: A rc={a[0]} B rc={b[0]} :: {verdict}", flush=True)
    print(f"{len(shapes)} shapes, {bad} with a failed run or a difference")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
