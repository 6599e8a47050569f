# Managed by relaykit: "copier update" merges the template's changes into this file.
"""Redaction: values that nothing after the first step may see.

Paths match keys the way ``normalise_keys`` would write them (``Password`` and
``password`` are one key), and a ``*`` segment reaches every item of a list and
every member of an object, so a value cannot slip past by its spelling or its place.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .core import Context
from .core import Payload
from .core import Step
from .paths import normal_key
from .paths import split

__all__ = ["REDACTED", "redact_fields"]

#: What a redacted value is replaced with.
REDACTED = "[REDACTED]"

#: The path segment that matches every item of a list or member of an object.
WILDCARD = "*"


def redact_fields(paths: Sequence[str]) -> Step | None:
    """Make a step that replaces the values at ``paths`` with :data:`REDACTED`.

    Declare it first in a pipeline: the steps after it, drop reasons, the
    worker and log lines then never see the values.

    :param paths: dotted paths such as ``data.password`` or ``data.cards.*.number``.
    """
    keyed = [
        tuple(normal_key(key) if key != WILDCARD else key for key in split(path)) for path in paths
    ]
    if not keyed:
        return None

    def redact_fields(payload: Payload, context: Context) -> Payload:
        redacted: Payload = payload
        for keys in keyed:
            redacted = _redacted(redacted, keys)
        return redacted

    return redact_fields


def _redacted(value: Any, keys: tuple[str, ...]) -> Any:
    if not keys:
        return REDACTED
    head, rest = keys[0], keys[1:]
    if isinstance(value, dict):
        return {
            key: _redacted(item, rest) if head in (WILDCARD, normal_key(key)) else item
            for key, item in value.items()
        }
    if isinstance(value, list) and head == WILDCARD:
        return [_redacted(item, rest) for item in value]
    return value
