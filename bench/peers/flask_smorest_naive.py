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

deliver = common.post_with_requests(requests.Session())
blp = Blueprint("events", __name__, url_prefix="/v1")


@blp.route("/events", methods=["POST"])
@blp.arguments(EventSchema)
@blp.response(202, ReceiptSchema)
def accept_event(event: dict[str, Any]) -> Any:
    return common.accept(common.event_handoff(as_json(event)), deliver)


@blp.route("/events:batch", methods=["POST"])
@blp.arguments(BatchSchema)
@blp.response(200, BatchReceiptSchema)
def accept_batch(batch: dict[str, Any]) -> Any:
    return common.accept(
        common.batch_handoff([as_json(event) for event in batch["events"]]), deliver
    )


def create_app() -> Flask:
    app = Flask(__name__)
    app.config |= {"API_TITLE": "peer", "API_VERSION": "1", "OPENAPI_VERSION": "3.1.0"}
    Api(app).register_blueprint(blp)
    return app
