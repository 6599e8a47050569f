# Managed by relaykit: "copier update" merges the template's changes into this file.
"""gunicorn's own rejections (a bad request line, 414, 431, ...) as problem details, not HTML."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any
from urllib.parse import quote

from gunicorn import util
from gunicorn.http.errors import LimitRequestLine
from gunicorn.workers.gthread import ThreadWorker

from ..observability.request_id import REQUEST_ID_HEADER
from ..observability.request_id import is_valid_request_id
from ..serving import DRAIN
from .problems import PATH_SAFE
from .schemas import PROBLEM_CONTENT_TYPE
from .schemas import PROBLEM_RESPONSES

__all__ = ["ProblemThreadWorker", "rejection_answer"]

#: Titles of the statuses gunicorn answers that the contract does not list (RFC 9110, 6585).
_TITLES = {
    403: "Forbidden",
    414: "URI Too Long",
    417: "Expectation Failed",
    431: "Request Header Fields Too Large",
    501: "Not Implemented",
    **{status: title for status, (_, title) in PROBLEM_RESPONSES.items()},
}

#: What each of gunicorn's errors means, by class name (the classes vary with gunicorn's
#: version). Fixed texts: gunicorn's own messages quote what was sent, a key with it.
_DETAILS = {
    "InvalidRequestLine": "the request line is malformed",
    "InvalidRequestMethod": "the request method is not valid",
    "InvalidHTTPVersion": "the HTTP version is not one the server speaks",
    "InvalidHeader": "a header field is malformed",
    "InvalidHeaderName": "a header field's name is malformed",
    "ObsoleteFolding": "a header field is folded over lines, which HTTP/1.1 forbids",
    "LimitRequestLine": "the request line is too long",
    "LimitRequestHeaders": "the header fields are too many or too large",
    "UnsupportedTransferCoding": "the Transfer-Encoding is not one the server reads",
    "InvalidChunkSize": "a chunk's size is malformed",
    "ChunkMissingTerminator": "a chunk does not end as it should",
    "InvalidChunkExtension": "a chunk extension is malformed",
    "ExpectationFailed": "the Expect header asks for what the server does not do",
    "InvalidSchemeHeaders": "the forwarded scheme headers contradict each other",
    "ForbiddenProxyRequest": "proxy requests are not taken from this address",
}

_STATUS_LINE = re.compile(rb"HTTP/1\.[01] ([0-9]{3}) ")


class _Unsent:
    """Takes the place of the client's socket while gunicorn writes its HTML answer.

    gunicorn's handle_error logs the rejection, writes the access line and picks
    the status; only its answer is replaced, so the recorded bytes go nowhere.
    """

    def __init__(self) -> None:
        self.data = b""

    def gettimeout(self) -> float:
        return 0.0  # non-blocking already: gunicorn then calls sendall alone

    def sendall(self, data: bytes) -> None:
        self.data += data


class ProblemThreadWorker(ThreadWorker):
    """gunicorn's gthread worker (``worker_class``), whose rejections are problem details,
    and whose answers close their connections while the replica drains (serving/drain.py)."""

    def handle_request(self, req: Any, conn: Any) -> bool:
        """Serve one request; while draining, answer it with ``Connection: close``."""
        if DRAIN.draining:
            req.must_close = True  # gunicorn then says so, and closes after the answer
        return bool(super().handle_request(req, conn))

    def set_accept_enabled(self, enabled: bool) -> None:
        """Start or stop accepting connections (gunicorn 24 and later); when stopping
        for good, let go of the listening sockets at once."""
        super().set_accept_enabled(enabled)
        if not enabled and not self.alive:
            # Not after the requests in flight, as gunicorn does: a connection that
            # came meanwhile would wait in the listen queue, to be reset at the end.
            for listener in self.sockets:
                listener.close()

    def handle_error(self, req: Any, client: Any, addr: Any, exc: BaseException) -> None:
        """Reject a request gunicorn could not read, or whose handling failed outside the app."""
        unsent = _Unsent()
        super().handle_error(req, unsent, addr, exc)
        status_line = _STATUS_LINE.match(unsent.data)
        status = int(status_line[1]) if status_line else 500
        if isinstance(exc, LimitRequestLine):
            status = 414  # as gunicorn 27 answers it; gunicorn 23 says 400
        try:
            util.write_nonblock(client, rejection_answer(status, exc, req))
        except Exception:  # the client may be gone; gunicorn does the same
            self.log.debug("Failed to send error message.")


def rejection_answer(status: int, error: BaseException, req: Any = None) -> bytes:
    """The whole HTTP answer to a request gunicorn rejected with ``status``.

    :param error: what gunicorn raised; its kind, never its text, is the detail.
    :param req: the request as far as gunicorn read it, or ``None``.
    """
    request_id = _request_id(req)
    title = _TITLES.get(status, "Error")
    reason = _DETAILS.get(type(error).__name__, "it is not valid HTTP")
    detail = (
        f"The server could not read the request: {reason}."
        if status < 500
        else "The server failed to handle this request."
    )
    path = getattr(req, "path", None) or ""
    body = json.dumps(
        {
            "type": "about:blank",
            "title": title,
            "status": status,
            "detail": detail,
            "instance": quote(path, safe=PATH_SAFE),
            "request_id": request_id,
        }
    ).encode()
    head = (
        f"HTTP/1.1 {status} {title}\r\n"
        "Connection: close\r\n"
        f"Content-Type: {PROBLEM_CONTENT_TYPE}\r\n"
        f"Content-Length: {len(body)}\r\n"
        f"{REQUEST_ID_HEADER}: {request_id}\r\n"
        "X-Content-Type-Options: nosniff\r\n"
        "Cache-Control: no-store\r\n"
        "\r\n"
    )
    return head.encode("latin-1") + body


def _request_id(req: Any) -> str:
    wanted = REQUEST_ID_HEADER.upper()
    for name, value in getattr(req, "headers", None) or []:
        if name == wanted and is_valid_request_id(value):
            return str(value)
    return uuid.uuid4().hex
