"""Running test work in separate processes that start together, for cross-process tests.

Threads share one backend object (one connection pool, one lock in the memory backend);
processes share nothing but the database, as concurrent agent runs of separate hosts do.
Children come from a ``forkserver`` that imported the backends once, so starting 32 of them
costs little, and no child inherits a parent's connections or gRPC channels.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import queue
import traceback
from collections.abc import Callable
from multiprocessing.synchronize import Barrier
from typing import Any

from agent_data_store import StoreConfig, open_backend
from agent_data_store.backends.base import Backend
from agent_data_store.backends.dynamodb_client import DynamoDBClient
from agent_data_store.store import DataStore, DataStoreHandle, agent_handle
from agent_data_store.tracking import RunState

PRELOAD = [
    "agent_data_store.backends.sqlite",
    "agent_data_store.backends.couchdb",
    "agent_data_store.backends.dynamodb",
    "agent_data_store.backends.firestore",
    "tests.processes",
]
"""Modules the fork server imports once, so that children start without importing them."""

TIMEOUT_S = 300.0
"""How long all children together may take before the test fails (and they are killed)."""

_PASSED_ENVIRONMENT = ("AWS_", "FIRESTORE_EMULATOR_HOST")
"""Variables the children need to reach the test servers, passed explicitly because the fork
server may have started before a fixture set them."""

Work = Callable[[int, Barrier, DataStoreHandle], Any]

# Building one DynamoDB client parses botocore's service descriptions into the loader every
# client of a process shares; done here, at import in the fork server, children inherit it.
DynamoDBClient("warm-up", endpoint_url="http://127.0.0.1:9").close()


def in_processes(count: int, config: StoreConfig, work: Work) -> list[Any]:
    """Run ``work(index, barrier, data_store)`` in ``count`` processes; return the results.

    Each process opens its own backend on ``config`` and gets a ``data_store`` for user
    ``alice`` as agent ``agent-{index}``; ``barrier`` (of ``count`` parties) lines them up.
    Tracking is flushed when the work returns. Results come back in index order; the first
    failure of a child is raised here with its traceback.
    """
    context = multiprocessing.get_context("forkserver")
    # Preloading the work's own module too (a test module) spares every child importing it.
    context.set_forkserver_preload([*PRELOAD, getattr(work, "func", work).__module__])
    barrier = context.Barrier(count)
    results: multiprocessing.Queue[tuple[int, bool, Any]] = context.Queue()
    environment = {
        name: value for name, value in os.environ.items() if name.startswith(_PASSED_ENVIRONMENT)
    }
    children = [
        context.Process(target=_child, args=(index, barrier, results, config.model_dump_json(),
                                             environment, work))
        for index in range(count)
    ]
    for child in children:
        child.start()
    collected: dict[int, Any] = {}
    try:
        for _ in children:
            index, ok, result = results.get(timeout=TIMEOUT_S)
            if not ok:
                raise AssertionError(f"process {index} failed:\n{result}")
            collected[index] = result
    except queue.Empty:
        raise AssertionError(f"only {len(collected)} of {count} processes finished") from None
    finally:
        for child in children:
            child.join(timeout=10)
            if child.is_alive():
                child.kill()
                child.join()
    return [collected[index] for index in range(count)]


def _child(index: int, barrier: Barrier, results: multiprocessing.Queue[tuple[int, bool, Any]],
           config_json: str, environment: dict[str, str], work: Work) -> None:
    os.environ.update(environment)
    backend: Backend | None = None
    try:
        config = StoreConfig.model_validate_json(config_json)
        backend = open_backend(config)
        opened = backend
        run = RunState(f"agent-{index}")
        store = agent_handle(DataStore(lambda: opened, config, "alice", f"agent-{index}", run))
        result = work(index, barrier, store)
        run.tracker.flush(backend)
        results.put((index, True, result))
    except BaseException:
        barrier.abort()  # the others must not wait for this one at a barrier
        results.put((index, False, traceback.format_exc()))
    finally:
        if backend is not None:
            with contextlib.suppress(Exception):
                backend.close()
