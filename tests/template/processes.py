"""Run a program that announces where it listens: a dev server, gunicorn, a worker."""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

#: How long a program may take to announce where it listens, in seconds.
ANNOUNCE_DEADLINE = 60


@contextmanager
def running(
    command: list[str],
    announce: str,
    *,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    process_group: bool = False,
    output: list[str] | None = None,
) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """Run ``command`` while the block runs; yield it and what ``announce`` captured.

    Everything it writes is read all along, since a full pipe would block it.

    :param announce: a pattern of the line that says it listens, with one group.
    :param process_group: stop its whole process group (the dev server's reloader
        runs the app in a child).
    :param output: a list that gets every line it writes, as it comes.
    """
    started = subprocess.Popen(
        command, cwd=cwd, env={**os.environ, **(env or {})}, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, start_new_session=process_group,
    )  # fmt: skip
    lines: queue.Queue[str] = queue.Queue()
    seen = output if output is not None else []
    drain = threading.Thread(
        target=lambda: [(lines.put(line), seen.append(line)) for line in started.stdout or ()]
    )
    drain.start()
    try:
        yield started, _announced(lines, re.compile(announce))
    finally:
        if process_group:
            os.killpg(started.pid, signal.SIGTERM)
        else:
            started.terminate()
        started.wait(timeout=60)
        drain.join(timeout=60)
        if started.stdout is not None:
            started.stdout.close()


def _announced(lines: queue.Queue[str], announce: re.Pattern[str]) -> str:
    seen = []
    deadline = time.monotonic() + ANNOUNCE_DEADLINE
    while (remaining := deadline - time.monotonic()) > 0:
        try:
            line = lines.get(timeout=remaining)
        except queue.Empty:
            break
        seen.append(line)
        if match := announce.search(line):
            return match.group(1)
    raise AssertionError(f"no line matched {announce.pattern!r}:\n{''.join(seen)}")
