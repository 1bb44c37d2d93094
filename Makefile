# fusionhub: `make demo` runs the hub, `make test` tests it. Both work on a fresh clone.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)

.PHONY: setup native clean-native system-deps demo test unit lint format bench screenshots clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	rm -f $(VENV)/.installed-*; touch $@

# The ingest hot path compiled with mypyc, beside its sources (rebuilt only when they change).
native: setup
	$(BIN)/python scripts/build_native.py

clean-native:
	$(BIN)/python scripts/build_native.py --clean

system-deps:
	scripts/system-deps.sh

demo: setup native system-deps
	$(BIN)/fusionhub keys init
	$(BIN)/fusionhub demo

test: setup native system-deps
	$(BIN)/pytest

unit: setup native
	$(BIN)/pytest -m unit

lint: setup
	$(BIN)/ruff check fusionhub tests
	$(BIN)/ruff format --check fusionhub tests
	$(BIN)/mypy

format: setup
	$(BIN)/ruff format fusionhub tests
	$(BIN)/ruff check --fix fusionhub tests

bench: setup native system-deps
	$(BIN)/fusionhub broker start
	$(BIN)/fusionhub bench ingest
	$(BIN)/fusionhub bench correlate
	$(BIN)/fusionhub bench hub

# The console pictures in the README and docs/console.md, taken by its browser test from the
# demo's simulated data.
screenshots: setup native system-deps
	FUSIONHUB_SCREENSHOTS_DIR=$(CURDIR)/docs/img $(BIN)/pytest -q tests/e2e/test_console.py -k readme

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build dist *.egg-info
	find fusionhub -name '*.so' -delete; rm -f fusionhub/native-build.json
