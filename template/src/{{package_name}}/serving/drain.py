# Managed by relaykit: "copier update" merges the template's changes into this file.
"""The drain: on SIGTERM, a replica leaves its load balancer before it stops.

With D = ``RELAY_DRAIN_SECONDS``, after gunicorn's master gets SIGTERM:

- from 0 to D, ``/readyz`` answers 503 (check ``drain``: ``draining``), so that load
  balancers stop sending requests; the replica still accepts connections and answers
  every request, each with ``Connection: close``, so that clients leave kept-alive
  connections cleanly instead of having them reset;
- at D, the listening sockets stop answering connection attempts (a SYN gets no
  SYN-ACK), while connections whose handshake is under way are still accepted for
  :data:`ACCEPT_SETTLE` seconds;
- then gunicorn's own graceful stop: its workers stop accepting, finish the requests
  in flight (each within the handoff deadline) and exit. A client connecting from D
  on gets "connection refused" once the replica is gone: it can tell that its
  request was never sent, and nothing waits in a listen queue to be reset.

A second SIGTERM during the drain starts gunicorn's graceful stop at once; SIGINT and
SIGQUIT stop quickly, as gunicorn documents. ``RELAY_DRAIN_SECONDS=0`` leaves SIGTERM
to gunicorn alone. The dev server (``make dev``) does not drain.
"""

from __future__ import annotations

import ctypes
import mmap
import os
import signal
import socket
import struct
import sys
import threading
from collections.abc import Iterable
from typing import Any

__all__ = ["ACCEPT_SETTLE", "DRAIN", "Drain", "drain_on_sigterm", "refuse_new_connections"]

#: Seconds between refusing new connections and no longer accepting them: handshakes
#: under way complete (a round trip) and are accepted and served meanwhile.
ACCEPT_SETTLE = 0.5

#: Linux's ``SO_ATTACH_FILTER`` (``socket`` does not name it).
_SO_ATTACH_FILTER = 26

#: A classic BPF socket filter (``struct sock_filter``: code, jt, jf, k) for a listening
#: TCP socket, which sees each segment from its TCP header: drop a SYN without ACK
#: (a new connection), keep everything else (handshakes under way complete).
_DROP_CONNECTION_ATTEMPTS = (
    (0x30, 0, 0, 13),  # load the byte of TCP flags
    (0x54, 0, 0, 0x12),  # keep SYN and ACK
    (0x15, 0, 1, 0x02),  # SYN alone?
    (0x06, 0, 0, 0),  # yes: drop the segment
    (0x06, 0, 0, 0xFFFFFFFF),  # no: keep it whole
)


class Drain:
    """Whether this replica is draining: one flag in memory shared by gunicorn's master
    and every worker it forks, so that all of them agree as soon as the master is told."""

    def __init__(self) -> None:
        # Anonymous shared memory: a fork shares it instead of copying it.
        self._flag = mmap.mmap(-1, 1)

    @property
    def draining(self) -> bool:
        """Whether the replica has begun its drain."""
        return self._flag[0] == 1

    def begin(self) -> None:
        """Begin the drain, in every process of the replica at once."""
        self._flag[0] = 1


#: This replica's drain: made at import, in gunicorn's master before it forks.
DRAIN = Drain()


def drain_on_sigterm(arbiter: Any, seconds: float, drain: Drain = DRAIN) -> None:
    """Make gunicorn's master drain for ``seconds`` on SIGTERM before its graceful stop.

    Called from gunicorn.conf.py's ``when_ready``. The master looks its signal
    handlers up by name each time, so this one takes the place of ``handle_term``.

    :param arbiter: gunicorn's master (``gunicorn.arbiter.Arbiter``).
    :param seconds: the drain; ``0`` leaves SIGTERM to gunicorn.
    """
    if not seconds:
        return
    graceful_stop = arbiter.handle_term
    stopping = threading.Event()
    refused: list[str] = []  # why new connections could not be refused, once the drain ends

    def handle_term() -> None:
        if drain.draining:  # the drain is over, or a second SIGTERM: stop now
            stopping.set()
            if refused:
                arbiter.log.warning("New connections were not refused: %s", refused[0])
            graceful_stop()
            return
        drain.begin()
        arbiter.log.info("Draining for %s s: not ready, answers close their connections", seconds)
        end = (seconds, list(arbiter.LISTENERS), stopping, refused)
        threading.Thread(target=_end_drain, args=end, daemon=True).start()

    arbiter.handle_term = handle_term


def _end_drain(
    seconds: float, listeners: list[Any], stopping: threading.Event, refused: list[str]
) -> None:
    # A thread of the master: it must not log, since a fork meanwhile would copy a held lock.
    if stopping.wait(seconds):
        return  # a second SIGTERM stopped the master already
    try:
        refuse_new_connections(listeners)
    except OSError as error:  # not permitted here: stop all the same
        refused.append(f"the socket filter is not permitted ({error.strerror})")
    else:
        stopping.wait(ACCEPT_SETTLE)
    finally:
        if not stopping.is_set():
            os.kill(os.getpid(), signal.SIGTERM)  # the master's own loop then stops gracefully


def refuse_new_connections(listeners: Iterable[Any]) -> None:
    """Let the TCP listening sockets answer no new connection attempt, in every process
    that holds them, while connections already made are still accepted.

    Linux only, where the kernel lets the process attach a socket filter (some refuse
    it to users other than root). Elsewhere a connection made in the instant before the
    last process closes the socket is reset instead of refused.

    :raises OSError: the kernel refused the filter.
    """
    if not sys.platform.startswith("linux"):
        return
    code = b"".join(struct.pack("HBBI", *step) for step in _DROP_CONNECTION_ATTEMPTS)
    program = ctypes.create_string_buffer(code, len(code))
    # struct sock_fprog: the number of steps and their address; the kernel copies them.
    fprog = struct.pack("HL", len(_DROP_CONNECTION_ATTEMPTS), ctypes.addressof(program))
    for listener in listeners:
        if listener.family in (socket.AF_INET, socket.AF_INET6):
            listener.setsockopt(socket.SOL_SOCKET, _SO_ATTACH_FILTER, fprog)
