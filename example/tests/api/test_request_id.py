# Managed by relaykit: "copier update" merges the template's changes into this file.
"""X-Request-ID: kept when valid, made when absent or invalid, echoed on every answer."""

from __future__ import annotations

import re
from typing import Any

import pytest

from relay_service.about import SERVICE_ROUTES_PREFIX


@pytest.mark.parametrize(
    "request_id",
    ["abc", "0f8e2c9a-1b7d-4c3e-9a55-2f1d3c4b5a69", "01J9ZQ4X8Y:trace.1_2-3", "a" * 128],
)
def test_a_valid_request_id_is_kept(client: Any, request_id: str) -> None:
    response = client.get(f"{SERVICE_ROUTES_PREFIX}/livez", headers={"X-Request-ID": request_id})
    assert response.headers["X-Request-ID"] == request_id


@pytest.mark.parametrize(
    "request_id", ["", "has spaces", "a" * 129, "-leading-dash", "semi;colon", "ünï"]
)
def test_an_invalid_request_id_is_replaced(client: Any, request_id: str) -> None:
    response = client.get(f"{SERVICE_ROUTES_PREFIX}/livez", headers={"X-Request-ID": request_id})
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-ID"])


def test_a_request_id_is_made_when_absent_and_differs_per_request(client: Any) -> None:
    first = client.get(f"{SERVICE_ROUTES_PREFIX}/livez").headers["X-Request-ID"]
    second = client.get(f"{SERVICE_ROUTES_PREFIX}/livez").headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", first)
    assert first != second


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/nowhere"),
        ("POST", f"{SERVICE_ROUTES_PREFIX}/livez"),
        ("DELETE", f"{SERVICE_ROUTES_PREFIX}/readyz"),
    ],
)
def test_errors_echo_the_request_id_in_header_and_body(client: Any, method: str, path: str) -> None:
    response = client.open(path, method=method, headers={"X-Request-ID": "req-err-1"})
    assert response.status_code >= 400
    assert response.headers["X-Request-ID"] == "req-err-1"
    assert response.get_json()["request_id"] == "req-err-1"
