"""The CouchDB backend on a real CouchDB-protocol server: IDs, design documents, conflicts,
large values, round-trip budgets and failures.

The contract suite covers record semantics on CouchDB; these tests cover what only CouchDB
has. Round trips are counted on the backend's HTTP client, so a budget holds whatever the
server is.
"""

from __future__ import annotations

import json
import math
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

import httpx
import pytest
from couchdb3 import exceptions as couch_errors

from agent_data_store import (
    BackendError,
    BackendUnavailableError,
    ConfigurationError,
    DataStoreError,
    StoreConfig,
    open_backend,
)
from agent_data_store.backends import couchdb_http
from agent_data_store.backends.couchdb import (
    INDEX_DDOC,
    INDEX_NAME,
    VIEW_DDOC_ID,
    CouchDBBackend,
    couch_id,
    prefix_regex,
)
from agent_data_store.backends.couchdb_http import CouchDBTarget
from agent_data_store.backends.couchdb_read import ReadDocuments
from agent_data_store.records import Access, RecordWrite, document_id, utc_now
from agent_data_store.store import DataStore, DataStoreHandle, agent_handle
from agent_data_store.tracking import AccessTracker, RunState
from tests.servers._support import free_port
from tests.servers.couchdb import CouchDBServer
from tests.threads import in_threads

pytestmark = pytest.mark.server

ODD_NAMES = ["a/b", "q?x=1", "h#frag", "100%", "%2F", "ünïcødé ✓ 日本 🎉", "_leading", "sp ace"]


@pytest.fixture
def couch(couchdb_store_config: StoreConfig) -> Iterator[CouchDBBackend]:
    backend = open_backend(couchdb_store_config)
    assert isinstance(backend, CouchDBBackend)
    yield backend
    backend.close()


def _open(config: StoreConfig, **overrides: Any) -> CouchDBBackend:
    backend = open_backend(config.model_copy(update=overrides))
    assert isinstance(backend, CouchDBBackend)
    return backend


@pytest.fixture
def other(couchdb_store_config: StoreConfig) -> Iterator[CouchDBBackend]:
    """A second backend on the same database: another process writing meanwhile."""
    backend = _open(couchdb_store_config)
    yield backend
    backend.close()


@pytest.fixture
def backends(couchdb_store_config: StoreConfig) -> Iterator[list[CouchDBBackend]]:
    """Eight backends on the same database, one per concurrent writer."""
    opened = [_open(couchdb_store_config) for _ in range(8)]
    yield opened
    for backend in opened:
        backend.close()


def _handle(backend: CouchDBBackend, config: StoreConfig, run: RunState | None = None,
            namespace: str = "default", agent: str = "agent") -> DataStoreHandle:
    state = run or RunState(agent)
    return agent_handle(DataStore(lambda: backend, config, "alice", agent, state, namespace))


def _write(key: str, value: Any = 1, namespace: str = "ns", user: str = "alice",
           agent: str = "agent") -> RecordWrite:
    return RecordWrite(user, namespace, key, json.dumps(value), None, agent, utc_now())


def _database(config: StoreConfig) -> str:
    return config.parts.path.strip("/")


def _all_docs(server: CouchDBServer, config: StoreConfig) -> dict[str, Any]:
    answer = server.request("GET", f"/{_database(config)}/_all_docs?include_docs=true")
    assert isinstance(answer, dict)
    return {row["id"]: row["doc"] for row in answer["rows"]
            if not row["id"].startswith("_design/")}


@contextmanager
def counting(backend: CouchDBBackend) -> Iterator[list[str]]:
    """Record ``METHOD last-path-segment`` of every HTTP request the backend sends."""
    seen: list[str] = []

    def hook(request: httpx.Request) -> None:
        seen.append(f"{request.method} {request.url.path.rsplit('/', 1)[-1]}")

    backend.http.event_hooks["request"].append(hook)
    try:
        yield seen
    finally:
        backend.http.event_hooks["request"].remove(hook)


# -- document IDs ------------------------------------------------------------------------


@pytest.mark.parametrize("name", ODD_NAMES)
def test_odd_keys_and_namespaces_round_trip_as_one_document_each(
    couch: CouchDBBackend, couchdb_store_config: StoreConfig, couchdb_server: CouchDBServer,
    name: str,
) -> None:
    couch.put_many([_write(name, {"key": name}, namespace=name)])
    record = couch.get("alice", name, name)
    assert record is not None and record.value == {"key": name}
    assert couch.get_many("alice", name, [name]).keys() == {name}
    assert [key for page in couch.iter_keys("alice", name) for key in page] == [name]
    assert couch.list_namespaces("alice") == [name]
    # Exactly one document, under the encoded ID: nothing truncated at ?/#, no attachment.
    docs = _all_docs(couchdb_server, couchdb_store_config)
    assert list(docs) == [couch_id(document_id("alice", name, name))]
    (doc,) = docs.values()
    assert (doc["userId"], doc["namespace"], doc["key"]) == ("alice", name, name)
    assert "_attachments" not in doc
    assert couch.delete_many("alice", name, [name]) == 1
    assert _all_docs(couchdb_server, couchdb_store_config) == {}


def test_plain_ids_are_stored_as_the_documented_id() -> None:
    assert couch_id("alice:default:a2V5") == "alice:default:a2V5"
    assert couch_id(document_id("alice", "files:apache", "k")) == "alice:files:apache:aw=="


def test_encoded_ids_are_ascii_and_never_start_with_underscore() -> None:
    for name in ODD_NAMES:
        encoded = couch_id(document_id(name.lstrip("_") or "u", name, name))
        assert encoded.isascii() and encoded.isprintable()
        assert not encoded.startswith("_")
        assert not any(char in encoded for char in "/?# ")
    assert couch_id("_user:ns:aw==").startswith("%5F")


def test_ids_that_differ_stay_different_after_encoding() -> None:
    ids = ["a:%41:x", "a:A:x", "_a:b:c", "%5Fa:b:c", "a:é:x", "a:e\u0301:x", "a:/:x", "a:%2F:x"]
    assert len({couch_id(i) for i in ids}) == len(ids)


def test_a_user_id_starting_with_underscore_is_stored(couch: CouchDBBackend) -> None:
    couch.put_many([_write("k", user="_system")])
    record = couch.get("_system", "ns", "k")
    assert record is not None and record.user_id == "_system"


def test_canonically_equal_namespaces_stay_apart(couch: CouchDBBackend) -> None:
    composed, decomposed = "caf\u00e9", unicodedata.normalize("NFD", "caf\u00e9")
    couch.put_many([_write("k1", 1, namespace=composed), _write("k2", 2, namespace=decomposed)])
    assert [k for page in couch.iter_keys("alice", composed) for k in page] == ["k1"]
    assert [k for page in couch.iter_keys("alice", decomposed) for k in page] == ["k2"]
    assert couch.list_namespaces("alice") == sorted([composed, decomposed])


@pytest.mark.parametrize("page_size", [1, 2, 3, 500])
def test_paging_lists_every_key_once(couchdb_store_config: StoreConfig, page_size: int) -> None:
    keys = ["a", "A", "b", "é", "e\u0301", "e", "a\u0000", "a\u200b", "Z", "10", "9", "~"]
    backend = _open(couchdb_store_config, page_size=page_size)
    try:
        backend.put_many([_write(key) for key in keys])
        listed = [key for page in backend.iter_keys("alice", "ns") for key in page]
        assert sorted(listed) == sorted(keys)
        records = [r.key for page in backend.iter_records("alice", "ns") for r in page]
        assert sorted(records) == sorted(keys)
    finally:
        backend.close()


@pytest.mark.parametrize("prefix", ["a.", "a*", "(x", "[1]", "\\d", "^", "$", "a|b", "é", "/"])
def test_prefixes_with_regex_syntax_match_literally(couch: CouchDBBackend, prefix: str) -> None:
    keys = [prefix + "1", prefix + "2", "other", "a", "ab", "x" + prefix, "1", "d"]
    couch.put_many([_write(key) for key in dict.fromkeys(keys)])
    listed = sorted(k for page in couch.iter_keys("alice", "ns", prefix) for k in page)
    assert listed == sorted(k for k in dict.fromkeys(keys) if k.startswith(prefix))


def test_prefix_regex_escapes_only_syntax_characters() -> None:
    assert prefix_regex("a.b/c é") == "^a\\.b/c é"


# -- database, index and design document --------------------------------------------------


def test_database_is_created_if_missing(
    couchdb_store_config: StoreConfig, couchdb_server: CouchDBServer
) -> None:
    _open(couchdb_store_config).close()
    info = couchdb_server.request("GET", f"/{_database(couchdb_store_config)}")
    assert isinstance(info, dict) and info["db_name"] == _database(couchdb_store_config)


def test_index_and_design_document_are_ensured_twice_without_change(
    couch: CouchDBBackend, couchdb_store_config: StoreConfig, couchdb_server: CouchDBServer
) -> None:
    database = _database(couchdb_store_config)

    def design_revs() -> dict[str, str]:
        answer = couchdb_server.request(
            "POST", f"/{database}/_all_docs", {"keys": [VIEW_DDOC_ID, f"_design/{INDEX_DDOC}"]})
        assert isinstance(answer, dict)
        return {row["id"]: row["value"]["rev"] for row in answer["rows"]}

    before = design_revs()
    assert len(before) == 2
    reopened = _open(couchdb_store_config)
    first, second = couch.ensure_indexes(), reopened.ensure_indexes()
    reopened.close()
    assert design_revs() == before
    assert all("exists" in line for line in first + second)
    indexes = couchdb_server.request("GET", f"/{database}/_index")
    assert isinstance(indexes, dict)
    ours = [i for i in indexes["indexes"] if i["name"] == INDEX_NAME]
    assert [list(f) for f in ours[0]["def"]["fields"]] == [["userId"], ["namespace"], ["_id"]]
    assert len(ours) == 1


def test_a_changed_design_document_is_repaired(
    couch: CouchDBBackend, couchdb_store_config: StoreConfig, couchdb_server: CouchDBServer
) -> None:
    database = _database(couchdb_store_config)
    ddoc = couchdb_server.request("GET", f"/{database}/{VIEW_DDOC_ID}")
    assert isinstance(ddoc, dict)
    ddoc["views"] = {"namespaces": {"map": "function (doc) {}"}}
    couchdb_server.request("PUT", f"/{database}/{VIEW_DDOC_ID}", ddoc)
    couch.ensure_indexes()
    couch.put_many([_write("k", namespace="restored")])
    assert couch.list_namespaces("alice") == ["restored"]


def test_records_of_other_users_and_foreign_documents_are_skipped_by_iter_all(
    couch: CouchDBBackend, couchdb_store_config: StoreConfig, couchdb_server: CouchDBServer
) -> None:
    couchdb_server.request("POST", f"/{_database(couchdb_store_config)}",
                           {"_id": "not-a-record", "hello": 1})
    couch.put_many([_write("k1"), _write("k2", user="bob"), _write("k3", namespace="other")])
    everything = sorted(r.key for page in couch.iter_all() for r in page)
    assert everything == ["k1", "k2", "k3"]
    assert sorted(r.key for page in couch.iter_all("alice") for r in page) == ["k1", "k3"]
    assert [r.key for page in couch.iter_records("alice", "ns") for r in page] == ["k1"]


# -- conflicts and concurrency ---------------------------------------------------------------


def _interleave(backend: CouchDBBackend, meanwhile: Callable[[], object]) -> list[int]:
    """Run ``meanwhile`` right after the backend's first read; return each write's doc count."""
    connection = backend.connection
    read, write = connection.bulk_get, connection.write_chunk
    writes: list[int] = []
    done = False

    def bulk_get(ids: Any) -> Any:
        nonlocal done
        found = read(ids)
        if not done:
            done = True
            meanwhile()
        return found

    def write_chunk(docs: Any) -> Any:
        writes.append(len(docs))
        return write(docs)

    connection.bulk_get = bulk_get  # type: ignore[method-assign]
    connection.write_chunk = write_chunk  # type: ignore[method-assign]
    return writes


def test_a_conflict_retries_only_the_conflicting_document(
    couch: CouchDBBackend, other: CouchDBBackend
) -> None:
    couch.put_many([_write(k, 0) for k in ("a", "b", "c")])
    writes = _interleave(couch, lambda: other.put_many([_write("b", "theirs", agent="other")]))
    couch.put_many([_write(k, "ours", agent="ours") for k in ("a", "b", "c")])
    assert writes == [3, 1]
    records = couch.get_many("alice", "ns", ["a", "b", "c"])
    assert {k: r.value for k, r in records.items()} == {"a": "ours", "b": "ours", "c": "ours"}
    assert records["b"].last_accessed_by_agent == "ours"


def test_concurrent_create_of_one_key_becomes_an_overwrite(
    couch: CouchDBBackend, other: CouchDBBackend
) -> None:
    _interleave(couch, lambda: other.put_many([_write("new", "first", agent="first")]))
    couch.put_many([_write("new", "second", agent="second")])
    record = couch.get("alice", "ns", "new")
    assert record is not None
    assert (record.value, record.created_by_agent) == ("second", "first")


def test_tracking_that_conflicts_still_adds_exactly(
    couch: CouchDBBackend, other: CouchDBBackend
) -> None:
    couch.put_many([_write("hot")])
    at = utc_now()
    _interleave(couch, lambda: other.record_accesses([Access("alice", "ns", "hot", 5, "b", at)]))
    couch.record_accesses([Access("alice", "ns", "hot", 3, "a", at)])
    record = couch.get("alice", "ns", "hot")
    assert record is not None and record.access_count == 8


def test_tracking_never_resurrects_a_document_deleted_meanwhile(
    couch: CouchDBBackend, other: CouchDBBackend
) -> None:
    couch.put_many([_write("gone"), _write("kept")])
    _interleave(couch, lambda: other.delete_many("alice", "ns", ["gone"]))
    at = utc_now()
    couch.record_accesses([Access("alice", "ns", k, 1, "a", at) for k in ("gone", "kept")])
    assert couch.get("alice", "ns", "gone") is None
    kept = couch.get("alice", "ns", "kept")
    assert kept is not None and kept.access_count == 1


def test_concurrent_writers_of_one_key_end_with_one_of_their_last_writes(
    backends: list[CouchDBBackend],
) -> None:
    writers = len(backends)
    backends[0].put_many([_write("contested", -1, agent="creator")])

    def write(index: int) -> None:
        for n in range(4):
            backends[index].put_many([_write("contested", [index, n], agent=f"w{index}")])

    in_threads(writers, write)
    record = backends[0].get("alice", "ns", "contested")
    assert record is not None
    assert record.value in [[i, 3] for i in range(writers)]
    assert record.created_by_agent == "creator"
    assert record.last_accessed_by_agent == f"w{record.value[0]}"


def test_64_concurrent_writers_of_one_key_all_succeed_and_the_last_write_wins(
    couchdb_store_config: StoreConfig,
) -> None:
    # 64 processes' worth of writers (a backend each: its own connections), one key, no
    # errors: each round of conflicts lets one writer through and the rest back off.
    writers = 64
    opened = [_open(couchdb_store_config) for _ in range(writers)]
    try:
        opened[0].put_many([_write("contested", -1, agent="creator")])
        in_threads(writers, lambda index: opened[index].put_many(
            [_write("contested", index, agent=f"w{index}")]))
        record = opened[0].get("alice", "ns", "contested")
    finally:
        for backend in opened:
            backend.close()
    assert record is not None
    assert record.value in range(writers)
    assert record.created_by_agent == "creator"
    assert record.last_accessed_by_agent == f"w{record.value}"


def test_concurrent_runs_tracking_one_key_count_exactly(
    backends: list[CouchDBBackend], couchdb_store_config: StoreConfig
) -> None:
    runs, reads = len(backends), 7
    backends[0].put_many([_write("hot", 0, namespace="default")])

    def run(index: int) -> None:
        state = RunState(f"agent-{index}")
        store = _handle(backends[index], couchdb_store_config, state, agent=f"agent-{index}")
        for _ in range(reads):
            store.get("hot")
        state.tracker.flush(backends[index])

    in_threads(runs, run)
    record = backends[0].get("alice", "default", "hot")
    assert record is not None and record.access_count == runs * reads


# -- values ---------------------------------------------------------------------------------


def test_a_one_mebibyte_value_round_trips(
    couch: CouchDBBackend, couchdb_store_config: StoreConfig
) -> None:
    limit = couchdb_store_config.max_value_bytes
    value = {"blob": "é" * ((limit - 20) // 2)}
    assert limit - 30 < len(json.dumps(value, ensure_ascii=False).encode()) <= limit
    store = _handle(couch, couchdb_store_config)
    store.set("big", value)
    assert store.get("big") == value
    assert store.get_all() == {"big": value}
    assert store.get_many(["big"]) == {"big": value}


def test_numbers_a_javascript_server_would_round_are_exact(couch: CouchDBBackend) -> None:
    value = [2**100, -(2**64), 1.0, 0.1, 5e-324]
    couch.put_many([_write("n", value)])
    record = couch.get("alice", "ns", "n")
    assert record is not None
    assert record.value == value and type(record.value[2]) is float


# -- round-trip budgets -------------------------------------------------------------------------


@pytest.fixture
def paged(couchdb_store_config: StoreConfig) -> Iterator[tuple[CouchDBBackend, StoreConfig]]:
    config = couchdb_store_config.model_copy(update={"page_size": 50})
    backend = _open(config)
    yield backend, config
    backend.close()


def test_get_is_one_request(couch: CouchDBBackend, couchdb_store_config: StoreConfig) -> None:
    store = _handle(couch, couchdb_store_config)
    store.set("k", 1)
    with counting(couch) as seen:
        assert store.get("k") == 1
        assert store.get("missing") is None
    assert seen == ["POST _bulk_get"] * 2


def test_get_many_of_100_keys_is_one_request(
    couch: CouchDBBackend, couchdb_store_config: StoreConfig
) -> None:
    store = _handle(couch, couchdb_store_config)
    store.set_many({f"k{i}": i for i in range(100)})
    with counting(couch) as seen:
        found = store.get_many([f"k{i}" for i in range(100)])
    assert len(found) == 100
    assert seen == ["POST _bulk_get"]


@pytest.mark.parametrize("existing", [False, True])
def test_set_many_of_100_keys_is_one_read_and_one_bulk_write(
    couch: CouchDBBackend, couchdb_store_config: StoreConfig, existing: bool
) -> None:
    store = _handle(couch, couchdb_store_config)
    if existing:
        store.set_many({f"k{i}": 0 for i in range(100)})
    with counting(couch) as seen:
        assert store.set_many({f"k{i}": i for i in range(100)}) == 100
    assert seen == ["POST _bulk_get", "POST _bulk_docs"]


def test_delete_many_of_100_keys_is_one_read_and_one_bulk_write(
    couch: CouchDBBackend, couchdb_store_config: StoreConfig
) -> None:
    store = _handle(couch, couchdb_store_config)
    store.set_many({f"k{i}": i for i in range(100)})
    with counting(couch) as seen:
        assert store.delete_many([f"k{i}" for i in range(100)]) == 100
    assert seen == ["POST _bulk_get", "POST _bulk_docs"]


@pytest.mark.parametrize("count", [1, 49, 50, 51, 100, 120])
def test_get_all_of_n_keys_is_one_find_per_page(
    paged: tuple[CouchDBBackend, StoreConfig], count: int
) -> None:
    backend, config = paged
    store = _handle(backend, config)
    store.set_many({f"k{i:03}": i for i in range(count)})
    with counting(backend) as seen:
        assert len(store.get_all()) == count
        assert len(store.list_keys()) == count
    assert seen == ["POST _find"] * (2 * math.ceil(count / config.page_size))


def test_list_namespaces_is_one_find_per_namespace(
    paged: tuple[CouchDBBackend, StoreConfig],
) -> None:
    backend, config = paged
    store = _handle(backend, config)
    for i in range(config.page_size):
        store.use_namespace(f"ns{i:02}").set("k", i)
    store.use_namespace("big").set_many({f"k{i}": i for i in range(3 * config.page_size)})
    with counting(backend) as seen:
        assert len(store.list_namespaces()) == config.page_size + 1
    assert seen == ["POST _find"] * (config.page_size + 2)


def test_list_namespaces_steps_past_each_namespace_exactly(
    paged: tuple[CouchDBBackend, StoreConfig],
) -> None:
    backend, _ = paged
    names = ["a", "a\u0000", "a\u0000\u0000", "a\u0001", "a:b", "a:b:c", "b", "é",
             "e\u0301", "\U0001f389", "\uffef", *(f"ns{i:03}" for i in range(57))]
    backend.put_many([_write(f"k{i}", namespace=name) for name in names for i in range(3)])
    backend.put_many([_write("k", user="alicia"), _write("k", user="alic"),
                      _write("k", user="alice\u0000")])
    with counting(backend) as seen:
        assert backend.list_namespaces("alice") == sorted(names)
    assert len(seen) == len(names) + 1


def test_a_namespace_is_listed_by_a_live_record_after_an_expired_one(
    couch: CouchDBBackend,
) -> None:
    past = "2001-01-01T00:00:00.000Z"
    couch.put_many([
        replace(_write("a", namespace="mixed"), expires_at=past), _write("b", namespace="mixed"),
        *(replace(_write(f"k{i}", namespace="gone"), expires_at=past) for i in range(3)),
        replace(_write("a", namespace="other", user="bob"), expires_at=past),
    ])
    assert couch.list_namespaces("alice") == ["mixed"]
    assert couch.list_namespaces("bob") == []


def test_a_server_collating_with_icu_is_answered_from_the_view(
    couch: CouchDBBackend, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Fault injection: a server whose collation ignores "\\u0000", as CouchDB's ICU does
    (pouchdb-server compares code units), makes the skip-scan find a namespace twice."""
    couch.put_many([_write("k", namespace=name) for name in ("x", "y", "z")])
    find = couch.connection.find

    def icu_find(selector: dict[str, Any], **options: Any) -> list[dict[str, Any]]:
        bound = selector.get("namespace", {}).get("$gte")
        if isinstance(bound, str):
            selector = {**selector, "namespace": {"$gte": bound.rstrip("\u0000")}}
        return find(selector, **options)

    monkeypatch.setattr(couch.connection, "find", icu_find)
    with counting(couch) as seen:
        assert couch.list_namespaces("alice") == ["x", "y", "z"]
        assert couch.list_namespaces("alice") == ["x", "y", "z"]
    assert seen == ["POST _find", "POST _find", "GET namespaces", "GET namespaces"]


def test_tracking_of_a_run_is_one_bulk_write_of_the_documents_it_read(
    couch: CouchDBBackend, couchdb_store_config: StoreConfig
) -> None:
    _handle(couch, couchdb_store_config).set_many({f"k{i}": i for i in range(100)})
    run = RunState("reader")
    store = _handle(couch, couchdb_store_config, run, agent="reader")
    store.get("k1")
    store.get_many([f"k{i}" for i in range(50)])
    store.get_all()
    with counting(couch) as seen:
        assert run.tracker.flush(couch) == 100
    assert seen == ["POST _bulk_docs"]
    record = couch.get("alice", "default", "k1")
    assert record is not None and record.access_count == 3


def test_tracking_of_keys_another_backend_read_reads_them_first(
    couch: CouchDBBackend, other: CouchDBBackend
) -> None:
    couch.put_many([_write(k) for k in ("a", "b")])
    other.get_many("alice", "ns", ["a", "b"])
    with counting(couch) as seen:
        couch.record_accesses([Access("alice", "ns", k, 1, "r", utc_now()) for k in ("a", "b")])
    assert seen == ["POST _bulk_get", "POST _bulk_docs"]
    assert {r.access_count for r in couch.get_many("alice", "ns", ["a", "b"]).values()} == {1}


def test_tracking_of_a_document_changed_since_the_read_still_adds_exactly(
    couch: CouchDBBackend, other: CouchDBBackend
) -> None:
    couch.put_many([_write("hot", "old")])
    couch.get_many("alice", "ns", ["hot"])
    at = utc_now()
    other.put_many([_write("hot", "new", agent="writer")])
    other.record_accesses([Access("alice", "ns", "hot", 5, "b", at)])
    couch.record_accesses([Access("alice", "ns", "hot", 3, "a", at)])
    record = couch.get("alice", "ns", "hot")
    assert record is not None
    assert (record.value, record.access_count) == ("new", 8)


def test_tracking_never_resurrects_a_document_deleted_after_the_read(
    couch: CouchDBBackend, other: CouchDBBackend
) -> None:
    couch.put_many([_write("gone")])
    assert [r.key for page in couch.iter_records("alice", "ns") for r in page] == ["gone"]
    other.delete_many("alice", "ns", ["gone"])
    couch.record_accesses([Access("alice", "ns", "gone", 1, "a", utc_now())])
    assert couch.get("alice", "ns", "gone") is None


def test_documents_kept_for_tracking_are_bounded() -> None:
    kept = ReadDocuments(max_documents=3, max_bytes=2000)
    kept.keep({"_id": f"d{i}", "_rev": "1-a", "value": "x"} for i in range(5))
    assert len(kept) == 3 and set(kept.take(["d0", "d1", "d2", "d3", "d4"])) == {"d2", "d3", "d4"}
    kept.keep([{"_id": "big", "_rev": "1-a", "value": "x" * 1500},
               {"_id": "small", "_rev": "1-a", "value": "x"}])
    assert set(kept.take(["big", "small"])) == {"small"}


def test_clear_is_one_find_and_one_bulk_write_per_page(
    paged: tuple[CouchDBBackend, StoreConfig],
) -> None:
    backend, config = paged
    store = _handle(backend, config)
    store.set_many({f"k{i:03}": i for i in range(120)})
    with counting(backend) as seen:
        assert store.clear() == 120
    assert seen.count("POST _find") == 3 and seen.count("POST _bulk_docs") == 3
    assert len(seen) == 6


# -- failures ---------------------------------------------------------------------------------


def _refused_port() -> int:
    return free_port()  # nothing listens there


def test_unreachable_server_fails_fast_without_the_password() -> None:
    config = StoreConfig(url=f"couchdb://admin:s3cret-pw@127.0.0.1:{_refused_port()}/db")
    start = time.monotonic()
    with pytest.raises(BackendUnavailableError) as caught:
        open_backend(config)
    assert time.monotonic() - start < 3
    message = str(caught.value)
    assert "s3cret-pw" not in message and "admin:***@127.0.0.1" in message
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_wrong_password_is_a_clear_error_without_the_password(
    couchdb_store_config: StoreConfig, couchdb_server: CouchDBServer
) -> None:
    url = couchdb_store_config.url.replace(couchdb_server.password, "wr0ng-pw")
    with pytest.raises(BackendError, match="credentials") as caught:
        open_backend(StoreConfig(url=url))
    assert "wr0ng-pw" not in str(caught.value)
    assert couchdb_server.password not in str(caught.value)


def test_nothing_shows_the_password(
    couch: CouchDBBackend, couchdb_store_config: StoreConfig, couchdb_server: CouchDBServer
) -> None:
    shown = [repr(couch), str(couch), repr(couch.connection), repr(couch.connection.target),
             repr(couchdb_store_config), str(couchdb_store_config)]
    assert not any(couchdb_server.password in text for text in shown)


def test_a_deleted_database_gives_data_store_errors(
    couch: CouchDBBackend, couchdb_store_config: StoreConfig, couchdb_server: CouchDBServer
) -> None:
    store = _handle(couch, couchdb_store_config)
    store.set("k", 1)
    couchdb_server.request("DELETE", f"/{_database(couchdb_store_config)}")
    for call in (lambda: store.get("k"), lambda: store.set("k", 2), store.list_keys,
                 store.list_namespaces):
        with pytest.raises(DataStoreError) as caught:
            call()
        assert type(caught.value).__module__ == "agent_data_store.errors"
        assert couchdb_server.password not in str(caught.value)


KEYS = [f"k{i:03}" for i in range(250)]


def _three_requests_of_reads(
    couch: CouchDBBackend, monkeypatch: pytest.MonkeyPatch
) -> AccessTracker:
    """250 records read twice each; a flush of three ``_bulk_docs`` requests (100, 100, 50
    documents: the limit of 1000 is lowered so that the server holds fewer records)."""
    monkeypatch.setattr(couchdb_http, "BULK_CHUNK_DOCS", 100)
    couch.put_many([_write(key, 0) for key in KEYS])
    tracker = AccessTracker()
    for _ in range(2):
        tracker.record("alice", "ns", KEYS, "reader")
    return tracker


def _second_bulk_docs(
    couch: CouchDBBackend, monkeypatch: pytest.MonkeyPatch,
    fault: Callable[[Callable[[Any], Any], list[Any]], Any],
) -> None:
    """Fault injection: the second ``_bulk_docs`` request goes through ``fault(real, docs)``,
    below the backend's error handling; the others reach the server as they are."""
    real = couch.connection.db.bulk_docs
    calls = iter(range(1, 1000))

    def bulk_docs(docs: list[Any]) -> Any:
        return fault(real, docs) if next(calls) == 2 else real(docs)

    monkeypatch.setattr(couch.connection.db, "bulk_docs", bulk_docs)


def _counts(couch: CouchDBBackend) -> Counter[int]:
    return Counter(r.access_count for r in couch.get_many("alice", "ns", KEYS).values())


def test_a_refused_bulk_docs_request_of_accesses_is_sent_again_with_those_after_it(
    couch: CouchDBBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    tracker = _three_requests_of_reads(couch, monkeypatch)

    def refuse(real: Callable[[Any], Any], docs: list[Any]) -> Any:
        raise couch_errors.BadRequestError("injected refusal")

    with monkeypatch.context() as patch:
        _second_bulk_docs(couch, patch, refuse)
        with pytest.raises(BackendError, match="injected refusal"):
            tracker.flush(couch)
    assert _counts(couch) == {2: 100, 0: 150}
    assert len(tracker) == 150
    assert tracker.flush(couch) == 150
    assert _counts(couch) == {2: 250}


def test_a_document_refused_alone_is_the_only_access_written_again(
    couch: CouchDBBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    tracker = _three_requests_of_reads(couch, monkeypatch)

    def refuse_one(real: Callable[[Any], Any], docs: list[Any]) -> Any:
        """The 8th document is not written and reported refused in its own result."""
        results = list(real(docs[:7] + docs[8:]))
        results.insert(7, {"id": docs[7]["_id"], "error": "forbidden", "reason": "injected"})
        return results

    with monkeypatch.context() as patch:
        _second_bulk_docs(couch, patch, refuse_one)
        with pytest.raises(BackendError, match="forbidden: injected"):
            tracker.flush(couch)
    assert _counts(couch) == {2: 249, 0: 1}  # the requests after it were sent
    assert len(tracker) == 1
    tracker.flush(couch)
    assert _counts(couch) == {2: 250}


def test_a_bulk_docs_request_of_accesses_that_timed_out_after_landing_is_not_sent_again(
    couch: CouchDBBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    tracker = _three_requests_of_reads(couch, monkeypatch)

    def land_then_time_out(real: Callable[[Any], Any], docs: list[Any]) -> Any:
        real(docs)
        raise httpx.ReadTimeout("injected timeout")

    with monkeypatch.context() as patch:
        _second_bulk_docs(couch, patch, land_then_time_out)
        with pytest.raises(BackendUnavailableError, match="did not answer"):
            tracker.flush(couch)
    assert len(tracker) == 50  # the outcome is unknown: a lost count beats a double one
    tracker.flush(couch)
    assert _counts(couch) == {2: 250}


def test_reads_of_one_record_by_two_agents_in_one_flush_both_count(couch: CouchDBBackend) -> None:
    couch.put_many([_write("shared", 0)])
    tracker = AccessTracker()
    tracker.record("alice", "ns", ["shared", "shared"], "first")
    tracker.record("alice", "ns", ["shared"], "second")
    tracker.flush(couch)
    record = couch.get("alice", "ns", "shared")
    assert record is not None
    assert (record.access_count, record.last_accessed_by_agent) == (3, "second")


# -- URLs -------------------------------------------------------------------------------------


def test_url_forms() -> None:
    plain = CouchDBTarget.from_url("couchdb://u:p%40ss@db.example:5984/store", "fallback")
    assert (plain.server, plain.database, plain.user, plain.password) == (
        "http://db.example:5984", "store", "u", "p@ss")
    tls = CouchDBTarget.from_url("couchdbs://u:p@db.example", "agent_data_store")
    assert (tls.server, tls.database) == ("https://db.example:6984", "agent_data_store")
    assert CouchDBTarget.from_url("couchdb://[::1]:5984/", "d").server == "http://[::1]:5984"
    assert "p%40ss" not in plain.redacted and "***" in plain.redacted


@pytest.mark.parametrize("url", [
    "couchdb://u:p@host:5984/Upper", "couchdb://u:p@host:5984/a/b", "couchdb://u:p@host:5984/_x",
    "couchdb://u:p@:5984/db", "couchdb://u:p@host:99999/db",
])
def test_bad_urls_are_configuration_errors(url: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        CouchDBTarget.from_url(url, "agent_data_store")
    assert "u:p@" not in str(caught.value)
