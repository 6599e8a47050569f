# Managed by relaykit: "copier update" merges the template's changes into this file.
"""Steps, the context they run in, and how a pipeline runs them in order."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterable
from datetime import datetime
from typing import Any
from typing import Protocol

from ..settings import Settings

__all__ = [
    "BrokenStepError",
    "ClientInfo",
    "Context",
    "Drop",
    "Outcome",
    "Payload",
    "Pipeline",
    "PipelineError",
    "Step",
    "StepError",
]

#: A JSON object, as validated by the API layer.
Payload = dict[str, Any]


@dataclasses.dataclass(frozen=True, slots=True)
class ClientInfo:
    """Who sent the request, as far as the service can tell."""

    address: str | None = None
    user_agent: str | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class Context:
    """What a step may know besides the payload: the request and the settings."""

    request_id: str
    received_at: datetime
    settings: Settings
    client: ClientInfo = ClientInfo()


@dataclasses.dataclass(frozen=True, slots=True)
class Drop:
    """Returned by a step to filter the item out on purpose; the answer says why."""

    reason: str


class Step(Protocol):
    """A named function from a payload to a new payload, or a :class:`Drop`.

    A step returns a new payload and never changes the one it is given.
    """

    __name__: str

    def __call__(self, payload: Payload, context: Context, /) -> Payload | Drop: ...


class PipelineError(Exception):
    """Root of the pipeline's errors.

    :ivar steps: names of the steps that ran, the failing one last.
    :ivar durations_ns: how long each of them took, in nanoseconds.
    """

    steps: tuple[str, ...] = ()
    durations_ns: tuple[int, ...] = ()


class StepError(PipelineError):
    """A step refuses the item: answered with a 422 problem that names the step.

    Raise it from a step, e.g. ``raise StepError("keys 'A' and 'a' collide", pointer="/data")``;
    the pipeline fills in the step's name.

    :param detail: what is wrong with the item, written for the client.
    :param pointer: JSON Pointer to the offending part of the item; ``""`` for all of it.
    """

    def __init__(self, detail: str, *, pointer: str = "") -> None:
        super().__init__(detail)
        self.detail = detail
        self.pointer = pointer
        self.step = ""


class BrokenStepError(PipelineError):
    """A step broke (a bug, not bad input): answered with a 500 problem.

    The step's name and the original exception go to the log, never to the client.
    """

    def __init__(self, step: str) -> None:
        super().__init__(f"step {step!r} failed")
        self.step = step


@dataclasses.dataclass(frozen=True, slots=True)
class Outcome:
    """What a pipeline did with one item.

    :param payload: the transformed item; ``None`` when a step dropped it.
    :param steps: names of the steps that ran, in order.
    :param durations_ns: how long each of them took, in nanoseconds.
    :param dropped: the drop, with its reason, when a step filtered the item out.
    """

    payload: Payload | None
    steps: tuple[str, ...]
    durations_ns: tuple[int, ...]
    dropped: Drop | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class Pipeline:
    """An ordered, immutable sequence of steps.

    :param steps: the steps that run, in order; names must be unique.
    :param switched_off: names of declared steps that settings switched off.
    """

    steps: tuple[Step, ...]
    switched_off: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        names = [step.__name__ for step in self.steps]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ValueError(f"a pipeline's step names must be unique: {', '.join(duplicates)}")

    @classmethod
    def declare(cls, *steps: Step | None, switched_off: Iterable[str] = ()) -> Pipeline:
        """Build a pipeline from steps in order.

        :param steps: the steps; ``None`` entries (steps with nothing to do) are left out.
        :param switched_off: names of steps to leave out, e.g. from settings.
        """
        off = set(switched_off)
        declared = [step for step in steps if step is not None]
        return cls(
            steps=tuple(step for step in declared if step.__name__ not in off),
            switched_off=tuple(step.__name__ for step in declared if step.__name__ in off),
        )

    @property
    def names(self) -> tuple[str, ...]:
        """The names of the steps that run, in order."""
        return tuple(step.__name__ for step in self.steps)

    def run(self, payload: Payload, context: Context) -> Outcome:
        """Run every step in order over ``payload``.

        :raises StepError: a step refused the item; ``step`` names it.
        :raises BrokenStepError: a step raised anything else, or returned something
            that is neither a payload nor a :class:`Drop`; the cause is chained.
        """
        ran: list[str] = []
        durations: list[int] = []
        started = time.perf_counter_ns()  # each step's end is the next one's start
        for step in self.steps:
            name = step.__name__
            try:
                result = step(payload, context)
            except StepError as error:
                error.step = name
                _ran(error, [*ran, name], [*durations, time.perf_counter_ns() - started])
                raise
            except Exception as error:
                elapsed = time.perf_counter_ns() - started
                raise _ran(BrokenStepError(name), [*ran, name], [*durations, elapsed]) from error
            ended = time.perf_counter_ns()
            durations.append(ended - started)
            started = ended
            ran.append(name)
            if isinstance(result, Drop):
                return Outcome(None, tuple(ran), tuple(durations), result)
            if not isinstance(result, dict):
                returned = TypeError(f"returned {type(result).__name__}, not a payload or Drop")
                raise _ran(BrokenStepError(name), ran, durations) from returned
            payload = result
        return Outcome(payload, tuple(ran), tuple(durations))


def _ran(error: PipelineError, steps: list[str], durations_ns: list[int]) -> PipelineError:
    error.steps = tuple(steps)
    error.durations_ns = tuple(durations_ns)
    return error
