# salesnb — two commands on a fresh machine (Python 3.11+ and make):
#   make report   set up .venv, run the latest complete quarter of data/sample, print the report path
#   make test     set up .venv, run the whole test suite
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.salesnb-installed
LANG_REPORT ?= en
OUT    ?= outputs

.PHONY: setup bytecode fonts report report-zh test test-shapes test-spark lint clean-venv strip sample bench examples lock wheel

# Installs the exact versions the tests passed with (requirements.lock); `make lock` upgrades them deliberately.
$(STAMP): pyproject.toml requirements.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -c requirements.lock -e ".[test]"
	@touch $(STAMP)

setup: $(STAMP)

# Each run starts seven Python processes (the run, two workers, four kernels), each importing salesnb; where
# PYTHONDONTWRITEBYTECODE is set (some CI machines) each would compile its 30k lines again (0.3 s). Up to date
# in 0.1 s; sources newer than their bytecode are compiled again by Python itself, so a stale file is never used.
bytecode: $(STAMP)
	@$(BIN)/python -m compileall -q salesnb > /dev/null

# The CJK web font cut to GB2312's characters (salesnb.webfont's base font), from which each page's font is cut in
# 0.1-0.3 s instead of 0.45 s from the whole font, byte for byte the same: built once per machine (about 6 s) in
# ~/.cache/salesnb-fonts; up to date in 0.5 s. Without it a run cuts from the whole font.
fonts: $(STAMP)
	@$(BIN)/python -m salesnb.webfont > /dev/null

# An existing period folder is moved aside (never deleted) so the demo can be rerun.
report: $(STAMP) bytecode fonts
	$(BIN)/salesnb run data/sample --lang $(LANG_REPORT) --out $(OUT) --force

report-zh: $(STAMP)
	$(MAKE) report LANG_REPORT=zh OUT=$(OUT)/zh

test: $(STAMP) bytecode fonts
	$(BIN)/python -m pytest

# ruff over the library, tests, benchmarks and notebooks (rules and why: pyproject.toml [tool.ruff]).
lint: $(STAMP)
	$(BIN)/ruff check salesnb tests benchmarks notebooks conftest.py setup.py

# The workspace-shape matrix (docs/shapes.md): 28 pairwise-covering shapes derived from the sample, each run end to
# end in the language the pairwise design gives it (SHAPES_LANGS=both: every shape in English and Chinese, twice the
# time). CI runs it after `make test`; `make test` itself runs only the matrix's fast builder and claim tests.
SHAPES_LANGS ?= pairwise
test-shapes: $(STAMP) bytecode fonts
	SHAPES_LANGS=$(SHAPES_LANGS) $(BIN)/python -m pytest -m shape_matrix tests/shapes

# The Spark engine (local mode, needs Java 17): installs pyspark, compares Spark's aggregates with DuckDB's
# (test_prepare_spark.py) and the sample's full 2025Q4 run on a Spark source with the DuckDB run (test_run_spark.py).
test-spark: $(STAMP)
	$(BIN)/python -m pip install --quiet -c requirements.lock -e ".[test,spark]"
	$(BIN)/python -m pytest -m spark tests/test_prepare_spark.py tests/test_run_spark.py

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

# Re-resolve pyproject.toml's ranges in a fresh venv and pin the result; then `make test` and commit requirements.lock.
lock:
	rm -rf .venv-lock && $(PYTHON) -m venv .venv-lock
	.venv-lock/bin/python -m pip install --quiet -e ".[test]"
	sed -n '/^#/p' requirements.lock > requirements.lock.new
	.venv-lock/bin/python -m pip freeze --exclude-editable >> requirements.lock.new
	mv requirements.lock.new requirements.lock && rm -rf .venv-lock
	@echo "requirements.lock updated: run make test, then commit it with the reason for the upgrade"

# A wheel with the notebooks and the lock inside (setup.py), in dist/.
wheel: $(STAMP)
	$(BIN)/python -m pip wheel --quiet --no-deps --no-build-isolation . -w dist

clean-venv:
	rm -rf $(VENV)
