"""The metrics of a rendered service under gunicorn with 4 worker processes and the
reference worker on loopback: a known mix of traffic, spread over every process, is
found exact in /metrics, counter by counter; and a worker process that dies leaves its
counters counted once and takes its gauges with it."""

from __future__ import annotations

import os
import signal
import socket
import sys
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests
from prometheus_client import CollectorRegistry
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.parser import text_string_to_metric_families

from relaykit.install import installed

from .processes import running

pytestmark = pytest.mark.renders

KEY = "metrics-key-3e9a7c21"
PROCESSES = 4
CLIENTS = 16
#: How long the processes may take to all serve some of the traffic, in seconds.
SPREAD_DEADLINE = 120
SHM = Path("/dev/shm")
#: The events pipeline's steps under the test's settings, up to drop_matching and after it.
STEPS_BEFORE_DROPPING = ("trim_strings", "normalise_keys", "lowercase_values", "drop_nulls",
                         "drop_matching")  # fmt: skip
STEPS_AFTER_DROPPING = ("rename_fields", "stamp_request")

Labels = frozenset[tuple[str, str]]
Samples = dict[tuple[str, Labels], float]


def event(name: str, **changes: Any) -> dict[str, Any]:
    return {
        "id": name,
        "type": "order.created",
        "occurred_at": "2026-01-01T12:00:00Z",
        "source": "metrics-test",
        "data": {},
        **changes,
    }


def labels(**pairs: str) -> Labels:
    return frozenset(pairs.items())


class Traffic:
    """Sends requests and keeps what the service must have counted for them."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.requests: Counter[tuple[str, str, int]] = Counter()  # route, method, status
        self.events: Counter[str] = Counter()  # outcome
        self.rejected: Counter[str] = Counter()  # reason
        self.deliveries: Counter[tuple[str, str]] = Counter()  # kind, outcome
        self.attempts: Counter[str] = Counter()
        self.retries: Counter[str] = Counter()
        self.batches = 0
        self.batch_events = 0
        self.piped = 0  # events that ran through the pipeline
        self.filtered = 0  # of those, filtered out by drop_matching

    def merge(self, other: Traffic) -> None:
        """Add what another client sent (each client thread keeps its own)."""
        for name, mine in vars(self).items():
            if isinstance(mine, Counter):
                mine.update(getattr(other, name))
        self.batches += other.batches
        self.batch_events += other.batch_events
        self.piped += other.piped
        self.filtered += other.filtered

    def send(
        self, session: requests.Session, method: str, path: str, route: str, **kwargs: Any
    ) -> requests.Response:
        answer = session.request(method, self.base + path, timeout=30, **kwargs)
        self.requests[route, method, answer.status_code] += 1
        return answer

    def mix(self, session: requests.Session, number: int) -> None:
        """One round of every kind of request the healthy service answers."""
        events, batch = "/v1/events", "/v1/events:batch"
        cases: list[tuple[str, dict[str, Any], int, str, str]] = [
            (events, {"json": event(f"a-{number}")}, 202, "accepted", ""),
            (events, {"json": event(f"f-{number}", type="test.skip")}, 200, "filtered", ""),
            (events, {"json": event("", type="no type!")}, 422, "rejected", "validation"),
            (events, {"json": event(f"k-{number}"), "headers": {"X-API-Key": "wrong-key"}},
             401, "rejected", "auth"),
            (events, {"data": b"{" + b" " * 5000 + b"}",
                      "headers": {"Content-Type": "application/json"}},
             413, "rejected", "payload_too_large"),
            (events, {"json": event(f"r-{number}", data={"reject": True})}, 502, "rejected",
             "worker_rejected"),
        ]  # fmt: skip
        for path, options, status, outcome, reason in cases:
            answer = self.send(session, "POST", path, path, **options)
            assert answer.status_code == status, answer.text
            self.events[outcome] += 1
            if reason:
                self.rejected[reason] += 1
            if status in (202, 502):
                outcome_label = "acknowledged" if status == 202 else "worker_rejected"
                self.deliveries["item", outcome_label] += 1
                self.attempts["item"] += 1
        items = [
            event(f"ba-{number}"),
            event(f"bf-{number}", type="test.skip"),
            event("", type="no type!"),
            event(f"br-{number}", data={"reject": True}),
        ]
        answer = self.send(session, "POST", batch, batch, json={"events": items})
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert (body["accepted"], body["filtered"], body["rejected"]) == (1, 1, 2)
        self.events.update({"accepted": 1, "filtered": 1, "rejected": 2})
        self.rejected.update({"validation": 1, "worker_rejected": 1})
        self.deliveries["batch", "acknowledged"] += 1
        self.attempts["batch"] += 1
        self.batches += 1
        self.batch_events += len(items)
        answer = self.send(session, "GET", f"/no-such-path-{number}", "unmatched")
        assert answer.status_code == 404
        answer = self.send(session, "DELETE", events, "unmatched")
        assert answer.status_code == 405
        self.piped += 3 + 3  # accepted, filtered and refused by the worker; alone and in the batch
        self.filtered += 1 + 1

    def failing(self, session: requests.Session, number: int) -> None:
        """One event while every attempt to the worker fails: three attempts, then the
        process's breaker opens, and answers for the worker from then on."""
        answer = self.send(session, "POST", "/v1/events", "/v1/events", json=event(f"d-{number}"))
        assert answer.status_code == 503, answer.text
        self.piped += 1
        reason = "breaker_open" if "keeps failing" in answer.json()["detail"] else "worker_down"
        self.events["rejected"] += 1
        self.rejected[reason] += 1
        self.deliveries["item", reason] += 1
        if reason == "worker_down":
            self.attempts["item"] += 3
            self.retries["item"] += 2

    def scrape(self) -> tuple[Samples, Samples]:
        """What /metrics shows, and what it must show of what was sent before."""
        expected = self.expected()
        answer = requests.get(f"{self.base}/metrics", headers={"X-API-Key": KEY}, timeout=30)
        assert answer.status_code == 200, answer.text
        self.requests["/metrics", "GET", 200] += 1  # counted after it answered: shown next time
        return expected, {
            (sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(answer.text)
            for sample in family.samples
        }

    def expected(self) -> Samples:
        """Every counter the service must show, and the counts of its histograms."""
        expected: Samples = {}
        durations: Counter[tuple[str, str]] = Counter()
        for (route, method, status), count in self.requests.items():
            key = labels(route=route, method=method, status=str(status))
            expected["relay_http_requests_total", key] = count
            durations[route, method] += count
        for (route, method), count in durations.items():
            key = labels(route=route, method=method)
            expected["relay_http_request_duration_seconds_count", key] = count
        for outcome, count in self.events.items():
            expected["relay_events_total", labels(outcome=outcome)] = count
        for reason, count in self.rejected.items():
            expected["relay_events_rejected_total", labels(reason=reason)] = count
        for (kind, outcome), count in self.deliveries.items():
            expected["relay_deliveries_total", labels(kind=kind, outcome=outcome)] = count
            key = labels(kind=kind, outcome=outcome)
            expected["relay_delivery_duration_seconds_count", key] = count
        for kind, count in self.attempts.items():
            expected["relay_delivery_attempts_total", labels(kind=kind)] = count
        for kind, count in self.retries.items():
            expected["relay_delivery_retries_total", labels(kind=kind)] = count
        expected["relay_batch_events_count", labels()] = self.batches
        expected["relay_batch_events_sum", labels()] = self.batch_events
        for step in STEPS_BEFORE_DROPPING:
            key = labels(step=step)
            expected["relay_pipeline_step_runs_total", key] = self.piped
        for step in STEPS_AFTER_DROPPING:
            key = labels(step=step)
            expected["relay_pipeline_step_runs_total", key] = self.piped - self.filtered
        opened = self.deliveries["item", "worker_down"]
        if opened:
            expected["relay_breaker_transitions_total", labels(state="open")] = opened
        return expected


def counted(samples: Samples) -> Samples:
    """The samples of counters and of the counts and sums of histograms, non-zero; a
    step's time in all is checked to have grown wherever its runs are counted."""
    kept = ("_total", "_count", "relay_batch_events_sum")
    timed = {key for key in samples if key[0] == "relay_pipeline_step_seconds_total"}
    runs = {key for key in samples if key[0] == "relay_pipeline_step_runs_total"}
    assert {labels for _, labels in timed} == {labels for _, labels in runs}
    assert all(samples[key] > 0 for key in timed)
    return {
        key: value
        for key, value in samples.items()
        if key[0].startswith("relay_") and key[0].endswith(kept) and value and key not in timed
    }


def children(master: int) -> set[int]:
    return {int(pid) for pid in Path(f"/proc/{master}/task/{master}/children").read_text().split()}


def metrics_folder(master: int) -> Path:
    """The folder the master made: the one holding its own histogram file, which
    prometheus_client writes when the app is loaded in it."""
    (folder,) = [path.parent for path in SHM.glob(f"relay-metrics-*/histogram_{master}.db")]
    return folder


def breakers_open_in(folder: Path, pid: int) -> float:
    """What one process's gauge file says, read as a scrape reads it."""
    alone = folder.parent / f"{folder.name}-{pid}-alone"
    alone.mkdir()
    try:
        (alone / f"gauge_livesum_{pid}.db").write_bytes(
            (folder / f"gauge_livesum_{pid}.db").read_bytes()
        )
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=str(alone))
        return registry.get_sample_value("relay_breakers_open") or 0.0
    finally:
        for file in alone.iterdir():
            file.unlink()
        alone.rmdir()


def until(condition: Callable[[], bool], what: str, deadline: float = 60) -> None:
    ends = time.monotonic() + deadline
    while not condition():
        assert time.monotonic() < ends, f"timed out waiting until {what}"
        time.sleep(0.05)  # polling a condition, with a deadline


def test_every_counter_is_exact_across_four_processes_and_a_dead_one_counts_once(
    rendered: Callable[[str], Path], tmp_path: Path
) -> None:
    if not SHM.is_dir():
        pytest.skip("gunicorn.conf.py keeps the metrics in /dev/shm only where it exists")
    service = rendered("defaults")
    with installed(service) as package:
        store = ["--store", str(tmp_path / "receipts.sqlite3")]
        worker_command = [sys.executable, "-m", f"{package}.worker", *store, "--port", "0"]
        with running(worker_command, r"worker listening on (\S+)") as (_, worker_url):
            env = {
                "RELAY_WORKER_URL": worker_url,
                "RELAY_AUTH_KEYS": f"tests:{KEY}",
                "RELAY_WEB_WORKERS": str(PROCESSES),
                "RELAY_WEB_THREADS": "4",
                "RELAY_MAX_CONTENT_LENGTH": "4096",
                "RELAY_PIPELINE_DROP_WHEN": "type=test.*",
                "RELAY_PIPELINE_RENAME": "data.reject=reject",  # the worker refuses those
                "RELAY_HANDOFF_MAX_ATTEMPTS": "3",
                "RELAY_HANDOFF_BACKOFF": "0.001",
                "RELAY_BREAKER_FAILURES": "1",
                "RELAY_BREAKER_RESET_AFTER": "600",
                "RELAY_LOG_LEVEL": "WARNING",
            }
            command = [sys.executable, "-m", "gunicorn", "--bind", "127.0.0.1:0",
                       "--log-level", "info"]  # fmt: skip
            with running(command, r"Listening at: (\S+)", env=env, cwd=service) as (
                master,
                base,
            ):
                traffic = Traffic(base)
                folder = metrics_folder(master.pid)
                until(lambda: len(children(master.pid)) == PROCESSES, "4 processes run")
                workers = children(master.pid)

                def served() -> set[int]:
                    return {pid for pid in workers if (folder / f"counter_{pid}.db").exists()}

                # Rounds of the mix over many connections until every process served some.
                rounds = 0
                ends = time.monotonic() + SPREAD_DEADLINE
                while served() != workers:
                    assert time.monotonic() < ends, f"only {len(served())} processes served"

                    def client(number: int) -> Traffic:
                        own = Traffic(base)
                        with requests.Session() as session:
                            session.headers["X-API-Key"] = KEY
                            own.mix(session, number)
                        return own

                    with ThreadPoolExecutor(CLIENTS) as pool:
                        numbers = range(rounds * CLIENTS, (rounds + 1) * CLIENTS)
                        for own in pool.map(client, numbers):
                            traffic.merge(own)
                    rounds += 1

                # The worker fails every attempt: retries, then breakers open, per process.
                requests.put(
                    f"{worker_url}/faults", json={"fail_ratio": 1.0, "retry_after": 0}, timeout=10
                ).raise_for_status()
                for number in range(3 * PROCESSES):
                    with requests.Session() as session:  # a new connection each time
                        session.headers["X-API-Key"] = KEY
                        traffic.failing(session, number)

                expected, samples = traffic.scrape()
                assert counted(samples) == expected
                opened = traffic.deliveries["item", "worker_down"]
                assert samples["relay_breakers_open", labels()] == opened

                # A worker process dies: its counters stay, counted once; its gauge goes.
                dead = min(workers)
                open_in_dead = breakers_open_in(folder, dead)
                os.kill(dead, signal.SIGKILL)
                until(
                    lambda: not (folder / f"gauge_livesum_{dead}.db").exists(),
                    "the master marked the dead process's gauges gone",
                )
                until(lambda: len(children(master.pid)) == PROCESSES, "its replacement runs")
                assert (folder / f"counter_{dead}.db").exists()
                expected, samples = traffic.scrape()
                assert counted(samples) == expected
                assert samples["relay_breakers_open", labels()] == opened - open_in_dead
    print(
        f"\n{sum(traffic.requests.values())} requests over {rounds} rounds of {CLIENTS} "
        f"connections; {opened} breakers opened; the dead process had {open_in_dead} open"
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_the_metrics_port_alone_serves_them_whatever_the_host_header_says(
    rendered: Callable[[str], Path],
) -> None:
    service = rendered("defaults")
    port, metrics_port = free_port(), free_port()
    base, metrics = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{metrics_port}"
    with installed(service):
        env = {
            "RELAY_PORT": str(port),
            "RELAY_METRICS_PORT": str(metrics_port),
            "RELAY_AUTH_KEYS": f"tests:{KEY}",
            "RELAY_WEB_WORKERS": "1",
            "RELAY_LOG_LEVEL": "WARNING",
        }
        command = [sys.executable, "-m", "gunicorn", "--log-level", "info"]
        with running(command, r"Listening at: (\S+)", env=env, cwd=service):
            # gunicorn listens on both before its worker takes connections: they wait.
            assert requests.get(f"{base}/livez", timeout=30).status_code == 200
            scraped = requests.get(f"{metrics}/metrics", timeout=30)
            assert scraped.status_code == 200, scraped.text
            assert 'relay_http_requests_total{method="GET",route="/livez",status="200"} 1.0' in (
                scraped.text
            )
            # The service's port never serves them, even to a request naming the
            # metrics port in its Host header and carrying a key: gunicorn takes the
            # port from the socket that accepted the connection.
            spoofed = requests.get(
                f"{base}/metrics",
                headers={"X-API-Key": KEY, "Host": f"127.0.0.1:{metrics_port}"},
                timeout=30,
            )
            assert spoofed.status_code == 404
            assert spoofed.headers["Content-Type"] == "application/problem+json"
            # And the metrics port serves nothing else.
            assert requests.get(f"{metrics}/livez", timeout=30).status_code == 404
