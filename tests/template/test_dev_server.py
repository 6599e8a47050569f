"""`flask --app <package> run --debug` (make dev) serves the rendered service over HTTP,
with settings from `.env`."""

from __future__ import annotations

import json
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
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


def announced_url(lines: queue.Queue[str], deadline: float) -> str:
    """The URL the dev server says it runs on."""
    seen = []
    while (remaining := deadline - time.monotonic()) > 0:
        try:
            line = lines.get(timeout=remaining)
        except queue.Empty:
            break
        seen.append(line)
        if match := re.search(r"Running on (http://127\.0\.0\.1:\d+)", line):
            return match.group(1)
    raise AssertionError(f"the dev server announced no URL: {''.join(seen)}")


def test_dev_server_serves_the_api_and_the_docs(
    rendered: Callable[[str], Path], tmp_path: Path
) -> None:
    service = shutil.copytree(rendered("defaults"), tmp_path / "service")
    with installed(service) as package:
        # The reference worker (make worker), which the service hands events to.
        worker = subprocess.Popen(
            [sys.executable, "-m", f"{package}.worker", "--port", "0"],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert worker.stdout is not None
        worker_url = worker.stdout.readline().removeprefix("worker listening on ").strip()
        # make dev reads .env: a limit that the event fits and a padded event does not.
        (service / ".env").write_text(
            f"RELAY_MAX_CONTENT_LENGTH=300\nRELAY_WORKER_URL={worker_url}\n", encoding="utf-8"
        )
        server = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", package, "run", "--debug", "--port", "0"],
            cwd=service,
            # Werkzeug's lines are JSON on stdout once the app's logging is set up.
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # the reloader runs the app in a child process
        )
        lines: queue.Queue[str] = queue.Queue()
        drain = threading.Thread(target=lambda: [lines.put(line) for line in server.stdout or ()])
        drain.start()
        try:
            base = announced_url(lines, time.monotonic() + 60)
            with urllib.request.urlopen(f"{base}/livez", timeout=30) as response:
                assert response.status == 200
            request = urllib.request.Request(
                f"{base}/v1/events",
                data=json.dumps(EVENT).encode(),
                headers={"Content-Type": "application/json", "X-Request-ID": "dev-1"},
            )
            with urllib.request.urlopen(request, timeout=10) as response:
                assert response.status == 202
                assert json.load(response)["request_id"] == "dev-1"
            padded = {**EVENT, "data": {"blob": "x" * 300}}
            request.data = json.dumps(padded).encode()
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(request, timeout=10)
            with refused.value as error:
                assert error.code == 413
            with urllib.request.urlopen(f"{base}/docs", timeout=10) as response:
                assert response.status == 200
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(f"{base}/v1/events", timeout=10)
            with refused.value as error:
                assert error.code == 405
                assert error.headers["Content-Type"] == "application/problem+json"
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
            worker.terminate()
            worker.wait(timeout=30)
            worker.stdout.close()
            drain.join(timeout=30)
            if server.stdout is not None:
                server.stdout.close()
