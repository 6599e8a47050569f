# Managed by relaykit: "copier update" merges the template's changes into this file.
"""The OpenAPI side of the API: the Api class and what every operation documents.

The contract must not depend on the Python version the spec is generated with,
so error responses use the fixed names of ``PROBLEM_RESPONSES`` rather than
``http.HTTPStatus`` names (422 is UNPROCESSABLE_ENTITY before Python 3.13 and
UNPROCESSABLE_CONTENT after).
"""

from __future__ import annotations

import http
from collections.abc import Callable
from typing import Any
from typing import cast

import marshmallow as ma
from apispec import APISpec
from apispec import BasePlugin
from apispec.ext.marshmallow import resolver
from apispec.ext.marshmallow.common import resolve_schema_cls
from flask import Flask
from flask import Response
from flask_smorest import Api
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Rule

from ..observability.request_id import REQUEST_ID_HEADER
from ..observability.request_id import REQUEST_ID_PATTERN
from .fields import ContractMarshmallowPlugin
from .fields import written_schema
from .intake.items import document_batch_limit
from .problems import handle_http_exception
from .schemas import AUTH_PROBLEM_RESPONSES
from .schemas import PROBLEM_CONTENT_TYPE
from .schemas import PROBLEM_RESPONSES
from .schemas import STUB_PROBLEM_RESPONSES
from .schemas import ProblemSchema

__all__ = ["ContractPlugin", "ServiceApi", "component_name"]

#: Problem answers that every operation can give.
EVERY_OPERATION_ERRORS = (500,)

#: Problem answers that every operation with a JSON request body can give.
JSON_BODY_ERRORS = (400, 413, 415, 422)

#: Problem answers that every operation with parameters of its own can give.
PARAMETER_ERRORS = (422,)

#: Component names of the request id parameter and response header.
REQUEST_ID_COMPONENT = "RequestId"


def operation_id(rule: Rule, method: str, methods: int) -> str:
    """Derive a stable operationId from the view function's name.

    ``events.accept_event`` gives ``acceptEvent``; a view that serves several
    methods gets the method in front (``postAcceptEvent``).
    """
    words = [word for word in str(rule.endpoint).rsplit(".", 1)[-1].split("_") if word]
    if methods > 1:
        words.insert(0, method)
    # Keep the case inside words: a view named EventsById gives getEventsById.
    return words[0][0].lower() + words[0][1:] + "".join(w[0].upper() + w[1:] for w in words[1:])


def component_name(schema: type[ma.Schema] | ma.Schema) -> str | None:
    """The contract's name for a schema class that is not registered by name yet.

    ``EventSchema`` is written as the component ``Event``. The imported contract's
    classes say in ``Meta`` what they are: ``component = "pet-details"`` names the
    document's component, and ``inline = True`` (request parts, inline objects)
    writes the schema in place, as the document had it.
    """
    schema_class = resolve_schema_cls(schema)
    if isinstance(schema_class, list):  # a nested schema given as a list of classes
        schema_class = schema_class[0]
    if getattr(schema_class.Meta, "inline", False):
        return None
    component: str | None = getattr(schema_class.Meta, "component", None)
    return component or resolver(schema_class)


def _array_style(parameter: Any) -> None:
    """Give an array header, path or cookie parameter the style it is parsed with.

    apispec writes ``style: form, explode: true`` for every array parameter, which a
    query string repeats (``?id=1&id=2``); a header or path segment holds the whole
    array comma-separated (``style: simple``), as does a cookie (``explode: false``).
    """
    if not isinstance(parameter, dict) or parameter.get("style") != "form":
        return
    if parameter.get("in") in ("header", "path"):
        parameter["style"] = "simple"
        parameter.pop("explode", None)
    elif parameter.get("in") == "cookie":
        parameter["explode"] = False


class ContractPlugin(BasePlugin):
    """apispec plugin that gives every operation the same documented shape.

    - an operationId derived from the view (unless the view sets its own);
    - the ``X-Request-ID`` request parameter and response header;
    - the problem answers it can give, as references to shared responses;
    - with a security scheme, the contract's ``security`` and a 401 answer on every
      operation but those whose ``security`` is ``[]`` (the health checks): those
      are the operations that need a key (:meth:`is_protected`). An operation
      with requirements of its own (an imported document's) needs the service's
      key as well as what they name, and says so.

    :param security: the name and definition of the security scheme, or None.
    """

    def __init__(self, security: tuple[str, dict[str, Any]] | None = None) -> None:
        self._operation_ids: dict[str, str] = {}
        self._spec: APISpec | None = None
        self._security = security
        self._protected: set[tuple[str, str]] = set()

    def is_protected(self, endpoint: str, method: str) -> bool:
        """Tell whether the operation of ``endpoint`` and ``method`` needs a key."""
        return (endpoint, method.upper()) in self._protected

    def init_spec(self, spec: APISpec) -> None:
        self._spec = spec
        if self._security is not None:
            name, scheme = self._security
            spec.components.security_scheme(name, scheme)
            spec.options.setdefault("security", [{name: []}])
            spec.components.header(
                "WWWAuthenticate",
                {
                    "description": "How to authenticate (RFC 9110, section 11.6.1).",
                    "schema": {"type": "string"},
                },
            )
            for status, (component, title) in AUTH_PROBLEM_RESPONSES.items():
                self._document_problem(status, component, title)
        spec.components.schema("Problem", schema=ProblemSchema)
        spec.components.parameter(
            REQUEST_ID_COMPONENT,
            "header",
            {
                "name": REQUEST_ID_HEADER,
                # Any text is taken (an id that does not fit is replaced, not refused):
                # the contract declares no pattern the service does not enforce.
                "description": "Id of this request, echoed in the answer. Kept when it is "
                "1-128 letters, digits and . _ : - starting with a letter or digit; "
                "replaced by a new id otherwise, and made when absent.",
                "required": False,
                "schema": {"type": "string"},
            },
        )
        spec.components.header(
            REQUEST_ID_COMPONENT,
            {
                "description": "Id of the request this answers.",
                "schema": {"type": "string", "pattern": REQUEST_ID_PATTERN},
            },
        )
        spec.components.header(
            "Allow",
            {"description": "The methods the path allows.", "schema": {"type": "string"}},
        )
        spec.components.header(
            "RetryAfter",
            {
                "description": "Seconds after which the same request may succeed.",
                "schema": {"type": "integer", "minimum": 0},
            },
        )
        for status in sorted(PROBLEM_RESPONSES):
            self._document_problem(status, *PROBLEM_RESPONSES[status])

    @property
    def spec(self) -> APISpec:
        """The spec this plugin was initialised with."""
        if self._spec is None:
            raise RuntimeError("the plugin is used before apispec initialised it")
        return self._spec

    def _document_problem(self, status: int, name: str, title: str) -> None:
        headers = {REQUEST_ID_HEADER: REQUEST_ID_COMPONENT}
        if status == 405:
            headers["Allow"] = "Allow"
        if status == 503:
            headers["Retry-After"] = "RetryAfter"
        if status == 401:
            headers["WWW-Authenticate"] = "WWWAuthenticate"
        self.spec.components.response(
            name,
            {
                "description": title,
                "headers": headers,
                "content": {PROBLEM_CONTENT_TYPE: {"schema": "Problem"}},
            },
        )

    def operation_helper(
        self,
        path: str | None = None,
        operations: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        rule: Rule | None = kwargs.get("rule")
        for method, operation in (operations or {}).items():
            if rule is not None and "operationId" not in operation:
                operation["operationId"] = operation_id(rule, method, len(operations or {}))
            self._claim(operation["operationId"], f"{method.upper()} {path}")
            validated_parameters = bool(operation.get("parameters"))
            for parameter in operation.get("parameters", []):
                _array_style(parameter)
            operation.setdefault("parameters", []).append(REQUEST_ID_COMPONENT)
            responses = {
                str(status): self._shared_or_own(str(status), response)
                for status, response in operation.get("responses", {}).items()
            }
            statuses: tuple[int, ...] = EVERY_OPERATION_ERRORS
            if "requestBody" in operation:
                statuses += JSON_BODY_ERRORS
            elif validated_parameters:
                statuses += PARAMETER_ERRORS
            for status in statuses:
                responses.setdefault(str(status), PROBLEM_RESPONSES[status][0])
            if self._security is not None and operation.get("security") != []:
                own = operation.get("security")
                if own is not None:
                    # The service's key is checked whatever else is asked: fail closed.
                    name = self._security[0]
                    operation["security"] = [{name: [], **requirement} for requirement in own]
                for status, (component, _) in AUTH_PROBLEM_RESPONSES.items():
                    responses.setdefault(str(status), component)
                if rule is not None:
                    self._protected.add((str(rule.endpoint), method.upper()))
            operation["responses"] = dict(sorted(responses.items()))

    def _claim(self, operation_id: str, where: str) -> None:
        first = self._operation_ids.setdefault(operation_id, where)
        if first != where:
            raise ValueError(
                f"operationId {operation_id!r} of {where} is already used by {first}: "
                "rename one of the views or give it @blp.doc(operationId=...)"
            )

    def _shared_or_own(self, status: str, response: Any) -> Any:
        # flask-smorest refers to error responses by http.HTTPStatus name.
        if isinstance(response, str) and response in http.HTTPStatus.__members__:
            if not status.isdigit() or int(status) not in PROBLEM_RESPONSES:
                raise ValueError(
                    f"status {status} ({response}) has no problem response: "
                    "add it to PROBLEM_RESPONSES in api/problems.py"
                )
            return PROBLEM_RESPONSES[int(status)][0]
        for code, (name, title) in STUB_PROBLEM_RESPONSES.items():
            if response == name and name not in self.spec.components.responses:
                self._document_problem(code, name, title)
        if isinstance(response, dict):
            response.setdefault("headers", {})[REQUEST_ID_HEADER] = REQUEST_ID_COMPONENT
        return response


class ServiceApi(Api):
    """flask-smorest's Api with problem details for every error.

    Error responses are documented by :class:`ContractPlugin`, so the catch-all
    ``default`` response of flask-smorest is switched off.
    """

    ERROR_SCHEMA = ProblemSchema
    DEFAULT_ERROR_RESPONSE_NAME = None

    def __init__(self, app: Flask, security: tuple[str, dict[str, Any]] | None = None) -> None:
        """:param security: the security scheme (see :class:`ContractPlugin`)."""
        self.contract_plugin = ContractPlugin(security)
        super().__init__(
            app,
            spec_kwargs={
                # apispec's type says a resolver returns str; its docs say None means inline.
                "marshmallow_plugin": ContractMarshmallowPlugin(
                    schema_name_resolver=cast("Callable[[type[ma.Schema]], str]", component_name)
                ),
                "extra_plugins": [self.contract_plugin],
            },
        )
        limit = app.extensions["settings"].batch_max_items
        self.ma_plugin.converter.add_attribute_function(document_batch_limit(limit))
        # Last, so a field checked as written is documented as written.
        self.ma_plugin.converter.add_attribute_function(written_schema)

    def _register_pagination_header(self) -> None:
        # The service does not paginate; flask-smorest would otherwise put its
        # PaginationMetadata schema into every contract.
        return None

    def handle_http_exception(self, error: HTTPException) -> Response:
        return handle_http_exception(error)
