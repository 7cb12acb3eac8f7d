"""Compat classes 1-4 and 10: star calls, match, nonlocal, annotations, ``__future__``."""

from __future__ import annotations

import pytest

from tests.compat.harness import SYNTAX_CLASSES, Agent, assert_same_as_cpython, parametrize_classes

pytestmark = pytest.mark.compat


@parametrize_classes(*SYNTAX_CLASSES)
def test_agent_runs_as_in_cpython(agent: Agent) -> None:
    assert_same_as_cpython(agent)
