"""A Compose project under test: up with a unique name on a free port, asked, and torn down."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

#: The key the compose file gives the service for local runs.
LOCAL_KEY = "relay-local-key-change-me"

#: Seconds a compose command may take; a cold build pulls wheels from the package index.
COMPOSE_TIMEOUT = 900

#: The official nginx image a render's compose file runs its proxy on.
NGINX_IMAGE = "nginx:1.28-alpine"

#: The official RabbitMQ image a render's docker-compose.broker.yml runs its broker on.
RABBITMQ_IMAGE = "rabbitmq:4.3-alpine"

#: Where the local stand-ins for those images are built from, by tag.
STAND_INS = {
    NGINX_IMAGE: Path(__file__).parent / "nginx",
    RABBITMQ_IMAGE: Path(__file__).parent / "rabbitmq",
}

#: Asks the worker from inside its container: it publishes no port.
ASK_WORKER = """
import os, sys, urllib.request
method, path, body = sys.argv[1], sys.argv[2], sys.argv[3]
data = body.encode() if body else None
headers = {"Content-Type": "application/json",
           "Authorization": "Bearer " + (os.environ.get("RELAY_WORKER_TOKEN")
                                         or open(os.environ["RELAY_WORKER_TOKEN_FILE"]).read().strip())}
request = urllib.request.Request("http://127.0.0.1:8081" + path, data, headers, method=method)
print(urllib.request.urlopen(request, timeout=10).read().decode())
"""


def ensure_image(image: str) -> None:
    """Build the stand-in of :data:`STAND_INS` under ``image`` when the engine has no such image.

    With no registry to pull the official image from, the stand-in is Debian's package
    arranged like it (see its Dockerfile); an image already there is kept.
    """
    found = subprocess.run(["docker", "image", "inspect", image], capture_output=True, timeout=60)
    if found.returncode == 0:
        return
    built = subprocess.run(
        ["docker", "build", "--tag", image, str(STAND_INS[image])],
        capture_output=True, text=True, timeout=COMPOSE_TIMEOUT,
    )  # fmt: skip
    assert built.returncode == 0, f"building the {image} stand-in:\n{built.stderr}"


def free_port() -> int:
    """A TCP port nothing listens on now, on loopback."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass(frozen=True)
class Stack:
    """A compose project: its folder, its unique name, and the port ``api`` is published on."""

    directory: Path
    project: str
    port: int
    files: tuple[str, ...] = ()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def compose(self, *arguments: str, timeout: float = COMPOSE_TIMEOUT) -> str:
        """Run ``docker compose ARGUMENTS`` for this project; its output, or a failed assertion."""
        done = self.run(*arguments, timeout=timeout)
        assert done.returncode == 0, f"docker compose {' '.join(arguments)}:\n{done.stderr}"
        return done.stdout

    def run(
        self, *arguments: str, timeout: float = COMPOSE_TIMEOUT
    ) -> subprocess.CompletedProcess[str]:
        """Run ``docker compose ARGUMENTS`` for this project, whatever it answers."""
        files = [option for name in self.files for option in ("--file", name)]
        return subprocess.run(
            ["docker", "compose", "--project-name", self.project, *files, *arguments],
            cwd=self.directory, capture_output=True, text=True, timeout=timeout,
            env={**os.environ, "PUBLISHED_PORT": str(self.port)},
        )  # fmt: skip

    def ask_worker(self, method: str, path: str, body: Any = None) -> Any:
        """Send a JSON request to the reference worker, inside its container."""
        data = "" if body is None else json.dumps(body)
        answer = self.compose(
            "exec", "-T", "worker", "python", "-c", ASK_WORKER, method, path, data
        )
        return json.loads(answer)

    def container(self, service: str) -> dict[str, Any]:
        """``docker inspect`` of the service's container."""
        (container_id,) = self.compose("ps", "--all", "--quiet", service).split()
        inspected = subprocess.run(
            ["docker", "inspect", container_id], capture_output=True, text=True, check=True
        )
        state: dict[str, Any] = json.loads(inspected.stdout)[0]
        return state

    def logs(self, service: str) -> list[str]:
        """What the service's container wrote, stdout and stderr, line by line."""
        written = subprocess.run(
            ["docker", "logs", self.container(service)["Id"]],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        return (written.stdout + written.stderr).splitlines()

    def leftovers(self) -> list[str]:
        """Containers, networks and volumes of this project that still exist."""
        label = f"label=com.docker.compose.project={self.project}"
        found = []
        for command in (["container", "ls", "--all"], ["network", "ls"], ["volume", "ls"]):
            listed = subprocess.run(
                ["docker", *command, "--quiet", "--filter", label],
                capture_output=True, text=True, check=True,
            )  # fmt: skip
            found += [f"{command[0]} {name}" for name in listed.stdout.split()]
        return found

    def post_event(self, path: str, number: int, **kwargs: Any) -> requests.Response:
        """POST one event, numbered so that each is new."""
        event = {
            "id": f"evt-{number}",
            "type": "order.created",
            "source": "container-test",
            "occurred_at": "2026-01-01T12:00:00Z",
            "data": {"n": number},
        }
        headers = {"X-API-Key": LOCAL_KEY, **kwargs.pop("headers", {})}
        return requests.post(f"{self.url}{path}", json=event, headers=headers, timeout=60, **kwargs)


@contextmanager
def stack_up(directory: Path, *files: str) -> Iterator[Stack]:
    """``docker compose up --build --wait`` in ``directory`` until the block ends, then ``down``.

    :param files: compose files to use instead of the folder's ``docker-compose.yml``.
    """
    stack = Stack(directory, f"relaykit-test-{uuid.uuid4().hex[:12]}", free_port(), files)
    try:
        started = stack.run("up", "--build", "--wait")
        if started.returncode != 0:
            logs = stack.run("logs", "--no-color").stdout
            raise AssertionError(f"docker compose up failed:\n{started.stderr}\n{logs}")
        yield stack
    finally:
        stack.run("down", "--volumes", "--timeout", "30")
        # The images it built are named for the project, which no other test uses.
        built = subprocess.run(
            ["docker", "image", "ls", "--quiet", "--filter", f"reference={stack.project}-*"],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        if built.stdout.split():
            subprocess.run(["docker", "image", "rm", "--force", *set(built.stdout.split())],
                           capture_output=True, timeout=120)  # fmt: skip
