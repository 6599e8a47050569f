# Managed by relaykit: "copier update" merges the template's changes into this file.
"""Inbound authentication: who may call the API, checked before a request is read.

``RELAY_AUTH`` picks how a client proves who it is:

- ``api_key``: a key in a header (``X-API-Key`` unless ``RELAY_AUTH_KEY_HEADER`` says);
- ``bearer``: ``Authorization: Bearer <key>``;
- ``hmac``: ``X-Signature: t=<unix seconds>,v1=<hex>``, the HMAC-SHA256 of
  ``<t>.<METHOD>.<path and query>.<raw body>`` under a shared secret, as webhook
  senders sign theirs (see :func:`sign`);
- ``none``: anyone who reaches the service.

Keys are compared in constant time, and a key is known to logs only by its id.
Which operations need a key is the contract's business: those without a
``security`` of their own (health checks have ``[]``); the docs pages and
``/openapi.json`` are outside it and stay open.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask import Response
from flask import current_app
from flask import g
from flask import request

from ..handoff import IDEMPOTENCY_KEY_HEADER
from ..observability.logs import log_fields
from ..settings import Settings
from .blueprint import read_data
from .problems import problem_body
from .problems import problem_response

__all__ = [
    "SCHEME_NAMES",
    "SIGNATURE_VERSION",
    "AuthenticationError",
    "Authenticator",
    "install_auth",
    "security_scheme",
    "sign",
    "signed_content",
]

#: The scheme name of each mode in the contract's ``securitySchemes``.
SCHEME_NAMES = {"api_key": "ApiKeyAuth", "bearer": "BearerAuth", "hmac": "SignatureAuth"}

#: The signature's version label in the ``hmac`` header, as in ``t=...,v1=...``.
SIGNATURE_VERSION = "v1"

#: The longest credential header read; a longer one is refused unread.
_MAX_CREDENTIAL = 4096

#: The most digits of a signature's timestamp: Unix seconds have 10 until the year 2286.
_MAX_TIMESTAMP_DIGITS = 12


def signed_content(timestamp: int, method: str, target: str, body: bytes) -> bytes:
    """What the ``hmac`` mode signs: ``<t>.<METHOD>.<path and query>.<raw body>``.

    The method and the request target (the path, percent-decoded, and the query
    as sent, e.g. ``/v1/events?dry=1``) are signed with the body, so a signature
    is good for that one request only, within its time window.
    """
    return f"{timestamp}.{method.upper()}.{target}.".encode() + body


def sign(secret: str, method: str, target: str, body: bytes, timestamp: int) -> str:
    """The ``hmac`` mode's header value for a request sent at ``timestamp``:
    ``t=<timestamp>,v1=<hex HMAC-SHA256 of signed_content(...)>``."""
    content = signed_content(timestamp, method, target, body)
    digest = hmac.new(secret.encode(), content, hashlib.sha256)
    return f"t={timestamp},{SIGNATURE_VERSION}={digest.hexdigest()}"


def security_scheme(settings: Settings) -> tuple[str, dict[str, Any]] | None:
    """The contract's security scheme for ``settings.auth``: its name and definition."""
    if settings.auth == "none":
        return None
    name = SCHEME_NAMES[settings.auth]
    if settings.auth == "bearer":
        return name, {"type": "http", "scheme": "bearer", "description": "A key of the service."}
    if settings.auth == "api_key":
        return name, {
            "type": "apiKey",
            "in": "header",
            "name": settings.auth_key_header,
            "description": "A key of the service.",
        }
    tolerance = round(settings.auth_signature_tolerance)
    return name, {
        "type": "apiKey",
        "in": "header",
        "name": settings.auth_signature_header,
        "description": (
            f"t=<unix seconds>,{SIGNATURE_VERSION}=<hex HMAC-SHA256, under a shared secret, "
            "of '<t>.<METHOD>.<path and query>.' and the raw body>; t must be within "
            f"{tolerance} seconds of the "
            "service's clock. Several v1= may be sent while a secret is rotated. A signed "
            f"request sends no {IDEMPOTENCY_KEY_HEADER}, which the signature does not cover: "
            "its body's source and id name it."
        ),
    }


class AuthenticationError(Exception):
    """A request's credentials are missing or wrong; the message is for the client."""


class Authenticator:
    """Checks a request's credentials against the keys of the settings.

    API keys and bearer tokens are kept only as SHA-256 digests: a memory dump
    does not give them away. HMAC secrets must be kept to sign with, so they are,
    in that mode alone.
    """

    def __init__(self, settings: Settings) -> None:
        self.mode = settings.auth
        self.key_header = settings.auth_key_header
        self.signature_header = settings.auth_signature_header
        self.tolerance = settings.auth_signature_tolerance
        self._digests = [(key.id, _digest(key.secret)) for key in settings.keys]
        self._secrets = [
            (key.id, key.secret.encode()) for key in settings.keys if self.mode == "hmac"
        ]

    @property
    def challenge(self) -> str:
        """The ``WWW-Authenticate`` value of a 401 answer (RFC 9110, section 11.6.1)."""
        if self.mode == "bearer":
            return 'Bearer realm="api"'
        if self.mode == "hmac":
            return f'HMAC realm="api", header="{self.signature_header}"'
        return f'ApiKey realm="api", header="{self.key_header}"'

    def authenticate(self) -> str:
        """The id of the key the current request was made with.

        :raises AuthenticationError: saying what is missing or wrong.
        """
        if not self._digests:  # gunicorn refuses to start so; `flask run` does not
            raise AuthenticationError(
                "This service has no keys yet: set RELAY_AUTH_KEYS or RELAY_AUTH_KEYS_FILE."
            )
        if self.mode == "hmac":
            return self._signed()
        if self.mode == "bearer":
            scheme, _, token = request.headers.get("Authorization", "").partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise AuthenticationError("Send Authorization: Bearer <key>.")
            return self._known(token.strip())
        key = request.headers.get(self.key_header, "")
        if not key:
            raise AuthenticationError(f"Send a key in the {self.key_header} header.")
        return self._known(key)

    def _known(self, presented: str) -> str:
        if len(presented) > _MAX_CREDENTIAL:
            raise AuthenticationError("The key is not one of this service's keys.")
        digest = _digest(presented)
        found = ""
        # Every key is compared, so the time taken says nothing about which one matched.
        for key_id, known in self._digests:
            if hmac.compare_digest(digest, known):
                found = key_id
        if not found:
            raise AuthenticationError("The key is not one of this service's keys.")
        return found

    def _signed(self) -> str:
        header = request.headers.get(self.signature_header, "")
        if not header or len(header) > _MAX_CREDENTIAL:
            raise AuthenticationError(
                f"Send {self.signature_header}: t=<unix seconds>,{SIGNATURE_VERSION}=<hex "
                "HMAC-SHA256 of '<t>.<METHOD>.<path and query>.' and the body>."
            )
        parts = [part.strip().partition("=") for part in header.split(",")]
        stamps = [value for name, _, value in parts if name == "t"]
        signatures = [value for name, _, value in parts if name == SIGNATURE_VERSION]
        if (
            len(stamps) != 1
            or not stamps[0].isascii()
            or not stamps[0].isdigit()
            or len(stamps[0]) > _MAX_TIMESTAMP_DIGITS
        ):
            raise AuthenticationError(
                f"The {self.signature_header} header needs one t=<unix seconds>."
            )
        if not signatures:
            raise AuthenticationError(
                f"The {self.signature_header} header needs a {SIGNATURE_VERSION}= signature."
            )
        timestamp = int(stamps[0])
        if abs(int(time.time()) - timestamp) > self.tolerance:
            raise AuthenticationError(
                f"The signature's timestamp is more than {round(self.tolerance)} seconds "
                "from the service's clock: sign the request again when sending it."
            )
        # The body as sent (413 and 400 as for any body): the view reads it from the cache.
        signed = signed_content(timestamp, request.method, _target(), read_data(request))
        found = ""
        for key_id, secret in self._secrets:
            expected = hmac.new(secret, signed, hashlib.sha256).hexdigest()
            for signature in signatures:
                if hmac.compare_digest(expected.encode(), signature.encode()):
                    found = key_id
        if not found:
            raise AuthenticationError("The signature does not match the body.")
        return found


def _target() -> str:
    """The request's path (percent-decoded, as routing reads it) and its query as sent."""
    query = request.query_string.decode("latin-1")
    return request.path + (f"?{query}" if query else "")


def _digest(key: str) -> bytes:
    return hashlib.sha256(key.encode()).digest()


def install_auth(app: Flask, settings: Settings, is_protected: Callable[[str, str], bool]) -> None:
    """Check credentials before every protected operation.

    :param is_protected: tells, from an endpoint and a method, whether the
        operation needs a key; the contract's plugin knows (see ``openapi.py``).
    """
    if settings.auth == "none":
        return
    authenticator = Authenticator(settings)

    def check_credentials() -> Response | None:
        rule = request.url_rule
        method = "GET" if request.method == "HEAD" else request.method
        if rule is None or not is_protected(str(rule.endpoint), method):
            return None
        try:
            g.key_id = authenticator.authenticate()
            log_fields(key_id=g.key_id)
        except AuthenticationError as failure:
            current_app.logger.warning(
                "authentication failed", extra={"reason": str(failure), "auth": settings.auth}
            )
            return problem_response(
                problem_body(401, str(failure)),
                headers={"WWW-Authenticate": authenticator.challenge},
            )
        if settings.auth == "hmac" and IDEMPOTENCY_KEY_HEADER in request.headers:
            # Not covered by the signature: a replay could change it to have one event
            # processed twice.
            return problem_response(
                problem_body(
                    400,
                    f"A signed request sends no {IDEMPOTENCY_KEY_HEADER}: the signature does "
                    "not cover it, and the body's source and id name the event.",
                )
            )
        return None

    app.before_request(check_credentials)
