"""Contract: ``ttl=`` on writes; expired records are invisible at once and swept later."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta

import pytest

from agent_data_store import Backend, InvalidValueError
from agent_data_store.records import precise_now
from tests.conftest import StoreFactory

SHORT_TTL = 0.25
"""Seconds a record written by a test lives when the test waits for it to expire."""

PRECISE_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def wait_for_expiry() -> None:
    """Sleep until every record written with :data:`SHORT_TTL` so far has expired."""
    time.sleep(SHORT_TTL + 0.05)


def _seconds_until(expires_at: str) -> float:
    moment = datetime.strptime(expires_at, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    return (moment - datetime.now(UTC)).total_seconds()


def test_a_record_with_a_ttl_is_readable_until_it_expires(make_store: StoreFactory) -> None:
    store = make_store()
    store.set("k", {"v": 1}, ttl=60)
    assert store.get("k") == {"v": 1}
    assert store.list_keys() == ["k"]
    record = store.get_record("k")
    assert record is not None and PRECISE_UTC.match(record["expiresAt"])
    assert 58 < _seconds_until(record["expiresAt"]) <= 60.01


def test_a_record_without_a_ttl_never_expires(make_store: StoreFactory) -> None:
    store = make_store()
    store.set("k", 1)
    record = store.get_record("k")
    assert record is not None and record["expiresAt"] is None


def test_an_expired_record_is_invisible_to_every_read(make_store: StoreFactory) -> None:
    store = make_store()
    store.set("gone", "old", ttl=SHORT_TTL)
    store.set("kept", "here")
    store.use_namespace("only-expired").set("gone", 1, ttl=SHORT_TTL)
    wait_for_expiry()
    assert store.get("gone") is None
    assert store.get("gone", "default") == "default"
    assert store.get_many(["gone", "kept"]) == {"kept": "here"}
    assert store.get_all() == {"kept": "here"}
    assert store.list_keys() == ["kept"]
    assert store.list_keys(prefix="go") == []
    assert store.get_record("gone") is None
    assert store.list_namespaces() == ["default"]


def test_expired_records_are_invisible_to_the_operator_primitives(
    make_store: StoreFactory, backend: Backend
) -> None:
    store = make_store()
    store.set_many({"a": 1, "b": 2}, ttl=SHORT_TTL)
    store.set("c", 3)
    wait_for_expiry()
    assert backend.get("alice", "default", "a") is None
    assert [r.key for page in backend.iter_all() for r in page] == ["c"]
    assert [r.key for page in backend.iter_all("alice") for r in page] == ["c"]
    assert [r.key for page in backend.iter_records("alice", "default") for r in page] == ["c"]
    assert backend.keys_page("alice", "default", limit=10) == ["c"]
    usage = backend.namespace_usage("alice")
    assert usage is None or [(u.namespace, u.records) for u in usage] == [("default", 1)]


def test_set_without_a_ttl_clears_the_expiry(make_store: StoreFactory) -> None:
    store = make_store()
    store.set("k", 1, ttl=SHORT_TTL)
    store.set("k", 2)
    wait_for_expiry()
    assert store.get("k") == 2
    assert store.get_record("k")["expiresAt"] is None  # type: ignore[index]


def test_set_with_a_ttl_replaces_the_expiry(make_store: StoreFactory) -> None:
    store = make_store()
    store.set("k", 1, ttl=60)
    store.set("k", 2, ttl=SHORT_TTL)
    wait_for_expiry()
    assert store.get("k") is None


def test_a_write_over_an_expired_record_creates_it_anew(
    make_store: StoreFactory, backend: Backend
) -> None:
    make_store(agent="first").set("k", 1, {"old": True}, ttl=SHORT_TTL)
    make_store(agent="reader").get("k")
    make_store.flush()  # type: ignore[attr-defined]
    wait_for_expiry()
    make_store(agent="second").set("k", 2, {"new": True})
    record = backend.get("alice", "default", "k")
    assert record is not None
    assert (record.value, record.metadata, record.access_count) == (2, {"new": True}, 0)
    assert record.created_by_agent == "second" and record.expires_at is None


def test_set_many_gives_every_item_the_ttl(make_store: StoreFactory) -> None:
    store = make_store()
    store.set_many({"a": 1, "b": 2}, ttl=SHORT_TTL)
    store.set_many({"c": 3})
    wait_for_expiry()
    assert store.get_all() == {"c": 3}


def test_increment_of_an_expired_key_starts_over(
    make_store: StoreFactory, backend: Backend
) -> None:
    make_store(agent="first").set("n", 41, ttl=SHORT_TTL)
    wait_for_expiry()
    assert make_store(agent="second").increment("n") == 1
    record = backend.get("alice", "default", "n")
    assert record is not None
    assert (record.created_by_agent, record.expires_at, record.access_count) == ("second", None, 0)


def test_increment_keeps_the_expiry_of_a_live_key(make_store: StoreFactory) -> None:
    store = make_store()
    store.set("n", 1, ttl=60)
    before = store.get_record("n")
    assert store.increment("n") == 2
    after = store.get_record("n")
    assert before is not None and after is not None
    assert after["expiresAt"] == before["expiresAt"]


def test_set_if_absent_takes_an_expired_key(make_store: StoreFactory) -> None:
    store = make_store()
    assert store.set_if_absent("lock", "first", ttl=SHORT_TTL) is True
    assert store.set_if_absent("held", "first", ttl=60) is True
    assert store.set_if_absent("held", "second", ttl=60) is False
    wait_for_expiry()
    assert store.set_if_absent("lock", "second", ttl=60) is True
    assert store.get("lock") == "second"


def test_compare_and_set_treats_an_expired_key_as_missing(make_store: StoreFactory) -> None:
    store = make_store()
    store.set("k", 1, ttl=SHORT_TTL)
    version = store.get_record("k")["version"]  # type: ignore[index]
    wait_for_expiry()
    assert store.compare_and_set("k", 2, version) is False
    assert store.compare_and_set("k", 3, None, ttl=60) is True
    assert store.get("k") == 3


def test_compare_and_set_with_a_ttl_sets_the_expiry(make_store: StoreFactory) -> None:
    store = make_store()
    store.set("k", 1)
    version = store.get_record("k")["version"]  # type: ignore[index]
    assert store.compare_and_set("k", 2, version, ttl=SHORT_TTL) is True
    wait_for_expiry()
    assert store.get("k") is None


def test_delete_and_clear_do_not_count_expired_records(make_store: StoreFactory) -> None:
    store = make_store()
    store.set_many({"a": 1, "b": 2}, ttl=SHORT_TTL)
    store.set("c", 3)
    wait_for_expiry()
    assert store.delete("a") is False
    assert store.delete_many(["a", "b", "c"]) == 1
    store.set_many({"d": 4, "e": 5}, ttl=SHORT_TTL)
    store.set("f", 6)
    wait_for_expiry()
    assert store.clear() == 1
    assert store.list_namespaces() == []


@pytest.mark.parametrize("ttl", [0, -1, float("nan"), float("inf"), "60", True, [1], 10**12])
def test_a_ttl_that_is_not_a_positive_number_of_seconds_is_refused(
    make_store: StoreFactory, ttl: object
) -> None:
    store = make_store()
    with pytest.raises(InvalidValueError, match="ttl"):
        store.set("k", 1, ttl=ttl)
    with pytest.raises(InvalidValueError, match="ttl"):
        store.set_if_absent("k", 1, ttl=ttl)
    assert store.list_keys() == []


# -- the sweep ---------------------------------------------------------------------------


def _sweep(backend: Backend, batch_size: int = 100) -> list[int]:
    return list(backend.sweep_expired(precise_now(), batch_size))


def test_the_sweep_removes_expired_records_and_nothing_else(
    make_store: StoreFactory, backend: Backend
) -> None:
    store = make_store()
    store.set_many({"expired-1": 1, "expired-2": 2}, ttl=SHORT_TTL)
    store.use_namespace("other").set("expired-3", 3, ttl=SHORT_TTL)
    store.set("refreshed", "kept", ttl=SHORT_TTL)
    store.set("refreshed", "kept")
    store.set("later", "kept", ttl=60)
    store.set("forever", "kept")
    make_store(user="bob").set("bobs", "kept", ttl=60)
    wait_for_expiry()
    removed = sum(_sweep(backend))
    # A database with expiry of its own may have removed some already.
    assert removed == 3 or (backend.native_expiry and removed < 3)
    assert sum(_sweep(backend)) == 0
    assert store.get_all() == {"refreshed": "kept", "later": "kept", "forever": "kept"}
    assert make_store(user="bob").get("bobs") == "kept"
    # Swept records are gone for good: writing the keys again creates them.
    assert store.set_if_absent("expired-1", "new") is True


def test_the_sweep_removes_in_bounded_batches(
    make_store: StoreFactory, backend: Backend
) -> None:
    store = make_store()
    store.set_many({f"k{i}": i for i in range(7)}, ttl=SHORT_TTL)
    wait_for_expiry()
    removed = _sweep(backend, batch_size=3)
    assert max(removed, default=0) <= 3
    assert sum(removed) == 7 or (backend.native_expiry and sum(removed) < 7)
    assert sum(_sweep(backend)) == 0


def test_the_sweep_keeps_a_record_written_again_after_it_expired(
    make_store: StoreFactory, backend: Backend
) -> None:
    store = make_store()
    store.set("k", "old", ttl=SHORT_TTL)
    wait_for_expiry()
    store.set("k", "new")
    assert sum(_sweep(backend)) == 0
    assert store.get("k") == "new"


def test_expiry_is_reported_with_milliseconds(make_store: StoreFactory) -> None:
    store = make_store()
    store.set("k", 1, ttl=0.5)
    record = store.get_record("k")
    assert record is not None
    expires = datetime.strptime(record["expiresAt"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    assert timedelta(0) < expires - datetime.now(UTC) <= timedelta(seconds=0.51)
