"""Peer: Flask alone, validating by hand, handing off with a ``requests.Session``."""

from __future__ import annotations

from typing import Any

import common
import requests
from flask import Flask
from flask import request

session = requests.Session()


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
        rid, received_at = common.request_id(), common.now()
        key = common.idempotency_key(event)
        payload = common.transform(event, rid, received_at)
        worker = common.acknowledged(key)
        if common.WORKER_URL:
            answer = session.post(
                f"{common.WORKER_URL}/items", json=payload, timeout=10,
                headers={"Idempotency-Key": key, "X-Request-ID": rid},
            )  # fmt: skip
            answer.raise_for_status()
            worker = answer.json()
        return common.receipt(event, rid, received_at, key, worker), 202

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
        rid, received_at = common.request_id(), common.now()
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
