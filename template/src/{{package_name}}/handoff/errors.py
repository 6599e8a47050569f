# Managed by relaykit: "copier update" merges the template's changes into this file.
"""Why a delivery was not acknowledged; each error carries the answer it becomes.

No ``requests`` exception leaves ``handoff/``: the client turns them into these.
"""

from __future__ import annotations

__all__ = ["BreakerOpen", "HandoffError", "WorkerRejected", "WorkerTimeout", "WorkerUnavailable"]


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
