"""The drain in containers, behind the proxy: a service told to stop is taken out by its
readiness while nginx keeps handing it requests, answered without a 502, and a second
SIGTERM stops it gracefully at once."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from .compose import LOCAL_KEY
from .compose import Stack
from .compose import stack_up

pytestmark = pytest.mark.containers

#: Longer than the test: the second SIGTERM ends it.
DRAIN_SECONDS = 300

#: Clients on kept-alive connections to nginx, and the events each sends while the service drains.
CLIENTS = 4
EVENTS_EACH = 50

#: Seconds the drain may take to show on /readyz once the signal is sent.
DRAIN_DEADLINE = 30


@pytest.fixture(scope="module")
def stack(
    engine: None, rendered: Callable[[str], Path], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    service = tmp_path_factory.mktemp("drain") / "service"
    shutil.copytree(rendered("defaults"), service)
    (service / ".env").write_text(f"RELAY_DRAIN_SECONDS={DRAIN_SECONDS}\n", encoding="utf-8")
    with stack_up(service) as running_stack:
        yield running_stack


def readiness(stack: Stack) -> tuple[int, dict[str, str]]:
    answer = requests.get(f"{stack.url}/readyz", timeout=10)
    return answer.status_code, answer.json().get("checks", {})


def post_events(stack: Stack, first: int) -> list[tuple[int, str]]:
    """Post events through nginx on one kept-alive connection: each status, and key."""
    answers = []
    with requests.Session() as session:
        session.headers["X-API-Key"] = LOCAL_KEY
        for number in range(first, first + EVENTS_EACH):
            event = {"id": f"evt-{number}", "type": "order.created", "source": "drain-test",
                     "occurred_at": "2026-01-01T12:00:00Z", "data": {"n": number}}  # fmt: skip
            answer = session.post(f"{stack.url}/v1/events", json=event, timeout=60)
            key = answer.json().get("idempotency_key", "") if answer.status_code == 202 else ""
            answers.append((answer.status_code, key))
    return answers


def test_a_draining_service_behind_the_proxy_answers_every_request_then_stops(
    stack: Stack,
) -> None:
    assert readiness(stack) == (200, {"drain": "ok", "worker": "ok"})
    stack.compose("kill", "--signal", "SIGTERM", "api")
    deadline = time.monotonic() + DRAIN_DEADLINE
    while readiness(stack)[0] != 503:
        assert time.monotonic() < deadline, "/readyz never said the service drains"
        time.sleep(0.1)  # polling interval
    # Every answer of the draining service says Connection: close: nginx closes those
    # upstream connections instead of keeping them, and sends each request on a new one.
    with ThreadPoolExecutor(CLIENTS) as pool:
        answers = [
            answer
            for answers in pool.map(
                lambda n: post_events(stack, n), range(0, CLIENTS * EVENTS_EACH, EVENTS_EACH)
            )
            for answer in answers
        ]
    assert {status for status, _ in answers} == {202}
    assert readiness(stack) == (503, {"drain": "draining", "worker": "ok"})
    started = time.monotonic()
    stack.compose("stop", "api")  # a second SIGTERM: the graceful stop, at once
    print(f"\nsecond SIGTERM to exit: {time.monotonic() - started:.1f} s")
    assert stack.container("api")["State"]["ExitCode"] == 0
    logs = "\n".join(stack.logs("api"))
    assert "Draining for" in logs
    assert "SIGKILL" not in logs
    records = stack.ask_worker("GET", "/records")
    assert {key for _, key in answers} <= set(records["keys"])
