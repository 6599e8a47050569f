"""The fast worker stub every variant hands off to: an ASGI app on uvicorn.

    python -m uvicorn --app-dir bench stub_worker:app --port 8001 --loop uvloop --http httptools

It speaks the worker contract the variants use and does nothing else, as cheaply
as it can, so that it never becomes the bottleneck: ``POST /items`` answers 201
with a receipt naming the idempotency key, ``POST /items:batch`` 200 with one
accepted result and receipt per item, ``GET /livez`` 200. A path under ``/slow/`` answers the
same after ``BENCH_STUB_LATENCY`` seconds (default 0.02): a worker doing real work.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Awaitable
from collections.abc import Callable
from typing import Any

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]

#: Seconds a delivery under /slow/ waits before it is answered.
LATENCY = float(os.environ.get("BENCH_STUB_LATENCY", "0.02"))

_JSON = [(b"content-type", b"application/json")]


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    """Answer one request of the worker contract."""
    if scope["type"] != "http":
        return
    body = b""
    more = True
    while more:
        message = await receive()
        body += message.get("body", b"")
        more = message.get("more_body", False)
    path: str = scope["path"]
    if path.startswith("/slow/"):
        await asyncio.sleep(LATENCY)
        path = path[len("/slow") :]
    if path == "/items":
        key = dict(scope["headers"]).get(b"idempotency-key", b"").decode()
        status, answer = 201, {"key": key, "status": "accepted"}
    elif path == "/items:batch":
        items = json.loads(body)["items"]
        status = 200
        answer = {"results": [{"key": item["key"], "status": "accepted", "receipt": {"key": item["key"]}}
                              for item in items]}  # fmt: skip
    elif path == "/livez":
        status, answer = 200, {"status": "ok"}
    else:
        status, answer = 404, {"detail": "not found"}
    data = json.dumps(answer).encode()
    headers = [*_JSON, (b"content-length", str(len(data)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": data})
