# Yours to edit: relaykit writes this file once.
"""The events contract: what a client sends and what it gets back."""

from __future__ import annotations

import marshmallow as ma

from ..fields import Timestamp

__all__ = ["EventSchema", "ReceiptSchema"]

#: Event types are dotted names such as ``order.created``.
EVENT_TYPE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]*(\.[A-Za-z0-9][A-Za-z0-9_-]*)*$"


class EventSchema(ma.Schema):
    """An event that happened somewhere else and must be processed here."""

    class Meta:
        unknown = ma.RAISE

    id = ma.fields.String(
        required=True,
        validate=ma.validate.Length(min=1, max=128),
        metadata={
            "description": "Unique id given by the source; a retry sends the same id.",
            "example": "evt-8a1f2c",
        },
    )
    type = ma.fields.String(
        required=True,
        validate=[
            ma.validate.Length(min=1, max=128),
            ma.validate.Regexp(EVENT_TYPE_PATTERN, error="Not a dotted event type."),
        ],
        metadata={"description": "What happened, as a dotted name.", "example": "order.created"},
    )
    occurred_at = Timestamp(
        required=True,
        metadata={"description": "When it happened (RFC 3339, with its offset)."},
    )
    source = ma.fields.String(
        required=True,
        validate=ma.validate.Length(min=1, max=256),
        metadata={"description": "Who sent it: a service name or URI.", "example": "shop"},
    )
    data = ma.fields.Dict(
        keys=ma.fields.String(),
        load_default=dict,
        metadata={"description": "The event's own fields; an empty object when left out."},
    )


class ReceiptSchema(ma.Schema):
    """Proof that the service accepted an event."""

    event_id = ma.fields.String(
        required=True, metadata={"description": "The id of the accepted event."}
    )
    request_id = ma.fields.String(
        required=True, metadata={"description": "The id of the request that carried it."}
    )
    received_at = Timestamp(
        required=True, metadata={"description": "When the service received it."}
    )
