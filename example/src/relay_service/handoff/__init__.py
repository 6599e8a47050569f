# Managed by relaykit: "copier update" merges the template's changes into this file.
"""Deliver: hand items to the worker over HTTP, or publish them to RabbitMQ for it,
so that none accepted is lost.

This package does not import Flask: a delivery returns the worker's receipt or
raises a :class:`HandoffError`, and the API layer turns that into an answer.
"""

from __future__ import annotations

from .amqp import BrokerPublisher
from .breaker import CircuitBreaker
from .client import IDEMPOTENCY_KEY_HEADER
from .client import HandoffClient
from .errors import BreakerOpen
from .errors import BrokerBlocked
from .errors import BrokerUnavailable
from .errors import HandoffError
from .errors import MessageNacked
from .errors import MessageUnconfirmed
from .errors import MessageUnroutable
from .errors import WorkerRejected
from .errors import WorkerTimeout
from .errors import WorkerUnavailable
from .policy import RetryPolicy
from .transport import READINESS_CHECKS
from .transport import Handoff
from .transport import make_handoff

__all__ = [
    "IDEMPOTENCY_KEY_HEADER",
    "READINESS_CHECKS",
    "BreakerOpen",
    "BrokerBlocked",
    "BrokerPublisher",
    "BrokerUnavailable",
    "CircuitBreaker",
    "Handoff",
    "HandoffClient",
    "HandoffError",
    "MessageNacked",
    "MessageUnconfirmed",
    "MessageUnroutable",
    "RetryPolicy",
    "WorkerRejected",
    "WorkerTimeout",
    "WorkerUnavailable",
    "make_handoff",
]
