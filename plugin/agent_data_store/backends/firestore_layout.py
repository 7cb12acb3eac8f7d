"""How records are laid out in Firestore: document IDs, fields, value chunks and counters.

Firestore refuses some of what the logical record holds, so this module translates:

* **Document IDs.** A record's logical ``_id`` (``{userId}:{namespace}:{urlsafe_b64(key)}``)
  may contain ``/`` (a path separator), begin with ``__`` (reserved) or exceed Firestore's
  1,500-byte limit. :func:`firestore_id` escapes the first two and hashes the last; the
  logical ``_id``, ``userId``, ``namespace`` and ``key`` fields are stored unchanged.
* **Query fields.** Firestore refuses query values of 1,500 bytes or more, while a key or
  namespace may be 1,024 characters (up to 4 KiB). Queries therefore filter and order on
  ``queryNamespace`` (the namespace, or its digest when longer) and ``queryKey`` (the key,
  cut at 1,400 bytes); results are checked against the exact fields.
* **Values and metadata** are stored as JSON text: Firestore refuses integers beyond int64
  and arrays directly inside arrays, JSON text round-trips everything the store accepts.
* **Large values.** A document holds at most 1 MiB, the store accepts 1 MiB of JSON plus
  metadata, so values above :data:`INLINE_VALUE_BYTES` go to a ``value_chunks``
  subcollection of the record's document, written and deleted in the same commit.
* **Namespace counters.** ``{collection}/namespaces/namespace_counts/{userId:namespace}``
  holds how many records a namespace has (``count``) and how many of them expire
  (``expiring``), and their bytes (``bytes``, ``expiringBytes``), changed in the same commit
  as every write that changes them, so ``list_namespaces`` reads one small document per
  namespace.
* **Usage.** Beside the namespace counters, the same collection holds each user's expiry
  buckets (``{userId}%E{end}.{digest}``: ``records``, ``bytes``) and quota override
  (``{userId}%Q``: ``maxRecords``, ``maxBytes``); records carry ``valueBytes``,
  ``metadataBytes`` and ``usageBucket`` (:mod:`.usage_counters` says how they count). Every
  one of these documents has ``until``, the bucket's end in epoch seconds (or
  :data:`~.usage_counters.NEVER`), so a user's usage is one query, ``userId == U and until
  >= now + 1``. User IDs hold no ``:`` and :func:`firestore_id` leaves no ``%`` unescaped,
  so these IDs never equal a namespace counter's (``{userId}:…``) or each other.
* **Expiry.** ``expiresAt`` is a timestamp (``null`` for a record that never expires), on
  the record and on its value chunks, because a Firestore TTL policy deletes only documents
  whose field is a timestamp, and deletes a document without its subcollection. Records
  carry it as text to the rest of the store (:func:`record_from_fields`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from agent_data_store.backends.decoding import DECODING_ERRORS, checked, unreadable_document
from agent_data_store.backends.usage_counters import Counted
from agent_data_store.records import Record, expired

MAX_ID_BYTES = 1500
"""Firestore's limit on a document ID, in bytes of UTF-8."""

HASHED_ID_PREFIX = "sha256-"
"""Prefix of IDs too long to keep readable. Logical IDs always contain ``:``, these never do."""

MAX_QUERY_BYTES = 1400
"""Longest string used as a query value, in bytes of UTF-8.

Firestore documents 1,500 bytes; the emulator already refuses a value of exactly 1,500.
"""

INLINE_VALUE_BYTES = 768 * 1024
"""Largest value JSON kept in the record's own document (the rest of it stays under 100 KiB)."""

CHUNK_BYTES = 768 * 1024
"""Bytes of value JSON per chunk document."""

CHUNKS = "value_chunks"
"""Subcollection of a record's document holding its value when that is over the inline size."""

COUNTERS_PARENT = "namespaces"
"""Document of the records collection whose subcollection holds the namespace counters.

It never exists itself, so collection queries never see it; it cannot clash with a record's
ID, which always contains ``:`` or starts with :data:`HASHED_ID_PREFIX`.
"""

COUNTERS = "namespace_counts"
"""Collection ID of the per-namespace record counters."""

INDEX_FILE = Path(__file__).with_name("firestore.indexes.json")
"""The composite indexes production Firestore needs (the emulator needs none)."""

SIZE_FIELDS = ("valueBytes", "metadataBytes", "usageBucket")
"""What a record counts in its user's usage (see :mod:`.usage_counters`)."""

PROJECTION = (
    "_id", "userId", "namespace", "key", "valueChunks", "metadata", "createdByAgent",
    "lastAccessedByAgent", "accessCount", "createdAt", "updatedAt", "lastAccessedAt", "version",
    "expiresAt", *SIZE_FIELDS,
)
"""Every field but ``value``: what a write reads of the record it replaces."""

DELETE_PROJECTION = ("userId", "namespace", "valueChunks", "expiresAt", *SIZE_FIELDS)
"""What a delete reads of the record it removes."""


def firestore_id(logical_id: str) -> str:
    """Return a valid Firestore document ID for a logical ID (of a record or a counter).

    ``%`` and ``/`` are percent-escaped, and a leading ``_`` too so the ID never takes the
    reserved form ``__…__``; ``.`` and ``..`` cannot occur because logical IDs contain
    ``:``. IDs still longer than Firestore allows become a SHA-256 digest, which has no
    ``:`` and so never equals a readable ID.
    """
    encoded = logical_id.replace("%", "%25").replace("/", "%2F")
    if encoded.startswith("_"):
        encoded = "%5F" + encoded[1:]
    if len(encoded.encode("utf-8")) > MAX_ID_BYTES:
        return HASHED_ID_PREFIX + hashlib.sha256(logical_id.encode("utf-8")).hexdigest()
    return encoded


def query_namespace(namespace: str) -> str:
    """Return the ``queryNamespace`` field: the namespace, or a digest of a long one."""
    if len(namespace.encode("utf-8")) <= MAX_QUERY_BYTES:
        return namespace
    return HASHED_ID_PREFIX + hashlib.sha256(namespace.encode("utf-8")).hexdigest()


def query_key(key: str) -> str:
    """Return the ``queryKey`` field: the key cut at 1,400 bytes (on a character boundary).

    Cutting keeps the order of keys and of prefixes, so ordering and prefix ranges on it
    find every key they should; ties between long keys are broken by the document name.
    """
    data = key.encode("utf-8")
    if len(data) <= MAX_QUERY_BYTES:
        return key
    return data[:MAX_QUERY_BYTES].decode("utf-8", errors="ignore")


def counter_id(user_id: str, namespace: str) -> str:
    """Return the document ID of a namespace's record counter."""
    return firestore_id(f"{user_id}:{namespace}")


def bucket_id(user_id: str, end: int, digest: str) -> str:
    """Return the document ID of an expiry bucket's counter (see the module docstring)."""
    return f"{firestore_id(user_id)}%E{end:012d}.{digest}"


def quota_id(user_id: str) -> str:
    """Return the document ID of a user's quota override."""
    return f"{firestore_id(user_id)}%Q"


def counted_fields(fields: Mapping[str, Any]) -> Counted:
    """What a record document (read with :data:`SIZE_FIELDS` and ``expiresAt``) counts."""
    value_bytes = fields.get("valueBytes")
    bucket = fields.get("usageBucket")
    return Counted(
        None if value_bytes is None else int(value_bytes),
        int(fields.get("metadataBytes") or 0),
        from_timestamp(fields.get("expiresAt")) is not None,
        None if bucket is None else int(bucket),
    )


def split_value(value_json: str) -> list[bytes]:
    """Return the chunks a value is stored in, or ``[]`` when it fits in its document."""
    data = value_json.encode("utf-8")
    if len(data) <= INLINE_VALUE_BYTES:
        return []
    return [data[start : start + CHUNK_BYTES] for start in range(0, len(data), CHUNK_BYTES)]


def record_fields(record: Record, chunk_count: int, counted: Counted) -> dict[str, Any]:
    """Return the fields of a record's document, with what it ``counted`` in usage; ``value``
    is empty when it is chunked."""
    fields = record.to_stored_fields()
    fields["queryNamespace"] = query_namespace(record.namespace)
    fields["queryKey"] = query_key(record.key)
    fields["valueChunks"] = chunk_count
    fields["expiresAt"] = to_timestamp(record.expires_at)
    fields["valueBytes"] = counted.value_bytes
    fields["metadataBytes"] = counted.metadata_bytes
    fields["usageBucket"] = counted.bucket
    if chunk_count:
        fields["value"] = ""
    return fields


def to_timestamp(expires_at: str | None) -> datetime | None:
    """An expiry time as the timestamp Firestore stores (``None`` stays ``None``)."""
    if expires_at is None:
        return None
    return datetime.strptime(expires_at, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def from_timestamp(stored: object) -> str | None:
    """A stored expiry (a timestamp, or text in a document not written by this store) as
    the store's text form; ``None`` for none."""
    if isinstance(stored, datetime):
        moment = stored.astimezone(UTC)
        return f"{moment:%Y-%m-%dT%H:%M:%S}.{moment.microsecond // 1000:03d}Z"
    return stored if isinstance(stored, str) else None


def fields_expired(fields: Mapping[str, Any], now: str) -> bool:
    """Whether a record document's fields say it has expired at ``now``."""
    return expired(from_timestamp(fields.get("expiresAt")), now)


def chunk_count(fields: Mapping[str, Any]) -> int:
    """How many chunk documents hold the value of the record with these fields."""
    return int(fields.get("valueChunks") or 0)


def record_from_fields(
    fields: Mapping[str, Any], chunks: Sequence[bytes] | None = None, doc_id: str = ""
) -> Record:
    """Build a record from its document's fields and, for a chunked value, its chunks.

    Without ``chunks`` a chunked record comes back with an empty ``value_json``: that is
    what a write reads of the record it is about to replace, which never uses the value.
    A document that is not a record of this layout raises
    :class:`~agent_data_store.errors.UnreadableRecordError` naming it (``doc_id``).
    """
    try:
        if chunk_count(fields):
            value_json = b"".join(chunks).decode("utf-8") if chunks is not None else ""
        else:
            value_json = fields.get("value", "")
        stored = {**fields, "expiresAt": from_timestamp(fields.get("expiresAt"))}
        return checked(Record.from_stored_fields(stored, value_json=value_json))
    except DECODING_ERRORS:
        raise unreadable_document(fields, str(fields.get("_id") or doc_id)) from None


def index_descriptions(collection: str) -> list[str]:
    """Describe the shipped composite indexes for ``collection``, for operators."""
    definition = json.loads(INDEX_FILE.read_text(encoding="utf-8"))
    lines = []
    for index in definition["indexes"]:
        group = collection if index["collectionGroup"] == "agent_data_store" else (
            index["collectionGroup"]
        )
        fields = ", ".join(f"{f['fieldPath']} {f['order'].lower()}" for f in index["fields"])
        lines.append(f"firestore: composite index on collection group {group} ({fields})")
    for override in definition["fieldOverrides"]:
        if override.get("ttl"):
            group = collection if override["collectionGroup"] == "agent_data_store" else (
                override["collectionGroup"]
            )
            lines.append(f"firestore: TTL policy on {group}.{override['fieldPath']}")
    return lines
