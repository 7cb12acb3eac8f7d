"""The corpus itself: large enough, every class of issue 13 covered, every agent tested."""

from __future__ import annotations

from collections import Counter

import pytest

from tests.compat.harness import (
    AGENTS_DIR,
    CLASS_DIR,
    FRESH_INTERPRETER_CLASSES,
    OBJECT_CLASSES,
    RUNTIME_CLASSES,
    SYNTAX_CLASSES,
    load_corpus,
)

pytestmark = pytest.mark.compat

ISSUE_CLASSES = range(1, 18)
MIN_AGENTS = 150
MIN_PER_CLASS = 5


def test_corpus_has_enough_agents() -> None:
    assert len(load_corpus()) >= MIN_AGENTS


def test_every_class_has_enough_agents() -> None:
    per_class = Counter(agent.issue_class for agent in load_corpus())
    thin = {number: per_class[number] for number in ISSUE_CLASSES
            if per_class[number] < MIN_PER_CLASS}
    assert not thin, f"classes with fewer than {MIN_PER_CLASS} agents: {thin}"


def test_every_class_is_run_by_exactly_one_test_module() -> None:
    grouped = [*SYNTAX_CLASSES, *OBJECT_CLASSES, *RUNTIME_CLASSES, *FRESH_INTERPRETER_CLASSES]
    assert sorted(grouped) == list(ISSUE_CLASSES)


def test_every_agent_file_is_in_a_class_directory() -> None:
    stray = [path.relative_to(AGENTS_DIR) for path in AGENTS_DIR.rglob("*.py")
             if CLASS_DIR.fullmatch(path.parent.name) is None
             or int(path.parent.name[1:3]) not in ISSUE_CLASSES]
    assert not stray


def test_idioms_are_unique() -> None:
    idioms = Counter(agent.idiom for agent in load_corpus())
    assert [idiom for idiom, count in idioms.items() if count > 1] == []
