# fusionhub: `make demo` runs the hub, `make test` tests it. Both work on a fresh clone.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml requirements-dev.lock | sha1sum | cut -c1-12)
LOCK   := $(BIN)/uv pip compile pyproject.toml --universal --python-version 3.11 \
          --generate-hashes --no-header --quiet

.PHONY: setup lock native clean-native system-deps demo test unit lint format bench screenshots clean

# Every package at the version (and hash) requirements-dev.lock pins, then the project itself.
setup: $(STAMP)

$(STAMP): pyproject.toml requirements-dev.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q --require-hashes -r requirements-dev.lock
	$(BIN)/pip install -q --no-deps -e .
	rm -f $(VENV)/.installed-*; touch $@

# After changing dependencies in pyproject.toml: pin them again, keeping the versions already
# pinned where the new ranges allow (uv reads the old lock as its preference).
# requirements.lock is what the hub runs with (the container), requirements-dev.lock adds the
# development tools.
lock: setup
	$(LOCK) -o requirements.lock
	$(LOCK) --extra dev -o requirements-dev.lock

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
	$(BIN)/fusionhub bench recovery
	$(BIN)/fusionhub bench hub

# The console pictures in the README and docs/console.md, taken by its browser test from the
# demo's simulated data.
screenshots: setup native system-deps
	FUSIONHUB_SCREENSHOTS_DIR=$(CURDIR)/docs/img $(BIN)/pytest -q tests/e2e/test_console.py -k readme

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build dist *.egg-info
	find fusionhub -name '*.so' -delete; rm -f fusionhub/native-build.json
