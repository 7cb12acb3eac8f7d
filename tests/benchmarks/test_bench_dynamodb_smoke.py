"""Smoke run of the DynamoDB benchmark against the test session's DynamoDB Local."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

BENCHMARK = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_dynamodb.py"

pytestmark = pytest.mark.server


def test_dynamodb_benchmark_runs_and_reports_every_figure(
    dynamodb_endpoint: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "local")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "local")
    spec = importlib.util.spec_from_file_location("bench_dynamodb", BENCHMARK)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    figures = module.main(["--quick", "--endpoint-url", dynamodb_endpoint])
    assert [row["op"] for row in figures["rows"]] == ["get", "set", "get_many(100)",
                                                      "get_all(1000)"]
    round_trips = figures["round_trips"]
    assert round_trips["get: BatchGetItem"] == 1
    assert round_trips["get_many(100): BatchGetItem"] == 1
    assert round_trips["set_many(100) new: BatchGetItem"] == 1
    assert round_trips["set_many(100) new: TransactWriteItems"] <= 4
    assert round_trips["tracking of 1000 reads: TransactWriteItems"] == 10
    assert "raw boto3" in capsys.readouterr().out
