"""Every example agent runs through the sandbox and gives the output its header promises."""

from __future__ import annotations

import json
import time
from types import ModuleType
from typing import Any

from agent_data_store import DataStorePlugin
from tests.examples.conftest import AGENTS, EXAMPLES, RunCli, RunExample

SINGLE_AGENT_EXAMPLES = {
    "quickstart.py", "counter.py", "structured_data.py", "cached_computation.py",
    "accumulate.py", "inventory.py", "keyword_index.py", "show_my_data.py",
}
NOT_OURS = {"hello.py"}  # the sandbox host's own smallest example, tested with the CLI


def test_every_example_agent_is_run_by_a_test_or_a_workflow(workflows: ModuleType) -> None:
    in_workflows = {
        step.agent_file
        for path in (EXAMPLES / "workflows").glob("*.toml")
        for step in workflows.load_workflow(path).steps
        if step.agent_file
    }
    on_disk = {path.name for path in AGENTS.glob("*.py")} - NOT_OURS
    assert on_disk == SINGLE_AGENT_EXAMPLES | in_workflows


def test_every_example_agent_starts_with_a_docstring_saying_how_to_run_it() -> None:
    for path in AGENTS.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert text.startswith('"""'), path.name
        header = text.split('"""')[1]
        assert "sandbox-host run" in header or "run_workflows.py" in header, path.name


def test_quickstart_stores_reads_and_lists(run_example: RunExample) -> None:
    output = run_example("quickstart.py", {"key": "greeting", "value": {"text": "hi"}}).output
    assert output == {
        "stored": {"text": "hi"},
        "round_trip_equal": True,
        "missing": "not there",
        "stored_keys": ["greeting"],
    }


def test_counter_counts_one_two_three(run_example: RunExample) -> None:
    counts = [run_example("counter.py", agent="counter").output for _ in range(3)]
    assert counts == [{"count": 1}, {"count": 2}, {"count": 3}]


def test_counter_is_per_user(run_example: RunExample) -> None:
    run_example("counter.py", user="alice")
    run_example("counter.py", user="alice")
    assert run_example("counter.py", user="bob").output == {"count": 1}


def test_counter_prints_something_friendly(run_example: RunExample) -> None:
    assert "Hello!" in run_example("counter.py").stdout
    assert "Welcome back! Counter 'runs' is now 2." in run_example("counter.py").stdout


def test_structured_data_updates_a_nested_document(run_example: RunExample) -> None:
    run_example("structured_data.py", {"project": "apollo", "task": "docs", "tags": ["a"]})
    run_example("structured_data.py", {"project": "apollo", "task": "tests", "tags": ["a", "b"]})
    output = run_example("structured_data.py", {"project": "apollo", "complete": "docs"}).output
    assert output["project"] == {
        "name": "apollo",
        "tasks": [{"title": "docs", "done": True}, {"title": "tests", "done": False}],
        "tags": ["a", "b"],
        "stats": {"open": 1, "done": 1, "updates": 3},
    }


def test_cache_computes_once_then_serves_from_cache(
    run_example: RunExample, toolbox: Any
) -> None:
    first = run_example("cached_computation.py", {"limit": 1000}).output
    second = run_example("cached_computation.py", {"limit": 1000}).output
    assert first["source"] == "computed" and second["source"] == "cache"
    assert first["primes"] == second["primes"] == 168
    assert toolbox.calls["count_primes"] == 1


def test_cache_recomputes_an_entry_once_it_expired(
    run_example: RunExample, toolbox: Any
) -> None:
    run_example("cached_computation.py", {"limit": 1000, "ttl_s": 0.05})
    time.sleep(0.1)
    expired = run_example("cached_computation.py", {"limit": 1000}).output
    assert expired["source"] == "computed"
    assert toolbox.calls["count_primes"] == 2


def test_cache_records_its_lifetime_in_metadata(
    run_example: RunExample, data_store_plugin: DataStorePlugin
) -> None:
    run_example("cached_computation.py", {"limit": 1000, "ttl_s": 60})
    record = data_store_plugin.backend.get("alice", "cache:primes", "primes-below:1000")
    assert record is not None and record.expires_at is not None
    assert record.metadata["ttl_s"] == 60
    assert record.metadata["source_tool"] == "count_primes"
    assert record.metadata["computed_at"].endswith("+00:00")


def test_accumulate_counts_every_file_analysed_so_far(run_example: RunExample) -> None:
    run_example("accumulate.py", {"file": "a.py", "text": "def f():\n    pass  # TODO\n"})
    output = run_example("accumulate.py", {"file": "b.py", "text": "x = 1\n"}).output
    assert output["total_analyzed"] == 2
    assert output["files"] == ["a.py", "b.py"]
    assert output["totals"] == {"lines": 3, "words": 8, "functions": 1, "todos": 1}


def test_inventory_lists_namespaces_without_counting_accesses(
    run_example: RunExample, data_store_plugin: DataStorePlugin
) -> None:
    run_example("producer.py", agent="report-producer")
    run_example("counter.py")
    output = run_example("inventory.py", agent="inventory").output
    assert output["namespaces"] == {
        "default": {"keys": 1, "sample": ["runs"]},
        "shared-reports": {"keys": 1, "sample": ["quarterly-report"]},
    }
    assert data_store_plugin.wait_for_counts()
    record = data_store_plugin.backend.get("alice", "shared-reports", "quarterly-report")
    assert record is not None and record.last_accessed_by_agent == "report-producer"


def test_inventory_with_sizes_reads_every_value(
    run_example: RunExample, data_store_plugin: DataStorePlugin
) -> None:
    run_example("producer.py", agent="report-producer")
    output = run_example("inventory.py", {"prefix": "shared", "sizes": True},
                         agent="inventory").output
    assert list(output["namespaces"]) == ["shared-reports"]
    assert output["namespaces"]["shared-reports"]["json_bytes"] > 100
    assert data_store_plugin.wait_for_counts()
    record = data_store_plugin.backend.get("alice", "shared-reports", "quarterly-report")
    assert record is not None and record.last_accessed_by_agent == "inventory"


def test_keyword_index_finds_documents_containing_every_word(run_example: RunExample) -> None:
    documents = {
        "d1": "Invoices for customer orders",
        "d2": "Orders ship every week",
        "d3": "Customer support hours",
    }
    run_example("keyword_index.py", {"action": "index", "documents": documents})
    found = run_example("keyword_index.py", {"action": "search", "query": "customer orders"})
    assert found.output == {
        "query": "customer orders",
        "results": [{"id": "d1", "text": "Invoices for customer orders"}],
    }


def test_keyword_index_forgets_words_a_reindexed_document_lost(run_example: RunExample) -> None:
    run_example("keyword_index.py", {"action": "index", "documents": {"d1": "red apples"}})
    output = run_example("keyword_index.py",
                         {"action": "index", "doc_id": "d1", "text": "green apples"}).output
    assert output["words_removed"] == 1
    assert run_example("keyword_index.py", {"query": "red"}).output["results"] == []
    assert [hit["id"] for hit in run_example("keyword_index.py",
                                             {"query": "apples"}).output["results"]] == ["d1"]


# --- through the command line, as the README walkthrough does ----------------------------


def test_counter_gives_1_2_3_in_three_cli_processes_on_one_sqlite_file(run_cli: RunCli) -> None:
    outputs = []
    for _ in range(3):
        done = run_cli("run", "examples/agents/counter.py", "--user", "alice", "--agent", "counter")
        assert done.returncode == 0, done.stderr
        outputs.append(json.loads(done.stdout))
    assert outputs == [{"count": 1}, {"count": 2}, {"count": 3}]


def test_cli_producer_then_consumer_share_a_report_and_another_user_sees_nothing(
    run_cli: RunCli,
) -> None:
    produced = run_cli("run", "examples/agents/producer.py", "--user", "alice",
                       "--agent", "report-producer")
    consumed = run_cli("run", "examples/agents/consumer.py", "--user", "alice",
                       "--agent", "report-consumer")
    other = run_cli("run", "examples/agents/consumer.py", "--user", "bob",
                    "--agent", "report-consumer")
    assert produced.returncode == consumed.returncode == other.returncode == 0
    assert json.loads(consumed.stdout)["report"] == json.loads(produced.stdout)["report"]
    assert json.loads(other.stdout) == {"found": False, "report": None}


def test_cli_trace_shows_printed_output_and_operations(run_cli: RunCli) -> None:
    done = run_cli("run", "examples/agents/counter.py", "--user", "alice", "--agent", "counter",
                   "--trace")
    assert done.returncode == 0, done.stderr
    assert "Hello! Counter 'runs' starts at 1" in done.stderr
    assert ("agent='counter' op='increment' namespace='default' key='runs' valuePreview='1'"
            in done.stderr)

