"""Which gunicorn worker class suits a service whose requests wait on its worker:
the committed example/ under gunicorn with sync workers against gthread workers,
handing off to a reference worker that takes a while to answer.

    python bench/gunicorn_worker_class.py [--requests 3000] [--clients 32] [--latency 0.02]

Each variant serves the same load: ``--clients`` threads sending events as fast
as they are answered, while the worker answers each delivery after
``--latency`` seconds, as a worker that does real work would. Prints the
throughput of each variant and its ratio to sync workers; no thresholds.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import requests
from example_service import install_example


def event(number: int) -> dict[str, object]:
    """A new event each time: the worker answers a repeated one at once."""
    return {
        "id": f"evt-{number}",
        "type": "order.created",
        "occurred_at": "2026-01-01T12:00:00Z",
        "source": "bench",
        "data": {"n": number},
    }


@contextmanager
def serving(command: list[str], announce: str, env: dict[str, str]) -> Iterator[str]:
    """Run ``command``, with ``env`` added to the environment, until the block ends;
    yield the URL its announcement names."""
    process = subprocess.Popen(
        command, env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True, cwd=tempfile.gettempdir(),
    )  # fmt: skip
    assert process.stdout is not None
    for line in process.stdout:
        if match := re.search(announce, line):
            break
    else:
        raise SystemExit(f"{command[2]} did not start")
    # Keep reading, so that a full pipe never blocks it.
    drain = threading.Thread(target=lambda: [None for _ in process.stdout or ()])
    drain.start()
    try:
        yield match.group(1)
    finally:
        process.terminate()
        process.wait(timeout=60)
        drain.join(timeout=60)


def load(url: str, first: int, requests_total: int, clients: int) -> tuple[float, float, float]:
    """Send ``requests_total`` events, numbered from ``first``, from ``clients`` threads.

    :returns: requests per second, and the median and 99th percentile latency in ms.
    """
    local = threading.local()

    def send(number: int) -> float:
        if not hasattr(local, "session"):
            local.session = requests.Session()
        started = time.perf_counter()
        answer = local.session.post(url, json=event(number), timeout=60)
        assert answer.status_code == 202, answer.text
        return time.perf_counter() - started

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        latencies = sorted(pool.map(send, range(first, first + requests_total)))
    elapsed = time.perf_counter() - started
    p99 = latencies[int(len(latencies) * 0.99) - 1]
    return requests_total / elapsed, statistics.median(latencies) * 1000, p99 * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000, help="requests per variant")
    parser.add_argument("--clients", type=int, default=32, help="concurrent clients")
    parser.add_argument("--latency", type=float, default=0.02, help="worker latency, seconds")
    args = parser.parse_args()
    cpus = os.cpu_count() or 1
    variants = {
        f"sync, {2 * cpus + 1} workers": ["-k", "sync", "-w", str(2 * cpus + 1)],
        f"gthread, {cpus} workers x 8 threads": ["-k", "gthread", "-w", str(cpus), "--threads", "8"],
        f"gthread, {2 * cpus} workers x 8 threads (default)": ["-k", "gthread", "-w", str(2 * cpus), "--threads", "8"],
        f"gthread, {cpus} workers x 32 threads": ["-k", "gthread", "-w", str(cpus), "--threads", "32"],
    }  # fmt: skip

    with tempfile.TemporaryDirectory() as scratch:
        package = install_example(scratch)
        worker = [sys.executable, "-m", f"{package}.worker", "--port", "0",
                  "--store", str(Path(scratch) / "receipts.sqlite3"),
                  "--stall-ratio", "1", "--stall-seconds", str(args.latency)]  # fmt: skip
        results = {}
        with serving(worker, r"worker listening on (\S+)", {}) as worker_url:
            # Worker classes are compared on the handoff alone: no authentication.
            service_env = {"RELAY_WORKER_URL": worker_url, "RELAY_LOG_LEVEL": "WARNING",
                           "RELAY_WORKER_POOL_SIZE": "32", "RELAY_AUTH": "none"}  # fmt: skip
            for name, options in variants.items():
                server = [sys.executable, "-m", "gunicorn", "--bind", "127.0.0.1:0", *options,
                          f"{package}:create_app()"]  # fmt: skip
                with serving(server, r"Listening at: (\S+)", service_env) as base:
                    url = f"{base}/v1/events"
                    first = len(results) * (args.requests + args.clients * 4)
                    load(url, first, args.clients * 4, args.clients)  # warm up every process
                    results[name] = load(url, first + args.clients * 4, args.requests, args.clients)

    print(f"requests per variant: {args.requests}, clients: {args.clients}, "
          f"worker latency: {args.latency * 1000:.0f} ms, CPUs: {cpus}")  # fmt: skip
    baseline = next(iter(results.values()))[0]
    for name, (rate, median, p99) in results.items():
        print(
            f"{name:>42}: {rate:7.1f} requests/s ({rate / baseline:5.2f}x sync), "
            f"latency median {median:6.1f} ms, p99 {p99:6.1f} ms"
        )


if __name__ == "__main__":
    main()
