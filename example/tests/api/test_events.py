# Managed by the relaykit template; "copier update" replaces this file.
"""POST {prefix}/events: accepted with a receipt, or refused with a problem that says why."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest

from relay_service import create_app
from relay_service.about import API_PREFIX
from relay_service.settings import Settings

EVENTS = f"{API_PREFIX}/events"

EVENT = {
    "id": "evt-1",
    "type": "order.created",
    "occurred_at": "2026-01-01T12:00:00+01:00",
    "source": "shop",
    "data": {"order_id": 1042, "lines": [{"sku": "A-1", "qty": 2}]},
}


def assert_problem(response: Any, status: int, path: str = EVENTS) -> dict[str, Any]:
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    body: dict[str, Any] = response.get_json()
    assert body["type"] == "about:blank"
    assert body["status"] == status
    assert body["instance"] == path
    assert body["request_id"] == response.headers["X-Request-ID"]
    assert body["title"]
    assert body["detail"]
    return body


def test_event_is_accepted_with_a_receipt(client: Any) -> None:
    response = client.post(EVENTS, json=EVENT)
    assert response.status_code == 202
    receipt = response.get_json()
    assert receipt["event_id"] == "evt-1"
    assert receipt["request_id"] == response.headers["X-Request-ID"]
    assert datetime.fromisoformat(receipt["received_at"]).tzinfo is not None


def test_event_data_may_be_left_out(client: Any) -> None:
    event = {key: value for key, value in EVENT.items() if key != "data"}
    assert client.post(EVENTS, json=event).status_code == 202


def test_event_accepts_a_json_media_type_with_parameters_or_suffix(client: Any) -> None:
    for content_type in ("application/json; charset=utf-8", "application/cloudevents+json"):
        body = '{"id": "e", "type": "a.b", "occurred_at": "2026-01-01T00:00:00Z", "source": "s"}'
        response = client.post(EVENTS, data=body, content_type=content_type)
        assert response.status_code == 202, content_type


def test_every_invalid_field_is_reported_at_once(client: Any) -> None:
    event = {
        "id": "",
        "type": "not a type!",
        "occurred_at": "yesterday",
        "data": ["not", "an", "object"],
        "priority": "high",
    }
    body = assert_problem(client.post(EVENTS, json=event), 422)
    pointers = {error["pointer"] for error in body["errors"]}
    assert pointers == {"/id", "/type", "/occurred_at", "/source", "/data", "/priority"}
    assert {error["location"] for error in body["errors"]} == {"body"}
    assert body["detail"] == "6 fields are invalid; see errors."


def test_unknown_fields_are_rejected(client: Any) -> None:
    body = assert_problem(client.post(EVENTS, json={**EVENT, "extra": 1}), 422)
    assert body["errors"] == [{"location": "body", "pointer": "/extra", "detail": "Unknown field."}]


def test_a_time_without_zone_is_rejected(client: Any) -> None:
    body = assert_problem(
        client.post(EVENTS, json={**EVENT, "occurred_at": "2026-01-01T12:00:00"}), 422
    )
    assert [error["pointer"] for error in body["errors"]] == ["/occurred_at"]


@pytest.mark.parametrize("payload", ["[]", '"event"', "42", "null"])
def test_a_body_that_is_not_an_object_is_rejected(client: Any, payload: str) -> None:
    response = client.post(EVENTS, data=payload, content_type="application/json")
    body = assert_problem(response, 422)
    assert [error["pointer"] for error in body["errors"]] == [""]


@pytest.mark.parametrize("data", ['{"id": "evt-1",', "{'id': 1}", "\xff\xfe"])
def test_malformed_json_is_400(client: Any, data: str) -> None:
    response = client.post(EVENTS, data=data.encode("latin-1"), content_type="application/json")
    body = assert_problem(response, 400)
    assert body["detail"].startswith("The request body is not valid JSON")


@pytest.mark.parametrize(
    ("content_type", "sent"),
    [
        ("text/plain", "text/plain"),
        ("application/x-www-form-urlencoded", "application/x-www-form-urlencoded"),
        (None, "no Content-Type"),
    ],
)
def test_a_body_that_is_not_json_is_415(client: Any, content_type: str | None, sent: str) -> None:
    response = client.post(EVENTS, data='{"id": "evt-1"}', content_type=content_type)
    body = assert_problem(response, 415)
    assert sent in body["detail"]


def test_a_body_over_the_limit_is_413(make_client: Callable[..., Any]) -> None:
    client = make_client(create_app(Settings(max_content_length=256)))
    event = {**EVENT, "data": {"blob": "x" * 300}}
    body = assert_problem(client.post(EVENTS, json=event), 413)
    assert "256 bytes" in body["detail"]
