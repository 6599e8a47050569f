# Managed by relaykit: "copier update" merges the template's changes into this file.
"""``GET /metrics``: the Prometheus metrics, served as ``RELAY_METRICS`` and
``RELAY_METRICS_PORT`` say, and every request counted and timed for them.

- ``protected``: an operation of the contract like any other, behind the API's
  authentication (open with ``RELAY_AUTH=none``);
- ``public``: in the contract, open to anyone (``security: []``);
- ``RELAY_METRICS_PORT``: gunicorn also listens on that port, which serves
  ``/metrics`` alone, open; the service's own port does not serve it, and the
  contract, which describes that port, leaves it out;
- ``off``: not served, and nothing is recorded (no cost).
"""

from __future__ import annotations

import time
from typing import Any

import flask_smorest
from flask import Flask
from flask import Response
from flask import g
from flask import request
from werkzeug.exceptions import NotFound

from ..about import SERVICE_ROUTES_PREFIX
from ..observability.metrics import CONTENT_TYPE
from ..observability.metrics import UNMATCHED_ROUTE
from ..observability.metrics import exposition
from ..observability.metrics import observe_request
from ..settings import Settings
from .blueprint import Blueprint

__all__ = [
    "METRICS_PATH",
    "install_metrics",
    "install_request_metrics",
    "register_metrics_operation",
    "serve_metrics",
]

#: Where the metrics are served.
METRICS_PATH = f"{SERVICE_ROUTES_PREFIX}/metrics"

#: The endpoint of the metrics view.
_ENDPOINT = "metrics"


def install_request_metrics(app: Flask, settings: Settings) -> None:
    """Count and time every request, unless metrics are off.

    Installed before any other hook: its start is the first thing a request
    does, and its count the last thing an answer does (Flask runs ``after_request``
    functions in reverse order), whatever another hook answers.
    """
    if settings.metrics == "off":
        return
    app.before_request(_start)
    app.after_request(_count)


def _start() -> None:
    g.metrics_started = time.perf_counter()


def _count(response: Response) -> Response:
    rule = request.url_rule
    observe_request(
        rule.rule if rule is not None else UNMATCHED_ROUTE,
        request.method,
        response.status_code,
        time.perf_counter() - g.get("metrics_started", time.perf_counter()),
    )
    return response


def serve_metrics() -> Response:
    """The metrics, in the Prometheus text format."""
    return Response(exposition(), content_type=CONTENT_TYPE)


def _metrics_blueprint(settings: Settings) -> Blueprint:
    """The contract's ``GET /metrics`` operation, protected or open as ``settings`` say."""
    blueprint = Blueprint("metrics", __name__, description="Prometheus metrics.")
    doc: dict[str, Any] = {
        "responses": {
            "200": {
                "description": "Every metric, in the Prometheus text format.",
                "content": {"text/plain": {"schema": {"type": "string"}}},
            }
        }
    }
    if settings.metrics == "public":
        doc["security"] = []
    blueprint.route("/metrics", methods=["GET"], endpoint=_ENDPOINT)(
        blueprint.doc(**doc)(serve_metrics)
    )
    return blueprint


def install_metrics(app: Flask, settings: Settings) -> None:
    """Serve ``/metrics`` alone on ``RELAY_METRICS_PORT``, when the settings name one.

    Installed before authentication: a request for the wrong port is refused
    before anything else looks at it.
    """
    if settings.metrics_port is None or settings.metrics == "off":
        return
    app.add_url_rule(METRICS_PATH, _ENDPOINT, serve_metrics, methods=["GET"])
    metrics_port = str(settings.metrics_port)

    def keep_ports_apart() -> None:
        # SERVER_PORT is the port of the listener that took the connection (gunicorn
        # reads it from the socket, not from the Host header).
        on_metrics_port = request.environ.get("SERVER_PORT") == metrics_port
        if on_metrics_port != (request.endpoint == _ENDPOINT):
            raise NotFound()

    app.before_request(keep_ports_apart)


def register_metrics_operation(api: flask_smorest.Api, settings: Settings) -> None:
    """Make ``GET /metrics`` an operation of the contract, on the service's own port,
    protected or public as the settings say."""
    if settings.metrics_port is None and settings.metrics != "off":
        api.register_blueprint(
            _metrics_blueprint(settings), url_prefix=SERVICE_ROUTES_PREFIX or None
        )
