"""Peer: flask-smorest with marshmallow schemas, handing off with a plain
``requests.Session`` as its docs would suggest (``json=``, environment trusted)."""

from __future__ import annotations

from typing import Any

import common
import requests
from flask import Flask
from flask_smorest import Api
from flask_smorest import Blueprint
from schemas import BatchReceiptSchema
from schemas import BatchSchema
from schemas import EventSchema
from schemas import ReceiptSchema
from schemas import as_json

session = requests.Session()
blp = Blueprint("events", __name__, url_prefix="/v1")


@blp.route("/events", methods=["POST"])
@blp.arguments(EventSchema)
@blp.response(202, ReceiptSchema)
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


@blp.route("/events:batch", methods=["POST"])
@blp.arguments(BatchSchema)
@blp.response(200, BatchReceiptSchema)
def accept_batch(batch: dict[str, Any]) -> Any:
    rid, received_at = common.request_id(), common.now()
    events = [as_json(event) for event in batch["events"]]
    items = common.batch_items(events, rid, received_at)
    workers = None
    if common.WORKER_URL:
        answer = session.post(f"{common.WORKER_URL}/items:batch", json={"items": items}, timeout=10)
        answer.raise_for_status()
        workers = [result["receipt"] for result in answer.json()["results"]]
    return common.batch_receipt(events, rid, received_at, items, workers)


def create_app() -> Flask:
    app = Flask(__name__)
    app.config |= {"API_TITLE": "peer", "API_VERSION": "1", "OPENAPI_VERSION": "3.1.0"}
    Api(app).register_blueprint(blp)
    return app
