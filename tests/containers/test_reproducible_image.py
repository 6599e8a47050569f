"""The image installs exactly what uv.lock holds: two builds of one commit, the second
without the build cache, install the same versions, the lock's, and no uv or dev tools;
the base image's digest, given as a build argument, is what the build starts from."""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Callable
from collections.abc import Iterator
from pathlib import Path

import pytest

from relaykit.install import read_answers

from ..conftest import commit_render
from ..template.locked import ENVIRONMENT
from ..template.locked import INSTALLED
from ..template.locked import by_canonical_name
from ..template.locked import locked_versions
from ..template.locked import read_json
from .compose import COMPOSE_TIMEOUT

pytestmark = pytest.mark.containers

#: Finds uv anywhere the image's PATH or virtual environment could hold it.
FIND_UV = "import shutil, sys; print(shutil.which('uv') or '')"


def build(service: Path, tag: str, *options: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["docker", "build", "--tag", tag, *options, str(service)],
        capture_output=True, text=True, timeout=COMPOSE_TIMEOUT,
    )  # fmt: skip


def python_in(image: str, script: str) -> list[str]:
    return ["docker", "run", "--rm", image, "python", "-c", script]


@pytest.fixture(scope="module")
def service(rendered: Callable[[str], Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default render, committed: what two builds of one commit start from."""
    copy = tmp_path_factory.mktemp("image") / "service"
    subprocess.run(["cp", "-r", str(rendered("defaults")), str(copy)], check=True)
    commit_render(copy, "scaffold")
    return copy


@pytest.fixture
def images(engine: None) -> Iterator[list[str]]:
    """Tags for the test's images, removed afterwards."""
    tags: list[str] = []
    yield tags
    if tags:
        subprocess.run(["docker", "image", "rm", "--force", *tags], capture_output=True)


def test_two_builds_of_one_commit_install_the_locked_versions(
    service: Path, images: list[str]
) -> None:
    images += [f"relaykit-test-{uuid.uuid4().hex[:12]}" for _ in range(2)]
    for tag, options in zip(images, [(), ("--no-cache",)], strict=True):
        built = build(service, tag, *options)
        assert built.returncode == 0, built.stderr
    project = str(read_answers(service)["project_slug"])
    first, second = (
        by_canonical_name(read_json(python_in(tag, INSTALLED)), project) for tag in images
    )
    assert first == second
    locked = locked_versions(service, read_json(python_in(images[0], ENVIRONMENT)))
    assert first == locked
    assert "pytest" not in first  # the dev extra stays out
    for tag in images:
        assert subprocess.run(python_in(tag, FIND_UV), capture_output=True, text=True,
                              check=True).stdout.strip() == ""  # fmt: skip


def test_the_base_image_digest_is_what_the_build_starts_from(
    service: Path, images: list[str]
) -> None:
    # No registry answers here, so a digest cannot resolve: the error names the reference.
    digest = "sha256:" + "0" * 64
    images.append(f"relaykit-test-{uuid.uuid4().hex[:12]}")
    built = build(service, images[0], "--build-arg", f"BASE_IMAGE_DIGEST={digest}")
    assert built.returncode != 0
    python_version = read_answers(service)["python_version"]
    assert f"python:{python_version}-slim@{digest}" in built.stderr
