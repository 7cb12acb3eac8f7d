"""Smoke run of the CouchDB benchmark against the test session's server; no timing assertions."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from tests.servers.couchdb import CouchDBServer

BENCHMARK = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_couchdb.py"

pytestmark = pytest.mark.server


def test_couchdb_benchmark_runs_and_reports_every_figure(
    couchdb_server: CouchDBServer, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = importlib.util.spec_from_file_location("bench_couchdb", BENCHMARK)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
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
    assert sent["list_namespaces"] == ["namespaces"]
    assert sent["tracking of a run that read 1000 keys"] == ["_bulk_get", "_bulk_docs"]
    out = capsys.readouterr().out
    assert "raw HTTP" in out and couchdb_server.password not in out
