"""Renders of the template, shared by every test folder and made once per answer set; and
how a tier that lacks what it needs is skipped, or failed when CI requires it."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any
from typing import NoReturn

import pytest

from relaykit.render import render

# schemathesis (tests/template/test_schemathesis.py) installs jsonschema-rs, which
# openapi-spec-validator 0.8 then validates with, and its messages differ: spec import
# is tested with the messages of the jsonschema backend, as installed with relaykit.
os.environ.setdefault("OPENAPI_SPEC_VALIDATOR_SCHEMA_VALIDATOR_BACKEND", "jsonschema")

#: The relaykit checkout the tests run from.
REPO_ROOT = Path(__file__).resolve().parent.parent

#: Answer sets whose renders are installed and run their own test suites.
FULL_MATRIX: dict[str, dict[str, Any]] = {
    "defaults": {},
    "openapi-3.0.3": {"openapi_version": "3.0.3", "auth": "bearer"},
    "port-and-prefixes": {
        "http_port": 9090,
        "api_version_prefix": "/api/v2",
        "service_routes_prefix": "/_service",
    },
    "non-ascii": {
        "project_name": "Café Relay ✓",
        "project_slug": "cafe-relay",
        "description": 'Événements reçus, validés — et relayés. 日本語も大丈夫 "quoted" <b>',
        "author_name": "Zoë Ørsted",
        "auth": "hmac",
    },
    "long-names": {
        "project_name": "A Relay Service With A Deliberately Long Name For Layout Checks Only",
        "package_name": "relay_service_with_a_deliberately_long_x",
        "description": "A description long enough to go past any line length. " * 5,
        "author_email": "team@example.org",
        "auth": "none",
    },
}

#: Answer sets whose renders are only linted: each supported Python version.
LINT_MATRIX: dict[str, dict[str, Any]] = {
    **FULL_MATRIX,
    **{f"python-{v}": {"python_version": v} for v in ("3.11", "3.12", "3.14")},
}


@pytest.fixture(scope="session")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """``rendered(name)``: the render of ``LINT_MATRIX[name]``, made once per session."""
    cache: dict[str, Path] = {}

    def get(name: str) -> Path:
        if name not in cache:
            cache[name] = render(tmp_path_factory.mktemp(name) / "service", LINT_MATRIX[name])
        return cache[name]

    return get


#: Who commits in the tests' throwaway git repositories.
GIT_IDENTITY = ["-c", "user.name=relaykit tests", "-c", "user.email=tests@example.invalid"]


def git(folder: Path, *arguments: str) -> str:
    """Run git in ``folder`` as the tests' identity; its output, or a failed assertion."""
    done = subprocess.run(
        ["git", "-C", str(folder), *GIT_IDENTITY, *arguments],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, f"git {' '.join(arguments)}: {done.stderr}"
    return done.stdout


def copy_working_tree(destination: Path) -> None:
    """Copy this checkout's files as they are now into ``destination``: uncommitted
    changes included, files deleted but not yet committed left out."""
    for name in git(
        REPO_ROOT, "ls-files", "--cached", "--others", "--exclude-standard"
    ).splitlines():
        if (REPO_ROOT / name).is_file():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO_ROOT / name, destination / name)


def tree(folder: Path) -> dict[str, bytes]:
    """Every file of ``folder`` outside ``.git``, by relative path, with its bytes."""
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and ".git" not in path.relative_to(folder).parts
    }


def commit_render(service: Path, message: str) -> None:
    """Make a render a git repository with one commit, as copier update needs."""
    for command in (["init", "--quiet"], ["add", "--all"], ["commit", "--quiet", "-m", message]):
        subprocess.run(["git", *GIT_IDENTITY, *command], cwd=service, check=True)


def missing(switch: str, reason: str, tier: str) -> NoReturn:
    """What a tier needs is missing: skip, with the reason, or fail when ``switch`` is 1
    (as ``.ci/run`` sets it, so that CI never passes by skipping)."""
    if os.environ.get(switch) == "1":
        pytest.fail(f"{reason}, and {switch}=1 requires it", pytrace=False)
    pytest.skip(f"{reason}: {tier} skipped (set {switch}=1 to require it)")
