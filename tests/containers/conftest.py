"""The container tier: a real Docker engine with Compose v2, and a headless Chromium.

On a machine without them the tier is skipped, with the reason; with
``RELAYKIT_CONTAINER_TESTS=1`` (as ``.ci/run`` sets) a missing part fails the run.
"""

from __future__ import annotations

import shutil
import subprocess
from typing import NoReturn

import pytest

from ..conftest import missing
from .compose import NGINX_IMAGE
from .compose import RABBITMQ_IMAGE
from .compose import ensure_image

#: Set to 1 to make a missing engine or browser a failure instead of a skip.
SWITCH = "RELAYKIT_CONTAINER_TESTS"


def _missing(reason: str) -> NoReturn:
    missing(SWITCH, reason, "container tier")


def _answers(command: list[str]) -> bool:
    if shutil.which(command[0]) is None:
        return False
    return subprocess.run(command, capture_output=True, timeout=60).returncode == 0


@pytest.fixture(scope="session")
def compose_cli() -> None:
    """Docker Compose v2 is installed (no engine needed, e.g. for ``config``)."""
    if not _answers(["docker", "compose", "version"]):
        _missing("no Docker Compose v2 (`docker compose version` failed)")


@pytest.fixture(scope="session")
def engine(compose_cli: None) -> None:
    """A Docker engine answers, and has the images a render's compose file names."""
    if not _answers(["docker", "info"]):
        _missing("no Docker engine answers (`docker info` failed)")
    ensure_image(NGINX_IMAGE)


@pytest.fixture(scope="session")
def rabbitmq_image(engine: None) -> None:
    """The engine has the RabbitMQ image a render's docker-compose.broker.yml names."""
    ensure_image(RABBITMQ_IMAGE)


@pytest.fixture(scope="session")
def chromium() -> str:
    """The path of a headless-capable Chromium (Debian's package)."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if path := shutil.which(name):
            return path
    _missing("no Chromium on PATH (Debian: apt-get install chromium)")
