"""Peer: Flask alone, validating by hand, handing off with a ``requests.Session``."""

from __future__ import annotations

from typing import Any

import common
import requests
from flask import Flask
from flask import request

deliver = common.post_with_requests(requests.Session())


def _problem(errors: dict[str, Any]) -> tuple[dict[str, Any], int, dict[str, str]]:
    body = {"title": "Unprocessable Content", "status": 422, "errors": errors}
    return body, 422, {"Content-Type": "application/problem+json"}


def create_app() -> Flask:
    app = Flask(__name__)

    @app.post("/v1/events")
    def accept_event() -> Any:
        event = request.get_json()
        if errors := common.check_event(event):
            return _problem(errors)
        return common.accept(common.event_handoff(event), deliver), 202

    @app.post("/v1/events:batch")
    def accept_batch() -> Any:
        batch = request.get_json()
        events = batch.get("events") if isinstance(batch, dict) else None
        if not isinstance(events, list) or not events:
            return _problem({"events": "A list of events."})
        if errors := {
            str(i): e for i, event in enumerate(events) if (e := common.check_event(event))
        }:
            return _problem(errors)
        return common.accept(common.batch_handoff(events), deliver)

    return app
