"""How records are laid out in CouchDB: document IDs, documents, indexes and the view.

Decisions (the why is in :mod:`agent_data_store.backends.couchdb`'s docstring): a record is
one document of :meth:`Record.to_stored_fields` under its percent-encoded ID
(:func:`couch_id`); listings use the Mango index :data:`INDEX_FIELDS`, the sweep the index
:data:`EXPIRY_INDEX_FIELDS`, ``list_namespaces`` the index :data:`NAMESPACE_INDEX_FIELDS` (and,
on a server that collates with ICU, the view of :data:`VIEW_DDOC`).
"""

from __future__ import annotations

import re
import time
from urllib.parse import quote, unquote

from agent_data_store.backends.couchdb_http import Document
from agent_data_store.backends.decoding import DECODING_ERRORS, checked, unreadable_document
from agent_data_store.records import Record

NEVER_MS = 253_402_300_800_000
"""What the namespaces view emits for a record that never expires: year 10000, in ms."""

INDEX_DDOC = "agent-data-store-index"
INDEX_NAME = "user-namespace-id"
INDEX_FIELDS = ["userId", "namespace", "_id"]
"""The Mango index every listing query names in ``use_index``."""

NAMESPACE_INDEX_DDOC = "agent-data-store-namespaces"
NAMESPACE_INDEX_NAME = "user-namespace"
NAMESPACE_INDEX_FIELDS = ["userId", "namespace"]
"""The Mango index ``list_namespaces`` skips through, one namespace per query. It has no
``_id`` field: pouchdb-find pushes a query's ``limit`` down to an index only when no index
field after a range condition is left to filter in memory, so on ``[userId, namespace, _id]``
a range on ``namespace`` would read the rest of the user's records."""

VIEW_DDOC_ID = "_design/agent-data-store"
NAMESPACES_VIEW = "agent-data-store/namespaces"
VIEW_DDOC: Document = {
    "_id": VIEW_DDOC_ID,
    "language": "javascript",
    "views": {
        "namespaces": {
            "map": (
                "function (doc) {\n"
                "  if (typeof doc.userId === 'string' && typeof doc.namespace === 'string') {\n"
                "    var expires = typeof doc.expiresAt === 'string' ? "
                "Date.parse(doc.expiresAt) : NaN;\n"
                f"    emit([doc.userId, doc.namespace], isNaN(expires) ? {NEVER_MS} : expires);\n"
                "  }\n"
                "}"
            ),
            "reduce": "_stats",
        },
    },
}
"""The design document behind ``list_namespaces`` on a server that collates with ICU (CouchDB):
per ``[userId, namespace]`` the expiry of each record in epoch milliseconds (:data:`NEVER_MS`
for one that never expires), reduced with ``_stats``, whose ``max`` says whether any record of
the namespace is still live. CouchDB keeps the reductions in the view's B-tree, so a grouped
query costs per namespace, not per record."""

EXPIRY_INDEX_DDOC = "agent-data-store-expiry"
EXPIRY_INDEX_NAME = "expires-at"
EXPIRY_INDEX_FIELDS = ["expiresAt"]
"""The Mango index of the sweep: CouchDB indexes only documents that have the field, and a
record has it only while it expires (:meth:`Record.to_stored_fields`)."""

_REGEX_SPECIAL = re.compile(r"([\\^$.|?*+()\[\]{}])")


def couch_id(record_id: str) -> str:
    """Return the CouchDB document ID of a record ID (see the module docstring)."""
    encoded = quote(record_id, safe=":=")
    return "%5F" + encoded[1:] if encoded.startswith("_") else encoded


def prefix_regex(prefix: str) -> str:
    """A ``$regex`` matching strings that start with ``prefix``.

    Escapes only the ASCII syntax characters, which both CouchDB (PCRE) and pouchdb
    (JavaScript) read as literals after a backslash.
    """
    return "^" + _REGEX_SPECIAL.sub(r"\\\1", prefix)


def to_document(record: Record, current: Document | None) -> Document:
    """The record's document, replacing ``current`` (whose ``_rev`` it carries) if given."""
    doc: Document = record.to_stored_fields()
    doc["_id"] = couch_id(record.id)
    if current is not None:
        doc["_rev"] = current["_rev"]
    return doc


def to_record(doc: Document) -> Record:
    """The record a document holds; a document that is not one raises
    :class:`~agent_data_store.errors.UnreadableRecordError` naming it."""
    try:
        return checked(Record.from_stored_fields(doc))
    except DECODING_ERRORS:
        raise unreadable_document(doc, unquote(str(doc.get("_id", "")))) from None


def size_of(record: Record) -> int:
    """An upper estimate of the record's document in a request, for request chunking."""
    return len(record.value_json) + 512


def tombstone(doc_id: str, current: Document | None) -> tuple[Document, int] | None:
    """The change that deletes a live document (and leaves a missing one alone)."""
    if current is None:
        return None
    return {"_id": doc_id, "_rev": current["_rev"], "_deleted": True}, 128


def is_record(doc: Document | None) -> bool:
    """Whether an ``_all_docs`` row's document is a record (not a design document)."""
    if not doc or doc.get("_id", "").startswith("_design/"):
        return False
    return all(field in doc for field in ("userId", "namespace", "key", "value"))


def now_ms() -> int:
    """The current time in epoch milliseconds, as the namespaces view emits expiry times."""
    return int(time.time() * 1000)
