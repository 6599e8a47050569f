"""A render's pre-commit hooks: every one is a local tool, so they run offline, pass on a
fresh render, and fail on badly formatted code and on a stale contract."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from relaykit.install import installed

from ..conftest import GIT_IDENTITY
from ..conftest import REPO_ROOT
from ..conftest import git

pytestmark = pytest.mark.renders

BIN = Path(sys.executable).parent


@pytest.fixture
def service(
    request: pytest.FixtureRequest, rendered: Callable[[str], Path], tmp_path: Path
) -> Iterator[Path]:
    """A copy of a render, a git repository with every file added, installed as the
    environment of ``make install`` would have it (its tools on PATH); the defaults render
    unless a test names another."""
    copy = tmp_path / "service"
    shutil.copytree(rendered(getattr(request, "param", "defaults")), copy)
    git(copy, "init", "--quiet")
    git(copy, "add", "--all")
    with installed(copy):
        # make install's .venv: the environment the render is installed in.
        (copy / ".venv").symlink_to(sys.prefix, target_is_directory=True)
        yield copy


def shell_environment(service: Path) -> dict[str, str]:
    """A shell's environment where .venv is not activated: no tool of it on PATH."""
    path = [folder for folder in os.environ["PATH"].split(os.pathsep) if Path(folder) != BIN]
    return {
        **{name: value for name, value in os.environ.items() if name != "VIRTUAL_ENV"},
        "PATH": os.pathsep.join(path),
        "PRE_COMMIT_HOME": str(service.parent / "pre-commit-home"),
    }


def pre_commit(service: Path, *hook: str) -> subprocess.CompletedProcess[str]:
    """``.venv/bin/pre-commit run --all-files`` (only ``hook`` when given), as the README
    says, from a shell where .venv is not activated."""
    return subprocess.run(
        [".venv/bin/pre-commit", "run", "--all-files", "--color", "never", *hook],
        cwd=service, env=shell_environment(service), capture_output=True, text=True,
        timeout=600,
    )  # fmt: skip


def test_hooks_are_local_tools_only() -> None:
    template = REPO_ROOT / "template" / ".pre-commit-config.yaml.jinja"
    config = yaml.safe_load(template.read_text(encoding="utf-8"))
    assert [repo["repo"] for repo in config["repos"]] == ["local"]
    hooks = config["repos"][0]["hooks"]
    assert [hook["id"] for hook in hooks] == ["ruff-check", "ruff-format", "mypy", "openapi"]
    assert {hook["language"] for hook in hooks} == {"unsupported"}


# Another package name: the openapi hook names it.
@pytest.mark.parametrize("service", ["defaults", "long-names"], indirect=True)
def test_hooks_pass_on_a_fresh_render(service: Path) -> None:
    done = pre_commit(service)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count("Passed") == 4, done.stdout


def test_an_installed_hook_checks_a_commit(service: Path) -> None:
    env = shell_environment(service)
    installing = [".venv/bin/pre-commit", "install"]
    done = subprocess.run(installing, cwd=service, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    module = next((service / "src").glob("*/about.py"))
    module.write_text(module.read_text(encoding="utf-8") + "\nanswer  =  (42)\n")
    commit = ["git", *GIT_IDENTITY, "commit", "--quiet", "--all", "--message", "scaffold"]
    refused = subprocess.run(commit, cwd=service, env=env, capture_output=True, text=True)
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert "files were modified by this hook" in refused.stdout + refused.stderr
    # The hook formatted the file: added again, the commit goes through every hook.
    git(service, "add", "--all")
    done = subprocess.run(commit, cwd=service, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (done.stdout + done.stderr).count("Passed") == 4, done.stdout + done.stderr


def test_badly_formatted_code_fails_the_format_hook(service: Path) -> None:
    module = next((service / "src").glob("*/about.py"))
    module.write_text(module.read_text(encoding="utf-8") + "\nanswer  =  (42)\n")
    done = pre_commit(service, "ruff-format")
    assert done.returncode == 1, done.stdout
    assert "files were modified by this hook" in done.stdout


def test_a_stale_contract_fails_the_openapi_hook_which_rewrites_it(service: Path) -> None:
    contract = service / "openapi.json"
    fresh = contract.read_bytes()
    contract.write_bytes(fresh.replace(b'"paths"', b'"x-stale": true, "paths"', 1))
    done = pre_commit(service, "openapi")
    assert done.returncode == 1, done.stdout
    assert "files were modified by this hook" in done.stdout
    assert contract.read_bytes() == fresh
    again = pre_commit(service, "openapi")
    assert again.returncode == 0, again.stdout + again.stderr
