# Managed by relaykit: "copier update" merges the template's changes into this file.
"""Why a delivery was not acknowledged; each error carries the answer it becomes.

No ``requests`` or ``pika`` exception leaves ``handoff/``: the transports turn
them into these. Over ``amqp`` every failure is a retryable 503: the worker
de-duplicates by idempotency key, so sending an item again is always harmless.
"""

from __future__ import annotations

__all__ = [
    "BreakerOpen",
    "BrokerBlocked",
    "BrokerUnavailable",
    "HandoffError",
    "MessageNacked",
    "MessageUnconfirmed",
    "MessageUnroutable",
    "WorkerRejected",
    "WorkerTimeout",
    "WorkerUnavailable",
]


class HandoffError(Exception):
    """The worker did not acknowledge the item; the client may retry with the same key.

    :param detail: what happened, written for the client.
    :param retry_after: seconds after which a retry may succeed; ``None`` if unknown.
    """

    #: HTTP status of the problem this error becomes.
    status = 503
    #: Why the item was not taken, as the metrics name it.
    reason = "worker_down"

    def __init__(self, detail: str, *, retry_after: int | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.retry_after = retry_after


class WorkerUnavailable(HandoffError):
    """The worker could not be reached, or kept failing, until the deadline: 503."""

    status = 503


class BreakerOpen(WorkerUnavailable):
    """The worker failed so often that deliveries fail fast for a while: 503."""

    reason = "breaker_open"


class WorkerTimeout(HandoffError):
    """The worker did not answer in time; it may still have taken the item: 504."""

    status = 504
    reason = "timeout"


class WorkerRejected(HandoffError):
    """The worker refused the item (a 4xx); sending it again will not help: 502."""

    status = 502
    reason = "worker_rejected"


class BrokerUnavailable(WorkerUnavailable):
    """RabbitMQ could not be reached, its connection was lost before the confirm,
    or it refused the queues' declaration: 503."""

    reason = "broker_down"


class BrokerBlocked(WorkerUnavailable):
    """RabbitMQ blocks publishers (a memory or disk alarm): 503, until it unblocks."""

    reason = "broker_blocked"


class MessageNacked(WorkerUnavailable):
    """RabbitMQ refused the message (a nack): 503; it may take it when sent again."""

    reason = "broker_nack"


class MessageUnroutable(WorkerUnavailable):
    """RabbitMQ returned the message: no queue took it (the queue is gone): 503."""

    reason = "unroutable"


class MessageUnconfirmed(WorkerUnavailable):
    """RabbitMQ did not confirm the message within the deadline: 503.

    The message may still be queued; a resend is harmless, as the worker
    de-duplicates by key, and a 503 with ``Retry-After`` tells the client to send it.
    """

    reason = "timeout"
