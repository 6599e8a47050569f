# Managed by relaykit: "copier update" merges the template's changes into this file.
"""The service with RELAY_TRANSPORT=amqp: its answers, its readiness, and under gunicorn."""

from __future__ import annotations

import json
import os
import threading
import time
import urllib.request
from collections.abc import Callable
from collections.abc import Iterator
from contextlib import AbstractContextManager
from typing import Any
from uuid import uuid4

import pika
import pytest
import requests
from flask import Flask

from relay_service import create_app
from relay_service.about import API_PREFIX
from relay_service.about import SERVICE_ROUTES_PREFIX
from relay_service.handoff import Handoff
from relay_service.settings import Settings
from relay_service.worker.rabbitmq import RabbitMQNode

EVENTS = f"{API_PREFIX}/events"
READYZ = f"{SERVICE_ROUTES_PREFIX}/readyz"
BATCH = f"{API_PREFIX}/events:batch"
TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


def event(number: int) -> dict[str, Any]:
    return {
        "id": f"evt-{number}",
        "type": "order.created",
        "occurred_at": "2026-01-01T12:00:00Z",
        "source": "shop",
    }


def queue_keys(node: RabbitMQNode, queue: str) -> list[str]:
    """Take every message out of ``queue``: their idempotency keys, in queue order."""
    keys: list[str] = []
    with pika.BlockingConnection(pika.URLParameters(node.url)) as connection:
        channel = connection.channel()
        while True:
            method, properties, _ = channel.basic_get(queue, auto_ack=True)
            if method is None:
                return keys
            assert properties.delivery_mode == 2
            keys.append(properties.headers["Idempotency-Key"])


def until_ready(get: Callable[[], Any]) -> Any:
    """Ask ``/readyz`` with ``get`` until it answers 200; that answer."""
    deadline = time.monotonic() + 30
    while (answer := get()).status_code != 200:
        assert time.monotonic() < deadline, f"still not ready: {answer.status_code}"
        time.sleep(0.05)  # polling readiness
    return answer


@pytest.fixture
def amqp_app(
    rabbitmq: RabbitMQNode, make_settings: Callable[..., Settings]
) -> Iterator[Callable[..., Flask]]:
    """Make apps publishing to the node, each test its own queue; closes their connections."""
    made: list[Flask] = []
    queue = f"test-{uuid4().hex}"

    def make(**changes: Any) -> Flask:
        defaults = {"broker_url": rabbitmq.url, "broker_queue": queue}
        app = create_app(make_settings(transport="amqp", **{**defaults, **changes}))
        app.config["TESTING"] = True
        made.append(app)
        return app

    yield make
    for app in made:
        handoff: Handoff = app.extensions["handoff"]
        handoff.close()


def test_a_202_means_one_persistent_message_in_the_queue(
    amqp_app: Callable[..., Flask], make_client: Callable[..., Any], rabbitmq: RabbitMQNode
) -> None:
    app = amqp_app()
    queue = app.extensions["settings"].broker_queue
    response = make_client(app).post(
        EVENTS, json=event(1), headers={"X-Request-ID": "req-1", "traceparent": TRACEPARENT}
    )
    assert response.status_code == 202, response.get_json()
    body = response.get_json()
    receipt = body["worker_receipt"]
    assert receipt["key"] == body["idempotency_key"]
    assert receipt["queue"] == queue
    assert (receipt["request_id"], receipt["traceparent"]) == ("req-1", TRACEPARENT)
    assert queue_keys(rabbitmq, queue) == [body["idempotency_key"]]


def test_a_batch_gets_a_receipt_per_event(
    amqp_app: Callable[..., Flask], make_client: Callable[..., Any], rabbitmq: RabbitMQNode
) -> None:
    app = amqp_app()
    response = make_client(app).post(BATCH, json={"events": [event(n) for n in range(10)]})
    assert response.status_code == 200
    results = response.get_json()["results"]
    assert [result["status"] for result in results] == ["accepted"] * 10
    keys = [result["worker_receipt"]["key"] for result in results]
    assert keys == [result["idempotency_key"] for result in results]
    assert queue_keys(rabbitmq, app.extensions["settings"].broker_queue) == keys


def test_batch_events_the_broker_did_not_take_are_rejected_as_retryable(
    amqp_app: Callable[..., Flask], make_client: Callable[..., Any], rabbitmq: RabbitMQNode
) -> None:
    app = amqp_app()
    client = make_client(app)
    assert client.post(EVENTS, json=event(0)).status_code == 202
    with pika.BlockingConnection(pika.URLParameters(rabbitmq.url)) as connection:
        connection.channel().queue_delete(app.extensions["settings"].broker_queue)
    response = client.post(BATCH, json={"events": [event(1), event(2)]})
    body = response.get_json()
    assert (body["accepted"], body["rejected"]) == (0, 2)
    for result in body["results"]:
        assert result["problem"]["status"] == 503
        assert result["problem"]["retry_after"] >= 1


def test_an_unroutable_event_is_never_a_202(
    amqp_app: Callable[..., Flask], make_client: Callable[..., Any], rabbitmq: RabbitMQNode
) -> None:
    app = amqp_app()
    client = make_client(app)
    assert client.post(EVENTS, json=event(0)).status_code == 202
    with pika.BlockingConnection(pika.URLParameters(rabbitmq.url)) as connection:
        connection.channel().queue_delete(app.extensions["settings"].broker_queue)
    response = client.post(EVENTS, json=event(1))
    assert response.status_code == 503
    assert response.headers["Retry-After"]


def test_a_dead_broker_is_a_503_and_not_ready(
    amqp_app: Callable[..., Flask], make_client: Callable[..., Any]
) -> None:
    client = make_client(amqp_app(broker_url="amqp://guest:guest@127.0.0.1:9/%2F"))
    response = client.post(EVENTS, json=event(1))
    assert response.status_code == 503
    assert response.mimetype == "application/problem+json"
    assert int(response.headers["Retry-After"]) >= 1
    ready = client.get(READYZ)
    assert ready.status_code == 503
    assert ready.get_json()["checks"] == {"drain": "ok", "broker": "broker unreachable"}


def test_readiness_follows_the_broker(
    amqp_app: Callable[..., Flask], make_client: Callable[..., Any]
) -> None:
    client = make_client(amqp_app())
    # The first readiness opens the connection: "broker connecting" until the queues are
    # declared, which may take longer than a probe waits on a loaded machine.
    ready = until_ready(lambda: client.get(READYZ))
    assert ready.get_json() == {"status": "ready", "checks": {"drain": "ok", "broker": "ok"}}


def test_a_queue_declared_with_other_arguments_is_a_503_and_not_ready(
    amqp_app: Callable[..., Flask], make_client: Callable[..., Any], rabbitmq: RabbitMQNode
) -> None:
    app = amqp_app()
    queue = app.extensions["settings"].broker_queue
    with pika.BlockingConnection(pika.URLParameters(rabbitmq.url)) as connection:
        connection.channel().queue_declare(queue, durable=True)  # a classic queue
    try:
        client = make_client(app)
        response = client.post(EVENTS, json=event(1))
        assert response.status_code == 503
        assert "refused the service's queues" in response.get_json()["detail"]
        ready = client.get(READYZ).get_json()
        assert "PRECONDITION_FAILED" in ready["checks"]["broker"]
    finally:
        with pika.BlockingConnection(pika.URLParameters(rabbitmq.url)) as connection:
            connection.channel().queue_delete(queue)


def test_a_blocked_broker_is_a_503_and_not_ready_until_it_unblocks(
    amqp_app: Callable[..., Flask], make_client: Callable[..., Any], rabbitmq: RabbitMQNode
) -> None:
    client = make_client(amqp_app())
    assert client.post(EVENTS, json=event(0)).status_code == 202
    rabbitmq.ctl("set_vm_memory_high_watermark", "0")
    try:
        # Once the alarm takes effect, RabbitMQ blocks the connection as it publishes.
        deadline = time.monotonic() + 30
        number = 1
        while (response := client.post(EVENTS, json=event(number))).status_code == 202:
            assert time.monotonic() < deadline, "still not blocked"
            number += 1
        assert response.status_code == 503
        assert response.headers["Retry-After"]
        ready = client.get(READYZ)
        assert ready.status_code == 503
        assert ready.get_json()["checks"]["broker"] == "broker blocked (memory or disk alarm)"
    finally:
        rabbitmq.ctl("set_vm_memory_high_watermark", "0.4")
    # RabbitMQ unblocks once it rechecks its memory.
    until_ready(lambda: client.get(READYZ, anonymous=True))
    assert client.post(EVENTS, json=event(number)).status_code == 202


def test_gunicorn_threads_publish_each_event_once(
    rabbitmq: RabbitMQNode, gunicorn: Callable[[dict[str, str]], AbstractContextManager[str]]
) -> None:
    queue = f"test-{uuid4().hex}"
    env = {
        **{name: value for name, value in os.environ.items() if not name.startswith("RELAY_")},
        "RELAY_AUTH": "none",
        "RELAY_TRANSPORT": "amqp",
        "RELAY_BROKER_URL": rabbitmq.url,
        "RELAY_BROKER_QUEUE": queue,
        "RELAY_WEB_WORKERS": "2",
        "RELAY_WEB_THREADS": "4",
    }
    sent: list[str] = []
    failures: list[BaseException] = []

    def post(url: str, thread: int) -> None:
        try:
            for n in range(25):
                number = thread * 100 + n
                request = urllib.request.Request(
                    url + EVENTS,
                    data=json.dumps(event(number)).encode(),
                    headers={"Content-Type": "application/json"},
                )
                with urllib.request.urlopen(request, timeout=30) as answer:  # nosec B310
                    assert answer.status == 202
                    sent.append(json.load(answer)["idempotency_key"])
        except BaseException as error:  # reported below, in the test's thread
            failures.append(error)

    with gunicorn(env) as url:
        until_ready(lambda: requests.get(url + READYZ, timeout=30))
        threads = [threading.Thread(target=post, args=(url, thread)) for thread in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert failures == []
    assert len(sent) == 8 * 25
    assert sorted(queue_keys(rabbitmq, queue)) == sorted(sent)
