"""`docker compose up` at the repository root shows the product: example/ with its worker."""

from __future__ import annotations

import json

import pytest
import requests

from ..conftest import REPO_ROOT
from .compose import stack_up

pytestmark = pytest.mark.containers

EXAMPLE = REPO_ROOT / "example"


@pytest.mark.usefixtures("engine")
def test_the_root_compose_file_serves_the_example_with_its_worker() -> None:
    with stack_up(REPO_ROOT) as stack:
        assert requests.get(f"{stack.url}/livez", timeout=10).json() == {"status": "ok"}
        assert requests.get(f"{stack.url}/readyz", timeout=10).json()["status"] == "ready"
        answer = stack.post_event("/v1/events", 1)
        assert answer.status_code == 202, answer.text
        assert answer.json()["idempotency_key"] in stack.ask_worker("GET", "/records")["keys"]
        committed = json.loads((EXAMPLE / "openapi.json").read_text(encoding="utf-8"))
        assert requests.get(f"{stack.url}/openapi.json", timeout=10).json() == committed
        docs = requests.get(f"{stack.url}/docs", timeout=10)
        assert docs.status_code == 200
        assert docs.headers["Content-Type"].startswith("text/html")
        stack.compose("stop")
        assert stack.container("api")["State"]["ExitCode"] == 0
        assert stack.container("worker")["State"]["ExitCode"] == 0
        stack.compose("down", "--volumes")
        assert stack.leftovers() == []
