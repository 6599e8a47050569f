# Managed by relaykit: "copier update" merges the template's changes into this file.
"""Dotted paths into nested objects: ``data.card.number``. Updates copy, never mutate."""

from __future__ import annotations

import functools
import re
from typing import Any

from .core import Payload
from .core import StepError

__all__ = ["MISSING", "get_path", "normal_key", "pointer", "remove_path", "set_path", "split"]

_WORD_BREAK = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_SEPARATORS = re.compile(r"[\s.-]+")

#: What :func:`get_path` returns where nothing is.
MISSING: Any = object()


def split(path: str) -> tuple[str, ...]:
    """Split a dotted path (settings check their syntax) into keys."""
    return tuple(path.split("."))


def pointer(keys: tuple[str, ...]) -> str:
    """The JSON Pointer (RFC 6901) of a path."""
    return "".join("/" + key.replace("~", "~0").replace("/", "~1") for key in keys)


def get_path(payload: Payload, keys: tuple[str, ...]) -> Any:
    """The value at ``keys``, or :data:`MISSING` when an object on the way lacks it."""
    value: Any = payload
    for key in keys:
        if not isinstance(value, dict) or key not in value:
            return MISSING
        value = value[key]
    return value


def set_path(payload: Payload, keys: tuple[str, ...], value: Any) -> Payload:
    """A copy of ``payload`` with ``value`` at ``keys``; missing objects are created.

    :raises StepError: when something on the way is not an object.
    """
    node: Any = payload
    for depth, key in enumerate(keys[:-1]):
        node = node.get(key, {})
        if not isinstance(node, dict):
            where = pointer(keys[: depth + 1])
            raise StepError(
                f"{where} is not an object, so {pointer(keys)} cannot be set", pointer=where
            )
    return _with_value(payload, keys, value)


def _with_value(payload: Payload, keys: tuple[str, ...], value: Any) -> Payload:
    head, rest = keys[0], keys[1:]
    if not rest:
        return {**payload, head: value}
    return {**payload, head: _with_value(payload.get(head, {}), rest, value)}


def remove_path(payload: Payload, keys: tuple[str, ...]) -> Payload:
    """A copy of ``payload`` without the value at ``keys`` (unchanged if absent)."""
    head, rest = keys[0], keys[1:]
    if head not in payload:
        return payload
    if not rest:
        return {key: value for key, value in payload.items() if key != head}
    child = payload[head]
    if not isinstance(child, dict):
        return payload
    return {**payload, head: remove_path(child, rest)}


#: Keys up to this long are remembered: the same keys come back in every event, and a
#: client's long keys must not fill the memory of the process.
_CACHED_KEY_LENGTH = 64


def normal_key(key: str) -> str:
    """The snake_case form of a key: ``Order ID`` and ``orderId`` become ``order_id``."""
    return _cached_normal_key(key) if len(key) <= _CACHED_KEY_LENGTH else _normal_key(key)


def _normal_key(key: str) -> str:
    return _SEPARATORS.sub("_", _WORD_BREAK.sub("_", key.strip())).lower()


_cached_normal_key = functools.lru_cache(maxsize=4096)(_normal_key)
