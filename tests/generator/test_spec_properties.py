"""Spec import, as properties: any valid document within the supported subset imports.

The documents are random (:mod:`tests.generator.documents`). For each one:

- fast: the imported layer has no problems, and every file it writes compiles and,
  once ruff has fixed what it fixes on import (unused imports), passes pyflakes
  (``ruff check --select E9,F``: syntax errors, undefined names, redefinitions...);
- end to end (``renders``): imported into a rendered service, it is served as an
  equivalent contract (:func:`tests.generator.contract.differences`), and the
  service's generated tests, contract tests and lint pass.
"""

from __future__ import annotations

import contextlib
import io
import json
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from openapi_spec_validator import validate

from relaykit.cli import main
from relaykit.install import installed
from relaykit.render import render
from relaykit.source import template_path
from relaykit.spec import load_spec
from relaykit.spec.layer import imported_layer
from relaykit.spec.namespace import ServiceNames
from relaykit.spec.namespace import service_names

from ..conftest import commit_render
from ..conftest import git
from .contract import differences
from .documents import VERSIONS
from .documents import documents

#: What the template's own api/ package owns, as an import into a fresh service sees it.
TEMPLATE_API = template_path() / "template" / "src" / "{{package_name}}" / "api"

#: No example database: nothing is written into the checkout; a failure prints its
#: example (and the blob that replays it).
FAST = settings(max_examples=60, deadline=None, database=None, print_blob=True)

#: Few examples, the same on every run: each renders, imports and runs a test suite.
SLOW = settings(
    max_examples=6,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def names() -> ServiceNames:
    return service_names(TEMPLATE_API, "/v1")


@settings(max_examples=25, deadline=None, database=None)
@given(document=documents())
def test_every_random_document_is_valid_openapi(document: dict[str, Any]) -> None:
    validate(document)
    # It survives YAML as the CLI reads it.
    assert yaml.safe_load(yaml.safe_dump(document)) == document


def pyflakes(sources: dict[str, str]) -> list[str]:
    """``ruff check --select E9,F`` of the files (path -> source): each finding, one line."""
    with tempfile.TemporaryDirectory() as folder:
        for name, source in sources.items():
            path = Path(folder, name)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(source, encoding="utf-8")
        # As the import does (Service.format), what ruff can fix (unused imports) is
        # fixed; what remains is reported.
        done = subprocess.run(
            [sys.executable, "-m", "ruff", "check", "--isolated", "--no-cache", "--fix",
             "--target-version", "py311", "--select", "E9,F", "--output-format", "concise",
             folder],
            capture_output=True, text=True,
        )  # fmt: skip
    assert done.returncode in (0, 1), done.stderr
    return [line.replace(folder + "/", "") for line in done.stdout.splitlines() if ".py:" in line]


@pytest.mark.parametrize("version", VERSIONS)
@FAST
@given(data=st.data())
def test_any_supported_document_gives_a_layer_that_compiles_and_passes_pyflakes(
    version: str, data: Any
) -> None:
    document = data.draw(documents(version), label="document")
    layer = imported_layer(document, "doc.yaml", names())
    assert layer.problems == []
    sources = {
        **{f"src/pkg/{name}": text for name, text in layer.generated.items()},
        **{f"src/pkg/{name}": text for name, text in layer.handlers.items()},
        **{f"tests/{name}": text for name, text in layer.tests.items()},
    }
    assert len(layer.handlers) == len(layer.operations) > 0
    for name, source in sources.items():
        compile(source, name, "exec")  # a SyntaxError names the file and line
    assert pyflakes(sources) == []


# ---- end to end ---------------------------------------------------------------------


def run(command: list[str], folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=folder, capture_output=True, text=True)


@pytest.fixture(scope="module", params=VERSIONS)
def service(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Path]:
    """A rendered service of one OpenAPI version, committed and installed; each example
    imports into it and :func:`reset` puts it back as rendered."""
    version: str = request.param
    suffix = version.replace(".", "")[:2]
    folder = render(
        tmp_path_factory.mktemp(f"props-{suffix}") / "service",
        {
            "project_name": f"Prop Service {suffix}",
            "project_slug": f"prop-service-{suffix}",
            "package_name": f"prop_service_{suffix}",
            "openapi_version": version,
        },
    )
    commit_render(folder, "scaffold")
    with installed(folder):
        yield folder


def reset(service: Path) -> None:
    """The service as rendered: what an import wrote, removed; what it changed, restored."""
    git(service, "checkout", "--quiet", "--", ".")
    git(service, "clean", "--quiet", "-d", "--force", "-x", "--exclude=.venv")


@pytest.mark.renders
@SLOW
@given(data=st.data())
def test_any_supported_document_imports_serves_its_contract_and_passes_its_tests(
    service: Path, data: Any
) -> None:
    version = json.loads((service / "openapi.json").read_text(encoding="utf-8"))["openapi"]
    document = data.draw(documents(version), label="document")
    reset(service)
    try:
        with tempfile.TemporaryDirectory() as folder:
            source = Path(folder, "doc.yaml")
            source.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
            err = io.StringIO()
            with contextlib.redirect_stderr(err):
                status = main(["import-spec", str(source), "--project", str(service)])
            assert status == 0, err.getvalue()[-3000:]
            served = json.loads((service / "openapi.json").read_text(encoding="utf-8"))
            assert differences(load_spec(source).document, served) == []
        tests = run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/imported",
             "tests/contract"],
            service,
        )  # fmt: skip
        assert tests.returncode == 0, tests.stdout[-4000:] + tests.stderr[-2000:]
        for lint in (["check", "--quiet", "."], ["format", "--check", "--quiet", "."]):
            done = run([sys.executable, "-m", "ruff", *lint], service)
            assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-1000:]
    finally:
        reset(service)
