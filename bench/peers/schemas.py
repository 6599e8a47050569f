"""The event contract in marshmallow, for the flask-smorest and APIFlask peers."""

from __future__ import annotations

import marshmallow as ma
from common import EVENT_TYPE


class EventSchema(ma.Schema):
    class Meta:
        unknown = ma.RAISE

    id = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=128))
    type = ma.fields.String(
        required=True,
        validate=[ma.validate.Length(min=1, max=128), ma.validate.Regexp(EVENT_TYPE)],
    )
    occurred_at = ma.fields.AwareDateTime(required=True)
    source = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=256))
    data = ma.fields.Dict(keys=ma.fields.String(), load_default=dict)


class BatchSchema(ma.Schema):
    class Meta:
        unknown = ma.RAISE

    events = ma.fields.List(
        ma.fields.Nested(EventSchema), required=True, validate=ma.validate.Length(1, 1000)
    )


class ReceiptSchema(ma.Schema):
    event_id = ma.fields.String(required=True)
    request_id = ma.fields.String(required=True)
    received_at = ma.fields.String(required=True)
    steps = ma.fields.List(ma.fields.String(), required=True)
    status = ma.fields.String(required=True)
    idempotency_key = ma.fields.String(required=True)
    worker_receipt = ma.fields.Dict(required=True)


class ItemResultSchema(ma.Schema):
    index = ma.fields.Integer(required=True)
    id = ma.fields.String()
    status = ma.fields.String(required=True)
    idempotency_key = ma.fields.String()
    worker_receipt = ma.fields.Dict()


class BatchReceiptSchema(ma.Schema):
    request_id = ma.fields.String(required=True)
    received_at = ma.fields.String(required=True)
    accepted = ma.fields.Integer(required=True)
    filtered = ma.fields.Integer(required=True)
    rejected = ma.fields.Integer(required=True)
    results = ma.fields.List(ma.fields.Nested(ItemResultSchema), required=True)


def as_json(event: dict) -> dict:
    """A loaded event with its timestamp back in text, as the worker takes it."""
    return {**event, "occurred_at": event["occurred_at"].isoformat()}
