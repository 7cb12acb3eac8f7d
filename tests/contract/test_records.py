"""Contract: the stored record — creation, overwrite, metadata merge and access tracking."""

from __future__ import annotations

import re
import time

from agent_data_store import Backend
from agent_data_store.records import encode_key
from tests.conftest import StoreFactory

ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def test_create_sets_every_field(make_store: StoreFactory, backend: Backend) -> None:
    make_store(user="alice", agent="writer").set("k", {"v": 1}, {"source": "test"})
    record = backend.get("alice", "default", "k")
    assert record is not None
    assert record.value == {"v": 1}
    assert record.metadata == {"source": "test"}
    assert record.created_by_agent == record.last_accessed_by_agent == "writer"
    assert record.access_count == 0
    assert record.created_at == record.updated_at == record.last_accessed_at
    assert ISO_UTC.match(record.created_at)


def test_create_without_metadata_stores_empty_dict(
    make_store: StoreFactory, backend: Backend
) -> None:
    make_store().set("k", 1)
    record = backend.get("alice", "default", "k")
    assert record is not None and record.metadata == {}


def test_document_has_documented_shape_and_id(make_store: StoreFactory, backend: Backend) -> None:
    make_store(user="alice").use_namespace("files:apache/my-repo").set("src/a.py", "x")
    record = backend.get("alice", "files:apache/my-repo", "src/a.py")
    assert record is not None
    document = record.to_document()
    assert document["_id"] == f"alice:files:apache/my-repo:{encode_key('src/a.py')}"
    assert set(document) >= {
        "_id", "userId", "namespace", "key", "value", "metadata", "createdByAgent",
        "lastAccessedByAgent", "accessCount", "createdAt", "updatedAt", "lastAccessedAt",
    }


def test_overwrite_preserves_creation_and_count(make_store: StoreFactory, backend: Backend) -> None:
    make_store(agent="creator").set("k", 1)
    reader = make_store(agent="reader")
    reader.get("k")
    make_store.flush()  # type: ignore[attr-defined]
    before = backend.get("alice", "default", "k")
    time.sleep(1.1)
    make_store(agent="updater").set("k", 2)
    after = backend.get("alice", "default", "k")
    assert before is not None and after is not None
    assert after.value == 2
    assert after.created_by_agent == "creator"
    assert after.created_at == before.created_at
    assert after.access_count == 1
    assert after.last_accessed_by_agent == "updater"
    assert after.updated_at > before.updated_at
    assert after.last_accessed_at == after.updated_at


def test_overwrite_merges_metadata_shallowly(make_store: StoreFactory, backend: Backend) -> None:
    store = make_store()
    store.set("k", 1, {"a": 1, "nested": {"x": 1}, "keep": True})
    store.set("k", 2, {"a": 2, "nested": {"y": 2}, "new": "yes"})
    record = backend.get("alice", "default", "k")
    assert record is not None
    assert record.metadata == {"a": 2, "nested": {"y": 2}, "keep": True, "new": "yes"}


def test_overwrite_without_metadata_keeps_metadata(
    make_store: StoreFactory, backend: Backend
) -> None:
    store = make_store()
    store.set("k", 1, {"a": 1})
    store.set("k", 2)
    record = backend.get("alice", "default", "k")
    assert record is not None and record.metadata == {"a": 1}


def test_set_many_applies_metadata_to_every_item(
    make_store: StoreFactory, backend: Backend
) -> None:
    make_store().set_many({"a": 1, "b": 2}, metadata={"batch": 7})
    records = backend.get_many("alice", "default", ["a", "b"])
    assert {key: r.metadata for key, r in records.items()} == {"a": {"batch": 7}, "b": {"batch": 7}}


def test_set_many_overwrite_follows_set_semantics(
    make_store: StoreFactory, backend: Backend
) -> None:
    make_store(agent="first").set("a", 1, {"m": 1})
    make_store(agent="second").set_many({"a": 2, "b": 3}, metadata={"n": 2})
    a = backend.get("alice", "default", "a")
    b = backend.get("alice", "default", "b")
    assert a is not None and b is not None
    assert (a.value, a.metadata, a.created_by_agent, a.last_accessed_by_agent) == (
        2, {"m": 1, "n": 2}, "first", "second")
    assert (b.created_by_agent, b.access_count) == ("second", 0)


def test_get_counts_an_access_after_the_run(make_store: StoreFactory, backend: Backend) -> None:
    make_store(agent="writer").set("k", 1)
    reader = make_store(agent="reader")
    reader.get("k")
    reader.get("k")
    make_store.flush()  # type: ignore[attr-defined]
    record = backend.get("alice", "default", "k")
    assert record is not None
    assert record.access_count == 2
    assert record.last_accessed_by_agent == "reader"


def test_get_many_and_get_all_count_accesses(make_store: StoreFactory, backend: Backend) -> None:
    make_store().set_many({"a": 1, "b": 2})
    reader = make_store(agent="reader")
    reader.get_many(["a", "missing"])
    reader.get_all()
    make_store.flush()  # type: ignore[attr-defined]
    records = backend.get_many("alice", "default", ["a", "b"])
    assert records["a"].access_count == 2
    assert records["b"].access_count == 1
    assert records["b"].last_accessed_by_agent == "reader"


def test_reads_of_missing_keys_are_not_counted(make_store: StoreFactory, backend: Backend) -> None:
    reader = make_store()
    reader.get("ghost")
    reader.get_many(["ghost"])
    make_store.flush()  # type: ignore[attr-defined]
    assert backend.get("alice", "default", "ghost") is None


def test_reads_do_not_write_before_the_run_ends(make_store: StoreFactory, backend: Backend) -> None:
    make_store().set("k", 1)
    make_store(agent="reader").get("k")
    record = backend.get("alice", "default", "k")
    assert record is not None and record.access_count == 0


def test_an_overwrite_between_the_reads_and_their_tracking_keeps_both(
    make_store: StoreFactory, backend: Backend
) -> None:
    # Tracking writes what the runs' reads found (where a backend keeps that): the overwrite
    # in between must neither be undone nor lose the reads' counts. (Which of them was the
    # last access is not asserted: timestamps have one-second resolution, ties go to reads.)
    make_store(agent="writer").set("k", 1)
    for _ in range(3):
        reader = make_store(agent="reader")
        reader.get_many(["k"])
    make_store(agent="overwriter").set("k", 2)
    make_store.flush()  # type: ignore[attr-defined]
    record = backend.get("alice", "default", "k")
    assert record is not None
    assert (record.value, record.access_count) == (2, 3)
    assert (record.created_by_agent, record.updated_at) == ("writer", record.last_accessed_at)


def test_tracking_never_resurrects_a_deleted_record(
    make_store: StoreFactory, backend: Backend
) -> None:
    make_store().set("k", 1)
    reader = make_store(agent="reader")
    reader.get("k")
    make_store(agent="deleter").delete("k")
    make_store.flush()  # type: ignore[attr-defined]
    assert backend.get("alice", "default", "k") is None
    assert reader.list_namespaces() == []


def test_tracking_off_counts_nothing(make_store: StoreFactory, backend: Backend) -> None:
    make_store().set("k", 1)
    make_store(tracking=False).get("k")
    make_store.flush()  # type: ignore[attr-defined]
    record = backend.get("alice", "default", "k")
    assert record is not None and record.access_count == 0
