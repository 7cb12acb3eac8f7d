"""Keeping the CouchDB backend's Mango indexes current while it writes.

CouchDB 3 updates its indexes in the background as documents change (its indexer, ken), so a
query after many writes finds them nearly current. pouchdb-server, the CouchDB-protocol
server the tests run, does not: it updates a Mango index only when a query (or a ``POST
_index``) names it, at about 50 µs per changed document and index, so the first
``list_namespaces`` after 100,000 writes waited about 5 s for the index.

:class:`IndexRefresher` does what CouchDB's indexer would: every :data:`REFRESH_EVERY_DOCS`
documents the backend writes, one daemon thread sends a ``_find`` that matches nothing to
each Mango index, and a query answers only once its index holds every change, so each index is
brought up to date while the writer goes on. At most one thread runs at a time; documents
written meanwhile start another pass when it ends. The thread has an HTTP client of its own,
so the backend's request counts (the ``http`` event hooks) show only what operations send,
and nothing it does can delay or fail a write: its errors are logged at debug level. Queries
still update their indexes as before, so results never depend on it; it only moves the work
out of the first query's way. Writes by other processes are not counted here (CouchDB's
indexer covers them; on pouchdb-server their first query pays).

The backlog is bounded: pouchdb-server indexes one process's bulk writes more slowly than it
takes them (100,000 records were written in 18 s, and 80,000 of them were still unindexed at
the end: the first ``list_namespaces`` waited 3.8 s). So once :data:`MAX_UNINDEXED_DOCS`
documents have been written past a running pass, the next write waits for that pass to end
(for at most its backend's request timeout). A writer that stays within what the server can
index never waits; a bulk load becomes as fast as the server can write and index together, and
the first query after it finds at most about that many documents to index.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from agent_data_store.backends.base import request_timeout
from agent_data_store.backends.couchdb_http import CouchDBConnection, CouchDBTarget, Document
from agent_data_store.backends.couchdb_layout import (
    EXPIRY_INDEX_DDOC,
    EXPIRY_INDEX_FIELDS,
    EXPIRY_INDEX_NAME,
    INDEX_DDOC,
    INDEX_FIELDS,
    INDEX_NAME,
    NAMESPACE_INDEX_DDOC,
    NAMESPACE_INDEX_FIELDS,
    NAMESPACE_INDEX_NAME,
)

if TYPE_CHECKING:
    import httpx

log = logging.getLogger(__name__)

REFRESH_EVERY_DOCS = 2000
"""Documents written between refreshes: on pouchdb-server a pass then costs the server about
0.1 s per index, and a query after the writes stop finds at most this many changes (and those
of a pass still running) left to index."""

MAX_UNINDEXED_DOCS = 5000
"""Documents written past a running pass before the next write waits for the pass: on
pouchdb-server, about 0.25 s of indexing per index, and the most a query after the writes
finds left to index (with what the running pass has not reached)."""

REFRESH_TIMEOUT_S = 120.0
"""How long one refresh query may wait for its index: far beyond a request's usual timeout,
since a pass may have a large backlog to index (the thread waits, no operation does)."""

MANGO_INDEXES: tuple[tuple[str, str, list[str], Document], ...] = (
    (NAMESPACE_INDEX_DDOC, NAMESPACE_INDEX_NAME, NAMESPACE_INDEX_FIELDS,
     {"userId": "", "namespace": {"$gte": ""}}),
    (INDEX_DDOC, INDEX_NAME, INDEX_FIELDS, {"userId": "", "namespace": "", "_id": {"$gte": ""}}),
    (EXPIRY_INDEX_DDOC, EXPIRY_INDEX_NAME, EXPIRY_INDEX_FIELDS,
     {"expiresAt": {"$gte": "", "$lte": ""}}),
)
"""The indexes a pass refreshes, ``(design document, name, fields, selector)``, in that order.
Each selector has the shape of the backend's own queries on the index and matches nothing
(no record has an empty user ID or expiry): pouchdb-find answers such a query from the
index at once, where a range over the whole first field (``{"userId": {"$gte": ""}}``)
would read every row of the index, seconds on 30,000 records, even with ``limit`` 1."""


class IndexRefresher:
    """Brings the Mango indexes up to date in one background thread every ``every_docs``
    documents written (see the module docstring); ``every_docs`` 0 turns it off."""

    def __init__(
        self, target: CouchDBTarget, every_docs: int = REFRESH_EVERY_DOCS, *,
        max_unindexed_docs: int = MAX_UNINDEXED_DOCS, writer_wait_s: float = 5.0,
    ) -> None:
        self._every_docs = every_docs
        self._max_unindexed = max_unindexed_docs
        self._writer_wait_s = writer_wait_s
        self._lock = threading.Lock()
        self._pass_ended = threading.Condition(self._lock)
        self._pending = 0
        self._thread: threading.Thread | None = None
        self._connection = CouchDBConnection(target, REFRESH_TIMEOUT_S)
        self._closed = False
        self.passes = 0
        """Refresh passes finished (with or without errors)."""

    @property
    def enabled(self) -> bool:
        """Whether writes start refreshes."""
        return self._every_docs > 0

    @property
    def http(self) -> httpx.Client:
        """The refresher's own HTTP client (not the backend's: its requests are no
        operation's)."""
        return self._connection.http

    def wrote(self, documents: int) -> None:
        """Count ``documents`` written; start a pass when enough are and none is running, or
        wait for the running one when :data:`MAX_UNINDEXED_DOCS` are written past it."""
        if not self._every_docs or documents <= 0:
            return
        with self._lock:
            self._pending += documents
            if self._closed:
                return
            if self._thread is not None:
                if self._pending >= self._max_unindexed:
                    ended = self.passes
                    # No longer than the run being served lasts (request_timeout).
                    self._pass_ended.wait_for(lambda: self.passes != ended or self._closed,
                                              request_timeout(self._writer_wait_s))
                return
            if self._pending < self._every_docs:
                return
            self._pending = 0
            self._thread = threading.Thread(
                target=self._run, name="couchdb-index-refresh", daemon=True
            )
            self._thread.start()

    def wait(self, timeout_s: float | None = None) -> bool:
        """Wait until no pass is running (or ``timeout_s``); return whether none is."""
        with self._lock:
            thread = self._thread
        if thread is not None:
            thread.join(timeout_s)
            return not thread.is_alive()
        return True

    def close(self, timeout_s: float = 5.0) -> None:
        """Start no more passes; end a running one (its request is cut off) and wait for it."""
        with self._lock:
            self._closed = True
            self._pass_ended.notify_all()
            thread = self._thread
        self._connection.close()
        if thread is not None:
            thread.join(timeout_s)

    def _run(self) -> None:
        """Refresh until fewer than ``every_docs`` documents were written since the last pass."""
        while True:
            try:
                self.refresh()
            except Exception as exc:  # a refresh must never fail anything
                log.debug("refreshing the CouchDB indexes failed: %s", exc)
            with self._lock:
                self.passes += 1
                self._pass_ended.notify_all()
                if self._closed or self._pending < self._every_docs:
                    self._thread = None
                    return
                self._pending = 0

    def refresh(self) -> None:
        """One pass: a ``_find`` with ``limit`` 1 on each index, which the server answers
        once the index holds every change."""
        for ddoc, name, fields, selector in MANGO_INDEXES:
            if self._closed:
                return
            self._connection.find(selector, sort=fields, limit=1, use_index=(ddoc, name),
                            fields=["_id"])
