"""Data store on CouchDB, through the sandbox, against raw HTTP requests to the same server.

Each operation runs N times inside one sandboxed agent run (its access tracking written when
the run ends, as in production) and N times as hand-written ``requests.Session`` calls doing
the same reads and writes on an identical database of the same server (see
``side_by_side.py``); the table reports the median time per operation and the ratio
(target: at most 1.5x). It also counts the HTTP requests each data store operation sends,
times a run with one ``get_many(100)`` with and without access tracking (what tracking adds
to a run), and times ``list_namespaces`` with 1,000 and 100,000 records in ten namespaces:
warm, and cold (the first call after the writes, which waits for the server to index what is
not yet), with the backend's index refresher and, for 100,000 records, without it.

    python benchmarks/bench_couchdb.py [--quick] [--url couchdb://USER:PASSWORD@HOST:PORT]

Without ``--url`` it starts pouchdb-server on loopback (``scripts/install-couchdb.sh``
installs it). The databases it creates are deleted at the end.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import requests
from quota_costs import print_costs, quota_costs
from side_by_side import (
    NAMESPACE,
    RECORDS,
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

from agent_data_store import DataStorePlugin, StoreConfig
from agent_data_store.backends.couchdb import INDEX_DDOC, INDEX_NAME, CouchDBBackend, couch_id
from agent_data_store.backends.couchdb_http import CouchDBTarget
from agent_data_store.records import Access, RecordWrite, document_id, utc_now
from sandbox_host import SandboxHost


class RawCouchDB:
    """The same operations as plain HTTP calls, the way a hand-written client would do them."""

    def __init__(self, target: CouchDBTarget, page_size: int) -> None:
        self.base = f"{target.server}/{target.database}"
        self.session = requests.Session()
        self.session.auth = (target.user or "", target.password or "")
        self.page_size = page_size

    def _url(self, key: str, namespace: str = NAMESPACE) -> str:
        return f"{self.base}/{quote(couch_id(document_id(USER, namespace, key)), safe='')}"

    def get(self, n: int) -> None:
        for i in range(n):
            json.loads(self.session.get(self._url(f"k{i % 1000}")).json()["value"])

    def set(self, n: int) -> None:
        value = written_value()
        for i in range(n):
            url, now = self._url(f"w{i}", WRITES), utc_now()
            current = self.session.get(url)
            doc: dict[str, Any] = current.json() if current.status_code == 200 else {
                "userId": USER, "namespace": WRITES, "key": f"w{i}", "metadata": "{}",
                "createdByAgent": "raw", "accessCount": 0, "createdAt": now}
            doc.update(value=json.dumps(value), lastAccessedByAgent="raw", updatedAt=now,
                       lastAccessedAt=now)
            self.session.put(url, json=doc).raise_for_status()

    def get_many(self, n: int) -> None:
        ids = [couch_id(document_id(USER, NAMESPACE, f"k{i}")) for i in range(100)]
        for _ in range(n):
            rows = self.session.post(f"{self.base}/_bulk_get",
                                     json={"docs": [{"id": i} for i in ids]}).json()["results"]
            {r["docs"][0]["ok"]["key"]: json.loads(r["docs"][0]["ok"]["value"]) for r in rows}

    def get_all(self, n: int) -> None:
        for _ in range(n):
            values: dict[str, Any] = {}
            after = ""
            while True:
                # $gte and skipping the previous last: pouchdb-find's $gt returns short pages.
                docs = self.session.post(f"{self.base}/_find", json={
                    "selector": {"userId": USER, "namespace": NAMESPACE, "_id": {"$gte": after}},
                    "sort": [{"userId": "asc"}, {"namespace": "asc"}, {"_id": "asc"}],
                    "use_index": [INDEX_DDOC, INDEX_NAME], "limit": self.page_size + 1,
                }).json()["docs"]
                docs = [d for d in docs if d["_id"] != after][: self.page_size]
                values.update({d["key"]: json.loads(d["value"]) for d in docs})
                if len(docs) < self.page_size:
                    break
                after = docs[-1]["_id"]
            assert len(values) == RECORDS

    def operations(self) -> dict[str, Callable[[int], None]]:
        """Operation name → ``run(n)``."""
        return {"get": self.get, "set": self.set, "get_many(100)": self.get_many,
                "get_all(1000)": self.get_all}


def _populate(backend: CouchDBBackend, records: int = RECORDS, namespaces: int = 1) -> None:
    now, text = utc_now(), json.dumps(VALUE)
    for start in range(0, records, 1000):
        backend.put_many([
            RecordWrite(USER, NAMESPACE if namespaces == 1 else f"ns{i % namespaces}", f"k{i}",
                        text, None, "seed", now)
            for i in range(start, min(records, start + 1000))
        ])


@contextmanager
def counting(backend: CouchDBBackend) -> Iterator[list[str]]:
    """Collect the path of every HTTP request ``backend`` sends meanwhile."""
    seen: list[str] = []

    def hook(request: httpx.Request) -> None:
        seen.append(request.url.path.rsplit("/", 1)[-1])

    backend.http.event_hooks["request"].append(hook)
    try:
        yield seen
    finally:
        backend.http.event_hooks["request"].remove(hook)


def count_requests(backend: CouchDBBackend) -> dict[str, list[str]]:
    """The HTTP requests each data store operation sends (last path segment of each)."""
    keys = [f"k{i}" for i in range(100)]
    now, text = utc_now(), json.dumps(VALUE)
    operations: dict[str, Callable[[], object]] = {
        "get": lambda: backend.get(USER, NAMESPACE, "k1"),
        "get_many(100)": lambda: backend.get_many(USER, NAMESPACE, keys),
        "set (existing key)": lambda: backend.put_many(
            [RecordWrite(USER, NAMESPACE, "k1", text, None, "b", now)]),
        "set_many(100)": lambda: backend.put_many(
            [RecordWrite(USER, NAMESPACE, k, text, None, "b", now) for k in keys]),
        "get_all(1000)": lambda: [r for page in backend.iter_records(USER, NAMESPACE)
                                  for r in page],
        "list_namespaces": lambda: backend.list_namespaces(USER),
        "tracking of a run that read 1000 keys": lambda: backend.record_accesses(
            [Access(USER, NAMESPACE, f"k{i}", 1, "b", now) for i in range(RECORDS)]),
        "delete_many(100)": lambda: backend.delete_many(USER, NAMESPACE, keys),
        **atomic_operations(backend),
    }
    sent = {}
    for name, operation in operations.items():
        with counting(backend) as seen:
            operation()
        sent[name] = seen
    return sent


def _cold_after_writes(server_url: str, size: int, refresh_every_docs: int | None,
                       figures: dict[str, Any], label: str) -> None:
    """Write ``size`` records in ten namespaces through a fresh database's backend, then time
    the first ``list_namespaces`` and the first ``get_all`` page after the writes (cold: the
    server indexes what it has not yet) and, with ``refresh_every_docs`` ``None``, the
    median of later ``list_namespaces`` calls (warm), in seconds."""
    config = StoreConfig(url=f"{server_url}/bench_ns_{size}_{uuid.uuid4().hex[:8]}",
                         timeout_s=600)
    backend = CouchDBBackend.from_config(config)
    if refresh_every_docs is not None:
        backend.close()
        backend = CouchDBBackend(CouchDBTarget.from_url(config.url, config.table),
                                 timeout_s=config.timeout_s,
                                 refresh_every_docs=refresh_every_docs)
    try:
        start = time.perf_counter()
        _populate(backend, size, namespaces=10)
        figures[f"{label}: writing (s)"] = time.perf_counter() - start
        start = time.perf_counter()
        with counting(backend) as sent:
            assert len(backend.list_namespaces(USER)) == 10
        figures[f"{label}: list_namespaces cold (s)"] = time.perf_counter() - start
        start = time.perf_counter()
        next(backend.iter_records(USER, "ns0"))
        figures[f"{label}: first get_all page cold (s)"] = time.perf_counter() - start
        backend.refresher.wait()
        figures[f"{label}: index refresh passes"] = backend.refresher.passes
        if refresh_every_docs is None:
            samples = []
            for _ in range(15):
                start = time.perf_counter()
                backend.list_namespaces(USER)
                samples.append(time.perf_counter() - start)
            figures[f"{label}: list_namespaces warm (s)"] = statistics.median(samples)
            figures["requests"] = sent
    finally:
        target = backend.connection.target
        backend.http.delete(f"{target.server}/{target.database}")
        backend.close()


def list_namespaces_scaling(server_url: str, small: int, large: int) -> dict[str, Any]:
    """``list_namespaces`` with ``small`` and ``large`` records in ten namespaces, each in a
    fresh database (see :func:`_cold_after_writes`), and cold after ``large`` records written
    without the index refresher; the requests of one call (the refresher's own are not the
    operation's and go through another client)."""
    figures: dict[str, Any] = {}
    for size in (small, large):
        _cold_after_writes(server_url, size, None, figures, f"{size} records")
    _cold_after_writes(server_url, large, 0, figures, f"{large} records, no index refresh")
    figures["warm ratio"] = (figures[f"{large} records: list_namespaces warm (s)"]
                             / figures[f"{small} records: list_namespaces warm (s)"])
    return figures


def measure(server_url: str, quick: bool = False) -> dict[str, Any]:
    """Run every measurement against the server at ``server_url``; return the figures."""
    rounds = 3 if quick else 7
    sizes = {"get": 20 if quick else 500, "set": 10 if quick else 300,
             "get_many(100)": 3 if quick else 100, "get_all(1000)": 1 if quick else 20}
    suffix = uuid.uuid4().hex[:8]
    ours_config = StoreConfig(url=f"{server_url}/bench_ours_{suffix}")
    raw_config = StoreConfig(url=f"{server_url}/bench_raw_{suffix}")
    plugin = DataStorePlugin(ours_config)
    ours_backend = plugin.backend
    raw_backend = CouchDBBackend.from_config(raw_config)
    assert isinstance(ours_backend, CouchDBBackend)
    try:
        for backend in (ours_backend, raw_backend):
            _populate(backend)
        host = SandboxHost(plugins=[plugin], load_entry_points=False)
        untracked = SandboxHost(plugins=[DataStorePlugin(
            ours_config.model_copy(update={"tracking": False}), backend=ours_backend)],
            load_entry_points=False)
        raw_ops = RawCouchDB(raw_backend.connection.target, ours_config.page_size).operations()
        rows = time_side_by_side(host, raw_ops, sizes, rounds)
        tracked_run = time_tracked_run(host, untracked, raw_ops["get_many(100)"], 5 * rounds,
                                       runs=1 if quick else 10)
        requests_per_op = count_requests(ours_backend)
        quotas = quota_costs(ours_backend, ours_config, lambda: counting(ours_backend))
    finally:
        for backend in (ours_backend, raw_backend):
            target = backend.connection.target
            backend.http.delete(f"{target.server}/{target.database}")
        plugin.close()
        raw_backend.close()
    scaling = list_namespaces_scaling(server_url, 1000, 3000 if quick else 100_000)
    return {"rows": rows, "requests": requests_per_op, "quotas": quotas,
            "tracked_run": tracked_run, "list_namespaces": scaling}


@contextmanager
def local_server() -> Iterator[str]:
    """Start pouchdb-server on loopback for the benchmark; yield its ``couchdb://`` base URL."""
    # The test suite's launcher, so the benchmark starts the server exactly as the tests do.
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests.servers._couchdb_process import pouchdb_server, pouchdb_server_missing

    missing = pouchdb_server_missing()
    if missing:
        raise SystemExit(missing)
    with tempfile.TemporaryDirectory() as tmp, pouchdb_server(Path(tmp)) as server:
        yield server.store_url("").rstrip("/")


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Print the benchmark table; return the figures (used by the smoke test)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="tiny sizes, for smoke tests")
    parser.add_argument("--url", help="couchdb://USER:PASSWORD@HOST:PORT of a running server "
                                      "(default: start pouchdb-server on loopback)")
    args = parser.parse_args(argv)
    if args.url:
        figures = measure(args.url.rstrip("/"), quick=args.quick)
    else:
        with local_server() as url:
            figures = measure(url, quick=args.quick)
    print_table(figures["rows"], "raw HTTP")
    print_tracked_run(figures["tracked_run"])
    print("\nHTTP requests per data store operation:")
    for name, sent in figures["requests"].items():
        print(f"  {name:<40}{len(sent)} ({', '.join(dict.fromkeys(sent))})")
    print_costs(figures["quotas"], "HTTP requests")
    print("\nlist_namespaces (10 namespaces), cold = first query after the writes:")
    for name, value in figures["list_namespaces"].items():
        if name == "requests":
            print(f"  {'requests per call':<64}{len(value)} ({', '.join(dict.fromkeys(value))})")
        else:
            print(f"  {name:<64}{value if isinstance(value, int) else f'{value:.3f}'}")
    return figures


if __name__ == "__main__":
    main()
