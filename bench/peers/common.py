"""What every peer of the benchmark does to an event, written once.

The peers validate in their own framework's way; after that they all run these
steps, which do the work of relaykit's default events pipeline (trim strings,
snake_case keys, lower-case the type, drop nulls, stamp the request), name the
delivery as relaykit does, and build the same receipt.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
import uuid
from collections.abc import Callable
from datetime import UTC
from datetime import datetime
from typing import Any

import requests

#: How a peer hands a body to a worker path, with headers: the worker's JSON answer.
Deliver = Callable[[str, Any, dict[str, str]], Any]

#: The worker's base URL; empty means the API layer alone: no handoff.
WORKER_URL = os.environ.get("BENCH_WORKER_URL", "").rstrip("/")

STEPS = ["trim_strings", "normalise_keys", "lowercase_values", "drop_nulls", "stamp_request"]

EVENT_TYPE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*(\.[A-Za-z0-9][A-Za-z0-9_-]*)*$")

_WORD_BREAK = re.compile(r"[^0-9A-Za-z]+|(?<=[a-z0-9])(?=[A-Z])")


def request_id() -> str:
    """A new request id, as each service makes one for a request that has none."""
    return uuid.uuid4().hex


def now() -> str:
    """The time a request was received, in RFC 3339."""
    return datetime.now(UTC).isoformat()


def idempotency_key(event: dict[str, Any]) -> str:
    """The key of an event's delivery: a digest of its source and id."""
    parts = [str(event.get("source", "")), "id", str(event.get("id", ""))]
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()[:32]


def _snake(key: str) -> str:
    return _WORD_BREAK.sub("_", key).strip("_").lower()


def _cleaned(value: Any) -> Any:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, dict):
        return {_snake(k): _cleaned(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_cleaned(v) for v in value]
    return value


def transform(event: dict[str, Any], rid: str, received_at: str) -> dict[str, Any]:
    """The default pipeline's work on a validated event (timestamps already strings)."""
    payload: dict[str, Any] = _cleaned(event)
    payload["type"] = payload["type"].lower()
    payload["request_id"] = rid
    payload["received_at"] = received_at
    return payload


def receipt(
    event: dict[str, Any], rid: str, received_at: str, key: str, worker: Any
) -> dict[str, Any]:
    """The answer to an accepted event."""
    return {
        "event_id": event["id"],
        "request_id": rid,
        "received_at": received_at,
        "steps": STEPS,
        "status": "accepted",
        "idempotency_key": key,
        "worker_receipt": worker,
    }


def acknowledged(key: str) -> dict[str, str]:
    """The receipt used when there is no worker (the API layer alone)."""
    return {"key": key, "status": "accepted"}


def batch_items(events: list[dict[str, Any]], rid: str, received_at: str) -> list[dict[str, Any]]:
    """The batch handed to the worker: each transformed event with its key."""
    return [
        {"key": idempotency_key(event), "item": transform(event, rid, received_at)}
        for event in events
    ]


def batch_receipt(
    events: list[dict[str, Any]],
    rid: str,
    received_at: str,
    items: list[dict[str, Any]],
    workers: list[dict[str, Any]] | None,
) -> dict[str, Any]:
    """The answer to a batch: one result per event; ``workers`` is ``None`` without a worker."""
    workers = workers or [acknowledged(item["key"]) for item in items]
    results = [
        {"index": index, "id": event["id"], "status": "accepted", "idempotency_key": item["key"],
         "worker_receipt": worker}
        for index, (event, item, worker) in enumerate(zip(events, items, workers, strict=True))
    ]  # fmt: skip
    accepted = sum(result["status"] == "accepted" for result in results)
    return {
        "request_id": rid,
        "received_at": received_at,
        "accepted": accepted,
        "filtered": 0,
        "rejected": len(results) - accepted,
        "results": results,
    }


@dataclasses.dataclass(frozen=True)
class Handoff:
    """What a request hands the worker, and how it is answered once the worker has."""

    path: str
    body: Any
    headers: dict[str, str]
    #: The answer, from the worker's JSON answer (``None`` without a worker).
    answer: Callable[[Any], dict[str, Any]]


def event_handoff(event: dict[str, Any]) -> Handoff:
    """Transform a validated event for its delivery; without a worker, it is acknowledged."""
    rid, received_at = request_id(), now()
    key = idempotency_key(event)
    payload = transform(event, rid, received_at)

    def answer(worker: Any) -> dict[str, Any]:
        return receipt(
            event, rid, received_at, key, acknowledged(key) if worker is None else worker
        )

    return Handoff("/items", payload, {"Idempotency-Key": key, "X-Request-ID": rid}, answer)


def batch_handoff(events: list[dict[str, Any]]) -> Handoff:
    """Transform validated events for one delivery; the answer has a result per event."""
    rid, received_at = request_id(), now()
    items = batch_items(events, rid, received_at)

    def answer(worker: Any) -> dict[str, Any]:
        receipts = None if worker is None else [result["receipt"] for result in worker["results"]]
        return batch_receipt(events, rid, received_at, items, receipts)

    return Handoff("/items:batch", {"items": items}, {"X-Request-ID": rid}, answer)


def accept(handoff: Handoff, deliver: Deliver) -> dict[str, Any]:
    """Deliver with a blocking ``deliver`` (when there is a worker), and answer."""
    worker = deliver(handoff.path, handoff.body, handoff.headers) if WORKER_URL else None
    return handoff.answer(worker)


def post_with_requests(session: requests.Session) -> Deliver:
    """The naive requests handoff: ``post(json=...)``, fail on an error status."""

    def deliver(path: str, body: Any, headers: dict[str, str]) -> Any:
        answer = session.post(f"{WORKER_URL}{path}", json=body, headers=headers, timeout=10)
        answer.raise_for_status()
        return answer.json()

    return deliver


def check_event(event: Any) -> dict[str, str]:
    """Hand-written validation, for the peers with no schema library: field errors."""
    if not isinstance(event, dict):
        return {"_schema": "Not an object."}
    errors = {}
    for name, limit in (("id", 128), ("type", 128), ("source", 256)):
        value = event.get(name)
        if not isinstance(value, str) or not 1 <= len(value) <= limit:
            errors[name] = f"A string of 1 to {limit} characters."
    if "type" not in errors and not EVENT_TYPE.match(event["type"]):
        errors["type"] = "Not a dotted event type."
    try:
        if datetime.fromisoformat(event.get("occurred_at", "")).tzinfo is None:
            errors["occurred_at"] = "Needs an offset."
    except (TypeError, ValueError):
        errors["occurred_at"] = "Not an RFC 3339 date-time."
    if not isinstance(event.setdefault("data", {}), dict):
        errors["data"] = "Not an object."
    for name in event.keys() - {"id", "type", "occurred_at", "source", "data"}:
        errors[name] = "Unknown field."
    return errors
