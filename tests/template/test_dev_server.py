"""`flask --app <package> run --debug` (make dev) serves the rendered service over HTTP,
with settings from `.env`."""

from __future__ import annotations

import json
import shutil
import sys
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest

from relaykit.install import installed

from .processes import running

pytestmark = pytest.mark.renders

EVENT = {
    "id": "evt-dev",
    "type": "order.created",
    "occurred_at": "2026-01-01T12:00:00Z",
    "source": "shop",
}


#: The API key of .env (the default render authenticates with API keys).
KEY = "dev-key-0a9b8c7d6e5f"


def test_dev_server_serves_the_api_and_the_docs(
    rendered: Callable[[str], Path], tmp_path: Path
) -> None:
    service = shutil.copytree(rendered("defaults"), tmp_path / "service")
    with installed(service) as package:
        # The reference worker (make worker), which the service hands events to.
        store = ["--store", str(tmp_path / "receipts.sqlite3")]
        worker_command = [sys.executable, "-m", f"{package}.worker", *store, "--port", "0"]
        with running(worker_command, r"worker listening on (\S+)") as (_, worker_url):
            # make dev reads .env: a limit that the event fits and a padded event does not.
            (service / ".env").write_text(
                f"RELAY_MAX_CONTENT_LENGTH=300\nRELAY_WORKER_URL={worker_url}\n"
                f"RELAY_AUTH_KEYS=dev:{KEY}\n",
                encoding="utf-8",
            )
            command = [sys.executable, "-m", "flask", "--app", package, "run", "--debug"]
            # Werkzeug's lines are JSON on stdout once the app's logging is set up.
            output: list[str] = []
            with running(
                [*command, "--port", "0"],
                r"Running on (http://127\.0\.0\.1:\d+)",
                cwd=service,
                process_group=True,  # the reloader runs the app in a child process
                output=output,
            ) as (_, base):
                check_dev_server(base)
    # werkzeug colours its lines for a terminal: no escape reaches the log, raw or in JSON.
    assert [line for line in output if "\x1b" in line or "\\u001b" in line] == []
    access = [json.loads(line) for line in output if line.startswith("{")]
    accepted = [line for line in access if '"POST /v1/events HTTP/1.1" 202' in line["message"]]
    assert [line["logger"] for line in accepted] == ["werkzeug"]


def check_dev_server(base: str) -> None:
    with urllib.request.urlopen(f"{base}/livez", timeout=30) as response:
        assert response.status == 200
    request = urllib.request.Request(
        f"{base}/v1/events",
        data=json.dumps(EVENT).encode(),
        headers={"Content-Type": "application/json", "X-Request-ID": "dev-1"},
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    with refused.value as error:
        assert error.code == 401
        assert error.headers["Content-Type"] == "application/problem+json"
    request.add_header("X-api-key", KEY)
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
