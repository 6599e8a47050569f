# Managed by relaykit: "copier update" merges the template's changes into this file.
"""Logs are JSON lines on stdout, carrying the request id; library lines too."""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Any

import pytest
from flask import Flask
from flask import current_app

from relay_service import create_app
from relay_service.settings import Settings


def logging_app(settings: Settings) -> Flask:
    app = create_app(settings)

    @app.get("/log")
    def log() -> str:
        current_app.logger.info("handled", extra={"answer": 42})
        logging.getLogger("some.library").warning("library says hi")
        return "ok"

    return app


def log_lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


# /log is the tests' own route, outside the contract: a plain test client calls it.


def test_log_lines_are_json_with_the_request_id(capsys: pytest.CaptureFixture[str]) -> None:
    client = logging_app(Settings()).test_client()
    assert client.get("/log", headers={"X-Request-ID": "req-log-1"}).status_code == 200
    lines = log_lines(capsys.readouterr().out)
    handled, library = lines
    assert datetime.fromisoformat(handled.pop("time")).utcoffset() is not None
    assert handled == {
        "level": "INFO",
        "logger": "relay_service",
        "message": "handled",
        "request_id": "req-log-1",
        "answer": 42,
    }
    assert library["logger"] == "some.library"
    assert library["request_id"] == "req-log-1"


def test_log_level_setting_filters_lines(capsys: pytest.CaptureFixture[str]) -> None:
    client = logging_app(Settings(log_level="ERROR")).test_client()
    assert client.get("/log").status_code == 200
    assert log_lines(capsys.readouterr().out) == []


def test_terminal_colours_are_left_out_of_log_lines(capsys: pytest.CaptureFixture[str]) -> None:
    logging_app(Settings())  # the app's logging, as `make dev` sets it up
    # What werkzeug's dev server logs for a 404: its request line coloured yellow.
    logging.getLogger("werkzeug").info(
        '%s - - "%s" %s -',
        "127.0.0.1",
        "\x1b[33mGET /nowhere HTTP/1.1\x1b[0m",
        "\x1b[33m404\x1b[0m",
    )
    (line,) = log_lines(capsys.readouterr().out)
    assert line["message"] == '127.0.0.1 - - "GET /nowhere HTTP/1.1" 404 -'
