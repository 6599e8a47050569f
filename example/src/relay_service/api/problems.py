# Managed by the relaykit template; "copier update" replaces this file.
"""Problem details (RFC 9457): their schema, and how one is written for a request."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import marshmallow as ma
from flask import Response
from flask import request
from werkzeug.http import HTTP_STATUS_CODES

from ..observability.request_id import current_request_id

__all__ = [
    "PROBLEM_CONTENT_TYPE",
    "PROBLEM_RESPONSES",
    "STUB_PROBLEM_RESPONSES",
    "FieldErrorSchema",
    "ProblemSchema",
    "field_errors",
    "problem_body",
    "problem_response",
]

#: Media type of every 4xx and 5xx answer (RFC 9457, section 3).
PROBLEM_CONTENT_TYPE = "application/problem+json"

#: Problem answers documented in the contract: status -> (component name, title).
#: Titles are RFC 9110's reason phrases, fixed here so that they do not vary
#: with the Python or Werkzeug version.
PROBLEM_RESPONSES: dict[int, tuple[str, str]] = {
    400: ("BadRequest", "Bad Request"),
    404: ("NotFound", "Not Found"),
    405: ("MethodNotAllowed", "Method Not Allowed"),
    413: ("ContentTooLarge", "Content Too Large"),
    415: ("UnsupportedMediaType", "Unsupported Media Type"),
    422: ("UnprocessableContent", "Unprocessable Content"),
    500: ("InternalServerError", "Internal Server Error"),
    502: ("BadGateway", "Bad Gateway"),
    503: ("ServiceUnavailable", "Service Unavailable"),
    504: ("GatewayTimeout", "Gateway Timeout"),
}

#: Problem answers documented only in contracts whose operations give them: the
#: stubs of imported operations answer 501 until their handler is written.
STUB_PROBLEM_RESPONSES: dict[int, tuple[str, str]] = {
    501: ("NotImplemented", "Not Implemented"),
}

#: Where a field error was found, by webargs location.
_LOCATIONS = {
    "json": "body",
    "form": "body",
    "json_or_form": "body",
    "files": "body",
    "query": "query",
    "querystring": "query",
    "headers": "header",
    "cookies": "cookie",
    "view_args": "path",
    "path": "path",
}

#: Characters kept as they are when a path becomes the ``instance`` URI reference.
_PATH_SAFE = "/:@!$&'()*+,;=-._~"


class FieldErrorSchema(ma.Schema):
    """One invalid field of a request."""

    location = ma.fields.String(
        required=True,
        validate=ma.validate.OneOf(["body", "query", "header", "cookie", "path"]),
        metadata={"description": "Part of the request that holds the field."},
    )
    pointer = ma.fields.String(
        required=True,
        metadata={"description": "JSON Pointer (RFC 6901) to the field; empty for the whole part."},
    )
    detail = ma.fields.String(
        required=True, metadata={"description": "What is wrong with the field."}
    )


class ProblemSchema(ma.Schema):
    """An error answer, as RFC 9457 problem details.

    Clients must ignore members they do not know (RFC 9457, section 3.2), so the
    contract allows more members than it lists.
    """

    class Meta:
        unknown = ma.INCLUDE

    type = ma.fields.String(
        required=True,
        metadata={"description": "URI reference of the problem type.", "example": "about:blank"},
    )
    title = ma.fields.String(
        required=True, metadata={"description": "Short summary of the problem type."}
    )
    status = ma.fields.Integer(required=True, metadata={"description": "HTTP status code."})
    detail = ma.fields.String(
        required=True, metadata={"description": "What went wrong with this request."}
    )
    instance = ma.fields.String(
        required=True,
        metadata={
            "description": "Path of the request that had the problem.",
            "format": "uri-reference",
        },
    )
    request_id = ma.fields.String(
        required=True, metadata={"description": "Id of the request, as in X-Request-ID."}
    )
    errors = ma.fields.List(
        ma.fields.Nested(FieldErrorSchema),
        metadata={"description": "Every invalid field, for 422 answers."},
    )
    step = ma.fields.String(
        metadata={"description": "The pipeline step that refused the item, for 422 answers."}
    )
    retry_after = ma.fields.Integer(
        metadata={
            "description": "Seconds after which sending the item again may succeed, for "
            "503 problems of batch items (single answers carry Retry-After instead)."
        }
    )


def problem_body(
    status: int,
    detail: str,
    *,
    errors: list[dict[str, str]] | None = None,
    step: str | None = None,
) -> dict[str, Any]:
    """The problem details of the current request, as a JSON object.

    :param status: HTTP status code.
    :param detail: what went wrong, written for the client.
    :param errors: field errors, each with ``location``, ``pointer``, ``detail``.
    :param step: the pipeline step that refused the item.
    """
    title = PROBLEM_RESPONSES[status][1] if status in PROBLEM_RESPONSES else _reason(status)
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": quote(request.path, safe=_PATH_SAFE),
        "request_id": current_request_id(),
    }
    if errors is not None:
        body["errors"] = errors
    if step is not None:
        body["step"] = step
    return body


def problem_response(body: dict[str, Any], *, headers: Mapping[str, str] | None = None) -> Response:
    """Answer with a problem made by :func:`problem_body`.

    :param headers: extra headers, e.g. ``Allow`` for 405.
    """
    return Response(
        json.dumps(body),
        status=body["status"],
        headers=dict(headers or {}),
        content_type=PROBLEM_CONTENT_TYPE,
    )


def _reason(status: int) -> str:
    return HTTP_STATUS_CODES.get(status, "Error")


def field_errors(messages: Mapping[str, Any], prefix: str = "") -> list[dict[str, str]]:
    """Flatten webargs' nested validation messages into one entry per message.

    ``{"json": {"data": {"n": ["Not a valid integer."]}}}`` becomes
    ``[{"location": "body", "pointer": "/data/n", "detail": "Not a valid integer."}]``.

    :param prefix: JSON Pointer put in front of every pointer, e.g. ``/events/3``
        for the messages of one item of a batch.
    """
    errors: list[dict[str, str]] = []
    for location, tree in messages.items():
        _flatten(_LOCATIONS.get(location, "body"), prefix, tree, errors)
    return errors


def _flatten(location: str, pointer: str, tree: Any, out: list[dict[str, str]]) -> None:
    if isinstance(tree, Mapping):
        for key, subtree in tree.items():
            # marshmallow reports errors of the whole object under "_schema".
            child = pointer if key == "_schema" else f"{pointer}/{_escape(str(key))}"
            _flatten(location, child, subtree, out)
    elif isinstance(tree, list | tuple):
        for item in tree:
            _flatten(location, pointer, item, out)
    else:
        out.append({"location": location, "pointer": pointer, "detail": str(tree)})


def _escape(token: str) -> str:
    # RFC 6901, section 3: "~" and "/" are escaped inside a reference token.
    return token.replace("~", "~0").replace("/", "~1")
