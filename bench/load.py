"""The load generator: wrk, bounded in time, on loopback; its report parsed."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0}

#: The API key every request carries: relaykit checks it (RELAY_AUTH=api_key, as a
#: service is rendered by default); the peers, which have no authentication, ignore it.
API_KEY_HEADER = "X-API-Key"
API_KEY = "bench-key-4c1d8e2f7a9b"


@dataclass
class LoadResult:
    """What one wrk run measured."""

    requests_per_second: float
    p50_ms: float
    p99_ms: float
    requests: int
    #: Connections the server closed while wrk used them: gunicorn closes a worker's
    #: keep-alive connections when it replaces the worker (max_requests).
    closed: int


class LoadError(Exception):
    """wrk is missing, or a variant answered something other than success."""


def wrk_path() -> str:
    """The wrk binary; :class:`LoadError` when it is not installed."""
    path = shutil.which("wrk")
    if path is None:
        raise LoadError("wrk is not installed: apt-get install wrk (Debian's package)")
    return path


def post_script(scratch: Path, name: str, body: object) -> Path:
    """A wrk script that POSTs ``body`` as JSON on every request."""
    script = scratch / f"{name}.lua"
    text = json.dumps(json.dumps(body))  # a Lua string literal is a JSON string here
    script.write_text(
        'wrk.method = "POST"\n'
        f"wrk.body = {text}\n"
        'wrk.headers["Content-Type"] = "application/json"\n'
        f'wrk.headers["{API_KEY_HEADER}"] = "{API_KEY}"\n',
        encoding="utf-8",
    )
    return script


def _milliseconds(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
    return float(number) * _UNITS[unit]


def run_wrk(url: str, script: Path, seconds: int, connections: int) -> LoadResult:
    """Load ``url`` for ``seconds`` from ``connections`` connections on one wrk thread.

    :raises LoadError: when any answer was not a success, or a connection was refused or
        timed out.
    """
    report = subprocess.run(
        [wrk_path(), "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "30s",
         "-s", str(script), url],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    if match := re.search(r"Non-2xx or 3xx responses: (\d+)", report):
        raise LoadError(f"{url}: {match[1]} answers were not a success\n{report}")
    closed = 0
    if errors := re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", report
    ):
        connect, read, write, timeout = (int(count) for count in errors.groups())
        if connect or timeout:
            raise LoadError(f"{url}: connections refused or timed out\n{report}")
        closed = read + write
    rate = re.search(r"Requests/sec:\s+([\d.]+)", report)
    total = re.search(r"(\d+) requests in", report)
    p50 = re.search(r"^\s+50%\s+(\S+)", report, re.MULTILINE)
    p99 = re.search(r"^\s+99%\s+(\S+)", report, re.MULTILINE)
    if not (rate and total and p50 and p99):
        raise LoadError(f"wrk's report could not be read:\n{report}")
    return LoadResult(
        float(rate[1]), _milliseconds(p50[1]), _milliseconds(p99[1]), int(total[1]), closed
    )
