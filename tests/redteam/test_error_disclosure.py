"""Red team: agent code provokes storage failures to learn the backend, its file path, URL,
user or host from the error message. Agent-facing errors name the operation, the key and what
went wrong in general; the operator's log has the full detail.

Also: the data store's exception classes are sandbox globals agent code can catch by name,
and cannot change.
"""

from __future__ import annotations

import logging
import sqlite3
import textwrap
from pathlib import Path

import pytest

from agent_data_store import DataStorePlugin, StoreConfig
from agent_data_store.errors import AGENT_VISIBLE_ERRORS
from agent_data_store.hooks import AGENT_GLOBALS
from sandbox_host import ExecutionContext, RunResult, SandboxHost
from sandbox_host.runner import RESERVED_GLOBALS
from tests.servers._support import free_port

pytestmark = pytest.mark.redteam

PROBE = """
async def run(input_dict, tools):
    try:
        data_store.set("probe-key", {"x": 1}, {"m": 1})
    except DataStoreError as exc:
        return {"unavailable": isinstance(exc, BackendUnavailableError), "message": str(exc),
                "args": [str(a) for a in exc.args], "repr": repr(exc)}
    return {"stored": True}
"""


def run_agent(config: StoreConfig, source: str = PROBE) -> RunResult:
    host = SandboxHost(plugins=[DataStorePlugin(config)], load_entry_points=False,
                       timeout_s=20)
    return host.run_sync(textwrap.dedent(source),
                         context=ExecutionContext(user_id="alice-secret-user", agent_name="prober"))


def assert_reveals_nothing(text: str, *secrets: str) -> None:
    lowered = text.lower()
    for secret in ("couchdb", "sqlite", "dynamodb", "firestore", "alice-secret-user",
                   "127.0.0.1", "localhost", ".db", *secrets):
        assert secret.lower() not in lowered, f"{secret!r} shown to the agent: {text!r}"


def test_an_unreachable_couchdb_is_unavailable_without_url_user_host_or_password(
    caplog: pytest.LogCaptureFixture,
) -> None:
    port = free_port()
    config = StoreConfig(url=f"couchdb://dbadmin:hunter2@127.0.0.1:{port}/agentdb")
    with caplog.at_level(logging.WARNING, logger="agent_data_store"):
        result = run_agent(config)
    assert result.output is not None, result.error
    message = result.output["message"]
    assert result.output["unavailable"] is True
    assert message.startswith("data_store.set('probe-key') failed: the data store is unavailable")
    assert_reveals_nothing(repr(result.output), "dbadmin", "hunter2", "agentdb", str(port))
    # The operator's log has what happened, without the password.
    logged = caplog.text
    assert f"127.0.0.1:{port}" in logged and "alice-secret-user" in logged
    assert "hunter2" not in logged


def test_a_locked_sqlite_file_is_unavailable_without_its_path(tmp_path: Path) -> None:
    path = tmp_path / "private-dir" / "secret-name.db"
    config = StoreConfig(url=f"sqlite:///{path}", timeout_s=0.2)
    run_agent(config)  # creates the file
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        result = run_agent(config)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert result.output is not None, result.error
    assert result.output["unavailable"] is True
    assert_reveals_nothing(repr(result.output), "private-dir", "secret-name", str(tmp_path))


def test_an_uncaught_storage_error_in_the_run_result_reveals_nothing(tmp_path: Path) -> None:
    config = StoreConfig(url=f"couchdb://dbadmin:hunter2@127.0.0.1:{free_port()}/agentdb")
    result = run_agent(config, "async def run(input_dict, tools):\n"
                               "    return {'v': data_store.get('k')}\n")
    assert result.error is not None and result.error.type == "BackendUnavailableError"
    assert "data_store.get('k') failed" in result.error.message
    assert_reveals_nothing(str(result.error), "dbadmin", "hunter2", "agentdb")


def test_validation_errors_keep_naming_the_key_and_the_rule(tmp_path: Path) -> None:
    result = run_agent(
        StoreConfig(url="memory://"),
        "async def run(input_dict, tools):\n"
        "    try:\n"
        "        data_store.set('k', {'when': 1.5, 'bad': float('nan')})\n"
        "    except InvalidValueError as exc:\n"
        "        return {'message': str(exc)}\n",
    )
    assert result.output == {"message": "value['bad'] is nan, which JSON cannot hold"}


def test_agent_code_catches_each_data_store_error_by_name() -> None:
    result = run_agent(
        StoreConfig(url="memory://", max_value_bytes=10),
        """
        async def run(input_dict, tools):
            caught = []
            for attempt, expected in [
                (lambda: data_store.set("k", object()), InvalidValueError),
                (lambda: data_store.set("k", "x" * 100), ValueTooLargeError),
                (lambda: data_store.get(""), InvalidKeyError),
                (lambda: data_store.get(5), InvalidKeyTypeError),
            ]:
                try:
                    attempt()
                except expected:
                    caught.append(True)
                except DataStoreError:
                    caught.append(False)
            caught.append(issubclass(BackendUnavailableError, DataStoreError))
            caught.append(issubclass(InvalidValueError, TypeError))
            caught.append(issubclass(ValueTooLargeError, ValueError))
            return {"caught": caught}
        """,
    )
    assert result.output == {"caught": [True] * 7}, result.error


def test_the_exception_globals_do_not_clash_with_the_hosts_names() -> None:
    assert set(AGENT_GLOBALS) == {cls.__name__ for cls in AGENT_VISIBLE_ERRORS}
    assert not set(AGENT_GLOBALS) & RESERVED_GLOBALS
    assert "data_store" not in AGENT_GLOBALS


@pytest.mark.parametrize(
    "attack",
    [
        "DataStoreError.injected = 1",
        "setattr(InvalidValueError, 'args', None)",
        "del BackendError.__doc__",
        "InvalidKeyError.__init__ = None",
    ],
)
def test_agent_code_cannot_change_the_shared_exception_classes(attack: str) -> None:
    result = run_agent(
        StoreConfig(url="memory://"),
        f"async def run(input_dict, tools):\n    {attack}\n    return {{}}\n",
    )
    assert result.error is not None
    for cls in AGENT_VISIBLE_ERRORS:
        assert "injected" not in vars(cls)
        assert cls.__init__ is not None  # type: ignore[misc]
