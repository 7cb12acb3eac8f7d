"""The data store as agent code uses it: through the sandbox host, on every backend."""

from __future__ import annotations

from typing import Any

from agent_data_store import Backend, DataStorePlugin, StoreConfig
from sandbox_host import ExecutionContext, SandboxHost


def _run(host: SandboxHost, source: str, user: str = "alice", agent: str = "agent",
         input_dict: dict[str, Any] | None = None) -> Any:
    result = host.run_sync(source, input_dict=input_dict or {},
                           context=ExecutionContext(user_id=user, agent_name=agent))
    assert result.error is None, result.error
    return result


def _counts_written(host: SandboxHost) -> None:
    """Wait for the background writer to write the finished runs' access counts."""
    plugin = host.plugin_manager.get_plugin("data_store")
    assert plugin.wait_for_counts(30.0)
    assert plugin.pending_accesses() == 0


COUNTER = """
async def run(input_dict, tools):
    count = data_store.get("count", 0) + 1
    data_store.set("count", count)
    return {"count": count}
"""


def test_data_store_is_a_builtin_with_no_setup(host: SandboxHost) -> None:
    counts = [_run(host, COUNTER).output["count"] for _ in range(3)]
    assert counts == [1, 2, 3]


def test_producer_and_consumer_share_a_namespace(host: SandboxHost, backend: Backend) -> None:
    producer = """
async def run(input_dict, tools):
    shared = data_store.use_namespace("shared-reports")
    shared.set("quarterly-report", {"revenue": 42}, metadata={"quarter": "Q3"})
    return {"ok": True}
"""
    consumer = """
async def run(input_dict, tools):
    shared = data_store.use_namespace("shared-reports")
    return {"report": shared.get("quarterly-report")}
"""
    _run(host, producer, agent="producer")
    assert _run(host, consumer, agent="consumer").output == {"report": {"revenue": 42}}
    assert _run(host, consumer, user="bob", agent="consumer").output == {"report": None}
    _counts_written(host)
    record = backend.get("alice", "shared-reports", "quarterly-report")
    assert record is not None
    assert record.created_by_agent == "producer"
    assert record.last_accessed_by_agent == "consumer"
    assert record.access_count == 1


def test_tracking_is_written_in_the_background_right_after_the_run(
    host: SandboxHost, backend: Backend
) -> None:
    _run(host, COUNTER, agent="counter")
    _run(host, COUNTER, agent="counter")
    _counts_written(host)
    record = backend.get("alice", "default", "count")
    assert record is not None and record.access_count == 1


def test_end_of_run_tracking_is_written_before_the_run_returns(
    store_config: StoreConfig, backend: Backend
) -> None:
    config = store_config.model_copy(update={"tracking_write": "end_of_run"})
    host = SandboxHost(plugins=[DataStorePlugin(config, backend=backend)],
                       load_entry_points=False)
    _run(host, COUNTER, agent="counter")
    _run(host, COUNTER, agent="counter")
    record = backend.get("alice", "default", "count")
    assert record is not None and record.access_count == 1


def test_get_record_sees_the_counts_of_runs_that_finished_before(host: SandboxHost) -> None:
    reader = """
async def run(input_dict, tools):
    data_store.get_many(["a", "b"])
    data_store.get("a")
    return {}
"""
    counts = """
async def run(input_dict, tools):
    return {k: data_store.get_record(k)["accessCount"] for k in ("a", "b")}
"""
    _run(host, 'async def run(input_dict, tools):\n    data_store.set_many({"a": 1, "b": 2})\n'
               '    return {}')
    for rounds in range(1, 4):
        _run(host, reader)
        # No wait here: get_record waits for the counts handed over before it.
        assert _run(host, counts).output == {"a": 2 * rounds + rounds - 1, "b": 2 * rounds - 1}


def test_tracking_is_written_even_when_the_agent_fails(
    host: SandboxHost, backend: Backend
) -> None:
    _run(host, COUNTER)
    failing = """
async def run(input_dict, tools):
    data_store.get("count")
    raise RuntimeError("boom")
"""
    result = host.run_sync(failing, input_dict={},
                           context=ExecutionContext(user_id="alice", agent_name="failing"))
    assert result.error is not None and "boom" in result.error.message
    _counts_written(host)
    record = backend.get("alice", "default", "count")
    assert record is not None
    assert (record.access_count, record.last_accessed_by_agent) == (1, "failing")


def test_run_result_carries_the_operation_log(host: SandboxHost) -> None:
    source = """
async def run(input_dict, tools):
    data_store.set("k", {"text": "x" * 500})
    data_store.get("k")
    data_store.get("missing")
    data_store.use_namespace("other").get_many(["a", "b"])
    data_store.delete("k")
    return {}
"""
    ops = _run(host, source, agent="logger").ops
    assert [op["op"] for op in ops] == ["set", "get", "get", "get_many", "delete"]
    assert ops[0]["key"] == "k" and ops[0]["namespace"] == "default"
    assert len(ops[0]["valuePreview"]) <= 200
    assert ops[1]["found"] is True and ops[2]["found"] is False
    assert ops[3]["namespace"] == "other" and ops[3]["count"] == 2
    assert all(op["agent"] == "logger" and op["ts"].endswith("Z") for op in ops)


def test_data_store_errors_reach_agent_code_as_plain_exceptions(host: SandboxHost) -> None:
    source = """
import datetime

async def run(input_dict, tools):
    caught = []
    try:
        data_store.set("when", datetime.datetime(2026, 1, 1))
    except TypeError as exc:
        caught.append(("TypeError", str(exc)))
    try:
        data_store.set("", 1)
    except ValueError as exc:
        caught.append(("ValueError", str(exc)))
    return {"caught": caught, "keys": data_store.list_keys()}
"""
    output = _run(host, source).output
    assert [kind for kind, _ in output["caught"]] == ["TypeError", "ValueError"]
    assert "datetime" in output["caught"][0][1]
    assert output["keys"] == []


def test_augmented_assignment_on_stored_structures(host: SandboxHost) -> None:
    source = """
async def run(input_dict, tools):
    meta = data_store.get("meta", {"completed": 0})
    meta["completed"] += 1
    data_store.set("meta", meta)
    return meta
"""
    assert _run(host, source).output == {"completed": 1}
    assert _run(host, source).output == {"completed": 2}


def test_discover_and_search_pattern(host: SandboxHost) -> None:
    setup = """
async def run(input_dict, tools):
    data_store.use_namespace("summary:repo-a").set("a.py", "parses json")
    data_store.use_namespace("summary:repo-b").set("b.py", "renders html")
    data_store.use_namespace("files:repo-a").set("a.py", "import json")
    return {}
"""
    search = """
async def run(input_dict, tools):
    results = []
    for ns in data_store.list_namespaces():
        if ns.startswith("summary:"):
            for key, value in data_store.use_namespace(ns).get_all().items():
                if input_dict["query"] in str(value):
                    results.append({"namespace": ns, "key": key})
    return {"results": results}
"""
    _run(host, setup)
    assert _run(host, search, input_dict={"query": "json"}).output == {
        "results": [{"namespace": "summary:repo-a", "key": "a.py"}]
    }
