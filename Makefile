# The relaykit repository's own tasks. This is NOT the Makefile of a generated
# service: that one is template/Makefile.jinja.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: test test-fast lint example docs bench dist

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test,bench]'
	@touch $@

test: $(BIN)/.installed  ## the whole test suite, in its own virtual environment
	$(BIN)/python -m pytest

test-fast: $(BIN)/.installed  ## the quick tier: no renders' suites, containers, benchmarks or spec corpus
	$(BIN)/python -m pytest -m "not renders and not containers and not bench and not spec_corpus"

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

example: $(BIN)/.installed  ## regenerate template/openapi.json.jinja and example/
	$(BIN)/python -m relaykit.refresh

docs: $(BIN)/.installed  ## build the documentation site strictly into site/
	$(BIN)/mkdocs build --strict

dist: $(BIN)/.installed  ## the wheel and sdist of the commit checked out (a release: docs/release.md)
	@git diff --quiet HEAD || { echo "make dist: commit or stash your changes first: a release is built from a commit" >&2; exit 1; }
	rm -rf dist
	$(BIN)/python -m hatchling build -d dist

bench: $(BIN)/.installed  ## the generated service against its peers: docs/benchmarks/ (needs wrk)
	$(BIN)/python bench/compare.py
