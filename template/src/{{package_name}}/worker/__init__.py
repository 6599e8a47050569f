# Managed by relaykit: "copier update" merges the template's changes into this file.
"""The reference worker: what the service hands items to, for local runs, compose and tests.

It implements the worker contract (``worker/openapi.json``): it takes items one
at a time or in batches, answers each with a receipt, and processes a retried
delivery only once, by its ``Idempotency-Key``. Fault switches make it fail,
stall, drop connections or refuse marked items, per instance, for fault tests
and demos. The service's ``api/`` never imports it.
"""

from __future__ import annotations

from .app import create_worker_app
from .faults import Faults
from .process import WorkerProcess
from .process import start_worker_process
from .store import ReceiptStore

__all__ = ["Faults", "ReceiptStore", "WorkerProcess", "create_worker_app", "start_worker_process"]
