"""A service's imported layer, made from a validated document.

:func:`imported_layer` reads the operations, converts the schemas and writes the
generated package ``api/imported/`` (schemas, one blueprint module per tag, the
package that lists them), the handler stubs and the generated tests.

An operation that cannot be imported (a construct the service cannot serve, a
route of the service's own, a component schema it uses that cannot be converted)
refuses the whole document, with every problem listed; with ``skip_unsupported``
the other operations are imported and each one left out is listed with why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from .emit import emit
from .generated_tests import imported_tests
from .load import pointer
from .namespace import ServiceNames
from .namespace import rename_components
from .namespace import rename_security_schemes
from .operations import Operation
from .operations import read_operations
from .operations import snake_case
from .schemas import SchemaConverter
from .schemas import schema_refs
from .views import View
from .views import ViewWriter
from .views import request_parts

__all__ = ["ImportedLayer", "imported_layer"]

_COMPONENT_PROBLEM = re.compile(r"#/components/schemas/([^/:]+)")


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
    #: The operations imported.
    operations: list[Operation] = field(default_factory=list)
    #: What is carried differently, with where.
    notes: list[str] = field(default_factory=list)
    #: What keeps the document from being imported whole, with where.
    problems: list[str] = field(default_factory=list)
    #: With ``skip_unsupported``: what was left out and why, with where.
    skipped: list[str] = field(default_factory=list)


def imported_layer(
    document: dict[str, Any],
    source_name: str,
    names: ServiceNames,
    *,
    skip_unsupported: bool = False,
) -> ImportedLayer:
    """The imported layer of a service for a validated document.

    :param source_name: the document's file name, for the generated files' docstrings.
    :param names: what the service owns (:func:`relaykit.spec.namespace.service_names`).
    :param skip_unsupported: import what can be, listing the rest in ``skipped``;
        otherwise any problem leaves the layer empty, with ``problems`` listing all.
    """
    document, renamed = rename_components(document, names.schemas)
    document, renamed_schemes = rename_security_schemes(document, names.security_schemes)
    renamed += renamed_schemes
    converter = SchemaConverter(document)
    converter.convert_components()
    operations, notes = read_operations(document, converter.is_class)
    broken = _unsupported(document, operations, names, converter)
    problems = [problem for operation in operations for problem in operation.problems]
    problems += [problem for name in sorted(broken) for problem in broken[name]]
    layer = ImportedLayer(notes=[*renamed, *notes])
    if problems and not skip_unsupported:
        layer.problems = list(dict.fromkeys(problems))
        return layer
    layer.skipped = list(dict.fromkeys(problems))
    layer.operations = [operation for operation in operations if not operation.problems]
    # Afresh: the classes of the operations left out are not written.
    converter = SchemaConverter(document)
    converter.convert_components()
    _write(layer, document, source_name, names, converter)
    layer.notes += converter.module.notes
    return layer


def _unsupported(
    document: dict[str, Any],
    operations: list[Operation],
    names: ServiceNames,
    converter: SchemaConverter,
) -> dict[str, list[str]]:
    """Add to each operation what keeps it out; the problems of each component schema
    that cannot be converted, by name."""
    broken: dict[str, list[str]] = {}
    for problem in converter.module.problems:
        match = _COMPONENT_PROBLEM.match(problem)
        name = _decoded(match.group(1)) if match else ""
        broken.setdefault(name, []).append(problem)
    writer = ViewWriter(converter)
    unusable = _with_dependents(document, set(broken))
    for operation in operations:
        route = names.clash(operation.method, operation.path)
        if route is not None:
            remedy = "; answer service_routes_prefix (e.g. /_service) to move them" * route.movable
            operation.problems.append(
                f"{pointer(['paths', operation.path, operation.method])}: "
                f"{operation.method.upper()} {route.path} is the service's own ({route.what}){remedy}"
            )
        if operation.problems:
            continue
        count = len(converter.module.problems)
        writer.view(operation, _tag(operation))
        operation.problems += writer.problems_since(count)
        for name in sorted(schema_refs(_operation_parts(operation)) & unusable):
            operation.problems.append(
                f"{pointer(operation.where)}: uses "
                f"{pointer(['components', 'schemas', name])}, which cannot be imported"
            )
    return broken


def _write(
    layer: ImportedLayer,
    document: dict[str, Any],
    source_name: str,
    names: ServiceNames,
    converter: SchemaConverter,
) -> None:
    writer = ViewWriter(converter)
    blueprints: dict[str, list[Operation]] = {}
    for operation in layer.operations:
        blueprints.setdefault(_tag(operation), []).append(operation)
    tag_objects = [tag for tag in document.get("tags", []) if isinstance(tag, dict)]
    tag_docs = {str(tag["name"]): tag for tag in tag_objects}
    for index, tag_object in enumerate(tag_objects):
        if tag_object["name"] in blueprints and set(tag_object) - {"name", "description"}:
            layer.notes.append(
                f"{pointer(['tags', index])}: only the name and description of a tag that "
                "names a blueprint are carried"
            )
    modules: list[str] = []
    taken = {"schemas", "__init__"}
    flask_names = set(names.blueprints)
    for tag, members in blueprints.items():
        module = _free(snake_case(tag), taken)
        flask_name = _free(tag.replace(".", "-"), flask_names, "_imported")
        if flask_name != tag.replace(".", "-"):
            layer.notes.append(
                f"{pointer(members[0].where)}: the tag {tag!r} is a blueprint of the service's "
                f"own; its operations keep the tag, the blueprint is {flask_name!r}"
            )
        modules.append(module)
        views = [writer.view(operation, tag) for operation in members]
        layer.generated[f"api/imported/{module}.py"] = _blueprint_module(
            tag, flask_name, tag_docs.get(tag, {}).get("description", ""), views, converter
        )
    for operation in layer.operations:
        path = f"api/handlers/{operation.handler}.py"
        layer.handlers[path] = _handler_stub(operation)
        layer.parts[path] = request_parts(operation)
    layer.generated["api/imported/schemas.py"] = emit(
        "schemas.py.jinja",
        source_name=source_name,
        classes=converter.module.source(),
        body_fields=writer.body_fields,
        imports=converter.module.imports,
    )
    layer.generated["api/imported/__init__.py"] = _package(
        document, source_name, modules, set(blueprints), converter
    )
    layer.tests["imported/test_imported_operations.py"] = imported_tests(
        layer.operations, converter.components
    )


def _blueprint_module(
    tag: str, flask_name: str, description: str, views: list[View], converter: SchemaConverter
) -> str:
    return emit(
        "blueprint.py.jinja",
        tag=tag,
        flask_name=flask_name,
        description=description,
        views=views,
        handlers=sorted(view.handler for view in views),
        schemas=sorted({schema for view in views for schema in view.schemas}),
    )


_PARTS = {
    "path": "the path parameters",
    "query": "the query parameters",
    "headers": "the header parameters",
    "cookies": "the cookie parameters",
}

#: What a handler's ``body`` is, by how the service reads the body.
_BODY_TYPES = {"value": "Any", "raw": "bytes"}


def _handler_stub(operation: Operation) -> str:
    parts = request_parts(operation)
    body = operation.body
    described = [
        (name, f"{_PARTS[name]}, validated against the contract")
        for name in parts
        if name != "body"
    ]
    typed = [f"{name}: dict[str, Any]" for name in parts if name != "body"]
    if body is not None:
        kind = _BODY_TYPES.get(body.kind, "dict[str, Any]")
        typed.append(f"body: {kind}" if body.required else f"body: {kind} | None")
        what = (
            "the request body as sent (its media type checked, not its content)"
            if body.kind == "raw"
            else "the request body, validated against the contract"
        )
        described.append(("body", what + ("" if body.required else "; None when not sent")))
    summary = operation.docs.get("summary") or operation.docs.get("description") or ""
    summary_line = " ".join(str(summary).split()).rstrip(".") or operation.operation_id
    return emit(
        "handler.py.jinja",
        operation_id=operation.operation_id,
        method=operation.method.upper(),
        path=operation.path,
        handler=operation.handler,
        signature=f"*, {', '.join(typed)}" if typed else "",
        summary=summary_line.replace("\\", "\\\\").replace('"""', '\\"\\"\\"'),
        parts=described,
        success=next((r.status for r in operation.responses if r.status[:1] == "2"), None),
    )


def _package(
    document: dict[str, Any],
    source_name: str,
    modules: list[str],
    blueprint_tags: set[str],
    converter: SchemaConverter,
) -> str:
    components = document.get("components") or {}
    classes = converter.module.components
    schemas = [
        (name, classes[name] if name in classes else repr(schema))
        for name, schema in (components.get("schemas") or {}).items()
    ]
    info = document.get("info", {})
    return emit(
        "package.py.jinja",
        title=f"{info.get('title', '')} {info.get('version', '')}".strip(),
        source_name=source_name,
        modules=modules,
        classes=sorted(set(classes.values())),
        schemas=schemas,
        security_schemes=components.get("securitySchemes", {}),
        tags=tuple(
            tag
            for tag in document.get("tags", [])
            if isinstance(tag, dict) and tag.get("name") not in blueprint_tags
        ),
    )


def _tag(operation: Operation) -> str:
    """The blueprint an operation joins: its first tag, else its first path segment."""
    if operation.tags:
        return operation.tags[0]
    return next((w for w in operation.path.split("/") if w and "{" not in w), "root")


def _free(name: str, taken: set[str], suffix: str = "_") -> str:
    """``name``, with ``suffix`` added until no name in ``taken`` has it; then taken."""
    while name in taken:
        name += suffix
    taken.add(name)
    return name


def _decoded(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def _operation_parts(operation: Operation) -> list[Any]:
    body = [operation.body.schema] if operation.body is not None else []
    return [*(p.schema for p in operation.parameters), *body, *(r.doc for r in operation.responses)]


def _with_dependents(document: dict[str, Any], names: set[str]) -> set[str]:
    """``names``, and every component schema that refers to one of them, however deep."""
    schemas = (document.get("components") or {}).get("schemas") or {}
    refers = {name: schema_refs(schema) for name, schema in schemas.items()}
    found = set(names)
    while True:
        more = {name for name, refs in refers.items() if refs & found} - found
        if not more:
            return found
        found |= more
