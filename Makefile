# salesnb — two commands on a fresh machine (Python 3.11+ and make):
#   make report   set up .venv, run the latest complete quarter of data/sample, print the report path
#   make test     set up .venv, run the whole test suite
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.salesnb-installed
LANG_REPORT ?= en
OUT    ?= outputs

.PHONY: setup report report-zh test test-spark lint clean-venv strip sample bench

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e ".[test]"
	@touch $(STAMP)

setup: $(STAMP)

# An existing period folder is moved aside (never deleted) so the demo can be rerun.
report: $(STAMP)
	$(BIN)/salesnb run data/sample --lang $(LANG_REPORT) --out $(OUT) --force

report-zh: $(STAMP)
	$(MAKE) report LANG_REPORT=zh OUT=$(OUT)/zh

test: $(STAMP)
	$(BIN)/python -m pytest

# The Spark engine (local mode, needs Java 17): installs pyspark, compares Spark's aggregates with DuckDB's.
test-spark: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[test,spark]"
	$(BIN)/python -m pytest -m spark tests/test_prepare_spark.py

# Benchmarks (benchmarks/README.md): scaled workspaces under BENCH_DIR, then prepare / floor / pandas / full runs.
BENCH_DIR ?= /tmp/salesnb-bench
bench: $(STAMP)
	$(BIN)/python benchmarks/run.py --dir $(BENCH_DIR)

# Regenerate the bundled sample workspace from its generator (deterministic).
sample: $(STAMP)
	rm -rf data/sample.new && $(BIN)/salesnb sample --out data/sample.new && rm -rf data/sample && mv data/sample.new data/sample

# Strip outputs from notebooks before committing (tests fail on stored outputs).
strip: $(STAMP)
	$(BIN)/salesnb strip notebooks/*.ipynb

clean-venv:
	rm -rf $(VENV)
