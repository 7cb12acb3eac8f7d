"""A SQLite connection that one thread may close while another is using it.

Each thread has a connection of its own, but the backend closes all of them at once
(``close()``), and another thread may be in the middle of a statement then: a run that
the host stopped waiting for, or the plugin's background sweep. Python's ``sqlite3``
frees a connection's statements on close and crashes the process if a cursor of another
thread is still stepping through one. This wrapper runs each statement, results fetched,
under a lock of the connection; closing interrupts the statement in flight (SQLite allows
that from any thread), takes the lock, and then closes.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from typing import Any


class StatementResult:
    """The rows and row count of one executed statement (fetched while it ran)."""

    __slots__ = ("_rows", "rowcount")

    def __init__(self, rows: list[Any], rowcount: int) -> None:
        self._rows = rows
        self.rowcount = rowcount

    def fetchall(self) -> list[Any]:
        """Every row."""
        return self._rows

    def fetchone(self) -> Any:
        """The first row, or ``None``."""
        return self._rows[0] if self._rows else None

    def __iter__(self) -> Iterator[Any]:
        return iter(self._rows)


class GuardedConnection:
    """A ``sqlite3.Connection`` whose statements and ``close()`` exclude each other."""

    __slots__ = ("_busy_ms", "_closed", "_conn", "_cursor", "_lock", "timeout_s")

    def __init__(self, conn: sqlite3.Connection, timeout_s: float) -> None:
        """Guard ``conn``, opened with ``timeout_s`` as its lock wait (``sqlite3.connect``)."""
        self._conn = conn
        self.timeout_s = timeout_s
        """The lock wait last asked for (:meth:`wait_at_most`)."""
        self._busy_ms = int(timeout_s * 1000)
        # One cursor for every statement: they run one at a time, fetched, under the lock,
        # and a fresh cursor per statement costs as much as binding its parameters.
        self._cursor = conn.cursor()
        self._lock = threading.RLock()
        self._closed = False

    def execute(
        self, sql: str, params: Sequence[Any] | dict[str, Any] = ()
    ) -> StatementResult:
        """Run one statement and fetch its rows."""
        with self._lock:
            self._check_open()
            cursor = self._cursor.execute(sql, params)
            return StatementResult(cursor.fetchall(), cursor.rowcount)

    def rows(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[Any]:
        """Run one statement and return its rows: :meth:`execute` for reads, which need no
        row count."""
        with self._lock:
            if self._closed:
                self._check_open()
            return self._cursor.execute(sql, params).fetchall()

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> StatementResult:
        """Run one statement for each row of parameters."""
        with self._lock:
            self._check_open()
            cursor = self._conn.executemany(sql, rows)
            return StatementResult([], cursor.rowcount)

    def wait_at_most(self, seconds: float) -> None:
        """Make the lock wait of the next statements ``seconds`` (in steps of 50 ms)."""
        self.timeout_s = seconds
        busy_ms = int(seconds * 1000) // 50 * 50
        if busy_ms != self._busy_ms:
            self.execute(f"PRAGMA busy_timeout = {max(busy_ms, 10)}")
            self._busy_ms = busy_ms

    def close(self) -> None:
        """Stop the statement in flight, if any, and close."""
        if self._closed:
            return
        self._conn.interrupt()
        with self._lock:
            self._closed = True
            self._conn.close()

    def _check_open(self) -> None:
        if self._closed:
            raise sqlite3.ProgrammingError("Cannot operate on a closed database.")

    def __getattr__(self, name: str) -> Any:
        # Set-up calls (create_function, set_trace_callback, in_transaction) as they are.
        return getattr(self._conn, name)
