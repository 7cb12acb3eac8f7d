"""The runner: results, errors pointing at the agent's line, limits, caching, isolation."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from sandbox_host import ExecutionContext, SandboxHost
from sandbox_host.compiler import AgentCompiler
from tests.sandbox.conftest import RunAgent, agent_body


def test_returns_the_dict_run_returned(run_agent: RunAgent) -> None:
    result = run_agent(
        agent_body('return {"greeting": "hi " + input_dict["name"]}'), {"name": "Ada"}
    )
    assert result.ok
    assert result.output == {"greeting": "hi Ada"}
    assert result.error is None


def test_sync_and_async_tools_are_passed_as_given(
    host: SandboxHost, context: ExecutionContext
) -> None:
    async def fetch(url: str) -> str:
        return "page:" + url

    tools: dict[str, Any] = {"upper": str.upper, "fetch": fetch}
    source = agent_body('return {"u": tools["upper"]("a"), "f": await tools["fetch"]("x")}')
    result = host.run_sync(source, {}, tools, context=context)
    assert result.output == {"u": "A", "f": "page:x"}


def test_run_awaits_inside_a_running_event_loop(
    host: SandboxHost, context: ExecutionContext
) -> None:
    async def main() -> Any:
        return await host.run(agent_body('return {"ok": True}'), context=context)

    assert asyncio.run(main()).output == {"ok": True}


def test_missing_run_is_a_clear_error(run_agent: RunAgent) -> None:
    result = run_agent("x = 1\n")
    assert result.error is not None
    assert result.error.type == "AgentDefinitionError"
    assert "async def run(input_dict, tools)" in result.error.message


def test_synchronous_run_is_a_clear_error(run_agent: RunAgent) -> None:
    result = run_agent("def run(input_dict, tools):\n    return {}\n")
    assert result.error is not None
    assert result.error.type == "AgentDefinitionError"
    assert "must be defined in the agent as `async def run" in result.error.message


def test_run_with_the_wrong_parameters_is_a_clear_error(run_agent: RunAgent) -> None:
    result = run_agent("async def run(a, b, c):\n    return {}\n")
    assert result.error is not None
    assert result.error.type == "AgentDefinitionError"
    assert "must take two arguments" in result.error.message


def test_run_that_is_not_the_agents_own_function_is_refused(run_agent: RunAgent) -> None:
    result = run_agent("import asyncio\nrun = asyncio.sleep\n")
    assert result.error is not None
    assert result.error.type == "AgentDefinitionError"


def test_result_must_be_a_dict(run_agent: RunAgent) -> None:
    result = run_agent(agent_body("return [1, 2]"))
    assert result.error is not None
    assert result.error.type == "AgentResultError"
    assert "must return a dict, not list" in result.error.message


def test_result_must_be_json_serialisable(run_agent: RunAgent) -> None:
    result = run_agent(agent_body('return {"when": object()}'))
    assert result.error is not None
    assert result.error.type == "AgentResultError"
    assert "JSON-serialisable" in result.error.message


def test_result_with_nan_is_refused(run_agent: RunAgent) -> None:
    result = run_agent(agent_body('return {"x": float("nan")}'))
    assert result.error is not None
    assert result.error.type == "AgentResultError"


def test_result_is_a_plain_json_copy(run_agent: RunAgent) -> None:
    result = run_agent(agent_body('return {"t": (1, 2), "n": {"3": "x"}}'))
    assert result.output == {"t": [1, 2], "n": {"3": "x"}}


def test_result_with_a_non_string_key_is_refused_not_changed(run_agent: RunAgent) -> None:
    result = run_agent(agent_body('return {"n": {1: "a", "1": "b"}}'))
    assert result.error is not None
    assert result.error.type == "AgentResultError"
    assert "key of type int at result['n']" in result.error.message


def test_runtime_error_points_at_the_agents_line(run_agent: RunAgent) -> None:
    result = run_agent(
        """
        def helper(d):
            return d["missing"]

        async def run(input_dict, tools):
            return helper({})
        """
    )
    assert result.error is not None
    assert result.error.type == "KeyError"
    assert result.error.line == 3
    assert result.error.source_line == 'return d["missing"]'


def test_compile_error_points_at_the_agents_line(run_agent: RunAgent) -> None:
    result = run_agent("async def run(input_dict, tools):\n    x = 1\n    return x.__globals__\n")
    assert result.error is not None
    assert result.error.type == "CompileError"
    assert result.error.line == 3
    assert result.error.source_line == "return x.__globals__"


def test_syntax_error_is_reported_with_its_line(run_agent: RunAgent) -> None:
    result = run_agent("async def run(input_dict, tools):\n    return {\n")
    assert result.error is not None
    assert result.error.type == "CompileError"
    assert result.error.line == 2


def test_source_is_compiled_once_and_reused(context: ExecutionContext) -> None:
    compiler = AgentCompiler()
    host = SandboxHost(load_entry_points=False, compiler=compiler)
    source = agent_body('return {"n": input_dict["n"]}')
    outputs = [host.run_sync(source, {"n": n}, context=context).output for n in range(3)]
    host.run_sync(source + "\n# another source\n", context=context)
    assert outputs == [{"n": 0}, {"n": 1}, {"n": 2}]
    assert compiler.compile_count == 2


def test_cpu_bound_loop_that_never_awaits_is_stopped_by_the_deadline(
    context: ExecutionContext,
) -> None:
    host = SandboxHost(load_entry_points=False, timeout_s=0.3)
    started = time.monotonic()
    result = host.run_sync(agent_body("while True:\n    pass"), context=context)
    assert time.monotonic() - started < 2
    assert result.error is not None
    assert result.error.type == "ExecutionTimeout"
    assert "time limit of 0.3 s" in result.error.message
    assert result.error.source_line == "while True:"


def test_operation_budget_stops_long_loops(context: ExecutionContext) -> None:
    host = SandboxHost(load_entry_points=False, max_operations=100_000)
    result = host.run_sync(agent_body("for i in range(10**9):\n    pass"), context=context)
    assert result.error is not None
    assert result.error.type == "ExecutionTimeout"
    assert "operation budget of 100,000" in result.error.message


def test_a_million_iterations_pass_under_the_default_limits(run_agent: RunAgent) -> None:
    result = run_agent(
        agent_body("total = 0\nfor i in range(1_000_000):\n    total += i % 7\nreturn {'t': total}")
    )
    assert result.ok, result.error


def test_awaiting_past_the_deadline_is_stopped(run_agent: RunAgent) -> None:
    started = time.monotonic()
    result = run_agent("import asyncio\n" + agent_body("await asyncio.sleep(60)"), timeout_s=0.2)
    assert time.monotonic() - started < 2
    assert result.error is not None
    assert result.error.type == "ExecutionTimeout"


def test_waiting_on_an_event_past_the_deadline_is_stopped(run_agent: RunAgent) -> None:
    result = run_agent(
        "import asyncio\n" + agent_body("await asyncio.Event().wait()"), timeout_s=0.2
    )
    assert result.error is not None
    assert result.error.type == "ExecutionTimeout"


def test_catching_the_timeout_does_not_save_the_run(run_agent: RunAgent) -> None:
    source = agent_body(
        """
        try:
            while True:
                pass
        except BaseException:
            pass
        return {"survived": True}
        """
    )
    result = run_agent(source, timeout_s=0.2)
    assert result.output is None
    assert result.error is not None
    assert result.error.type == "ExecutionTimeout"


def test_recursion_is_bounded(run_agent: RunAgent) -> None:
    result = run_agent(agent_body("def down(n):\n    return down(n + 1)\nreturn down(0)"))
    assert result.error is not None
    assert result.error.type in ("RecursionLimitExceeded", "RecursionError")
    assert result.error.source_line in ("def down(n):", "return down(n + 1)")


def test_recursion_bound_is_configurable(context: ExecutionContext) -> None:
    host = SandboxHost(load_entry_points=False, max_depth=50)
    source = agent_body("def down(n):\n    return down(n + 1)\nreturn down(0)")
    result = host.run_sync(source, context=context)
    assert result.error is not None
    assert result.error.type == "RecursionLimitExceeded"
    assert result.error.source_line == "def down(n):"


def test_moderate_recursion_is_allowed(run_agent: RunAgent) -> None:
    result = run_agent(
        agent_body(
            "def depth(n):\n    return 0 if n == 0 else 1 + depth(n - 1)\nreturn {'d': depth(900)}"
        )
    )
    assert result.output == {"d": 900}


def test_duration_is_measured(run_agent: RunAgent) -> None:
    result = run_agent("import asyncio\n" + agent_body("await asyncio.sleep(0.05)\nreturn {}"))
    assert 0.05 <= result.duration_s < 5


def test_concurrent_runs_keep_their_output_apart(
    host: SandboxHost, context: ExecutionContext
) -> None:
    source = "import asyncio\n" + agent_body(
        """
        for i in range(3):
            print(input_dict["who"], i)
            await asyncio.sleep(0.01)
        return {}
        """
    )

    async def main() -> list[str]:
        results = await asyncio.gather(
            host.run(source, {"who": "a"}, context=context),
            host.run(source, {"who": "b"}, context=context),
        )
        return [r.stdout for r in results]

    assert asyncio.run(main()) == ["a 0\na 1\na 2\n", "b 0\nb 1\nb 2\n"]


def test_module_level_state_does_not_leak_between_runs(run_agent: RunAgent) -> None:
    source = "seen = []\n" + agent_body("seen.append(1)\nreturn {'n': len(seen)}")
    assert run_agent(source).output == {"n": 1}
    assert run_agent(source).output == {"n": 1}


def test_printed_output_is_kept_when_the_agent_fails(run_agent: RunAgent) -> None:
    result = run_agent(agent_body('print("before")\nraise ValueError("boom")'))
    assert result.stdout == "before\n"
    assert result.error is not None
    assert (result.error.type, result.error.message) == ("ValueError", "boom")


def test_result_repr_summarises_a_long_run(run_agent: RunAgent) -> None:
    result = run_agent(agent_body('print("x" * 5000)\nreturn {"big": "y" * 100000}'))
    result.ops.extend({"op": "get", "key": str(i)} for i in range(10_000))
    text = repr(result)
    assert text.startswith("RunResult(ok=True, error=None, ops=10000, stdout=5001 chars")
    assert len(text) < 200
