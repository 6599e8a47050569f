"""relaykit's generated service side by side with its peers, as paired ratios.

    python bench/compare.py [--smoke] [--seconds 5] [--rounds 3] [--out docs/benchmarks]

Every variant does the same work (validate an event, run the default pipeline's
steps, hand it to a worker, answer with a receipt) against the same fast worker
stub (``stub_worker.py``, its own process), all on 127.0.0.1, loaded by wrk:

- relaykit: the committed ``example/`` service under gunicorn with its shipped
  ``gunicorn.conf.py`` (every gunicorn variant also gets ``--reuse-port``: see ``commands``);
- peers (``peers/``): bare Flask, flask-smorest with a naive ``requests.Session``,
  APIFlask, each with requests, under gunicorn with the same worker settings;
  FastAPI with an ``httpx.AsyncClient`` on uvicorn (uvloop, httptools), a process
  per CPU; and a raw WSGI callable with ``http.client``, the ceiling.

Scenarios: the API layer alone (no handoff), one event per request with its
handoff, batch ingest (100 events per request, counted in events per second),
and a worker that takes 20 ms to answer. Rounds interleave the variants, in a
new order each round; ratios are taken within a round, and their medians
reported. Also measured: start-up, memory per worker, ``import`` +
``create_app``, ``copier copy --defaults`` and the generated test suite.

Writes ``result.json``, ``results.md`` and ``chart.png`` to ``--out``. No
thresholds: the targets are printed beside the ratios.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from datetime import UTC
from datetime import datetime
from pathlib import Path
from typing import Any

from chart import draw_chart
from example_service import EVENT
from example_service import EXAMPLE
from example_service import install_example
from load import API_KEY
from load import LoadError
from load import LoadResult
from load import post_script
from load import run_wrk
from load import wrk_path
from report import markdown_report
from servers import Server
from servers import free_port
from servers import serving
from servers import serving_stub

BENCH = Path(__file__).resolve().parent
PEERS = BENCH / "peers"
REPO = BENCH.parent

RELAYKIT = "relaykit"
FASTAPI = "FastAPI + httpx"
NAIVE = "flask-smorest + requests (naive)"
FLASK = "Flask + requests"
APIFLASK = "APIFlask + requests"
RAW = "raw WSGI + http.client"
STACK = "the stack alone (imports only)"
VARIANTS = (RELAYKIT, FASTAPI, NAIVE, FLASK, APIFLASK, RAW)

BATCH_SIZE = 100
BATCH = {"events": [{**EVENT, "id": f"evt-{number}"} for number in range(BATCH_SIZE)]}


def batch_check(body: Any) -> bool:
    return body["accepted"] == BATCH_SIZE and all(
        result["worker_receipt"]["key"] == result["idempotency_key"] for result in body["results"]
    )


def event_check(body: Any) -> bool:
    return body["status"] == "accepted" and body["worker_receipt"]["key"] == body["idempotency_key"]


#: name: (worker path on the stub, or None for no handoff; [(scenario, path, body, status, check)])
GROUPS: dict[str, tuple[str | None, list[tuple[str, str, Any, int, Callable[[Any], bool]]]]] = {
    "api": (None, [("API layer only", "/v1/events", EVENT, 202, event_check)]),
    "handoff": ("", [
        ("one event with handoff", "/v1/events", EVENT, 202, event_check),
        ("batch ingest", "/v1/events:batch", BATCH, 200, batch_check),
    ]),
    "slow": ("/slow", [("worker takes 20 ms", "/v1/events", EVENT, 202, event_check)]),
}  # fmt: skip

#: The scenarios every throughput target of the first kind below holds for.
SCENARIOS = ("API layer only", "one event with handoff", "batch ingest", "worker takes 20 ms")

#: Targets on throughput (issue 17): (what, numerator, denominator, scenario, at least).
TARGETS = (
    *((f"{scenario}: relaykit / bare Flask", RELAYKIT, FLASK, scenario, 1.0)
      for scenario in SCENARIOS),
    *((f"{scenario}: relaykit / naive flask-smorest", RELAYKIT, NAIVE, scenario, 1.3)
      for scenario in SCENARIOS),
    ("one event with handoff: relaykit / raw WSGI", RELAYKIT, RAW, "one event with handoff", 0.6),
    ("one event with handoff: relaykit / FastAPI + httpx", RELAYKIT, FASTAPI,
     "one event with handoff", 2.0),
    ("batch ingest: relaykit / FastAPI + httpx", RELAYKIT, FASTAPI, "batch ingest", 1.5),
)  # fmt: skip


def commands(
    package: str, workers: int, threads: int, port: int, handoff: bool
) -> dict[str, tuple[list[str], dict[str, str]]]:
    """How to start each variant on ``port``: relaykit with its own gunicorn.conf.py, the
    other WSGI variants with the same worker settings, uvicorn with a process per CPU.

    Every gunicorn variant runs with ``--reuse-port``: on one shared socket, the worker
    that wakes first takes most of wrk's connections in some rounds and not in others,
    and a round then measures that race instead of the app.
    """
    cpus = len(os.sched_getaffinity(0))
    python = sys.executable
    wsgi = [python, "-m", "gunicorn", "--reuse-port", "-k", "gthread", "-w", str(workers),
            "--threads", str(threads), "-b", f"127.0.0.1:{port}"]  # fmt: skip
    relaykit = [python, "-m", "gunicorn", "-c", str(EXAMPLE / "gunicorn.conf.py"), "--reuse-port"]
    if not handoff:
        relaykit.append("relaykit_api_only:create_app()")
    return {
        RELAYKIT: (relaykit, {"RELAY_HOST": "127.0.0.1", "RELAY_PORT": str(port),
                              "RELAY_AUTH": "api_key", "RELAY_AUTH_KEYS": f"bench:{API_KEY}",
                              "BENCH_RELAYKIT_PACKAGE": package}),
        FASTAPI: ([python, "-m", "uvicorn", "fastapi_httpx:app", "--host", "127.0.0.1", "--port",
                   str(port), "--workers", str(cpus), "--loop", "uvloop", "--http",
                   "httptools", "--no-access-log", "--log-level", "warning"], {}),
        NAIVE: ([*wsgi, "flask_smorest_naive:create_app()"], {}),
        FLASK: ([*wsgi, "flask_bare:create_app()"], {}),
        APIFLASK: ([*wsgi, "apiflask_peer:create_app()"], {}),
        RAW: ([*wsgi, "raw_wsgi:app"], {}),
    }  # fmt: skip


def load_variant(
    server: Server, path: str, script: Path, seconds: int, connections: int
) -> LoadResult:
    """One wrk run against ``server``; a failure names the variant and shows its log."""
    try:
        return run_wrk(server.base + path, script, seconds, connections)
    except LoadError as error:
        log = server.log.read_text(errors="replace")[-2000:]
        raise LoadError(f"{server.name}: {error}\nits log ends:\n{log}") from None


def run_group(
    group: str,
    args: argparse.Namespace,
    package: str,
    stub: str,
    scratch: Path,
    results: dict[str, Any],
) -> None:
    """Start every variant for ``group``, check each answers right, then load them in rounds."""
    worker_path, scenarios = GROUPS[group]
    handoff = worker_path is not None
    worker_url = stub + (worker_path or "")
    started: dict[str, Server] = {}
    with ExitStack() as running:
        for name in args.variants:
            port = free_port()
            command, env = commands(package, args.workers, args.threads, port, handoff)[name]
            env = {**env, "BENCH_PORT": str(port), "RELAY_WORKER_URL": worker_url,
                   "BENCH_WORKER_URL": worker_url if handoff else ""}  # fmt: skip
            started[name] = running.enter_context(
                serving(f"{group}-{name}", command, env, scratch, probe="/")
            )
            results["startup_s"].setdefault(name, []).append(started[name].startup)
        for scenario, path, body, status, check in scenarios:
            for name, server in started.items():
                answered, answer = server.post(path, body)
                if answered != status or not check(answer):
                    raise SystemExit(f"{name} answered {scenario} wrongly: {answered} {answer}")
            script = post_script(scratch, f"{group}-{path.rsplit('/', 1)[1]}", body)
            connections = args.connections * (2 if group == "slow" else 1)
            for server in started.values():  # warm every process up
                load_variant(server, path, script, args.warmup, connections)
            rounds: list[dict[str, dict[str, float]]] = []
            per_request = BATCH_SIZE if path.endswith(":batch") else 1
            for number in range(args.rounds):
                measured: dict[str, dict[str, float]] = {}
                for name in rotated(list(started), number):
                    load = load_variant(started[name], path, script, args.seconds, connections)
                    measured[name] = {"rate": load.requests_per_second * per_request,
                                      "p50_ms": load.p50_ms, "p99_ms": load.p99_ms,
                                      "closed": load.closed}  # fmt: skip
                    print(f"  {scenario:>24} round {number + 1}: {name:>34} "
                          f"{measured[name]['rate']:9.0f}/s  p50 {load.p50_ms:6.2f} ms  "
                          f"p99 {load.p99_ms:6.2f} ms", flush=True)  # fmt: skip
                rounds.append(measured)
            results["scenarios"][scenario] = {"connections": connections, "rounds": rounds}
        if group == "handoff":
            for name, server in started.items():
                results["memory"][name] = server.worker_memory()


def rotated(names: list[str], number: int) -> list[str]:
    """``names`` in the order of round ``number``: each round starts with the next one."""
    start = number % len(names)
    return names[start:] + names[:start]


def median_ratio(tops: list[float], bottoms: list[float]) -> float:
    """The median of ``tops[i] / bottoms[i]``: measurements paired by round."""
    return statistics.median(top / bottom for top, bottom in zip(tops, bottoms, strict=True))


def paired(rounds: list[dict[str, dict[str, float]]], top: str, bottom: str) -> float:
    """The median over rounds of ``top``'s rate over ``bottom``'s in the same round."""
    return median_ratio([r[top]["rate"] for r in rounds], [r[bottom]["rate"] for r in rounds])


def timed(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> float:
    """Seconds ``command`` took; it must succeed."""
    started = time.perf_counter()
    subprocess.run(command, cwd=cwd, env=env, check=True, capture_output=True)
    return time.perf_counter() - started


#: What start-up imports and builds, timed inside the process (interpreter start-up aside).
STARTUP_CODE = {
    RELAYKIT: "import {package} as m; m.create_app()",
    FLASK: "import flask_bare as m; m.create_app()",
    # The floor: importing the stack relaykit is built on, and building nothing.
    STACK: "import flask, requests, flask_smorest, marshmallow, webargs.flaskparser, apispec",
}
TIMED = "import time; started = time.perf_counter(); {code}; print(time.perf_counter() - started)"


def one_off_timings(args: argparse.Namespace, package: str, scratch: Path) -> dict[str, Any]:
    """copier copy, the generated test suite, and import + create_app against bare Flask."""
    copier = Path(sys.executable).with_name("copier")
    copies = []
    for number in range(args.repeat):
        destination = scratch / f"render-{number}"
        copies.append(timed([str(copier), "copy", "--defaults", "--quiet", str(REPO),
                             str(destination)], scratch))  # fmt: skip
    render = scratch / "render-0"
    target = scratch / "render-installed"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         "--no-deps", "--no-build-isolation", "--target", str(target), str(render)],
        check=True,
    )  # fmt: skip
    suite_env = {**os.environ, "PYTHONPATH": str(target)}
    suite = [timed([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], render,
                   suite_env) for _ in range(args.suite_repeat)]  # fmt: skip
    startup: dict[str, list[float]] = {name: [] for name in STARTUP_CODE}
    for number in range(args.repeat * 3):
        for name in rotated(list(STARTUP_CODE), number):
            code = TIMED.format(code=STARTUP_CODE[name].format(package=package))
            output = subprocess.run([sys.executable, "-c", code], cwd=scratch, check=True,
                                    capture_output=True, text=True).stdout  # fmt: skip
            startup[name].append(float(output))
    return {
        "copier_copy_s": copies,
        "generated_suite_s": suite,
        "import_create_app_s": startup,
    }


def summary(results: dict[str, Any]) -> dict[str, Any]:
    """Medians, paired ratios and each target's verdict, from the raw measurements."""
    table: dict[str, Any] = {"scenarios": {}, "targets": []}
    for scenario, data in results["scenarios"].items():
        rounds = data["rounds"]
        table["scenarios"][scenario] = {
            name: {
                "rate": statistics.median(r[name]["rate"] for r in rounds),
                "p50_ms": statistics.median(r[name]["p50_ms"] for r in rounds),
                "p99_ms": statistics.median(r[name]["p99_ms"] for r in rounds),
                "closed": sum(r[name]["closed"] for r in rounds),
                "vs_raw_wsgi": paired(rounds, name, RAW) if RAW in rounds[0] else None,
                "relaykit_vs_this": paired(rounds, RELAYKIT, name) if RELAYKIT in rounds[0] else None,
            }
            for name in rounds[0]
        }  # fmt: skip
    targets = []
    for label, top, bottom, scenario, target in TARGETS:
        rounds = results["scenarios"].get(scenario, {}).get("rounds", [])
        if rounds and top in rounds[0] and bottom in rounds[0]:
            targets.append((label, paired(rounds, top, bottom), ">=", target, "x"))
    for scenario in SCENARIOS:  # p99 no worse than bare Flask's: the medians over rounds
        variants = table["scenarios"].get(scenario, {})
        if RELAYKIT in variants and FLASK in variants:
            ratio = variants[RELAYKIT]["p99_ms"] / variants[FLASK]["p99_ms"]
            targets.append((f"{scenario}: p99, relaykit / bare Flask", ratio, "<=", 1.0, "x"))
    timings = results.get("timings")
    if timings:
        created = timings["import_create_app_s"]
        table["startup"] = {
            name: {"seconds": statistics.median(seconds),
                   "vs_bare_flask": median_ratio(seconds, created[FLASK])}
            for name, seconds in created.items()
        }  # fmt: skip
        ratio = table["startup"][RELAYKIT]["vs_bare_flask"]
        targets.append(("import + create_app: relaykit / bare Flask", ratio, "<=", 1.3, "x"))
        targets.append(("copier copy --defaults", statistics.median(timings["copier_copy_s"]),
                        "<=", 2, "s"))  # fmt: skip
        targets.append(("generated test suite", statistics.median(timings["generated_suite_s"]),
                        "<=", 10, "s"))  # fmt: skip
    if RELAYKIT in results["memory"]:
        uss = max(memory[2] for memory in results["memory"][RELAYKIT]) / 2**20
        targets.append(("a busy worker's own memory (USS, largest)", uss, "<=", 15, "MB"))
    table["targets"] = [
        {"what": what, "measured": round(value, 3), "target": f"{op} {target}", "unit": unit,
         "met": value >= target if op == ">=" else value <= target}
        for what, value, op, target, unit in targets
    ]  # fmt: skip
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="a few seconds per scenario")
    parser.add_argument("--seconds", type=int, default=5, help="length of one load run")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections")
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "benchmarks")
    parser.add_argument("--variants", nargs="+", choices=VARIANTS, default=list(VARIANTS))
    parser.add_argument("--groups", nargs="+", choices=list(GROUPS), default=list(GROUPS))
    parser.add_argument("--no-timings", dest="timings", action="store_false",
                        help="skip copier copy, the generated suite and import timings")  # fmt: skip
    args = parser.parse_args()
    args.warmup, args.repeat, args.suite_repeat = 1, 3, 3
    if args.smoke:
        args.seconds, args.rounds, args.warmup, args.repeat, args.suite_repeat = 1, 1, 1, 1, 1
    try:
        wrk_path()
    except LoadError as error:
        raise SystemExit(f"bench/compare.py: {error}") from None

    with tempfile.TemporaryDirectory() as folder:
        scratch = Path(folder)
        package = install_example(str(scratch / "example"))
        os.environ["PYTHONPATH"] = os.pathsep.join([str(PEERS), os.environ["PYTHONPATH"]])
        settings = importlib.import_module(f"{package}.settings").Settings()
        args.workers, args.threads = settings.web_workers, settings.web_threads
        results: dict[str, Any] = {
            "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                        "platform": platform.platform()},
            "settings": {key: value for key, value in vars(args).items() if key != "out"}
            | {"variants": args.variants},
            "scenarios": {}, "memory": {}, "startup_s": {},
        }  # fmt: skip
        print(f"{len(args.variants)} variants, {args.rounds} rounds of {args.seconds:g} s, "
              f"gunicorn {args.workers} workers x {args.threads} threads", flush=True)  # fmt: skip
        try:
            with serving_stub(scratch) as stub:
                for group in args.groups:
                    run_group(group, args, package, stub.base, scratch, results)
            if args.timings:
                results["timings"] = one_off_timings(args, package, scratch)
        except LoadError as error:
            raise SystemExit(f"bench/compare.py: {error}") from None
    results["summary"] = summary(results)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "result.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    report = markdown_report(results)
    (args.out / "results.md").write_text(report, encoding="utf-8")
    draw_chart(results, args.out / "chart.png")
    print(report)
    print(
        f"written: {args.out / 'result.json'}, {args.out / 'results.md'}, {args.out / 'chart.png'}"
    )


if __name__ == "__main__":
    main()
