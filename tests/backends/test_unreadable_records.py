"""A stored document the backend cannot read is a clear error naming it, never a traceback.

Each test writes a malformed document straight to the real server (pouchdb-server, DynamoDB
Local, the Firestore emulator) or the SQLite file, bypassing the data store: the shape a
document in the seed runtime's layout has (``value`` and ``metadata`` as native JSON,
optional fields left out), and text that is not JSON. Agents then get an
``UnreadableRecordError`` (a ``DataStoreError``) naming the namespace and key but not the
user; operator commands exit 1 with one line naming the whole record ID.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

import pytest

from agent_data_store import Backend, DataStorePlugin, StoreConfig
from agent_data_store.admin.cli import main
from agent_data_store.backends.couchdb import CouchDBBackend, couch_id
from agent_data_store.backends.dynamodb import DynamoDBBackend
from agent_data_store.backends.dynamodb_schema import record_key
from agent_data_store.backends.firestore import FirestoreBackend
from agent_data_store.backends.firestore_layout import firestore_id
from agent_data_store.backends.sqlite import SqliteBackend
from agent_data_store.errors import UnreadableRecordError
from agent_data_store.records import document_id
from sandbox_host import ExecutionContext, SandboxHost

pytestmark = pytest.mark.server

USER, NAMESPACE, KEY = "alice", "default", "seed/doc:ü"
RECORD_ID = document_id(USER, NAMESPACE, KEY)

SEED_FIELDS: dict[str, Any] = {
    "userId": USER, "namespace": NAMESPACE, "key": KEY,
    "value": {"score": 95.5, "items": ["a", "b"]}, "metadata": {"source": "seed"},
    "createdByAgent": "data-processor", "accessCount": 5,
    "createdAt": "2026-02-01T10:30:00Z", "updatedAt": "2026-02-05T14:22:00",
}
"""A record as the seed runtime stores it: native JSON, no lastAccessed* fields."""


def _plant_couchdb(backend: Backend) -> None:
    assert isinstance(backend, CouchDBBackend)
    results = backend.connection.bulk_docs([{"_id": couch_id(RECORD_ID), **SEED_FIELDS}], [512])
    assert "error" not in results[0]


def _plant_dynamodb(backend: Backend) -> None:
    assert isinstance(backend, DynamoDBBackend)
    item = {
        **record_key(USER, NAMESPACE, KEY), "_id": {"S": RECORD_ID},
        "userId": {"S": USER}, "namespace": {"S": NAMESPACE}, "key": {"S": KEY},
        "value": {"M": {"score": {"N": "95.5"}, "items": {"L": [{"S": "a"}, {"S": "b"}]}}},
        "metadata": {"M": {"source": {"S": "seed"}}}, "createdByAgent": {"S": "data-processor"},
        "accessCount": {"N": "5"}, "createdAt": {"S": "2026-02-01T10:30:00Z"}, "rev": {"N": "1"},
    }
    backend._db.client.put_item(TableName=backend.table, Item=item)


def _plant_firestore(backend: Backend) -> None:
    assert isinstance(backend, FirestoreBackend)
    # The query fields make it visible to get_all too, as a record of this layout would be.
    fields = {**SEED_FIELDS, "_id": RECORD_ID, "queryNamespace": NAMESPACE, "queryKey": KEY}
    backend._records.document(firestore_id(RECORD_ID)).set(fields)


def _plant_sqlite(backend: Backend) -> None:
    assert isinstance(backend, SqliteBackend)
    with sqlite3.connect(backend.path) as connection:
        connection.execute(
            f"INSERT INTO {backend.table} (_id, userId, namespace, key, value, metadata, "
            "createdByAgent, lastAccessedByAgent, accessCount, createdAt, updatedAt, "
            "lastAccessedAt) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (RECORD_ID, USER, NAMESPACE, KEY, "{'score': 95.5}", '["not an object"]',
             "data-processor", "data-processor", 5, "2026-02-01T10:30:00Z",
             "2026-02-05T14:22:00Z", "2026-02-05T14:22:00Z"),
        )


PLANT: dict[str, Callable[[Backend], None]] = {
    "sqlite": _plant_sqlite, "couchdb": _plant_couchdb, "dynamodb": _plant_dynamodb,
    "firestore": _plant_firestore,
}


@pytest.fixture(params=sorted(PLANT))
def store_config(request: pytest.FixtureRequest) -> StoreConfig:
    """This module's backends: those a malformed document can be written to by hand."""
    config: StoreConfig = request.getfixturevalue(f"{request.param}_store_config")
    return config


@pytest.fixture
def planted(backend: Backend, store_config: StoreConfig) -> Backend:
    """The backend with one good record and the malformed one next to it."""
    host = _host(backend, store_config)
    assert _run(host, 'data_store.set("good", {"n": 1})\nreturn {}').error is None
    PLANT[store_config.parts.scheme](backend)
    return backend


def _host(backend: Backend, config: StoreConfig) -> SandboxHost:
    return SandboxHost(plugins=[DataStorePlugin(config, backend=backend)],
                       load_entry_points=False)


def _run(host: SandboxHost, body: str) -> Any:
    source = "async def run(input_dict, tools):\n" + "".join(
        f"    {line}\n" for line in body.splitlines()
    )
    return host.run_sync(source, input_dict={},
                         context=ExecutionContext(user_id=USER, agent_name="reader"))


@pytest.mark.parametrize(
    "call",
    [f"data_store.get({KEY!r})", "data_store.get_all()", f"data_store.get_many([{KEY!r}])"],
)
def test_agents_get_a_data_store_error_naming_the_key_but_not_the_user(
    planted: Backend, store_config: StoreConfig, call: str
) -> None:
    result = _run(_host(planted, store_config), f"return {{'v': {call}}}")
    assert result.error is not None
    assert result.error.type == UnreadableRecordError.__name__
    message = result.error.message
    assert f"key {KEY!r} in namespace {NAMESPACE!r} cannot be read" in message
    assert "import-gofannon" in message
    assert USER not in message and "Traceback" not in message


def test_agents_still_list_keys_and_use_the_other_records(
    planted: Backend, store_config: StoreConfig
) -> None:
    host = _host(planted, store_config)
    result = _run(host, "return {'keys': data_store.list_keys(), "
                        "'good': data_store.get('good')}")
    assert result.error is None, result.error
    assert result.output == {"keys": sorted(["good", KEY]), "good": {"n": 1}}


def test_a_write_over_an_unreadable_record_never_fails_with_a_raw_exception(
    planted: Backend, store_config: StoreConfig
) -> None:
    # Backends that read before writing (CouchDB, Firestore) refuse to guess the fields they
    # cannot read; those that update in place (SQLite, DynamoDB's single set) replace the
    # value and leave the unreadable fields as they were.
    result = _run(_host(planted, store_config), f"data_store.set({KEY!r}, 1)\nreturn {{}}")
    assert result.error is None or result.error.type == UnreadableRecordError.__name__
    after = _run(_host(planted, store_config), f"return {{'v': data_store.get({KEY!r})}}")
    assert after.error is None or after.error.type == UnreadableRecordError.__name__


@pytest.mark.parametrize(
    "command",
    [
        ["show", "--user", USER, "--namespace", NAMESPACE, KEY],
        ["export"],
        ["top-accessed"],
    ],
)
def test_operator_commands_name_the_record_in_one_line(
    planted: Backend, store_config: StoreConfig, capsys: pytest.CaptureFixture[str],
    command: list[str],
) -> None:
    capsys.readouterr()
    code = main(["--store", store_config.url, "--table", store_config.table, *command])
    err = capsys.readouterr().err
    assert code == 1
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith(f"agent-data-store: error: record '{RECORD_ID}'")
    assert "cannot be read" in err and "Traceback" not in err
