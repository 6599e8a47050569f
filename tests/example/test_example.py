"""example/ is the default render, committed; it must not drift from the template."""

from __future__ import annotations

import filecmp
from pathlib import Path

from generator.refresh import EXAMPLE
from generator.refresh import render_example

#: Files git ignores in a render, which a local run of example/'s tests may create.
IGNORED = {".venv", "__pycache__", ".pytest_cache", ".ruff_cache"}


def tree(root: Path) -> dict[str, bytes]:
    files = {}
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if (
            path.is_file()
            and not IGNORED & set(relative.parts)
            and not path.name.endswith(".egg-info")
        ):
            text = path.read_bytes()
            if relative.name == ".copier-answers.yml":
                # The commit the example was rendered from changes with every commit.
                text = b"".join(
                    line
                    for line in text.splitlines(keepends=True)
                    if not line.startswith(b"_commit:")
                )
            files[str(relative)] = text
    return files


def test_example_equals_a_fresh_default_render(tmp_path: Path) -> None:
    fresh = tree(render_example(tmp_path / "example"))
    committed = tree(EXAMPLE)
    assert sorted(committed) == sorted(fresh), "run `make example` to regenerate example/"
    drifted = [name for name in fresh if fresh[name] != committed[name]]
    assert drifted == [], f"example/ drifted from the template in {drifted}: run `make example`"
    assert filecmp.cmp(
        EXAMPLE / "openapi.json", tmp_path / "example" / "openapi.json", shallow=False
    )
