"""A rendered service in containers on a real engine: ``docker compose up --build --wait``,
then the service as a user meets it over loopback, a graceful stop, and ``down``."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Callable
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from relaykit.install import read_answers

from ..template.processes import running
from .browser import authorize
from .browser import try_it_out
from .browser import visit
from .chromium import colours
from .chromium import rendered_dom
from .chromium import screenshot
from .compose import LOCAL_KEY
from .compose import Stack
from .compose import stack_up

pytestmark = pytest.mark.containers

#: A render whose port (9090) and URL prefixes differ from the defaults: the API under
#: /api/v2, the service's own routes (health checks, docs) under /_service.
NAME = "port-and-prefixes"
PREFIX = "/api/v2"
OWN = "/_service"

#: Seconds a change may take to show in the running container under `docker compose watch`.
WATCH_DEADLINE = 60

#: Seconds events sent at once may take to reach the worker.
RECORD_DEADLINE = 30

#: Seconds the proxy may take to find a recreated api container.
PROXY_DEADLINE = 10

#: Seconds a log line may take to reach the container's log.
LOG_DEADLINE = 10

#: Swagger UI's colours of the GET and POST badges of its operations list.
GET_BLUE, POST_GREEN = (97, 175, 254), (73, 204, 144)


@pytest.fixture(scope="module")
def service(rendered: Callable[[str], Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the render, since a test here edits its code."""
    copy = tmp_path_factory.mktemp("container") / "service"
    shutil.copytree(rendered(NAME), copy)
    return copy


@pytest.fixture(scope="module")
def stack(engine: None, service: Path) -> Iterator[Stack]:
    started = time.monotonic()
    with stack_up(service) as running_stack:
        print(f"\ndocker compose up --build --wait: {time.monotonic() - started:.1f} s")
        yield running_stack


def test_the_service_is_live_and_ready_once_its_worker_is_healthy(stack: Stack) -> None:
    assert requests.get(f"{stack.url}{OWN}/livez", timeout=10).json() == {"status": "ok"}
    ready = requests.get(f"{stack.url}{OWN}/readyz", timeout=10)
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "checks": {"drain": "ok", "worker": "ok"}}
    for name in ("api", "worker"):
        assert stack.container(name)["State"]["Health"]["Status"] == "healthy"


def test_make_smoke_of_the_ci_image_job_asks_the_proxy_and_fails_without_it(
    stack: Stack, service: Path
) -> None:
    def smoke(project: str) -> subprocess.CompletedProcess[str]:
        # make smoke asks compose where the proxy is published, wherever .env put it. It
        # runs as a user runs it, not as a sub-make of `make test` (which would announce
        # the folders it enters on stdout).
        env = {name: value for name, value in os.environ.items() if not name.startswith("MAKE")}
        return subprocess.run(
            ["make", "smoke"], cwd=service, capture_output=True, text=True, timeout=60,
            env={**env, "COMPOSE_PROJECT_NAME": project},
        )  # fmt: skip

    done = smoke(stack.project)
    assert done.returncode == 0, done.stdout + done.stderr
    assert json.loads(done.stdout.splitlines()[-1])["status"] == "ready"
    assert smoke(f"{stack.project}-absent").returncode != 0


def test_an_accepted_event_reaches_the_worker(stack: Stack) -> None:
    answer = stack.post_event(f"{PREFIX}/events", 1)
    assert answer.status_code == 202, answer.text
    key = answer.json()["idempotency_key"]
    assert key in stack.ask_worker("GET", "/records")["keys"]


def test_metrics_count_every_process_from_a_folder_in_memory(stack: Stack) -> None:
    metrics = f"{stack.url}{OWN}/metrics"
    assert requests.get(metrics, timeout=10).status_code == 401  # protected by default
    accepted = [stack.post_event(f"{PREFIX}/events", 7000 + n) for n in range(3)]
    assert [answer.status_code for answer in accepted] == [202, 202, 202]
    answer = requests.get(metrics, headers={"X-API-Key": LOCAL_KEY}, timeout=10)
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("text/plain")
    (line,) = [
        line
        for line in answer.text.splitlines()
        if line.startswith('relay_events_total{outcome="accepted"}')
    ]
    assert float(line.split()[-1]) >= 3  # other tests here send events too
    # gunicorn.conf.py made the processes' one folder in memory.
    folders = stack.compose("exec", "-T", "api", "sh", "-c", "ls -d /dev/shm/relay-metrics-*")
    assert len(folders.split()) == 1


def test_the_served_contract_is_the_committed_one(stack: Stack, service: Path) -> None:
    committed = json.loads((service / "openapi.json").read_text(encoding="utf-8"))
    assert requests.get(f"{stack.url}{OWN}/openapi.json", timeout=10).json() == committed


def test_the_containers_run_as_fixed_users_that_are_not_root(stack: Stack) -> None:
    for name in ("api", "worker"):
        assert stack.compose("exec", "-T", name, "id", "-u").strip() == "10001"
        assert stack.container(name)["Config"]["User"] == "10001"
    # nginx's own unprivileged user, on a root it cannot write to.
    assert stack.compose("exec", "-T", "proxy", "id", "-u").strip() == "101"
    assert stack.container("proxy")["HostConfig"]["ReadonlyRootfs"] is True


def test_a_request_is_one_json_access_line_with_its_id_and_event(stack: Stack) -> None:
    headers = {"X-Request-ID": "container-test-access-1"}
    assert requests.get(f"{stack.url}{OWN}/livez", headers=headers, timeout=10).status_code == 200
    headers = {"X-Request-ID": "container-test-access-2"}
    assert stack.post_event(f"{PREFIX}/events", 8100, headers=headers).status_code == 202
    wanted = {"container-test-access-1", "container-test-access-2"}
    deadline = time.monotonic() + LOG_DEADLINE
    access: list[dict[str, object]] = []
    while len(access) < len(wanted) and time.monotonic() < deadline:  # written after the answer
        lines = [json.loads(line) for line in stack.logs("api") if line.startswith("{")]
        access = [line for line in lines if line["request_id"] in wanted]
    access.sort(key=lambda line: str(line["request_id"]))
    assert [(line["logger"], line["status"], line["path"]) for line in access] == [
        ("gunicorn.access", 200, f"{OWN}/livez"),
        ("gunicorn.access", 202, f"{PREFIX}/events"),
    ]
    event_line = access[1]
    assert (event_line["event_id"], event_line["event_type"]) == ("evt-8100", "order.created")
    assert event_line["key_id"] == "local"


def test_the_docs_render_in_headless_chromium_with_no_network(
    stack: Stack, service: Path, chromium: str, tmp_path: Path
) -> None:
    contract = json.loads((service / "openapi.json").read_text(encoding="utf-8"))
    dom = rendered_dom(chromium, f"{stack.url}{OWN}/docs", tmp_path / "profile")
    for path in contract["paths"]:
        assert f'class="opblock-summary-path" data-path="{path}"' in dom
    methods = [method for item in contract["paths"].values() for method in item]
    picture = screenshot(chromium, f"{stack.url}{OWN}/docs", tmp_path / "docs.png", (1280, 1000))
    size, counts = colours(picture)
    print(f"\nscreenshot of /docs: {picture} ({size[0]}x{size[1]})")
    assert size == (1280, 1000)
    # Each badge of the operations list shows on screen: a few thousand pixels each.
    assert counts[GET_BLUE] >= 1000 * methods.count("get")
    assert counts[POST_GREEN] >= 1000 * methods.count("post")


def test_swagger_ui_authorizes_with_a_key_and_its_try_it_out_reaches_the_worker(
    stack: Stack, chromium: str
) -> None:
    before = stack.ask_worker("GET", "/records")["processed"]
    docs = f"{stack.url}{OWN}/docs"
    with visit(chromium, docs) as page:
        assert try_it_out(page.page, "events-acceptEvent") == "401"
        # The page afresh (without the deep link to the operation): the key alone differs.
        page.page.goto(docs)
        authorize(page.page, LOCAL_KEY)
        assert try_it_out(page.page, "events-acceptEvent") == "202"
        assert page.policy_violations == []
    assert stack.ask_worker("GET", "/records")["processed"] == before + 1


def test_redoc_renders_under_its_content_security_policy(stack: Stack, chromium: str) -> None:
    with visit(chromium, f"{stack.url}{OWN}/redoc") as page:
        page.page.locator("h2", has_text="Accept one event").first.wait_for()
        # ReDoc's "powered by" logo is on its CDN: the policy keeps the page offline.
        assert all("cdn.redoc.ly" in violation for violation in page.policy_violations), (
            page.policy_violations
        )


def test_compose_watch_puts_a_code_change_into_the_running_service(
    stack: Stack, service: Path
) -> None:
    answers = read_answers(service)
    package = answers["package_name"]
    about = service / "src" / str(package) / "about.py"
    watch = ["docker", "compose", "--project-name", stack.project, "watch"]
    env = {"PUBLISHED_PORT": str(stack.port)}
    with running(watch, r"(Watch enabled)", env=env, cwd=service):
        text = about.read_text(encoding="utf-8")
        about.write_text(text.replace('TITLE = "', 'TITLE = "Watched '), encoding="utf-8")
        deadline = time.monotonic() + WATCH_DEADLINE
        title = ""
        while time.monotonic() < deadline and not title.startswith("Watched "):
            # While the containers restart, the proxy answers 502 or refuses connections.
            with contextlib.suppress(requests.ConnectionError):
                contract = requests.get(f"{stack.url}{OWN}/openapi.json", timeout=5)
                if contract.ok:
                    title = contract.json()["info"]["title"]
            time.sleep(0.2)  # polling interval, not a wait for the change
    assert title.startswith("Watched "), f"the change did not show within {WATCH_DEADLINE} s"
    installed = f"/opt/venv/lib/python{answers['python_version']}/site-packages/{package}/about.py"
    owner = stack.compose("exec", "-T", "api", "stat", "-c", "%u", installed).strip()
    assert owner == "10001"
    # Plain containers again, whatever watch left running (built from the code as it is now).
    stack.compose("up", "--wait")


def test_a_plain_up_serves_the_code_as_it_is_now(stack: Stack, service: Path) -> None:
    answers = read_answers(service)
    about = service / "src" / str(answers["package_name"]) / "about.py"
    text = about.read_text(encoding="utf-8")
    about.write_text(text.replace('TITLE = "', 'TITLE = "Edited '), encoding="utf-8")
    try:
        # What a user types after an edit: no --build.
        stack.compose("up", "--wait")
        # The proxy finds the recreated api container within a second or two (its
        # resolver's `valid`): until then it may refuse, or answer 502 or 504.
        deadline = time.monotonic() + PROXY_DEADLINE
        title = ""
        while time.monotonic() < deadline and not title.startswith("Edited "):
            with contextlib.suppress(requests.ConnectionError):
                contract = requests.get(f"{stack.url}{OWN}/openapi.json", timeout=5)
                if contract.ok:
                    title = contract.json()["info"]["title"]
            time.sleep(0.2)  # polling interval, not a wait for the change
        assert title.startswith("Edited "), f"a plain up served {title!r}, not the edit"
        images = {stack.container(name)["Config"]["Image"] for name in ("api", "worker")}
        assert images == {f"{stack.project}-{answers['project_slug']}"}
    finally:
        about.write_text(text, encoding="utf-8")


def test_stop_is_graceful_and_loses_no_accepted_event(stack: Stack) -> None:
    in_flight = 8
    # The worker takes each item, then answers 3 s later: the events are in flight
    # at the service, waiting for the worker, when SIGTERM comes.
    stack.ask_worker("PUT", "/faults", {"stall_ratio": 1.0, "stall_seconds": 3.0})
    before = set(stack.ask_worker("GET", "/records")["keys"])
    numbers = range(100, 100 + in_flight)
    with ThreadPoolExecutor(in_flight) as pool:
        answers = pool.map(lambda n: stack.post_event(f"{PREFIX}/events", n), numbers)
        deadline = time.monotonic() + RECORD_DEADLINE
        while len(set(stack.ask_worker("GET", "/records")["keys"]) - before) < in_flight:
            assert time.monotonic() < deadline, "the worker did not take the events in flight"
            time.sleep(0.1)  # polling interval
        stopping = threading.Thread(target=stack.compose, args=("stop", "api"))
        stopping.start()
        accepted = [answer.json()["idempotency_key"] for answer in answers if answer.ok]
        stopping.join()
    assert len(accepted) == in_flight, "a request in flight was cut off by the stop"
    records = stack.ask_worker("GET", "/records")
    assert set(accepted) <= set(records["keys"])
    assert stack.container("api")["State"]["ExitCode"] == 0
    stack.compose("stop")
    assert stack.container("worker")["State"]["ExitCode"] == 0


def test_down_removes_every_container_network_and_volume(stack: Stack) -> None:
    stack.compose("down", "--volumes", "--timeout", "30")
    assert stack.leftovers() == []
