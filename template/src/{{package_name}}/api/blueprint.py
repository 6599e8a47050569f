# Managed by relaykit: "copier update" merges the template's changes into this file.
"""The service's Blueprint: flask-smorest's, with request bodies read as sent and parsed
as strict JSON (``json_body.py``).

Besides the JSON objects and forms flask-smorest's ``arguments`` reads, it reads
``multipart/form-data`` (fields and files, location ``multipart``) and, with
``body``, any other JSON value or media type.
"""

from __future__ import annotations

import fnmatch
import functools
from collections.abc import Callable
from typing import Any

import flask
import flask_smorest
import marshmallow as ma
from gunicorn.http.errors import ParseException
from webargs import core
from webargs.flaskparser import FlaskParser
from webargs.multidictproxy import MultiDictProxy
from werkzeug.datastructures import CombinedMultiDict
from werkzeug.exceptions import BadRequest
from werkzeug.exceptions import ClientDisconnected
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.exceptions import UnsupportedMediaType

# Also importable from here, as they were before json_body.py held them.
from .json_body import MAX_JSON_DEPTH
from .json_body import parse_json

__all__ = ["MAX_JSON_DEPTH", "Blueprint", "JSONBodyParser", "parse_json", "read_body", "read_data"]


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


_CUT_SHORT = "The request body ended before all of it was sent."


def read_data(req: flask.Request) -> bytes:
    """The request body, read as sent: with Content-Length or chunked.

    :raises RequestEntityTooLarge: for a body over ``MAX_CONTENT_LENGTH``; a chunked
        body of exactly that many bytes is taken, as one with Content-Length is.
    :raises BadRequest: when the body ends early (the client went away) or its chunked
        framing is broken (gunicorn's reader raises a ``ParseException``).
    """
    # The app's limit, not the request's: this raises it by one for the read below,
    # and the body may be read twice (authentication reads it to check a signature).
    limit = flask.current_app.config["MAX_CONTENT_LENGTH"] if req.content_length is None else None
    if limit is not None:
        # Werkzeug stops reading a chunked body at the limit without saying so: one
        # byte more tells a body of exactly the limit from a longer one.
        req.max_content_length = limit + 1
    try:
        data = req.get_data(cache=True)
    except ParseException as error:
        raise BadRequest(f"The request body's chunked framing is broken: {error}.") from None
    except ClientDisconnected:
        raise BadRequest(_CUT_SHORT) from None
    # gunicorn hands over a body with Content-Length cut short as far as it came.
    if req.content_length is not None and len(data) < req.content_length:
        raise BadRequest(_CUT_SHORT)
    if limit is not None and len(data) > limit:
        raise RequestEntityTooLarge()
    return data


class JSONBodyParser(FlaskParser):
    """webargs parser for bodies that must be ``application/json``.

    - 415 for another content type or any content coding (webargs alone would
      take a non-JSON body as missing and answer 422);
    - 413 for a body over ``MAX_CONTENT_LENGTH``, chunked or not;
    - 400 for a body that is not strict JSON (see :func:`parse_json`), or whose
      chunked framing is broken.

    The location ``multipart`` reads a ``multipart/form-data`` body: its fields
    and its files together (415 for another media type).
    """

    def load_json(self, req: flask.Request, schema: ma.Schema) -> Any:
        _refuse_unless(req, "application/json")
        data = read_data(req)
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
    data = read_data(req)
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

    def alt_response(self, *args: Any, **kwargs: Any) -> Callable[[Callable[..., Any]], Any]:
        """flask-smorest's ``alt_response``, documenting the view without wrapping it:
        flask-smorest's wrapper only calls the view, once per documented answer and
        request (a view that hands off documents four)."""
        document = super().alt_response(*args, **kwargs)

        def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
            view._apidoc = document(view)._apidoc  # type: ignore[attr-defined]
            return view

        return decorator

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
