"""Each render passes its own test suite and lints clean, right after copier copy."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from relaykit.install import installed

from ..conftest import FULL_MATRIX
from ..conftest import LINT_MATRIX

pytestmark = pytest.mark.renders


def run(command: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=600)


@pytest.mark.parametrize("name", sorted(LINT_MATRIX))
def test_render_is_lint_and_type_clean(rendered: Callable[[str], Path], name: str) -> None:
    service = rendered(name)
    check = run([sys.executable, "-m", "ruff", "check", "--no-cache", "."], service)
    assert check.returncode == 0, check.stdout + check.stderr
    fmt = run([sys.executable, "-m", "ruff", "format", "--check", "--no-cache", "."], service)
    assert fmt.returncode == 0, fmt.stdout + fmt.stderr
    types = run([sys.executable, "-m", "mypy", "--no-incremental"], service)
    assert types.returncode == 0, types.stdout + types.stderr


@pytest.mark.parametrize("name", sorted(FULL_MATRIX))
def test_render_passes_its_own_test_suite(rendered: Callable[[str], Path], name: str) -> None:
    service = rendered(name)
    with installed(service) as package:
        suite = run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], service)
        assert suite.returncode == 0, suite.stdout[-6000:] + suite.stderr[-3000:]
        assert " passed" in suite.stdout.splitlines()[-1]
        assert " failed" not in suite.stdout.splitlines()[-1]
        # `make openapi` on a fresh render rewrites openapi.json byte for byte.
        written = service / "written-openapi.json"
        flask = [sys.executable, "-m", "flask", "--app", package, "openapi", "write", str(written)]
        write = run(flask, service)
        assert write.returncode == 0, write.stderr
        committed = (service / "openapi.json").read_bytes()
        assert written.read_bytes() == committed, "run `make example` to refresh the contract"
