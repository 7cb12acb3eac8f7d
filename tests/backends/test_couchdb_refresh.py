"""The CouchDB backend's index refresher: it brings every Mango index up to date in the
background as the backend writes, one pass at a time, on its own HTTP client, never failing
a write, and stops with the backend.

Whether it makes the first query after many writes fast is measured in
``benchmarks/bench_couchdb.py``; these tests check what it does, without timing.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from agent_data_store import StoreConfig
from agent_data_store.backends.base import CALL_DEADLINE
from agent_data_store.backends.couchdb import CouchDBBackend
from agent_data_store.backends.couchdb_http import CouchDBTarget
from agent_data_store.backends.couchdb_refresh import MANGO_INDEXES, IndexRefresher
from agent_data_store.records import RecordWrite, utc_now
from tests.threads import in_threads

pytestmark = pytest.mark.server

EVERY = 50
"""Documents between refreshes in these tests."""


def _writes(count: int, start: int = 0) -> list[RecordWrite]:
    now = utc_now()
    return [RecordWrite("alice", f"ns{i}", f"k{i}", json.dumps(i), None, "agent", now)
            for i in range(start, start + count)]


@pytest.fixture
def backend(couchdb_store_config: StoreConfig) -> Iterator[CouchDBBackend]:
    config = couchdb_store_config
    opened = CouchDBBackend(CouchDBTarget.from_url(config.url, config.table),
                            refresh_every_docs=EVERY)
    yield opened
    opened.close()


def _find_bodies(client: httpx.Client) -> list[dict[str, object]]:
    """Collect the body of every ``_find`` the client sends from now on."""
    bodies: list[dict[str, object]] = []

    def hook(request: httpx.Request) -> None:
        if request.url.path.endswith("/_find"):
            bodies.append(json.loads(request.content))

    client.event_hooks["request"].append(hook)
    return bodies


def test_writing_enough_documents_refreshes_every_index_on_the_refreshers_own_client(
    backend: CouchDBBackend,
) -> None:
    sent: list[str] = []
    backend.http.event_hooks["request"].append(
        lambda request: sent.append(request.url.path.rsplit("/", 1)[-1]))
    refreshed = _find_bodies(backend.refresher.http)
    backend.put_many(_writes(EVERY - 1))
    assert backend.refresher.wait(30) and backend.refresher.passes == 0
    backend.put_many(_writes(1, start=EVERY - 1))
    assert backend.refresher.wait(30)
    assert backend.refresher.passes == 1
    assert [body["use_index"] for body in refreshed] == [
        [ddoc, name] for ddoc, name, _, _ in MANGO_INDEXES
    ]
    # The operations' own requests are all the backend's client saw.
    assert sent == ["_bulk_get", "_bulk_docs"] * 2
    # A query that does not update the index (CouchDB honours "update": false;
    # pouchdb-server updates anyway) finds the last namespace written.
    last = backend.http.post(
        f"{backend.connection.target.server}/{backend.connection.target.database}/_find",
        json={"selector": {"userId": "alice", "namespace": {"$gte": f"ns{EVERY - 1}"}},
              "sort": [{"userId": "asc"}, {"namespace": "asc"}],
              "use_index": list(MANGO_INDEXES[0][:2]), "limit": 1, "update": False},
    ).json()["docs"]
    assert [doc["namespace"] for doc in last] == [f"ns{EVERY - 1}"]
    assert backend.list_namespaces("alice") == sorted(f"ns{i}" for i in range(EVERY))


def test_round_trip_counts_are_not_the_refreshers(backend: CouchDBBackend) -> None:
    sent: list[str] = []
    backend.http.event_hooks["request"].append(
        lambda request: sent.append(request.url.path.rsplit("/", 1)[-1]))
    for start in range(0, 3 * EVERY, 10):
        backend.put_many(_writes(10, start))
    assert backend.refresher.wait(30) and backend.refresher.passes >= 1
    assert sent == ["_bulk_get", "_bulk_docs"] * 15


class _BlockingRefresher(IndexRefresher):
    """A refresher whose passes wait for ``release`` and record how many ran at once."""

    def __init__(self, target: CouchDBTarget, max_unindexed_docs: int = 1000,
                 writer_wait_s: float = 30.0) -> None:
        super().__init__(target, every_docs=10, max_unindexed_docs=max_unindexed_docs,
                         writer_wait_s=writer_wait_s)
        self.release = threading.Event()
        self.started = threading.Event()
        self.running = 0
        self.most_at_once = 0
        self._count = threading.Lock()

    def refresh(self) -> None:
        with self._count:
            self.running += 1
            self.most_at_once = max(self.most_at_once, self.running)
        self.started.set()
        self.release.wait(30)
        with self._count:
            self.running -= 1


def _target(config: StoreConfig) -> CouchDBTarget:
    return CouchDBTarget.from_url(config.url, config.table)


def test_one_pass_runs_at_a_time_and_writes_meanwhile_start_the_next(
    couchdb_store_config: StoreConfig,
) -> None:
    refresher = _BlockingRefresher(_target(couchdb_store_config))
    try:
        refresher.wrote(10)
        assert refresher.started.wait(30)

        def write(_: int) -> None:
            for _ in range(10):
                refresher.wrote(5)

        in_threads(8, write)
        refresher.release.set()
        assert refresher.wait(30)
        assert refresher.most_at_once == 1
        assert refresher.passes == 2  # the first, then one for the 400 written meanwhile
    finally:
        refresher.close()


def test_close_ends_a_running_pass_and_starts_no_more(couchdb_store_config: StoreConfig) -> None:
    refresher = _BlockingRefresher(_target(couchdb_store_config))
    refresher.wrote(10)
    assert refresher.started.wait(30)
    refresher.release.set()
    refresher.close()
    assert refresher.wait(0)
    refresher.started.clear()
    refresher.wrote(100)
    assert refresher.wait(0) and not refresher.started.is_set()
    assert not [t for t in threading.enumerate() if t.name == "couchdb-index-refresh"]


def test_closing_the_backend_during_a_pass_ends_it(backend: CouchDBBackend) -> None:
    in_flight = threading.Event()

    def slow_find(request: httpx.Request) -> None:
        in_flight.set()
        threading.Event().wait(0.5)  # long enough for close() to cut the request off

    backend.refresher.http.event_hooks["request"].append(slow_find)
    backend.put_many(_writes(EVERY))
    assert in_flight.wait(30)
    backend.close()
    assert backend.refresher.wait(10)


def test_a_failing_refresh_never_fails_a_write(
    backend: CouchDBBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken() -> None:
        raise httpx.ConnectError("refused")

    monkeypatch.setattr(backend.refresher, "refresh", broken)
    backend.put_many(_writes(2 * EVERY))
    assert backend.refresher.wait(30) and backend.refresher.passes == 1
    assert len(backend.get_many("alice", "ns0", ["k0"])) == 1


def test_a_refresher_set_to_zero_documents_never_runs(couchdb_store_config: StoreConfig) -> None:
    config = couchdb_store_config
    backend = CouchDBBackend(_target(config), refresh_every_docs=0)
    try:
        refreshed = _find_bodies(backend.refresher.http)
        backend.put_many(_writes(3 * EVERY))
        assert backend.refresher.wait(0) and backend.refresher.passes == 0 and not refreshed
        assert not backend.refresher.enabled
    finally:
        backend.close()


def _bounded(config: StoreConfig, *, writer_wait_s: float = 30.0) -> _BlockingRefresher:
    """A blocking refresher whose writers wait once 20 documents are written past a pass."""
    return _BlockingRefresher(_target(config), max_unindexed_docs=20,
                              writer_wait_s=writer_wait_s)


def _writer(refresher: IndexRefresher, documents: int) -> tuple[threading.Thread, threading.Event]:
    """A thread reporting ``documents`` written, started, and the event it sets after."""
    returned = threading.Event()

    def write() -> None:
        refresher.wrote(documents)
        returned.set()

    thread = threading.Thread(target=write)
    thread.start()
    return thread, returned


def test_a_writer_far_ahead_of_the_running_pass_waits_for_it(
    couchdb_store_config: StoreConfig,
) -> None:
    refresher = _bounded(couchdb_store_config)
    try:
        refresher.wrote(10)
        assert refresher.started.wait(30)
        refresher.wrote(19)  # within the bound: returns at once
        writer, returned = _writer(refresher, 1)
        assert not returned.wait(0.3)  # 20 written past the pass: the writer waits
        assert refresher.passes == 0
        refresher.release.set()
        assert returned.wait(30)
        writer.join()
        assert refresher.wait(30) and refresher.passes == 2  # the second for the 20
        assert refresher.most_at_once == 1
    finally:
        refresher.release.set()
        refresher.close()


@pytest.mark.parametrize("closing", [False, True], ids=["timeout", "close"])
def test_a_waiting_writer_goes_on_after_its_timeout_or_when_the_refresher_closes(
    couchdb_store_config: StoreConfig, closing: bool,
) -> None:
    refresher = _bounded(couchdb_store_config, writer_wait_s=30.0 if closing else 0.2)
    closer = threading.Thread(target=refresher.close)
    try:
        refresher.wrote(10)
        assert refresher.started.wait(30)
        writer, returned = _writer(refresher, 25)
        if closing:
            assert not returned.wait(0.3)
            closer.start()
        # The pass never ends by itself: the writer goes on after 0.2 s, or when closed.
        assert returned.wait(5)
        writer.join()
        assert refresher.passes == 0
    finally:
        refresher.release.set()
        if closer.is_alive():
            closer.join()
        refresher.close()


def test_a_waiting_writer_goes_on_when_the_run_it_serves_ends(
    couchdb_store_config: StoreConfig,
) -> None:
    refresher = _bounded(couchdb_store_config, writer_wait_s=30.0)
    try:
        refresher.wrote(10)
        assert refresher.started.wait(30)
        token = CALL_DEADLINE.set(time.monotonic() + 0.2)
        try:
            started = time.monotonic()
            refresher.wrote(25)
            assert time.monotonic() - started < 5.0
        finally:
            CALL_DEADLINE.reset(token)
        assert refresher.passes == 0
    finally:
        refresher.release.set()
        refresher.close()
