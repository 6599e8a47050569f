# Managed by relaykit: "copier update" merges the template's changes into this file.
"""How the service is served by gunicorn beyond its config: the drain on SIGTERM."""

from __future__ import annotations

from .drain import DRAIN
from .drain import Drain
from .drain import drain_on_sigterm

__all__ = ["DRAIN", "Drain", "drain_on_sigterm"]
