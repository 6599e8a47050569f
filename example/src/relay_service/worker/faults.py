# Managed by relaykit: "copier update" merges the template's changes into this file.
"""Fault switches of one worker: how it misbehaves, for fault tests and demos."""

from __future__ import annotations

import dataclasses
import random
import threading
from typing import Any

__all__ = ["Faults"]


@dataclasses.dataclass(frozen=True, slots=True)
class Faults:
    """How a worker misbehaves; the default misbehaves not at all.

    :param fail_ratio: share of deliveries answered ``503`` with ``Retry-After``,
        before anything is processed; ``0`` fails none, ``1`` fails all.
    :param stall_ratio: share of deliveries that are processed, then answered
        only after ``stall_seconds``: the client's read timeout fires, and its
        retry must not be processed twice.
    :param stall_seconds: how long a stalled delivery waits before answering.
    :param drop_ratio: share of deliveries whose connection is closed without
        an answer, before anything is processed.
    :param retry_after: seconds the ``Retry-After`` of a ``503`` asks for.
    :param reject_field: an item whose top-level field of this name is ``true``
        is refused with ``422``; ``""`` refuses none.
    :param seed: seed of the choices, so that a run can be repeated.
    """

    fail_ratio: float = 0.0
    stall_ratio: float = 0.0
    stall_seconds: float = 0.0
    drop_ratio: float = 0.0
    retry_after: int = 1
    reject_field: str = "reject"
    seed: int = 0

    def __post_init__(self) -> None:
        for name in ("fail_ratio", "stall_ratio", "drop_ratio"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be from 0 to 1, not {value}")
        if self.stall_seconds < 0 or self.retry_after < 0:
            raise ValueError("stall_seconds and retry_after must not be negative")

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Faults:
        """Faults from a JSON object with some of the fields above.

        :raises ValueError: for an unknown field or a value out of range.
        """
        names = {field.name for field in dataclasses.fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            raise ValueError(f"unknown fault switches: {', '.join(unknown)}")
        return cls(**data)


class Dice:
    """Thread-safe, seeded choices of which deliveries misbehave."""

    def __init__(self, seed: int) -> None:
        # Seeded for repeatable fault tests: these dice guard nothing.
        self._random = random.Random(seed)  # nosec B311
        self._lock = threading.Lock()

    def roll(self, ratio: float) -> bool:
        """True for a share ``ratio`` of calls."""
        if ratio <= 0.0:
            return False
        with self._lock:
            return self._random.random() < ratio
