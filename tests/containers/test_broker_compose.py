"""The amqp transport in containers: a render's docker-compose.broker.yml on top of its
docker-compose.yml, checked as compose reads it, then booted for real with RabbitMQ
(the stand-in of :data:`~.compose.RABBITMQ_IMAGE` where no registry can be reached)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from relaykit.install import read_answers

from .compose import ASK_WORKER
from .compose import RABBITMQ_IMAGE
from .compose import Stack
from .compose import stack_up

pytestmark = pytest.mark.containers

#: The compose files of the broker setup, in the order a user gives them.
FILES = ("docker-compose.yml", "docker-compose.broker.yml")

#: The broker's local account, used while .env does not name one.
LOCAL_USER, LOCAL_PASSWORD = "relay", "relay-local-broker-password"

#: Seconds the worker may take to consume what the broker holds, once it runs.
CONSUME_DEADLINE = 60

#: The queue of the defaults render (RELAY_BROKER_QUEUE's default: <project_slug>.items).
QUEUE = "relay-service.items"

#: Events posted while the worker is stopped.
HELD = 5


def compose_config(service: Path, *files: str, **env: str) -> dict[str, Any]:
    """``docker compose config`` of ``files`` in ``service``, as JSON, with ``env`` set."""
    options = [option for name in files for option in ("--file", name)]
    configured = subprocess.run(
        ["docker", "compose", *options, "config", "--format", "json"],
        cwd=service, capture_output=True, text=True, timeout=120,
        env={"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", **env},
    )  # fmt: skip
    assert configured.returncode == 0, configured.stderr
    config: dict[str, Any] = json.loads(configured.stdout)
    return config


def broker_settings(environment: dict[str, str]) -> dict[str, str]:
    return {name: value for name, value in environment.items() if name.startswith("RELAY_BROKER")}


@pytest.mark.usefixtures("compose_cli")
def test_plain_up_has_no_broker_and_hands_off_over_http(rendered: Callable[[str], Path]) -> None:
    services = compose_config(rendered("defaults"), "docker-compose.yml")["services"]
    assert sorted(services) == ["api", "proxy", "worker"]
    assert "RELAY_TRANSPORT" not in services["api"]["environment"]
    assert services["api"]["environment"]["RELAY_WORKER_URL"] == "http://worker:8081"


@pytest.mark.parametrize("name", ["defaults", "port-and-prefixes"])
@pytest.mark.usefixtures("compose_cli")
def test_the_broker_file_adds_rabbitmq_and_switches_both_sides_to_amqp(
    rendered: Callable[[str], Path], name: str
) -> None:
    service = rendered(name)
    answers = read_answers(service)
    services = compose_config(service, *FILES)["services"]
    assert sorted(services) == ["api", "broker", "proxy", "worker"]
    broker, api, worker = services["broker"], services["api"], services["worker"]
    assert broker["image"] == RABBITMQ_IMAGE
    assert "ports" not in broker  # only the service and the worker reach it
    assert broker["hostname"] == "broker"  # the node's name, which names its data folder
    assert broker["healthcheck"]["test"][:2] == ["CMD", "rabbitmq-diagnostics"]
    assert [(mount["source"], mount["target"]) for mount in broker["volumes"]] == [
        ("broker-data", "/var/lib/rabbitmq")
    ]
    assert broker["environment"] == {
        "RABBITMQ_DEFAULT_USER": LOCAL_USER,
        "RABBITMQ_DEFAULT_PASS": LOCAL_PASSWORD,
    }
    expected = {
        "RELAY_BROKER_URL": f"amqp://{LOCAL_USER}:{LOCAL_PASSWORD}@broker:5672/%2F",
        "RELAY_BROKER_QUEUE": f"{answers['project_slug']}.items",
        "RELAY_BROKER_DELIVERY_LIMIT": "20",
        "RELAY_BROKER_PREFETCH": "50",
    }
    for side in (api, worker):
        assert side["environment"]["RELAY_TRANSPORT"] == "amqp"
        assert broker_settings(side["environment"]) == expected
        assert side["depends_on"]["broker"]["condition"] == "service_healthy"
    # What plain up has stays: the worker's token, the api waiting for a healthy worker.
    assert api["depends_on"]["worker"]["condition"] == "service_healthy"
    assert api["environment"]["RELAY_WORKER_TOKEN"] == worker["environment"]["RELAY_WORKER_TOKEN"]
    assert worker["command"][-2:] == ["--store", "/var/lib/worker/receipts.sqlite3"]
    assert worker["command"][:3] == ["python", "-m", f"{answers['package_name']}.worker"]
    assert [(mount["source"], mount["target"]) for mount in worker["volumes"]] == [
        ("worker-data", "/var/lib/worker")
    ]
    assert (
        worker["healthcheck"]
        == compose_config(service, FILES[0])["services"]["worker"]["healthcheck"]
    )


@pytest.mark.usefixtures("compose_cli")
def test_the_broker_account_and_queue_come_from_the_environment(
    rendered: Callable[[str], Path],
) -> None:
    services = compose_config(
        rendered("defaults"), *FILES,
        RABBITMQ_DEFAULT_USER="ops", RABBITMQ_DEFAULT_PASS="s3cret-pass",
        RELAY_BROKER_QUEUE="orders", RELAY_BROKER_DELIVERY_LIMIT="9",
    )["services"]  # fmt: skip
    assert services["broker"]["environment"] == {
        "RABBITMQ_DEFAULT_USER": "ops",
        "RABBITMQ_DEFAULT_PASS": "s3cret-pass",
    }
    for side in ("api", "worker"):
        settings = broker_settings(services[side]["environment"])
        assert settings["RELAY_BROKER_URL"] == "amqp://ops:s3cret-pass@broker:5672/%2F"
        assert settings["RELAY_BROKER_QUEUE"] == "orders"
        assert settings["RELAY_BROKER_DELIVERY_LIMIT"] == "9"


@pytest.mark.usefixtures("compose_cli")
def test_the_broker_file_follows_the_compose_spec(rendered: Callable[[str], Path]) -> None:
    checked = subprocess.run(
        [str(Path(sys.executable).parent / "check-jsonschema"), "--builtin-schema",
         "vendor.compose-spec", FILES[1]],
        cwd=rendered("defaults"), capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert checked.returncode == 0, checked.stdout + checked.stderr


# The stack, booted once for the tests below (which run in this order).


@pytest.fixture(scope="module")
def stack(rabbitmq_image: None, rendered: Callable[[str], Path]) -> Iterator[Stack]:
    started = time.monotonic()
    with stack_up(rendered("defaults"), *FILES) as running_stack:
        print(
            f"\ndocker compose up --build --wait with the broker: {time.monotonic() - started:.1f} s"
        )
        yield running_stack


def records(stack: Stack) -> dict[str, Any] | None:
    """The worker's /records, or None while it does not answer (stopped, starting)."""
    asked = stack.run("exec", "-T", "worker", "python", "-c", ASK_WORKER, "GET", "/records", "")
    return json.loads(asked.stdout) if asked.returncode == 0 else None


def wait_for_keys(stack: Stack, keys: set[str]) -> dict[str, Any]:
    """Poll the worker's /records until it lists every key of ``keys``; its last answer."""
    deadline = time.monotonic() + CONSUME_DEADLINE
    seen = records(stack)
    while (seen is None or not keys <= set(seen["keys"])) and time.monotonic() < deadline:
        seen = records(stack)
    assert seen is not None, "the worker never answered"
    missing = keys - set(seen["keys"])
    assert not missing, f"not consumed within {CONSUME_DEADLINE} s: {sorted(missing)}"
    return seen


def queues(stack: Stack) -> dict[str, dict[str, Any]]:
    """The broker's queues by name, with their type and messages (ready and unacknowledged)."""
    listed = stack.compose(
        "exec", "-T", "broker", "rabbitmqctl", "-q", "list_queues", "name", "type", "messages",
        "--formatter", "json",
    )  # fmt: skip
    return {queue["name"]: queue for queue in json.loads(listed)}


def wait_for_messages(stack: Stack, queue: str, count: int) -> None:
    """Poll until ``queue`` holds ``count`` messages: a quorum queue's count is refreshed
    on the queue's periodic tick, not on every message."""
    deadline = time.monotonic() + CONSUME_DEADLINE
    held = queues(stack)[queue]["messages"]
    while held != count and time.monotonic() < deadline:
        held = queues(stack)[queue]["messages"]
    assert held == count, f"{queue} holds {held} messages, not {count}"


def wait_healthy(stack: Stack, service: str) -> None:
    """Poll until the service's container is healthy again (after a start)."""
    deadline = time.monotonic() + CONSUME_DEADLINE
    health = stack.container(service)["State"]["Health"]["Status"]
    while health != "healthy" and time.monotonic() < deadline:
        health = stack.container(service)["State"]["Health"]["Status"]
    assert health == "healthy", f"{service} is {health}"


def test_the_broker_is_healthy_private_and_the_service_ready_through_it(stack: Stack) -> None:
    for name in ("broker", "api", "worker"):
        assert stack.container(name)["State"]["Health"]["Status"] == "healthy", name
    assert not stack.container("broker")["HostConfig"]["PortBindings"]
    # The worker's store folder, on its volume, belongs to the image's user.
    owner = stack.compose("exec", "-T", "worker", "stat", "-c", "%u", "/var/lib/worker")
    assert owner.strip() == "10001"
    ready = requests.get(f"{stack.url}/readyz", timeout=10)
    assert ready.status_code == 200, ready.text
    assert ready.json()["checks"]["broker"] == "ok"


def test_an_accepted_event_is_confirmed_by_the_broker_and_consumed(stack: Stack) -> None:
    answer = stack.post_event("/v1/events", 1)
    assert answer.status_code == 202, answer.text
    key = answer.json()["idempotency_key"]
    assert answer.json()["worker_receipt"]["queue"] == QUEUE
    wait_for_keys(stack, {key})
    declared = queues(stack)
    assert declared[QUEUE]["type"] == "quorum"
    assert f"{QUEUE}.dead" in declared
    files = stack.compose("exec", "-T", "worker", "ls", "/var/lib/worker").split()
    assert "receipts.sqlite3" in files


def test_the_broker_holds_events_while_the_worker_is_stopped(stack: Stack) -> None:
    first = stack.post_event("/v1/events", 99)
    assert first.status_code == 202, first.text
    known = first.json()["idempotency_key"]
    wait_for_keys(stack, {known})
    stack.compose("stop", "worker")
    answers = [stack.post_event("/v1/events", 100 + n) for n in range(HELD)]
    assert [answer.status_code for answer in answers] == [202] * HELD, answers[-1].text
    keys = {answer.json()["idempotency_key"] for answer in answers}
    wait_for_messages(stack, QUEUE, HELD)  # the broker holds them, with no consumer
    stack.compose("start", "worker")
    # Each one once, and what the worker processed before its restart still known (its
    # store is on the worker-data volume): the store counts an item processed twice as a
    # difference between what it processed and the keys it holds.
    after = wait_for_keys(stack, keys | {known})
    assert after["processed"] == len(after["keys"]) == len(set(after["keys"]))
    wait_for_messages(stack, QUEUE, 0)
    wait_healthy(stack, "worker")  # as the other tests here expect it, whatever their order
