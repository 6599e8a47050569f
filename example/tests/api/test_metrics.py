# Managed by relaykit: "copier update" merges the template's changes into this file.
"""GET /metrics: served as RELAY_METRICS and RELAY_METRICS_PORT say, and counting what
the service does: requests by route, events by outcome and reason, deliveries, the
breaker, pipeline steps and batches.

Metrics belong to the process, so each test compares them before and after what it does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from relay_service import create_app
from relay_service.about import API_PREFIX
from relay_service.api.metrics import METRICS_PATH
from relay_service.pipeline import Context
from relay_service.pipeline import Payload
from relay_service.pipeline import Pipeline
from relay_service.pipeline import StepError
from relay_service.pipeline.builtin import stamp_request
from relay_service.settings import Settings
from relay_service.settings import SettingsError

EVENTS = f"{API_PREFIX}/events"
BATCH = f"{API_PREFIX}/events:batch"

EVENT = {
    "id": "evt-m1",
    "type": "order.created",
    "occurred_at": "2026-01-01T12:00:00Z",
    "source": "metrics-test",
}

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(client: Any) -> Samples:
    """Every sample /metrics answers, by name and labels."""
    response = client.get(METRICS_PATH)
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.get_data(as_text=True))
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


class Delta:
    """What the metrics counted between :meth:`__init__` and :meth:`__call__`."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.before = scrape(client)
        self.after: Samples = {}

    def __call__(self, name: str, **labels: str) -> float:
        if not self.after:
            self.after = scrape(self.client)
        return value(self.after, name, **labels) - value(self.before, name, **labels)


def test_protected_metrics_need_the_api_key(
    make_settings: Callable[..., Settings], make_client: Callable[..., Any]
) -> None:
    client = make_client(create_app(make_settings(auth="api_key")), served=True)
    refused = client.get(METRICS_PATH, anonymous=True)
    assert refused.status_code == 401
    assert refused.mimetype == "application/problem+json"
    assert client.get(METRICS_PATH).status_code == 200


def test_public_metrics_are_open_and_documented_so(
    make_settings: Callable[..., Settings], make_client: Callable[..., Any]
) -> None:
    client = make_client(create_app(make_settings(metrics="public")), served=True)
    assert client.get(METRICS_PATH, anonymous=True).status_code == 200
    document = client.get("/openapi.json").get_json()
    assert document["paths"][METRICS_PATH]["get"]["security"] == []


def test_metrics_off_are_not_served_nor_documented(
    make_settings: Callable[..., Settings], make_client: Callable[..., Any]
) -> None:
    client = make_client(create_app(make_settings(metrics="off")), served=True)
    accepted = {"outcome": "accepted"}
    before = REGISTRY.get_sample_value("relay_events_total", accepted)
    assert client.post(EVENTS, json=EVENT).status_code == 202
    assert REGISTRY.get_sample_value("relay_events_total", accepted) == before  # nothing recorded
    response = client.get(METRICS_PATH)
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    document = client.get("/openapi.json").get_json()
    assert METRICS_PATH not in document["paths"]


def test_a_metrics_port_serves_the_metrics_alone_and_openly(
    make_settings: Callable[..., Settings], make_client: Callable[..., Any]
) -> None:
    app = create_app(make_settings(metrics_port=9102))
    # The metrics port is outside the contract, which describes the service's port.
    plain, port = app.test_client(), {"base_url": "http://localhost:9102"}
    served = plain.get(METRICS_PATH, **port)
    assert served.status_code == 200
    assert b"relay_http_requests_total" in served.data
    assert plain.get("/livez", **port).status_code == 404
    assert plain.post(EVENTS, json=EVENT, **port).status_code == 404
    client = make_client(app, served=True)
    assert client.get(METRICS_PATH).status_code == 404
    assert client.get("/livez").status_code == 200
    document = client.get("/openapi.json").get_json()
    assert METRICS_PATH not in document["paths"]


def test_requests_are_counted_by_route_never_by_raw_path(client: Any) -> None:
    delta = Delta(client)
    assert client.post(EVENTS, json=EVENT).status_code == 202
    assert client.get(f"{API_PREFIX}/no-such-{id(client)}").status_code == 404
    assert client.delete(EVENTS).status_code == 405
    assert delta("relay_http_requests_total", route=EVENTS, method="POST", status="202") == 1
    assert delta("relay_http_requests_total", route="unmatched", method="GET", status="404") == 1
    assert delta("relay_http_requests_total", route="unmatched", method="DELETE", status="405") == 1
    assert delta("relay_http_request_duration_seconds_count", route=EVENTS, method="POST") == 1
    assert not [
        labels
        for (_, labels) in delta.after
        if ("route", f"{API_PREFIX}/no-such-{id(client)}") in labels
    ]


def test_events_are_counted_by_outcome_and_reason(
    make_settings: Callable[..., Settings], make_client: Callable[..., Any]
) -> None:
    client = make_client(create_app(make_settings(auth="api_key")), served=True)
    delta = Delta(client)
    assert client.post(EVENTS, json=EVENT).status_code == 202
    assert client.post(EVENTS, json={**EVENT, "type": "not a type!"}).status_code == 422
    assert client.post(EVENTS, json=EVENT, anonymous=True).status_code == 401
    assert delta("relay_events_total", outcome="accepted") == 1
    assert delta("relay_events_total", outcome="rejected") == 2
    assert delta("relay_events_rejected_total", reason="validation") == 1
    assert delta("relay_events_rejected_total", reason="auth") == 1
    assert delta("relay_deliveries_total", kind="item", outcome="acknowledged") == 1
    assert delta("relay_delivery_attempts_total", kind="item") == 1
    assert delta("relay_pipeline_step_runs_total", step="stamp_request") == 1
    assert delta("relay_pipeline_step_seconds_total", step="stamp_request") > 0


def test_a_batch_counts_each_event_and_its_size(client: Any) -> None:
    delta = Delta(client)
    events = [
        {**EVENT, "id": "evt-b1"},
        {**EVENT, "id": "evt-b2"},
        {**EVENT, "id": ""},  # invalid
    ]
    body = client.post(BATCH, json={"events": events}).get_json()
    assert (body["accepted"], body["rejected"]) == (2, 1)
    assert delta("relay_events_total", outcome="accepted") == 2
    assert delta("relay_events_total", outcome="rejected") == 1
    assert delta("relay_events_rejected_total", reason="validation") == 1
    assert delta("relay_batch_events_count") == 1
    assert delta("relay_batch_events_sum") == 3
    assert delta("relay_deliveries_total", kind="batch", outcome="acknowledged") == 1


def judge(payload: Payload, context: Context) -> Payload:
    """A step that refuses one event and breaks on another."""
    if payload["id"] == "evt-refused":
        raise StepError("refused here")
    if payload["id"] == "evt-broken":
        raise ZeroDivisionError("boom")
    return payload


def test_steps_that_refuse_or_break_are_counted_apart(
    make_settings: Callable[..., Settings], make_client: Callable[..., Any]
) -> None:
    app = create_app(make_settings())
    app.extensions["pipelines"]["events"] = Pipeline.declare(judge, stamp_request)
    client = make_client(app)
    delta = Delta(client)
    assert client.post(EVENTS, json={**EVENT, "id": "evt-refused"}).status_code == 422
    events = [{**EVENT, "id": "evt-broken"}, {**EVENT, "id": "evt-refused"}, EVENT]
    assert client.post(BATCH, json={"events": events}).get_json()["rejected"] == 2
    assert delta("relay_events_rejected_total", reason="step_refused") == 2
    assert delta("relay_events_rejected_total", reason="step_failed") == 1
    assert delta("relay_events_total", outcome="accepted") == 1
    assert delta("relay_pipeline_step_runs_total", step="judge") == 4
    assert delta("relay_pipeline_step_runs_total", step="stamp_request") == 1


def test_retries_and_an_open_breaker_are_counted(
    make_settings: Callable[..., Settings], make_client: Callable[..., Any], worker: Any
) -> None:
    app: Flask = create_app(
        make_settings(handoff_max_attempts=3, breaker_failures=1, breaker_reset_after=600.0)
    )
    client = make_client(app)
    worker.call("PUT", "/faults", {"fail_ratio": 1.0, "retry_after": 0})
    delta = Delta(client)
    assert client.post(EVENTS, json=EVENT).status_code == 503  # three attempts, then open
    assert client.post(EVENTS, json=EVENT).status_code == 503  # the breaker answers
    assert delta("relay_delivery_attempts_total", kind="item") == 3
    assert delta("relay_delivery_retries_total", kind="item") == 2
    assert delta("relay_deliveries_total", kind="item", outcome="worker_down") == 1
    assert delta("relay_deliveries_total", kind="item", outcome="breaker_open") == 1
    assert delta("relay_events_rejected_total", reason="worker_down") == 1
    assert delta("relay_events_rejected_total", reason="breaker_open") == 1
    assert delta("relay_breaker_transitions_total", state="open") == 1
    assert value(delta.after, "relay_breakers_open") == 1
    # The breaker closes after a probe that succeeds: the gauge follows.
    worker.call("PUT", "/faults", {})
    app.extensions["handoff"].breaker.reset_after = 0.0
    delta = Delta(client)
    assert client.post(EVENTS, json=EVENT).status_code == 202
    assert delta("relay_breaker_transitions_total", state="half-open") == 1
    assert delta("relay_breaker_transitions_total", state="closed") == 1
    assert value(delta.after, "relay_breakers_open") == 0


@pytest.mark.parametrize(
    ("variable", "raw", "line"),
    [
        (
            "RELAY_METRICS",
            "private",
            "RELAY_METRICS='private': expected one of protected, public, off",
        ),
        (
            "RELAY_METRICS_PORT",
            "http",
            "RELAY_METRICS_PORT='http': expected a TCP port from 1 to 65535, e.g. 8000",
        ),
    ],
)
def test_a_bad_metrics_setting_is_one_line(variable: str, raw: str, line: str) -> None:
    with pytest.raises(SettingsError) as refused:
        Settings.from_env({variable: raw})
    assert str(refused.value) == line


@pytest.mark.parametrize(
    ("changes", "line"),
    [
        (
            {"metrics_port": 8000},
            "RELAY_METRICS_PORT=8000 is RELAY_PORT too: give the metrics a port of "
            "their own, or leave it empty to serve them on RELAY_PORT",
        ),
        (
            {"metrics_port": 9102, "metrics": "off"},
            "RELAY_METRICS_PORT=9102 while RELAY_METRICS=off: empty RELAY_METRICS_PORT, or "
            "serve the metrics",
        ),
    ],
)
def test_metrics_settings_that_contradict_each_other_stop_serving(
    changes: dict[str, Any], line: str
) -> None:
    settings = Settings(auth="none", **changes)
    with pytest.raises(SettingsError) as refused:
        settings.check_serving()
    assert str(refused.value) == line
