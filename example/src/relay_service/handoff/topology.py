# Managed by relaykit: "copier update" merges the template's changes into this file.
"""The RabbitMQ side of the ``amqp`` transport: the queues, and what a message carries.

The service (which publishes) and the reference worker (which consumes) both
declare the queues with these arguments. Declaring is idempotent while the
arguments agree; a queue declared before with others is refused by RabbitMQ
(``PRECONDITION_FAILED``), so both sides must read the same settings.
"""

from __future__ import annotations

from typing import Any

from ..settings import Settings

__all__ = [
    "CONTENT_TYPE",
    "IDEMPOTENCY_KEY_PROPERTY",
    "REQUEST_ID_PROPERTY",
    "TRACEPARENT_PROPERTY",
    "dead_letter_arguments",
    "dead_letter_queue",
    "queue_arguments",
]

#: Message headers that carry what the HTTP transport sends as request headers. The
#: key is the message id too, so that RabbitMQ's tools show it.
IDEMPOTENCY_KEY_PROPERTY = "Idempotency-Key"
REQUEST_ID_PROPERTY = "X-Request-ID"
TRACEPARENT_PROPERTY = "traceparent"

#: Every message's body is one item as JSON.
CONTENT_TYPE = "application/json"


def dead_letter_queue(settings: Settings) -> str:
    """The queue that keeps what workers refused or could not take: ``<queue>.dead``."""
    return f"{settings.broker_queue}.dead"


def queue_arguments(settings: Settings) -> dict[str, Any]:
    """The arguments of the items' queue.

    A quorum queue: replicated and fsynced before RabbitMQ confirms a message.
    Refused messages, and those delivered ``broker_delivery_limit`` times without an
    ack (a worker that crashes on them), go to the dead-letter queue at least once
    (RabbitMQ 3.10 or later), which needs ``reject-publish`` overflow.
    """
    return {
        "x-queue-type": "quorum",
        "x-dead-letter-exchange": "",
        "x-dead-letter-routing-key": dead_letter_queue(settings),
        "x-dead-letter-strategy": "at-least-once",
        "x-overflow": "reject-publish",
        "x-delivery-limit": settings.broker_delivery_limit,
    }


def dead_letter_arguments() -> dict[str, Any]:
    """The arguments of the dead-letter queue: a quorum queue too, kept until read."""
    return {"x-queue-type": "quorum"}
