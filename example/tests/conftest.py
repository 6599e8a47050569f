# Managed by relaykit: "copier update" merges the template's changes into this file.
"""Fixtures shared by every tier: settings, app, and a client held to the contract; and a
guard that fails a test which leaves threads or child processes running."""

from __future__ import annotations

import io
import json
import os
import queue
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from collections.abc import Iterator
from contextlib import AbstractContextManager
from contextlib import contextmanager
from pathlib import Path
from typing import IO
from typing import Any

import pytest
from flask import Flask
from flask.testing import EnvironBuilder
from flask.testing import FlaskClient
from openapi_core import Config
from openapi_core import OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIResponse
from openapi_core.templating.paths.exceptions import PathError
from openapi_schema_validator import OAS30Validator
from openapi_schema_validator import OAS31Validator
from werkzeug.test import TestResponse
from werkzeug.wrappers import Request

from relay_service import create_app
from relay_service.about import SERVICE_ROUTES_PREFIX
from relay_service.api.auth import sign
from relay_service.api.schemas import PROBLEM_CONTENT_TYPE
from relay_service.settings import AuthKey
from relay_service.settings import Settings
from relay_service.worker import WorkerProcess
from relay_service.worker import start_worker_process
from relay_service.worker.rabbitmq import RabbitMQMissingError
from relay_service.worker.rabbitmq import RabbitMQNode
from relay_service.worker.rabbitmq import start_rabbitmq_node

#: tests/test_conftest.py runs the leak guard below in a pytest session of its own.
pytest_plugins = ["pytester"]

#: The committed contract every response is checked against.
CONTRACT_PATH = Path(__file__).parents[1] / "openapi.json"

#: The key the tests' settings give clients, whatever RELAY_AUTH is.
TEST_KEY = AuthKey("tests", "relay-tests-key-6f1c2d9a")

#: The token the tests' reference worker requires of the service.
WORKER_TOKEN = "relay-tests-worker-token"

#: The gunicorn master's log line saying where it listens.
LISTENING = re.compile(r"Listening at: (http://[0-9.]+:[0-9]+)")

#: Seconds gunicorn may take to say where it listens.
LISTEN_DEADLINE = 60

#: Paths that serve the docs rather than the API; they are not in the contract.
DOCS_PATHS = tuple(f"{SERVICE_ROUTES_PREFIX}/{page}" for page in ("openapi.json", "docs", "redoc"))


def load_contract() -> dict[str, Any]:
    """The committed ``openapi.json``."""
    document: dict[str, Any] = json.loads(CONTRACT_PATH.read_text(encoding="utf-8"))
    return document


class Contract:
    """The committed contract, able to judge any response of the service.

    - A documented operation's response must match its documented status,
      headers and body (openapi-core).
    - A request that no operation matches (an unknown path, or a method the
      path does not have) must get a problem matching the ``Problem`` schema,
      except HEAD and OPTIONS, which Flask answers on every route.
    - The docs pages are outside the contract.
    """

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        config = Config(extra_media_type_deserializers={PROBLEM_CONTENT_TYPE: json.loads})
        self.openapi = OpenAPI.from_dict(document, config=config)
        validator = OAS31Validator if document["openapi"].startswith("3.1") else OAS30Validator
        # The Problem schema, with the components its $refs point into.
        problem = {
            **document["components"]["schemas"]["Problem"],
            "components": document["components"],
        }
        self.problem_validator = validator(problem)

    def check(self, response: TestResponse) -> None:
        """Fail the test when ``response`` breaks the contract."""
        request = response.request
        if request.path in DOCS_PATHS or request.path.startswith(f"{SERVICE_ROUTES_PREFIX}/docs/"):
            return
        # The app has read the request body; response checks need only the route.
        route = Request.from_values(
            base_url=request.host_url,
            path=request.path,
            query_string=request.query_string.decode("latin-1"),
            method=request.method,
        )
        try:
            self.openapi.validate_response(
                WerkzeugOpenAPIRequest(route), WerkzeugOpenAPIResponse(response)
            )
        except PathError:  # no operation matches this path and method
            if request.method in ("HEAD", "OPTIONS") and response.status_code < 400:
                return
            where = f"{request.method} {request.path} answered {response.status_code}"
            assert response.status_code >= 400, f"{where}, but is not in the contract"
            assert response.mimetype == PROBLEM_CONTENT_TYPE, f"{where} as {response.mimetype}"
            if request.method != "HEAD":  # an answer to HEAD has no body
                self.problem_validator.validate(response.get_json())


def credentials(settings: Settings, method: str, target: str, body: bytes) -> dict[str, str]:
    """The headers that authenticate a request under ``settings``, with their first
    key; none when authentication is off or there is no key.

    :param target: the request's path and query, e.g. ``/v1/events?dry=1``.
    """
    if settings.auth == "none" or not settings.keys:
        return {}
    key = settings.keys[0].secret
    if settings.auth == "bearer":
        return {"Authorization": f"Bearer {key}"}
    if settings.auth == "hmac":
        signature = sign(key, method, target, body, int(time.time()))
        return {settings.auth_signature_header: signature}
    return {settings.auth_key_header: key}


class ContractClient(FlaskClient):
    """Flask's test client, checking every response it gets against the contract.

    Each request carries the app's credentials (see :func:`credentials`) unless
    it sends its own or passes ``anonymous=True``.
    """

    def __init__(self, *args: Any, contract: Contract, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.contract = contract

    def open(self, *args: Any, anonymous: bool = False, **kwargs: Any) -> TestResponse:
        if not anonymous and not (args and not isinstance(args[0], str)):
            # Built here, so that an HMAC signs the very bytes that will be sent.
            options: dict[str, Any] = {
                key: kwargs.pop(key) for key in ("buffered", "follow_redirects") if key in kwargs
            }
            builder = EnvironBuilder(self.application, *args, **kwargs)
            try:
                environ = builder.get_environ()
            finally:
                builder.close()
            body = environ["wsgi.input"].read()
            settings: Settings = self.application.extensions["settings"]
            query = environ.get("QUERY_STRING", "")
            target = environ["PATH_INFO"] + (f"?{query}" if query else "")
            method = environ["REQUEST_METHOD"]
            for name, value in credentials(settings, method, target, body).items():
                environ.setdefault(f"HTTP_{name.upper().replace('-', '_')}", value)
            environ["wsgi.input"] = io.BytesIO(body)
            args, kwargs = (environ,), options
        response = super().open(*args, **kwargs)
        self.contract.check(response)
        return response


def child_processes() -> dict[int, str]:
    """This process's child processes, by pid, each with its command line.

    They are read from Linux's ``/proc``; where there is none, no process is found.
    """
    children: dict[int, str] = {}
    for listing in Path("/proc/self/task").glob("*/children"):
        try:
            pids = listing.read_text(encoding="ascii").split()
        except FileNotFoundError:  # the thread has ended meanwhile
            continue
        for pid in map(int, pids):
            try:
                command = Path(f"/proc/{pid}/cmdline").read_bytes()
                stat = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8", errors="replace")
            except FileNotFoundError:  # the process has been waited for meanwhile
                continue
            # "pid (name) state ...": the name, for a process that has exited or has
            # not yet set out its command line (just after exec).
            name, _, rest = stat.partition("(")[2].rpartition(")")
            shown = command.replace(b"\0", b" ").decode(errors="replace").strip() or name
            if rest.split()[0] == "Z":
                shown += ", exited and not waited for"
            children[pid] = f"process {pid} ({shown})"
    return children


def running() -> dict[threading.Thread | int, str]:
    """The threads of this process and its child processes, each with a name to report."""
    found: dict[threading.Thread | int, str] = {
        thread: f"thread {thread.name!r}" for thread in threading.enumerate()
    }
    found.update(child_processes().items())
    return found


@pytest.fixture(autouse=True)
def _nothing_left_running() -> Iterator[None]:
    """Fail the test if it leaves a thread or a child process running.

    As a function-scoped autouse fixture it is set up after the session- and
    module-scoped fixtures the test uses (so what they start, such as the reference
    worker, is in the baseline) and torn down after the test's other function-scoped
    fixtures (so what they stop is gone).
    """
    before = running()
    yield
    left = [name for key, name in running().items() if key not in before]
    if left:
        pytest.fail(f"left running after the test: {', '.join(left)}", pytrace=False)


@pytest.fixture(autouse=True)
def _restore_environ() -> Iterator[None]:
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)


@pytest.fixture(scope="session")
def contract() -> Contract:
    """The committed contract."""
    return Contract(load_contract())


@pytest.fixture
def make_settings(worker: WorkerProcess) -> Callable[..., Settings]:
    """Make settings that hand off to the test's reference worker, with ``changes``."""

    def make(**changes: Any) -> Settings:
        return Settings(
            **{
                "worker_url": worker.url,
                "worker_token": worker.token,
                "auth_keys": (TEST_KEY,),
                "handoff_backoff": 0.001,
                **changes,
            }
        )

    return make


@pytest.fixture
def settings(make_settings: Callable[..., Settings]) -> Settings:
    """Default settings, handing off to the reference worker."""
    return make_settings()


@pytest.fixture
def app(settings: Settings) -> Flask:
    app = create_app(settings)
    app.config["TESTING"] = True
    return app


@pytest.fixture
def make_client(contract: Contract) -> Callable[..., ContractClient]:
    """Make a test client for any app; every response it gets is checked by ``contract``,
    or with ``served=True`` by the contract the app serves (for settings, such as
    another RELAY_AUTH, under which it differs from the committed one)."""

    def make(app: Flask, *, served: bool = False) -> ContractClient:
        judge = contract
        if served:
            document = app.test_client().get(f"{SERVICE_ROUTES_PREFIX}/openapi.json").get_json()
            judge = Contract(document)
        app.test_client_class = ContractClient
        return app.test_client(contract=judge)  # type: ignore[return-value]

    return make


@pytest.fixture
def client(app: Flask, make_client: Callable[[Flask], ContractClient]) -> ContractClient:
    """A test client of ``app`` held to the contract."""
    return make_client(app)


@pytest.fixture(scope="session")
def worker_process() -> Iterator[WorkerProcess]:
    """The reference worker, in a process of its own, started once per session."""
    started = start_worker_process(token=WORKER_TOKEN)
    yield started
    started.stop()


def _read_lines(stream: IO[str], lines: queue.Queue[str | None]) -> None:
    """Put each line of ``stream`` in ``lines``, then None at its end."""
    for line in stream:
        lines.put(line)
    lines.put(None)


@contextmanager
def _gunicorn(env: dict[str, str]) -> Iterator[str]:
    command = [sys.executable, "-m", "gunicorn", "--bind", "127.0.0.1:0", "--log-level", "info"]
    process = subprocess.Popen(
        command, cwd=CONTRACT_PATH.parent, env=env, stderr=subprocess.PIPE, text=True
    )
    assert process.stderr is not None
    # Everything it writes is read all along, or a full pipe would block it.
    lines: queue.Queue[str | None] = queue.Queue()
    reader = threading.Thread(target=_read_lines, args=(process.stderr, lines))
    reader.start()
    seen: list[str] = []
    url = None
    deadline = time.monotonic() + LISTEN_DEADLINE
    try:
        while url is None and (remaining := deadline - time.monotonic()) > 0:
            line = lines.get(timeout=remaining)
            if line is None:  # it stopped
                break
            seen.append(line)
            if match := LISTENING.search(line):
                url = match.group(1)
    except queue.Empty:
        pass
    try:
        assert url is not None, "gunicorn did not listen:\n" + "".join(seen)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)
        reader.join(timeout=30)
        process.stderr.close()


@pytest.fixture(scope="session")
def gunicorn() -> Callable[[dict[str, str]], AbstractContextManager[str]]:
    """``with gunicorn(env) as url:`` the service under gunicorn (gunicorn.conf.py) on a
    free loopback port, with ``env`` as its whole environment, until the block ends."""
    return _gunicorn


@pytest.fixture(scope="session")
def rabbitmq(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RabbitMQNode]:
    """A RabbitMQ node of the session's own, for the ``amqp`` transport's tests.

    Skipped where ``rabbitmq-server`` is not installed, unless ``RELAYKIT_BROKER_TESTS=1``
    (as relaykit's CI sets it), which makes a missing one fail.
    """
    try:
        node = start_rabbitmq_node(tmp_path_factory.mktemp("rabbitmq"))
    except RabbitMQMissingError as missing:
        if os.environ.get("RELAYKIT_BROKER_TESTS") == "1":
            pytest.fail(f"RELAYKIT_BROKER_TESTS=1, and {missing}", pytrace=False)
        pytest.skip(str(missing))
    yield node
    node.stop()


@pytest.fixture
def worker(worker_process: WorkerProcess) -> WorkerProcess:
    """The reference worker, with no faults and no records."""
    worker_process.call("PUT", "/faults", {})
    worker_process.call("DELETE", "/records")
    return worker_process
