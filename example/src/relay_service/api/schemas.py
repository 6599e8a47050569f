# Managed by relaykit: "copier update" merges the template's changes into this file.
"""The contract's shared schemas: problem details (RFC 9457), and the statuses documented."""

from __future__ import annotations

import marshmallow as ma

__all__ = [
    "AUTH_PROBLEM_RESPONSES",
    "PROBLEM_CONTENT_TYPE",
    "PROBLEM_RESPONSES",
    "STUB_PROBLEM_RESPONSES",
    "FieldErrorSchema",
    "ProblemSchema",
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

#: Problem answers documented only when authentication is on (``RELAY_AUTH``).
AUTH_PROBLEM_RESPONSES: dict[int, tuple[str, str]] = {
    401: ("Unauthorized", "Unauthorized"),
}

#: Problem answers documented only in contracts whose operations give them: the
#: stubs of imported operations answer 501 until their handler is written.
STUB_PROBLEM_RESPONSES: dict[int, tuple[str, str]] = {
    501: ("NotImplemented", "Not Implemented"),
}


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
