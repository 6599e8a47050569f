"""The benchmarks run, in smoke mode, so that they never rot. No timing is asserted.

bench/compare.py needs wrk (Debian's package): without it, its test is skipped, with
the reason; with ``RELAYKIT_BENCH_TESTS=1`` (as ``.ci/run`` sets) it fails instead.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest

from ..conftest import REPO_ROOT
from ..conftest import missing

pytestmark = pytest.mark.bench

#: Set to 1 to make a missing wrk a failure instead of a skip.
SWITCH = "RELAYKIT_BENCH_TESTS"

#: Set to 1 to make a missing rabbitmq-server a failure instead of a skip.
BROKER_SWITCH = "RELAYKIT_BROKER_TESTS"

VARIANTS = [
    "relaykit",
    "FastAPI + httpx",
    "flask-smorest + requests (naive)",
    "Flask + requests",
    "APIFlask + requests",
    "raw WSGI + http.client",
]
SCENARIOS = ["API layer only", "one event with handoff", "batch ingest", "worker takes 20 ms"]


def test_the_comparison_with_peers_runs_every_variant_and_scenario(tmp_path: Path) -> None:
    if shutil.which("wrk") is None:
        missing(SWITCH, "wrk is not installed (apt-get install wrk)", "benchmark tier")
    result = subprocess.run(
        [sys.executable, "bench/compare.py", "--smoke", "--out", str(tmp_path)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    measured = json.loads((tmp_path / "result.json").read_text(encoding="utf-8"))
    assert list(measured["scenarios"]) == SCENARIOS
    for scenario in SCENARIOS:
        (only_round,) = measured["scenarios"][scenario]["rounds"]
        assert sorted(only_round) == sorted(VARIANTS)
        assert all(figures["rate"] > 0 for figures in only_round.values()), scenario
    assert sorted(measured["memory"]) == sorted(VARIANTS)
    sizes = [worker for memory in measured["memory"].values() for worker in memory]
    assert all(rss > pss > uss > 0 for rss, pss, uss in sizes), sizes
    targets = [target["what"] for target in measured["summary"]["targets"]]
    # Against bare Flask, naive flask-smorest and p99 in each scenario; raw WSGI and FastAPI
    # with the handoff, FastAPI in batch; start-up, copier copy, the suite, memory.
    assert len(targets) == 4 * 3 + 3 + 4, targets
    assert (tmp_path / "chart.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert "| relaykit |" in (tmp_path / "results.md").read_text(encoding="utf-8")


def test_the_ab_comparison_of_two_revisions_runs() -> None:
    if shutil.which("wrk") is None:
        missing(SWITCH, "wrk is not installed (apt-get install wrk)", "benchmark tier")
    result = subprocess.run(
        [sys.executable, "bench/ab.py", "HEAD", "--rounds", "2", "--seconds", "1"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    *rounds, verdict = result.stdout.splitlines()
    assert [line.split(":")[0] for line in rounds] == ["round 1"] * 2 + ["round 2"] * 2
    ratio = float(verdict.split("= ")[1].split()[0])
    assert verdict.startswith("api: after / before = ")
    assert ratio > 0


def test_the_transports_benchmark_runs_amqp_against_http(tmp_path: Path) -> None:
    if shutil.which("wrk") is None:
        missing(SWITCH, "wrk is not installed (apt-get install wrk)", "benchmark tier")
    if not any(
        shutil.which("rabbitmq-server", path=folder)
        for folder in ("/usr/lib/rabbitmq/bin", os.environ.get("PATH", ""))
    ):
        missing(BROKER_SWITCH, "rabbitmq-server is not installed", "broker benchmark")
    result = subprocess.run(
        [sys.executable, "bench/transports.py", "--rounds", "1", "--seconds", "1",
         "--out", str(tmp_path)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    measured = json.loads((tmp_path / "result.json").read_text(encoding="utf-8"))
    assert list(measured) == ["one event", "batch ingest"]
    for scenario in measured.values():
        (only_round,) = scenario["rounds"]
        assert sorted(only_round) == ["amqp", "http"]
        assert all(figures["rate"] > 0 for figures in only_round.values())
        assert scenario["amqp / http"] > 0


def test_pipeline_overhead_benchmark_runs() -> None:
    result = subprocess.run(
        [sys.executable, "bench/pipeline_overhead.py", "--events", "20", "--rounds", "2"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "events per round and variant: 20, rounds: 2"
    assert [line.split(":")[0].strip() for line in lines[1:]] == [
        "empty pipeline",
        "default steps",
        "overhead",
        "pipeline alone",
        "handoff alone",
    ]


def test_gunicorn_worker_class_benchmark_runs() -> None:
    result = subprocess.run(
        [sys.executable, "bench/gunicorn_worker_class.py", "--requests", "40", "--clients", "4",
         "--latency", "0.001"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("requests per variant: 40, clients: 4, worker latency: 1 ms")
    assert [line.split(",")[0].strip() for line in lines[1:]] == [
        "sync", "gthread", "gthread", "gthread"
    ]  # fmt: skip
    assert "1.00x sync" in lines[1]


class _Live(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the benchmark's output is what is checked."""


@pytest.mark.parametrize(
    ("options", "load"),
    [([], "3 + 3 trickling"), (["--silent"], "3 silent")],
    ids=["trickling", "silent"],
)
def test_slow_clients_benchmark_runs(options: list[str], load: str) -> None:
    # A server with a thread per connection, which slow clients do not starve.
    with ThreadingHTTPServer(("127.0.0.1", 0), _Live) as server:
        serving = threading.Thread(target=server.serve_forever)
        serving.start()
        try:
            url = f"http://127.0.0.1:{server.server_address[1]}"
            result = subprocess.run(
                [sys.executable, "bench/slow_clients.py", "--url", url, "--connections", "3",
                 "--probes", "2", *options],
                cwd=REPO_ROOT, capture_output=True, text=True, timeout=120,
            )  # fmt: skip
        finally:
            server.shutdown()
            serving.join()
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"{load}: 2 of 2 probes answered within 4 s (2 within 1 s)")
