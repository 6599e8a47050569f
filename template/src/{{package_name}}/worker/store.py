# Managed by relaykit: "copier update" merges the template's changes into this file.
"""What the worker processed, by idempotency key: bounded, thread-safe, first write wins."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

__all__ = ["ReceiptStore"]


class ReceiptStore:
    """Receipts by idempotency key, forgetting the oldest beyond ``capacity``.

    A key seen again gets the receipt it got the first time, and its item is not
    processed again. ``processed`` counts every item ever processed: while no key
    was forgotten, it equals the number of keys, and any difference is an item
    processed twice.

    :param capacity: how many keys to remember, at least 1.
    """

    def __init__(self, capacity: int = 100_000) -> None:
        if capacity < 1:
            raise ValueError(f"capacity must be at least 1, not {capacity}")
        self.capacity = capacity
        self.processed = 0
        self._lock = threading.Lock()
        self._receipts: OrderedDict[str, dict[str, Any]] = OrderedDict()

    def record(self, key: str, receipt: dict[str, Any]) -> tuple[dict[str, Any], bool]:
        """Keep ``receipt`` for ``key`` unless the key was seen before.

        :returns: the receipt kept for the key, and whether it was new.
        """
        with self._lock:
            kept = self._receipts.get(key)
            if kept is not None:
                self._receipts.move_to_end(key)
                return kept, False
            self.processed += 1
            self._receipts[key] = receipt
            if len(self._receipts) > self.capacity:
                self._receipts.popitem(last=False)
            return receipt, True

    def get(self, key: str) -> dict[str, Any] | None:
        """The receipt kept for ``key``, if the item was processed."""
        with self._lock:
            return self._receipts.get(key)

    def snapshot(self) -> dict[str, Any]:
        """The keys remembered, oldest first, and how many items were processed."""
        with self._lock:
            return {"keys": list(self._receipts), "processed": self.processed}

    def clear(self) -> None:
        """Forget everything, as a fresh worker would."""
        with self._lock:
            self._receipts.clear()
            self.processed = 0
