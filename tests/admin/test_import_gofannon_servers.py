"""import-gofannon from seed databases on real servers, into SQLite and into another server.

Each source fixture writes documents in the seed's layout straight to its server, the way
the seed runtime stores them: on pouchdb-server one document per record with native JSON;
on DynamoDB Local a table with the hash key ``_id`` and numbers as DynamoDB numbers (floats
through ``Decimal``); on the Firestore emulator a collection whose document IDs are the
``_id``s. The import then runs into SQLite and into another server; ``show`` must give every
field as expected, an agent must read identical values, and a second run must change nothing.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import boto3
import pytest
from google.cloud import firestore

from agent_data_store import DataStorePlugin, StoreConfig
from sandbox_host import ExecutionContext, SandboxHost
from tests.admin.conftest import Cli
from tests.seed_documents import seed_doc, seed_documents
from tests.servers.couchdb import CouchDBServer

pytestmark = pytest.mark.server


@pytest.fixture(autouse=True)
def _private_state_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))


@dataclass(frozen=True)
class SeedServer:
    """A seed database on a server: its URL and how to write documents to it raw."""

    url: str
    write: Callable[[list[dict[str, Any]]], None]
    docs: list[dict[str, Any]]
    expected: dict[str, dict[str, Any]]


@pytest.fixture
def couchdb_seed(couchdb_server: CouchDBServer) -> Iterator[SeedServer]:
    database = f"seed_{uuid.uuid4().hex[:12]}"
    couchdb_server.request("PUT", f"/{database}")

    def write(docs: list[dict[str, Any]]) -> None:
        body = {"docs": [{k: v for k, v in d.items() if k != "_rev"} for d in docs]}
        results = couchdb_server.request("POST", f"/{database}/_bulk_docs", body)
        assert isinstance(results, list) and all("error" not in r for r in results), results

    # pouchdb-server holds numbers as JavaScript doubles: 2**53 is its largest exact integer.
    docs, expected = seed_documents(big_int=2**53)
    yield SeedServer(couchdb_server.store_url(database), write, docs, expected)
    couchdb_server.request("DELETE", f"/{database}")


def _decimals(value: Any) -> Any:
    """``value`` with floats as ``Decimal``, as the seed runtime hands them to boto3."""
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, dict):
        return {key: _decimals(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_decimals(item) for item in value]
    return value


@pytest.fixture
def dynamodb_seed(dynamodb_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> SeedServer:
    for name, value in (("AWS_ACCESS_KEY_ID", "local"), ("AWS_SECRET_ACCESS_KEY", "local"),
                        ("AWS_EC2_METADATA_DISABLED", "true")):
        monkeypatch.setenv(name, value)
    table = f"seed_{uuid.uuid4().hex}"
    resource = boto3.resource("dynamodb", endpoint_url=dynamodb_endpoint, region_name="us-east-1")
    resource.create_table(
        TableName=table, KeySchema=[{"AttributeName": "_id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "_id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    ).wait_until_exists()

    def write(docs: list[dict[str, Any]]) -> None:
        with resource.Table(table).batch_writer() as batch:
            for doc in docs:
                batch.put_item(Item=_decimals({k: v for k, v in doc.items() if k != "_rev"}))

    docs, expected = seed_documents()
    url = f"dynamodb://{table}?region=us-east-1&endpoint_url={dynamodb_endpoint}"
    return SeedServer(url, write, docs, expected)


@pytest.fixture
def firestore_seed(firestore_emulator: str) -> SeedServer:
    client = firestore.Client(project="test-project")
    collection = client.collection(f"seed_{uuid.uuid4().hex}")

    def write(docs: list[dict[str, Any]]) -> None:
        batch = client.batch()
        for doc in docs:
            fields = {k: v for k, v in doc.items() if k not in ("_id", "_rev")}
            if fields.get("key") == "partial":
                # A seed runtime on Firestore may store a timestamp as Firestore's own type.
                fields["createdAt"] = datetime(2026, 2, 5, 14, 22, 0, 123456, tzinfo=UTC)
            batch.set(collection.document(doc["_id"]), fields)
        batch.commit()

    # Firestore holds int64 integers, and its document IDs (the seed's _ids) cannot hold "/".
    docs, expected = seed_documents(big_int=2**62, odd_namespace="notes 2026: Q1 ☃")
    return SeedServer(f"firestore://test-project/{collection.id}", write, docs, expected)


PAIRS = [
    ("couchdb", "sqlite"), ("couchdb", "dynamodb"),
    ("dynamodb", "sqlite"), ("dynamodb", "firestore"),
    ("firestore", "sqlite"), ("firestore", "couchdb"),
]


@pytest.fixture(params=PAIRS, ids=[f"{s}-to-{t}" for s, t in PAIRS])
def source_and_target(request: pytest.FixtureRequest) -> tuple[SeedServer, StoreConfig]:
    source_name, target_name = request.param
    source: SeedServer = request.getfixturevalue(f"{source_name}_seed")
    target: StoreConfig = request.getfixturevalue(f"{target_name}_store_config")
    return source, target


def _show(cli: Cli, target: StoreConfig, doc: dict[str, Any]) -> dict[str, Any]:
    result = cli("--store", target.url, "--json", "show", "--user", doc["userId"],
                 "--namespace", doc["namespace"], doc["key"])
    assert result.code == 0, result.err
    shown: dict[str, Any] = result.json()
    return shown


def test_a_seed_database_moves_with_every_field_and_value(
    cli: Cli, source_and_target: tuple[SeedServer, StoreConfig]
) -> None:
    source, target = source_and_target
    unreadable = seed_doc("user_2", "default", "no-time", 1, createdAt=None, updatedAt=None)
    source.write([*source.docs, unreadable])

    result = cli("--store", target.url, "--json", "import-gofannon", "--page-size", "2",
                 source.url)
    assert result.code == 1, result.err  # the document without timestamps
    report = result.json()
    assert (report["imported"], report["unconvertible"], report["verified"]) == (5, 1, True)
    assert report["unconvertibleDocuments"][0]["id"] == unreadable["_id"]
    assert "missing createdAt, updatedAt, lastAccessedAt" in result.err

    # show: every field, tracking fields and timestamps included, as the rules say.
    for doc_id, expected in source.expected.items():
        assert _show(cli, target, expected) == expected, doc_id

    # A second run finds every record already there, unchanged.
    again = cli("--store", target.url, "--json", "import-gofannon", source.url).json()
    assert (again["imported"], again["identical"], again["different"]) == (0, 5, 0)

    # An agent of each user reads the values exactly: the same JSON text, so ints stay ints
    # (objects compare without order: DynamoDB maps have none).
    host = SandboxHost(plugins=[DataStorePlugin(target)], load_entry_points=False)
    for user in sorted({d["userId"] for d in source.expected.values()}):
        mine = [d for d in source.expected.values() if d["userId"] == user]
        agent = (
            "async def run(input_dict, tools):\n"
            "    got = []\n"
            "    for ns, key in input_dict['keys']:\n"
            "        store = data_store.use_namespace(ns)\n"
            "        got.append([store.get(key), store.get_all()[key]])\n"
            "    return {'got': got}\n"
        )
        keys = [[d["namespace"], d["key"]] for d in mine]
        run = host.run_sync(agent, input_dict={"keys": keys},
                            context=ExecutionContext(user_id=user, agent_name="reader"))
        assert run.error is None, run.error
        assert json.dumps(run.output["got"], sort_keys=True) == json.dumps(
            [[d["value"]] * 2 for d in mine], sort_keys=True)



def test_dynamodb_numbers_come_back_as_the_json_the_seed_wrote(
    cli: Cli, dynamodb_seed: SeedServer, sqlite_store_config: StoreConfig
) -> None:
    numbers = {"tiny": 1e-100, "third": 1 / 3, "huge": 1.5e125, "digits38": 10**37 + 1,
               "negative": -0.5, "whole_float": 100.0, "zero": 0}
    dynamodb_seed.write([seed_doc("u", "default", "numbers", numbers)])
    result = cli("--store", sqlite_store_config.url, "import-gofannon", dynamodb_seed.url)
    assert result.code == 0, result.err
    shown = _show(cli, sqlite_store_config, {"userId": "u", "namespace": "default",
                                             "key": "numbers"})
    # Numbers come back as the decimal text the server keeps: DynamoDB trims trailing zeros
    # (100.0 then reads as the integer 100), DynamoDB Local keeps them; nothing else changes.
    value = dict(shown["value"])
    assert json.dumps(value.pop("whole_float")) in ("100", "100.0")
    expected = {k: v for k, v in numbers.items() if k != "whole_float"}
    assert json.dumps(value, sort_keys=True) == json.dumps(expected, sort_keys=True)


@pytest.mark.parametrize("source_name", ["dynamodb", "firestore"])
def test_values_json_cannot_hold_are_reported_not_imported(
    cli: Cli, request: pytest.FixtureRequest, sqlite_store_config: StoreConfig, source_name: str
) -> None:
    source: SeedServer = request.getfixturevalue(f"{source_name}_seed")
    good = seed_doc("u", "default", "good", {"n": 1})
    # A set (DynamoDB) and bytes (both) have no JSON form.
    odd: Any = {"tags": {"a", "b"}} if source_name == "dynamodb" else {"raw": b"\x00\x01"}
    source.write([good, seed_doc("u", "default", "odd", odd)])
    result = cli("--store", sqlite_store_config.url, "--json", "import-gofannon", source.url)
    assert result.code == 1
    report = result.json()
    assert report["imported"] == 1 and report["unconvertible"] == 1
    reason = report["unconvertibleDocuments"][0]["reason"]
    assert reason.startswith("value.") and "JSON cannot hold" in reason, reason
