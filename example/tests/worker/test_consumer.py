# Managed by relaykit: "copier update" merges the template's changes into this file.
"""The worker as a consumer of the ``amqp`` transport's queue, against a real RabbitMQ.

Messages are published here as the service publishes them (handoff/topology.py's
format), each test to a queue of its own. Most tests run the worker in a process of its
own; those that hold its store locked or read its log lines run its consumer in this one.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import time
import urllib.parse
import uuid
from collections.abc import Callable
from collections.abc import Iterator
from collections.abc import Mapping
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
from relay_service.worker import Faults
from relay_service.worker import ReceiptStore
from relay_service.worker import WorkerProcess
from relay_service.worker import start_worker_process
from relay_service.worker.app import WorkerState
from relay_service.worker.consumer import Consumer
from relay_service.worker.consumer import declare_queues
from relay_service.worker.faults import Dice
from relay_service.worker.rabbitmq import RabbitMQNode
from relay_service.worker.store import IN_MEMORY

TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

#: The longest a test waits for the worker or RabbitMQ to get somewhere, in seconds.
DEADLINE = 60

StartConsumer = Callable[..., WorkerProcess]
RunConsumer = Callable[[Settings, ReceiptStore], Consumer]


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


@pytest.fixture
def run_consumer() -> Iterator[RunConsumer]:
    """``run_consumer(settings, store)``: the worker's consumer, started in this process
    (it connects in its own thread); stopped, and its store closed, at the end of the test."""
    started: list[Consumer] = []

    def run(settings: Settings, store: ReceiptStore) -> Consumer:
        faults = Faults()
        running = Consumer(settings, WorkerState(store, faults, Dice(faults.seed)))
        started.append(running)
        running.start()
        return running

    yield run
    for running in started:
        running.stop()
        running.state.store.close()


def consumer(worker: WorkerProcess) -> dict[str, Any]:
    """What the worker's consumer did, from ``GET /records``."""
    status: dict[str, Any] = worker.call("GET", "/records")["consumer"]
    return status


def said(caplog: pytest.LogCaptureFixture) -> list[tuple[str, str]]:
    """The level and the message of each line the consumer logged, not pika's."""
    return [
        (record.levelname, record.getMessage())
        for record in caplog.records
        if record.name == Consumer.__module__
    ]


def processed(worker: WorkerProcess) -> int:
    count: int = worker.call("GET", "/records")["processed"]
    return count


def publish(
    settings: Settings, *messages: tuple[str | None, Any], headers: Mapping[str, Any] | None = None
) -> None:
    """Publish each ``(key, item)`` as the service does, confirmed; a key ``None`` sends no
    ``Idempotency-Key``, an item of bytes is the body as it is, and ``headers`` replace
    those the service sends."""
    with pika.BlockingConnection(pika.URLParameters(settings.broker_url)) as connection:
        channel = connection.channel()
        declare_queues(channel, settings)
        channel.confirm_delivery()
        for key, item in messages:
            sent = {REQUEST_ID_PROPERTY: f"request-{key}", TRACEPARENT_PROPERTY: TRACEPARENT}
            if key is not None:
                sent[IDEMPOTENCY_KEY_PROPERTY] = key
            properties = pika.BasicProperties(
                delivery_mode=2,
                content_type=CONTENT_TYPE,
                message_id=key,
                app_id=DISTRIBUTION,
                timestamp=int(time.time()),
                headers=sent | dict(headers or {}),
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


def test_a_request_id_that_is_no_text_is_left_out_and_the_connection_kept(
    settings: Settings, start_consumer: StartConsumer, rabbitmq: RabbitMQNode, tmp_path: Path
) -> None:
    # Not UTF-8: pika hands the worker bytes, which a receipt (JSON) cannot hold.
    publish(settings, ("key-bytes", {"id": "evt-1"}), headers={REQUEST_ID_PROPERTY: b"\xff\xfe"})
    publish(settings, ("key-text", {"id": "evt-2"}))
    worker = start_consumer(store=tmp_path / "receipts.sqlite3")
    wait_for(lambda: processed(worker) == 2, "the worker processed both messages")
    wait_for(lambda: rabbitmq.queue_counts(settings.broker_queue) == (0, 0), "both are acked")
    status = consumer(worker)
    assert (status["connections"], status["refused"], status["requeued"]) == (1, 0, 0)
    worker.stop()
    store = ReceiptStore(tmp_path / "receipts.sqlite3")
    receipt, other = store.get("key-bytes"), store.get("key-text")
    store.close()
    assert receipt is not None
    assert other is not None
    assert "request_id" not in receipt
    assert receipt["traceparent"] == TRACEPARENT
    assert other["request_id"] == "request-key-text"


def test_a_message_its_processing_raises_on_is_dead_lettered_and_the_connection_kept(
    settings: Settings, start_consumer: StartConsumer, rabbitmq: RabbitMQNode
) -> None:
    # Nested deeper than json's recursion limit: RecursionError, not a ValueError.
    publish(settings, ("key-deep", b"[" * 100_000), ("key-next", {"id": "evt-1"}))
    worker = start_consumer()
    wait_for(lambda: processed(worker) == 1, "the worker processed the next message")
    wait_for(lambda: dead_letters(settings) == 1, "the deep one waits in the dead-letter queue")
    wait_for(lambda: rabbitmq.queue_counts(settings.broker_queue) == (0, 0), "both are settled")
    assert worker.call("GET", "/records")["keys"] == ["key-next"]
    status = consumer(worker)
    assert (status["connections"], status["refused"], status["requeued"]) == (1, 1, 0)


def test_a_message_the_store_fails_on_is_given_back_and_processed_once_it_works(
    settings: Settings, run_consumer: RunConsumer, rabbitmq: RabbitMQNode, tmp_path: Path
) -> None:
    path = tmp_path / "receipts.sqlite3"
    # A store that fails at once when the file is locked, where the worker's waits 10 s.
    running = run_consumer(settings, ReceiptStore(path, timeout=0))
    wait_for(lambda: running.status.snapshot()["consuming"], "the consumer consumes")
    # Another process's write in progress: the worker's writes fail until it ends.
    locker = sqlite3.connect(path, isolation_level=None)
    locker.execute("BEGIN IMMEDIATE")
    try:
        publish(settings, ("key-1", {"id": "evt-1"}))
        wait_for(lambda: running.status.snapshot()["requeued"] >= 1, "the message went back")
        assert running.state.store.get("key-1") is None
    finally:
        locker.execute("ROLLBACK")
        locker.close()
    wait_for(lambda: running.state.store.get("key-1") is not None, "the message is processed")
    wait_for(lambda: rabbitmq.queue_counts(settings.broker_queue) == (0, 0), "it is acked")
    assert running.state.store.snapshot() == {"keys": ["key-1"], "processed": 1}
    status = running.status.snapshot()
    assert (status["connections"], status["refused"], status["duplicates"]) == (1, 0, 0)


def test_a_queue_declared_with_other_arguments_is_named_in_one_clear_line(
    settings: Settings,
    run_consumer: RunConsumer,
    rabbitmq: RabbitMQNode,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger=Consumer.__module__)
    with pika.BlockingConnection(pika.URLParameters(settings.broker_url)) as connection:
        connection.channel().queue_declare(settings.broker_queue, durable=True)  # classic
    running = run_consumer(settings, ReceiptStore(IN_MEMORY))

    wait_for(lambda: len(said(caplog)) >= 2, "the worker said it twice, trying again between")
    expected = f"the queue {settings.broker_queue} is declared with other arguments than "
    for level, line in said(caplog):
        assert level == "ERROR"
        assert line.startswith(expected)
        assert "PRECONDITION_FAILED - inequivalent arg" in line
    assert running.status.snapshot()["connections"] == 0


def test_credentials_rabbitmq_refuses_are_said_so(
    settings: Settings,
    run_consumer: RunConsumer,
    rabbitmq: RabbitMQNode,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger=Consumer.__module__)
    url = urllib.parse.urlsplit(settings.broker_url)
    wrong = url._replace(netloc=f"{url.username}:wrong-password@{url.hostname}:{url.port}")
    with_wrong_password = Settings(
        broker_url=urllib.parse.urlunsplit(wrong), broker_queue=settings.broker_queue
    )
    running = run_consumer(with_wrong_password, ReceiptStore(IN_MEMORY))
    wait_for(lambda: len(said(caplog)) >= 2, "the worker said it twice, trying again between")
    assert set(said(caplog)) == {
        (
            "ERROR",
            "RabbitMQ refused the worker's credentials (RELAY_BROKER_URL or "
            "RELAY_BROKER_URL_FILE); connecting again",
        )
    }
    assert running.status.snapshot()["connections"] == 0
