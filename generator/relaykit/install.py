"""Install a rendered service into the running Python environment, for a while.

The repository's tests and :mod:`relaykit.refresh` run rendered services in the
environment they run in, which already has every dependency the template needs;
only the service itself is installed (editable, without dependencies), and
removed again afterwards.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import yaml

from .source import ANSWERS_FILE

__all__ = ["installed", "read_answers"]


def read_answers(service: Path) -> dict[str, object]:
    """The copier answers a service was rendered with."""
    answers: dict[str, object] = yaml.safe_load(
        (service / ANSWERS_FILE).read_text(encoding="utf-8")
    )
    return answers


@contextmanager
def installed(service: Path) -> Iterator[str]:
    """Install ``service`` (editable, without dependencies) while the block runs.

    :returns: the service's package name, importable inside the block.
    """
    answers = read_answers(service)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--quiet"]
    subprocess.run(
        [*pip, "install", "--no-deps", "--no-build-isolation", "--editable", str(service)],
        check=True,
    )
    try:
        yield str(answers["package_name"])
    finally:
        subprocess.run([*pip, "uninstall", "--yes", str(answers["project_slug"])], check=True)
