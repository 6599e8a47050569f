# Managed by relaykit: "copier update" merges the template's changes into this file.
"""Properties: on any JSON-like input, the built-in steps answer or raise StepError, nothing else."""

from __future__ import annotations

import copy
from datetime import UTC
from datetime import datetime
from typing import Any

from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from relay_service.pipeline import Context
from relay_service.pipeline import Drop
from relay_service.pipeline import Pipeline
from relay_service.pipeline import StepError
from relay_service.pipeline.builtin import add_fields
from relay_service.pipeline.builtin import drop_matching
from relay_service.pipeline.builtin import drop_nulls
from relay_service.pipeline.builtin import lowercase_values
from relay_service.pipeline.builtin import normalise_keys
from relay_service.pipeline.builtin import rename_fields
from relay_service.pipeline.builtin import stamp_request
from relay_service.pipeline.builtin import trim_strings
from relay_service.pipeline.redaction import redact_fields
from relay_service.settings import Settings

#: Every built-in step on, configured with paths that may or may not exist.
BUSY = Settings(
    pipeline_lowercase=("type", "data.kind", "data.a.b"),
    pipeline_drop_when=(("type", "test.*"), ("data.kind", "*x*")),
    pipeline_rename=(("data.a", "data.b.c"), ("data.kind", "kind")),
    pipeline_redact=("data.password", "data.a.b", "data"),
    pipeline_add=(("meta.env", "{environment}"), ("data.a.b", "x")),
)

KEYS = st.one_of(
    st.sampled_from(["a", "b", "c", "kind", "password", "Order ID", "order_id", "A", " a"]),
    st.text(max_size=8),
)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(KEYS, children, max_size=4),
    max_leaves=25,
)
PAYLOADS = st.fixed_dictionaries(
    {
        "id": st.text(max_size=8),
        "type": st.text(max_size=12) | st.sampled_from(["test.ping", "Order.Created"]),
        "data": st.dictionaries(KEYS, JSON, max_size=5),
    }
)


def build_pipeline(settings: Settings) -> Pipeline:
    """Every built-in step, in the order the events pipeline uses them."""
    return Pipeline.declare(
        redact_fields(settings.pipeline_redact),
        trim_strings,
        normalise_keys,
        lowercase_values(settings.pipeline_lowercase),
        drop_nulls,
        drop_matching(settings.pipeline_drop_when),
        rename_fields(settings.pipeline_rename),
        add_fields(settings.pipeline_add, settings),
        stamp_request,
    )


def context(settings: Settings) -> Context:
    return Context(
        request_id="req-prop", received_at=datetime(2026, 1, 1, tzinfo=UTC), settings=settings
    )


def run_checked(settings: Settings, payload: dict[str, Any]) -> None:
    original = copy.deepcopy(payload)
    outcome = None
    try:
        outcome = build_pipeline(settings).run(payload, context(settings))
    except StepError as error:
        refused = error
    assert payload == original, "a step changed its input"
    if outcome is None:
        assert refused.step
        assert refused.detail
        return
    assert (outcome.payload is None) == isinstance(outcome.dropped, Drop)
    if outcome.payload is not None:
        assert outcome.payload["request_id"] == "req-prop"


@hypothesis_settings(max_examples=200, deadline=None)
@given(PAYLOADS)
def test_default_steps_answer_or_refuse_any_input(payload: dict[str, Any]) -> None:
    run_checked(Settings(), payload)


@hypothesis_settings(max_examples=200, deadline=None)
@given(PAYLOADS)
def test_every_builtin_step_configured_answers_or_refuses_any_input(
    payload: dict[str, Any],
) -> None:
    run_checked(BUSY, payload)


@hypothesis_settings(max_examples=100, deadline=None)
@given(PAYLOADS)
def test_redacted_values_never_survive(payload: dict[str, Any]) -> None:
    settings = Settings(pipeline_redact=("data.password",))
    payload["data"]["password"] = "hunter2-secret"
    try:
        outcome = build_pipeline(settings).run(payload, context(settings))
    except StepError:
        return
    assert "hunter2-secret" not in repr(outcome.payload)


def sizes(value: Any) -> list[int]:
    """How many members each object has, depth first."""
    if isinstance(value, dict):
        return [len(value), *(size for item in value.values() for size in sizes(item))]
    if isinstance(value, list):
        return [size for item in value for size in sizes(item)]
    return []


@hypothesis_settings(max_examples=200, deadline=None)
@given(PAYLOADS)
def test_normalise_keys_keeps_every_member_and_refuses_nothing(payload: dict[str, Any]) -> None:
    normalised = normalise_keys(payload, context(Settings()))
    assert sizes(normalised) == sizes(payload)
    assert build_pipeline(Settings()).run(payload, context(Settings())).payload is not None
