# Managed by relaykit: "copier update" merges the template's changes into this file.
"""The service's Blueprint: flask-smorest's, with request bodies parsed as strict JSON."""

from __future__ import annotations

import json
import math
from typing import Any

import flask
import flask_smorest
import marshmallow as ma
from webargs import core
from webargs.flaskparser import FlaskParser
from werkzeug.exceptions import BadRequest
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.exceptions import UnsupportedMediaType

from .fields import exceeds_depth

__all__ = ["MAX_JSON_DEPTH", "Blueprint", "JSONBodyParser", "parse_json"]

#: The deepest nesting of arrays and objects a request body may have. Deeper
#: bodies are refused before any code walks them recursively; schemas set
#: tighter limits on their free-form fields (see ``fields.MaxDepth``).
MAX_JSON_DEPTH = 40


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def _finite_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise ValueError(f"the number {text} is out of range")
    return value


def parse_json(data: bytes) -> Any:
    """Decode a request body as strict JSON (RFC 8259).

    NaN and Infinity, numbers out of range and nesting deeper than
    :data:`MAX_JSON_DEPTH` are refused too.

    :raises BadRequest: saying what is wrong.
    """
    try:
        value = json.loads(data, parse_constant=_refuse_constant, parse_float=_finite_float)
    except (ValueError, RecursionError) as error:
        # ValueError covers JSONDecodeError, UnicodeDecodeError and over-long integers.
        reason = "it is nested too deeply" if isinstance(error, RecursionError) else error
        raise BadRequest(f"The request body is not valid JSON: {reason}.") from None
    if exceeds_depth(value, MAX_JSON_DEPTH):
        raise BadRequest(f"The request body nests arrays and objects over {MAX_JSON_DEPTH} deep.")
    return value


class JSONBodyParser(FlaskParser):
    """webargs parser for bodies that must be ``application/json``.

    - 415 for another content type or any content coding (webargs alone would
      take a non-JSON body as missing and answer 422);
    - 413 for a chunked body over ``MAX_CONTENT_LENGTH`` (Werkzeug stops
      reading at the limit without saying so);
    - 400 for a body that is not strict JSON.
    """

    def load_json(self, req: flask.Request, schema: ma.Schema) -> Any:
        if req.mimetype != "application/json":
            sent = req.mimetype or "no Content-Type"
            raise UnsupportedMediaType(
                f"Send the request body as application/json; this request sent {sent}."
            )
        coding = req.headers.get("Content-Encoding", "identity").strip().lower()
        if coding != "identity":
            raise UnsupportedMediaType(
                f"Send the request body uncompressed; Content-Encoding {coding} is not supported."
            )
        data = req.get_data(cache=True)
        limit = req.max_content_length
        if req.content_length is None and limit is not None and len(data) >= limit:
            raise RequestEntityTooLarge()
        if not data:
            return core.missing
        return parse_json(data)


class Blueprint(flask_smorest.Blueprint):
    """A flask-smorest Blueprint whose request bodies are parsed as strict JSON."""

    ARGUMENTS_PARSER = JSONBodyParser()

    def arguments(self, schema: type[ma.Schema] | ma.Schema, **kwargs: Any) -> Any:
        """flask-smorest's ``arguments``, given a schema instance made once: from a
        class, webargs would build a new schema (copying every field) per request."""
        return super().arguments(schema() if isinstance(schema, type) else schema, **kwargs)
