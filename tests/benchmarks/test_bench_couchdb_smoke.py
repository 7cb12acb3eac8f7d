"""Smoke run of the CouchDB benchmark against the test session's server; no timing assertions."""

from __future__ import annotations

import pytest

from tests.benchmarks.conftest import assert_quota_check_costs, load_benchmark
from tests.servers.couchdb import CouchDBServer

pytestmark = pytest.mark.server


def test_couchdb_benchmark_runs_and_reports_every_figure(
    couchdb_server: CouchDBServer, capsys: pytest.CaptureFixture[str]
) -> None:
    module = load_benchmark("bench_couchdb")
    url = couchdb_server.store_url("").rstrip("/")
    figures = module.main(["--quick", "--url", url])
    assert [row["op"] for row in figures["rows"]] == [
        "get", "set", "get_many(100)", "get_all(1000)",
    ]
    sent = figures["requests"]
    assert sent["get"] == ["_bulk_get"]
    assert sent["get_many(100)"] == ["_bulk_get"]
    assert sent["set_many(100)"] == ["_bulk_get", "_bulk_docs"]
    assert sent["get_all(1000)"] == ["_find", "_find"]
    assert sent["list_namespaces"] == ["_find"] * 3  # "default", "writes", then none
    assert sent["tracking of a run that read 1000 keys"] == ["_bulk_docs"]
    assert sent["increment of a number"] == ["_bulk_get", "_bulk_docs"]
    assert sent["set_if_absent of a new key"] == ["_bulk_docs"]
    assert sent["set_if_absent of an existing key"] == ["_bulk_docs", "_bulk_get"]
    assert sent["compare_and_set, current version"] == ["_bulk_get", "_bulk_docs"]
    assert sent["compare_and_set, stale version"] == ["_bulk_get"]
    assert sent["get_record"] == ["_bulk_get"]
    assert_quota_check_costs(figures["quotas"])
    assert figures["tracked_run"]["tracked / untracked"] > 0
    scaling = figures["list_namespaces"]
    assert scaling["requests"] == ["_find"] * 11
    assert {"1000 records: list_namespaces cold (s)", "3000 records: list_namespaces warm (s)",
            "3000 records, no index refresh: list_namespaces cold (s)",
            "warm ratio"} <= set(scaling)
    assert scaling["3000 records: index refresh passes"] == 1
    assert scaling["3000 records, no index refresh: index refresh passes"] == 0
    out = capsys.readouterr().out
    assert "raw HTTP" in out and couchdb_server.password not in out
