# Managed by relaykit: "copier update" merges the template's changes into this file.
"""The transports a service hands items over by, behind one interface: ``http``
(:class:`~.client.HandoffClient`, a 202 once the worker took the item) and ``amqp``
(:class:`~.amqp.BrokerPublisher`, a 202 once RabbitMQ confirmed it)."""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Sequence
from typing import Any
from typing import Protocol

from ..settings import Settings
from .amqp import BrokerPublisher
from .breaker import CircuitBreaker
from .client import HandoffClient
from .errors import HandoffError

__all__ = ["READINESS_CHECKS", "Handoff", "make_handoff"]


class Handoff(Protocol):
    """What the API layer needs of a transport."""

    #: The process's circuit breaker over the deliveries.
    breaker: CircuitBreaker

    def deliver(
        self, item: Mapping[str, Any], key: str, headers: Mapping[str, str]
    ) -> dict[str, Any]:
        """Hand one item over: its receipt, or a :class:`HandoffError`."""

    def deliver_batch(
        self, entries: list[tuple[str, Mapping[str, Any]]], headers: Mapping[str, str]
    ) -> Sequence[dict[str, Any] | HandoffError]:
        """Hand several items over: per entry, in order, the worker's result
        (``{"key", "status": "accepted" | "rejected", ...}``) or the retryable
        :class:`HandoffError` why that one item was not taken. Raises a
        :class:`HandoffError` when none was."""

    def ready(self) -> str:
        """Why items cannot be handed over now (for ``/readyz``), or ``""``."""

    def close(self) -> None:
        """Close this process's connections."""


#: The readiness check's name for each transport: what a 202 depends on.
READINESS_CHECKS = {"http": "worker", "amqp": "broker"}


def make_handoff(settings: Settings) -> Handoff:
    """The transport ``settings.transport`` names; it connects on first use, per process."""
    if settings.transport == "amqp":
        return BrokerPublisher(settings)
    return HandoffClient(settings)
