# Managed by relaykit: "copier update" merges the template's changes into this file.
"""Request bodies are strict JSON: 400, 413, 415 and 422 all say exactly what is wrong.

These tests mount a probe endpoint of their own, so they hold whatever your
resources look like.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from typing import Any

import marshmallow as ma
import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import given
from hypothesis import strategies as st
from werkzeug.exceptions import BadRequest

from relay_service import create_app
from relay_service.api.blueprint import Blueprint
from relay_service.api.json_body import _UNSURE
from relay_service.api.json_body import MAX_JSON_DEPTH
from relay_service.api.json_body import _read_fast
from relay_service.api.json_body import parse_json
from relay_service.settings import Settings

LIMIT = 1024


class ProbeSchema(ma.Schema):
    class Meta:
        unknown = ma.RAISE

    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1))
    count = ma.fields.Integer(required=True)
    tags = ma.fields.List(ma.fields.String())


def mount_probe(settings: Settings) -> Flask:
    """An app with a POST /probe endpoint that takes a ProbeSchema body."""
    app = create_app(settings)
    blueprint = Blueprint("probe", __name__)

    @blueprint.route("/probe", methods=["POST"])
    @blueprint.arguments(ProbeSchema)
    @blueprint.response(200, ProbeSchema)
    def probe(body: dict[str, Any]) -> dict[str, Any]:
        return body

    app.extensions["flask-smorest"]["apis"][""]["ext_obj"].register_blueprint(blueprint)
    return app


@pytest.fixture
def probe_app() -> Flask:
    return mount_probe(Settings(auth="none", max_content_length=LIMIT))


@pytest.fixture
def probe(probe_app: Flask, make_client: Callable[[Flask], FlaskClient]) -> FlaskClient:
    """A client of the probe app; its error answers are checked against the contract."""
    return make_client(probe_app)


def problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body: dict[str, Any] = response.get_json()
    assert body["status"] == status
    return body


def test_a_valid_body_is_loaded(probe_app: Flask) -> None:
    response = probe_app.test_client().post("/probe", json={"name": "a", "count": 1})
    assert response.status_code == 200
    assert response.get_json() == {"name": "a", "count": 1}


def test_every_invalid_field_is_listed_at_once(probe: FlaskClient) -> None:
    body = problem(probe.post("/probe", json={"name": "", "count": "x", "extra": 1}), 422)
    assert body["detail"] == "3 fields are invalid; see errors."
    assert {(e["location"], e["pointer"]) for e in body["errors"]} == {
        ("body", "/name"),
        ("body", "/count"),
        ("body", "/extra"),
    }


def test_an_empty_json_body_lists_the_missing_fields(probe: FlaskClient) -> None:
    body = problem(probe.post("/probe", data=b"", content_type="application/json"), 422)
    assert {e["pointer"] for e in body["errors"]} == {"/name", "/count"}


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b'{"name": "a",', "not valid JSON: Expecting"),
        (b"{'name': 'a'}", "not valid JSON: Expecting property name"),
        (b'{"name": "a", "count": NaN}', "not valid JSON: NaN is not a JSON value"),
        (b'{"name": "a", "count": Infinity}', "not valid JSON: Infinity is not a JSON value"),
        (b'{"name": "a", "count": 1e400}', "not valid JSON: the number 1e400 is out of range"),
        (b'{"name": "a", "count": ' + b"9" * 5000 + b"}", "not valid JSON: Exceeds the limit"),
        (b"\xff\xfe", "not UTF-8: byte 0xff at offset 0"),
        ('{"name": "a"}'.encode("utf-16"), "not UTF-8: it has NUL bytes"),
        ('{"name": "a"}'.encode("utf-16-le"), "not UTF-8: it has NUL bytes"),
        ('{"name": "a"}'.encode("utf-32-be"), "not UTF-8: it has NUL bytes"),
        (b'{"name": "\xed\xa0\x80"}', "not UTF-8: byte 0xed at offset 10"),
        (b'\xef\xbb\xbf{"name": "a"}', "starts with a byte order mark"),
        (b'{"name": "\\ud800"}', "the string at /name has an unpaired surrogate"),
        (b'{"tags": ["\\udc00x"]}', "the string at /tags/0 has an unpaired surrogate"),
        (b'{"name": "a", "name": "b"}', 'the object at the top level has the member "name" twice'),
        (b'{"tags": [{"x": 1, "y": 2, "x": 3}]}', 'the object at /tags/0 has the member "x" twice'),
        # Parsing gives up, or the depth check refuses it, as the stack allows.
        (b"[" * 9_000 + b"]" * 9_000, "nest"),
        (
            b"[" * (MAX_JSON_DEPTH + 1) + b"]" * (MAX_JSON_DEPTH + 1),
            f"nests arrays and objects over {MAX_JSON_DEPTH} deep",
        ),
        (b"[" + b"{}," * 10_000 + b"{}]", "holds more than 10000 JSON values"),
    ],
    ids=[
        "truncated", "quotes", "nan", "infinity", "overflow", "digits", "invalid-utf-8",
        "utf-16", "utf-16-without-bom", "utf-32", "encoded-surrogate", "bom",
        "unpaired-high-surrogate", "unpaired-low-surrogate", "duplicate-name",
        "duplicate-name-inside", "deep", "depth", "values",
    ],
)  # fmt: skip
def test_a_body_that_is_not_strict_json_is_400(data: bytes, reason: str) -> None:
    # The default limits, and no contract client: the deep bodies would be slow to
    # echo in a failure message.
    client = mount_probe(Settings(auth="none")).test_client()
    response = client.post("/probe", data=data, content_type="application/json")
    assert reason in problem(response, 400)["detail"]


@pytest.mark.parametrize(
    "data",
    [
        b'{"name": "\\ud83d\\ude00", "count": 1}',
        b'{"name": "\\\\ud800", "count": 1}',
        '{"name": "\u00e9\U0001f600", "count": 1}'.encode(),
    ],
    ids=["surrogate-pair", "escaped-backslash", "utf-8"],
)
def test_a_strict_json_body_is_parsed(probe_app: Flask, data: bytes) -> None:
    response = probe_app.test_client().post("/probe", data=data, content_type="application/json")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["name"] == json.loads(data)["name"]


def test_a_body_nested_as_deep_as_the_limit_is_parsed(probe: FlaskClient) -> None:
    # The object is one level: tags may nest one less.
    nested = b"[" * (MAX_JSON_DEPTH - 1) + b"1" + b"]" * (MAX_JSON_DEPTH - 1)
    body = b'{"name": "a", "count": 1, "tags": ' + nested + b"}"
    response = probe.post("/probe", data=body, content_type="application/json")
    assert {e["pointer"] for e in problem(response, 422)["errors"]} == {"/tags/0"}


@pytest.mark.parametrize(("tags", "status"), [(["x"], 200), (["x", "y"], 400)])
def test_the_value_limit_is_exact(tags: list[str], status: int) -> None:
    # The object, its two members' values, the array and its items: 5 values with one tag.
    client = mount_probe(Settings(auth="none", max_json_values=5)).test_client()
    response = client.post("/probe", json={"name": "a", "count": 1, "tags": tags})
    assert response.status_code == status, response.get_data(as_text=True)
    if status == 400:
        assert problem(response, 400)["detail"] == "The request body holds more than 5 JSON values."


def test_commas_and_brackets_in_strings_are_no_values() -> None:
    client = mount_probe(Settings(auth="none", max_json_values=5)).test_client()
    tags = ['[{"a": 1}, [2, 3]],' * 10 + '\\"[,{']
    assert client.post("/probe", json={"name": "a", "count": 1, "tags": tags}).status_code == 200


def test_a_body_over_the_limit_is_413(probe: FlaskClient) -> None:
    data = b'{"name": "' + b"x" * LIMIT + b'", "count": 1}'
    body = problem(probe.post("/probe", data=data, content_type="application/json"), 413)
    assert (
        body["detail"] == f"The request body is larger than the {LIMIT} bytes this service accepts."
    )


def body_of(size: int) -> bytes:
    """A valid probe body of exactly ``size`` bytes."""
    body = b'{"name": "", "count": 1}'
    return body.replace(b'""', b'"' + b"x" * (size - len(body)) + b'"')


def send_chunked(client: FlaskClient, data: bytes) -> Any:
    # No Content-Length, and a server that ends the stream: as gunicorn hands over
    # a chunked body.
    return client.post(
        "/probe",
        input_stream=io.BytesIO(data),
        content_type="application/json",
        environ_overrides={"wsgi.input_terminated": True},
    )


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_body_of_exactly_the_limit_is_taken(probe_app: Flask, chunked: bool) -> None:
    data, client = body_of(LIMIT), probe_app.test_client()
    if chunked:
        response = send_chunked(client, data)
    else:
        response = client.post("/probe", data=data, content_type="application/json")
    assert response.status_code == 200, response.get_data(as_text=True)


@pytest.mark.parametrize(
    "data",
    [body_of(LIMIT + 1), b'{"name": "a", "count": 1}' + b" " * LIMIT],
    ids=["one-byte-over", "valid-prefix"],
)
def test_a_chunked_body_over_the_limit_is_413(probe: FlaskClient, data: bytes) -> None:
    problem(send_chunked(probe, data), 413)


@pytest.mark.parametrize(
    ("content_type", "sent"),
    [
        ("text/plain", "text/plain"),
        ("application/x-www-form-urlencoded", "application/x-www-form-urlencoded"),
        ("application/cloudevents+json", "application/cloudevents+json"),
        (None, "no Content-Type"),
    ],
)
def test_a_body_that_is_not_application_json_is_415(
    probe: FlaskClient, content_type: str | None, sent: str
) -> None:
    response = probe.post("/probe", data='{"name": "a", "count": 1}', content_type=content_type)
    assert sent in problem(response, 415)["detail"]


@pytest.mark.parametrize("coding", ["gzip", "br", "deflate"])
def test_a_compressed_body_is_415(probe: FlaskClient, coding: str) -> None:
    response = probe.post(
        "/probe",
        data=b"\x1f\x8b not really",
        content_type="application/json",
        headers={"Content-Encoding": coding},
    )
    assert f"Content-Encoding {coding}" in problem(response, 415)["detail"]


#: Any JSON value: integers of any size, floats, and strings with quotes, backslashes,
#: colons and escapes that bracket counting and member counting must see through.
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(alphabet=st.sampled_from('ab:,"\\[]{} \u00e9\U0001f600\x01')),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.text(alphabet=st.sampled_from('ab:"\\{'), max_size=3), children, max_size=4
        )
    ),
    max_leaves=20,
)


@given(JSON_VALUES)
def test_every_json_value_is_read_exactly_as_sent(value: Any) -> None:
    for text in (json.dumps(value), json.dumps(value, ensure_ascii=False, indent=1)):
        assert parse_json(text.encode(), max_values=10_000) == value


@pytest.mark.parametrize(
    "data",
    [b'{"n": 123456789012345678901234567890}', b'{"n": -18446744073709551617}', b"[1e-400]"],
    ids=["over-64-bits", "under-minus-64-bits", "underflow"],
)
def test_numbers_keep_the_value_sent(data: bytes) -> None:
    assert parse_json(data, max_values=100) == json.loads(data)


@pytest.mark.parametrize(
    ("data", "twice"),
    [
        (b'{"a:b": 1, "a": "x:y"}', None),
        (b'{"x": "a:b", "x": 1}', "x"),
        (b'{"k": {"\\"": 1, "\\"": 2}}', '"'),
    ],
    ids=["colons-in-strings", "colon-in-a-value", "escaped-quote-names"],
)
def test_a_member_name_sent_twice_is_found_whatever_the_strings_hold(
    data: bytes, twice: str | None
) -> None:
    if twice is None:
        assert parse_json(data, max_values=100) == json.loads(data)
    else:
        with pytest.raises(BadRequest, match=re.escape(f"the member {json.dumps(twice)} twice")):
            parse_json(data, max_values=100)


def test_an_ordinary_body_is_read_by_orjson_alone() -> None:
    # The strict reading is for what orjson cannot tell; an event never needs it.
    event = {"id": "evt-1", "type": "order.created", "occurred_at": "2026-01-01T12:00:00Z",
             "source": "shop", "data": {"lines": [{"sku": "A-1", "qty": 2}], "note": None}}  # fmt: skip
    assert _read_fast(json.dumps(event)) is not _UNSURE
