"""Red team, issue 14 classes 6 and 13: one run cannot change what another user's run sees.

Every object reachable from agent code is immutable or made for that run, and ``tools`` is
the run's own copy. Each test runs an attack as alice, then bob's ordinary run on the same
host, and checks bob sees pristine state and that nothing crossed between the two users.
Attacks on module-level objects change this process when they succeed, so they run in a
child process.
"""

from __future__ import annotations

import hashlib

import pytest

from tests.redteam.attacks import ATTACKS
from tests.redteam.harness import Scenario, Step, agent, assert_contained, observe, observe_in_child

pytestmark = pytest.mark.redteam

CHILD_LIMIT_S = 15.0


def alice_then_bob(attack: str, bob: str, **options: object) -> Scenario:
    return Scenario(
        [Step(ATTACKS[attack].source, user="alice"), Step(bob, user="bob")],
        seed={"alice": {"secret": "alice's diary"}, "bob": {"secret": "bob's diary"}},
        **options,  # type: ignore[arg-type]
    )


def bob_saw(scenario: Scenario, *, in_child: bool = True) -> dict[str, object]:
    """What bob's run returned after alice's attack, once containment is checked."""
    observation = observe_in_child(scenario, CHILD_LIMIT_S) if in_child else observe(scenario)
    assert_contained(observation, scenario)
    bob = observation.outcomes[1]
    assert bob.ok, bob.describe()
    assert "planted" not in "".join(observation.records_later), observation.records_later
    if scenario.shared_tools:
        assert observation.extra["host_tools"] == ["note", "search"], "the host's tools changed"
        assert "bob asks" not in repr(observation.records_later), observation.records_later
    assert isinstance(bob.output, dict)
    return bob.output


# --- 6: module-level objects --------------------------------------------------------------

ALGORITHMS = agent(
    "return {'algorithms': sorted(str(a) for a in hashlib.algorithms_guaranteed)}",
    imports="import hashlib",
)


@pytest.mark.parametrize("attack", ["plant a name in hashlib.algorithms_guaranteed",
                                    "empty hashlib.algorithms_guaranteed"])
def test_hashlib_algorithms_are_the_same_for_the_next_user(attack: str) -> None:
    seen = bob_saw(alice_then_bob(attack, ALGORITHMS))
    assert seen == {"algorithms": sorted(hashlib.algorithms_guaranteed)}


def test_a_data_store_cannot_be_handed_to_another_user() -> None:
    scenario = alice_then_bob("hand data_store over through hashlib.algorithms_guaranteed",
                              ATTACKS["collect a data_store handed over"].source)
    seen = bob_saw(scenario)
    assert "alice's diary" not in repr(seen)
    assert seen == {"found": 0, "stolen": []}


def test_abc_registrations_are_not_seen_by_the_next_user() -> None:
    check = agent("return {'list is a ChainMap': isinstance([], collections.ChainMap)}",
                  imports="import collections")
    seen = bob_saw(alice_then_bob("register list as a ChainMap", check))
    assert seen == {"list is a ChainMap": False}


# --- 13: one tools dict for every run -------------------------------------------------


def shared_tools_after(attack: str, bob: str) -> dict[str, object]:
    return bob_saw(alice_then_bob(attack, bob, shared_tools=True), in_child=False)


def test_a_replaced_tool_is_not_called_by_the_next_user() -> None:
    seen = shared_tools_after("replace a tool with one that writes to my store",
                              agent("return {'answer': tools['search']('bob asks')}"))
    assert seen == {"answer": "results for bob asks"}


def test_removed_tools_are_still_there_for_the_next_user() -> None:
    seen = shared_tools_after("remove every tool", agent("return {'tools': sorted(tools)}"))
    assert seen == {"tools": ["note", "search"]}


def test_a_data_store_cannot_be_handed_over_through_tools() -> None:
    bob = agent(
        """
        planted = tools.get("planted")
        if planted is not None:
            planted.set("planted", "by bob")
            return {"stolen": planted.get("secret")}
        return {"tools": sorted(tools)}
        """
    )
    seen = shared_tools_after("hand data_store over through tools", bob)
    assert seen == {"tools": ["note", "search"]}
