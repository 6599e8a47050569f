"""Stopping a rendered service under gunicorn, under load, on loopback: SIGTERM drains
(not ready, answers close their connections, new connections are refused, requests
in flight finish) and resets no one; readiness follows the worker, not the breakers."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

import pytest
import requests
from urllib3.exceptions import NewConnectionError

from relaykit.install import installed

from .processes import running
from .test_handoff_guarantee import ANNOUNCE
from .test_handoff_guarantee import KEY
from .test_handoff_guarantee import event
from .test_handoff_guarantee import gunicorn

pytestmark = pytest.mark.renders

CLIENTS = 12
WORKER_ANNOUNCE = r"worker listening on (\S+)"
#: The master's line when its drain begins (serving/drain.py).
DRAINING = "Draining for"
#: What a client sets as its connect timeout: a SYN the draining replica leaves
#: unanswered is sent again, and refused once the replica is gone.
CONNECT_TIMEOUT = 20


@dataclass
class Load:
    """What the clients saw: each answer with the moment its request was sent."""

    answers: list[tuple[float, int, str, str]] = field(default_factory=list)
    refused: int = 0
    broken: list[str] = field(default_factory=list)
    ready: list[tuple[float, int, dict[str, Any]]] = field(default_factory=list)


def never_sent(error: requests.ConnectionError) -> bool:
    """Whether the request failed before a connection was made: it was never sent."""
    reason = getattr(error.args[0], "reason", None) if error.args else None
    return isinstance(error, requests.ConnectTimeout) or isinstance(reason, NewConnectionError)


def post_until_refused(url: str, first: int, load: Load) -> None:
    """Post events on a kept-alive connection, as fast as answers come, until refused."""
    with requests.Session() as session:
        session.headers["X-API-Key"] = KEY
        number = first
        while True:
            sent = time.monotonic()
            try:
                answer = session.post(url, json=event(number), timeout=(CONNECT_TIMEOUT, 30))
            except requests.ConnectionError as error:
                if never_sent(error):
                    load.refused += 1
                else:
                    load.broken.append(repr(error))
                return
            key = answer.json().get("idempotency_key", "") if answer.status_code == 202 else ""
            load.answers.append((sent, answer.status_code, answer.headers["Connection"], key))
            number += CLIENTS


def probe_until_refused(url: str, load: Load) -> None:
    """Ask /readyz on a new connection again and again, until refused."""
    while True:
        sent = time.monotonic()
        try:
            answer = requests.get(url, timeout=(CONNECT_TIMEOUT, 30))
        except requests.ConnectionError as error:
            if not never_sent(error):
                load.broken.append(repr(error))
            return
        load.ready.append((sent, answer.status_code, answer.json()))


def wait_for(condition: Callable[[], bool], what: str, deadline: float = 60) -> float:
    """Poll ``condition`` until it holds; the moment it was seen to."""
    limit = time.monotonic() + deadline
    while not condition():
        assert time.monotonic() < limit, f"never: {what}"
        time.sleep(0.01)
    return time.monotonic()


def refusing_is_permitted(package: str) -> bool:
    """Whether the kernel lets this user refuse new connections (serving/drain.py): some
    refuse socket filters to users other than root, and then a connection made in the
    last instant may be reset (docs/containers.md)."""
    probe = (
        "import socket\n"
        f"from {package}.serving.drain import refuse_new_connections\n"
        "with socket.create_server(('127.0.0.1', 0)) as listener:\n"
        "    refuse_new_connections([listener])\n"
    )
    return subprocess.run([sys.executable, "-c", probe], capture_output=True).returncode == 0


def stop_under_load(service: Path, package: str, drain_seconds: str, store: Path) -> dict[str, Any]:
    """SIGTERM gunicorn's master while clients post events; what everyone saw.

    :param store: the reference worker's store, a file of this run's own.
    """
    load = Load()
    output: list[str] = []
    worker = [sys.executable, "-m", f"{package}.worker", "--store", str(store), "--port", "0"]
    with running(worker, WORKER_ANNOUNCE) as (_, worker_url):
        env = {
            "RELAY_WORKER_URL": worker_url,
            "RELAY_AUTH_KEYS": f"tests:{KEY}",
            "RELAY_LOG_LEVEL": "WARNING",
            "RELAY_WEB_WORKERS": "2",
            "RELAY_WEB_THREADS": "4",
            "RELAY_DRAIN_SECONDS": drain_seconds,
        }
        with running(gunicorn(), ANNOUNCE, env=env, cwd=service, output=output) as (
            master,
            base,
        ):
            threads = [
                threading.Thread(target=post_until_refused, args=(f"{base}/v1/events", n, load))
                for n in range(CLIENTS)
            ]
            threads.append(
                threading.Thread(target=probe_until_refused, args=(f"{base}/readyz", load))
            )
            for thread in threads:
                thread.start()
            wait_for(lambda: len(load.answers) >= 200, "200 answers under load")
            master.send_signal(signal.SIGTERM)
            terminated = time.monotonic()
            draining = (
                wait_for(lambda: any(DRAINING in line for line in output), "the drain began")
                if drain_seconds != "0"
                else terminated
            )
            status = master.wait(timeout=120)
            stopped = time.monotonic()
            for thread in threads:
                thread.join(timeout=120)
        records = requests.get(f"{worker_url}/records", timeout=10).json()
    return {
        "load": load,
        "output": "".join(output),
        "status": status,
        "draining": draining,
        "stop_seconds": stopped - terminated,
        "worker_keys": set(records["keys"]),
    }


def summary(run: dict[str, Any]) -> str:
    load: Load = run["load"]
    after = [a for a in load.answers if a[0] >= run["draining"]]
    return (
        f"answers {len(load.answers)} ({len(after)} sent while draining, "
        f"{Counter(a[2] for a in after)}), refused at connect {load.refused}, "
        f"reset or broken {len(load.broken)}, stopped in {run['stop_seconds']:.1f} s"
    )


def test_sigterm_under_load_drains_and_resets_no_one(
    rendered: Callable[[str], Path], tmp_path: Path
) -> None:
    service = rendered("defaults")
    with installed(service) as package:
        if not refusing_is_permitted(package):
            pytest.skip("this kernel refuses socket filters to this user")
        run = stop_under_load(service, package, "3", tmp_path / "receipts.sqlite3")
    load: Load = run["load"]
    print(f"\ndrain on SIGTERM: {summary(run)}")
    assert run["status"] == 0, run["output"][-3000:]
    assert "SIGKILL" not in run["output"]
    assert load.broken == []  # no reset: every request answered, or refused at connect
    assert load.refused > 0, "the stopped replica refused new connections"
    accepted = {key for _, status, _, key in load.answers if status == 202}
    assert {status for _, status, _, _ in load.answers} == {202}
    assert accepted <= run["worker_keys"]
    # Every request sent once the master began draining: answered, and told to close.
    during = [answer for answer in load.answers if answer[0] >= run["draining"]]
    assert during, "the draining replica kept answering"
    assert {connection for _, _, connection, _ in during} == {"close"}
    ready_during = [(status, body) for sent, status, body in load.ready if sent >= run["draining"]]
    assert ready_during, "/readyz answered while draining"
    assert all(
        status == 503 and body["checks"]["drain"] == "draining" for status, body in ready_during
    )
    assert any(status == 200 for sent, status, _ in load.ready if sent < run["draining"])


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT, signal.SIGQUIT])
def test_another_signal_during_the_drain_stops_at_once(
    rendered: Callable[[str], Path], stop: signal.Signals
) -> None:
    service = rendered("defaults")
    output: list[str] = []
    with installed(service):
        env = {
            "RELAY_AUTH_KEYS": f"tests:{KEY}",
            "RELAY_WEB_WORKERS": "2",
            "RELAY_DRAIN_SECONDS": "300",
        }
        with running(gunicorn(), ANNOUNCE, env=env, cwd=service, output=output) as (master, _):
            master.send_signal(signal.SIGTERM)
            wait_for(lambda: any(DRAINING in line for line in output), "the drain began")
            master.send_signal(stop)
            # Long before the 300 s drain would end: a second SIGTERM stops gracefully
            # at once, SIGINT and SIGQUIT quickly, as gunicorn documents (a quick stop
            # may kill a worker that is slow to exit: that is what it is for).
            assert master.wait(timeout=60) == 0
    if stop == signal.SIGTERM:
        assert "SIGKILL" not in "".join(output), "".join(output)[-4000:]


def test_readiness_follows_the_worker_in_every_process_whatever_the_breakers_say(
    rendered: Callable[[str], Path], tmp_path: Path
) -> None:
    service = rendered("defaults")
    with installed(service) as package:
        store = str(tmp_path / "receipts.sqlite3")
        worker = [sys.executable, "-m", f"{package}.worker", "--store", store, "--port", "0"]
        with running(worker, WORKER_ANNOUNCE) as (_, worker_url):
            pass  # stopped: only its address is kept, to start it again there
        env = {
            "RELAY_WORKER_URL": worker_url,
            "RELAY_AUTH_KEYS": f"tests:{KEY}",
            "RELAY_LOG_LEVEL": "ERROR",
            "RELAY_WEB_WORKERS": "3",
            "RELAY_BREAKER_FAILURES": "1",
            "RELAY_BREAKER_RESET_AFTER": "3600",
        }
        with running(gunicorn(), ANNOUNCE, env=env, cwd=service) as (_, base):

            def ask(path: str, times: int = 30) -> Counter[tuple[int, str]]:
                # A new connection each time, so that every process answers some.
                answers: Counter[tuple[int, str]] = Counter()
                for number in range(times):
                    if path == "/readyz":
                        answer = requests.get(f"{base}/readyz", timeout=10)
                        answers[answer.status_code, answer.json()["checks"]["worker"]] += 1
                    else:
                        answer = requests.post(
                            f"{base}/v1/events", json=event(number), timeout=30,
                            headers={"X-API-Key": KEY, "Connection": "close"},
                        )  # fmt: skip
                        answers[answer.status_code, answer.json().get("detail", "")] += 1
                return answers

            # The worker is down: deliveries fail and open the breakers; never ready.
            assert {status for status, _ in ask("/v1/events")} == {503}
            assert ask("/readyz") == Counter({(503, "worker unreachable"): 30})
            port = worker_url.rsplit(":", 1)[1]
            again = [*worker[:-1], port]
            with running(again, WORKER_ANNOUNCE):
                # Ready at once in every process, while breakers stay open for an hour.
                assert ask("/readyz") == Counter({(200, "ok"): 30})
                deliveries = ask("/v1/events", times=10)
    assert any(status == 503 and "fail fast" in detail for status, detail in deliveries)
