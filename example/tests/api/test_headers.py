# Managed by relaykit: "copier update" merges the template's changes into this file.
"""Hardening headers on every answer, a content security policy the docs pages work
under, and CORS for the origins the settings allow (preflights per the Fetch standard)."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from relay_service import create_app
from relay_service.about import API_PREFIX
from relay_service.about import SERVICE_ROUTES_PREFIX
from relay_service.api.headers import API_POLICY
from relay_service.settings import Settings

EVENT = {
    "id": "evt-headers-1",
    "type": "order.created",
    "source": "shop",
    "occurred_at": "2026-01-01T12:00:00Z",
}

ORIGIN = "https://app.example.org"


def answers(client: Any) -> dict[str, Any]:
    """One answer of each kind: a receipt, problems, a probe and the contract."""
    return {
        "receipt": client.post(f"{API_PREFIX}/events", json=EVENT),
        "invalid": client.post(f"{API_PREFIX}/events", json={}),
        "unauthenticated": client.post(f"{API_PREFIX}/events", json=EVENT, anonymous=True),
        "not found": client.get(f"{API_PREFIX}/nothing-here"),
        "livez": client.get(f"{SERVICE_ROUTES_PREFIX}/livez"),
        "contract": client.get(f"{SERVICE_ROUTES_PREFIX}/openapi.json"),
    }


def test_every_answer_is_neither_sniffed_nor_cached_nor_framed(
    make_settings: Callable[..., Settings], make_client: Callable[..., Any]
) -> None:
    client = make_client(create_app(make_settings(auth="api_key")), served=True)
    for kind, response in answers(client).items():
        assert response.headers["X-Content-Type-Options"] == "nosniff", kind
        assert response.headers["Cache-Control"] == "no-store", kind
        assert response.headers["Content-Security-Policy"] == API_POLICY, kind


@pytest.mark.parametrize("page", ["docs", "redoc"])
def test_a_docs_page_may_run_only_its_own_scripts(client: Any, page: str) -> None:
    response = client.get(f"{SERVICE_ROUTES_PREFIX}/{page}")
    policy = dict(
        directive.strip().split(" ", 1)
        for directive in response.headers["Content-Security-Policy"].split(";")
    )
    assert policy["default-src"] == "'none'"
    assert policy["frame-ancestors"] == "'none'"
    sources = policy["script-src"].split()
    inline = re.findall(rb"<script>(.*?)</script>", response.data, re.DOTALL)
    allowed = {"'self'"} | {
        f"'sha256-{base64.b64encode(hashlib.sha256(script).digest()).decode()}'"
        for script in inline
    }
    assert set(sources) == allowed
    assert "'unsafe-inline'" not in sources
    assert "'unsafe-eval'" not in sources


def test_docs_assets_stay_cacheable(client: Any) -> None:
    asset = f"{SERVICE_ROUTES_PREFIX}/docs/assets/swagger-ui/swagger-ui.css"
    with client.get(asset) as response:
        assert response.status_code == 200
        assert response.headers["Cache-Control"].startswith("public, max-age=")
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_without_allowed_origins_no_answer_allows_a_browser_in(client: Any) -> None:
    response = client.post(f"{API_PREFIX}/events", json=EVENT, headers={"Origin": ORIGIN})
    assert response.status_code == 202
    assert "Access-Control-Allow-Origin" not in response.headers


@pytest.fixture
def cors_app(make_settings: Callable[..., Settings]) -> Flask:
    return create_app(make_settings(cors_origins=(ORIGIN,), auth="api_key"))


def preflight(client: Any, origin: str, headers: str = "content-type, x-api-key") -> Any:
    return client.options(
        f"{API_PREFIX}/events",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": headers,
        },
        anonymous=True,
    )


def test_a_preflight_from_an_allowed_origin_is_answered_without_a_key(
    cors_app: Flask, make_client: Callable[..., Any]
) -> None:
    response = preflight(make_client(cors_app, served=True), ORIGIN)
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    allowed = {
        name.strip().lower() for name in response.headers["Access-Control-Allow-Headers"].split(",")
    }
    assert {"content-type", "x-api-key"} <= allowed
    assert response.headers["Access-Control-Max-Age"] == "600"
    assert "Access-Control-Allow-Credentials" not in response.headers


def test_a_preflight_from_another_origin_allows_nothing(
    cors_app: Flask, make_client: Callable[..., Any]
) -> None:
    response = preflight(make_client(cors_app, served=True), "https://evil.example.net")
    assert "Access-Control-Allow-Origin" not in response.headers
    assert "Access-Control-Allow-Methods" not in response.headers


def test_answers_to_an_allowed_origin_expose_what_a_client_reads(
    cors_app: Flask, make_client: Callable[..., Any]
) -> None:
    client = make_client(cors_app, served=True)
    accepted = client.post(f"{API_PREFIX}/events", json=EVENT, headers={"Origin": ORIGIN})
    refused = client.post(
        f"{API_PREFIX}/events", json=EVENT, headers={"Origin": ORIGIN}, anonymous=True
    )
    for response in (accepted, refused):
        assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
        exposed = {
            name.strip().lower()
            for name in response.headers["Access-Control-Expose-Headers"].split(",")
        }
        assert {"x-request-id", "retry-after", "www-authenticate"} <= exposed
        # No cache keeps an answer (no-store), so none is given to another origin.
        assert response.headers["Cache-Control"] == "no-store"
    assert (accepted.status_code, refused.status_code) == (202, 401)
    assert json.loads(refused.data)["status"] == 401
