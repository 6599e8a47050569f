# Managed by the relaykit template; "copier update" replaces this file.
"""Per-step durations, summed up per process for the metrics to export."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Sequence

__all__ = ["StepStats", "StepTimings"]


@dataclasses.dataclass(frozen=True, slots=True)
class StepStats:
    """How often a step ran and how long it took, in nanoseconds."""

    count: int
    total_ns: int
    max_ns: int


class StepTimings:
    """Thread-safe running totals of step durations, by step name."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._stats: dict[str, StepStats] = {}

    def record(self, steps: Sequence[str], durations_ns: Sequence[int]) -> None:
        """Add the durations of one pipeline run."""
        with self._lock:
            for name, duration in zip(steps, durations_ns, strict=True):
                old = self._stats.get(name, StepStats(0, 0, 0))
                self._stats[name] = StepStats(
                    old.count + 1, old.total_ns + duration, max(old.max_ns, duration)
                )

    def snapshot(self) -> dict[str, StepStats]:
        """A copy of the totals so far, by step name."""
        with self._lock:
            return dict(self._stats)
