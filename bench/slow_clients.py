"""How a service answers while slow clients hold connections open: probes of /livez
while connections trickle their headers and bodies, or sit silent.

    python bench/slow_clients.py --url http://127.0.0.1:8000 [--connections 256] [--silent]

Against the composed service (the proxy's port) and against gunicorn alone (the api
container's address, e.g. http://172.18.0.3:8000, from the machine running docker),
this gives the figures of docs/containers.md. Opens ``--connections`` connections that
send a request header a byte a second and as many that send a body a byte a second
(or, with ``--silent``, that send nothing), then sends ``--probes`` GET /livez one after
another, each on a new connection with a 4 s timeout. Prints how many were answered, and
the slowest; no thresholds.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import socket
import threading
import time
from urllib.parse import urlsplit

#: A request whose header never ends, and one whose body never ends.
HEADER_START = b"GET /livez HTTP/1.1\r\nHost: bench\r\nX-Trickle: "
BODY_START = (
    b"POST /v1/events HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n"
    b"Content-Length: 100000\r\n\r\n"
)

#: Seconds a probe may take before it counts as unanswered (the issue's figure).
PROBE_TIMEOUT = 4.0


def hold(address: tuple[str, int], count: int, start: bytes) -> list[socket.socket]:
    held = []
    for _ in range(count):
        connection = socket.create_connection(address, timeout=10)
        connection.sendall(start)
        held.append(connection)
    return held


def trickle(connections: list[socket.socket], stop: threading.Event) -> None:
    while not stop.wait(1.0):  # a byte a second: the pace of a slow client
        for connection in connections:
            with contextlib.suppress(OSError):  # cut off by the server
                connection.send(b"X")


def probe(address: tuple[str, int]) -> float | None:
    """Seconds GET /livez took to a 200, or None when it failed or took too long."""
    started = time.monotonic()
    connection = http.client.HTTPConnection(*address, timeout=PROBE_TIMEOUT)
    try:
        connection.request("GET", "/livez")
        answer = connection.getresponse()
        answer.read()
        return time.monotonic() - started if answer.status == 200 else None
    except OSError:
        return None
    finally:
        connection.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="the service, e.g. http://127.0.0.1:8000")
    parser.add_argument("--connections", type=int, default=256)
    parser.add_argument("--silent", action="store_true", help="connections that send nothing")
    parser.add_argument("--probes", type=int, default=20)
    options = parser.parse_args()
    parts = urlsplit(options.url)
    address = (parts.hostname or "127.0.0.1", parts.port or 80)
    if options.silent:
        held = hold(address, options.connections, b"")
    else:
        held = hold(address, options.connections, HEADER_START)
        held += hold(address, options.connections, BODY_START)
    stop = threading.Event()
    # Silent connections send nothing more; the others a byte a second.
    trickled = [] if options.silent else held
    trickler = threading.Thread(target=trickle, args=(trickled, stop))
    trickler.start()
    try:
        times = [probe(address) for _ in range(options.probes)]
    finally:
        stop.set()
        trickler.join()
        for connection in held:
            connection.close()
    answered = [seconds for seconds in times if seconds is not None]
    load = (
        f"{options.connections} silent"
        if options.silent
        else (f"{options.connections} + {options.connections} trickling")
    )
    slowest = f", slowest {max(answered):.3f} s" if answered else ""
    within_1s = sum(seconds < 1 for seconds in answered)
    print(
        f"{load}: {len(answered)} of {len(times)} probes answered within {PROBE_TIMEOUT:g} s"
        f" ({within_1s} within 1 s){slowest}"
    )


if __name__ == "__main__":
    main()
