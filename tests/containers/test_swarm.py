"""The render's stack file on Docker Swarm: the proxy, 3 API replicas and the reference
worker; traffic spread across the replicas; scaling and a rolling update under load
that lose no accepted event and answer no 5xx but documented 503s.

The figures it prints (``pytest -s``) are those of docs/deployment.md.
"""

from __future__ import annotations

import secrets
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

import pytest
import requests

from .compose import free_port
from .swarm import SwarmStack
from .swarm import docker
from .swarm import stack_deployed
from .swarm import swarm_mode

pytestmark = pytest.mark.containers

#: Clients posting at once, each on its own keep-alive connection to the proxy.
CLIENTS = 12

#: Requests sent one after another to see which replicas answer.
SPREAD_REQUESTS = 60

#: Seconds a log line may take to reach `docker service logs`.
LOG_DEADLINE = 30


@dataclass(frozen=True)
class Deployed:
    """The deployed stack and the API key its clients send."""

    stack: SwarmStack
    key: str


@pytest.fixture(scope="module")
def deployed(
    engine: None, rendered: Callable[[str], Path], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Deployed]:
    """The default render's stack, deployed with its own image, keys and token."""
    service = rendered("defaults")
    unique = f"relaykit-swarm-{uuid.uuid4().hex[:10]}"
    image = f"{unique}:test"
    docker("build", "--quiet", "--tag", image, str(service))
    key = secrets.token_urlsafe(24)
    keys = tmp_path_factory.mktemp("swarm") / "api-keys"
    keys.write_text(f"swarm-test:{key}\n", encoding="utf-8")
    token = keys.with_name("worker-token")
    token.write_text(secrets.token_urlsafe(24), encoding="utf-8")
    environment = {"IMAGE": image, "API_KEYS_FILE": str(keys), "WORKER_TOKEN_FILE": str(token)}
    try:
        with swarm_mode(), stack_deployed(service, unique, free_port(), environment) as stack:
            wait_for_replicas(stack, 3)
            yield Deployed(stack, key)
    finally:
        docker("image", "rm", image)


def wait_for_replicas(stack: SwarmStack, count: int) -> None:
    """Until ``count`` API tasks run and the proxy answers."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if len(stack.running_tasks("api")) == count:
            try:
                if requests.get(f"{stack.url}/readyz", timeout=5).status_code == 200:
                    return
            except requests.ConnectionError:
                pass
        time.sleep(0.5)
    raise AssertionError(f"{count} API replicas never ran: {stack.running_tasks('api')}")


def event(event_id: str) -> dict[str, object]:
    return {
        "id": event_id,
        "type": "order.created",
        "source": "swarm-test",
        "occurred_at": "2026-01-01T12:00:00Z",
        "data": {"id": event_id},
    }


def post(session: requests.Session, deployed: Deployed, event_id: str) -> requests.Response:
    """POST one event through the proxy, with its id as the request id."""
    return session.post(
        f"{deployed.stack.url}/v1/events",
        json=event(event_id),
        headers={"X-API-Key": deployed.key, "X-Request-ID": event_id},
        timeout=60,
    )


def answered_by(stack: SwarmStack, request_ids: set[str]) -> dict[str, set[str]]:
    """Which task logged each request id, once every id is in the logs."""
    deadline = time.monotonic() + LOG_DEADLINE
    while True:
        found = stack.answered_by(request_ids)
        if set().union(*found.values()) == request_ids or time.monotonic() > deadline:
            return found
        time.sleep(0.5)


def test_traffic_spreads_across_the_replicas(deployed: Deployed) -> None:
    run = uuid.uuid4().hex[:8]
    sent = {f"spread-{run}-{number}" for number in range(SPREAD_REQUESTS)}
    with requests.Session() as session:  # one keep-alive connection to the proxy
        statuses = Counter(post(session, deployed, event_id).status_code for event_id in sent)
    assert statuses == {202: SPREAD_REQUESTS}
    found = answered_by(deployed.stack, sent)
    # Every request was answered by exactly one replica, and each of the 3 took some.
    assert sorted(set().union(*found.values())) == sorted(sent)
    assert sum(len(ids) for ids in found.values()) == SPREAD_REQUESTS
    assert len(found) == 3, found.keys()
    print("\nshare per replica:", {task: len(ids) for task, ids in sorted(found.items())})


@dataclass
class Load:
    """Clients posting events until stopped; what each request got."""

    deployed: Deployed
    run: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    stop: threading.Event = field(default_factory=threading.Event)
    statuses: Counter[int] = field(default_factory=Counter)
    accepted_keys: set[str] = field(default_factory=set)
    request_ids: set[str] = field(default_factory=set)
    failures: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def client(self, number: int) -> None:
        with requests.Session() as session:
            sent = 0
            while not self.stop.is_set():
                event_id = f"load-{self.run}-{number}-{sent}"
                sent += 1
                try:
                    answer = post(session, self.deployed, event_id)
                except requests.RequestException as error:
                    with self.lock:
                        self.failures.append(f"{event_id}: {error!r}")
                    continue
                with self.lock:
                    self.request_ids.add(event_id)
                    self.statuses[answer.status_code] += 1
                    if answer.status_code == 202:
                        self.accepted_keys.add(answer.json()["idempotency_key"])

    @property
    def sent(self) -> int:
        with self.lock:
            return sum(self.statuses.values()) + len(self.failures)


def wait_for_requests(load: Load, more: int) -> None:
    """Until ``more`` requests beyond those sent so far were answered (or failed)."""
    target = load.sent + more
    deadline = time.monotonic() + 120
    while load.sent < target:
        assert time.monotonic() < deadline, "the load stopped making progress"
        time.sleep(0.1)


def test_scaling_and_a_rolling_update_under_load_lose_nothing(deployed: Deployed) -> None:
    stack = deployed.stack
    load = Load(deployed)
    clients = [threading.Thread(target=load.client, args=(n,)) for n in range(CLIENTS)]
    for client in clients:
        client.start()
    timings = {}
    try:
        wait_for_requests(load, 100)
        for replicas in (5, 2, 3):
            started = time.monotonic()
            docker("service", "scale", "--detach=false", f"{stack.service('api')}={replicas}")
            wait_for_replicas(stack, replicas)
            timings[f"scale to {replicas}"] = time.monotonic() - started
            wait_for_requests(load, 100)
        started = time.monotonic()
        docker("service", "update", "--detach=false", "--force", stack.service("api"))
        timings["rolling update"] = time.monotonic() - started
        wait_for_replicas(stack, 3)
        wait_for_requests(load, 100)
    finally:
        load.stop.set()
        for client in clients:
            client.join(timeout=120)
    records = stack.ask_worker("GET", "/records")
    shares = {task: len(ids) for task, ids in sorted(answered_by(stack, load.request_ids).items())}
    print(
        f"\nrequests {load.sent}, statuses {dict(load.statuses)}, failures {len(load.failures)},"
        f" worker processed {records['processed']}, seconds {timings}, share per task {shares}"
    )
    # No request failed for want of an answer: no reset, no timeout.
    assert load.failures == []
    # Nothing but 202 and the documented 503 (worker unavailable, try again).
    assert set(load.statuses) <= {202, 503}, load.statuses
    # Every accepted event is at the worker, and none was processed twice.
    assert load.accepted_keys <= set(records["keys"])
    assert records["processed"] == len(records["keys"])
