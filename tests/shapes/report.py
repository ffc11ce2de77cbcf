"""Turn the JSON lines of a matrix run (``SHAPES_RESULTS=file pytest -m shapes tests/shapes``) into a
markdown table: per shape its factors (those that differ from the sample), seconds, and the first
failure (the step and its exception, or the first claim that contradicts an artifact).

    python -m shapes.report /tmp/shapes-results.jsonl > shapes-report.md   (from tests/)
"""
from __future__ import annotations

import json
import sys
from collections import Counter

from .build import FACTORS


def _factors(f: dict) -> str:
    diff = [f"{k}={v}" for k, v in f.items() if k != "lang" and v != FACTORS[k][0]]
    return f"lang={f['lang']}; " + (", ".join(diff) or "(the sample's shape)")


def render(lines: list[dict]) -> str:
    rows = sorted(lines, key=lambda e: e["shape"])
    out = ["| shape | factors | wall s | CPU s | result | first failure |", "|---|---|---|---|---|---|"]
    for e in rows:
        if e.get("step") is None:
            result, fail = "publishes, claims hold", ""
        elif e["step"] == "claims":
            result = "publishes; claims fail: " + ", ".join(e["claims"])
            fail = e["failure"]
        else:
            result, fail = f"fails in {e['step']}", e["failure"]
        others = [f"{k[:2]}: {v}" for k, v in (e.get("steps") or {}).items() if k != e.get("step") and v not in ("ok", "not run")]
        if others:
            fail += " — also " + "; ".join(others)
        fail = fail.replace("|", "\\|").replace("\n", " ")
        out.append(f"| {e['shape'].split('-')[0]} | {_factors(e['factors'])} | {e.get('seconds', '')} | {e.get('cpu_seconds', '')} | {result} | {fail} |")
    steps = Counter(e.get("step") or "ok" for e in rows)
    claims = Counter(c for e in rows for c in (e.get("claims") or {}))
    secs = [e["seconds"] for e in rows if "seconds" in e]
    cpu = [e["cpu_seconds"] for e in rows if e.get("cpu_seconds") is not None]
    head = [f"{len(rows)} shapes: " + ", ".join(f"{k}: {v}" for k, v in sorted(steps.items())),
            "claim checks failing (shapes): " + (", ".join(f"{k} {v}" for k, v in claims.most_common()) or "none"),
            f"seconds per shape (build + run, wall clock): min {min(secs):.0f}, median {sorted(secs)[len(secs) // 2]:.0f}, "
            f"max {max(secs):.0f}, sum {sum(secs):.0f}" if secs else "",
            f"CPU seconds per shape (this process and its notebook workers and kernels): median {sorted(cpu)[len(cpu) // 2]:.0f}, "
            f"sum {sum(cpu):.0f}" if cpu else ""]
    return "\n".join(head) + "\n\n" + "\n".join(out) + "\n"


if __name__ == "__main__":
    entries = [json.loads(x) for x in open(sys.argv[1], encoding="utf-8") if x.strip()]
    print(render(entries))
