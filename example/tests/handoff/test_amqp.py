# Managed by relaykit: "copier update" merges the template's changes into this file.
"""The amqp transport's publisher against a real RabbitMQ node (the ``rabbitmq`` fixture)."""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Callable
from collections.abc import Iterator
from typing import Any
from uuid import uuid4

import pika
import pytest

from relay_service.about import DISTRIBUTION
from relay_service.handoff import BrokerBlocked
from relay_service.handoff import BrokerPublisher
from relay_service.handoff import BrokerUnavailable
from relay_service.handoff import HandoffError
from relay_service.handoff import MessageNacked
from relay_service.handoff import MessageUnroutable
from relay_service.handoff import amqp
from relay_service.settings import Settings
from relay_service.worker.rabbitmq import RabbitMQNode

HEADERS = {"X-Request-ID": "req-amqp"}

#: Seconds a test polls for the broker's state to change before it fails.
POLL_DEADLINE = 30


def queue_messages(node: RabbitMQNode, queue: str) -> list[tuple[Any, bytes]]:
    """Take every message out of ``queue``: (properties, body) pairs, in queue order."""
    taken: list[tuple[Any, bytes]] = []
    with pika.BlockingConnection(pika.URLParameters(node.url)) as connection:
        channel = connection.channel()
        while True:
            method, properties, body = channel.basic_get(queue, auto_ack=True)
            if method is None:
                return taken
            taken.append((properties, body))


def until(condition: Callable[[], bool], what: str) -> None:
    """Poll ``condition`` until it holds; fail after :data:`POLL_DEADLINE` seconds."""
    deadline = time.monotonic() + POLL_DEADLINE
    while not condition():
        assert time.monotonic() < deadline, f"still not {what}"
        time.sleep(0.05)


def blocking(publish: Callable[[int], object]) -> BrokerBlocked:
    """Call ``publish(1)``, ``publish(2)``... until it raises :class:`BrokerBlocked`."""
    deadline = time.monotonic() + POLL_DEADLINE
    for n in itertools.count(1):
        assert time.monotonic() < deadline, "still not blocked"
        try:
            publish(n)
        except BrokerBlocked as blocked:
            return blocked
    raise AssertionError("unreachable")


@pytest.fixture
def publish(rabbitmq: RabbitMQNode) -> Iterator[Callable[..., BrokerPublisher]]:
    """Make publishers to the node, each test its own queue; closes them after the test."""
    made: list[BrokerPublisher] = []
    queue = f"test-{uuid4().hex}"

    def make(**changes: Any) -> BrokerPublisher:
        defaults = {"broker_url": rabbitmq.url, "broker_queue": queue, "handoff_deadline": 10.0}
        settings = Settings(transport="amqp", **{**defaults, **changes})
        made.append(BrokerPublisher(settings))
        return made[-1]

    yield make
    for publisher in made:
        publisher.close()


def test_a_delivery_is_one_persistent_message_with_the_keys_properties(
    publish: Callable[..., BrokerPublisher], rabbitmq: RabbitMQNode
) -> None:
    publisher = publish()
    traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    receipt = publisher.deliver(
        {"id": "evt-1", "n": 1}, "key-1", {**HEADERS, "traceparent": traceparent}
    )
    assert receipt["key"] == "key-1"
    assert receipt["item_id"] == "evt-1"
    assert receipt["request_id"] == "req-amqp"
    assert receipt["traceparent"] == traceparent
    assert receipt["duplicate"] is False
    assert receipt["queue"] == publisher.queue
    [(properties, body)] = queue_messages(rabbitmq, publisher.queue)
    assert json.loads(body) == {"id": "evt-1", "n": 1}
    assert properties.delivery_mode == 2
    assert properties.content_type == "application/json"
    assert properties.message_id == "key-1"
    assert properties.app_id == DISTRIBUTION
    assert properties.headers == {
        "Idempotency-Key": "key-1",
        "X-Request-ID": "req-amqp",
        "traceparent": traceparent,
        "x-delivery-count": 0,  # the quorum queue's count of deliveries so far
    }


def test_a_batch_is_confirmed_per_message(
    publish: Callable[..., BrokerPublisher], rabbitmq: RabbitMQNode
) -> None:
    publisher = publish()
    entries: list[tuple[str, dict[str, Any]]] = [
        (f"key-{n}", {"id": f"evt-{n}"}) for n in range(20)
    ]
    results = publisher.deliver_batch(list(entries), HEADERS)
    assert [r["key"] for r in results if isinstance(r, dict)] == [key for key, _ in entries]
    assert all(isinstance(r, dict) and r["receipt"]["key"] == r["key"] for r in results)
    keys = [properties.message_id for properties, _ in queue_messages(rabbitmq, publisher.queue)]
    assert keys == [key for key, _ in entries]


def test_nacked_messages_are_rejected_each_on_its_own(
    publish: Callable[..., BrokerPublisher], rabbitmq: RabbitMQNode
) -> None:
    publisher = publish()
    # A policy limits the queue to one message; its reject-publish overflow nacks what
    # comes once it is over the limit.
    rabbitmq.ctl(
        "set_policy",
        "--apply-to",
        "queues",
        publisher.queue,
        f"^{publisher.queue}$",
        '{"max-length": 1}',
    )
    try:
        # The policy takes effect a moment later; then the queue is over its limit.
        deadline = time.monotonic() + POLL_DEADLINE
        nacked: MessageNacked | None = None
        for n in itertools.count():
            assert time.monotonic() < deadline, "still not nacked"
            try:
                publisher.deliver({}, f"key-{n}", HEADERS)
            except MessageNacked as refused:
                nacked = refused
                break
        assert nacked is not None
        assert nacked.retry_after
        results = publisher.deliver_batch([("key-a", {}), ("key-b", {})], HEADERS)
    finally:
        rabbitmq.ctl("clear_policy", publisher.queue)
    assert all(isinstance(result, MessageNacked) for result in results)
    assert publisher.breaker.state == "closed"  # the broker answered


def test_a_message_no_queue_takes_is_never_confirmed_as_taken(
    publish: Callable[..., BrokerPublisher], rabbitmq: RabbitMQNode
) -> None:
    publisher = publish()
    publisher.deliver({}, "key-0", HEADERS)
    with pika.BlockingConnection(pika.URLParameters(rabbitmq.url)) as connection:
        connection.channel().queue_delete(publisher.queue)  # behind the publisher's back
    with pytest.raises(MessageUnroutable) as unroutable:
        publisher.deliver({}, "key-1", HEADERS)
    assert unroutable.value.status == 503
    assert unroutable.value.retry_after
    results = publisher.deliver_batch([("key-2", {}), ("key-3", {})], HEADERS)
    assert all(isinstance(result, MessageUnroutable) for result in results)


def test_a_dead_broker_fails_fast_and_is_not_hammered(
    publish: Callable[..., BrokerPublisher], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A backoff no test outlasts: the second delivery falls within it however slow the machine.
    monkeypatch.setattr(amqp, "RECONNECT_BACKOFF", (60.0, 60.0))
    publisher = publish(broker_url="amqp://guest:guest@127.0.0.1:9/%2F", breaker_failures=100)
    with pytest.raises(BrokerUnavailable) as first:
        publisher.deliver({}, "key-0", HEADERS)
    assert first.value.status == 503
    assert first.value.retry_after
    assert publisher.ready() == "broker unreachable"
    # Within the backoff no connection is tried: the same answer, without a new session.
    with pytest.raises(BrokerUnavailable, match="tries again shortly"):
        publisher.deliver({}, "key-0", HEADERS)


def test_a_refused_login_is_named_as_such(
    publish: Callable[..., BrokerPublisher], rabbitmq: RabbitMQNode
) -> None:
    publisher = publish(broker_url=rabbitmq.url.replace("guest:guest@", "guest:wrong@"))
    with pytest.raises(BrokerUnavailable, match="refused the service's login") as refused:
        publisher.deliver({}, "key-0", HEADERS)
    assert refused.value.retry_after
    assert publisher.ready() == "broker refused the login"


def test_the_breaker_opens_on_a_dead_broker(publish: Callable[..., BrokerPublisher]) -> None:
    publisher = publish(broker_url="amqp://guest:guest@127.0.0.1:9/%2F", breaker_failures=2)
    for _ in range(2):
        with pytest.raises(BrokerUnavailable):
            publisher.deliver({}, "key-0", HEADERS)
    assert publisher.breaker.state == "open"
    with pytest.raises(HandoffError) as open_breaker:
        publisher.deliver({}, "key-0", HEADERS)
    assert open_breaker.value.reason == "breaker_open"


def test_a_queue_declared_with_other_arguments_is_named_in_readiness(
    publish: Callable[..., BrokerPublisher], rabbitmq: RabbitMQNode
) -> None:
    publisher = publish()
    with pika.BlockingConnection(pika.URLParameters(rabbitmq.url)) as connection:
        connection.channel().queue_declare(publisher.queue, durable=True)  # a classic queue
    try:
        with pytest.raises(BrokerUnavailable, match="refused the service's queues") as refused:
            publisher.deliver({}, "key-0", HEADERS)
        assert refused.value.retry_after
        assert "PRECONDITION_FAILED" in publisher.ready()
    finally:
        with pika.BlockingConnection(pika.URLParameters(rabbitmq.url)) as connection:
            connection.channel().queue_delete(publisher.queue)


def test_a_blocked_broker_fails_publishes_fast_until_it_unblocks(
    publish: Callable[..., BrokerPublisher], rabbitmq: RabbitMQNode
) -> None:
    publisher = publish()
    publisher.deliver({}, "key-0", HEADERS)
    rabbitmq.ctl("set_vm_memory_high_watermark", "0")
    try:
        # The alarm takes effect, then RabbitMQ blocks the connection as it publishes
        # during it, and says so: what it took before is confirmed as usual.
        blocked = blocking(lambda n: publisher.deliver({}, f"key-{n}", HEADERS))
        assert blocked.status == 503
        assert blocked.retry_after
        assert publisher.ready() == "broker blocked (memory or disk alarm)"
        with pytest.raises(BrokerBlocked):  # now without publishing at all
            publisher.deliver({}, "key-blocked", HEADERS)
    finally:
        rabbitmq.ctl("set_vm_memory_high_watermark", "0.4")
    until(lambda: publisher.ready() == "", "unblocked")
    assert publisher.deliver({}, "key-after", HEADERS)["key"] == "key-after"
    assert publisher.breaker.state == "closed"


def test_threads_sharing_a_publisher_each_get_their_own_confirms(
    publish: Callable[..., BrokerPublisher], rabbitmq: RabbitMQNode
) -> None:
    publisher = publish()
    receipts: dict[str, dict[str, Any]] = {}
    failures: list[BaseException] = []

    def send(thread: int) -> None:
        try:
            for n in range(50):
                key = f"key-{thread}-{n}"
                receipts[key] = publisher.deliver({"id": key}, key, HEADERS)
        except BaseException as error:  # reported below, in the test's thread
            failures.append(error)

    threads = [threading.Thread(target=send, args=(thread,)) for thread in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert all(receipt["key"] == key for key, receipt in receipts.items())
    bodies = [json.loads(body) for _, body in queue_messages(rabbitmq, publisher.queue)]
    assert sorted(body["id"] for body in bodies) == sorted(receipts)
    assert len(bodies) == 8 * 50


def test_a_lost_connection_is_replaced_on_a_later_publish(
    publish: Callable[..., BrokerPublisher], rabbitmq: RabbitMQNode
) -> None:
    publisher = publish()
    publisher.deliver({"id": "before"}, "key-before", HEADERS)
    rabbitmq.ctl("close_all_connections", "closed by the test")
    receipt: dict[str, Any] | None = None
    lost: list[BrokerUnavailable] = []  # publishes that met the closing connection
    deadline = time.monotonic() + POLL_DEADLINE
    while receipt is None:
        assert time.monotonic() < deadline, "no new connection"
        try:
            receipt = publisher.deliver({"id": "after"}, "key-after", HEADERS)
        except BrokerUnavailable as error:
            lost.append(error)
    assert all(error.retry_after for error in lost)
    assert publisher.ready() == ""
    keys = [properties.message_id for properties, _ in queue_messages(rabbitmq, publisher.queue)]
    assert keys[0] == "key-before"
    assert set(keys) == {"key-before", "key-after"}  # a resend may have queued it twice


def test_a_closed_publisher_stops_its_thread(publish: Callable[..., BrokerPublisher]) -> None:
    publisher = publish()
    publisher.deliver({}, "key-0", HEADERS)
    assert any(thread.name == "relay-amqp-io" for thread in threading.enumerate())
    publisher.close()
    assert not any(thread.name == "relay-amqp-io" for thread in threading.enumerate())


def test_a_returned_message_is_told_apart_from_another_with_its_key() -> None:
    # Two messages of one key in flight (a client's retry): the queue is deleted between
    # them, so the second comes back unroutable and is acked at once, before the first.
    # Driven through the I/O thread's callbacks, as pika calls them, on a session that
    # never connects.
    session = amqp._Session.__new__(amqp._Session)
    session.queue, session._returned = "items", set()
    first, second = (
        amqp._Message("key-1", b"{}", pika.BasicProperties(message_id="key-1")) for _ in range(2)
    )
    for tag, message in ((1, first), (2, second)):
        message.properties.correlation_id = str(tag)
    session._pending = {1: first, 2: second}
    returned = pika.spec.Basic.Return(312, "NO_ROUTE", "", "items")
    session._on_return(None, returned, second.properties, b"{}")
    session._on_confirm(pika.frame.Method(1, pika.spec.Basic.Ack(delivery_tag=2)))
    session._on_confirm(pika.frame.Method(1, pika.spec.Basic.Ack(delivery_tag=1)))
    assert isinstance(second.future.result(), MessageUnroutable)
    assert isinstance(first.future.result(), str)  # the time of its confirm
