"""The Python source of a service's imported layer, made from a validated document.

:func:`imported_layer` returns the generated package ``api/imported/`` (schemas, one
blueprint module per tag, the package's registry of blueprints and components), the
handler stubs (written only where none exists yet), and the generated tests
(:mod:`relaykit.spec.generated_tests`). The source is plain; the caller formats it
with ruff.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from typing import Any

from ..ownership import Ownership
from ..ownership import mark
from .generated_tests import imported_tests
from .load import pointer
from .operations import Operation
from .operations import read_operations
from .operations import snake_case
from .schemas import SchemaClass
from .schemas import SchemaConverter
from .schemas import attribute
from .schemas import class_name
from .schemas import docstring

__all__ = ["ImportedLayer", "imported_layer"]

#: The order of a view's validated request parts: OpenAPI location, and the name each
#: is passed as (also its webargs location, for the headers and cookies).
_LOCATIONS = (("path", "path"), ("query", "query"), ("header", "headers"), ("cookie", "cookies"))

#: Statuses the service answers itself with problem details, on any operation.
SERVICE_PROBLEM_STATUSES = ("400", "413", "415", "422", "500", "501")
PROBLEM = "application/problem+json"

#: Routes of the service itself, by first path segment: an import may not shadow them.
RESERVED_SEGMENTS = ("docs", "redoc", "openapi.json", "livez", "readyz", "static")

#: Names the template's own resources take in a contract: blueprints (= tags), and
#: component schemas (those of the events example too, as the template writes it).
RESERVED_BLUEPRINTS = ("health", "events", "api-docs")
RESERVED_SCHEMAS = (
    "Problem", "FieldError", "Health",
    "Event", "AcceptedReceipt", "FilteredReceipt", "Batch", "BatchReceipt", "ItemResult",
)  # fmt: skip


@dataclass
class ImportedLayer:
    """What an import writes: generated files, handler stubs and what was noticed."""

    #: Path under the package folder -> source, rewritten on every import.
    generated: dict[str, str] = field(default_factory=dict)
    #: Path under the package folder -> source, written only when absent.
    handlers: dict[str, str] = field(default_factory=dict)
    #: Path under ``tests/`` -> source, rewritten on every import.
    tests: dict[str, str] = field(default_factory=dict)
    #: Handler path -> the request parts its view passes, by keyword.
    parts: dict[str, list[str]] = field(default_factory=dict)
    operations: list[Operation] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


class _Writer:
    def __init__(
        self,
        document: dict[str, Any],
        source_name: str,
        api_prefix: str,
        taken_blueprints: tuple[str, ...],
    ) -> None:
        self.document = document
        self.taken_blueprints = taken_blueprints
        self.source_name = source_name
        self.api_prefix = api_prefix
        self.layer = ImportedLayer()
        self.converter = SchemaConverter(document)
        module = self.converter.convert_components()
        self.layer.notes += module.notes
        self.layer.problems += module.problems

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
        names: dict[str, str] = {}
        for parameter in parameters:
            name, data_key = attribute(parameter.name)
            other = names.setdefault(name, parameter.name)
            if other != parameter.name:
                self.layer.problems.append(
                    f"{pointer(parameter.where[:-1])}: the parameter is {name!r} in Python, "
                    f"as {other!r} is: rename one"
                )
                continue
            required = parameter.required or location == "path"
            source = converter.field(
                parameter.schema, parameter.where, required=required, data_key=data_key
            )
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

    def response_class(
        self, schema: dict[str, Any], where: list[str | int], name: str
    ) -> str | None:
        """A class that serializes the answer, or None when it is not an object."""
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
        if schema.get("additionalProperties"):
            return None
        if kind == "object" and (schema.get("properties") or "allOf" in schema):
            if set(schema) - {
                "type",
                "properties",
                "required",
                "description",
                "title",
                "additionalProperties",
                "allOf",
            }:
                return None
            return self.schema_class(schema, where, name)
        return None

    # ---- one operation --------------------------------------------------------------

    def view(self, operation: Operation) -> tuple[str, set[str]]:
        """The decorated view of an operation, and the names it imports from schemas."""
        camel = class_name(operation.operation_id)[:-6]
        decorators = []
        tags = operation.tags or [self.blueprint_name(operation)]
        decorators.append(
            f"@blp.route({operation.rule!r}, methods=[{operation.method.upper()!r}], "
            f"endpoint={operation.handler!r}, tags={tags!r})"
        )
        used: set[str] = set()
        for location, name in _LOCATIONS:
            schema = self.parameters_class(operation, location)
            if schema is not None:
                used.add(schema)
                decorators.append(f"@blp.arguments({schema}, location={name!r}, arg_name={name!r})")
        body = operation.body
        if body is not None:
            schema = self.schema_class(
                body.schema,
                [*body.where, "content", body.content_type, "schema"],
                f"{camel}Body",
                strict=body.location == "json",
            )
            used.add(schema)
            options = [f"location={body.location!r}", "arg_name='body'"]
            if body.content_type != "application/json":
                options.append(f"content_type={body.content_type!r}")
            if not body.required:
                options.append("required=False")
            if body.description:
                options.append(f"description={body.description!r}")
            for name in ("example", "examples"):
                if name in body.media:
                    options.append(f"{name}={body.media[name]!r}")
            decorators.append(f"@blp.arguments({schema}, {', '.join(options)})")
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
        docs = dict(operation.docs)
        docs["operationId"] = operation.operation_id
        if overrides:
            docs["responses"] = overrides
        if all(key.isidentifier() for key in docs):
            decorators.append(f"@blp.doc({', '.join(f'{k}={v!r}' for k, v in docs.items())})")
        else:  # extension keys (x-...) are no Python names
            decorators.append(f"@blp.doc(**{docs!r})")
        arguments = self.parts(operation)
        signature = ", ".join(f"{name}: dict[str, Any]" for name in arguments)
        keywords = ", ".join(f"{name}={name}" for name in arguments)
        # No docstring: flask-smorest would document its first line as the summary.
        lines = [
            *decorators,
            f"def {operation.handler}({'*, ' + signature + ', ' if signature else ''}**_path: Any) -> Any:",
            f"    return {operation.handler}_handler.handle({keywords})",
        ]
        return "\n".join(lines), used

    def blueprint_name(self, operation: Operation) -> str:
        if operation.tags:
            return operation.tags[0].replace(".", "-")
        segment = next((w for w in operation.path.split("/") if w and "{" not in w), "root")
        return segment.replace(".", "-")

    def parts(self, operation: Operation) -> list[str]:
        """The request parts a handler is given, by keyword."""
        present = [name for location, name in _LOCATIONS if operation.parameters_in(location)]
        return [*present, "body"] if operation.body is not None else present

    def handler_stub(self, operation: Operation) -> str:
        summary = operation.docs.get("summary") or operation.docs.get("description") or ""
        parts = {
            "path": "the path parameters",
            "query": "the query parameters",
            "headers": "the header parameters",
            "cookies": "the cookie parameters",
            "body": "the request body",
        }
        present = self.parts(operation)
        signature = ", ".join(f"{name}: dict[str, Any]" for name in present)
        success = next((r.status for r in operation.responses if r.status[:1] == "2"), None)
        params = [
            f"    :param {name}: {parts[name]}, validated against the contract." for name in present
        ]
        returns = (
            f"    :returns: the body of the {success} answer, serialized with its schema\n"
            "        (``(body, status)`` sets another status); or a Flask response."
            if success
            else "    :returns: a Flask response (the contract documents no success answer)."
        )
        summary_line = " ".join(str(summary).split()).rstrip(".") or operation.operation_id
        summary_line = summary_line.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
        message = f"{operation.operation_id} is not implemented yet: write it in "
        lines = [
            mark(Ownership.YOURS),
            docstring(f"{operation.operation_id}: {operation.method.upper()} {operation.path}."),
            "",
            "from __future__ import annotations",
            "",
            "from typing import Any",
            "",
            "from werkzeug import exceptions",
            "",
            "",
            f"def handle({'*, ' + signature if signature else ''}) -> Any:",
            f'    """{summary_line}.',
            "",
            *params,
            returns,
            "    :raises HTTPException: for an error answer (``flask_smorest.abort``).",
            '    """',
            "    raise exceptions.NotImplemented(",
            f"        {message!r}",
            f'        "api/handlers/{operation.handler}.py."',
            "    )",
            "",
        ]
        return "\n".join(lines)

    # ---- the layer ------------------------------------------------------------------

    def write(self) -> ImportedLayer:
        layer = self.layer
        operations, notes, problems = read_operations(self.document)
        layer.operations, layer.notes, layer.problems = (
            operations,
            layer.notes + notes,
            layer.problems + problems,
        )
        reserved = [f"/{segment}" for segment in RESERVED_SEGMENTS]
        for operation in operations:
            first = "/" + operation.path.strip("/").split("/")[0]
            if first in reserved or operation.path.startswith(f"{self.api_prefix}/events"):
                layer.problems.append(
                    f"{pointer(['paths', operation.path])}: the path is one of the service's own routes"
                )
        for name in self.converter.components:
            if name in RESERVED_SCHEMAS:
                layer.problems.append(
                    f"#/components/schemas/{name}: the name is one of the service's own "
                    "schemas; rename it in the document"
                )
        blueprints: dict[str, list[Operation]] = {}
        for operation in operations:
            blueprints.setdefault(self.blueprint_name(operation), []).append(operation)
        for name, members in blueprints.items():
            if name in (*RESERVED_BLUEPRINTS, *self.taken_blueprints):
                what = (
                    f"the tag {name!r}"
                    if members[0].tags
                    else f"the first path segment {name!r} (the operation has no tag)"
                )
                layer.problems.append(
                    f"{pointer(members[0].where)}: {what} names one of the service's own "
                    "resources (a blueprint); tag the operation otherwise"
                )
            handler_names = {operation.handler for operation in members}
            for operation in members:
                if operation.handler == "blp" or operation.handler.removesuffix("_handler") in (
                    handler_names - {operation.handler}
                ):
                    layer.problems.append(
                        f"{pointer(operation.where)}: the handler name {operation.handler!r} "
                        "collides with a name of the generated module; give another operationId"
                    )
        for tag in self.document.get("tags", []):
            if tag.get("name") in blueprints and set(tag) - {"name", "description"}:
                layer.notes.append(
                    f"{pointer(['tags', self.document['tags'].index(tag)])}: only the name and "
                    "description of a tag that names a blueprint are carried"
                )
        tag_docs = {str(tag["name"]): tag for tag in self.document.get("tags", [])}
        modules: list[tuple[str, str]] = []
        used_modules = {"schemas"}
        for name, members in blueprints.items():
            module = snake_case(name)
            while module in used_modules:
                module += "_"
            used_modules.add(module)
            modules.append((module, name))
            views, imports = [], set()
            for operation in members:
                view, used = self.view(operation)
                views.append(view)
                imports |= used
            description = tag_docs.get(name, {}).get("description", "")
            handlers = sorted(operation.handler for operation in members)
            lines = [
                mark(Ownership.GENERATED),
                docstring(
                    f"The {name} operations of the imported contract: routes, validation and docs. "
                    "Each view passes the validated request to its handler in api/handlers/, which is yours."
                ),
                "",
                "from __future__ import annotations",
                "",
                "from typing import Any",
                "",
                "from ..blueprint import Blueprint",
                *[f"from ..handlers import {handler} as {handler}_handler" for handler in handlers],
                *[
                    f"from .schemas import {schema}"
                    for schema in sorted(imports)
                    if schema != "ma.Schema"
                ],
                "",
                '__all__ = ["blp"]',
                "",
                f"blp = Blueprint({name!r}, __name__"
                + (f", description={description!r})" if description else ")"),
                "",
                *[f"\n{view}\n" for view in views],
            ]
            layer.generated[f"api/imported/{module}.py"] = "\n".join(lines)
        for operation in operations:
            layer.handlers[f"api/handlers/{operation.handler}.py"] = self.handler_stub(operation)
            layer.parts[f"api/handlers/{operation.handler}.py"] = self.parts(operation)
        layer.generated["api/imported/schemas.py"] = "\n".join(
            [
                mark(Ownership.GENERATED),
                docstring(
                    f"The schemas of the imported contract ({self.source_name}), as marshmallow classes."
                ),
                "",
                "from __future__ import annotations",
                "",
                "import marshmallow as ma",
                "",
                "",
                self.converter.module.source(),
            ]
        )
        layer.generated["api/imported/__init__.py"] = self.package(modules, tag_docs)
        layer.tests["imported/test_imported_operations.py"] = imported_tests(
            operations, self.converter.components
        )
        return layer

    def package(self, modules: list[tuple[str, str]], tag_docs: dict[str, Any]) -> str:
        components = self.document.get("components", {})
        module = self.converter.module
        schema_entries = []
        for name, schema in (components.get("schemas") or {}).items():
            if name in module.components:
                schema_entries.append(f"    {name!r}: {module.components[name]},")
            else:
                schema_entries.append(f"    {name!r}: {schema!r},")
        blueprint_names = {name for _, name in modules}
        tags = tuple(
            tag for tag in self.document.get("tags", []) if tag.get("name") not in blueprint_names
        )
        info = self.document.get("info", {})
        lines = [
            mark(Ownership.GENERATED),
            docstring(
                f"The operations imported from {info.get('title', '')} {info.get('version', '')} "
                f"({self.source_name}), and the contract parts they refer to by name."
            ),
            "",
            "from __future__ import annotations",
            "",
            "from typing import Any",
            "",
            "from flask_smorest import Blueprint",
            "",
            *[f"from . import {name}" for name, _ in modules],
            *[f"from .schemas import {cls}" for cls in sorted(set(module.components.values()))],
            "",
            '__all__ = ["BLUEPRINTS", "SCHEMAS", "SECURITY_SCHEMES", "TAGS"]',
            "",
            "#: One blueprint per tag, each mounted at the root: paths are the document's.",
            "BLUEPRINTS: tuple[tuple[Blueprint, str], ...] = (",
            *[f'    ({name}.blp, ""),' for name, _ in modules],
            ")",
            "",
            "#: The document's component schemas: classes, or JSON Schema where no class fits.",
            "SCHEMAS: dict[str, Any] = {",
            *schema_entries,
            "}",
            "",
            "#: The document's security schemes, documented as they were written.",
            f"SECURITY_SCHEMES: dict[str, dict[str, Any]] = {components.get('securitySchemes', {})!r}",
            "",
            "#: The document's tags that name no blueprint.",
            f"TAGS: tuple[dict[str, Any], ...] = {tags!r}",
            "",
        ]
        return "\n".join(lines)


def imported_layer(
    document: dict[str, Any],
    source_name: str,
    api_prefix: str,
    taken_blueprints: tuple[str, ...] = (),
) -> ImportedLayer:
    """The imported layer of a service for a validated document.

    :param source_name: the document's file name, for the generated files' docstrings.
    :param api_prefix: the service's API prefix, whose ``/events`` an import may not shadow.
    :param taken_blueprints: blueprint names the service has besides the template's own
        (its ``add-endpoint`` endpoints).
    """
    return _Writer(document, source_name, api_prefix, taken_blueprints).write()
