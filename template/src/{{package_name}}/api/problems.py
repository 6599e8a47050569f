# Managed by relaykit: "copier update" merges the template's changes into this file.
"""Problem details (RFC 9457): every error becomes one, here and nowhere else.

Views, steps, the intake flow and the reference worker raise or ask; this module
writes the answer, and logs what the client must not see.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from flask import Flask
from flask import Response
from flask import current_app
from flask import request
from werkzeug.exceptions import HTTPException
from werkzeug.exceptions import InternalServerError
from werkzeug.http import HTTP_STATUS_CODES

from ..handoff import HandoffError
from ..observability.request_id import current_request_id
from ..pipeline import BrokenStepError
from ..pipeline import StepError
from .schemas import PROBLEM_CONTENT_TYPE
from .schemas import PROBLEM_RESPONSES

__all__ = [
    "PATH_SAFE",
    "field_errors",
    "handle_http_exception",
    "handoff_headers",
    "handoff_problem",
    "problem_body",
    "problem_response",
    "register_error_handlers",
    "step_error_problem",
    "step_failure_problem",
    "unexpected_error_problem",
    "validation_problem",
]

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
PATH_SAFE = "/:@!$&'()*+,;=-._~"


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
        "instance": quote(request.path, safe=PATH_SAFE),
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


def validation_problem(messages: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """The 422 problem listing every invalid field of ``messages`` (webargs' form)."""
    errors = field_errors(messages, prefix)
    noun = "field is" if len(errors) == 1 else "fields are"
    return problem_body(422, f"{len(errors)} {noun} invalid; see errors.", errors=errors)


def step_error_problem(error: StepError, prefix: str = "") -> dict[str, Any]:
    """The 422 problem of a step that refused an item; it names the step."""
    pointer = prefix + error.pointer
    return problem_body(
        422,
        f"The {error.step} step refused the item: {error.detail}",
        errors=[{"location": "body", "pointer": pointer, "detail": error.detail}],
        step=error.step,
    )


def step_failure_problem(error: BrokenStepError, item: str = "") -> dict[str, Any]:
    """The 500 problem of a step that broke; the log line, not the answer, names the step.

    :param item: JSON Pointer to the item in the request, for an item of a batch.
    """
    extra = {"step": error.step, **({"item": item} if item else {})}
    current_app.logger.error(
        "pipeline step %s failed", error.step, extra=extra, exc_info=error.__cause__
    )
    return _failure_body()


def unexpected_error_problem(error: BaseException) -> dict[str, Any]:
    """The 500 problem of any other failure; the traceback goes to the log only."""
    current_app.logger.error(
        "unhandled error while handling %s %s", request.method, request.path, exc_info=error
    )
    return _failure_body()


def handoff_problem(error: HandoffError) -> dict[str, Any]:
    """The problem of a delivery the worker did not acknowledge: 502, 503 or 504.

    The client may send the request again, with the same key; see ``retry_after``.
    """
    return problem_body(error.status, error.detail)


def handoff_headers(error: HandoffError) -> dict[str, str]:
    """``Retry-After`` for a handoff problem, when there is a hint."""
    return {} if error.retry_after is None else {"Retry-After": str(error.retry_after)}


def _failure_body() -> dict[str, Any]:
    return problem_body(
        500,
        f"The service failed to handle this request; it was logged with request id "
        f"{current_request_id()}.",
    )


def _detail(error: HTTPException) -> str:
    status = error.code or 500
    if status == 404:
        return f"There is no resource at {request.path}; /openapi.json lists them all."
    if status == 405:
        allowed = ", ".join(sorted(getattr(error, "valid_methods", None) or []))
        return f"{request.method} is not allowed on {request.path}; allowed: {allowed}."
    if status == 413:
        limit = current_app.config["MAX_CONTENT_LENGTH"]
        return f"The request body is larger than the {limit} bytes this service accepts."
    return error.description or error.name


def handle_http_exception(error: HTTPException) -> Response:
    """Answer an HTTP error (404, 405, 413, 415, 422, ...) with problem details."""
    if isinstance(error, InternalServerError):
        # Flask wraps an exception no handler took; log the original one.
        return problem_response(unexpected_error_problem(error.original_exception or error))
    headers = {
        key: value
        for key, value in error.get_headers()
        if key.lower() not in ("content-type", "content-length")
    }
    data = getattr(error, "data", None) or {}
    if error.code == 422 and "messages" in data:
        return problem_response(validation_problem(data["messages"]), headers=headers)
    return problem_response(problem_body(error.code or 500, _detail(error)), headers=headers)


def register_error_handlers(app: Flask) -> None:
    """Answer pipeline errors and any unexpected exception with problem details.

    HTTP errors reach :func:`handle_http_exception` through the Api.
    """
    app.register_error_handler(StepError, lambda error: problem_response(step_error_problem(error)))
    app.register_error_handler(
        BrokenStepError, lambda error: problem_response(step_failure_problem(error))
    )
    app.register_error_handler(
        HandoffError,
        lambda error: problem_response(handoff_problem(error), headers=handoff_headers(error)),
    )
    app.register_error_handler(
        Exception, lambda error: problem_response(unexpected_error_problem(error))
    )
