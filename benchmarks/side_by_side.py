"""What the data store benchmarks share: the agents they time and the side-by-side loop.

Each operation runs N times inside one sandboxed agent run, then N times as hand-written
calls of the raw client on an identically filled store, alternating over several rounds;
the median time per operation of each side gives the ratio. The sandbox side includes
everything a user pays: the sandbox, validation, the operation log and the end-of-run
access-tracking flush.

The benchmark scripts import this module from their own folder (run them as
``python benchmarks/bench_NAME.py``).
"""

from __future__ import annotations

import itertools
import json
import statistics
import time
from collections.abc import Callable, Mapping
from typing import Any

from agent_data_store.backends.base import Backend
from agent_data_store.records import Increment, RecordWrite, utc_now
from sandbox_host import ExecutionContext, SandboxHost

USER, NAMESPACE = "bench-user", "default"
WRITES = "writes"
"""Namespace the ``set`` benchmark writes to, so ``get_all`` keeps reading 1000 records."""
VALUE = {"title": "benchmark value", "numbers": list(range(10)), "nested": {"ok": True}}
RECORDS = 1000
"""Records of ``USER`` in ``NAMESPACE`` that both sides read: ``k0`` … ``k999``."""

_written = itertools.count()


def written_value() -> dict[str, Any]:
    """:data:`VALUE` with a number in it that no earlier call returned: what one round of a
    write benchmark writes, on either side, so that every round changes the records it
    writes, as storing new data does. Rewriting an unchanged value would cost a side that
    keeps no version almost nothing on SQLite, whose pager skips a row that is byte for byte
    what it holds (the raw side's timestamps have whole seconds)."""
    return {**VALUE, "written": next(_written)}


AGENTS = {
    "get": """
async def run(input_dict, tools):
    for i in range(input_dict["n"]):
        data_store.get("k" + str(i % 1000))
    return {}
""",
    "set": """
async def run(input_dict, tools):
    value = input_dict["value"]
    writes = data_store.use_namespace("writes")
    for i in range(input_dict["n"]):
        writes.set("w" + str(i), value)
    return {}
""",
    "get_many(100)": """
async def run(input_dict, tools):
    keys = ["k" + str(i) for i in range(100)]
    for i in range(input_dict["n"]):
        data_store.get_many(keys)
    return {}
""",
    "get_all(1000)": """
async def run(input_dict, tools):
    for i in range(input_dict["n"]):
        data_store.get_all()
    return {}
""",
    "set_many(100)": """
async def run(input_dict, tools):
    writes = data_store.use_namespace("writes")
    items = {"m" + str(i): input_dict["value"] for i in range(100)}
    for i in range(input_dict["n"]):
        writes.set_many(items)
    return {}
""",
}
"""The agents timed against the raw client; an operation the raw side does not implement
(``raw`` has no entry for it) is left out of that benchmark's table."""

SET_MANY_KEYS = [f"m{i}" for i in range(100)]
"""The keys the ``set_many(100)`` agent writes to :data:`WRITES`."""

ONE_GET_MANY = """
async def run(input_dict, tools):
    data_store.get_many(["k" + str(i) for i in range(100)])
    return {}
"""
"""A run whose only operation is one ``get_many(100)``: what tracking adds to a run."""

def counts_written(host: SandboxHost) -> None:
    """Wait until the access counts of the host's finished runs are written: they are
    written in the background right after each run, and must not land while the raw side
    is timed (nor be counted as its requests)."""
    for plugin in host.plugin_manager.get_plugins():
        wait = getattr(plugin, "wait_for_counts", None)
        if wait is not None and not wait(300.0):
            raise RuntimeError("access counts were not written within 300 s")


RawOperations = Mapping[str, Callable[[int], object]]
"""Operation name → a function doing that operation ``n`` times with the raw client."""


def time_side_by_side(
    host: SandboxHost,
    raw: RawOperations,
    sizes: Mapping[str, int],
    rounds: int,
    *,
    timeout_s: float = 300.0,
) -> list[dict[str, Any]]:
    """Time every agent of :data:`AGENTS` against ``raw``; one row per operation.

    Rows hold ``op``, ``ours_s`` and ``raw_s`` (median seconds per operation) and ``ratio``.
    """
    context = ExecutionContext(user_id=USER, agent_name="bench")
    rows = []
    for name, source in AGENTS.items():
        if name not in raw:
            continue
        n = sizes[name]
        ours_times, raw_times = [], []
        for _ in range(rounds):
            start = time.perf_counter()
            result = host.run_sync(source, input_dict={"n": n, "value": written_value()},
                                   context=context, timeout_s=timeout_s)
            ours_times.append((time.perf_counter() - start) / n)
            if result.error is not None or result.plugin_errors:
                raise RuntimeError(f"benchmark agent {name!r} failed: "
                                   f"{result.error or result.plugin_errors}")
            counts_written(host)
            start = time.perf_counter()
            raw[name](n)
            raw_times.append((time.perf_counter() - start) / n)
        ours, theirs = statistics.median(ours_times), statistics.median(raw_times)
        rows.append({"op": name, "ours_s": ours, "raw_s": theirs, "ratio": ours / theirs})
    return rows


def time_tracked_run(
    tracked: SandboxHost,
    untracked: SandboxHost,
    raw_get_many: Callable[[int], object],
    rounds: int,
    *,
    timeout_s: float = 300.0,
    runs: int = 10,
) -> dict[str, float]:
    """What access tracking adds to a run: :data:`ONE_GET_MANY` run with tracking and without,
    on hosts of the same backend, and the raw client's ``get_many(100)``; medians in seconds
    per run, sides alternating.

    Timed two ways. One at a time (``tracked_s``, ``untracked_s``): each run alone, its counts
    written in the background after it returns and before anything else is timed -- what a
    run costs its caller. Back to back (``busy_*``): ``runs`` runs in a row, so the counts of
    one are written while the next runs, as on a busy host where the database does the
    writes' work meanwhile; ``written_s`` runs until the last counts are written (what a run
    costs with ``tracking_write="end_of_run"``, roughly).
    """
    context = ExecutionContext(user_id=USER, agent_name="bench")
    labels = ("tracked", "untracked", "busy_tracked", "busy_untracked", "written", "raw")
    times: dict[str, list[float]] = {label: [] for label in labels}

    def run(host: SandboxHost) -> None:
        result = host.run_sync(ONE_GET_MANY, context=context, timeout_s=timeout_s)
        if result.error is not None or result.plugin_errors:
            raise RuntimeError(f"the get_many run failed: {result.error or result.plugin_errors}")

    for _ in range(rounds):
        for label, host in (("tracked", tracked), ("untracked", untracked)):
            start = time.perf_counter()
            run(host)
            times[label].append(time.perf_counter() - start)
            counts_written(host)
            start = time.perf_counter()
            for _ in range(runs):
                run(host)
            times[f"busy_{label}"].append((time.perf_counter() - start) / runs)
            counts_written(host)
            if label == "tracked":
                times["written"].append((time.perf_counter() - start) / runs)
        start = time.perf_counter()
        raw_get_many(1)
        times["raw"].append(time.perf_counter() - start)
    figures = {f"{label}_s": statistics.median(values) for label, values in times.items()}
    figures["tracked / untracked"] = figures["tracked_s"] / figures["untracked_s"]
    figures["busy tracked / untracked"] = figures["busy_tracked_s"] / figures["busy_untracked_s"]
    figures["written / untracked"] = figures["written_s"] / figures["busy_untracked_s"]
    figures["tracked / raw"] = figures["tracked_s"] / figures["raw_s"]
    return figures


def print_tracked_run(figures: Mapping[str, float], unit: str = "ms") -> None:
    """Print :func:`time_tracked_run`'s figures."""
    scale = 1e3 if unit == "ms" else 1e6
    print("\nruns with one get_many(100) each; access counts written in the background:")
    print(f"  one at a time: tracked {figures['tracked_s'] * scale:.2f} {unit}, untracked "
          f"{figures['untracked_s'] * scale:.2f} {unit}, raw get_many "
          f"{figures['raw_s'] * scale:.2f} {unit}")
    print(f"  back to back:  tracked {figures['busy_tracked_s'] * scale:.2f} {unit}, untracked "
          f"{figures['busy_untracked_s'] * scale:.2f} {unit}, until the counts are written "
          f"{figures['written_s'] * scale:.2f} {unit}")
    print(f"  tracked / untracked {figures['tracked / untracked']:5.2f}x one at a time, "
          f"{figures['busy tracked / untracked']:5.2f}x back to back; written / untracked "
          f"{figures['written / untracked']:5.2f}x; tracked / raw {figures['tracked / raw']:5.2f}x")


def print_table(
    rows: list[dict[str, Any]],
    raw_label: str,
    unit: str = "ms",
    extra: tuple[str, Mapping[str, object]] | None = None,
) -> None:
    """Print the rows as a table in ``unit`` (``ms`` or ``us``), with an optional column."""
    scale = 1e3 if unit == "ms" else 1e6
    header = f"{'operation':<16}{'sandbox+store':>16}{raw_label:>14}{'ratio':>8}"
    print(header + (f"  {extra[0]}" if extra else ""))
    for row in rows:
        line = (f"{row['op']:<16}{row['ours_s'] * scale:>13.2f} {unit}"
                f"{row['raw_s'] * scale:>11.2f} {unit}{row['ratio']:>7.2f}x")
        print(line + (f"  {extra[1][row['op']]}" if extra else ""))


ATOMIC = "atomic"
"""Namespace the atomic operations' round-trip counts write to."""


def atomic_operations(backend: Backend) -> dict[str, Callable[[], object]]:
    """The backend calls behind each atomic operation, in an order where each finds the state
    its name says (run them in order, once); every benchmark counts their round trips."""
    now, text = utc_now(), json.dumps(VALUE)

    def write(key: str) -> RecordWrite:
        return RecordWrite(USER, ATOMIC, key, text, None, "bench", now)

    def add(amount: float) -> Callable[[], object]:
        return lambda: backend.increment(Increment(USER, ATOMIC, "counter", amount, "bench", now))

    lock = write("lock")
    return {
        "increment of a new key": add(1),
        "increment of a number": add(1),
        "increment by a float": add(0.5),
        "set_if_absent of a new key": lambda: backend.put_if(lock, None),
        "set_if_absent of an existing key": lambda: backend.put_if(write("lock"), None),
        "compare_and_set, current version": lambda: backend.put_if(write("lock"), lock.version),
        "compare_and_set, stale version": lambda: backend.put_if(write("lock"), lock.version),
        "get_record": lambda: backend.get(USER, ATOMIC, "lock"),
    }
