# Managed by relaykit: "copier update" merges the template's changes into this file.
"""The intake's handoff: the app's client, the key and headers of a delivery, and the
answers of a view that hands off."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from collections.abc import Mapping
from collections.abc import Sequence
from json.encoder import encode_basestring_ascii
from typing import Any
from typing import TypeVar

from flask import Flask
from flask import current_app
from flask import request
from flask_smorest import Blueprint
from werkzeug.exceptions import BadRequest

from ...handoff import IDEMPOTENCY_KEY_HEADER
from ...handoff import Handoff
from ...handoff import HandoffError
from ...handoff import make_handoff
from ...observability.request_id import REQUEST_ID_HEADER
from ...observability.request_id import current_request_id
from ...observability.request_id import is_valid_request_id
from ...settings import Settings
from ..schemas import PROBLEM_RESPONSES

__all__ = [
    "HANDOFF_STATUSES",
    "documents_handoff",
    "forwarded_headers",
    "hand_off",
    "hand_off_batch",
    "idempotency_key",
    "install_handoff",
]

#: ``app.extensions`` key of the app's handoff client.
HANDOFF = "handoff"

#: Statuses an operation that hands off can answer when the worker did not take the item.
HANDOFF_STATUSES = (502, 503, 504)

#: A W3C trace context header (version 00), passed on to the worker as it came.
_TRACEPARENT = re.compile(r"00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}")

View = TypeVar("View", bound=Callable[..., Any])


def install_handoff(app: Flask, settings: Settings) -> None:
    """Give the app the transport ``RELAY_TRANSPORT`` names; it connects per process,
    on first use."""
    app.extensions[HANDOFF] = make_handoff(settings)


def client() -> Handoff:
    """The current app's transport."""
    handoff: Handoff = current_app.extensions[HANDOFF]
    return handoff


def idempotency_key(item: Mapping[str, Any], *, from_request: bool = False) -> str:
    """The key that names an item's delivery, the same however often it is sent.

    It is a digest of the item's ``source`` and either the client's own
    ``Idempotency-Key`` or the item's ``id``, so that two sources never share a
    key, and a key never mixes with an id.

    :param from_request: use the request's ``Idempotency-Key`` header when it
        has one (for a request that carries one item).
    :raises BadRequest: when that header is not 1-128 letters, digits and ``. _ : -``.
    """
    source = str(item.get("source", ""))
    sent = request.headers.get(IDEMPOTENCY_KEY_HEADER) if from_request else None
    if sent is not None:
        if not is_valid_request_id(sent):
            raise BadRequest(
                f"{IDEMPOTENCY_KEY_HEADER} must be 1-128 letters, digits and . _ : - "
                "starting with a letter or digit."
            )
        return _digest(source, "key", sent)
    return _digest(source, "id", str(item.get("id", "")))


def _digest(*parts: str) -> str:
    # JSON, not a separator: no two lists of strings encode alike. Written as
    # json.dumps(list(parts)) writes it, byte for byte (keys must never change), without
    # its encoder's setup.
    text = "[" + ", ".join(map(encode_basestring_ascii, parts)) + "]"
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def forwarded_headers() -> dict[str, str]:
    """The headers passed on to the worker: the request id, and ``traceparent`` when valid."""
    headers = {REQUEST_ID_HEADER: current_request_id()}
    traceparent = request.headers.get("traceparent", "")
    if _TRACEPARENT.fullmatch(traceparent):
        headers["traceparent"] = traceparent
    return headers


def hand_off(item: Mapping[str, Any], key: str) -> dict[str, Any]:
    """Deliver one item; the worker's receipt, or a ``HandoffError``."""
    return client().deliver(item, key, forwarded_headers())


def hand_off_batch(
    entries: list[tuple[str, Mapping[str, Any]]],
) -> Sequence[dict[str, Any] | HandoffError]:
    """Deliver several items together; for each, the worker's result or why it was not taken."""
    return client().deliver_batch(entries, forwarded_headers())


def documents_handoff(blueprint: Blueprint) -> Callable[[View], View]:
    """Document the answers of a view that hands off: 502, 503 and 504 problems."""

    def decorate(view: View) -> View:
        for status in HANDOFF_STATUSES:
            view = blueprint.alt_response(status, response=PROBLEM_RESPONSES[status][0])(view)
        return view

    return decorate
