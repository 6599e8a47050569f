# Managed by the relaykit template; "copier update" replaces this file.
"""Liveness and readiness probes."""

from __future__ import annotations

from typing import Any


def test_livez_says_the_process_is_up(client: Any) -> None:
    response = client.get("/livez")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_readyz_says_the_service_is_ready(client: Any) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ready", "checks": {}}
