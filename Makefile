# salesnb — two commands on a fresh machine (Python 3.11+ and make):
#   make report   set up .venv, run the latest complete quarter of data/sample, print the report path
#   make test     set up .venv, run the whole test suite
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.salesnb-installed
LANG_REPORT ?= en
OUT    ?= outputs

.PHONY: setup report report-zh test test-shapes test-spark lint clean-venv strip sample bench examples

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

# The workspace-shape matrix alone (docs/shapes.md): pairwise-covering shapes derived from the sample, each run end to end.
test-shapes: $(STAMP)
	$(BIN)/python -m pytest -m shapes tests/shapes

# The Spark engine (local mode, needs Java 17): installs pyspark, compares Spark's aggregates with DuckDB's.
test-spark: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[test,spark]"
	$(BIN)/python -m pytest -m spark tests/test_prepare_spark.py

# Benchmarks (benchmarks/README.md): scaled workspaces under BENCH_DIR, then prepare / floor / pandas / full runs.
BENCH_DIR ?= /tmp/salesnb-bench
bench: $(STAMP)
	$(BIN)/python benchmarks/run.py --dir $(BENCH_DIR)

# The three example workspaces (examples/README.md) imported from the public files in DATA and run for one quarter each.
DATA ?= ../shared/data
EX   ?= /tmp/salesnb-examples
examples: $(STAMP)
	rm -rf $(EX)/online_retail $(EX)/superstore $(EX)/olist
	$(BIN)/salesnb import $(DATA)/online_retail.csv.gz --mapping examples/online_retail/import.yaml --out $(EX)/online_retail
	$(BIN)/salesnb run $(EX)/online_retail --period 2011Q3 --out $(EX)/out --force
	$(BIN)/salesnb import $(DATA)/superstore.csv --mapping examples/superstore/import.yaml --out $(EX)/superstore
	$(BIN)/salesnb run $(EX)/superstore --period 2019Q4 --out $(EX)/out --force
	$(BIN)/salesnb import $(DATA)/olist_classified_public_dataset.csv --mapping examples/olist/import.yaml --out $(EX)/olist
	$(BIN)/salesnb run $(EX)/olist --period 2018Q1 --out $(EX)/out --force

# Regenerate the bundled sample workspace from its generator (deterministic).
sample: $(STAMP)
	rm -rf data/sample.new && $(BIN)/salesnb sample --out data/sample.new && rm -rf data/sample && mv data/sample.new data/sample

# Strip outputs from notebooks before committing (tests fail on stored outputs).
strip: $(STAMP)
	$(BIN)/salesnb strip notebooks/*.ipynb

clean-venv:
	rm -rf $(VENV)
