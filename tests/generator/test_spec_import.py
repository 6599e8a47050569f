"""Spec import end to end: a document becomes part of a real rendered service, which
then serves an equivalent contract, passes its own tests and lint, and keeps the
handlers people wrote through every re-import."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from relaykit.cli import main
from relaykit.install import installed
from relaykit.render import render
from relaykit.spec import load_spec

from ..conftest import commit_render
from .contract import differences
from .test_spec_schemas import SPECS
from .test_spec_schemas import shared_specs

pytestmark = pytest.mark.renders

#: Documents we wrote: one per OpenAPI version covering every supported construct, one of
#: bodies that are no JSON objects and names the service has too, one over several files.
OWN_SPECS = [
    SPECS / name
    for name in (
        "operations-3.0.yaml",
        "operations-3.1.yaml",
        "bodies-3.1.yaml",
        "load/multi/openapi.yaml",
    )
]


def openapi_answer(source: Path) -> str:
    return "3.0.3" if str(load_spec(source).document["openapi"]).startswith("3.0.") else "3.1.0"


def run(command: list[str], folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=folder, capture_output=True, text=True)


#: The render's tests an import can change the outcome of: the imported operations' own,
#: the contract's, the API layer's (methods, errors and docs of every route), and the typed
#: client's (generated afresh, it must hold every operation the generator does not name as
#: left out). The rest of the suite sees no imported route; `relaykit new --spec` below runs
#: it all once.
IMPORT_TESTS = ("tests/imported", "tests/contract", "tests/api", "tests/client")


def assert_passes_its_own_checks(service: Path, tests: tuple[str, ...] = ()) -> None:
    """The service's own tests (``tests``, or the whole suite), ruff check and ruff format
    --check all pass."""
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *tests]
    tests_run = run(command, service)
    assert tests_run.returncode == 0, tests_run.stdout[-4000:] + tests_run.stderr[-2000:]
    for lint in (["check", "--quiet", "."], ["format", "--check", "--quiet", "."]):
        done = run([sys.executable, "-m", "ruff", *lint], service)
        assert done.returncode == 0, done.stdout + done.stderr


def changed_files(service: Path) -> tuple[set[str], set[str]]:
    """(modified or deleted tracked files, new files) of a committed render."""
    status = run(["git", "status", "--porcelain", "--untracked-files=all"], service).stdout
    modified = {line[3:] for line in status.splitlines() if line.startswith((" M", " D"))}
    new = {line[3:] for line in status.splitlines() if line.startswith("??")}
    return modified, new


@pytest.mark.parametrize("source", OWN_SPECS + shared_specs(), ids=lambda path: path.name)
def test_a_document_imports_into_a_service_that_serves_it_and_passes_its_tests(
    source: Path, tmp_path: Path
) -> None:
    service = render(tmp_path / "service", {"openapi_version": openapi_answer(source)})
    commit_render(service, "scaffold")
    with installed(service):
        assert main(["import-spec", str(source), "--project", str(service)]) == 0
        served = json.loads((service / "openapi.json").read_text(encoding="utf-8"))
        assert differences(load_spec(source).document, served) == []
        assert_passes_its_own_checks(service, IMPORT_TESTS)
    # Only new files, and the two that relaykit owns: no line anyone wrote was edited.
    modified, _ = changed_files(service)
    assert modified <= {"openapi.json", "src/relay_service/api/registry.py"}


def changed(document: dict[str, Any]) -> dict[str, Any]:
    """The library document, a version later: an operation gone, one new, a schema grown."""
    document = json.loads(json.dumps(document))
    del document["paths"]["/books/{isbn}"]["delete"]
    document["paths"]["/books/{isbn}"]["get"]["parameters"] = [
        {"name": "edition", "in": "query", "schema": {"type": "integer"}}
    ]
    document["paths"]["/books/{isbn}/reviews"] = {
        "get": {
            "tags": ["books"],
            "operationId": "listReviews",
            "parameters": [
                {"name": "isbn", "in": "path", "required": True, "schema": {"type": "string"}}
            ],
            "responses": {
                "200": {
                    "description": "Reviews.",
                    "content": {
                        "application/json": {
                            "schema": {"type": "array", "items": {"type": "string"}}
                        }
                    },
                }
            },
        }
    }
    document["components"]["schemas"]["Book"]["properties"]["language"] = {"type": "string"}
    return document


def library_versions(tmp_path: Path) -> tuple[Path, Path]:
    """The library document (ours), and the version after it (:func:`changed`)."""
    first = SPECS / "operations-3.1.yaml"
    second = tmp_path / "library-v2.yaml"
    second.write_text(yaml.safe_dump(changed(load_spec(first).document)), encoding="utf-8")
    return first, second


IMPLEMENTED = '''\
"""listBooks, as its owner wrote it."""

from typing import Any


def handle(*, query: dict[str, Any], headers: dict[str, Any], cookies: dict[str, Any]) -> Any:
    """No books yet."""
    return [], 200, {"X-Total": "0"}
'''


def test_re_import_keeps_every_handler_byte_for_byte_and_reports_removed_operations(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first, second = library_versions(tmp_path)
    service = render(tmp_path / "service", {})
    handlers = service / "src" / "relay_service" / "api" / "handlers"
    with installed(service):
        assert main(["import-spec", str(first), "--project", str(service)]) == 0
        (handlers / "list_books.py").write_text(IMPLEMENTED, encoding="utf-8")
        before = {path.name: path.read_bytes() for path in handlers.glob("*.py")}
        capsys.readouterr()
        assert main(["import-spec", str(second), "--project", str(service)]) == 0
        after = {path.name: path.read_bytes() for path in handlers.glob("*.py")}
        assert {name: after[name] for name in before} == before  # nothing rewritten
        assert set(after) - set(before) == {"list_reviews.py"}  # a stub for the new one
        err = capsys.readouterr().err
        assert "new handler stub: src/relay_service/api/handlers/list_reviews.py" in err
        assert (
            "no longer in the document, left as it is: src/relay_service/api/handlers/remove_book.py"
            in err
        )
        # getBook gained a query parameter: its (stub) handler must take it, and is told so.
        assert (
            "src/relay_service/api/handlers/get_book.py: handle() must now also take query" in err
        )
        get_book = handlers / "get_book.py"
        get_book.write_text(
            get_book.read_text(encoding="utf-8").replace(
                "def handle(*, path: dict[str, Any])",
                "def handle(*, path: dict[str, Any], query: dict[str, Any])",
            ),
            encoding="utf-8",
        )
        served = json.loads((service / "openapi.json").read_text(encoding="utf-8"))
        assert differences(load_spec(second).document, served) == []
        assert "delete" not in served["paths"]["/books/{isbn}"]
        # The implemented handler answers for real, through the regenerated layer.
        assert_passes_its_own_checks(service, IMPORT_TESTS)


def test_relaykit_new_with_a_spec_gives_a_service_whose_make_test_and_lint_pass(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    service = tmp_path / "library"
    source = SPECS / "operations-3.0.yaml"
    assert main(["new", str(service), "--defaults", "--spec", str(source)]) == 0
    answers = yaml.safe_load((service / ".copier-answers.yml").read_text(encoding="utf-8"))
    assert answers["openapi_version"] == "3.0.3"  # follows the document
    assert (service / "src/relay_service/api/handlers/list_books.py").is_file()
    # Installed nowhere yet: the service's own make openapi made its .venv and contract.
    assert "creating .venv with the service (make openapi)" in capsys.readouterr().err
    served = json.loads((service / "openapi.json").read_text(encoding="utf-8"))
    assert differences(load_spec(source).document, served) == []
    # make client first: test and lint must pass beside the client it writes.
    client = run(["make", "client"], service)
    assert client.returncode == 0, client.stdout[-4000:] + client.stderr[-2000:]
    assert "Warning" not in client.stdout + client.stderr  # no operation left out
    # Every operation the service serves, the imported ones (listBooks, ...) among them.
    operations = operation_names(served)
    assert {"listbooks", "addbook", "getbook", "renamebook"} <= operations
    assert client_operations(service / "client/relay_service_client") == operations
    for target in ("test", "lint"):  # lint: ruff check, ruff format --check, mypy --strict
        done = run(["make", target], service)
        assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]


def comparable(name: str) -> str:
    """An operation's name as the generated client's module has it too."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


def operation_names(document: dict[str, Any]) -> set[str]:
    """The operationIds of a contract, comparable with :func:`client_operations`."""
    return {
        comparable(operation["operationId"])
        for path_item in document["paths"].values()
        for key, operation in path_item.items()
        if key in {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
    }


def client_operations(package: Path) -> set[str]:
    """The operations a client generated by openapi-python-client has: a module each."""
    return {comparable(module.stem) for module in package.glob("api/*/*.py")} - {"init"}


def write(tmp_path: Path, document: dict[str, Any]) -> Path:
    source = tmp_path / "doc.yaml"
    source.write_text(yaml.safe_dump(document), encoding="utf-8")
    return source


def document_with(paths: dict[str, Any], version: str = "3.1.0") -> dict[str, Any]:
    return {"openapi": version, "info": {"title": "t", "version": "1"}, "paths": paths}


OK = {"200": {"description": "ok"}}


@pytest.mark.parametrize(
    ("paths", "problem"),
    [
        (
            {"/items/{item-id}": {"get": {"parameters": [{"name": "item-id", "in": "path", "required": True, "schema": {"type": "string"}}], "responses": OK}}},
            "#/paths/~1items~1{item-id}/get/parameters/0: the path parameter 'item-id' must be a "
            "Python identifier and no keyword",
        ),
        (
            {"/search": {"get": {"parameters": [{"name": "q", "in": "query", "content": {"application/json": {"schema": {"type": "object"}}}}], "responses": OK}}},
            "#/paths/~1search/get/parameters/0: a parameter with content instead of a schema is "
            "not supported",
        ),
        (
            {"/livez": {"get": {"responses": OK}}},
            "#/paths/~1livez/get: GET /livez is the service's own (api/health.py); answer "
            "service_routes_prefix (e.g. /_service) to move them",
        ),
        (
            {"/docs": {"get": {"responses": OK}}},
            "#/paths/~1docs/get: GET /docs is the service's own (the docs page); answer "
            "service_routes_prefix (e.g. /_service) to move them",
        ),
        (
            {"/docs/assets/{name}": {"get": {"parameters": [{"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}], "responses": OK}}},
            "#/paths/~1docs~1assets~1{name}/get: GET /docs/assets/<path:name> is the service's "
            "own (the docs assets); answer service_routes_prefix (e.g. /_service) to move them",
        ),
        (
            {"/pets": {"head": {"responses": OK}}},
            "#/paths/~1pets/head: HEAD is answered by the service itself on every path",
        ),
        (
            {"/pets": {"trace": {"responses": OK}}},
            "#/paths/~1pets/trace: TRACE operations are not supported",
        ),
        (
            {"/anything/{id}/{action}/{id}": {"get": {"parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}, {"name": "action", "in": "path", "required": True, "schema": {"type": "string"}}], "responses": OK}}},
            "#/paths/~1anything~1{id}~1{action}~1{id}: the path variable {id} is in the path "
            "twice; a URL rule can bind a name once",
        ),
    ],
)  # fmt: skip
def test_an_unsupported_construct_is_refused_with_its_location_and_nothing_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], paths: dict[str, Any], problem: str
) -> None:
    service = render(tmp_path / "service", {})
    registry = (service / "src/relay_service/api/registry.py").read_bytes()
    assert (
        main(["import-spec", str(write(tmp_path, document_with(paths))), "--project", str(service)])
        == 1
    )
    err = capsys.readouterr().err
    assert "relaykit: error: " in err
    assert err.endswith(f"cannot be imported (1 problem(s)):\n  {problem}\n")
    assert not (service / "src/relay_service/api/imported").exists()
    assert (service / "src/relay_service/api/registry.py").read_bytes() == registry


def test_relaykit_new_checks_the_whole_document_before_rendering_anything(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = write(tmp_path, document_with({"/pets": {"trace": {"responses": OK}}}))
    assert main(["new", str(tmp_path / "service"), "--defaults", "--spec", str(source)]) == 1
    assert capsys.readouterr().err == (
        f"relaykit: error: {source} cannot be imported (1 problem(s)):\n"
        "  #/paths/~1pets/trace: TRACE operations are not supported\n"
    )
    assert not (tmp_path / "service").exists()


def test_relaykit_new_leaves_nothing_behind_when_the_import_fails_after_rendering(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The answer asks for 3.0 contracts: the 3.1 document passes its own checks, the
    # template renders, and only the import into the rendered service fails.
    source = SPECS / "operations-3.1.yaml"
    destination = tmp_path / "service"
    command = ["new", str(destination), "--defaults", "-d", "openapi_version=3.0.3"]
    assert main([*command, "--spec", str(source)]) == 1
    err = capsys.readouterr().err
    assert err.splitlines()[-1] == (
        f"relaykit: error: {source} is OpenAPI 3.1.0 but the service writes 3.0 contracts "
        "(answer openapi_version): import a document of the same version"
    )
    assert "Traceback" not in err
    assert not destination.exists()


#: A document with operations the service can take and some it cannot, each for
#: another reason: its own route, a method it answers itself, a path Flask cannot bind.
MIXED = document_with(
    {
        "/pets": {
            "get": {"operationId": "listPets", "responses": OK},
            "head": {"responses": OK},
        },
        "/pets/{petId}": {
            "get": {
                "operationId": "getPet",
                "parameters": [{"name": "petId", "in": "path", "required": True, "schema": {"type": "integer", "format": "int32"}}],
                "responses": OK,
            }
        },
        "/readyz": {"get": {"responses": OK}},
        "/a/{id}/{id}": {"get": {"parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}], "responses": OK}},
    }
)  # fmt: skip

#: In the order of the paths, which the YAML file has sorted.
MIXED_PROBLEMS = [
    "#/paths/~1a~1{id}~1{id}: the path variable {id} is in the path twice; a URL rule can "
    "bind a name once",
    "#/paths/~1pets/head: HEAD is answered by the service itself on every path",
    "#/paths/~1readyz/get: GET /readyz is the service's own (api/health.py); answer "
    "service_routes_prefix (e.g. /_service) to move them",
]


def test_skip_unsupported_imports_the_rest_and_lists_what_it_left_out(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = write(tmp_path, MIXED)
    service = render(tmp_path / "service", {})
    with installed(service):
        # Without the switch, the whole document is refused with the same list.
        assert main(["import-spec", str(source), "--project", str(service)]) == 1
        refused = capsys.readouterr().err
        assert refused.endswith(
            "cannot be imported (3 problem(s)):\n"
            + "".join(f"  {problem}\n" for problem in MIXED_PROBLEMS)
        )
        assert not (service / "src/relay_service/api/imported").exists()
        command = ["import-spec", str(source), "--project", str(service), "--skip-unsupported"]
        assert main(command) == 0
        err = capsys.readouterr().err
        assert "relaykit: imported 2 operation(s)" in err
        listed = err.split("relaykit: left out (3):\n", 1)[1].splitlines()[:3]
        assert listed == [f"  {problem}" for problem in MIXED_PROBLEMS]
        served = json.loads((service / "openapi.json").read_text(encoding="utf-8"))
        assert served["paths"]["/pets"].keys() == {"get"}
        assert "/pets/{petId}" in served["paths"]
        assert "/a/{id}/{id}" not in served["paths"]
        assert served["paths"]["/readyz"]["get"]["operationId"] != "getReadyz"
        assert_passes_its_own_checks(service, IMPORT_TESTS)


#: Checks, in the imported service, that its routes answer as the contract's path
#: matching says: a concrete path before a templated one, its own Allow.
ROUTING_CHECK = """
from relay_service import create_app
from relay_service.settings import Settings

client = create_app(Settings(auth="none")).test_client()
feed = client.put("/articles/feed", json={"title": "x"})
print(feed.status_code, feed.headers["Allow"], feed.mimetype)
options = client.options("/articles/feed")
print(options.status_code, options.headers["Allow"])
print(client.put("/articles/one", json={"title": "x"}).status_code)
print(client.get("/health").status_code, client.get("/livez").status_code)
"""


def test_a_document_may_use_the_service_s_names_and_paths_that_are_not_its_routes(
    tmp_path: Path,
) -> None:
    source = SPECS / "bodies-3.1.yaml"
    service = render(tmp_path / "service", {})
    with installed(service):
        assert main(["import-spec", str(source), "--project", str(service)]) == 0
        checked = run([sys.executable, "-c", ROUTING_CHECK], service)
    assert checked.returncode == 0, checked.stderr[-3000:]
    assert checked.stdout.splitlines() == [
        "405 GET, HEAD, OPTIONS application/problem+json",
        "204 GET, HEAD, OPTIONS",
        "501",  # the templated path still takes PUT: its handler is a stub
        "501 200",  # the document's /health, beside the service's /livez
    ]
    served = json.loads((service / "openapi.json").read_text(encoding="utf-8"))
    schemas = served["components"]["schemas"]
    # The document's Problem and Event keep their shapes under names of their own.
    assert schemas["ImportedProblem"]["properties"] == {"code": {"type": "integer"}}
    assert schemas["ImportedEvent"]["required"] == ["title"]
    assert "request_id" in schemas["Problem"]["properties"]  # the service's, unchanged
    health = served["paths"]["/health"]["get"]
    assert health["tags"] == ["health"]
    assert health["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ImportedProblem"
    }


#: What documents in the wild get wrong and other tools take: a 3.0-style exclusive
#: bound in 3.1, and a default its own schema refuses.
SLIPS = document_with(
    {
        "/items": {
            "get": {
                "operationId": "listItems",
                "parameters": [{"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "exclusiveMinimum": True, "default": "first"}}],
                "responses": OK,
            }
        }
    }
)  # fmt: skip


def test_lenient_imports_what_other_tools_tolerate_and_warns_of_each(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = write(tmp_path, SLIPS)
    service = render(tmp_path / "service", {})
    with installed(service):
        assert main(["import-spec", str(source), "--project", str(service)]) == 1
        strict = capsys.readouterr().err
        assert not (service / "src/relay_service/api/imported").exists()
        command = ["import-spec", str(source), "--project", str(service), "--lenient"]
        assert main(command) == 0
        warned = [
            line.removeprefix("  warning: ").split(": ")[0]
            for line in capsys.readouterr().err.splitlines()
            if line.startswith("  warning: ")
        ]
        # Each slip is a warning now, at its place; strict mode refused the first.
        assert sorted(warned) == [
            "#/paths/~1items/get/parameters/0/schema/default",
            "#/paths/~1items/get/parameters/0/schema/exclusiveMinimum",
        ]
        assert f"  {warned[0]}: True is not of type 'number'" in strict
        served = json.loads((service / "openapi.json").read_text(encoding="utf-8"))
        page = served["paths"]["/items"]["get"]["parameters"][0]["schema"]
        assert page["exclusiveMinimum"] == 1  # the 3.1 way of saying it
        assert "default" not in page
        assert_passes_its_own_checks(service, IMPORT_TESTS)


def test_an_invalid_document_is_refused_with_every_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    service = render(tmp_path / "service", {})
    document = document_with({"/b": {"post": {"responses": {}}}})
    del document["info"]["title"]
    source = write(tmp_path, document)
    assert main(["import-spec", str(source), "--project", str(service)]) == 1
    assert capsys.readouterr().err.endswith(
        f"relaykit: error: {source} cannot be imported (3 problem(s)):\n"
        "  #/info: 'title' is a required property\n"
        "  #/paths/~1b/post/responses: {} should be non-empty\n"
        "  #/paths/~1b/post/responses: 'default' is a required property\n"
    )
    assert not (service / "src/relay_service/api/imported").exists()


def test_a_document_of_another_openapi_version_than_the_service_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    service = render(tmp_path / "service", {})  # writes 3.1 contracts
    source = SPECS / "operations-3.0.yaml"
    assert main(["import-spec", str(source), "--project", str(service)]) == 1
    assert capsys.readouterr().err == (
        f"relaykit: error: {source} is OpenAPI 3.0.3 but the service writes 3.1 contracts "
        "(answer openapi_version): import a document of the same version\n"
    )


def test_a_folder_that_is_no_service_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = SPECS / "operations-3.1.yaml"
    assert main(["import-spec", str(source), "--project", str(tmp_path)]) == 1
    assert capsys.readouterr().err == (
        f"relaykit: error: {tmp_path} is not a relaykit service: it has no .copier-answers.yml\n"
    )


def test_an_import_the_service_cannot_take_is_undone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first, second = library_versions(tmp_path)
    service = render(tmp_path / "service", {})
    api = service / "src" / "relay_service" / "api"
    with installed(service):
        assert main(["import-spec", str(first), "--project", str(service)]) == 0
        (api / "handlers" / "add_book.py").write_text("def handle(:\n", encoding="utf-8")
        kept = {
            path: path.read_bytes()
            for path in [*api.rglob("*.py"), *(service / "tests").rglob("*.py")]
        }
        kept[service / "openapi.json"] = (service / "openapi.json").read_bytes()
        capsys.readouterr()
        assert main(["import-spec", str(second), "--project", str(service)]) == 1
    assert capsys.readouterr().err.endswith(
        "relaykit: error: the service's code fails to import: SyntaxError: invalid syntax\n"
    )
    now = {
        path: path.read_bytes() for path in [*api.rglob("*.py"), *(service / "tests").rglob("*.py")]
    }
    now[service / "openapi.json"] = (service / "openapi.json").read_bytes()
    assert now == kept  # the new stub (list_reviews.py) and layer are gone again
