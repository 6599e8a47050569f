# Managed by relaykit: "copier update" merges the template's changes into this file.
"""The worker's HTTP side: the worker contract, its fault switches and its records."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
import socket
import sqlite3
import time
from datetime import UTC
from datetime import datetime
from typing import TYPE_CHECKING
from typing import Any
from typing import TypeGuard

from flask import Flask
from flask import Response
from flask import request
from werkzeug.exceptions import HTTPException

from ..api.problems import problem_body
from ..api.problems import problem_response
from ..observability.request_id import install_request_id
from .faults import Dice
from .faults import Faults
from .store import IN_MEMORY
from .store import ReceiptStore

if TYPE_CHECKING:
    from .consumer import ConsumerStatus

__all__ = [
    "IDEMPOTENCY_KEY_HEADER",
    "WorkerState",
    "create_worker_app",
    "make_receipt",
    "refusal",
    "valid_key",
]

#: Header that names a delivery; a delivery sent again with it is processed once.
IDEMPOTENCY_KEY_HEADER = "Idempotency-Key"

#: Environment keys under which servers hand the client's socket to the app.
_SOCKET_KEYS = ("werkzeug.socket", "gunicorn.socket")


@dataclasses.dataclass
class WorkerState:
    """One worker's receipts and fault switches."""

    store: ReceiptStore
    faults: Faults
    dice: Dice
    #: What the queue's consumer does, when the worker consumes one (``RELAY_TRANSPORT=amqp``).
    consumer: ConsumerStatus | None = None


# No token means anyone may call, as documented.
def create_worker_app(  # nosec B107
    faults: Faults | None = None, store: ReceiptStore | None = None, token: str = ""
) -> Flask:
    """Build a reference worker.

    :param faults: how it misbehaves; ``None`` for not at all. ``PUT /faults``
        changes them while it runs.
    :param store: where it keeps the idempotency keys it processed; ``None`` for a
        store in memory, gone with the app (for in-process tests).
    :param token: the bearer token every call but ``GET /livez`` must carry (the
        service sends ``RELAY_WORKER_TOKEN``); ``""`` lets anyone call.
    """
    app = Flask(__name__)
    # Its problems carry the request id the service forwarded, as the service's do.
    install_request_id(app)
    faults = faults or Faults()
    store = store if store is not None else ReceiptStore(IN_MEMORY)
    state = WorkerState(store, faults, Dice(faults.seed))
    app.extensions["worker"] = state
    expected = hashlib.sha256(token.encode()).digest()

    @app.errorhandler(sqlite3.Error)
    def store_failed(error: sqlite3.Error) -> Response:
        # Such as a lock another process held too long: nothing was recorded; send it again.
        app.logger.error("the worker's store failed: %r", error)
        failed = _problem(503, "The worker's store failed; nothing was recorded.")
        failed.headers["Retry-After"] = "1"
        return failed

    @app.errorhandler(HTTPException)
    def problem_for_http_error(error: HTTPException) -> Response:
        return _problem(error.code or 500, error.description or error.name)

    @app.before_request
    def check_token() -> Response | None:
        if not token or request.path == "/livez":
            return None
        scheme, _, presented = request.headers.get("Authorization", "").partition(" ")
        # Digests of equal length: the comparison's time says nothing of the token's.
        if scheme.lower() == "bearer" and hmac.compare_digest(
            hashlib.sha256(presented.strip().encode()).digest(), expected
        ):
            return None
        refused = _problem(401, "Send Authorization: Bearer <the worker's token>.")
        refused.headers["WWW-Authenticate"] = 'Bearer realm="worker"'
        return refused

    @app.get("/livez")
    def livez() -> Response:
        return _json({"status": "ok"})

    @app.post("/items")
    def take_item() -> Response:
        """Take one item, named by its ``Idempotency-Key``."""
        key = request.headers.get(IDEMPOTENCY_KEY_HEADER, "")
        if not valid_key(key):
            return _problem(400, f"Send an {IDEMPOTENCY_KEY_HEADER} header of 1-200 characters.")
        item = _json_object("item")
        misbehaved = _misbehave(state)
        if misbehaved is not None:
            return misbehaved
        known = state.store.get(key)
        if known is not None:  # processed before: the same answer, whatever the switches say now
            return _json({**known, "duplicate": True}, 200)
        refused = refusal(state.faults, item)
        if refused:
            return _problem(422, refused)
        receipt, new = state.store.record(key, _request_receipt(key, item))
        _maybe_stall(state)
        return _json({**receipt, "duplicate": not new}, 201 if new else 200)

    @app.post("/items:batch")
    def take_batch() -> Response:
        """Take several items in one call: ``{"items": [{"key": ..., "item": {...}}]}``."""
        body = _json_object("batch")
        entries = body.get("items")
        if not isinstance(entries, list) or not all(_is_entry(entry) for entry in entries):
            return _problem(400, 'Send {"items": [{"key": "...", "item": {...}}, ...]}.')
        misbehaved = _misbehave(state)
        if misbehaved is not None:
            return misbehaved
        results = []
        for entry in entries:
            refused = "" if state.store.get(entry["key"]) else refusal(state.faults, entry["item"])
            if refused:
                results.append({"key": entry["key"], "status": "rejected", "reason": refused})
                continue
            receipt, new = state.store.record(
                entry["key"], _request_receipt(entry["key"], entry["item"])
            )
            accepted = {**receipt, "duplicate": not new}
            results.append({"key": entry["key"], "status": "accepted", "receipt": accepted})
        _maybe_stall(state)
        return _json({"results": results})

    @app.get("/records")
    def records() -> Response:
        """What the worker processed: the keys it remembers and how many items; with a
        consumer, what it does (``consumer``: ``consuming``, ``refused`` ...)."""
        return _json(_records(state))

    @app.delete("/records")
    def forget_records() -> Response:
        state.store.clear()
        if state.consumer is not None:
            state.consumer.reset()
        return _json(_records(state))

    @app.get("/faults")
    def current_faults() -> Response:
        return _json(dataclasses.asdict(state.faults))

    @app.put("/faults")
    def set_faults() -> Response:
        """Switch faults on or off while the worker runs."""
        try:
            new = Faults.from_json(_json_object("faults"))
        except (TypeError, ValueError) as error:
            return _problem(422, str(error))
        state.faults, state.dice = new, Dice(new.seed)
        return _json(dataclasses.asdict(new))

    return app


def _records(state: WorkerState) -> dict[str, Any]:
    records = state.store.snapshot()
    if state.consumer is not None:
        records["consumer"] = state.consumer.snapshot()
    return records


def valid_key(key: object) -> TypeGuard[str]:
    """Whether ``key`` may name a delivery: a string of 1-200 characters."""
    return isinstance(key, str) and 0 < len(key) <= 200


def _is_entry(entry: Any) -> bool:
    return (
        isinstance(entry, dict)
        and valid_key(entry.get("key"))
        and isinstance(entry.get("item"), dict)
    )


def make_receipt(
    key: str, item: dict[str, Any], request_id: object = None, traceparent: object = None
) -> dict[str, Any]:
    """The receipt of a processed item: its key, when, and what came with it.

    The item's id, the request id and trace context, for whoever traces it, each kept
    only when it is a string, as the contract says: what the item or its request lacked
    is left out (the contract has no null for either version), and so is a value of
    another type, such as the bytes pika gives for a message header that is not UTF-8.
    """
    came_with = {"item_id": item.get("id"), "request_id": request_id, "traceparent": traceparent}
    return {
        "key": key,
        "received_at": datetime.now(UTC).isoformat(),
        **{name: value for name, value in came_with.items() if isinstance(value, str)},
    }


def _request_receipt(key: str, item: dict[str, Any]) -> dict[str, Any]:
    return make_receipt(
        key, item, request.headers.get("X-Request-ID"), request.headers.get("traceparent")
    )


def refusal(faults: Faults, item: dict[str, Any]) -> str:
    """Why the worker refuses ``item`` under ``faults``; ``""`` when it takes it."""
    if faults.reject_field and item.get(faults.reject_field) is True:
        return f"The item is marked {faults.reject_field}: true, so this worker refuses it."
    return ""


def _misbehave(state: WorkerState) -> Response | None:
    """Drop the connection or fail, before anything is processed, when the dice say so."""
    faults = state.faults
    if state.dice.roll(faults.drop_ratio):
        _drop_connection()
        return Response(status=500)  # never reaches the client: its connection is gone
    if state.dice.roll(faults.fail_ratio):
        failed = _problem(503, "The worker is failing on purpose (fault switch).")
        failed.headers["Retry-After"] = str(faults.retry_after)
        return failed
    return None


def _maybe_stall(state: WorkerState) -> None:
    # After processing: the client's read timeout fires although the item was taken.
    if state.dice.roll(state.faults.stall_ratio):
        time.sleep(state.faults.stall_seconds)


def _drop_connection() -> None:
    for key in _SOCKET_KEYS:
        connection = request.environ.get(key)
        if isinstance(connection, socket.socket):
            connection.shutdown(socket.SHUT_RDWR)
            return


def _json_object(what: str) -> dict[str, Any]:
    if request.mimetype != "application/json":
        raise _BadBody(f"Send the {what} as application/json.")
    try:
        body = json.loads(request.get_data())
    except ValueError as error:
        raise _BadBody(f"The {what} is not valid JSON: {error}.") from None
    except RecursionError:
        raise _BadBody(f"The {what} is nested too deeply.") from None
    if not isinstance(body, dict):
        raise _BadBody(f"The {what} must be a JSON object.")
    return body


class _BadBody(HTTPException):
    code = 400


def _json(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json")


def _problem(status: int, detail: str) -> Response:
    return problem_response(problem_body(status, detail))
