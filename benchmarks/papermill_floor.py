"""The bare papermill floor of a quarterly run, and the sample quarter beside it (issue 18's "≤ 2 × the floor").

The floor is what any four-notebook papermill report pays before it computes anything: four trivial
parameterized notebooks (the same ``workspace``/``period``/``lang``/``output_dir`` parameters) that import pandas and
seaborn, draw one chart, and are exported to HTML without their input cells — run two at a time, as
``salesnb run`` schedules its steps on two cores. The sample quarter is ``salesnb run`` on a fresh copy of
``data/sample`` with an empty prepare cache. The two are measured alternately (floor, sample, floor, sample …) so a
busy machine slows both alike; the medians and their ratio are printed and appended to ``results.jsonl``.

Usage::

    python benchmarks/papermill_floor.py [--rounds 3] [--lang en]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CELL = """import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

frame = pd.DataFrame({"region": list("ABCDEF"), "revenue": np.arange(6) + 1.0})
ax = sns.barplot(data=frame, x="region", y="revenue")
ax.set_title(f"{workspace} {period} ({lang})")
plt.show()
"""


def _notebook() -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell('workspace = "x"\nperiod = "2025Q4"\nlang = "en"\noutput_dir = "out"')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell(CELL), nbformat.v4.new_markdown_cell("One sentence.")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


def _one(folder: Path, i: int) -> None:
    import papermill as pm
    from nbconvert import HTMLExporter

    src, out = folder / f"0{i}.ipynb", folder / f"0{i}.out.ipynb"
    nbformat.write(_notebook(), src)
    pm.execute_notebook(str(src), str(out), parameters={"workspace": "floor", "period": "2025Q4", "lang": "en",
                                                        "output_dir": str(folder)}, progress_bar=False)
    body, _ = HTMLExporter(exclude_input=True).from_notebook_node(nbformat.read(out, as_version=4))
    (folder / f"0{i}.html").write_text(body, encoding="utf-8")


def _four() -> None:
    """The four trivial notebooks, two at a time, with their HTML (in this process)."""
    with tempfile.TemporaryDirectory() as tmp:
        with ThreadPoolExecutor(2) as pool:
            list(pool.map(lambda i: _one(Path(tmp), i), range(1, 5)))


def floor() -> float:
    """Wall seconds of :func:`_four` in a fresh Python process (its start and imports count, as ``salesnb run``'s do)."""
    start = time.perf_counter()
    subprocess.run([sys.executable, __file__, "--four"], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def sample(lang: str) -> float:
    """Wall seconds of ``salesnb run`` on a fresh copy of the sample with an empty prepare cache."""
    with tempfile.TemporaryDirectory() as tmp:
        ws = Path(tmp) / "sample"
        shutil.copytree(ROOT / "data" / "sample", ws)
        env = {**os.environ, "SALESNB_CACHE": str(Path(tmp) / "cache")}
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "salesnb", "run", str(ws), "--lang", lang, "--out", str(Path(tmp) / "out"),
                        "--force"], check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--lang", default="en")
    parser.add_argument("--four", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.four:
        _four()
        return
    floors, samples = [], []
    for _ in range(args.rounds):
        floors.append(floor())
        samples.append(sample(args.lang))
    f, s = statistics.median(floors), statistics.median(samples)
    load = os.getloadavg()[0]
    row = {"when": datetime.now(timezone.utc).isoformat(timespec="seconds"), "what": "papermill_floor", "size": "sample",
           "floor_s": [round(x, 1) for x in floors], "sample_s": [round(x, 1) for x in samples],
           "floor_median_s": round(f, 1), "sample_median_s": round(s, 1), "ratio": round(s / f, 2), "load1": round(load, 2)}
    with open(HERE / "results.jsonl", "a", encoding="utf-8") as fh:
        fh.write(json.dumps(row) + "\n")
    print(f"floor {f:.1f} s (runs {', '.join(f'{x:.1f}' for x in floors)}), sample quarter {s:.1f} s "
          f"(runs {', '.join(f'{x:.1f}' for x in samples)}): {s / f:.2f} × the floor (load {load:.2f})")


if __name__ == "__main__":
    main()
