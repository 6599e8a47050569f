"""Plain copier, as a user runs it: the README's command and the message after copy."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from ..conftest import REPO_ROOT
from ..conftest import commit_render

pytestmark = pytest.mark.renders


def readme_commands() -> list[str]:
    """The commands of the README's first shell block, without comments."""
    text = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    block = text.split("```bash\n", 1)[1].split("```", 1)[0]
    return [
        line.split("  #")[0].strip()
        for line in block.splitlines()
        if line.strip() and not line.startswith("#")
    ]


def test_readme_opens_with_scaffold_and_test_commands() -> None:
    scaffold, test = readme_commands()
    assert "copier copy" in scaffold
    assert test == "make test"
    assert "make test" in (REPO_ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_readme_scaffold_command_works_on_a_fresh_checkout(tmp_path: Path) -> None:
    # A new user: a clone of the repository, a home with nothing installed.
    checkout = tmp_path / "relaykit"
    subprocess.run(["git", "clone", "--quiet", str(REPO_ROOT), str(checkout)], check=True)
    home = tmp_path / "home"
    home.mkdir()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("VIRTUAL_ENV", "PYTHON"))
    }
    env |= {
        "HOME": str(home),
        "PATH": os.pathsep.join(p for p in env["PATH"].split(os.pathsep) if ".venv" not in p),
    }
    scaffold = readme_commands()[0] + " --defaults"
    result = subprocess.run(
        ["bash", "-c", scaffold], cwd=checkout, env=env, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stdout + result.stderr
    service = tmp_path / "my-service"
    assert (service / "src" / "relay_service" / "__init__.py").is_file()
    assert "make install" in result.stderr + result.stdout
    # The answers file must find the template again, for copier update.
    commit_render(service, "scaffold")
    update = subprocess.run(
        [str(home / ".copier" / "bin" / "copier"), "update", "--defaults", "--quiet"],
        cwd=service,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert update.returncode == 0, update.stderr


def test_message_after_copy_names_commands_that_exist(tmp_path: Path) -> None:
    copier = shutil.which("copier", path=str(Path(sys.executable).parent))
    assert copier is not None
    result = subprocess.run(
        [copier, "copy", "--defaults", "--vcs-ref", "HEAD", str(REPO_ROOT), str(tmp_path / "svc")],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    message = result.stdout + result.stderr
    makefile = (tmp_path / "svc" / "Makefile").read_text(encoding="utf-8")
    for target in ("install", "test", "worker", "dev"):
        assert f"make {target}" in message
        assert f"\n{target}:" in makefile
    assert "http://127.0.0.1:8000/docs" in message
    assert "docker compose up" in message
    assert (tmp_path / "svc" / "docker-compose.yml").is_file()
    answers = yaml.safe_load((tmp_path / "svc" / ".copier-answers.yml").read_text(encoding="utf-8"))
    assert answers["package_name"] == "relay_service"
