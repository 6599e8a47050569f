"""Smallest valid values for schemas: the requests of an imported service's generated tests."""

from __future__ import annotations

import re
from typing import Any

from .schemas import component_ref

__all__ = ["NoExampleError", "example_value"]

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


def example_value(schema: dict[str, Any], components: dict[str, Any], depth: int = 0) -> Any:
    """A value ``schema`` accepts: its example or default when it has one, else the smallest.

    Only required properties of objects are filled in; ``$ref``s to component schemas
    are followed (not past a depth of 8, where an optional recursion stops).
    """
    if "$ref" in schema:
        name = component_ref(schema["$ref"])
        return example_value(components.get(name or "", {}), components, depth + 1)
    read_only = {n for n, p in (schema.get("properties") or {}).items() if p.get("readOnly")}
    for given in ("example", "default"):
        if given in schema:
            value = schema[given]
            if isinstance(value, dict):  # a client does not send what only the server writes
                return {key: item for key, item in value.items() if key not in read_only}
            return value
    if "enum" in schema:
        return next(value for value in schema["enum"] if value is not None)
    if "allOf" in schema:
        merged: dict[str, Any] = {}
        for part in schema["allOf"]:
            value = example_value(part, components, depth + 1)
            if isinstance(value, dict):
                merged.update(value)
        return merged
    for choice in ("oneOf", "anyOf"):
        if schema.get(choice):
            return example_value(schema[choice][0], components, depth + 1)
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    if kind is None and "properties" in schema:
        kind = "object"
    if kind == "string":
        low = int(schema.get("minLength", 0))
        if "pattern" in schema:
            return _matching(str(schema["pattern"]), low, int(schema.get("maxLength", 64)))
        text = _FORMATTED.get(str(schema.get("format")), "a")
        return text.ljust(low, "a")
    if kind in ("integer", "number"):
        floor = schema.get("minimum", schema.get("exclusiveMinimum"))
        value = 1 if floor is None or isinstance(floor, bool) else int(floor) + 1
        high = schema.get("maximum", schema.get("exclusiveMaximum"))
        if high is not None and value >= high:
            value = int(high) - (1 if schema.get("exclusiveMaximum") not in (None, False) else 0)
        return value
    if kind == "boolean":
        return True
    if kind == "array":
        items = schema.get("items") or {}
        count = max(int(schema.get("minItems", 1)), 1)
        if schema.get("maxItems") is not None:
            count = min(count, int(schema["maxItems"]))
        return [example_value(items, components, depth + 1)] * count
    if kind == "object":
        properties = schema.get("properties") or {}
        return {
            name: example_value(properties[name], components, depth + 1)
            for name in schema.get("required", [])
            if name in properties and name not in read_only and depth < 8
        }
    return "a"


def _matching(pattern: str, low: int, high: int) -> str:
    """A short string ``pattern`` matches, as the service checks it (from the start)."""
    regex = re.compile(pattern)
    for candidate in _PATTERN_CANDIDATES:
        for length in range(max(low, 1), max(high, 1) + 1):
            text = (candidate * length)[:length]
            if regex.match(text):
                return text
    raise NoExampleError(f"no example for the pattern {pattern!r}: give the schema an example")
