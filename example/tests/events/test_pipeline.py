# Yours to edit: relaykit writes this file once.
"""The events pipeline through the endpoint: receipts, filters, refusals and failures."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest

from relay_service import create_app
from relay_service.about import API_PREFIX
from relay_service.pipeline import Payload
from relay_service.pipeline import Pipeline
from relay_service.pipeline.builtin import stamp_request
from relay_service.settings import Settings

EVENTS = f"{API_PREFIX}/events"

EVENT = {
    "id": "evt-p1",
    "type": "Order.Created",
    "occurred_at": "2026-01-01T12:00:00Z",
    "source": " shop ",
    "data": {"Order ID": 7, "note": None},
}

DEFAULT_STEPS = [
    "trim_strings",
    "normalise_keys",
    "lowercase_values",
    "drop_nulls",
    "stamp_request",
]


def client_for(make_client: Callable[..., Any], **settings: Any) -> Any:
    return make_client(create_app(Settings(**settings)))


def test_the_receipt_names_the_steps_that_ran(client: Any) -> None:
    response = client.post(EVENTS, json=EVENT)
    assert response.status_code == 202
    receipt = response.get_json()
    assert receipt["status"] == "accepted"
    assert receipt["steps"] == DEFAULT_STEPS


def test_settings_switch_steps_off_and_on(make_client: Callable[..., Any]) -> None:
    client = client_for(
        make_client,
        pipeline_disabled=("drop_nulls", "trim_strings"),
        pipeline_redact=("data.card",),
    )
    receipt = client.post(EVENTS, json=EVENT).get_json()
    assert receipt["steps"] == [
        "normalise_keys",
        "lowercase_values",
        "redact_fields",
        "stamp_request",
    ]


def test_a_filtered_event_is_answered_200_with_the_reason(make_client: Callable[..., Any]) -> None:
    client = client_for(make_client, pipeline_drop_when=(("type", "order.*"),))
    response = client.post(EVENTS, json=EVENT)
    assert response.status_code == 200
    receipt = response.get_json()
    assert receipt["status"] == "filtered"
    assert receipt["reason"] == "type 'order.created' matches 'order.*'"
    assert receipt["steps"][-1] == "drop_matching"


def test_a_refusing_step_is_a_422_naming_the_step(client: Any) -> None:
    event = {**EVENT, "data": {"Order ID": 1, "order_id": 2}}
    response = client.post(EVENTS, json=event)
    assert response.status_code == 422
    problem = response.get_json()
    assert problem["step"] == "normalise_keys"
    assert problem["detail"].startswith("The normalise_keys step refused the item:")
    assert problem["errors"] == [
        {
            "location": "body",
            "pointer": "/data",
            "detail": "keys 'Order ID' and 'order_id' both become 'order_id'",
        }
    ]


def explode(payload: Payload, context: Any) -> Payload:
    raise ZeroDivisionError("secret internals")


def test_a_broken_step_is_a_500_and_only_the_log_names_it(
    capsys: pytest.CaptureFixture[str], make_client: Callable[..., Any]
) -> None:
    app = create_app(Settings())
    app.extensions["pipelines"]["events"] = Pipeline.declare(explode, stamp_request)
    response = make_client(app).post(EVENTS, json=EVENT, headers={"X-Request-ID": "req-boom"})
    assert response.status_code == 500
    text = response.get_data(as_text=True)
    assert "explode" not in text
    assert "secret" not in text
    logged = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    failures = [line for line in logged if line["message"] == "pipeline step explode failed"]
    assert len(failures) == 1
    assert failures[0]["step"] == "explode"
    assert failures[0]["request_id"] == "req-boom"
    assert "ZeroDivisionError: secret internals" in failures[0]["exc_info"]


def test_redacted_values_are_never_logged(
    capsys: pytest.CaptureFixture[str], make_client: Callable[..., Any]
) -> None:
    client = client_for(make_client, pipeline_redact=("data.password",), log_level="DEBUG")
    event = {**EVENT, "data": {"password": "hunter2-secret"}}
    assert client.post(EVENTS, json=event).status_code == 202
    assert "hunter2-secret" not in capsys.readouterr().out


def test_step_durations_are_recorded_per_step(make_client: Callable[..., Any]) -> None:
    app = create_app(Settings())
    client = make_client(app)
    for _ in range(3):
        assert client.post(EVENTS, json=EVENT).status_code == 202
    stats = app.extensions["step_timings"].snapshot()
    assert sorted(stats) == sorted(DEFAULT_STEPS)
    assert {name: stat.count for name, stat in stats.items()} == dict.fromkeys(DEFAULT_STEPS, 3)


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("RELAY_PIPELINE_DISABLED", "no_such_step", "RELAY_PIPELINE_DISABLED: no step is named 'no_such_step'"),
        ("RELAY_PIPELINE_REDACT", "data..x", "RELAY_PIPELINE_REDACT='data..x': 'data..x' is not a dotted path"),
        ("RELAY_PIPELINE_RENAME", "data.a", "RELAY_PIPELINE_RENAME='data.a': 'data.a' is not path=path"),
        ("RELAY_PIPELINE_ADD", "meta.x={nope}", "RELAY_PIPELINE_ADD: meta.x={nope} refers to no setting"),
    ],
)  # fmt: skip
def test_pipeline_misconfiguration_stops_start_up_with_one_line(
    variable: str, value: str, message: str
) -> None:
    command = [
        sys.executable,
        "-c",
        "import relay_service; relay_service.create_app()",
    ]
    env = {**os.environ, variable: value}
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"configuration error: {message}")
