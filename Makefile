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

dist: $(BIN)/.installed  ## the release's wheel and sdist, from its tag's files only (docs/release.md)
	@tag=v$$($(BIN)/python -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])'); \
	git rev-parse --verify --quiet "$$tag^{commit}" >/dev/null || { echo "make dist: no tag $$tag: tag the release first (docs/release.md)" >&2; exit 1; }; \
	rm -rf dist build/release && mkdir -p build/release && git archive "$$tag" | tar -x -C build/release && \
	(cd build/release && $(abspath $(BIN))/python -m hatchling build -d $(abspath dist))

bench: $(BIN)/.installed  ## the generated service against its peers: docs/benchmarks/ (needs wrk)
	$(BIN)/python bench/compare.py
