# Yours to edit: relaykit writes this file once and never changes it.
"""The events contract: what a client sends. What it gets back is the intake's receipts
(``api/intake/receipts.py``)."""

from __future__ import annotations

import marshmallow as ma

from ...settings import BATCH_MAX_ITEMS_LIMIT
from ..fields import MaxDepth
from ..fields import Timestamp
from ..intake import EachItem

__all__ = ["BatchSchema", "EventSchema"]

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
        load_default=dict,
        validate=MaxDepth(DATA_MAX_DEPTH),
        metadata={
            "description": f"The event's own fields, nested at most {DATA_MAX_DEPTH} "
            "levels; an empty object when left out."
        },
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
            "description": "The events; an invalid one is rejected alone. At most "
            f"RELAY_BATCH_MAX_ITEMS (default 100, at most {BATCH_MAX_ITEMS_LIMIT}), the "
            "maxItems the service documents."
        },
    )
