# Managed by relaykit: "copier update" merges the template's changes into this file.
"""The intake's answers: receipts of what the flow did with an item, or with each item
of a batch. They are part of every intake endpoint's contract."""

from __future__ import annotations

import marshmallow as ma

from ..fields import AsWritten
from ..fields import Timestamp
from ..schemas import ProblemSchema

__all__ = [
    "AcceptedReceiptSchema",
    "BatchReceiptSchema",
    "FilteredReceiptSchema",
    "ItemResultSchema",
    "ReceiptSchema",
    "WorkerReceiptSchema",
]


class WorkerReceiptSchema(ma.Schema):
    """The worker's receipt for an item, as the reference worker writes it.

    A worker of your own may write more members: they are passed on as it wrote
    them, and the contract allows them. One that writes other members changes this
    schema, so that the contract (and a client generated from it) says what it sends.
    """

    class Meta:
        unknown = ma.INCLUDE

    key = ma.fields.String(
        required=True, metadata={"description": "The idempotency key the item came with."}
    )
    item_id = ma.fields.String(
        metadata={"description": "The item's id; absent when it had none."},
    )
    received_at = ma.fields.String(
        required=True,
        metadata={"description": "When the worker first took the item.", "format": "date-time"},
    )
    request_id = ma.fields.String(
        metadata={"description": "The X-Request-ID the item came with; absent without one."},
    )
    traceparent = ma.fields.String(
        metadata={"description": "The W3C traceparent the item came with; absent without one."},
    )
    duplicate = ma.fields.Boolean(
        required=True,
        metadata={"description": "Whether the worker had taken the item before, under this key."},
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
    worker_receipt = AsWritten(WorkerReceiptSchema, required=True)


class FilteredReceiptSchema(ReceiptSchema):
    """Word that a pipeline step filtered an event out on purpose: not an error."""

    status = ma.fields.String(
        required=True, validate=ma.validate.OneOf(["filtered"]), metadata={"example": "filtered"}
    )
    reason = ma.fields.String(
        required=True, metadata={"description": "Which rule filtered it out."}
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
    # For accepted events. No description beside the $ref, as for problem below.
    worker_receipt = AsWritten(WorkerReceiptSchema)
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
