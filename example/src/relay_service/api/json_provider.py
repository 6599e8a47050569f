# Managed by relaykit: "copier update" merges the template's changes into this file.
"""JSON answers, encoded by orjson: every receipt, problem and batch result goes out here."""

from __future__ import annotations

from typing import Any

import orjson
from flask import Response
from flask.json.provider import DefaultJSONProvider

from ..json_encoding import encode_json

__all__ = ["ServiceJSONProvider"]


class ServiceJSONProvider(DefaultJSONProvider):
    """Flask's JSON provider (``app.json``), answering with orjson: ``jsonify`` and every
    view's JSON answer. Members go out in the order they were made (a schema's field
    order), not sorted; dates and times as RFC 3339, the stdlib's types as Flask writes them.

    ``flask.json.dumps`` (the contract's ``openapi.json``) stays Flask's own, so that the
    committed file keeps its layout byte for byte.
    """

    def response(self, *args: Any, **kwargs: Any) -> Response:
        """A JSON answer with ``args`` or ``kwargs`` as its body, as ``jsonify`` takes them."""
        data = self._prepare_response_obj(args, kwargs)
        option = orjson.OPT_NON_STR_KEYS | (orjson.OPT_INDENT_2 if self._app.debug else 0)
        body = encode_json(data, self.default, option)
        return Response(body, mimetype=self.mimetype)
