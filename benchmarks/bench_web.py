"""The data browser on SQLite: how long each page takes with a user of 100k records.

One user (``bench-user``) holds 100,000 records in one namespace (keys ``item:NNN/NNNNNN``,
1,000 per prefix group) and a few in others. Each page is requested through the browser's
ASGI app in this process (routing, the gate, the backend queries, the template; no network)
and the median of several rounds is reported. Next to the namespace page runs the same read
written directly against ``sqlite3`` (the page's keys, then their records), for the ratio,
and the SQL statements each page executes are counted.

    python benchmarks/bench_web.py [--quick]
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from starlette.testclient import TestClient

from agent_data_store import StoreConfig
from agent_data_store.backends.sqlite import SqliteBackend
from agent_data_store.records import RecordWrite, utc_now
from agent_data_store.web import create_app
from agent_data_store.web.app import PAGE_SIZE

USER, BIG = "bench-user", "big"
TOKEN = "benchmark-token-0123456789"
VALUE = {"title": "benchmark value", "numbers": list(range(10)), "nested": {"ok": True}}
LIMIT_MS = 300.0
"""What every page about a user with 100k records must stay under."""


def key(i: int) -> str:
    """The ``i``-th key of the big namespace (sorted order is numeric order)."""
    return f"item:{i // 1000:03d}/{i:06d}"


def populate(backend: SqliteBackend, records: int) -> None:
    """``records`` records in ``BIG``, plus three small namespaces and a second user."""
    text, now = json.dumps(VALUE), utc_now()
    batch: list[RecordWrite] = []
    for i in range(records):
        batch.append(RecordWrite(USER, BIG, key(i), text, {"n": i} if i % 7 == 0 else None,
                                 "seeder", now))
        if len(batch) == 5000:
            backend.put_many(batch)
            batch = []
    for namespace in ("notes", "cache", "status"):
        for i in range(20):
            batch.append(RecordWrite(USER, namespace, f"k{i}", text, None, "helper", now))
            batch.append(RecordWrite("other-user", namespace, f"k{i}", text, None, "x", now))
    backend.put_many(batch)


def raw_namespace_page(conn: sqlite3.Connection, after: str | None) -> list[Any]:
    """The namespace page's reads by hand: the next keys in order, then their records."""
    bound = "" if after is None else " AND key > ?"
    params: list[Any] = [USER, BIG, *([] if after is None else [after]), PAGE_SIZE + 1]
    keys = [row[0] for row in conn.execute(
        "SELECT key FROM agent_data_store WHERE userId = ? AND namespace = ?"
        f"{bound} ORDER BY key LIMIT ?", params)][:PAGE_SIZE]
    marks = ",".join("?" * len(keys))
    return conn.execute(
        "SELECT * FROM agent_data_store WHERE userId = ? AND namespace = ? "
        f"AND key IN ({marks})", [USER, BIG, *keys]).fetchall()


def median_ms(operation: Callable[[], object], rounds: int) -> float:
    """Median wall time of ``operation`` in milliseconds (after one warm-up call)."""
    operation()
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        operation()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000


def measure(quick: bool = False) -> dict[str, Any]:
    """Populate a store, time every page, count statements; return the figures."""
    records = 2000 if quick else 100_000
    rounds = 3 if quick else 15
    middle = key(records // 2)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "web.db"
        backend = SqliteBackend(path)
        started = time.perf_counter()
        populate(backend, records)
        populate_s = time.perf_counter() - started
        config = StoreConfig(url=f"sqlite:///{path}")
        pages = {
            "namespace page (first)": f"/namespace?user={USER}&namespace={BIG}",
            "namespace page (middle)": f"/namespace?user={USER}&namespace={BIG}&after={middle}",
            "namespace page (key search)":
                f"/namespace?user={USER}&namespace={BIG}&prefix={key(records // 3)[:9]}",
            "record page": f"/record?user={USER}&namespace={BIG}&key={middle}",
            "edit form": f"/record/edit?user={USER}&namespace={BIG}&key={middle}",
            "user page": f"/user?user={USER}",
            "users page (scans the store)": "/",
        }
        timings: dict[str, float] = {}
        statements: dict[str, int] = {}
        with TestClient(create_app(config, token=TOKEN, backend=backend)) as client:
            client.get(f"/?token={TOKEN}")
            for name, url in pages.items():
                assert client.get(url).status_code == 200, url
                scans = "scans the store" in name
                timings[name] = median_ms(lambda url=url: client.get(url),  # type: ignore[misc]
                                          max(3, rounds // 5) if scans else rounds)
                statements[name] = count_statements(backend, lambda url=url: client.get(url))
        raw = sqlite3.connect(path)
        raw_ms = median_ms(lambda: raw_namespace_page(raw, middle), rounds)
        raw.close()
        backend.close()
    page_ms = timings["namespace page (middle)"]
    return {
        "records": records, "populate_s": populate_s, "pages_ms": timings,
        "statements": statements,
        "namespace page vs raw sqlite3": {"page (ms)": page_ms, "raw reads (ms)": raw_ms,
                                          "ratio": page_ms / raw_ms},
        "under_limit": all(ms < LIMIT_MS for name, ms in timings.items()
                           if "scans the store" not in name),
    }


def count_statements(backend: SqliteBackend, request: Callable[[], object]) -> int:
    """SQL statements one request runs, on whichever of the backend's per-thread
    connections the app's thread pool uses."""
    seen: list[str] = []
    connections = list(backend._connections)
    for conn in connections:
        conn.set_trace_callback(seen.append)
    try:
        request()
    finally:
        for conn in connections:
            conn.set_trace_callback(None)
    return len(seen)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Print the timings; return the figures (used by the smoke test)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="tiny sizes, for smoke tests")
    args = parser.parse_args(argv)
    figures = measure(quick=args.quick)
    print(f"data browser on SQLite, {figures['records']:,} records in one namespace of "
          f"{USER} (filled in {figures['populate_s']:.1f} s); median per request")
    print(f"  {'page':<40}{'ms':>9}{'SQL statements':>17}")
    for name, ms in figures["pages_ms"].items():
        print(f"  {name:<40}{ms:>9.1f}{figures['statements'][name]:>17}")
    side = figures["namespace page vs raw sqlite3"]
    print(f"\nnamespace page (middle) {side['page (ms)']:.1f} ms vs the same reads in raw "
          f"sqlite3 {side['raw reads (ms)']:.2f} ms: ratio {side['ratio']:.1f}")
    verdict = "yes" if figures["under_limit"] else "NO"
    print(f"every page about the user under {LIMIT_MS:.0f} ms: {verdict}")
    return figures


if __name__ == "__main__":
    main()
