"""import-gofannon at scale: memory that does not grow with the records, round trips per page.

Two measurements, each printed as a table:

* **Memory.** A CouchDB ``_all_docs?include_docs=true`` dump of N seed documents (default
  100,000) and one of N/10 are imported into fresh SQLite files, side by side in this run,
  with ``tracemalloc`` tracing the import. If the import held records, the peak would grow
  tenfold with the dump; it stays at about one page.
* **Round trips.** M seed documents (default 20,000) are written to a CouchDB database in the
  seed's layout on pouchdb-server and imported into a SQLite file and into a second CouchDB
  database; the HTTP requests of the source and of the target are counted per page.

    python benchmarks/bench_seed_import.py [--quick] [--records N] [--server-records M]
                                           [--url couchdb://USER:PASSWORD@HOST:PORT]

Without ``--url`` it starts pouchdb-server on loopback, as bench_couchdb.py does.
"""

from __future__ import annotations

import argparse
import base64
import json
import tempfile
import time
import tracemalloc
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
from bench_couchdb import local_server

from agent_data_store import StoreConfig, open_backend
from agent_data_store.admin.seed_import.checkpoint import Checkpoint
from agent_data_store.admin.seed_import.couchdb_source import CouchDBSource
from agent_data_store.admin.seed_import.importer import SeedImport
from agent_data_store.admin.seed_import.sources import SeedSource, open_source
from agent_data_store.backends.base import Backend
from agent_data_store.backends.couchdb import CouchDBBackend
from agent_data_store.backends.couchdb_http import CouchDBConnection, CouchDBTarget

PAGE_SIZE = 500


def seed_document(i: int) -> dict[str, Any]:
    """The i-th document of the data set: the seed's layout, a few hundred bytes each."""
    user, namespace, key = f"user_{i % 50}", f"files:repo-{i % 40}", f"src/module_{i}.py"
    encoded = base64.urlsafe_b64encode(key.encode()).decode()
    return {
        "_id": f"{user}:{namespace}:{encoded}", "userId": user, "namespace": namespace,
        "key": key,
        "value": {"lines": i % 400, "ratio": i / 7, "functions": ["main", f"f{i}"],
                  "summary": "analysed " + "x" * 120},
        "metadata": {"sha256": f"{i:064x}", "size": i * 3},
        "createdByAgent": "repo-indexer", "accessCount": i % 9,
        "createdAt": "2026-02-05T09:00:00", "updatedAt": "2026-02-05T09:00:00",
    }


def write_dump(path: Path, count: int) -> None:
    """Write CouchDB's _all_docs answer for ``count`` documents, a row per line, streamed."""
    with open(path, "w", encoding="utf-8") as out:
        out.write(f'{{"total_rows":{count},"offset":0,"rows":[\r\n')
        for i in range(count):
            doc = seed_document(i)
            row = {"id": doc["_id"], "key": doc["_id"], "value": {"rev": "1-a"}, "doc": doc}
            out.write(("," if i else "") + json.dumps(row) + "\r\n")
        out.write("]}\n")


def run_import(source: SeedSource, target: Backend, checkpoint: Path) -> SeedImport:
    """Copy and verify, as the command does (without its output)."""
    job = SeedImport(source, target, Checkpoint(checkpoint, source.identity, "bench"), None,
                     overwrite=False, max_value_bytes=1 << 20)
    job.copy(lambda n: None)
    checks = job.verify(lambda n: None)
    assert all(check.ok for check in checks), "verification failed"
    job.finish()
    return job


def measure_memory(records: int, workdir: Path) -> list[dict[str, Any]]:
    """Import dumps of ``records`` and ``records // 10`` documents; peak traced memory of each."""
    rows = []
    for count in (records // 10, records):
        dump = workdir / f"dump_{count}.json"
        write_dump(dump, count)
        target = open_backend(StoreConfig(url=f"sqlite:///{workdir / f'target_{count}.db'}",
                                          page_size=PAGE_SIZE))
        source = open_source(str(dump), page_size=PAGE_SIZE, timeout_s=5.0)
        tracemalloc.start()
        started = time.perf_counter()
        try:
            job = run_import(source, target, workdir / f"checkpoint_{count}.json")
        finally:
            elapsed = time.perf_counter() - started
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            source.close()
            target.close()
        assert job.state.imported == count
        rows.append({"records": count, "pages": job.state.pages, "seconds": elapsed,
                     "peak_mib": peak / 2**20, "dump_mib": dump.stat().st_size / 2**20})
    return rows


class RequestCounter:
    """Counts the HTTP requests of an httpx client by the last part of their path."""

    def __init__(self, client: httpx.Client) -> None:
        self.sent: Counter[str] = Counter()
        client.event_hooks["request"].append(self._count)

    def _count(self, request: httpx.Request) -> None:
        self.sent[request.url.path.rstrip("/").rsplit("/", 1)[-1]] += 1


def _write_seed_database(base_url: str, database: str, count: int) -> None:
    # The seed's database as its runtime leaves it: documents only, none of this store's
    # design documents (opening it as a backend would add them).
    connection = CouchDBConnection(CouchDBTarget.from_url(f"{base_url}/{database}", database),
                                   timeout_s=30.0)
    try:
        connection.ensure_database()
        for start in range(0, count, 1000):
            docs = [seed_document(i) for i in range(start, min(start + 1000, count))]
            connection.bulk_docs(docs, [600] * len(docs))
    finally:
        connection.close()


def measure_round_trips(base_url: str, records: int, workdir: Path) -> list[dict[str, Any]]:
    """Import ``records`` seed documents from CouchDB into SQLite and into CouchDB."""
    suffix = uuid.uuid4().hex[:8]
    seed_db, copy_db = f"seed_{suffix}", f"copy_{suffix}"
    _write_seed_database(base_url, seed_db, records)
    targets = {
        "SQLite": StoreConfig(url=f"sqlite:///{workdir / 'from_couchdb.db'}", page_size=PAGE_SIZE),
        "CouchDB": StoreConfig(url=f"{base_url}/{copy_db}", page_size=PAGE_SIZE),
    }
    rows = []
    try:
        for name, config in targets.items():
            target = open_backend(config)
            source = open_source(f"{base_url}/{seed_db}", page_size=PAGE_SIZE, timeout_s=30.0)
            assert isinstance(source, CouchDBSource)
            source_requests = RequestCounter(source.http)
            target_requests = (RequestCounter(target.http)
                               if isinstance(target, CouchDBBackend) else None)
            started = time.perf_counter()
            try:
                job = SeedImport(source, target, Checkpoint(
                    workdir / f"rt_{name}.json", source.identity, name), None,
                    overwrite=False, max_value_bytes=1 << 20)
                job.copy(lambda n: None)
                copied = time.perf_counter() - started
                writes = dict(target_requests.sent) if target_requests else {}
                checks = job.verify(lambda n: None)
                job.finish()
            finally:
                source.close()
                target.close()
            assert job.state.imported == records and all(c.ok for c in checks)
            rows.append({
                "target": name, "records": records, "pages": job.state.pages,
                "seconds": copied, "source_requests": dict(source_requests.sent),
                "target_requests": writes, "verification_namespaces": len(checks),
            })
    finally:
        for database in (seed_db, copy_db):
            backend = CouchDBBackend.from_config(StoreConfig(url=f"{base_url}/{database}"))
            where = backend.connection.target
            backend.http.delete(f"{where.server}/{where.database}")
            backend.close()
    return rows


def _per_page(sent: dict[str, int], pages: int) -> str:
    if not sent:
        return "none (local file)"
    return ", ".join(f"{name} {count / pages:g}" for name, count in sorted(sent.items()))


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Print both tables; return the figures (used by the smoke test)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="tiny sizes, for smoke tests")
    parser.add_argument("--records", type=int, help="documents in the larger dump (100,000)")
    parser.add_argument("--server-records", type=int,
                        help="documents in the CouchDB seed database (20,000)")
    parser.add_argument("--url", help="couchdb://USER:PASSWORD@HOST:PORT of a running server "
                                      "(default: start pouchdb-server on loopback)")
    args = parser.parse_args(argv)
    records = args.records or (2_000 if args.quick else 100_000)
    server_records = args.server_records or (1_200 if args.quick else 20_000)
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        memory = measure_memory(records, workdir)
        if args.url:
            trips = measure_round_trips(args.url.rstrip("/"), server_records, workdir)
        else:
            with local_server() as url:
                trips = measure_round_trips(url, server_records, workdir)
    print(f"Memory: _all_docs dump into SQLite, pages of {PAGE_SIZE} (tracemalloc peak)")
    print(f"  {'records':>9} {'dump MiB':>9} {'pages':>6} {'seconds':>8} {'records/s':>10}"
          f" {'peak MiB':>9}")
    for row in memory:
        print(f"  {row['records']:>9,} {row['dump_mib']:>9.1f} {row['pages']:>6} "
              f"{row['seconds']:>8.1f} {row['records'] / row['seconds']:>10,.0f} "
              f"{row['peak_mib']:>9.2f}")
    growth = memory[1]["peak_mib"] / memory[0]["peak_mib"]
    print(f"  peak memory ratio for 10x the records: {growth:.2f}x")
    print(f"\nRound trips: CouchDB seed database ({server_records:,} documents), pages of "
          f"{PAGE_SIZE}")
    for row in trips:
        print(f"  into {row['target']}: {row['pages']} pages in {row['seconds']:.1f} s "
              f"({row['records'] / row['seconds']:,.0f} records/s)")
        print(f"    source requests per page: {_per_page(row['source_requests'], row['pages'])}")
        target = _per_page(row["target_requests"], row["pages"]) if row["target_requests"] else (
            "1 SQLite transaction (import_records), no network")
        print(f"    target requests per page: {target}")
    return {"memory": memory, "round_trips": trips, "peak_growth": growth}


if __name__ == "__main__":
    main()
