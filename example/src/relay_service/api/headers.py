# Managed by relaykit: "copier update" merges the template's changes into this file.
"""Response headers that every answer carries: no sniffing, no caching, a content
security policy, and CORS for the browser origins the settings allow."""

from __future__ import annotations

import base64
import hashlib
import re

from flask import Flask
from flask import Response
from flask import request
from flask_cors import CORS

from ..about import API_PREFIX
from ..about import SERVICE_ROUTES_PREFIX
from ..observability.request_id import REQUEST_ID_HEADER
from ..settings import Settings

__all__ = ["API_POLICY", "install_headers", "page_policy"]

#: The policy of everything but the docs pages: the service serves data, never a page.
API_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

#: How long a browser may keep a preflight's answer, in seconds.
PREFLIGHT_MAX_AGE = 600

#: The inline scripts of a page (the docs pages have one each: Swagger UI's configuration).
_INLINE_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.DOTALL)


def page_policy(page: bytes) -> str:
    """The content security policy of a docs page: its own assets and inline script only.

    The page's inline script (its configuration, from settings only) is allowed by
    its hash rather than by ``'unsafe-inline'``. Styles may be inline: ReDoc and
    Swagger UI set them from their scripts.
    """
    hashes = " ".join(
        f"'sha256-{base64.b64encode(hashlib.sha256(script).digest()).decode()}'"
        for script in _INLINE_SCRIPT.findall(page)
    )
    return (
        f"default-src 'none'; script-src 'self' {hashes}; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
        "worker-src 'self' blob:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
    )


def _harden(response: Response) -> Response:
    if request.method == "OPTIONS" and response.status_code == 200 and not response.data:
        # Flask answers OPTIONS with an empty text/html page; it has no content at all.
        response.status_code = 204
        del response.headers["Content-Type"]
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    # Receipts and problems are about one request; the docs assets set their own max-age.
    response.headers.setdefault("Cache-Control", "no-store")
    # The docs pages; a file sent as it is (a docs asset) is never read here.
    if response.mimetype == "text/html" and not response.direct_passthrough:
        response.headers["Content-Security-Policy"] = page_policy(response.get_data())
    else:
        response.headers.setdefault("Content-Security-Policy", API_POLICY)
    return response


def install_headers(app: Flask, settings: Settings) -> None:
    """Give every answer the hardening headers, and switch CORS on for ``cors_origins``.

    CORS (flask-cors) covers the API and the contract: preflights are answered
    with the methods and headers a client may send, and answers expose the
    headers a client needs to read (request id, ``Retry-After``, ``WWW-Authenticate``).
    """
    app.after_request(_harden)
    if not settings.cors_origins:
        return
    origins = "*" if settings.cors_origins == ("*",) else list(settings.cors_origins)
    CORS(
        app,
        resources={
            rf"^{re.escape(API_PREFIX)}/.*": {},
            rf"^{re.escape(SERVICE_ROUTES_PREFIX)}/openapi\.json$": {},
        },
        origins=origins,
        allow_headers=[
            "Content-Type",
            "Authorization",
            settings.auth_key_header,
            settings.auth_signature_header,
            "Idempotency-Key",
            REQUEST_ID_HEADER,
            "traceparent",
            "tracestate",
        ],
        expose_headers=[REQUEST_ID_HEADER, "Retry-After", "WWW-Authenticate", "Allow"],
        max_age=PREFLIGHT_MAX_AGE,
        supports_credentials=False,
        vary_header=True,
    )
