"""`flask --app <package> run --debug` (make dev) serves the rendered service over HTTP."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest

from generator.install import installed

EVENT = {
    "id": "evt-dev",
    "type": "order.created",
    "occurred_at": "2026-01-01T12:00:00Z",
    "source": "shop",
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until_up(url: str, server: subprocess.Popen[str], deadline: float) -> None:
    """Poll ``url`` until it answers, the server dies, or the deadline passes."""
    while time.monotonic() < deadline:
        assert server.poll() is None, server.communicate()[1]
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.1)  # polling interval, not synchronisation: the loop checks the state
    raise AssertionError(f"{url} did not answer in time")


def test_dev_server_serves_the_api_and_the_docs(rendered: Callable[[str], Path]) -> None:
    service = rendered("defaults")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with installed(service) as package:
        command = [sys.executable, "-m", "flask", "--app", package, "run", "--debug"]
        server = subprocess.Popen(
            [*command, "--host", "127.0.0.1", "--port", str(port)],
            cwd=service,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,  # the reloader runs the app in a child process
        )
        try:
            wait_until_up(f"{base}/livez", server, time.monotonic() + 60)
            request = urllib.request.Request(
                f"{base}/v1/events",
                data=json.dumps(EVENT).encode(),
                headers={"Content-Type": "application/json", "X-Request-ID": "dev-1"},
            )
            with urllib.request.urlopen(request, timeout=10) as response:
                assert response.status == 202
                assert json.load(response)["request_id"] == "dev-1"
            with urllib.request.urlopen(f"{base}/docs", timeout=10) as response:
                assert response.status == 200
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(f"{base}/v1/events", timeout=10)
            with refused.value as error:
                assert error.code == 405
                assert error.headers["Content-Type"] == "application/problem+json"
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.communicate(timeout=30)
