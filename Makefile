# The relaykit repository's own tasks. This is NOT the Makefile of a generated
# service: that one is template/Makefile.jinja.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: test lint example docs bench

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test,bench]'
	@touch $@

test: $(BIN)/.installed  ## the whole test suite, in its own virtual environment
	$(BIN)/python -m pytest

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

example: $(BIN)/.installed  ## regenerate template/openapi.json.jinja and example/
	$(BIN)/python -m relaykit.refresh

docs: $(BIN)/.installed  ## build the documentation site strictly into site/
	$(BIN)/mkdocs build --strict

bench: $(BIN)/.installed  ## the generated service against its peers: docs/benchmarks/ (needs wrk)
	$(BIN)/python bench/compare.py
