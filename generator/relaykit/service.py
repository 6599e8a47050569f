"""A generated service on disk, as the CLI changes it: its answers, its registry of
added endpoints, the formatting of what the CLI writes, and its committed contract."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from . import RelaykitError
from .install import read_answers
from .source import ANSWERS_FILE
from .source import template_path

__all__ = ["Service", "open_service"]

#: The registry's one source, in the template: copier renders it with nothing added.
REGISTRY_TEMPLATE = "template/src/{{package_name}}/api/registry.py.jinja"


@dataclass
class Service:
    """A service folder and the answers it was generated with."""

    root: Path
    answers: dict[str, Any]

    @property
    def package(self) -> Path:
        """The service's package folder: ``src/<package_name>``."""
        return self.root / "src" / str(self.answers["package_name"])

    def endpoints(self) -> list[str]:
        """The endpoint packages ``relaykit add-endpoint`` made, as the registry lists them."""
        registry = self.package / "api" / "registry.py"
        if not registry.is_file():
            return []
        return sorted(
            str(node.module)
            for node in ast.walk(ast.parse(registry.read_text(encoding="utf-8")))
            if isinstance(node, ast.ImportFrom)
            and node.level == 1
            and [alias.name for alias in node.names] == ["views"]
        )

    def imported(self) -> bool:
        """Whether an OpenAPI document was imported (``api/imported/`` exists)."""
        return (self.package / "api" / "imported" / "__init__.py").is_file()

    def write_registry(self, new_endpoint: str | None = None) -> Path:
        """Rewrite ``api/registry.py`` from the template's source of it: the imported
        layer when there is one, the endpoints it listed, and ``new_endpoint``."""
        endpoints = sorted({*self.endpoints(), *([new_endpoint] if new_endpoint else [])})
        source = (template_path() / REGISTRY_TEMPLATE).read_text(encoding="utf-8")
        text = jinja2.Template(source, keep_trailing_newline=True).render(
            endpoints=endpoints, imported=self.imported()
        )
        registry = self.package / "api" / "registry.py"
        registry.write_text(text, encoding="utf-8")
        return registry

    def format(self, files: list[Path]) -> None:
        """Fix and format files the CLI wrote, with ruff and the service's own settings."""
        names = [str(path.relative_to(self.root)) for path in files]
        for command in (["check", "--fix-only", "--quiet"], ["format", "--quiet"]):
            done = subprocess.run(
                [sys.executable, "-m", "ruff", *command, *names],
                cwd=self.root,
                capture_output=True,
                text=True,
            )
            if done.returncode != 0:
                raise RelaykitError(
                    f"ruff {command[0]} failed on what relaykit wrote: {done.stderr}"
                )

    def write_contract(self, progress: Callable[[str], None] = lambda message: None) -> Path | None:
        """Rewrite ``openapi.json`` from the code, as ``make openapi`` does.

        Uses the service's ``.venv`` when it has one, else this Python when the
        service is installed in it, else runs ``make openapi``, which creates the
        ``.venv`` (as ``make test`` would) and writes the contract.

        :returns: the contract's path, or None when no Python has the service and
            there is no ``make`` to create one.
        :raises RelaykitError: when the service fails to write its contract.
        """
        python = self._python()
        if python is None:
            if shutil.which("make") is None:
                return None
            progress("creating .venv with the service (make openapi), for its contract")
            done = subprocess.run(
                ["make", "openapi"], cwd=self.root, capture_output=True, text=True
            )
        else:
            done = subprocess.run(
                [
                    python,
                    "-m",
                    "flask",
                    "--app",
                    self.package.name,
                    "openapi",
                    "write",
                    "openapi.json",
                ],
                cwd=self.root,
                capture_output=True,
                text=True,
            )
        if done.returncode != 0:
            last = (done.stderr.strip().splitlines() or ["no output"])[-1]
            raise RelaykitError(f"the service could not write its contract: {last}")
        return self.root / "openapi.json"

    def _python(self) -> str | None:
        """A Python that imports this service's package: its ``.venv``'s, or this one."""
        package = self.package.name
        own = self.root / ".venv" / "bin" / "python"
        python = str(own) if own.is_file() else sys.executable
        # Installed here, and this service: another one may have the same package name.
        probe = subprocess.run(
            [python, "-c", f"import {package}; print({package}.__file__)"],
            cwd=self.root,
            capture_output=True,
            text=True,
        )
        if probe.returncode != 0:
            last = (probe.stderr.strip().splitlines() or ["no output"])[-1]
            if last == f"ModuleNotFoundError: No module named '{package}'":
                return None
            raise RelaykitError(f"the service's code fails to import: {last}")
        if not Path(probe.stdout.strip()).resolve().is_relative_to(self.package.resolve()):
            return None
        return python


def open_service(project: Path) -> Service:
    """The service in ``project``.

    :raises RelaykitError: when ``project`` has no ``.copier-answers.yml`` of relaykit.
    """
    answers_file = project / ANSWERS_FILE
    if not answers_file.is_file():
        raise RelaykitError(f"{project} is not a relaykit service: it has no {ANSWERS_FILE}")
    answers = read_answers(project)
    if not isinstance(answers, dict) or "package_name" not in answers:
        raise RelaykitError(f"{answers_file} has no package_name: it is not a relaykit service")
    return Service(project.resolve(), answers)
