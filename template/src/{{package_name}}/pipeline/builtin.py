# Managed by relaykit: "copier update" merges the template's changes into this file.
"""Built-in steps that ingest services need.

Plain steps are used as they are; the configurable ones are made by a factory
from settings, and the factory returns ``None`` when there is nothing to do.
"""

from __future__ import annotations

import fnmatch
import string
from collections.abc import Sequence
from typing import Any

from ..settings import Settings
from ..settings import SettingsError
from .core import Context
from .core import Drop
from .core import Payload
from .core import Step
from .core import StepError
from .paths import MISSING
from .paths import get_path
from .paths import normal_key
from .paths import pointer
from .paths import remove_path
from .paths import set_path
from .paths import split

__all__ = [
    "BUILTIN_STEPS",
    "add_fields",
    "drop_matching",
    "drop_nulls",
    "lowercase_values",
    "normalise_keys",
    "rename_fields",
    "stamp_request",
    "trim_strings",
]


def trim_strings(payload: Payload, context: Context) -> Payload:
    """Strip leading and trailing white space from every string value."""
    trimmed: Payload = _trimmed(payload)
    return trimmed


def _trimmed(value: Any) -> Any:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, dict):
        return {key: _trimmed(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_trimmed(item) for item in value]
    return value


def normalise_keys(payload: Payload, context: Context) -> Payload:
    """Write every object key in snake_case: ``Order ID`` and ``orderId`` become ``order_id``.

    Nothing is lost and nothing is refused: when keys of one object would become the
    same key, one already in snake_case keeps it (else the first), and the others stay
    as sent (``{"Order ID": 1, "order_id": 2}`` is left as it is).
    """
    normalised: Payload = _normalised(payload)
    return normalised


def _normalised(value: Any) -> Any:
    if isinstance(value, list):
        return [_normalised(item) for item in value]
    if not isinstance(value, dict):
        return value
    # A snake_case key is the same key as sent, and every other key differs from
    # every snake_case key: keys that keep their spelling clash with none.
    normal = {key: normal_key(key) for key in value}
    taken = {key for key, new in normal.items() if new == key}
    result: dict[str, Any] = {}
    for key, item in value.items():
        new = normal[key]
        if new != key:
            new = key if new in taken else new
            taken.add(new)
        result[new] = _normalised(item)
    return result


def drop_nulls(payload: Payload, context: Context) -> Payload:
    """Leave out object members whose value is null, at every depth."""
    dropped: Payload = _without_nulls(payload)
    return dropped


def _without_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _without_nulls(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [_without_nulls(item) for item in value]
    return value


def stamp_request(payload: Payload, context: Context) -> Payload:
    """Add ``request_id`` and ``received_at`` (RFC 3339) from the request."""
    return {
        **payload,
        "request_id": context.request_id,
        "received_at": context.received_at.isoformat(),
    }


def lowercase_values(paths: Sequence[str]) -> Step | None:
    """Make a step that lower-cases the strings at ``paths``, e.g. ``type``.

    :param paths: dotted paths; a path with no string value is left alone.
    """
    keyed = [split(path) for path in paths]
    if not keyed:
        return None

    def lowercase_values(payload: Payload, context: Context) -> Payload:
        for keys in keyed:
            value = get_path(payload, keys)
            if isinstance(value, str):
                payload = set_path(payload, keys, value.lower())
        return payload

    return lowercase_values


def drop_matching(rules: Sequence[tuple[str, str]]) -> Step | None:
    """Make a filter step: drop the item when the string at a path matches a glob.

    :param rules: ``(path, pattern)`` pairs, e.g. ``("type", "test.*")``; the
        first match drops the item, and the answer says which rule matched.
    """
    keyed = [(split(path), pattern) for path, pattern in rules]
    if not keyed:
        return None

    def drop_matching(payload: Payload, context: Context) -> Payload | Drop:
        for keys, pattern in keyed:
            value = get_path(payload, keys)
            if isinstance(value, str) and fnmatch.fnmatchcase(value, pattern):
                # The rule, not the value: the value may be anything the client sent.
                return Drop(f"{'.'.join(keys)} matches {pattern!r}")
        return payload

    return drop_matching


def rename_fields(moves: Sequence[tuple[str, str]]) -> Step | None:
    """Make a step that moves values from one path to another, in order.

    :param moves: ``(source, target)`` pairs; a missing source is skipped.
    :raises StepError: from the step, when the target already has a value or
        something on the way to it is not an object.
    """
    keyed = [(split(source), split(target)) for source, target in moves]
    if not keyed:
        return None

    def rename_fields(payload: Payload, context: Context) -> Payload:
        for source, target in keyed:
            value = get_path(payload, source)
            if value is MISSING:
                continue
            if get_path(payload, target) is not MISSING:
                raise StepError(
                    f"cannot move {pointer(source)} to {pointer(target)}: it already has a value",
                    pointer=pointer(target),
                )
            payload = set_path(remove_path(payload, source), target, value)
        return payload

    return rename_fields


def add_fields(values: Sequence[tuple[str, str]], settings: Settings) -> Step | None:
    """Make a step that sets string values at paths, overwriting what is there.

    :param values: ``(path, value)`` pairs; ``{name}`` in a value is replaced by
        the setting ``name``, e.g. ``("meta.environment", "{environment}")``.
    :raises SettingsError: when a value names no setting.
    """
    known = {
        name: value
        for name in settings.__dataclass_fields__
        if isinstance(value := getattr(settings, name), str | int | bool)
    }
    keyed = []
    for path, value in values:
        try:
            fields = [field for _, field, _, _ in string.Formatter().parse(value)]
        except ValueError as error:
            raise SettingsError(f"RELAY_PIPELINE_ADD: {path}={value}: {error}") from None
        unknown = [name for name in fields if name is not None and name not in known]
        if unknown:
            raise SettingsError(
                f"RELAY_PIPELINE_ADD: {path}={value} refers to no setting ({unknown[0]!r}); "
                f"settings are {', '.join(sorted(known))}"
            )
        keyed.append((split(path), value.format_map(known)))
    if not keyed:
        return None

    def add_fields(payload: Payload, context: Context) -> Payload:
        for keys, text in keyed:
            payload = set_path(payload, keys, text)
        return payload

    return add_fields


#: Names of the built-in steps, which RELAY_PIPELINE_DISABLED may name
#: (redact_fields lives in redaction.py).
BUILTIN_STEPS = (
    "redact_fields",
    "trim_strings",
    "normalise_keys",
    "lowercase_values",
    "drop_nulls",
    "drop_matching",
    "rename_fields",
    "add_fields",
    "stamp_request",
)
