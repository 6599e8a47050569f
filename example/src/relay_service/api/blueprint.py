# Managed by relaykit: "copier update" merges the template's changes into this file.
"""The service's Blueprint: flask-smorest's, with request bodies parsed as strict JSON.

Besides the JSON objects and forms flask-smorest's ``arguments`` reads, it reads
``multipart/form-data`` (fields and files, location ``multipart``) and, with
``body``, any other JSON value or media type.
"""

from __future__ import annotations

import fnmatch
import functools
import json
import math
from collections.abc import Callable
from typing import Any

import flask
import flask_smorest
import marshmallow as ma
from webargs import core
from webargs.flaskparser import FlaskParser
from webargs.multidictproxy import MultiDictProxy
from werkzeug.datastructures import CombinedMultiDict
from werkzeug.exceptions import BadRequest
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.exceptions import UnsupportedMediaType

from .fields import exceeds_depth

__all__ = ["MAX_JSON_DEPTH", "Blueprint", "JSONBodyParser", "parse_json", "read_body"]

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


def _refuse_unless(req: flask.Request, media_type: str) -> None:
    """415 unless the request's media type is ``media_type`` (which may have wildcards)."""
    if not fnmatch.fnmatch(req.mimetype, media_type):
        sent = req.mimetype or "no Content-Type"
        raise UnsupportedMediaType(
            f"Send the request body as {media_type}; this request sent {sent}."
        )
    coding = req.headers.get("Content-Encoding", "identity").strip().lower()
    if coding != "identity":
        raise UnsupportedMediaType(
            f"Send the request body uncompressed; Content-Encoding {coding} is not supported."
        )


def _read_data(req: flask.Request) -> bytes:
    """The request body; 413 for a chunked one over ``MAX_CONTENT_LENGTH``."""
    data = req.get_data(cache=True)
    limit = req.max_content_length
    # Werkzeug stops reading a chunked body at the limit without saying so.
    if req.content_length is None and limit is not None and len(data) >= limit:
        raise RequestEntityTooLarge()
    return data


class JSONBodyParser(FlaskParser):
    """webargs parser for bodies that must be ``application/json``.

    - 415 for another content type or any content coding (webargs alone would
      take a non-JSON body as missing and answer 422);
    - 413 for a chunked body over ``MAX_CONTENT_LENGTH``;
    - 400 for a body that is not strict JSON.

    The location ``multipart`` reads a ``multipart/form-data`` body: its fields
    and its files together (415 for another media type).
    """

    def load_json(self, req: flask.Request, schema: ma.Schema) -> Any:
        _refuse_unless(req, "application/json")
        data = _read_data(req)
        if not data:
            return core.missing
        return parse_json(data)

    def load_multipart(self, req: flask.Request, schema: ma.Schema) -> Any:
        _refuse_unless(req, "multipart/form-data")
        return MultiDictProxy(CombinedMultiDict([req.form, req.files]), schema)

    __location_map__ = {**FlaskParser.__location_map__, "multipart": "load_multipart"}  # noqa: RUF012


def read_body(field: ma.fields.Field[Any] | None, media_type: str, *, required: bool) -> Any:
    """The current request's body as the contract has it, for :meth:`Blueprint.body`.

    :param field: checks a JSON body; None hands the bytes over as sent.
    :param media_type: the media type the contract takes, without parameters
        (``image/*`` takes any image).
    :returns: the checked value, the bytes, or None for an optional body not sent.
    :raises HTTPException: 415, 413, 400 (not JSON) or 422 listing every invalid part.
    """
    req = flask.request
    if not req.content_length and not req.headers.get("Transfer-Encoding"):
        if required:
            flask_smorest.abort(422, messages={"json": ["A request body is required."]})
        return None
    _refuse_unless(req, media_type)
    data = _read_data(req)
    if field is None:
        return data
    try:
        return field.deserialize(parse_json(data))
    except ma.ValidationError as error:
        flask_smorest.abort(422, messages={"json": error.messages})


class Blueprint(flask_smorest.Blueprint):
    """A flask-smorest Blueprint whose request bodies are parsed as strict JSON."""

    ARGUMENTS_PARSER = JSONBodyParser()
    DEFAULT_LOCATION_CONTENT_TYPE_MAPPING = {  # noqa: RUF012 (flask-smorest reads it per class)
        **flask_smorest.Blueprint.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING,
        "multipart": "multipart/form-data",
    }

    def arguments(self, schema: type[ma.Schema] | ma.Schema, **kwargs: Any) -> Any:
        """flask-smorest's ``arguments``, given a schema instance made once: from a
        class, webargs would build a new schema (copying every field) per request."""
        return super().arguments(schema() if isinstance(schema, type) else schema, **kwargs)

    def body(
        self, field: ma.fields.Field[Any] | None, media_type: str, *, required: bool = True
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Pass the request body to the view as ``body``, read by :func:`read_body`.

        For what ``arguments`` cannot read: a JSON value that is no object (an
        array, a string, one of several shapes), or another media type. It adds
        nothing to the contract: the view documents its ``requestBody`` itself.
        """

        def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
            @functools.wraps(view)
            def with_body(*args: Any, **kwargs: Any) -> Any:
                return view(*args, body=read_body(field, media_type, required=required), **kwargs)

            return with_body

        return decorator
