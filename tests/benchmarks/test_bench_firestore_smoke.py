"""Keeps ``benchmarks/bench_firestore.py`` runnable: quick mode against the test emulator.

No timing assertions: CI machines are too noisy for them. The round-trip counts are exact.
"""

from __future__ import annotations

import pytest

from tests.benchmarks.conftest import assert_quota_check_costs, load_benchmark

pytestmark = pytest.mark.server


def test_firestore_benchmark_runs_on_the_emulator_and_reports_round_trips(
    firestore_emulator: str, capsys: pytest.CaptureFixture[str]
) -> None:
    figures = load_benchmark("bench_firestore").main(["--quick"])
    assert figures["emulator"] == firestore_emulator
    assert [row["op"] for row in figures["rows"]] == [
        "get", "set", "get_many(100)", "get_all(1000)",
    ]
    assert all(row["ratio"] > 0 for row in figures["rows"])
    rpcs = figures["rpcs"]
    assert rpcs["get"] == {"batch_get_documents": 1}
    assert rpcs["get_many(100)"] == {"batch_get_documents": 1}
    assert rpcs["set_many(100)"] == {"batch_get_documents": 1, "commit": 1}
    assert rpcs["get_all(1000)"] == {"run_query": 2}
    # Tracking writes the keys the run read as its reads found them: no read before.
    assert rpcs["tracking of 1000 keys"] == {"batch_write": 2}
    assert rpcs["tracking of a get_many(100)"] == {"batch_write": 1}
    assert {"tracked / untracked", "tracked / raw"} <= set(figures["tracked_run"])
    assert rpcs["increment of a number"] == {"batch_get_documents": 1, "commit": 1}
    assert rpcs["set_if_absent of a new key"] == {"commit": 1}
    assert rpcs["set_if_absent of an existing key"] == {"batch_get_documents": 1, "commit": 1}
    assert rpcs["compare_and_set, current version"] == {"batch_get_documents": 1, "commit": 1}
    assert rpcs["compare_and_set, stale version"] == {"batch_get_documents": 1}
    assert rpcs["get_record"] == {"batch_get_documents": 1}
    assert_quota_check_costs(figures["quotas"])
    assert "raw client" in capsys.readouterr().out
