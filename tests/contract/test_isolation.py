"""Contract: no user ever sees, lists, overwrites or deletes another user's records."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agent_data_store import Backend
from tests.conftest import StoreFactory

users = st.sampled_from(["alice", "bob", "alice2", "a", "ALICE", "alice ", "bob.x"])
names = st.text(min_size=1, max_size=12).filter(lambda s: "\x00" not in s)
operations = st.lists(
    st.tuples(users, st.sampled_from(["default", "shared", "a:b", "files:x/y"]), names,
              st.integers()),
    min_size=1, max_size=12,
)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(writes=operations)
def test_users_only_ever_see_their_own_records(
    make_store: StoreFactory, backend: Backend, writes: list[tuple[str, str, str, int]]
) -> None:
    expected: dict[tuple[str, str], dict[str, int]] = {}
    for user, namespace, key, value in writes:
        make_store(user=user).use_namespace(namespace).set(key, value)
        expected.setdefault((user, namespace), {})[key] = value
    all_users = {user for user, _, _, _ in writes} | {"mallory"}
    for user in all_users:
        store = make_store(user=user)
        own = {ns for (u, ns) in expected if u == user}
        assert set(store.list_namespaces()) >= own
        for namespace in {"default", "shared", "a:b", "files:x/y"}:
            view = store.use_namespace(namespace)
            mine = expected.get((user, namespace), {})
            assert view.get_all() == {k: v for k, v in view.get_all().items() if k in mine}
            for key, value in mine.items():
                assert view.get(key) == value
    # clean up so the next example starts empty on shared backends
    for user in all_users:
        for namespace in make_store(user=user).list_namespaces():
            make_store(user=user).use_namespace(namespace).clear()


def test_other_user_sees_nothing(make_store: StoreFactory) -> None:
    alice = make_store(user="alice")
    alice.use_namespace("shared-reports").set("quarterly-report", {"q": 3})
    bob = make_store(user="bob").use_namespace("shared-reports")
    assert bob.get("quarterly-report") is None
    assert bob.list_keys() == []
    assert bob.get_all() == {}
    assert bob.get_many(["quarterly-report"]) == {}
    assert bob.list_namespaces() == []


def test_other_user_cannot_overwrite_or_delete(make_store: StoreFactory) -> None:
    alice = make_store(user="alice")
    alice.set("k", "alice's")
    bob = make_store(user="bob")
    bob.set("k", "bob's")
    assert bob.delete("k") is True
    assert bob.delete_many(["k"]) == 0
    assert bob.clear() == 0
    assert alice.get("k") == "alice's"


def test_users_whose_ids_share_a_prefix_are_kept_apart(make_store: StoreFactory) -> None:
    make_store(user="al").use_namespace("ice:x").set("k", "al")
    make_store(user="alice").use_namespace("x").set("k", "alice")
    assert make_store(user="al").list_namespaces() == ["ice:x"]
    assert make_store(user="alice").list_namespaces() == ["x"]
    assert make_store(user="alice").use_namespace("x").get("k") == "alice"


def test_tracking_of_one_user_does_not_touch_another(
    make_store: StoreFactory, backend: Backend
) -> None:
    make_store(user="alice").set("k", 1)
    make_store(user="bob").set("k", 1)
    make_store(user="bob", agent="bob-reader").get("k")
    make_store.flush()  # type: ignore[attr-defined]
    alice_record = backend.get("alice", "default", "k")
    assert alice_record is not None
    assert alice_record.access_count == 0


@pytest.mark.parametrize("user_id", ["alice:default", "a:b", ":x", "x:"])
def test_user_ids_with_a_colon_are_refused(user_id: str) -> None:
    from sandbox_host import ExecutionContext

    with pytest.raises(ValueError, match=":"):
        ExecutionContext(user_id=user_id, agent_name="agent")
