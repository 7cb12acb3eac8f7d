"""Red team, issue 14 class 10: what a run hands back to the host is bounded.

A result over ``max_result_bytes`` of JSON (8 MiB by default) is an ``AgentResultError``
naming the size limit; an error message over ``max_error_chars`` (10,000) is cut with a note
``[... N more characters]``; printed output over ``max_output_chars`` (1,000,000) is cut with
a line ``[output truncated]``. The limits are ``SandboxHost`` options.
"""

from __future__ import annotations

import re

import pytest

from tests.redteam.harness import (
    Outcome,
    Scenario,
    Step,
    agent,
    assert_contained,
    observe,
)

pytestmark = pytest.mark.redteam

DEFAULT_MAX_ERROR_CHARS = 10_000
DEFAULT_MAX_OUTPUT_CHARS = 1_000_000
NOTE_ALLOWANCE = 200
"""Room for the truncation note itself."""


def run_once(source: str, timeout_s: float = 10.0, **options: object) -> Outcome:
    scenario = Scenario([Step(source, timeout_s=timeout_s)], host_options=dict(options),
                        settle_s=0.0)
    observation = observe(scenario)
    assert_contained(observation, scenario)
    return observation.last


def assert_result_refused_as_too_large(outcome: Outcome) -> None:
    assert outcome.output is None and outcome.output_json_len == 0, outcome.describe()
    assert outcome.error_type == "AgentResultError", outcome.describe()
    message = (outcome.error_message or "").lower()
    assert "limit" in message or "large" in message, outcome.describe()
    assert outcome.error_message_len <= DEFAULT_MAX_ERROR_CHARS


def assert_message_cut(outcome: Outcome, limit: int) -> None:
    assert outcome.error_type is not None, outcome.describe()
    assert outcome.error_message_len <= limit + NOTE_ALLOWANCE, (
        f"a {outcome.error_message_len:,}-character error message was delivered whole"
    )
    assert "more characters" in (outcome.error_message or ""), outcome.describe()


RESULTS = {
    "a 100 MB string": "return {'x': 'a' * 100_000_000}",
    "a list of 1.5 million numbers": "return {'x': list(range(1_500_000))}",
    "a 20 MB key": "return {'k' * 20_000_000: 1}",
}


@pytest.mark.parametrize("body", RESULTS.values(), ids=RESULTS.keys())
def test_an_oversized_result_is_refused(body: str) -> None:
    assert_result_refused_as_too_large(run_once(agent(body)))


ERRORS = {
    "a 100 MB message": "raise ValueError('e' * 100_000_000)",
    "a 50 MB argument in a tuple": "raise ValueError('a', 'b' * 50_000_000)",
    "a 50 MB KeyError": "raise KeyError('k' * 50_000_000)",
}


@pytest.mark.parametrize("body", ERRORS.values(), ids=ERRORS.keys())
def test_an_oversized_error_message_is_cut(body: str) -> None:
    assert_message_cut(run_once(agent(body)), DEFAULT_MAX_ERROR_CHARS)


def test_the_compile_errors_of_a_huge_agent_are_cut() -> None:
    source = "async def run(input_dict, tools):\n" + "    eval('1')\n" * 10_000
    outcome = run_once(source)
    assert outcome.error_type == "CompileError"
    assert_message_cut(outcome, DEFAULT_MAX_ERROR_CHARS)


def test_printing_100_mb_is_cut() -> None:
    outcome = run_once(agent("print('p' * 100_000_000)\nreturn {}"))
    assert outcome.stdout_len <= DEFAULT_MAX_OUTPUT_CHARS + NOTE_ALLOWANCE
    assert "[output truncated]" in outcome.stdout[-NOTE_ALLOWANCE:]


# --- the limits are the host's to choose --------------------------------------------------


def test_max_result_bytes_is_configurable() -> None:
    outcome = run_once(agent("return {'x': 'y' * 2000}"), max_result_bytes=1000)
    assert_result_refused_as_too_large(outcome)
    assert run_once(agent("return {'x': 'y' * 500}"), max_result_bytes=1000).ok


def test_max_error_chars_is_configurable() -> None:
    outcome = run_once(agent("raise ValueError('x' * 1000)"), max_error_chars=100)
    assert_message_cut(outcome, 100)
    assert re.search(r"\d+ more characters", outcome.error_message or ""), outcome.describe()


def test_max_output_chars_is_configurable() -> None:
    outcome = run_once(agent("print('z' * 5000)\nreturn {}"), max_output_chars=1000)
    assert outcome.ok, outcome.describe()
    assert outcome.stdout_len <= 1000 + NOTE_ALLOWANCE
    assert outcome.stdout.startswith("z" * 1000)
    assert "[output truncated]" in outcome.stdout
