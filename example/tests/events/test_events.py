# Yours to edit: relaykit writes this file once and never changes it.
"""POST {prefix}/events: accepted with a receipt, or refused with a problem that says why."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from flask.testing import FlaskClient

from relay_service.about import API_PREFIX

EVENTS = f"{API_PREFIX}/events"

EVENT = {
    "id": "evt-1",
    "type": "order.created",
    "occurred_at": "2026-01-01T12:00:00+01:00",
    "source": "shop",
    "data": {"order_id": 1042, "lines": [{"sku": "A-1", "qty": 2}]},
}


def problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    body: dict[str, Any] = response.get_json()
    assert body["status"] == status
    assert body["instance"] == EVENTS
    assert body["request_id"] == response.headers["X-Request-ID"]
    return body


def test_event_is_accepted_with_a_receipt(client: FlaskClient) -> None:
    response = client.post(EVENTS, json=EVENT)
    assert response.status_code == 202
    receipt = response.get_json()
    assert receipt["event_id"] == "evt-1"
    assert receipt["status"] == "accepted"
    assert receipt["request_id"] == response.headers["X-Request-ID"]
    assert datetime.fromisoformat(receipt["received_at"]).tzinfo is not None
    assert receipt["steps"][-1] == "stamp_request"


def test_event_data_may_be_left_out(client: FlaskClient) -> None:
    event = {key: value for key, value in EVENT.items() if key != "data"}
    assert client.post(EVENTS, json=event).status_code == 202


def test_every_invalid_field_is_reported_at_once(client: FlaskClient) -> None:
    event = {
        "id": "",
        "type": "not a type!",
        "occurred_at": "yesterday",
        "data": ["not", "an", "object"],
        "priority": "high",
    }
    body = problem(client.post(EVENTS, json=event), 422)
    pointers = {error["pointer"] for error in body["errors"]}
    assert pointers == {"/id", "/type", "/occurred_at", "/source", "/data", "/priority"}
    assert body["detail"] == "6 fields are invalid; see errors."


def test_unknown_fields_are_rejected(client: FlaskClient) -> None:
    body = problem(client.post(EVENTS, json={**EVENT, "extra": 1}), 422)
    assert body["errors"] == [{"location": "body", "pointer": "/extra", "detail": "Unknown field."}]


@pytest.mark.parametrize(
    "occurred_at",
    ["2026-01-01T12:00:00", "2026-01-01 12:00:00Z", "2026-W01-1T12:00:00Z", "2026-01-01"],
)
def test_occurred_at_must_be_an_rfc3339_date_time(client: FlaskClient, occurred_at: str) -> None:
    body = problem(client.post(EVENTS, json={**EVENT, "occurred_at": occurred_at}), 422)
    assert [error["pointer"] for error in body["errors"]] == ["/occurred_at"]


@pytest.mark.parametrize("payload", ["[]", '"event"', "42", "null"])
def test_a_body_that_is_not_an_object_is_rejected(client: FlaskClient, payload: str) -> None:
    response = client.post(EVENTS, data=payload, content_type="application/json")
    body = problem(response, 422)
    assert [error["pointer"] for error in body["errors"]] == [""]


def test_data_may_nest_32_levels_but_no_more(client: FlaskClient) -> None:
    data: Any = {}
    for _ in range(31):
        data = {"x": data}
    assert client.post(EVENTS, json={**EVENT, "data": data}).status_code == 202
    body = problem(client.post(EVENTS, json={**EVENT, "data": {"x": data}}), 422)
    assert body["errors"] == [
        {"location": "body", "pointer": "/data", "detail": "Nested more than 32 levels deep."}
    ]
