"""The stored record, its document ID, and the record rules every backend shares.

Record semantics (what a create, an overwrite and an access do to a record) live here once;
backends persist what these functions compute and never re-implement them.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from agent_data_store.errors import InvalidValueError, UnreadableRecordError
from agent_data_store.json_text import decode

TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%SZ"

LEGACY_VERSION = "0"
"""The version of a record stored before records had versions (or imported without one).
Every write gives a record a fresh random version (:func:`new_version`), never this one."""

_encode_metadata = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode

_last_now: tuple[int, str] = (-1, "")


def utc_now() -> str:
    """Return the current time as an ISO 8601 UTC timestamp, e.g. ``2026-02-01T10:30:00Z``."""
    return utc_time(time.time())


def utc_time(epoch_s: float) -> str:
    """Format seconds since the epoch as :func:`utc_now` does (whole seconds, rounded down)."""
    global _last_now
    seconds = int(epoch_s)
    cached = _last_now
    if cached[0] == seconds:
        return cached[1]
    # Formatting costs more than a database read; timestamps have one-second resolution,
    # so format each second once.
    text = time.strftime(TIMESTAMP_FORMAT, time.gmtime(seconds))
    _last_now = (seconds, text)
    return text


def precise_now() -> str:
    """Return the current time with milliseconds, e.g. ``2026-02-01T10:30:00.250Z``.

    Expiry times have this fixed-width form, so they compare correctly as strings (SQL,
    DynamoDB and Mango range conditions compare them that way).
    """
    return precise_time(time.time())


def precise_time(epoch_s: float) -> str:
    """Format seconds since the epoch as :func:`precise_now` does (milliseconds rounded up)."""
    seconds, ms = divmod(math.ceil(epoch_s * 1000), 1000)
    # The second's text is utc_time's (formatted once a second), without its "Z".
    return f"{utc_time(seconds)[:-1]}.{ms:03d}Z"


def expiry_after(ttl_s: float) -> str:
    """The expiry time of a record written now with a time to live of ``ttl_s`` seconds."""
    return precise_time(time.time() + ttl_s)


def expired(expires_at: str | None, now: str) -> bool:
    """Whether an expiry time (``None``: never) has passed at ``now`` (:func:`precise_now`)."""
    return expires_at is not None and expires_at <= now


def new_version() -> str:
    """Return a fresh, random record version (opaque to agents)."""
    return os.urandom(8).hex()


def new_versions(count: int) -> list[str]:
    """Return ``count`` fresh versions, as :func:`new_version` would, from one random draw."""
    text = os.urandom(8 * count).hex()
    return [text[start : start + 16] for start in range(0, 16 * count, 16)]


_URL_SAFE = bytes.maketrans(b"+/", b"-_")


def encode_key(key: str) -> str:
    """Return the URL-safe base64 form of ``key`` used in document IDs
    (``base64.urlsafe_b64encode``, called in C directly: every write builds one)."""
    return binascii.b2a_base64(key.encode("utf-8"), newline=False).translate(_URL_SAFE).decode(
        "ascii"
    )


def decode_key(encoded: str) -> str:
    """Invert :func:`encode_key`."""
    return base64.urlsafe_b64decode(encoded.encode("ascii")).decode("utf-8")


def document_id(user_id: str, namespace: str, key: str) -> str:
    """Return the record's ID ``{userId}:{namespace}:{urlsafe_base64(key)}``.

    Injective because user IDs cannot contain ``:`` (validated by the execution context)
    and base64 never does, so the namespace is everything between the first and last ``:``.
    """
    return f"{user_id}:{namespace}:{encode_key(key)}"


@dataclass(slots=True)
class Record:
    """One stored key of one user's namespace, in the shape of the storage layout.

    ``value_json`` is the value's JSON text: it is what was validated and size-checked, and
    decoding it gives every reader its own copy. Treat records as values: derive changed
    ones with :func:`dataclasses.replace` (not frozen only because frozen dataclasses are
    several times slower to build, and every read builds one).
    """

    user_id: str
    namespace: str
    key: str
    value_json: str
    metadata: dict[str, Any]
    created_by_agent: str
    last_accessed_by_agent: str
    access_count: int
    created_at: str
    updated_at: str
    last_accessed_at: str
    version: str = LEGACY_VERSION
    """Changes on every write (never on an access): what ``compare_and_set`` compares."""
    expires_at: str | None = None
    """When the record expires (:func:`precise_now`'s form), or ``None``: never. An expired
    record is treated as missing everywhere, and removed later."""

    @property
    def id(self) -> str:
        """The record's document ID."""
        return document_id(self.user_id, self.namespace, self.key)

    @property
    def value(self) -> Any:
        """A fresh copy of the stored value."""
        try:
            return decode(self.value_json)
        except ValueError:
            raise UnreadableRecordError(
                "value is not JSON text", record_id=self.id, namespace=self.namespace,
                key=self.key,
            ) from None

    def to_document(self) -> dict[str, Any]:
        """Return the record as the documented storage document (camelCase fields)."""
        return {**self.to_stored_fields(), "value": self.value, "metadata": self.metadata,
                "expiresAt": self.expires_at}

    @classmethod
    def from_document(cls, doc: Mapping[str, Any]) -> Record:
        """Build a record from a storage document as :meth:`to_document` returns it."""
        return cls.from_stored_fields(
            doc,
            value_json=json.dumps(doc["value"], ensure_ascii=False, allow_nan=False),
            metadata=dict(doc.get("metadata") or {}),
        )

    def to_stored_fields(self) -> dict[str, Any]:
        """The storage document with ``value`` and ``metadata`` as JSON text.

        Document stores keep both as text so that every JSON number survives exactly,
        whatever the server does with numbers. ``expiresAt`` is there only when the record
        expires, so an index on it holds expiring records alone.
        """
        fields = {
            "_id": self.id,
            "userId": self.user_id,
            "namespace": self.namespace,
            "key": self.key,
            "value": self.value_json,
            "metadata": _encode_metadata(self.metadata) if self.metadata else "{}",
            "createdByAgent": self.created_by_agent,
            "lastAccessedByAgent": self.last_accessed_by_agent,
            "accessCount": self.access_count,
            "createdAt": self.created_at,
            "updatedAt": self.updated_at,
            "lastAccessedAt": self.last_accessed_at,
            "version": self.version,
        }
        if self.expires_at is not None:
            fields["expiresAt"] = self.expires_at
        return fields

    @classmethod
    def from_stored_fields(
        cls,
        fields: Mapping[str, Any],
        value_json: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> Record:
        """Invert :meth:`to_stored_fields`; ``value_json``/``metadata`` replace the fields'."""
        return cls(
            user_id=fields["userId"],
            namespace=fields["namespace"],
            key=fields["key"],
            value_json=fields["value"] if value_json is None else value_json,
            metadata=json.loads(fields.get("metadata") or "{}") if metadata is None else metadata,
            created_by_agent=fields["createdByAgent"],
            last_accessed_by_agent=fields["lastAccessedByAgent"],
            access_count=int(fields["accessCount"]),
            created_at=fields["createdAt"],
            updated_at=fields["updatedAt"],
            last_accessed_at=fields["lastAccessedAt"],
            version=fields.get("version") or LEGACY_VERSION,
            expires_at=fields.get("expiresAt") or None,
        )


@dataclass(slots=True)
class RecordWrite:
    """A ``set`` of one key by one agent: what :func:`apply_write` needs to compute the record.

    Treat writes as values, like records (not frozen for the same reason: every item of a
    bulk write builds one).
    """

    user_id: str
    namespace: str
    key: str
    value_json: str
    metadata: dict[str, Any] | None
    agent: str
    at: str
    version: str = field(default_factory=new_version)
    """The version of the record after this write."""
    expires_at: str | None = None
    """The record's expiry after this write; ``None``: it never expires (an expiry is cleared)."""
    now: str = field(default_factory=precise_now)
    """The moment of the write, to the millisecond: a record expired by then is overwritten
    as if it did not exist."""

    @property
    def id(self) -> str:
        """The document ID of the record this write creates or overwrites."""
        return document_id(self.user_id, self.namespace, self.key)


@dataclass(frozen=True, slots=True)
class Increment:
    """An ``increment`` of one key by one agent: what :func:`apply_increment` needs."""

    user_id: str
    namespace: str
    key: str
    amount: int | float
    agent: str
    at: str
    version: str = field(default_factory=new_version)
    now: str = field(default_factory=precise_now)

    @property
    def id(self) -> str:
        """The document ID of the record this increment creates or changes."""
        return document_id(self.user_id, self.namespace, self.key)

    def write(self, value_json: str, expires_at: str | None) -> RecordWrite:
        """The write that stores ``value_json`` as this increment's result."""
        return RecordWrite(self.user_id, self.namespace, self.key, value_json, None,
                           self.agent, self.at, self.version, expires_at, self.now)


@dataclass(slots=True)
class Access:
    """Buffered reads of one key during a run: how many, by which agent, when last.

    Treat accesses as values, like records (not frozen for the same reason: a run's end
    builds one per key read).
    """

    user_id: str
    namespace: str
    key: str
    count: int
    agent: str
    at: str

    @property
    def id(self) -> str:
        """The document ID of the record that was read."""
        return document_id(self.user_id, self.namespace, self.key)


OVERWRITTEN_FIELDS = (
    "value", "metadata", "lastAccessedByAgent", "updatedAt", "lastAccessedAt", "version",
    "expiresAt",
)
"""Storage fields an overwrite changes (``metadata`` by :func:`merge_metadata`); every other
field keeps its stored value. Backends that upsert server-side build their update from this."""


def live(record: Record | None, now: str) -> Record | None:
    """``record`` if it exists and has not expired at ``now``, else ``None``."""
    if record is None or expired(record.expires_at, now):
        return None
    return record


def apply_write(existing: Record | None, write: RecordWrite) -> Record:
    """Return the record after ``write``: a create, or an overwrite of ``existing``.

    Create (also over a record that has expired): created/lastAccessed by the agent,
    ``accessCount`` 0, all timestamps now. Overwrite: value replaced, metadata
    shallow-merged, ``updatedAt``/``lastAccessedAt`` now, ``lastAccessedByAgent`` the
    writer; ``createdAt``, ``createdByAgent`` and ``accessCount`` kept. Either way the
    record gets the write's (fresh) version and expiry.
    """
    existing = live(existing, write.now)
    # Positional construction: dataclasses.replace or keywords cost several times more, and
    # every write of a bulk call builds one record.
    if existing is None:
        return Record(
            write.user_id, write.namespace, write.key, write.value_json,
            dict(write.metadata) if write.metadata else {}, write.agent, write.agent, 0,
            write.at, write.at, write.at, write.version, write.expires_at,
        )
    return Record(
        existing.user_id, existing.namespace, existing.key, write.value_json,
        merge_metadata(existing.metadata, write.metadata), existing.created_by_agent,
        write.agent, existing.access_count, existing.created_at, write.at, write.at,
        write.version, write.expires_at,
    )


def write_allowed(existing: Record | None, expect: str | None, now: str) -> bool:
    """Whether a conditional write expecting version ``expect`` may replace ``existing``.

    ``expect`` ``None`` means the key must not exist (``set_if_absent``,
    ``compare_and_set(version=None)``); otherwise the record must exist at that version.
    A record that has expired at ``now`` does not exist.
    """
    existing = live(existing, now)
    if existing is None:
        return expect is None
    return existing.version == expect


def add_to_json(value_json: str | None, amount: int | float, key: str) -> str:
    """Return the JSON text of a stored number plus ``amount`` (``amount`` itself if none).

    Integers stay exact integers (JSON holds any size); a float on either side gives a
    float. A stored value that is not a number, or a result JSON cannot hold (a float
    overflowing to infinity), raises :class:`InvalidValueError` and nothing changes.
    """
    if value_json is None:
        return _encode_number(amount, key)
    current = json.loads(value_json)
    if type(current) not in (int, float):
        kind = "a boolean" if isinstance(current, bool) else f"a {type(current).__name__}"
        raise InvalidValueError(
            f"cannot increment key {key!r}: its value is {kind}, not a number; nothing changed"
        )
    return _encode_number(current + amount, key)


def _encode_number(number: int | float, key: str) -> str:
    if isinstance(number, float) and not math.isfinite(number):
        raise InvalidValueError(
            f"cannot increment key {key!r}: the result is {number!r}, which JSON cannot hold; "
            "nothing changed"
        )
    return json.dumps(number)


def apply_increment(existing: Record | None, change: Increment) -> Record:
    """Return the record after ``change``: its number plus the amount, written like a ``set``.

    A missing (or expired) key is created holding the amount, without expiry; a live one
    keeps its expiry and metadata.
    """
    existing = live(existing, change.now)
    value_json = add_to_json(
        None if existing is None else existing.value_json, change.amount, change.key
    )
    expires_at = None if existing is None else existing.expires_at
    return apply_write(existing, change.write(value_json, expires_at))


def merge_metadata(old: dict[str, Any], new: dict[str, Any] | None) -> dict[str, Any]:
    """Shallow-merge ``new`` into ``old``: new keys added, existing keys overwritten."""
    if not new:
        return dict(old)
    return {**old, **new}


def merge_metadata_json(old: str, new: str) -> str:
    """:func:`merge_metadata` on JSON text, for backends that merge inside the database."""
    merged = merge_metadata(json.loads(old), json.loads(new))
    return json.dumps(merged, ensure_ascii=False, separators=(",", ":"))


def apply_access(existing: Record, access: Access) -> Record:
    """Return the record after the buffered reads in ``access``.

    The count always adds up. The last-access fields move only forward in time, so a
    tracking flush that lands after a later write does not claim the reader came last.
    """
    if access.at < existing.last_accessed_at:
        agent, at = existing.last_accessed_by_agent, existing.last_accessed_at
    else:
        agent, at = access.agent, access.at
    return Record(
        existing.user_id, existing.namespace, existing.key, existing.value_json,
        existing.metadata, existing.created_by_agent, agent,
        existing.access_count + access.count, existing.created_at, existing.updated_at, at,
        existing.version, existing.expires_at,
    )
