# Managed by the relaykit template; "copier update" replaces this file.
"""The handoff client against the reference worker, a real process on loopback."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

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
        Settings(worker_url=worker.url, handoff_backoff=0.001, handoff_deadline=5.0), **changes
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
    worker.call("PUT", "/faults", {"stall_ratio": 1.0, "stall_seconds": 2.0})
    client = client_for(worker, worker_read_timeout=0.2, handoff_deadline=1.0)
    with pytest.raises(WorkerTimeout):
        client.deliver({"id": "evt-1"}, "key-1", HEADERS)
    assert worker.call("GET", "/records") == {"keys": ["key-1"], "processed": 1}


def test_a_refused_item_is_not_retried(worker: WorkerProcess) -> None:
    client = client_for(worker)
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
    assert client.ready() == "breaker open"
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
