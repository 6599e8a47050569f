# Managed by relaykit: "copier update" merges the template's changes into this file.
"""The leak guard of conftest.py, run in a pytest session of its own: it fails a test that
leaves a thread or a child process running, and spares what a session fixture starts."""

from __future__ import annotations

from pathlib import Path

import pytest

CONFTEST = Path(__file__).with_name("conftest.py")

TESTS = """
import os
import subprocess
import sys
import threading

import pytest


@pytest.fixture(scope="session")
def background():
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait, name="session-wide")
    thread.start()
    yield
    stop.set()
    thread.join()


def test_a_session_fixtures_thread(background):
    pass


def test_a_joined_thread():
    thread = threading.Thread(target=int)
    thread.start()
    thread.join()


def test_a_waited_for_process():
    subprocess.run([sys.executable, "-c", ""], check=True)


def test_a_thread_left_running():
    threading.Thread(target=threading.Event().wait, name="left-behind", daemon=True).start()


def test_a_process_left_running():
    # Once it has printed, it runs its own command; it reads until this session's
    # process exits and closes the pipe.
    command = "import sys; print('reading', flush=True); sys.stdin.read()"
    process = subprocess.Popen(
        [sys.executable, "-c", command], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    assert process.stdout.readline() == b"reading\\n"


#: The exited process's Popen, which would wait for it if it were collected.
UNREAPED = []


def test_a_process_left_unreaped():
    process = subprocess.Popen([sys.executable, "-c", ""])
    os.waitid(os.P_PID, process.pid, os.WEXITED | os.WNOWAIT)  # it has exited: a zombie
    UNREAPED.append(process)
"""


@pytest.mark.skipif(
    not any(Path("/proc/self/task").glob("*/children")),
    reason="the guard finds child processes in Linux's /proc/<pid>/task/*/children only",
)
def test_the_guard_fails_only_tests_that_leave_threads_or_processes_running(
    pytester: pytest.Pytester,
) -> None:
    pytester.makeconftest(CONFTEST.read_text(encoding="utf-8"))
    pytester.makepyfile(test_leaks=TESTS)
    result = pytester.runpytest_subprocess("-p", "no:randomly", timeout=120)
    result.assert_outcomes(passed=6, errors=3)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at teardown of test_a_thread_left_running*",
            "left running after the test: thread 'left-behind'",
            "*ERROR at teardown of test_a_process_left_running*",
            "left running after the test: process * (*python* -c import sys; print(*",
            "*ERROR at teardown of test_a_process_left_unreaped*",
            "left running after the test: process * (*python*, exited and not waited for)",
        ]
    )
