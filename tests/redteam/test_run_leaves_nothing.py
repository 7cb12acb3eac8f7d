"""Red team, issue 14 classes 2, 4 and 9: a run leaves nothing behind and keeps to its limits.

After ``host.run`` returned, the host's loop holds no task, callback or async generator of
the run, nothing the run started writes to the data store, and every read the agent made is
counted in ``accessCount``. ``data_store`` calls driven from C iterators (no loop, no tick)
still stop at the deadline and are charged to the operation budget.
"""

from __future__ import annotations

import pytest

from tests.redteam.attacks import ATTACKS, by_class
from tests.redteam.harness import (
    MARGIN_S,
    Observation,
    Scenario,
    Step,
    assert_contained,
    observe,
    observe_in_child,
)

pytestmark = pytest.mark.redteam

LEFTOVER_WORK = [
    "done-callback of a raw future writes after the run",
    "raw-future timers read past the deadline",
    "abandoned wait_for leaves its task on the host loop",
    *by_class("4"),
]


def single(name: str, **options: object) -> Scenario:
    attack = ATTACKS[name]
    return Scenario([Step(attack.source, timeout_s=attack.timeout_s)],
                    seed={"mallory": {"k": 1}}, host_options=dict(options))


def counted_reads(observation: Observation, record: str = "mallory/default/k") -> int:
    return int(observation.records_later[record][1])


def noted_reads(observation: Observation) -> int:
    return sum(1 for _, label, _ in observation.notes if "read" in label)


@pytest.mark.parametrize("name", LEFTOVER_WORK)
def test_nothing_of_the_run_survives_it(name: str) -> None:
    scenario = single(name)
    observation = observe(scenario)
    assert_contained(observation, scenario)
    late = [note for note in observation.notes if note[0] >= 0]
    assert not late, f"agent code called a tool after the run returned: {late}"


@pytest.mark.parametrize("name", ["raw-future timers read past the deadline",
                                  "reads of a leftover task are not counted"])
def test_every_read_the_agent_made_is_counted(name: str) -> None:
    observation = observe(single(name))
    # The agent notes each read that returned; the store must have counted each of them.
    assert counted_reads(observation) == noted_reads(observation), (
        f"{noted_reads(observation)} reads returned a value, accessCount says "
        f"{counted_reads(observation)}: {observation.notes}"
    )


# --- 9: data_store calls from C iterators ---------------------------------------------


@pytest.mark.parametrize("name", ["writes from map() past the deadline",
                                  "reads from a Counter past the deadline"])
def test_data_store_calls_from_c_iterators_stop_at_the_deadline(name: str) -> None:
    scenario = single(name)
    limit = scenario.steps[0].timeout_s + MARGIN_S + scenario.settle_s + 6
    observation = observe_in_child(scenario, limit)
    assert_contained(observation, scenario)
    assert observation.last.error_type == "ExecutionTimeout", observation.last.describe()


@pytest.mark.parametrize("name", ["reads from map() past the operation budget",
                                  "writes from set() past the operation budget"])
def test_data_store_calls_from_c_iterators_are_charged_to_the_budget(name: str) -> None:
    scenario = single(name, max_operations=5000)
    observation = observe(scenario)
    assert_contained(observation, scenario)
    outcome = observation.last
    assert outcome.error_type == "ExecutionTimeout", outcome.describe()
    assert "operation" in (outcome.error_message or ""), outcome.describe()
