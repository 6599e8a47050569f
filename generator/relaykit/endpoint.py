"""``relaykit add-endpoint``: scaffold one endpoint into a service, and register it.

The endpoint is a package ``api/<name>/`` (blueprint and view in ``views.py``, its
request and response schemas in ``schemas.py``) and a test, all the user's from then
on. It is mounted through ``api/registry.py``, which relaykit owns and rewrites:
no line a person wrote is edited.
"""

from __future__ import annotations

import json
import keyword
import re
from collections.abc import Callable
from pathlib import Path

from . import RelaykitError
from .ownership import Ownership
from .ownership import mark
from .service import open_service
from .source import template_path

__all__ = ["METHODS", "add_endpoint"]

#: Methods an endpoint can be scaffolded for; those that take a JSON body first.
METHODS = ("POST", "PUT", "PATCH", "GET", "DELETE")
_WITH_BODY = ("POST", "PUT", "PATCH")

_NAME = re.compile(r"[a-z][a-z0-9_]*")

#: Names in ``api/`` that spec import writes; the template's own are read from it.
_IMPORT_NAMES = ("imported", "handlers")
_PATH = re.compile(r"(/([A-Za-z0-9._~-]+|\{[a-z_][a-z0-9_]*\}))+")

_INIT = '''\
{mark}
"""{title}: {method} {full_path}."""
'''

_SCHEMAS = '''\
{mark}
"""The contract of {method} {full_path}: what a request holds and what the answer is."""

from __future__ import annotations

import marshmallow as ma

__all__ = [{exports}]
{request_schema}

class {camel}ResponseSchema(ma.Schema):
    """The answer of {method} {full_path}. Describe it here: it is the contract."""

    name = ma.fields.String(required=True, metadata={{"description": "What was asked for."}})
'''

_REQUEST_SCHEMA = '''

class {camel}RequestSchema(ma.Schema):
    """A request to {method} {full_path}. Describe it here: it is the contract."""

    class Meta:
        unknown = ma.RAISE

    name = ma.fields.String(
        required=True,
        validate=ma.validate.Length(min=1, max=200),
        metadata={{"description": "What is asked for.", "example": "first"}},
    )
'''

_VIEWS = '''\
{mark}
"""{method} {full_path}: the view, which validates the request against the contract."""

from __future__ import annotations

from typing import Any

from werkzeug import exceptions

from ..blueprint import Blueprint
{imports}

__all__ = ["blp"]

blp = Blueprint({name!r}, __name__, description="{title}.")


@blp.route({rule!r}, methods=[{method!r}])
{arguments}@blp.response({status}, {camel}ResponseSchema, description="{title}: done.")
@blp.alt_response(501, response="NotImplemented")
def {view}({parameters}) -> Any:
    """{title}.

    Answers 501 problem details until this function is written.
    """
    raise exceptions.NotImplemented(
        "{method} {full_path} is not implemented yet: write it in api/{name}/views.py."
    )
'''

_TEST = '''\
{mark}
"""{method} {full_path}: in the contract, validated, and a stub until it is written."""

from __future__ import annotations

from flask.testing import FlaskClient

PATH = {example_path!r}


def test_it_is_in_the_contract(client: FlaskClient) -> None:
    paths = client.get("/openapi.json").get_json()["paths"]
    assert {method_lower!r} in paths[{full_path!r}]

{body_test}
def test_it_answers_501_until_it_is_written(client: FlaskClient) -> None:
    response = client.open(PATH, method={method!r}{valid_body})
    assert response.status_code == 501  # replace with what the endpoint answers
    assert response.mimetype == "application/problem+json"
'''

_BODY_TEST = """
def test_a_request_without_its_required_fields_is_refused(client: FlaskClient) -> None:
    response = client.open(PATH, method={method!r}, json={{}})
    assert response.status_code == 422
    assert [error["pointer"] for error in response.get_json()["errors"]] == ["/name"]

"""


def _reserved() -> set[str]:
    """The names in ``api/`` that are the service's own, today or after an update."""
    api = template_path() / "template" / "src" / "{{package_name}}" / "api"
    return {entry.name.split(".")[0] for entry in api.iterdir()} | set(_IMPORT_NAMES)


def _check(name: str, method: str, path: str) -> None:
    if name in _reserved():
        raise RelaykitError(f"the endpoint name {name!r} is the service's own: choose another")
    if not _NAME.fullmatch(name) or keyword.iskeyword(name):
        raise RelaykitError(
            f"the endpoint name {name!r} is not a lowercase Python identifier, e.g. 'orders'"
        )
    if method not in METHODS:
        raise RelaykitError(f"the method {method!r} is not one of {', '.join(METHODS)}")
    if not _PATH.fullmatch(path):
        raise RelaykitError(
            f"the path {path!r} is not segments like /orders or /orders/{{order_id}} "
            "(letters, digits and . _ ~ -, or a {lowercase_name} variable)"
        )


def add_endpoint(
    project: Path,
    name: str,
    method: str,
    path: str,
    *,
    progress: Callable[[str], None] = lambda message: None,
) -> list[Path]:
    """Scaffold the endpoint ``method path`` (under the API prefix) as ``api/<name>/``.

    :returns: the files written, the registry and contract included.
    :raises RelaykitError: when the name, method or path is malformed, or the name
        or the route is taken already.
    """
    method = method.upper()
    _check(name, method, path)
    service = open_service(project)
    api = service.package / "api"
    if (api / name).exists() or (api / f"{name}.py").exists():
        raise RelaykitError(f"{api / name} exists already: choose another endpoint name")
    prefix = str(service.answers.get("api_version_prefix", "/v1"))
    full_path = prefix + path
    contract_file = service.root / "openapi.json"
    if contract_file.is_file():
        contract = json.loads(contract_file.read_text(encoding="utf-8"))
        if method.lower() in contract.get("paths", {}).get(full_path, {}):
            raise RelaykitError(f"{method} {full_path} is served already")
        if name in {tag.get("name") for tag in contract.get("tags", [])}:
            raise RelaykitError(f"the contract has a tag {name!r} already: choose another name")
    test_file = service.root / "tests" / name / f"test_{name}.py"
    if test_file.exists():
        raise RelaykitError(f"{test_file} exists already: choose another endpoint name")
    camel = "".join(word.capitalize() for word in name.split("_"))
    title = name.replace("_", " ").capitalize()
    variables = re.findall(r"\{([a-z_][a-z0-9_]*)\}", path)
    with_body = method in _WITH_BODY
    view = f"{method.lower()}_{name}"
    parameters = []
    imports = [f"from .schemas import {camel}ResponseSchema"]
    if with_body:
        imports.insert(0, f"from .schemas import {camel}RequestSchema")
        parameters.append("body: dict[str, Any]")
    parameters += [f"{variable}: str" for variable in variables]
    fields = {
        "title": title,
        "method": method,
        "full_path": full_path,
        "camel": camel,
        "name": name,
        "mark": mark(Ownership.YOURS),
    }
    exports = [f'"{camel}RequestSchema"'] if with_body else []
    exports.append(f'"{camel}ResponseSchema"')
    files = {
        api / name / "__init__.py": _INIT.format(**fields),
        api / name / "schemas.py": _SCHEMAS.format(
            exports=", ".join(exports),
            request_schema=_REQUEST_SCHEMA.format(**fields) if with_body else "",
            **fields,
        ),
        api / name / "views.py": _VIEWS.format(
            imports="\n".join(imports),
            rule=re.sub(r"\{([a-z_][a-z0-9_]*)\}", r"<\1>", path),
            arguments=f"@blp.arguments({camel}RequestSchema)\n" if with_body else "",
            status=201 if method == "POST" else 200,
            view=view,
            parameters=", ".join(parameters),
            **fields,
        ),
        test_file: _TEST.format(
            example_path=re.sub(r"\{[a-z_][a-z0-9_]*\}", "1", full_path),
            method_lower=method.lower(),
            body_test=_BODY_TEST.format(method=method) if with_body else "",
            valid_body=', json={"name": "first"}' if with_body else "",
            **fields,
        ),
    }
    progress(f"scaffolding {method} {full_path} in {api / name}")
    for file, text in files.items():
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(text, encoding="utf-8")
    written = [*files, service.write_registry(new_endpoint=name)]
    progress("formatting with ruff")
    service.format(written)
    progress("writing openapi.json from the code")
    contract = service.write_contract(progress)
    return written + ([contract] if contract else [])
