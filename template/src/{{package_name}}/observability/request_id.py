# Managed by relaykit: "copier update" merges the template's changes into this file.
"""Request ids: kept from ``X-Request-ID`` when valid, made otherwise, echoed always."""

from __future__ import annotations

import re
import uuid

from flask import Flask
from flask import Response
from flask import g
from flask import request

__all__ = ["REQUEST_ID_HEADER", "current_request_id", "install_request_id"]

#: Header that carries the request id in and out.
REQUEST_ID_HEADER = "X-Request-ID"

#: A request id we keep: 1-128 visible characters that are safe in logs and
#: headers (UUIDs, ULIDs and W3C trace ids all fit). Anything else is replaced.
REQUEST_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$"

_VALID_REQUEST_ID = re.compile(REQUEST_ID_PATTERN)


def is_valid_request_id(value: str) -> bool:
    """Tell whether a client's request id is kept as it is."""
    return _VALID_REQUEST_ID.fullmatch(value) is not None


def current_request_id() -> str:
    """The id of the request being handled, made on first use.

    Must be called inside a request context.
    """
    request_id: str | None = g.get("request_id")
    if request_id is None:
        request_id = uuid.uuid4().hex
        g.request_id = request_id
    return request_id


def _assign_request_id() -> None:
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    g.request_id = incoming if is_valid_request_id(incoming) else uuid.uuid4().hex


def _echo_request_id(response: Response) -> Response:
    response.headers[REQUEST_ID_HEADER] = current_request_id()
    return response


def install_request_id(app: Flask) -> None:
    """Give every request an id and echo it on every response, errors included."""
    app.before_request(_assign_request_id)
    app.after_request(_echo_request_id)
