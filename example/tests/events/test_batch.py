# Yours to edit: relaykit writes this file once.
"""POST {prefix}/events:batch: every event on its own; one bad event sinks none."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from relay_service import create_app
from relay_service.about import API_PREFIX
from relay_service.settings import Settings

BATCH = f"{API_PREFIX}/events:batch"


def event(number: int, **changes: Any) -> dict[str, Any]:
    return {
        "id": f"evt-{number}",
        "type": "order.created",
        "occurred_at": "2026-01-01T12:00:00Z",
        "source": "shop",
        **changes,
    }


def test_a_batch_answers_per_event(make_client: Callable[..., Any]) -> None:
    client = make_client(create_app(Settings(pipeline_drop_when=(("type", "test.*"),))))
    events = [
        event(0),
        event(1, occurred_at="yesterday", extra=True),
        event(2, type="test.ping"),
        event(3, data={"A": 1, "a": 2}),
        "not an event",
        event(5),
    ]
    response = client.post(BATCH, json={"events": events}, headers={"X-Request-ID": "req-b"})
    assert response.status_code == 200
    body = response.get_json()
    assert (body["accepted"], body["filtered"], body["rejected"]) == (2, 1, 3)
    assert body["request_id"] == "req-b"
    results = body["results"]
    assert [result["status"] for result in results] == [
        "accepted", "rejected", "filtered", "rejected", "rejected", "accepted",
    ]  # fmt: skip
    assert [result["index"] for result in results] == list(range(6))
    assert results[0]["id"] == "evt-0"
    assert "id" not in results[4]

    invalid = results[1]["problem"]
    assert invalid["status"] == 422
    assert {error["pointer"] for error in invalid["errors"]} == {
        "/events/1/occurred_at",
        "/events/1/extra",
    }
    assert results[2]["reason"] == "type 'test.ping' matches 'test.*'"
    refused = results[3]["problem"]
    assert refused["step"] == "normalise_keys"
    assert refused["errors"][0]["pointer"] == "/events/3/data"
    assert results[4]["problem"]["errors"][0]["pointer"] == "/events/4"
    assert results[5]["steps"][-1] == "stamp_request"


def test_a_batch_over_the_configured_size_is_refused(make_client: Callable[..., Any]) -> None:
    client = make_client(create_app(Settings(batch_max_items=2)))
    response = client.post(BATCH, json={"events": [event(0), event(1), event(2)]})
    assert response.status_code == 422
    assert response.get_json()["errors"] == [
        {"location": "body", "pointer": "/events", "detail": "Longer than maximum length 2."}
    ]
    assert client.post(BATCH, json={"events": [event(0), event(1)]}).status_code == 200


@pytest.mark.parametrize("body", [{"events": []}, {"events": "x"}, {}, {"events": [], "more": 1}])
def test_a_batch_that_is_not_a_list_of_events_is_refused(client: Any, body: Any) -> None:
    response = client.post(BATCH, json=body)
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
