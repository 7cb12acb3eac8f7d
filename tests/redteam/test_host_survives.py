"""Red team, issue 14 classes 1, 2, 3, 5, 7 and 8: the host and its worker survive every agent.

Whatever an agent raises, cancels, hangs on or crashes in, ``host.run`` returns a
``RunResult`` within the run's deadline (plus a margin for a loaded machine), the task that
awaited it carries on, and the next run of another user on the same host works.
Attacks that hang or crash today run in a child process (see :mod:`tests.redteam.harness`).
"""

from __future__ import annotations

import pytest

from agent_data_store import DataStorePlugin, StoreConfig, open_backend
from sandbox_host import ExecutionContext, SandboxHost
from tests.redteam.attacks import ATTACKS, Attack, by_class
from tests.redteam.harness import (
    MARGIN_S,
    Outcome,
    Scenario,
    Step,
    agent,
    assert_contained,
    observe,
    observe_in_child,
)

pytestmark = pytest.mark.redteam

FOLLOW_UP = agent("return {'next': 'run works'}")
"""Another user's ordinary run after the attack: proof that the worker lives on."""

CHILD_STARTUP_S = 6.0
"""Time a child process gets on top of a scenario's deadlines and settle time."""


def with_follow_up(attack: Attack, **options: object) -> Scenario:
    """The attack as mallory, then bob's ordinary run on the same host."""
    return Scenario(
        [Step(attack.source, timeout_s=attack.timeout_s), Step(FOLLOW_UP, user="bob")],
        seed={"mallory": {"k": 1}},
        host_options=dict(options),
    )


def child_limit(scenario: Scenario) -> float:
    return (sum(step.timeout_s + MARGIN_S for step in scenario.steps) + scenario.settle_s
            + CHILD_STARTUP_S)


def attack_then_follow_up(name: str, *, in_child: bool = False, spare_s: float = 0.0,
                          **options: object) -> Outcome:
    """Run the attack and bob's run; check containment and bob's result; return the attack's.

    ``spare_s`` is extra time a child process gets (e.g. to start a process pool).
    """
    scenario = with_follow_up(ATTACKS[name], **options)
    observation = (observe_in_child(scenario, child_limit(scenario) + spare_s) if in_child
                   else observe(scenario))
    assert_contained(observation, scenario)
    assert observation.outcomes[1].output == {"next": "run works"}, observation.outcomes[1]
    return observation.outcomes[0]


# --- 1: exceptions that are not Exceptions ---------------------------------------------

EXPECTED_TYPE = {
    "bare BaseException": "BaseException",
    "BaseException subclass": "Boom",
    "BaseException from a gathered child": "Boom",
    "BaseException from a generator's finally on close": "Boom",
    "CancelledError caught in a child and raised by run": "CancelledError",
}


def test_every_class_1_attack_has_an_expected_error() -> None:
    assert set(by_class("1")) == set(EXPECTED_TYPE)


@pytest.mark.parametrize("name", by_class("1"))
def test_a_base_exception_of_the_agent_becomes_the_run_error(name: str) -> None:
    first = attack_then_follow_up(name)
    assert first.error_type == EXPECTED_TYPE[name], first.describe()


# --- 2: raw futures that reach the host's own task ---------------------------------------

CANCELLING = ["cancelled raw future awaited by run", "cancelled gather future raised by run"]


@pytest.mark.parametrize("name", CANCELLING)
def test_the_agent_cannot_cancel_the_task_that_awaits_the_run(name: str) -> None:
    first = attack_then_follow_up(name)
    assert first.error_type is not None, first.describe()


# --- 3: as_completed coroutines that swallow the cancellation --------------------------


@pytest.mark.parametrize("name", by_class("3"))
def test_swallowing_the_cancellation_does_not_keep_the_run_alive(name: str) -> None:
    first = attack_then_follow_up(name, in_child=True)
    assert first.error_type == "ExecutionTimeout", first.describe()


# --- 5: host-side handling of agent objects -------------------------------------------


@pytest.mark.parametrize("name", by_class("5"))
def test_turning_the_agent_result_or_error_into_data_cannot_break_the_host(name: str) -> None:
    # The host copies results with the builtin types' own methods, so a dict subclass whose
    # items() misbehaves is copied for what it holds, never run; anything else must fail
    # cleanly. Either way host.run returned (attack_then_follow_up checks that).
    first = attack_then_follow_up(name)
    copied_plainly = first.error_type is None and first.output == {"a": 1}
    assert copied_plainly or (first.error_type is not None and first.output is None), (
        first.describe()
    )


def test_the_host_keeps_only_plain_strings_of_agent_keys() -> None:
    # A str subclass passes as a key; if the host keeps the object itself, its methods (agent
    # code) run whenever the host, a backend or the operator CLI compares or prints the key.
    backend = open_backend(StoreConfig(url="memory://"))
    host = SandboxHost(plugins=[DataStorePlugin(StoreConfig(url="memory://"), backend=backend)],
                       load_entry_points=False)
    source = agent(
        """
        data_store.set(Key("k"), Key("v"), metadata={"m": Key("x")})
        data_store.use_namespace(Key("ns")).set(Key("k2"), 1)
        data_store.get_many([Key("k")])
        return {}
        """,
        module="class Key(str):\n    def __lt__(self, other):\n        return True\n",
    )
    result = host.run_sync(source, context=ExecutionContext(user_id="mallory", agent_name="a"))
    assert result.ok, result.error
    logged = {type(value) for op in result.ops for value in op.values()}
    stored = {type(value) for page in backend.iter_all() for record in page
              for value in (record.key, record.namespace, *record.metadata)}
    assert logged <= {str, int, bool}, f"the operation log keeps agent objects: {logged}"
    assert stored == {str}, f"the backend keeps agent objects: {stored}"


# --- 7: deep C recursion, contained by process isolation --------------------------------

CRASH_ERRORS = {
    "WorkerCrashed", "RecursionError", "RecursionLimitExceeded", "MemoryError",
    "MemoryLimitExceeded",
}


@pytest.mark.parametrize("name", by_class("7"))
def test_deep_c_recursion_under_process_isolation_fails_cleanly(name: str) -> None:
    # Only ever in a child: in this process the attack is a SIGSEGV. The child must exit 0.
    first = attack_then_follow_up(name, in_child=True, spare_s=20, isolation="process")
    assert first.error_type in CRASH_ERRORS, first.describe()


# --- 8: one shared timeout exception, re-raised everywhere ------------------------------


@pytest.mark.parametrize("name", [n for n in by_class("8") if not ATTACKS[n].soak])
def test_many_tasks_raising_the_timeout_do_not_stall_the_host(name: str) -> None:
    first = attack_then_follow_up(name, in_child=True, spare_s=10)
    assert first.error_type == "ExecutionTimeout", first.describe()
