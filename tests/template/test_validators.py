"""Every validator refuses a bad answer with a message that names the value and the fix."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from relaykit.render import render

BAD_ANSWERS: list[tuple[dict[str, Any], str]] = [
    ({"project_name": "  "}, "project_name must not be empty"),
    ({"project_name": " Padded"}, "project_name ' Padded' must not start or end with spaces"),
    ({"project_name": "x" * 81}, "project_name is 81 characters long: at most 80"),
    ({"project_slug": "Relay-Service"}, "project_slug 'Relay-Service' is not lowercase-hyphenated"),
    ({"project_slug": "relay_service"}, "project_slug 'relay_service' is not lowercase-hyphenated"),
    (
        {"project_slug": "relay--service"},
        "project_slug 'relay--service' is not lowercase-hyphenated",
    ),
    ({"project_slug": "1relay"}, "project_slug '1relay' is not lowercase-hyphenated"),
    (
        {"package_name": "relay-service"},
        "package_name 'relay-service' is not a valid Python identifier",
    ),
    ({"package_name": "9lives"}, "package_name '9lives' is not a valid Python identifier"),
    ({"package_name": "Relay"}, "package_name 'Relay' is not a valid Python identifier"),
    ({"package_name": "import"}, "package_name 'import' is a Python keyword"),
    ({"package_name": "async"}, "package_name 'async' is a Python keyword"),
    ({"package_name": "json"}, "package_name 'json' shadows the standard library module 'json'"),
    ({"package_name": "test"}, "package_name 'test' shadows the standard library module 'test'"),
    ({"package_name": "logging"}, "package_name 'logging' shadows the standard library"),
    ({"package_name": "flask"}, "package_name 'flask' shadows the dependency 'flask'"),
    ({"package_name": "requests"}, "package_name 'requests' shadows the dependency 'requests'"),
    ({"package_name": "marshmallow"}, "package_name 'marshmallow' shadows the dependency"),
    ({"package_name": "a" * 41}, "is 41 characters long: at most 40"),
    ({"package_name": "_thread"}, "package_name '_thread' is not a valid Python identifier"),
    ({"package_name": "jsonschema"}, "package_name 'jsonschema' shadows the dependency"),
    ({"package_name": "packaging"}, "package_name 'packaging' shadows the dependency"),
    ({"project_slug": "packaging"}, "project_slug 'packaging' is the name of a dependency's"),
    (
        {"project_slug": "flask-smorest"},
        "project_slug 'flask-smorest' is the name of a dependency's",
    ),
    ({"description": ""}, "description must not be empty"),
    ({"description": "two\nlines"}, "description must be a single line"),
    ({"author_name": ""}, "author_name must not be empty"),
    ({"author_email": "not-an-address"}, "author_email 'not-an-address' is not an e-mail address"),
    ({"author_email": "<x>@y.z"}, "author_email '<x>@y.z' is not an e-mail address"),
    ({"python_version": "3.10"}, "Invalid choice for 'python_version'"),
    ({"openapi_version": "2.0"}, "Invalid choice for 'openapi_version'"),
    ({"http_port": 80}, "http_port 80 is outside 1024-65535"),
    ({"http_port": 65536}, "http_port 65536 is outside 1024-65535"),
    ({"api_version_prefix": "v1"}, "api_version_prefix 'v1' must start with '/'"),
    ({"api_version_prefix": "/v1/"}, "api_version_prefix '/v1/' must be path segments"),
    ({"api_version_prefix": "/v 1"}, "api_version_prefix '/v 1' must be path segments"),
    (
        {"api_version_prefix": "/docs"},
        "api_version_prefix '/docs' collides with the service's own '/docs'",
    ),
    ({"api_version_prefix": "/livez/v1"}, "collides with the service's own '/livez' route"),
    ({"api_version_prefix": "/.."}, "api_version_prefix '/..' has a '.' or '..' segment"),
    (
        {"api_version_prefix": "/api/./v1"},
        "api_version_prefix '/api/./v1' has a '.' or '..' segment",
    ),
    ({"service_routes_prefix": "_service"}, "service_routes_prefix '_service' must be empty or"),
    ({"service_routes_prefix": "/ops/"}, "service_routes_prefix '/ops/' must be empty or"),
    ({"service_routes_prefix": "/ops/.."}, "service_routes_prefix '/ops/..' has a '.' or '..'"),
    ({"service_routes_prefix": "/v1"}, "service_routes_prefix '/v1' overlaps api_version_prefix"),
    (
        {"api_version_prefix": "/api/v2", "service_routes_prefix": "/api"},
        "service_routes_prefix '/api' overlaps api_version_prefix '/api/v2'",
    ),
]


@pytest.mark.parametrize(
    ("answers", "message"), BAD_ANSWERS, ids=[message[:40] for _, message in BAD_ANSWERS]
)
def test_a_bad_answer_is_refused_with_a_clear_message(
    tmp_path: Path, answers: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        render(tmp_path / "service", answers)
    assert not (tmp_path / "service").exists(), "nothing is left behind"


def test_a_derived_default_is_validated_too(tmp_path: Path) -> None:
    # --defaults derives package_name from the slug, and the validator still runs.
    with pytest.raises(ValueError, match=re.escape("package_name 'json' shadows")):
        render(tmp_path / "service", {"project_name": "JSON"})


@pytest.mark.parametrize(
    ("answers", "slug", "package"),
    [
        ({"project_name": "Billing Ingest"}, "billing-ingest", "billing_ingest"),
        ({"project_name": "  Café -- Relay 2 "[2:-1]}, "caf-relay-2", "caf_relay_2"),
        ({"project_name": "Orders", "project_slug": "orders-api"}, "orders-api", "orders_api"),
    ],
)
def test_slug_and_package_are_derived_from_the_name(
    tmp_path: Path, answers: dict[str, Any], slug: str, package: str
) -> None:
    service = render(tmp_path / "service", answers)
    assert (service / "src" / package / "__init__.py").is_file()
    assert f'name = "{slug}"' in (service / "pyproject.toml").read_text()
