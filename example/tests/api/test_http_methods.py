# Managed by relaykit: "copier update" merges the template's changes into this file.
"""HEAD and OPTIONS are answered on every route, without code in the views."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from relay_service import create_app
from relay_service.about import SERVICE_ROUTES_PREFIX
from relay_service.api.metrics import METRICS_PATH
from relay_service.settings import Settings


def api_routes(app: Flask) -> list[tuple[str, set[str]]]:
    """Every path of the app without variables, with the methods of all its rules."""
    methods: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        if not rule.arguments:
            methods.setdefault(rule.rule, set()).update(rule.methods or ())
    return sorted(methods.items())


ROUTES = api_routes(create_app(Settings()))


def test_routes_are_found() -> None:
    paths = {path for path, _ in ROUTES}
    assert {
        f"{SERVICE_ROUTES_PREFIX}/livez",
        f"{SERVICE_ROUTES_PREFIX}/readyz",
        f"{SERVICE_ROUTES_PREFIX}/openapi.json",
        f"{SERVICE_ROUTES_PREFIX}/docs",
        f"{SERVICE_ROUTES_PREFIX}/redoc",
    } <= paths


@pytest.mark.parametrize(("path", "methods"), ROUTES)
def test_options_lists_the_allowed_methods(client: Any, path: str, methods: set[str]) -> None:
    response = client.options(path)
    assert response.status_code == 204
    assert response.headers["Allow"] == ", ".join(sorted(methods))
    assert response.data == b""
    assert "Content-Type" not in response.headers
    assert {"HEAD", "OPTIONS"} <= methods or "GET" not in methods


@pytest.mark.parametrize(
    ("path", "methods"), [(path, methods) for path, methods in ROUTES if "GET" in methods]
)
def test_head_answers_like_get_without_a_body(client: Any, path: str, methods: set[str]) -> None:
    get = client.get(path)
    head = client.head(path)
    # An imported operation may still be a stub: HEAD answers as GET does, 501 too.
    assert head.status_code == get.status_code
    assert head.data == b""
    assert head.headers["Content-Type"] == get.headers["Content-Type"]
    if path != METRICS_PATH:  # whose body has counted the GET since
        assert head.headers["Content-Length"] == get.headers["Content-Length"]
