"""What quota checks cost: the requests each ``data_store`` operation sends, quotas off and on.

Shared by the backend benchmarks, each of which counts requests its own way (SQL statements,
HTTP requests). The operations run through :class:`~agent_data_store.store.DataStore`, where
the check is made, over the benchmark's populated backend.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any

from side_by_side import NAMESPACE, USER, VALUE

from agent_data_store import Backend, StoreConfig
from agent_data_store.store import DataStore
from agent_data_store.tracking import RunState

Counting = Callable[[], AbstractContextManager[list[Any]]]
"""Collects what the backend sends while the block runs."""

_new_keys: Iterator[int] = iter(range(10**9))


def _operations(store: DataStore) -> dict[str, Callable[[], object]]:
    keys = [f"k{i}" for i in range(100)]
    return {
        "get": lambda: store.get("k1"),
        "set of a new key": lambda: store.set(f"new-{next(_new_keys)}", VALUE),
        "set of an existing key": lambda: store.set("k1", VALUE),
        "set_many(100) existing": lambda: store.set_many(dict.fromkeys(keys, VALUE)),
        "increment": lambda: store.increment("quota-counter"),
        "delete of a missing key": lambda: store.delete("missing"),
    }


def quota_costs(backend: Backend, config: StoreConfig, counting: Counting
                ) -> dict[str, dict[str, int]]:
    """Operation → ``{"off": n, "on": n, "at the limit": n}`` requests sent.

    "on" has a default quota far above the usage; "at the limit" a record quota equal to
    the user's records, so a write that might add a record reads the records it replaces.
    """
    limits = {"off": {}, "on": {"quota_records": 10**9, "quota_bytes": 10**12}}
    counts: dict[str, dict[str, int]] = {}
    for label, overrides in limits.items():
        store = DataStore(lambda: backend, config.model_copy(update=overrides), USER, "bench",
                          RunState("bench"), NAMESPACE)
        for name, operation in _operations(store).items():
            operation()  # once first, so that "new" and "existing" mean the same each time
            with counting() as sent:
                operation()
            counts.setdefault(name, {})[label] = len(sent)
    at_limit = config.model_copy(update={"quota_records": backend.user_usage(USER).records})
    store = DataStore(lambda: backend, at_limit, USER, "bench", RunState("bench"), NAMESPACE)
    for name, operation in _operations(store).items():
        if name in ("set of an existing key", "set_many(100) existing", "increment"):
            with counting() as sent:
                operation()
            counts[name]["at the limit"] = len(sent)
    return counts


def print_costs(costs: dict[str, dict[str, int]], unit: str) -> None:
    """The counts as a table."""
    print(f"\n{unit} per operation, quotas off / on / on at the limit:")
    for name, count in costs.items():
        at_limit = count.get("at the limit")
        extra = f" / {at_limit}" if at_limit is not None else ""
        print(f"  {name:<28} {count['off']} / {count['on']}{extra}")
