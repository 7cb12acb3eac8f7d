"""Fixtures for the sandbox escape attempts: a plugin-free host and an ``attempt`` runner."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from typing import Any

import pytest

from sandbox_host import ExecutionContext, RunError, RunResult, SandboxHost


@pytest.fixture(params=["thread", "process"])
def sandbox(request: pytest.FixtureRequest) -> SandboxHost:
    """A host without entry-point plugins and with a short deadline, in the thread and the
    process isolation modes (every attempt must fail in both)."""
    return SandboxHost(load_entry_points=False, timeout_s=1.0, isolation=request.param)


@pytest.fixture
def sandbox_run(sandbox: SandboxHost) -> Callable[..., RunResult]:
    """Run dedented agent source as mallory/attacker and return the result."""
    context = ExecutionContext(user_id="mallory", agent_name="attacker")

    def run(source: str, **kwargs: Any) -> RunResult:
        return sandbox.run_sync(textwrap.dedent(source), context=context, **kwargs)

    return run


@pytest.fixture
def attempt(sandbox_run: Callable[..., RunResult]) -> Callable[..., RunError]:
    """Run an escape attempt that must fail; return how it failed."""

    def run(source: str, **kwargs: Any) -> RunError:
        result = sandbox_run(source, **kwargs)
        assert result.error is not None, f"escape attempt succeeded: {result.output!r}"
        assert result.output is None
        return result.error

    return run

# The data browser's attempts (test_web_browser.py) use the browser tests' fixtures.
from tests.web.fixtures import (  # noqa: E402
    anonymous,
    operator,
    user_client,
    web_config,
)

__all__ = ["anonymous", "operator", "user_client", "web_config"]
