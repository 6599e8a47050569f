"""What the Prometheus metrics cost: the API-layer scenario of compare.py (the committed
example/ under gunicorn with its own gunicorn.conf.py, the handoff acknowledged in
process) with ``RELAY_METRICS=protected`` against ``RELAY_METRICS=off``, both running
at once, loaded by wrk in interleaved rounds; the ratio is taken within each round.
Then the same two apps in this process, through Flask's test client, with the
samples in files as under gunicorn: the time per request; and the time spent in the
metrics' own calls within those requests, which a shared machine blurs least.

    python bench/metrics_overhead.py [--seconds 5] [--rounds 5] [--connections 32] [--requests 3000]

Prints each round and the medians (metrics on / off); no thresholds (the target, a
cost under 5 %, is printed beside them).
"""

from __future__ import annotations

import argparse
import importlib
import os
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from compare import PEERS
from compare import commands
from compare import event_check
from example_service import EVENT
from example_service import install_example
from load import LoadError
from load import post_script
from load import run_wrk
from load import wrk_path
from servers import free_port
from servers import serving

#: The two variants: what RELAY_METRICS says.
MODES = ("off", "protected")

#: The issue's target: metrics cost less than this share of the API layer's throughput.
TARGET_COST = 0.05


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5, help="length of one load run")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections")
    parser.add_argument("--requests", type=int, default=3000, help="in-process, per round")
    args = parser.parse_args()
    try:
        wrk_path()
    except LoadError as error:
        raise SystemExit(f"bench/metrics_overhead.py: {error}") from None

    with tempfile.TemporaryDirectory() as folder, ExitStack() as running:
        scratch = Path(folder)
        # As gunicorn.conf.py does, before the service imports prometheus_client.
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(scratch / "metrics")
        (scratch / "metrics").mkdir()
        package = install_example(str(scratch / "example"))
        os.environ["PYTHONPATH"] = os.pathsep.join([str(PEERS), os.environ["PYTHONPATH"]])
        settings = importlib.import_module(f"{package}.settings").Settings()
        servers = {}
        for mode in MODES:
            port = free_port()
            command, env = commands(
                package, settings.web_workers, settings.web_threads, port, handoff=False
            )["relaykit"]
            env = {**env, "BENCH_PORT": str(port), "RELAY_METRICS": mode,
                   "RELAY_LOG_LEVEL": "WARNING"}  # fmt: skip
            server = running.enter_context(serving(f"metrics-{mode}", command, env, scratch))
            answered, answer = server.post("/v1/events", EVENT)
            if answered != 202 or not event_check(answer):
                raise SystemExit(f"metrics {mode} answered wrongly: {answered} {answer}")
            servers[mode] = server
        script = post_script(scratch, "metrics-events", EVENT)
        url = "/v1/events"
        print(f"gunicorn {settings.web_workers} workers x {settings.web_threads} threads, "
              f"{args.rounds} rounds of {args.seconds} s, {args.connections} connections",
              flush=True)  # fmt: skip
        for server in servers.values():  # warm every process up
            run_wrk(server.base + url, script, 1, args.connections)
        ratios = []
        for number in range(args.rounds):
            order = MODES if number % 2 == 0 else tuple(reversed(MODES))
            rates = {}
            for mode in order:
                load = run_wrk(servers[mode].base + url, script, args.seconds, args.connections)
                rates[mode] = load.requests_per_second
                print(f"  round {number + 1}: metrics {mode:>9} {rates[mode]:8.0f} req/s  "
                      f"p50 {load.p50_ms:6.2f} ms  p99 {load.p99_ms:6.2f} ms", flush=True)  # fmt: skip
            ratios.append(rates["protected"] / rates["off"])
        in_process = per_request_times(package, args.rounds, args.requests)
        spent, request = time_in_metrics(package, args.requests)
    median = statistics.median(ratios)
    print(
        f"throughput, metrics on / off, API layer under gunicorn: median {median:.3f} "
        f"(rounds {', '.join(f'{ratio:.3f}' for ratio in ratios)}); "
        f"cost {1 - median:+.1%}, target under {TARGET_COST:.0%}"
    )
    off, on = (statistics.median(in_process[mode]) for mode in MODES)
    print(
        f"time per request in process: off {off / 1000:.1f} us, on {on / 1000:.1f} us: "
        f"cost {on / off - 1:+.1%} ({(on - off) / 1000:.1f} us), target under {TARGET_COST:.0%}"
    )
    print(
        f"time in the metrics' calls: {spent / 1000:.1f} us of a {request / 1000:.1f} us "
        f"request, {spent / request:.1%}; by call: "
        + ", ".join(f"{name} {ns / 1000:.1f} us" for name, ns in CALLS_SPENT.items())
    )


#: Nanoseconds per request spent in each of the metrics' calls, by call.
CALLS_SPENT: dict[str, float] = {}


def time_in_metrics(package: str, requests: int) -> tuple[float, float]:
    """Nanoseconds per API-layer request spent in the metrics' calls, and per request.

    Each ``observe_*`` the service calls is wrapped, where it is called, by a timer.
    """
    service = importlib.import_module(package)
    settings_cls = importlib.import_module(f"{package}.settings").Settings
    acknowledging = importlib.import_module("relaykit_api_only").AcknowledgingClient
    spent: dict[str, int] = {}

    def timer(name: str, call: Any) -> Any:
        def timed(*args: Any) -> Any:
            started = time.perf_counter_ns()
            try:
                return call(*args)
            finally:
                spent[name] = spent.get(name, 0) + time.perf_counter_ns() - started

        return timed

    for module_name in ("api.metrics", "api.intake.counting", "api.intake.transform"):
        module = importlib.import_module(f"{package}.{module_name}")
        for name in dir(module):
            if name.startswith("observe_"):
                setattr(module, name, timer(name, getattr(module, name)))
    app = service.create_app(settings_cls(auth="none", log_level="WARNING"))
    app.extensions["handoff"] = acknowledging()
    client = app.test_client()
    for _ in range(requests // 10):  # warm up
        client.post("/v1/events", json=EVENT)
    spent.clear()
    started = time.perf_counter_ns()
    for _ in range(requests):
        client.post("/v1/events", json=EVENT)
    request = (time.perf_counter_ns() - started) / requests
    CALLS_SPENT.update({name: ns / requests for name, ns in sorted(spent.items())})
    return sum(spent.values()) / requests, request


def per_request_times(package: str, rounds: int, requests: int) -> dict[str, list[float]]:
    """Nanoseconds per API-layer request of each mode, in interleaved rounds."""
    service = importlib.import_module(package)
    settings_cls = importlib.import_module(f"{package}.settings").Settings
    sys.path.insert(0, str(PEERS))
    acknowledging = importlib.import_module("relaykit_api_only").AcknowledgingClient
    clients = {}
    for mode in MODES:
        app = service.create_app(settings_cls(auth="none", metrics=mode, log_level="WARNING"))
        app.extensions["handoff"] = acknowledging()
        clients[mode] = app.test_client()
    times: dict[str, list[float]] = {mode: [] for mode in MODES}
    for number in range(rounds + 1):  # the first round warms up
        for mode in MODES if number % 2 == 0 else tuple(reversed(MODES)):
            started = time.perf_counter_ns()
            for _ in range(requests):
                answer = clients[mode].post("/v1/events", json=EVENT)
                assert answer.status_code == 202, answer.get_data(as_text=True)
            if number:
                times[mode].append((time.perf_counter_ns() - started) / requests)
    return times


if __name__ == "__main__":
    sys.exit(main())
