"""The sample's full quarterly run with ``source: engine: spark`` (local mode) equals the DuckDB run.

One copy of the sample gets a Spark source (the validated sales and customers
written as Parquet files, ``master: local[2]``); an untouched copy runs on the
default DuckDB engine. Both publish 2025Q4 in English with ``run_period``, each
with an empty prepare cache of its own, and every number of
``artifacts/summary.json`` (metrics and facts) must be equal, value by value.

Documented differences (docs/scale.md, "Proved on real engines"): ``run.json``
records which engine computed the aggregates (``prepare.engine``) and the cache
key of the prepare (``prepare.key``, over ``workspace.yaml`` which holds the
``source:`` section, so ``workspace.yaml``'s sha256 in ``inputs`` differs too);
paths and timings are those of each run. Nothing else may differ.

Needs pyspark and Java 17, so it is not part of ``make test``: run
``make test-spark``. The Spark session (one JVM start) is shared by the whole
module; the two runs take 3.5–4.5 minutes on two cores.
"""
from __future__ import annotations

import json
import math
import os
import shutil
from pathlib import Path

import pytest

from conftest import SAMPLE

pytestmark = pytest.mark.spark
pyspark = pytest.importorskip("pyspark", reason="pyspark is not installed: make test-spark")

PERIOD = "2025Q4"
_COPY = shutil.ignore_patterns("actions.xlsx", "actions.history", ".salesnb.lock")


def _write_parquet_tables(folder: Path) -> tuple[Path, Path]:
    """The validated sample's sales and customers as the Parquet files the Spark source names."""
    from salesnb.io import load_workspace

    sample = load_workspace(SAMPLE)
    folder.mkdir(parents=True)
    sales = sample.tables["sales"][["order_id", "order_date", "customer_id", "region", "product_line", "amount"]].reset_index(drop=True)
    sales.assign(order_date=sales["order_date"].dt.date).to_parquet(folder / "sales.parquet", index=False)
    customers = sample.tables["customers"][["customer_id", "region", "segment"]].reset_index(drop=True)
    customers.to_parquet(folder / "customers.parquet", index=False)
    return folder / "sales.parquet", folder / "customers.parquet"


def _add_spark_source(workspace: Path, sales: Path, customers: Path) -> None:
    config = workspace / "workspace.yaml"
    text = config.read_text(encoding="utf-8")
    assert "\nsource:" not in text  # the sample has no source section: the one added here is the only one
    config.write_text(
        text + f"\nsource:\n  engine: spark\n  master: \"local[2]\"\n  tables: {{sales: \"{sales}\", customers: \"{customers}\"}}\n",
        encoding="utf-8",
    )


def _stop_spark() -> None:
    """Stop the session the Spark prepare started in this process (run_period leaves it running)."""
    from pyspark.sql import SparkSession

    session = SparkSession.getActiveSession() or getattr(SparkSession, "_instantiatedSession", None)
    if session is not None:
        session.stop()


class Runs:
    """The two 2025Q4 runs: ``duckdb`` (the untouched sample) and ``spark`` (the Spark source)."""

    def __init__(self, base: Path):
        from salesnb.report import run_period

        self.folders: dict[str, Path] = {}
        self.caches: dict[str, Path] = {}
        sales, customers = _write_parquet_tables(base / "parquet")
        for engine in ("duckdb", "spark"):
            workspace = base / engine / "sample"  # same folder name: summary.json names the workspace
            shutil.copytree(SAMPLE, workspace, ignore=_COPY)
            if engine == "spark":
                _add_spark_source(workspace, sales, customers)
            self.caches[engine] = base / engine / "cache"
            os.environ["SALESNB_CACHE"] = str(self.caches[engine])  # the notebook kernels inherit it
            self.folders[engine] = run_period(workspace, PERIOD, "en", base / engine / "out", progress=lambda m: None).folder

    def summary(self, engine: str) -> dict:
        return json.loads((self.folders[engine] / "artifacts" / "summary.json").read_text(encoding="utf-8"))

    def run_json(self, engine: str) -> dict:
        return json.loads((self.folders[engine] / "run.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    saved = {name: os.environ.get(name) for name in ("SALESNB_CACHE", "SALESNB_NO_CACHE")}
    os.environ.pop("SALESNB_NO_CACHE", None)  # the notebooks must read the prepared (Spark) aggregates
    try:
        yield Runs(tmp_path_factory.mktemp("run_spark"))
    finally:
        _stop_spark()
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _differences(left, right, path: str = "") -> list[str]:
    """Every place where two JSON values differ (numbers compared exactly, NaN equal to NaN)."""
    if isinstance(left, dict) and isinstance(right, dict):
        out = [f"{path}/{k}: only in {'duckdb' if k in left else 'spark'}" for k in sorted(set(left) ^ set(right))]
        for key in sorted(set(left) & set(right)):
            out += _differences(left[key], right[key], f"{path}/{key}")
        return out
    if isinstance(left, list) and isinstance(right, list):
        if len(left) != len(right):
            return [f"{path}: {len(left)} items (duckdb) vs {len(right)} (spark)"]
        return [d for i, (a, b) in enumerate(zip(left, right)) for d in _differences(a, b, f"{path}[{i}]")]
    if isinstance(left, float) and isinstance(right, float) and math.isnan(left) and math.isnan(right):
        return []
    if type(left) is not type(right) or left != right:
        return [f"{path}: {left!r} (duckdb) vs {right!r} (spark)"]
    return []


def test_spark_run_publishes_the_quarter(runs):
    for engine in ("duckdb", "spark"):
        folder = runs.folders[engine]
        assert folder.name == PERIOD and (folder / "report" / "index.html").is_file(), engine
        for name in ("01_goals", "02_breakdown", "03_diagnosis", "04_improvement"):
            nb = json.loads((folder / f"{name}.ipynb").read_text(encoding="utf-8"))
            errors = [o for c in nb["cells"] if c["cell_type"] == "code" for o in c["outputs"] if o["output_type"] == "error"]
            assert not errors, f"{engine}: {name} has error outputs"


def test_summary_metrics_and_facts_agree_value_by_value(runs):
    duck, spark = runs.summary("duckdb"), runs.summary("spark")
    assert len(duck["metrics"]) > 20 and len(duck["facts"]) > 10  # the comparison is not vacuous
    assert _differences(duck, spark) == []  # metrics, facts, steps, period, workspace, lang


def test_run_json_records_spark_as_the_aggregates_engine(runs):
    duck, spark = runs.run_json("duckdb"), runs.run_json("spark")
    assert duck["prepare"]["engine"] == "duckdb" and spark["prepare"]["engine"] == "spark"
    assert duck["prepare"]["reader"] == spark["prepare"]["reader"] == "contract"  # row-level tables: the workspace's files
    assert duck["prepare"]["key"] != spark["prepare"]["key"]
    # the notebooks read the run's own prepare entry (one entry, the Spark one): no kernel reduced again or elsewhere
    entries = [m for m in runs.caches["spark"].glob("*/*/manifest.json")]
    assert len(entries) == 1, entries
    manifest = json.loads(entries[0].read_text(encoding="utf-8"))
    assert manifest["engine"] == "spark" and manifest["key"] == spark["prepare"]["key"]
    # everything else the run records about its data is the same (workspace.yaml differs by its source section)
    inputs = {name: [i for i in info["inputs"] if i["file"] != "workspace.yaml"] for name, info in (("duckdb", duck), ("spark", spark))}
    assert inputs["duckdb"] == inputs["spark"]
    for key in ("period", "data_quality", "quarantine"):
        assert _differences(duck[key], spark[key]) == [], key


def test_every_csv_and_json_artifact_is_identical(runs):
    """Beyond summary.json: the tables the steps write (history.csv is built from the prepared aggregates)."""
    duck, spark = runs.folders["duckdb"] / "artifacts", runs.folders["spark"] / "artifacts"
    names = sorted(str(p.relative_to(duck)) for p in duck.rglob("*") if p.suffix in (".csv", ".json"))
    assert "history.csv" in names
    assert names == sorted(str(p.relative_to(spark)) for p in spark.rglob("*") if p.suffix in (".csv", ".json"))
    differ = [name for name in names if (duck / name).read_bytes() != (spark / name).read_bytes()]
    assert differ == []
