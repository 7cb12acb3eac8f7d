"""Smoke run of the data browser benchmark so it keeps working; no timing assertions."""

from __future__ import annotations

import pytest

from tests.benchmarks.conftest import load_benchmark


def test_web_benchmark_runs_and_reports_every_page(capsys: pytest.CaptureFixture[str]) -> None:
    module = load_benchmark("bench_web")
    figures = module.main(["--quick"])
    assert set(figures["pages_ms"]) == {
        "namespace page (first)", "namespace page (middle)", "namespace page (key search)",
        "record page", "edit form", "user page", "users page (scans the store)",
    }
    # Two queries per namespace page (the keys, then their records), one per record page,
    # one aggregate and the usage row (its quota line) for the user page: whatever the
    # namespace's size.
    assert figures["statements"]["namespace page (middle)"] == 2
    assert figures["statements"]["record page"] == 1
    assert figures["statements"]["user page"] == 2
    assert "ratio" in figures["namespace page vs raw sqlite3"]
    assert "raw sqlite3" in capsys.readouterr().out
