# Managed by the relaykit template; "copier update" replaces this file.
"""gunicorn's own log lines and its access log, as the same JSON lines as the service's."""

from __future__ import annotations

import datetime
from typing import Any

from gunicorn.config import Config
from gunicorn.glogging import Logger

from .logs import json_formatter
from .request_id import REQUEST_ID_HEADER

__all__ = ["JSONServerLogger"]

#: gunicorn's name of the response header that carries the request id.
_REQUEST_ID_ATOM = "{" + REQUEST_ID_HEADER.lower() + "}o"


class JSONServerLogger(Logger):
    """gunicorn's logger (``logger_class``), writing JSON lines.

    An access line names the request by the id the service echoed, so it joins
    up with the service's own lines about that request.
    """

    def setup(self, cfg: Config) -> None:
        """Make gunicorn's handlers, then give each the JSON formatter."""
        super().setup(cfg)
        for handler in [*self.error_log.handlers, *self.access_log.handlers]:
            handler.setFormatter(json_formatter())

    def access(
        self, resp: Any, req: Any, environ: dict[str, Any], request_time: datetime.timedelta
    ) -> None:
        """Write one line for a finished request, when ``accesslog`` is set."""
        if not self.cfg.accesslog:
            return
        atoms = self.atoms(resp, req, environ, request_time)
        fields = {
            "method": atoms["m"],
            "path": atoms["U"],
            "query": atoms["q"],
            "status": int(str(atoms["s"])),
            "bytes": atoms["B"] or 0,
            "duration_ms": round(request_time.total_seconds() * 1000, 3),
            "remote_addr": atoms["h"],
            "user_agent": atoms["a"],
            "request_id": atoms.get(_REQUEST_ID_ATOM),
        }
        self.access_log.info("%s %s %s", atoms["m"], atoms["U"], atoms["s"], extra=fields)
