# Managed by relaykit: "copier update" merges the template's changes into this file.
"""Deliver: hand items to the worker over HTTP, so that none accepted is lost.

This package does not import Flask: a delivery returns the worker's receipt or
raises a :class:`HandoffError`, and the API layer turns that into an answer.
"""

from __future__ import annotations

from .breaker import CircuitBreaker
from .client import IDEMPOTENCY_KEY_HEADER
from .client import HandoffClient
from .errors import BreakerOpen
from .errors import HandoffError
from .errors import WorkerRejected
from .errors import WorkerTimeout
from .errors import WorkerUnavailable
from .policy import RetryPolicy

__all__ = [
    "IDEMPOTENCY_KEY_HEADER",
    "BreakerOpen",
    "CircuitBreaker",
    "HandoffClient",
    "HandoffError",
    "RetryPolicy",
    "WorkerRejected",
    "WorkerTimeout",
    "WorkerUnavailable",
]
