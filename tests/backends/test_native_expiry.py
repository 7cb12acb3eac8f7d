"""DynamoDB and Firestore delete expired records themselves (TTL), behind the store's back.

The store must stay right when that happens: the records carry the attributes the database's
expiry acts on (DynamoDB's time-to-live attribute, Firestore's timestamp, on value chunks
too), DynamoDB's table has time to live switched on, and a namespace whose records the
database deleted is no longer listed although its counter never heard of the deletion.
Each test deletes the items directly, as the database's expiry would.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

import pytest

from agent_data_store import Backend, StoreConfig, open_backend
from agent_data_store.backends.dynamodb import DynamoDBBackend
from agent_data_store.backends.dynamodb_schema import TTL_ATTRIBUTE, record_key
from agent_data_store.backends.firestore import FirestoreBackend
from agent_data_store.backends.firestore_layout import CHUNKS, firestore_id
from agent_data_store.records import document_id
from agent_data_store.store import DataStore, DataStoreHandle, agent_handle
from agent_data_store.tracking import RunState

pytestmark = pytest.mark.server

BIG = "x" * 900_000
"""A value stored in chunks on both backends."""


def _delete_dynamodb(backend: Backend, key: str) -> None:
    assert isinstance(backend, DynamoDBBackend)
    backend._db.client.delete_item(TableName=backend.table,
                                   Key=record_key("alice", "short-lived", key))


def _delete_firestore(backend: Backend, key: str) -> None:
    assert isinstance(backend, FirestoreBackend)
    backend._records.document(firestore_id(document_id("alice", "short-lived", key))).delete()


DELETE: dict[str, Callable[[Backend, str], None]] = {
    "dynamodb": _delete_dynamodb, "firestore": _delete_firestore,
}


@pytest.fixture(params=sorted(DELETE))
def native(request: pytest.FixtureRequest) -> tuple[str, StoreConfig]:
    config: StoreConfig = request.getfixturevalue(f"{request.param}_store_config")
    return request.param, config


def _store(backend: Backend, config: StoreConfig, namespace: str) -> DataStoreHandle:
    return agent_handle(DataStore(lambda: backend, config, "alice", "cache", RunState("cache"),
                                  namespace))


def test_a_namespace_the_database_emptied_by_expiry_is_not_listed(
    native: tuple[str, StoreConfig],
) -> None:
    name, config = native
    backend = open_backend(config)
    try:
        store = _store(backend, config, "short-lived")
        store.set_many({"a": 1, "b": 2}, ttl=60)
        _store(backend, config, "kept").set("c", 3)
        assert store.list_namespaces() == ["kept", "short-lived"]
        for key in ("a", "b"):
            DELETE[name](backend, key)
        assert store.list_namespaces() == ["kept"]
        # The counters still work for what the store does itself afterwards.
        store.set("d", 4)
        assert store.list_namespaces() == ["kept", "short-lived"]
        assert store.delete("d") is True
        assert store.list_namespaces() == ["kept"]
    finally:
        backend.close()


def test_dynamodb_records_and_chunks_carry_the_time_to_live_attribute(
    dynamodb_store_config: StoreConfig,
) -> None:
    backend = open_backend(dynamodb_store_config)
    assert isinstance(backend, DynamoDBBackend)
    try:
        described = backend._db.client.describe_time_to_live(TableName=backend.table)
        setting = described["TimeToLiveDescription"]
        assert setting["AttributeName"] == TTL_ATTRIBUTE
        assert setting["TimeToLiveStatus"] in ("ENABLED", "ENABLING")
        store = _store(backend, dynamodb_store_config, "short-lived")
        store.set("big", BIG, ttl=60)
        store.set("forever", 1)
        items = backend._db.client.scan(TableName=backend.table)["Items"]
        expiring = [item for item in items if TTL_ATTRIBUTE in item]
        assert len(expiring) >= 2  # the record and its chunks
        epoch = int(expiring[0][TTL_ATTRIBUTE]["N"])
        assert time.time() + 59 < epoch <= time.time() + 61
        assert all(item["sk"]["S"] != "r:forever" for item in expiring)
        store.set("big", "small now")  # no ttl: the expiry is cleared
        assert not any(TTL_ATTRIBUTE in item and item["sk"]["S"].startswith("r:big")
                       for item in backend._db.client.scan(TableName=backend.table)["Items"])
    finally:
        backend.close()


def test_firestore_records_and_chunks_carry_an_expiry_timestamp(
    firestore_store_config: StoreConfig,
) -> None:
    backend = open_backend(firestore_store_config)
    assert isinstance(backend, FirestoreBackend)
    try:
        _store(backend, firestore_store_config, "short-lived").set("big", BIG, ttl=60)
        ref = backend._records.document(firestore_id(document_id("alice", "short-lived", "big")))
        stored = ref.get().get("expiresAt")
        assert isinstance(stored, datetime)
        chunks = list(ref.collection(CHUNKS).stream())
        assert chunks and all(chunk.get("expiresAt") == stored for chunk in chunks)
    finally:
        backend.close()
