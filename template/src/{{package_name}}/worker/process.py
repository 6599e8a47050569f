# Managed by relaykit: "copier update" merges the template's changes into this file.
"""A reference worker in a process of its own, on loopback: for tests and benchmarks.

It is started with ``subprocess`` (bandit's B404 and B603, silenced where they are
raised): this interpreter, this package, the caller's options, and no shell.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess  # nosec B404
import sys
import tempfile
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["WorkerProcess", "start_worker_process"]


@dataclass(frozen=True)
class WorkerProcess:
    """A running reference worker: its URL, its token, its store, and a small JSON client
    for its controls.

    :param temporary: a folder of its own holding :attr:`store`, removed when it stops.
    """

    url: str
    process: subprocess.Popen[str]
    token: str = ""
    store: Path | None = None
    temporary: Path | None = None

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
        self._ended()

    def kill(self) -> None:
        """Kill the worker (SIGKILL), as a crash would, and wait for it."""
        self.process.kill()
        self._ended()

    def _ended(self) -> None:
        self.process.wait(timeout=30)
        if self.process.stdout is not None:
            self.process.stdout.close()
        if self.temporary is not None:
            shutil.rmtree(self.temporary, ignore_errors=True)


def start_worker_process(
    *arguments: str,
    token: str = "",
    store: Path | None = None,
    environment: Mapping[str, str] | None = None,
) -> WorkerProcess:
    """Start ``python -m <package>.worker --port 0 --store STORE ARGUMENTS`` and wait until
    it listens.

    :param token: the bearer token it requires; ``""`` for none.
    :param store: the SQLite file of the keys it processed; a worker started again on
        the same file processes none of them again. ``None`` gives it a file of its own
        in a temporary folder, removed when it stops.
    :param environment: variables set for it besides this process's, e.g.
        ``RELAY_TRANSPORT=amqp`` and ``RELAY_BROKER_URL`` to make it consume a queue.
    """
    package = __package__ or "worker"
    temporary = None
    if store is None:
        temporary = Path(tempfile.mkdtemp(prefix="worker-store-"))
        store = temporary / "receipts.sqlite3"
    # The token given here, whatever this process's environment names.
    variables = {**os.environ, **(environment or {}), "RELAY_WORKER_TOKEN": token}
    variables.pop("RELAY_WORKER_TOKEN_FILE", None)
    command = [sys.executable, "-m", package, "--port", "0", "--store", str(store), *arguments]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=variables)  # nosec B603
    if process.stdout is None:  # never: stdout is a pipe
        raise RuntimeError("the worker's output is not readable")
    line = process.stdout.readline()  # printed once the worker takes connections
    if not line.startswith("worker listening on "):
        process.kill()
        process.wait(timeout=30)
        process.stdout.close()
        if temporary is not None:
            shutil.rmtree(temporary, ignore_errors=True)
        raise RuntimeError(f"the worker did not start: {line!r}")
    url = line.removeprefix("worker listening on ").strip()
    return WorkerProcess(url, process, token, store, temporary)
