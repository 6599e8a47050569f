# Managed by the relaykit template; "copier update" replaces this file.
"""Probes: ``/livez`` (the process answers) and ``/readyz`` (it can do its work)."""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from .blueprint import Blueprint

__all__ = ["HealthSchema", "blp"]

blp = Blueprint("health", __name__, description="Liveness and readiness probes.")


class HealthSchema(ma.Schema):
    """State of the service, and of each dependency readiness depends on."""

    status = ma.fields.String(
        required=True,
        validate=ma.validate.OneOf(["ok", "ready"]),
        metadata={"description": "'ok' for liveness, 'ready' for readiness."},
    )
    checks = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.String(),
        metadata={"description": "Result of each readiness check, by name."},
    )


@blp.route("/livez", methods=["GET"])
@blp.response(200, HealthSchema)
def livez() -> dict[str, Any]:
    """Liveness: the process is up and answers HTTP."""
    return {"status": "ok"}


@blp.route("/readyz", methods=["GET"])
@blp.response(200, HealthSchema)
def readyz() -> dict[str, Any]:
    """Readiness: the service can take traffic.

    The service has no dependency to check yet, so it is ready once it answers.
    """
    return {"status": "ready", "checks": {}}
