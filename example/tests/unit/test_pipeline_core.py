# Managed by relaykit: "copier update" merges the template's changes into this file.
"""The pipeline core: order, immutability, switching steps off, errors named by step."""

from __future__ import annotations

import dataclasses
from datetime import UTC
from datetime import datetime

import pytest

from relay_service.pipeline import BrokenStepError
from relay_service.pipeline import Context
from relay_service.pipeline import Drop
from relay_service.pipeline import Payload
from relay_service.pipeline import Pipeline
from relay_service.pipeline import StepError
from relay_service.pipeline.paths import normal_key
from relay_service.pipeline.paths import pointer
from relay_service.settings import Settings

CONTEXT = Context(
    request_id="req-1",
    received_at=datetime(2026, 1, 1, 12, 0, tzinfo=UTC),
    settings=Settings(),
)


def append_a(payload: Payload, context: Context) -> Payload:
    return {**payload, "trail": [*payload.get("trail", []), "a"]}


def append_b(payload: Payload, context: Context) -> Payload:
    return {**payload, "trail": [*payload.get("trail", []), "b"]}


def drop_everything(payload: Payload, context: Context) -> Drop:
    return Drop("not wanted")


def refuse(payload: Payload, context: Context) -> Payload:
    raise StepError("no thanks", pointer="/data")


def crash(payload: Payload, context: Context) -> Payload:
    raise KeyError("missing")  # a bug, as far as the pipeline can tell


def return_a_list(payload: Payload, context: Context) -> Payload:
    return [payload]  # type: ignore[return-value]


def test_steps_run_in_the_declared_order() -> None:
    pipeline = Pipeline.declare(append_b, append_a)
    outcome = pipeline.run({}, CONTEXT)
    assert outcome.payload == {"trail": ["b", "a"]}
    assert outcome.steps == ("append_b", "append_a")
    assert len(outcome.durations_ns) == 2
    assert all(duration >= 0 for duration in outcome.durations_ns)


def test_a_pipeline_is_immutable() -> None:
    pipeline = Pipeline.declare(append_a)
    with pytest.raises(dataclasses.FrozenInstanceError):
        pipeline.steps = ()  # type: ignore[misc]
    assert isinstance(pipeline.steps, tuple)


def test_a_pipeline_does_not_change_its_input() -> None:
    payload: Payload = {"trail": ["start"]}
    Pipeline.declare(append_a, append_b).run(payload, CONTEXT)
    assert payload == {"trail": ["start"]}


def test_step_names_must_be_unique() -> None:
    with pytest.raises(ValueError, match="unique: append_a"):
        Pipeline.declare(append_a, append_b, append_a)


def test_switched_off_steps_are_left_out_and_remembered() -> None:
    pipeline = Pipeline.declare(append_a, None, append_b, switched_off=["append_a"])
    assert pipeline.names == ("append_b",)
    assert pipeline.switched_off == ("append_a",)
    assert pipeline.run({}, CONTEXT).payload == {"trail": ["b"]}


def test_a_drop_stops_the_pipeline_with_its_reason() -> None:
    outcome = Pipeline.declare(append_a, drop_everything, append_b).run({}, CONTEXT)
    assert outcome.payload is None
    assert outcome.dropped == Drop("not wanted")
    assert outcome.steps == ("append_a", "drop_everything")


def test_a_refusal_is_a_step_error_naming_the_step() -> None:
    with pytest.raises(StepError) as refused:
        Pipeline.declare(append_a, refuse, append_b).run({}, CONTEXT)
    assert refused.value.step == "refuse"
    assert refused.value.detail == "no thanks"
    assert refused.value.pointer == "/data"


def test_a_bug_is_a_step_failure_naming_the_step_with_the_cause_chained() -> None:
    with pytest.raises(BrokenStepError) as failed:
        Pipeline.declare(append_a, crash).run({}, CONTEXT)
    assert failed.value.step == "crash"
    assert isinstance(failed.value.__cause__, KeyError)


def test_returning_something_else_than_a_payload_is_a_step_failure() -> None:
    with pytest.raises(BrokenStepError) as failed:
        Pipeline.declare(return_a_list).run({}, CONTEXT)
    assert failed.value.step == "return_a_list"
    assert isinstance(failed.value.__cause__, TypeError)


def test_a_run_measures_each_step() -> None:
    outcome = Pipeline.declare(append_a, append_b).run({}, CONTEXT)
    assert len(outcome.durations_ns) == 2
    assert sum(outcome.durations_ns) > 0


def test_an_error_carries_the_steps_that_ran_up_to_it() -> None:
    with pytest.raises(StepError) as refused:
        Pipeline.declare(append_a, refuse, append_b).run({}, CONTEXT)
    assert refused.value.steps == ("append_a", "refuse")
    assert len(refused.value.durations_ns) == 2
    with pytest.raises(BrokenStepError) as failed:
        Pipeline.declare(crash).run({}, CONTEXT)
    assert failed.value.steps == ("crash",)
    assert len(failed.value.durations_ns) == 1


def test_paths_give_escaped_pointers_and_normal_keys() -> None:
    assert pointer(("a/b", "c~d", "e")) == "/a~1b/c~0d/e"
    assert pointer(()) == ""
    assert [normal_key(key) for key in ("Order ID", "orderId", " x-y.z ")] == [
        "order_id",
        "order_id",
        "x_y_z",
    ]
