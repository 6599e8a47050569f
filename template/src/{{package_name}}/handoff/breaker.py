# Managed by relaykit: "copier update" merges the template's changes into this file.
"""A circuit breaker: after repeated failures, fail fast for a while, then probe.

Written here rather than taken from pybreaker because the service needs two
things that library does not expose: how long until the next probe (for
``Retry-After``) and its state without making a call. ``/readyz`` does not read it:
readiness asks the worker or the broker itself (see each transport's ``ready``).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

from ..observability.metrics import observe_breaker
from ..settings import Settings

__all__ = ["CircuitBreaker", "delivery_breaker"]


class CircuitBreaker:
    """Closed, open or half-open; safe to share between threads.

    - **closed**: every call is allowed; ``failures`` failures in a row open it.
    - **open**: no call is allowed until ``reset_after`` seconds have passed.
    - **half-open**: one probe call is allowed; its success closes the breaker,
      its failure opens it again.

    :param failures: failures in a row that open the breaker, at least 1.
    :param reset_after: seconds the breaker stays open before a probe.
    :param clock: monotonic clock, in seconds; tests pass their own.
    :param on_change: called with the state entered (``"open"``, ``"half-open"``,
        ``"closed"``) whenever it changes, for the metrics.
    """

    def __init__(
        self,
        failures: int,
        reset_after: float,
        clock: Callable[[], float] = time.monotonic,
        on_change: Callable[[str], None] = lambda state: None,
    ) -> None:
        self.failures = failures
        self.reset_after = reset_after
        self._clock = clock
        self._on_change = on_change
        self._lock = threading.Lock()
        self._failed = 0
        self._opened_at: float | None = None
        self._probing = False

    @property
    def state(self) -> str:
        """``"closed"``, ``"open"`` or ``"half-open"``."""
        with self._lock:
            if self._opened_at is None:
                return "closed"
            if self._probing or self._clock() - self._opened_at >= self.reset_after:
                return "half-open"
            return "open"

    def allow(self) -> bool:
        """Whether a call may go out now; in half-open state, only the one probe."""
        with self._lock:
            if self._opened_at is None:
                return True
            if self._probing or self._clock() - self._opened_at < self.reset_after:
                return False
            self._probing = True
            self._on_change("half-open")
            return True

    def retry_after(self) -> int:
        """Whole seconds until a probe may go out; 0 when calls are allowed."""
        with self._lock:
            if self._opened_at is None:
                return 0
            return max(1, math.ceil(self.reset_after - (self._clock() - self._opened_at)))

    def record_success(self) -> None:
        """A call succeeded: close the breaker."""
        with self._lock:
            self._failed = 0
            if self._opened_at is not None:
                self._on_change("closed")
            self._opened_at = None
            self._probing = False

    def record_failure(self) -> None:
        """A call failed: count it, and open the breaker when it is one too many."""
        with self._lock:
            self._failed += 1
            if self._probing or self._failed >= self.failures:
                if self._opened_at is None or self._probing:
                    self._on_change("open")
                self._opened_at = self._clock()
                self._probing = False


def delivery_breaker(settings: Settings) -> CircuitBreaker:
    """A process's breaker over its deliveries, with the settings' thresholds; its
    changes go to the metrics unless ``RELAY_METRICS=off``."""
    return CircuitBreaker(
        settings.breaker_failures,
        settings.breaker_reset_after,
        on_change=observe_breaker if settings.metrics != "off" else lambda state: None,
    )
