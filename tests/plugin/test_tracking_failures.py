"""Access tracking when the backend fails at the end of a run (fault injected): the run's
result says so in one line, the counts are kept for one retry at exit, and exiting neither
prints a traceback nor waits for a second timeout of a backend that just failed."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import pytest

from agent_data_store import BackendUnavailableError, DataStorePlugin, StoreConfig
from agent_data_store.backends.memory import MemoryBackend
from agent_data_store.hooks import _flush_at_exit
from agent_data_store.records import Access
from sandbox_host import ExecutionContext, SandboxHost

READER = """
async def run(input_dict, tools):
    data_store.set("a", 1)
    data_store.set("b", 2)
    return {"read": [data_store.get("a"), data_store.get("b")]}
"""


class FlakyBackend(MemoryBackend):
    """A memory backend whose tracking writes fail while ``down`` (fault injection)."""

    def __init__(self) -> None:
        super().__init__()
        self.down = True
        self.attempts = 0

    def record_accesses(self, accesses: Sequence[Access]) -> None:
        self.attempts += 1
        if self.down:
            raise BackendUnavailableError("CouchDB at couchdb://u:***@db.internal did not answer")
        super().record_accesses(accesses)


@pytest.fixture
def flaky() -> FlakyBackend:
    return FlakyBackend()


@pytest.fixture
def plugin(flaky: FlakyBackend) -> Any:
    plugin = DataStorePlugin(StoreConfig(url="memory://", timeout_s=5), backend=flaky)
    yield plugin
    flaky.down = False
    plugin.flush()  # leave nothing for the real exit flush


def run_reader(plugin: DataStorePlugin) -> Any:
    host = SandboxHost(plugins=[plugin], load_entry_points=False)
    return host.run_sync(READER, context=ExecutionContext(user_id="alice", agent_name="reader"))


def test_a_failed_tracking_write_is_one_line_in_the_result_and_the_run_still_succeeds(
    plugin: DataStorePlugin,
) -> None:
    result = run_reader(plugin)
    assert result.output == {"read": [1, 2]}
    (problem,) = result.plugin_errors
    assert "\n" not in problem
    assert problem.startswith(
        "data_store: BackendUnavailableError: the access counts of 2 key(s) read by this run "
        "could not be written (kept in memory, retried when the process exits)"
    )
    assert plugin.pending_accesses() == 2


def test_exit_does_not_retry_a_backend_that_just_failed_and_logs_one_line(
    plugin: DataStorePlugin, flaky: FlakyBackend, caplog: pytest.LogCaptureFixture
) -> None:
    run_reader(plugin)
    with caplog.at_level(logging.WARNING, logger="agent_data_store"):
        _flush_at_exit()
    assert flaky.attempts == 1  # no second wait for the timeout
    (record,) = [r for r in caplog.records if "access counts" in r.getMessage()]
    assert record.exc_info is None  # one line, no traceback
    assert "access counts of 2 key(s) were not written" in record.getMessage()


def test_exit_retries_once_when_the_failure_is_older_than_the_timeout(
    plugin: DataStorePlugin, flaky: FlakyBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_reader(plugin)
    plugin._failed_at = -1e9  # long ago
    flaky.down = False
    _flush_at_exit()
    assert flaky.attempts == 2
    assert plugin.pending_accesses() == 0
    record = flaky.get("alice", "default", "a")
    assert record is not None and record.access_count == 1


def test_a_retry_at_exit_that_fails_again_logs_one_line_without_a_traceback(
    plugin: DataStorePlugin, flaky: FlakyBackend, caplog: pytest.LogCaptureFixture
) -> None:
    run_reader(plugin)
    plugin._failed_at = -1e9
    with caplog.at_level(logging.WARNING, logger="agent_data_store"):
        _flush_at_exit()
    assert flaky.attempts == 2
    (record,) = [r for r in caplog.records if "access counts" in r.getMessage()]
    assert record.exc_info is None
    assert "were not written at exit: BackendUnavailableError" in record.getMessage()
