"""The handoff guarantee over the ``amqp`` transport, proven on a rendered service under
gunicorn, a real RabbitMQ node and the reference worker consuming from it: every 202 is
consumed by the worker exactly once, while the broker restarts, while the worker is
killed, and when the worker is down for the whole run and started afterwards."""

from __future__ import annotations

import importlib.util
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import uuid4

import pika
import pytest
import requests

from relaykit.install import installed

from ..conftest import missing
from .processes import running
from .test_handoff_guarantee import ANNOUNCE
from .test_handoff_guarantee import KEY
from .test_handoff_guarantee import event
from .test_handoff_guarantee import gunicorn

pytestmark = pytest.mark.renders

#: Set to 1 to make a missing rabbitmq-server a failure instead of a skip.
BROKER_SWITCH = "RELAYKIT_BROKER_TESTS"

EVENTS = 1200
CLIENTS = 8
#: The longest one event may take to be accepted, and the worker to consume them all, in seconds.
DEADLINE = 120

#: The worker's line saying where its control API listens.
WORKER_ANNOUNCE = r"worker listening on (\S+)"


@dataclass
class Broker:
    """The rendered service's package and a RabbitMQ node the tests share."""

    package: str
    service: Path
    node: Any  # the render's worker.rabbitmq.RabbitMQNode

    def environment(self, queue: str) -> dict[str, str]:
        """What the service and the worker both read: the transport, the node, the queue."""
        return {
            "RELAY_TRANSPORT": "amqp",
            "RELAY_BROKER_URL": self.node.url,
            "RELAY_BROKER_QUEUE": queue,
        }

    def depths(self, queue: str) -> tuple[int, int]:
        """Messages ready in the items' queue and in its dead-letter queue."""
        connection = pika.BlockingConnection(pika.URLParameters(self.node.url))
        try:
            channel = connection.channel()
            ready = channel.queue_declare(queue, passive=True).method.message_count
            dead = channel.queue_declare(f"{queue}.dead", passive=True).method.message_count
            return ready, dead
        finally:
            connection.close()


@pytest.fixture(scope="module")
def broker(
    rendered: Callable[[str], Path], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Broker]:
    """The default render, installed, and a RabbitMQ node of this module's own.

    Skipped where ``rabbitmq-server`` is not installed, unless ``RELAYKIT_BROKER_TESTS=1``.
    """
    service = rendered("defaults")
    with installed(service) as package:
        rabbitmq = load_module(service / "src" / package / "worker" / "rabbitmq.py")
        try:
            node = rabbitmq.start_rabbitmq_node(tmp_path_factory.mktemp("rabbitmq"))
        except rabbitmq.RabbitMQMissingError as error:
            missing(BROKER_SWITCH, str(error), "broker tier")
        try:
            yield Broker(package, service, node)
        finally:
            node.stop()


def load_module(path: Path) -> Any:
    """The module in ``path``: the render's package is installed for its subprocesses,
    after this interpreter read its site folders. The node helper needs only the stdlib."""
    spec = importlib.util.spec_from_file_location(f"render_{path.stem}", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


class Load:
    """Clients that send events until each is accepted, as well-behaved clients retry,
    counting the 202s so that a fault can be set off part way through."""

    def __init__(self, url: str, gate: tuple[int, threading.Event] | None = None) -> None:
        """:param gate: ``(number, event)``: events from ``number`` on wait for ``event``."""
        self.url = url
        self.gate = gate
        self.accepted = 0
        self.statuses: Counter[int] = Counter()
        self._lock = threading.Lock()
        self._milestones: list[tuple[int, threading.Event]] = []

    def when_accepted(self, count: int) -> threading.Event:
        """An event set once ``count`` events were accepted."""
        reached = threading.Event()
        with self._lock:
            self._milestones.append((count, reached))
        return reached

    def send(self, number: int) -> str:
        """Send event ``number`` until it gets a 202; its idempotency key."""
        if self.gate is not None and number >= self.gate[0]:
            assert self.gate[1].wait(DEADLINE), "the gate never opened"
        deadline = time.monotonic() + DEADLINE
        with requests.Session() as session:
            session.headers["X-API-Key"] = KEY
            while time.monotonic() < deadline:
                answer = session.post(self.url, json=event(number), timeout=30)
                with self._lock:
                    self.statuses[answer.status_code] += 1
                if answer.status_code == 202:
                    self._count()
                    key: str = answer.json()["idempotency_key"]
                    return key
                assert answer.status_code in (503, 504), answer.text
                assert "Retry-After" in answer.headers or answer.status_code == 504, answer.headers
                # The client's backoff, as Retry-After asks, capped for the test's pace.
                time.sleep(min(0.2, float(answer.headers.get("Retry-After", "0.05"))))
        raise AssertionError(f"event {number} was never accepted: {self.statuses}")

    def run(self) -> set[str]:
        """Send every event; the keys of the accepted ones."""
        with ThreadPoolExecutor(CLIENTS) as pool:
            return set(pool.map(self.send, range(EVENTS)))

    def _count(self) -> None:
        with self._lock:
            self.accepted += 1
            for count, reached in self._milestones:
                if self.accepted >= count:
                    reached.set()


def service_env(broker: Broker, queue: str) -> dict[str, str]:
    return {
        **broker.environment(queue),
        "RELAY_AUTH_KEYS": f"tests:{KEY}",
        "RELAY_BREAKER_RESET_AFTER": "0.5",
        "RELAY_LOG_LEVEL": "WARNING",
        "RELAY_WEB_WORKERS": "2",
        "RELAY_WEB_THREADS": str(CLIENTS // 2),
    }


def consuming_worker(broker: Broker, queue: str, store: Path) -> AbstractContextManager[Any]:
    """The reference worker consuming ``queue``, keeping its keys in ``store``."""
    worker = f"{broker.package}.worker"
    command = [sys.executable, "-m", worker, "--port", "0", "--store", str(store)]
    return running(command, WORKER_ANNOUNCE, env=broker.environment(queue))


def records(worker_url: str) -> dict[str, Any]:
    answer: dict[str, Any] = requests.get(f"{worker_url}/records", timeout=10).json()
    return answer


def consumed(worker_url: str, keys: set[str]) -> dict[str, Any]:
    """The worker's records once it has processed every key in ``keys``."""
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        seen = records(worker_url)
        if keys <= set(seen["keys"]):
            return seen
        time.sleep(0.1)  # polling the worker's records, not waiting in their place
    missing = len(keys - set(records(worker_url)["keys"]))
    raise AssertionError(f"{missing} accepted events were never consumed")


def assert_exactly_once(
    broker: Broker, queue: str, accepted: set[str], seen: dict[str, Any], load: Load
) -> None:
    duplicates = seen["processed"] - len(set(seen["keys"]))
    ready, dead = broker.depths(queue)
    print(
        f"\nsent {EVENTS} events in {sum(load.statuses.values())} requests: "
        f"{dict(sorted(load.statuses.items()))}; the worker processed {seen['processed']}, "
        f"duplicates processed {duplicates}, duplicates acked unprocessed "
        f"{seen['consumer']['duplicates']}; left in the queue {ready}, dead-lettered {dead}"
    )
    assert len(accepted) == EVENTS
    assert set(seen["keys"]) == accepted
    assert seen["processed"] == EVENTS
    assert duplicates == 0
    assert (ready, dead) == (0, 0)


def test_every_202_is_consumed_once_while_the_broker_restarts(
    broker: Broker, tmp_path: Path
) -> None:
    queue = f"restart-{uuid4().hex}"
    with consuming_worker(broker, queue, tmp_path / "receipts.sqlite3") as (_, worker_url):
        env = service_env(broker, queue)
        with running(gunicorn(), ANNOUNCE, env=env, cwd=broker.service) as (_, base):
            # The second half waits until the broker is down, so that the restart is
            # in the middle of the load however fast the first half went.
            stopped = threading.Event()
            load = Load(f"{base}/v1/events", gate=(EVENTS // 2, stopped))
            third = load.when_accepted(EVENTS // 3)

            def restart() -> None:
                try:
                    if third.wait(DEADLINE):
                        broker.node.stop()
                finally:
                    stopped.set()
                broker.node.start()

            restarter = threading.Thread(target=restart)
            restarter.start()
            accepted = load.run()
            restarter.join()
        seen = consumed(worker_url, accepted)
    assert load.statuses[503] > 0
    assert_exactly_once(broker, queue, accepted, seen, load)


def test_every_202_is_consumed_once_while_the_worker_is_killed(
    broker: Broker, tmp_path: Path
) -> None:
    queue = f"kill-{uuid4().hex}"
    store = tmp_path / "receipts.sqlite3"
    env = service_env(broker, queue)
    with running(gunicorn(), ANNOUNCE, env=env, cwd=broker.service) as (_, base):
        load = Load(f"{base}/v1/events")
        third = load.when_accepted(EVENTS // 3)
        sender = ThreadPoolExecutor(1)
        sending = sender.submit(load.run)
        with consuming_worker(broker, queue, store) as (worker, worker_url):
            assert third.wait(DEADLINE)
            # Killed in the middle of its work: messages in hand are unacknowledged,
            # some already recorded; RabbitMQ delivers them again to the next worker.
            deadline = time.monotonic() + DEADLINE
            while records(worker_url)["processed"] == 0:
                assert time.monotonic() < deadline, "the worker consumed nothing"
                time.sleep(0.05)  # polling the worker's records
            worker.kill()
            worker.wait(timeout=30)
        accepted = sending.result(timeout=DEADLINE)
        sender.shutdown()
    with consuming_worker(broker, queue, store) as (_, worker_url):
        seen = consumed(worker_url, accepted)
    assert_exactly_once(broker, queue, accepted, seen, load)


def test_every_202_is_consumed_once_by_a_worker_started_after_the_run(
    broker: Broker, tmp_path: Path
) -> None:
    queue = f"later-{uuid4().hex}"
    env = service_env(broker, queue)
    with running(gunicorn(), ANNOUNCE, env=env, cwd=broker.service) as (_, base):
        load = Load(f"{base}/v1/events")
        accepted = load.run()
    # No worker consumed anything: the broker holds every accepted event.
    assert broker.depths(queue) == (EVENTS, 0)
    with consuming_worker(broker, queue, tmp_path / "receipts.sqlite3") as (_, worker_url):
        seen = consumed(worker_url, accepted)
    assert load.statuses == Counter({202: EVENTS})
    assert_exactly_once(broker, queue, accepted, seen, load)
