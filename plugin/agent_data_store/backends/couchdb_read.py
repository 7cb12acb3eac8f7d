"""The documents a CouchDB backend read last, so that access tracking writes without reading.

Access counts are written when a run ends, by rewriting each document the run read: CouchDB
has no partial update, and a write names the revision it replaces. The run's reads fetched
those documents, revisions included, moments before; keeping them here lets the tracking
write go out as ``_bulk_docs`` alone, with no ``_bulk_get`` first. A document changed since
(by any writer, anywhere) makes that write conflict and is then read again and retried, so
an outdated entry costs a retry, never a wrong count.

Memory is bounded by the number of documents and the size of their values; the entries
read longest ago go first, and a document is forgotten once it is used or written.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Collection, Iterable

from agent_data_store.backends.couchdb_http import Document

MAX_DOCUMENTS = 10_000
"""Most documents kept."""

MAX_BYTES = 64 * 1024 * 1024
"""Most bytes of values (JSON text) kept."""

_OVERHEAD_BYTES = 512
"""What a document counts beyond its value: its other fields, about."""


def _size(doc: Document) -> int:
    value = doc.get("value")
    return (len(value) if isinstance(value, str) else 0) + _OVERHEAD_BYTES


class ReadDocuments:
    """Documents as last read, by ID, with their revisions; safe to share between threads."""

    def __init__(self, max_documents: int = MAX_DOCUMENTS, max_bytes: int = MAX_BYTES) -> None:
        self._lock = threading.Lock()
        self._docs: OrderedDict[str, Document] = OrderedDict()
        self._bytes = 0
        self._max_documents = max_documents
        self._max_bytes = max_bytes

    def __len__(self) -> int:
        return len(self._docs)

    def keep(self, docs: Iterable[Document]) -> None:
        """Remember ``docs`` (as read, ``_id`` and ``_rev`` included), dropping the oldest
        entries beyond the bounds."""
        with self._lock:
            for doc in docs:
                old = self._docs.pop(doc["_id"], None)
                if old is not None:
                    self._bytes -= _size(old)
                self._docs[doc["_id"]] = doc
                self._bytes += _size(doc)
            while self._docs and (len(self._docs) > self._max_documents
                                  or self._bytes > self._max_bytes):
                _, dropped = self._docs.popitem(last=False)
                self._bytes -= _size(dropped)

    def take(self, ids: Iterable[str]) -> dict[str, Document]:
        """The kept documents among ``ids``, by ID, forgetting them."""
        taken: dict[str, Document] = {}
        with self._lock:
            if not self._docs:
                return taken
            for doc_id in ids:
                doc = self._docs.pop(doc_id, None)
                if doc is not None:
                    self._bytes -= _size(doc)
                    taken[doc_id] = doc
        return taken

    def forget(self, ids: Collection[str]) -> None:
        """Drop the documents ``ids`` (they were just written: their revisions are gone)."""
        if self._docs:
            self.take(ids)
