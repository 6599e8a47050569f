"""A render's stack on Docker Swarm: deployed under a unique name, asked, and removed."""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .compose import ASK_WORKER
from .compose import COMPOSE_TIMEOUT

#: Where a render keeps its stack file.
STACK_FILE = Path("deploy/swarm/docker-stack.yml")

#: Seconds a removed stack may take to let go of its containers and network.
REMOVAL_DEADLINE = 120


def docker(*arguments: str, timeout: float = COMPOSE_TIMEOUT) -> str:
    """Run ``docker ARGUMENTS``; its output, or a failed assertion."""
    done = subprocess.run(
        ["docker", *arguments], capture_output=True, text=True, timeout=timeout
    )  # fmt: skip
    assert done.returncode == 0, f"docker {' '.join(arguments)}:\n{done.stderr}"
    return done.stdout


def swarm_state() -> str:
    """The engine's swarm state: ``inactive``, ``active``, ..."""
    return docker("info", "--format", "{{.Swarm.LocalNodeState}}").strip()


@contextmanager
def swarm_mode() -> Iterator[None]:
    """The engine in a swarm until the block ends: initialised here (and left after)
    only when it was in none."""
    if swarm_state() == "active":
        yield
        return
    docker("swarm", "init", "--advertise-addr", "127.0.0.1")
    try:
        yield
    finally:
        docker("swarm", "leave", "--force")


@dataclass(frozen=True)
class SwarmStack:
    """A deployed stack: its name and the port its proxy publishes."""

    name: str
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def service(self, service: str) -> str:
        return f"{self.name}_{service}"

    def running_tasks(self, service: str) -> list[str]:
        """Names (``service.slot``) of the service's tasks that run now."""
        listed = docker(
            "service", "ps", self.service(service), "--filter", "desired-state=running",
            "--format", "{{.Name}} {{.CurrentState}}",
        )  # fmt: skip
        return [line.split()[0] for line in listed.splitlines() if " Running " in f" {line} "]

    def ask_worker(self, method: str, path: str, body: Any = None) -> Any:
        """Send a JSON request to the reference worker, inside its container."""
        label = f"label=com.docker.swarm.service.name={self.service('worker')}"
        (container,) = docker("ps", "--quiet", "--filter", label).split()
        data = "" if body is None else json.dumps(body)
        return json.loads(docker("exec", container, "python", "-c", ASK_WORKER, method, path, data))

    def answered_by(self, request_ids: set[str]) -> dict[str, set[str]]:
        """The request ids among ``request_ids`` that each task of ``api`` logged, by task.

        Each task's container, those of stopped tasks too (Swarm keeps them), is
        asked with ``docker logs``: ``docker service logs`` can hang once tasks are gone.
        """
        label = f"label=com.docker.swarm.service.name={self.service('api')}"
        listed = docker(
            "ps", "--all", "--filter", label,
            "--format", '{{.ID}} {{.Label "com.docker.swarm.task.name"}}',
        )  # fmt: skip
        found: dict[str, set[str]] = {}
        for container, task in (line.split() for line in listed.splitlines()):
            written = subprocess.run(
                ["docker", "logs", container],
                capture_output=True, text=True, timeout=COMPOSE_TIMEOUT, check=True,
            )  # fmt: skip
            ids = set()
            for line in (written.stdout + written.stderr).splitlines():
                try:
                    ids.add(json.loads(line).get("request_id"))
                except (ValueError, AttributeError):
                    continue
            if ids & request_ids:
                found[task] = ids & request_ids
        return found


@contextmanager
def stack_deployed(
    directory: Path, name: str, port: int, environment: dict[str, str]
) -> Iterator[SwarmStack]:
    """``docker stack deploy`` the render's stack file until the block ends, then remove it.

    :param environment: what the stack file reads (IMAGE, API_KEYS_FILE, ...).
    """
    command = [
        "docker", "stack", "deploy", "--detach=false", "--resolve-image", "never",
        "--compose-file", str(STACK_FILE), name,
    ]  # fmt: skip
    try:
        deployed = subprocess.run(
            command, cwd=directory, capture_output=True, text=True, timeout=COMPOSE_TIMEOUT,
            env={**os.environ, **environment, "PUBLISHED_PORT": str(port)},
        )  # fmt: skip
        assert deployed.returncode == 0, f"docker stack deploy:\n{deployed.stderr}"
        yield SwarmStack(name, port)
    finally:
        subprocess.run(["docker", "stack", "rm", name], capture_output=True, timeout=120)
        _wait_removed(name)


def _wait_removed(name: str) -> None:
    label = f"label=com.docker.stack.namespace={name}"
    deadline = time.monotonic() + REMOVAL_DEADLINE
    while time.monotonic() < deadline:
        left = docker("ps", "--all", "--quiet", "--filter", label) + docker(
            "network", "ls", "--quiet", "--filter", label
        )
        if not left.strip():
            return
        time.sleep(0.5)
    raise AssertionError(f"stack {name} still has containers or networks after removal")
