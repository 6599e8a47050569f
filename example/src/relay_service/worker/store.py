# Managed by relaykit: "copier update" merges the template's changes into this file.
"""What the worker processed, by idempotency key, in a SQLite file that outlives the worker.

Each new key is committed (and fsynced) before the worker answers or acks, so a
worker killed right after its answer or its ack still knows the key when it starts
again on the same file, and processes a redelivery of it as a duplicate.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

__all__ = ["IN_MEMORY", "ReceiptStore"]

#: The path of a store kept in memory only, gone with its process: for in-process tests.
IN_MEMORY = ":memory:"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS receipts (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT NOT NULL UNIQUE,
    receipt TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS counters (
    name TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
INSERT OR IGNORE INTO counters (name, value) VALUES ('processed', 0), ('kept', 0);
"""


class ReceiptStore:
    """Receipts by idempotency key, in a SQLite file, forgetting the oldest beyond ``capacity``.

    A key seen again gets the receipt it got the first time, and its item is not
    processed again: the first write wins, in one transaction, whichever thread or
    process writes it. ``processed`` counts every item ever processed, kept in the
    file too: while no key was forgotten, it equals the number of keys, and any
    difference is an item processed twice. The oldest keys are those first recorded.

    The file is in WAL mode with ``synchronous=FULL``: a commit returns once the
    write-ahead log is fsynced. WAL with ``NORMAL`` would survive a killed worker
    already (the operating system keeps what was written), but not a host that
    loses power right after the worker acked: the broker would have forgotten the
    message and the worker the key. ``FULL`` costs one fsync per new key; a
    duplicate writes nothing.

    :param path: the SQLite file, created with its folder when missing; :data:`IN_MEMORY`
        for a store that is gone with its process.
    :param capacity: how many keys to remember, at least 1.
    :param timeout: how long, in seconds, a write waits for another connection's lock on
        the file before it raises :class:`sqlite3.OperationalError` ("database is locked").
    """

    def __init__(self, path: Path | str, capacity: int = 100_000, timeout: float = 10.0) -> None:
        if capacity < 1:
            raise ValueError(f"capacity must be at least 1, not {capacity}")
        self.path = path
        self.capacity = capacity
        if str(path) != IN_MEMORY:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # One connection, used under the lock by every thread; transactions are begun
        # and committed explicitly (autocommit mode), as BEGIN IMMEDIATE needs.
        # ``timeout``: a write waits that long for another connection's (another
        # process's) lock on the file instead of failing at once.
        self._connection = sqlite3.connect(
            path, timeout=timeout, check_same_thread=False, isolation_level=None
        )
        self._lock = threading.Lock()
        with self._lock:
            self._connection.execute("PRAGMA journal_mode=WAL")
            self._connection.execute("PRAGMA synchronous=FULL")
            with self._transaction():
                for statement in filter(str.strip, _SCHEMA.split(";")):
                    self._connection.execute(statement)
                self._forget_beyond_capacity()

    def record(self, key: str, receipt: dict[str, Any]) -> tuple[dict[str, Any], bool]:
        """Keep ``receipt`` for ``key`` unless the key was seen before; committed on return.

        :returns: the receipt kept for the key, and whether it was new.
        """
        with self._lock:
            kept = self._receipt(key)  # a duplicate reads only, and writes nothing
            if kept is not None:
                return kept, False
        with self._lock, self._transaction():
            inserted = self._connection.execute(
                "INSERT OR IGNORE INTO receipts (key, receipt) VALUES (?, ?)",
                (key, json.dumps(receipt)),
            ).rowcount
            if not inserted:
                return self._receipt(key) or receipt, False
            self._connection.execute(
                "UPDATE counters SET value = value + 1 WHERE name IN ('processed', 'kept')"
            )
            self._forget_beyond_capacity()
            return receipt, True

    def get(self, key: str) -> dict[str, Any] | None:
        """The receipt kept for ``key``, if the item was processed."""
        with self._lock:
            return self._receipt(key)

    def snapshot(self) -> dict[str, Any]:
        """The keys remembered, oldest first, and how many items were processed."""
        with self._lock, self._transaction("DEFERRED"):  # one view of both tables
            keys = [
                key for (key,) in self._connection.execute("SELECT key FROM receipts ORDER BY seq")
            ]
            return {"keys": keys, "processed": self._counter("processed")}

    def clear(self) -> None:
        """Forget everything, as a fresh worker would."""
        with self._lock, self._transaction():
            self._connection.execute("DELETE FROM receipts")
            self._connection.execute("UPDATE counters SET value = 0")

    def close(self) -> None:
        """Close the file; the store is unusable afterwards."""
        with self._lock:
            self._connection.close()

    def _receipt(self, key: str) -> dict[str, Any] | None:
        row = self._connection.execute(
            "SELECT receipt FROM receipts WHERE key = ?", (key,)
        ).fetchone()
        if row is None:
            return None
        kept: dict[str, Any] = json.loads(row[0])
        return kept

    def _counter(self, name: str) -> int:
        (value,) = self._connection.execute(
            "SELECT value FROM counters WHERE name = ?", (name,)
        ).fetchone()
        return int(value)

    def _forget_beyond_capacity(self) -> None:
        excess = self._counter("kept") - self.capacity
        if excess > 0:
            self._connection.execute(
                "DELETE FROM receipts WHERE seq IN (SELECT seq FROM receipts ORDER BY seq LIMIT ?)",
                (excess,),
            )
            self._connection.execute(
                "UPDATE counters SET value = value - ? WHERE name = 'kept'", (excess,)
            )

    @contextmanager
    def _transaction(self, kind: str = "IMMEDIATE") -> Iterator[None]:
        # Immediate: the write lock is taken first, so two processes on one file never
        # both find a key new.
        self._connection.execute(f"BEGIN {kind}")
        try:
            yield
            # Inside: a COMMIT that fails (SQLITE_BUSY, a full disk) is rolled back too,
            # or the transaction would stay open and every later BEGIN fail.
            self._connection.execute("COMMIT")
        except BaseException:
            if self._connection.in_transaction:  # some errors roll back on their own
                self._connection.execute("ROLLBACK")
            raise
