# Managed by relaykit: "copier update" merges the template's changes into this file.
"""The reference worker, over loopback HTTP: the contract, deduplication and fault switches."""

from __future__ import annotations

import http.client
import json
import os
import socket
import sqlite3
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from relay_service.worker import ReceiptStore
from relay_service.worker import WorkerProcess
from relay_service.worker import create_worker_app


def deliver(
    worker: WorkerProcess, item: dict[str, Any], key: str | None, timeout: float = 10
) -> tuple[int, dict[str, str], dict[str, Any]]:
    """POST one item; answer with status, headers and JSON body, errors included."""
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {worker.token}"}
    if key is not None:
        headers["Idempotency-Key"] = key
    request = urllib.request.Request(
        f"{worker.url}/items", json.dumps(item).encode(), headers, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, dict(response.headers), json.load(response)
    except urllib.error.HTTPError as error:
        with error:
            return error.code, dict(error.headers), json.load(error)


def test_an_item_is_processed_once_however_often_it_is_delivered(worker: WorkerProcess) -> None:
    first = deliver(worker, {"id": "evt-1"}, "key-1")
    again = deliver(worker, {"id": "evt-1"}, "key-1")
    assert (first[0], again[0]) == (201, 200)
    assert first[2]["duplicate"] is False
    assert again[2]["duplicate"] is True
    assert again[2]["received_at"] == first[2]["received_at"]
    assert worker.call("GET", "/records") == {"keys": ["key-1"], "processed": 1}


def test_a_delivery_without_idempotency_key_is_refused(worker: WorkerProcess) -> None:
    status, headers, body = deliver(worker, {"id": "evt-1"}, None)
    assert status == 400
    assert headers["Content-Type"] == "application/problem+json"
    assert "Idempotency-Key" in body["detail"]
    assert worker.call("GET", "/records")["processed"] == 0


def test_a_marked_item_is_refused_with_422(worker: WorkerProcess) -> None:
    status, _, body = deliver(worker, {"id": "evt-1", "reject": True}, "key-r")
    assert status == 422
    assert "reject" in body["detail"]
    assert worker.call("GET", "/records")["processed"] == 0


def test_a_batch_is_one_call_with_a_result_per_item(worker: WorkerProcess) -> None:
    deliver(worker, {"id": "evt-0"}, "key-0")
    body = worker.call(
        "POST",
        "/items:batch",
        {
            "items": [
                {"key": "key-0", "item": {"id": "evt-0"}},
                {"key": "key-1", "item": {"id": "evt-1"}},
                {"key": "key-2", "item": {"id": "evt-2", "reject": True}},
            ]
        },
    )
    duplicates = [result.get("receipt", {}).get("duplicate") for result in body["results"]]
    assert [(r["key"], r["status"]) for r in body["results"]] == [
        ("key-0", "accepted"),
        ("key-1", "accepted"),
        ("key-2", "rejected"),
    ]
    assert duplicates == [True, False, None]
    assert worker.call("GET", "/records") == {"keys": ["key-0", "key-1"], "processed": 2}


def test_a_failing_worker_answers_503_with_retry_after_and_processes_nothing(
    worker: WorkerProcess,
) -> None:
    worker.call("PUT", "/faults", {"fail_ratio": 1.0, "retry_after": 7})
    status, headers, _ = deliver(worker, {"id": "evt-1"}, "key-f")
    assert status == 503
    assert headers["Retry-After"] == "7"
    assert worker.call("GET", "/records")["processed"] == 0


def test_a_dropping_worker_closes_the_connection_unanswered(worker: WorkerProcess) -> None:
    worker.call("PUT", "/faults", {"drop_ratio": 1.0})
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError, urllib.error.URLError)):
        deliver(worker, {"id": "evt-1"}, "key-d")
    assert worker.call("GET", "/records")["processed"] == 0


def test_a_stalling_worker_processes_the_item_then_answers_too_late(
    worker: WorkerProcess,
) -> None:
    worker.call("PUT", "/faults", {"stall_ratio": 1.0, "stall_seconds": 3.0})
    with pytest.raises((TimeoutError, socket.timeout, urllib.error.URLError)):
        deliver(worker, {"id": "evt-1"}, "key-s", timeout=0.3)
    assert worker.call("GET", "/records") == {"keys": ["key-s"], "processed": 1}


def test_fault_switches_are_checked(worker: WorkerProcess) -> None:
    for bad in ({"fail_ratio": 2}, {"explode": True}):
        with pytest.raises(urllib.error.HTTPError) as refused:
            worker.call("PUT", "/faults", bad)
        with refused.value as error:
            assert error.code == 422


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/items", b'{"id": "evt-1"}'),
        ("POST", "/items:batch", b'{"items": []}'),
        ("GET", "/records", None),
        ("DELETE", "/records", None),
        ("GET", "/faults", None),
        ("PUT", "/faults", b'{"fail_ratio": 1.0}'),
    ],
)
@pytest.mark.parametrize("authorization", [None, "Bearer not-the-token", "Basic dXNlcjpwYXNz"])
def test_every_call_but_livez_needs_the_token(
    worker: WorkerProcess, method: str, path: str, body: bytes | None, authorization: str | None
) -> None:
    headers = {"Content-Type": "application/json", "Idempotency-Key": "key-1"}
    if authorization is not None:
        headers["Authorization"] = authorization
    request = urllib.request.Request(f"{worker.url}{path}", body, headers, method=method)
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    with refused.value as error:
        assert error.code == 401
        assert error.headers["WWW-Authenticate"] == 'Bearer realm="worker"'
        assert error.headers["Content-Type"] == "application/problem+json"
    assert worker.call("GET", "/records")["processed"] == 0
    assert worker.call("GET", "/faults")["fail_ratio"] == 0


def test_the_token_may_come_from_a_file(tmp_path: Path) -> None:
    token = tmp_path / "worker-token"
    token.write_text("token-from-a-file\n", encoding="utf-8")
    environment = {
        **{name: value for name, value in os.environ.items() if not name.startswith("RELAY_")},
        "RELAY_WORKER_TOKEN_FILE": str(token),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "relay_service.worker", "--port", "0",
         "--store", str(tmp_path / "receipts.sqlite3")],
        stdout=subprocess.PIPE, text=True, env=environment,
    )  # fmt: skip
    assert process.stdout is not None
    with process, process.stdout:
        try:
            line = process.stdout.readline()
            url = line.removeprefix("worker listening on ").strip()
            worker = WorkerProcess(url, process, "token-from-a-file")
            assert worker.call("GET", "/records")["processed"] == 0
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(f"{url}/records", timeout=10)
            assert refused.value.code == 401
            refused.value.close()
        finally:
            process.terminate()


def test_livez_needs_no_token(worker: WorkerProcess) -> None:
    with urllib.request.urlopen(f"{worker.url}/livez", timeout=10) as response:
        assert json.load(response) == {"status": "ok"}


def test_a_store_another_process_holds_locked_is_a_503_and_records_nothing(tmp_path: Path) -> None:
    path = tmp_path / "receipts.sqlite3"
    store = ReceiptStore(path, timeout=0)
    client = create_worker_app(store=store).test_client()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # as another worker process in mid-write
    try:
        locked = client.post("/items", json={"id": "evt-1"}, headers={"Idempotency-Key": "k-1"})
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert locked.status_code == 503
    assert locked.mimetype == "application/problem+json"
    assert locked.headers["Retry-After"] == "1"
    taken = client.post("/items", json={"id": "evt-1"}, headers={"Idempotency-Key": "k-1"})
    assert taken.status_code == 201
    assert store.snapshot()["processed"] == 1
    store.close()


def test_a_body_nested_too_deeply_is_a_400(worker: WorkerProcess) -> None:
    request = urllib.request.Request(
        f"{worker.url}/items",
        b"[" * 100_000,
        {
            "Content-Type": "application/json",
            "Authorization": f"Bearer {worker.token}",
            "Idempotency-Key": "deep",
        },
        method="POST",
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    with refused.value as answer:
        assert answer.code == 400
        assert json.load(answer)["detail"] == "The item is nested too deeply."
