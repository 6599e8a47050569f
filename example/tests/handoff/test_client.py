# Managed by relaykit: "copier update" merges the template's changes into this file.
"""The handoff client against the reference worker, a real process on loopback."""

from __future__ import annotations

import dataclasses
import json
import threading
from collections.abc import Callable
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from werkzeug.serving import ThreadedWSGIServer
from werkzeug.wrappers import Request
from werkzeug.wrappers import Response

from relay_service.handoff import BreakerOpen
from relay_service.handoff import CircuitBreaker
from relay_service.handoff import HandoffClient
from relay_service.handoff import WorkerRejected
from relay_service.handoff import WorkerTimeout
from relay_service.handoff import WorkerUnavailable
from relay_service.settings import Settings
from relay_service.worker import WorkerProcess

HEADERS = {"X-Request-ID": "req-handoff"}


def client_for(
    worker: WorkerProcess, breaker: CircuitBreaker | None = None, **changes: Any
) -> HandoffClient:
    settings = dataclasses.replace(
        Settings(
            worker_url=worker.url,
            worker_token=worker.token,
            handoff_backoff=0.001,
            handoff_deadline=5.0,
        ),
        **changes,
    )
    return HandoffClient(settings, breaker)


def test_a_delivery_returns_the_workers_receipt(worker: WorkerProcess) -> None:
    receipt = client_for(worker).deliver({"id": "evt-1"}, "key-1", HEADERS)
    assert receipt["key"] == "key-1"
    assert receipt["item_id"] == "evt-1"
    assert receipt["duplicate"] is False
    assert worker.call("GET", "/records") == {"keys": ["key-1"], "processed": 1}


def test_a_delivery_sent_twice_is_processed_once(worker: WorkerProcess) -> None:
    client = client_for(worker)
    first = client.deliver({"id": "evt-1"}, "key-1", HEADERS)
    again = client.deliver({"id": "evt-1"}, "key-1", HEADERS)
    assert again["duplicate"] is True
    assert again["received_at"] == first["received_at"]
    assert worker.call("GET", "/records")["processed"] == 1


def test_failures_are_retried_with_the_same_key_until_acknowledged(worker: WorkerProcess) -> None:
    worker.call(
        "PUT", "/faults", {"fail_ratio": 0.5, "drop_ratio": 0.2, "retry_after": 0, "seed": 3}
    )
    client = client_for(worker, handoff_max_attempts=30)
    for number in range(20):
        client.deliver({"id": f"evt-{number}"}, f"key-{number}", HEADERS)
    records = worker.call("GET", "/records")
    assert records["processed"] == 20
    assert sorted(records["keys"]) == sorted(f"key-{number}" for number in range(20))


def test_a_stalled_delivery_is_retried_and_never_processed_twice(worker: WorkerProcess) -> None:
    # The worker takes the item but answers after the read timeout; the retry
    # finds the key taken and gets the first receipt back.
    worker.call("PUT", "/faults", {"stall_ratio": 1.0, "stall_seconds": 2.0})
    client = client_for(worker, worker_read_timeout=0.2, handoff_deadline=1.0)
    receipt = client.deliver({"id": "evt-1"}, "key-1", HEADERS)
    assert receipt["duplicate"] is True
    assert worker.call("GET", "/records") == {"keys": ["key-1"], "processed": 1}


def test_a_worker_that_never_answers_in_time_is_a_timeout() -> None:
    client_gave_up = threading.Event()

    def slow(request: Request) -> Response:
        client_gave_up.wait()  # the fault: no answer until the client has given up
        return Response("{}", status=201, content_type="application/json")

    with fake_worker(slow) as url:
        settings = Settings(
            worker_url=url, worker_read_timeout=0.2, handoff_deadline=0.5, handoff_backoff=0.001
        )
        try:
            with pytest.raises(WorkerTimeout):
                HandoffClient(settings).deliver({"id": "evt-1"}, "key-1", HEADERS)
        finally:
            client_gave_up.set()


def test_a_refused_item_is_not_retried_and_does_not_count_against_the_worker(
    worker: WorkerProcess,
) -> None:
    client = client_for(worker, breaker_failures=1)
    with pytest.raises(WorkerRejected, match="marked reject: true"):
        client.deliver({"id": "evt-1", "reject": True}, "key-1", HEADERS)
    assert client.breaker.state == "closed"


def test_retry_after_past_the_deadline_gives_up_at_once(worker: WorkerProcess) -> None:
    worker.call("PUT", "/faults", {"fail_ratio": 1.0, "retry_after": 30})
    with pytest.raises(WorkerUnavailable) as failed:
        client_for(worker).deliver({"id": "evt-1"}, "key-1", HEADERS)
    assert failed.value.retry_after == 30
    assert worker.call("GET", "/records")["processed"] == 0


def test_an_unreachable_worker_is_unavailable() -> None:
    settings = Settings(
        worker_url="http://127.0.0.1:9", handoff_backoff=0.001, handoff_max_attempts=2
    )
    with pytest.raises(WorkerUnavailable):
        HandoffClient(settings).deliver({"id": "evt-1"}, "key-1", HEADERS)
    assert HandoffClient(settings).ready() == "worker unreachable"


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_the_breaker_fails_fast_while_open_and_recovers_with_the_worker(
    worker: WorkerProcess,
) -> None:
    clock = Clock()
    client = client_for(worker, CircuitBreaker(failures=3, reset_after=10, clock=clock))
    worker.call("PUT", "/faults", {"fail_ratio": 1.0, "retry_after": 0})
    for number in range(3):  # three failed deliveries, each of several attempts
        assert client.breaker.state == "closed"
        with pytest.raises(WorkerUnavailable):
            client.deliver({"id": f"evt-{number}"}, f"key-{number}", HEADERS)
    assert client.breaker.state == "open"
    assert client.ready() == ""  # the worker answers its /livez: readiness ignores the breaker
    with pytest.raises(BreakerOpen) as fast:
        client.deliver({"id": "evt-9"}, "key-9", HEADERS)
    assert fast.value.retry_after == 10
    assert worker.call("GET", "/records")["processed"] == 0
    worker.call("PUT", "/faults", {})
    clock.now += 10
    assert client.deliver({"id": "evt-9"}, "key-9", HEADERS)["key"] == "key-9"
    assert client.breaker.state == "closed"
    assert client.ready() == ""


def test_a_batch_is_one_call_with_a_result_per_item(worker: WorkerProcess) -> None:
    results = client_for(worker).deliver_batch(
        [("key-0", {"id": "evt-0"}), ("key-1", {"id": "evt-1", "reject": True})], HEADERS
    )
    assert [result["status"] for result in results] == ["accepted", "rejected"]
    assert worker.call("GET", "/records") == {"keys": ["key-0"], "processed": 1}


#: How long a fake worker's request thread may take to end once the test is done with it.
ANSWER_DEADLINE = 10.0


class FakeWorkerServer(ThreadedWSGIServer):
    """werkzeug's threaded server, keeping the thread that answers each request.

    werkzeug makes them daemon threads, which socketserver neither keeps nor joins, so one
    could still be answering after its test had ended, and write its request's log line
    into a later test's output. Each answer closes its connection (werkzeug sends
    ``Connection: close``), so a request thread ends once it has answered.
    """

    def __init__(self, answer: Callable[[Request], Response]) -> None:
        super().__init__("127.0.0.1", 0, Request.application(answer))
        self.answering: list[threading.Thread] = []

    def process_request(self, request: Any, client_address: Any) -> None:
        thread = threading.Thread(
            target=self.process_request_thread,
            args=(request, client_address),
            name=f"fake worker answering {client_address}",
        )
        self.answering.append(thread)
        thread.start()

    def join_answering(self) -> None:
        """Wait for every request thread to end; fail if one is still answering."""
        for thread in self.answering:
            thread.join(ANSWER_DEADLINE)
            assert not thread.is_alive(), f"{thread.name} after {ANSWER_DEADLINE} s"


@contextmanager
def fake_worker(answer: Callable[[Request], Response]) -> Iterator[str]:
    """A worker that answers as it is told, on loopback, for answers the reference worker never gives."""
    server = FakeWorkerServer(answer)
    # shutdown() waits for the loop to look up: every 10 ms, not the default half second.
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.01}, name="fake worker"
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        server.shutdown()
        thread.join()
        server.server_close()
        server.join_answering()


def test_deliveries_carry_requests_headers_and_the_cookies_the_worker_set() -> None:
    seen: list[tuple[str, str | None]] = []

    def answer(request: Request) -> Response:
        seen.append((request.headers.get("User-Agent", ""), request.headers.get("Cookie")))
        response = Response('{"status": "accepted"}', status=201, content_type="application/json")
        response.set_cookie("lb", "node-2")  # a load balancer's stickiness, say
        return response

    with fake_worker(answer) as url:
        client = HandoffClient(Settings(worker_url=url))
        client.deliver({"id": "evt-1"}, "key-1", HEADERS)
        client.deliver({"id": "evt-2"}, "key-2", HEADERS)
    assert [cookie for _, cookie in seen] == [None, "lb=node-2"]
    assert all(agent.startswith("python-requests/") for agent, _ in seen), seen


def test_a_redirect_is_no_acknowledgement() -> None:
    with fake_worker(lambda request: Response(status=302, headers={"Location": "/ok"})) as url:
        settings = Settings(worker_url=url, handoff_backoff=0.001, handoff_max_attempts=2)
        with pytest.raises(WorkerUnavailable):
            HandoffClient(settings).deliver({"id": "evt-1"}, "key-1", HEADERS)


@pytest.mark.parametrize(
    "results",
    [["x", 1], [{"key": "key-1", "status": "accepted"}, {"key": "key-0", "status": "accepted"}],
     [{"key": "key-0", "status": "maybe"}, {"key": "key-1", "status": "accepted"}]],
    ids=["not-objects", "reordered", "unknown-status"],
)  # fmt: skip
def test_batch_results_that_do_not_match_the_items_are_no_acknowledgement(
    results: list[Any],
) -> None:
    body = json.dumps({"results": results})
    answer = Response(body, status=200, content_type="application/json")
    with fake_worker(lambda request: answer) as url:
        settings = Settings(worker_url=url, handoff_backoff=0.001, handoff_max_attempts=1)
        with pytest.raises(WorkerUnavailable):
            HandoffClient(settings).deliver_batch(
                [("key-0", {"id": "evt-0"}), ("key-1", {"id": "evt-1"})], HEADERS
            )


def test_a_wrong_token_counts_against_the_worker(worker: WorkerProcess) -> None:
    with fake_worker(lambda request: Response(status=401)) as url:
        settings = Settings(worker_url=url, handoff_backoff=0.001, breaker_failures=1)
        client = HandoffClient(settings)
        with pytest.raises(WorkerUnavailable) as failed:
            client.deliver({"id": "evt-1"}, "key-1", HEADERS)
        assert failed.value.retry_after == 1
        assert client.breaker.state == "open"


def test_an_item_that_cannot_be_sent_does_not_take_the_breakers_probe(
    worker: WorkerProcess,
) -> None:
    clock = Clock()
    client = client_for(worker, CircuitBreaker(failures=1, reset_after=10, clock=clock))
    worker.call("PUT", "/faults", {"fail_ratio": 1.0, "retry_after": 0})
    with pytest.raises(WorkerUnavailable):
        client.deliver({"id": "evt-1"}, "key-1", HEADERS)
    worker.call("PUT", "/faults", {})
    clock.now += 10
    with pytest.raises(TypeError):
        client.deliver({"id": "evt-2", "tags": {"a", "b"}}, "key-2", HEADERS)
    assert client.deliver({"id": "evt-3"}, "key-3", HEADERS)["key"] == "key-3"
    assert client.breaker.state == "closed"
