# Managed by relaykit: "copier update" merges the template's changes into this file.
"""Every error is problem+json: no HTML page and no traceback ever reach a client."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from werkzeug.exceptions import ServiceUnavailable

from relay_service import create_app
from relay_service.about import SERVICE_ROUTES_PREFIX
from relay_service.settings import Settings


def test_unknown_path_is_a_404_problem(client: Any) -> None:
    response = client.get("/no/such/thing")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["title"] == "Not Found"
    assert body["instance"] == "/no/such/thing"
    assert "/no/such/thing" in body["detail"]


@pytest.mark.parametrize(
    ("path", "instance"),
    [("/café", "/caf%C3%A9"), ('/a"b\\c', "/a%22b%5Cc"), ("/x y", "/x%20y")],
)
def test_problem_instance_is_a_uri_reference(client: Any, path: str, instance: str) -> None:
    assert client.get(path).get_json()["instance"] == instance


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("POST", f"{SERVICE_ROUTES_PREFIX}/livez", {"GET", "HEAD", "OPTIONS"}),
        ("DELETE", f"{SERVICE_ROUTES_PREFIX}/readyz", {"GET", "HEAD", "OPTIONS"}),
        ("PATCH", f"{SERVICE_ROUTES_PREFIX}/openapi.json", {"GET", "HEAD", "OPTIONS"}),
    ],
)
def test_wrong_method_is_a_405_problem_with_allow(
    client: Any, method: str, path: str, allowed: set[str]
) -> None:
    response = client.open(path, method=method)
    assert response.status_code == 405
    assert response.mimetype == "application/problem+json"
    assert response.headers["Allow"] == ", ".join(sorted(allowed))
    assert response.get_json()["detail"] == (
        f"{method} is not allowed on {path}; allowed: {', '.join(sorted(allowed))}."
    )


def test_a_failure_is_a_500_problem_that_reveals_nothing(
    capsys: pytest.CaptureFixture[str], make_client: Callable[..., Any]
) -> None:
    app = create_app(Settings())

    @app.get("/explode")
    def explode() -> str:
        raise RuntimeError("secret database password in a message")

    response = make_client(app).get("/explode", headers={"X-Request-ID": "req-500"})
    assert response.status_code == 500
    assert response.mimetype == "application/problem+json"
    text = response.get_data(as_text=True)
    assert "secret" not in text
    assert "Traceback" not in text
    assert "RuntimeError" not in text
    assert response.get_json()["request_id"] == "req-500"
    logged = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["request_id"] for line in logged] == ["req-500"]
    assert "RuntimeError: secret database password" in logged[0]["exc_info"]


def test_a_5xx_raised_on_purpose_keeps_its_status(make_client: Callable[..., Any]) -> None:
    app = create_app(Settings())

    @app.get("/busy")
    def busy() -> str:
        raise ServiceUnavailable("Come back later.", retry_after=30)

    response = make_client(app).get("/busy")
    assert response.status_code == 503
    assert response.mimetype == "application/problem+json"
    assert response.headers["Retry-After"] == "30"
    assert response.get_json()["detail"] == "Come back later."
