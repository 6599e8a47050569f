"""What the events pipeline and the handoff cost per event: the endpoint with its
default steps against the same endpoint with every step switched off, in
interleaved rounds, both handing off to the reference worker on loopback; then
the pipeline alone and one delivery alone.

    python bench/pipeline_overhead.py [--events 2000] [--rounds 7]

Runs the committed example/ service, installed into a scratch folder (``make bench``).
Prints per-event times (medians over rounds) and the overhead; no thresholds.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import statistics
import tempfile
import time
from datetime import UTC
from datetime import datetime
from typing import Any

from example_service import EVENT
from example_service import install_example


def per_event_ns(client: Any, path: str, events: int) -> float:
    started = time.perf_counter_ns()
    for _ in range(events):
        response = client.post(path, json=EVENT)
        assert response.status_code == 202, response.get_data(as_text=True)
    return (time.perf_counter_ns() - started) / events


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2000, help="events per round and variant")
    parser.add_argument("--rounds", type=int, default=7, help="interleaved rounds")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as scratch:
        package = install_example(scratch)
        service = importlib.import_module(package)
        settings_module = importlib.import_module(f"{package}.settings")
        builtin = importlib.import_module(f"{package}.pipeline.builtin")
        about = importlib.import_module(f"{package}.about")
        worker = importlib.import_module(f"{package}.worker").start_worker_process()
        settings_cls = settings_module.Settings
        # The pipeline's cost alone: no authentication.
        settings = settings_cls(log_level="WARNING", worker_url=worker.url, auth="none")
        default = service.create_app(settings)
        empty = service.create_app(
            dataclasses.replace(settings, pipeline_disabled=builtin.BUILTIN_STEPS)
        )
        path = f"{about.API_PREFIX}/events"
        clients = {"empty pipeline": empty.test_client(), "default steps": default.test_client()}
        results: dict[str, list[float]] = {name: [] for name in clients}
        for round_number in range(args.rounds):
            order = list(clients) if round_number % 2 == 0 else list(reversed(clients))
            for name in order:
                results[name].append(per_event_ns(clients[name], path, args.events))

        pipeline = default.extensions["pipelines"]["events"]
        context_cls = importlib.import_module(f"{package}.pipeline").Context
        context = context_cls("req-bench", datetime.now(UTC), settings_cls())
        started = time.perf_counter_ns()
        for _ in range(args.events):
            pipeline.run(dict(EVENT), context)
        run_alone = (time.perf_counter_ns() - started) / args.events

        handoff = default.extensions["handoff"]
        started = time.perf_counter_ns()
        for number in range(args.events):
            handoff.deliver(EVENT, f"bench-{number}", {"X-Request-ID": "req-bench"})
        delivery_alone = (time.perf_counter_ns() - started) / args.events
        worker.stop()

    medians = {name: statistics.median(times) for name, times in results.items()}
    overhead = medians["default steps"] - medians["empty pipeline"]
    steps = ", ".join(pipeline.names)
    print(f"events per round and variant: {args.events}, rounds: {args.rounds}")
    for name, median in medians.items():
        print(f"{name:>15}: {median / 1000:8.1f} us per event (median)")
    print(
        f"       overhead: {overhead / 1000:8.1f} us per event "
        f"({medians['default steps'] / medians['empty pipeline']:.3f}x the empty pipeline)"
    )
    print(f" pipeline alone: {run_alone / 1000:8.1f} us per event ({steps})")
    print(f" handoff alone: {delivery_alone / 1000:8.1f} us per delivery (reference worker)")


if __name__ == "__main__":
    main()
