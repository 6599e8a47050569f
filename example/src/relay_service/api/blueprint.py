# Managed by the relaykit template; "copier update" replaces this file.
"""The service's Blueprint: flask-smorest's, with JSON bodies that must be JSON."""

from __future__ import annotations

import json
from typing import Any
from typing import NoReturn

import flask
import flask_smorest
import marshmallow as ma
from webargs.flaskparser import FlaskParser
from webargs.flaskparser import is_json_request
from werkzeug.exceptions import BadRequest
from werkzeug.exceptions import UnsupportedMediaType

__all__ = ["Blueprint", "JSONBodyParser"]


class JSONBodyParser(FlaskParser):
    """webargs parser that answers 415 for a body that is not declared as JSON,
    and 400 with the decoder's message for a body that is not valid JSON.

    webargs alone would treat a non-JSON body as missing and answer 422.
    """

    def load_json(self, req: flask.Request, schema: ma.Schema) -> Any:
        if not is_json_request(req):
            sent = req.mimetype or "no Content-Type"
            raise UnsupportedMediaType(
                f"Send the request body as application/json; this request sent {sent}."
            )
        return super().load_json(req, schema)

    def _handle_invalid_json_error(
        self,
        error: json.JSONDecodeError | UnicodeDecodeError,
        req: flask.Request,
        *args: Any,
        **kwargs: Any,
    ) -> NoReturn:
        raise BadRequest(f"The request body is not valid JSON: {error}.")


class Blueprint(flask_smorest.Blueprint):
    """A flask-smorest Blueprint whose request bodies are parsed as strict JSON."""

    ARGUMENTS_PARSER = JSONBodyParser()
