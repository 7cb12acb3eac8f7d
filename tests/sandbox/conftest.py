"""Fixtures for the sandbox host tests: a host without entry-point plugins and a runner."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from typing import Any

import pytest

from sandbox_host import ExecutionContext, RunResult, SandboxHost

RunAgent = Callable[..., RunResult]


@pytest.fixture
def context() -> ExecutionContext:
    """Alice running the agent ``tester``."""
    return ExecutionContext(user_id="alice", agent_name="tester")


@pytest.fixture
def host() -> SandboxHost:
    """A host with no plugins and a short deadline, so limit tests finish quickly."""
    return SandboxHost(load_entry_points=False, timeout_s=5.0)


@pytest.fixture
def run_agent(host: SandboxHost, context: ExecutionContext) -> RunAgent:
    """Run dedented agent source on ``host`` and return the :class:`RunResult`."""

    def run(source: str, input_dict: dict[str, Any] | None = None, **kwargs: Any) -> RunResult:
        return host.run_sync(textwrap.dedent(source), input_dict, context=context, **kwargs)

    return run


def agent_body(body: str) -> str:
    """Wrap dedented statements into ``async def run(input_dict, tools)``."""
    return "async def run(input_dict, tools):\n" + textwrap.indent(textwrap.dedent(body), "    ")
