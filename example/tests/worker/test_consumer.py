# Managed by relaykit: "copier update" merges the template's changes into this file.
"""The worker as a consumer of the ``amqp`` transport's queue, against a real RabbitMQ.

Messages are published here as the service publishes them (handoff/topology.py's
format), each test to a queue of its own.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pika
import pytest

from relay_service.about import DISTRIBUTION
from relay_service.handoff.topology import CONTENT_TYPE
from relay_service.handoff.topology import IDEMPOTENCY_KEY_PROPERTY
from relay_service.handoff.topology import REQUEST_ID_PROPERTY
from relay_service.handoff.topology import TRACEPARENT_PROPERTY
from relay_service.handoff.topology import dead_letter_queue
from relay_service.settings import Settings
from relay_service.worker import ReceiptStore
from relay_service.worker import WorkerProcess
from relay_service.worker import start_worker_process
from relay_service.worker.consumer import declare_queues
from relay_service.worker.rabbitmq import RabbitMQNode

TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

#: The longest a test waits for the worker or RabbitMQ to get somewhere, in seconds.
DEADLINE = 60

StartConsumer = Callable[..., WorkerProcess]


def wait_for(condition: Callable[[], bool], what: str) -> None:
    """Poll ``condition`` until it holds; fail naming ``what`` after :data:`DEADLINE`."""
    deadline = time.monotonic() + DEADLINE
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting until {what}"
        time.sleep(0.05)


@pytest.fixture
def settings(rabbitmq: RabbitMQNode) -> Settings:
    """Settings naming the session's RabbitMQ and a queue of this test's own."""
    return Settings(
        broker_url=rabbitmq.url,
        broker_queue=f"test-{uuid.uuid4().hex}",
        broker_prefetch=5,
        broker_delivery_limit=3,  # a message failing on purpose is dead-lettered soon
    )


@pytest.fixture
def start_consumer(settings: Settings) -> Iterator[StartConsumer]:
    """``start_consumer(*options, store=None)``: a worker consuming the test's queue, once
    it consumes; stopped at the end of the test if it still runs."""
    started: list[WorkerProcess] = []

    def start(*options: str, store: Path | None = None) -> WorkerProcess:
        environment = {
            "RELAY_TRANSPORT": "amqp",
            "RELAY_BROKER_URL": settings.broker_url,
            "RELAY_BROKER_QUEUE": settings.broker_queue,
            "RELAY_BROKER_PREFETCH": str(settings.broker_prefetch),
            "RELAY_BROKER_DELIVERY_LIMIT": str(settings.broker_delivery_limit),
        }
        worker = start_worker_process(*options, store=store, environment=environment)
        started.append(worker)
        wait_for(lambda: consumer(worker)["consuming"], "the worker consumes its queue")
        return worker

    yield start
    for worker in started:
        if worker.process.poll() is None:
            worker.stop()


def consumer(worker: WorkerProcess) -> dict[str, Any]:
    """What the worker's consumer did, from ``GET /records``."""
    status: dict[str, Any] = worker.call("GET", "/records")["consumer"]
    return status


def processed(worker: WorkerProcess) -> int:
    count: int = worker.call("GET", "/records")["processed"]
    return count


def publish(settings: Settings, *messages: tuple[str | None, Any]) -> None:
    """Publish each ``(key, item)`` as the service does, confirmed; a key ``None`` sends no
    ``Idempotency-Key``, an item of bytes is the body as it is."""
    with pika.BlockingConnection(pika.URLParameters(settings.broker_url)) as connection:
        channel = connection.channel()
        declare_queues(channel, settings)
        channel.confirm_delivery()
        for key, item in messages:
            headers = {REQUEST_ID_PROPERTY: f"request-{key}", TRACEPARENT_PROPERTY: TRACEPARENT}
            if key is not None:
                headers[IDEMPOTENCY_KEY_PROPERTY] = key
            properties = pika.BasicProperties(
                delivery_mode=2,
                content_type=CONTENT_TYPE,
                message_id=key,
                app_id=DISTRIBUTION,
                timestamp=int(time.time()),
                headers=headers,
            )
            body = item if isinstance(item, bytes) else json.dumps(item).encode()
            channel.basic_publish("", settings.broker_queue, body, properties, mandatory=True)


def dead_letters(settings: Settings) -> int:
    """How many messages wait in the test's dead-letter queue."""
    with pika.BlockingConnection(pika.URLParameters(settings.broker_url)) as connection:
        declared = connection.channel().queue_declare(dead_letter_queue(settings), passive=True)
        count: int = declared.method.message_count
        return count


def items(count: int) -> list[tuple[str, Any]]:
    return [(f"key-{n}", {"id": f"evt-{n}"}) for n in range(count)]


def test_each_message_is_processed_once_and_acked_with_its_properties(
    settings: Settings, start_consumer: StartConsumer, rabbitmq: RabbitMQNode, tmp_path: Path
) -> None:
    publish(settings, *items(20))
    worker = start_consumer(store=tmp_path / "receipts.sqlite3")
    wait_for(lambda: processed(worker) == 20, "the worker processed every message")
    wait_for(lambda: rabbitmq.queue_counts(settings.broker_queue) == (0, 0), "all are acked")
    assert sorted(worker.call("GET", "/records")["keys"]) == sorted(key for key, _ in items(20))
    assert consumer(worker)["duplicates"] == consumer(worker)["refused"] == 0
    worker.stop()
    assert worker.process.returncode == 0
    store = ReceiptStore(tmp_path / "receipts.sqlite3")
    receipt = store.get("key-7")
    store.close()
    assert receipt is not None
    assert receipt.pop("received_at")
    assert receipt == {
        "key": "key-7",
        "item_id": "evt-7",
        "request_id": "request-key-7",
        "traceparent": TRACEPARENT,
    }


def test_refused_and_unnamed_messages_are_dead_lettered_unprocessed(
    settings: Settings, start_consumer: StartConsumer, rabbitmq: RabbitMQNode
) -> None:
    publish(
        settings,
        ("key-refused", {"id": "evt-1", "reject": True}),
        (None, {"id": "evt-2"}),
        ("key-not-json", b"{not json"),
        ("key-not-an-object", b"[1, 2]"),
        ("key-taken", {"id": "evt-3"}),
    )
    worker = start_consumer()
    wait_for(lambda: consumer(worker)["refused"] == 4, "the worker refused four messages")
    wait_for(lambda: dead_letters(settings) == 4, "they wait in the dead-letter queue")
    wait_for(lambda: rabbitmq.queue_counts(settings.broker_queue) == (0, 0), "all are settled")
    assert worker.call("GET", "/records")["keys"] == ["key-taken"]
    assert processed(worker) == 1


def test_a_message_delivered_again_is_acked_as_a_duplicate(
    settings: Settings, start_consumer: StartConsumer, rabbitmq: RabbitMQNode
) -> None:
    publish(settings, ("key-1", {"id": "evt-1"}), ("key-1", {"id": "evt-1"}), ("key-2", {}))
    worker = start_consumer()
    wait_for(lambda: consumer(worker)["duplicates"] == 1, "the second key-1 is a duplicate")
    wait_for(lambda: rabbitmq.queue_counts(settings.broker_queue) == (0, 0), "all are acked")
    assert worker.call("GET", "/records") | {"consumer": None} == {
        "keys": ["key-1", "key-2"],
        "processed": 2,
        "consumer": None,
    }


def test_a_message_that_always_fails_is_requeued_until_the_delivery_limit(
    settings: Settings, start_consumer: StartConsumer
) -> None:
    publish(settings, ("key-1", {"id": "evt-1"}))
    worker = start_consumer("--fail-ratio", "1")
    wait_for(lambda: dead_letters(settings) == 1, "the delivery limit dead-letters it")
    assert consumer(worker)["requeued"] > settings.broker_delivery_limit
    assert processed(worker) == 0


def test_a_stalled_consumer_holds_prefetch_and_a_killed_one_processes_nothing_twice(
    settings: Settings, start_consumer: StartConsumer, rabbitmq: RabbitMQNode, tmp_path: Path
) -> None:
    store = tmp_path / "receipts.sqlite3"
    publish(settings, *items(12))
    # Each message is recorded, then waits before its ack: the first is processed, and
    # RabbitMQ hands the worker no more than its prefetch (5) unacked.
    stalling = start_consumer("--stall-ratio", "1", "--stall-seconds", "600", store=store)
    wait_for(lambda: processed(stalling) == 1, "the first message is processed")
    wait_for(
        lambda: rabbitmq.queue_counts(settings.broker_queue) == (7, 5),
        "the worker holds its prefetch of 5, and 7 wait",
    )
    stalling.kill()  # after the commit, before the ack
    again = start_consumer(store=store)
    wait_for(lambda: processed(again) == 12, "the restarted worker processed the rest")
    wait_for(lambda: rabbitmq.queue_counts(settings.broker_queue) == (0, 0), "all are acked")
    records = again.call("GET", "/records")
    assert sorted(records["keys"]) == sorted(key for key, _ in items(12))
    assert records["processed"] == 12
    assert records["consumer"]["duplicates"] == 1  # the one killed before its ack


def test_sigterm_finishes_the_message_in_hand_and_gives_back_the_others(
    settings: Settings, start_consumer: StartConsumer, rabbitmq: RabbitMQNode, tmp_path: Path
) -> None:
    publish(settings, *items(8))
    store = tmp_path / "receipts.sqlite3"
    worker = start_consumer("--stall-ratio", "1", "--stall-seconds", "600", store=store)
    wait_for(lambda: processed(worker) == 1, "the first message is processed")
    worker.stop()
    assert worker.process.returncode == 0
    wait_for(
        lambda: rabbitmq.queue_counts(settings.broker_queue) == (7, 0),
        "the first is acked and the others wait again",
    )
    kept = ReceiptStore(store)
    assert kept.snapshot() == {"keys": ["key-0"], "processed": 1}
    kept.close()


def test_the_consumer_connects_again_when_it_loses_the_broker(
    settings: Settings, start_consumer: StartConsumer, rabbitmq: RabbitMQNode
) -> None:
    worker = start_consumer()
    assert rabbitmq.close_connections(f"{DISTRIBUTION} worker {worker.process.pid}") == 1
    wait_for(lambda: consumer(worker)["connections"] == 2, "the worker connected again")
    publish(settings, ("key-1", {"id": "evt-1"}))
    wait_for(lambda: processed(worker) == 1, "the worker consumes again")
