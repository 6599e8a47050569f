"""The benchmarks run, in smoke mode, so that they never rot. No timing is asserted."""

from __future__ import annotations

import subprocess
import sys

from generator import REPO_ROOT


def test_pipeline_overhead_benchmark_runs() -> None:
    result = subprocess.run(
        [sys.executable, "bench/pipeline_overhead.py", "--events", "20", "--rounds", "2"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "events per round and variant: 20, rounds: 2"
    assert [line.split(":")[0].strip() for line in lines[1:]] == [
        "empty pipeline",
        "default steps",
        "overhead",
        "pipeline alone",
        "handoff alone",
    ]


def test_gunicorn_worker_class_benchmark_runs() -> None:
    result = subprocess.run(
        [sys.executable, "bench/gunicorn_worker_class.py", "--requests", "40", "--clients", "4",
         "--latency", "0.001"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("requests per variant: 40, clients: 4, worker latency: 1 ms")
    assert [line.split(",")[0].strip() for line in lines[1:]] == [
        "sync", "gthread", "gthread", "gthread"
    ]  # fmt: skip
    assert "1.00x sync" in lines[1]
