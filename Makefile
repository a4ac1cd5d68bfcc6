# Thin wrappers: every target is one idea. `make serve` and `make test` work on a fresh machine.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8080

.PHONY: install serve test lint unit contract bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)  ## create or refresh the virtual environment from pyproject.toml

serve: $(STAMP)  ## start the mock on http://$(HOST):$(PORT) with the demo key and users
	$(BIN)/python -m mockserver --host $(HOST) --port $(PORT)

lint: $(STAMP)  ## ruff and mypy (strict) on the packages
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

unit: $(STAMP)  ## the test suite alone
	$(BIN)/pytest

test: lint unit  ## lint, then every test

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
