# Managed by relaykit: "copier update" merges the template's changes into this file.
"""Counting events for the metrics: the flow counts those it decides on, and an event
refused before the flow saw it (its credentials, its size, its shape) is counted from
the answer."""

from __future__ import annotations

from flask import Flask
from flask import Response
from flask import current_app
from flask import g
from flask import request

from ...observability.metrics import observe_batch
from ...observability.metrics import observe_events
from ...pipeline import BrokenStepError
from ...pipeline import PipelineError

__all__ = [
    "INTAKE_BLUEPRINTS",
    "count_batch",
    "count_events",
    "install_event_counting",
    "pipeline_reason",
    "recording",
]

#: ``app.extensions`` key of the names of the blueprints that take events (they
#: install a pipeline).
INTAKE_BLUEPRINTS = "intake_blueprints"

#: Methods that send events; a GET to an intake blueprint carries none.
_SENDING = frozenset({"POST", "PUT", "PATCH"})

#: The rejection reason of an answer the flow never saw.
_STATUS_REASONS = {
    400: "validation",
    415: "validation",
    422: "validation",
    401: "auth",
    413: "payload_too_large",
}


def recording() -> bool:
    """Whether the current app records metrics: not with ``RELAY_METRICS=off``."""
    return bool(current_app.extensions["settings"].metrics != "off")


def count_events(outcome: str, count: int = 1, reason: str = "") -> None:
    """Count events of the current request the flow decided on."""
    g.events_counted = True
    if recording():
        observe_events(outcome, count, reason)


def count_batch(size: int) -> None:
    """Record the number of events of the current batch request."""
    if recording():
        observe_batch(size)


def pipeline_reason(error: PipelineError) -> str:
    """The rejection reason of a step's error: refused, or broken."""
    return "step_failed" if isinstance(error, BrokenStepError) else "step_refused"


def install_event_counting(app: Flask) -> None:
    """Count a request to an intake operation that was refused before the flow saw
    its events as one rejected event: a request refused unread carries no count."""
    if app.extensions["settings"].metrics != "off":
        app.after_request(_count_refused_request)


def _count_refused_request(response: Response) -> Response:
    if (
        response.status_code >= 400
        and not g.get("events_counted")
        and request.method in _SENDING
        and request.blueprint in current_app.extensions.get(INTAKE_BLUEPRINTS, ())
    ):
        observe_events("rejected", reason=_STATUS_REASONS.get(response.status_code, "other"))
    return response
