# Managed by relaykit: "copier update" merges the template's changes into this file.
"""When to try a delivery again: a retry policy written as a value, like urllib3's Retry."""

from __future__ import annotations

import dataclasses
import random

__all__ = ["MIN_ATTEMPT_SECONDS", "RetryPolicy", "is_retry_status"]

#: The least time left before the deadline for another attempt to be worth it.
MIN_ATTEMPT_SECONDS = 0.05


def is_retry_status(status: int) -> bool:
    """Whether an answer's status is worth another attempt.

    408, 409 (the same key still in progress), 425, 429 and every 5xx: the
    worker did not take the item, or not yet. Other 4xx are final.
    """
    return status in (408, 409, 425, 429) or 500 <= status <= 599


@dataclasses.dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How many attempts a delivery gets and how long to wait between them.

    The wait before attempt ``n + 1`` is random between 0 and
    ``min(backoff_max, backoff * 2**(n - 1))`` ("full jitter"), or the worker's
    ``Retry-After`` when it sent one; no wait goes past the deadline.

    :param max_attempts: attempts in all, at least 1; ``1`` never retries.
    :param backoff: base of the exponential wait, in seconds; ``0`` retries at once.
    :param backoff_max: the longest wait, in seconds.
    """

    max_attempts: int = 4
    backoff: float = 0.1
    backoff_max: float = 2.0

    def delay(
        self, attempt: int, remaining: float, retry_after: float | None = None
    ) -> float | None:
        """How long to wait before the attempt after ``attempt``, or ``None`` to give up.

        :param attempt: the attempt that just failed, from 1.
        :param remaining: seconds left before the delivery's deadline.
        :param retry_after: the worker's ``Retry-After``, in seconds, if it sent one.
        """
        if attempt >= self.max_attempts:
            return None
        if retry_after is not None:
            wait = retry_after
        else:
            # Jitter spreads retries out; it guards nothing, so any generator will do.
            ceiling = min(self.backoff_max, self.backoff * 2 ** (attempt - 1))
            wait = random.uniform(0, ceiling)  # nosec B311
        # An attempt needs time of its own: one that starts at the deadline only times out.
        return wait if wait + MIN_ATTEMPT_SECONDS <= remaining else None
