"""Contract: per-user usage is kept as records change, and a user at quota cannot grow by any
write path while deletes and shrinking overwrites still work, on every backend."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from agent_data_store import Backend
from agent_data_store.backends.base import UNLIMITED, UserUsage, record_bytes
from agent_data_store.errors import QuotaExceededError
from agent_data_store.records import Record, RecordWrite, precise_now
from tests.conftest import StoreFactory


def _usage(backend: Backend, user: str = "alice") -> tuple[int, int]:
    usage = backend.user_usage(user)
    return usage.records, usage.bytes


def _recount(backend: Backend, user: str = "alice") -> tuple[int, int]:
    records = [r for page in backend.iter_all(user) for r in page]
    return len(records), sum(record_bytes(r.value_json, r.metadata) for r in records)


def test_usage_follows_every_write_path(make_store: StoreFactory, backend: Backend) -> None:
    store = make_store()
    assert _usage(backend) == (0, 0)
    store.set("a", "é" * 10, metadata={"note": "ü"})
    assert _usage(backend) == (1, len(json.dumps("é" * 10, ensure_ascii=False).encode())
                               + len('{"note":"ü"}'.encode()))
    store.set_many({"b": [1, 2, 3], "c": {"x": None}})
    store.set("a", 1, metadata={"more": True})
    store.use_namespace("other").set("d", "d")
    assert _usage(backend) == _recount(backend) == (4, _recount(backend)[1])
    store.delete("b")
    store.delete_many(["c", "missing"])
    assert _usage(backend) == _recount(backend)
    assert store.use_namespace("other").clear() == 1
    assert _usage(backend) == _recount(backend)
    store.delete("a")
    assert _usage(backend) == (0, 0)


def test_usage_is_per_user(make_store: StoreFactory, backend: Backend) -> None:
    make_store(user="alice").set("k", "alice's")
    make_store(user="bob").set_many({"k": "bob's", "j": 1})
    assert _usage(backend, "bob") == _recount(backend, "bob")
    assert _usage(backend, "alice") == (1, len('"alice\'s"'))
    assert _usage(backend, "nobody") == (0, 0)


def test_imports_count_too(backend: Backend) -> None:
    record = Record("alice", "ns", "k", '"imported"', {"a": 1}, "x", "x", 0,
                    "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z")
    backend.import_records([record], overwrite=False)
    backend.import_records([record], overwrite=True)
    assert _usage(backend) == (1, len('"imported"') + len('{"a":1}'))


def test_quota_overrides_are_kept_per_user(backend: Backend) -> None:
    backend.set_user_quota("alice", 10, UNLIMITED)
    backend.set_user_quota("bob", None, 500)
    assert backend.user_usage("alice") == UserUsage("alice", 0, 0, 10, UNLIMITED)
    assert backend.user_usage("bob") == UserUsage("bob", 0, 0, None, 500)
    listed = {u.user_id: u for page in backend.iter_usage() for u in page}
    assert listed == {"alice": UserUsage("alice", 0, 0, 10, UNLIMITED),
                      "bob": UserUsage("bob", 0, 0, None, 500)}
    backend.set_user_quota("alice", None, None)
    assert backend.user_usage("alice") == UserUsage("alice", 0, 0)
    assert {u.user_id for page in backend.iter_usage() for u in page} == {"bob"}


def test_usage_lists_users_with_records(make_store: StoreFactory, backend: Backend) -> None:
    for user in ["carol", "al", "bob"]:
        make_store(user=user).set("k", 1)
    make_store(user="al").delete("k")
    listed = [u for page in backend.iter_usage() for u in page]
    assert [(u.user_id, u.records) for u in listed] == [("bob", 1), ("carol", 1)]


def test_a_set_past_the_record_quota_is_refused_and_stores_nothing(
    make_store: StoreFactory, backend: Backend
) -> None:
    store = make_store(quota_records=2)
    store.set_many({"a": 1, "b": 2})
    with pytest.raises(QuotaExceededError, match=r"records 2 \+ 1 > 2") as caught:
        store.set("c", 3)
    assert (caught.value.records, caught.value.max_records) == (2, 2)
    assert store.list_keys() == ["a", "b"]
    assert _usage(backend)[0] == 2


def test_set_many_past_the_record_quota_stores_none_of_its_items(
    make_store: StoreFactory,
) -> None:
    store = make_store(quota_records=3)
    store.set("a", 1)
    with pytest.raises(QuotaExceededError):
        store.set_many({"b": 2, "c": 3, "d": 4})
    assert store.list_keys() == ["a"]
    assert store.set_many({"a": 0, "b": 2, "c": 3}) == 3


def test_a_bigger_overwrite_past_the_byte_quota_is_refused(make_store: StoreFactory) -> None:
    store = make_store(quota_bytes=20)
    store.set("k", "x" * 10)  # 12 bytes of JSON
    with pytest.raises(QuotaExceededError, match=r"bytes 12 \+ 10 > 20"):
        store.set("k", "x" * 20)
    assert store.get("k") == "x" * 10


def test_metadata_growth_past_the_byte_quota_is_refused(make_store: StoreFactory) -> None:
    store = make_store(quota_bytes=30)
    store.set("k", 1, metadata={"a": "x"})  # 1 + 9 bytes
    with pytest.raises(QuotaExceededError):
        store.set("k", 1, metadata={"b": "y" * 20})
    with pytest.raises(QuotaExceededError):
        store.set_many({"k": 1}, metadata={"b": "y" * 20})
    assert store.get_many(["k"]) == {"k": 1}
    store.set("k", 1, metadata={"a": "z"})  # same size: no growth


def test_at_quota_deletes_and_shrinking_overwrites_still_work(
    make_store: StoreFactory, backend: Backend
) -> None:
    store = make_store(quota_records=2, quota_bytes=30)
    store.set_many({"a": "x" * 10, "b": "y" * 10})  # 2 records, 24 bytes
    with pytest.raises(QuotaExceededError):
        store.set("c", 1)
    store.set("a", "short")  # shrinks
    store.set("b", "y" * 10)  # same size
    assert store.delete("a") is True
    store.set("c", 1)  # room again
    assert store.delete_many(["b", "c"]) == 2
    assert _usage(backend) == (0, 0)
    store.set_many({"p": 1, "q": 2})
    assert store.clear() == 2


def test_a_user_over_a_lowered_quota_can_still_shrink(
    make_store: StoreFactory, backend: Backend
) -> None:
    make_store().set_many({f"k{i}": "v" * 10 for i in range(5)})
    store = make_store(quota_records=2, quota_bytes=10)
    with pytest.raises(QuotaExceededError):
        store.set("k0", "v" * 11)
    store.set("k0", "v")
    assert store.delete("k1") is True
    assert _usage(backend)[0] == 4


def test_the_users_own_limit_replaces_the_default(
    make_store: StoreFactory, backend: Backend
) -> None:
    backend.set_user_quota("alice", 1, None)
    store = make_store(quota_records=100)
    store.set("a", 1)
    with pytest.raises(QuotaExceededError):
        store.set("b", 2)
    backend.set_user_quota("alice", UNLIMITED, None)
    store.set_many({f"k{i}": i for i in range(5)})
    make_store(user="bob", quota_records=100).set("a", 1)


def test_without_quotas_configured_nothing_is_checked(
    make_store: StoreFactory, backend: Backend
) -> None:
    backend.set_user_quota("alice", 0, 0)
    make_store().set("k", 1)  # not enforced
    with pytest.raises(QuotaExceededError):
        make_store(enforce_quotas=True).set("j", 1)


def test_another_users_usage_does_not_count(make_store: StoreFactory) -> None:
    make_store(user="bob").set_many({f"k{i}": i for i in range(3)})
    store = make_store(quota_records=3)
    assert store.set_many({"a": 1, "b": 2, "c": 3}) == 3


def test_concurrent_writers_end_at_most_the_writes_in_flight_over_the_quota(
    make_store: StoreFactory, backend: Backend
) -> None:
    quota, writers = 1000, 16
    stores = [make_store(quota_records=quota) for _ in range(writers)]

    def fill(index: int) -> int:
        stored = 0
        for i in range(quota):
            try:
                stores[index].set(f"w{index}-{i}", i)
            except QuotaExceededError:
                return stored
            stored += 1
        return stored

    with ThreadPoolExecutor(writers) as pool:
        stored = sum(pool.map(fill, range(writers)))
    records, _ = _usage(backend)
    assert records == stored == _recount(backend)[0]
    # Each writer's last write passed the check before the others' landed: at most one
    # write per other writer in flight.
    assert quota <= records <= quota + writers - 1


def test_a_write_refused_for_the_quota_is_a_data_store_error_with_its_words(
    make_store: StoreFactory,
) -> None:
    store = make_store(quota_records=0)
    with pytest.raises(QuotaExceededError) as caught:
        store.set("k", 1)
    message = str(caught.value)
    assert message.startswith("data_store.set would take this user over its quota")
    assert "nothing was stored" in message


def test_record_writes_for_usage_match_record_bytes(backend: Backend) -> None:
    write = RecordWrite("alice", "ns", "k", '"\U0001f600"', {"ß": 1}, "agent",
                        "2026-01-01T00:00:00Z")
    backend.put_many([write])
    assert _usage(backend) == (1, record_bytes(write.value_json, write.metadata))


def test_increment_cannot_grow_a_user_at_quota_but_may_keep_its_size(
    make_store: StoreFactory, backend: Backend
) -> None:
    store = make_store(quota_records=1, quota_bytes=2)
    assert store.increment("n", 5) == 5  # 1 byte
    assert store.increment("n", 3) == 8  # same size
    assert store.increment("n", 1) == 9
    assert store.increment("n", -4) == 5  # shrinking or equal is fine
    with pytest.raises(QuotaExceededError):
        store.increment("other")  # a new record
    assert store.increment("n", 5) == 10  # 2 bytes: at the limit
    with pytest.raises(QuotaExceededError):
        store.increment("n", 90)  # 100: 3 bytes
    assert store.get("n") == 10
    assert _usage(backend) == (1, 2)


def test_set_if_absent_and_compare_and_set_cannot_grow_a_user_at_quota(
    make_store: StoreFactory,
) -> None:
    store = make_store(quota_records=1, quota_bytes=20)
    assert store.set_if_absent("k", "x" * 5) is True
    assert store.set_if_absent("k", "y" * 50) is False  # exists: no write, no refusal
    with pytest.raises(QuotaExceededError):
        store.set_if_absent("j", 1)
    record = store.get_record("k")
    assert record is not None
    with pytest.raises(QuotaExceededError):
        store.compare_and_set("k", "z" * 30, record["version"])
    with pytest.raises(QuotaExceededError):
        store.compare_and_set("j", 1, None)
    assert store.compare_and_set("k", "short", record["version"]) is True
    assert store.get("k") == "short"


def test_an_expired_record_stops_counting_once_the_sweep_removes_it(
    make_store: StoreFactory, backend: Backend
) -> None:
    store = make_store(quota_records=2)
    store.set("kept", "here")
    store.set("soon", "gone", ttl=0.25)
    time.sleep(0.3)
    removed = sum(backend.sweep_expired(precise_now(), 100))
    assert removed == 1 or (backend.native_expiry and removed == 0)  # the database was first
    assert _usage(backend) == _recount(backend) == (1, len('"here"'))
    store.set("next", 1)  # room again
    with pytest.raises(QuotaExceededError):
        store.set("third", 1)
