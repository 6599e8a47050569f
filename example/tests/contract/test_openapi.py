# Managed by relaykit: "copier update" merges the template's changes into this file.
"""The committed openapi.json is the contract: the code must agree with it."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
import pytest
from flask import Flask
from openapi_spec_validator import validate

from relay_service import create_app
from relay_service.about import OPENAPI_VERSION
from relay_service.about import TITLE
from relay_service.api.blueprint import Blueprint
from relay_service.api.intake import EachItem
from relay_service.settings import BATCH_MAX_ITEMS_LIMIT
from relay_service.settings import Settings

HTTP_METHODS = ("get", "put", "post", "delete", "patch")


def app_spec(app: Flask) -> dict[str, Any]:
    spec: dict[str, Any] = app.extensions["flask-smorest"]["apis"][""]["ext_obj"].spec.to_dict()
    return spec


def operations(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every operation of a contract, by "METHOD /path"."""
    return {
        f"{method.upper()} {path}": operation
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    }


def test_code_agrees_with_the_committed_contract(app: Flask, contract: Any) -> None:
    assert app_spec(app) == contract.document, (
        "the code's OpenAPI document differs from openapi.json: "
        "run `make openapi` and review the diff"
    )


def test_contract_is_a_valid_openapi_document(contract: Any) -> None:
    validate(contract.document)
    assert contract.document["openapi"] == OPENAPI_VERSION
    assert contract.document["info"]["title"] == TITLE


def test_every_operation_has_a_unique_operation_id(contract: Any) -> None:
    ids = [operation["operationId"] for operation in operations(contract.document).values()]
    assert len(ids) == len(set(ids)) > 0


def test_every_operation_documents_its_errors(contract: Any) -> None:
    for name, operation in operations(contract.document).items():
        statuses = set(operation["responses"])
        assert "500" in statuses, name
        if "requestBody" in operation:
            assert {"400", "413", "415", "422"} <= statuses, name


def test_every_error_response_is_problem_json(contract: Any) -> None:
    for name, response in contract.document["components"]["responses"].items():
        assert list(response["content"]) == ["application/problem+json"], name


class ProbeBatchSchema(ma.Schema):
    items = EachItem(ma.fields.Dict(), validate=ma.validate.Length(max=BATCH_MAX_ITEMS_LIMIT))


@pytest.mark.parametrize("limit", [1, 7, Settings().batch_max_items, BATCH_MAX_ITEMS_LIMIT])
def test_a_batch_documents_the_limit_the_service_enforces(limit: int) -> None:
    # The contract served follows RELAY_BATCH_MAX_ITEMS; the committed one is written
    # with the default (test_code_agrees_with_the_committed_contract).
    app = create_app(Settings(batch_max_items=limit))
    blueprint = Blueprint("batch_probe", __name__)

    @blueprint.route("/batch-probe", methods=["POST"])
    @blueprint.arguments(ProbeBatchSchema)
    @blueprint.response(204)
    def probe(batch: dict[str, Any]) -> None:
        return None

    app.extensions["flask-smorest"]["apis"][""]["ext_obj"].register_blueprint(blueprint)
    documented = app_spec(app)["components"]["schemas"]["ProbeBatch"]["properties"]["items"]
    assert documented["maxItems"] == limit
