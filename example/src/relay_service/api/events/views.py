# Yours to edit: relaykit writes this file once and never changes it.
"""The events endpoints: their contract (route, schemas, documentation) and one call
each into the intake flow, which relaykit manages (``api/intake/``), as are the
receipts it answers with."""

from __future__ import annotations

from typing import Any

from .. import intake
from ..blueprint import Blueprint
from ..intake import AcceptedReceiptSchema
from ..intake import BatchReceiptSchema
from ..intake import FilteredReceiptSchema
from ..intake import Item
from ..intake import documents_handoff
from ..intake import install_pipeline
from .schemas import BatchSchema
from .schemas import EventSchema
from .steps import build_pipeline

__all__ = ["blp"]

blp = Blueprint("events", __name__, description="Ingest events.")
install_pipeline(blp, "events", build_pipeline)

EXAMPLE_EVENT = {
    "id": "evt-8a1f2c",
    "type": "order.created",
    "occurred_at": "2026-01-01T12:00:00Z",
    "source": "shop",
    "data": {"order_id": 1042, "total": "19.90"},
}


@blp.route("/events", methods=["POST"])
@blp.arguments(EventSchema, example=EXAMPLE_EVENT)
@blp.response(202, AcceptedReceiptSchema, description="Accepted: the worker acknowledged it.")
@blp.alt_response(
    200,
    schema=FilteredReceiptSchema,
    description="Filtered out on purpose by a pipeline step; sending it again changes nothing.",
    success=True,
)
@documents_handoff(blp)
def accept_event(event: dict[str, Any]) -> Any:
    """Accept one event and hand it to the worker.

    The event is validated against the contract (every invalid field is
    reported at once in a 422 problem), runs through the events pipeline (a
    step may refuse it: 422, naming the step; or filter it out: 200), and is
    handed to the worker. 202 means the worker acknowledged it; any other
    answer means it was not accepted, and sending it again with the same
    ``Idempotency-Key`` (or the same ``source`` and ``id``) is safe.
    """
    return intake.accept_one("events", event)


@blp.route("/events:batch", methods=["POST"])
@blp.arguments(BatchSchema, example={"events": [EXAMPLE_EVENT]})
@blp.response(200, BatchReceiptSchema, description="What happened to each event.")
def accept_batch(batch: dict[str, list[Item]]) -> Any:
    """Accept a batch of events, each on its own, and hand them to the worker in one call.

    Every event is validated and run through the events pipeline by itself: an
    invalid or refused event is rejected with its own problem, and the others
    are handed over together. An event is ``accepted`` only when the worker
    acknowledged it; a rejected one may be sent again.
    """
    return intake.accept_batch("events", batch["events"])
