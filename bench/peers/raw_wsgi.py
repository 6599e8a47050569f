"""The ceiling: a bare WSGI callable, validating by hand, handing off over one
``http.client`` connection per thread. No framework, no retries, no breaker."""

from __future__ import annotations

import http.client
import json
import threading
from collections.abc import Callable
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

import common

_local = threading.local()
_worker = urlsplit(common.WORKER_URL)


def _exchange(path: str, data: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
    connection = getattr(_local, "connection", None)
    if connection is None:
        connection = _local.connection = http.client.HTTPConnection(
            _worker.hostname or "", _worker.port, timeout=10
        )
    try:
        connection.request("POST", _worker.path + path, data, headers)
        answer = connection.getresponse()
        return answer.status, answer.read()
    except (OSError, http.client.HTTPException):
        connection.close()  # the worker closed an idle connection: open a new one next time
        del _local.connection
        raise


def _post(path: str, body: Any, headers: dict[str, str]) -> Any:
    data = json.dumps(body).encode()
    headers = {**headers, "Content-Type": "application/json"}
    try:
        status, content = _exchange(path, data, headers)
    except (OSError, http.client.HTTPException):
        status, content = _exchange(path, data, headers)
    if status not in (200, 201):
        raise RuntimeError(f"worker answered {status}")
    return json.loads(content)


def _answer(start: Callable[..., Any], status: str, body: Any) -> Iterable[bytes]:
    data = json.dumps(body).encode()
    start(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]


def _accept_event(event: Any) -> tuple[str, Any]:
    if errors := common.check_event(event):
        return "422 Unprocessable Content", {"status": 422, "errors": errors}
    return "202 Accepted", common.accept(common.event_handoff(event), _post)


def _accept_batch(batch: Any) -> tuple[str, Any]:
    events = batch.get("events") if isinstance(batch, dict) else None
    if not isinstance(events, list) or not events:
        return "422 Unprocessable Content", {"status": 422, "errors": {"events": "A list."}}
    errors = {str(i): e for i, event in enumerate(events) if (e := common.check_event(event))}
    if errors:
        return "422 Unprocessable Content", {"status": 422, "errors": errors}
    return "200 OK", common.accept(common.batch_handoff(events), _post)


ROUTES = {"/v1/events": _accept_event, "/v1/events:batch": _accept_batch}


def app(environ: dict[str, Any], start: Callable[..., Any]) -> Iterable[bytes]:
    route = ROUTES.get(environ["PATH_INFO"])
    if route is None or environ["REQUEST_METHOD"] != "POST":
        return _answer(start, "404 Not Found", {"status": 404})
    length = int(environ.get("CONTENT_LENGTH") or 0)
    try:
        body = json.loads(environ["wsgi.input"].read(length))
    except ValueError:
        return _answer(start, "400 Bad Request", {"status": 400})
    return _answer(start, *route(body))
