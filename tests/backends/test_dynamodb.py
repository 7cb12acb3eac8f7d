"""DynamoDB-specific behaviour, on DynamoDB Local: large values, batches, consistency,
concurrent table creation, namespace counts, round-trip budgets, and failures."""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from agent_data_store import Backend, StoreConfig, open_backend
from agent_data_store.backends.base import record_bytes
from agent_data_store.backends.dynamodb import DynamoDBBackend
from agent_data_store.errors import BackendError, BackendUnavailableError
from agent_data_store.records import RecordWrite, utc_now
from agent_data_store.tracking import AccessTracker
from tests.conftest import StoreFactory
from tests.servers._support import free_port
from tests.threads import in_threads

pytestmark = pytest.mark.server


@pytest.fixture
def store_config(dynamodb_store_config: StoreConfig) -> StoreConfig:
    """Run this module's ``backend``/``make_store`` fixtures on DynamoDB only."""
    return dynamodb_store_config


@pytest.fixture
def dynamo(backend: Backend) -> DynamoDBBackend:
    assert isinstance(backend, DynamoDBBackend)
    return backend


class Calls:
    """Counts DynamoDB API calls by operation name, through a botocore event hook."""

    def __init__(self, backend: DynamoDBBackend) -> None:
        self.by_operation: Counter[str] = Counter()
        backend._db.client.meta.events.register("before-call.dynamodb", self._count)

    def _count(self, model: Any, **_: Any) -> None:
        self.by_operation[model.name] += 1

    def reset(self) -> None:
        self.by_operation.clear()


@pytest.fixture
def calls(dynamo: DynamoDBBackend) -> Calls:
    return Calls(dynamo)


def _partition_items(dynamo: DynamoDBBackend, pk: str) -> list[dict[str, Any]]:
    response = dynamo._db.client.query(
        TableName=dynamo.table, ConsistentRead=True,
        KeyConditionExpression="pk = :pk", ExpressionAttributeValues={":pk": {"S": pk}},
    )
    items: list[dict[str, Any]] = response["Items"]
    return items


# -- large values ---------------------------------------------------------------------


def test_large_value_is_split_across_items_and_reassembled(
    make_store: StoreFactory, dynamo: DynamoDBBackend
) -> None:
    store = make_store()
    big = "é" * (500 * 1024)  # 1000 KiB of UTF-8, split in the middle of characters
    store.set("big", big)
    items = _partition_items(dynamo, "alice:default")
    assert len([i for i in items if i["sk"]["S"].startswith("v:")]) == 3
    assert store.get("big") == big
    assert store.get_many(["big"]) == {"big": big}
    assert store.get_all() == {"big": big}


def test_overwriting_a_large_value_with_a_small_one_removes_its_chunks(
    make_store: StoreFactory, dynamo: DynamoDBBackend
) -> None:
    store = make_store()
    store.set("big", "x" * 1_000_000)
    store.set("big", "small")
    items = _partition_items(dynamo, "alice:default")
    assert [i["sk"]["S"] for i in items] == ["r:big"]
    assert store.get("big") == "small"


def test_deleting_a_large_value_deletes_every_chunk(
    make_store: StoreFactory, dynamo: DynamoDBBackend
) -> None:
    store = make_store()
    store.set("big", "x" * 1_000_000)
    assert store.delete("big") is True
    assert _partition_items(dynamo, "alice:default") == []


@pytest.mark.parametrize("read", ["get", "get_many", "get_all"])
def test_a_large_value_overwritten_while_it_is_read_is_read_again(
    make_store: StoreFactory, dynamo: DynamoDBBackend, monkeypatch: pytest.MonkeyPatch,
    read: str,
) -> None:
    store = make_store()
    store.set("big", "a" * 1_000_000)
    real = dynamo._db.batch_get
    overwritten: list[bool] = []

    def overwrite_before_chunks(keys: Any, attributes: Any) -> list[dict[str, Any]]:
        """Fault injection: another writer replaces the value between head and chunks."""
        if not overwritten and keys[0]["sk"]["S"].startswith("v:"):
            overwritten.append(True)
            make_store(agent="other").set("big", "b" * 1_000_000)
        return real(keys, attributes)

    monkeypatch.setattr(dynamo._db, "batch_get", overwrite_before_chunks)
    result = {"get": lambda: store.get("big"), "get_many": lambda: store.get_many(["big"])["big"],
              "get_all": lambda: store.get_all()["big"]}[read]()
    assert overwritten and result == "b" * 1_000_000


def test_keys_and_namespaces_longer_than_dynamodb_key_limits_round_trip(
    make_store: StoreFactory,
) -> None:
    long_key = "🎉" * 1024  # 4 KiB of UTF-8: more than a sort key may hold
    other = "🎉" * 1023 + "x"
    store = make_store().use_namespace("名" * 1024)
    store.set_many({long_key: 1, other: 2})
    assert store.get(long_key) == 1
    assert store.list_keys(prefix="🎉" * 1000) == sorted([long_key, other])
    assert store.list_keys(prefix=long_key) == [long_key]
    assert make_store().list_namespaces() == ["名" * 1024]


# -- batches and consistency ------------------------------------------------------------


def test_unprocessed_keys_are_retried_until_every_key_is_read(
    make_store: StoreFactory, dynamo: DynamoDBBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = make_store()
    store.set_many({f"k{i}": i for i in range(100)})
    real = dynamo._db.client.batch_get_item
    sizes: list[int] = []

    def half_unprocessed(**request: Any) -> dict[str, Any]:
        """Fault injection: process half of each request's keys, as a throttled table does."""
        table_request = request["RequestItems"][dynamo.table]
        keys = table_request["Keys"]
        sizes.append(len(keys))
        kept, left = keys[: (len(keys) + 1) // 2], keys[(len(keys) + 1) // 2 :]
        response: dict[str, Any] = real(RequestItems={dynamo.table: {**table_request,
                                                                     "Keys": kept}})
        if left:
            response["UnprocessedKeys"] = {dynamo.table: {**table_request, "Keys": left}}
        return response

    monkeypatch.setattr(dynamo._db.client, "batch_get_item", half_unprocessed)
    assert store.get_many([f"k{i}" for i in range(100)]) == {f"k{i}": i for i in range(100)}
    assert sizes == [100, 50, 25, 12, 6, 3, 1]


def test_keys_are_listed_right_after_they_are_written(make_store: StoreFactory) -> None:
    store = make_store()
    for i in range(20):
        store.set(f"k{i:02d}", i)
        assert store.list_keys()[-1] == f"k{i:02d}"
        assert store.get_all()[f"k{i:02d}"] == i
        assert store.list_namespaces() == ["default"]


def test_keys_list_in_code_point_order(make_store: StoreFactory, dynamo: DynamoDBBackend) -> None:
    keys = ["b", "a", "Z", "é", "😀", "\uffff", "a/b", "a b", "ab"]
    make_store().set_many(dict.fromkeys(keys, 1))
    assert [k for page in dynamo.iter_keys("alice", "default") for k in page] == sorted(keys)


def test_concurrent_first_use_creates_the_table_once(dynamodb_store_config: StoreConfig) -> None:
    opened: list[Backend] = []

    def open_one(index: int) -> None:
        opened.append(open_backend(dynamodb_store_config))

    in_threads(8, open_one)
    assert len(opened) == 8
    write = RecordWrite("alice", "default", "k", "1", None, "agent", utc_now())
    opened[0].put_many([write])
    assert all(b.get("alice", "default", "k") is not None for b in opened)
    for backend in opened:
        backend.close()


def test_namespace_disappears_after_its_last_delete_under_concurrent_writers(
    make_store: StoreFactory, dynamo: DynamoDBBackend
) -> None:
    def churn(index: int) -> None:
        store = make_store(agent=f"agent-{index}").use_namespace("busy")
        for n in range(4):
            store.set_many({f"{index}-{n}-a": n, f"{index}-{n}-b": n})
            store.delete(f"{index}-{n}-a")
            store.delete_many([f"{index}-{n}-b", "never-there"])

    in_threads(6, churn)
    assert make_store().list_namespaces() == []
    counters = _partition_items(dynamo, "alice")
    assert [int(item["records"]["N"]) for item in counters] in ([], [0])


def test_namespace_disappears_when_cleared_while_others_write_elsewhere(
    make_store: StoreFactory,
) -> None:
    make_store().use_namespace("doomed").set_many({f"k{i}": i for i in range(150)})

    def work(index: int) -> None:
        if index == 0:
            assert make_store().use_namespace("doomed").clear() == 150
        else:
            make_store().use_namespace(f"kept{index}").set("k", index)

    in_threads(4, work)
    assert make_store().list_namespaces() == ["kept1", "kept2", "kept3"]


# -- round-trip budgets -----------------------------------------------------------------


def test_get_is_one_call(make_store: StoreFactory, calls: Calls) -> None:
    store = make_store()
    store.set("k", 1)
    calls.reset()
    store.get("k")
    assert calls.by_operation == {"GetItem": 1}


def test_get_many_of_100_keys_is_one_call(make_store: StoreFactory, calls: Calls) -> None:
    store = make_store()
    store.set_many({f"k{i}": i for i in range(100)})
    calls.reset()
    store.get_many([f"k{i}" for i in range(100)])
    assert calls.by_operation == {"BatchGetItem": 1}


@pytest.mark.parametrize("existing", [False, True], ids=["create", "overwrite"])
def test_set_many_of_100_items_is_one_read_and_at_most_four_writes(
    make_store: StoreFactory, calls: Calls, existing: bool
) -> None:
    store = make_store()
    items = {f"k{i}": {"n": i} for i in range(100)}
    if existing:
        store.set_many(items)
    calls.reset()
    store.set_many(items)
    assert calls.by_operation["BatchGetItem"] == 1
    assert calls.by_operation["TransactWriteItems"] <= 4
    assert set(calls.by_operation) == {"BatchGetItem", "TransactWriteItems"}


def test_set_of_a_new_key_is_one_transaction(make_store: StoreFactory, calls: Calls) -> None:
    store = make_store()
    store.set("k", 1)
    assert calls.by_operation == {"TransactWriteItems": 1}
    assert store.get("k") == 1
    assert store.list_namespaces() == ["default"]


def test_overwrite_without_metadata_is_one_update(make_store: StoreFactory, calls: Calls) -> None:
    store = make_store()
    store.set("k", 1, metadata={"kind": "counter"})
    calls.reset()
    store.set("k", 2)
    assert calls.by_operation == {"UpdateItem": 1}
    assert store.get("k") == 2


def test_overwrite_with_the_metadata_already_stored_is_one_update(
    make_store: StoreFactory, dynamo: DynamoDBBackend, calls: Calls
) -> None:
    store = make_store()
    store.set("k", 1, metadata={"kind": "counter"})
    calls.reset()
    store.set("k", 2, metadata={"kind": "counter"})
    assert calls.by_operation == {"UpdateItem": 1}
    record = dynamo.get("alice", "default", "k")
    assert record is not None and record.metadata == {"kind": "counter"}


def test_overwrite_that_merges_metadata_reads_the_record_first(
    make_store: StoreFactory, dynamo: DynamoDBBackend, calls: Calls
) -> None:
    store = make_store()
    store.set("k", 1, metadata={"a": 1})
    calls.reset()
    store.set("k", 2, metadata={"b": 2})
    # The update in place is refused (other metadata of the same size) and returns the
    # record, over which the transaction merges: no read of its own.
    assert calls.by_operation == {"UpdateItem": 1, "TransactWriteItems": 1}
    record = dynamo.get("alice", "default", "k")
    assert record is not None and record.metadata == {"a": 1, "b": 2}


def test_overwrite_in_place_keeps_creation_fields_and_access_count(
    make_store: StoreFactory, dynamo: DynamoDBBackend, calls: Calls
) -> None:
    make_store(agent="creator").set("k", 1)
    store = make_store(agent="writer")
    assert store.get("k") == 1
    make_store.flush()  # type: ignore[attr-defined]
    before = dynamo.get("alice", "default", "k")
    calls.reset()
    store.set("k", 2)
    assert calls.by_operation == {"UpdateItem": 1}
    after = dynamo.get("alice", "default", "k")
    assert before is not None and after is not None
    assert (after.created_by_agent, after.created_at, after.access_count) == (
        "creator", before.created_at, 1)
    assert (after.value, after.last_accessed_by_agent) == (2, "writer")


def test_a_create_that_finds_the_key_created_meanwhile_overwrites_it(
    make_store: StoreFactory, dynamodb_store_config: StoreConfig, dynamo: DynamoDBBackend
) -> None:
    other = open_backend(dynamodb_store_config)  # another process: it has seen nothing
    assert isinstance(other, DynamoDBBackend)
    make_store(agent="first").set("k", 1)
    write = RecordWrite("alice", "default", "k", "2", None, "second", utc_now())
    counter = Calls(other)
    other.put_many([write])
    # The refused create returns the record; the overwrite is a transaction over it.
    assert counter.by_operation == {"TransactWriteItems": 2}
    record = dynamo.get("alice", "default", "k")
    assert record is not None
    assert (record.value, record.created_by_agent) == (2, "first")
    assert _partition_items(dynamo, "alice")[0]["records"] == {"N": "1"}
    other.close()


def test_an_overwrite_of_a_key_deleted_meanwhile_creates_it_again(
    make_store: StoreFactory, dynamodb_store_config: StoreConfig, dynamo: DynamoDBBackend,
    calls: Calls,
) -> None:
    store = make_store(agent="writer")
    store.set("k", 1)
    other = open_backend(dynamodb_store_config)
    assert other.delete_many("alice", "default", ["k"]) == 1
    other.close()
    assert make_store().list_namespaces() == []
    calls.reset()
    store.set("k", 2)
    assert calls.by_operation == {"UpdateItem": 1, "BatchGetItem": 1, "TransactWriteItems": 1}
    record = dynamo.get("alice", "default", "k")
    assert record is not None
    assert (record.value, record.created_by_agent, record.access_count) == (2, "writer", 0)
    assert make_store().list_namespaces() == ["default"]


def test_concurrent_first_sets_of_one_key_count_it_once(
    dynamodb_store_config: StoreConfig, dynamo: DynamoDBBackend
) -> None:
    backends = [open_backend(dynamodb_store_config) for _ in range(6)]

    def set_key(index: int) -> None:
        for round_ in range(5):
            write = RecordWrite("alice", "default", f"k{round_}", str(index), None,
                                f"agent-{index}", utc_now())
            backends[index].put_many([write])

    in_threads(6, set_key)
    assert [int(i["records"]["N"]) for i in _partition_items(dynamo, "alice")] == [5]
    assert [k for page in dynamo.iter_keys("alice", "default") for k in page] == [
        f"k{i}" for i in range(5)]
    for backend in backends:
        backend.close()


def test_overwrites_racing_deletes_leave_the_namespace_count_exact(
    dynamodb_store_config: StoreConfig, dynamo: DynamoDBBackend
) -> None:
    backends = [open_backend(dynamodb_store_config) for _ in range(4)]

    def churn(index: int) -> None:
        for round_ in range(15):
            if index % 2:
                backends[index].delete_many("alice", "default", ["k"])
            else:
                backends[index].put_many([RecordWrite("alice", "default", "k", str(round_),
                                                      None, f"agent-{index}", utc_now())])

    in_threads(4, churn)
    exists = dynamo.get("alice", "default", "k") is not None
    assert [int(i["records"]["N"]) for i in _partition_items(dynamo, "alice")] == [int(exists)]
    for backend in backends:
        backend.close()


@pytest.mark.parametrize("count", [1, 50, 120, 250])
def test_get_all_of_n_keys_is_at_most_n_over_page_size_queries(
    dynamodb_store_config: StoreConfig, count: int
) -> None:
    config = dynamodb_store_config.model_copy(update={"page_size": 50})
    backend = open_backend(config)
    assert isinstance(backend, DynamoDBBackend)
    at = utc_now()
    backend.put_many([RecordWrite("alice", "default", f"k{i:03d}", "1", None, "a", at)
                      for i in range(count)])
    counter = Calls(backend)
    records = [r for page in backend.iter_records("alice", "default") for r in page]
    assert len(records) == count
    assert counter.by_operation == {"Query": math.ceil(count / 50)}
    backend.close()


def test_get_all_of_1000_small_values_is_one_query(
    make_store: StoreFactory, calls: Calls
) -> None:
    store = make_store()
    store.set_many({f"k{i}": {"n": i} for i in range(1000)})
    calls.reset()
    assert store.get_all() == {f"k{i}": {"n": i} for i in range(1000)}
    assert calls.by_operation == {"Query": 1}


def test_tracking_of_k_reads_is_one_transaction_per_100_keys(
    make_store: StoreFactory, calls: Calls
) -> None:
    store = make_store()
    store.set_many({f"k{i}": i for i in range(250)})
    store.get_all()
    calls.reset()
    make_store.flush()  # type: ignore[attr-defined]
    assert calls.by_operation == {"TransactWriteItems": 3}


# -- failures ---------------------------------------------------------------------------


def _read_250_keys_twice(make_store: StoreFactory) -> AccessTracker:
    """250 records, each read twice by a run: a flush of three transactions."""
    make_store().set_many({f"k{i:03}": i for i in range(250)})
    tracker = AccessTracker()
    for _ in range(2):
        tracker.record("alice", "default", [f"k{i:03}" for i in range(250)], "reader")
    return tracker


def _fail_the_transaction_of(
    dynamo: DynamoDBBackend, monkeypatch: pytest.MonkeyPatch, key: str, error: Exception, *,
    after_commit: bool = False,
) -> None:
    """Fault injection: the transaction updating ``key`` raises ``error`` (before it is sent,
    or once DynamoDB committed it); the others go through."""
    real = dynamo._db.client.transact_write_items

    def transact(**request: Any) -> dict[str, Any]:
        mine = any(item["Update"]["Key"]["sk"]["S"] == f"r:{key}"
                   for item in request["TransactItems"])
        if mine and not after_commit:
            raise error
        response: dict[str, Any] = real(**request)
        if mine:
            raise error
        return response

    monkeypatch.setattr(dynamo._db.client, "transact_write_items", transact)


def _access_counts(dynamo: DynamoDBBackend) -> Counter[int]:
    records = dynamo.get_many("alice", "default", [f"k{i:03}" for i in range(250)])
    return Counter(record.access_count for record in records.values())


def test_a_refused_access_transaction_is_written_again_alone_and_counts_each_read_once(
    make_store: StoreFactory, dynamo: DynamoDBBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    from botocore.exceptions import ClientError

    tracker = _read_250_keys_twice(make_store)
    refusal = ClientError({"Error": {"Code": "ValidationException", "Message": "no"}},
                          "TransactWriteItems")
    with monkeypatch.context() as patch:
        _fail_the_transaction_of(dynamo, patch, "k150", refusal)
        with pytest.raises(BackendError, match="no"):
            tracker.flush(dynamo)
    assert _access_counts(dynamo) == {2: 150, 0: 100}
    assert len(tracker) == 100  # only the refused transaction's keys were put back
    assert tracker.flush(dynamo) == 100
    assert _access_counts(dynamo) == {2: 250}


def test_an_access_transaction_never_sent_is_written_again(
    make_store: StoreFactory, dynamo: DynamoDBBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    from botocore.exceptions import EndpointConnectionError

    tracker = _read_250_keys_twice(make_store)
    with monkeypatch.context() as patch:
        _fail_the_transaction_of(dynamo, patch, "k000",
                                 EndpointConnectionError(endpoint_url="http://127.0.0.1:1"))
        with pytest.raises(BackendUnavailableError):
            tracker.flush(dynamo)
    tracker.flush(dynamo)
    assert _access_counts(dynamo) == {2: 250}


def test_an_access_transaction_that_timed_out_after_committing_is_not_counted_twice(
    make_store: StoreFactory, dynamo: DynamoDBBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    from botocore.exceptions import ReadTimeoutError

    tracker = _read_250_keys_twice(make_store)
    with monkeypatch.context() as patch:
        _fail_the_transaction_of(dynamo, patch, "k249", ReadTimeoutError(endpoint_url="x"),
                                 after_commit=True)
        with pytest.raises(BackendUnavailableError, match="did not answer"):
            tracker.flush(dynamo)
    assert len(tracker) == 0  # the outcome is unknown: a lost count beats a double one
    tracker.flush(dynamo)
    assert _access_counts(dynamo) == {2: 250}


def test_an_access_transaction_resent_after_a_dropped_connection_applies_once(
    make_store: StoreFactory, dynamo: DynamoDBBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    from botocore.exceptions import ConnectionClosedError

    tracker = _read_250_keys_twice(make_store)
    real = dynamo._db.client.transact_write_items
    dropped = iter([True])

    def drop_once_after_commit(**request: Any) -> dict[str, Any]:
        """Fault injection: the first answer is lost after DynamoDB committed."""
        response: dict[str, Any] = real(**request)
        if next(dropped, False):
            raise ConnectionClosedError(endpoint_url="x")
        return response

    monkeypatch.setattr(dynamo._db.client, "transact_write_items", drop_once_after_commit)
    tracker.flush(dynamo)  # the client's resend carries the same ClientRequestToken
    assert _access_counts(dynamo) == {2: 250}




def test_throttling_is_retried_before_it_reaches_the_caller(
    make_store: StoreFactory, dynamo: DynamoDBBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    from botocore.exceptions import ClientError

    store = make_store()
    store.set("k", 1)
    real = dynamo._db.client.batch_get_item
    throttled = iter([True, True])

    def sometimes_throttled(**request: Any) -> dict[str, Any]:
        """Fault injection: the first two calls are throttled."""
        if next(throttled, False):
            error = {"Error": {"Code": "ProvisionedThroughputExceededException",
                               "Message": "Rate exceeded"}}
            raise ClientError(error, "BatchGetItem")
        response: dict[str, Any] = real(**request)
        return response

    monkeypatch.setattr(dynamo._db.client, "batch_get_item", sometimes_throttled)
    assert store.get("k") == 1


def test_unreachable_endpoint_fails_fast_without_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLEKEY")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "very-secret-key")
    endpoint = f"http://admin:hunter2@127.0.0.1:{free_port()}"
    config = StoreConfig(url=f"dynamodb://t_unreachable?region=eu-west-1&endpoint_url={endpoint}")
    started = time.monotonic()
    with pytest.raises(BackendUnavailableError) as caught:
        open_backend(config)
    assert time.monotonic() - started < 5
    message = str(caught.value)
    assert "could not be reached" in message and "t_unreachable" in message
    for secret in ("hunter2", "AKIDEXAMPLEKEY", "very-secret-key", "Error", "botocore"):
        assert secret not in message
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_a_deleted_table_is_reported_as_a_data_store_error(
    make_store: StoreFactory, dynamo: DynamoDBBackend, caplog: pytest.LogCaptureFixture
) -> None:
    store = make_store()
    dynamo._db.client.delete_table(TableName=dynamo.table)
    with pytest.raises(BackendError, match=r"data_store.get\('k'\) failed") as caught:
        store.get("k")
    assert "Exception" not in str(caught.value) and dynamo.table not in str(caught.value)
    # The operator's log says what happened.
    assert f"DynamoDB table '{dynamo.table}'" in caplog.text and "does not exist" in caplog.text


def test_dynamodb_local_listens_on_loopback_only(dynamodb_endpoint: str) -> None:
    port = int(dynamodb_endpoint.rsplit(":", 1)[1])
    listening = list(_listening_addresses(port))
    assert listening
    assert all(address in ("0100007F", "0000000000000000FFFF00000100007F")
               for address in listening), listening


def _listening_addresses(port: int) -> Iterator[str]:
    """Local addresses (hex, as /proc shows them) of sockets listening on ``port``."""
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        path = Path(table)
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            fields = line.split()
            address, _, hex_port = fields[1].partition(":")
            if int(hex_port, 16) == port and fields[3] == "0A":  # 0A: LISTEN
                yield address


def _usage_is_exact(dynamo: DynamoDBBackend) -> bool:
    records = [r for page in dynamo.iter_all("alice") for r in page]
    usage = dynamo.user_usage("alice")
    return (usage.records, usage.bytes) == (
        len(records), sum(record_bytes(r.value_json, r.metadata) for r in records))


def test_an_overwrite_in_place_that_changes_the_size_moves_the_counters_in_one_transaction(
    make_store: StoreFactory, dynamo: DynamoDBBackend, calls: Calls
) -> None:
    store = make_store()
    store.set("k", "small")
    calls.reset()
    store.set("k", "same!")
    assert calls.by_operation == {"UpdateItem": 1}  # the size stays: no counter moves
    calls.reset()
    store.set("k", "a good deal longer")
    assert calls.by_operation == {"TransactWriteItems": 1}
    calls.reset()
    store.set("k", "x", ttl=60)  # from never expiring to expiring: read, then transaction
    store.set("k", "y", ttl=120)  # seen in its bucket: one transaction (a new bucket)
    calls.reset()
    store.set("k", "zz", ttl=120)  # another size, maybe another bucket
    assert calls.by_operation == {"TransactWriteItems": 1}
    assert _usage_is_exact(dynamo)


def test_an_overwrite_guessing_the_size_of_a_record_not_seen_costs_a_call_when_wrong(
    make_store: StoreFactory, dynamodb_store_config: StoreConfig, dynamo: DynamoDBBackend,
) -> None:
    make_store().set("k", "written elsewhere", metadata={"m": 1})
    other = open_backend(dynamodb_store_config)
    assert isinstance(other, DynamoDBBackend)
    assert other.get_value_json("alice", "default", "k") is not None  # seen, with its sizes
    counter = Calls(other)
    other.put_many([RecordWrite("alice", "default", "k", '"short"', None, "b", utc_now())])
    assert counter.by_operation == {"TransactWriteItems": 1}
    other.close()
    assert _usage_is_exact(dynamo)


def test_an_increment_that_adds_a_digit_is_one_refused_update_and_one_transaction(
    make_store: StoreFactory, dynamo: DynamoDBBackend, calls: Calls
) -> None:
    store = make_store()
    assert store.increment("n", 8) == 8
    calls.reset()
    assert store.increment("n") == 9
    assert calls.by_operation == {"UpdateItem": 1}
    calls.reset()
    assert store.increment("n") == 10
    assert calls.by_operation == {"UpdateItem": 1, "TransactWriteItems": 1}
    assert store.increment("n", -20) == -10
    assert store.increment("n", 10**36) == 10**36 - 10
    assert _usage_is_exact(dynamo)


def test_usage_is_one_query_of_the_users_live_counters(
    make_store: StoreFactory, dynamo: DynamoDBBackend, calls: Calls
) -> None:
    make_store().set_many({"a": 1, "b": 2}, ttl=600)
    make_store(namespace="other").set("c", 3)
    dynamo.set_user_quota("alice", 10, None)
    calls.reset()
    usage = dynamo.user_usage("alice")
    assert (usage.records, usage.max_records, usage.max_bytes) == (3, 10, None)
    assert calls.by_operation == {"Query": 1}
