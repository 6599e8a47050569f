"""``relaykit add-endpoint``: an endpoint scaffolded into a real service is routed,
validated and documented, passes the service's own checks, and is wired in through
the registry relaykit owns, with no line anyone wrote edited."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from relaykit.cli import main
from relaykit.install import installed
from relaykit.render import render

from ..conftest import commit_render
from .test_spec_import import assert_passes_its_own_checks
from .test_spec_import import changed_files

pytestmark = pytest.mark.renders


def test_endpoints_are_scaffolded_wired_in_and_pass_the_services_checks(tmp_path: Path) -> None:
    service = render(tmp_path / "service", {"api_version_prefix": "/api/v2"})
    commit_render(service, "scaffold")
    with installed(service):
        for arguments in (
            ["orders", "--path", "/orders"],
            ["order", "--method", "get", "--path", "/orders/{order_id}"],
            ["order_lines", "--method", "PUT", "--path", "/orders/{order_id}/lines"],
        ):
            assert main(["add-endpoint", *arguments, "--project", str(service)]) == 0
        paths = json.loads((service / "openapi.json").read_text(encoding="utf-8"))["paths"]
        assert set(paths["/api/v2/orders"]) == {"post"}
        assert set(paths["/api/v2/orders/{order_id}"]) == {"get", "parameters"}
        assert set(paths["/api/v2/orders/{order_id}/lines"]) == {"put", "parameters"}
        assert "422" in paths["/api/v2/orders"]["post"]["responses"]  # the body is validated
        assert_passes_its_own_checks(service)
    modified, new = changed_files(service)
    assert modified == {"openapi.json", "src/relay_service/api/registry.py"}
    assert new == {
        f"{folder}/{name}"
        for endpoint in ("orders", "order", "order_lines")
        for folder, name in (
            (f"src/relay_service/api/{endpoint}", "__init__.py"),
            (f"src/relay_service/api/{endpoint}", "schemas.py"),
            (f"src/relay_service/api/{endpoint}", "views.py"),
            (f"tests/{endpoint}", f"test_{endpoint}.py"),
        )
    }


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["events", "--path", "/x"], "the endpoint name 'events' is the service's own: choose another"),
        (["Orders", "--path", "/x"], "the endpoint name 'Orders' is not a lowercase Python identifier, e.g. 'orders'"),
        (["orders", "--path", "orders"], "the path 'orders' is not segments like /orders or /orders/{order_id} (letters, digits and . _ ~ -, or a {lowercase_name} variable)"),
        (["orders", "--path", "/events", "--method", "post"], "POST /v1/events is served already"),
    ],
)  # fmt: skip
def test_a_bad_endpoint_is_refused_in_one_line_and_nothing_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], arguments: list[str], message: str
) -> None:
    service = render(tmp_path / "service", {})
    commit_render(service, "scaffold")
    assert main(["add-endpoint", *arguments, "--project", str(service)]) == 1
    assert capsys.readouterr().err == f"relaykit: error: {message}\n"
    assert changed_files(service) == (set(), set())
