"""Fixtures and switches shared by the repository's tests."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

#: Set by .ci/run: container tests must run, and a missing engine fails them.
CONTAINER_TIER = os.environ.get("RELAYKIT_CONTAINER_TESTS") == "1"


def docker_ready() -> bool:
    """Whether a Docker engine answers (see ../shared/containers.md)."""
    if shutil.which("docker") is None:
        return False
    return subprocess.run(["docker", "info"], capture_output=True).returncode == 0


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    container_tests = [item for item in items if item.get_closest_marker("container")]
    if not container_tests or docker_ready():
        return
    if CONTAINER_TIER:
        raise pytest.UsageError(
            "RELAYKIT_CONTAINER_TESTS=1 but no Docker engine answers: "
            "run ../shared/tools/container-engine up first"
        )
    skip = pytest.mark.skip(reason="no Docker engine (run ../shared/tools/container-engine up)")
    for item in container_tests:
        item.add_marker(skip)
