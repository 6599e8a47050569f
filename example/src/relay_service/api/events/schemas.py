# Yours to edit: relaykit writes this file once and never changes it.
"""The events contract: what a client sends and what it gets back."""

from __future__ import annotations

import marshmallow as ma

from ...settings import BATCH_MAX_ITEMS_LIMIT
from ..fields import MaxDepth
from ..fields import Timestamp
from ..intake import EachItem
from ..schemas import ProblemSchema

__all__ = [
    "AcceptedReceiptSchema",
    "BatchReceiptSchema",
    "BatchSchema",
    "EventSchema",
    "FilteredReceiptSchema",
    "ItemResultSchema",
]

#: How deep ``data`` may nest arrays and objects.
DATA_MAX_DEPTH = 32

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
        validate=MaxDepth(DATA_MAX_DEPTH),
        metadata={
            "description": f"The event's own fields, nested at most {DATA_MAX_DEPTH} "
            "levels; an empty object when left out."
        },
    )


class ReceiptSchema(ma.Schema):
    """What the service did with an event."""

    event_id = ma.fields.String(required=True, metadata={"description": "The id of the event."})
    request_id = ma.fields.String(
        required=True, metadata={"description": "The id of the request that carried it."}
    )
    received_at = Timestamp(
        required=True, metadata={"description": "When the service received it."}
    )
    steps = ma.fields.List(
        ma.fields.String(),
        required=True,
        metadata={"description": "The pipeline steps that ran over it, in order."},
    )


class AcceptedReceiptSchema(ReceiptSchema):
    """Proof that the worker acknowledged the event."""

    status = ma.fields.String(
        required=True, validate=ma.validate.OneOf(["accepted"]), metadata={"example": "accepted"}
    )
    idempotency_key = ma.fields.String(
        required=True,
        metadata={"description": "The key the event was delivered with; a retry uses it again."},
    )
    worker_receipt = ma.fields.Dict(
        required=True, metadata={"description": "The worker's receipt, as the worker wrote it."}
    )


class FilteredReceiptSchema(ReceiptSchema):
    """Word that a pipeline step filtered an event out on purpose: not an error."""

    status = ma.fields.String(
        required=True, validate=ma.validate.OneOf(["filtered"]), metadata={"example": "filtered"}
    )
    reason = ma.fields.String(
        required=True, metadata={"description": "Which rule filtered it out."}
    )


class BatchSchema(ma.Schema):
    """Events sent together; each is validated and processed on its own."""

    class Meta:
        unknown = ma.RAISE

    events = EachItem(
        ma.fields.Nested(EventSchema),
        required=True,
        validate=[ma.validate.Length(min=1), ma.validate.Length(max=BATCH_MAX_ITEMS_LIMIT)],
        metadata={
            "description": "The events; an invalid one is rejected alone. "
            f"RELAY_BATCH_MAX_ITEMS (default 100) lowers the limit of {BATCH_MAX_ITEMS_LIMIT}."
        },
    )


class ItemResultSchema(ma.Schema):
    """What the service did with one event of a batch."""

    index = ma.fields.Integer(
        required=True, metadata={"description": "Position of the event in the batch."}
    )
    id = ma.fields.String(metadata={"description": "The event's id, when it sent one."})
    status = ma.fields.String(
        required=True,
        validate=ma.validate.OneOf(["accepted", "filtered", "rejected"]),
        metadata={"description": "'accepted', 'filtered' on purpose, or 'rejected'."},
    )
    steps = ma.fields.List(
        ma.fields.String(),
        metadata={"description": "The pipeline steps that ran over it (accepted, filtered)."},
    )
    reason = ma.fields.String(metadata={"description": "Why it was filtered out."})
    idempotency_key = ma.fields.String(
        metadata={"description": "The key it was delivered with (accepted events)."}
    )
    worker_receipt = ma.fields.Dict(
        metadata={"description": "The worker's receipt (accepted events)."}
    )
    # No description here: OpenAPI 3.0 allows none beside a $ref, and the contract
    # must have the same shape in 3.0 and 3.1. The Problem schema describes itself.
    problem = ma.fields.Nested(ProblemSchema)


class BatchReceiptSchema(ma.Schema):
    """What the service did with each event of a batch."""

    request_id = ma.fields.String(
        required=True, metadata={"description": "The id of the request that carried them."}
    )
    received_at = Timestamp(
        required=True, metadata={"description": "When the service received them."}
    )
    accepted = ma.fields.Integer(required=True, metadata={"description": "Events accepted."})
    filtered = ma.fields.Integer(required=True, metadata={"description": "Events filtered out."})
    rejected = ma.fields.Integer(required=True, metadata={"description": "Events rejected."})
    results = ma.fields.List(
        ma.fields.Nested(ItemResultSchema),
        required=True,
        metadata={"description": "One result per event, in the batch's order."},
    )
