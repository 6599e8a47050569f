# Managed by relaykit: "copier update" merges the template's changes into this file.
"""The typed client ``make client`` generates from openapi.json, driving the service
under gunicorn and the reference worker: receipts, problems and request ids come back
as its typed models."""

from __future__ import annotations

import importlib
import json
import os
import re
import shlex
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from collections.abc import Generator
from collections.abc import Iterator
from contextlib import AbstractContextManager
from datetime import datetime
from http import HTTPStatus
from pathlib import Path
from types import ModuleType
from types import SimpleNamespace
from typing import Any

import httpx
import pytest

from relay_service.api.auth import sign
from relay_service.api.intake import AcceptedReceiptSchema
from relay_service.observability.request_id import REQUEST_ID_HEADER
from relay_service.settings import Settings
from relay_service.worker import WorkerProcess

#: The service's folder: openapi.json, the generator's config, gunicorn.conf.py.
SERVICE = Path(__file__).resolve().parents[2]

#: The client's package, as openapi-python-client.yaml names it.
PACKAGE = "relay_service_client"

#: The keys of a path item that are operations.
METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}

#: How the generator says it left an operation out: its method and path.
LEFT_OUT = re.compile(r"^WARNING parsing (\w+) (\S+) within .*Endpoint will not be generated", re.M)

#: The key the service is given, as RELAY_AUTH_KEYS has it.
KEYS = "tests:relay-tests-key-6f1c2d9a"


def make_client_command() -> list[str]:
    """The command of the Makefile's ``client`` target, from its recipe."""
    recipe = re.search(
        r"^client:.*\n((?:\t.*\n)+)", (SERVICE / "Makefile").read_text(encoding="utf-8"), re.M
    )
    assert recipe is not None, "the Makefile has no client target"
    line = recipe.group(1).replace("\\\n", " ")
    words = shlex.split(line)
    start = next(i for i, word in enumerate(words) if word.endswith("openapi-python-client"))
    return words[start + 1 :]


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimpleNamespace]:
    """The client ``make client`` writes, generated into a temporary folder and imported."""
    output = tmp_path_factory.mktemp("client") / "client"
    arguments = make_client_command()
    arguments[arguments.index("--output-path") + 1] = str(output)
    tools = Path(sys.executable).parent  # openapi-python-client and the ruff it runs after
    env = {**os.environ, "PATH": f"{tools}{os.pathsep}{os.environ.get('PATH', '')}"}
    result = subprocess.run(
        [str(tools / "openapi-python-client"), *arguments],
        cwd=SERVICE,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    said = result.stdout + result.stderr
    assert result.returncode == 0, said  # errors stop it: no client
    assert "Skipping Integration" not in said, said  # ruff was not found: not formatted
    sys.path.insert(0, str(output))
    try:
        yield SimpleNamespace(
            api_folder=output / PACKAGE / "api",
            # It warns, and goes on, of an operation it cannot generate (a header that
            # is an array, a body of a media range such as image/*): one an imported
            # contract may have.
            left_out=set(LEFT_OUT.findall(said)),
            client=importlib.import_module(f"{PACKAGE}.client"),
            models=importlib.import_module(f"{PACKAGE}.models"),
            accept_event=importlib.import_module(f"{PACKAGE}.api.events.accept_event"),
            accept_batch=importlib.import_module(f"{PACKAGE}.api.events.accept_batch"),
        )
    finally:
        sys.path.remove(str(output))
        for name in [name for name in sys.modules if name.split(".")[0] == PACKAGE]:
            del sys.modules[name]


@pytest.fixture(scope="module")
def service(
    worker_process: WorkerProcess, gunicorn: Callable[[dict[str, str]], AbstractContextManager[str]]
) -> Iterator[tuple[str, Settings]]:
    """The service under gunicorn on a free loopback port, handing off to the worker,
    with the authentication the render was answered; its URL and settings."""
    env = {
        **{name: value for name, value in os.environ.items() if not name.startswith("RELAY_")},
        "RELAY_WORKER_URL": worker_process.url,
        "RELAY_WORKER_TOKEN": worker_process.token,
        "RELAY_AUTH_KEYS": KEYS,
        "RELAY_WEB_WORKERS": "1",
        "RELAY_WEB_THREADS": "2",
        "RELAY_DRAIN_SECONDS": "0",  # no load balancer to leave: stop at once
    }
    with gunicorn(env) as url:
        yield url, Settings.from_env(env)


class ServiceAuth(httpx.Auth):
    """The credentials ``settings`` ask of a client, with its first key: none, a key,
    a bearer token, or an HMAC signature of the very bytes sent."""

    requires_request_body = True

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response]:
        settings = self.settings
        key = settings.keys[0].secret
        if settings.auth == "api_key":
            request.headers[settings.auth_key_header] = key
        elif settings.auth == "bearer":
            request.headers["Authorization"] = f"Bearer {key}"
        elif settings.auth == "hmac":
            query = request.url.query.decode("ascii")
            target = request.url.path + (f"?{query}" if query else "")
            signature = sign(key, request.method, target, request.content, int(time.time()))
            request.headers[settings.auth_signature_header] = signature
        yield request


@pytest.fixture
def api(
    generated: SimpleNamespace, service: tuple[str, Settings], worker: WorkerProcess
) -> Iterator[Any]:
    """The generated client of the service, with the credentials it asks for; the
    worker has no records."""
    url, settings = service
    client = generated.client.Client(base_url=url, httpx_args={"auth": ServiceAuth(settings)})
    with client:
        yield client


def event(models: ModuleType, **changes: Any) -> Any:
    """An event as the generated model holds it, with a fresh id."""
    fields: dict[str, Any] = {
        "id": f"evt-{uuid.uuid4().hex}",
        "type": "order.created",
        "occurred_at": "2026-01-01T12:00:00Z",
        "source": "shop",
        "data": {"order": 1},
        **changes,
    }
    return models.Event.from_dict(fields)


def test_an_accepted_event_comes_back_with_the_typed_worker_receipt(
    generated: SimpleNamespace, api: Any
) -> None:
    sent = event(generated.models)
    request_id = f"client-{uuid.uuid4().hex}"
    response = generated.accept_event.sync_detailed(client=api, body=sent, x_request_id=request_id)
    assert response.status_code == HTTPStatus.ACCEPTED
    assert response.headers[REQUEST_ID_HEADER] == request_id
    receipt = response.parsed
    assert isinstance(receipt, generated.models.AcceptedReceipt)
    assert (receipt.event_id, receipt.request_id) == (sent.id, request_id)
    worker_receipt = receipt.worker_receipt
    assert isinstance(worker_receipt, generated.models.WorkerReceipt)
    assert worker_receipt.key == receipt.idempotency_key
    assert worker_receipt.item_id == sent.id
    assert worker_receipt.request_id == request_id  # forwarded to the worker
    assert isinstance(worker_receipt.received_at, datetime)
    assert worker_receipt.received_at.tzinfo is not None
    assert worker_receipt.duplicate is False

    again = generated.accept_event.sync(client=api, body=sent)
    assert isinstance(again, generated.models.AcceptedReceipt)
    assert again.worker_receipt.duplicate is True


def test_a_batch_comes_back_with_a_typed_receipt_per_accepted_event(
    generated: SimpleNamespace, api: Any
) -> None:
    models = generated.models
    batch = models.Batch(events=[event(models), event(models)])
    receipt = generated.accept_batch.sync(client=api, body=batch)
    assert isinstance(receipt, models.BatchReceipt)
    assert (receipt.accepted, receipt.rejected) == (2, 0)
    for sent, result in zip(batch.events, receipt.results, strict=True):
        assert isinstance(result.worker_receipt, models.WorkerReceipt)
        assert result.worker_receipt.item_id == sent.id


def test_an_invalid_event_comes_back_as_the_typed_problem(
    generated: SimpleNamespace, api: Any
) -> None:
    models = generated.models
    sent = event(models, type="not a dotted name", source="")
    request_id = f"client-{uuid.uuid4().hex}"
    response = generated.accept_event.sync_detailed(client=api, body=sent, x_request_id=request_id)
    assert response.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.headers[REQUEST_ID_HEADER] == request_id
    problem = response.parsed
    assert isinstance(problem, models.Problem)
    assert (problem.status, problem.request_id) == (422, request_id)
    assert all(isinstance(error, models.FieldError) for error in problem.errors)
    assert sorted(error.pointer for error in problem.errors) == ["/source", "/type"]


def comparable(name: str) -> str:
    """An operation's name as the client's modules have it too (snake_case, no
    characters Python refuses, ``_`` after a keyword), for comparing them."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


def test_the_client_has_every_operation_but_those_the_generator_says_it_left_out(
    generated: SimpleNamespace,
) -> None:
    contract = json.loads((SERVICE / "openapi.json").read_text(encoding="utf-8"))
    operations = {
        (method.upper(), path): comparable(operation["operationId"])
        for path, path_item in contract["paths"].items()
        for method, operation in path_item.items()
        if method in METHODS
    }
    modules = {
        comparable(module.stem)
        for module in generated.api_folder.glob("*/*.py")
        if module.stem != "__init__"
    }
    assert generated.left_out <= operations.keys()
    left_out = {operations[operation] for operation in generated.left_out}
    assert modules == set(operations.values()) - left_out
    # The service's own operations are all there; make client names any other.
    assert {"acceptevent", "acceptbatch", "livez", "readyz"} <= modules


def test_members_a_worker_of_your_own_adds_reach_the_client_untyped(
    generated: SimpleNamespace,
) -> None:
    worker_receipt = {
        "key": "key-1",
        "item_id": "evt-1",
        "received_at": "2026-01-01T12:00:01+00:00",
        "request_id": "req-1",
        "duplicate": False,
        "queue": {"name": "orders", "position": 7},  # not the reference worker's
    }
    answer = AcceptedReceiptSchema().dump(
        {
            "event_id": "evt-1",
            "request_id": "req-1",
            "received_at": datetime.fromisoformat("2026-01-01T12:00:00+00:00"),
            "steps": [],
            "status": "accepted",
            "idempotency_key": "key-1",
            "worker_receipt": worker_receipt,
        }
    )
    assert answer["worker_receipt"] == worker_receipt  # the service passes it all on
    parsed = generated.models.AcceptedReceipt.from_dict(answer).worker_receipt
    assert parsed.additional_properties == {"queue": {"name": "orders", "position": 7}}
    assert parsed.to_dict() == worker_receipt
