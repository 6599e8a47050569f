"""relaykit's rendered service with its API layer alone: the app the service builds,
with the handoff client swapped for one that acknowledges every item at once, as the
peers skip their handoff in this scenario. Everything else is the service's own."""

from __future__ import annotations

import importlib
import os
from collections.abc import Mapping
from typing import Any

from flask import Flask


class AcknowledgingClient:
    """Stands in for the service's ``HandoffClient``: takes every item, sends nothing."""

    def deliver(
        self, item: Mapping[str, Any], key: str, headers: Mapping[str, str]
    ) -> dict[str, Any]:
        return {"key": key, "status": "accepted"}

    def deliver_batch(
        self, entries: list[tuple[str, Mapping[str, Any]]], headers: Mapping[str, str]
    ) -> list[dict[str, Any]]:
        return [{"key": key, "status": "accepted"} for key, _ in entries]


def create_app() -> Flask:
    service = importlib.import_module(os.environ["BENCH_RELAYKIT_PACKAGE"])
    app: Flask = service.create_app()
    app.extensions["handoff"] = AcknowledgingClient()
    return app
