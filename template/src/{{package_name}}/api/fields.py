# Managed by relaykit: "copier update" merges the template's changes into this file.
"""marshmallow fields that hold the contract to its word."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import marshmallow as ma

__all__ = ["MaxDepth", "Timestamp", "exceeds_depth"]

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


def exceeds_depth(value: Any, depth: int) -> bool:
    """Whether ``value`` nests arrays and objects more than ``depth`` levels deep.

    Walks level by level, without recursion, and stops at ``depth``.
    """
    level, seen = [value], 0
    while level:
        seen += 1
        if seen > depth:
            return True
        level = [
            child
            for node in level
            if isinstance(node, dict | list)
            for child in (node.values() if isinstance(node, dict) else node)
        ]
    return False


class MaxDepth(ma.validate.Validator):
    """Refuse a value that nests arrays and objects more than ``depth`` levels deep.

    Set on a free-form field (a ``Dict``), it keeps the depth an item may have the
    same whether the item comes alone or in a batch.
    """

    def __init__(self, depth: int) -> None:
        self.depth = depth

    def __call__(self, value: Any) -> Any:
        if exceeds_depth(value, self.depth):
            raise ma.ValidationError(f"Nested more than {self.depth} levels deep.")
        return value
