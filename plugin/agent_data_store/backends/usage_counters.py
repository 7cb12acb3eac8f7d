"""Per-user usage kept in counters, for the databases that delete expired records themselves.

DynamoDB and Firestore keep a user's usage the way they already keep namespace record
counts: counter items changed in the same transaction (or atomic commit) as the records, so
they are exact under concurrent writers, and a user's usage is one query over its counters.
Their time-to-live deletes expired records behind the store's back, without touching any
counter; the counters are laid out so that this does not matter:

* Each **record** stores what it counts: ``valueBytes`` and ``metadataBytes`` (UTF-8 bytes of
  its value's and metadata's JSON, empty metadata 0, as
  :func:`~agent_data_store.backends.base.record_bytes` says) and, when it expires,
  ``usageBucket``. A write reads the record it replaces anyway (or conditions on what it
  expects), so it knows the old contribution without reading the value.
* The **namespace counter** counts records (``records``/``count``), those that expire
  (``expiring``), and their bytes (``bytes``, ``expiringBytes``). ``records - expiring``
  and ``bytes - expiringBytes`` are what never expires: exact, whatever the database deletes.
* Records that expire count in an **expiry bucket** instead: a counter per (user, bucket end,
  namespace digest) that holds the records and bytes expiring by that end, in whole epoch
  seconds. A bucket counts while its end is ahead, so an expired record stops counting at
  its bucket's end whether or when the database deletes it; a sweep (or a delete, an
  overwrite) takes it out at once. A bucket is 1 s wide for a record that lives up to two
  minutes and at most 1/64 of the record's time to live beyond that (a power of two of
  seconds), so a record stops counting at most that long after it expires, and a user has
  at most about 130 live buckets per power of two of the times to live it uses. Buckets
  carry the database's time-to-live attribute: it deletes them once they have ended.

A record written before sizes were kept (no ``valueBytes``) counts as a record but 0 bytes,
and an expiring one is in no bucket (so it does not count at all) until
``agent-data-store usage --recount`` gives it its sizes, in the same kind of transaction.
Usage is then the sum of :func:`usage_of` over the user's counters.
"""

from __future__ import annotations

import calendar
import hashlib
import math
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from agent_data_store.backends.base import UserUsage, metadata_bytes, utf8_length

SHORT_LIVED_S = 128
"""Records living up to this long get 1-second buckets."""

BUCKET_FRACTION = 64
"""A longer-lived record's bucket is at most 1/64 of its time to live."""

NEVER = 2**53
"""The ``until`` of a counter that always counts (a namespace counter, a quota override)."""


def epoch_seconds(expires_at: str) -> int:
    """An expiry time (``2026-02-01T10:30:00.250Z``) as whole epoch seconds, rounded up."""
    whole = calendar.timegm(time.strptime(expires_at[:19], "%Y-%m-%dT%H:%M:%S"))
    milliseconds = int(expires_at[20:23]) if len(expires_at) > 20 else 0
    return whole + (1 if milliseconds else 0)


def bucket_end(expires_at: str, now: float | None = None) -> int:
    """The end of the expiry bucket of a record written at ``now`` (default: now) that
    expires at ``expires_at``: its expiry rounded up to the bucket width."""
    end = epoch_seconds(expires_at)
    lives = end - (time.time() if now is None else now)
    width = 1
    if lives >= SHORT_LIVED_S:
        width = 2 ** math.floor(math.log2(lives / BUCKET_FRACTION))
    return -(-end // width) * width


def namespace_digest(namespace: str) -> str:
    """Eight hex digits of the namespace's SHA-256: a bucket per namespace keeps writers of
    different namespaces from contending for one counter; a collision only merges two."""
    return hashlib.sha256(namespace.encode("utf-8")).hexdigest()[:8]


class Counted(NamedTuple):
    """What one stored record adds to its user's counters (a named tuple, not a frozen
    dataclass: one is built for every record a DynamoDB or Firestore read sees, and a
    tuple is built three times as fast)."""

    value_bytes: int | None
    """``None`` for a record written before sizes were kept: it counts 0 bytes."""
    metadata_bytes: int
    expires: bool
    bucket: int | None
    """The end of its expiry bucket, or ``None`` (never expires, or written before)."""

    @property
    def size(self) -> int:
        """The bytes it counts."""
        return 0 if self.value_bytes is None else self.value_bytes + self.metadata_bytes


def counted_record(value_json: str, metadata: Mapping[str, Any] | None, expires_at: str | None,
                   bucket: int | None = None) -> Counted:
    """What a record about to be stored counts (``bucket``: the one it keeps, else a new
    one for its expiry)."""
    if expires_at is not None and bucket is None:
        bucket = bucket_end(expires_at)
    return Counted(utf8_length(value_json), metadata_bytes(metadata), expires_at is not None,
                   bucket if expires_at is not None else None)


@dataclass
class CounterDeltas:
    """What a batch of record changes does to the counters, to send in the same commit."""

    namespaces: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    """``(user, namespace)`` → ``[records, expiring, bytes, expiring bytes]``."""
    buckets: dict[tuple[str, int, str], list[int]] = field(default_factory=dict)
    """``(user, end, namespace digest)`` → ``[records, bytes]``."""

    def add(self, user_id: str, namespace: str, counted: Counted | None, sign: int) -> None:
        """Count a record in (``sign`` 1) or out (-1); ``None`` is no record."""
        if counted is None:
            return
        size = counted.size * sign
        expiring = sign if counted.expires else 0
        row = self.namespaces.setdefault((user_id, namespace), [0, 0, 0, 0])
        row[0] += sign
        row[1] += expiring
        row[2] += size
        row[3] += size if counted.expires else 0
        if counted.bucket is not None:
            bucket = self.buckets.setdefault(
                (user_id, counted.bucket, namespace_digest(namespace)), [0, 0])
            bucket[0] += sign
            bucket[1] += size

    def merge(self, other: CounterDeltas) -> None:
        """Add ``other``'s deltas to these."""
        for key, row in other.namespaces.items():
            mine = self.namespaces.setdefault(key, [0] * len(row))
            for index, value in enumerate(row):
                mine[index] += value
        for bucket_key, bucket in other.buckets.items():
            held = self.buckets.setdefault(bucket_key, [0, 0])
            held[0] += bucket[0]
            held[1] += bucket[1]

    def changed_namespaces(self) -> dict[tuple[str, str], list[int]]:
        """The namespace counters that move."""
        return {key: row for key, row in self.namespaces.items() if any(row)}

    def changed_buckets(self) -> dict[tuple[str, int, str], list[int]]:
        """The bucket counters that move."""
        return {key: row for key, row in self.buckets.items() if any(row)}

    def counters(self) -> set[tuple[Any, ...]]:
        """Which counters move (to size a commit)."""
        return {("n", *key) for key in self.changed_namespaces()} | {
            ("e", *key) for key in self.changed_buckets()}


def change_deltas(user_id: str, namespace: str, old: Counted | None, new: Counted | None
                  ) -> CounterDeltas:
    """The deltas of one record going from ``old`` to ``new`` (``None``: no record)."""
    deltas = CounterDeltas()
    deltas.add(user_id, namespace, old, -1)
    deltas.add(user_id, namespace, new, 1)
    return deltas


@dataclass
class UsageSum:
    """A user's usage summed over its counters (:func:`add_namespace`, :func:`add_bucket`)."""

    records: int = 0
    bytes: int = 0

    def add_namespace(self, records: int, expiring: int, size: int, expiring_size: int) -> None:
        """Add what never expires of a namespace counter."""
        self.records += records - expiring
        self.bytes += size - expiring_size

    def add_bucket(self, records: int, size: int) -> None:
        """Add a bucket that has not ended."""
        self.records += records
        self.bytes += size


def usage_pages(users: Iterable[UserUsage], page_size: int) -> Iterator[list[UserUsage]]:
    """The users (in order) that hold records or have a quota of their own, in pages."""
    listed = [u for u in users
              if u.records or u.max_records is not None or u.max_bytes is not None]
    for start in range(0, len(listed), page_size):
        yield listed[start : start + page_size]


def live_bucket_floor(now: float | None = None) -> int:
    """The smallest bucket end that still counts at ``now``: ends are whole seconds, and a
    bucket counts while its end is ahead."""
    return math.floor(time.time() if now is None else now) + 1

