# Managed by the relaykit template; "copier update" replaces this file.
"""JSON log lines on stdout, each carrying the request id of the request it is about."""

from __future__ import annotations

import logging
import sys

from flask import Flask
from flask import has_request_context
from pythonjsonlogger.json import JsonFormatter

from .request_id import current_request_id

__all__ = ["JSON_LOG_FORMAT", "RequestIdFilter", "configure_logging"]

#: Fields of every log line; a record's ``extra`` fields are added after them.
JSON_LOG_FORMAT = "{asctime}{levelname}{name}{message}{request_id}"


class RequestIdFilter(logging.Filter):
    """Stamp each record with the current request id (``None`` outside requests)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id() if has_request_context() else None
        return True


def configure_logging(app: Flask, level: str) -> None:
    """Send the app's log lines to stdout as JSON, one object per line.

    Replaces the handlers of ``app.logger`` (the package's logger), so that
    calling it again, as tests do for every app, never doubles the output.
    """
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(
        JsonFormatter(
            JSON_LOG_FORMAT,
            style="{",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        )
    )
    handler.addFilter(RequestIdFilter())
    app.logger.handlers = [handler]
    app.logger.setLevel(level)
    app.logger.propagate = False
