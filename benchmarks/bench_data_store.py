"""Data store on the embedded SQLite default, through the sandbox, against raw ``sqlite3``.

Each operation runs N times inside one sandboxed agent run and N times as hand-written
``sqlite3`` calls doing the same reads and writes on an identical file (see
``side_by_side.py``); the table reports the median time per operation and the ratio. It
also counts SQL statements per bulk operation and times ``list_namespaces`` at 1k and 100k
records.

    python benchmarks/bench_data_store.py [--quick]
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from quota_costs import print_costs, quota_costs
from side_by_side import (
    NAMESPACE,
    SET_MANY_KEYS,
    USER,
    VALUE,
    WRITES,
    atomic_operations,
    print_table,
    print_tracked_run,
    time_side_by_side,
    time_tracked_run,
    written_value,
)

from agent_data_store import Backend, DataStorePlugin, StoreConfig
from agent_data_store.backends.memory import MemoryBackend
from agent_data_store.backends.sqlite import SqliteBackend
from agent_data_store.records import Access, RecordWrite, utc_now
from sandbox_host import SandboxHost


def raw_operations(conn: sqlite3.Connection) -> dict[str, Callable[[int], None]]:
    """The same reads and writes, written directly against ``sqlite3``."""
    select_one = ("SELECT value FROM agent_data_store "
                  "WHERE userId = ? AND namespace = ? AND key = ?")
    keys = [f"k{i}" for i in range(100)]
    select_many = ("SELECT key, value FROM agent_data_store WHERE userId = ? AND namespace = ? "
                   f"AND key IN ({','.join('?' * 100)})")
    select_all = ("SELECT key, value FROM agent_data_store "
                  "WHERE userId = ? AND namespace = ? ORDER BY key")
    upsert = (
        "INSERT INTO agent_data_store (_id, userId, namespace, key, value, metadata, "
        "createdByAgent, lastAccessedByAgent, accessCount, createdAt, updatedAt, lastAccessedAt) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?) "
        "ON CONFLICT(userId, namespace, key) DO UPDATE SET value = excluded.value, "
        "updatedAt = excluded.updatedAt, lastAccessedAt = excluded.lastAccessedAt, "
        "lastAccessedByAgent = excluded.lastAccessedByAgent"
    )

    def get(n: int) -> None:
        for i in range(n):
            row = conn.execute(select_one, (USER, NAMESPACE, f"k{i % 1000}")).fetchone()
            json.loads(row[0])

    def set_(n: int) -> None:
        value = written_value()
        for i in range(n):
            now = utc_now()
            text = json.dumps(value)
            conn.execute(upsert, (f"{USER}:{WRITES}:w{i}", USER, WRITES, f"w{i}", text,
                                  "{}", "raw", "raw", 0, now, now, now))

    def get_many(n: int) -> None:
        for _ in range(n):
            {k: json.loads(v) for k, v in conn.execute(select_many, (USER, NAMESPACE, *keys))}

    def get_all(n: int) -> None:
        for _ in range(n):
            {k: json.loads(v) for k, v in conn.execute(select_all, (USER, NAMESPACE))}

    def set_many(n: int) -> None:
        value = written_value()
        for _ in range(n):
            now = utc_now()
            rows = [(f"{USER}:{WRITES}:{key}", USER, WRITES, key, json.dumps(value), "{}", "raw",
                     "raw", 0, now, now, now) for key in SET_MANY_KEYS]
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany(upsert, rows)
            conn.execute("COMMIT")

    return {"get": get, "set": set_, "get_many(100)": get_many, "get_all(1000)": get_all,
            "set_many(100)": set_many}


def memory_raw_get_many() -> Callable[[int], None]:
    """What a store of JSON text in a dict does for ``get_many(100)``: look up, decode."""
    text = json.dumps(VALUE)
    stored = {f"k{i}": text for i in range(1000)}
    keys = [f"k{i}" for i in range(100)]

    def get_many(n: int) -> None:
        for _ in range(n):
            {key: json.loads(stored[key]) for key in keys if key in stored}

    return get_many


def _populate(backend: Backend, records: int, namespaces: int = 1) -> None:
    now = utc_now()
    text = json.dumps(VALUE)
    batch = []
    for i in range(records):
        namespace = NAMESPACE if namespaces == 1 else f"ns{i % namespaces}"
        batch.append(RecordWrite(USER, namespace, f"k{i}", text, None, "seed", now))
        if len(batch) == 5000:
            backend.put_many(batch)
            batch = []
    backend.put_many(batch)


def measure(quick: bool = False) -> dict[str, Any]:
    """Run every measurement and return the figures."""
    rounds = 3 if quick else 7
    sizes = {"get": 200 if quick else 5000, "set": 50 if quick else 2000,
             "get_many(100)": 5 if quick else 300, "get_all(1000)": 2 if quick else 60,
             "set_many(100)": 2 if quick else 60}
    with tempfile.TemporaryDirectory() as tmp:
        ours_path, raw_path = Path(tmp, "ours.db"), Path(tmp, "raw.db")
        ours = SqliteBackend(ours_path)
        SqliteBackend(raw_path).close()
        for backend in (ours, SqliteBackend(raw_path)):
            _populate(backend, 1000)
        raw = sqlite3.connect(raw_path, isolation_level=None)
        raw.execute("PRAGMA journal_mode=WAL")
        raw.execute("PRAGMA synchronous=NORMAL")
        host, untracked = (
            SandboxHost(plugins=[DataStorePlugin(StoreConfig(url=f"sqlite:///{ours_path}",
                                                             tracking=tracking), backend=ours)],
                        load_entry_points=False)
            for tracking in (True, False)
        )
        raw_ops = raw_operations(raw)
        rows = time_side_by_side(host, raw_ops, sizes, rounds)
        tracked_run = time_tracked_run(host, untracked, raw_ops["get_many(100)"], 5 * rounds,
                                       runs=1 if quick else 10)
        memory_run = memory_tracked_run(5 * rounds, runs=1 if quick else 10)
        statements = count_statements(ours)
        quotas = quota_costs(ours, StoreConfig(url=f"sqlite:///{ours_path}"),
                             lambda: statements_run(ours))
        scaling = list_namespaces_scaling(Path(tmp), 1000, 10_000 if quick else 100_000)
    return {"rows": rows, "statements": statements, "list_namespaces": scaling,
            "quotas": quotas, "tracked_run": tracked_run, "memory_tracked_run": memory_run}


def memory_tracked_run(rounds: int, runs: int) -> dict[str, float]:
    """:func:`time_tracked_run` on the memory backend."""
    backend = MemoryBackend()
    _populate(backend, 1000)
    host, untracked = (
        SandboxHost(plugins=[DataStorePlugin(StoreConfig(url="memory://", tracking=tracking),
                                             backend=backend)], load_entry_points=False)
        for tracking in (True, False)
    )
    return time_tracked_run(host, untracked, memory_raw_get_many(), rounds, runs=runs)


@contextmanager
def statements_run(backend: SqliteBackend) -> Iterator[list[str]]:
    """Collect the statements ``backend`` runs meanwhile on this thread, each once (SQLite
    traces a statement again for each trigger program it runs)."""
    conn = backend._connection()
    seen: list[str] = []

    def trace(statement: str) -> None:
        if not seen or seen[-1] != statement:
            seen.append(statement)

    conn.set_trace_callback(trace)
    try:
        yield seen
    finally:
        conn.set_trace_callback(None)


def count_statements(backend: SqliteBackend) -> dict[str, int]:
    """SQL statements each bulk operation executes (round trips to the SQLite engine)."""
    conn = backend._connection()
    seen: list[str] = []
    conn.set_trace_callback(seen.append)
    keys = [f"k{i}" for i in range(100)]
    text = json.dumps(VALUE)
    now = utc_now()
    counts: dict[str, int] = {}
    operations: dict[str, Callable[[], object]] = {
        "get_many(100)": lambda: backend.get_many_values(USER, NAMESPACE, keys),
        "set_many(100)": lambda: backend.put_many(
            [RecordWrite(USER, NAMESPACE, k, text, None, "b", now) for k in keys]),
        "delete_many(100)": lambda: backend.delete_many(USER, NAMESPACE, keys),
        "get_all page": lambda: next(iter(backend.iter_values(USER, NAMESPACE))),
        "tracking of 1000 reads": lambda: backend.record_accesses(
            [Access(USER, NAMESPACE, f"k{i}", 1, "b", now) for i in range(1000)]),
    }
    for name, operation in operations.items():
        seen.clear()
        operation()
        # executemany re-runs one prepared statement per row; count distinct statements
        # and transactions, which is what costs a round trip.
        counts[name] = len({s.split(" VALUES")[0].split(" WHERE")[0] for s in seen}
                           - {"BEGIN IMMEDIATE", "COMMIT"}) or 1
        counts[name + " transactions"] = sum(s == "BEGIN IMMEDIATE" for s in seen)
    for name, operation in atomic_operations(backend).items():
        seen.clear()
        operation()
        counts[name] = len(seen)
    conn.set_trace_callback(None)
    return counts


def list_namespaces_scaling(tmp: Path, small: int, large: int) -> dict[str, float]:
    """Median ``list_namespaces`` time with ``small`` and ``large`` records in 10 namespaces."""
    timings = {}
    for size in (small, large):
        backend = SqliteBackend(tmp / f"scale-{size}.db")
        _populate(backend, size, namespaces=10)
        samples = []
        for _ in range(50):
            start = time.perf_counter()
            backend.list_namespaces(USER)
            samples.append(time.perf_counter() - start)
        timings[f"{size} records (us)"] = statistics.median(samples) * 1e6
        backend.close()
    values = list(timings.values())
    timings["ratio"] = values[1] / values[0]
    return timings


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Print the benchmark table; return the figures (used by the smoke test)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="tiny sizes, for smoke tests")
    args = parser.parse_args(argv)
    figures = measure(quick=args.quick)
    print_table(figures["rows"], "raw sqlite3", unit="us")
    print_tracked_run(figures["tracked_run"], unit="us")
    print("\nmemory backend (raw: JSON text in a dict):", end="")
    print_tracked_run(figures["memory_tracked_run"], unit="us")
    print("\nstatements per bulk or atomic operation:")
    for name, count in figures["statements"].items():
        print(f"  {name:<36}{count}")
    print_costs(figures["quotas"], "SQL statements")
    print("\nlist_namespaces:")
    for name, value in figures["list_namespaces"].items():
        print(f"  {name:<24}{value:.2f}")
    return figures


if __name__ == "__main__":
    main()
