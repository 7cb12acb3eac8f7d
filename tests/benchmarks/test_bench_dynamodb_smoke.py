"""Smoke run of the DynamoDB benchmark against the test session's DynamoDB Local."""

from __future__ import annotations

import pytest

from tests.benchmarks.conftest import assert_quota_check_costs, load_benchmark

pytestmark = pytest.mark.server


def test_dynamodb_benchmark_runs_and_reports_every_figure(
    dynamodb_endpoint: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "local")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "local")
    module = load_benchmark("bench_dynamodb")
    figures = module.main(["--quick", "--endpoint-url", dynamodb_endpoint])
    assert [row["op"] for row in figures["rows"]] == ["get", "set", "get_many(100)",
                                                      "get_all(1000)"]
    assert figures["round_trips"] == {
        "get: GetItem": 1,
        "get_many(100): BatchGetItem": 1,
        "get_all(1000): Query": 1,
        "set of a new key: TransactWriteItems": 1,
        "set of an existing key: UpdateItem": 1,
        "set_many(100) new: BatchGetItem": 1,
        "set_many(100) new: TransactWriteItems": 2,
        "set_many(100) overwrite: BatchGetItem": 1,
        "set_many(100) overwrite: TransactWriteItems": 1,
        "tracking of 1000 reads: TransactWriteItems": 10,
        "delete_many(100): BatchGetItem": 1,
        "delete_many(100): TransactWriteItems": 2,
        "increment of a new key: UpdateItem": 1,
        "increment of a new key: TransactWriteItems": 1,
        "increment of a number: UpdateItem": 1,
        "increment by a float: BatchGetItem": 1,
        "increment by a float: TransactWriteItems": 1,
        "set_if_absent of a new key: TransactWriteItems": 1,
        "set_if_absent of an existing key: TransactWriteItems": 1,
        "compare_and_set, current version: UpdateItem": 1,
        "compare_and_set, stale version: UpdateItem": 1,
        "get_record: BatchGetItem": 1,
    }
    assert {"tracked / untracked", "tracked / raw"} <= set(figures["tracked_run"])
    # Per round (quick: one run each way): the tracked and the untracked run one at a time
    # and back to back, and the raw side's read; each tracked run's one transaction of 100
    # access counts.
    assert figures["tracked_run_calls"] == {"BatchGetItem": 5, "TransactWriteItems": 2}
    assert_quota_check_costs(figures["quotas"])
    assert "raw boto3" in capsys.readouterr().out
