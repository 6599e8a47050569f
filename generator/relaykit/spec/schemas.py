"""OpenAPI schemas (3.0 and 3.1) as marshmallow schema classes, written as Python source.

Every valid schema is taken; what it says is checked exactly, in one of two ways:

- What marshmallow maps honestly becomes its fields and validators: types, ``format``
  for dates (RFC 3339), times, e-mails and UUIDs, ``int32``/``int64`` bounds, ``enum``
  and ``const``, bounds, lengths, ``pattern``, ``required``, null (3.0's ``nullable``,
  3.1's ``"null"`` type), arrays, nested objects, ``additionalProperties`` (``false``,
  ``true``, or a schema for the values of a map), ``unevaluatedProperties: false``, and
  ``allOf`` of objects anywhere (flattened into one class; a ``$ref`` to a class
  becomes its base, the fields of further parts are copied in). Keywords that only
  document (``description``, ``example``, ...) are kept in the field's metadata, from
  which apispec writes them back into the contract. A component schema named like
  this is a class, ``<Name>Schema``; an inline object is a class named after where it is.
- Anything else (``oneOf``, ``anyOf``, ``not``, several types, ``if``/``then``/``else``,
  ``patternProperties``, ``prefixItems``, ``uniqueItems``, ``multipleOf``, an object
  with properties and a schema for the others, an ``allOf`` whose parts do not merge,
  keywords apispec cannot write...) is one ``JSONSchemaValue`` field (the service's
  ``api/fields.py``): the schema as the document writes it, checked by a JSON Schema
  validator against the document's components (the module's ``COMPONENTS``) and
  documented as written. The whole value is then checked and kept as sent; where an
  object has properties beside such a keyword, the object is that one field, rather
  than a class with a second, partial check: one check, exactly the document's.

What remains refused is a ``$ref`` that is not to a component schema of the document.
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
    "schema_refs",
]

#: Keywords written into metadata as they are: apispec copies them into the contract.
_DOCUMENTING = ("title", "description", "example", "examples", "deprecated", "externalDocs", "xml")

#: Keywords of an object schema its class writes into the contract as they are
#: (``Meta.documented``), besides its title and description.
_CLASS_DOCUMENTING = ("example", "examples", "deprecated", "externalDocs", "xml", "discriminator")

#: Formats with a marshmallow field that checks them (``Timestamp`` is the service's).
_FORMAT_FIELDS = {
    "date-time": "Timestamp",
    "date": "ma.fields.Date",
    "time": "ma.fields.Time",
    "email": "ma.fields.Email",
    "uuid": "ma.fields.UUID",
}

#: Integer formats whose bounds are checked (``IntegerFormat``).
_INTEGER_FORMATS = ("int32", "int64")

#: Keywords the marshmallow fields say, exactly and in the contract; any other one
#: (``x-`` extensions aside) makes the schema a ``JSONSchemaValue``.
_HANDLED = {
    "type", "format", "enum", "const", "minimum", "maximum", "exclusiveMinimum",
    "exclusiveMaximum", "minLength", "maxLength", "pattern", "items", "minItems", "maxItems",
    "properties", "required", "additionalProperties", "unevaluatedProperties", "nullable",
    "readOnly", "writeOnly", "default", "allOf", "$ref", *_DOCUMENTING,
}  # fmt: skip

#: Keywords beside a ``$ref`` that a field carries (others make it a ``JSONSchemaValue``).
_REF_SIBLINGS = {"nullable", "readOnly", "writeOnly", "default", *_DOCUMENTING}

#: Keywords of an ``allOf`` part that merge into one object; a part's documentation
#: (and a discriminator, a hint for the ``oneOf`` of another schema) is not carried.
_MERGING = {
    "type", "properties", "required", "additionalProperties", "unevaluatedProperties",
    "allOf", "$ref", "discriminator", *_DOCUMENTING,
}  # fmt: skip

#: Names a property cannot have as an attribute of a marshmallow schema class.
#: The names the classes may use from the service's ``api/fields.py``.
_FIELDS_NAMES = ("Timestamp", "IntegerFormat", "JSONSchemaValue")

_SCHEMA_ATTRIBUTES = {
    "Meta", "OPTIONS_CLASS", "TYPE_MAPPING", "dict_class", "context", "declared_fields",
    "dump", "dump_fields", "dump_only", "dumps", "error_messages", "exclude", "fields",
    "from_dict", "get_attribute", "handle_error", "load", "load_fields", "load_only",
    "loads", "many", "on_bind_field", "only", "opts", "ordered", "partial", "set_class",
    "unknown", "validate",
    # the modules and names the generated class bodies use: a field must not hide them
    "ma", "flask_smorest", "webargs", "COMPONENTS", *_FIELDS_NAMES,
}  # fmt: skip

_COMPONENT_REF = re.compile(r"#/components/schemas/([^/]+)")


def component_ref(ref: str) -> str | None:
    """The component a ``#/components/schemas/<name>`` ref names (decoded), else None."""
    match = _COMPONENT_REF.fullmatch(ref)
    return match.group(1).replace("~1", "/").replace("~0", "~") if match else None


def schema_refs(node: Any) -> set[str]:
    """The component schemas a schema refers to, directly."""
    found: set[str] = set()
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            ref = item.get("$ref")
            name = component_ref(ref) if isinstance(ref, str) else None
            if name is not None:
                found.add(name)
            stack += item.values()
        elif isinstance(item, list):
            stack += item
    return found


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
    if python in _SCHEMA_ATTRIBUTES:
        python += "_"
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
    #: ``true`` keeps them (``ma.INCLUDE``).
    unknown: str = "ma.EXCLUDE"
    #: Written in place in the contract (``Meta.inline``), not as a named component.
    inline: bool = False
    #: The document's name of the component it is (``Meta.component``).
    component: str | None = None
    #: What the contract says of it beside its fields (``Meta.documented``).
    documented: dict[str, Any] = field(default_factory=dict)


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
    #: The component schemas, as written, that ``JSONSchemaValue`` fields refer to
    #: (``COMPONENTS`` in the source).
    written: dict[str, Any] = field(default_factory=dict)
    #: Names the classes use from the service's ``api/fields.py``.
    fields_used: set[str] = field(default_factory=set)

    @property
    def imports(self) -> list[str]:
        """The import lines the source needs besides ``import marshmallow as ma``.

        Written in the module ``api/imported/schemas.py``, after that import and one
        blank line.
        """
        return [f"from ..fields import {name}" for name in sorted(self.fields_used)]

    def source(self) -> str:
        """``COMPONENTS`` (when used) and the classes as Python source, ruff-formatted
        apart from line length."""
        blocks = []
        if self.fields_used & {"JSONSchemaValue"}:
            blocks.append(
                "#: The component schemas, as written, that fields checked as written refer to.\n"
                f"COMPONENTS: dict[str, object] = {self.written!r}"
            )
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
            if schema.description:
                lines.append(f"        description = {schema.description!r}")
            if schema.documented:
                lines.append(f"        documented = {schema.documented!r}")
            for attribute_, source in schema.fields:
                lines += ["", f"    {attribute_} = {source}"]
            blocks.append("\n".join(lines))
        return "\n\n\n".join(blocks) + "\n"


def docstring(text: str, indent: str = "") -> str:
    """``text`` on one line as a docstring literal, whatever quotes and backslashes it has."""
    text = " ".join(str(text).split()).replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    if text.endswith('"'):
        text += " "
    return f'{indent}"""{text}"""'


def _kinds(schema: dict[str, Any]) -> tuple[list[str], bool]:
    """The types a schema names (null aside), and whether it names null."""
    kind = schema.get("type")
    kinds = kind if isinstance(kind, list) else [] if kind is None else [kind]
    return [k for k in kinds if k != "null"], "null" in kinds


def _keys(schema: dict[str, Any]) -> set[str]:
    """A schema's keywords, extensions (``x-``) aside."""
    return {key for key in schema if not key.startswith("x-")}


def _object_like(schema: dict[str, Any]) -> bool:
    kinds, _ = _kinds(schema)
    if kinds:
        return kinds == ["object"]
    return bool({"properties", "additionalProperties", "unevaluatedProperties"} & set(schema))


class SchemaConverter:
    """Converts a document's schemas into the classes of one :class:`SchemaModule`.

    Component schemas become named classes; inline objects become classes named
    after where they are (``scope``), written in place in the contract.
    """

    def __init__(self, document: dict[str, Any]) -> None:
        self.components: dict[str, Any] = document.get("components", {}).get("schemas", {}) or {}
        self.openapi = "3.0" if str(document.get("openapi", "")).startswith("3.0") else "3.1"
        self.module = SchemaModule()
        #: (name prefix, length of the location that prefix stands for) of inline classes.
        self.scope: tuple[str, int] = ("", 2)
        #: Integers in JSON bodies must be numbers; in query strings and forms they are text.
        self.strict_numbers = True
        #: Non-object components being expanded in place, to catch one that contains itself.
        self.expanding: set[str] = set()
        self._merged: dict[str, dict[str, Any] | None] = {}

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

    # ---- what becomes a class -------------------------------------------------------

    def is_object(self, name: str) -> bool:
        """Whether a component schema becomes a class (else it stays JSON Schema, and
        is checked where it is used)."""
        return self.is_class(self.components[name])

    def is_class(self, schema: dict[str, Any]) -> bool:
        """Whether a schema is an object that a marshmallow class says exactly."""
        flat = self.flattened(schema)
        if flat is None or self.as_written(flat):
            return False
        extra = flat.get("additionalProperties")
        if isinstance(extra, dict) and extra:  # a map: a Dict field, not a class
            return False
        return bool(flat.get("properties"))

    def flattened(self, schema: dict[str, Any]) -> dict[str, Any] | None:
        """An object schema with its ``allOf`` (and the ``$ref`` s in it) merged into one:
        properties, ``required`` and whether other properties are refused. None when
        it is not an object, or its parts do not merge into one exactly."""
        if "$ref" in schema and "allOf" not in schema:
            name = component_ref(str(schema["$ref"]))
            if (
                name is None
                or name not in self.components
                or _keys(schema) - _REF_SIBLINGS - {"$ref"}
            ):
                return None
            if name not in self._merged:
                self._merged[name] = None  # a component that contains itself does not merge
                self._merged[name] = self.flattened(self.components[name])
            return self._merged[name]
        if "allOf" not in schema:
            if not _object_like(schema):
                return None
            if schema.get("unevaluatedProperties") is False:
                if schema.get("additionalProperties") not in (None, False):
                    return None
                schema = {**schema, "additionalProperties": False}
                del schema["unevaluatedProperties"]
            return schema
        own = {key: value for key, value in schema.items() if key != "allOf"}
        kinds, nullable = _kinds(own)
        if (kinds and kinds != ["object"]) or nullable or own.get("nullable"):
            return None
        if _keys(own) - _MERGING - {"readOnly", "writeOnly", "default"}:
            return None
        properties: dict[str, Any] = {}
        required: list[str] = []
        closed: list[set[str]] = []
        parts = [*schema["allOf"]]
        own_part = {k: v for k, v in own.items() if k in ("properties", "required")}
        if "additionalProperties" in own:
            own_part["additionalProperties"] = own["additionalProperties"]
        if own_part:
            parts.append({"type": "object", **own_part})
        for part in parts:
            if not isinstance(part, dict) or _keys(part) - _MERGING:
                return None
            if "$ref" not in part and "allOf" not in part:
                part = {"type": "object", **part}
            flat = self.flattened(part)
            if flat is None or _keys(flat) - _MERGING:
                return None
            for name, prop in (flat.get("properties") or {}).items():
                if name in properties and properties[name] != prop:
                    prop = {"allOf": [properties[name], prop]}
                properties[name] = prop
            required += [name for name in flat.get("required", []) if name not in required]
            extra = flat.get("additionalProperties")
            if extra is False:
                closed.append(set(flat.get("properties") or {}))
            elif extra not in (None, True, {}):
                return None
        if any(not set(properties) <= names for names in closed):
            return None  # a part refuses what another part names: no value has both
        unevaluated = own.get("unevaluatedProperties")
        if unevaluated not in (None, False):
            return None
        documenting = {k: v for k, v in own.items() if k in _DOCUMENTING or k.startswith("x-")}
        merged: dict[str, Any] = {**documenting, "type": "object", "properties": properties}
        if required:
            merged["required"] = required
        if closed or unevaluated is False:
            merged["additionalProperties"] = False
        return merged

    def as_written(self, schema: dict[str, Any]) -> bool:
        """Whether a schema, at its own level, says more than marshmallow fields say
        exactly (its parts are converted on their own)."""
        keys = {key for key in schema if not key.startswith("x-")}
        if keys - _HANDLED:
            return True
        if "$ref" in schema:
            return bool(keys - _REF_SIBLINGS - {"$ref"})
        kinds, nullable = _kinds(schema)
        if len(kinds) > 1 or (nullable and not kinds):
            return True
        if "const" in schema and schema["const"] is None:
            return True
        if "enum" in schema and all(value is None for value in schema["enum"]):
            return True
        if "allOf" in schema:
            return False  # decided by merging
        kind = kinds[0] if kinds else ("object" if _object_like(schema) else None)
        if kind is None:  # no type: only what applies to every value is honest
            return bool(keys - {"nullable", "readOnly", "writeOnly", "default", *_DOCUMENTING})
        if kind == "array" and not isinstance(schema.get("items", {}), dict):
            return True
        if kind == "object":
            extra = schema.get("additionalProperties")
            unevaluated = schema.get("unevaluatedProperties")
            if unevaluated is not None and (unevaluated is not False or extra not in (None, False)):
                return True
            if isinstance(extra, dict) and extra and schema.get("properties"):
                return True  # named properties and a schema for the others
            properties = schema.get("properties") or {}
            if set(schema.get("required") or []) - set(properties):
                return True  # required properties a class would not name
            closed = extra is False or unevaluated is False
            return closed and not properties
        return bool(keys & {"properties", "additionalProperties", "items"}) and kind != "array"

    # ---- classes --------------------------------------------------------------------

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
        """The class of an object schema (one :meth:`is_class` takes)."""
        converted = SchemaClass(
            name, description=str(schema.get("description", "")), title=str(schema.get("title", ""))
        )
        flat = self.flattened(schema)
        if flat is None or not self.is_class(schema):
            self.problem(where, "the schema is not an object a class can hold")
            return converted
        inherited: dict[str, Any] = {}
        inherited_required: set[str] = set()
        for part in schema.get("allOf") or []:
            target = component_ref(str(part.get("$ref", ""))) if set(part) == {"$ref"} else None
            if target is not None and target in self.components and self.is_object(target):
                converted.base = self.component(target)  # written before this class
                base = self.flattened(self.components[target]) or {}
                inherited = dict(base.get("properties") or {})
                inherited_required = set(base.get("required") or [])
                break
        required = set(flat.get("required", []))
        attributes: set[str] = set()
        for property_name, property_schema in (flat.get("properties") or {}).items():
            attribute_, data_key = attribute(property_name)
            number = 2
            while attribute_ in attributes:  # petId and pet_id: both kept, by data_key
                attribute_, data_key = f"{attribute(property_name)[0]}_{number}", property_name
                number += 1
            attributes.add(attribute_)
            if (
                inherited.get(property_name) == property_schema
                and (property_name in inherited_required) == (property_name in required)
                and attribute_ == attribute(property_name)[0]
            ):
                continue
            source = self.field(property_schema, [*where, "properties", property_name],
                                required=property_name in required, data_key=data_key)  # fmt: skip
            converted.fields.append((attribute_, source))
        extra = flat.get("additionalProperties")
        if extra is False:
            converted.unknown = "ma.RAISE"
        elif extra is not None:
            converted.unknown = "ma.INCLUDE"
        # What a class says of itself beside its fields, for the contract only.
        converted.documented = {
            key: value
            for key, value in schema.items()
            if key in _CLASS_DOCUMENTING or key.startswith("x-")
        }
        return converted

    def ref_target(self, ref: str, where: list[str | int]) -> str | None:
        name = component_ref(str(ref))
        if name is None or name not in self.components:
            self.problem(where, f"$ref {ref!r} is not a schema of this document's components")
            return None
        return name

    # ---- fields ---------------------------------------------------------------------

    def field(
        self, schema: dict[str, Any], where: list[str | int], *, required: bool = False,
        data_key: str | None = None,
    ) -> str:  # fmt: skip
        """The source of one marshmallow field for ``schema``."""
        options: list[str] = []
        metadata: dict[str, Any] = {}
        validators: list[str] = []
        if required:
            options.append("required=True")
        if data_key:
            options.append(f"data_key={data_key!r}")
        if schema.get("readOnly"):
            options.append("dump_only=True")
        if schema.get("writeOnly"):
            options.append("load_only=True")
        # A date or time field would load its default text, and apispec write it back,
        # as a datetime: documented only, like a required field's (marshmallow has none).
        temporal = schema.get("format") in ("date-time", "date", "time")
        if "default" in schema and not required and not temporal:
            options.append(f"load_default={schema['default']!r}")
        elif "default" in schema:
            metadata["default"] = schema["default"]
        if self.as_written(schema):
            return self.written_field(schema, options)
        kind, nullable = self.kind(schema)
        if nullable:
            options.insert(int(required), "allow_none=True")
        for name in _DOCUMENTING:
            if name in schema:
                metadata[name] = schema[name]
        metadata.update({k: v for k, v in schema.items() if k.startswith("x-")})
        if "$ref" in schema:
            target = self.ref_target(schema["$ref"], where)
            if target is not None and not self.is_object(target):
                # Not a class: checked here as the component says, written in place.
                if target in self.expanding or self.contains_itself(target):
                    return self.written_field(schema, [o for o in options if "allow_none" not in o])
                self.expanding.add(target)
                # What is said beside the ref (nullable, readOnly, docs) still holds.
                siblings = {key: value for key, value in schema.items() if key != "$ref"}
                source = self.field(
                    {**self.components[target], **siblings},
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
        parts = schema.get("allOf")
        if isinstance(parts, list) and len(parts) == 1 and set(parts[0]) == {"$ref"}:
            rest = {key: value for key, value in schema.items() if key != "allOf"}
            if not set(rest) - _REF_SIBLINGS - {"type"} and rest.get("type") in (None, "object"):
                # allOf: [$ref] beside documentation (often nullable) is that ref, so described.
                rest.pop("type", None)
                return self.field({**rest, **parts[0]}, where, required=required, data_key=data_key)
        if "allOf" in schema:
            if not self.is_class(schema):
                return self.written_field(schema, [o for o in options if "allow_none" not in o])
            nested = self.object_class(self.inline_name(where), schema, where)
            nested.inline = True
            self.module.classes.append(nested)
            return self.written("Nested", [nested.name, *options], validators, metadata)
        for name in ("enum", "const"):
            if name in schema:
                choices = schema["enum"] if name == "enum" else [schema["const"]]
                validators.append(f"ma.validate.OneOf({[v for v in choices if v is not None]!r})")
        if kind == "string":
            fmt = schema.get("format")
            field_class = _FORMAT_FIELDS.get(str(fmt), "ma.fields.String")
            if field_class == "Timestamp":
                self.module.fields_used.add("Timestamp")
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
                if schema.get("format") in _INTEGER_FORMATS:
                    self.module.fields_used.add("IntegerFormat")
                    validators.append(f"IntegerFormat({schema['format']!r})")
                strict = ["strict=True"] if self.strict_numbers else []
                return self.written("ma.fields.Integer", [*strict, *options], validators, metadata)
            return self.written("ma.fields.Float", options, validators, metadata)
        if kind == "boolean":
            return self.written("ma.fields.Boolean", options, validators, metadata)
        if kind == "array":
            items = schema.get("items") or {}
            inner = self.field(items, [*where, "items"]) if items else "ma.fields.Raw()"
            self.lengths(schema, "minItems", "maxItems", validators)
            return self.written("ma.fields.List", [inner, *options], validators, metadata)
        if kind == "object":
            if self.is_class(schema):
                nested = self.object_class(self.inline_name(where), schema, where)
                nested.inline = True
                self.module.classes.append(nested)
                return self.written("Nested", [nested.name, *options], validators, metadata)
            extra = schema.get("additionalProperties")
            if isinstance(extra, dict) and extra:
                values = self.field(extra, [*where, "additionalProperties"])
                options = ["keys=ma.fields.String()", f"values={values}", *options]
            return self.written("ma.fields.Dict", options, validators, metadata)
        return self.written("ma.fields.Raw", options, validators, metadata)

    def contains_itself(self, name: str) -> bool:
        """Whether a component schema refers to itself (then it is checked as written)."""
        seen: set[str] = set()
        pending = schema_refs(self.components[name])
        while pending:
            other = pending.pop()
            if other == name:
                return True
            if other in self.components and other not in seen:
                seen.add(other)
                pending |= schema_refs(self.components[other])
        return False

    def written_field(self, schema: dict[str, Any], options: list[str]) -> str:
        """A field that checks ``schema`` as written, and documents it so."""
        self.module.fields_used.add("JSONSchemaValue")
        pending = schema_refs(schema)
        while pending:
            name = pending.pop()
            if name in self.components and name not in self.module.written:
                self.module.written[name] = self.components[name]
                pending |= schema_refs(self.components[name])
        arguments = [repr(schema), "components=COMPONENTS", f"openapi={self.openapi!r}"]
        if not self.strict_numbers:
            arguments.append("text=True")
        return f"JSONSchemaValue({', '.join([*arguments, *options])})"

    def kind(self, schema: dict[str, Any]) -> tuple[str | None, bool]:
        kinds, nullable = _kinds(schema)
        nullable = nullable or bool(schema.get("nullable"))
        kind = kinds[0] if kinds else None
        if kind is None and _object_like(schema):
            kind = "object"
        if "enum" in schema:  # JSON Schema: the enum decides whether null is allowed
            nullable = None in schema["enum"]
        if "const" in schema:
            nullable = schema["const"] is None
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
                    if low is None or value >= low:
                        low, low_open = value, True
                elif high is None or value <= high:
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
        prefix = "ma.fields." if field_class == "Nested" else ""
        return f"{prefix}{field_class}({', '.join(arguments)})"

    def note(self, where: list[str | int], message: str) -> None:
        self.module.notes.append(f"{pointer(where)}: {message}")

    def problem(self, where: list[str | int], message: str) -> None:
        self.module.problems.append(f"{pointer(where)}: {message}")


def convert_schemas(document: dict[str, Any]) -> SchemaModule:
    """Every component schema of a validated document as marshmallow classes."""
    return SchemaConverter(document).convert_components()
