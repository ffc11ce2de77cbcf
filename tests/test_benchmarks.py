"""The benchmark scripts still run against the library (they use it the way an outsider would, so a restructure
that moves a name breaks them first). Speed itself is measured in benchmarks/, never here."""
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "benchmarks"


def test_the_scaled_workspace_generator_writes_a_valid_workspace(tmp_path):
    out = tmp_path / "ws"
    subprocess.run([sys.executable, str(BENCH / "gen_scaled.py"), "--lines", "20000", "--out", str(out)], check=True,
                   capture_output=True)
    lines = len(pd.read_parquet(out / "sales.parquet"))  # the export's own (Chinese) headers, mapped in workspace.yaml
    assert 20000 <= lines < 21000  # whole orders: a few more lines than asked
    from salesnb.io import load_workspace

    ws = load_workspace(out)
    sales = ws.tables["sales"]
    aside = sum(int(n.count) for n in ws.notes if n.table == "sales" and n.rule == "duplicate_rows_removed")  # drawn twice
    assert len(sales) + aside == lines and {"order_id", "customer_id", "region", "product_line", "amount"} <= set(sales.columns)


def test_snapshot_compare_finds_a_changed_number_and_nothing_else(tmp_path):
    period = tmp_path / "period"
    (period / "artifacts").mkdir(parents=True)
    (period / "artifacts" / "history.csv").write_text("period,revenue\n2025Q4,10.5\n", encoding="utf-8")
    (period / "artifacts" / "summary.json").write_text(json.dumps({"metrics": {"nps": 21.5}}), encoding="utf-8")
    snap = BENCH / "snapshot.py"
    run = lambda *a: subprocess.run([sys.executable, str(snap), *map(str, a)], capture_output=True, text=True)  # noqa: E731
    assert run("take", period, tmp_path / "a.json").returncode == 0
    same = run("compare", tmp_path / "a.json", tmp_path / "a.json")
    assert same.returncode == 0 and "0 difference(s)" in same.stdout
    (period / "artifacts" / "summary.json").write_text(json.dumps({"metrics": {"nps": 21.6}}), encoding="utf-8")
    run("take", period, tmp_path / "b.json")
    changed = run("compare", tmp_path / "a.json", tmp_path / "b.json")
    assert changed.returncode == 1 and "/artifacts/summary.json/metrics/nps: 21.5 != 21.6" in changed.stdout
    assert "1 difference(s)" in changed.stdout


def test_the_timeline_names_each_process_of_the_tree_and_the_peak(tmp_path):
    # a child that holds 300 MB for a moment: the timeline shows it as its own process and in the peak
    code = "import time, subprocess, sys; subprocess.run([sys.executable, '-c', 'b = bytearray(300 * 2**20); import time; time.sleep(1.5)']); print('done')"
    out = subprocess.run([sys.executable, str(BENCH / "timeline.py"), "--every", "0.2", "--", sys.executable, "-c", code],
                         capture_output=True, text=True, cwd=BENCH, timeout=60)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert any(line.endswith("| done") for line in lines)
    peak = [line for line in lines if line.startswith("PEAK")]
    assert len(peak) == 1 and "python" in peak[0]
    total = float(peak[0].split("rss")[1].split("GB")[0])
    assert total >= 0.29  # the 300 MB child is counted in the tree's total


def test_snapshot_compare_with_a_tolerance_accepts_float_noise_in_numbers_but_not_in_page_text(tmp_path):
    def period(csv_value: str, json_value: float, page: str) -> Path:
        d = tmp_path / f"p{csv_value}{page}"
        (d / "artifacts").mkdir(parents=True)
        (d / "report").mkdir()
        (d / "artifacts" / "history.csv").write_text(f"period,revenue,region\n2025Q4,{csv_value},东区\n", encoding="utf-8")
        (d / "artifacts" / "summary.json").write_text(json.dumps({"metrics": {"revenue": json_value}}), encoding="utf-8")
        (d / "report" / "index.html").write_text(f"<p>revenue {page}</p>", encoding="utf-8")
        return d

    snap = BENCH / "snapshot.py"
    run = lambda *a: subprocess.run([sys.executable, str(snap), *map(str, a)], capture_output=True, text=True)  # noqa: E731
    run("take", period("1234.5", 1234.5, "1,234.5"), tmp_path / "a.json")
    run("take", period("1234.5000000001", 1234.5000000002, "1,234.5"), tmp_path / "b.json")
    exact = run("compare", tmp_path / "a.json", tmp_path / "b.json")
    assert exact.returncode == 1 and "2 difference(s)" in exact.stdout  # the CSV field and the JSON number
    close = run("compare", tmp_path / "a.json", tmp_path / "b.json", "--rel-tol", "1e-9", "--abs-tol", "0.005")
    assert close.returncode == 0 and "0 difference(s)" in close.stdout
    run("take", period("1234.51", 1234.5, "1,234.6"), tmp_path / "c.json")
    far = run("compare", tmp_path / "a.json", tmp_path / "c.json", "--rel-tol", "1e-9", "--abs-tol", "0.005")
    # a cent off in the CSV is a difference, and page text is compared as text whatever the tolerance
    assert far.returncode == 1 and "2 difference(s)" in far.stdout and "1,234.6" in far.stdout


def test_the_shape_a_b_script_builds_the_matrix_it_runs(tmp_path):
    # the script's own building step (running the shapes takes minutes: benchmarks/README.md)
    sys.path.insert(0, str(BENCH))
    try:
        from shapes_ab import build_shapes
    finally:
        sys.path.remove(str(BENCH))
    built = build_shapes(tmp_path, limit=2)
    assert len(built) == 2 and all((ws / "workspace.yaml").is_file() for ws, _, _ in built)
    assert [lang for _, _, lang in built] == ["en", "zh"] and all(p[:4].isdigit() for _, p, _ in built)
