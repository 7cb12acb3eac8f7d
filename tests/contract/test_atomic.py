"""Contract: increment, set_if_absent, get_record and compare_and_set, on every backend."""

from __future__ import annotations

import pytest

from agent_data_store import Backend, InvalidValueError
from tests.conftest import StoreFactory

# -- increment ---------------------------------------------------------------------------


def test_increment_of_missing_key_creates_it_with_the_amount(make_store: StoreFactory) -> None:
    store = make_store()
    assert store.increment("visits") == 1
    assert store.increment("other", 5) == 5
    assert store.get("visits") == 1


def test_increment_adds_to_the_stored_number_and_returns_the_sum(
    make_store: StoreFactory,
) -> None:
    store = make_store()
    store.set("n", 10)
    assert store.increment("n") == 11
    assert store.increment("n", -20) == -9
    assert store.increment("n", amount=3) == -6
    assert store.get("n") == -6


def test_increment_keeps_integers_exact_beyond_64_bits(make_store: StoreFactory) -> None:
    store = make_store()
    store.set("big", 2**70)
    assert store.increment("big") == 2**70 + 1
    assert store.increment("huge", 10**40) == 10**40
    assert store.increment("huge", 10**40) == 2 * 10**40
    assert store.get("big") == 2**70 + 1


def test_increment_with_a_float_gives_a_float(make_store: StoreFactory) -> None:
    store = make_store()
    assert store.increment("f", 0.5) == 0.5
    result = store.increment("f", 1)
    assert result == 1.5 and isinstance(result, float)
    store.set("i", 2)
    assert store.increment("i", 0.25) == 2.25
    store.set("g", 1.0)
    result = store.increment("g", 1)
    assert result == 2.0 and isinstance(result, float)


@pytest.mark.parametrize("value", ["3", [1], {"n": 1}, True, None])
def test_increment_of_a_non_number_raises_and_changes_nothing(
    make_store: StoreFactory, backend: Backend, value: object
) -> None:
    store = make_store()
    store.set("k", value)
    before = backend.get("alice", "default", "k")
    with pytest.raises(InvalidValueError, match="not a number"):
        store.increment("k")
    after = backend.get("alice", "default", "k")
    assert store.get("k") == value
    assert before is not None and after is not None and after.version == before.version


@pytest.mark.parametrize("amount", ["1", True, None, float("nan"), float("inf"), [1]])
def test_increment_refuses_an_amount_that_is_not_a_finite_number(
    make_store: StoreFactory, amount: object
) -> None:
    store = make_store()
    with pytest.raises(InvalidValueError, match="amount"):
        store.increment("k", amount)
    assert store.list_keys() == []


def test_increment_refuses_a_float_result_json_cannot_hold(make_store: StoreFactory) -> None:
    store = make_store()
    store.set("k", 1.5e308)
    with pytest.raises(InvalidValueError, match="JSON cannot hold"):
        store.increment("k", 1.5e308)
    assert store.get("k") == 1.5e308


def test_increment_counts_as_a_write_and_keeps_creation_fields_and_metadata(
    make_store: StoreFactory, backend: Backend
) -> None:
    make_store(agent="creator").set("n", 1, {"kind": "counter"})
    reader = make_store(agent="reader")
    reader.get("n")
    make_store.flush()  # type: ignore[attr-defined]
    before = backend.get("alice", "default", "n")
    make_store(agent="adder").increment("n")
    after = backend.get("alice", "default", "n")
    assert before is not None and after is not None
    assert after.value == 2
    assert after.metadata == {"kind": "counter"}
    assert (after.created_by_agent, after.created_at) == ("creator", before.created_at)
    assert after.access_count == 1
    assert after.last_accessed_by_agent == "adder"
    assert after.version != before.version


def test_increment_creates_a_record_like_set(make_store: StoreFactory, backend: Backend) -> None:
    make_store(agent="adder").increment("n", 2)
    record = backend.get("alice", "default", "n")
    assert record is not None
    assert (record.value, record.metadata, record.access_count) == (2, {}, 0)
    assert record.created_by_agent == record.last_accessed_by_agent == "adder"
    assert make_store().list_namespaces() == ["default"]


# -- set_if_absent -----------------------------------------------------------------------


def test_set_if_absent_creates_a_missing_key(make_store: StoreFactory, backend: Backend) -> None:
    store = make_store(agent="first")
    assert store.set_if_absent("lock", {"owner": "a"}, {"purpose": "test"}) is True
    assert store.get("lock") == {"owner": "a"}
    record = backend.get("alice", "default", "lock")
    assert record is not None
    assert (record.metadata, record.created_by_agent) == ({"purpose": "test"}, "first")


def test_set_if_absent_leaves_an_existing_key_unchanged(
    make_store: StoreFactory, backend: Backend
) -> None:
    make_store(agent="first").set("lock", "a", {"m": 1})
    before = backend.get("alice", "default", "lock")
    assert make_store(agent="second").set_if_absent("lock", "b", {"m": 2}) is False
    after = backend.get("alice", "default", "lock")
    assert before == after


def test_set_if_absent_succeeds_again_after_a_delete(make_store: StoreFactory) -> None:
    store = make_store()
    assert store.set_if_absent("lock", 1) is True
    assert store.delete("lock") is True
    assert store.set_if_absent("lock", 2) is True
    assert store.get("lock") == 2


def test_set_if_absent_checks_the_value_before_anything_is_stored(
    make_store: StoreFactory,
) -> None:
    store = make_store()
    with pytest.raises(TypeError):
        store.set_if_absent("k", object())
    assert store.list_keys() == []


# -- get_record --------------------------------------------------------------------------


def test_get_record_of_a_missing_key_is_none(make_store: StoreFactory) -> None:
    assert make_store().get_record("missing") is None


def test_get_record_returns_value_version_metadata_and_tracking_fields(
    make_store: StoreFactory, backend: Backend
) -> None:
    make_store(agent="writer").set("k", {"v": [1, 2]}, {"source": "test"})
    record = make_store(agent="reader").get_record("k")
    stored = backend.get("alice", "default", "k")
    assert record is not None and stored is not None
    assert record == {
        "value": {"v": [1, 2]},
        "version": stored.version,
        "metadata": {"source": "test"},
        "createdByAgent": "writer",
        "lastAccessedByAgent": "writer",
        "accessCount": 0,
        "createdAt": stored.created_at,
        "updatedAt": stored.updated_at,
        "lastAccessedAt": stored.last_accessed_at,
        "expiresAt": None,
    }
    assert isinstance(record["version"], str) and record["version"]


def test_get_record_returns_the_callers_own_copies(make_store: StoreFactory) -> None:
    store = make_store()
    store.set("k", {"list": [1]}, {"nested": {"a": 1}})
    record = store.get_record("k")
    assert record is not None
    record["value"]["list"].append(2)
    record["metadata"]["nested"]["a"] = 2
    again = store.get_record("k")
    assert again is not None
    assert again["value"] == {"list": [1]} and again["metadata"] == {"nested": {"a": 1}}


def test_get_record_counts_as_an_access(make_store: StoreFactory, backend: Backend) -> None:
    make_store(agent="writer").set("k", 1)
    make_store(agent="reader").get_record("k")
    make_store.flush()  # type: ignore[attr-defined]
    stored = backend.get("alice", "default", "k")
    assert stored is not None
    assert (stored.access_count, stored.last_accessed_by_agent) == (1, "reader")


def test_version_changes_on_every_write(make_store: StoreFactory) -> None:
    store = make_store()
    versions = []
    store.set("k", 1)
    versions.append(store.get_record("k")["version"])  # type: ignore[index]
    store.set("k", 1)
    versions.append(store.get_record("k")["version"])  # type: ignore[index]
    store.increment("k")
    versions.append(store.get_record("k")["version"])  # type: ignore[index]
    store.set_many({"k": 5})
    versions.append(store.get_record("k")["version"])  # type: ignore[index]
    assert store.compare_and_set("k", 6, versions[-1]) is True
    versions.append(store.get_record("k")["version"])  # type: ignore[index]
    assert len(set(versions)) == len(versions)


def test_access_tracking_does_not_change_the_version(
    make_store: StoreFactory, backend: Backend
) -> None:
    store = make_store()
    store.set("k", 1)
    version = store.get_record("k")["version"]  # type: ignore[index]
    make_store(agent="reader").get("k")
    make_store.flush()  # type: ignore[attr-defined]
    stored = backend.get("alice", "default", "k")
    assert stored is not None and stored.access_count == 2
    assert stored.version == version
    assert store.compare_and_set("k", 2, version) is True


# -- compare_and_set ---------------------------------------------------------------------


def test_compare_and_set_writes_when_the_version_still_matches(
    make_store: StoreFactory, backend: Backend
) -> None:
    make_store(agent="creator").set("k", 1, {"a": 1})
    store = make_store(agent="updater")
    record = store.get_record("k")
    assert record is not None
    assert store.compare_and_set("k", 2, record["version"], {"b": 2}) is True
    stored = backend.get("alice", "default", "k")
    assert stored is not None
    assert (stored.value, stored.metadata) == (2, {"a": 1, "b": 2})
    assert (stored.created_by_agent, stored.last_accessed_by_agent) == ("creator", "updater")


def test_compare_and_set_refuses_a_stale_version(make_store: StoreFactory) -> None:
    store = make_store()
    store.set("k", 1)
    stale = store.get_record("k")["version"]  # type: ignore[index]
    store.set("k", 2)
    assert store.compare_and_set("k", 3, stale) is False
    assert store.get("k") == 2


def test_compare_and_set_refuses_an_unknown_version_and_a_missing_key(
    make_store: StoreFactory,
) -> None:
    store = make_store()
    store.set("k", 1)
    assert store.compare_and_set("k", 2, "not-a-version") is False
    assert store.compare_and_set("missing", 2, "not-a-version") is False
    assert store.get("k") == 1 and store.list_keys() == ["k"]


def test_compare_and_set_with_none_creates_only_a_missing_key(make_store: StoreFactory) -> None:
    store = make_store()
    assert store.compare_and_set("k", 1, None) is True
    assert store.compare_and_set("k", 2, None) is False
    assert store.get("k") == 1


def test_compare_and_set_after_delete_needs_none_again(make_store: StoreFactory) -> None:
    store = make_store()
    store.set("k", 1)
    version = store.get_record("k")["version"]  # type: ignore[index]
    store.delete("k")
    assert store.compare_and_set("k", 2, version) is False
    assert store.compare_and_set("k", 2, None) is True


def test_compare_and_set_refuses_a_version_that_is_not_a_string(
    make_store: StoreFactory,
) -> None:
    store = make_store()
    store.set("k", 1)
    with pytest.raises(InvalidValueError, match="version"):
        store.compare_and_set("k", 2, 1)
    assert store.get("k") == 1


def test_compare_and_set_stores_a_large_value(make_store: StoreFactory) -> None:
    store = make_store()
    store.set("k", "small")
    version = store.get_record("k")["version"]  # type: ignore[index]
    big = "x" * 900_000
    assert store.compare_and_set("k", big, version) is True
    assert store.get("k") == big
    version = store.get_record("k")["version"]  # type: ignore[index]
    assert store.compare_and_set("k", 7, version) is True
    assert store.increment("k") == 8


# -- the operation log -------------------------------------------------------------------


def test_atomic_operations_are_logged(make_store: StoreFactory) -> None:
    store = make_store()
    store.increment("n")
    store.set_if_absent("n", 5)
    store.get_record("n")
    store.compare_and_set("n", 5, "stale")
    run = make_store.runs[-1]  # type: ignore[attr-defined]
    logged = [(op["op"], op.get("found"), op.get("written")) for op in run.ops]
    assert logged == [
        ("increment", None, None),
        ("set_if_absent", None, False),
        ("get_record", True, None),
        ("compare_and_set", None, False),
    ]
    assert run.ops[0]["valuePreview"] == "1"
