"""A/B: the committed ``example/`` service at two revisions, interleaved, on one scenario.

    python bench/ab.py BEFORE [AFTER] [--scenario api|handoff|batch] [--rounds 5] [--seconds 4]
                       [--after-env NAME=VALUE ...]

Each revision's ``example/`` (``AFTER`` defaults to the working tree) is installed on
its own and served as ``compare.py`` serves relaykit, against the same worker stub.
Rounds alternate the two, starting with a different one each round; the ratio
AFTER / BEFORE is taken within a round and the median reported, with every round's.
One change at a time: this is how each performance change was kept or dropped.
``--after-env`` sets variables for AFTER alone: ``python bench/ab.py HEAD HEAD
--after-env RELAY_METRICS=off`` measures what the metrics cost.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

from compare import BATCH
from compare import BATCH_SIZE
from example_service import EVENT
from example_service import EXAMPLE
from load import post_script
from load import run_wrk
from servers import Server
from servers import free_port
from servers import serving
from servers import serving_stub

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent

#: scenario: (path, body, events per request, the worker stub's path or None for none)
SCENARIOS = {
    "api": ("/v1/events", EVENT, 1, None),
    "handoff": ("/v1/events", EVENT, 1, ""),
    "batch": ("/v1/events:batch", BATCH, BATCH_SIZE, ""),
}


def install(revision: str | None, scratch: Path, name: str) -> Path:
    """``example/`` at ``revision`` (the working tree for ``None``), installed into a
    folder of its own; that folder."""
    source = EXAMPLE
    if revision is not None:
        source = scratch / f"{name}-source"
        source.mkdir()
        archive = subprocess.run(["git", "-C", str(REPO), "archive", revision, "example"],
                                 check=True, capture_output=True).stdout  # fmt: skip
        subprocess.run(["tar", "-x", "-C", str(source)], input=archive, check=True)
        source = source / "example"
    target = scratch / name
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         "--no-deps", "--no-build-isolation", "--target", str(target), str(source)],
        check=True,
    )  # fmt: skip
    return source


def command(source: Path, port: int, api_only: bool) -> list[str]:
    """gunicorn as compare.py starts relaykit, with this revision's gunicorn.conf.py."""
    started = [sys.executable, "-m", "gunicorn", "-c", str(source / "gunicorn.conf.py"),
               "--reuse-port"]  # fmt: skip
    return [*started, "relaykit_api_only:create_app()"] if api_only else started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", help="a git revision")
    parser.add_argument("after", nargs="?", help="a git revision; the working tree if left out")
    parser.add_argument("--scenario", choices=list(SCENARIOS), default="api")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=4)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--after-env", nargs="+", default=[], metavar="NAME=VALUE",
                        help="environment variables of AFTER's server alone")  # fmt: skip
    args = parser.parse_args()
    after_env = dict(entry.split("=", 1) for entry in args.after_env)
    path, body, per_request, worker_path = SCENARIOS[args.scenario]
    with tempfile.TemporaryDirectory() as folder, ExitStack() as running:
        scratch = Path(folder)
        sources = {"before": install(args.before, scratch, "before"),
                   "after": install(args.after, scratch, "after")}  # fmt: skip
        stub = running.enter_context(serving_stub(scratch))
        servers: dict[str, Server] = {}
        for name, source in sources.items():
            port = free_port()
            env = {"BENCH_PORT": str(port), "RELAY_HOST": "127.0.0.1", "RELAY_PORT": str(port),
                   "RELAY_AUTH": "api_key", "RELAY_AUTH_KEYS": "bench:bench-key-4c1d8e2f7a9b",
                   "RELAY_WORKER_URL": stub.base + (worker_path or ""),
                   "BENCH_RELAYKIT_PACKAGE": "relay_service",
                   "PYTHONPATH": f"{scratch / name}:{BENCH / 'peers'}"}  # fmt: skip
            if name == "after":
                env |= after_env
            servers[name] = running.enter_context(
                serving(name, command(source, port, worker_path is None), env, scratch, "/")
            )
        script = post_script(scratch, "ab", body)
        for server in servers.values():
            run_wrk(server.base + path, script, 1, args.connections)
        ratios = []
        for number in range(args.rounds):
            rates = {}
            order = list(servers) if number % 2 == 0 else list(servers)[::-1]
            for name in order:
                load = run_wrk(servers[name].base + path, script, args.seconds, args.connections)
                rates[name] = load.requests_per_second * per_request
                print(f"round {number + 1}: {name:>6} {rates[name]:9.0f}/s  "
                      f"p50 {load.p50_ms:6.2f} ms  p99 {load.p99_ms:6.2f} ms", flush=True)  # fmt: skip
            ratios.append(rates["after"] / rates["before"])
        print(f"{args.scenario}: after / before = {statistics.median(ratios):.3f} "
              f"(rounds: {', '.join(f'{r:.3f}' for r in ratios)})")  # fmt: skip


if __name__ == "__main__":
    main()
