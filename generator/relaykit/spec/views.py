"""The views of imported operations: one flask-smorest view per operation, as source.

A view is its decorators: the route, what validates each part of the request
(``blp.arguments`` per parameter location and for an object body, ``blp.body``
for any other body), every documented answer (``blp.response`` and
``blp.alt_response``) and the rest of the operation's docs (``blp.doc``). Its body
calls the handler the user writes. The schema classes the decorators name are
added to the converter's module as they are made.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from .operations import Operation
from .schemas import SchemaClass
from .schemas import SchemaConverter
from .schemas import attribute
from .schemas import class_name

__all__ = ["PROBLEM", "SERVICE_PROBLEM_STATUSES", "View", "ViewWriter", "request_parts"]

#: The order of a view's validated request parts: OpenAPI location, and the name each
#: is passed as (also its webargs location, for the headers and cookies).
LOCATIONS = (("path", "path"), ("query", "query"), ("header", "headers"), ("cookie", "cookies"))

#: Statuses the service answers itself with problem details, on any operation.
SERVICE_PROBLEM_STATUSES = ("400", "413", "415", "422", "500", "501")
PROBLEM = "application/problem+json"

#: Keywords of an answer's object schema that its class serializes faithfully.
_SERIALIZED = {"type", "properties", "required", "description", "title", "additionalProperties", "allOf"}  # fmt: skip


_LIST = "ma.fields.List("
_DELIMITED_LIST = "webargs.fields.DelimitedList("


def _is_file(schema: dict[str, Any]) -> bool:
    """Whether a multipart property is a file: binary, or with a media type of its own."""
    return schema.get("format") == "binary" or "contentMediaType" in schema


def _properties(schema: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    """An object schema's properties, with those of its ``allOf`` parts."""
    properties = dict(schema.get("properties") or {})
    for part in schema.get("allOf", []):
        if "$ref" in part:
            part = components.get(str(part["$ref"]).rsplit("/", 1)[-1], {})
        properties |= _properties(part, components)
    return properties


def request_parts(operation: Operation) -> list[str]:
    """The request parts a handler is given, by keyword."""
    present = [name for location, name in LOCATIONS if operation.parameters_in(location)]
    return [*present, "body"] if operation.body is not None else present


@dataclass
class View:
    """One view's source: its decorators, function name and what it passes on."""

    name: str
    handler: str
    decorators: list[str]
    signature: str
    keywords: str
    #: Classes and body fields of the schemas module the decorators name.
    schemas: set[str] = field(default_factory=set)


class ViewWriter:
    """Writes the views of a document's operations; their classes go to ``converter``."""

    def __init__(self, converter: SchemaConverter) -> None:
        self.converter = converter
        #: Fields of the schemas module that check a whole body: name -> source.
        self.body_fields: dict[str, str] = {}

    def problems_since(self, count: int) -> list[str]:
        """The converter's problems found after it had ``count``."""
        return self.converter.module.problems[count:]

    # ---- request parts -------------------------------------------------------------

    def parameters_class(self, operation: Operation, location: str) -> str | None:
        parameters = operation.parameters_in(location)
        if not parameters:
            return None
        camel = class_name(operation.operation_id)[:-6]
        converter = self.converter
        converter.scope, converter.strict_numbers = (camel, len(operation.where)), False
        schema = SchemaClass(converter.unique(f"{camel}{location.capitalize()}Schema"), inline=True)
        schema.description = f"The {location} parameters of {operation.operation_id}."
        names: set[str] = set()
        for parameter in parameters:
            name, data_key = attribute(parameter.name)
            if name in names:  # sort-by and sortBy: both sort_by in Python
                name, number = f"{name}_2", 2
                while name in names:
                    number += 1
                    name = f"{name.rsplit('_', 1)[0]}_{number}"
                data_key = parameter.name
            names.add(name)
            required = parameter.required or location == "path"
            source = converter.field(
                parameter.schema, parameter.where, required=required, data_key=data_key
            )
            if location in ("header", "path", "cookie") and source.startswith(_LIST):
                # One header, path segment or cookie holds the whole array, comma-separated.
                source = _DELIMITED_LIST + source.removeprefix(_LIST)
            schema.fields.append((name, source))
        converter.strict_numbers = True
        converter.module.classes.append(schema)
        return schema.name

    def schema_class(
        self, schema: dict[str, Any], where: list[str | int], name: str, *, strict: bool = True
    ) -> str:
        """The class for an object schema: a component's, or a new inline one.

        :param strict: whether integers must be JSON numbers (not so in forms).
        """
        converter = self.converter
        if "$ref" in schema:
            target = converter.ref_target(schema["$ref"], where)
            return converter.component(target) if target else "ma.Schema"
        converter.scope, converter.strict_numbers = (name, len(where)), strict
        converted = converter.object_class(converter.unique(f"{name}Schema"), schema, where)
        converter.strict_numbers = True
        converted.inline = True
        converter.module.classes.append(converted)
        return converted.name

    def multipart_class(self, schema: dict[str, Any], where: list[str | int], name: str) -> str:
        """The class of a ``multipart/form-data`` body: its binary properties are files."""
        converter = self.converter
        if "$ref" in schema:  # a class of its own: the component's has no files
            target = converter.ref_target(schema["$ref"], where)
            schema = converter.components.get(target or "", {})
        class_name_ = self.schema_class(schema, where, name, strict=False)
        converted = next(c for c in converter.module.classes if c.name == class_name_)
        properties = _properties(schema, converter.components)
        for index, (attribute_, source) in enumerate(converted.fields):
            prop: dict[str, Any] = next(
                (p for n, p in properties.items() if attribute(n)[0] == attribute_), {}
            )
            options = "required=True" if "required=True" in source else ""
            if _is_file(prop):
                converted.fields[index] = (attribute_, f"flask_smorest.fields.Upload({options})")
            elif prop.get("type") == "array" and _is_file(prop.get("items") or {}):
                files = f"ma.fields.List(flask_smorest.fields.Upload(), {options})"
                converted.fields[index] = (attribute_, files)
        return class_name_

    def response_class(
        self, schema: dict[str, Any], where: list[str | int], name: str
    ) -> str | None:
        """A class that serializes the answer, or None when it is not a closed object."""
        converter = self.converter
        if "$ref" in schema:
            target = converter.ref_target(schema["$ref"], where)
            if target is None or not converter.is_object(target):
                return None
            # Serializing drops what the schema does not name: not for open objects.
            if converter.components[target].get("additionalProperties"):
                return None
            return converter.component(target)
        kind = schema.get("type", "object" if "properties" in schema else None)
        if schema.get("additionalProperties") or set(schema) - _SERIALIZED:
            return None
        if kind == "object" and (schema.get("properties") or "allOf" in schema):
            return self.schema_class(schema, where, name)
        return None

    # ---- one operation --------------------------------------------------------------

    def view(self, operation: Operation, tag: str) -> View:
        """The decorated view of an operation, in the blueprint of ``tag``."""
        camel = class_name(operation.operation_id)[:-6]
        used: set[str] = set()
        decorators = [
            f"@blp.route({operation.rule!r}, methods=[{operation.method.upper()!r}], "
            f"endpoint={operation.handler!r}, tags={(operation.tags or [tag])!r})"
        ]
        for location, name in LOCATIONS:
            schema = self.parameters_class(operation, location)
            if schema is not None:
                used.add(schema)
                decorators.append(f"@blp.arguments({schema}, location={name!r}, arg_name={name!r})")
        docs = dict(operation.docs)
        docs["operationId"] = operation.operation_id
        body = operation.body
        if body is not None:
            decorator, schema, request_body = self.body(operation, camel)
            decorators.append(decorator)
            used |= {schema} if schema else set()
            if request_body is not None:
                docs["requestBody"] = request_body
        overrides = self.responses(operation, camel, decorators, used)
        if overrides:
            docs["responses"] = overrides
        if all(key.isidentifier() for key in docs):
            decorators.append(f"@blp.doc({', '.join(f'{k}={v!r}' for k, v in docs.items())})")
        else:  # extension keys (x-...) are no Python names
            decorators.append(f"@blp.doc(**{docs!r})")
        arguments = request_parts(operation)
        signature = ", ".join(f"{name}: Any" for name in arguments)
        return View(
            name=operation.handler,
            handler=operation.handler,
            decorators=decorators,
            signature=f"*, {signature}, **_path: Any" if signature else "**_path: Any",
            keywords=", ".join(f"{name}={name}" for name in arguments),
            schemas={schema for schema in used if schema != "ma.Schema"},
        )

    def body(self, operation: Operation, camel: str) -> tuple[str, str | None, Any]:
        """The body's decorator, the class or field of the schemas module it names (if
        any), and the ``requestBody`` the view documents itself (None when
        ``arguments`` documents it)."""
        body = operation.body
        assert body is not None
        schema_where = [*body.where, "content", body.content_type, "schema"]
        media_type = body.content_type.split(";")[0].strip()
        # What the contract says, as written: for the bodies apispec does not write.
        written = {key: value for key, value in body.media.items() if key != "encoding"}
        request_body: dict[str, Any] = {"content": {body.content_type: written}}
        if body.description:
            request_body["description"] = body.description
        request_body["required"] = body.required
        if body.kind == "raw":
            return f"@blp.body(None, {media_type!r}, required={body.required})", None, request_body
        if body.kind == "value":
            self.converter.strict_numbers = True
            name = re.sub(r"(?<!^)(?=[A-Z])", "_", f"{camel}Body").upper()
            self.body_fields[name] = self.converter.field(
                body.schema, schema_where, required=body.required
            )
            decorator = f"@blp.body({name}, {media_type!r}, required={body.required})"
            return decorator, name, request_body
        if body.kind == "multipart":
            schema = self.multipart_class(body.schema, schema_where, f"{camel}Body")
        else:
            schema = self.schema_class(
                body.schema, schema_where, f"{camel}Body", strict=body.kind == "object"
            )
        options = [f"location={body.location!r}", "arg_name='body'"]
        if body.kind == "form" and body.content_type != "application/x-www-form-urlencoded":
            options.append(f"content_type={body.content_type!r}")
        if not body.required:
            options.append("required=False")
        if body.description:
            options.append(f"description={body.description!r}")
        for name in ("example", "examples"):
            if name in body.media:
                options.append(f"{name}={body.media[name]!r}")
        decorator = f"@blp.arguments({schema}, {', '.join(options)})"
        # Files and fields together: documented as the document has them.
        return decorator, schema, request_body if body.kind == "multipart" else None

    def responses(
        self, operation: Operation, camel: str, decorators: list[str], used: set[str]
    ) -> dict[Any, Any]:
        """Add a decorator per answer; what apispec cannot write, as ``responses`` docs."""
        overrides: dict[Any, Any] = {}
        primary = next(
            (r for r in operation.responses if r.status[:1] == "2" and r.status.isdigit()), None
        )
        for response in operation.responses:
            status: Any = int(response.status) if response.status.isdigit() else response.status
            doc = response.doc
            options = [f"description={str(doc.get('description', ''))!r}"]
            json = response.json
            schema_name = None
            if json is not None:
                content_type, json_schema = json
                schema_name = self.response_class(
                    json_schema,
                    [*response.where, "content", content_type, "schema"],
                    f"{camel}Response{response.status}",
                )
                if content_type != "application/json":
                    options.append(f"content_type={content_type!r}")
            if doc.get("headers"):
                options.append(f"headers={doc['headers']!r}")
            extra = {
                key: value
                for key, value in doc.items()
                if key not in ("description", "headers", "content")
            }
            content = dict(doc.get("content") or {})
            if response.status in SERVICE_PROBLEM_STATUSES and PROBLEM not in content:
                # The service answers these itself, as problem details, whatever the handler does.
                content[PROBLEM] = {"schema": {"$ref": "#/components/schemas/Problem"}}
            if schema_name is not None and json is not None:
                used.add(schema_name)
                media = {k: v for k, v in content.pop(json[0]).items() if k != "schema"}
                if media:
                    content[json[0]] = media
            if content:
                extra["content"] = content
            if extra:
                overrides[status] = extra
            serializer = schema_name or "None"
            if response is primary:
                decorators.append(f"@blp.response({status!r}, {serializer}, {', '.join(options)})")
            else:
                success = ", success=True" if response.status[:1] in "23" else ""
                decorators.append(
                    f"@blp.alt_response({status!r}, schema={serializer}, {', '.join(options)}{success})"
                )
        if not any(response.status == "501" for response in operation.responses):
            decorators.append('@blp.alt_response(501, response="NotImplemented")')
        return overrides
