# Managed by relaykit: "copier update" merges the template's changes into this file.
"""Request bodies are strict JSON: 400, 413, 415 and 422 all say exactly what is wrong.

These tests mount a probe endpoint of their own, so they hold whatever your
resources look like.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import marshmallow as ma
import pytest
from flask import Flask
from flask.testing import FlaskClient

from relay_service import create_app
from relay_service.api.blueprint import MAX_JSON_DEPTH
from relay_service.api.blueprint import Blueprint
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
    "data",
    [
        b'{"name": "a",',
        b"{'name': 'a'}",
        b"\xff\xfe",
        b'{"name": "a", "count": NaN}',
        b'{"name": "a", "count": Infinity}',
        b'{"name": "a", "count": 1e400}',
        b'{"name": "a", "count": ' + b"9" * 5000 + b"}",
        b"[" * 100_000,
        b"[" * (MAX_JSON_DEPTH + 1) + b"]" * (MAX_JSON_DEPTH + 1),
    ],
    ids=["truncated", "quotes", "utf-8", "nan", "infinity", "overflow", "digits", "deep", "depth"],
)
def test_a_body_that_is_not_strict_json_is_400(data: bytes) -> None:
    # The default size limit, and no contract client: the deep bodies would be
    # slow to echo in a failure message.
    client = mount_probe(Settings(auth="none")).test_client()
    response = client.post("/probe", data=data, content_type="application/json")
    body = problem(response, 400)
    assert body["detail"].startswith(
        ("The request body is not valid JSON", "The request body nests")
    )


def test_a_body_within_the_depth_limit_is_parsed(probe: FlaskClient) -> None:
    nested = b"[" * (MAX_JSON_DEPTH - 1) + b"]" * (MAX_JSON_DEPTH - 1)
    body = b'{"name": "a", "count": 1, "tags": ' + nested + b"}"
    response = probe.post("/probe", data=body, content_type="application/json")
    assert {e["pointer"] for e in problem(response, 422)["errors"]} == {"/tags/0"}


def test_a_body_over_the_limit_is_413(probe: FlaskClient) -> None:
    data = b'{"name": "' + b"x" * LIMIT + b'", "count": 1}'
    body = problem(probe.post("/probe", data=data, content_type="application/json"), 413)
    assert (
        body["detail"] == f"The request body is larger than the {LIMIT} bytes this service accepts."
    )


@pytest.mark.parametrize(
    "data",
    [b'{"name": "' + b"x" * LIMIT + b'", "count": 1}', b'{"name": "a", "count": 1}' + b" " * LIMIT],
    ids=["cut-off", "valid-prefix"],
)
def test_a_chunked_body_over_the_limit_is_413(probe: FlaskClient, data: bytes) -> None:
    # Chunked: no Content-Length, so only reading tells the size.
    response = probe.post(
        "/probe",
        input_stream=io.BytesIO(data),
        content_type="application/json",
        environ_overrides={"wsgi.input_terminated": True},
    )
    problem(response, 413)


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
