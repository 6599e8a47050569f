"""The test module an import generates: each operation routed, validated and documented.

A valid request is made for each operation from its schemas (examples first, else the
smallest valid values); an operation whose request cannot be made (a pattern no simple
value matches) is named in the module instead.
"""

from __future__ import annotations

from typing import Any

from ..ownership import Ownership
from ..ownership import mark
from .operations import Operation
from .schemas import component_ref
from .schemas import docstring
from .testdata import NoExampleError
from .testdata import example_value

__all__ = ["imported_tests"]


def imported_tests(operations: list[Operation], components: dict[str, Any]) -> str:
    """The generated test module of an import: a valid request per operation, and a
    body without its required fields per operation whose JSON body has some."""
    cases, untested, refused = [], [], []
    for operation in operations:
        try:
            request = _valid_request(operation, components)
        except NoExampleError as error:
            untested.append(f"#: - {operation.operation_id}: {error}")
            continue
        statuses = sorted({r.status for r in operation.responses})
        cases.append(
            f"    pytest.param({operation.method.upper()!r}, {request!r}, {statuses!r}, "
            f"id={operation.operation_id!r}),"
        )
        required = _required_body_fields(operation, components)
        if operation.body is not None and operation.body.location == "json" and required:
            pointers = sorted(f"/{name}" for name in required)
            request = {**request, "json": {}}
            refused.append(
                f"    pytest.param({operation.method.upper()!r}, {request!r}, {pointers!r}, "
                f"id={operation.operation_id!r}),"
            )
    parts = [
        mark(Ownership.GENERATED),
        docstring(
            "The imported operations: each is routed and validated as its contract says, "
            "and answers 501 problem details until its handler is written."
        ),
        _TEST_IMPORTS,
    ]
    if cases:
        parts += [
            "#: A valid request for each operation, and the statuses its contract lists.",
            *(
                ["#: Left out, since no valid request could be made for them:", *untested]
                if untested
                else []
            ),
            "OPERATIONS = [",
            *cases,
            "]",
            _VALID_REQUEST_TEST,
        ]
    if refused:
        parts += [
            "#: Operations whose JSON body has required fields: a request, and the fields.",
            "BODIES_WITH_REQUIRED_FIELDS = [",
            *refused,
            "]",
            _MISSING_FIELDS_TEST,
        ]
    if not cases and not refused:
        parts.append(_NO_OPERATIONS_TEST)
    return "\n".join(parts)


def _required_body_fields(operation: Operation, components: dict[str, Any]) -> list[str]:
    body = operation.body
    if body is None:
        return []
    required: list[str] = []
    read_only: set[str] = set()
    parts = [body.schema]
    while parts:  # the body's schema and what it is built of (allOf, $refs)
        schema = parts.pop()
        if "$ref" in schema:
            parts.append(components.get(component_ref(schema["$ref"]) or "", {}))
            continue
        parts += schema.get("allOf", [])
        required += schema.get("required", [])
        properties = schema.get("properties") or {}
        read_only |= {name for name, prop in properties.items() if prop.get("readOnly")}
    return [name for name in dict.fromkeys(required) if name not in read_only]


def _valid_request(operation: Operation, components: dict[str, Any]) -> dict[str, Any]:
    path = operation.path
    request: dict[str, Any] = {}
    for parameter in operation.parameters_in("path"):
        value = example_value(parameter.schema, components)
        path = path.replace(f"{{{parameter.name}}}", str(value))
    request["path"] = path
    for location, keyword in (
        ("query", "query_string"),
        ("header", "headers"),
        ("cookie", "cookies"),
    ):
        values = {
            p.name: _text(example_value(p.schema, components))
            for p in operation.parameters_in(location)
            if p.required
        }
        if values:
            request[keyword] = values
    body = operation.body
    if body is not None:
        value = example_value(body.schema, components)
        if body.location == "json":
            request["json"] = value
        else:
            request["data"] = {key: _text(item) for key, item in value.items()}
    return request


_TEST_IMPORTS = """
from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

PROBLEM = "application/problem+json"


def send(client: FlaskClient, method: str, request_: dict[str, Any]) -> TestResponse:
    \"\"\"Send a request made for the contract; its cookies go in the client's jar.\"\"\"
    request_ = dict(request_)
    for name, value in request_.pop("cookies", {}).items():
        client.set_cookie(name, value)
    return client.open(method=method, **request_)
"""

_VALID_REQUEST_TEST = """

def documented(status: int, statuses: list[str]) -> bool:
    \"\"\"Whether the operation's contract lists a status: exactly, by range, or as default.\"\"\"
    code = str(status)
    return code in statuses or f"{code[0]}XX" in statuses or "default" in statuses


@pytest.mark.parametrize(("method", "request_", "statuses"), OPERATIONS)
def test_a_valid_request_reaches_its_handler(
    client: FlaskClient, method: str, request_: dict[str, Any], statuses: list[str]
) -> None:
    response = send(client, method, request_)  # the client checks it against openapi.json
    if response.status_code == 501:  # the handler is still a stub
        assert response.mimetype == PROBLEM
        assert "is not implemented yet" in response.get_json()["detail"]
    else:
        assert documented(response.status_code, statuses), response.get_data(as_text=True)
"""

_MISSING_FIELDS_TEST = """

@pytest.mark.parametrize(("method", "request_", "pointers"), BODIES_WITH_REQUIRED_FIELDS)
def test_a_body_without_its_required_fields_is_refused_naming_each(
    client: FlaskClient, method: str, request_: dict[str, Any], pointers: list[str]
) -> None:
    response = send(client, method, request_)
    assert response.status_code == 422
    assert response.mimetype == PROBLEM
    errors = response.get_json()["errors"]
    assert sorted(error["pointer"] for error in errors) == pointers
    assert {error["location"] for error in errors} == {"body"}
"""

_NO_OPERATIONS_TEST = """

def test_the_document_had_no_operations_to_import(client: FlaskClient) -> None:
    paths = client.get("/openapi.json").get_json()["paths"]
    assert all(path.startswith(("/livez", "/readyz")) or "/events" in path for path in paths)
"""


def _text(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return [_text(item) for item in value]
    return str(value)
