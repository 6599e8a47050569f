# Managed by relaykit: "copier update" merges the template's changes into this file.
"""JSON log lines on stdout, each carrying the request id of the request it is about.

A request is logged once, by its access line (gunicorn's, see ``server_logs.py``):
the flow adds what it decided (the event's id and type, the key's id) to that line
with :func:`log_fields` instead of writing a line of its own.
"""

from __future__ import annotations

import logging
import re
import sys
from datetime import UTC
from datetime import datetime
from typing import Any

from flask import Flask
from flask import g
from flask import has_request_context
from flask import request

from ..json_encoding import encode_json
from .request_id import current_request_id

__all__ = [
    "LOG_FIELDS",
    "JSONFormatter",
    "JSONLineHandler",
    "RequestIdFilter",
    "configure_logging",
    "json_line",
    "log_fields",
]

#: The WSGI environ key of the fields the app adds to a request's access line.
LOG_FIELDS = "relay.log_fields"

#: A terminal's control sequence (ECMA-48 CSI), such as a colour.
_TERMINAL_ESCAPE = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]")

#: A LogRecord's own attributes; any other attribute came from ``extra``.
_RECORD_ATTRIBUTES = frozenset(
    logging.makeLogRecord({}).__dict__.keys() | {"message", "asctime", "request_id"}
)


def json_line(fields: dict[str, Any]) -> str:
    """``fields`` as one JSON line; a value JSON has no type for is written as its ``str``."""
    return encode_json(fields, str).decode() + "\n"


def log_fields(**fields: Any) -> None:
    """Add ``fields`` to the current request's access line."""
    request.environ.setdefault(LOG_FIELDS, {}).update(fields)


class JSONFormatter(logging.Formatter):
    """A record as a JSON object: ``time`` (ISO 8601, UTC), ``level``, ``logger``,
    ``message`` and ``request_id``, then the record's ``extra`` fields, then
    ``exc_info`` and ``stack_info`` when it has them."""

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        if "\x1b" in message:
            # werkzeug colours its access lines (make dev) for a terminal.
            message = _TERMINAL_ESCAPE.sub("", message)
        fields: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": message,
            "request_id": getattr(record, "request_id", None),
        }
        for name, value in record.__dict__.items():
            if name not in _RECORD_ATTRIBUTES:
                fields[name] = value
        if record.exc_info:
            fields["exc_info"] = self.formatException(record.exc_info)
        if record.stack_info:
            fields["stack_info"] = self.formatStack(record.stack_info)
        return json_line(fields)[:-1]  # the handler ends the line


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
    handler.setFormatter(JSONFormatter())
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
