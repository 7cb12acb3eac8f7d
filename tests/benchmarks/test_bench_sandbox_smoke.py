"""Keeps ``benchmarks/bench_sandbox.py`` runnable: its main function in ``--quick`` mode.

No timing assertions: CI machines are too noisy for them. The compile count is exact.
"""

from __future__ import annotations

import pytest

from tests.benchmarks.conftest import load_benchmark


def test_benchmark_runs_in_quick_mode_and_compiles_each_source_once(
    capsys: pytest.CaptureFixture[str],
) -> None:
    ratios = load_benchmark("bench_sandbox").main(["--quick"])
    out = capsys.readouterr().out
    assert {"trivial", "loop", "trivial_in_loop", "loop_in_loop"} <= set(ratios)
    assert all(ratio > 0 for ratio in ratios.values())
    assert ratios["compiles"] == 2
    assert "compiles: 2 for 2 sources" in out
