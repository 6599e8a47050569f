# Managed by relaykit: "copier update" merges the template's changes into this file.
"""Redaction: values that nothing after the first step may see.

A path's keys match an object's keys however they are spelled, compared in the
form :func:`match_form` gives them (``pass-word``, ``Pass_Word``, ``PASSWORD`` and
``pass\u200bword`` are all ``password``), and a ``*`` segment reaches every item of
a list and every member of an object, so a value cannot slip past by its spelling or
its place.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Sequence
from typing import Any

from ..settings import SettingsError
from .core import Context
from .core import Payload
from .core import Step
from .paths import split

__all__ = ["REDACTED", "match_form", "redact_fields"]

#: What a redacted value is replaced with.
REDACTED = "[REDACTED]"

#: The path segment that matches every item of a list or member of an object.
WILDCARD = "*"


#: Keys up to this long are remembered: the same keys come back in every event, and a
#: client's long keys must not fill the memory of the process.
_CACHED_KEY_LENGTH = 64


def match_form(key: str) -> str:
    """The form in which redaction compares keys: decomposed for compatibility (NFKD),
    case-folded, and every character that is not a letter or digit dropped.

    Separators, spaces, punctuation, zero-width and other format characters, accents
    and compatibility forms (fullwidth, circled and mathematical letters) make
    no difference: ``pass-word``, ``Pass_Word``, ``PASSWORD``, ``pass word``,
    ``pass.word``, ``p\u200bassword`` and ``pässword`` are all ``password``. Letters
    of other scripts that only look alike (Cyrillic ``\u0430``) are other letters.
    """
    return _cached_match_form(key) if len(key) <= _CACHED_KEY_LENGTH else _match_form(key)


def _match_form(key: str) -> str:
    # Case folding may give characters that decompose further ("ǰ"), hence twice.
    folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", key).casefold())
    return "".join(char for char in folded if char.isalnum())


_cached_match_form = functools.lru_cache(maxsize=4096)(_match_form)


def redact_fields(paths: Sequence[str]) -> Step | None:
    """Make a step that replaces the values at ``paths`` with :data:`REDACTED`.

    Declare it first in a pipeline: the steps after it, drop reasons, the
    worker and log lines then never see the values.

    :param paths: dotted paths such as ``data.password`` or ``data.cards.*.number``.
    :raises SettingsError: when a key of a path has no letter or digit (``data.__``),
        as it would match every key that has none.
    """
    keyed = [
        tuple(match_form(key) if key != WILDCARD else key for key in split(path)) for path in paths
    ]
    for path, keys in zip(paths, keyed, strict=True):
        if "" in keys:
            raise SettingsError(
                f"RELAY_PIPELINE_REDACT: {path} has a key with no letter or digit, which "
                "redaction cannot tell from others; name the key"
            )
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
            key: _redacted(item, rest) if head in (WILDCARD, match_form(key)) else item
            for key, item in value.items()
        }
    if isinstance(value, list) and head == WILDCARD:
        return [_redacted(item, rest) for item in value]
    return value
