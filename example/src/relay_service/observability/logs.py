# Managed by relaykit: "copier update" merges the template's changes into this file.
"""JSON log lines on stdout, each carrying the request id of the request it is about."""

from __future__ import annotations

import logging
import sys

from flask import Flask
from flask import g
from flask import has_request_context
from pythonjsonlogger.json import JsonFormatter

from .request_id import current_request_id

__all__ = [
    "JSON_LOG_FORMAT",
    "JSONLineHandler",
    "RequestIdFilter",
    "configure_logging",
    "json_formatter",
]

#: Fields of every log line, after ``time`` (ISO 8601, UTC); a record's
#: ``extra`` fields are added after them.
JSON_LOG_FORMAT = "{levelname}{name}{message}{request_id}"


def json_formatter() -> JsonFormatter:
    """The formatter of every JSON log line, the service's and gunicorn's."""
    return JsonFormatter(
        JSON_LOG_FORMAT,
        style="{",
        rename_fields={"levelname": "level", "name": "logger"},
        timestamp="time",
    )


class RequestIdFilter(logging.Filter):
    """Stamp each record with the current request id (``None`` outside requests), and
    with the id of the key the request was authenticated by, when it was."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not has_request_context():
            record.request_id = None
            return True
        record.request_id = current_request_id()
        key_id = g.get("key_id")
        if key_id is not None:
            record.key_id = key_id
        return True


class JSONLineHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes JSON lines to stdout; its class marks the handler this module installed."""


def configure_logging(app: Flask, level: str) -> None:
    """Send every log line, the app's and the libraries', to stdout as JSON.

    The handler sits on the root logger and replaces the one an earlier call
    installed, so calling it again (tests make many apps) never doubles lines;
    handlers that others installed, such as pytest's, are left alone.
    """
    # No line names the thread or process: spare every record those lookups.
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    handler = JSONLineHandler(sys.stdout)
    handler.setFormatter(json_formatter())
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    for installed in [h for h in root.handlers if isinstance(h, JSONLineHandler)]:
        root.removeHandler(installed)
    root.addHandler(handler)
    root.setLevel(level)
    # Flask gives its logger a handler of its own only when no logger above has one.
    app.logger.handlers = []
    app.logger.setLevel(level)
    app.logger.propagate = True
