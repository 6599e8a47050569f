# Managed by relaykit: "copier update" merges the template's changes into this file.
"""The worker's side of the ``amqp`` transport: it consumes the items' queue from RabbitMQ.

One thread holds one connection (pika's ``BlockingConnection``, which is not
thread-safe) and takes the messages one at a time, with manual acks and at most
``broker_prefetch`` unacknowledged. Per message:

- no valid ``Idempotency-Key`` header, or a body that is no JSON object: dead-lettered
  (``basic_nack`` without requeue, so RabbitMQ moves it to ``<queue>.dead``);
- ``fail_ratio``: requeued (``basic_nack`` with requeue); a message that fails every
  time is dead-lettered by the queue's delivery limit;
- a key in the store: acked, not processed again (a redelivery);
- ``reject_field``: dead-lettered;
- else recorded in the store, committed, and only then acked (after ``stall_seconds``
  for a share ``stall_ratio``). A worker killed between the commit and the ack gets
  the message again and acks it as a duplicate: it is never processed twice;
- the store fails (``sqlite3.Error``, such as a file locked for longer than the store's
  timeout): requeued, and the next message waits a little, longer while the store keeps
  failing; a store that fails for more than ``RELAY_BROKER_DELIVERY_LIMIT`` deliveries
  of a message has RabbitMQ dead-letter it;
- any other exception processing it (say, a body nested too deep for ``json``):
  dead-lettered, logged with its traceback.

Nothing one message does closes the connection. When the broker goes away the thread
connects again, backing off up to :data:`MAX_BACKOFF` seconds, and goes on consuming;
the same for a queue declared elsewhere with other arguments, or credentials RabbitMQ
refuses, each logged as such.

Several workers may consume one queue: RabbitMQ hands each message to one consumer
at a time, and prefetch bounds what each holds. De-duplication is per store, so the
replicas share one: a message redelivered to another replica (its first consumer died
before the ack), or a client's retry taken by another one, is then known to it. Workers
on one host share the SQLite file (compose's ``worker-data`` volume under
``--scale worker=N``): ``BEGIN IMMEDIATE`` and WAL make that safe between processes.
Replicas that each have a store of their own, such as the Kubernetes demo's pods (an
emptyDir each), may process such a message twice; across hosts, a store every replica
reaches (a database) replaces the SQLite file.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import random
import sqlite3
import threading
from typing import Any

import pika
import pika.exceptions
from pika.adapters.blocking_connection import BlockingChannel
from pika.spec import Basic
from pika.spec import BasicProperties

from ..about import DISTRIBUTION
from ..handoff.topology import IDEMPOTENCY_KEY_PROPERTY
from ..handoff.topology import REQUEST_ID_PROPERTY
from ..handoff.topology import TRACEPARENT_PROPERTY
from ..handoff.topology import dead_letter_arguments
from ..handoff.topology import dead_letter_queue
from ..handoff.topology import queue_arguments
from ..settings import Settings
from .app import WorkerState
from .app import make_receipt
from .app import refusal
from .app import valid_key

__all__ = [
    "FIRST_BACKOFF",
    "MAX_BACKOFF",
    "Consumer",
    "ConsumerStatus",
    "QueueMismatchError",
    "declare_queues",
]

#: The first and the longest wait, in seconds, before connecting again to the broker.
FIRST_BACKOFF = 0.2
MAX_BACKOFF = 5.0

#: RabbitMQ's reply code for a queue declared again with other arguments.
PRECONDITION_FAILED = 406

_log = logging.getLogger(__name__)


class ConsumerStatus:
    """What the consumer does, for ``GET /records``: thread-safe."""

    def __init__(self, queue: str) -> None:
        self.queue = queue
        self._lock = threading.Lock()
        self._consuming = False
        self._connections = 0
        self._counts = dict.fromkeys(("duplicates", "refused", "requeued"), 0)

    def set_consuming(self, consuming: bool) -> None:
        """Say whether the consumer is connected and subscribed to its queue; each time it
        starts consuming counts as one more connection."""
        with self._lock:
            self._connections += consuming and not self._consuming
            self._consuming = consuming

    def count(self, name: str) -> None:
        """Count one message acked as a ``duplicate``, ``refused`` (dead-lettered) or ``requeued``."""
        with self._lock:
            self._counts[name] += 1

    def reset(self) -> None:
        """Set every count to 0."""
        with self._lock:
            self._counts = dict.fromkeys(self._counts, 0)

    def snapshot(self) -> dict[str, Any]:
        """The queue, whether it is consumed now, how many times it connected, and the
        counts of messages."""
        with self._lock:
            return {
                "queue": self.queue,
                "consuming": self._consuming,
                "connections": self._connections,
                **self._counts,
            }


class QueueMismatchError(Exception):
    """A queue exists already with other arguments than these settings give it."""

    def __init__(self, queue: str, reply: str) -> None:
        super().__init__(
            f"the queue {queue} is declared with other arguments than RELAY_BROKER_* give it "
            f"(RabbitMQ: {reply}); give the service and the worker the same settings, or "
            "move its messages and delete it"
        )


class Consumer:
    """Consumes ``settings.broker_queue`` into ``state``'s store, in a thread of its own.

    :param settings: the broker, its queue, the delivery limit and the prefetch.
    :param state: the worker's store, fault switches and dice, shared with its HTTP side,
        which shows :attr:`status` in ``GET /records``.
    """

    def __init__(self, settings: Settings, state: WorkerState) -> None:
        self.settings = settings
        self.state = state
        self.status = ConsumerStatus(settings.broker_queue)
        state.consumer = self.status
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._connection: pika.BlockingConnection | None = None
        self._channel: BlockingChannel | None = None
        # How long the next message waits after the store failed; 0 while it works.
        self._store_backoff = 0.0
        self._thread = threading.Thread(target=self._run, name="worker-consumer")

    def start(self) -> None:
        """Start consuming; connecting takes place in the thread."""
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Stop consuming and close the connection; return once the thread ends.

        A message in hand is finished and acked; those prefetched and not yet begun
        are given back to RabbitMQ, which delivers them again.
        """
        self._stopping.set()
        with self._lock:
            connection = self._connection
        if connection is not None:
            # An error: the connection closed meanwhile, and the thread is ending anyway.
            with contextlib.suppress(pika.exceptions.AMQPError):
                connection.add_callback_threadsafe(self._stop_consuming)
        self._thread.join(timeout)

    def _stop_consuming(self) -> None:
        # On the consumer's thread: pika calls it between messages.
        if self._channel is not None and self._channel.is_open:
            self._channel.stop_consuming()

    def _run(self) -> None:
        delay = FIRST_BACKOFF
        while not self._stopping.is_set():
            try:
                self._consume()
            except Exception as error:  # whatever happened, connect again, and say why
                _log_trouble(error)
            if self.status.snapshot()["consuming"]:
                delay = FIRST_BACKOFF  # it was connected: the broker is back
            self.status.set_consuming(False)
            # Jittered, so that many workers do not all come back at once.
            self._stopping.wait(delay * random.uniform(0.5, 1.5))  # nosec B311
            delay = min(MAX_BACKOFF, delay * 2)

    def _consume(self) -> None:
        parameters = pika.URLParameters(self.settings.broker)
        parameters.client_properties = {"connection_name": f"{DISTRIBUTION} worker {os.getpid()}"}
        connection = pika.BlockingConnection(parameters)
        try:
            channel = connection.channel()
            declare_queues(channel, self.settings)
            channel.basic_qos(prefetch_count=self.settings.broker_prefetch)
            channel.basic_consume(self.settings.broker_queue, self._on_message)
            with self._lock:
                self._connection, self._channel = connection, channel
            if self._stopping.is_set():  # stop() came before it could reach this connection
                return
            self.status.set_consuming(True)
            channel.start_consuming()
        finally:
            with self._lock:
                self._connection = self._channel = None
            if connection.is_open:
                connection.close()  # what is unacked goes back to the queue

    def _on_message(
        self,
        channel: BlockingChannel,
        method: Basic.Deliver,
        properties: BasicProperties,
        body: bytes,
    ) -> None:
        if self._stopping.is_set():  # stopping: left unacked, RabbitMQ delivers it again
            return
        tag = method.delivery_tag
        try:
            self._take(channel, tag, properties, body)
        except pika.exceptions.AMQPError:
            raise  # the channel or the connection: _run connects again
        except sqlite3.Error as error:
            # Such as a file another process holds locked: the message waits in the queue.
            _log.error("the worker's store failed (%s); the message goes back to the queue", error)
            self.status.count("requeued")
            channel.basic_nack(tag, requeue=True)
            self._store_backoff = min(MAX_BACKOFF, max(FIRST_BACKOFF, self._store_backoff * 2))
            # Jittered, as connecting again is; stop() cuts it short. Short enough that
            # pika's heartbeats, which wait meanwhile, are not missed.
            self._stopping.wait(self._store_backoff * random.uniform(0.5, 1.5))  # nosec B311
        except Exception as error:  # this message's own trouble: the others go on
            self._dead_letter(channel, tag, "processing it raised an exception", error)

    def _take(
        self, channel: BlockingChannel, tag: int, properties: BasicProperties, body: bytes
    ) -> None:
        state = self.state
        headers = properties.headers or {}
        key = headers.get(IDEMPOTENCY_KEY_PROPERTY)
        item = _json_object(body)
        if not valid_key(key) or item is None:
            self._dead_letter(channel, tag, "it has no valid Idempotency-Key or no JSON object")
            return
        if state.dice.roll(state.faults.fail_ratio):
            self.status.count("requeued")
            channel.basic_nack(tag, requeue=True)
            return
        if state.store.get(key) is not None:
            self.status.count("duplicates")
            channel.basic_ack(tag)
            return
        refused = refusal(state.faults, item)
        if refused:
            self._dead_letter(channel, tag, refused)
            return
        receipt = make_receipt(
            key, item, headers.get(REQUEST_ID_PROPERTY), headers.get(TRACEPARENT_PROPERTY)
        )
        _, new = state.store.record(key, receipt)
        self._store_backoff = 0.0
        if not new:  # taken meanwhile over HTTP
            self.status.count("duplicates")
        if state.dice.roll(state.faults.stall_ratio):
            # Processed, acked late; stop() cuts the wait short.
            self._stopping.wait(state.faults.stall_seconds)
        channel.basic_ack(tag)

    def _dead_letter(
        self, channel: BlockingChannel, tag: int, reason: str, error: Exception | None = None
    ) -> None:
        if error is None:
            _log.warning("dead-lettering a message: %s", reason)
        else:  # a bug, or a message no check foresaw: its traceback
            _log.error("dead-lettering a message: %s", reason, exc_info=error)
        self.status.count("refused")
        channel.basic_nack(tag, requeue=False)


def declare_queues(channel: BlockingChannel, settings: Settings) -> None:
    """Declare the items' queue and its dead-letter queue, as the service does.

    :raises QueueMismatchError: when one of them exists with other arguments; RabbitMQ
        has closed ``channel``.
    """
    for queue, arguments in (
        (dead_letter_queue(settings), dead_letter_arguments()),
        (settings.broker_queue, queue_arguments(settings)),
    ):
        try:
            channel.queue_declare(queue, durable=True, arguments=arguments)
        except pika.exceptions.ChannelClosedByBroker as error:
            if error.reply_code != PRECONDITION_FAILED:
                raise
            raise QueueMismatchError(queue, error.reply_text) from None


def _log_trouble(error: Exception) -> None:
    """Say why the consumer is not consuming, before it connects again."""
    if isinstance(error, QueueMismatchError):
        _log.error("%s; connecting again", error)
    elif isinstance(
        error,
        pika.exceptions.ProbableAuthenticationError | pika.exceptions.AuthenticationError,
    ) or (isinstance(error, pika.exceptions.ConnectionClosedByBroker) and error.reply_code == 403):
        _log.error(
            "RabbitMQ refused the worker's credentials (RELAY_BROKER_URL or "
            "RELAY_BROKER_URL_FILE); connecting again"
        )
    else:
        _log.warning("the consumer lost the broker (%r); connecting again", error)


def _json_object(body: bytes) -> dict[str, Any] | None:
    try:
        item = json.loads(body)
    except ValueError:  # UnicodeDecodeError too
        return None
    return item if isinstance(item, dict) else None
