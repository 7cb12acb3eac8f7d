"""DynamoDB and Firestore keep usage in counters beside the records (``usage_counters``).

What the contract suite cannot see from outside: expiry the database does behind the
store's back, records of an earlier version that only a recount counts, and how records
that expire are bucketed.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest
from google.cloud import firestore

from agent_data_store import Backend, StoreConfig, open_backend
from agent_data_store.backends.base import record_bytes
from agent_data_store.backends.dynamodb import DynamoDBBackend
from agent_data_store.backends.dynamodb_schema import record_key
from agent_data_store.backends.firestore import FirestoreBackend
from agent_data_store.backends.firestore_layout import firestore_id
from agent_data_store.backends.usage_counters import bucket_end, epoch_seconds
from agent_data_store.records import document_id, expiry_after, precise_time
from agent_data_store.store import DataStore, DataStoreHandle, agent_handle
from agent_data_store.tracking import RunState

pytestmark = pytest.mark.server

BIG = "x" * 900_000
"""A value stored in chunks on both backends."""


def _delete_dynamodb(backend: Backend, namespace: str, key: str) -> None:
    assert isinstance(backend, DynamoDBBackend)
    backend._db.client.delete_item(TableName=backend.table,
                                   Key=record_key("alice", namespace, key))


def _delete_firestore(backend: Backend, namespace: str, key: str) -> None:
    assert isinstance(backend, FirestoreBackend)
    backend._records.document(firestore_id(document_id("alice", namespace, key))).delete()


def _forget_sizes_dynamodb(backend: Backend) -> None:
    """Make the table look written by the version before usage was kept."""
    assert isinstance(backend, DynamoDBBackend)
    client = backend._db.client
    for item in client.scan(TableName=backend.table)["Items"]:
        key = {"pk": item["pk"], "sk": item["sk"]}
        tag = item["sk"]["S"][:2]
        if tag == "r:":
            client.update_item(TableName=backend.table, Key=key,
                               UpdateExpression="REMOVE valueBytes, metadataBytes, usageBucket")
        elif tag == "n:":
            client.update_item(TableName=backend.table, Key=key,
                               UpdateExpression="REMOVE #bytes, expiringBytes",
                               ExpressionAttributeNames={"#bytes": "bytes"})
        elif tag == "e:":
            client.delete_item(TableName=backend.table, Key=key)


def _forget_sizes_firestore(backend: Backend) -> None:
    assert isinstance(backend, FirestoreBackend)
    gone = firestore.DELETE_FIELD
    for doc in backend._records.stream():
        doc.reference.update({"valueBytes": gone, "metadataBytes": gone, "usageBucket": gone})
    for doc in backend._counters.stream():
        fields = doc.to_dict() or {}
        if "namespace" in fields:
            doc.reference.update({"bytes": gone, "expiringBytes": gone, "until": gone})
        elif "maxRecords" not in fields:
            doc.reference.delete()


DELETE: dict[str, Callable[[Backend, str, str], None]] = {
    "dynamodb": _delete_dynamodb, "firestore": _delete_firestore,
}
FORGET_SIZES: dict[str, Callable[[Backend], None]] = {
    "dynamodb": _forget_sizes_dynamodb, "firestore": _forget_sizes_firestore,
}


@pytest.fixture(params=sorted(DELETE))
def cloud(request: pytest.FixtureRequest) -> Iterator[tuple[str, Backend, StoreConfig]]:
    config: StoreConfig = request.getfixturevalue(f"{request.param}_store_config")
    backend = open_backend(config)
    yield request.param, backend, config
    backend.close()


def _store(backend: Backend, config: StoreConfig, namespace: str = "default",
           **overrides: object) -> DataStoreHandle:
    return agent_handle(DataStore(lambda: backend, config.model_copy(update=overrides), "alice",
                                  "cache", RunState("cache"), namespace))


def _usage(backend: Backend) -> tuple[int, int]:
    usage = backend.user_usage("alice")
    return usage.records, usage.bytes


def _counted(backend: Backend) -> tuple[int, int]:
    records = [r for page in backend.iter_all("alice") for r in page]
    return len(records), sum(record_bytes(r.value_json, r.metadata) for r in records)


def test_a_record_the_database_expired_stops_counting(
    cloud: tuple[str, Backend, StoreConfig],
) -> None:
    name, backend, config = cloud
    store = _store(backend, config, "short-lived", quota_records=2)
    store.set("kept", "here")
    store.set("soon", "gone", ttl=0.3)
    with pytest.raises(Exception, match="over its quota"):
        store.set("third", 3)
    time.sleep(1.5)  # past the expiry and the end of its 1-second bucket
    DELETE[name](backend, "short-lived", "soon")
    assert _usage(backend) == _counted(backend) == (1, len('"here"'))
    store.set("third", 3)  # room again
    assert _usage(backend) == _counted(backend)


def test_an_expired_record_counts_until_its_bucket_ends_even_if_never_deleted(
    cloud: tuple[str, Backend, StoreConfig],
) -> None:
    _, backend, config = cloud
    store = _store(backend, config)
    store.set("soon", "gone", ttl=0.3)
    assert _usage(backend) == (1, len('"gone"'))
    time.sleep(1.5)
    assert _usage(backend) == (0, 0)
    store.set("soon", "back")  # over the expired record: counts once
    assert _usage(backend) == _counted(backend) == (1, len('"back"'))


def test_records_that_expire_are_counted_by_their_bucket_through_every_change(
    cloud: tuple[str, Backend, StoreConfig],
) -> None:
    _, backend, config = cloud
    store = _store(backend, config)
    store.set("a", "x" * 10, metadata={"m": 1}, ttl=3600)
    store.set("b", 5, ttl=60)
    store.set("a", "y", ttl=7200)  # another bucket
    assert store.increment("b", 10) == 15  # keeps its expiry and bucket
    store.set("b", [1, 2, 3])  # no longer expires
    store.set_many({"c": BIG, "d": 1}, ttl=600)
    assert _usage(backend) == _counted(backend)
    assert store.delete("c") is True
    assert store.clear() == 3
    assert _usage(backend) == (0, 0)


def test_a_recount_counts_the_records_of_an_earlier_version_once(
    cloud: tuple[str, Backend, StoreConfig],
) -> None:
    name, backend, config = cloud
    store = _store(backend, config)
    store.set_many({"a": "x" * 10, "b": [1, 2]}, metadata={"m": "é"})
    store.set("big", BIG)
    store.set("soon", "v", ttl=600)
    _store(backend, config, "other").set("c", 3)
    expected = _counted(backend)
    FORGET_SIZES[name](backend)
    assert _usage(backend) != expected
    store.set("b", "written by this version")  # counted in full by the write itself
    expected = _counted(backend)
    assert sum(backend.recount_usage(2)) == 4
    assert _usage(backend) == expected
    assert sum(backend.recount_usage(2)) == 0
    store.set("a", "shorter")
    assert store.delete("big") is True
    assert _usage(backend) == _counted(backend)


@pytest.mark.parametrize(("ttl", "widest"), [(0.3, 1), (100, 1), (600, 8), (86_400, 1024)])
def test_a_bucket_is_at_most_a_64th_of_a_records_life(ttl: float, widest: int) -> None:
    now = time.time()
    expires_at = precise_time(now + ttl)
    end = bucket_end(expires_at, now)
    assert epoch_seconds(expires_at) <= end <= epoch_seconds(expires_at) + widest
    assert end - epoch_seconds(expires_at) <= max(1, ttl / 64)


def test_the_bucket_of_a_record_written_now_ends_after_it_expires() -> None:
    expires_at = expiry_after(0.3)
    assert bucket_end(expires_at) >= epoch_seconds(expires_at)
