"""Releases, as a user meets them: wheels and sdists carry the template; an installed
relaykit renders what ``copier copy`` of its tag renders; upgrading relaykit, then
``relaykit update``, brings the next release's template into a service its user edited.

The published repository is a throwaway clone of this one (the working tree as it is
now) naming itself as ``Source``, tagged ``v<version>``, then ``v<next>``, which bumps
the version and changes a managed file and the README. Tests run in file order: the
update starts from the service that the render test checked.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from relaykit.install import installed

from ..conftest import REPO_ROOT
from ..conftest import commit_render
from ..conftest import copy_working_tree
from ..conftest import git
from ..conftest import tree

pytestmark = pytest.mark.renders

#: The managed template file the next release changes, relative to the repository.
CHANGED_MANAGED_FILE = "template/src/{{package_name}}/api/intake/flow.py"

#: The user-owned file the user edits (listed in ``_skip_if_exists``), and the edit; the
#: next release changes it too, and the service keeps the user's.
USER_FILE = "src/{{ package_name }}/api/events/steps.py"
USER_FILE_TEMPLATE = "template/src/{{package_name}}/api/events/steps.py"
USER_EDIT = "\n\n# Ours: redaction stays first, whatever else the pipeline grows.\n"

#: Where a wheel carries ``copier.yml`` and ``template/``.
BUNDLED_PREFIX = "relaykit/copier_template/"


def in_service(service: Path, template_path: str) -> Path:
    """Where the render ``service`` has the file of ``template_path``."""
    package = yaml.safe_load((service / ".copier-answers.yml").read_text())["package_name"]
    name = template_path.removeprefix("template/").removesuffix(".jinja")
    return service / re.sub(r"\{\{ ?package_name ?\}\}", package, name)


def managed_change(version: str) -> str:
    return f'\n\n#: Added in {version}.\nRELEASE_MARK = "{version}"\n'


def readme_change(readme: str, version: str) -> str:
    """``readme`` with a paragraph added after its title line."""
    title, rest = readme.split("\n", 1)
    return f"{title}\n\nThis service's template was released with relaykit {version}.\n{rest}"


def replace_line(path: Path, pattern: str, line: str) -> None:
    text = path.read_text(encoding="utf-8")
    text, found = re.subn(f"(?m)^{pattern}$", lambda _: line, text, count=1)
    assert found == 1, f"{path.name} has no line {pattern!r}"
    path.write_text(text, encoding="utf-8")


def run(
    command: list[str], cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``command`` in ``cwd`` and assert that it succeeded."""
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, f"{command}:\n{done.stdout[-6000:]}\n{done.stderr[-6000:]}"
    return done


def git_bytes(folder: Path, *arguments: str) -> bytes:
    done = subprocess.run(["git", "-C", str(folder), *arguments], capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    return done.stdout


@dataclass(frozen=True)
class Release:
    """The stand-in published repository, and the versions of its two tags."""

    clone: Path
    old: str
    new: str


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> Release:
    clone = tmp_path_factory.mktemp("published") / "relaykit"
    git(REPO_ROOT, "clone", "--quiet", "--no-checkout", str(REPO_ROOT), str(clone))
    copy_working_tree(clone)
    pyproject = clone / "pyproject.toml"
    old = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["version"]
    major, minor, _ = old.split(".", 2)
    new = f"{major}.{int(minor) + 1}.0"
    replace_line(pyproject, 'Source = ".*"', f'Source = "{clone}"')  # [project.urls]
    git(clone, "add", "--all")
    git(clone, "commit", "--quiet", "-m", "release")
    git(clone, "tag", f"v{old}")
    replace_line(pyproject, 'version = ".*"', f'version = "{new}"')
    for changed in (CHANGED_MANAGED_FILE, USER_FILE_TEMPLATE):
        with (clone / changed).open("a", encoding="utf-8") as template_file:
            template_file.write(managed_change(new))
    readme = clone / "template/README.md.jinja"
    readme.write_text(readme_change(readme.read_text(encoding="utf-8"), new), encoding="utf-8")
    git(clone, "commit", "--quiet", "-am", "next release")
    git(clone, "tag", f"v{new}")
    return Release(clone, old, new)


def hatchling(kind: str, source: Path, out: Path) -> Path:
    """Build a ``kind`` (``wheel`` or ``sdist``) of ``source``: offline, no isolation."""
    run([sys.executable, "-m", "hatchling", "build", "-t", kind, "-d", str(out)], source)
    (built,) = out.glob("*.whl" if kind == "wheel" else "*.tar.gz")
    return built


def unpack(archive: bytes, folder: Path) -> Path:
    """Extract a tar archive into ``folder``; returns its one top-level folder."""
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(folder, filter="data")
    (top,) = folder.iterdir()
    return top


@pytest.fixture(scope="module")
def dists(release: Release, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The wheels of both tags (``old``, ``new``), the old tag's ``sdist``, and the
    wheel built from that sdist (``sdist-wheel``)."""
    made: dict[str, Path] = {}
    for key, version in (("old", release.old), ("new", release.new)):
        folder = tmp_path_factory.mktemp(f"build-{key}")
        tag = git_bytes(release.clone, "archive", "--format=tar", "--prefix=tree/", f"v{version}")
        made[key] = hatchling("wheel", unpack(tag, folder / "source"), folder)
    folder = tmp_path_factory.mktemp("build-sdist")
    made["sdist"] = hatchling("sdist", made["old"].parent / "source" / "tree", folder)
    unpacked = unpack(made["sdist"].read_bytes(), folder / "unpacked")
    made["sdist-wheel"] = hatchling("wheel", unpacked, folder / "wheel")
    return made


def template_at(clone: Path, tag: str) -> dict[str, bytes]:
    """``copier.yml`` and ``template/`` as git records them at ``tag``."""
    names = git(clone, "ls-tree", "-r", "--name-only", tag, "--", "copier.yml", "template")
    return {name: git_bytes(clone, "show", f"{tag}:{name}") for name in names.splitlines()}


def carried(dist: Path) -> dict[str, bytes]:
    """``copier.yml`` and ``template/`` as a wheel (in its bundled copy) or an sdist has them."""
    if dist.suffix == ".whl":
        with zipfile.ZipFile(dist) as wheel:
            return {
                name.removeprefix(BUNDLED_PREFIX): wheel.read(name)
                for name in wheel.namelist()
                if name.startswith(BUNDLED_PREFIX)
            }
    found: dict[str, bytes] = {}
    with tarfile.open(dist) as sdist:
        for member in sdist.getmembers():
            name, content = member.name.partition("/")[2], sdist.extractfile(member)
            if content and (name == "copier.yml" or name.startswith("template/")):
                found[name] = content.read()
    return found


@pytest.mark.parametrize("key", ["old", "sdist", "sdist-wheel", "new"])
def test_a_dist_carries_the_template_of_its_tag(
    release: Release, dists: dict[str, Path], key: str
) -> None:
    tag = f"v{release.new if key == 'new' else release.old}"
    expected, files = template_at(release.clone, tag), carried(dists[key])
    assert CHANGED_MANAGED_FILE in expected
    assert sorted(files.keys() ^ expected.keys()) == [], f"in {dists[key].name} or {tag} only"
    assert [name for name in expected if files[name] != expected[name]] == []


@dataclass(frozen=True)
class Venv:
    """A fresh virtual environment: a user's, not the tests' own."""

    folder: Path
    env: dict[str, str]

    def run(self, program: str, *arguments: str, cwd: Path) -> subprocess.CompletedProcess[str]:
        """Run one of its programs (``python``, ``relaykit``) and assert that it succeeded."""
        return run([str(self.folder / "bin" / program), *arguments], cwd, self.env)

    def assert_version(self, version: str) -> None:
        """The installed metadata holds ``version``, and both ways of asking print it."""
        metadata = "import importlib.metadata as m; print(m.version('relaykit'))"
        assert self.run("python", "-c", metadata, cwd=self.folder).stdout.strip() == version
        for command in (["relaykit"], ["python", "-m", "relaykit"]):
            printed = self.run(*command, "--version", cwd=self.folder).stdout
            assert printed.strip() == f"relaykit {version}", command


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Venv:
    folder = tmp_path_factory.mktemp("venv") / "env"
    run([sys.executable, "-m", "venv", str(folder)], folder.parent)
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    env["PATH"] = f"{folder / 'bin'}{os.pathsep}{env['PATH']}"
    return Venv(folder, env)


@pytest.fixture(scope="module")
def service(dists: dict[str, Path], venv: Venv, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``relaykit new svc --defaults`` by the old release, pip-installed from its wheel."""
    venv.run("python", "-m", "pip", "install", str(dists["old"]), cwd=venv.folder)
    folder = tmp_path_factory.mktemp("user")
    venv.run("relaykit", "new", "svc", "--defaults", cwd=folder)
    return folder / "svc"


def assert_suite_passes(service: Path) -> None:
    with installed(service):
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
        summary = run(command, service).stdout.rstrip().splitlines()[-1]
    assert " passed" in summary, summary
    assert " failed" not in summary, summary


def test_an_installed_release_renders_what_copier_copy_of_its_tag_renders(
    release: Release, venv: Venv, service: Path, tmp_path: Path
) -> None:
    venv.assert_version(release.old)
    copier = [sys.executable, "-m", "copier", "copy", "--defaults", "--vcs-ref"]
    run([*copier, f"v{release.old}", str(release.clone), str(tmp_path / "other")], tmp_path)
    rendered, copied = tree(service), tree(tmp_path / "other")
    assert sorted(rendered.keys() ^ copied.keys()) == [], "in only one of the two renders"
    assert [name for name in copied if rendered[name] != copied[name]] == []
    assert_suite_passes(service)


def test_upgrading_then_updating_brings_the_next_template_and_keeps_user_edits(
    release: Release, dists: dict[str, Path], venv: Venv, service: Path
) -> None:
    skipped = yaml.safe_load((release.clone / "copier.yml").read_text(encoding="utf-8"))
    assert USER_FILE in skipped["_skip_if_exists"]
    user_file, managed = in_service(service, USER_FILE), in_service(service, CHANGED_MANAGED_FILE)
    managed_before = managed.read_text(encoding="utf-8")
    commit_render(service, f"scaffold with relaykit {release.old}")
    user_text = user_file.read_text(encoding="utf-8") + USER_EDIT
    user_file.write_text(user_text, encoding="utf-8")
    readme = service / "README.md"
    readme_text = readme.read_text(encoding="utf-8") + "\nOn call: the orders team.\n"
    readme.write_text(readme_text, encoding="utf-8")
    git(service, "commit", "--quiet", "-am", "our edits")

    venv.run("python", "-m", "pip", "install", "--upgrade", str(dists["new"]), cwd=venv.folder)
    venv.assert_version(release.new)
    # No --vcs-ref: an installed relaykit updates to its own release.
    updated = venv.run("relaykit", "update", cwd=service)
    assert "updated cleanly" in updated.stderr, updated.stderr

    assert user_file.read_text(encoding="utf-8") == user_text
    assert managed.read_text(encoding="utf-8") == managed_before + managed_change(release.new)
    assert readme.read_text(encoding="utf-8") == readme_change(readme_text, release.new)
    answers = yaml.safe_load((service / ".copier-answers.yml").read_text(encoding="utf-8"))
    assert (answers["_commit"], answers["_src_path"]) == (f"v{release.new}", str(release.clone))
    assert list(service.rglob("*.rej")) == []
    assert_suite_passes(service)
