# Managed by relaykit: "copier update" merges the template's changes into this file.
"""The worker's durable store: first write wins, bounded, and kept across restarts."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from relay_service.worker import ReceiptStore
from relay_service.worker import WorkerProcess
from relay_service.worker import start_worker_process
from relay_service.worker.store import IN_MEMORY


def post(worker: WorkerProcess, key: str) -> int:
    """POST the item ``{"id": key}`` under ``key``; the status."""
    headers = {"Content-Type": "application/json", "Idempotency-Key": key}
    request = urllib.request.Request(
        f"{worker.url}/items", json.dumps({"id": key}).encode(), headers, method="POST"
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        status: int = response.status
        return status


def test_the_first_write_wins_whichever_thread_makes_it(tmp_path: Path) -> None:
    store = ReceiptStore(tmp_path / "receipts.sqlite3")
    # Two stores on one file: what two worker processes sharing it would do.
    other = ReceiptStore(tmp_path / "receipts.sqlite3")
    writes = [(store if n % 2 else other, f"key-{n % 10}", n) for n in range(200)]
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda w: w[0].record(w[1], {"writer": w[2]}), writes))
    for key in {key for _, key, _ in writes}:
        answers = [
            answer
            for answer, (_, written, _) in zip(results, writes, strict=True)
            if written == key
        ]
        assert [fresh for _, fresh in answers].count(True) == 1
        assert {json.dumps(receipt) for receipt, _ in answers} == {json.dumps(store.get(key))}
    assert store.snapshot()["processed"] == other.snapshot()["processed"] == 10
    store.close()
    other.close()


def test_the_store_forgets_the_oldest_keys_beyond_its_capacity() -> None:
    store = ReceiptStore(IN_MEMORY, capacity=2)
    for key in ("a", "b", "c"):
        store.record(key, {"key": key})
    assert store.snapshot() == {"keys": ["b", "c"], "processed": 3}
    assert store.record("b", {"key": "other"}) == ({"key": "b"}, False)
    assert store.get("a") is None
    store.clear()
    assert store.snapshot() == {"keys": [], "processed": 0}


def test_a_store_opened_again_keeps_its_keys_and_count(tmp_path: Path) -> None:
    path = tmp_path / "folder" / "receipts.sqlite3"  # the folder is created
    store = ReceiptStore(path)
    for key in ("a", "b", "c"):
        store.record(key, {"key": key})
    store.close()
    again = ReceiptStore(path, capacity=2)  # a smaller capacity applies at once
    assert again.snapshot() == {"keys": ["b", "c"], "processed": 3}
    assert again.record("c", {"key": "other"}) == ({"key": "c"}, False)
    again.close()


@pytest.mark.parametrize("ending", ["stop", "kill"])
def test_a_restarted_worker_processes_no_key_twice(tmp_path: Path, ending: str) -> None:
    store = tmp_path / "receipts.sqlite3"
    keys = [f"key-{n}" for n in range(100)]
    worker = start_worker_process(store=store)
    try:
        assert {post(worker, key) for key in keys} == {201}
    finally:
        getattr(worker, ending)()  # SIGTERM, or SIGKILL right after the last answer
    again = start_worker_process(store=store)
    try:
        assert {post(again, key) for key in keys} == {200}
        records = again.call("GET", "/records")
    finally:
        again.stop()
    assert records == {"keys": keys, "processed": 100}


def test_a_worker_without_a_store_it_may_write_stops_with_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    store = blocker / "receipts.sqlite3"
    worker = "relay_service.worker"
    command = [sys.executable, "-m", worker, "--port", "0", "--store", str(store)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"the worker cannot open its store {store}: ")
