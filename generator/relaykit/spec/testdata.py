"""Smallest valid values for schemas: the requests of an imported service's generated tests.

A value is checked against the schema as written, with the JSON Schema validator the
service itself uses for what marshmallow cannot say (openapi-schema-validator): a
schema's ``example`` or ``default`` is taken only when the schema accepts it, and a
built value is, among a few candidates, the first the schema accepts (``not``,
``oneOf`` exactly one, ``uniqueItems``, ...).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from typing import Any

from openapi_schema_validator import OAS30Validator
from openapi_schema_validator import OAS31Validator

from .schemas import component_ref

__all__ = ["NoExampleError", "accepted_value", "example_value"]

#: Characters tried, repeated, for a string that must match a pattern.
_PATTERN_CANDIDATES = ("a", "0", "A", "a0", "A0", "a-0", "0-a", "-", "_")


class NoExampleError(ValueError):
    """No value could be made for a schema (a pattern none of the candidates match)."""


#: A valid string for each format a service checks, and for common documented ones.
_FORMATTED = {
    "date-time": "2026-01-01T12:00:00Z",
    "date": "2026-01-01",
    "time": "12:00:00",
    "email": "someone@example.com",
    "uuid": "00000000-0000-4000-8000-000000000000",
    "uri": "https://example.com/",
    "url": "https://example.com/",
}

#: How deep values go before recursion stops; every $ref, allOf and choice counts, so a
#: chain of parents (allOf of a $ref of an allOf...) is filled in whole.
_DEPTH = 24


def example_value(
    schema: dict[str, Any], components: dict[str, Any], depth: int = 0, *, openapi: str = ""
) -> Any:
    """A value ``schema`` accepts: its example or default when it accepts it, else the
    smallest that can be built.

    Only required properties of objects are filled in; ``$ref``s to component schemas
    are followed (not past a depth of 8, where an optional recursion stops).

    :param openapi: the document's version (``3.0.3``, ``3.1.0``); guessed from the
        schemas when not given (3.0 when one says ``nullable`` or has a boolean
        ``exclusiveMinimum``).
    """
    version = openapi or _guess_version(schema, components)
    return _Examples(components, version).value(schema, depth)


def _naming(discriminator: dict[str, Any], branch: dict[str, Any]) -> str:
    """The discriminator value that names ``branch``: its mapping key, else its component."""
    ref = str(branch.get("$ref", ""))
    mapping = discriminator.get("mapping") or {}
    return next((key for key, target in mapping.items() if target == ref), ref.rsplit("/", 1)[-1])


def accepted_value(schema: dict[str, Any], components: dict[str, Any], *, openapi: str = "") -> Any:
    """:func:`example_value`, when ``schema`` accepts it.

    :raises NoExampleError: when no value it accepts could be built (an ``allOf`` whose
        parts exclude each other, a pattern no simple value matches).
    """
    value = example_value(schema, components, openapi=openapi)
    examples = _Examples(components, openapi or _guess_version(schema, components))
    if not examples.accepts(schema, value) and examples.inherited(schema) is None:
        raise NoExampleError("no value its schema accepts could be made: give it an example")
    return value


def _guess_version(schema: dict[str, Any], components: dict[str, Any]) -> str:
    stack: list[Any] = [schema, components]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if "nullable" in node or any(
                isinstance(node.get(key), bool) for key in ("exclusiveMinimum", "exclusiveMaximum")
            ):
                return "3.0"
            stack += node.values()
        elif isinstance(node, list):
            stack += node
    return "3.1"


class _Examples:
    def __init__(self, components: dict[str, Any], openapi: str) -> None:
        self.components = components
        self.validator_class: Any = OAS30Validator if openapi.startswith("3.0") else OAS31Validator

    def accepts(self, schema: Any, value: Any) -> bool:
        """Whether ``schema`` (as written) accepts ``value``, sent as a request: a
        required ``readOnly`` property may be left out."""
        if not isinstance(schema, dict):
            return bool(schema)
        cls = self.validator_class
        root = {**schema, "components": {"schemas": self.components}}
        try:
            errors = list(cls(root, format_checker=cls.FORMAT_CHECKER).iter_errors(value))
        except Exception:  # a pattern Python cannot compile, an unresolvable ref...
            return False
        return all(_read_only_missing(error) for error in errors)

    def inherited(self, schema: dict[str, Any]) -> dict[str, Any] | None:
        """The discriminator the branches of a oneOf/anyOf have from a parent they extend
        with allOf, when they share one (as ``api/fields.py`` reads it)."""
        found = []
        for branch in schema.get("oneOf") or schema.get("anyOf") or []:
            target = self.components.get(component_ref(str(branch.get("$ref", ""))) or "")
            if not isinstance(target, dict):
                return None
            parents = [target] + [
                self.components.get(component_ref(str(part.get("$ref", ""))) or "", {})
                for part in target.get("allOf", [])
            ]
            own = next((p["discriminator"] for p in parents if "discriminator" in p), None)
            if not isinstance(own, dict):
                return None
            found.append(own)
        names = {str(discriminator.get("propertyName")) for discriminator in found}
        return found[0] if len(names) == 1 else None

    def value(self, schema: Any, depth: int) -> Any:
        if not isinstance(schema, dict):
            return None
        first = None
        for index, candidate in enumerate(self.candidates(schema, depth)):
            if index == 0:
                first = candidate
            if self.accepts(schema, candidate):
                return candidate
            if index >= 24:
                break
        return first

    def candidates(self, schema: dict[str, Any], depth: int) -> Iterator[Any]:
        """Values to try for ``schema``, the likeliest first."""
        if depth > _DEPTH:  # a schema that contains itself
            return
        read_only = {
            name
            for name, prop in (schema.get("properties") or {}).items()
            if isinstance(prop, dict) and prop.get("readOnly")
        }
        given = [schema[key] for key in ("example", "default") if key in schema]
        if isinstance(schema.get("examples"), list):
            given += schema["examples"]
        for value in given:
            if isinstance(value, dict):  # a client does not send what only the server writes
                value = {key: item for key, item in value.items() if key not in read_only}
            yield value
        if "$ref" in schema:
            name = component_ref(str(schema["$ref"]))
            target = self.components.get(name or "", {})
            yield from self.candidates(target if isinstance(target, dict) else {}, depth + 1)
            return
        if "const" in schema:
            yield schema["const"]
            return
        if "enum" in schema:
            yield from [value for value in schema["enum"] if value is not None]
            yield from [value for value in schema["enum"] if value is None]
            return
        if "allOf" in schema:
            merged: dict[str, Any] = {}
            scalars = []
            for part in schema["allOf"]:
                value = self.value(part, depth + 1)
                if isinstance(value, dict):
                    merged.update(value)
                else:
                    scalars.append(value)
            own = {key: value for key, value in schema.items() if key != "allOf"}
            if _kind(own) in (None, "object") and (merged or not scalars):
                own_value = self.value(own, depth) if set(own) - {"description", "title"} else {}
                yield {**merged, **(own_value if isinstance(own_value, dict) else {})}
            yield from scalars
        discriminator = schema.get("discriminator") or self.inherited(schema)
        for choice in ("oneOf", "anyOf"):
            for branch in schema.get(choice) or []:
                if not isinstance(branch, dict):
                    continue
                own = {k: v for k, v in schema.items() if k not in ("oneOf", "anyOf")}
                own.pop("discriminator", None)
                for candidate in self.candidates({**own, **_without_docs(branch)}, depth + 1):
                    if isinstance(discriminator, dict) and isinstance(candidate, dict):
                        # The discriminating property names the branch the value is for.
                        name = discriminator.get("propertyName")
                        candidate = {**candidate, name: _naming(discriminator, branch)}
                    yield candidate
        kinds = _kinds(schema)
        for kind in kinds:
            yield from self.built(schema, kind, depth)
        if not kinds:  # any type will do: the first the schema accepts
            yield from ("a", 1, True, {}, [])
        if schema.get("nullable") or "null" in (schema.get("type") or []):
            yield None

    def built(self, schema: dict[str, Any], kind: str, depth: int) -> Iterator[Any]:
        if kind == "string":
            low = int(schema.get("minLength", 0))
            if "pattern" in schema:
                yield _matching(str(schema["pattern"]), low, int(schema.get("maxLength", 64)))
                return
            text = _FORMATTED.get(str(schema.get("format")), "a")
            yield text.ljust(low, "a")
            yield from (letter * max(low, 1) for letter in "bcxyz")
        elif kind in ("integer", "number"):
            yield from _numbers(schema, kind)
        elif kind == "boolean":
            yield from (True, False)
        elif kind == "array":
            items = schema.get("items") if isinstance(schema.get("items"), dict) else {}
            count = max(int(schema.get("minItems", 1)), 1)
            if schema.get("maxItems") is not None:
                count = min(count, int(schema["maxItems"]))
            prefix = [self.value(item, depth + 1) for item in schema.get("prefixItems") or []]
            if schema.get("uniqueItems") and count > len(prefix):
                distinct = []
                for candidate in self.candidates(items or {}, depth + 1):
                    if candidate not in distinct and self.accepts(items or {}, candidate):
                        distinct.append(candidate)
                    if len(distinct) >= count - len(prefix):
                        break
                yield [*prefix, *distinct]
            else:
                yield [*prefix, *[self.value(items or {}, depth + 1)] * max(count - len(prefix), 0)]
            yield []
        elif kind == "object":
            properties = schema.get("properties") or {}
            read_only = {
                n for n, p in properties.items() if isinstance(p, dict) and p.get("readOnly")
            }
            value = {
                name: self.value(properties.get(name, {}), depth + 1)
                for name in schema.get("required", [])
                if name not in read_only and depth < _DEPTH
            }
            for name, prop in properties.items():  # minProperties: optional ones too
                if len(value) >= int(schema.get("minProperties", 0)):
                    break
                if name not in value and name not in read_only:
                    value[name] = self.value(prop, depth + 1)
            yield value


def _read_only_missing(error: Any) -> bool:
    """Whether an error only says that a required ``readOnly`` property is missing."""
    if error.validator != "required" or not isinstance(error.instance, dict):
        return False
    properties = error.schema.get("properties") or {}
    missing = [name for name in error.validator_value if name not in error.instance]
    return all(
        isinstance(properties.get(name), dict) and properties[name].get("readOnly")
        for name in missing
    )


def _without_docs(schema: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in schema.items() if key not in ("example", "default")}


def _kinds(schema: dict[str, Any]) -> list[str]:
    kind = schema.get("type")
    kinds = kind if isinstance(kind, list) else [] if kind is None else [kind]
    kinds = [k for k in kinds if k != "null"]
    if not kinds and ({"properties", "additionalProperties", "required"} & set(schema)):
        kinds = ["object"]
    if not kinds and {"items", "prefixItems"} & set(schema):
        kinds = ["array"]
    if not kinds and {"minLength", "maxLength", "pattern"} & set(schema):
        kinds = ["string"]
    if not kinds and {"minimum", "maximum", "multipleOf"} & set(schema):
        kinds = ["number"]
    return kinds


def _kind(schema: dict[str, Any]) -> str | None:
    kinds = _kinds(schema)
    return kinds[0] if kinds else None


def _numbers(schema: dict[str, Any], kind: str) -> Iterator[Any]:
    floor = schema.get("minimum")
    low_open = schema.get("exclusiveMinimum")
    if not isinstance(low_open, bool) and low_open is not None:
        floor = low_open if floor is None else max(floor, low_open)
    value = 1 if floor is None else math.floor(floor) + 1
    high = schema.get("maximum", schema.get("exclusiveMaximum"))
    high_open = schema.get("exclusiveMaximum")
    if not isinstance(high_open, bool) and high_open is not None:
        high = high_open if high is None else min(high, high_open)
    if high is not None and value >= high:
        value = math.ceil(high) - 1 if high_open not in (None, False) else math.floor(high)
    step = schema.get("multipleOf")
    if step:
        value = math.ceil(value / step) * step
        if kind == "integer" or float(value).is_integer():
            value = int(value)
        yield value
        yield value + step
        yield value - step
        return
    for offset in (0, 1, -1, 2, -2):
        yield value + offset
    if kind == "number":  # one that is no integer, for a oneOf of number and integer
        yield value + 0.5
        yield value - 0.5
    if floor is not None:
        yield floor


def _matching(pattern: str, low: int, high: int) -> str:
    """A short string ``pattern`` matches, as the service checks it (from the start)."""
    regex = re.compile(pattern)
    for candidate in _PATTERN_CANDIDATES:
        for length in range(max(low, 1), max(high, 1) + 1):
            text = (candidate * length)[:length]
            if regex.match(text):
                return text
    raise NoExampleError(f"no example for the pattern {pattern!r}: give the schema an example")
