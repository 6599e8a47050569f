"""An OpenAPI document's operations, read into what a service's routes are made of.

Local ``$ref``s to parameters, request bodies, responses, headers, examples, links
and callbacks are resolved in place; refs to component schemas are kept, since the
service registers those components under their own names. Path-level parameters
are merged into each operation, and the document's ``security`` into each
operation that has none of its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from .load import pointer
from .schemas import python_name

__all__ = [
    "HTTP_METHODS",
    "Body",
    "Operation",
    "Parameter",
    "Response",
    "read_operations",
    "snake_case",
]

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

#: Request body media types a service parses, and the webargs location of each.
BODY_LOCATIONS = {"application/json": "json", "application/x-www-form-urlencoded": "form"}

#: Header parameters OpenAPI says to ignore (3.0 and 3.1, "Parameter Object").
_IGNORED_HEADERS = {"accept", "content-type", "authorization"}

#: Operation keywords carried into the contract as written.
_DOCUMENTING = ("summary", "description", "deprecated", "externalDocs")

_TEMPLATE_VARIABLE = re.compile(r"\{([^{}]+)\}")
_SCHEMA_REF = re.compile(r"#/components/schemas/[^/]+")


def snake_case(name: str) -> str:
    """A Python identifier for an operationId: ``listPets`` and ``list-pets`` give ``list_pets``."""
    return python_name(name, "op")


def _camel(words: list[str]) -> str:
    parts = [part for word in words for part in re.split(r"[^A-Za-z0-9]+", word) if part]
    return "".join(part[:1].upper() + part[1:] for part in parts)


@dataclass
class Parameter:
    """A path, query, header or cookie parameter."""

    name: str
    location: str
    required: bool
    schema: dict[str, Any]
    where: list[str | int]


@dataclass
class Body:
    """A request body: its media type, schema and whether it must be sent."""

    content_type: str
    location: str
    schema: dict[str, Any]
    required: bool
    description: str | None
    where: list[str | int]
    #: The media type object: its example(s) are documented with the body.
    media: dict[str, Any] = field(default_factory=dict)


@dataclass
class Response:
    """One documented answer: its status (``"200"``, ``"default"``, ``"4XX"``) and doc."""

    status: str
    doc: dict[str, Any]
    where: list[str | int]

    @property
    def json(self) -> tuple[str, dict[str, Any]] | None:
        """The JSON media type and its schema, when the answer has a JSON body."""
        for content_type, media in (self.doc.get("content") or {}).items():
            if _is_json(content_type) and isinstance(media.get("schema"), dict):
                return content_type, media["schema"]
        return None


@dataclass
class Operation:
    """One method on one path, with everything its route and contract need."""

    method: str
    path: str
    operation_id: str
    tags: list[str]
    where: list[str | int]
    docs: dict[str, Any] = field(default_factory=dict)
    parameters: list[Parameter] = field(default_factory=list)
    body: Body | None = None
    responses: list[Response] = field(default_factory=list)

    @property
    def handler(self) -> str:
        """The name of the handler module and view function: ``list_pets``."""
        return snake_case(self.operation_id)

    @property
    def rule(self) -> str:
        """The Flask URL rule: ``/pets/{petId}`` gives ``/pets/<petId>``."""
        return _TEMPLATE_VARIABLE.sub(r"<\1>", self.path)

    def parameters_in(self, location: str) -> list[Parameter]:
        return [parameter for parameter in self.parameters if parameter.location == location]


def _is_json(content_type: str) -> bool:
    main = content_type.split(";")[0].strip().lower()
    return main == "application/json" or main.endswith("+json")


class _Reader:
    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.notes: list[str] = []
        self.problems: list[str] = []

    def note(self, where: list[str | int], message: str) -> None:
        self.notes.append(f"{pointer(where)}: {message}")

    def problem(self, where: list[str | int], message: str) -> None:
        self.problems.append(f"{pointer(where)}: {message}")

    def target(self, ref: str) -> Any:
        node: Any = self.document
        for part in ref.removeprefix("#/").split("/") if ref != "#" else []:
            part = part.replace("~1", "/").replace("~0", "~")
            node = node[int(part)] if isinstance(node, list) else node[part]
        return node

    def resolved(self, node: Any, depth: int = 0) -> Any:
        """``node`` with every ``$ref`` but those to component schemas replaced by its target."""
        if depth > 50:  # a ref cycle outside schemas: kept as a ref rather than looping
            return node
        if isinstance(node, list):
            return [self.resolved(item, depth) for item in node]
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        if isinstance(ref, str) and not _SCHEMA_REF.fullmatch(ref):
            return self.resolved(self.target(ref), depth + 1)
        return {key: self.resolved(value, depth) for key, value in node.items()}

    def operations(self) -> list[Operation]:
        found = []
        for path, item in (self.document.get("paths") or {}).items():
            item = self.resolved(item)
            shared = item.get("parameters", [])
            for method in HTTP_METHODS:
                if method in ("head", "options") and method in item:
                    self.problem(
                        ["paths", path, method],
                        f"{method.upper()} is answered by the service itself on every path",
                    )
                elif method == "trace" and method in item:
                    self.problem(["paths", path, method], "TRACE operations are not supported")
                elif method in item:
                    operation = self.operation(path, method, item[method], shared)
                    if operation is not None:
                        found.append(operation)
        return found

    def operation(
        self, path: str, method: str, spec: dict[str, Any], shared: list[dict[str, Any]]
    ) -> Operation | None:
        where: list[str | int] = ["paths", path, method]
        given = spec.get("operationId")
        words = [word for word in re.split(r"[/{}]+", path) if word]
        derived = method + _camel([f"By{_camel([w])}" if f"{{{w}}}" in path else w for w in words])
        operation = Operation(
            method=method,
            path=path,
            operation_id=str(given or derived),
            tags=[str(tag) for tag in spec.get("tags", [])],
            where=where,
        )
        for name in spec:
            if name in _DOCUMENTING or name.startswith("x-"):
                operation.docs[name] = spec[name]
        security = spec.get("security", self.document.get("security"))
        if security is not None:
            operation.docs["security"] = security
        if "callbacks" in spec:
            operation.docs["callbacks"] = spec["callbacks"]
            self.note([*where, "callbacks"], "documented; the service makes no such calls itself")
        if "servers" in spec:
            self.note([*where, "servers"], "not carried: the service answers on its own address")
        own_parameters = spec.get("parameters", [])
        own = {(p.get("name"), p.get("in")) for p in own_parameters}
        located: list[tuple[dict[str, Any], list[str | int]]] = [
            (p, ["paths", path, "parameters", index])
            for index, p in enumerate(shared)
            if (p.get("name"), p.get("in")) not in own
        ]
        located += [(p, [*where, "parameters", index]) for index, p in enumerate(own_parameters)]
        for parameter, parameter_where in located:
            read = self.parameter(parameter, parameter_where)
            if read is not None:
                operation.parameters.append(read)
        declared = {p.get("name") for p, _ in located if p.get("in") == "path"}
        for variable in _TEMPLATE_VARIABLE.findall(path):
            if variable not in declared:
                self.problem(where, f"the path variable {{{variable}}} has no path parameter")
        if "requestBody" in spec:
            operation.body = self.body(spec["requestBody"], [*where, "requestBody"])
        for status, response in spec.get("responses", {}).items():
            operation.responses.append(
                Response(str(status), response, [*where, "responses", str(status)])
            )
        return operation

    def parameter(self, spec: dict[str, Any], where: list[str | int]) -> Parameter | None:
        name, location = str(spec["name"]), str(spec["in"])
        if location == "header" and name.lower() in _IGNORED_HEADERS:
            self.note(where, f"the header {name} is not a parameter (OpenAPI ignores it)")
            return None
        if "schema" not in spec:
            self.problem(where, "a parameter with content instead of a schema is not supported")
            return None
        if location == "path" and not name.isidentifier():
            self.problem(where, f"the path parameter {name!r} must be a Python identifier")
            return None
        extensions = [key for key in spec if key.startswith("x-")]
        for kept in (
            "examples",
            "style",
            "explode",
            "allowEmptyValue",
            "allowReserved",
            *extensions,
        ):
            if kept in spec:
                self.note([*where, kept], f"{kept} is not carried into the contract")
        schema = dict(spec["schema"])
        if "example" in spec:  # written in the schema: apispec has a field's example there
            schema.setdefault("example", spec["example"])
        for name_ in ("description", "deprecated"):
            if name_ in spec:
                schema[name_] = spec[name_]
        return Parameter(name, location, bool(spec.get("required")), schema, [*where, "schema"])

    def body(self, spec: dict[str, Any], where: list[str | int]) -> Body | None:
        content = spec.get("content") or {}
        chosen = next((t for t in content if _is_json(t)), None) or next(
            (t for t in content if t in BODY_LOCATIONS), None
        )
        if chosen is None:
            self.problem(
                [*where, "content"],
                f"no request body media type the service can parse: {sorted(content)}; "
                "application/json (or +json) and application/x-www-form-urlencoded are supported",
            )
            return None
        for other in content:
            if other != chosen:
                self.note([*where, "content", other], f"not accepted: the service takes {chosen}")
        media = content[chosen]
        schema = media.get("schema") or {}
        target = self.target(schema["$ref"]) if "$ref" in schema else schema
        if (
            target.get("type", "object") != "object"
            or not {"properties", "allOf"} & set(target)
            or {"oneOf", "anyOf"} & set(target)
        ):
            self.problem(
                [*where, "content", chosen, "schema"],
                "a request body must be an object schema with properties",
            )
            return None
        if "encoding" in media:
            self.note([*where, "content", chosen, "encoding"], "not carried into the contract")
        location = "json" if _is_json(chosen) else BODY_LOCATIONS[chosen]
        description = spec.get("description")
        return Body(chosen, location, schema, bool(spec.get("required")), description, where, media)


def read_operations(document: dict[str, Any]) -> tuple[list[Operation], list[str], list[str]]:
    """Every operation under ``paths`` of a validated document.

    :returns: the operations, notes (what is carried differently, with where)
        and problems (what cannot be imported, with where).
    """
    reader = _Reader(document)
    operations = reader.operations()
    seen: dict[str, Operation] = {}
    for operation in operations:
        first = seen.setdefault(operation.handler, operation)
        if first is not operation:
            reader.problem(
                operation.where,
                f"operationId {operation.operation_id!r} gives the handler name "
                f"{operation.handler!r}, as {first.operation_id!r} does",
            )
    for name in document.get("webhooks") or {}:
        reader.note(["webhooks", name], "not imported: webhooks are calls the service makes")
    return operations, reader.notes, reader.problems
