"""A render passes its own tests with the oldest versions its pyproject.toml allows."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from .test_template_files import template_requirements

pytestmark = pytest.mark.renders


def lowest_versions() -> list[str]:
    """``name==lower-bound`` for every requirement of a render that has one."""
    pins = []
    for requirement in template_requirements():
        match = re.match(r"([A-Za-z0-9_.-]+)\s*>=\s*([0-9][0-9.]*)", requirement)
        if match:
            pins.append(f"{match.group(1)}=={match.group(2)}")
    return pins


def test_render_passes_its_tests_with_the_lowest_versions(
    rendered: Callable[[str], Path], tmp_path: Path
) -> None:
    service = rendered("defaults")
    constraints = tmp_path / "lowest.txt"
    constraints.write_text("\n".join(lowest_versions()) + "\n", encoding="utf-8")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = str(venv / "bin" / "python")
    install = subprocess.run(
        [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         "-c", str(constraints), "-e", f"{service}[dev]"],
        capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert install.returncode == 0, install.stderr[-3000:]
    suite = subprocess.run(
        [python, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=service,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert suite.returncode == 0, suite.stdout[-6000:]
