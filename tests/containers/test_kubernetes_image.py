"""A render's image runs as deploy/kubernetes/ runs it: a read-only root filesystem, user
10001, no capabilities, no privilege escalation, memory for /tmp and /dev/shm, its settings
from the ConfigMap's file and its keys from a mounted file; then it takes an event."""

from __future__ import annotations

import json
import secrets
import subprocess
import time
import uuid
from collections.abc import Callable
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from relaykit.install import read_answers

from .compose import COMPOSE_TIMEOUT
from .compose import free_port

pytestmark = pytest.mark.containers

#: The Deployment's securityContext and volumes (deploy/kubernetes/base/deployment.yaml)
#: as docker run options: /tmp and /dev/shm are its emptyDirs.
AS_KUBERNETES_RUNS_IT = [
    "--read-only", "--tmpfs", "/tmp", "--shm-size", "64m", "--user", "10001:10001",
    "--cap-drop", "ALL", "--security-opt", "no-new-privileges",
]  # fmt: skip

#: Where the Deployment mounts the keys file of its Secret.
KEYS_FILE = "/run/secrets/relay/api-keys"

#: Seconds the service may take to become ready, and an event to reach the worker.
READY_DEADLINE = 60

# Asks the reference worker from inside its container, which publishes no port.
_RECORDS = """
import os, urllib.request
request = urllib.request.Request("http://127.0.0.1:8081/records",
    headers={"Authorization": "Bearer " + os.environ["RELAY_WORKER_TOKEN"]})
print(urllib.request.urlopen(request, timeout=10).read().decode())
"""


def docker(*arguments: str) -> str:
    """Run ``docker ARGUMENTS``; its output, or a failed assertion."""
    done = subprocess.run(
        ["docker", *arguments], capture_output=True, text=True, timeout=COMPOSE_TIMEOUT
    )
    assert done.returncode == 0, f"docker {' '.join(arguments[:2])}:\n{done.stderr}"
    return done.stdout


@dataclass(frozen=True)
class Pods:
    """The service and the reference worker, each in a container named ``<prefix>-<role>``."""

    prefix: str
    url: str
    key: str

    def records(self) -> list[str]:
        answer = docker("exec", f"{self.prefix}-worker", "python", "-c", _RECORDS)
        keys: list[str] = json.loads(answer)["keys"]
        return keys


@pytest.fixture(scope="module")
def pods(
    engine: None, rendered: Callable[[str], Path], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Pods]:
    service = rendered("defaults")
    package = str(read_answers(service)["package_name"])
    prefix = f"relaykit-test-k8s-{uuid.uuid4().hex[:12]}"
    keys = tmp_path_factory.mktemp("secret") / "api-keys"
    key, token = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    keys.write_text(f"tests:{key}\n", encoding="utf-8")
    port = free_port()
    docker("build", "--quiet", "--tag", prefix, str(service))
    docker("network", "create", prefix)
    try:
        docker(
            "run", "--detach", "--name", f"{prefix}-worker", "--network", prefix,
            *AS_KUBERNETES_RUNS_IT, "--env", f"RELAY_WORKER_TOKEN={token}",
            # The demo's emptyDir for the worker's store, which its user may write (docker
            # mounts a tmpfs with the image folder's mode, but owned by root).
            "--tmpfs", "/var/lib/worker:uid=10001,gid=10001",
            prefix, "python", "-m", f"{package}.worker", "--host", "0.0.0.0", "--port", "8081",
            "--store", "/var/lib/worker/receipts.sqlite3",
        )  # fmt: skip
        docker(
            "run", "--detach", "--name", f"{prefix}-api", "--network", prefix,
            *AS_KUBERNETES_RUNS_IT, "--publish", f"127.0.0.1:{port}:8000",
            # The ConfigMap's file is a docker env file too.
            "--env-file", str(service / "deploy" / "kubernetes" / "base" / "settings.env"),
            "--env", f"RELAY_WORKER_URL=http://{prefix}-worker:8081",
            "--env", f"RELAY_WORKER_TOKEN={token}",
            "--env", f"RELAY_AUTH_KEYS_FILE={KEYS_FILE}",
            "--mount", f"type=bind,source={keys},target={KEYS_FILE},readonly",
            prefix,
        )  # fmt: skip
        yield Pods(prefix, f"http://127.0.0.1:{port}", key)
    finally:
        for role in ("api", "worker"):
            subprocess.run(["docker", "rm", "--force", f"{prefix}-{role}"], capture_output=True)
        subprocess.run(["docker", "network", "rm", prefix], capture_output=True)
        subprocess.run(["docker", "image", "rm", prefix], capture_output=True)


def wait_until_ready(pods: Pods) -> requests.Response:
    deadline = time.monotonic() + READY_DEADLINE
    while True:
        try:
            ready = requests.get(f"{pods.url}/readyz", timeout=5)
            if ready.status_code == 200 or time.monotonic() > deadline:
                return ready
        except requests.ConnectionError:
            assert time.monotonic() < deadline, docker("logs", f"{pods.prefix}-api")
        time.sleep(0.2)  # polling interval


def test_the_service_is_ready_on_a_read_only_root(pods: Pods) -> None:
    ready = wait_until_ready(pods)
    assert ready.status_code == 200, ready.text
    assert ready.json() == {"status": "ready", "checks": {"drain": "ok", "worker": "ok"}}
    for role in ("api", "worker"):
        refused = subprocess.run(
            ["docker", "exec", f"{pods.prefix}-{role}", "touch", "/written"],
            capture_output=True, text=True,
        )  # fmt: skip
        assert "Read-only file system" in refused.stderr


def test_an_authenticated_event_reaches_the_worker(pods: Pods) -> None:
    assert wait_until_ready(pods).status_code == 200
    event = {
        "id": "evt-k8s-1", "type": "order.created", "source": "kubernetes-test",
        "occurred_at": "2026-01-01T12:00:00Z", "data": {"n": 1},
    }  # fmt: skip
    answer = requests.post(
        f"{pods.url}/v1/events", json=event, headers={"X-API-Key": pods.key}, timeout=60
    )
    assert answer.status_code == 202, answer.text
    assert answer.json()["idempotency_key"] in pods.records()


def test_nothing_fails_for_want_of_a_writable_file(pods: Pods) -> None:
    assert wait_until_ready(pods).status_code == 200
    written = subprocess.run(
        ["docker", "logs", f"{pods.prefix}-api"], capture_output=True, text=True, check=True
    )
    failed = [
        line
        for line in (written.stdout + written.stderr).splitlines()
        if not line.startswith("{") or json.loads(line)["level"] in ("ERROR", "CRITICAL")
    ]
    assert failed == []
