# cspmodel: two commands for a new user (see README.md)
#   make report   set everything up, then run the main job on scenarios/
#   make test     set everything up, then run the whole test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: help setup test report bench docs lint validate clean

help:
	@echo "make report   run the main job on scenarios/ (sets up .venv on first use)"
	@echo "make test     run the test suite (sets up .venv on first use)"
	@echo "make bench    print speed figures"
	@echo "make docs     regenerate docs/scenario-reference.md from the schema"
	@echo "make lint     ruff"

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	$(BIN)/python -m ipykernel install --sys-prefix --name cspmodel --display-name "cspmodel (Python 3)" >/dev/null
	touch $(STAMP)

setup: $(STAMP)

test: $(STAMP)
	$(BIN)/ruff check cspmodel tests benchmarks
	$(BIN)/python -m pytest

validate: $(STAMP)
	$(BIN)/cspmodel validate scenarios/*.yaml

report: $(STAMP)
	$(BIN)/cspmodel validate scenarios/*.yaml
	$(BIN)/cspmodel compare scenarios/*.yaml --out build/report/comparison.csv

# one core, one thread: the figures the issues' targets are stated for
bench: $(STAMP)
	OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 \
	  $$(command -v taskset >/dev/null && echo taskset -c 0) $(BIN)/python benchmarks/run.py

docs: $(STAMP)
	$(BIN)/python -m cspmodel.reference_doc docs/scenario-reference.md

lint: $(STAMP)
	$(BIN)/ruff check cspmodel tests benchmarks

clean:
	rm -rf build .pytest_cache .ruff_cache
