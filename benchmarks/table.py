"""Print the README's benchmark table from results.jsonl (the latest row per size and step).

Usage: python benchmarks/table.py [results.jsonl]
"""
from __future__ import annotations

import json
import sys
from pathlib import Path


def main(path: Path) -> None:
    latest: dict[tuple[str, str], dict] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        latest[(row["size"], row["step"])] = row

    def cell(size: str, step: str) -> str:
        row = latest.get((size, step))
        if row is None:
            return "not run"
        if "skipped" in row:
            return row["skipped"]
        if row.get("rc"):
            return f"failed after {row['seconds']:.0f} s"
        return f"{row['seconds']:.1f} s / {row['peak_rss_mb'] / 1024:.2f} GB"

    def ratio(size: str, a: str, b: str) -> str:
        ra, rb = latest.get((size, a)), latest.get((size, b))
        if not ra or not rb or "seconds" not in ra or "seconds" not in rb:
            return "–"
        return f"{ra['seconds'] / rb['seconds']:.2f}"

    print("| size | sales file | prepare (wall / peak RSS) | prepare again (cache hit) | DuckDB floor | naive pandas | prepare ÷ floor | pandas ÷ prepare | full run | load avg |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for size in ("1m", "10m", "10m_csv", "100m"):
        rows = [r for (s, _), r in latest.items() if s == size]
        if not rows:
            continue
        info = next((r for r in rows if "sales_file" in r), {})
        loads = sorted({r.get("load1_before") for r in rows if r.get("load1_before") is not None})
        print(f"| {size} | {info.get('sales_file', '')} ({info.get('sales_mb', '?')} MB) | {cell(size, 'prepare')} | {cell(size, 'prepare_again')} | "
              f"{cell(size, 'floor')} | {cell(size, 'pandas')} | {ratio(size, 'prepare', 'floor')} | {ratio(size, 'pandas', 'prepare')} | "
              f"{cell(size, 'run')} | {loads[0] if loads else ''}–{loads[-1] if loads else ''} |")
    for step in ("run_first", "run_second"):
        print(f"\nsample {step}: {cell('sample', step)}")
    text = latest.get(("100k comments", "text"))
    if text:
        print(f"\ntext: {text.get('tail', '').strip().splitlines()[-1] if text.get('tail') else text}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent / "results.jsonl")
