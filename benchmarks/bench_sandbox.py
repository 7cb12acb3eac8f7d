"""Per-run overhead of the sandbox host against plain ``exec`` + ``asyncio``, side by side.

    python benchmarks/bench_sandbox.py [--quick]

Two agents run both ways, repetitions interleaved so drift hits both equally, medians
compared:

* ``trivial`` -- returns a small dict; measures the fixed cost of a (cached) run.
* ``loop`` -- a million iterations of arithmetic and dict/list subscripts; measures the
  per-operation cost of the guards and limit checks.

"Plain" compiles the same source once with ``compile()`` and per run does ``exec`` into
fresh globals and runs ``run()`` with ``asyncio.run``; the sandbox does ``run_sync``. A
second table compares both inside one already running event loop (no loop start-up).
Targets: trivial <= 2x, loop <= 3x, one compile per source.
"""

from __future__ import annotations

import argparse
import asyncio
import builtins
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

from sandbox_host import ExecutionContext, SandboxHost
from sandbox_host.compiler import AgentCompiler

TRIVIAL = """
async def run(input_dict, tools):
    return {"ok": True, "n": input_dict["n"]}
"""

LOOP = """
async def run(input_dict, tools):
    counts = {"even": 0, "odd": 0}
    values = [0] * 16
    total = 0
    for i in range(input_dict["n"]):
        values[i % 16] = values[(i + 1) % 16] + i * 3
        if i % 2 == 0:
            counts["even"] += 1
        else:
            counts["odd"] += 1
        total += values[i % 16] % 7
    return {"total": total, "counts": counts}
"""

TARGETS = {"trivial": 2.0, "loop": 3.0}


def plain_runner(source: str) -> tuple[Callable[[dict[str, Any]], Any], Any]:
    """A sync and an async runner of ``source`` without the sandbox, compiled once."""
    code = compile(source, "<plain>", "exec")

    def fresh_run() -> Any:
        run_globals: dict[str, Any] = {"__builtins__": builtins}
        exec(code, run_globals)
        return run_globals["run"]

    def run_sync(input_dict: dict[str, Any]) -> Any:
        return asyncio.run(fresh_run()(input_dict, {}))

    async def run_async(input_dict: dict[str, Any]) -> Any:
        return await fresh_run()(input_dict, {})

    return run_sync, run_async


def timed(call: Callable[[], Any]) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def compare_sync(
    host: SandboxHost, context: ExecutionContext, source: str, n: int, repeats: int
) -> tuple[float, float]:
    """Median seconds per run: plain exec + asyncio.run vs. the sandbox's run_sync."""
    plain, _ = plain_runner(source)
    input_dict = {"n": n}
    expected = plain(input_dict)
    result = host.run_sync(source, input_dict, context=context)
    if result.output != expected:
        raise AssertionError(f"sandbox and plain disagree: {result.output} != {expected}")
    plain_times, sandbox_times = [], []
    for _ in range(repeats):
        plain_times.append(timed(lambda: plain(input_dict)))
        sandbox_times.append(timed(lambda: host.run_sync(source, input_dict, context=context)))
    return statistics.median(plain_times), statistics.median(sandbox_times)


def compare_in_loop(
    host: SandboxHost, context: ExecutionContext, source: str, n: int, repeats: int
) -> tuple[float, float]:
    """Median seconds per run inside one running event loop (no loop start-up cost)."""
    _, plain = plain_runner(source)
    input_dict = {"n": n}

    async def measure() -> tuple[float, float]:
        plain_times, sandbox_times = [], []
        for _ in range(repeats):
            started = time.perf_counter()
            await plain(input_dict)
            plain_times.append(time.perf_counter() - started)
            started = time.perf_counter()
            await host.run(source, input_dict, context=context)
            sandbox_times.append(time.perf_counter() - started)
        return statistics.median(plain_times), statistics.median(sandbox_times)

    return asyncio.run(measure())


def format_row(name: str, plain: float, sandbox: float, target: float | None) -> str:
    ratio = sandbox / plain
    verdict = "" if target is None else ("ok" if ratio <= target else "OVER TARGET")
    target_text = "" if target is None else f"<= {target:g}x"
    return (
        f"{name:<10} {plain * 1e6:>12.1f} {sandbox * 1e6:>12.1f} {ratio:>7.2f}x "
        f"{target_text:>8} {verdict}"
    )


def main(argv: Sequence[str] | None = None) -> dict[str, float]:
    """Run the benchmark, print the tables, and return the measured ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="tiny sizes, for smoke tests")
    args = parser.parse_args(argv)
    loop_n, trivial_repeats, loop_repeats = (1_000, 5, 3) if args.quick else (1_000_000, 2_000, 9)

    compiler = AgentCompiler()
    host = SandboxHost(load_entry_points=False, compiler=compiler)
    context = ExecutionContext(user_id="bench", agent_name="bench")
    header = f"{'agent':<10} {'plain µs':>12} {'sandbox µs':>12} {'ratio':>8} {'target':>8}"
    ratios: dict[str, float] = {}

    print("Each run with its own event loop (plain: exec + asyncio.run; sandbox: run_sync)")
    print(header)
    for name, source, n, repeats in (
        ("trivial", TRIVIAL, 1, trivial_repeats),
        ("loop", LOOP, loop_n, loop_repeats),
    ):
        plain, sandbox = compare_sync(host, context, source, n, repeats)
        ratios[name] = sandbox / plain
        print(format_row(name, plain, sandbox, TARGETS[name]))

    print("\nInside one running event loop (plain: exec + await; sandbox: await host.run)")
    print(header)
    for name, source, n, repeats in (
        ("trivial", TRIVIAL, 1, trivial_repeats),
        ("loop", LOOP, loop_n, loop_repeats),
    ):
        plain, sandbox = compare_in_loop(host, context, source, n, repeats)
        ratios[f"{name}_in_loop"] = sandbox / plain
        print(format_row(name, plain, sandbox, None))

    ratios["compiles"] = compiler.compile_count
    print(f"\ncompiles: {compiler.compile_count} for 2 sources (cached by source hash)")
    return ratios


if __name__ == "__main__":
    main()
    sys.exit(0)
