# Managed by relaykit: "copier update" merges the template's changes into this file.
"""gunicorn.conf.py: its values come from the settings, and its log lines are JSON."""

from __future__ import annotations

import datetime
import gc
import json
import os
import runpy
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from gunicorn.config import Config

from relay_service.api.rejections import ProblemThreadWorker
from relay_service.api.schemas import PROBLEM_CONTENT_TYPE
from relay_service.api.schemas import ProblemSchema
from relay_service.handoff import HandoffClient
from relay_service.observability.logs import LOG_FIELDS
from relay_service.observability.server_logs import JSONServerLogger
from relay_service.settings import Settings
from relay_service.settings import available_cpus

GUNICORN_CONF = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"


#: A key for the config to serve with, since gunicorn refuses to serve the API without one.
KEYS = {"RELAY_AUTH_KEYS": "tests:relay-tests-key-6f1c2d9a"}


def load_conf(monkeypatch: pytest.MonkeyPatch, **env: str) -> dict[str, Any]:
    for name, value in {**KEYS, **env}.items():
        monkeypatch.setenv(name, value)
    # The config makes a metrics folder, as gunicorn's master would: removed after.
    made: list[str] = []
    mkdtemp = tempfile.mkdtemp

    def make_folder(**kwargs: Any) -> str:
        made.append(mkdtemp(**kwargs))
        return made[-1]

    monkeypatch.setattr(tempfile, "mkdtemp", make_folder)
    try:
        return runpy.run_path(str(GUNICORN_CONF))
    finally:
        for folder in made:
            shutil.rmtree(folder)


def test_the_config_serves_with_threads_from_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    conf = load_conf(monkeypatch)
    assert conf["wsgi_app"] == "relay_service:create_app()"
    assert conf["bind"] == ["127.0.0.1:8000"]
    assert conf["worker_class"] == f"{ProblemThreadWorker.__module__}.ProblemThreadWorker"
    assert conf["workers"] == 2 * available_cpus()
    assert conf["threads"] == 8
    assert conf["preload_app"] is True
    assert conf["graceful_timeout"] == 15  # the default handoff deadline, 10 s, and 5 s more
    assert conf["max_requests"] > conf["max_requests_jitter"] > 0
    assert conf["accesslog"] == "-"
    assert conf["logger_class"] == f"{JSONServerLogger.__module__}.{JSONServerLogger.__name__}"


def test_the_config_takes_every_value_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    conf = load_conf(
        monkeypatch,
        RELAY_HOST="::",
        RELAY_PORT="9000",
        RELAY_WEB_WORKERS="3",
        RELAY_WEB_THREADS="16",
        RELAY_HANDOFF_DEADLINE="2.5",
        RELAY_LOG_LEVEL="WARNING",
    )
    assert conf["bind"] == ["[::]:9000"]
    assert (conf["workers"], conf["threads"]) == (3, 16)
    assert conf["graceful_timeout"] == 8
    assert conf["loglevel"] == "warning"


def test_every_value_of_the_config_is_a_valid_gunicorn_setting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    conf = load_conf(monkeypatch)
    helpers = {"gc", "os", "math", "Any", "Settings", "SettingsError", "settings", "host"}
    helpers |= {"shutil", "tempfile", "metrics_dir"}
    helpers |= {"drain_on_sigterm"}
    # Settings of newer gunicorn versions than the lowest one allowed, which ignores them.
    newer = {"control_socket_disable"}  # gunicorn 25.1
    config = Config()
    for name, value in conf.items():
        if name.startswith("__") or name in helpers or (name in newer - set(config.settings)):
            continue
        assert name in config.settings, f"{name} is no gunicorn setting: a typo?"
        config.set(name, value)  # validated as gunicorn validates it at start-up


def test_a_bad_setting_stops_the_config_with_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(SystemExit) as stopped:
        load_conf(monkeypatch, RELAY_WEB_THREADS="lots")
    assert str(stopped.value) == (
        "configuration error: RELAY_WEB_THREADS='lots': expected a whole number from 1 to 1000, e.g. 4"
    )


def test_the_config_gives_the_metrics_a_fresh_folder_and_the_port_set(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    conf = load_conf(monkeypatch, RELAY_METRICS_PORT="9102")
    assert conf["bind"] == ["127.0.0.1:8000", "127.0.0.1:9102"]
    # Set for prometheus_client in every process, and made anew by each master.
    assert os.environ["PROMETHEUS_MULTIPROC_DIR"] == conf["metrics_dir"]
    assert load_conf(monkeypatch)["metrics_dir"] != conf["metrics_dir"]
    if os.path.isdir("/dev/shm"):
        assert os.path.dirname(conf["metrics_dir"]) == "/dev/shm"


def test_the_config_refuses_the_metrics_on_the_service_port(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with pytest.raises(SystemExit) as stopped:
        load_conf(monkeypatch, RELAY_PORT="9102", RELAY_METRICS_PORT="9102")
    assert str(stopped.value) == (
        "configuration error: RELAY_METRICS_PORT=9102 is RELAY_PORT too: give the metrics "
        "a port of their own, or leave it empty to serve them on RELAY_PORT"
    )


def test_each_process_forked_from_the_master_makes_its_own_handoff_session(
    monkeypatch: pytest.MonkeyPatch, settings: Settings
) -> None:
    # The app is loaded in gunicorn's master (preload_app), so its client crosses the fork.
    client = HandoffClient(settings)
    in_master = client.session()
    assert client.session() is in_master
    master = os.getpid()
    monkeypatch.setattr(os, "getpid", lambda: master + 1)  # as in a forked worker
    in_worker = client.session()
    assert in_worker is not in_master
    assert client.session() is in_worker


def test_the_config_refuses_to_serve_the_api_without_a_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with pytest.raises(SystemExit) as stopped:
        load_conf(monkeypatch, RELAY_AUTH="api_key", RELAY_AUTH_KEYS="")
    assert str(stopped.value) == (
        "configuration error: RELAY_AUTH=api_key needs at least one key: set "
        "RELAY_AUTH_KEYS or RELAY_AUTH_KEYS_FILE, or RELAY_AUTH=none"
    )


def test_the_master_freezes_what_it_built_before_each_fork(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    conf = load_conf(monkeypatch)
    try:
        conf["pre_fork"](None, None)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def json_lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines()]


def test_access_lines_are_json_with_the_request_id(capsys: pytest.CaptureFixture[str]) -> None:
    config = Config()
    config.set("accesslog", "-")
    logger = JSONServerLogger(config)
    response = SimpleNamespace(
        status="202 ACCEPTED", sent=512, headers=[("X-Request-ID", "req-access-1")]
    )
    request = SimpleNamespace(headers=[("USER-AGENT", "probe/1.0")])
    environ = {
        "REQUEST_METHOD": "POST",
        "RAW_URI": "/v1/events?dry=1",
        "PATH_INFO": "/v1/events",
        "QUERY_STRING": "dry=1",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "10.1.2.3",
        "HTTP_USER_AGENT": "probe/1.0",
        # What the app added (observability.logs.log_fields): the line's last fields.
        LOG_FIELDS: {"event_id": "evt-1", "event_type": "order.created", "key_id": "ci"},
    }
    logger.access(response, request, environ, datetime.timedelta(milliseconds=12.5))
    (line,) = json_lines(capsys.readouterr().out)
    datetime.datetime.fromisoformat(line.pop("time"))
    assert line == {
        "level": "INFO",
        "logger": "gunicorn.access",
        "message": "POST /v1/events 202",
        "request_id": "req-access-1",
        "method": "POST",
        "path": "/v1/events",
        "query": "dry=1",
        "status": 202,
        "bytes": 512,
        "duration_ms": 12.5,
        "remote_addr": "10.1.2.3",
        "user_agent": "probe/1.0",
        "event_id": "evt-1",
        "event_type": "order.created",
        "key_id": "ci",
    }


def test_no_access_line_without_an_access_log(capsys: pytest.CaptureFixture[str]) -> None:
    logger = JSONServerLogger(Config())
    response = SimpleNamespace(status="200 OK", sent=2, headers=[])
    environ = {"REQUEST_METHOD": "GET", "RAW_URI": "/", "SERVER_PROTOCOL": "HTTP/1.1"}
    logger.access(response, SimpleNamespace(headers=[]), environ, datetime.timedelta(0))
    assert capsys.readouterr().out == ""


def test_gunicorn_lines_are_json(capsys: pytest.CaptureFixture[str]) -> None:
    logger = JSONServerLogger(Config())
    logger.info("Listening at: %s", "http://127.0.0.1:8000")
    (line,) = json_lines(capsys.readouterr().err)
    assert line["logger"] == "gunicorn.error"
    assert line["message"] == "Listening at: http://127.0.0.1:8000"


@pytest.fixture
def gunicorn_url() -> Iterator[tuple[str, int]]:
    """gunicorn started with gunicorn.conf.py, as the container starts it, on a free port."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        **KEYS,
        "RELAY_PORT": str(port),
        "RELAY_WEB_WORKERS": "1",
        "RELAY_WEB_THREADS": "2",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", str(GUNICORN_CONF)],
        cwd=GUNICORN_CONF.parent, env=env, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert server.stderr is not None
    try:
        for line in server.stderr:  # connections wait in the listening socket from then on
            if json.loads(line)["message"].startswith("Listening at"):
                break
        else:
            pytest.fail("gunicorn stopped before it listened")
        yield ("127.0.0.1", port)
    finally:
        server.terminate()
        server.wait(timeout=30)
        server.stderr.close()


def exchange(address: tuple[str, int], data: bytes) -> bytes:
    """Send raw bytes, and read the answer until the server closes the connection."""
    with socket.create_connection(address, timeout=10) as connection:
        connection.sendall(data)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    return answer


@pytest.mark.parametrize(
    ("data", "status"),
    [
        (b"GARBAGE\r\n\r\n", 400),
        (b"GET /" + b"a" * 5000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
        (b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 9000 + b"\r\n\r\n", 431),
        (b"GET /livez HTTP/1.1\r\nHost: x\r\nX-Request-ID: rej-1\r\nBad Header\r\n\r\n", 400),
    ],
    ids=["request-line", "long-request-line", "large-header", "invalid-header"],
)
def test_gunicorn_rejects_what_it_cannot_read_with_problem_details(
    gunicorn_url: tuple[str, int], data: bytes, status: int
) -> None:
    head, _, body = exchange(gunicorn_url, data).partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines)
    assert status_line.split(" ", 2)[1] == str(status)
    assert headers["Content-Type"] == PROBLEM_CONTENT_TYPE
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Cache-Control"] == "no-store"
    assert int(headers["Content-Length"]) == len(body)
    problem = json.loads(body)
    assert ProblemSchema().validate(problem) == {}
    assert problem["status"] == status
    assert problem["request_id"] == headers["X-Request-ID"]


def test_a_rejection_never_quotes_what_was_sent(gunicorn_url: tuple[str, int]) -> None:
    # A header line without its colon: gunicorn's own message would quote it, key and all.
    secret = "relay-secret-key-5d1e9f0a"
    data = f"POST /v1/events HTTP/1.1\r\nHost: x\r\nX-API-Key {secret}\r\n\r\n".encode()
    head, _, body = exchange(gunicorn_url, data).partition(b"\r\n\r\n")
    assert head.split(b" ", 2)[1] == b"400"
    assert json.loads(body)["detail"] == (
        "The server could not read the request: a header field is malformed."
    )
    assert secret.encode() not in head + body
