# Managed by relaykit: "copier update" merges the template's changes into this file.
"""Imports run one way: api -> pipeline -> settings; pipeline/ does no IO and knows no
Flask; the API never imports the reference worker."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import relay_service

PACKAGE = Path(relay_service.__file__).parent

#: Modules pipeline/ must not import: web frameworks, IO, and the layers above it.
PIPELINE_MAY_NOT_IMPORT = (
    "flask", "werkzeug", "flask_smorest", "requests", "urllib", "http", "socket",
    "os", "io", "subprocess", "logging", "..api", "..observability",
)  # fmt: skip


def imports_of(path: Path) -> list[str]:
    """Every module a file imports, relative ones written with their dots."""
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names.append("." * node.level + (node.module or ""))
    return names


@pytest.mark.parametrize(
    "module", sorted((PACKAGE / "pipeline").glob("*.py")), ids=lambda path: path.name
)
def test_pipeline_does_no_io_and_knows_no_flask(module: Path) -> None:
    for name in imports_of(module):
        for forbidden in PIPELINE_MAY_NOT_IMPORT:
            assert name != forbidden, f"{module.name} imports {name}"
            assert not name.startswith(forbidden + "."), f"{module.name} imports {name}"


@pytest.mark.parametrize(
    "module", sorted((PACKAGE / "settings").glob("*.py")), ids=lambda path: path.name
)
def test_settings_import_nothing_of_the_service_but_its_answers(module: Path) -> None:
    for name in imports_of(module):
        # about.py holds the generation answers (the default port) and imports nothing.
        assert not name.startswith("..") or name == "..about", f"{module.name} imports {name}"


def test_the_answers_import_nothing() -> None:
    assert imports_of(PACKAGE / "about.py") == []


@pytest.mark.parametrize(
    "module", sorted((PACKAGE / "api").rglob("*.py")), ids=lambda path: path.name
)
def test_the_api_never_imports_the_reference_worker(module: Path) -> None:
    for name in imports_of(module):
        assert "worker" not in name.split("."), f"{module.name} imports {name}"


@pytest.mark.parametrize(
    "module", sorted((PACKAGE / "handoff").glob("*.py")), ids=lambda path: path.name
)
def test_handoff_knows_no_flask_and_no_api(module: Path) -> None:
    for name in imports_of(module):
        for forbidden in ("flask", "werkzeug", "flask_smorest", "..api", "..pipeline"):
            assert name != forbidden, f"{module.name} imports {name}"
            assert not name.startswith(forbidden + "."), f"{module.name} imports {name}"
