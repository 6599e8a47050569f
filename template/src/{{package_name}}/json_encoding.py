# Managed by relaykit: "copier update" merges the template's changes into this file.
"""JSON out, at C speed: answers, handoff bodies and log lines are encoded here."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import orjson

__all__ = ["encode_json"]


def encode_json(value: Any, default: Callable[[Any], Any], option: int = 0) -> bytes:
    """``value`` as UTF-8 JSON text, by orjson.

    orjson refuses integers beyond 64 bits and times with an offset, which a strict
    JSON body may bring (the API keeps a number exactly as sent): those values are
    encoded by the standard library instead, so nothing is lost. ``option`` (orjson's
    flags) is then left aside.

    :param default: turns a value JSON has no type for into one it has, or raises
        ``TypeError``.
    """
    try:
        return orjson.dumps(value, default=default, option=option)
    except TypeError:
        text = json.dumps(value, default=default, ensure_ascii=False, separators=(",", ":"))
        return text.encode()
