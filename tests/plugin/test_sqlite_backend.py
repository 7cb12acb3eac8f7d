"""The embedded SQLite default: persistence, several processes, indexes, bulk statements."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from agent_data_store import StoreConfig, open_backend
from agent_data_store.backends.base import prefix_upper_bound
from agent_data_store.backends.sqlite import SqliteBackend
from agent_data_store.backends.sqlite_statements import record_to_row, write_params
from agent_data_store.records import Access, Increment, RecordWrite, apply_write

REPO = Path(__file__).resolve().parents[2]


def _write(key: str, namespace: str = "ns", user: str = "alice") -> RecordWrite:
    return RecordWrite(user, namespace, key, json.dumps(key), None, "agent", "2026-01-01T00:00:00Z")


@pytest.fixture
def sqlite_backend(tmp_path: Path) -> SqliteBackend:
    backend = open_backend(StoreConfig(url=f"sqlite:///{tmp_path}/data.db"))
    assert isinstance(backend, SqliteBackend)
    return backend


def test_uses_wal_journal_and_a_busy_timeout(sqlite_backend: SqliteBackend) -> None:
    conn = sqlite_backend._connection()
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 1000


def test_records_keep_the_documented_columns(sqlite_backend: SqliteBackend) -> None:
    sqlite_backend.put_many([_write("k")])
    conn = sqlite3.connect(sqlite_backend.path)
    conn.row_factory = sqlite3.Row
    row = dict(conn.execute("SELECT * FROM agent_data_store").fetchone())
    assert row["_id"] == "alice:ns:aw=="
    assert set(row) == {
        "_id", "userId", "namespace", "key", "value", "metadata", "createdByAgent",
        "lastAccessedByAgent", "accessCount", "createdAt", "updatedAt", "lastAccessedAt",
        "version", "expiresAt",
    }


def test_queries_use_the_user_namespace_key_index(sqlite_backend: SqliteBackend) -> None:
    conn = sqlite_backend._connection()
    plan = " ".join(
        str(row[3])
        for row in conn.execute(
            "EXPLAIN QUERY PLAN SELECT key FROM agent_data_store "
            "WHERE userId = 'a' AND namespace = 'b' AND key > 'c' ORDER BY key LIMIT 10"
        )
    )
    assert "PRIMARY KEY" in plan or "INDEX" in plan
    assert "SCAN" not in plan


def test_list_namespaces_does_not_scan_records(sqlite_backend: SqliteBackend) -> None:
    sqlite_backend.put_many([_write(f"k{i}", namespace=f"ns{i % 3}") for i in range(3000)])
    conn = sqlite_backend._connection()
    steps: list[int] = []
    conn.set_progress_handler(lambda: steps.append(1) and 0, 100)
    assert sqlite_backend.list_namespaces("alice") == ["ns0", "ns1", "ns2"]
    small = len(steps)
    sqlite_backend.put_many([_write(f"more{i}", namespace=f"ns{i % 3}") for i in range(30000)])
    steps.clear()
    assert sqlite_backend.list_namespaces("alice") == ["ns0", "ns1", "ns2"]
    conn.set_progress_handler(None, 0)
    assert len(steps) <= small + 2


def _tracer(statements: list[str]) -> Callable[[str], None]:
    """A trace callback keeping each statement once: SQLite traces a statement again for
    every trigger program it runs (the usage triggers), with the same text."""

    def trace(statement: str) -> None:
        if not statements or statements[-1] != statement:
            statements.append(statement)

    return trace


def test_bulk_operations_are_single_statements(sqlite_backend: SqliteBackend) -> None:
    sqlite_backend.put_many([_write(f"k{i}") for i in range(100)])
    conn = sqlite_backend._connection()
    statements: list[str] = []
    conn.set_trace_callback(_tracer(statements))
    sqlite_backend.get_many("alice", "ns", [f"k{i}" for i in range(100)])
    assert len(statements) == 1
    statements.clear()
    sqlite_backend.put_many([_write(f"k{i}") for i in range(100)])
    # One transaction of one prepared upsert (executemany traces it once per row); no reads.
    assert statements[0] == "BEGIN IMMEDIATE" and statements[-1] == "COMMIT"
    assert sum(s == "BEGIN IMMEDIATE" for s in statements) == 1
    assert not any(s.startswith("SELECT") for s in statements)
    assert {s.split(" VALUES")[0] for s in statements[1:-1]} == {
        statements[1].split(" VALUES")[0]
    }
    statements.clear()
    sqlite_backend.delete_many("alice", "ns", [f"k{i}" for i in range(100)])
    assert sum(s.startswith("DELETE") for s in statements) == 1
    conn.set_trace_callback(None)


def test_tracking_of_a_thousand_keys_is_one_transaction(sqlite_backend: SqliteBackend) -> None:
    sqlite_backend.put_many([_write(f"k{i}") for i in range(1000)])
    conn = sqlite_backend._connection()
    statements: list[str] = []
    conn.set_trace_callback(_tracer(statements))
    sqlite_backend.record_accesses(
        [Access("alice", "ns", f"k{i}", 1, "reader", "2026-01-02T00:00:00Z") for i in range(1000)]
    )
    conn.set_trace_callback(None)
    assert statements[0] == "BEGIN IMMEDIATE" and statements[-1] == "COMMIT"
    assert sum(s == "BEGIN IMMEDIATE" for s in statements) == 1
    record = sqlite_backend.get("alice", "ns", "k999")
    assert record is not None and record.access_count == 1


def test_prefix_upper_bound_is_the_next_string() -> None:
    assert prefix_upper_bound("abc") == "abd"
    assert prefix_upper_bound("a\U0010ffff") == "b"
    assert prefix_upper_bound("\ud7ff") == "\ue000"
    assert prefix_upper_bound("\U0010ffff") is None


def test_several_processes_write_one_file(tmp_path: Path) -> None:
    script = (
        "import sys\n"
        "from agent_data_store import StoreConfig, open_backend\n"
        "from agent_data_store.records import RecordWrite\n"
        "b = open_backend(StoreConfig(url=sys.argv[1]))\n"
        "for i in range(50):\n"
        "    b.put_many([RecordWrite('u', 'n', f'{sys.argv[2]}-{i}', '1', None, 'a',"
        " '2026-01-01T00:00:00Z')])\n"
    )
    url = f"sqlite:///{tmp_path}/shared.db"
    processes = [
        subprocess.Popen([sys.executable, "-c", script, url, f"p{n}"]) for n in range(4)
    ]
    assert [p.wait(timeout=120) for p in processes] == [0, 0, 0, 0]
    backend = open_backend(StoreConfig(url=url))
    assert sum(len(page) for page in backend.iter_keys("u", "n")) == 200


def test_counter_agent_persists_across_processes(tmp_path: Path) -> None:
    agent = tmp_path / "counter.py"
    agent.write_text(
        "async def run(input_dict, tools):\n"
        "    count = data_store.get('count', 0) + 1\n"
        "    data_store.set('count', count)\n"
        "    return {'count': count}\n"
    )
    env = {
        **os.environ,
        "AGENT_DATA_STORE_URL": f"sqlite:///{tmp_path}/counter.db",
        "SANDBOX_HOST_PLUGINS": "data_store",
    }
    counts = []
    for _ in range(3):
        done = subprocess.run(
            [sys.executable, "-m", "sandbox_host.cli", "run", str(agent),
             "--user", "alice", "--agent", "counter"],
            capture_output=True, text=True, timeout=120, cwd=REPO,
            env=env,
        )
        assert done.returncode == 0, done.stderr
        counts.append(json.loads(done.stdout)["count"])
    assert counts == [1, 2, 3]


def test_a_table_of_an_older_release_gains_the_new_columns(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    conn.execute(
        "CREATE TABLE agent_data_store (_id TEXT NOT NULL, userId TEXT NOT NULL, "
        "namespace TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, metadata TEXT NOT NULL, "
        "createdByAgent TEXT NOT NULL, lastAccessedByAgent TEXT NOT NULL, "
        "accessCount INTEGER NOT NULL, createdAt TEXT NOT NULL, updatedAt TEXT NOT NULL, "
        "lastAccessedAt TEXT NOT NULL, PRIMARY KEY (userId, namespace, key)) WITHOUT ROWID"
    )
    conn.execute(
        "INSERT INTO agent_data_store VALUES ('alice:ns:aw==', 'alice', 'ns', 'k', '1', '{}', "
        "'a', 'a', 3, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')"
    )
    conn.commit()
    conn.close()
    backend = SqliteBackend(path)
    old = backend.get("alice", "ns", "k")
    assert old is not None and (old.value, old.access_count, old.version) == (1, 3, "0")
    assert backend.put_if(_write("k"), "0") is True
    new = SqliteBackend(path).get("alice", "ns", "k")
    assert new is not None and new.version != "0"


def test_atomic_operations_are_one_statement_each(sqlite_backend: SqliteBackend) -> None:
    conn = sqlite_backend._connection()
    statements: list[str] = []
    conn.set_trace_callback(_tracer(statements))
    for expected in ("1", "2"):
        change = Increment("alice", "ns", "n", 1, "agent", "2026-01-01T00:00:00Z")
        assert sqlite_backend.increment(change) == expected
    assert sqlite_backend.put_if(_write("lock"), None) is True
    assert sqlite_backend.put_if(_write("lock"), None) is False
    assert len(statements) == 4 and all(s.startswith("INSERT") for s in statements)
    version = sqlite_backend.get("alice", "ns", "lock").version  # type: ignore[union-attr]
    statements.clear()
    assert sqlite_backend.put_if(_write("lock"), version) is True
    assert sqlite_backend.put_if(_write("lock"), version) is False
    conn.set_trace_callback(None)
    assert len(statements) == 2 and all(s.startswith("UPDATE") for s in statements)


@pytest.mark.parametrize("write", [
    _write("plain"),
    RecordWrite("alice", "ns", "k/é", "[1]", {"tag": "x"}, "agent", "2026-01-01T00:00:00Z",
                expires_at="2026-01-02T00:00:00.000Z"),
])
def test_upsert_parameters_are_the_row_of_the_created_record(write: RecordWrite) -> None:
    assert write_params(write) == (*record_to_row(apply_write(None, write)), write.now)
