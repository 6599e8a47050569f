# Managed by relaykit: "copier update" merges the template's changes into this file.
"""gunicorn's own log lines and its access log, as the same JSON lines as the service's."""

from __future__ import annotations

import datetime
import logging
from typing import Any

from gunicorn.config import Config
from gunicorn.glogging import Logger

from .logs import LOG_FIELDS
from .logs import JSONFormatter
from .logs import json_line
from .request_id import REQUEST_ID_HEADER

__all__ = ["JSONServerLogger"]

#: The response header that carries the request id, lower-cased.
_REQUEST_ID = REQUEST_ID_HEADER.lower()


class JSONServerLogger(Logger):
    """gunicorn's logger (``logger_class``), writing JSON lines.

    The access line is the one line of a request: it names the request by the id
    the service echoed, and carries the fields the app added (``logs.log_fields``).
    """

    def setup(self, cfg: Config) -> None:
        """Make gunicorn's handlers, then give each the JSON formatter."""
        super().setup(cfg)
        for handler in [*self.error_log.handlers, *self.access_log.handlers]:
            handler.setFormatter(JSONFormatter())

    def access(
        self, resp: Any, req: Any, environ: dict[str, Any], request_time: datetime.timedelta
    ) -> None:
        """Write one line for a finished request, when ``accesslog`` is set."""
        if not self.cfg.accesslog:
            return
        # Read straight from the request: gunicorn's atoms() would build a dict of
        # every header and timestamp format for each request, to use eight values.
        method, path, status = environ.get("REQUEST_METHOD"), environ.get("PATH_INFO"), resp.status
        code = str(status).split(None, 1)[0]
        line = json_line(
            {
                "time": datetime.datetime.now(datetime.UTC).isoformat(),
                "level": "INFO",
                "logger": "gunicorn.access",
                "message": f"{method} {path} {code}",
                "request_id": next(
                    (value for name, value in resp.headers if name.lower() == _REQUEST_ID), None
                ),
                "method": method,
                "path": path,
                "query": environ.get("QUERY_STRING"),
                "status": int(code),
                "bytes": getattr(resp, "sent", None) or 0,
                "duration_ms": round(request_time.total_seconds() * 1000, 3),
                "remote_addr": environ.get("REMOTE_ADDR", "-"),
                "user_agent": environ.get("HTTP_USER_AGENT", "-"),
                **environ.get(LOG_FIELDS, {}),
            }
        )
        # Written as it is, with no LogRecord, filter or formatter in between: a line
        # per request, the only one.
        for handler in self.access_log.handlers:
            if isinstance(handler, logging.StreamHandler):
                with handler.lock:  # type: ignore[union-attr]
                    handler.stream.write(line)
                    handler.stream.flush()
