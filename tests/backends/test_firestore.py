"""Firestore-specific behaviour, on the emulator: document IDs, values Firestore refuses,
chunked large values, namespace counters under concurrency, tracking of deleted records,
round-trip budgets, and fast failure."""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from google.api_core.exceptions import DeadlineExceeded, GoogleAPICallError, InvalidArgument
from google.cloud.firestore_v1.types import BatchWriteResponse, WriteResult
from google.rpc.status_pb2 import Status

from agent_data_store import Backend, StoreConfig, open_backend
from agent_data_store.backends import firestore as firestore_backend
from agent_data_store.backends.firestore import FirestoreBackend
from agent_data_store.backends.firestore_layout import (
    CHUNKS,
    COUNTERS,
    COUNTERS_PARENT,
    counter_id,
    firestore_id,
)
from agent_data_store.errors import BackendUnavailableError, ConfigurationError, DataStoreError
from agent_data_store.records import document_id
from agent_data_store.tracking import AccessTracker, RunState
from tests.conftest import StoreFactory
from tests.servers._support import free_port
from tests.threads import in_threads

pytestmark = pytest.mark.server

RPCS = ("batch_get_documents", "run_query", "commit", "batch_write", "begin_transaction")


@pytest.fixture
def store_config(firestore_store_config: StoreConfig) -> StoreConfig:
    """Run this module's ``backend``/``make_store`` fixtures on Firestore only."""
    return firestore_store_config


@pytest.fixture
def firestore(backend: Backend) -> FirestoreBackend:
    assert isinstance(backend, FirestoreBackend)
    return backend


class RpcCounts:
    """Counts the RPCs a backend's client sends, by wrapping its GAPIC client's methods."""

    def __init__(self, backend: FirestoreBackend) -> None:
        self.by_rpc: Counter[str] = Counter()
        api = backend.client._firestore_api
        for name in RPCS:
            setattr(api, name, self._counting(name, getattr(api, name)))

    def _counting(self, name: str, method: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            self.by_rpc[name] += 1
            return method(*args, **kwargs)

        return call

    def reset(self) -> None:
        self.by_rpc.clear()

    @property
    def total(self) -> int:
        return sum(self.by_rpc.values())


@pytest.fixture
def rpcs(firestore: FirestoreBackend) -> RpcCounts:
    return RpcCounts(firestore)


def _raw(firestore: FirestoreBackend, user: str, namespace: str, key: str) -> Any:
    """The record's Firestore document, read with the plain client."""
    doc_id = firestore_id(document_id(user, namespace, key))
    return firestore.client.collection(firestore.collection).document(doc_id)


def _counter(firestore: FirestoreBackend, user: str, namespace: str) -> int:
    snapshot = (
        firestore.client.collection(firestore.collection, COUNTERS_PARENT, COUNTERS)
        .document(counter_id(user, namespace)).get()
    )
    return int((snapshot.to_dict() or {}).get("count", 0))


def _chunk_ids(firestore: FirestoreBackend, user: str, namespace: str, key: str) -> list[str]:
    return [doc.id for doc in _raw(firestore, user, namespace, key).collection(CHUNKS).stream()]


# -- document IDs -------------------------------------------------------------------------

PATH_LIKE = ["/", ".", "..", "__x__", "a/b", "../up", "_leading", "%2F", "sha256-abc"]


@pytest.mark.parametrize("name", PATH_LIKE)
def test_path_like_keys_and_namespaces_round_trip(make_store: StoreFactory, name: str) -> None:
    store = make_store().use_namespace(name)
    store.set(name, {"name": name})
    assert store.get(name) == {"name": name}
    assert store.list_keys() == [name]
    assert make_store().list_namespaces() == [name]
    assert store.delete(name) is True
    assert make_store().list_namespaces() == []


def test_document_id_is_readable_and_logical_fields_are_kept(
    make_store: StoreFactory, firestore: FirestoreBackend
) -> None:
    make_store().use_namespace("files:apache/my-repo").set("src/a.py", 1)
    snapshot = _raw(firestore, "alice", "files:apache/my-repo", "src/a.py").get()
    logical = document_id("alice", "files:apache/my-repo", "src/a.py")
    assert snapshot.id == logical.replace("/", "%2F")
    fields = snapshot.to_dict()
    assert (fields["_id"], fields["userId"], fields["namespace"], fields["key"]) == (
        logical, "alice", "files:apache/my-repo", "src/a.py"
    )


def test_ids_that_would_be_reserved_or_too_long_are_encoded() -> None:
    assert not firestore_id("__x__:ns:a2V5").startswith("__")
    long_id = document_id("alice", "名" * 1024, "🎉" * 1024)
    encoded = firestore_id(long_id)
    assert len(encoded.encode()) <= 1500 and "/" not in encoded and ":" not in encoded
    assert firestore_id(long_id + "x") != encoded


def test_thousand_character_unicode_keys_and_namespaces_round_trip(
    make_store: StoreFactory,
) -> None:
    namespace = "名" * 1000
    long_key, other = "🎉" * 1000, "🎉" * 999 + "x"
    store = make_store().use_namespace(namespace)
    store.set_many({long_key: 1, other: 2})
    assert store.get(long_key) == 1
    assert store.get_many([long_key, other]) == {long_key: 1, other: 2}
    assert store.get_all() == {long_key: 1, other: 2}
    assert store.list_keys(prefix="🎉" * 500) == sorted([long_key, other])
    assert store.list_keys(prefix=long_key) == [long_key]
    assert make_store().list_namespaces() == [namespace]
    assert store.clear() == 2
    assert make_store().list_namespaces() == []


def test_namespaces_sharing_a_long_prefix_stay_apart(make_store: StoreFactory) -> None:
    first = make_store().use_namespace("名" * 1000 + "1")
    second = make_store().use_namespace("名" * 1000 + "2")
    first.set("k", 1)
    second.set("k", 2)
    assert (first.get_all(), second.get_all()) == ({"k": 1}, {"k": 2})
    assert first.clear() == 1
    assert second.list_keys() == ["k"]


# -- values -------------------------------------------------------------------------------


def test_big_ints_and_nested_arrays_round_trip(make_store: StoreFactory) -> None:
    value = {"big": 2**100, "negative": -(2**70), "grid": [[1, [2, [3]]], []], "f": 1.5}
    store = make_store()
    store.set("k", value, {"id": 2**64, "matrix": [[0, 1], [1, 0]]})
    assert store.get("k") == value
    assert store.get_all() == {"k": value}


def test_value_and_metadata_are_stored_as_json_text(
    make_store: StoreFactory, firestore: FirestoreBackend
) -> None:
    make_store().set("k", [[1, 2]], {"m": [[3]]})
    fields = _raw(firestore, "alice", "default", "k").get().to_dict()
    assert fields["value"] == "[[1,2]]"
    assert fields["metadata"] == '{"m":[[3]]}'


def test_one_mib_value_is_split_into_chunks_and_reassembled(
    make_store: StoreFactory, firestore: FirestoreBackend
) -> None:
    value = "é" * ((1024 * 1024 - 2) // 2)  # exactly 1 MiB of JSON, cut mid-character
    store = make_store()
    store.set("big", value, {"about": "a large value"})
    assert len(_chunk_ids(firestore, "alice", "default", "big")) == 2
    assert store.get("big") == value
    assert store.get_many(["big"]) == {"big": value}
    assert store.get_all() == {"big": value}


def test_overwriting_a_chunked_value_with_a_small_one_removes_its_chunks(
    make_store: StoreFactory, firestore: FirestoreBackend
) -> None:
    store = make_store()
    store.set("big", "x" * 1_000_000)
    store.set("big", "small")
    assert _chunk_ids(firestore, "alice", "default", "big") == []
    assert store.get("big") == "small"


def test_deleting_or_clearing_chunked_values_deletes_their_chunks(
    make_store: StoreFactory, firestore: FirestoreBackend
) -> None:
    store = make_store()
    store.set_many({"a": "x" * 1_000_000, "b": "y" * 1_000_000})
    assert store.delete("a") is True
    assert store.clear() == 1
    assert _chunk_ids(firestore, "alice", "default", "a") == []
    assert _chunk_ids(firestore, "alice", "default", "b") == []


# -- tracking -----------------------------------------------------------------------------


def test_tracking_skips_a_record_deleted_during_the_run_and_counts_the_rest(
    make_store: StoreFactory, firestore: FirestoreBackend
) -> None:
    make_store().set_many({"kept": 1, "gone": 2})
    reader = make_store(agent="reader")
    assert reader.get_many(["kept", "gone"]) == {"kept": 1, "gone": 2}
    make_store().delete("gone")
    make_store.flush()  # type: ignore[attr-defined]
    assert not _raw(firestore, "alice", "default", "gone").get().exists
    kept = firestore.get("alice", "default", "kept")
    assert kept is not None and kept.access_count == 1
    assert kept.last_accessed_by_agent == "reader"
    assert make_store().list_namespaces() == ["default"]


def test_overlapping_runs_count_every_access_exactly(
    make_store: StoreFactory, firestore: FirestoreBackend
) -> None:
    keys = [f"k{i}" for i in range(30)]
    make_store().set_many(dict.fromkeys(keys, 0))

    def run(index: int) -> None:
        state = RunState(f"agent-{index}")
        store = make_store(agent=f"agent-{index}", run=state)
        for _ in range(3):
            store.get_many(keys)
        state.tracker.flush(firestore)

    in_threads(6, run)
    counts = {k: r.access_count for k, r in firestore.get_many("alice", "default", keys).items()}
    assert counts == dict.fromkeys(keys, 18)


KEYS = [f"k{i:03}" for i in range(250)]


def _three_batch_writes_of_reads(
    make_store: StoreFactory, monkeypatch: pytest.MonkeyPatch
) -> AccessTracker:
    """250 records read twice each; a flush of three ``BatchWrite``s (100, 100, 50 writes:
    the limit of 500 is lowered so that the emulator holds fewer records)."""
    monkeypatch.setattr(firestore_backend, "MAX_BATCH_OPS", 100)
    make_store().set_many(dict.fromkeys(KEYS, 0))
    tracker = AccessTracker()
    for _ in range(2):
        tracker.record("alice", "default", KEYS, "reader")
    return tracker


def _second_batch_write(
    firestore: FirestoreBackend, monkeypatch: pytest.MonkeyPatch,
    fault: Callable[[Callable[..., Any], Any, Any], Any],
) -> None:
    """Fault injection: the second ``BatchWrite`` RPC goes through ``fault(real, request,
    **kwargs)``; the others reach the emulator as they are."""
    api = firestore.client._firestore_api
    real = api.batch_write
    calls = iter(range(1, 1000))

    def batch_write(request: Any, **kwargs: Any) -> Any:
        if next(calls) == 2:
            return fault(real, request, **kwargs)
        return real(request=request, **kwargs)

    monkeypatch.setattr(api, "batch_write", batch_write)


def _counts(firestore: FirestoreBackend) -> Counter[int]:
    return Counter(r.access_count for r in firestore.get_many("alice", "default", KEYS).values())


def test_a_refused_batch_write_of_accesses_is_sent_again_with_those_after_it(
    make_store: StoreFactory, firestore: FirestoreBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    tracker = _three_batch_writes_of_reads(make_store, monkeypatch)

    def refuse(real: Callable[..., Any], request: Any, **kwargs: Any) -> Any:
        raise InvalidArgument("injected refusal")

    with monkeypatch.context() as patch:
        _second_batch_write(firestore, patch, refuse)
        with pytest.raises(DataStoreError, match="injected refusal"):
            tracker.flush(firestore)
    assert _counts(firestore) == {2: 100, 0: 150}
    assert len(tracker) == 150
    assert tracker.flush(firestore) == 150
    assert _counts(firestore) == {2: 250}


def test_a_write_whose_own_status_failed_is_the_only_one_of_its_batch_sent_again(
    make_store: StoreFactory, firestore: FirestoreBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    tracker = _three_batch_writes_of_reads(make_store, monkeypatch)

    def fail_one(real: Callable[..., Any], request: Any, **kwargs: Any) -> Any:
        """The 8th write is not applied and reported failed in its own status."""
        writes = list(request["writes"])
        response = real(request={**request, "writes": writes[:7] + writes[8:]}, **kwargs)
        results, statuses = list(response.write_results), list(response.status)
        results.insert(7, WriteResult())
        statuses.insert(7, Status(code=3, message="injected status"))
        return BatchWriteResponse(write_results=results, status=statuses)

    with monkeypatch.context() as patch:
        _second_batch_write(firestore, patch, fail_one)
        with pytest.raises(DataStoreError, match="injected status"):
            tracker.flush(firestore)
    assert _counts(firestore) == {2: 199, 0: 51}
    assert len(tracker) == 51  # the failed write and the third batch
    tracker.flush(firestore)
    assert _counts(firestore) == {2: 250}


def test_a_batch_write_of_accesses_that_timed_out_after_landing_is_not_sent_again(
    make_store: StoreFactory, firestore: FirestoreBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    tracker = _three_batch_writes_of_reads(make_store, monkeypatch)

    def land_then_time_out(real: Callable[..., Any], request: Any, **kwargs: Any) -> Any:
        real(request=request, **kwargs)
        raise DeadlineExceeded("injected deadline")

    with monkeypatch.context() as patch:
        _second_batch_write(firestore, patch, land_then_time_out)
        with pytest.raises(BackendUnavailableError, match="injected deadline"):
            tracker.flush(firestore)
    assert len(tracker) == 50  # the outcome is unknown: a lost count beats a double one
    tracker.flush(firestore)
    assert _counts(firestore) == {2: 250}


# -- namespace counters -------------------------------------------------------------------


def test_concurrent_writers_of_one_namespace_keep_its_count_exact(
    make_store: StoreFactory, firestore: FirestoreBackend
) -> None:
    def write(index: int) -> None:
        store = make_store(agent=f"w{index}").use_namespace("shared")
        store.set_many({f"own-{index}-{i}": i for i in range(5)})
        store.set_many({f"common-{i}": index for i in range(5)})  # same keys in every thread

    in_threads(6, write)
    assert _counter(firestore, "alice", "shared") == 6 * 5 + 5
    assert len(make_store().use_namespace("shared").list_keys()) == 35


def test_namespace_disappears_when_concurrent_writers_delete_its_last_keys(
    make_store: StoreFactory, firestore: FirestoreBackend
) -> None:
    keys = [f"k{i}" for i in range(20)]
    make_store().use_namespace("shared").set_many(dict.fromkeys(keys, 1))
    make_store().use_namespace("other").set("k", 1)

    def delete(index: int) -> None:
        store = make_store().use_namespace("shared")
        if index % 2:
            store.delete_many(keys[index:] + keys[:index])  # overlapping deletes
        else:
            store.clear()

    in_threads(6, delete)
    assert make_store().list_namespaces() == ["other"]
    assert _counter(firestore, "alice", "shared") == 0


# -- round-trip budgets -------------------------------------------------------------------


def test_get_is_one_round_trip(make_store: StoreFactory, rpcs: RpcCounts) -> None:
    store = make_store()
    store.set("k", 1)
    rpcs.reset()
    assert store.get("k") == 1
    assert rpcs.by_rpc == {"batch_get_documents": 1}


def test_get_many_of_100_keys_is_one_round_trip(
    make_store: StoreFactory, rpcs: RpcCounts
) -> None:
    store = make_store()
    store.set_many({f"k{i}": i for i in range(100)})
    rpcs.reset()
    assert len(store.get_many([f"k{i}" for i in range(100)])) == 100
    assert rpcs.by_rpc == {"batch_get_documents": 1}


def test_set_many_of_100_items_is_one_read_and_one_commit(
    make_store: StoreFactory, rpcs: RpcCounts
) -> None:
    store = make_store()
    store.set_many({f"k{i}": i for i in range(50)})
    rpcs.reset()
    assert store.set_many({f"k{i}": -i for i in range(100)}) == 100  # 50 overwrites, 50 creates
    assert rpcs.by_rpc == {"batch_get_documents": 1, "commit": 1}


@pytest.mark.parametrize(("count", "page_size"), [(1000, 500), (250, 100), (0, 500)])
def test_get_all_takes_one_query_per_page(
    make_store: StoreFactory, firestore_store_config: StoreConfig, count: int, page_size: int
) -> None:
    if count:
        make_store().set_many({f"k{i}": i for i in range(count)})
    paged = open_backend(firestore_store_config.model_copy(update={"page_size": page_size}))
    assert isinstance(paged, FirestoreBackend)
    rpcs = RpcCounts(paged)
    records = [r for page in paged.iter_records("alice", "default") for r in page]
    assert len(records) == count
    assert rpcs.by_rpc == {"run_query": max(1, math.ceil(count / page_size))}
    paged.close()


def test_tracking_of_a_run_takes_one_commit_per_500_keys(
    make_store: StoreFactory, firestore: FirestoreBackend, rpcs: RpcCounts
) -> None:
    keys = [f"k{i}" for i in range(1200)]
    store = make_store()
    store.set_many(dict.fromkeys(keys, 1))
    assert len(store.get_many(keys)) == 1200
    rpcs.reset()
    make_store.flush()  # type: ignore[attr-defined]
    assert rpcs.by_rpc["batch_write"] + rpcs.by_rpc["commit"] <= math.ceil(1200 / 500)
    assert rpcs.by_rpc["begin_transaction"] == 0
    assert firestore.get("alice", "default", "k1199").access_count == 1  # type: ignore[union-attr]


def test_list_namespaces_is_one_query_whatever_the_number_of_records(
    make_store: StoreFactory, rpcs: RpcCounts
) -> None:
    store = make_store()
    store.set_many({f"k{i}": i for i in range(600)})
    store.use_namespace("second").set("k", 1)
    rpcs.reset()
    assert store.list_namespaces() == ["default", "second"]
    assert rpcs.by_rpc == {"run_query": 1}


# -- configuration and failures -----------------------------------------------------------


@pytest.fixture
def unreachable_emulator(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    host = f"127.0.0.1:{free_port()}"
    monkeypatch.setenv("FIRESTORE_EMULATOR_HOST", host)
    yield host


def test_unreachable_emulator_fails_within_the_timeout_as_backend_unavailable(
    unreachable_emulator: str,
) -> None:
    backend = open_backend(StoreConfig(url="firestore://test-project/c", timeout_s=2))
    started = time.monotonic()
    with pytest.raises(BackendUnavailableError) as raised:
        backend.get("alice", "default", "k")
    assert time.monotonic() - started < 5
    assert unreachable_emulator in str(raised.value)
    assert not isinstance(raised.value, GoogleAPICallError)
    assert raised.value.__suppress_context__


def test_unreachable_emulator_fails_writes_and_queries_the_same_way(
    unreachable_emulator: str,
) -> None:
    backend = open_backend(StoreConfig(url="firestore://test-project/c", timeout_s=1))
    with pytest.raises(DataStoreError):
        list(backend.iter_keys("alice", "default"))
    with pytest.raises(DataStoreError):
        backend.list_namespaces("alice")


def test_url_names_project_and_collection(firestore_emulator: str) -> None:
    backend = open_backend(StoreConfig(url="firestore://my-project/my_collection"))
    assert isinstance(backend, FirestoreBackend)
    assert (backend.client.project, backend.collection) == ("my-project", "my_collection")
    default = open_backend(StoreConfig(url="firestore://my-project"))
    assert isinstance(default, FirestoreBackend) and default.collection == "agent_data_store"


def test_ensure_indexes_describes_the_shipped_index(firestore: FirestoreBackend) -> None:
    described = "\n".join(firestore.ensure_indexes())
    assert "userId ascending, queryNamespace ascending, queryKey ascending" in described
    assert "firestore.indexes.json" in described
    assert "emulator" in described


def test_missing_credentials_are_a_configuration_error_without_secrets(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    monkeypatch.delenv("FIRESTORE_EMULATOR_HOST", raising=False)
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(tmp_path / "missing-key.json"))
    with pytest.raises(ConfigurationError, match="application-default login"):
        open_backend(StoreConfig(url="firestore://my-project/agent_data_store"))
