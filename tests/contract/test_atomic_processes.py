"""Contract: atomic operations hold between processes, on SQLite and on each real server.

Every process opens its own backend on the same store, as separate agent hosts do. The
memory backend is private to one process, so it is checked with threads (the last tests)
together with every other backend.
"""

from __future__ import annotations

import functools
from collections import Counter
from multiprocessing.synchronize import Barrier
from typing import Any

import pytest

from agent_data_store import StoreConfig, open_backend
from agent_data_store.store import DataStoreHandle
from tests.conftest import BACKEND_NAMES, StoreFactory
from tests.processes import in_processes
from tests.threads import in_threads

SHARED_BACKENDS = [name for name in BACKEND_NAMES if name != "memory"]

INCREMENTERS, INCREMENTS = 32, 50
CONTENDERS, ROUNDS = 32, 20
UPDATERS, UPDATES = 16, 8


@pytest.fixture(params=SHARED_BACKENDS)
def shared_config(request: pytest.FixtureRequest) -> StoreConfig:
    """A fresh store that several processes can open: SQLite and each server.

    With a long timeout: 32 processes on a loaded machine can make one wait for SQLite's
    write lock longer than the default 5 s, which is not what these tests are about.
    """
    config: StoreConfig = request.getfixturevalue(f"{request.param}_store_config")
    return config.model_copy(update={"timeout_s": 60.0})


def _read(config: StoreConfig, *keys: str) -> dict[str, Any]:
    """The stored values of ``keys`` that exist, read with a backend of the test's own."""
    backend = open_backend(config)
    try:
        return {key: record.value
                for key, record in backend.get_many("alice", "default", keys).items()}
    finally:
        backend.close()


def _write(config: StoreConfig, key: str, value: Any) -> None:
    from agent_data_store.store import DataStore, agent_handle
    from agent_data_store.tracking import RunState

    backend = open_backend(config)
    try:
        store = agent_handle(DataStore(lambda: backend, config, "alice", "setup", RunState("s")))
        store.set(key, value)
    finally:
        backend.close()


# -- work done in each process -----------------------------------------------------------


def count_up(times: int, index: int, barrier: Barrier, store: DataStoreHandle) -> list[int]:
    barrier.wait()
    return [store.increment("counter") for _ in range(times)]


def contend_for_lock(rounds: int, index: int, barrier: Barrier, store: DataStoreHandle
                     ) -> list[bool]:
    # A key per round: pouchdb-server 4.2 (the CouchDB test server) can crash when many
    # clients recreate one deleted document at once, which CouchDB itself handles.
    won = []
    for round_ in range(rounds):
        barrier.wait()
        won.append(store.set_if_absent(f"lock:{round_}", {"owner": index}, ttl=60))
    return won


def update_with_compare_and_set(updates: int, index: int, barrier: Barrier,
                                store: DataStoreHandle) -> int:
    barrier.wait()
    attempts = done = 0
    while done < updates:
        attempts += 1
        record = store.get_record("shared")
        assert record is not None
        value = record["value"]
        changed = {"total": value["total"] + 1, "by": [*value["by"], index]}
        if store.compare_and_set("shared", changed, record["version"]):
            done += 1
    return attempts


# -- the contract ------------------------------------------------------------------------


def test_concurrent_increments_from_processes_all_add_up(shared_config: StoreConfig) -> None:
    results = in_processes(INCREMENTERS, shared_config, functools.partial(count_up, INCREMENTS))
    total = INCREMENTERS * INCREMENTS
    assert _read(shared_config, "counter") == {"counter": total}
    # Each increment saw its own new value: no two processes ever added to the same number.
    assert sorted(value for values in results for value in values) == list(range(1, total + 1))


def test_set_if_absent_from_processes_has_one_winner_per_round(
    shared_config: StoreConfig,
) -> None:
    results = in_processes(CONTENDERS, shared_config, functools.partial(contend_for_lock, ROUNDS))
    locks = _read(shared_config, *(f"lock:{round_}" for round_ in range(ROUNDS)))
    for round_ in range(ROUNDS):
        winners = [index for index, won in enumerate(results) if won[round_]]
        assert len(winners) == 1
        assert locks[f"lock:{round_}"] == {"owner": winners[0]}


def test_compare_and_set_from_processes_loses_no_update(shared_config: StoreConfig) -> None:
    _write(shared_config, "shared", {"total": 0, "by": []})
    in_processes(UPDATERS, shared_config, functools.partial(update_with_compare_and_set, UPDATES))
    final = _read(shared_config, "shared")["shared"]
    assert final["total"] == UPDATERS * UPDATES
    assert Counter(final["by"]) == dict.fromkeys(range(UPDATERS), UPDATES)


def test_concurrent_increments_from_threads_all_add_up(make_store: StoreFactory) -> None:
    seen: list[int] = []

    def work(index: int) -> None:
        store = make_store(agent=f"agent-{index}")
        seen.extend(store.increment("counter") for _ in range(10))

    in_threads(8, work)
    assert make_store().get("counter") == 80
    assert sorted(seen) == list(range(1, 81))


def test_set_if_absent_from_threads_has_one_winner(make_store: StoreFactory) -> None:
    won: list[bool] = []
    in_threads(8, lambda index: won.append(make_store().set_if_absent("lock", index)))
    assert won.count(True) == 1
