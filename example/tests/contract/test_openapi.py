# Managed by the relaykit template; "copier update" replaces this file.
"""The committed openapi.json is the contract: the code must agree with it."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from openapi_spec_validator import validate

from relay_service.about import OPENAPI_VERSION
from relay_service.about import TITLE

from ..conftest import load_contract

HTTP_METHODS = ("get", "put", "post", "delete", "patch")


def app_spec(app: Flask) -> dict[str, Any]:
    spec: dict[str, Any] = app.extensions["flask-smorest"]["apis"][""]["ext_obj"].spec.to_dict()
    return spec


def operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    ]


def test_code_agrees_with_the_committed_contract(app: Flask) -> None:
    assert app_spec(app) == load_contract(), (
        "the code's OpenAPI document differs from openapi.json: "
        "run `make openapi` and review the diff"
    )


def test_contract_is_a_valid_openapi_document() -> None:
    contract = load_contract()
    validate(contract)
    assert contract["openapi"] == OPENAPI_VERSION
    assert contract["info"]["title"] == TITLE


def test_every_operation_has_a_unique_operation_id() -> None:
    ids = [operation["operationId"] for _, _, operation in operations(load_contract())]
    assert len(ids) == len(set(ids)) > 0


@pytest.mark.parametrize(
    ("path", "method", "operation"),
    operations(load_contract()),
    ids=[f"{m.upper()} {p}" for p, m, _ in operations(load_contract())],
)
def test_every_operation_documents_its_errors(
    path: str, method: str, operation: dict[str, Any]
) -> None:
    statuses = set(operation["responses"])
    assert "500" in statuses
    if "requestBody" in operation:
        assert {"400", "413", "415", "422"} <= statuses


def test_every_error_response_is_problem_json() -> None:
    contract = load_contract()
    for name, response in contract["components"]["responses"].items():
        assert list(response["content"]) == ["application/problem+json"], name
