"""One ownership vocabulary (:mod:`relaykit.ownership`): every file of a render says in
its first line whose it is, and that is how copier and the relaykit commands treat it."""

from __future__ import annotations

from pathlib import Path

import pytest

from relaykit.cli import main
from relaykit.install import installed
from relaykit.install import read_answers
from relaykit.ownership import UNMARKED
from relaykit.ownership import Ownership
from relaykit.ownership import ownership_of
from relaykit.ownership import written_once
from relaykit.render import render

from ..conftest import REPO_ROOT
from ..conftest import commit_render
from ..generator.test_spec_import import changed_files

#: Folders of git and of tools, not of the service.
NOT_THE_SERVICE = {".git", ".venv", "__pycache__", ".ruff_cache", ".mypy_cache", ".pytest_cache"}

#: A document the importer covers, written for its tests.
SPEC = REPO_ROOT / "tests" / "generator" / "specs" / "operations-3.1.yaml"


def marks(service: Path) -> dict[str, Ownership]:
    """The ownership of every file of a service, from its mark or from ``UNMARKED``."""
    package = str(read_answers(service)["package_name"])
    unmarked = {path.replace("<package>", package): kind for path, kind in UNMARKED.items()}
    found: dict[str, Ownership] = {}
    for path in sorted(service.rglob("*")):
        name = str(path.relative_to(service))
        if not path.is_file() or NOT_THE_SERVICE & set(Path(name).parts):
            continue
        first_line = path.read_text(encoding="utf-8").partition("\n")[0]
        kind = unmarked.get(name) or ownership_of(first_line)
        assert kind is not None, f"{name} has no ownership mark: its first line is {first_line!r}"
        found[name] = kind
    return found


def test_every_file_of_a_render_is_marked_as_copier_treats_it(tmp_path: Path) -> None:
    service = render(tmp_path / "service")
    package = str(read_answers(service)["package_name"])
    found = marks(service)
    once = {path.replace("{{ package_name }}", package) for path in written_once(REPO_ROOT)}
    # copier update merges every file but those it writes once: yours, or relaykit's to rewrite.
    assert {name for name, kind in found.items() if kind is not Ownership.MANAGED} == once
    assert {name for name, kind in found.items() if kind is Ownership.GENERATED} == {
        "openapi.json",
        f"src/{package}/api/registry.py",
    }


@pytest.mark.renders
def test_the_commands_rewrite_only_generated_files_and_mark_what_they_write(
    tmp_path: Path,
) -> None:
    service = render(tmp_path / "service")
    commit_render(service, "scaffold")
    with installed(service):
        assert main(["add-endpoint", "orders", "--path", "/orders", "--project", str(service)]) == 0
        assert main(["import-spec", str(SPEC), "--project", str(service)]) == 0
    found = marks(service)
    modified, new = changed_files(service)
    assert modified, "the commands changed nothing"
    assert {name: found[name] for name in modified} == dict.fromkeys(modified, Ownership.GENERATED)
    assert {found[name] for name in new} == {Ownership.GENERATED, Ownership.YOURS}
    # A second import leaves what is yours as it is, edits included.
    yours = {name: (service / name).read_bytes() for name in new if found[name] is Ownership.YOURS}
    for name in yours:
        (service / name).write_bytes(yours[name] + b"# edited\n")
    with installed(service):
        assert main(["import-spec", str(SPEC), "--project", str(service)]) == 0
    assert {name: (service / name).read_bytes() for name in yours} == {
        name: content + b"# edited\n" for name, content in yours.items()
    }
