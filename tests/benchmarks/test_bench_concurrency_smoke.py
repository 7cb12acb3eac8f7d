"""Keeps ``benchmarks/bench_concurrency.py`` runnable: its main function in ``--quick`` mode.

No timing assertions; the backend call counts are exact.
"""

from __future__ import annotations

import pytest

from tests.benchmarks.conftest import load_benchmark


def test_benchmark_runs_every_mode_in_quick_mode(capsys: pytest.CaptureFixture[str]) -> None:
    figures = load_benchmark("bench_concurrency").main(["--quick"])
    out = capsys.readouterr().out
    for mode in ("inline", "thread", "process"):
        # 20 reads, then the access-tracking flush when the run ends.
        assert figures[f"{mode}_calls_per_run"] == 21
        assert figures[f"{mode}_runs_per_s"] > 0
    assert "Per-run overhead" in out
