# Managed by the relaykit template; "copier update" replaces this file.
"""Logs are JSON lines on stdout, carrying the request id."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from relay_service import create_app
from relay_service.about import API_PREFIX
from relay_service.settings import Settings

EVENT = {
    "id": "evt-log",
    "type": "order.created",
    "occurred_at": "2026-01-01T12:00:00Z",
    "source": "shop",
}


def log_lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_log_lines_are_json_with_the_request_id(
    capsys: pytest.CaptureFixture[str], make_client: Callable[..., Any]
) -> None:
    client = make_client(create_app(Settings()))
    response = client.post(
        f"{API_PREFIX}/events", json=EVENT, headers={"X-Request-ID": "req-log-1"}
    )
    assert response.status_code == 202
    lines = log_lines(capsys.readouterr().out)
    accepted = [line for line in lines if line["message"] == "event accepted"]
    assert accepted == [
        {
            "time": accepted[0]["time"],
            "level": "INFO",
            "logger": "relay_service",
            "message": "event accepted",
            "request_id": "req-log-1",
            "event_id": "evt-log",
            "event_type": "order.created",
        }
    ]


def test_log_level_setting_filters_lines(
    capsys: pytest.CaptureFixture[str], make_client: Callable[..., Any]
) -> None:
    client = make_client(create_app(Settings(log_level="WARNING")))
    assert client.post(f"{API_PREFIX}/events", json=EVENT).status_code == 202
    assert log_lines(capsys.readouterr().out) == []
