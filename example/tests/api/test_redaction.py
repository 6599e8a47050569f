# Managed by relaykit: "copier update" merges the template's changes into this file.
"""Redaction through the whole flow: however a client spells a redacted key, its value
never reaches the worker.

Events go through a probe endpoint of these tests' own (all the built-in steps, in the
events pipeline's order) and the intake flow, to the reference worker on loopback,
which records every body it is sent.
"""

from __future__ import annotations

import io
import itertools
import threading
from collections.abc import Iterable
from collections.abc import Iterator
from typing import Any

import marshmallow as ma
import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from werkzeug.serving import make_server

from relay_service import create_app
from relay_service.api import intake
from relay_service.api.blueprint import Blueprint
from relay_service.pipeline import Pipeline
from relay_service.pipeline.builtin import drop_nulls
from relay_service.pipeline.builtin import normalise_keys
from relay_service.pipeline.builtin import stamp_request
from relay_service.pipeline.builtin import trim_strings
from relay_service.pipeline.redaction import REDACTED
from relay_service.pipeline.redaction import redact_fields
from relay_service.settings import Settings
from relay_service.worker.app import create_worker_app

#: What the probe's pipeline redacts.
REDACT = ("data.password", "data.cards.*.number")


class Recorder:
    """WSGI middleware: keeps every request body before the worker reads it."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.bodies: list[bytes] = []

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        self.bodies.append(body)
        environ["wsgi.input"] = io.BytesIO(body)
        result: Iterable[bytes] = self.app(environ, start_response)
        return result


@pytest.fixture(scope="module")
def recorder() -> Iterator[tuple[Recorder, str]]:
    """The reference worker on a free loopback port, recording what it is sent.

    One thread serves it, one request at a time: no thread is left behind per request.
    """
    recording = Recorder(create_worker_app())
    server = make_server("127.0.0.1", 0, recording)
    serving = threading.Thread(target=server.serve_forever)
    serving.start()
    try:
        yield recording, f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        serving.join(timeout=30)
        server.server_close()


class ProbeEventSchema(ma.Schema):
    class Meta:
        unknown = ma.RAISE

    id = ma.fields.String(required=True)
    source = ma.fields.String(required=True)
    data = ma.fields.Dict(keys=ma.fields.String(), required=True)


def build_pipeline(settings: Settings) -> Pipeline:
    return Pipeline.declare(
        redact_fields(REDACT), trim_strings, normalise_keys, drop_nulls, stamp_request
    )


@pytest.fixture(scope="module")
def client(recorder: tuple[Recorder, str]) -> FlaskClient:
    """A client of an app with a POST /redaction-probe endpoint, handing off to the recorder."""
    app: Flask = create_app(Settings(auth="none", worker_url=recorder[1], handoff_backoff=0.001))
    blueprint = Blueprint("redaction_probe", __name__)
    intake.install_pipeline(blueprint, "redaction_probe", build_pipeline)

    @blueprint.route("/redaction-probe", methods=["POST"])
    @blueprint.arguments(ProbeEventSchema)
    @blueprint.response(202, intake.AcceptedReceiptSchema)
    def probe(event: dict[str, Any]) -> Any:
        return intake.accept_one("redaction_probe", event)

    app.extensions["flask-smorest"]["apis"][""]["ext_obj"].register_blueprint(blueprint)
    return app.test_client()


#: Characters that separate words, or show nothing at all.
SEPARATORS = [*"-_ .:/", "\u200b", "\u200c", "\u200d", "\u2060", "\u00ad", "\ufeff"]


def forms_of(char: str) -> list[str]:
    """Ways to write one ASCII letter: its cases, fullwidth, circled, mathematical bold,
    and with an accent."""
    offset = ord(char) - ord("a")
    return [
        char,
        char.upper(),
        chr(0xFF41 + offset),  # fullwidth
        chr(0xFF21 + offset),
        chr(0x24D0 + offset),  # circled
        chr(0x1D41A + offset),  # mathematical bold
        char + "\u0301",  # combining acute accent
    ]


def spellings(key: str) -> st.SearchStrategy[str]:
    """Spellings of ``key`` that redaction must take for it."""
    letters = [st.sampled_from(forms_of(char)) for char in key]
    gaps = [st.text(st.sampled_from(SEPARATORS), max_size=2) for _ in key]
    parts = [part for pair in zip(gaps, letters, strict=True) for part in pair]
    return st.tuples(*parts, st.text(st.sampled_from(SEPARATORS), max_size=2)).map("".join)


IDS = itertools.count()


def sent(client: FlaskClient, recorder: Recorder, data: dict[str, Any]) -> bytes:
    """Send an event with ``data``; what the worker received."""
    before = len(recorder.bodies)
    event = {"id": f"evt-{next(IDS)}", "source": "redaction-test", "data": data}
    response = client.post("/redaction-probe", json=event)
    assert response.status_code == 202, response.get_data(as_text=True)
    [received] = recorder.bodies[before:]
    return received


@hypothesis_settings(max_examples=150, deadline=None)
@given(key=spellings("password"), secret=st.text("0123456789abcdef", min_size=12, max_size=12))
def test_a_redacted_key_however_spelled_never_reaches_the_worker(
    client: FlaskClient, recorder: tuple[Recorder, str], key: str, secret: str
) -> None:
    received = sent(client, recorder[0], {key: f"secret-{secret}", "note": "kept"})
    assert secret.encode() not in received
    assert REDACTED.encode() in received
    assert b"kept" in received  # the rest of the event did reach the worker


@hypothesis_settings(max_examples=50, deadline=None)
@given(cards=spellings("cards"), number=spellings("number"))
def test_a_wildcard_path_matches_however_each_key_is_spelled(
    client: FlaskClient, recorder: tuple[Recorder, str], cards: str, number: str
) -> None:
    data = {cards: [{number: "4111111111111111"}, {number: "5500000000000004", "x": 1}]}
    received = sent(client, recorder[0], data)
    assert b"4111111111111111" not in received
    assert b"5500000000000004" not in received
