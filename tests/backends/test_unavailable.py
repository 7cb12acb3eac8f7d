"""Every backend answers "unavailable" within its configured timeout, the same way.

A server that accepts connections and never answers (a loopback socket nobody reads) must
fail each call with ``BackendUnavailableError`` saying how long it waited, within the
configured ``timeout_s`` plus scheduling slack, never hold a caller for a multiple of it.
SQLite's equivalent is a database another process keeps locked. ``memory://`` cannot be
unavailable.
"""

from __future__ import annotations

import socket
import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from agent_data_store import Backend, BackendUnavailableError, StoreConfig, open_backend
from agent_data_store.records import RecordWrite, utc_now

TIMEOUT_S = 1.0
SLACK_S = 3.0
"""What a call may take beyond the timeout: scheduling on a loaded 2-core machine. A backend
that retried a silent server (as DynamoDB did: three attempts) would take several times more."""


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A loopback port whose connections are accepted (by the kernel) and never answered."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    try:
        yield listener.getsockname()[1]
    finally:
        listener.close()


def _couchdb(port: int, monkeypatch: pytest.MonkeyPatch) -> StoreConfig:
    return StoreConfig(url=f"couchdb://admin:pw@127.0.0.1:{port}/db", timeout_s=TIMEOUT_S)


def _dynamodb(port: int, monkeypatch: pytest.MonkeyPatch) -> StoreConfig:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "local")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "local")
    return StoreConfig(
        url=f"dynamodb://t_silent?region=us-east-1&endpoint_url=http://127.0.0.1:{port}",
        timeout_s=TIMEOUT_S,
    )


def _firestore(port: int, monkeypatch: pytest.MonkeyPatch) -> StoreConfig:
    monkeypatch.setenv("FIRESTORE_EMULATOR_HOST", f"127.0.0.1:{port}")
    return StoreConfig(url="firestore://silent-project/c", timeout_s=TIMEOUT_S)


SILENT_SERVERS: dict[str, Callable[[int, pytest.MonkeyPatch], StoreConfig]] = {
    "couchdb": _couchdb, "dynamodb": _dynamodb, "firestore": _firestore,
}

OPERATIONS: dict[str, Callable[[Backend], object]] = {
    "get": lambda backend: backend.get_value_json("alice", "default", "k"),
    "put_many": lambda backend: backend.put_many(
        [RecordWrite("alice", "default", "k", "1", None, "agent-a", utc_now())]
    ),
    "iter_keys": lambda backend: list(backend.iter_keys("alice", "default")),
    "list_namespaces": lambda backend: backend.list_namespaces("alice"),
}


def _fails_in_time(call: Callable[[], object]) -> BackendUnavailableError:
    start = time.monotonic()
    with pytest.raises(BackendUnavailableError) as caught:
        call()
    elapsed = time.monotonic() - start
    assert elapsed < TIMEOUT_S + SLACK_S, f"took {elapsed:.1f} s with a {TIMEOUT_S} s timeout"
    assert f"{TIMEOUT_S:g} s" in str(caught.value)
    return caught.value


@pytest.mark.parametrize("operation", OPERATIONS)
@pytest.mark.parametrize("server", SILENT_SERVERS)
def test_a_server_that_never_answers_is_unavailable_within_the_timeout(
    server: str, operation: str, silent_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = SILENT_SERVERS[server](silent_port, monkeypatch)

    def open_and_call() -> None:
        backend = open_backend(config)  # CouchDB and DynamoDB talk to the server here
        try:
            OPERATIONS[operation](backend)
        finally:
            backend.close()

    error = _fails_in_time(open_and_call)
    assert "pw@" not in str(error)
    assert error.__cause__ is None and error.__suppress_context__


def test_a_sqlite_database_locked_by_another_process_is_unavailable_within_the_timeout(
    tmp_path: Path,
) -> None:
    config = StoreConfig(url=f"sqlite:///{tmp_path / 'data.db'}", timeout_s=TIMEOUT_S)
    backend = open_backend(config)
    holder = sqlite3.connect(tmp_path / "data.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        error = _fails_in_time(lambda: OPERATIONS["put_many"](backend))
        assert "locked" in str(error)
        # Readers are not blocked by a writer (WAL): reads still answer.
        assert backend.get_value_json("alice", "default", "k") is None
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        backend.close()
