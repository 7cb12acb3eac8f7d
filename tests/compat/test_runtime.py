"""Compat classes 7-9, 11, 12, 15 and 16: print, asyncio, strptime, the modules agents import."""

from __future__ import annotations

import pytest

from tests.compat.harness import (
    FRESH_INTERPRETER_CLASSES,
    RUNTIME_CLASSES,
    Agent,
    assert_same_as_cpython,
    parametrize_classes,
)

pytestmark = pytest.mark.compat


@parametrize_classes(*RUNTIME_CLASSES)
def test_agent_runs_as_in_cpython(agent: Agent) -> None:
    assert_same_as_cpython(agent)


@parametrize_classes(*FRESH_INTERPRETER_CLASSES)
def test_agent_runs_as_in_cpython_in_a_fresh_interpreter(agent: Agent) -> None:
    assert_same_as_cpython(agent, fresh_interpreter=True)
