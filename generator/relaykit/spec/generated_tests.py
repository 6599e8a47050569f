"""The test module an import generates: each operation routed, validated and documented.

A valid request is made for each operation from its schemas (examples first, else the
smallest valid values); an operation whose request cannot be made (a pattern no simple
value matches) is named in the module instead.
"""

from __future__ import annotations

from typing import Any

from .emit import emit
from .operations import Operation
from .schemas import component_ref
from .testdata import NoExampleError
from .testdata import accepted_value
from .testdata import example_value

__all__ = ["imported_tests"]

#: A media type a request can be sent with, for each wildcard a contract may take.
_CONCRETE = {"*/*": "application/octet-stream", "image/*": "image/png", "text/*": "text/plain"}


def imported_tests(operations: list[Operation], components: dict[str, Any]) -> str:
    """The generated test module of an import: a valid request per operation, and a
    body without its required fields per operation whose JSON body has some."""
    cases, untested, refused = [], [], []
    for operation in operations:
        try:
            request = _valid_request(operation, components)
        except NoExampleError as error:
            untested.append(f"{operation.operation_id}: {error}")
            continue
        method = operation.method.upper()
        statuses = sorted({r.status for r in operation.responses})
        cases.append(
            {
                "method": method,
                "request": request,
                "statuses": statuses,
                "id": operation.operation_id,
            }
        )
        required = _required_body_fields(operation, components)
        if operation.body is not None and operation.body.kind == "object" and required:
            refused.append(
                {
                    "method": method,
                    "request": {**request, "json": {}},
                    "pointers": sorted(f"/{name}" for name in required),
                    "id": operation.operation_id,
                }
            )
    return emit("tests.py.jinja", cases=cases, untested=untested, refused=refused)


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
        path = path.replace(f"{{{parameter.name}}}", str(_text(value, joined=True)))
    request["path"] = path
    for location, keyword in (
        ("query", "query_string"),
        ("header", "headers"),
        ("cookie", "cookies"),
    ):
        values = {
            p.name: _text(example_value(p.schema, components), joined=location != "query")
            for p in operation.parameters_in(location)
            if p.required
        }
        if values:
            request[keyword] = values
    body = operation.body
    if body is None:
        return request
    media_type = body.content_type.split(";")[0].strip()
    if body.kind == "raw":
        request["data"] = b"relaykit"
        request["content_type"] = _CONCRETE.get(media_type, media_type)
        return request
    value = accepted_value(body.schema, components)
    if body.kind in ("object", "value"):
        request["json"] = value
        if media_type != "application/json":
            request["content_type"] = media_type
    elif body.kind == "multipart":
        files = _file_fields(body.schema, components)
        request["data"] = {k: _text(v) for k, v in value.items() if k not in files}
        request["files"] = {name: f"{name}.bin" for name in files if name in value}
        request["content_type"] = "multipart/form-data"
    else:
        request["data"] = {key: _text(item) for key, item in value.items()}
    return request


def _file_fields(schema: dict[str, Any], components: dict[str, Any]) -> set[str]:
    """The properties of a multipart body that are files (``format: binary``)."""
    if "$ref" in schema:
        schema = components.get(component_ref(schema["$ref"]) or "", {})
    properties = dict(schema.get("properties") or {})
    for part in schema.get("allOf", []):
        target = components.get(component_ref(part.get("$ref", "")) or "", part)
        properties |= target.get("properties") or {}
    return {
        name
        for name, prop in properties.items()
        if prop.get("format") == "binary" or "contentMediaType" in prop
    }


def _text(value: Any, *, joined: bool = False) -> Any:
    """A value as a query string, header or form has it; ``joined``: arrays comma-separated."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        items = [_text(item) for item in value]
        return ",".join(items) if joined else items
    return str(value)
