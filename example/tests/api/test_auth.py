# Managed by relaykit: "copier update" merges the template's changes into this file.
"""Inbound authentication, in each mode RELAY_AUTH can pick: who gets in, what the others
get back, what the contract says and what the logs show."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask import Response
from flask import request

from relay_service import create_app
from relay_service.about import API_PREFIX
from relay_service.about import SERVICE_ROUTES_PREFIX
from relay_service.api.auth import SCHEME_NAMES
from relay_service.api.auth import sign
from relay_service.observability.logs import LOG_FIELDS
from relay_service.settings import AuthKey
from relay_service.settings import Settings
from relay_service.worker import WorkerProcess

EVENT = {
    "id": "evt-auth-1",
    "type": "order.created",
    "source": "shop",
    "occurred_at": "2026-01-01T12:00:00Z",
    "data": {"order_id": 7},
}

#: The operation the tests call.
EVENTS = f"{API_PREFIX}/events"

#: Two keys at once, as while one is rotated out.
OLD = AuthKey("old", "old-key-3b8d0c5e7f1a")
NEW = AuthKey("new", "new-key-9e4f2a6c1d7b")

CHALLENGES = {
    "api_key": 'ApiKey realm="api", header="X-API-Key"',
    "bearer": 'Bearer realm="api"',
    "hmac": 'HMAC realm="api", header="X-Signature"',
}


def own_credentials(mode: str, key: AuthKey, body: bytes) -> dict[str, str]:
    if mode == "bearer":
        return {"Authorization": f"Bearer {key.secret}"}
    if mode == "hmac":
        return {"X-Signature": sign(key.secret, "POST", EVENTS, body, int(time.time()))}
    return {"X-API-Key": key.secret}


@pytest.fixture(params=["api_key", "bearer", "hmac"])
def mode(request: pytest.FixtureRequest) -> str:
    value: str = request.param
    return value


@pytest.fixture
def guarded(mode: str, make_settings: Callable[..., Settings]) -> Flask:
    return create_app(make_settings(auth=mode, auth_keys=(OLD, NEW)))


def post_event(client: Any, headers: dict[str, str], body: bytes | None = None) -> Any:
    return client.post(
        EVENTS,
        data=json.dumps(EVENT).encode() if body is None else body,
        headers={"Content-Type": "application/json", **headers},
        anonymous=True,
    )


def test_without_credentials_the_api_answers_401_and_the_worker_gets_nothing(
    guarded: Flask, mode: str, make_client: Callable[..., Any], worker: WorkerProcess
) -> None:
    response = post_event(make_client(guarded, served=True), {})
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert response.headers["WWW-Authenticate"] == CHALLENGES[mode]
    problem = response.get_json()
    assert problem["status"] == 401
    assert problem["request_id"] == response.headers["X-Request-ID"]
    assert worker.call("GET", "/records")["processed"] == 0


@pytest.mark.parametrize("key", [OLD, NEW], ids=["old", "new"])
def test_each_key_of_a_rotation_is_let_in(
    guarded: Flask, mode: str, key: AuthKey, make_client: Callable[..., Any]
) -> None:
    body = json.dumps(EVENT).encode()
    response = post_event(make_client(guarded, served=True), own_credentials(mode, key, body), body)
    assert response.status_code == 202, response.get_json()


def test_a_wrong_key_is_401(
    guarded: Flask, mode: str, make_client: Callable[..., Any], worker: WorkerProcess
) -> None:
    stranger = AuthKey("stranger", "not-a-key-of-this-service")
    body = json.dumps(EVENT).encode()
    response = post_event(
        make_client(guarded, served=True), own_credentials(mode, stranger, body), body
    )
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == CHALLENGES[mode]
    assert worker.call("GET", "/records")["processed"] == 0


@pytest.mark.parametrize(
    "path",
    [
        f"{SERVICE_ROUTES_PREFIX}/livez",
        f"{SERVICE_ROUTES_PREFIX}/openapi.json",
        f"{SERVICE_ROUTES_PREFIX}/docs",
        f"{SERVICE_ROUTES_PREFIX}/redoc",
    ],
)
def test_health_checks_and_docs_need_no_key(
    guarded: Flask, make_client: Callable[..., Any], path: str
) -> None:
    assert make_client(guarded, served=True).get(path, anonymous=True).status_code == 200


@pytest.mark.parametrize(
    "signature",
    [
        "",
        "v1=00",
        "t=notanumber,v1=00",
        "t=1,t=2,v1=00",
        "t=1700000000",
    ],
    ids=["empty", "no-timestamp", "bad-timestamp", "two-timestamps", "no-signature"],
)
def test_a_malformed_signature_is_401(
    make_settings: Callable[..., Settings], make_client: Callable[..., Any], signature: str
) -> None:
    client = make_client(create_app(make_settings(auth="hmac", auth_keys=(OLD,))), served=True)
    response = post_event(client, {"X-Signature": signature})
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"


def test_a_signature_of_another_body_is_401(
    make_settings: Callable[..., Settings], make_client: Callable[..., Any]
) -> None:
    client = make_client(create_app(make_settings(auth="hmac", auth_keys=(OLD,))), served=True)
    signed = json.dumps(EVENT).encode()
    tampered = json.dumps({**EVENT, "id": "evt-auth-2"}).encode()
    response = post_event(client, own_credentials("hmac", OLD, signed), tampered)
    assert response.status_code == 401
    assert "does not match" in response.get_json()["detail"]


@pytest.mark.parametrize("age", [-1000, 1000], ids=["future", "past"])
def test_a_signature_outside_the_replay_window_is_401(
    make_settings: Callable[..., Settings], make_client: Callable[..., Any], age: int
) -> None:
    settings = make_settings(auth="hmac", auth_keys=(OLD,), auth_signature_tolerance=300.0)
    client = make_client(create_app(settings), served=True)
    body = json.dumps(EVENT).encode()
    signature = sign(OLD.secret, "POST", EVENTS, body, int(time.time()) - age)
    response = post_event(client, {"X-Signature": signature}, body)
    assert response.status_code == 401
    assert "300 seconds" in response.get_json()["detail"]


def test_a_sender_may_sign_with_several_secrets_while_rotating(
    make_settings: Callable[..., Settings], make_client: Callable[..., Any]
) -> None:
    client = make_client(create_app(make_settings(auth="hmac", auth_keys=(NEW,))), served=True)
    body = json.dumps(EVENT).encode()
    now = int(time.time())
    old_signature = sign(OLD.secret, "POST", EVENTS, body, now).partition(",")[2]
    new_signature = sign(NEW.secret, "POST", EVENTS, body, now).partition(",")[2]
    response = post_event(client, {"X-Signature": f"t={now},{old_signature},{new_signature}"}, body)
    assert response.status_code == 202


def test_the_logs_name_the_key_by_its_id_and_never_show_a_key(
    capsys: pytest.CaptureFixture[str],
    mode: str,
    make_settings: Callable[..., Settings],
    make_client: Callable[..., Any],
) -> None:
    # The app is made once stdout is captured: its log handler writes to the stdout of then.
    app = create_app(make_settings(auth=mode, auth_keys=(OLD, NEW)))
    # What the app adds to each request's access line (written by server_logs.py).
    access_fields: list[dict[str, Any]] = []

    @app.after_request
    def keep_access_fields(response: Response) -> Response:
        if request.path == EVENTS:
            access_fields.append(dict(request.environ.get(LOG_FIELDS, {})))
        return response

    client = make_client(app, served=True)
    body = json.dumps(EVENT).encode()
    assert post_event(client, own_credentials(mode, NEW, body), body).status_code == 202
    stranger = AuthKey("x", "a-wrong-key-5a5a5a5a")
    assert post_event(client, own_credentials(mode, stranger, body), body).status_code == 401
    assert [fields.get("key_id") for fields in access_fields] == ["new", None]
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.strip()]
    assert [line["message"] for line in lines] == ["authentication failed"]
    everything = json.dumps([lines, access_fields])
    for secret in (OLD.secret, NEW.secret, "a-wrong-key-5a5a5a5a"):
        assert secret not in everything


def test_settings_never_show_a_key() -> None:
    settings = Settings(auth_keys=(NEW,), worker_token="worker-token-1234")
    assert NEW.secret not in repr(settings)
    assert "worker-token-1234" not in repr(settings)


def test_keys_may_come_from_a_file_such_as_a_secret(
    tmp_path: Path, make_client: Callable[..., Any], worker: WorkerProcess
) -> None:
    secret = tmp_path / "api-keys"
    secret.write_text(f"# rotated monthly\n{OLD.id}:{OLD.secret}\n\n{NEW.id}:{NEW.secret}\n")
    settings = Settings.from_env(
        {
            "RELAY_AUTH": "api_key",
            "RELAY_AUTH_KEYS_FILE": str(secret),
            "RELAY_WORKER_URL": worker.url,
            "RELAY_WORKER_TOKEN": worker.token,
        }
    )
    assert [key.id for key in settings.keys] == ["old", "new"]
    client = make_client(create_app(settings), served=True)
    body = json.dumps(EVENT).encode()
    assert post_event(client, own_credentials("api_key", NEW, body), body).status_code == 202


def test_the_contract_describes_the_mode_in_use(
    guarded: Flask, mode: str, make_client: Callable[..., Any]
) -> None:
    document = (
        make_client(guarded, served=True).get(f"{SERVICE_ROUTES_PREFIX}/openapi.json").get_json()
    )
    name = SCHEME_NAMES[mode]
    scheme = document["components"]["securitySchemes"][name]
    assert document["security"] == [{name: []}]
    if mode == "bearer":
        assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    else:
        expected = "X-API-Key" if mode == "api_key" else "X-Signature"
        assert (scheme["type"], scheme["in"], scheme["name"]) == ("apiKey", "header", expected)
    events = document["paths"][f"{API_PREFIX}/events"]["post"]
    assert events["responses"]["401"] == {"$ref": "#/components/responses/Unauthorized"}
    livez = document["paths"][f"{SERVICE_ROUTES_PREFIX}/livez"]["get"]
    assert livez["security"] == []
    assert "401" not in livez["responses"]


def test_without_authentication_the_contract_has_no_security(
    make_settings: Callable[..., Settings], make_client: Callable[..., Any]
) -> None:
    client = make_client(create_app(make_settings(auth="none")), served=True)
    document = client.get(f"{SERVICE_ROUTES_PREFIX}/openapi.json").get_json()
    assert "security" not in document
    schemes = document["components"].get("securitySchemes", {})  # an imported API's stay
    assert not set(schemes) & set(SCHEME_NAMES.values())
    assert post_event(client, {}).status_code == 202


def test_a_signed_request_may_not_name_itself_with_an_unsigned_key(
    make_settings: Callable[..., Settings], make_client: Callable[..., Any], worker: WorkerProcess
) -> None:
    client = make_client(create_app(make_settings(auth="hmac", auth_keys=(OLD,))), served=True)
    body = json.dumps(EVENT).encode()
    headers = {**own_credentials("hmac", OLD, body), "Idempotency-Key": "replayed-1"}
    response = post_event(client, headers, body)
    assert response.status_code == 400
    assert "Idempotency-Key" in response.get_json()["detail"]
    assert worker.call("GET", "/records")["processed"] == 0


@pytest.mark.parametrize(
    ("method", "target"),
    [("PUT", EVENTS), ("POST", f"{EVENTS}:batch"), ("POST", f"{EVENTS}?again=1")],
    ids=["another-method", "another-path", "another-query"],
)
def test_a_signature_is_good_for_its_own_request_only(
    make_settings: Callable[..., Settings],
    make_client: Callable[..., Any],
    method: str,
    target: str,
) -> None:
    client = make_client(create_app(make_settings(auth="hmac", auth_keys=(OLD,))), served=True)
    body = json.dumps(EVENT).encode()
    signature = sign(OLD.secret, method, target, body, int(time.time()))
    response = post_event(client, {"X-Signature": signature}, body)
    assert response.status_code == 401
    assert "does not match" in response.get_json()["detail"]


def test_a_timestamp_of_too_many_digits_is_401_not_an_error(
    make_settings: Callable[..., Settings], make_client: Callable[..., Any]
) -> None:
    client = make_client(create_app(make_settings(auth="hmac", auth_keys=(OLD,))), served=True)
    response = post_event(client, {"X-Signature": f"t={'9' * 400},v1=00"})
    assert response.status_code == 401
