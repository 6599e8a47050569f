"""A render is a uv project: its ``uv.lock`` is in step with its pyproject.toml whatever
its ``project_slug``, and ``make install`` puts exactly the locked versions in ``.venv``,
with uv on PATH or, without one, with the pinned uv make installs in ``.uv/`` itself."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from relaykit.render import render

from .locked import ENVIRONMENT
from .locked import INSTALLED
from .locked import UV
from .locked import by_canonical_name
from .locked import locked_versions
from .locked import read_json

pytestmark = pytest.mark.renders

#: A slug that uv sorts between two dependencies (python-dotenv and pyyaml), not where
#: the default's entry is.
SLUG = "python-relay"


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return render(tmp_path_factory.mktemp("lock") / "service", {"project_slug": SLUG})


def path_with(folder: Path, *commands: str) -> str:
    """A PATH of ``folder``, holding links to ``commands`` as found here (``python3`` is the
    interpreter behind this one, uv the one beside it), then the system's ``/usr/bin:/bin``."""
    folder.mkdir(exist_ok=True)
    links = {"python3": str(Path(sys.executable).resolve()), "uv": UV}
    for command in commands:
        found = links.get(command) or shutil.which(command)
        assert found is not None, f"{command} is not on PATH"
        (folder / command).symlink_to(found)
    return f"{folder}:/usr/bin:/bin"


def make(service: Path, target: str, path: str) -> None:
    environment = {key: value for key, value in os.environ.items() if key != "VIRTUAL_ENV"}
    done = subprocess.run(
        ["make", target], cwd=service, env={**environment, "PATH": path},
        capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert done.returncode == 0, f"make {target}:\n{done.stdout}\n{done.stderr}"


def assert_venv_holds_the_locked_versions(service: Path) -> None:
    python = str(service / ".venv" / "bin" / "python")
    installed = by_canonical_name(read_json([python, "-c", INSTALLED]), SLUG)
    locked = locked_versions(service, read_json([python, "-c", ENVIRONMENT]), "dev")
    assert installed == locked


@pytest.fixture
def fresh(service: Path) -> Iterator[Path]:
    """The render with neither .venv nor .uv, as after copier copy; both removed after."""
    for folder in (".venv", ".uv"):
        shutil.rmtree(service / folder, ignore_errors=True)
    yield service
    for folder in (".venv", ".uv"):
        shutil.rmtree(service / folder, ignore_errors=True)


def test_the_lock_is_in_step_with_pyproject_and_sorted_as_uv_writes_it(service: Path) -> None:
    names = [entry["name"] for entry in tomllib.loads((service / "uv.lock").read_text())["package"]]
    assert SLUG in names
    assert names == sorted(names)
    checked = subprocess.run(
        [UV, "lock", "--check"], cwd=service, capture_output=True, text=True, timeout=300
    )
    assert checked.returncode == 0, checked.stderr


def test_make_install_syncs_the_locked_versions_with_the_uv_on_path(
    fresh: Path, tmp_path: Path
) -> None:
    make(fresh, "install", path_with(tmp_path / "bin", "python3", "uv"))
    assert_venv_holds_the_locked_versions(fresh)
    assert not (fresh / ".uv").exists()


def test_make_install_without_uv_installs_a_pinned_one_first(fresh: Path, tmp_path: Path) -> None:
    path = path_with(tmp_path / "bin", "python3")
    assert shutil.which("uv", path=path) is None
    make(fresh, "install", path)
    version = subprocess.run(
        [str(fresh / ".uv" / "bin" / "uv"), "--version"], capture_output=True, text=True, check=True
    )
    makefile = (fresh / "Makefile").read_text(encoding="utf-8")
    assert f"\nUV_VERSION := {version.stdout.split()[1]}\n" in makefile
    assert_venv_holds_the_locked_versions(fresh)
    subprocess.run(["git", "init", "--quiet"], cwd=fresh, check=True)
    ignored = subprocess.run(["git", "check-ignore", "--quiet", ".uv/bin/uv"], cwd=fresh)
    assert ignored.returncode == 0, ".uv/ is not in .gitignore"
