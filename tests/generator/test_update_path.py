"""The update path: a service rendered from an earlier template version, brought up to
this one with ``relaykit update``, equals a fresh render but for the files its user owns,
which are left as they were; conflicts are reported, not hidden.

The template is a throwaway git repository with two tags: ``v1``, an earlier commit
of this repository, and ``v2``, the working tree as it is now.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from relaykit.ownership import written_once
from relaykit.render import render

from ..conftest import REPO_ROOT
from ..conftest import commit_render
from ..conftest import copy_working_tree
from ..conftest import git
from ..conftest import tree

pytestmark = pytest.mark.renders

#: The template as it stood before the container setup (issues 2-4 done).
EARLIER = "58be111037ec30c506dc56f56145b64f5f0997d2"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of this repository whose tag v1 is EARLIER and v2 the working tree now."""
    folder = tmp_path_factory.mktemp("template") / "relaykit"
    git(REPO_ROOT, "clone", "--quiet", "--no-checkout", str(REPO_ROOT), str(folder))
    git(folder, "checkout", "--quiet", EARLIER)
    git(folder, "tag", "v1")
    git(folder, "rm", "-r", "--quiet", ".")
    copy_working_tree(folder)
    git(folder, "add", "--all")
    git(folder, "commit", "--quiet", "--allow-empty", "-m", "the template now")
    git(folder, "tag", "v2")
    return folder


def service_at_v1(template: Path, destination: Path) -> Path:
    render(destination, template=template, vcs_ref="v1")
    commit_render(destination, "scaffold at v1")
    return destination


def relaykit(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "relaykit", *arguments], capture_output=True, text=True, timeout=600
    )


def user_owned(template: Path, service: Path) -> set[str]:
    """The files copier writes once (``_skip_if_exists``), as the service names them."""
    package = yaml.safe_load((service / ".copier-answers.yml").read_text())["package_name"]
    return {path.replace("{{ package_name }}", package) for path in written_once(template)}


def test_an_update_from_an_earlier_version_equals_a_fresh_render_but_for_user_files(
    template: Path, tmp_path: Path
) -> None:
    service = service_at_v1(template, tmp_path / "service")
    assert not (service / "Dockerfile").exists()  # v1 had no container setup
    before = tree(service)
    updated = relaykit("update", "--project", str(service), "--vcs-ref", "v2")
    assert updated.returncode == 0, updated.stderr
    assert "updated cleanly" in updated.stderr
    fresh = tree(render(tmp_path / "fresh", template=template, vcs_ref="v2"))
    assert not list(service.rglob("*.rej"))
    after, owned = tree(service), user_owned(template, service)
    assert after.keys() == fresh.keys()
    assert {n: c for n, c in after.items() if n not in owned} == {
        n: c for n, c in fresh.items() if n not in owned
    }
    # What the user owns is as v1 wrote it; one that v1 did not write is the fresh one.
    assert {n: after[n] for n in owned & after.keys()} == {
        n: before.get(n, fresh[n]) for n in owned & after.keys()
    }


def test_conflicts_are_listed_and_the_update_exits_1(template: Path, tmp_path: Path) -> None:
    service = service_at_v1(template, tmp_path / "service")
    readme = service / "README.md"
    # v2 rewrote this line of the layout table; the user rewrote it too.
    line = "| request ids and JSON logs |"
    text = readme.read_text(encoding="utf-8")
    assert line in text
    readme.write_text(text.replace(line, "| request ids and our log shipper |"), encoding="utf-8")
    git(service, "commit", "--quiet", "-am", "our quick start")
    updated = relaykit("update", "--project", str(service), "--vcs-ref", "v2")
    assert updated.returncode == 1, updated.stderr
    assert "left conflicts in 1 file(s)" in updated.stderr
    assert updated.stderr.splitlines()[-1] == "  README.md"
    text = readme.read_text(encoding="utf-8")
    assert "<<<<<<< before updating" in text
    assert ">>>>>>> after updating" in text
    assert not list(service.rglob("*.rej"))


def test_an_update_refuses_uncommitted_changes_with_one_line(
    template: Path, tmp_path: Path
) -> None:
    service = service_at_v1(template, tmp_path / "service")
    (service / "notes.txt").write_text("draft\n", encoding="utf-8")
    updated = relaykit("update", "--project", str(service), "--vcs-ref", "v2")
    assert updated.returncode == 1
    assert updated.stderr.splitlines()[-1] == (
        f"relaykit: error: {service} has uncommitted changes: commit or stash them first"
    )
