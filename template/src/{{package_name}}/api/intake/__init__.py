# Managed by relaykit: "copier update" merges the template's changes into this file.
"""The intake flow: idempotency key -> pipeline -> handoff -> receipt.

Views declare the contract and call :func:`accept_one` or :func:`accept_batch`;
everything after validation happens here, in files relaykit manages, so that a
fix to the flow reaches a service through ``copier update``.
"""

from __future__ import annotations

from .counting import install_event_counting
from .delivery import documents_handoff
from .delivery import install_handoff
from .flow import accept_batch
from .flow import accept_one
from .items import EachItem
from .items import Item
from .receipts import AcceptedReceiptSchema
from .receipts import BatchReceiptSchema
from .receipts import FilteredReceiptSchema
from .transform import check_pipeline_settings
from .transform import install_pipeline

__all__ = [
    "AcceptedReceiptSchema",
    "BatchReceiptSchema",
    "EachItem",
    "FilteredReceiptSchema",
    "Item",
    "accept_batch",
    "accept_one",
    "check_pipeline_settings",
    "documents_handoff",
    "install_event_counting",
    "install_handoff",
    "install_pipeline",
]
