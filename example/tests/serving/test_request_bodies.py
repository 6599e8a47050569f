# Managed by relaykit: "copier update" merges the template's changes into this file.
"""Request bodies as gunicorn reads them off the socket: chunked or with Content-Length,
cut short, or framed wrong, every answer is a problem or the receipt, never a 500."""

from __future__ import annotations

import http.client
import json
import os
import socket
from collections.abc import Callable
from collections.abc import Iterator
from contextlib import AbstractContextManager
from importlib.metadata import version
from typing import Any

import pytest

from relay_service.about import API_PREFIX
from relay_service.worker import WorkerProcess

#: RELAY_MAX_CONTENT_LENGTH for these tests.
LIMIT = 1024


@pytest.fixture(scope="module")
def server(
    worker_process: WorkerProcess, gunicorn: Callable[[dict[str, str]], AbstractContextManager[str]]
) -> Iterator[tuple[str, int]]:
    """The service under gunicorn on a free loopback port, handing off to the worker."""
    env = {
        **{name: value for name, value in os.environ.items() if not name.startswith("RELAY_")},
        "RELAY_WORKER_URL": worker_process.url,
        "RELAY_WORKER_TOKEN": worker_process.token,
        # Bodies are the matter here: test_auth.py tries the keys.
        "RELAY_AUTH": "none",
        "RELAY_MAX_CONTENT_LENGTH": str(LIMIT),
        "RELAY_WEB_WORKERS": "1",
        "RELAY_WEB_THREADS": "2",
    }
    with gunicorn(env) as url:
        host, port = url.removeprefix("http://").rsplit(":", 1)
        yield host, int(port)


def exchange(server: tuple[str, int], head: str, body: bytes = b"") -> tuple[int, dict[str, Any]]:
    """Send a request as raw bytes, then end the sending side: the status and JSON answer."""
    with socket.create_connection(server, timeout=30) as connection:
        connection.sendall(head.replace("\n", "\r\n").encode() + b"\r\n" + body)
        connection.shutdown(socket.SHUT_WR)  # what was not sent by now never comes
        response = http.client.HTTPResponse(connection)
        response.begin()
        answer = response.read()
        content_type = response.getheader("Content-Type", "")
    expected = "application/json" if response.status < 400 else "application/problem+json"
    assert content_type == expected, answer
    return response.status, json.loads(answer)


def post(chunked: bool, length: int | None = None) -> str:
    framing = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {length}"
    return (
        f"POST {API_PREFIX}/events HTTP/1.1\nHost: test\nContent-Type: application/json\n"
        f"Connection: close\n{framing}\n"
    )


def event_of(size: int) -> bytes:
    """A valid event of exactly ``size`` bytes."""
    event = {
        "id": "evt-size",
        "type": "size.probe",
        "occurred_at": "2026-01-01T12:00:00Z",
        "source": "test",
        "data": {"pad": ""},
    }
    data = json.dumps(event, separators=(",", ":")).encode()
    return data.replace(b'"pad":""', b'"pad":"' + b"p" * (size - len(data)) + b'"')


def chunks(data: bytes, size: int = 100) -> bytes:
    parts = [data[i : i + size] for i in range(0, len(data), size)]
    return b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in parts) + b"0\r\n\r\n"


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_body_of_exactly_the_limit_is_accepted(
    server: tuple[str, int], worker: WorkerProcess, chunked: bool
) -> None:
    data = event_of(LIMIT)
    status, answer = exchange(server, post(chunked, len(data)), chunks(data) if chunked else data)
    assert (status, answer["status"]) == (202, "accepted")


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_one_byte_over_the_limit_is_413(server: tuple[str, int], chunked: bool) -> None:
    data = event_of(LIMIT + 1)
    status, answer = exchange(server, post(chunked, len(data)), chunks(data) if chunked else data)
    assert status == 413
    assert answer["detail"].startswith(f"The request body is larger than the {LIMIT} bytes")


@pytest.mark.parametrize(
    "framing",
    [
        pytest.param(b"zz\r\n{}\r\n0\r\n\r\n", id="chunk-size"),
        pytest.param(b"2\r\n{}XX0\r\n\r\n", id="terminator"),
        pytest.param(
            b"2;bad ext\r\n{}\r\n0\r\n\r\n",
            id="extension",
            marks=pytest.mark.skipif(
                int(version("gunicorn").split(".")[0]) < 24,
                reason="gunicorn 23 takes any chunk extension; 24 and later refuse a bad one",
            ),
        ),
    ],
)
def test_broken_chunked_framing_is_400(server: tuple[str, int], framing: bytes) -> None:
    status, answer = exchange(server, post(chunked=True), framing)
    assert status == 400
    # gunicorn 24 and later say what is broken; gunicorn 23's reader stops as at an early end.
    assert answer["detail"].startswith(
        ("The request body's chunked framing is broken: ", "The request body ended before")
    )


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_body_cut_short_is_400(server: tuple[str, int], chunked: bool) -> None:
    sent = b'a\r\n{"id": "x' if chunked else b'{"id": "x'
    status, answer = exchange(server, post(chunked, 100), sent)
    assert status == 400
    assert answer["detail"] == "The request body ended before all of it was sent."
