# Managed by relaykit: "copier update" merges the template's changes into this file.
"""Probes: ``/livez`` (the process answers) and ``/readyz`` (it can do its work)."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import current_app

from ..handoff import READINESS_CHECKS
from ..serving import DRAIN
from .blueprint import Blueprint
from .intake.delivery import client

__all__ = ["HealthSchema", "blp"]

blp = Blueprint("health", __name__, description="Liveness and readiness probes.")


class HealthSchema(ma.Schema):
    """State of the service, and of each dependency readiness depends on."""

    status = ma.fields.String(
        required=True,
        validate=ma.validate.OneOf(["ok", "ready", "not ready"]),
        metadata={"description": "'ok' for liveness; 'ready' or 'not ready' for readiness."},
    )
    checks = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.String(),
        metadata={"description": "Result of each readiness check, by name."},
    )


@blp.route("/livez", methods=["GET"])
@blp.doc(security=[])  # probes need no key
@blp.response(200, HealthSchema)
def livez() -> dict[str, Any]:
    """Liveness: the process is up and answers HTTP."""
    return {"status": "ok"}


@blp.route("/readyz", methods=["GET"])
@blp.doc(security=[])
@blp.response(200, HealthSchema)
@blp.alt_response(503, schema=HealthSchema, description="Not ready: see the failing check.")
def readyz() -> Any:
    """Readiness: this replica can take traffic: what it hands items to can take them,
    and it is not stopping.

    Not ready (503) while the handoff cannot take items, and while the replica drains
    after SIGTERM (check ``drain``). With ``RELAY_TRANSPORT=http`` the check is
    ``worker``: the worker does not answer its ``/livez``. With ``amqp`` it is
    ``broker``: this process has no connection to RabbitMQ, and cannot open one
    within half a second, with the queues declared, or RabbitMQ has blocked its
    publishing (a memory or disk alarm) until it unblocks. The circuit breaker plays
    no part.
    """
    handoff = client().ready() or "ok"
    drain = "draining" if DRAIN.draining else "ok"
    checks = {
        "drain": drain,
        READINESS_CHECKS[current_app.extensions["settings"].transport]: handoff,
    }
    if handoff != "ok" or drain != "ok":
        return {"status": "not ready", "checks": checks}, 503
    return {"status": "ready", "checks": checks}
