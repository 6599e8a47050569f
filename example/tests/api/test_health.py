# Managed by relaykit: "copier update" merges the template's changes into this file.
"""Liveness and readiness probes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask

from relay_service import create_app
from relay_service.about import SERVICE_ROUTES_PREFIX
from relay_service.settings import Settings


def test_livez_says_the_process_is_up(client: Any) -> None:
    response = client.get(f"{SERVICE_ROUTES_PREFIX}/livez")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_readyz_says_the_service_is_ready_while_the_worker_is(client: Any) -> None:
    response = client.get(f"{SERVICE_ROUTES_PREFIX}/readyz")
    assert response.status_code == 200
    assert response.get_json() == {
        "status": "ready",
        "checks": {"drain": "ok", "worker": "ok"},
    }


def test_readyz_is_503_while_the_worker_is_unreachable(
    make_client: Callable[[Flask], Any],
) -> None:
    app = create_app(Settings(worker_url="http://127.0.0.1:9"))
    response = make_client(app).get(f"{SERVICE_ROUTES_PREFIX}/readyz")
    assert response.status_code == 503
    assert response.get_json() == {
        "status": "not ready",
        "checks": {"drain": "ok", "worker": "worker unreachable"},
    }
