# Managed by relaykit: "copier update" merges the template's changes into this file.
"""JSON out is orjson's, and loses nothing orjson cannot write."""

from __future__ import annotations

import datetime
import json
import uuid
from decimal import Decimal

import pytest
from flask import jsonify

from relay_service import create_app
from relay_service.handoff.client import json_value
from relay_service.json_encoding import encode_json
from relay_service.observability.logs import json_line
from relay_service.settings import Settings

UTC_PLUS_2 = datetime.timezone(datetime.timedelta(hours=2))

#: Values a strict JSON body or a schema can bring, and how each must come out.
VALUES = {
    "big": (2**70, 2**70),
    "negative_big": (-(2**70), -(2**70)),
    "time_with_offset": (datetime.time(12, 30, tzinfo=UTC_PLUS_2), "12:30:00+02:00"),
    "moment": (
        datetime.datetime(2026, 1, 1, 12, 0, tzinfo=UTC_PLUS_2),
        "2026-01-01T12:00:00+02:00",
    ),
    "day": (datetime.date(2026, 1, 1), "2026-01-01"),
    "id": (uuid.UUID(int=1), "00000000-0000-0000-0000-000000000001"),
    "amount": (Decimal("19.90"), "19.90"),
    "text": ("é ✓ \U0001f600", "é ✓ \U0001f600"),
}


def test_every_value_a_payload_holds_is_sent_to_the_worker_exactly() -> None:
    for name, (value, expected) in VALUES.items():
        assert json.loads(encode_json({name: value}, json_value)) == {name: expected}, name


def test_orjson_writes_what_it_can_and_the_standard_library_the_rest() -> None:
    assert encode_json({"a": [1, 2]}, json_value) == b'{"a":[1,2]}'
    assert encode_json({"a": 2**70}, json_value) == b'{"a":%d}' % 2**70


def test_a_value_json_has_no_type_for_is_refused() -> None:
    with pytest.raises(TypeError, match="object cannot be sent to the worker"):
        encode_json({"a": object()}, json_value)


def test_answers_keep_big_integers_and_keys_that_are_no_strings() -> None:
    app = create_app(Settings())
    with app.app_context():
        answer = jsonify({"n": 2**70, "nested": {1: "one"}})
    assert answer.mimetype == "application/json"
    assert json.loads(answer.get_data()) == {"n": 2**70, "nested": {"1": "one"}}


def test_log_lines_keep_big_integers() -> None:
    line = json_line({"n": 2**70, "when": datetime.time(1, tzinfo=UTC_PLUS_2)})
    assert line.endswith("\n")
    assert json.loads(line) == {"n": 2**70, "when": "01:00:00+02:00"}
