"""Run the benchmarks of issue 8 and print the README table rows.

For each scaled workspace (benchmarks/gen_scaled.py; generated when missing)
it measures, each in a fresh process, wall time and peak RSS of the whole
process tree (sampled from /proc every 0.1 s, so kernels and workers count):

* ``prepare``  — ``salesnb.prepare.prepare`` with an empty cache, then again (cache hit);
* ``floor``    — benchmarks/floor.py, the same aggregates as one hand-written DuckDB script;
* ``pandas``   — benchmarks/naive_pandas.py, read + groupby (skipped where it cannot fit in RAM);
* ``run``      — ``salesnb run`` (prepare + four notebooks + HTML) with an empty cache (1M and 10M);

plus the bundled sample's full run twice (cold, then warm cache) and the text
goal (benchmarks/text_bench.py). Results are appended to
``benchmarks/results.jsonl``.

Usage::

    python benchmarks/run.py --dir /tmp/salesnb-bench [--sizes 1m,10m,10m_csv,100m] [--what prepare,floor,pandas,run,sample,text]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PY = sys.executable
SIZES = {"1m": (1_000_000, False), "10m": (10_000_000, False), "10m_csv": (10_000_000, True), "100m": (100_000_000, False)}
RUN_SIZES = ("1m", "10m")
PANDAS_MAX_LINES = 20_000_000
"""Above this the naive pandas frame (about 1.3 GB per 10M lines plus groupby copies) is not attempted."""


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                ppid = int(fh.read().rsplit(b")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        tree.setdefault(ppid, []).append(int(entry))
    return tree


def _tree_rss(pid: int) -> int:
    """Resident bytes of ``pid`` and all its descendants."""
    tree, total, todo = _children(), 0, [pid]
    while todo:
        p = todo.pop()
        todo.extend(tree.get(p, []))
        try:
            with open(f"/proc/{p}/statm") as fh:
                total += int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, IndexError):
            pass
    return total


def measure(cmd: list[str], env: dict | None = None, timeout: float = 3600) -> dict:
    """Wall seconds, peak tree RSS (MB) and exit code of ``cmd``."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env={**os.environ, **(env or {})}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_rss(proc.pid))
            time.sleep(0.1)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
    done.set()
    thread.join()
    return {"seconds": round(time.perf_counter() - start, 2), "peak_rss_mb": round(peak / 2**20), "rc": proc.returncode, "tail": out[-800:]}


def _load() -> float:
    return os.getloadavg()[0]


def record(results: Path, row: dict) -> None:
    row = {"at": datetime.now(timezone.utc).isoformat(timespec="seconds"), "load1_before": round(_load(), 2), **row}
    with open(results, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    shown = {k: v for k, v in row.items() if k != "tail"}
    print(json.dumps(shown, ensure_ascii=False), flush=True)
    if row.get("rc"):
        print(row.get("tail", ""), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=Path("/tmp/salesnb-bench"))
    parser.add_argument("--sizes", default="1m,10m,10m_csv,100m")
    parser.add_argument("--what", default="prepare,floor,pandas,run,sample,text")
    parser.add_argument("--results", type=Path, default=HERE / "results.jsonl")
    args = parser.parse_args()
    what = set(args.what.split(","))
    args.dir.mkdir(parents=True, exist_ok=True)
    print(f"machine: {platform.platform()}, {os.cpu_count()} cores, python {platform.python_version()}", flush=True)
    for size in [s for s in args.sizes.split(",") if s]:
        lines, csv = SIZES[size]
        ws = args.dir / f"ws{size}"
        if not (ws / "workspace.yaml").is_file():
            gen = measure([PY, str(HERE / "gen_scaled.py"), "--lines", str(lines), "--out", str(ws)] + (["--csv"] if csv else []))
            record(args.results, {"size": size, "step": "generate", **gen})
        sales = ws / ("sales.csv" if csv else "sales.parquet")
        base = {"size": size, "sales_file": sales.name, "sales_mb": round(sales.stat().st_size / 2**20)}
        cache = args.dir / f"cache-{size}"
        if "prepare" in what:
            shutil.rmtree(cache, ignore_errors=True)
            code = f"from salesnb.prepare import prepare; p = prepare({str(ws)!r}, cache_dir={str(cache)!r}); print(p.reader, p.manifest['timings_seconds'])"
            record(args.results, {**base, "step": "prepare", **measure([PY, "-c", code])})
            record(args.results, {**base, "step": "prepare_again", **measure([PY, "-c", code])})
        if "floor" in what:
            out = args.dir / f"floor-{size}"
            shutil.rmtree(out, ignore_errors=True)
            record(args.results, {**base, "step": "floor", **measure([PY, str(HERE / "floor.py"), str(ws), str(out)])})
        if "pandas" in what:
            if lines <= PANDAS_MAX_LINES:
                record(args.results, {**base, "step": "pandas", **measure([PY, str(HERE / "naive_pandas.py"), str(ws)])})
            else:
                record(args.results, {**base, "step": "pandas", "skipped": "does not fit: ~13 GB frame + groupby copies > 24 GB RAM"})
        if "run" in what and size in RUN_SIZES:
            out = args.dir / f"out-{size}"
            shutil.rmtree(out, ignore_errors=True)
            shutil.rmtree(cache, ignore_errors=True)
            env = {"SALESNB_CACHE": str(cache)}
            record(args.results, {**base, "step": "run", **measure([str(Path(PY).parent / "salesnb"), "run", str(ws), "--out", str(out)], env)})
    if "sample" in what:
        cache = args.dir / "cache-sample"
        shutil.rmtree(cache, ignore_errors=True)
        ws = args.dir / "sample"
        shutil.rmtree(ws, ignore_errors=True)
        shutil.copytree(ROOT / "data" / "sample", ws, ignore=shutil.ignore_patterns("actions*"))
        out = args.dir / "out-sample"
        shutil.rmtree(out, ignore_errors=True)
        cmd = [str(Path(PY).parent / "salesnb"), "run", str(ws), "--out", str(out), "--force"]
        env = {"SALESNB_CACHE": str(cache)}
        record(args.results, {"size": "sample", "step": "run_first", **measure(cmd, env)})
        record(args.results, {"size": "sample", "step": "run_second", **measure(cmd, env)})
    if "text" in what:
        record(args.results, {"size": "100k comments", "step": "text", **measure([PY, str(HERE / "text_bench.py")])})


if __name__ == "__main__":
    main()
