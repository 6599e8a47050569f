# Managed by relaykit: "copier update" merges the template's changes into this file.
"""A reference worker in a process of its own, on loopback: for tests and benchmarks.

It is started with ``subprocess`` (bandit's B404 and B603, silenced where they are
raised): this interpreter, this package, the caller's options, and no shell.
"""

from __future__ import annotations

import json
import os
import subprocess  # nosec B404
import sys
import urllib.request
from dataclasses import dataclass
from typing import Any

__all__ = ["WorkerProcess", "start_worker_process"]


@dataclass(frozen=True)
class WorkerProcess:
    """A running reference worker: its URL, its token, and a small JSON client for its controls."""

    url: str
    process: subprocess.Popen[str]
    token: str = ""

    def call(self, method: str, path: str, body: Any = None) -> Any:
        """Send a JSON request to the worker and decode its JSON answer.

        :raises urllib.error.HTTPError: for a 4xx or 5xx answer.
        """
        data = None if body is None else json.dumps(body).encode()
        headers = {"Content-Type": "application/json"} if data is not None else {}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(self.url + path, data, headers, method=method)
        # The worker's own http URL, as it printed it.
        with urllib.request.urlopen(request, timeout=10) as response:  # nosec B310
            return json.load(response)

    def stop(self) -> None:
        """Stop the worker (SIGTERM) and wait for it."""
        self.process.terminate()
        self.process.wait(timeout=30)
        if self.process.stdout is not None:
            self.process.stdout.close()


def start_worker_process(*arguments: str, token: str = "") -> WorkerProcess:
    """Start ``python -m <package>.worker --port 0 ARGUMENTS`` and wait until it listens.

    :param token: the bearer token it requires; ``""`` for none.
    """
    package = __package__ or "worker"
    # The token given here, whatever this process's environment names.
    environment = {**os.environ, "RELAY_WORKER_TOKEN": token}
    environment.pop("RELAY_WORKER_TOKEN_FILE", None)
    process = subprocess.Popen(  # nosec B603
        [sys.executable, "-m", package, "--port", "0", *arguments],
        stdout=subprocess.PIPE,
        text=True,
        env=environment,
    )
    if process.stdout is None:  # never: stdout is a pipe
        raise RuntimeError("the worker's output is not readable")
    line = process.stdout.readline()  # printed once the worker takes connections
    if not line.startswith("worker listening on "):
        process.kill()
        process.wait(timeout=30)
        process.stdout.close()
        raise RuntimeError(f"the worker did not start: {line!r}")
    return WorkerProcess(line.removeprefix("worker listening on ").strip(), process, token)
