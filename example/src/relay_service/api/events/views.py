# Yours to edit: relaykit writes this file once.
"""Accept events: validate them against the contract and answer with a receipt."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from typing import Any

from flask import current_app

from ...observability.request_id import current_request_id
from ..blueprint import Blueprint
from .schemas import EventSchema
from .schemas import ReceiptSchema

__all__ = ["blp"]

blp = Blueprint("events", __name__, description="Ingest events.")

EXAMPLE_EVENT = {
    "id": "evt-8a1f2c",
    "type": "order.created",
    "occurred_at": "2026-01-01T12:00:00Z",
    "source": "shop",
    "data": {"order_id": 1042, "total": "19.90"},
}


@blp.route("/events", methods=["POST"])
@blp.arguments(EventSchema, example=EXAMPLE_EVENT)
@blp.response(202, ReceiptSchema)
def accept_event(event: dict[str, Any]) -> dict[str, Any]:
    """Accept one event.

    The event is validated against the contract; every invalid field is
    reported at once in a 422 problem.
    """
    current_app.logger.info(
        "event accepted", extra={"event_id": event["id"], "event_type": event["type"]}
    )
    return {
        "event_id": event["id"],
        "request_id": current_request_id(),
        "received_at": datetime.now(UTC),
    }
