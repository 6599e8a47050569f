"""The two transports side by side: ``example/`` handing events over HTTP to the worker
stub, and over AMQP to a private RabbitMQ node, interleaved in one run.

    python bench/transports.py [--rounds 5] [--seconds 4] [--connections 32] [--out DIR]

Both servers are the working tree's ``example/`` under its own gunicorn.conf.py; only
``RELAY_TRANSPORT`` differs. Each scenario (one event, a batch of 100) loads each
server in turn, starting with a different one each round; the ratio amqp / http is
taken within a round and its median reported. Over HTTP a 202 waits for the worker's
answer (here a stub that answers at once); over AMQP it waits for RabbitMQ's confirm,
which a quorum queue gives once the message is on disk. Nothing consumes the queue
during the run: this measures ingest. Needs wrk and rabbitmq-server (Debian's packages).
"""

from __future__ import annotations

import argparse
import importlib
import json
import statistics
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from ab import command
from ab import install
from compare import BATCH
from compare import BATCH_SIZE
from example_service import EVENT
from load import API_KEY
from load import post_script
from load import run_wrk
from servers import Server
from servers import free_port
from servers import serving
from servers import serving_stub

#: scenario: (path, body, events per request)
SCENARIOS = {
    "one event": ("/v1/events", EVENT, 1),
    "batch ingest": ("/v1/events:batch", BATCH, BATCH_SIZE),
}

TRANSPORTS = ("http", "amqp")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=4)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--out", type=Path, help="write result.json here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, ExitStack() as running:
        scratch = Path(folder)
        source = install(None, scratch, "example")
        sys.path.insert(0, str(scratch / "example"))
        rabbitmq = importlib.import_module("relay_service.worker.rabbitmq")
        (scratch / "rabbitmq").mkdir()
        node = rabbitmq.start_rabbitmq_node(scratch / "rabbitmq")
        running.callback(node.stop)
        stub = running.enter_context(serving_stub(scratch))
        servers: dict[str, Server] = {}
        for transport in TRANSPORTS:
            port = free_port()
            env = {"BENCH_PORT": str(port), "RELAY_HOST": "127.0.0.1", "RELAY_PORT": str(port),
                   "RELAY_AUTH": "api_key", "RELAY_AUTH_KEYS": f"bench:{API_KEY}",
                   "RELAY_TRANSPORT": transport, "RELAY_WORKER_URL": stub.base,
                   "RELAY_BROKER_URL": node.url, "RELAY_BROKER_QUEUE": "bench.items",
                   "PYTHONPATH": str(scratch / "example")}  # fmt: skip
            servers[transport] = running.enter_context(
                serving(transport, command(source, port, False), env, scratch, "/readyz")
            )
        results: dict[str, Any] = {}
        for scenario, (path, body, per_request) in SCENARIOS.items():
            script = post_script(scratch, "transports", body)
            for server in servers.values():  # warm up: imports, connections, the queue
                run_wrk(server.base + path, script, 1, args.connections)
            rounds = []
            for number in range(args.rounds):
                order = list(TRANSPORTS) if number % 2 == 0 else list(TRANSPORTS)[::-1]
                measured = {}
                for transport in order:
                    load = run_wrk(servers[transport].base + path, script, args.seconds,
                                   args.connections)  # fmt: skip
                    measured[transport] = {"rate": load.requests_per_second * per_request,
                                           "p50_ms": load.p50_ms, "p99_ms": load.p99_ms}  # fmt: skip
                    print(f"{scenario:>13} round {number + 1}: {transport:>4} "
                          f"{measured[transport]['rate']:9.0f} events/s  "
                          f"p50 {load.p50_ms:6.2f} ms  p99 {load.p99_ms:6.2f} ms", flush=True)  # fmt: skip
                rounds.append(measured)
            ratios = [measured["amqp"]["rate"] / measured["http"]["rate"] for measured in rounds]
            ratio = statistics.median(ratios)
            results[scenario] = {"rounds": rounds, "amqp / http": ratio}
            listed = ", ".join(f"{each:.3f}" for each in ratios)
            print(f"{scenario}: events/s amqp / http = {ratio:.3f} (rounds: {listed})")
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "result.json").write_text(json.dumps(results, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
