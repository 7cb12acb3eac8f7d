"""Isolation modes side by side: concurrent runs against a slow backend, and per-run cost.

    python benchmarks/bench_concurrency.py [--quick]

1. **Slow backend.** 32 runs at once, each doing 20 ``data_store.get`` calls, against the
   in-memory backend wrapped so that every call takes 5 ms (a stand-in for a database
   round trip; the sleep releases the GIL as network waits do). Measured: one run alone,
   then 32 awaited together on one event loop, per mode. In ``inline`` mode each blocking
   call stalls the loop, so 32 runs take ~32 times one run; ``thread`` (target: at most
   3x) and ``process`` do not. Backend calls are counted: 20 reads per run, plus the
   access-tracking flush when the run ends.
2. **Per-run overhead.** A trivial agent awaited in a running loop, medians side by side:
   ``thread`` minus ``inline`` (target: at most +50 µs), ``process`` minus ``inline``
   (target: at most +1 ms with a warm pool).
3. **Runs per second** of each mode: trivial runs awaited 16 at a time for a while.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import threading
import time
from collections.abc import Sequence
from typing import Any

from side_by_side import counts_written

from agent_data_store import DataStorePlugin, StoreConfig
from agent_data_store.backends.memory import MemoryBackend
from sandbox_host import ExecutionContext, SandboxHost

MODES = ("inline", "thread", "process")
READS = 20
CONCURRENT_RUNS = 32
LATENCY_S = 0.005

READER = f"""
async def run(input_dict, tools):
    found = 0
    for i in range({READS}):
        if data_store.get("key-" + str(i % 4)) is not None:
            found += 1
    return {{"found": found}}
"""

TRIVIAL = """
async def run(input_dict, tools):
    return {"ok": True}
"""

TARGETS = {"thread_concurrency": 3.0, "thread_overhead_us": 50.0, "process_overhead_us": 1000.0}


class SlowBackend(MemoryBackend):
    """The memory backend with a fixed latency per call, counting its calls."""

    scheme = "memory"

    def __init__(self, latency_s: float) -> None:
        super().__init__()
        self.latency_s = latency_s
        self.calls = 0
        self._count_lock = threading.Lock()

    def _round_trip(self) -> None:
        with self._count_lock:
            self.calls += 1
        time.sleep(self.latency_s)

    def get_value_json(self, user_id: str, namespace: str, key: str) -> str | None:
        self._round_trip()
        return super().get_value_json(user_id, namespace, key)

    def record_accesses(self, accesses: Any) -> None:
        self._round_trip()
        super().record_accesses(accesses)


def _host(mode: str, backend: MemoryBackend) -> SandboxHost:
    plugin = DataStorePlugin(StoreConfig(url="memory://"), backend=backend)
    return SandboxHost([plugin], load_entry_points=False, isolation=mode)  # type: ignore[arg-type]


def _context(i: int = 0) -> ExecutionContext:
    return ExecutionContext(user_id="bench", agent_name=f"reader-{i}")


def slow_backend(mode: str, runs: int) -> dict[str, float]:
    """Seconds for one run and for ``runs`` concurrent runs, and backend calls per run."""
    backend = SlowBackend(LATENCY_S)
    host = _host(mode, backend)
    seed = 'async def run(i, t):\n    data_store.set_many({"key-0": 0, "key-1": 1, ' \
           '"key-2": 2, "key-3": 3})\n    return {}'
    host.run_sync(seed, context=_context())

    async def one() -> float:
        started = time.perf_counter()
        result = await host.run(READER, context=_context())
        assert result.output == {"found": READS}, result.error
        return time.perf_counter() - started

    async def many() -> float:
        started = time.perf_counter()
        results = await asyncio.gather(
            *(host.run(READER, context=_context(i)) for i in range(runs))
        )
        assert all(r.output == {"found": READS} for r in results), results[0].error
        return time.perf_counter() - started

    asyncio.run(one())  # warm up (worker processes, threads)
    counts_written(host)
    calls_before = backend.calls
    single = asyncio.run(one())
    counts_written(host)  # the access counts' write, in the background, is the run's too
    calls_per_run = backend.calls - calls_before
    together = asyncio.run(many())
    host.close()
    return {"single": single, "together": together, "calls_per_run": calls_per_run}


def overhead(repeats: int) -> dict[str, float]:
    """Median µs per trivial run awaited in a running loop, per mode."""
    hosts = {mode: SandboxHost(load_entry_points=False, isolation=mode) for mode in MODES}
    context = _context()

    async def measure() -> dict[str, list[float]]:
        times: dict[str, list[float]] = {mode: [] for mode in MODES}
        for host in hosts.values():  # warm up
            for _ in range(20):
                await host.run(TRIVIAL, context=context)
        for _ in range(repeats):
            for mode, host in hosts.items():
                started = time.perf_counter()
                await host.run(TRIVIAL, context=context)
                times[mode].append(time.perf_counter() - started)
        return times

    times = asyncio.run(measure())
    for host in hosts.values():
        host.close()
    return {mode: statistics.median(values) * 1e6 for mode, values in times.items()}


def throughput(seconds: float) -> dict[str, float]:
    """Trivial runs per second, 16 awaited at a time, per mode."""
    rates: dict[str, float] = {}
    context = _context()

    async def measure(host: SandboxHost) -> float:
        done = 0
        started = time.perf_counter()
        while time.perf_counter() - started < seconds:
            await asyncio.gather(*(host.run(TRIVIAL, context=context) for _ in range(16)))
            done += 16
        return done / (time.perf_counter() - started)

    for mode in MODES:
        host = SandboxHost(load_entry_points=False, isolation=mode)  # type: ignore[arg-type]
        asyncio.run(measure(host))  # warm up
        rates[mode] = asyncio.run(measure(host))
        host.close()
    return rates


def main(argv: Sequence[str] | None = None) -> dict[str, float]:
    """Run the benchmark, print the tables, return the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="tiny sizes, for smoke tests")
    args = parser.parse_args(argv)
    runs, repeats, seconds = (4, 10, 0.2) if args.quick else (CONCURRENT_RUNS, 300, 2.0)
    figures: dict[str, float] = {}

    print(f"1. {runs} concurrent runs x {READS} data_store.get, backend latency "
          f"{LATENCY_S * 1000:g} ms per call")
    print(f"{'mode':<8} {'one run ms':>11} {f'{runs} runs ms':>12} {'ratio':>7} "
          f"{'calls/run':>10} {'target':>8}")
    for mode in MODES:
        measured = slow_backend(mode, runs)
        ratio = measured["together"] / measured["single"]
        figures[f"{mode}_concurrency"] = ratio
        figures[f"{mode}_calls_per_run"] = measured["calls_per_run"]
        target = TARGETS.get(f"{mode}_concurrency")
        verdict = "" if target is None else ("ok" if ratio <= target else "OVER TARGET")
        print(f"{mode:<8} {measured['single'] * 1000:>11.1f} {measured['together'] * 1000:>12.1f} "
              f"{ratio:>6.1f}x {measured['calls_per_run']:>10.0f} "
              f"{'' if target is None else f'<= {target:g}x':>8} {verdict}")

    print("\n2. Per-run overhead of a trivial agent, awaited in a running loop (median µs)")
    medians = overhead(repeats)
    for mode in MODES:
        extra = medians[mode] - medians["inline"]
        figures[f"{mode}_us"] = medians[mode]
        target = TARGETS.get(f"{mode}_overhead_us")
        line = f"{mode:<8} {medians[mode]:>9.1f} µs"
        if mode != "inline":
            figures[f"{mode}_overhead_us"] = extra
            verdict = "" if target is None else ("ok" if extra <= target else "OVER TARGET")
            line += f"   {extra:+8.1f} µs vs inline   (target <= +{target:g} µs) {verdict}"
        print(line)

    print("\n3. Runs per second (trivial agent, 16 awaited at a time)")
    for mode, rate in throughput(seconds).items():
        figures[f"{mode}_runs_per_s"] = rate
        print(f"{mode:<8} {rate:>9.0f} runs/s")
    return figures


if __name__ == "__main__":
    main()
    sys.exit(0)
