"""Contract: concurrent runs lose no tracking counts and no writes of different keys."""

from __future__ import annotations

from agent_data_store import Backend
from agent_data_store.tracking import RunState
from tests.conftest import StoreFactory
from tests.threads import in_threads

RUNS = 6


def test_concurrent_runs_count_every_access_exactly(
    make_store: StoreFactory, backend: Backend
) -> None:
    make_store().set_many({"hot": 1, "warm": 2})

    def run(index: int) -> None:
        state = RunState(f"agent-{index}")
        store = make_store(agent=f"agent-{index}", run=state)
        for _ in range(5):
            store.get("hot")
        store.get_many(["hot", "warm"])
        state.tracker.flush(backend)

    in_threads(RUNS, run)
    hot = backend.get("alice", "default", "hot")
    warm = backend.get("alice", "default", "warm")
    assert hot is not None and warm is not None
    assert hot.access_count == RUNS * 6
    assert warm.access_count == RUNS


def test_concurrent_writers_of_different_keys_lose_nothing(
    make_store: StoreFactory, backend: Backend
) -> None:
    def run(index: int) -> None:
        store = make_store(agent=f"writer-{index}").use_namespace("shared")
        for n in range(5):
            store.set(f"w{index}-{n}", n)
        store.set_many({f"bulk{index}-{n}": n for n in range(5)})

    in_threads(RUNS, run)
    keys = make_store().use_namespace("shared").list_keys()
    assert len(keys) == RUNS * 10


def test_concurrent_writers_of_one_key_last_write_wins(
    make_store: StoreFactory, backend: Backend
) -> None:
    make_store().set("contested", -1)

    def run(index: int) -> None:
        store = make_store(agent=f"writer-{index}")
        for n in range(3):
            store.set("contested", {"writer": index, "n": n}, {f"m{index}": n})

    in_threads(RUNS, run)
    record = backend.get("alice", "default", "contested")
    assert record is not None
    assert record.value["n"] == 2
    assert record.created_by_agent == "agent-a"
    assert record.last_accessed_by_agent == f"writer-{record.value['writer']}"


def test_tracking_and_overwrites_together_keep_every_count(
    make_store: StoreFactory, backend: Backend
) -> None:
    make_store().set("k", 0)

    def run(index: int) -> None:
        if index % 2:
            make_store(agent=f"w{index}").set("k", index)
            return
        state = RunState(f"r{index}")
        store = make_store(agent=f"r{index}", run=state)
        for _ in range(4):
            store.get("k")
        state.tracker.flush(backend)

    in_threads(RUNS, run)
    record = backend.get("alice", "default", "k")
    assert record is not None
    assert record.access_count == 4 * len([i for i in range(RUNS) if i % 2 == 0])
