# cspmodel: two commands for a new user (see README.md)
#   make report   set everything up, then run the main job on scenarios/
#   make test     set everything up, then run the whole test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: help setup test report bench fuzz docs lint validate clean dashboard lab browser chromium-if-possible

help:
	@echo "make report   run the main job on scenarios/ (sets up .venv on first use)"
	@echo "make test     run the test suite (sets up .venv on first use)"
	@echo "make bench    print speed figures"
	@echo "make fuzz     10,000 mutated scenarios: each refused cleanly or run to finite figures"
	@echo "make docs     regenerate docs/scenario-reference.md from the schema"
	@echo "make lint     ruff"
	@echo "make dashboard  serve the explorer on 127.0.0.1:8866 (open the address it prints)"
	@echo "make lab      JupyterLab on notebooks/"

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	$(BIN)/python -m ipykernel install --sys-prefix --name cspmodel --display-name "cspmodel (Python 3)" >/dev/null
	$(BIN)/python -m cspmodel.engine
	touch $(STAMP)

setup: $(STAMP)

NBVAL := --nbval-lax --nbval-current-env --nbval-sanitize-with notebooks/nbval_sanitize.cfg

# one session: nbval runs each notebook once (the analysis notebooks with the test parameters
# of conftest.py injected, from .notebook-runs/), then the tests read those runs
test: $(STAMP) browser
	$(BIN)/ruff check cspmodel tests benchmarks conftest.py
	$(BIN)/python -m pytest $(NBVAL) .notebook-runs notebooks tests cspmodel

validate: $(STAMP)
	$(BIN)/cspmodel validate scenarios/*.yaml

report: $(STAMP)
	@$(BIN)/python -m jupyter kernelspec list 2>/dev/null | grep -q '^ *cspmodel ' || \
		$(BIN)/python -m ipykernel install --sys-prefix --name cspmodel --display-name "cspmodel (Python 3)" >/dev/null
	$(BIN)/cspmodel batch scenarios/ --out build/report
	$(BIN)/cspmodel report build/report --format slides
	$(BIN)/cspmodel report build/report --format pptx
	$(BIN)/cspmodel report build/report --format xlsx
	@echo "Open build/report/index.html: the comparison, each scenario's report, the slides, the deck and the workbook."

# one core, one thread: the figures the issues' targets are stated for
bench: $(STAMP)
	OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 \
	  $$(command -v taskset >/dev/null && echo taskset -c 0) $(BIN)/python benchmarks/run.py

fuzz: $(STAMP)
	FUZZ_EXAMPLES=10000 $(BIN)/python -m pytest -p no:cacheprovider -q tests/test_fuzz.py

docs: $(STAMP)
	$(BIN)/python -m cspmodel.reference_doc docs/scenario-reference.md

lint: $(STAMP)
	$(BIN)/ruff check cspmodel tests benchmarks conftest.py

PORT ?= 8866
dashboard: $(STAMP)
	$(BIN)/python -m cspmodel.dashboard --port $(PORT)

lab: $(STAMP)
	$(BIN)/jupyter lab --ip=127.0.0.1 --notebook-dir=notebooks

# Debian's chromium for the browser test; where it cannot be installed that test is skipped
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) || \
	      echo "could not install chromium: the browser test will be skipped"; \
	  else echo "no chromium and no way to install it (needs apt-get as root): the browser test will be skipped"; fi; }

# the name the report's browser tests were written with: the same guarded install as browser
chromium-if-possible: browser

clean:
	rm -rf build .pytest_cache .ruff_cache
