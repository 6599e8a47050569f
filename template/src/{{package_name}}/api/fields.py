# Managed by relaykit: "copier update" merges the template's changes into this file.
"""marshmallow fields that hold the contract to its word.

Most of a contract maps onto marshmallow's own fields and validators. What does not
(``oneOf``, ``anyOf``, ``not``, several types, ``if``/``then``/``else``, ...) is
checked by :class:`JSONSchemaValue` against the schema as the contract writes it.
:class:`ContractMarshmallowPlugin` has apispec write all that such fields and the
schema classes say, as the contract has it.
"""

from __future__ import annotations

import functools
import importlib
import json
import re
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import marshmallow as ma
from apispec.ext.marshmallow import MarshmallowPlugin
from apispec.ext.marshmallow.common import resolve_schema_instance
from apispec.ext.marshmallow.openapi import OpenAPIConverter

__all__ = [
    "NESTING",
    "AsWritten",
    "ContractConverter",
    "ContractMarshmallowPlugin",
    "IntegerFormat",
    "JSONSchemaValue",
    "MaxDepth",
    "Timestamp",
    "documentable",
    "exceeds_depth",
    "written_schema",
]

#: RFC 3339, section 5.6: a date, "T", a time and an offset. Python alone would
#: also take "2026-01-01 12:00Z" and ISO week dates, which the contract excludes.
RFC3339_DATE_TIME = re.compile(
    r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})"
)


class Timestamp(ma.fields.AwareDateTime):
    """An RFC 3339 date-time with its offset, e.g. ``2026-01-01T12:00:00Z``.

    Documented as ``format: date-time``, which is exactly what it accepts.
    """

    default_error_messages = {  # noqa: RUF012 (marshmallow merges this class attribute)
        "rfc3339": "Not an RFC 3339 date-time such as 2026-01-01T12:00:00Z.",
    }

    def _deserialize(
        self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any
    ) -> datetime:
        if not isinstance(value, str) or not RFC3339_DATE_TIME.fullmatch(value):
            raise self.make_error("rfc3339")
        parsed: datetime = super()._deserialize(value, attr, data, **kwargs)
        return parsed


class AsWritten(ma.fields.Nested):
    """An object another party wrote, such as the worker's receipt: documented by its
    schema, passed on exactly as it came (members the schema does not list included),
    without a dump of its own."""

    # Nested's own signature, which renames Field's first parameter: mypy cannot match both.
    def _serialize(self, nested_obj: Any, attr: Any, obj: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        return nested_obj


#: What nests: arrays and objects, for ``isinstance`` (a constant: ``dict | list``
#: written in place builds the union on every call).
NESTING = (dict, list)


def exceeds_depth(value: Any, depth: int) -> bool:
    """Whether ``value`` nests arrays and objects more than ``depth`` levels deep.

    ``[]`` and ``{"a": 1}`` nest one level, ``[[]]`` two; a number, string, true,
    false or null adds none. Walks level by level, without recursion, and stops at
    ``depth``.
    """
    level = [value] if isinstance(value, NESTING) else []
    seen = 0
    while level:  # the arrays and objects at one level
        seen += 1
        if seen > depth:
            return True
        below = []
        for node in level:
            for child in node.values() if isinstance(node, dict) else node:
                if isinstance(child, NESTING):
                    below.append(child)
        level = below
    return False


class MaxDepth(ma.validate.Validator):
    """Refuse a value that nests arrays and objects more than ``depth`` levels deep
    (as :func:`exceeds_depth` counts them: a field's own object is one level).

    Set on a free-form field (a ``Dict``), it keeps the depth an item may have the
    same whether the item comes alone or in a batch.
    """

    def __init__(self, depth: int) -> None:
        self.depth = depth

    def __call__(self, value: Any) -> Any:
        if exceeds_depth(value, self.depth):
            raise ma.ValidationError(f"Nested more than {self.depth} levels deep.")
        return value


class IntegerFormat(ma.validate.Validator):
    """The bounds of an integer ``format``: ``int32`` and ``int64`` are signed.

    Kept apart from the schema's own ``minimum`` and ``maximum`` (a ``Range``), so
    that the contract documents the format, not bounds the document did not write.
    """

    BITS = {"int32": 32, "int64": 64}  # noqa: RUF012 (read-only)

    def __init__(self, fmt: str) -> None:
        self.format = fmt
        bits = self.BITS[fmt]
        self.low, self.high = -(2 ** (bits - 1)), 2 ** (bits - 1) - 1

    def __call__(self, value: Any) -> Any:
        if not self.low <= value <= self.high:
            raise ma.ValidationError(
                f"Not a valid {self.format}: must be between {self.low} and {self.high}."
            )
        return value


def _ignored(*args: Any) -> Iterable[Any]:
    return ()


@functools.cache
def _validator_class(openapi: str) -> Any:
    # Imported here: most services never use it, and start-up time is benchmarked.
    import openapi_schema_validator as osv

    # jsonschema ships no type information: imported by name, its attributes are Any.
    jsonschema = importlib.import_module("jsonschema.validators")
    if openapi.startswith("3.0"):
        base, plain = osv.OAS30Validator, jsonschema.Draft4Validator
    else:
        base, plain = osv.OAS31Validator, jsonschema.Draft202012Validator
    # oneOf means exactly one branch, anyOf at least one; with a discriminator, the
    # branch it names must match (OpenAPI: it settles which of several shapes is meant).
    # readOnly and writeOnly say who sends a property; a request may carry either.
    keywords = {name: _discriminated(plain.VALIDATORS[name]) for name in ("oneOf", "anyOf")}
    keywords["allOf"] = plain.VALIDATORS["allOf"]
    keywords["required"] = _sent(plain.VALIDATORS["required"])
    return jsonschema.extend(base, {**keywords, "readOnly": _ignored, "writeOnly": _ignored})


def _discriminated(keyword: Any) -> Any:
    """``oneOf``/``anyOf`` as JSON Schema says; with a ``discriminator``, the value's
    discriminating property names the one branch it must match."""
    error_class = importlib.import_module("jsonschema.exceptions").ValidationError

    def check(validator: Any, branches: Any, instance: Any, schema: Mapping[str, Any]) -> Any:
        discriminator = schema.get("discriminator") or _inherited(validator, branches)
        if not isinstance(discriminator, dict) or not validator.is_type(instance, "object"):
            yield from keyword(validator, branches, instance, schema)
            return
        name = discriminator.get("propertyName")
        mapping = discriminator.get("mapping") or {}
        refs = [str(branch.get("$ref", "")) for branch in branches]
        names = [str(key) for key in mapping] or [ref.rsplit("/", 1)[-1] for ref in refs if ref]
        if name not in instance:
            message = "Missing data for required field."
            yield error_class(message, validator="discriminator", path=[name])
            return
        ref = mapping.get(instance[name], f"#/components/schemas/{instance[name]}")
        if ref not in refs:
            message = f"Must be one of: {', '.join(names)}."
            yield error_class(message, validator="discriminator", path=[name])
            return
        index = refs.index(ref)
        yield from validator.descend(instance, branches[index], schema_path=index)

    return check


def _inherited(validator: Any, branches: Any) -> dict[str, Any] | None:
    """The discriminator every branch has from a parent it extends with ``allOf``
    (``Dog: {allOf: [$ref: Pet, ...]}``, ``Pet`` naming ``pet_type``), if they share one."""
    found: list[dict[str, Any]] = []
    for branch in branches:
        if not isinstance(branch, dict) or "$ref" not in branch:
            return None
        # jsonschema has no public lookup; openapi-schema-validator uses the same one.
        target = validator._resolver.lookup(branch["$ref"]).contents
        parents = [target, *(validator._resolver.lookup(part["$ref"]).contents
                             for part in target.get("allOf", []) if "$ref" in part)]  # fmt: skip
        own = next(
            (p["discriminator"] for p in parents if isinstance(p.get("discriminator"), dict)), None
        )
        if own is None:
            return None
        found.append(own)
    names = {str(discriminator.get("propertyName")) for discriminator in found}
    return found[0] if len(names) == 1 and found else None


def _sent(required: Any) -> Any:
    """``required``, as for a request: a required ``readOnly`` property is not sent."""

    def check(validator: Any, names: Any, instance: Any, schema: Mapping[str, Any]) -> Any:
        properties = schema.get("properties")
        if isinstance(properties, dict) and isinstance(names, list):
            names = [n for n in names if (properties.get(n) or {}).get("readOnly") is not True]
        return required(validator, names, instance, schema)

    return check


class JSONSchemaValue(ma.fields.Raw):
    """A value checked against its schema as the contract writes it, kept as given.

    For what marshmallow cannot say honestly: ``oneOf`` (exactly one branch matches),
    ``anyOf`` (at least one), ``not``, several types, ``if``/``then``/``else``,
    ``patternProperties``, ``prefixItems``, ``uniqueItems``, ``multipleOf``, ...
    Validated with openapi-schema-validator and its format checker, as a request: a
    required ``readOnly`` property need not be sent. In 3.0, ``nullable`` counts beside
    a ``type`` (3.0.3) and, at the top of the field, beside ``oneOf``/``anyOf``/``allOf``
    too, as for a nullable ``$ref``. With a ``discriminator``, the value's discriminating
    property names the branch it must match (by ``mapping``, else by component name), as
    OpenAPI says: it settles which of several shapes that would all fit is meant. The
    schema decides whether null is allowed. Errors are located: ``{"shipping": {"city": [...]}}`` becomes the pointer
    ``/shipping/city`` in the problem details.

    :param schema: the schema as written; its ``$ref`` s name ``#/components/schemas/...``.
    :param components: the contract's component schemas, as written.
    :param openapi: the contract's OpenAPI version.
    :param text: the value comes from a query string, a header or a form, where every
        value is text: one that fails is read as JSON (``"5"`` as 5, ``"true"`` as true)
        and checked again; an array takes every value of a repeated parameter.
    """

    def __init__(
        self,
        schema: Mapping[str, Any],
        *,
        components: Mapping[str, Any] | None = None,
        openapi: str = "3.1",
        text: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.schema = dict(schema)
        self.components = dict(components or {})
        self.openapi = openapi
        self.text = text
        kind = self.schema.get("type")
        if text and (kind == "array" or (isinstance(kind, list) and "array" in kind)):
            self.is_multiple = True  # webargs: every value of a repeated parameter
        # Built on first use, once: the copies marshmallow makes of a field share it.
        self._validator: list[Any] = []

    def _check(self, value: Any) -> list[tuple[tuple[Any, ...], str]]:
        if value is None and self.openapi.startswith("3.0") and self.schema.get("nullable") is True:
            return []
        if not self._validator:
            cls = _validator_class(self.openapi)
            root = {**self.schema, "components": {"schemas": self.components}}
            self._validator.append(cls(root, format_checker=cls.FORMAT_CHECKER))
        found: list[tuple[tuple[Any, ...], str]] = []
        _locate(self._validator[0].iter_errors(value), found)
        return found

    def _validate_missing(self, value: Any) -> None:
        if value is not None:  # the schema decides whether null is allowed
            super()._validate_missing(value)

    def _deserialize(
        self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any
    ) -> Any:
        found = self._check(value)
        if found and self.text:
            read = _read_text(value)
            if json.dumps(read) != json.dumps(value):
                found = self._check(read)
                value = read
        if found:
            raise ma.ValidationError(_tree(found))
        return value


def written_schema(
    converter: Any, field: ma.fields.Field[Any], ret: dict[str, Any], **kwargs: Any
) -> Any:
    """apispec attribute function: a :class:`JSONSchemaValue` is documented as written.

    Register it last: ``ma_plugin.converter.add_attribute_function(written_schema)``.
    """
    if isinstance(field, JSONSchemaValue):
        ret.clear()  # nothing marshmallow would say of a Raw field: the schema says it all
        written: dict[str, Any] = documentable(field.schema)
        return written
    return {}


class ContractConverter(OpenAPIConverter):
    """apispec's converter, with all that a schema class's ``Meta`` says.

    apispec writes a ``Meta.description`` in place of ``additionalProperties``: a
    closed object says both. ``Meta.documented`` holds what the contract says of an
    object beside its fields (an imported schema's ``xml``, ``example``, ``x-`` keys).
    """

    def schema2jsonschema(self, schema: Any) -> dict[str, Any]:
        # apispec types only part of its converter: this method has no annotations.
        jsonschema: dict[str, Any] = super().schema2jsonschema(schema)  # type: ignore[no-untyped-call]
        meta = getattr(schema, "Meta", None)
        if resolve_schema_instance(schema).unknown == ma.RAISE:
            jsonschema["additionalProperties"] = False
        jsonschema.update(getattr(meta, "documented", {}))
        return jsonschema


class ContractMarshmallowPlugin(MarshmallowPlugin):
    """apispec's marshmallow plugin, converting with :class:`ContractConverter`."""

    Converter = ContractConverter


def documentable(schema: Any) -> Any:
    """``schema`` as apispec can write it: a boolean subschema where apispec looks for
    the name of a component (a property, ``items``, ``not``, an ``allOf``/``oneOf``/
    ``anyOf`` branch) becomes the object that means the same: ``{}`` for ``true``,
    ``{"not": {}}`` for ``false`` (apispec would write a ``$ref`` to ``False``)."""
    if isinstance(schema, bool):
        return {} if schema else {"not": {}}
    if not isinstance(schema, dict):
        return schema
    out = dict(schema)
    if isinstance(out.get("properties"), dict):
        out["properties"] = {name: documentable(item) for name, item in out["properties"].items()}
    for key in ("items", "not"):
        if key in out:
            out[key] = documentable(out[key])
    for key in ("allOf", "oneOf", "anyOf"):
        if isinstance(out.get(key), list):
            out[key] = [documentable(item) for item in out[key]]
    return out


_TEXT_INTEGER = re.compile(r"-?(0|[1-9][0-9]*)")
_TEXT_NUMBER = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?")


def _read_text(value: Any) -> Any:
    """A text value as JSON would give it: ``"5"`` is 5, ``"true"`` is true."""
    if isinstance(value, list):
        return [_read_text(item) for item in value]
    if not isinstance(value, str):
        return value
    if value in ("true", "false"):
        return value == "true"
    if _TEXT_INTEGER.fullmatch(value):
        return int(value)
    if _TEXT_NUMBER.fullmatch(value):
        return float(value)
    return value


_UNEXPECTED = re.compile(r"\((.*) (?:was|were) unexpected\)")
#: A name in that message, as Python quotes it.
_QUOTED = re.compile(r"'((?:[^'\\]|\\.)*)'")

#: A short message for each failed keyword, from the keyword's value.
_MESSAGES: dict[str, Callable[[Any], str]] = {
    "enum": lambda v: f"Must be one of: {', '.join(json.dumps(c) for c in v)}.",
    "const": lambda v: f"Must be {json.dumps(v)}.",
    "minLength": lambda v: f"Shorter than minimum length {v}.",
    "maxLength": lambda v: f"Longer than maximum length {v}.",
    "minItems": lambda v: f"Fewer than {v} items.",
    "maxItems": lambda v: f"More than {v} items.",
    "minProperties": lambda v: f"Fewer than {v} properties.",
    "maxProperties": lambda v: f"More than {v} properties.",
    "minimum": lambda v: f"Must be greater than or equal to {v}.",
    "maximum": lambda v: f"Must be less than or equal to {v}.",
    "exclusiveMinimum": lambda v: f"Must be greater than {v}.",
    "exclusiveMaximum": lambda v: f"Must be less than {v}.",
    "multipleOf": lambda v: f"Must be a multiple of {v}.",
    "pattern": lambda v: f"Does not match the pattern {v}.",
    "format": lambda v: f"Not a valid {v}.",
    "uniqueItems": lambda v: "Items must be unique.",
    "not": lambda v: "Matches a shape that is not allowed (not).",
    "contains": lambda v: "No item has the required shape (contains).",
    "minContains": lambda v: f"Fewer than {v} items have the required shape (contains).",
    "maxContains": lambda v: f"More than {v} items have the required shape (contains).",
    "type": lambda v: f"Not a valid {' or '.join(v) if isinstance(v, list) else v}.",
}


def _locate(errors: Iterable[Any], found: list[tuple[tuple[Any, ...], str]]) -> None:
    """Each jsonschema error as (where in the value, a short message)."""
    for error in errors:
        path = tuple(error.absolute_path)
        keyword, value, instance = error.validator, error.validator_value, error.instance
        if keyword == "discriminator":
            found.append((path, str(error.message)))
        elif keyword in ("oneOf", "anyOf"):
            _choice(error, path, found)
        elif keyword in ("required", "dependentRequired") and isinstance(instance, dict):
            names = value if keyword == "required" else _dependent(value, instance)
            found += [
                ((*path, n), "Missing data for required field.") for n in names if n not in instance
            ]
        elif keyword in ("additionalProperties", "unevaluatedProperties") and value is False:
            names = _unexpected(error)
            found += [((*path, name), "Unknown field.") for name in names]
            if not names:
                found.append((path, "Has properties that are not allowed."))
        elif instance is None and keyword in ("type", "nullable"):
            found.append((path, "Field may not be null."))
        elif keyword in _MESSAGES:
            found.append((path, _MESSAGES[keyword](value)))
        else:
            found.append((path, str(error.message)))


def _dependent(value: Mapping[str, list[str]], instance: Mapping[str, Any]) -> list[str]:
    return [name for key, names in value.items() if key in instance for name in names]


def _unexpected(error: Any) -> list[str]:
    """The properties an ``additionalProperties``/``unevaluatedProperties: false`` refused
    (jsonschema names them only in its message)."""
    match = _UNEXPECTED.search(str(error.message))
    return _QUOTED.findall(match.group(1)) if match else []


def _choice(error: Any, path: tuple[Any, ...], found: list[tuple[tuple[Any, ...], str]]) -> None:
    """oneOf and anyOf: say how many branches matched, or what the intended one lacks."""
    keyword, branches = error.validator, error.validator_value
    failed: dict[int, list[Any]] = {}
    for inner in error.context:
        failed.setdefault(inner.relative_schema_path[0], []).append(inner)
    matched = [index for index in range(len(branches)) if index not in failed]
    if matched:  # oneOf, matched by several
        listed = ", ".join(str(index) for index in matched)
        found.append(
            (path, f"Matches {len(matched)} of the allowed shapes (oneOf branches {listed}); "
             "exactly one must match.")
        )  # fmt: skip
        return
    intended = _intended(failed)
    if intended is None:
        found.append((path, f"Matches none of the {len(branches)} allowed shapes ({keyword})."))
    else:
        _locate(failed[intended], found)


def _intended(failed: dict[int, list[Any]]) -> int | None:
    """The branch a value that matches none was meant for, when that is clear."""
    shaped = [
        index
        for index, errors in failed.items()
        if not any(not e.relative_path and e.validator in ("type", "enum", "const") for e in errors)
    ]
    return shaped[0] if len(shaped) == 1 else None


def _tree(found: list[tuple[tuple[Any, ...], str]]) -> list[str] | dict[Any, Any]:
    """Messages nested as marshmallow nests them: by property name and item index, a
    value's own messages under ``_schema`` beside those of its parts."""
    root: dict[Any, Any] = {}
    for path, message in found:
        node = root
        for key in path:
            node = node.setdefault(key, {})
        messages = node.setdefault(_OWN, [])
        if message not in messages:
            messages.append(message)
    return _nested(root)


_OWN = object()  # where a node keeps its own messages


def _nested(node: dict[Any, Any]) -> list[str] | dict[Any, Any]:
    own = node.pop(_OWN, [])
    if not node:
        return list(own)
    nested: dict[Any, Any] = {key: _nested(child) for key, child in node.items()}
    if own:
        nested["_schema"] = own
    return nested
