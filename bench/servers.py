"""Start the benchmark's servers, wait until they answer, read their memory, stop them."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from load import API_KEY
from load import API_KEY_HEADER

#: Seconds a server may take to answer its first request.
START_LIMIT = 60.0


def free_port() -> int:
    """A port nobody listens on now, on loopback."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Server:
    """A running server: its process, where it listens, and how long it took to answer."""

    name: str
    process: subprocess.Popen[bytes]
    port: int
    log: Path
    startup: float = 0.0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def post(self, path: str, body: object) -> tuple[int, object]:
        """One request, on a connection of its own: the status and the JSON answer."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            data = json.dumps(body).encode()
            headers = {"Content-Type": "application/json", API_KEY_HEADER: API_KEY}
            connection.request("POST", path, data, headers)
            answer = connection.getresponse()
            return answer.status, json.loads(answer.read() or b"null")
        finally:
            connection.close()

    def worker_memory(self) -> list[tuple[int, int, int]]:
        """RSS, PSS and USS of each worker process (the server's children), in bytes.

        RSS counts every page a worker maps, those it shares with the master and the
        other workers too; PSS splits shared pages between their sharers; USS counts
        only the worker's own pages, what one more worker costs.
        """
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        pids = children.read_text().split()
        memory = []
        for pid in pids:
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
            if b"resource_tracker" in command:  # multiprocessing's helper beside uvicorn's workers
                continue
            rollup = Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()
            fields = {line.split(":")[0]: line.split()[1] for line in rollup[1:]}
            private = int(fields["Private_Clean"]) + int(fields["Private_Dirty"])
            memory.append((int(fields["Rss"]) * 1024, int(fields["Pss"]) * 1024, private * 1024))
        return memory


def _answers(port: int, path: str) -> bool:
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        connection.request("GET", path)
        connection.getresponse().read()
        connection.close()
        return True
    except OSError:
        return False


@contextmanager
def serving(
    name: str, command: list[str], env: dict[str, str], scratch: Path, probe: str = "/livez"
) -> Iterator[Server]:
    """Run ``command`` (which must listen on ``env["BENCH_PORT"]``) until the block ends.

    Its output goes to a log file in ``scratch``; start-up time is measured from
    the start of the process to its first answer on ``probe``.
    """
    port = int(env["BENCH_PORT"])
    log = scratch / f"{name}.log"
    started = time.perf_counter()
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, env={**os.environ, **env}, stdout=output, stderr=subprocess.STDOUT,
            cwd=scratch, start_new_session=True,
        )  # fmt: skip
    server = Server(name, process, port, log)
    try:
        while not _answers(port, probe):
            if process.poll() is not None or time.perf_counter() - started > START_LIMIT:
                raise SystemExit(f"{name} did not start; its log:\n{log.read_text()[-3000:]}")
            time.sleep(0.005)  # waiting for a port to open: nothing to wait on but time
        server.startup = time.perf_counter() - started
        yield server
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def serving_stub(scratch: Path) -> AbstractContextManager[Server]:
    """The worker stub (stub_worker.py) under uvicorn on a free port: a worker that
    answers at once, so that what is measured is the service."""
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", "--app-dir", str(Path(__file__).parent),
               "stub_worker:app", "--host", "127.0.0.1", "--port", str(port), "--loop", "uvloop",
               "--http", "httptools", "--no-access-log", "--log-level", "warning",
               "--timeout-keep-alive", "600"]  # fmt: skip
    return serving("stub", command, {"BENCH_PORT": str(port)}, scratch)
