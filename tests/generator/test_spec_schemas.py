"""Spec import, first layer: documents are read and validated with every problem located,
and their schemas become marshmallow classes whose contract equals the input's.

"Equals" is after the normalisation of :mod:`tests.generator.contract`, which lists the
documented differences.
"""

from __future__ import annotations

import functools
import importlib.util
import os
from pathlib import Path
from typing import Any

import marshmallow as ma
import pytest
from apispec import APISpec

from relaykit.spec import load_spec
from relaykit.spec.schemas import SchemaConverter
from relaykit.spec.schemas import SchemaModule
from relaykit.spec.schemas import convert_schemas
from relaykit.spec.testdata import example_value

from .contract import normalised_schema
from .contract import resolve

SPECS = Path(__file__).parent / "specs"

#: Set (as .ci/run does) to the folder of public example documents that must import.
SHARED_SPECS = os.environ.get("RELAYKIT_SHARED_SPECS", "")


#: The service's own fields module (template code: marshmallow and the standard library).
FIELDS = Path(__file__).parents[2] / "template" / "src" / "{{package_name}}" / "api" / "fields.py"


@functools.cache
def service_fields() -> Any:
    spec = importlib.util.spec_from_file_location("service_fields", FIELDS)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def document_of(path: Path) -> dict[str, Any]:
    loaded: Any = load_spec(path)
    return dict(getattr(loaded, "document", loaded))


def classes(module: SchemaModule) -> dict[str, Any]:
    fields = service_fields()
    assert module.imports == [f"from ..fields import {name}" for name in sorted(module.fields_used)]
    namespace: dict[str, Any] = {
        "ma": ma,
        **{name: getattr(fields, name) for name in fields.__all__},
    }
    exec(compile(module.source(), "<schemas>", "exec"), namespace)  # the code a service gets
    return namespace


def contract(document: dict[str, Any], module: SchemaModule) -> dict[str, Any]:
    """The component schemas a service serves: apispec's for the classes, and the
    others as written."""
    namespace = classes(module)
    names = {namespace[class_name]: name for name, class_name in module.components.items()}

    def component_name(schema: Any) -> str | None:  # None: written inline
        return names.get(schema if isinstance(schema, type) else type(schema))

    plugin = service_fields().ContractMarshmallowPlugin(component_name)
    spec = APISpec("t", "1", document["openapi"], plugins=[plugin])
    plugin.converter.add_attribute_function(service_fields().written_schema)  # type: ignore[union-attr]
    for name, class_name in module.components.items():
        if name not in spec.components.schemas:
            spec.components.schema(name, schema=namespace[class_name])
    schemas: dict[str, Any] = spec.to_dict()["components"]["schemas"]
    written = document.get("components", {}).get("schemas", {})
    return {**{n: s for n, s in written.items() if n not in module.components}, **schemas}


def assert_round_trip(document: dict[str, Any], module: SchemaModule) -> None:
    written = {"components": {"schemas": contract(document, module)}}
    for name in module.components:
        ref = {"$ref": f"#/components/schemas/{name}"}
        assert normalised_schema(resolve(ref, written)) == normalised_schema(
            resolve(ref, document)
        ), name


@pytest.mark.parametrize("name", ["constructs-3.0.yaml", "constructs-3.1.yaml"])
def test_every_construct_round_trips(name: str) -> None:
    document = document_of(SPECS / name)
    module = convert_schemas(document)
    assert module.problems == []
    assert_round_trip(document, module)


def test_only_what_the_contract_cannot_say_is_noted() -> None:
    assert convert_schemas(document_of(SPECS / "constructs-3.1.yaml")).notes == []
    assert convert_schemas(document_of(SPECS / "constructs-3.0.yaml")).notes == []


ORDER = {
    "placed_at": "2026-01-01T12:00:00Z",
    "lines": [{"sku": "A-1", "children": [{"sku": "A-2"}]}],
    "Content-Type": "text/plain",
    "ship_on": None,
    "quantity": 1,
}


def test_the_classes_check_what_the_schemas_say() -> None:
    namespace = classes(convert_schemas(document_of(SPECS / "constructs-3.1.yaml")))
    order = dict(ORDER)
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
    with pytest.raises(ma.ValidationError) as no_offset:  # RFC 3339, as JSON Schema says
        namespace["OrderSchema"]().load({**order, "placed_at": "2026-01-01T12:00:00"})
    assert set(no_offset.value.messages) == {"placed_at"}
    assert namespace["CardSchema"]().load({"number": "4", "other": 1}) == {"number": "4"}
    assert namespace["ExtensibleSchema"]().load({"name": "x", "other": 1}) == {
        "name": "x",
        "other": 1,
    }
    gift = namespace["GiftOrderSchema"]().load({"name": "Ann", "message": "Enjoy"})
    assert gift == {"name": "Ann", "message": "Enjoy"}
    assert issubclass(namespace["GiftOrderSchema"], namespace["NamedSchema"])


def load_error(schema: ma.Schema, value: dict[str, Any]) -> Any:
    with pytest.raises(ma.ValidationError) as refused:
        schema.load(value)
    return refused.value.messages


@pytest.fixture(scope="module")
def constructs() -> ma.Schema:
    namespace = classes(convert_schemas(document_of(SPECS / "constructs-3.1.yaml")))
    schema: ma.Schema = namespace["ConstructsSchema"]()
    return schema


CAT = {"kind": "cat", "name": "Tom"}


def test_one_of_takes_a_value_that_matches_exactly_one_branch(constructs: ma.Schema) -> None:
    assert constructs.load({"shape": {"radius": 1}}) == {"shape": {"radius": 1}}
    assert load_error(constructs, {"shape": {"radius": 1, "side": 2}}) == {
        "shape": ["Matches 2 of the allowed shapes (oneOf branches 0, 1); exactly one must match."]
    }
    assert load_error(constructs, {"shape": {"edge": 2}}) == {
        "shape": ["Matches none of the 2 allowed shapes (oneOf)."]
    }
    assert load_error(constructs, {"shape": "round"}) == {
        "shape": ["Matches none of the 2 allowed shapes (oneOf)."]
    }


def test_a_discriminator_names_the_branch_whose_errors_are_told(constructs: ma.Schema) -> None:
    assert constructs.load({"pet": CAT}) == {"pet": CAT}
    assert load_error(constructs, {"pet": {"kind": "cat", "name": 7}}) == {
        "pet": {"name": ["Not a valid string."]}
    }
    assert load_error(constructs, {"pet": {"kind": "cow", "name": "x"}}) == {
        "pet": {"kind": ["Must be one of: cat, dog."]}
    }
    assert load_error(constructs, {"pet": {"name": "x"}}) == {
        "pet": {"kind": ["Missing data for required field."]}
    }


def test_a_discriminator_settles_which_of_several_fitting_branches_is_meant(
    constructs: ma.Schema,
) -> None:
    # Bird and Fish take any object with a species: the discriminator says which it is,
    # inherited from the Animal they both extend.
    bird = {"species": "Bird", "wings": 2}
    assert constructs.load({"animal": bird}) == {"animal": bird}
    assert load_error(constructs, {"animal": {"species": "Fish", "fins": "many"}}) == {
        "animal": {"fins": ["Not a valid integer."]}
    }
    assert load_error(constructs, {"animal": {"species": "Cow"}}) == {
        "animal": {"species": ["Must be one of: Bird, Fish."]}
    }
    assert load_error(constructs, {"animal": {"wings": 2}}) == {
        "animal": {"species": ["Missing data for required field."]}
    }


def test_any_of_takes_a_value_that_matches_one_branch_or_more(constructs: ma.Schema) -> None:
    both = {"email": "a@example.com", "phone": "1"}
    assert constructs.load({"contact": both}) == {"contact": both}
    assert constructs.load({"contact": {"phone": "1"}}) == {"contact": {"phone": "1"}}
    assert load_error(constructs, {"contact": {}}) == {
        "contact": ["Matches none of the 2 allowed shapes (anyOf)."]
    }
    # only one branch has the right shape: its errors are the ones told
    assert load_error(constructs, {"contact": {"email": "nobody"}}) == {
        "contact": ["Matches none of the 2 allowed shapes (anyOf)."]
    }


def test_const_not_and_several_types(constructs: ma.Schema) -> None:
    assert constructs.load({"version": "v1", "role": "user", "either": 3}) == {
        "version": "v1",
        "role": "user",
        "either": 3,
    }
    assert load_error(constructs, {"version": "v2", "role": "admin", "either": 1.5}) == {
        "version": ["Must be one of: v1."],
        "role": ["Matches a shape that is not allowed (not)."],
        "either": ["Not a valid string or integer."],
    }
    assert load_error(constructs, {"either": None}) == {"either": ["Field may not be null."]}


def test_integer_formats_are_bounded(constructs: ma.Schema) -> None:
    assert constructs.load({"small": 2**31 - 1, "big": 2**63 - 1}) == {
        "small": 2**31 - 1,
        "big": 2**63 - 1,
    }
    assert load_error(constructs, {"small": 2**31, "big": 2**63}) == {
        "small": ["Not a valid int32: must be between -2147483648 and 2147483647."],
        "big": ["Not a valid int64: must be between -9223372036854775808 and 9223372036854775807."],
    }
    assert load_error(constructs, {"small": -(2**31) - 1, "big": 0}) == {
        "small": ["Not a valid int32: must be between -2147483648 and 2147483647."],
        "big": ["Must be greater than or equal to 1."],
    }


def test_all_of_refs_and_inline_objects_are_one_class(constructs: ma.Schema) -> None:
    owner = {"name": "Ann", "age": 3, "email": "ann@example.com"}
    assert constructs.load({"owner": owner}) == {"owner": owner}
    assert load_error(constructs, {"owner": {"age": -1}}) == {
        "owner": {
            "name": ["Missing data for required field."],
            "email": ["Missing data for required field."],
            "age": ["Must be greater than or equal to 0."],
        }
    }


def test_objects_that_refuse_other_properties(constructs: ma.Schema) -> None:
    assert constructs.load({"empty": {}, "sealed": {"name": "a", "nick": "b"}}) == {
        "empty": {},
        "sealed": {"name": "a", "nick": "b"},
    }
    assert load_error(constructs, {"empty": {"a": 1}, "sealed": {"name": "a", "b": 1}}) == {
        "empty": {"a": ["Unknown field."]},
        "sealed": {"b": ["Unknown field."]},
    }
    assert load_error(constructs, {"empty": []}) == {"empty": ["Not a valid object."]}


def test_the_other_keywords_are_checked_as_written(constructs: ma.Schema) -> None:
    accepted = {
        "tags": ["a", "b"],
        "step": 10,
        "point": [1, 2.5],
        "shipping": {"method": "courier", "address": "1 Main St"},
        "tree": ["a", ["b", ["c"]]],
    }
    assert constructs.load(accepted) == accepted
    assert load_error(
        constructs,
        {
            "tags": ["a", "a"],
            "step": 7,
            "point": [1, 2, 3],
            "shipping": {"method": "courier"},
            "tree": ["a", [1]],
        },
    ) == {
        "tags": ["Items must be unique."],
        "step": ["Must be a multiple of 5."],
        "point": ["Expected at most 2 items but found 1 extra: 3"],
        "shipping": {"address": ["Missing data for required field."]},
        "tree": {1: {0: ["Matches none of the 2 allowed shapes (anyOf)."]}},
    }


def test_properties_that_are_one_name_in_python_keep_theirs(constructs: ma.Schema) -> None:
    loaded = constructs.load({"petId": "a", "pet_id": 1})
    assert loaded == {"pet_id": "a", "pet_id_2": 1}
    assert constructs.dump(loaded) == {"petId": "a", "pet_id": 1}


def test_an_all_of_whose_parts_refuse_each_other_refuses_every_value() -> None:
    document = document_of(SPECS / "constructs-3.1.yaml")
    converter = SchemaConverter(document)
    converter.convert_components()
    assert "ClosedGift" not in converter.module.components
    source = converter.field({"$ref": "#/components/schemas/ClosedGift"}, ["x"])
    assert source.startswith("JSONSchemaValue(")
    namespace = classes(converter.module)
    field = eval(source, namespace)
    with pytest.raises(ma.ValidationError) as refused:
        field.deserialize({**ORDER, "message": "Enjoy"})
    assert refused.value.messages == {"message": ["Unknown field."]}  # id is read-only


def test_values_in_query_strings_are_read_as_text() -> None:
    converter = SchemaConverter({"openapi": "3.1.0"})
    converter.strict_numbers = False
    either = converter.field({"type": ["integer", "boolean"], "multipleOf": 2}, ["q"])
    tags = converter.field(
        {"type": "array", "items": {"type": "integer"}, "uniqueItems": True}, ["t"]
    )
    small = converter.field({"type": "integer", "format": "int32"}, ["s"])
    namespace = classes(converter.module)
    assert eval(either, namespace).deserialize("4") == 4
    assert eval(either, namespace).deserialize("true") is True
    with pytest.raises(ma.ValidationError, match="multiple of 2"):
        eval(either, namespace).deserialize("3")
    assert eval(tags, namespace).is_multiple  # every value of a repeated parameter
    assert eval(tags, namespace).deserialize(["1", "2"]) == [1, 2]
    with pytest.raises(ma.ValidationError, match="int32"):
        eval(small, namespace).deserialize(str(2**31))


@pytest.mark.parametrize("openapi", ["3.0.3", "3.1.0"])
def test_3_0_nullable_and_3_1_null_are_told_apart(openapi: str) -> None:
    converter = SchemaConverter({"openapi": openapi})
    source = converter.field({"nullable": True, "anyOf": [{"type": "string"}]}, ["x"])
    field = eval(source, classes(converter.module))
    if openapi.startswith("3.0"):
        assert field.deserialize(None) is None
    else:  # nullable means nothing in 3.1
        with pytest.raises(ma.ValidationError):
            field.deserialize(None)


def test_the_3_0_constructs_are_checked() -> None:
    namespace = classes(convert_schemas(document_of(SPECS / "constructs-3.0.yaml")))
    schema = namespace["ConstructsSchema"]()
    accepted = {
        "pet": None,
        "choice": "abc",
        "other": 1,
        "count": 1,
        "owner": {"kind": "Cat", "name": "Tom"},
        "empty": {},
        "pairs": {"a": 1},
    }
    assert schema.load(accepted) == accepted
    assert schema.load({"pet": {"kind": "Dog"}}) == {"pet": {"kind": "Dog"}}
    assert load_error(
        schema,
        {
            "pet": {"kind": "Cat", "lives": 10},
            "choice": "abcd",
            "other": "x",
            "count": 0,
            "owner": {"kind": "Cat"},
            "empty": {"a": 1},
            "pairs": {"a": "b"},
        },
    ) == {
        "pet": {"lives": ["Must be less than or equal to 9."]},
        "choice": ["Longer than maximum length 3."],  # the one branch of its type
        "other": ["Matches a shape that is not allowed (not)."],
        "count": ["Must be greater than 0."],
        "owner": {"name": ["Missing data for required field."]},
        "empty": {"a": ["Unknown field."]},
        "pairs": {"a": {"value": ["Not a valid integer."]}},
    }
    assert load_error(
        namespace["ReadingSchema"](), {"sensor": "a", "value": 1, "sizes": [2**31]}
    ) == {"sizes": {0: ["Not a valid int32: must be between -2147483648 and 2147483647."]}}


def test_a_ref_that_is_no_component_schema_is_refused_with_its_location() -> None:
    document = {
        "openapi": "3.1.0",
        "components": {
            "schemas": {
                "Pet": {
                    "type": "object",
                    "properties": {"owner": {"$ref": "#/components/responses/Owner"}},
                }
            }
        },
    }
    assert convert_schemas(document).problems == [
        "#/components/schemas/Pet/properties/owner: $ref '#/components/responses/Owner' "
        "is not a schema of this document's components"
    ]


def test_constructs_once_refused_are_imported() -> None:
    document = document_of(SPECS / "formerly-refused.yaml")
    module = convert_schemas(document)
    assert module.problems == []
    assert_round_trip(document, module)
    pet = classes(module)["PetSchema"]()
    assert pet.load({"name": 1, "age": "two", "petId": "a", "pet_id": "b"}) == {
        "name": 1,
        "age": "two",
        "pet_id": "a",
        "pet_id_2": "b",
    }
    assert load_error(pet, {"name": 1, "age": 1.5}) == {"age": ["Not a valid integer or string."]}
    assert load_error(pet, {"name": 1, "load": 1}) == {"load": ["Not a valid string."]}


@pytest.mark.parametrize(
    ("schema", "expected"),
    [
        ({"type": "string", "enum": ["a", "b"], "example": "c"}, "a"),  # not its own example
        ({"type": "integer", "default": 7, "maximum": 5}, 1),
        ({"type": "string", "const": "v1"}, "v1"),
        ({"type": "string", "not": {"const": "a"}}, "b"),
        ({"type": "integer", "format": "int32", "minimum": 2**31 - 1}, 2**31 - 1),
        ({"type": ["integer", "string"]}, 1),
        ({"type": "integer", "multipleOf": 5, "minimum": 1}, 5),
        ({"type": "array", "items": {"type": "integer"}, "minItems": 2, "uniqueItems": True}, [1, 2]),
        ({"oneOf": [{"type": "number"}, {"type": "integer"}]}, 1.5),  # 1 is both: not one
        ({"anyOf": [{"type": "number"}, {"type": "integer"}]}, 1),
        (
            {"allOf": [{"$ref": "#/components/schemas/Named"}, {"required": ["n"], "properties": {"n": {"type": "integer"}}}]},
            {"name": "a", "n": 1},
        ),
        ({"$ref": "#/components/schemas/Pet"}, {"kind": "cat", "name": "a"}),
        ({"$ref": "#/components/schemas/Tree"}, ["a"]),
    ],
)  # fmt: skip
def test_example_values_are_values_the_schema_accepts(
    schema: dict[str, Any], expected: Any
) -> None:
    components = document_of(SPECS / "constructs-3.1.yaml")["components"]["schemas"]
    assert example_value(schema, components, openapi="3.1.0") == expected


def test_example_values_of_3_0_schemas() -> None:
    schema = {"type": "integer", "minimum": 0, "exclusiveMinimum": True, "example": 0}
    assert example_value(schema, {}) == 1
    assert example_value({"nullable": True, "type": "string", "enum": [None]}, {}) is None


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
    document = document_of(source)
    module = convert_schemas(document)
    assert module.problems == []
    if module.components:
        assert_round_trip(document, module)


def test_a_date_default_is_documented_not_loaded() -> None:
    document = {
        "openapi": "3.1.0",
        "components": {
            "schemas": {
                "Stamp": {
                    "type": "object",
                    "properties": {
                        "at": {
                            "type": "string",
                            "format": "date-time",
                            "default": "2026-01-01T00:00:00Z",
                        }
                    },
                }
            }
        },
    }
    module = convert_schemas(document)
    stamp = classes(module)["StampSchema"]()
    assert stamp.load({}) == {}
    assert (
        contract(document, module)["Stamp"]["properties"]["at"]["default"] == "2026-01-01T00:00:00Z"
    )
