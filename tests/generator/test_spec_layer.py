"""The imported layer, made without rendering anything: what is refused or left out,
with where, how the document's names meet the service's, and that the code compiles."""

from __future__ import annotations

from typing import Any

import pytest

from relaykit.source import template_path
from relaykit.spec import load_spec
from relaykit.spec.layer import imported_layer
from relaykit.spec.namespace import rename_components
from relaykit.spec.namespace import rename_security_schemes
from relaykit.spec.namespace import service_names

from .test_spec_schemas import SPECS

#: What a service rendered from the template owns, with the default answers.
NAMES = service_names(template_path() / "template/src/{{package_name}}/api", "/v1")

OK = {"200": {"description": "ok"}}


def document(paths: dict[str, Any], **components: Any) -> dict[str, Any]:
    found: dict[str, Any] = {"openapi": "3.1.0", "info": {"title": "t", "version": "1"}}
    return found | {"paths": paths, "components": {"schemas": components}}


def test_a_problem_in_an_inline_schema_under_paths_is_reported_with_its_location() -> None:
    # The loader refuses a dangling $ref before this; the layer still says where it is.
    body = {"type": "object", "properties": {"a": {"$ref": "#/components/schemas/Gone"}}}
    spec = document(
        {"/a": {"post": {"requestBody": {"content": {"application/json": {"schema": body}}}, "responses": OK}}}
    )  # fmt: skip
    layer = imported_layer(spec, "doc.yaml", NAMES)
    assert layer.problems == [
        "#/paths/~1a/post/requestBody/content/application~1json/schema/properties/a: "
        "$ref '#/components/schemas/Gone' is not a schema of this document's components"
    ]
    assert layer.generated == {}


def test_what_cannot_be_imported_is_left_out_when_asked_and_listed() -> None:
    spec = document(
        {
            "/a": {"get": {"operationId": "getA", "responses": OK}, "trace": {"responses": OK}},
            "/livez": {"get": {"responses": OK}},
        }
    )
    refused = imported_layer(spec, "doc.yaml", NAMES)
    assert [problem.split(":")[0] for problem in refused.problems] == [
        "#/paths/~1a/trace",
        "#/paths/~1livez/get",
    ]
    skipped = imported_layer(spec, "doc.yaml", NAMES, skip_unsupported=True)
    assert skipped.problems == []
    assert skipped.skipped == refused.problems
    assert [operation.operation_id for operation in skipped.operations] == ["getA"]
    assert "get_a" in skipped.generated["api/imported/a.py"]
    assert "livez" not in skipped.generated["api/imported/__init__.py"]


def test_an_operation_using_a_schema_that_cannot_be_imported_is_left_out_with_it() -> None:
    spec = document(
        {
            "/a": {"get": {"operationId": "getA", "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Bad"}}}}}}},
            "/b": {"get": {"operationId": "getB", "responses": OK}},
        },
        Bad={"type": "object", "properties": {"x": {"$ref": "#/components/schemas/Gone"}}},
    )  # fmt: skip
    layer = imported_layer(spec, "doc.yaml", NAMES, skip_unsupported=True)
    assert [operation.operation_id for operation in layer.operations] == ["getB"]
    assert "#/paths/~1a/get: uses #/components/schemas/Bad, which cannot be imported" in (
        layer.skipped
    )


def test_components_named_like_the_service_s_are_renamed_and_every_ref_follows() -> None:
    spec = document(
        {"/p": {"get": {"responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}}}}},
        Problem={"type": "object", "properties": {"code": {"type": "integer"}}},
        ImportedProblem={"type": "string"},
        List={"type": "array", "items": {"$ref": "#/components/schemas/Problem"}},
    )  # fmt: skip
    renamed, notes = rename_components(spec, NAMES.schemas)
    assert list(renamed["components"]["schemas"]) == ["ImportedProblem2", "ImportedProblem", "List"]
    assert renamed["components"]["schemas"]["List"]["items"] == {
        "$ref": "#/components/schemas/ImportedProblem2"
    }
    media = renamed["paths"]["/p"]["get"]["responses"]["200"]["content"]["application/json"]
    assert media["schema"] == {"$ref": "#/components/schemas/ImportedProblem2"}
    assert notes == [
        "#/components/schemas/Problem: served as ImportedProblem2, since the service's own "
        "Problem has that name"
    ]
    assert spec["components"]["schemas"]["List"]["items"]["$ref"].endswith("/Problem")


def test_security_schemes_named_like_the_service_s_are_renamed_where_required_too() -> None:
    assert {"ApiKeyAuth", "BearerAuth", "SignatureAuth"} <= NAMES.security_schemes
    spec = document({"/p": {"get": {"security": [{"BearerAuth": []}, {}], "responses": OK}}})
    spec["security"] = [{"BearerAuth": [], "Other": []}]
    spec["components"]["securitySchemes"] = {
        "BearerAuth": {"type": "http", "scheme": "bearer"},
        "Other": {"type": "apiKey", "in": "query", "name": "key"},
    }
    renamed, notes = rename_security_schemes(spec, NAMES.security_schemes)
    assert list(renamed["components"]["securitySchemes"]) == ["ImportedBearerAuth", "Other"]
    assert renamed["security"] == [{"ImportedBearerAuth": [], "Other": []}]
    assert renamed["paths"]["/p"]["get"]["security"] == [{"ImportedBearerAuth": []}, {}]
    assert notes == [
        "#/components/securitySchemes/BearerAuth: served as ImportedBearerAuth, since the "
        "service's own authentication has that name"
    ]
    assert spec["security"] == [{"BearerAuth": [], "Other": []}]  # the original is untouched


@pytest.mark.parametrize(
    ("method", "path", "clashes"),
    [
        ("get", "/livez", "api/health.py"),
        ("post", "/livez", None),
        ("get", "/livez/{x}", None),
        ("get", "/docs", "the docs page"),
        ("get", "/{page}", None),  # /openapi.json is matched first, {page} takes the rest
        ("get", "/docs/{id}", None),  # /docs/assets alone is no asset
        ("get", "/docs/assets/{a}/{b}", "the docs assets"),
        ("post", "/v1/events", "api/events/views.py"),
        ("post", "/v1/{kind}", None),
        ("get", "/{dataset}/{version}/fields", None),
        ("post", "/events", None),
        ("get", "/health", None),
        ("get", "/static/{name}", None),  # the service has no static folder
    ],
)
def test_only_an_operation_a_route_of_the_service_would_answer_clashes(
    method: str, path: str, clashes: str | None
) -> None:
    route = NAMES.clash(method, path)
    assert (route.what if route else None) == clashes


def test_the_service_s_own_routes_follow_service_routes_prefix() -> None:
    moved = service_names(template_path() / "template/src/{{package_name}}/api", "/v1", "/_s")
    assert moved.clash("get", "/livez") is None
    assert moved.clash("get", "/docs") is None
    route = moved.clash("get", "/_s/livez")
    assert route is not None
    assert route.movable


@pytest.mark.parametrize("name", ["bodies-3.1.yaml", "operations-3.0.yaml", "operations-3.1.yaml"])
def test_every_generated_module_compiles(name: str) -> None:
    layer = imported_layer(load_spec(SPECS / name).document, name, NAMES)
    assert layer.problems == []
    sources = {**layer.generated, **layer.handlers, **layer.tests}
    for path, source in sources.items():
        compile(source, path, "exec")
