"""Smoke run of the import-gofannon benchmark on the test session's server; no timing assertions."""

from __future__ import annotations

import pytest

from tests.benchmarks.conftest import load_benchmark
from tests.servers.couchdb import CouchDBServer

pytestmark = pytest.mark.server


def test_seed_import_benchmark_reports_memory_and_requests_per_page(
    couchdb_server: CouchDBServer, capsys: pytest.CaptureFixture[str]
) -> None:
    module = load_benchmark("bench_seed_import")
    url = couchdb_server.store_url("").rstrip("/")
    figures = module.main(["--quick", "--records", "1500", "--server-records", "1100",
                           "--url", url])
    assert [row["records"] for row in figures["memory"]] == [150, 1500]
    assert figures["memory"][1]["pages"] == 3
    into_sqlite, into_couchdb = figures["round_trips"]
    assert into_sqlite["pages"] == into_couchdb["pages"] == 3
    assert into_sqlite["source_requests"] == {"_all_docs": 3}
    assert into_couchdb["target_requests"] == {"_bulk_get": 3, "_bulk_docs": 3}
    out = capsys.readouterr().out
    assert "peak memory ratio" in out and couchdb_server.password not in out
