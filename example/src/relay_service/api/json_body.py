# Managed by relaykit: "copier update" merges the template's changes into this file.
"""Request bodies as strict JSON: RFC 8259 and I-JSON (RFC 7493), at a bounded cost.

Every refusal is a 400 whose detail says what is wrong and, where it can, where.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from typing import Any

import flask
import orjson
from werkzeug.exceptions import BadRequest

from ..pipeline.paths import pointer
from .fields import NESTING
from .fields import exceeds_depth

__all__ = ["MAX_JSON_DEPTH", "parse_json"]

#: The deepest nesting of arrays and objects a request body may have: ``[]`` nests one
#: level, ``[[]]`` two; a number or string adds none. Schemas set tighter limits on
#: their free-form fields (see ``fields.MaxDepth``).
MAX_JSON_DEPTH = 40

#: An escape that may encode half of a surrogate pair, such as ``\ud83d``.
_ESCAPED_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]")

#: A surrogate code point, which a string has only from an unpaired escape.
_SURROGATE = re.compile("[\ud800-\udfff]")


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def _finite_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise ValueError(f"the number {text} is out of range")
    return value


class _RepeatedNameError(ValueError):
    """An object has a member name twice."""


class _Repeated(dict[str, Any]):
    """An object that has a member name twice, kept only to say which and where."""

    name = ""


def _unique_members(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    members = dict(pairs)
    if len(members) != len(pairs):
        raise _RepeatedNameError()
    return members


def _marked_members(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    members = dict(pairs)
    if len(members) == len(pairs):
        return members
    repeated = _Repeated(members)
    seen: set[str] = set()
    for name, _ in pairs:
        if name in seen:
            repeated.name = name
            break
        seen.add(name)
    return repeated


def _walk(value: Any) -> Iterator[tuple[tuple[str, ...], Any]]:
    """Every value in ``value`` with its path, depth first and in order; a member's
    name comes as a value at its member's path, just before the member's value."""
    stack: list[tuple[tuple[str, ...], Any]] = [((), value)]
    while stack:
        path, node = stack.pop()
        yield path, node
        if isinstance(node, dict):
            for key, item in reversed(node.items()):
                stack += [((*path, key), item), ((*path, key), key)]
        elif isinstance(node, list):
            stack += [((*path, str(i)), item) for i, item in reversed(list(enumerate(node)))]


def _where(path: tuple[str, ...]) -> str:
    # An unpaired surrogate in a name on the way is shown as U+FFFD: it has no UTF-8.
    return f"at {_SURROGATE.sub(chr(0xFFFD), pointer(path))}" if path else "at the top level"


def _utf8(data: bytes) -> str:
    """The body as text: UTF-8 only (RFC 8259, section 8.1), no byte order mark."""
    if b"\x00" in data:  # no JSON text has one; UTF-16 and UTF-32 have many
        raise BadRequest(
            "The request body is not UTF-8: it has NUL bytes, as UTF-16 and UTF-32 have. "
            "Send JSON as UTF-8 (RFC 8259, section 8.1)."
        )
    try:
        text = data.decode("utf-8")  # strict: refuses encoded surrogates too
    except UnicodeDecodeError as error:
        raise BadRequest(
            f"The request body is not UTF-8: byte {data[error.start]:#04x} at offset "
            f"{error.start} ({error.reason}). Send JSON as UTF-8 (RFC 8259, section 8.1)."
        ) from None
    if text.startswith("\ufeff"):
        raise BadRequest(
            "The request body starts with a byte order mark, which JSON text must not have "
            "(RFC 8259, section 8.1)."
        )
    return text


def _outside_strings(text: str) -> str:
    """The JSON text ``text`` with each string replaced by ``0``: what is left is
    structure, numbers and literals. Linear, unlike a regular expression for strings;
    meaningless for a text that is not JSON."""
    unescaped = text.replace("\\\\", "").replace('\\"', "")
    return "0".join(unescaped.split('"')[0::2])


def _holds_more_values(text: str, limit: int) -> bool:
    """Whether the JSON text ``text`` holds more than ``limit`` values, told without
    parsing it (and meaningless for a text that is not JSON, which parsing refuses).

    Each value in an array or object follows a comma or that array's or object's
    opening bracket: outside strings, values are 1 + commas + brackets opened - empty
    arrays and objects, and at most 1 + commas + brackets opened anywhere.
    """
    if text.count(",") + text.count("[") + text.count("{") + 1 <= limit:
        return False
    bare = "".join(_outside_strings(text).split())
    opened = bare.count("[") + bare.count("{") - bare.count("[]") - bare.count("{}")
    return 1 + bare.count(",") + opened > limit


def parse_json(data: bytes, max_values: int | None = None) -> Any:
    """Decode a request body as strict JSON: RFC 8259, and I-JSON (RFC 7493).

    Refused: a body that is not UTF-8 or starts with a byte order mark, more than
    ``max_values`` values (counted before parsing, so a hostile body costs little),
    a member name twice in one object, an unpaired surrogate (``"\\ud800"``), NaN
    and Infinity, numbers out of range, and nesting deeper than :data:`MAX_JSON_DEPTH`.
    Integers keep every digit sent.

    :param max_values: the most values (objects, arrays, strings, numbers, true,
        false, null) the body may hold; ``[1, 2]`` holds 3. ``None`` means the current
        app's ``RELAY_MAX_JSON_VALUES``.
    :raises BadRequest: saying what is wrong, and where.
    """
    if max_values is None:
        max_values = int(flask.current_app.extensions["settings"].max_json_values)
    text = _utf8(data)
    if _holds_more_values(text, max_values):
        raise BadRequest(f"The request body holds more than {max_values} JSON values.")
    value = _read_fast(text)
    if value is _UNSURE:
        value = _read_strictly(text)
    if exceeds_depth(value, MAX_JSON_DEPTH):
        raise BadRequest(f"The request body nests arrays and objects over {MAX_JSON_DEPTH} deep.")
    return value


#: What :func:`_read_fast` returns when only :func:`_read_strictly` can say.
_UNSURE: Any = object()

#: An integer orjson would read as a float, losing digits (it keeps 64 bits).
_LONG_NUMBER = re.compile(r"[0-9]{19}")


def _read_fast(text: str) -> Any:
    """``text`` read by orjson, when orjson reads it as :func:`_read_strictly` would:
    valid (orjson refuses what RFC 8259 does, unpaired surrogates, NaN and numbers out
    of range too), no member name twice, and no integer it would round. Otherwise
    :data:`_UNSURE`, and the strict reading decides, and says what is wrong."""
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError:
        return _UNSURE
    bare = _outside_strings(text)
    # Outside strings, each colon separates a member; fewer members read means a
    # name was sent twice, and the later one kept.
    if _LONG_NUMBER.search(bare) or bare.count(":") != _members(value):
        return _UNSURE
    return value


def _members(value: Any) -> int:
    """How many members the objects in ``value`` have, at every depth."""
    count, stack = 0, [value] if isinstance(value, NESTING) else []
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            count += len(node)
            stack += [child for child in node.values() if isinstance(child, NESTING)]
        else:
            stack += [child for child in node if isinstance(child, NESTING)]
    return count


def _read_strictly(text: str) -> Any:
    """``text`` read by the standard library, which keeps every digit of a number,
    refusing what :func:`parse_json` refuses, with a detail that says where."""
    try:
        value = json.loads(
            text,
            object_pairs_hook=_unique_members,
            parse_constant=_refuse_constant,
            parse_float=_finite_float,
        )
    except (ValueError, RecursionError) as error:
        # ValueError covers JSONDecodeError and over-long integers.
        if isinstance(error, RecursionError):
            reason: Any = "it is nested too deeply"
        elif isinstance(error, _RepeatedNameError):
            reason = _repeated(text)
        else:
            reason = error
        raise BadRequest(f"The request body is not valid JSON: {reason}.") from None
    if _ESCAPED_SURROGATE.search(text):
        _refuse_unpaired_surrogates(value)
    return value


def _repeated(text: str) -> str:
    """Which member name an object has twice, and where (parsed again: a rare case)."""
    value = json.loads(text, object_pairs_hook=_marked_members)
    path, node = next((p, n) for p, n in _walk(value) if isinstance(n, _Repeated))
    name = json.dumps(node.name)
    return f"the object {_where(path)} has the member {name} twice (I-JSON, RFC 7493)"


def _refuse_unpaired_surrogates(value: Any) -> None:
    for path, node in _walk(value):
        if isinstance(node, str) and _SURROGATE.search(node):
            raise BadRequest(
                f"The request body is not valid JSON: the string {_where(path)} has an "
                "unpaired surrogate escape such as \\ud800, which encodes no character "
                "(I-JSON, RFC 7493)."
            )
