# Yours to edit: relaykit writes this file once and never changes it.
"""POST {prefix}/events:batch: every event on its own; one bad event sinks none."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from relay_service import create_app
from relay_service.about import API_PREFIX
from relay_service.pipeline import Context
from relay_service.pipeline import Payload
from relay_service.pipeline import Pipeline
from relay_service.pipeline.builtin import stamp_request
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


def test_a_batch_answers_per_event(
    make_client: Callable[..., Any], make_settings: Callable[..., Settings]
) -> None:
    settings = make_settings(
        pipeline_drop_when=(("type", "test.*"),), pipeline_rename=(("data.old", "data.new"),)
    )
    client = make_client(create_app(settings))
    events = [
        event(0),
        event(1, occurred_at="yesterday", extra=True),
        event(2, type="test.ping"),
        event(3, data={"old": 1, "new": 2}),
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
    assert results[2]["reason"] == "type matches 'test.*'"
    refused = results[3]["problem"]
    assert refused["step"] == "rename_fields"
    assert refused["errors"][0]["pointer"] == "/events/3/data/new"
    assert results[4]["problem"]["errors"][0]["pointer"] == "/events/4"
    assert results[5]["steps"][-1] == "stamp_request"


def test_a_batch_over_the_configured_size_is_refused(
    make_client: Callable[..., Any], make_settings: Callable[..., Settings]
) -> None:
    client = make_client(create_app(make_settings(batch_max_items=2)))
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


def test_one_deep_event_sinks_nothing_but_itself(
    make_client: Callable[..., Any], make_settings: Callable[..., Settings]
) -> None:
    client = make_client(create_app(make_settings()))
    deep: Any = "leaf"
    for _ in range(33):  # 34 levels: over the 32 an event's data may have
        deep = {"x": deep}
    response = client.post(BATCH, json={"events": [event(0), event(1, data={"x": deep})]})
    assert response.status_code == 200
    results = response.get_json()["results"]
    assert [result["status"] for result in results] == ["accepted", "rejected"]
    errors = results[1]["problem"]["errors"]
    assert errors == [
        {
            "location": "body",
            "pointer": "/events/1/data",
            "detail": "Nested more than 32 levels deep.",
        }
    ]


def test_a_list_over_the_absolute_limit_is_refused_before_any_event_is_loaded(
    client: Any,
) -> None:
    response = client.post(BATCH, json={"events": [{}] * 1001})
    assert response.status_code == 422
    assert response.get_json()["errors"] == [
        {"location": "body", "pointer": "/events", "detail": "Longer than maximum length 1000."}
    ]


def explode(payload: Payload, context: Context) -> Payload:
    if payload["id"] == "evt-1":
        raise ZeroDivisionError("boom")
    return payload


def test_a_broken_step_rejects_only_its_event(
    make_client: Callable[..., Any], make_settings: Callable[..., Settings]
) -> None:
    app = create_app(make_settings())
    app.extensions["pipelines"]["events"] = Pipeline.declare(explode, stamp_request)
    response = make_client(app).post(BATCH, json={"events": [event(0), event(1), event(2)]})
    assert response.status_code == 200
    results = response.get_json()["results"]
    assert [result["status"] for result in results] == ["accepted", "rejected", "accepted"]
    assert results[1]["problem"]["status"] == 500
    assert "boom" not in response.get_data(as_text=True)
