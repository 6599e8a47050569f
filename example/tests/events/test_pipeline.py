# Yours to edit: relaykit writes this file once and never changes it.
"""The events pipeline through the endpoint: receipts, filters, refusals and failures."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from relay_service import create_app
from relay_service.about import API_PREFIX
from relay_service.api.events.steps import build_pipeline
from relay_service.pipeline import Context
from relay_service.pipeline import Payload
from relay_service.pipeline import Pipeline
from relay_service.pipeline.builtin import stamp_request
from relay_service.pipeline.redaction import REDACTED
from relay_service.settings import Settings

EVENTS = f"{API_PREFIX}/events"

EVENT = {
    "id": "evt-p1",
    "type": "Order.Created",
    "occurred_at": "2026-01-01T12:00:00Z",
    "source": " shop ",
    "data": {"Order ID": 7, "note": None},
}

#: What the events pipeline runs with default settings.
DEFAULT_STEPS = list(build_pipeline(Settings()).names)

MakeClient = Callable[[Flask], FlaskClient]


@pytest.fixture
def app_with(make_settings: Callable[..., Settings]) -> Callable[..., Flask]:
    """Make an app with the given settings, handing off to the reference worker."""

    def make(**settings: Any) -> Flask:
        return create_app(make_settings(**settings))

    return make


def recording(app: Flask) -> list[tuple[Payload, Context]]:
    """Append a step to the app's events pipeline that records what reaches it."""
    seen: list[tuple[Payload, Context]] = []

    def record(payload: Payload, context: Context) -> Payload:
        seen.append((payload, context))
        return payload

    pipeline = app.extensions["pipelines"]["events"]
    app.extensions["pipelines"]["events"] = Pipeline((*pipeline.steps, record))
    return seen


def test_the_receipt_names_the_steps_that_ran(client: FlaskClient) -> None:
    response = client.post(EVENTS, json=EVENT)
    assert response.status_code == 202
    receipt = response.get_json()
    assert receipt["status"] == "accepted"
    assert receipt["steps"] == DEFAULT_STEPS


def test_steps_see_the_transformed_event_and_the_request(
    make_client: MakeClient, app_with: Callable[..., Flask]
) -> None:
    app = app_with(environment="staging", pipeline_add=(("meta.env", "{environment}"),))
    seen = recording(app)
    headers = {"X-Request-ID": "req-ctx", "User-Agent": "probe/1.0"}
    assert make_client(app).post(EVENTS, json=EVENT, headers=headers).status_code == 202
    [(payload, context)] = seen
    assert payload["type"] == "order.created"
    assert payload["source"] == "shop"
    assert payload["data"] == {"order_id": 7}
    assert payload["meta"] == {"env": "staging"}
    assert payload["request_id"] == context.request_id == "req-ctx"
    assert context.client.user_agent == "probe/1.0"
    assert context.client.address == "127.0.0.1"
    assert context.settings.environment == "staging"


def test_settings_switch_steps_off_and_on(
    make_client: MakeClient, app_with: Callable[..., Flask]
) -> None:
    client = make_client(
        app_with(pipeline_disabled=("drop_nulls", "trim_strings"), pipeline_redact=("data.card",))
    )
    steps = client.post(EVENTS, json=EVENT).get_json()["steps"]
    assert steps[0] == "redact_fields"
    assert "drop_nulls" not in steps
    assert "trim_strings" not in steps
    assert steps[-1] == "stamp_request"


def test_redaction_comes_before_every_other_step(
    make_client: MakeClient, app_with: Callable[..., Flask]
) -> None:
    app = app_with(
        pipeline_redact=("data.password", "data.cards.*.number"),
        pipeline_drop_when=(("data.password", "hunter*"),),
        pipeline_rename=(("data.password", "data.pw"),),
    )
    seen = recording(app)
    event = {
        **EVENT,
        "data": {"Password": "hunter2", "cards": [{"number": "4111"}, {"Number": "5555"}]},
    }
    response = make_client(app).post(EVENTS, json=event)
    assert response.status_code == 202, "the filter saw the redacted value, not hunter2"
    assert "hunter2" not in response.get_data(as_text=True)
    [(payload, _)] = seen
    assert payload["data"] == {"pw": REDACTED, "cards": [{"number": REDACTED}] * 2}


def test_a_filtered_event_is_answered_200_with_the_rule(
    make_client: MakeClient, app_with: Callable[..., Flask]
) -> None:
    client = make_client(app_with(pipeline_drop_when=(("type", "order.*"),)))
    response = client.post(EVENTS, json=EVENT)
    assert response.status_code == 200
    receipt = response.get_json()
    assert receipt["status"] == "filtered"
    assert receipt["reason"] == "type matches 'order.*'"
    assert receipt["steps"][-1] == "drop_matching"


def test_a_refusing_step_is_a_422_naming_the_step(
    make_client: MakeClient, app_with: Callable[..., Flask]
) -> None:
    client = make_client(app_with(pipeline_rename=(("data.old", "data.new"),)))
    event = {**EVENT, "data": {"old": 1, "new": 2}}
    response = client.post(EVENTS, json=event)
    assert response.status_code == 422
    problem = response.get_json()
    assert problem["step"] == "rename_fields"
    assert problem["detail"].startswith("The rename_fields step refused the item:")
    assert problem["errors"] == [
        {
            "location": "body",
            "pointer": "/data/new",
            "detail": "cannot move /data/old to /data/new: it already has a value",
        }
    ]


def explode(payload: Payload, context: Context) -> Payload:
    raise ZeroDivisionError("secret internals")


def test_a_broken_step_is_a_500_and_only_the_log_names_it(
    capsys: pytest.CaptureFixture[str], make_client: MakeClient, app_with: Callable[..., Flask]
) -> None:
    app = app_with()
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


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("RELAY_PIPELINE_DISABLED", "no_such_step", "RELAY_PIPELINE_DISABLED: no step is named 'no_such_step'"),
        ("RELAY_PIPELINE_REDACT", "data..x", "RELAY_PIPELINE_REDACT='data..x': 'data..x' is not a dotted path"),
        ("RELAY_PIPELINE_RENAME", "data.a", "RELAY_PIPELINE_RENAME='data.a': 'data.a' is not path=path"),
        ("RELAY_PIPELINE_ADD", "meta.x={nope}", "RELAY_PIPELINE_ADD: meta.x={nope} refers to no setting"),
        ("RELAY_PIPELINE_LOWERCASE", "data.Kind", "RELAY_PIPELINE_LOWERCASE: normalise_keys writes 'data.Kind' as 'data.kind'"),
    ],
)  # fmt: skip
def test_pipeline_misconfiguration_stops_start_up_with_one_line(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, message: str
) -> None:
    # In this process: SystemExit with a message is how a real start-up exits with
    # status 1 and that line on stderr (tests/unit/test_settings.py starts real ones).
    monkeypatch.setenv(variable, value)
    with pytest.raises(SystemExit) as stopped:
        create_app()
    line = str(stopped.value.code)
    assert "\n" not in line
    assert line.startswith(f"configuration error: {message}")


def test_redaction_cannot_be_switched_off_while_it_has_fields(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("RELAY_PIPELINE_REDACT", "data.password")
    monkeypatch.setenv("RELAY_PIPELINE_DISABLED", "redact_fields")
    with pytest.raises(SystemExit) as stopped:
        create_app()
    assert str(stopped.value.code).startswith(
        "configuration error: RELAY_PIPELINE_DISABLED: redact_fields cannot be switched off"
    )
