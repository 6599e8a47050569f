# Yours to edit: relaykit writes this file once and never changes it.
"""Events reach the worker: 202 only when the worker acknowledged; otherwise a problem
that says whether and when to retry. The worker is a real process on loopback."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from relay_service import create_app
from relay_service.about import API_PREFIX
from relay_service.about import SERVICE_ROUTES_PREFIX
from relay_service.api.intake.delivery import idempotency_key
from relay_service.pipeline import Context
from relay_service.pipeline import Payload
from relay_service.pipeline import Pipeline
from relay_service.settings import Settings
from relay_service.worker import WorkerProcess

EVENTS = f"{API_PREFIX}/events"
BATCH = f"{API_PREFIX}/events:batch"
TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


def event(number: int) -> dict[str, Any]:
    return {
        "id": f"evt-{number}",
        "type": "order.created",
        "occurred_at": "2026-01-01T12:00:00Z",
        "source": "shop",
    }


@pytest.fixture
def app_with(make_settings: Callable[..., Settings]) -> Callable[..., Flask]:
    def make(**settings: Any) -> Flask:
        return create_app(make_settings(**settings))

    return make


def test_202_carries_the_workers_receipt(client: FlaskClient, worker: WorkerProcess) -> None:
    headers = {"X-Request-ID": "req-h1", "traceparent": TRACEPARENT}
    response = client.post(EVENTS, json=event(1), headers=headers)
    assert response.status_code == 202
    receipt = response.get_json()
    worker_receipt = receipt["worker_receipt"]
    assert worker_receipt["key"] == receipt["idempotency_key"]
    assert worker_receipt["item_id"] == "evt-1"
    assert worker_receipt["request_id"] == "req-h1"
    assert worker_receipt["traceparent"] == TRACEPARENT
    assert worker.call("GET", "/records") == {"keys": [receipt["idempotency_key"]], "processed": 1}


def test_the_same_event_sent_again_is_processed_once(
    client: FlaskClient, worker: WorkerProcess
) -> None:
    first = client.post(EVENTS, json=event(1)).get_json()
    again = client.post(EVENTS, json=event(1)).get_json()
    assert again["idempotency_key"] == first["idempotency_key"]
    assert again["worker_receipt"]["duplicate"] is True
    assert worker.call("GET", "/records")["processed"] == 1


def test_the_clients_own_idempotency_key_names_the_delivery_within_its_source(
    app_with: Callable[..., Flask],
    make_client: Callable[[Flask], FlaskClient],
    worker: WorkerProcess,
) -> None:
    # A signed request (RELAY_AUTH=hmac) may not send its own key: any other mode may.
    client = make_client(app_with(auth="api_key"))
    headers = {"Idempotency-Key": "client-key-1"}
    first = client.post(EVENTS, json=event(1), headers=headers).get_json()
    again = client.post(EVENTS, json={**event(1), "id": "other-id"}, headers=headers).get_json()
    elsewhere = client.post(EVENTS, json={**event(1), "source": "elsewhere"}, headers=headers)
    assert again["idempotency_key"] == first["idempotency_key"]
    assert again["worker_receipt"]["duplicate"] is True
    assert elsewhere.get_json()["idempotency_key"] != first["idempotency_key"]
    assert worker.call("GET", "/records")["processed"] == 2


def test_an_invalid_idempotency_key_is_400(client: FlaskClient, worker: WorkerProcess) -> None:
    response = client.post(EVENTS, json=event(1), headers={"Idempotency-Key": "has spaces"})
    assert response.status_code == 400
    assert "Idempotency-Key" in response.get_json()["detail"]
    assert worker.call("GET", "/records")["processed"] == 0


def test_a_failing_worker_is_503_with_retry_after_and_nothing_accepted(
    make_client: Callable[[Flask], FlaskClient],
    app_with: Callable[..., Flask],
    worker: WorkerProcess,
) -> None:
    worker.call("PUT", "/faults", {"fail_ratio": 1.0, "retry_after": 30})
    response = make_client(app_with()).post(EVENTS, json=event(1))
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    assert response.mimetype == "application/problem+json"
    assert worker.call("GET", "/records")["processed"] == 0


def test_a_stalling_worker_is_retried_and_the_event_processed_once(
    make_client: Callable[[Flask], FlaskClient],
    app_with: Callable[..., Flask],
    worker: WorkerProcess,
) -> None:
    worker.call("PUT", "/faults", {"stall_ratio": 1.0, "stall_seconds": 2.0})
    client = make_client(app_with(worker_read_timeout=0.2, handoff_deadline=1.5))
    answer = client.post(EVENTS, json=event(1))
    assert answer.status_code == 202
    assert answer.get_json()["worker_receipt"]["duplicate"] is True
    assert worker.call("GET", "/records")["processed"] == 1


def test_a_worker_timeout_is_504(
    make_client: Callable[[Flask], FlaskClient],
    app_with: Callable[..., Flask],
    worker: WorkerProcess,
) -> None:
    # The stall outlasts the read timeout, which leaves no time for a second attempt.
    worker.call("PUT", "/faults", {"stall_ratio": 1.0, "stall_seconds": 2.0})
    client = make_client(app_with(worker_read_timeout=0.3, handoff_deadline=0.32))
    assert client.post(EVENTS, json=event(1)).status_code == 504


def mark_for_refusal(payload: Payload, context: Context) -> Payload:
    return {**payload, "reject": True}


def test_a_refused_event_is_502_with_the_workers_reason(
    make_client: Callable[[Flask], FlaskClient], app_with: Callable[..., Flask]
) -> None:
    app = app_with()
    app.extensions["pipelines"]["events"] = Pipeline.declare(mark_for_refusal)
    response = make_client(app).post(EVENTS, json=event(1))
    assert response.status_code == 502
    assert "reject" in response.get_json()["detail"]


def test_the_breaker_fails_fast_once_open(
    make_client: Callable[[Flask], FlaskClient],
    app_with: Callable[..., Flask],
    worker: WorkerProcess,
) -> None:
    worker.call("PUT", "/faults", {"fail_ratio": 1.0, "retry_after": 0})
    client = make_client(app_with(breaker_failures=2, breaker_reset_after=60))
    assert client.post(EVENTS, json=event(1)).status_code == 503
    assert client.post(EVENTS, json=event(2)).status_code == 503
    refused = client.post(EVENTS, json=event(3))
    assert refused.status_code == 503
    assert int(refused.headers["Retry-After"]) > 50
    # The worker still answers its /livez: the replica is ready, its breaker governs
    # deliveries only (every replica shares the worker; none would do better).
    assert client.get(f"{SERVICE_ROUTES_PREFIX}/readyz").status_code == 200


def test_a_batch_is_handed_off_in_one_call_with_results_per_event(
    client: FlaskClient, worker: WorkerProcess
) -> None:
    response = client.post(BATCH, json={"events": [event(0), event(1), event(0)]})
    results = response.get_json()["results"]
    assert [result["status"] for result in results] == ["accepted", "accepted", "accepted"]
    assert results[2]["worker_receipt"]["duplicate"] is True
    assert worker.call("GET", "/records")["processed"] == 2


def test_a_batch_the_worker_does_not_take_is_rejected_event_by_event(
    make_client: Callable[[Flask], FlaskClient],
    app_with: Callable[..., Flask],
    worker: WorkerProcess,
) -> None:
    worker.call("PUT", "/faults", {"fail_ratio": 1.0, "retry_after": 30})
    response = make_client(app_with()).post(BATCH, json={"events": [event(0), {"id": 1}]})
    assert response.status_code == 200
    results = response.get_json()["results"]
    assert [result["status"] for result in results] == ["rejected", "rejected"]
    assert results[0]["problem"]["status"] == 503
    assert results[0]["problem"]["retry_after"] == 30
    assert results[1]["problem"]["status"] == 422


@pytest.mark.parametrize(
    ("source", "event_id"), [("shop", "evt-1"), (' é"\\ ', "\u2028\U0001f600"), ("", "")]
)
def test_an_events_key_never_changes_between_versions(source: str, event_id: str) -> None:
    # A retry sent across an upgrade must name the same delivery: the key is the SHA-256
    # of json.dumps([source, "id", event_id]), as every version made it.
    written = json.dumps([source, "id", event_id]).encode()
    expected = hashlib.sha256(written).hexdigest()[:32]
    assert idempotency_key({"source": source, "id": event_id}) == expected
