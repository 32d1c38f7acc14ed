# One command runner. `make demo` and `make test` each create .venv and install what they
# need when it is missing, so both work on a fresh machine with Python 3.11.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-fast check bench docs clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "needs $(PYTHON) on PATH"; exit 2; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/oneplace demo --people 50000 --dir demo

# axe-core for the browser tests' accessibility checks, from the npm registry (not committed).
AXE := .cache/axe/node_modules/axe-core/axe.min.js
AXE_VERSION := 4.14.1

$(AXE):
	@command -v npm >/dev/null 2>&1 || { echo "npm not found: the browser tests will skip axe"; exit 0; }
	mkdir -p .cache/axe
	cd .cache/axe && npm install --no-audit --no-fund --silent axe-core@$(AXE_VERSION)

test: $(STAMP) $(AXE)
	$(BIN)/python -m pytest -q -p no:cacheprovider -n 2 tests --ignore=tests/parity
	$(BIN)/python -m pytest -q -p no:cacheprovider tests/parity

check: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_synth.py
	$(BIN)/python benchmarks/bench_demo.py
	$(BIN)/python benchmarks/bench_score.py

docs: $(STAMP)
	$(BIN)/python -m oneplace.schema.docs > docs/data-model.md

clean:
	rm -rf $(VENV) demo build *.egg-info
