"""An OpenAPI document's operations, read into what a service's routes are made of.

Local ``$ref``s to parameters, request bodies, responses, headers, examples, links
and callbacks are resolved in place; refs to component schemas are kept, since the
service registers those components under their own names. Path-level parameters
are merged into each operation, and the document's ``security`` into each
operation that has none of its own.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from .load import pointer
from .schemas import python_name

__all__ = [
    "BODY_KINDS",
    "HTTP_METHODS",
    "Body",
    "Operation",
    "Parameter",
    "Response",
    "read_operations",
    "snake_case",
]

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

#: How a service reads a request body, by what it is:
#: ``object``: an application/json object, loaded through its schema class;
#: ``value``: any other JSON value (array, scalar, ``oneOf``, a +json object), checked by
#: one field;
#: ``form``: ``application/x-www-form-urlencoded``, through its schema class;
#: ``multipart``: ``multipart/form-data``, fields and files through its schema class;
#: ``raw``: any other media type, handed over as bytes (documented, not checked).
BODY_KINDS = ("object", "value", "form", "multipart", "raw")

_FORM = "application/x-www-form-urlencoded"
_MULTIPART = "multipart/form-data"

#: Header parameters OpenAPI says to ignore (3.0 and 3.1, "Parameter Object").
_IGNORED_HEADERS = {"accept", "content-type", "authorization"}

#: Operation keywords carried into the contract as written.
_DOCUMENTING = ("summary", "description", "deprecated", "externalDocs")

#: Names a generated blueprint module defines besides its views.
GENERATED_NAMES = ("blp", "annotations")

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
    """A request body: its media type, how the service reads it, its schema."""

    content_type: str
    #: How the service reads it (:data:`BODY_KINDS`).
    kind: str
    schema: dict[str, Any]
    required: bool
    description: str | None
    where: list[str | int]
    #: The media type object: its example(s) are documented with the body.
    media: dict[str, Any] = field(default_factory=dict)

    @property
    def location(self) -> str:
        """The webargs location a schema class reads it from (``json``, ``form``...)."""
        return {"object": "json"}.get(self.kind, self.kind)


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
    #: Why it cannot be imported, each with where: empty when it can.
    problems: list[str] = field(default_factory=list)

    @property
    def handler(self) -> str:
        """The name of the handler module and view function: ``list_pets``."""
        name = snake_case(self.operation_id)
        return f"{name}_" if name in GENERATED_NAMES else name

    @property
    def rule(self) -> str:
        """The Flask URL rule: ``/pets/{petId}`` gives ``/pets/<petId>``."""
        return _TEMPLATE_VARIABLE.sub(r"<\1>", self.path)

    def parameters_in(self, location: str) -> list[Parameter]:
        return [parameter for parameter in self.parameters if parameter.location == location]


def _is_json(content_type: str) -> bool:
    main = _media(content_type)
    return main == "application/json" or main.endswith("+json")


class _Reader:
    def __init__(
        self, document: dict[str, Any], is_class: Callable[[dict[str, Any]], bool]
    ) -> None:
        self.document = document
        self.is_class = is_class
        self.notes: list[str] = []
        self.problems: list[str] = []

    def note(self, where: list[str | int], message: str) -> None:
        self.notes.append(f"{pointer(where)}: {message}")

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
                if method in item:
                    found.append(self.operation(path, method, item[method], shared))
        return found

    def operation(
        self, path: str, method: str, spec: dict[str, Any], shared: list[dict[str, Any]]
    ) -> Operation:
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
        if method in ("head", "options"):
            operation.problems.append(
                f"{pointer(where)}: {method.upper()} is answered by the service itself on every path"
            )
        elif method == "trace":
            operation.problems.append(f"{pointer(where)}: TRACE operations are not supported")
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
            read = self.parameter(parameter, parameter_where, operation)
            if read is not None:
                operation.parameters.append(read)
        declared = {p.get("name") for p, _ in located if p.get("in") == "path"}
        variables = _TEMPLATE_VARIABLE.findall(path)
        for variable in dict.fromkeys(variables):
            if variable not in declared:
                operation.problems.append(
                    f"{pointer(where)}: the path variable {{{variable}}} has no path parameter"
                )
            if variables.count(variable) > 1:
                operation.problems.append(
                    f"{pointer(['paths', path])}: the path variable {{{variable}}} is in the "
                    "path twice; a URL rule can bind a name once"
                )
        if "requestBody" in spec:
            operation.body = self.body(spec["requestBody"], [*where, "requestBody"], operation)
        for status, response in spec.get("responses", {}).items():
            operation.responses.append(
                Response(str(status), response, [*where, "responses", str(status)])
            )
        return operation

    def parameter(
        self, spec: dict[str, Any], where: list[str | int], operation: Operation
    ) -> Parameter | None:
        name, location = str(spec["name"]), str(spec["in"])
        if location == "header" and name.lower() in _IGNORED_HEADERS:
            self.note(where, f"the header {name} is not a parameter (OpenAPI ignores it)")
            return None
        if "schema" not in spec:
            operation.problems.append(
                f"{pointer(where)}: a parameter with content instead of a schema is not supported"
            )
            return None
        if location == "path" and (not name.isidentifier() or keyword.iskeyword(name)):
            operation.problems.append(
                f"{pointer(where)}: the path parameter {name!r} must be a Python identifier "
                "and no keyword"
            )
            return None
        style = spec.get("style")
        if location == "path" and (
            style in ("matrix", "label")
            or (isinstance(spec["schema"], dict) and spec["schema"].get("type") == "object")
        ):
            # ;id=5, .5 or an object in a path segment: no URL rule binds them.
            shape = f"in style {style!r}" if style in ("matrix", "label") else "of type object"
            operation.problems.append(f"{pointer(where)}: path parameters {shape} are not parsed")
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

    def body(
        self, spec: dict[str, Any], where: list[str | int], operation: Operation
    ) -> Body | None:
        content = spec.get("content") or {}
        chosen = (
            next((t for t in content if _is_json(t)), None)
            or next((t for t in content if _media(t) == _FORM), None)
            or next((t for t in content if _media(t) == _MULTIPART), None)
            or next(iter(content), None)
        )
        if chosen is None:
            operation.problems.append(f"{pointer([*where, 'content'])}: the body has no media type")
            return None
        for other in content:
            if other != chosen:
                self.note([*where, "content", other], f"not accepted: the service takes {chosen}")
        media = content[chosen] or {}
        schema = media.get("schema") or {}
        is_object = self.is_class(schema)
        if _is_json(chosen):
            # webargs reads application/json bodies; a +json one is read whole.
            kind = "object" if is_object and _media(chosen) == "application/json" else "value"
        elif _media(chosen) in (_FORM, _MULTIPART) and is_object:
            kind = "form" if _media(chosen) == _FORM else "multipart"
        else:
            kind = "raw"
            self.note(
                [*where, "content", chosen],
                "handed to the handler as bytes, as sent: documented, not checked",
            )
        if "encoding" in media:
            self.note([*where, "content", chosen, "encoding"], "not carried into the contract")
        description = spec.get("description")
        return Body(chosen, kind, schema, bool(spec.get("required")), description, where, media)


def _media(content_type: str) -> str:
    return content_type.split(";")[0].strip().lower()


def read_operations(
    document: dict[str, Any], is_class: Callable[[dict[str, Any]], bool]
) -> tuple[list[Operation], list[str]]:
    """Every operation under ``paths`` of a validated document.

    :param is_class: whether a body's schema is an object a schema class says exactly
        (:meth:`~relaykit.spec.schemas.SchemaConverter.is_class`); others are read whole.
    :returns: the operations, each with the problems that keep it from being
        imported, and notes (what is carried differently, with where).
    """
    reader = _Reader(document, is_class)
    operations = reader.operations()
    seen: dict[str, Operation] = {}
    for operation in operations:
        first = seen.setdefault(operation.handler, operation)
        if first is not operation:
            operation.problems.append(
                f"{pointer(operation.where)}: operationId {operation.operation_id!r} gives the "
                f"handler name {operation.handler!r}, as {first.operation_id!r} does"
            )
    for name in document.get("webhooks") or {}:
        reader.note(["webhooks", name], "not imported: webhooks are calls the service makes")
    return operations, reader.notes
