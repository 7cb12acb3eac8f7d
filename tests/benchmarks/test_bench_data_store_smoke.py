"""Smoke run of the data store benchmark so it keeps working; no timing assertions."""

from __future__ import annotations

import pytest

from tests.benchmarks.conftest import assert_quota_check_costs, load_benchmark


def test_data_store_benchmark_runs_and_reports_every_figure(
    capsys: pytest.CaptureFixture[str],
) -> None:
    module = load_benchmark("bench_data_store")
    figures = module.main(["--quick"])
    assert [row["op"] for row in figures["rows"]] == [
        "get",
        "set",
        "get_many(100)",
        "get_all(1000)",
        "set_many(100)",
    ]
    for run in (figures["tracked_run"], figures["memory_tracked_run"]):
        assert {"tracked / untracked", "tracked / raw"} <= set(run)
    assert figures["statements"]["get_many(100)"] == 1
    assert figures["statements"]["tracking of 1000 reads transactions"] == 1
    assert_quota_check_costs(figures["quotas"])
    assert "ratio" in figures["list_namespaces"]
    assert "raw sqlite3" in capsys.readouterr().out
