# Yours to edit: relaykit writes this file once.
"""Accept events: validate them against the contract, run the events pipeline, answer."""

from __future__ import annotations

from typing import Any

from flask import Response
from flask import current_app
from flask import jsonify
from flask_smorest import abort

from ..batch import Item
from ..batch import run_batch
from ..blueprint import Blueprint
from ..handoff import documents_handoff
from ..handoff import hand_off
from ..handoff import idempotency_key
from ..pipelines import install_pipeline
from ..pipelines import request_context
from ..pipelines import run_pipeline
from .pipeline import build_pipeline
from .schemas import AcceptedReceiptSchema
from .schemas import BatchReceiptSchema
from .schemas import BatchSchema
from .schemas import EventSchema
from .schemas import FilteredReceiptSchema

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
    key = idempotency_key(event, from_request=True)  # before any step sees the event
    context = request_context()
    outcome = run_pipeline("events", event, context)
    receipt = {
        "event_id": event["id"],
        "request_id": context.request_id,
        "received_at": context.received_at,
        "steps": list(outcome.steps),
    }
    if outcome.dropped is not None:
        # flask-smorest serializes only the main response: build the other one.
        filtered = {**receipt, "status": "filtered", "reason": outcome.dropped.reason}
        response: Response = jsonify(FilteredReceiptSchema().dump(filtered))
        return response
    accepted = outcome.payload or {}
    worker_receipt = hand_off(accepted, key)
    current_app.logger.info(
        "event accepted", extra={"event_id": event["id"], "event_type": accepted.get("type")}
    )
    return {
        **receipt,
        "status": "accepted",
        "idempotency_key": key,
        "worker_receipt": worker_receipt,
    }


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
    limit = current_app.extensions["settings"].batch_max_items
    if len(batch["events"]) > limit:
        abort(422, messages={"json": {"events": [f"Longer than maximum length {limit}."]}})
    receipt = run_batch("events", batch["events"], request_context())
    current_app.logger.info(
        "batch handled",
        extra={key: receipt[key] for key in ("accepted", "filtered", "rejected")},
    )
    return receipt
