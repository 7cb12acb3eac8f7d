"""Compat classes 5, 6, 13, 14 and 17: the agent's own classes and functions, names, depth."""

from __future__ import annotations

import pytest

from tests.compat.harness import OBJECT_CLASSES, Agent, assert_same_as_cpython, parametrize_classes

pytestmark = pytest.mark.compat


@parametrize_classes(*OBJECT_CLASSES)
def test_agent_runs_as_in_cpython(agent: Agent) -> None:
    assert_same_as_cpython(agent)
