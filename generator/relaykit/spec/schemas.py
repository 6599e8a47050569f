"""OpenAPI schemas (3.0 and 3.1) as marshmallow schema classes, written as Python source.

Each component schema becomes a class ``<Name>Schema``. What marshmallow can check
becomes a field or a validator: types, ``format`` for dates, times, e-mails, UUIDs and
URLs, ``enum``, bounds, lengths, ``pattern``, ``required``, null (3.0's ``nullable``,
3.1's ``"null"`` type), arrays, nested objects, ``additionalProperties`` and ``allOf``
of objects (flattened into one class). Keywords that only document (``description``,
``example``, other formats, ...) are kept in the field's metadata, from which apispec
writes them back into the contract. ``oneOf``/``anyOf`` fields take any JSON value and
are documented as written: each is reported, since nothing checks them. Anything else
is refused, with its location.
"""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from .load import pointer

__all__ = [
    "SchemaClass",
    "SchemaConverter",
    "SchemaModule",
    "attribute",
    "class_name",
    "component_ref",
    "convert_schemas",
    "docstring",
    "python_name",
]

#: Keywords written into metadata as they are: apispec copies them into the contract.
_DOCUMENTING = ("title", "description", "example", "examples", "deprecated", "externalDocs", "xml")

#: Keywords marshmallow does not check; kept in metadata and reported.
_NOT_ENFORCED = ("uniqueItems", "multipleOf", "minProperties", "maxProperties")

#: Formats with a marshmallow field that checks them.
_FORMAT_FIELDS = {
    "date-time": "DateTime",
    "date": "Date",
    "time": "Time",
    "email": "Email",
    "uuid": "UUID",
}

_HANDLED = {
    "type", "format", "enum", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
    "minLength", "maxLength", "pattern", "items", "minItems", "maxItems", "properties",
    "required", "additionalProperties", "nullable", "readOnly", "writeOnly", "default",
    "allOf", "oneOf", "anyOf", "$ref", *_DOCUMENTING, *_NOT_ENFORCED,
}  # fmt: skip

#: Keywords that combine schemas.
_COMBINING = {"allOf", "oneOf", "anyOf"}

_COMPONENT_REF = re.compile(r"#/components/schemas/([^/]+)")


def component_ref(ref: str) -> str | None:
    """The component a ``#/components/schemas/<name>`` ref names (decoded), else None."""
    match = _COMPONENT_REF.fullmatch(ref)
    return match.group(1).replace("~1", "/").replace("~0", "~") if match else None


def class_name(component: str) -> str:
    """The class of a component schema: ``pet-details`` -> ``PetDetailsSchema``."""
    words = re.findall(r"[A-Za-z0-9]+", component)
    name = "".join(word[:1].upper() + word[1:] for word in words) or "Unnamed"
    return f"_{name}Schema" if name[0].isdigit() else f"{name}Schema"


def python_name(name: str, prefix: str) -> str:
    """A snake_case identifier for a name: ``petId`` and ``pet-id`` give ``pet_id``.

    ``prefix`` goes in front of one that would start with a digit or be a keyword.
    """
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name)
    words = re.sub(r"[^A-Za-z0-9]+", "_", spaced).strip("_").lower()
    if not words or words[0].isdigit() or keyword.iskeyword(words):
        words = f"{prefix}_{words}".rstrip("_")
    return words


def attribute(name: str) -> tuple[str, str | None]:
    """A Python attribute for a property, and its ``data_key`` when the two differ."""
    python = python_name(name, "field")
    return python, (None if python == name else name)


@dataclass
class SchemaClass:
    """One marshmallow schema class: its name, base, fields and docstring."""

    name: str
    fields: list[tuple[str, str]] = field(default_factory=list)
    base: str = "ma.Schema"
    description: str = ""
    title: str = ""
    #: What happens to properties the schema does not name, after ``additionalProperties``:
    #: absent, they are dropped (``ma.EXCLUDE``); ``false`` refuses them (``ma.RAISE``);
    #: ``true`` or a schema keeps them (``ma.INCLUDE``).
    unknown: str = "ma.EXCLUDE"
    #: Written in place in the contract (``Meta.inline``), not as a named component.
    inline: bool = False
    #: The document's name of the component it is (``Meta.component``).
    component: str | None = None


@dataclass
class SchemaModule:
    """The schema classes of a document, in an order where each base comes first."""

    classes: list[SchemaClass] = field(default_factory=list)
    #: Component name -> class name; inline objects' classes are not in it.
    components: dict[str, str] = field(default_factory=dict)
    #: (location, what a client should know), for each construct nothing checks.
    notes: list[str] = field(default_factory=list)
    #: (location, why), for each construct that cannot be imported.
    problems: list[str] = field(default_factory=list)

    def source(self) -> str:
        """The classes as Python source, ruff-formatted apart from line length."""
        blocks = []
        for schema in self.classes:
            lines = [f"class {schema.name}({schema.base}):"]
            lines.append(docstring(schema.description or f"{schema.name[:-6]}.", "    "))
            lines.append("")
            lines += ["    class Meta:", f"        unknown = {schema.unknown}"]
            if schema.inline:
                lines.append("        inline = True")
            if schema.component is not None:
                lines.append(f"        component = {schema.component!r}")
            if schema.title:
                lines.append(f"        title = {schema.title!r}")
            # apispec writes a Meta description only in place of additionalProperties.
            if schema.description and schema.unknown == "ma.EXCLUDE":
                lines.append(f"        description = {schema.description!r}")
            for attribute, source in schema.fields:
                lines += ["", f"    {attribute} = {source}"]
            blocks.append("\n".join(lines))
        return "\n\n\n".join(blocks) + "\n"


def docstring(text: str, indent: str = "") -> str:
    """``text`` on one line as a docstring literal, whatever quotes and backslashes it has."""
    text = " ".join(str(text).split()).replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    if text.endswith('"'):
        text += " "
    return f'{indent}"""{text}"""'


class SchemaConverter:
    """Converts a document's schemas into the classes of one :class:`SchemaModule`.

    Component schemas become named classes; inline objects become classes named
    after where they are (``scope``), written in place in the contract.
    """

    def __init__(self, document: dict[str, Any]) -> None:
        self.components: dict[str, Any] = document.get("components", {}).get("schemas", {}) or {}
        self.module = SchemaModule()
        #: (name prefix, length of the location that prefix stands for) of inline classes.
        self.scope: tuple[str, int] = ("", 2)
        #: Integers in JSON bodies must be numbers; in query strings and forms they are text.
        self.strict_numbers = True
        #: Non-object components being expanded in place, to catch one that contains itself.
        self.expanding: set[str] = set()

    def inline_name(self, where: list[str | int]) -> str:
        """A class name for an inline object at ``where``, unique in the module."""
        prefix, length = self.scope
        parts = [prefix, *(str(part) for part in where[length:] if part != "properties")]
        return self.unique(class_name("_".join(part for part in parts if part)))

    def unique(self, name: str) -> str:
        """``name`` (``...Schema``), numbered when a class of the module has it already."""
        taken = {schema.name for schema in self.module.classes}
        taken |= set(self.module.components.values())
        unique, number = name, 2
        while unique in taken:
            unique, number = f"{name[:-6]}{number}Schema", number + 1
        return unique

    def convert_components(self) -> SchemaModule:
        """Convert every object component schema; the module, to which more may be added."""
        for name in self.components:
            if self.is_object(name):
                self.component(name)
        return self.module

    def is_object(self, name: str) -> bool:
        """Whether a component schema becomes a class (else it stays JSON Schema)."""
        schema = self.components[name]
        kind = schema.get("type")
        if kind is None:
            return bool({"properties", "allOf", "additionalProperties"} & set(schema))
        return bool(kind == "object")

    def component(self, name: str) -> str:
        """Convert a component schema (and the ones it builds on); its class name."""
        if name in self.module.components:  # converted, or being converted (a recursive ref)
            return self.module.components[name]
        schema_name = self.unique(class_name(name))
        self.module.components[name] = schema_name
        where: list[str | int] = ["components", "schemas", name]
        converted = self.object_class(schema_name, self.components[name], where)
        converted.component = name
        self.module.classes.append(converted)
        return schema_name

    def object_class(
        self, name: str, schema: dict[str, Any], where: list[str | int]
    ) -> SchemaClass:
        converted = SchemaClass(
            name, description=str(schema.get("description", "")), title=str(schema.get("title", ""))
        )
        parts = schema.get("allOf")
        if parts is not None:
            own: dict[str, Any] = {"properties": {}, "required": []}
            for index, part in enumerate(parts):
                part_where = [*where, "allOf", index]
                if "$ref" in part:
                    target = self.ref_target(part["$ref"], part_where)
                    if target is None:
                        continue
                    if converted.base != "ma.Schema":
                        self.problem(part_where, "allOf with more than one $ref is not supported")
                        continue
                    converted.base = self.component(target)  # written before this class
                elif part.get("type", "object") == "object" and not _COMBINING & set(part):
                    own["properties"].update(part.get("properties", {}))
                    own["required"] += part.get("required", [])
                else:
                    self.problem(
                        part_where, "allOf parts other than objects and $refs are not supported"
                    )
            schema = {**{k: v for k, v in schema.items() if k != "allOf"}, **own}
        kind = schema.get("type", "object")
        if kind != "object":
            self.problem(
                where,
                f"a component or nested schema of type {kind!r} is not supported; use it in a property",
            )
        required = set(schema.get("required", []))
        attributes: dict[str, str] = {}
        for property_name, property_schema in (schema.get("properties") or {}).items():
            attribute_, data_key = attribute(property_name)
            other = attributes.setdefault(attribute_, property_name)
            if other != property_name:
                self.problem(
                    [*where, "properties", property_name],
                    f"the property is {attribute_!r} in Python, as {other!r} is: rename one",
                )
                continue
            source = self.field(property_schema, [*where, "properties", property_name],
                                required=property_name in required, data_key=data_key)  # fmt: skip
            converted.fields.append((attribute_, source))
        extra = schema.get("additionalProperties")
        if extra is False:
            converted.unknown = "ma.RAISE"
            if converted.description:
                self.note([*where, "description"], "kept in the code, not in the contract")
        elif extra is not None:
            converted.unknown = "ma.INCLUDE"
            if isinstance(extra, dict) and extra:
                self.note(
                    [*where, "additionalProperties"], "other properties are kept, not checked"
                )
        for name_ in _NOT_ENFORCED:
            if name_ in schema:
                self.note([*where, name_], f"{name_} is documented, not checked")
        return converted

    def ref_target(self, ref: str, where: list[str | int]) -> str | None:
        name = component_ref(str(ref))
        if name is None or name not in self.components:
            self.problem(where, f"$ref {ref!r} is not a schema of this document's components")
            return None
        return name

    def field(
        self, schema: dict[str, Any], where: list[str | int], *, required: bool = False,
        data_key: str | None = None,
    ) -> str:  # fmt: skip
        """The source of one marshmallow field for ``schema``."""
        for unknown in sorted(set(schema) - _HANDLED):
            if not unknown.startswith("x-"):
                self.problem([*where, unknown], f"the keyword {unknown!r} is not supported")
        options: list[str] = []
        metadata: dict[str, Any] = {}
        validators: list[str] = []
        kind, nullable = self.kind(schema, where)
        if required:
            options.append("required=True")
        if nullable:
            options.append("allow_none=True")
        if data_key:
            options.append(f"data_key={data_key!r}")
        if schema.get("readOnly"):
            options.append("dump_only=True")
        if schema.get("writeOnly"):
            options.append("load_only=True")
        if "default" in schema and not required:
            options.append(f"load_default={schema['default']!r}")
        elif "default" in schema:  # marshmallow has no default for a required field
            metadata["default"] = schema["default"]
        for name in (*_DOCUMENTING, *_NOT_ENFORCED):
            if name in schema:
                metadata[name] = schema[name]
                if name in _NOT_ENFORCED:
                    self.note([*where, name], f"{name} is documented, not checked")
        if "$ref" in schema:
            target = self.ref_target(schema["$ref"], where)
            if target is not None and not self.is_object(target):
                # Not a class: checked here as the component says, written in place.
                if target in self.expanding:
                    self.problem(where, f"$ref {schema['$ref']!r} refers to itself")
                    return self.written("Raw", options, [], metadata)
                self.expanding.add(target)
                source = self.field(
                    {**self.components[target], **metadata},
                    ["components", "schemas", target],
                    required=required,
                    data_key=data_key,
                )
                self.expanding.discard(target)
                return source
            target_class = self.component(target) if target else "ma.Schema"
            return self.written(
                "Nested", [f"lambda: {target_class}()", *options], validators, metadata
            )
        if "oneOf" in schema or "anyOf" in schema:
            which = "oneOf" if "oneOf" in schema else "anyOf"
            metadata[which] = schema[which]
            self.note(
                [*where, which], f"{which}: any JSON value is taken; the handler must check it"
            )
            return self.written("Raw", options, validators, metadata)
        parts = schema.get("allOf")
        if isinstance(parts, list) and len(parts) == 1 and set(parts[0]) == {"$ref"}:
            # allOf: [$ref] beside other keywords (often nullable) is that ref, so described.
            rest = {key: value for key, value in schema.items() if key != "allOf"}
            return self.field({**rest, **parts[0]}, where, required=required, data_key=data_key)
        if "allOf" in schema:
            self.problem(
                [*where, "allOf"],
                "allOf in a property is supported with one $ref only (as in components)",
            )
            return self.written("Raw", options, validators, metadata)
        if "enum" in schema:
            validators.append(
                f"ma.validate.OneOf({[v for v in schema['enum'] if v is not None]!r})"
            )
        if kind == "string":
            fmt = schema.get("format")
            field_class = _FORMAT_FIELDS.get(str(fmt), "String")
            if fmt and fmt not in _FORMAT_FIELDS:
                metadata["format"] = fmt
            self.lengths(schema, "minLength", "maxLength", validators)
            if "pattern" in schema:
                validators.append(f"ma.validate.Regexp({schema['pattern']!r})")
            return self.written(field_class, options, validators, metadata)
        if kind in ("integer", "number"):
            if "format" in schema:
                metadata["format"] = schema["format"]
            self.bounds(schema, validators, metadata)
            if kind == "integer":
                strict = ["strict=True"] if self.strict_numbers else []
                return self.written("Integer", [*strict, *options], validators, metadata)
            return self.written("Float", options, validators, metadata)
        if kind == "boolean":
            return self.written("Boolean", options, validators, metadata)
        if kind == "array":
            items = schema.get("items") or {}
            inner = self.field(items, [*where, "items"]) if items else "ma.fields.Raw()"
            self.lengths(schema, "minItems", "maxItems", validators)
            return self.written("List", [inner, *options], validators, metadata)
        if kind == "object":
            if schema.get("properties") or "allOf" in schema:
                nested = self.object_class(self.inline_name(where), schema, where)
                nested.inline = True
                self.module.classes.append(nested)
                return self.written("Nested", [nested.name, *options], validators, metadata)
            extra = schema.get("additionalProperties")
            if isinstance(extra, dict) and extra:
                values = self.field(extra, [*where, "additionalProperties"])
                options = ["keys=ma.fields.String()", f"values={values}", *options]
            return self.written("Dict", options, validators, metadata)
        self.problem(where, f"a schema without a type is not supported: {sorted(schema)}")
        return self.written("Raw", options, validators, metadata)

    def kind(self, schema: dict[str, Any], where: list[str | int]) -> tuple[str | None, bool]:
        kind = schema.get("type")
        nullable = bool(schema.get("nullable"))
        if isinstance(kind, list):
            nullable = nullable or "null" in kind
            kinds = [k for k in kind if k != "null"]
            if len(kinds) > 1:
                self.problem([*where, "type"], f"a type of several kinds is not supported: {kind}")
            kind = kinds[0] if kinds else None
        if kind is None and ("properties" in schema or "additionalProperties" in schema):
            kind = "object"
        if "enum" in schema:  # JSON Schema: the enum decides whether null is allowed
            nullable = None in schema["enum"]
        return kind, nullable

    def lengths(self, schema: dict[str, Any], low: str, high: str, validators: list[str]) -> None:
        if low in schema or high in schema:
            validators.append(
                f"ma.validate.Length(min={schema.get(low)!r}, max={schema.get(high)!r})"
            )

    def bounds(
        self, schema: dict[str, Any], validators: list[str], metadata: dict[str, Any]
    ) -> None:
        # Range checks the bounds; apispec writes only minimum and maximum from it,
        # so exclusiveness is also kept, as written, in the metadata.
        low, high = schema.get("minimum"), schema.get("maximum")
        low_open = high_open = False
        for name, bound in (("exclusiveMinimum", "min"), ("exclusiveMaximum", "max")):
            value = schema.get(name)
            if value is not None:
                metadata[name] = value
            if isinstance(value, bool):  # 3.0: a flag on minimum or maximum
                low_open, high_open = (value, high_open) if bound == "min" else (low_open, value)
            elif value is not None:  # 3.1: the bound itself
                if bound == "min":
                    low, low_open = value, True
                else:
                    high, high_open = value, True
        if low is not None or high is not None:
            validators.append(
                f"ma.validate.Range(min={low!r}, max={high!r}, "
                f"min_inclusive={not low_open}, max_inclusive={not high_open})"
            )

    def written(
        self, field_class: str, options: list[str], validators: list[str], metadata: dict[str, Any]
    ) -> str:
        arguments = list(options)
        if len(validators) == 1:
            arguments.append(f"validate={validators[0]}")
        elif validators:
            arguments.append(f"validate=[{', '.join(validators)}]")
        if metadata:
            arguments.append(f"metadata={metadata!r}")
        return f"ma.fields.{field_class}({', '.join(arguments)})"

    def note(self, where: list[str | int], message: str) -> None:
        self.module.notes.append(f"{pointer(where)}: {message}")

    def problem(self, where: list[str | int], message: str) -> None:
        self.module.problems.append(f"{pointer(where)}: {message}")


def convert_schemas(document: dict[str, Any]) -> SchemaModule:
    """Every component schema of a validated document as marshmallow classes."""
    return SchemaConverter(document).convert_components()
