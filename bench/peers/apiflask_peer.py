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

session = requests.Session()


def create_app() -> APIFlask:
    app = APIFlask(__name__, title="peer", version="1")

    @app.post("/v1/events")
    @app.input(EventSchema, arg_name="event")
    @app.output(ReceiptSchema, status_code=202)
    def accept_event(event: dict[str, Any]) -> Any:
        rid, received_at = common.request_id(), common.now()
        key = common.idempotency_key(event)
        payload = common.transform(as_json(event), rid, received_at)
        worker = common.acknowledged(key)
        if common.WORKER_URL:
            answer = session.post(
                f"{common.WORKER_URL}/items", json=payload, timeout=10,
                headers={"Idempotency-Key": key, "X-Request-ID": rid},
            )  # fmt: skip
            answer.raise_for_status()
            worker = answer.json()
        return common.receipt(event, rid, received_at, key, worker)

    @app.post("/v1/events:batch")
    @app.input(BatchSchema, arg_name="batch")
    @app.output(BatchReceiptSchema)
    def accept_batch(batch: dict[str, Any]) -> Any:
        rid, received_at = common.request_id(), common.now()
        events = [as_json(event) for event in batch["events"]]
        items = common.batch_items(events, rid, received_at)
        workers = None
        if common.WORKER_URL:
            answer = session.post(
                f"{common.WORKER_URL}/items:batch", json={"items": items}, timeout=10
            )
            answer.raise_for_status()
            workers = [result["receipt"] for result in answer.json()["results"]]
        return common.batch_receipt(events, rid, received_at, items, workers)

    return app
