"""Red team: a worker process that agent code took over talks to the host.

In process isolation the host trusts nothing a worker sends: its messages are JSON, each
call may only reach the methods the worker was given, and a malformed message ends the run
with an error -- it never raises out of ``host.run`` and never reaches a plugin's internals.
These tests play the compromised worker.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from agent_data_store import DataStorePlugin, StoreConfig, open_backend
from sandbox_host import ExecutionContext
from sandbox_host.execution.process import ProcessExecutor
from sandbox_host.execution.remote import MAX_MESSAGE_BYTES, loads
from sandbox_host.execution.session import RunJob, RunSettings
from sandbox_host.guards import PrintCollector
from sandbox_host.limits import RunLimits

pytestmark = pytest.mark.redteam


class FakeWorker:
    """Sends the scripted messages, records the host's answers."""

    def __init__(self, messages: list[bytes]) -> None:
        self.messages = messages
        self.answers: list[Any] = []

    def receive(self, timeout_s: float) -> Any:
        if not self.messages:
            raise EOFError
        data = self.messages.pop(0)
        if len(data) > MAX_MESSAGE_BYTES:
            raise OSError("message too long")
        return loads(data)

    def send(self, message: Any) -> None:
        self.answers.append(message)

    def exit_description(self) -> str:
        return "exited with status 0"

    def kill(self) -> None:
        pass


class RecordingPool:
    def __init__(self) -> None:
        self.replaced = 0
        self.released = 0

    def replace(self, worker: Any) -> None:
        self.replaced += 1

    def release(self, worker: Any) -> None:
        self.released += 1


@pytest.fixture
def executor() -> Iterator[ProcessExecutor]:
    executor = ProcessExecutor.__new__(ProcessExecutor)
    executor._pool = RecordingPool()  # type: ignore[assignment]
    import concurrent.futures

    executor._calls = concurrent.futures.ThreadPoolExecutor(max_workers=2)
    yield executor
    executor._calls.shutdown()


def _job() -> tuple[RunJob, Any]:
    backend = open_backend(StoreConfig(url="memory://"))
    plugin = DataStorePlugin(StoreConfig(url="memory://"), backend=backend)
    context = ExecutionContext(user_id="mallory", agent_name="worker")
    plugin.sandbox_run_started(context)
    globals_ = plugin.sandbox_globals(context)
    settings = RunSettings(max_result_bytes=1 << 20, max_output_chars=1000,
                           max_error_chars=1000, preload=())
    job = RunJob(source="", compiled=None, plugin_globals=globals_, input_dict={},  # type: ignore[arg-type]
                 tools={}, limits=RunLimits(5.0), settings=settings)
    job.printer = PrintCollector()
    return job, backend


def _converse(executor: ProcessExecutor, messages: list[Any]) -> tuple[Any, FakeWorker]:
    from sandbox_host.execution.remote import RemoteRegistry

    job, _ = _job()
    registry = RemoteRegistry()
    described = {name: registry.to_worker(value) for name, value in job.plugin_globals.items()}
    assert described["data_store"].ref == 1
    encoded = [m if isinstance(m, bytes) else json.dumps(m).encode() for m in messages]
    worker = FakeWorker(encoded)
    outcome = executor._conversation(worker, registry, job, None)  # type: ignore[arg-type]
    return outcome, worker


def _call(method: Any, *args: Any, ref: Any = 1) -> dict[str, Any]:
    return {"type": "call", "ref": ref, "method": method,
            "args": ["list", list(args)], "kwargs": ["dict", []]}


@pytest.mark.parametrize(
    "message",
    [
        b"[" * 100_000 + b"]" * 100_000,
        b"\xff\xfe not json",
        json.dumps(["not", "a", "dict"]).encode(),
        json.dumps({"type": "surprise"}).encode(),
        json.dumps({"type": "done", "outcome": {"output": [1], "error": None,
                                               "stdout": ""}}).encode(),
        json.dumps({"type": "done", "outcome": {"output": None,
                                               "error": [{"x": 1}, 2, "a", None],
                                               "stdout": ""}}).encode(),
        json.dumps({"type": "done", "outcome": {"output": None, "error": None,
                                               "stdout": {"not": "text"}}}).encode(),
    ],
    ids=["deeply nested json", "not json", "not an object", "unknown type",
         "output not a dict", "malformed error", "stdout not text"],
)
def test_a_malformed_message_ends_the_run_with_an_error(
    executor: ProcessExecutor, message: bytes
) -> None:
    outcome, _ = _converse(executor, [message])
    assert outcome.error is not None
    assert outcome.error.type == "WorkerCrashed"
    assert executor._pool.replaced == 1  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("call", "words"),
    [
        (_call("_backend"), "not a method the worker was given"),
        (_call("__reduce__"), "not a method the worker was given"),
        (_call("get", "k", ref=999), "unknown reference"),
        (_call(None), "not callable"),
        (_call("get", ["opaque", "x"], ref=1) | {"args": ["list", [["ref", 12345]]]},
         "unknown reference"),
        ({"type": "call", "ref": "1", "method": "get"}, "malformed call"),
        ({"type": "call", "ref": 1, "method": "get", "args": ["list", ["k"]],
          "kwargs": ["dict", [[1, 2]]]}, "malformed call"),
    ],
    ids=["private attribute", "dunder", "unknown reference", "object called",
         "forged reference in an argument", "reference not an int", "non-string kwarg"],
)
def test_a_call_reaches_only_what_the_worker_was_given(
    executor: ProcessExecutor, call: dict[str, Any], words: str
) -> None:
    done = {"type": "done", "outcome": {"output": {}, "error": None, "stdout": ""}}
    outcome, worker = _converse(executor, [call, done])
    assert outcome.error is None
    kind, value = worker.answers[0]
    assert kind == "raise"
    assert words in str(value)


def test_a_described_method_works_and_stays_bound_to_the_user(
    executor: ProcessExecutor,
) -> None:
    done = {"type": "done", "outcome": {"output": {}, "error": None, "stdout": ""}}
    outcome, worker = _converse(executor, [_call("set", "k", 1), _call("list_keys"), done])
    assert outcome.error is None
    assert worker.answers[0] == ("return", None)
    assert worker.answers[1] == ("return", ["k"])
