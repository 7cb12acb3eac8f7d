"""The DynamoDB key schema: how records, value chunks and namespace counters become items.

One table, key ``pk`` (partition, string) + ``sk`` (sort, string), no secondary index.
Every read the product makes is a ``GetItem``/``BatchGetItem`` or a ``Query`` of one
partition of the base table, so all of them can be strongly consistent (read-your-writes).

=============  ==============================  =====================================
item           ``pk``                          ``sk``
=============  ==============================  =====================================
record         ``{userId}:{short(namespace)}``  ``r:{short(key)}``
value chunk    ``{userId}:{short(namespace)}``  ``v:{sha256(key)}:{index:03}``
expiry bucket  ``{userId}``                     ``e:{end:012d}:{digest(namespace)}``
namespace      ``{userId}``                     ``n:{short(namespace)}``
quota          ``{userId}``                     ``q:``
=============  ==============================  =====================================

* A **record** item holds the fields of the storage layout (``_id``, ``userId``,
  ``namespace``, ``key``, ``metadata``, ``createdByAgent``, ``lastAccessedByAgent``,
  ``accessCount``, ``createdAt``, ``updatedAt``, ``lastAccessedAt``), ``value`` as JSON text
  (DynamoDB numbers cannot hold every JSON number exactly), ``metadata`` as JSON text,
  ``version`` (the record's version, new on every write), ``rev``, a write counter used as
  the optimistic-concurrency condition, and for a record that expires ``expiresAt`` (text,
  what reads compare) with :data:`TTL_ATTRIBUTE` (epoch seconds, the table's native TTL
  attribute, also on its value chunks), and what it counts in its user's usage
  (``valueBytes``, ``metadataBytes``, ``usageBucket``: :mod:`.usage_counters`). An
  integer value of at most
  :data:`MAX_NUMBER_DIGITS` digits is stored instead as the number ``num``, so that
  ``increment`` can ``ADD`` to it in one ``UpdateItem``. A value larger than
  :data:`INLINE_VALUE_BYTES` is stored instead as ``chunks`` = n **value chunk** items (UTF-8
  bytes, ``data``, tagged with the record's ``rev``), written and deleted in the same
  transaction as the record.
* A **namespace** item per ``(user, namespace)`` counts the namespace's records
  (``records``) and of those the ones that expire (``expiring``), both changed in the same
  transaction as the records, so ``list_namespaces`` is one query of the user's partition:
  a namespace with a record that never expires (``records > expiring``) is listed at once,
  one whose records all expire after a query for one that has not. DynamoDB's own deletion
  of expired items changes neither count, so ``records - expiring`` stays exact. It also
  holds their bytes (``bytes``, ``expiringBytes``).
* An **expiry bucket** counts the records (``records``, ``bytes``) of a user and namespace
  that expire by its end, and a **quota** item holds a user's own limits (``maxRecords``,
  ``maxBytes``). Their sort keys put a user's buckets before its namespace counters and
  quota, so one query from the first bucket not yet ended reads what counts now
  (:mod:`.dynamodb_usage`).
* User IDs never contain ``:``, so a namespace partition (no ``:``) never equals a record
  partition. ``short()`` keeps a string as it is up to :data:`RAW_KEY_BYTES` bytes of UTF-8
  and otherwise cuts it and appends a SHA-256, which keeps long keys and namespaces under
  DynamoDB's key-size limits (sort key 1 KiB, partition key 2 KiB) and injective (a cut form
  is always longer than any uncut one). Sort keys compare as UTF-8 bytes: code-point order.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from agent_data_store.backends.decoding import DECODING_ERRORS, checked, unreadable_item
from agent_data_store.backends.usage_counters import (
    Counted,
    counted_record,
    epoch_seconds,
    live_bucket_floor,
)
from agent_data_store.records import LEGACY_VERSION, Record, expired

Item = dict[str, Any]
"""An item in the low-level DynamoDB format: attribute name → ``{"S": …}``/``{"N": …}``/…"""

PK = "pk"
SK = "sk"
RECORD_TAG = "r:"
CHUNK_TAG = "v:"
NAMESPACE_TAG = "n:"
BUCKET_TAG = "e:"
QUOTA_SK = "q:"

RAW_KEY_BYTES = 900
"""Keys and namespaces up to this many UTF-8 bytes appear in item keys as they are."""

INLINE_VALUE_BYTES = 300_000
"""Largest value kept inside the record item; with 64 KiB of metadata and long keys the item
stays under DynamoDB's 400 KB item limit."""

CHUNK_BYTES = 350_000
"""Bytes of value per chunk item."""

MAX_TRANSACTION_ITEMS = 100
MAX_TRANSACTION_BYTES = 3_500_000
"""Kept under DynamoDB's 4 MB transaction limit, with room for attribute names."""

MAX_VALUE_BYTES = 3_000_000
"""Largest configurable value limit: a record and its chunks must fit in one transaction."""

MAX_NUMBER_DIGITS = 37
"""Integers up to this many digits are stored as DynamoDB numbers (which hold 38 digits), so
an increment of one by another of this size never overflows."""

_INTEGER_JSON = re.compile(rf"-?(?:0|[1-9][0-9]{{0,{MAX_NUMBER_DIGITS - 1}}})")

TTL_ATTRIBUTE = "expiresAtEpoch"
"""The table's time-to-live attribute: when a record expires, in whole epoch seconds (rounded
up), so DynamoDB deletes it (typically within days; reads never wait for that)."""

VALUE_FORMS = ("value", "num", "chunks")
"""The attributes a record's value may be stored in; a record item has exactly one."""

_FIELDS = {
    "_id": "S", "userId": "S", "namespace": "S", "key": "S", "metadata": "S",
    "createdByAgent": "S", "lastAccessedByAgent": "S", "accessCount": "N",
    "createdAt": "S", "updatedAt": "S", "lastAccessedAt": "S", "rev": "N", "chunks": "N",
    "version": "S", "expiresAt": "S", "valueBytes": "N", "metadataBytes": "N",
    "usageBucket": "N",
}
HEAD_ATTRIBUTES = tuple(_FIELDS)
"""Every attribute of a record item except its value: what writes and deletes read."""

VALUE_ATTRIBUTES = ("key", "value", "num", "chunks", "rev", "expiresAt", "valueBytes",
                    "metadataBytes", "usageBucket")
"""What value reads need: botocore parses a response attribute by attribute, so reading
these instead of the whole item saves most of a read's client-side time."""


def projection(attributes: Sequence[str]) -> dict[str, Any]:
    """The request parameters that read only ``attributes`` (names may be reserved words)."""
    return {
        "ProjectionExpression": ", ".join(f"#a{i}" for i in range(len(attributes))),
        "ExpressionAttributeNames": {f"#a{i}": name for i, name in enumerate(attributes)},
    }


def short(text: str) -> str:
    """Return ``text`` as it appears in an item key (see the module docstring)."""
    raw = text.encode("utf-8")
    if len(raw) <= RAW_KEY_BYTES:
        return text
    head = raw[:RAW_KEY_BYTES].decode("utf-8", "ignore")
    return f"{head}#{hashlib.sha256(raw).hexdigest()}"


def query_prefix(prefix: str) -> str:
    """Return a sort-key prefix matching every record whose key starts with ``prefix``.

    Long prefixes are cut so that they are also a prefix of cut keys; callers then filter on
    the full key.
    """
    cut = prefix.encode("utf-8")[: RAW_KEY_BYTES - 4].decode("utf-8", "ignore")
    return RECORD_TAG + cut


def s(text: str) -> dict[str, str]:
    """A string attribute value."""
    return {"S": text}


def n(number: int) -> dict[str, str]:
    """A number attribute value."""
    return {"N": str(number)}


def partition(user_id: str, namespace: str) -> str:
    """The partition key of a namespace's records and chunks."""
    return f"{user_id}:{short(namespace)}"


def record_key(user_id: str, namespace: str, key: str) -> Item:
    """The primary key of a record item."""
    return {PK: s(partition(user_id, namespace)), SK: s(RECORD_TAG + short(key))}


def chunk_key(user_id: str, namespace: str, key: str, index: int) -> Item:
    """The primary key of a record's ``index``-th value chunk."""
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()
    return {PK: s(partition(user_id, namespace)), SK: s(f"{CHUNK_TAG}{digest}:{index:03d}")}


def namespace_key(user_id: str, namespace: str) -> Item:
    """The primary key of a namespace's counter item."""
    return {PK: s(user_id), SK: s(NAMESPACE_TAG + short(namespace))}


def bucket_key(user_id: str, end: int, digest: str) -> Item:
    """The primary key of an expiry bucket's counter item (see :mod:`.usage_counters`)."""
    return {PK: s(user_id), SK: s(f"{BUCKET_TAG}{end:012d}:{digest}")}


def quota_key(user_id: str) -> Item:
    """The primary key of the item holding a user's own quota."""
    return {PK: s(user_id), SK: s(QUOTA_SK)}


def live_counters_from() -> str:
    """The sort key from which a user's partition holds every counter that counts now: the
    buckets not yet ended, then the namespace counters and the quota item."""
    return f"{BUCKET_TAG}{live_bucket_floor():012d}"


@dataclass(frozen=True, slots=True)
class StoredRecord:
    """A record as read from its item, with its write counter and chunk count.

    ``record.value_json`` is empty when the value was not read (a head) or lives in chunks
    not yet fetched (``chunks`` > 0).
    """

    record: Record
    rev: int
    chunks: int
    counted: Counted | None = None
    """What the record adds to its user's usage counters (``None``: not read)."""


def is_integer_json(value_json: str) -> bool:
    """Whether a value is an integer stored as the number ``num``."""
    return len(value_json) <= MAX_NUMBER_DIGITS + 1 and bool(_INTEGER_JSON.fullmatch(value_json))


def inline_value(item: Mapping[str, Any]) -> str | None:
    """The value JSON held in a record item itself (``value`` or ``num``), if any."""
    if "value" in item:
        return str(item["value"]["S"])
    if "num" in item:
        return str(item["num"]["N"])
    return None


def parse_record(item: Mapping[str, Any]) -> StoredRecord:
    """Read a record item (whole, or without its value).

    An item that is not a record of this layout raises
    :class:`~agent_data_store.errors.UnreadableRecordError` naming it.
    """
    try:
        record = Record(
            user_id=item["userId"]["S"],
            namespace=item["namespace"]["S"],
            key=item["key"]["S"],
            value_json=inline_value(item) or "",
            metadata=json.loads(item["metadata"]["S"]),
            created_by_agent=item["createdByAgent"]["S"],
            last_accessed_by_agent=item["lastAccessedByAgent"]["S"],
            access_count=int(item["accessCount"]["N"]),
            created_at=item["createdAt"]["S"],
            updated_at=item["updatedAt"]["S"],
            last_accessed_at=item["lastAccessedAt"]["S"],
            version=item["version"]["S"] if "version" in item else LEGACY_VERSION,
            expires_at=item["expiresAt"]["S"] if "expiresAt" in item else None,
        )
        chunks = int(item["chunks"]["N"]) if "chunks" in item else 0
        return StoredRecord(checked(record), int(item["rev"]["N"]), chunks, item_counted(item))
    except DECODING_ERRORS:
        types = {**_FIELDS, "value": "S"} if "value" in item else (
            {**_FIELDS, "num": "N"} if "num" in item else _FIELDS)
        raise unreadable_item(item, types) from None


def item_counted(item: Mapping[str, Any]) -> Counted:
    """What a record item (read with its head attributes) adds to the usage counters."""
    value_bytes = item.get("valueBytes")
    bucket = item.get("usageBucket")
    return Counted(
        None if value_bytes is None else int(value_bytes["N"]),
        int(item["metadataBytes"]["N"]) if "metadataBytes" in item else 0,
        "expiresAt" in item,
        None if bucket is None else int(bucket["N"]),
    )


def item_keys(items: Sequence[Mapping[str, Any]], namespace: str) -> list[str]:
    """The ``key`` of each record item; one that has none (as text) raises
    :class:`~agent_data_store.errors.UnreadableRecordError` naming it.
    """
    try:
        return [item["key"]["S"] for item in items]
    except DECODING_ERRORS:
        bad = next(i for i in items if not isinstance(i.get("key"), dict) or "S" not in i["key"])
        raise unreadable_item(bad, {"key": "S"}, namespace) from None


def item_value(item: Mapping[str, Any], namespace: str) -> tuple[str, str | None, int, int]:
    """``(key, inline value or None, rev, chunks)`` of an item read with
    :data:`VALUE_ATTRIBUTES`; an item that is not a record of this layout raises
    :class:`~agent_data_store.errors.UnreadableRecordError` naming it.
    """
    try:
        value = inline_value(item)
        if value is not None:
            return item["key"]["S"], value, 0, 0
        return item["key"]["S"], None, int(item["rev"]["N"]), int(item["chunks"]["N"])
    except DECODING_ERRORS:
        raise unreadable_item(item, dict.fromkeys(VALUE_ATTRIBUTES[:2], "S"), namespace) from None


def split_value(value_json: str) -> list[bytes]:
    """Return the value's chunks, or ``[]`` when it fits inside the record item."""
    if len(value_json) * 4 <= INLINE_VALUE_BYTES:
        return []
    raw = value_json.encode("utf-8")
    if len(raw) <= INLINE_VALUE_BYTES:
        return []
    return [raw[start : start + CHUNK_BYTES] for start in range(0, len(raw), CHUNK_BYTES)]


def chunk_group(item: Mapping[str, Any]) -> tuple[str, str]:
    """Which record's value a chunk item (or chunk key) belongs to."""
    return item[PK]["S"], item[SK]["S"].rpartition(":")[0]


def join_chunks(items: Sequence[Mapping[str, Any]], rev: int, count: int) -> str | None:
    """Reassemble a value from its chunk items, or ``None`` if they belong to another write."""
    if len(items) != count or any(int(item["rev"]["N"]) != rev for item in items):
        return None
    ordered = sorted(items, key=lambda item: str(item[SK]["S"]))
    return b"".join(bytes(item["data"]["B"]) for item in ordered).decode("utf-8")


def metadata_json(metadata: dict[str, Any]) -> str:
    """Metadata as the compact JSON text items hold."""
    return json.dumps(metadata, ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def record_item(record: Record, rev: int, chunks: list[bytes], counted: Counted) -> Item:
    """The whole item of ``record``, its value inline or counted in ``chunks``, with what it
    ``counted`` in usage."""
    item: Item = {
        **record_key(record.user_id, record.namespace, record.key),
        "_id": s(record.id),
        "userId": s(record.user_id),
        "namespace": s(record.namespace),
        "key": s(record.key),
        "metadata": s(metadata_json(record.metadata)),
        "createdByAgent": s(record.created_by_agent),
        "lastAccessedByAgent": s(record.last_accessed_by_agent),
        "accessCount": n(record.access_count),
        "createdAt": s(record.created_at),
        "updatedAt": s(record.updated_at),
        "lastAccessedAt": s(record.last_accessed_at),
        "rev": n(rev),
        "version": s(record.version),
        **expiry_attributes(record.expires_at),
        **size_attributes(counted),
    }
    form, stored = value_form(record.value_json, chunks)
    item[form] = stored
    return item


def size_attributes(counted: Counted) -> Item:
    """``valueBytes``, ``metadataBytes`` and (for a record that expires) ``usageBucket``."""
    item: Item = {"valueBytes": n(counted.value_bytes or 0),
                  "metadataBytes": n(counted.metadata_bytes)}
    if counted.bucket is not None:
        item["usageBucket"] = n(counted.bucket)
    return item


def new_counted(record: Record, head: StoredRecord | None) -> Counted:
    """What ``record`` will count once stored over ``head``: it keeps the head's bucket
    while its expiry stays, else gets one for its expiry."""
    keep = (head.counted.bucket if head is not None and head.counted is not None
            and head.record.expires_at == record.expires_at else None)
    return counted_record(record.value_json, record.metadata, record.expires_at, keep)


def expiry_attributes(expires_at: str | None) -> Item:
    """``expiresAt`` and :data:`TTL_ATTRIBUTE` of a record that expires; none otherwise."""
    if expires_at is None:
        return {}
    return {"expiresAt": s(expires_at), TTL_ATTRIBUTE: n(epoch_seconds(expires_at))}


def item_expired(item: Mapping[str, Any], now: str) -> bool:
    """Whether a record item (read with ``expiresAt``) has expired at ``now``."""
    stored = item.get("expiresAt")
    return isinstance(stored, Mapping) and expired(stored.get("S"), now)


def value_form(value_json: str, chunks: list[bytes]) -> tuple[str, dict[str, str]]:
    """Which of :data:`VALUE_FORMS` holds a value, and the attribute value to store there."""
    if chunks:
        return "chunks", n(len(chunks))
    if is_integer_json(value_json):
        return "num", {"N": value_json}
    return "value", s(value_json)


def chunk_items(record: Record, rev: int, chunks: list[bytes]) -> list[Item]:
    """The chunk items of ``record``'s value, tagged with the record's ``rev``."""
    return [
        {**chunk_key(record.user_id, record.namespace, record.key, index),
         "rev": n(rev), "data": {"B": data}, **expiry_attributes(record.expires_at)}
        for index, data in enumerate(chunks)
    ]


def item_bytes(item: Mapping[str, Any]) -> int:
    """An upper estimate of an item's size as DynamoDB counts it."""
    total = 0
    for name, value in item.items():
        ((kind, content),) = value.items()
        size = len(content) if kind != "S" else len(content.encode("utf-8"))
        total += len(name) + size
    return total
