# Managed by relaykit: "copier update" merges the template's changes into this file.
"""Each built-in step alone: what it does, what it leaves alone, when it refuses."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from typing import Any

import pytest

from relay_service.pipeline import Context
from relay_service.pipeline import Drop
from relay_service.pipeline import Step
from relay_service.pipeline import StepError
from relay_service.pipeline.builtin import add_fields
from relay_service.pipeline.builtin import drop_matching
from relay_service.pipeline.builtin import drop_nulls
from relay_service.pipeline.builtin import lowercase_values
from relay_service.pipeline.builtin import normalise_keys
from relay_service.pipeline.builtin import rename_fields
from relay_service.pipeline.builtin import stamp_request
from relay_service.pipeline.builtin import trim_strings
from relay_service.pipeline.paths import normal_key
from relay_service.pipeline.redaction import REDACTED
from relay_service.pipeline.redaction import match_form
from relay_service.pipeline.redaction import redact_fields
from relay_service.settings import Settings
from relay_service.settings import SettingsError

CONTEXT = Context(
    request_id="req-7",
    received_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
    settings=Settings(),
)


def configured(step: Step | None) -> Step:
    assert step is not None
    return step


def test_trim_strings_trims_every_string_value_but_not_keys() -> None:
    payload = {" id ": " x ", "data": {"list": [" a", {"b": "b "}], "n": 1}}
    assert trim_strings(payload, CONTEXT) == {
        " id ": "x",
        "data": {"list": ["a", {"b": "b"}], "n": 1},
    }


@pytest.mark.parametrize(
    ("key", "normal"),
    [("Order ID", "order_id"), ("orderId", "order_id"), ("order-id", "order_id"),
     ("a.b", "a_b"), ("already_fine", "already_fine"), (" Trim ", "trim")],
)  # fmt: skip
def test_normalise_keys_writes_snake_case(key: str, normal: str) -> None:
    assert normalise_keys({"data": {key: 1}}, CONTEXT) == {"data": {normal: 1}}


def test_normalise_keys_reaches_into_lists() -> None:
    payload = {"data": {"Lines": [{"SKU Code": "a"}]}}
    assert normalise_keys(payload, CONTEXT) == {"data": {"lines": [{"sku_code": "a"}]}}


@pytest.mark.parametrize(
    ("keys", "written"),
    [
        (["Order ID", "order_id"], ["Order ID", "order_id"]),
        (["order_id", "orderId"], ["order_id", "orderId"]),
        (["orderId", "Order ID", "ORDER-ID"], ["order_id", "Order ID", "ORDER-ID"]),
        (["A", "a", "B"], ["A", "a", "b"]),
    ],
)
def test_normalise_keys_keeps_keys_that_would_collide_as_sent(
    keys: list[str], written: list[str]
) -> None:
    payload = {"data": {"items": [{key: index for index, key in enumerate(keys)}]}}
    expected = {"data": {"items": [{key: index for index, key in enumerate(written)}]}}
    assert normalise_keys(payload, CONTEXT) == expected


def test_lowercase_values_lowers_strings_at_its_paths_only() -> None:
    step = configured(lowercase_values(["type", "data.kind", "data.missing"]))
    payload = {"type": "Order.Created", "data": {"kind": "A", "other": "B"}}
    assert step(payload, CONTEXT) == {
        "type": "order.created",
        "data": {"kind": "a", "other": "B"},
    }


def test_drop_nulls_leaves_out_null_members_at_every_depth() -> None:
    payload = {"a": None, "data": {"b": None, "c": [None, {"d": None, "e": 0}]}}
    assert drop_nulls(payload, CONTEXT) == {"data": {"c": [None, {"e": 0}]}}


def test_drop_matching_drops_on_the_first_matching_rule_and_names_only_the_rule() -> None:
    step = configured(drop_matching([("type", "test.*"), ("source", "canary")]))
    assert step({"type": "test.ping", "source": "x"}, CONTEXT) == Drop("type matches 'test.*'")
    assert step({"type": "order.created", "source": "canary"}, CONTEXT) == Drop(
        "source matches 'canary'"
    )
    kept = {"type": "order.created", "source": "shop"}
    assert step(kept, CONTEXT) == kept


def test_rename_fields_moves_values_and_creates_objects() -> None:
    step = configured(rename_fields([("data.old", "data.new.place"), ("data.absent", "x")]))
    assert step({"data": {"old": 1, "keep": 2}}, CONTEXT) == {
        "data": {"keep": 2, "new": {"place": 1}}
    }


def test_rename_fields_refuses_to_overwrite() -> None:
    step = configured(rename_fields([("data.a", "data.b")]))
    with pytest.raises(StepError) as refused:
        step({"data": {"a": 1, "b": 2}}, CONTEXT)
    assert refused.value.pointer == "/data/b"


def test_rename_fields_refuses_a_target_inside_a_non_object() -> None:
    step = configured(rename_fields([("data.a", "data.b.c")]))
    with pytest.raises(StepError) as refused:
        step({"data": {"a": 1, "b": [1]}}, CONTEXT)
    assert refused.value.pointer == "/data/b"


def test_redact_fields_replaces_present_values_of_any_type() -> None:
    step = configured(redact_fields(["data.password", "data.card", "data.absent"]))
    payload = {"data": {"password": "hunter2", "card": {"number": "4111"}, "x": 1}}
    assert step(payload, CONTEXT) == {"data": {"password": REDACTED, "card": REDACTED, "x": 1}}


def test_redact_fields_matches_keys_however_they_are_spelled() -> None:
    step = configured(redact_fields(["data.card_number"]))
    payload = {"data": {"cardNumber": "4111", "Card Number": "4242", "card-number": "5555"}}
    assert step(payload, CONTEXT) == {
        "data": {"cardNumber": REDACTED, "Card Number": REDACTED, "card-number": REDACTED}
    }


@pytest.mark.parametrize(
    "key",
    ["pass-word", "Pass_Word", "PASSWORD", "pass word", "pass.word", "p\u200bassword",
     "pass\u00adword", "\uff30\uff41\uff53\uff53word", "p\u00e4ssword", " password: "],
)  # fmt: skip
def test_match_form_drops_case_separators_format_characters_and_accents(key: str) -> None:
    assert match_form(key) == "password"
    assert match_form(normal_key(key)) == "password"


def test_match_form_keeps_letters_and_digits_apart() -> None:
    assert match_form("password2") != match_form("password")
    assert match_form("p\u0430ssword") != match_form("password")  # Cyrillic a


def test_redact_fields_refuses_a_key_with_no_letter_or_digit() -> None:
    with pytest.raises(SettingsError, match=r"RELAY_PIPELINE_REDACT: data\.__ has a key with no"):
        redact_fields(["data.__"])


def test_redact_fields_reaches_into_lists_with_a_wildcard() -> None:
    step = configured(redact_fields(["data.cards.*.number", "data.secrets.*"]))
    payload = {
        "data": {
            "cards": [{"number": "4111", "kind": "visa"}, {"number": "5555"}, "odd"],
            "secrets": {"a": 1, "b": [2]},
        }
    }
    assert step(payload, CONTEXT) == {
        "data": {
            "cards": [{"number": REDACTED, "kind": "visa"}, {"number": REDACTED}, "odd"],
            "secrets": {"a": REDACTED, "b": REDACTED},
        }
    }


def test_add_fields_sets_static_and_settings_derived_values() -> None:
    settings = Settings(environment="staging")
    step = configured(add_fields([("meta.env", "{environment}"), ("meta.team", "ops")], settings))
    assert step({"data": {}}, CONTEXT) == {
        "data": {},
        "meta": {"env": "staging", "team": "ops"},
    }


@pytest.mark.parametrize(
    "value", ["{nope}", "{pipeline_add}", "{environment.__class__}", "{0}", "{unclosed"]
)
def test_add_fields_refuses_anything_but_a_scalar_setting_at_start_up(value: str) -> None:
    with pytest.raises(SettingsError, match=r"^RELAY_PIPELINE_ADD: meta\.x="):
        add_fields([("meta.x", value)], Settings())


def test_stamp_request_adds_the_request_id_and_time() -> None:
    assert stamp_request({"id": "e"}, CONTEXT) == {
        "id": "e",
        "request_id": "req-7",
        "received_at": "2026-01-02T03:04:05+00:00",
    }


@pytest.mark.parametrize(
    "factory",
    [lowercase_values, redact_fields, lambda nothing: drop_matching(nothing),
     lambda nothing: rename_fields(nothing), lambda nothing: add_fields(nothing, Settings())],
)  # fmt: skip
def test_configurable_steps_with_nothing_to_do_are_left_out(factory: Any) -> None:
    assert factory([]) is None
