"""Isolation modes: where a run executes, what it cannot block or crash, and that every
mode behaves the same for agents and plugins."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest

from agent_data_store import DataStorePlugin, StoreConfig, open_backend
from sandbox_host import ExecutionContext, RunResult, SandboxHost, hookimpl
from tests.sandbox.conftest import agent_body

MODES = ["thread", "process", "inline"]


class RecordingPlugin:
    """Remembers the hook calls of each run, in order."""

    plugin_name = "recording"

    def __init__(self) -> None:
        self.calls: list[str] = []

    @hookimpl
    def sandbox_run_started(self, context: ExecutionContext) -> None:
        self.calls.append("started")

    @hookimpl
    def sandbox_globals(self, context: ExecutionContext) -> dict[str, Any]:
        self.calls.append("globals")
        return {"whoami": lambda: context.user_id}

    @hookimpl
    def sandbox_run_finished(self, context: ExecutionContext, result: RunResult) -> None:
        self.calls.append("finished")
        result.ops.append({"op": "noted"})


@pytest.mark.parametrize("mode", MODES)
def test_every_mode_runs_agents_and_hooks_alike(mode: str, context: ExecutionContext) -> None:
    recorder = RecordingPlugin()
    host = SandboxHost([recorder], load_entry_points=False, isolation=mode)
    source = agent_body(
        """
        print("hello", whoami())
        task = asyncio.create_task(asyncio.sleep(0.01, result=7))
        return {"user": whoami(), "task": await task, "tool": tools["double"](21)}
        """
    )
    result = host.run_sync(source, {}, {"double": lambda x: 2 * x}, context=context)
    assert result.error is None, result.error
    assert result.output == {"user": "alice", "task": 7, "tool": 42}
    assert result.stdout == "hello alice\n"
    assert result.ops == [{"op": "noted"}]
    assert recorder.calls == ["started", "globals", "finished"]


@pytest.mark.parametrize("mode", MODES)
def test_async_tools_run_and_a_run_inside_a_running_loop_works(
    mode: str, context: ExecutionContext
) -> None:
    seen_loops: list[asyncio.AbstractEventLoop] = []

    async def fetch(url: str) -> str:
        seen_loops.append(asyncio.get_running_loop())
        await asyncio.sleep(0)
        return "page:" + url

    host = SandboxHost(load_entry_points=False, isolation=mode)

    async def main() -> tuple[RunResult, asyncio.AbstractEventLoop]:
        result = await host.run(
            agent_body('return {"f": await tools["fetch"]("x")}'), {}, {"fetch": fetch},
            context=context,
        )
        return result, asyncio.get_running_loop()

    result, host_loop = asyncio.run(main())
    assert result.output == {"f": "page:x"}
    # Async tools always run on the host's own loop (they may use its resources).
    assert seen_loops == [host_loop]


def test_thread_mode_never_blocks_the_hosts_loop(context: ExecutionContext) -> None:
    host = SandboxHost(load_entry_points=False, isolation="thread")
    source = agent_body('tools["block"]()\nreturn {}')
    ticks = 0

    async def heartbeat(stop: asyncio.Event) -> None:
        nonlocal ticks
        while not stop.is_set():
            ticks += 1
            await asyncio.sleep(0.01)

    async def main() -> RunResult:
        stop = asyncio.Event()
        beat = asyncio.create_task(heartbeat(stop))
        result = await host.run(source, {}, {"block": lambda: time.sleep(0.4)}, context=context)
        stop.set()
        await beat
        return result

    result = asyncio.run(main())
    assert result.ok
    assert ticks >= 10  # the host's loop went on while the agent blocked for 0.4 s


def test_thread_mode_leaves_nothing_on_the_hosts_loop(context: ExecutionContext) -> None:
    host = SandboxHost(load_entry_points=False, isolation="thread")
    source = agent_body(
        """
        async def forever():
            while True:
                await asyncio.sleep(1)
        asyncio.create_task(forever())
        asyncio.gather(forever(), forever())
        return {}
        """
    )

    async def main() -> tuple[set[Any], set[Any]]:
        before = asyncio.all_tasks()
        await host.run(source, context=context)
        return before, asyncio.all_tasks()

    before, after = asyncio.run(main())
    assert after == before


@pytest.mark.parametrize("mode", MODES)
def test_leftover_tasks_are_cancelled_and_awaited_before_the_run_returns(
    mode: str, context: ExecutionContext
) -> None:
    host = SandboxHost(load_entry_points=False, isolation=mode)
    source = agent_body(
        """
        state = {"cleaned": False}
        async def worker():
            try:
                await asyncio.sleep(10)
            finally:
                state["cleaned"] = True
                print("cleaned up")
        asyncio.create_task(worker())
        await asyncio.sleep(0)
        return {}
        """
    )
    started = time.monotonic()
    result = host.run_sync(source, context=context)
    assert result.ok
    assert result.stdout == "cleaned up\n"
    assert time.monotonic() - started < 5


@pytest.mark.parametrize("mode", ["thread", "process"])
def test_a_run_blocked_in_a_backend_call_ends_at_its_deadline(
    mode: str, context: ExecutionContext, tmp_path: Path
) -> None:
    path = tmp_path / "locked.db"
    config = StoreConfig(url=f"sqlite:///{path}")
    backend = open_backend(config)
    host = SandboxHost([DataStorePlugin(config, backend=backend)], load_entry_points=False,
                       isolation=mode)
    # Start the worker (and open the backend) first: what is timed is the blocked call.
    warm = host.run_sync(agent_body('data_store.get("k")\nreturn {}'), context=context)
    assert warm.error is None, warm.error
    locker = sqlite3.connect(path)
    locker.execute("BEGIN EXCLUSIVE")
    try:
        started = time.monotonic()
        result = host.run_sync(agent_body('data_store.set("k", 1)\nreturn {}'),
                               context=context, timeout_s=0.5)
        elapsed = time.monotonic() - started
    finally:
        locker.rollback()
        locker.close()
    assert result.error is not None
    assert result.error.type == "ExecutionTimeout"
    assert elapsed < 0.5 + 0.2 + 0.3  # deadline, the 200 ms, and a loaded machine


# --- process isolation: limits and crashes ---------------------------------------------


@pytest.fixture(scope="module")
def process_host() -> Any:
    host = SandboxHost(load_entry_points=False, isolation="process", memory_limit_mb=256,
                       timeout_s=10.0, process_pool_size=1)
    yield host
    host.close()


def _assert_next_run_works(host: SandboxHost, context: ExecutionContext) -> None:
    result = host.run_sync(agent_body('return {"ok": True}'), context=context)
    assert result.output == {"ok": True}, result.error


@pytest.mark.parametrize(
    "bomb",
    [
        'x = "a" * 10**10',
        "chunks = []\nwhile True:\n    chunks.append(bytearray(1 << 20))",
        "xs = []\nwhile True:\n    xs.append(list(range(10000)))",
    ],
    ids=["one huge string", "growing list of chunks", "growing list of lists"],
)
def test_memory_bomb_fails_cleanly_and_the_next_run_works(
    process_host: SandboxHost, context: ExecutionContext, bomb: str
) -> None:
    started = time.monotonic()
    result = process_host.run_sync(agent_body(bomb), context=context)
    assert result.error is not None
    assert (result.error.type, result.error.message) == ("MemoryLimitExceeded", "256 MiB")
    assert time.monotonic() - started < 2 + 3  # the 2 s, plus a loaded machine
    _assert_next_run_works(process_host, context)


def test_memory_limit_holds_within_ten_percent(
    process_host: SandboxHost, context: ExecutionContext
) -> None:
    source = agent_body(
        """
        chunks = []
        try:
            while True:
                chunks.append(bytearray(1 << 20))
        except MemoryError:
            got = len(chunks)
        chunks.clear()
        return {"mib": got}
        """
    )
    result = process_host.run_sync(source, context=context)
    assert result.error is None, result.error
    assert 0.9 * 256 <= result.output["mib"] <= 256


@pytest.mark.parametrize(
    "crash",
    [
        "it = iter([1])\nfor _ in range(1_000_000):\n    it = map(abs, it)\nreturn {'x': next(it)}",
        "t = ()\nfor _ in range(1_000_000):\n    t = (t,)\nreturn {'h': hash(t)}",
    ],
    ids=["nested map iterators", "deeply nested tuple hash"],
)
def test_c_recursion_crash_is_a_clear_error_and_the_next_run_works(
    process_host: SandboxHost, context: ExecutionContext, crash: str
) -> None:
    result = process_host.run_sync(agent_body(crash), context=context)
    assert result.error is not None
    assert result.error.type == "WorkerCrashed"
    assert result.error.message == "killed by SIGSEGV"
    _assert_next_run_works(process_host, context)


def test_cpu_limit_ends_a_long_c_operation(context: ExecutionContext) -> None:
    host = SandboxHost(load_entry_points=False, isolation="process", cpu_limit_s=1,
                       timeout_s=20.0, process_pool_size=1)
    try:
        started = time.monotonic()
        result = host.run_sync(agent_body("return {'s': sum(range(10**12))}"), context=context)
        assert result.error is not None
        assert (result.error.type, result.error.message) == ("WorkerCrashed",
                                                             "killed by SIGXCPU")
        assert time.monotonic() - started < 10
        _assert_next_run_works(host, context)
    finally:
        host.close()


def test_a_long_c_operation_past_the_deadline_is_a_timeout(
    process_host: SandboxHost, context: ExecutionContext
) -> None:
    started = time.monotonic()
    result = process_host.run_sync(agent_body("return {'s': sum(range(10**12))}"),
                                   context=context, timeout_s=0.5)
    assert result.error is not None
    assert result.error.type == "ExecutionTimeout"
    assert time.monotonic() - started < 0.5 + 0.2 + 0.3
    _assert_next_run_works(process_host, context)


def test_process_mode_reports_values_the_host_cannot_take(
    process_host: SandboxHost, context: ExecutionContext
) -> None:
    host = SandboxHost([DataStorePlugin(StoreConfig(url="memory://"))], load_entry_points=False,
                       isolation="process")
    source = agent_body(
        """
        class Thing:
            pass
        errors = []
        for value in ({1, 2}, Thing(), {1: "a"}, float("nan")):
            try:
                data_store.set("k", value)
            except Exception as exc:
                errors.append(type(exc).__name__ + ": " + str(exc))
        return {"errors": errors}
        """
    )
    result = host.run_sync(source, context=context)
    assert result.error is None, result.error
    assert result.output == {"errors": [
        "InvalidValueError: value is a set, which is not JSON-serialisable",
        "InvalidValueError: value is a Thing, which is not JSON-serialisable",
        "InvalidValueError: value has a key of type int; JSON keys are strings",
        "InvalidValueError: value is nan, which JSON cannot hold",
    ]}


# --- a worker's loop is used again only when a run left nothing on it ------------------


def test_a_new_loop_holds_nothing() -> None:
    from sandbox_host.execution.loops import holds_nothing

    loop = asyncio.new_event_loop()
    try:
        assert holds_nothing(loop)
    finally:
        loop.close()


@pytest.mark.parametrize("leave", ["timer", "callback", "reader"])
def test_a_loop_with_anything_left_on_it_is_closed(leave: str) -> None:
    import socket

    from sandbox_host.execution.loops import end_of_run, holds_nothing, loop_for_run

    loop = loop_for_run()
    left: Any = None
    if leave == "timer":
        left = loop.call_later(60, print)
    elif leave == "callback":
        left = loop.call_soon(print)
    else:
        left = socket.socketpair()
        loop.add_reader(left[0], print)
    assert not holds_nothing(loop)
    end_of_run(loop)
    assert loop.is_closed()
    assert loop_for_run() is not loop
    if leave == "reader":
        for sock in left:
            sock.close()


def test_an_empty_loop_is_kept_and_cancelled_timers_are_dropped() -> None:
    from sandbox_host.execution.loops import end_of_run, loop_for_run

    loop = loop_for_run()
    loop.call_later(60, print).cancel()
    end_of_run(loop)
    assert not loop.is_closed()
    assert loop_for_run() is loop
    assert not loop._scheduled  # type: ignore[attr-defined]


@pytest.mark.parametrize("mode", MODES)
def test_the_data_stores_exceptions_can_be_caught_by_name_in_every_mode(
    mode: str, context: ExecutionContext
) -> None:
    host = SandboxHost([DataStorePlugin(StoreConfig(url="memory://"))], load_entry_points=False,
                       isolation=mode)
    source = agent_body(
        """
        caught = []
        try:
            data_store.set("k", {1, 2})
        except InvalidValueError as exc:
            caught.append(type(exc).__name__)
        try:
            data_store.set("", 1)
        except DataStoreError as exc:
            caught.append(type(exc).__name__)
        return {"caught": caught, "same": InvalidValueError.__name__}
        """
    )
    result = host.run_sync(source, context=context)
    assert result.error is None, result.error
    assert result.output == {"caught": ["InvalidValueError", "InvalidKeyError"],
                             "same": "InvalidValueError"}


@pytest.mark.parametrize("mode", ["thread", "process", "inline"])
def test_a_backend_call_waits_no_longer_than_the_run_lasts(
    mode: str, context: ExecutionContext, tmp_path: Path
) -> None:
    # The database stays locked for the whole run; the store's own timeout is 5 s, the
    # run has 1.5 s: the call gives up when the run's time is up, and says so.
    path = tmp_path / "locked.db"
    config = StoreConfig(url=f"sqlite:///{path}", timeout_s=5.0)
    host = SandboxHost([DataStorePlugin(config, backend=open_backend(config))],
                       load_entry_points=False, isolation=mode)
    source = agent_body('data_store.set("k", 1)\nreturn {}')
    locker = sqlite3.connect(path)
    locker.execute("BEGIN EXCLUSIVE")
    try:
        started = time.monotonic()
        result = host.run_sync(source, context=context, timeout_s=1.5)
        elapsed = time.monotonic() - started
    finally:
        locker.rollback()
        locker.close()
    assert result.error is not None
    assert result.error.type == "ExecutionTimeout"
    assert elapsed < 1.5 + 0.2 + 0.3


def test_request_timeout_is_the_configured_one_outside_runs_and_capped_inside() -> None:
    from agent_data_store.backends.base import CALL_DEADLINE, MIN_REQUEST_S, request_timeout

    assert request_timeout(5.0) == 5.0
    token = CALL_DEADLINE.set(time.monotonic() + 1.0)
    try:
        assert 0.5 < request_timeout(5.0) <= 1.0
        assert request_timeout(0.2) == 0.2
    finally:
        CALL_DEADLINE.reset(token)
    token = CALL_DEADLINE.set(time.monotonic() - 1.0)
    try:
        assert request_timeout(5.0) == MIN_REQUEST_S
    finally:
        CALL_DEADLINE.reset(token)
