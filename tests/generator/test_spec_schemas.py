"""Spec import, first layer: documents are read and validated with every problem located,
and their schemas become marshmallow classes whose contract equals the input's.

"Equals" is after the normalisation of :mod:`tests.generator.contract`, which lists the
documented differences.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import marshmallow as ma
import pytest
from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

from relaykit.spec import SpecError
from relaykit.spec import load_spec
from relaykit.spec.schemas import SchemaModule
from relaykit.spec.schemas import convert_schemas

from .contract import normalised_schema
from .contract import resolve

SPECS = Path(__file__).parent / "specs"

#: Set (as .ci/run does) to the folder of public example documents that must import.
SHARED_SPECS = os.environ.get("RELAYKIT_SHARED_SPECS", "")


def classes(module: SchemaModule) -> dict[str, Any]:
    namespace: dict[str, Any] = {"ma": ma}
    exec(compile(module.source(), "<schemas>", "exec"), namespace)  # the code a service gets
    return namespace


def contract(document: dict[str, Any], module: SchemaModule) -> dict[str, Any]:
    """The component schemas apispec writes for the generated classes."""
    namespace = classes(module)
    names = {namespace[class_name]: name for name, class_name in module.components.items()}

    def component_name(schema: Any) -> str | None:  # None: written inline
        return names.get(schema if isinstance(schema, type) else type(schema))

    spec = APISpec("t", "1", document["openapi"], plugins=[MarshmallowPlugin(component_name)])
    for name, class_name in module.components.items():
        if name not in spec.components.schemas:
            spec.components.schema(name, schema=namespace[class_name])
    schemas: dict[str, Any] = spec.to_dict()["components"]["schemas"]
    return schemas


def assert_round_trip(document: dict[str, Any], module: SchemaModule) -> None:
    written = {"components": {"schemas": contract(document, module)}}
    for name in module.components:
        ref = {"$ref": f"#/components/schemas/{name}"}
        assert normalised_schema(resolve(ref, written)) == normalised_schema(
            resolve(ref, document)
        ), name


@pytest.mark.parametrize("name", ["constructs-3.0.yaml", "constructs-3.1.yaml"])
def test_every_supported_construct_round_trips(name: str) -> None:
    document = load_spec(SPECS / name)
    module = convert_schemas(document)
    assert module.problems == []
    assert_round_trip(document, module)


def test_what_nothing_checks_is_reported_with_its_location() -> None:
    assert sorted(convert_schemas(load_spec(SPECS / "constructs-3.1.yaml")).notes) == [
        "#/components/schemas/Order/description: kept in the code, not in the contract",
        "#/components/schemas/Order/properties/payment/oneOf: "
        "oneOf: any JSON value is taken; the handler must check it",
    ]
    assert convert_schemas(load_spec(SPECS / "constructs-3.0.yaml")).notes == [
        "#/components/schemas/Reading/properties/tags/uniqueItems: uniqueItems is documented, not checked"
    ]


def test_the_classes_check_what_the_schemas_say() -> None:
    namespace = classes(convert_schemas(load_spec(SPECS / "constructs-3.1.yaml")))
    order = {
        "placed_at": "2026-01-01T12:00:00Z",
        "lines": [{"sku": "A-1", "children": [{"sku": "A-2"}]}],
        "Content-Type": "text/plain",
        "ship_on": None,
        "quantity": 1,
    }
    loaded = namespace["OrderSchema"]().load(order)
    assert loaded["content_type"] == "text/plain"  # a snake_case attribute, its data_key as written
    assert loaded["status"] == "open"  # the default
    with pytest.raises(ma.ValidationError) as refused:
        namespace["OrderSchema"]().load(
            {**order, "status": "lost", "quantity": 0, "code": "ab", "lines": [], "extra": 1}
        )
    assert set(refused.value.messages) == {"status", "quantity", "code", "lines", "extra"}
    with pytest.raises(ma.ValidationError) as missing:
        namespace["OrderSchema"]().load({"lines": [{}]})
    assert missing.value.messages == {
        "placed_at": ["Missing data for required field."],
        "lines": {0: {"sku": ["Missing data for required field."]}},
    }
    assert namespace["CardSchema"]().load({"number": "4", "other": 1}) == {"number": "4"}
    assert namespace["ExtensibleSchema"]().load({"name": "x", "other": 1}) == {
        "name": "x",
        "other": 1,
    }
    gift = namespace["GiftOrderSchema"]().load({**order, "message": "Enjoy"})
    assert gift["message"] == "Enjoy"


def test_unsupported_constructs_are_refused_with_their_location() -> None:
    problems = convert_schemas(load_spec(SPECS / "unsupported.yaml")).problems
    assert sorted(problems) == [
        "#/components/schemas/Pet/properties/age/type: "
        "a type of several kinds is not supported: ['integer', 'string']",
        "#/components/schemas/Pet/properties/name/not: the keyword 'not' is not supported",
        "#/components/schemas/Pet/properties/name: a schema without a type is not supported: ['not']",
        "#/components/schemas/Pet/properties/pet_id: the property is 'pet_id' in Python, as "
        "'petId' is: rename one",
    ]


def test_components_whose_names_give_the_same_class_get_classes_of_their_own() -> None:
    document = {
        "openapi": "3.1.0",
        "components": {
            "schemas": {
                "pet-details": {"type": "object", "properties": {"a": {"type": "string"}}},
                "PetDetails": {"type": "object", "properties": {"b": {"type": "integer"}}},
            }
        },
    }
    module = convert_schemas(document)
    assert module.components == {
        "pet-details": "PetDetailsSchema",
        "PetDetails": "PetDetails2Schema",
    }
    namespace = classes(module)
    assert set(namespace["PetDetails2Schema"]().fields) == {"b"}


def test_a_ref_to_another_file_is_refused_before_anything_is_fetched() -> None:
    with pytest.raises(SpecError) as refused:
        load_spec(SPECS / "external-ref.yaml")
    assert refused.value.problems == [
        "#/components/schemas/Pet/properties/owner/$ref: $ref 'other.yaml#/components/schemas/Owner' "
        "points outside this document; only #/... refs are supported"
    ]


def test_an_invalid_document_is_refused_with_every_error_located(tmp_path: Path) -> None:
    source = tmp_path / "bad.json"
    source.write_text(
        '{"openapi": "3.0.3", "info": {"version": "1"}, "paths": {"/a": {"get": {}}}}',
        encoding="utf-8",
    )
    with pytest.raises(SpecError) as refused:
        load_spec(source)
    assert refused.value.problems == [
        "#/info: 'title' is a required property",
        "#/paths/~1a/get: 'responses' is a required property",
    ]
    assert str(refused.value).startswith(f"{source} cannot be imported (2 problem(s)):\n")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("swagger: '2.0'\n", "#/openapi: only OpenAPI 3.0.x and 3.1.x can be imported, found no openapi field"),
        ("openapi: 3.0.3\ninfo: [\n", "line 3, column 1: expected the node content, but found '<stream end>'"),
        ("- a list\n", "#: the document is not an object"),
    ],
)  # fmt: skip
def test_a_document_that_is_no_openapi_3_is_refused(
    tmp_path: Path, text: str, problem: str
) -> None:
    source = tmp_path / "doc.yaml"
    source.write_text(text, encoding="utf-8")
    with pytest.raises(SpecError) as refused:
        load_spec(source)
    assert refused.value.problems == [problem]


def shared_specs() -> list[Any]:
    """The public example documents, as parameters of the ``spec_corpus`` tier."""
    if not SHARED_SPECS:
        return []
    folder = Path(SHARED_SPECS)
    return [
        pytest.param(path, id=path.name, marks=pytest.mark.spec_corpus)
        for path in sorted(folder.glob("*.yaml")) + sorted(folder.glob("*.json"))
    ]


@pytest.mark.spec_corpus
@pytest.mark.skipif(not SHARED_SPECS, reason="RELAYKIT_SHARED_SPECS is not set (.ci/run sets it)")
def test_the_shared_example_specs_are_there() -> None:
    assert shared_specs(), f"no OpenAPI documents in RELAYKIT_SHARED_SPECS={SHARED_SPECS}"


@pytest.mark.parametrize("source", shared_specs(), ids=lambda path: path.name)
def test_the_schemas_of_a_shared_example_round_trip(source: Path) -> None:
    document = load_spec(source)
    module = convert_schemas(document)
    assert module.problems == []
    if module.components:
        assert_round_trip(document, module)
