"""example/ is the default render, committed; it must not drift from the template."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from relaykit.refresh import EXAMPLE
from relaykit.refresh import render_example

from ..conftest import REPO_ROOT

pytestmark = pytest.mark.renders

#: Files git ignores in a render, which a local run of example/'s tests may create.
IGNORED = {".venv", "__pycache__", ".pytest_cache", ".ruff_cache", ".mypy_cache"}


def tree(root: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(root)): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and not IGNORED & set(path.relative_to(root).parts)
    }


def test_example_equals_a_fresh_default_render(tmp_path: Path) -> None:
    fresh = tree(render_example(tmp_path / "example"))
    committed = tree(EXAMPLE)
    assert sorted(committed) == sorted(fresh), "run `make example` to regenerate example/"
    drifted = [name for name in fresh if fresh[name] != committed[name]]
    assert drifted == [], f"example/ drifted from the template in {drifted}: run `make example`"


def test_copier_update_inside_example_changes_nothing(tmp_path: Path) -> None:
    # On a clone, as a user would run it: the committed example is up to date.
    clone = tmp_path / "relaykit"
    subprocess.run(["git", "clone", "--quiet", str(REPO_ROOT), str(clone)], check=True)
    update = subprocess.run(
        [sys.executable, "-m", "copier", "update", "--defaults", "--quiet"],
        cwd=clone / "example",
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert update.returncode == 0, update.stderr
    status = subprocess.run(
        ["git", "status", "--porcelain"], cwd=clone, capture_output=True, text=True, check=True
    )
    assert status.stdout in ("", " M example/.copier-answers.yml\n"), status.stdout
    # copier records the commit it updated to, in place of HEAD; nothing else changes.
    diff = subprocess.run(
        ["git", "diff", "--unified=0", "--no-color"],
        cwd=clone,
        capture_output=True,
        text=True,
        check=True,
    )
    changed = [
        line
        for line in diff.stdout.splitlines()
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]
    assert all(line[1:].startswith("_commit: ") for line in changed), diff.stdout
