# Managed by relaykit: "copier update" merges the template's changes into this file.
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
        # [count, total_ns, max_ns] per step, updated in place: every event of a batch
        # records each of its steps, so no object is made per record.
        self._totals: dict[str, list[int]] = {}

    def record(self, steps: Sequence[str], durations_ns: Sequence[int]) -> None:
        """Add the durations of one pipeline run."""
        with self._lock:
            for name, duration in zip(steps, durations_ns, strict=True):
                totals = self._totals.get(name)
                if totals is None:
                    self._totals[name] = [1, duration, duration]
                    continue
                totals[0] += 1
                totals[1] += duration
                if duration > totals[2]:
                    totals[2] = duration

    def snapshot(self) -> dict[str, StepStats]:
        """A copy of the totals so far, by step name."""
        with self._lock:
            return {name: StepStats(*totals) for name, totals in self._totals.items()}
