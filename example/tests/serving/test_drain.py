# Managed by relaykit: "copier update" merges the template's changes into this file.
"""The drain's parts: a flag every process shares, and listening sockets that answer
no new connection while they still accept the ones made (serving/drain.py).

The whole drain, under gunicorn and under load, is tested in relaykit's repository."""

from __future__ import annotations

import os
import socket
import sys
import warnings

import pytest

from relay_service.serving.drain import Drain
from relay_service.serving.drain import refuse_new_connections


def test_a_drain_begun_in_one_process_is_seen_by_every_other() -> None:
    drain = Drain()
    assert not drain.draining
    with warnings.catch_warnings():
        # Python 3.12+ warns that forking a process with threads may deadlock; the
        # child only writes one byte and exits.
        warnings.simplefilter("ignore", DeprecationWarning)
        child = os.fork()
    if child == 0:  # gunicorn's master tells its forked workers the same way
        drain.begin()
        os._exit(0)
    assert os.waitpid(child, 0)[1] == 0
    assert drain.draining


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a Linux socket filter")
def test_a_refusing_listener_answers_no_new_connection_but_accepts_the_ones_made() -> None:
    with socket.create_server(("127.0.0.1", 0)) as listener:
        address = listener.getsockname()
        with socket.create_connection(address, timeout=10) as made:
            made.sendall(b"sent before")
            try:
                refuse_new_connections([listener])
            except PermissionError:
                pytest.skip("this kernel refuses socket filters to this user")
            with socket.socket() as late:
                late.settimeout(0.5)
                # Its SYN goes unanswered: no connection, so nothing of it was sent.
                with pytest.raises(TimeoutError):
                    late.connect(address)
            accepted, _ = listener.accept()
            with accepted:
                assert accepted.recv(64) == b"sent before"
