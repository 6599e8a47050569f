"""Peer: APIFlask with marshmallow schemas, handing off with a ``requests.Session``."""

from __future__ import annotations

from typing import Any

import common
import requests
from apiflask import APIFlask
from schemas import BatchReceiptSchema
from schemas import BatchSchema
from schemas import EventSchema
from schemas import ReceiptSchema
from schemas import as_json

deliver = common.post_with_requests(requests.Session())


def create_app() -> APIFlask:
    app = APIFlask(__name__, title="peer", version="1")

    @app.post("/v1/events")
    @app.input(EventSchema, arg_name="event")
    @app.output(ReceiptSchema, status_code=202)
    def accept_event(event: dict[str, Any]) -> Any:
        return common.accept(common.event_handoff(as_json(event)), deliver)

    @app.post("/v1/events:batch")
    @app.input(BatchSchema, arg_name="batch")
    @app.output(BatchReceiptSchema)
    def accept_batch(batch: dict[str, Any]) -> Any:
        return common.accept(
            common.batch_handoff([as_json(event) for event in batch["events"]]), deliver
        )

    return app
