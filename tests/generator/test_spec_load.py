"""The document loader: local multi-file documents bundled into one, every problem one line
at its JSON Pointer, and the lenient mode's warnings (:mod:`relaykit.spec.load`).

Real files (fixtures in ``specs/load`` or written to ``tmp_path``) and the real validator.
"""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import pytest
import yaml
from openapi_spec_validator import OpenAPIV30SpecValidator
from openapi_spec_validator import OpenAPIV31SpecValidator

from relaykit.spec.load import LoadedSpec
from relaykit.spec.load import SpecError
from relaykit.spec.load import load_spec

SPECS = Path(__file__).parent / "specs" / "load"

INFO = {"title": "t", "version": "1"}


def write(folder: Path, name: str, content: Any) -> Path:
    """``content`` as a file of ``folder`` (JSON for ``.json``, else YAML)."""
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    text = (
        json.dumps(content) if name.endswith(".json") else yaml.safe_dump(content, sort_keys=False)
    )
    path.write_text(text, encoding="utf-8")
    return path


def document(version: str = "3.1.0", **parts: Any) -> dict[str, Any]:
    return {"openapi": version, "info": INFO, "paths": {}, **parts}


def refs(node: Any) -> list[str]:
    """Every ``$ref`` in ``node``."""
    if isinstance(node, dict):
        own = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return own + [ref for value in node.values() for ref in refs(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in refs(value)]
    return []


def problems_of(source: Path, *, lenient: bool = False) -> list[str]:
    with pytest.raises(SpecError) as refused:
        load_spec(source, lenient=lenient)
    return refused.value.problems


OK = {"200": {"description": "ok"}}


def one_operation(operation: dict[str, Any], path: str = "/a") -> dict[str, Any]:
    return {path: {"get": operation}}


# Multi-file documents


def test_a_document_over_several_files_is_bundled_into_one() -> None:
    loaded = load_spec(SPECS / "multi" / "openapi.yaml")
    bundled = loaded.document
    assert loaded.warnings == []
    assert all(ref.startswith("#/") for ref in refs(bundled))
    OpenAPIV31SpecValidator(bundled).validate()  # offline: every ref is local
    components = bundled["components"]
    # the component that named schemas/pet.yaml holds it; every ref to that file is Pet
    assert components["schemas"]["Pet"]["required"] == ["name"]
    get = bundled["paths"]["/pets"]["get"]
    assert get["responses"]["200"]["content"]["application/json"]["schema"]["items"] == {
        "$ref": "#/components/schemas/Pet"
    }
    # a chain pet.yaml -> owner.yaml -> (#/Address in owner.yaml) -> common.json,
    # and a cycle pet.yaml <-> owner.yaml
    owner = components["schemas"]["Owner"]
    assert owner["properties"]["pets"]["items"] == {"$ref": "#/components/schemas/Pet"}
    assert owner["properties"]["address"] == {"$ref": "#/components/schemas/Address"}
    address = components["schemas"]["Address"]
    assert address["properties"]["country"] == {"$ref": "#/components/schemas/Country"}
    assert components["schemas"]["Country"] == {"type": "string", "minLength": 2, "maxLength": 2}
    # the document's own Error stays; common.json's Error is numbered
    assert components["schemas"]["Error"]["properties"] == {"reason": {"type": "string"}}
    assert set(components["schemas"]["Error2"]["properties"]) == {"title", "status"}
    # parameters, responses and (3.1) path items go into their own sections
    assert get["parameters"] == [{"$ref": "#/components/parameters/Limit"}]
    assert components["parameters"]["Limit"]["name"] == "limit"
    assert get["responses"]["default"] == {"$ref": "#/components/responses/Problem"}
    problem = components["responses"]["Problem"]["content"]["application/problem+json"]
    assert problem["schema"] == {"$ref": "#/components/schemas/Error2"}
    assert bundled["paths"]["/pets/{petId}"] == {"$ref": "#/components/pathItems/pet"}
    shown = components["pathItems"]["pet"]["get"]["responses"]["200"]
    assert shown["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Pet"}
    assert sorted(components["schemas"]) == [
        "Address",
        "Country",
        "Error",
        "Error2",
        "Owner",
        "Pet",
        "Tag",
    ]


def test_a_3_0_path_item_in_another_file_is_written_in_place(tmp_path: Path) -> None:
    write(
        tmp_path,
        "items/thing.json",
        {
            "get": {
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {
                            "application/json": {"schema": {"$ref": "../schemas.yaml#/Thing"}}
                        },
                    }
                }
            }
        },
    )
    write(tmp_path, "schemas.yaml", {"Thing": {"type": "object"}, "Other": {"type": "string"}})
    source = write(
        tmp_path,
        "openapi.yaml",
        {
            **document("3.0.3"),
            "paths": {"/things": {"$ref": "items/thing.json"}},
            "components": {"schemas": {"Thing": {"type": "integer"}}},
        },
    )
    bundled = load_spec(source).document
    OpenAPIV30SpecValidator(bundled).validate()
    answer = bundled["paths"]["/things"]["get"]["responses"]["200"]
    assert answer["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Thing2"
    }
    assert bundled["components"]["schemas"] == {
        "Thing": {"type": "integer"},
        "Thing2": {"type": "object"},
    }
    assert "pathItems" not in bundled["components"]


def test_a_file_referring_back_into_the_document_gets_a_local_ref(tmp_path: Path) -> None:
    write(tmp_path, "pet.yaml", {"type": "object", "properties": {"tag": {"$ref": "api.yaml#/components/schemas/Tag"}}})  # fmt: skip
    source = write(
        tmp_path,
        "api.yaml",
        document(
            components={
                "schemas": {
                    "Tag": {"type": "string"},
                    "Pets": {"type": "array", "items": {"$ref": "pet.yaml"}},
                }
            }
        ),
    )
    schemas = load_spec(source).document["components"]["schemas"]
    assert schemas["Pets"]["items"] == {"$ref": "#/components/schemas/pet"}
    assert schemas["pet"]["properties"]["tag"] == {"$ref": "#/components/schemas/Tag"}


def test_a_ref_to_a_url_is_refused_and_nothing_is_fetched(tmp_path: Path) -> None:
    with socket.socket() as listening:  # a server that would see any fetch
        listening.bind(("127.0.0.1", 0))
        listening.listen()
        listening.settimeout(0.2)
        port = listening.getsockname()[1]
        url = f"http://127.0.0.1:{port}/schemas.json#/Pet"
        write(tmp_path, "pet.yaml", {"type": "object", "properties": {"owner": {"$ref": url}}})
        source = write(
            tmp_path,
            "api.yaml",
            document(
                components={
                    "schemas": {
                        "Pet": {"$ref": "pet.yaml"},
                        "Tag": {"$ref": "file:///etc/passwd"},
                    }
                }
            ),
        )
        assert problems_of(source) == [
            f"#/components/schemas/Pet/properties/owner/$ref: $ref {url!r} (in pet.yaml) is a "
            "URL; only refs to local files are followed, and nothing is fetched",
            "#/components/schemas/Tag/$ref: $ref 'file:///etc/passwd' is a URL; only refs to "
            "local files are followed, and nothing is fetched",
        ]
        with pytest.raises(TimeoutError):
            listening.accept()


@pytest.mark.parametrize(
    ("files", "problem"),
    [
        (
            {},
            "#/components/schemas/Pet/$ref: $ref 'schemas/pet.yaml#/Pet': "
            "there is no file schemas/pet.yaml",
        ),
        (
            {"schemas/pet.yaml": "Pets:\n  type: object\n"},
            "#/components/schemas/Pet/$ref: $ref 'schemas/pet.yaml#/Pet': "
            "there is nothing at #/Pet in schemas/pet.yaml",
        ),
        (
            {"schemas/pet.yaml": "Pet: {type: object\n"},
            "#/components/schemas/Pet/$ref: $ref 'schemas/pet.yaml#/Pet': schemas/pet.yaml "
            "cannot be parsed: line 2, column 1: expected ',' or '}', but got '<stream end>'",
        ),
        (
            {"schemas/pet.yaml": "Pet:\n  properties:\n    owner: {$ref: '#/Owner'}\n"},
            "#/components/schemas/Pet/properties/owner/$ref: $ref '#/Owner' "
            "(in schemas/pet.yaml): there is nothing at #/Owner in schemas/pet.yaml",
        ),
    ],
    ids=["missing-file", "dangling-fragment", "unparsable-file", "dangling-in-other-file"],
)
def test_a_ref_to_nothing_in_another_file_is_one_problem_at_the_ref(
    tmp_path: Path, files: dict[str, str], problem: str
) -> None:
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    source = write(
        tmp_path,
        "api.yaml",
        document(components={"schemas": {"Pet": {"$ref": "schemas/pet.yaml#/Pet"}}}),
    )
    assert problems_of(source) == [problem]


def test_a_dangling_local_ref_is_a_problem_not_a_traceback(tmp_path: Path) -> None:
    source = write(
        tmp_path,
        "api.yaml",
        document(
            paths=one_operation(
                {
                    "parameters": [{"$ref": "#/components/parameters/Limit"}],
                    "responses": {"200": {"description": "ok"}},
                }
            ),
            components={"schemas": {"A": {"$ref": "#/components/schemas/Nope"}}},
        ),
    )
    assert problems_of(source) == [
        "#/paths/~1a/get/parameters/0/$ref: $ref '#/components/parameters/Limit' points to "
        "nothing in the document",
        "#/components/schemas/A/$ref: $ref '#/components/schemas/Nope' points to nothing in "
        "the document",
    ]


@pytest.mark.parametrize(
    ("schemas", "problem"),
    [
        ({"A": {"$ref": "#/components/schemas/A"}}, "$ref '#/components/schemas/A' is a cycle of refs only"),
        ({"A": {"$ref": "#anchor"}}, "$ref '#anchor' points to nothing in the document"),
        ({"A": {"$ref": "#"}}, "$ref '#' points to the whole document"),
    ],
)  # fmt: skip
def test_a_local_ref_that_never_reaches_a_value_is_refused(
    tmp_path: Path, schemas: dict[str, Any], problem: str
) -> None:
    source = write(tmp_path, "api.yaml", document(components={"schemas": schemas}))
    assert problems_of(source) == [f"#/components/schemas/A/$ref: {problem}"]


def test_a_ref_naming_the_document_itself_becomes_local(tmp_path: Path) -> None:
    schemas = {"A": {"$ref": "api.yaml#/components/schemas/B"}, "B": {"type": "string"}}
    source = write(tmp_path, "api.yaml", document(components={"schemas": schemas}))
    assert load_spec(source).document["components"]["schemas"]["A"] == {
        "$ref": "#/components/schemas/B"
    }


def test_a_cycle_of_3_0_path_items_is_refused(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", {"get": {"callbacks": {"c": {"{$url}": {"$ref": "b.yaml"}}}}})
    write(tmp_path, "b.yaml", {"$ref": "a.yaml"})
    source = write(tmp_path, "api.yaml", {**document("3.0.3"), "paths": {"/a": {"$ref": "a.yaml"}}})
    assert problems_of(source) == [
        "#/paths/~1a/get/callbacks/c/{$url}/$ref: $ref 'a.yaml' (in b.yaml) is part of a cycle "
        "of refs through a.yaml, which cannot be written in place"
    ]


# Validator errors, located


def test_validator_errors_are_located_at_absolute_pointers(tmp_path: Path) -> None:
    write(
        tmp_path,
        "schemas.yaml",
        {"Count": {"type": "integer", "default": "many"}},
    )
    source = write(
        tmp_path,
        "api.yaml",
        {
            "openapi": "3.0.3",
            "info": {"title": "t", "version": 1},
            "tags": [{"name": "pets"}, {"name": "pets"}],
            "paths": {
                "/pets/{id}": {
                    "get": {
                        "operationId": "same",
                        "parameters": [
                            {"name": "id", "in": "path", "schema": {"type": "string"}},
                            {"name": "q", "in": "querry", "schema": {"type": "string"}},
                        ],
                        "responses": {"200": {"description": "ok"}},
                    }
                },
                "/owners": {
                    "get": {
                        "operationId": "same",
                        "parameters": [
                            {"name": "n", "in": "query", "schema": {"$ref": "schemas.yaml#/Count"}},
                            {"name": "n", "in": "query", "schema": {"type": "string"}},
                        ],
                        "responses": {"200": {"description": "ok"}},
                    }
                },
            },
            "components": {
                "schemas": {
                    "A": {"type": "object", "properties": {"x": {"type": "strin"}}},
                    "B": {"allOf": [{"type": "object"}], "required": ["y"]},
                }
            },
        },
    )
    assert problems_of(source) == [
        "#/info/version: 1 is not of type 'string'",
        "#/tags: [{'name': 'pets'}, {'name': 'pets'}] has non-unique elements",
        "#/paths/~1pets~1{id}/get/parameters/0: 'required' is a required property",
        "#/paths/~1pets~1{id}/get/parameters/1/in: 'querry' is not one of "
        "['path', 'query', 'header', 'cookie']",
        "#/components/schemas/A/properties/x/type: 'strin' is not one of "
        "['array', 'boolean', 'integer', 'number', 'object', 'string']",
        "#/tags/1: Duplicate tag name 'pets'",
        "#/paths/~1owners/get/operationId: Operation ID 'same' for 'get' in '/owners' is not "
        "unique",
        "#/components/schemas/Count/default: 'many' is not of type 'integer' "
        "(from schemas.yaml#/Count)",
        "#/paths/~1owners/get/parameters/1: Duplicate parameter 'n'",
        "#/components/schemas/B/required: Required list has not defined properties: ['y']",
    ]


def test_errors_in_3_1_schemas_are_located_in_the_schema(tmp_path: Path) -> None:
    source = write(
        tmp_path,
        "api.yaml",
        document(
            paths=one_operation(
                {
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "properties": {"n": {"minimum": "1"}},
                                    }
                                }
                            },
                        }
                    }
                },
                path="/a/{id}",
            ),
        ),
    )
    assert problems_of(source) == [
        "#/paths/~1a~1{id}/get/responses/200/content/application~1json/schema/properties/n/"
        "minimum: '1' is not of type 'number'",
        "#/paths/~1a~1{id}/get: Path parameter 'id' for 'get' operation in '/a/{id}' was not "
        "resolved",
    ]


def test_a_long_value_is_not_dumped_into_the_problem(tmp_path: Path) -> None:
    big = {f"key{number}": {"type": "string"} for number in range(30)}
    source = write(
        tmp_path,
        "api.yaml",
        {**document("3.0.3"), "paths": {"/a": {"get": {"responses": {"200": big}}}}},
    )
    problems = problems_of(source)
    assert problems == ["#/paths/~1a/get/responses/200: 'description' is a required property"]


# Lenient mode: what tools in the wild accept


def lenient_case(tmp_path: Path, content: dict[str, Any]) -> tuple[list[str], LoadedSpec]:
    source = write(tmp_path, "api.yaml", content)
    strict = problems_of(source)
    loaded = load_spec(source, lenient=True)
    OpenAPIV31SpecValidator(loaded.document).validate() if content["openapi"].startswith(
        "3.1"
    ) else OpenAPIV30SpecValidator(loaded.document).validate()
    return strict, loaded


def test_lenient_a_default_that_does_not_match_its_schema_is_removed(tmp_path: Path) -> None:
    strict, loaded = lenient_case(
        tmp_path,
        document(components={"schemas": {"A": {"type": "integer", "default": "x", "minimum": 0}}}),
    )
    assert strict == ["#/components/schemas/A/default: 'x' is not of type 'integer'"]
    assert loaded.warnings == [
        "#/components/schemas/A/default: default does not match its schema, removed: "
        "'x' is not of type 'integer'"
    ]
    assert loaded.document["components"]["schemas"]["A"] == {"type": "integer", "minimum": 0}


def test_lenient_3_0_exclusive_bounds_in_3_1_are_rewritten(tmp_path: Path) -> None:
    strict, loaded = lenient_case(
        tmp_path,
        document(
            components={
                "schemas": {
                    "A": {"type": "number", "minimum": 1, "exclusiveMinimum": True},
                    "B": {"type": "number", "maximum": 9, "exclusiveMaximum": False},
                }
            }
        ),
    )
    assert strict == [
        "#/components/schemas/A/exclusiveMinimum: True is not of type 'number'",
        "#/components/schemas/B/exclusiveMaximum: False is not of type 'number'",
    ]
    assert loaded.warnings == [
        "#/components/schemas/A/exclusiveMinimum: true is 3.0 style, rewritten as "
        "exclusiveMinimum: 1",
        "#/components/schemas/B/exclusiveMaximum: false is 3.0 style, removed",
    ]
    assert loaded.document["components"]["schemas"] == {
        "A": {"type": "number", "exclusiveMinimum": 1},
        "B": {"type": "number", "maximum": 9},
    }


def test_lenient_3_1_exclusive_bounds_in_3_0_are_rewritten(tmp_path: Path) -> None:
    strict, loaded = lenient_case(
        tmp_path,
        document(
            "3.0.3",
            components={
                "schemas": {
                    "A": {"type": "number", "exclusiveMaximum": 5},
                    "B": {"type": "number", "minimum": 9, "exclusiveMinimum": 2},
                }
            },
        ),
    )
    assert strict == [
        "#/components/schemas/A/exclusiveMaximum: 5 is not of type 'boolean'",
        "#/components/schemas/B/exclusiveMinimum: 2 is not of type 'boolean'",
    ]
    assert loaded.warnings == [
        "#/components/schemas/A/exclusiveMaximum: a number is 3.1 style, rewritten as "
        "maximum: 5 and exclusiveMaximum: true",
        "#/components/schemas/B/exclusiveMinimum: a number is 3.1 style, removed: "
        "minimum: 9 is stricter",
    ]
    assert loaded.document["components"]["schemas"] == {
        "A": {"type": "number", "maximum": 5, "exclusiveMaximum": True},
        "B": {"type": "number", "minimum": 9},
    }


def test_lenient_an_unknown_dialect_is_ignored(tmp_path: Path) -> None:
    strict, loaded = lenient_case(
        tmp_path,
        document(
            jsonSchemaDialect="https://example.com/dialect",
            components={
                "schemas": {
                    "A": {"$schema": "https://example.com/other", "type": "string"},
                    "B": {"$schema": "https://json-schema.org/draft/2020-12/schema"},
                    "C": {"type": "string"},
                }
            },
        ),
    )
    assert strict == [
        "#/components/schemas/A: Unknown JSON Schema dialect: 'https://example.com/other'",
        "#/components/schemas/C: Unknown JSON Schema dialect: 'https://example.com/dialect'",
    ]
    assert loaded.warnings == [
        "#/jsonSchemaDialect: unknown dialect 'https://example.com/dialect', ignored",
        "#/components/schemas/A/$schema: unknown dialect 'https://example.com/other', ignored",
    ]
    assert "jsonSchemaDialect" not in loaded.document
    assert loaded.document["components"]["schemas"]["A"] == {"type": "string"}
    assert loaded.document["components"]["schemas"]["B"]["$schema"].startswith("https://json")


@pytest.mark.parametrize("version", ["3.0.3", "3.1.0"])
def test_lenient_an_operation_without_responses_gets_a_default_one(
    tmp_path: Path, version: str
) -> None:
    strict, loaded = lenient_case(
        tmp_path, document(version, paths=one_operation({"responses": {}}))
    )
    assert strict[0] == "#/paths/~1a/get/responses: {} should be non-empty"
    assert loaded.warnings == [
        "#/paths/~1a/get/responses: no responses; a default response without content is assumed"
    ]
    assert loaded.document["paths"]["/a"]["get"]["responses"] == {
        "default": {"description": "No response is documented."}
    }


def test_lenient_other_slips_are_normalised(tmp_path: Path) -> None:
    strict, loaded = lenient_case(
        tmp_path,
        {
            "openapi": "3.0.3",
            "info": {"title": "t", "version": 2.5},
            "paths": {
                "/a/{id}": {
                    "get": {
                        "parameters": [{"name": "id", "in": "path", "schema": {"type": "string"}}],
                        "responses": {"200": {"description": "ok"}},
                    }
                }
            },
            "components": {"schemas": {"A": {"type": "object", "required": []}}},
        },
    )
    assert strict == [
        "#/info/version: 2.5 is not of type 'string'",
        "#/paths/~1a~1{id}/get/parameters/0: 'required' is a required property",
        "#/components/schemas/A/required: [] should be non-empty",
    ]
    assert loaded.warnings == [
        "#/info/version: a number, read as the string '2.5'",
        "#/paths/~1a~1{id}/get/parameters/0/required: a path parameter is always required",
        "#/components/schemas/A/required: an empty list, removed",
    ]
    assert loaded.document["info"]["version"] == "2.5"
    assert loaded.document["paths"]["/a/{id}"]["get"]["parameters"][0]["required"] is True
    assert loaded.document["components"]["schemas"]["A"] == {"type": "object"}


@pytest.mark.parametrize("lenient", [False, True])
def test_examples_that_do_not_match_are_warned_and_removed_where_tests_send_them(
    tmp_path: Path, lenient: bool
) -> None:
    # openapi-spec-validator does not check examples: neither mode refuses them
    source = write(
        tmp_path,
        "api.yaml",
        document(
            "3.0.3",
            paths=one_operation(
                {
                    "parameters": [
                        {"name": "n", "in": "query", "schema": {"type": "integer"}, "example": "x"}
                    ],
                    "requestBody": {
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/Pet"},
                                "example": {"name": 3},
                            }
                        }
                    },
                    "responses": {"200": {"description": "ok"}},
                },
            ),
            components={
                "schemas": {
                    "Pet": {
                        "type": "object",
                        "properties": {
                            "name": {"type": "string"},
                            "kind": {"type": "string", "enum": ["cat", "dog"], "example": "cow"},
                            "born": {"type": "string", "format": "date", "example": "2020-01-02"},
                        },
                    }
                }
            },
        ),
    )
    loaded = load_spec(source, lenient=lenient)
    assert loaded.warnings == [
        "#/paths/~1a/get/parameters/0/example: example does not match its schema, removed: "
        "'x' is not of type 'integer'",
        "#/paths/~1a/get/requestBody/content/application~1json/example: example does not match "
        "its schema: /name: 3 is not of type 'string'",
        "#/components/schemas/Pet/properties/kind/example: example does not match its schema, "
        "removed: 'cow' is not one of ['cat', 'dog']",
    ]
    operation = loaded.document["paths"]["/a"]["get"]
    assert "example" not in operation["parameters"][0]
    assert operation["requestBody"]["content"]["application/json"]["example"] == {"name": 3}
    pet = loaded.document["components"]["schemas"]["Pet"]["properties"]
    assert "example" not in pet["kind"]
    assert pet["born"]["example"] == "2020-01-02"


# Documents that are no OpenAPI 3


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("swagger: '2.0'\n", "#/openapi: only OpenAPI 3.0.x and 3.1.x can be imported, found no openapi field"),
        ("openapi: 3.2.0\n", "#/openapi: only OpenAPI 3.0.x and 3.1.x can be imported, found openapi: 3.2.0"),
        ("openapi: 3.0.3\ninfo: [\n", "line 3, column 1: expected the node content, but found '<stream end>'"),
        ("- a list\n", "#: the document is not an object"),
    ],
)  # fmt: skip
def test_a_document_that_is_no_openapi_3_is_refused(
    tmp_path: Path, text: str, problem: str
) -> None:
    source = tmp_path / "doc.yaml"
    source.write_text(text, encoding="utf-8")
    assert problems_of(source) == [problem]


def test_yaml_dates_are_strings(tmp_path: Path) -> None:
    source = tmp_path / "api.yaml"
    source.write_text(
        "openapi: 3.1.0\ninfo: {title: t, version: 2026-01-01}\npaths: {}\n", encoding="utf-8"
    )
    assert load_spec(source).document["info"]["version"] == "2026-01-01"


def test_an_extension_that_refers_to_another_file_is_left_out_with_a_warning(
    tmp_path: Path,
) -> None:
    # Code samples and docs pages: no OpenAPI, and nothing the service serves.
    operation = {"responses": OK, "x-codeSamples": [{"lang": "C#", "source": {"$ref": "get.cs"}}]}
    source = write(tmp_path, "openapi.yaml", document(**{"paths": one_operation(operation)}))
    loaded = load_spec(source)
    assert "x-codeSamples" not in loaded.document["paths"]["/a"]["get"]
    assert loaded.warnings == ["#/paths/~1a/get/x-codeSamples: refers to another file; left out"]


FILTER = {"name": "filter", "in": "query", "schema": {"type": "string"}}


@pytest.mark.parametrize("lenient", [False, True])
def test_what_a_reference_object_has_beside_its_ref_is_ignored_or_applied_when_lenient(
    tmp_path: Path, lenient: bool
) -> None:
    operation = {
        "parameters": [{"$ref": "#/components/parameters/Filter", "required": True}],
        "responses": OK,
    }
    spec = document(paths=one_operation(operation), components={"parameters": {"Filter": FILTER}})
    loaded = load_spec(write(tmp_path, "openapi.yaml", spec), lenient=lenient)
    parameter = loaded.document["paths"]["/a"]["get"]["parameters"][0]
    at = "#/paths/~1a/get/parameters/0/required: beside a $ref, "
    if lenient:
        assert parameter == {**FILTER, "required": True}
        assert loaded.warnings == [at + "applied to a copy of #/components/parameters/Filter"]
    else:
        assert parameter == {"$ref": "#/components/parameters/Filter"}
        assert loaded.warnings == [at + "ignored as OpenAPI says"]


def test_lenient_repeated_required_names_and_a_2019_09_anchor_are_normalised(
    tmp_path: Path,
) -> None:
    schema = {
        "type": "object",
        "$recursiveAnchor": True,
        "required": ["id", "id"],
        "properties": {"id": {"type": "string"}},
    }
    source = write(tmp_path, "openapi.yaml", document(components={"schemas": {"Item": schema}}))
    assert problems_of(source) == [
        "#/components/schemas/Item/required: ['id', 'id'] has non-unique elements"
    ]
    loaded = load_spec(source, lenient=True)
    assert loaded.document["components"]["schemas"]["Item"] == {
        "type": "object",
        "required": ["id"],
        "properties": {"id": {"type": "string"}},
    }
    assert loaded.warnings == [
        "#/components/schemas/Item/required: names repeated, each kept once",
        "#/components/schemas/Item/$recursiveAnchor: not of 3.1's dialect, removed",
    ]
