# Managed by relaykit: "copier update" merges the template's changes into this file.
"""Deliveries to RabbitMQ (the ``amqp`` transport): each item a persistent message to
the quorum queue, confirmed by the broker before the service answers 202.

One connection per process, made on first use (again after a fork: gunicorn
builds the app in its master). pika's connections are not thread-safe, so an
asynchronous ``SelectConnection`` is run by one I/O thread of its own, which also
answers heartbeats; request threads hand their messages over through the
ioloop's thread-safe callback and wait for each message's confirm until the
deadline. A batch's messages go out together and are confirmed one by one.

Every failure is a :class:`~.errors.HandoffError` (a retryable 503): the worker
de-duplicates by idempotency key, so sending an item again is harmless.
"""

from __future__ import annotations

import atexit
import logging
import math
import os
import threading
import time
from collections.abc import Mapping
from collections.abc import Sequence
from concurrent.futures import Future
from concurrent.futures import wait
from dataclasses import dataclass
from dataclasses import field
from datetime import UTC
from datetime import datetime
from typing import Any

import pika
import pika.channel
import pika.exceptions
import pika.frame
import pika.spec

from ..about import DISTRIBUTION
from ..json_encoding import encode_json
from ..observability.metrics import observe_delivery
from ..settings import Settings
from .breaker import CircuitBreaker
from .breaker import delivery_breaker
from .client import READY_TIMEOUT
from .client import json_value
from .errors import BreakerOpen
from .errors import BrokerBlocked
from .errors import BrokerUnavailable
from .errors import HandoffError
from .errors import MessageNacked
from .errors import MessageUnconfirmed
from .errors import MessageUnroutable
from .topology import CONTENT_TYPE
from .topology import IDEMPOTENCY_KEY_PROPERTY
from .topology import REQUEST_ID_PROPERTY
from .topology import TRACEPARENT_PROPERTY
from .topology import dead_letter_arguments
from .topology import dead_letter_queue
from .topology import queue_arguments

__all__ = ["BrokerPublisher"]

log = logging.getLogger(__name__)

# pika narrates each step of every connection, and logs a failed one as several ERROR
# lines; this module logs, once, the changes that matter to an operator (unreachable,
# refused credentials, lost, refused queues, blocked, returned).
logging.getLogger("pika").setLevel(logging.CRITICAL)

#: Retry-After of a 503 over amqp, in seconds, unless a reconnection's backoff is longer.
RETRY_AFTER = 1

#: Seconds between failed connection attempts: the first wait, and the longest, so
#: that a dead broker is not hammered by every request, yet found again soon.
RECONNECT_BACKOFF = (0.5, 10.0)

#: Seconds close() waits for the I/O thread to close its connection.
CLOSE_TIMEOUT = 5.0

#: What a message or a batch turns out to be: the receipt, or why it was not taken.
Outcome = dict[str, Any] | HandoffError


@dataclass(eq=False)
class _Message:
    """One item to publish, and the future its confirm resolves: the time of the
    broker's ack, or the error it became."""

    key: str
    body: bytes
    properties: pika.BasicProperties
    future: Future[str | HandoffError] = field(default_factory=Future)

    def settle(self, outcome: str | HandoffError) -> None:
        if not self.future.done():
            self.future.set_result(outcome)


def _blocked() -> BrokerBlocked:
    return BrokerBlocked(
        "RabbitMQ blocks publishers (a memory or disk alarm).", retry_after=RETRY_AFTER
    )


def _refused_login(error: BaseException) -> bool:
    """Whether a connection failed on its user, password or virtual host (403 ACCESS_REFUSED)."""
    refusals = (
        pika.exceptions.AuthenticationError,
        pika.exceptions.ProbableAuthenticationError,
        pika.exceptions.ProbableAccessDeniedError,
    )
    if isinstance(error, pika.exceptions.ConnectionClosedByBroker):
        return bool(error.reply_code == 403)
    return isinstance(error, refusals)


def _again(error: HandoffError) -> HandoffError:
    """A fresh copy of ``error``, so that no two threads raise one exception object."""
    return type(error)(error.detail, retry_after=error.retry_after)


class _Session:
    """One connection and its confirming channel, run by an I/O thread of its own.

    It opens the connection, the channel in confirm mode, and declares both queues;
    it ends (for good) when the connection closes; the publisher then opens another.
    Only the I/O thread touches pika's objects, except through ``submit``.
    """

    def __init__(self, parameters: pika.URLParameters, settings: Settings) -> None:
        self.queue = settings.broker_queue
        self._settings = settings
        #: Set once the session is ready or has failed; ``failure`` says which.
        self.settled = threading.Event()
        self.failure: HandoffError | None = None
        #: Why the session cannot publish, for /readyz; "" while it can.
        self.reason = "broker connecting"
        self.was_ready = False
        #: Whether the broker blocks publishers (connection.blocked: a resource alarm).
        self.blocked = False
        self._lock = threading.Lock()
        self._alive = True
        self._queued: list[_Message] = []
        self._pending: dict[int, _Message] = {}  # by delivery tag, in publishing order
        self._returned: set[int] = set()
        self._tag = 0
        self._channel: pika.channel.Channel | None = None
        self._connection = pika.SelectConnection(
            parameters,
            on_open_callback=self._on_open,
            on_open_error_callback=self._on_open_error,
            on_close_callback=self._on_closed,
        )
        self._connection.add_on_connection_blocked_callback(self._on_blocked)
        self._connection.add_on_connection_unblocked_callback(self._on_unblocked)
        self.thread = threading.Thread(target=self._run, name="relay-amqp-io", daemon=True)
        self.thread.start()

    def submit(self, messages: Sequence[_Message]) -> None:
        """Hand messages to the I/O thread for publishing (from any thread)."""
        with self._lock:
            if self._alive:
                first = not self._queued
                self._queued.extend(messages)
                if first:  # one callback drains everything queued meanwhile
                    self._connection.ioloop.add_callback_threadsafe(self._flush)
                return
        error = self.failure or BrokerUnavailable(
            "The connection to RabbitMQ was lost.", retry_after=RETRY_AFTER
        )
        for message in messages:
            message.settle(_again(error))

    def close(self) -> None:
        """Close the connection (from any thread) and wait for the I/O thread to end."""
        with self._lock:
            if self._alive:
                self._connection.ioloop.add_callback_threadsafe(self._close)
        self.thread.join(CLOSE_TIMEOUT)

    # The rest runs on the I/O thread.

    def _run(self) -> None:
        try:
            self._connection.ioloop.start()
        except Exception as error:  # a bug or pika's: the session ends, the next one replaces it
            log.error("The RabbitMQ connection's I/O thread failed: %r", error)
        finally:
            self._fail(
                "broker connection lost",
                BrokerUnavailable("The connection to RabbitMQ was lost.", retry_after=RETRY_AFTER),
            )
            with self._lock:
                self._alive = False
                left = self._queued + list(self._pending.values())
                self._queued, self._pending = [], {}
            assert self.failure is not None  # nosec B101
            for message in left:
                message.settle(_again(self.failure))
            self.settled.set()
            self._connection.ioloop.close()

    def _fail(self, reason: str, error: HandoffError) -> None:
        # The first failure names the session's end; later ones follow from it.
        if self.failure is None:
            self.failure, self.reason = error, reason

    def _on_open(self, connection: pika.BaseConnection) -> None:
        connection.channel(on_open_callback=self._on_channel)

    def _on_open_error(self, connection: pika.BaseConnection, error: BaseException) -> None:
        if _refused_login(error):
            log.error("RabbitMQ refused the service's login (RELAY_BROKER_URL): %r", error)
            self._fail(
                "broker refused the login",
                BrokerUnavailable(
                    "RabbitMQ refused the service's login; the operators must fix it.",
                    retry_after=RETRY_AFTER,
                ),
            )
        else:
            log.warning("RabbitMQ could not be reached: %r", error)
            self._fail(
                "broker unreachable",
                BrokerUnavailable("RabbitMQ could not be reached.", retry_after=RETRY_AFTER),
            )
        connection.ioloop.stop()

    def _on_closed(self, connection: pika.BaseConnection, reason: BaseException) -> None:
        closed_by_us = isinstance(reason, pika.exceptions.ConnectionClosedByClient)
        if self.was_ready and self.failure is None and not closed_by_us:
            log.warning("The connection to RabbitMQ was lost: %s", reason)
        self._fail(
            "broker connection lost",
            BrokerUnavailable(
                "The connection to RabbitMQ was lost before it confirmed the item.",
                retry_after=RETRY_AFTER,
            ),
        )
        connection.ioloop.stop()

    def _on_channel(self, channel: pika.channel.Channel) -> None:
        self._channel = channel
        channel.add_on_close_callback(self._on_channel_closed)
        channel.add_on_return_callback(self._on_return)
        channel.confirm_delivery(ack_nack_callback=self._on_confirm, callback=self._on_confirming)

    def _on_confirming(self, frame: pika.frame.Method) -> None:
        assert self._channel is not None  # nosec B101
        channel = self._channel
        channel.queue_declare(
            dead_letter_queue(self._settings),
            durable=True,
            arguments=dead_letter_arguments(),
            callback=lambda frame: channel.queue_declare(
                self.queue,
                durable=True,
                arguments=queue_arguments(self._settings),
                callback=self._on_declared,
            ),
        )

    def _on_declared(self, frame: pika.frame.Method) -> None:
        self.was_ready, self.reason = True, ""
        log.info("Publishing to RabbitMQ queue %s", self.queue)
        self.settled.set()

    def _on_channel_closed(self, channel: pika.channel.Channel, reason: BaseException) -> None:
        if isinstance(reason, pika.exceptions.ChannelClosedByBroker) and not self.was_ready:
            # Such as PRECONDITION_FAILED: a queue declared elsewhere with other arguments.
            log.error(
                "RabbitMQ refused to declare the queues %s and %s: %s %s; they must be "
                "declared with the arguments the service and the worker agree on",
                self.queue,
                dead_letter_queue(self._settings),
                reason.reply_code,
                reason.reply_text,
            )
            self._fail(
                f"broker refused the queues: {reason.reply_text}",
                BrokerUnavailable(
                    "RabbitMQ refused the service's queues; the operators must fix them.",
                    retry_after=RETRY_AFTER,
                ),
            )
        elif isinstance(reason, pika.exceptions.ChannelClosedByBroker):
            log.warning("RabbitMQ closed the publishing channel: %s", reason)
            self._fail(
                "broker channel closed",
                BrokerUnavailable(
                    "RabbitMQ closed the channel before it confirmed the item.",
                    retry_after=RETRY_AFTER,
                ),
            )
        self._close()

    def _close(self) -> None:
        if self._connection.is_closing or self._connection.is_closed:
            return
        self._connection.close()

    def _on_blocked(self, connection: pika.BaseConnection, frame: pika.frame.Method) -> None:
        log.warning("RabbitMQ blocks publishers: %s", getattr(frame.method, "reason", ""))
        self.blocked = True
        # RabbitMQ blocks a connection when it publishes during an alarm, and reads no
        # more from it until the alarm clears: what waits for a confirm fails now, not
        # at its deadline. It may still be queued later; a resend is harmless.
        pending, self._pending = list(self._pending.values()), {}
        self._returned.clear()
        for message in pending:
            message.settle(_blocked())

    def _on_unblocked(self, connection: pika.BaseConnection, frame: pika.frame.Method) -> None:
        log.info("RabbitMQ takes publications again")
        self.blocked = False

    def _flush(self) -> None:
        with self._lock:
            messages, self._queued = self._queued, []
        for message in messages:
            self._publish(message)

    def _publish(self, message: _Message) -> None:
        channel = self._channel
        if self.blocked:
            # Not into pika's buffers: the broker would not read them until it unblocks.
            message.settle(_blocked())
            return
        if channel is None or not channel.is_open:
            message.settle(
                BrokerUnavailable("The channel to RabbitMQ is closed.", retry_after=RETRY_AFTER)
            )
            return
        # The channel's next delivery tag names this publish, so that a basic.return
        # (which carries properties, not the tag) finds its message even when two
        # messages in flight share a key.
        message.properties.correlation_id = str(self._tag + 1)
        try:
            channel.basic_publish("", self.queue, message.body, message.properties, mandatory=True)
        except pika.exceptions.AMQPError as error:
            message.settle(
                BrokerUnavailable(
                    f"RabbitMQ could not be written to: {error}.", retry_after=RETRY_AFTER
                )
            )
            return
        self._tag += 1
        self._pending[self._tag] = message

    def _on_return(
        self,
        channel: pika.channel.Channel,
        method: pika.spec.Basic.Return,
        properties: pika.BasicProperties,
        body: bytes,
    ) -> None:
        # The broker sends a message's basic.return before its ack; the correlation id
        # is the delivery tag it was published with.
        published = properties.correlation_id or ""
        tag = int(published) if published.isdecimal() else None
        log.error(
            "RabbitMQ returned message %s as unroutable (%s %s): is queue %s gone?",
            properties.message_id,
            method.reply_code,
            method.reply_text,
            self.queue,
        )
        if tag in self._pending:
            self._returned.add(tag)

    def _on_confirm(self, frame: pika.frame.Method) -> None:
        method = frame.method
        acked = isinstance(method, pika.spec.Basic.Ack)
        last = method.delivery_tag
        if method.multiple:
            tags = []
            for tag in self._pending:
                if tag > last:
                    break
                tags.append(tag)
        else:
            tags = [last]
        confirmed_at = datetime.now(UTC).isoformat()
        for tag in tags:
            message = self._pending.pop(tag, None)
            if message is None:
                continue
            if tag in self._returned:
                self._returned.discard(tag)
                message.settle(
                    MessageUnroutable(
                        f"RabbitMQ could not route the item to queue {self.queue}.",
                        retry_after=RETRY_AFTER,
                    )
                )
            elif acked:
                message.settle(confirmed_at)
            else:
                message.settle(
                    MessageNacked("RabbitMQ refused the item (nack).", retry_after=RETRY_AFTER)
                )


class BrokerPublisher:
    """Hands items to RabbitMQ, the ``amqp`` transport; the same interface as
    :class:`~.client.HandoffClient`.

    :param settings: broker URL and queue, connect timeout (``worker_connect_timeout``),
        deadline and breaker thresholds.
    :param breaker: the circuit breaker to use; ``None`` makes one from settings.
    """

    def __init__(self, settings: Settings, breaker: CircuitBreaker | None = None) -> None:
        self.settings = settings
        self.queue = settings.broker_queue
        self.deadline = settings.handoff_deadline
        self.connect_timeout = min(settings.worker_connect_timeout, settings.handoff_deadline)
        self._recording = settings.metrics != "off"
        self.breaker = breaker or delivery_breaker(settings)
        self._lock = threading.Lock()
        self._session: _Session | None = None
        self._pid = 0
        self._backoff = 0.0
        self._retry_at = 0.0  # no new connection before this time (time.monotonic)
        self._exiting = False
        self._last_reason = ""  # why the last session ended, for /readyz during a backoff
        self._closes_at_exit = False

    def deliver(
        self, item: Mapping[str, Any], key: str, headers: Mapping[str, str]
    ) -> dict[str, Any]:
        """Publish one item and wait for the broker's confirm.

        :param key: the idempotency key; the same item must always get the same key.
        :param headers: ``X-Request-ID`` and ``traceparent``, to pass on as properties.
        :returns: the receipt: key, ``received_at`` (the confirm's time), queue.
        :raises HandoffError: the broker did not confirm the item.
        """
        outcome = self._publish("item", [(key, item)], headers)[0]
        if isinstance(outcome, HandoffError):
            raise outcome
        return outcome

    def deliver_batch(
        self, entries: list[tuple[str, Mapping[str, Any]]], headers: Mapping[str, str]
    ) -> list[dict[str, Any] | HandoffError]:
        """Publish several items together, each confirmed (or not) on its own.

        :param entries: ``(idempotency key, item)`` pairs.
        :returns: for each entry, in order, ``{"key", "status": "accepted",
            "receipt"}``, or the :class:`HandoffError` why the broker did not take it.
        :raises HandoffError: the broker could not be reached: no item was published.
        """
        outcomes = self._publish("batch", entries, headers)
        return [
            outcome
            if isinstance(outcome, HandoffError)
            else {"key": key, "status": "accepted", "receipt": outcome}
            for outcome, (key, _) in zip(outcomes, entries, strict=True)
        ]

    def ready(self) -> str:
        """Why this process cannot publish now, or ``""`` when it can: it has, or can
        open within ``READY_TIMEOUT``, a connection that is not blocked, with the
        queues declared. Waits out no reconnection backoff: it reports the last failure.
        RabbitMQ tells of a memory or disk alarm when this process publishes during it."""
        try:
            session = self._current()
        except HandoffError:
            return self._last_reason or "broker connection closed"
        if not session.settled.wait(READY_TIMEOUT):
            return "broker connecting"
        if session.failure is not None:
            return session.reason
        return "broker blocked (memory or disk alarm)" if session.blocked else ""

    def close(self) -> None:
        """Close this process's connection, waiting for its I/O thread to end."""
        with self._lock:
            session, self._session = self._session, None
            self._exiting = True
        if session is not None and self._pid == os.getpid():
            session.close()

    def _current(self) -> _Session:
        """This process's session: the open one, or a new one unless the last
        attempt failed less than a backoff ago."""
        with self._lock:
            if self._pid != os.getpid():
                # A forked child: the parent's session is not ours (its thread is not here).
                self._session, self._pid, self._backoff, self._retry_at = None, os.getpid(), 0, 0
            session = self._session
            if session is not None and session.failure is not None and session.settled.is_set():
                # It failed or was lost: its I/O thread is ending (joined here).
                self._ended(session)
                session = self._session = None
            if session is None:
                wait_for = self._retry_at - time.monotonic()
                if wait_for > 0 or self._exiting:
                    why = self._last_reason or "broker unreachable"
                    raise BrokerUnavailable(
                        f"RabbitMQ cannot take items ({why}); the service tries again shortly.",
                        retry_after=max(RETRY_AFTER, math.ceil(wait_for)),
                    )
                session = self._session = _Session(self._parameters(), self.settings)
                if not self._closes_at_exit:  # a clean close for the broker, not a dropped socket
                    atexit.register(self.close)
                    self._closes_at_exit = True
            return session

    def _ended(self, session: _Session) -> None:
        # A session that had been ready may be replaced at once (the broker restarted);
        # one that never was waits out a backoff that doubles up to its limit.
        first, longest = RECONNECT_BACKOFF
        self._backoff = 0 if session.was_ready else min(longest, max(first, self._backoff * 2))
        self._retry_at = time.monotonic() + self._backoff
        self._last_reason = session.reason
        session.thread.join(CLOSE_TIMEOUT)

    def _parameters(self) -> pika.URLParameters:
        parameters = pika.URLParameters(self.settings.broker)
        # One attempt, bounded: a request waits for no more than its deadline, and the
        # next request tries again (after a backoff).
        parameters.connection_attempts = 1
        parameters.socket_timeout = self.connect_timeout
        parameters.stack_timeout = self.connect_timeout
        parameters.client_properties = {
            "connection_name": f"{DISTRIBUTION} publisher (pid {os.getpid()})"
        }
        return parameters

    def _publish(
        self,
        kind: str,
        entries: Sequence[tuple[str, Mapping[str, Any]]],
        headers: Mapping[str, str],
    ) -> list[Outcome]:
        """Publish the entries as one delivery, counted once by the breaker and the metrics."""
        started = time.perf_counter()
        # Before asking the breaker: an item that cannot be sent must not leave a
        # half-open breaker waiting for a probe that never reports back.
        messages = [self._message(key, item, headers) for key, item in entries]
        try:
            if not self.breaker.allow():
                raise BreakerOpen(
                    "RabbitMQ keeps failing; deliveries fail fast for a while.",
                    retry_after=self.breaker.retry_after(),
                )
            outcomes = self._breaking(messages, entries, headers)
        except HandoffError as error:
            if self._recording:
                observe_delivery(kind, error.reason, time.perf_counter() - started)
            raise
        if self._recording:
            failed = next((o for o in outcomes if isinstance(o, HandoffError)), None)
            outcome = failed.reason if failed else "acknowledged"
            observe_delivery(kind, outcome, time.perf_counter() - started)
        return outcomes

    def _breaking(
        self,
        messages: list[_Message],
        entries: Sequence[tuple[str, Mapping[str, Any]]],
        headers: Mapping[str, str],
    ) -> list[Outcome]:
        try:
            confirmed = self._confirmed(messages)
        except BrokerBlocked:
            self.breaker.record_success()  # the broker is up; it refuses for a while
            raise
        except BaseException:
            # Anything else ends the delivery too; a probe must always report back.
            self.breaker.record_failure()
            raise
        # Lost connections and missing confirms count; a nack or a return is the
        # broker's answer about one message, not a failure of the broker.
        if any(isinstance(o, BrokerUnavailable | MessageUnconfirmed) for o in confirmed):
            self.breaker.record_failure()
        else:
            self.breaker.record_success()
        return [
            outcome
            if isinstance(outcome, HandoffError)
            else self._receipt(key, item, headers, outcome)
            for outcome, (key, item) in zip(confirmed, entries, strict=True)
        ]

    def _confirmed(self, messages: list[_Message]) -> list[str | HandoffError]:
        """Each message's confirm time, or why it was not confirmed in time."""
        deadline = time.monotonic() + self.deadline
        session = self._current()
        if not session.settled.wait(max(0.0, deadline - time.monotonic())):
            raise BrokerUnavailable(
                "RabbitMQ could not be reached in time.", retry_after=RETRY_AFTER
            )
        if session.failure is not None:
            raise _again(session.failure)
        if session.blocked:
            raise _blocked()
        session.submit(messages)
        wait([message.future for message in messages], max(0.0, deadline - time.monotonic()))
        return [
            message.future.result()
            if message.future.done()
            else MessageUnconfirmed(
                "RabbitMQ did not confirm the item in time; it may still be queued.",
                retry_after=RETRY_AFTER,
            )
            for message in messages
        ]

    def _message(self, key: str, item: Mapping[str, Any], headers: Mapping[str, str]) -> _Message:
        properties = {IDEMPOTENCY_KEY_PROPERTY: key}
        for name in (REQUEST_ID_PROPERTY, TRACEPARENT_PROPERTY):
            if name in headers:
                properties[name] = headers[name]
        return _Message(
            key,
            encode_json(item, json_value),
            pika.BasicProperties(
                content_type=CONTENT_TYPE,
                delivery_mode=pika.DeliveryMode.Persistent,
                message_id=key,
                app_id=DISTRIBUTION,
                timestamp=int(time.time()),
                headers=properties,
            ),
        )

    def _receipt(
        self, key: str, item: Mapping[str, Any], headers: Mapping[str, str], confirmed_at: str
    ) -> dict[str, Any]:
        came_with = {
            "item_id": item.get("id"),
            "request_id": headers.get(REQUEST_ID_PROPERTY),
            "traceparent": headers.get(TRACEPARENT_PROPERTY),
        }
        return {
            "key": key,
            "received_at": confirmed_at,
            "duplicate": False,  # the broker cannot know; the worker de-duplicates
            "queue": self.queue,
            **{name: value for name, value in came_with.items() if value is not None},
        }
