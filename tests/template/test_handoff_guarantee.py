"""The handoff guarantee, proven on a rendered service under gunicorn on loopback:
202 means the worker acknowledged the event, nothing accepted is lost or processed
twice while the worker fails, stalls and drops connections, and a dead worker
costs neither threads nor memory."""

from __future__ import annotations

import sys
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from relaykit.install import installed

from .processes import running

pytestmark = pytest.mark.renders

EVENTS = 2000
CLIENTS = 8
ATTEMPTS = 200


def event(number: int) -> dict[str, object]:
    return {
        "id": f"evt-{number}",
        "type": "order.created",
        "occurred_at": "2026-01-01T12:00:00Z",
        "source": "fault-test",
        "data": {"n": number},
    }


def gunicorn() -> list[str]:
    """gunicorn with the render's own gunicorn.conf.py (read from the folder it runs in),
    on a free port, saying where it listens whatever RELAY_LOG_LEVEL says."""
    return [sys.executable, "-m", "gunicorn", "--bind", "127.0.0.1:0", "--log-level", "info"]


#: The API key the clients send (the default render authenticates with API keys).
KEY = "guarantee-key-5b2c8e1f"

#: The master's line saying where it listens.
ANNOUNCE = r"Listening at: (\S+)"


def send_until_accepted(url: str, number: int) -> tuple[str, Counter[int]]:
    """Send one event until it is accepted, as a well-behaved client retries."""
    statuses: Counter[int] = Counter()
    with requests.Session() as session:
        session.headers["X-API-Key"] = KEY
        for _ in range(ATTEMPTS):
            answer = session.post(url, json=event(number), timeout=30)
            statuses[answer.status_code] += 1
            if answer.status_code == 202:
                return answer.json()["idempotency_key"], statuses
            assert answer.status_code in (503, 504), answer.text
            time.sleep(min(0.2, float(answer.headers.get("Retry-After", "0.05"))))  # client backoff
    raise AssertionError(f"event {number} was never accepted: {statuses}")


def test_nothing_accepted_is_lost_or_processed_twice_while_the_worker_misbehaves(
    rendered: Callable[[str], Path], tmp_path: Path
) -> None:
    service = rendered("defaults")
    # A third of the deliveries fail: 25% answer 503, 5% lose their connection,
    # and 5% are processed but answered after the service's read timeout.
    faults = ["--fail-ratio", "0.25", "--drop-ratio", "0.05", "--stall-ratio", "0.05",
              "--stall-seconds", "2.0", "--retry-after", "0", "--seed", "7"]  # fmt: skip
    with installed(service) as package:
        store = ["--store", str(tmp_path / "receipts.sqlite3")]
        worker_command = [sys.executable, "-m", f"{package}.worker", *store, "--port", "0", *faults]
        with running(worker_command, r"worker listening on (\S+)") as (_, worker_url):
            env = {
                "RELAY_WORKER_URL": worker_url,
                "RELAY_AUTH_KEYS": f"tests:{KEY}",
                "RELAY_WORKER_READ_TIMEOUT": "1.0",
                "RELAY_HANDOFF_DEADLINE": "3.0",
                "RELAY_HANDOFF_BACKOFF": "0.01",
                # A flaky worker that still takes most items must not trip the breaker.
                "RELAY_BREAKER_FAILURES": "20",
                "RELAY_BREAKER_RESET_AFTER": "0.5",
                "RELAY_LOG_LEVEL": "WARNING",
                "RELAY_WEB_WORKERS": "2",
                "RELAY_WEB_THREADS": str(CLIENTS // 2),
            }
            with running(gunicorn(), ANNOUNCE, env=env, cwd=service) as (_, base):
                url = f"{base}/v1/events"
                with ThreadPoolExecutor(CLIENTS) as pool:
                    outcomes = list(pool.map(lambda n: send_until_accepted(url, n), range(EVENTS)))
            records = requests.get(f"{worker_url}/records", timeout=10).json()
    accepted_keys = {key for key, _ in outcomes}
    statuses = sum((counts for _, counts in outcomes), Counter())
    duplicates = records["processed"] - len(set(records["keys"]))
    print(
        f"\nsent {EVENTS} events in {sum(statuses.values())} requests: "
        f"{dict(sorted(statuses.items()))}; worker recorded {len(records['keys'])}, "
        f"processed {records['processed']}, duplicates processed {duplicates}"
    )
    assert len(accepted_keys) == EVENTS
    assert set(records["keys"]) == accepted_keys
    assert records["processed"] == EVENTS
    assert duplicates == 0
    assert statuses[503] + statuses[504] > 0, "the worker misbehaved"


def proc_status(pid: int) -> dict[str, int]:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("Threads", "VmRSS"):
            fields[name] = int(value.split()[0])
    return fields


def test_a_dead_worker_costs_no_threads_and_no_memory(rendered: Callable[[str], Path]) -> None:
    threads = 4
    service = rendered("defaults")
    with installed(service):
        env = {
            "RELAY_WORKER_URL": "http://127.0.0.1:9",
            "RELAY_AUTH_KEYS": f"tests:{KEY}",
            "RELAY_LOG_LEVEL": "ERROR",
            "RELAY_WEB_WORKERS": "1",
            "RELAY_WEB_THREADS": str(threads),
        }
        with running(gunicorn(), ANNOUNCE, env=env, cwd=service) as (master, base):
            url = f"{base}/v1/events"

            def burst(count: int) -> Counter[int]:
                def send(numbers: range) -> Counter[int]:
                    with requests.Session() as session:
                        session.headers["X-API-Key"] = KEY
                        return Counter(
                            session.post(url, json=event(n), timeout=30).status_code
                            for n in numbers
                        )

                with ThreadPoolExecutor(CLIENTS) as pool:
                    parts = pool.map(send, [range(i, count, CLIENTS) for i in range(CLIENTS)])
                    return sum(parts, Counter())

            # Warm up: imports, pools, the breaker opens, the thread pool fills.
            assert burst(200) == Counter({503: 200})
            child = int(
                Path(f"/proc/{master.pid}/task/{master.pid}/children").read_text().split()[0]
            )
            before = proc_status(child)
            assert burst(2000) == Counter({503: 2000})
            after = proc_status(child)
    print(f"\ngunicorn worker with the worker down: {before} -> {after} after 2000 refusals")
    # gthread runs at most --threads request threads, beside its main thread and
    # the thread that waits for connections: nothing grows per request.
    assert after["Threads"] <= threads + 2
    assert after["VmRSS"] - before["VmRSS"] < 4096, "RSS grew by more than 4 MiB"
