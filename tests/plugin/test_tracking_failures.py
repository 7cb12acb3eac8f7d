"""Access tracking when the backend fails to take a run's counts (fault injected).

Written at the end of the run (``tracking_write="end_of_run"``): the run's result says so
in one line, the counts are kept for one retry at exit, and exiting neither prints a
traceback nor waits for a second timeout of a backend that just failed. Written in the
background (the default): the run is not affected at all, one log line says the counts are
kept, and they are written exactly once the backend takes them again."""

from __future__ import annotations

import logging
import threading
import time
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
    config = StoreConfig(url="memory://", timeout_s=5, tracking_write="end_of_run")
    plugin = DataStorePlugin(config, backend=flaky)
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
        plugin.flush_at_exit()
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
    _flush_at_exit()  # the function registered with atexit: every live plugin
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
        plugin.flush_at_exit()
    assert flaky.attempts == 2
    (record,) = [r for r in caplog.records if "access counts" in r.getMessage()]
    assert record.exc_info is None
    assert "were not written at exit: BackendUnavailableError" in record.getMessage()


@pytest.fixture
def background(flaky: FlakyBackend) -> Any:
    plugin = DataStorePlugin(StoreConfig(url="memory://", timeout_s=5), backend=flaky)
    yield plugin
    flaky.down = False
    plugin.close()


def _until(condition: Any, what: str) -> None:
    deadline = time.monotonic() + 30
    while not condition():
        assert time.monotonic() < deadline, f"still not {what} after 30 s"
        time.sleep(0.01)


def test_a_failed_background_write_leaves_the_run_alone_and_is_retried_until_it_lands(
    background: DataStorePlugin, flaky: FlakyBackend, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="agent_data_store"):
        result = run_reader(background)
        assert result.output == {"read": [1, 2]} and result.plugin_errors == []
        _until(lambda: flaky.attempts >= 2, "retried")
    assert background.pending_accesses() == 2
    assert background.wait_for_counts(0.01) is False
    (line,) = [r for r in caplog.records if "access counts" in r.getMessage()]
    assert line.exc_info is None
    assert "access counts of 2 key(s) could not be written, retrying" in line.getMessage()
    flaky.down = False
    _until(lambda: background.pending_accesses() == 0, "written")
    assert background.wait_for_counts(5)
    for key in ("a", "b"):
        record = flaky.get("alice", "default", key)
        assert record is not None and record.access_count == 1


def test_exit_does_not_wait_again_for_a_background_write_that_just_failed(
    background: DataStorePlugin, flaky: FlakyBackend, caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("agent_data_store.tracking_writer.RETRY_AFTER_S", (60.0, 60.0))
    run_reader(background)
    _until(lambda: flaky.attempts >= 1, "tried")
    attempts = flaky.attempts
    with caplog.at_level(logging.WARNING, logger="agent_data_store"):
        background.flush_at_exit()
    assert flaky.attempts == attempts
    assert any("too recently to retry at exit" in r.getMessage() for r in caplog.records)


class SlowBackend(MemoryBackend):
    """A memory backend whose tracking writes take a while (fault injection)."""

    def __init__(self) -> None:
        super().__init__()
        self.started = threading.Event()
        self.writes = 0

    def record_accesses(self, accesses: Sequence[Access]) -> None:
        self.writes += 1
        self.started.set()
        time.sleep(0.3)
        super().record_accesses(accesses)


def test_exit_lets_a_background_write_under_way_finish() -> None:
    slow = SlowBackend()
    plugin = DataStorePlugin(StoreConfig(url="memory://", timeout_s=5), backend=slow)
    assert run_reader(plugin).output == {"read": [1, 2]}
    assert slow.started.wait(10)
    assert plugin.pending_accesses() == 0  # drained by the writer, not written yet
    plugin.flush_at_exit()
    for key in ("a", "b"):
        record = slow.get("alice", "default", key)
        assert record is not None and record.access_count == 1
    # A later run starts the writer again.
    run_reader(plugin)
    assert plugin.wait_for_counts(10)
    record = slow.get("alice", "default", "a")
    assert record is not None and record.access_count == 2


def test_after_a_slow_write_runs_share_the_next_one_unless_someone_waits_for_the_counts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Gather 20 times as long as the last write took (0.3 s): 6 s.
    monkeypatch.setattr("agent_data_store.tracking_writer.GATHER_SHARE", 20.0)
    monkeypatch.setattr("agent_data_store.tracking_writer.MAX_GATHER_S", 60.0)
    slow = SlowBackend()
    plugin = DataStorePlugin(StoreConfig(url="memory://", timeout_s=5), backend=slow)
    try:
        run_reader(plugin)
        assert plugin.wait_for_counts(10) and slow.writes == 1
        for _ in range(3):
            run_reader(plugin)
        time.sleep(1.0)
        assert slow.writes == 1  # still gathering: the three runs' counts wait together
        assert plugin.pending_accesses() == 2
        started = time.monotonic()
        assert plugin.wait_for_counts(10)  # ends the gathering at once
        assert time.monotonic() - started < 3.0
        assert slow.writes == 2
        for key in ("a", "b"):
            record = slow.get("alice", "default", key)
            assert record is not None and record.access_count == 4
    finally:
        plugin.close()
