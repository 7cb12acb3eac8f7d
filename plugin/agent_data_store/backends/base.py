"""The storage protocol every backend implements.

A backend stores :class:`~agent_data_store.records.Record` objects and knows nothing of
sandboxes, agents or validation. Record rules come from :mod:`agent_data_store.records`
(:func:`apply_write`, :func:`apply_access`); a backend applies them atomically per record.
Bulk operations are first-class: each ``*_many`` method is one request (or one transaction,
or one request per documented chunk), never a loop of single calls.

Expiry: a record whose ``expiresAt`` has passed is *expired*. Every read primitive (by key,
listings, namespaces, the operator streams and totals) leaves expired records out at once,
writes treat them as missing (:func:`~agent_data_store.records.apply_write`), and ``delete``
counts only live records. They are removed later: by the database itself where it has
expiry (:attr:`Backend.native_expiry`), and by :meth:`Backend.sweep_expired` everywhere.
"""

from __future__ import annotations

import heapq
import json
import time
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Self, TypeVar

from agent_data_store.records import Access

if TYPE_CHECKING:
    from agent_data_store.config import StoreConfig
    from agent_data_store.records import Increment, Record, RecordWrite


CALL_DEADLINE: ContextVar[float | None] = ContextVar("agent_data_store_call_deadline",
                                                  default=None)
"""When the run a backend call serves must end (``time.monotonic()``), set around each
``data_store`` call of a sandbox run; ``None`` outside runs."""

MIN_REQUEST_S = 0.01


def request_timeout(configured_s: float) -> float:
    """How long one request to the database may take: the configured timeout, or less when
    the run it serves ends sooner, so that no request outlasts a run's deadline."""
    deadline = CALL_DEADLINE.get()
    if deadline is None:
        return configured_s
    remaining = deadline - time.monotonic()
    # Comparisons rather than min() and max(): every request of a run asks this.
    if remaining >= configured_s:
        return configured_s
    return remaining if remaining > MIN_REQUEST_S else MIN_REQUEST_S


def prefix_upper_bound(prefix: str) -> str | None:
    """Return the smallest string greater than every string starting with ``prefix``.

    In code-point order (SQLite's TEXT comparison, Firestore's string order) ``key >= prefix
    AND key < bound`` is then an index range for a prefix query. ``None`` means no upper
    bound exists.
    """
    chars = list(prefix)
    while chars:
        code = ord(chars.pop()) + 1
        if 0xD800 <= code <= 0xDFFF:
            code = 0xE000
        if code <= 0x10FFFF:
            return "".join(chars) + chr(code)
    return None


@dataclass(frozen=True, slots=True)
class NamespaceUsage:
    """Totals of one user's namespace, as :meth:`Backend.namespace_usage` computes them."""

    namespace: str
    records: int
    bytes: int
    """The size of the records' values: their JSON text in UTF-8 bytes."""
    created_by: frozenset[str]
    last_accessed_by: frozenset[str]
    last_updated: str
    """The latest ``updatedAt`` of the namespace's records."""


_encode_metadata = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def utf8_length(text: str) -> int:
    """The length of ``text`` in UTF-8 bytes."""
    return len(text) if text.isascii() else len(text.encode("utf-8"))


def metadata_bytes(metadata: Mapping[str, Any] | None) -> int:
    """What a record's metadata counts: its compact JSON in UTF-8 bytes, 0 when empty.

    This is the text every backend stores, so a backend's own count agrees with it.
    """
    return utf8_length(_encode_metadata(metadata)) if metadata else 0


def record_bytes(value_json: str, metadata: Mapping[str, Any] | None) -> int:
    """What one record counts against a byte quota: its value's and metadata's JSON."""
    return utf8_length(value_json) + metadata_bytes(metadata)


UNLIMITED = -1
"""A per-user limit that means no limit at all, whatever the configured default."""


@dataclass(frozen=True, slots=True)
class UserUsage:
    """What one user stores (:meth:`Backend.user_usage`), and the quota an operator set.

    ``bytes`` counts each record's value and metadata as stored: JSON text in UTF-8, an
    empty metadata counting 0 (:func:`record_bytes`).
    """

    user_id: str
    records: int
    bytes: int
    max_records: int | None = None
    """The user's own record limit (:data:`UNLIMITED`: none); ``None``: the configured one."""
    max_bytes: int | None = None
    """The user's own byte limit, like :attr:`max_records`."""


class Backend(ABC):
    """Storage primitives for records keyed by ``(user_id, namespace, key)``.

    Implementations raise only :class:`~agent_data_store.errors.DataStoreError` subclasses
    (``BackendUnavailableError`` when the server cannot be reached) with messages that never
    contain credentials.
    """

    scheme: ClassVar[str]
    """The URL scheme that selects this backend, e.g. ``"sqlite"``."""

    native_expiry: ClassVar[bool] = False
    """Whether the database deletes expired records by itself (DynamoDB's TTL, Firestore's
    TTL policies); elsewhere only :meth:`sweep_expired` removes them."""

    @classmethod
    @abstractmethod
    def from_config(cls, config: StoreConfig) -> Self:
        """Open the backend the configuration's URL names, creating storage if missing."""

    def get(self, user_id: str, namespace: str, key: str) -> Record | None:
        """Return one record, or ``None``. One round trip."""
        return self.get_many(user_id, namespace, [key]).get(key)

    def get_value_json(self, user_id: str, namespace: str, key: str) -> str | None:
        """Return one record's value as JSON text, or ``None``: what ``data_store.get`` needs.

        One round trip. Backends that can read the value alone override this.
        """
        record = self.get(user_id, namespace, key)
        return None if record is None else record.value_json

    @abstractmethod
    def get_many(self, user_id: str, namespace: str, keys: Sequence[str]) -> dict[str, Record]:
        """Return the records of ``keys`` that exist, by key. One bulk request."""

    def get_many_values(
        self, user_id: str, namespace: str, keys: Sequence[str]
    ) -> dict[str, str]:
        """Return key → value JSON text for the ``keys`` that exist: ``data_store.get_many``.

        One bulk request, like :meth:`get_many`; backends that can read values alone
        override this.
        """
        return {
            key: record.value_json
            for key, record in self.get_many(user_id, namespace, keys).items()
        }

    @abstractmethod
    def put_many(self, writes: Sequence[RecordWrite]) -> None:
        """Create or overwrite one record per write, as :func:`apply_write` says.

        Each record is updated atomically against what is stored, so a concurrent
        access-count increment is never lost; how depends on the backend. SQLite upserts in
        SQL without reading. The others read the existing records (in bulk) and write the
        merged ones under a lock, with optimistic concurrency or in a transaction; DynamoDB
        does so too, except that a single write first tries a conditional create or update
        and reads only when that guess is refused. Whichever way, the result is what
        :func:`apply_write` gives (an overwrite changes only
        :data:`~agent_data_store.records.OVERWRITTEN_FIELDS`), never a rule of the backend's
        own. Writes to the same key by different callers: last write wins.
        """

    @abstractmethod
    def put_if(self, write: RecordWrite, expect: str | None) -> bool:
        """Store ``write`` only if the record is as expected; return whether it did.

        ``expect`` is the version the record must have (``None``: the key must not exist),
        as :func:`~agent_data_store.records.write_allowed` decides. Check and write are one
        atomic step against concurrent writers: of several callers expecting the same
        state, exactly one succeeds. An access-count increment landing meanwhile does not
        change the version, so it never makes the condition fail.
        """

    @abstractmethod
    def increment(self, change: Increment) -> str:
        """Add ``change.amount`` to the record's number atomically; return the new value JSON.

        A missing key is created with the amount. The result is
        :func:`~agent_data_store.records.apply_increment`'s (a value that is not a number
        raises :class:`~agent_data_store.errors.InvalidValueError`, changing nothing), and
        concurrent increments all add up.
        """

    @abstractmethod
    def delete_many(self, user_id: str, namespace: str, keys: Sequence[str]) -> int:
        """Delete the records of ``keys``; return how many existed. Bulk."""

    @abstractmethod
    def iter_keys(
        self, user_id: str, namespace: str, prefix: str | None = None
    ) -> Iterator[list[str]]:
        """Yield the namespace's keys (starting with ``prefix``) a page per query.

        Pages need not be in order; callers sort. A key written before the call is listed
        (read-your-writes), also where secondary indexes are eventually consistent.
        """

    @abstractmethod
    def iter_records(
        self, user_id: str, namespace: str, prefix: str | None = None
    ) -> Iterator[list[Record]]:
        """Yield the namespace's records a page per query, like :meth:`iter_keys`."""

    def keys_page(
        self, user_id: str, namespace: str, *, prefix: str | None = None,
        after: str | None = None, limit: int,
    ) -> list[str]:
        """Return the first ``limit`` keys of the namespace, in code-point order, that are
        greater than ``after`` and start with ``prefix``: keyset paging for browsing.

        This default streams :meth:`iter_keys` once and keeps a heap of ``limit`` keys, so
        it is correct on every backend; backends whose index is in key order answer it with
        one query.
        """
        keys = (
            key
            for page in self.iter_keys(user_id, namespace, prefix)
            for key in page
            if after is None or key > after
        )
        return heapq.nsmallest(limit, keys)

    def iter_values(self, user_id: str, namespace: str) -> Iterator[list[tuple[str, str]]]:
        """Yield ``(key, value JSON text)`` pages of the namespace: ``data_store.get_all``.

        Paged like :meth:`iter_records`; backends that can read values alone override this.
        """
        for page in self.iter_records(user_id, namespace):
            yield [(record.key, record.value_json) for record in page]

    @abstractmethod
    def list_namespaces(self, user_id: str) -> list[str]:
        """Return the user's namespaces holding at least one record, without reading them all."""

    @abstractmethod
    def clear_namespace(self, user_id: str, namespace: str) -> int:
        """Delete every record of the namespace; return how many. Pages of bulk deletes."""

    @abstractmethod
    def record_accesses(self, accesses: Sequence[Access]) -> None:
        """Apply buffered reads to their records as :func:`apply_access` says, in bulk.

        Counts are added atomically (exact when runs overlap). A record deleted meanwhile
        stays deleted: an access never creates a record. A failure after part of the
        accesses were applied (several requests, one failed) says which were not, with
        :func:`partly_written`, so that a retry does not count the others twice.
        """

    @abstractmethod
    def sweep_expired(self, now: str, batch_size: int) -> Iterator[int]:
        """Delete the records expired at ``now``, in batches; yield how many each removed.

        A batch reads at most ``batch_size`` records (one indexed query where the backend
        has an index on the expiry, a page of a scan where it has not) and deletes those
        still expired when deleted, so a record written again meanwhile is never removed.
        Callers may stop after any batch.
        """

    # -- operator primitives -------------------------------------------------------------

    @abstractmethod
    def iter_all(self, user_id: str | None = None) -> Iterator[list[Record]]:
        """Yield every record (or every record of one user) a page at a time.

        Memory stays bounded by the page size whatever the number of records. One user's
        namespace is :meth:`iter_records`.
        """

    def namespace_usage(self, user_id: str) -> list[NamespaceUsage] | None:
        """Per-namespace totals of a user's records, computed inside the database, sorted by
        namespace; ``None`` where the backend cannot aggregate, and callers count
        :meth:`iter_all` pages instead (``admin.reports.user_namespace_totals``)."""
        return None

    def _iter_user_by_namespace(self, user_id: str) -> Iterator[list[Record]]:
        """:meth:`iter_all` of one user through the per-namespace query, a namespace at a time."""
        for namespace in self.list_namespaces(user_id):
            yield from self.iter_records(user_id, namespace)

    @abstractmethod
    def import_records(self, records: Sequence[Record], *, overwrite: bool) -> list[str]:
        """Store ``records`` exactly as given (tracking fields included), in bulk.

        Without ``overwrite`` a record whose ID already exists is left alone; return the IDs
        left alone (the conflicts).
        """

    @abstractmethod
    def ensure_indexes(self) -> list[str]:
        """Create any index the backend's queries need, idempotently; describe what exists."""

    # -- usage and quotas ------------------------------------------------------------------
    # Usage is kept by the backend as records change (never counted per write by a scan):
    # every write path, imports and expiry included, moves it with the records it changes.

    @abstractmethod
    def user_usage(self, user_id: str) -> UserUsage:
        """The user's record and byte totals and quota overrides: one request."""

    @abstractmethod
    def iter_usage(self) -> Iterator[list[UserUsage]]:
        """Every user with records or a quota override, a page at a time, by user ID."""

    @abstractmethod
    def set_user_quota(
        self, user_id: str, max_records: int | None, max_bytes: int | None
    ) -> None:
        """Set the user's own limits (``None``: the configured default; or :data:`UNLIMITED`)."""

    def recount_usage(self, batch_size: int) -> Iterator[int]:
        """Count what records written before this version's usage keeping hold, once; yield
        how many records each batch counted.

        Only backends that keep usage in counters beside the records (DynamoDB, Firestore)
        have anything to do: the others derive usage from the records themselves.
        """
        return iter(())

    def close(self) -> None:  # noqa: B027 - optional hook, most backends hold nothing
        """Release connections. The backend is not used afterwards."""


def merged_accesses(accesses: Iterable[Access]) -> dict[str, Access]:
    """The accesses by record ID, those of one record (read by several agents) merged into
    one: the counts added up, the agent and time of the latest (of the last given, on a tie)."""
    merged: dict[str, Access] = {}
    for access in accesses:
        seen = merged.get(access.id)
        if seen is not None:
            latest = access if access.at >= seen.at else seen
            access = Access(access.user_id, access.namespace, access.key,
                            seen.count + access.count, latest.agent, latest.at)
        merged[access.id] = access
    return merged


_E = TypeVar("_E", bound=BaseException)


def partly_written(exc: BaseException, unwritten: Sequence[Access]) -> BaseException:
    """Mark ``exc``, raised by :meth:`Backend.record_accesses`, as leaving only
    ``unwritten`` of its accesses unapplied (the others were applied); return it."""
    exc.unwritten_accesses = list(unwritten)  # type: ignore[attr-defined]
    return exc


def unwritten_accesses(exc: BaseException, attempted: Sequence[Access]) -> list[Access]:
    """The accesses a failed :meth:`Backend.record_accesses` of ``attempted`` did not apply:
    what :func:`partly_written` said, else all of them."""
    unwritten: list[Access] | None = getattr(exc, "unwritten_accesses", None)
    return list(attempted) if unwritten is None else unwritten


def not_applied(exc: _E) -> _E:
    """Mark ``exc`` as raised for a write the server certainly did not apply (it answered
    with a refusal, or the request never left); return it.

    An error left unmarked (a timeout, a connection dropped after the request was sent) may
    have been applied: :func:`certainly_not_applied` says which is which.
    """
    exc.certainly_not_applied = True  # type: ignore[attr-defined]
    return exc


def certainly_not_applied(exc: BaseException) -> bool:
    """Whether ``exc`` was marked by :func:`not_applied`."""
    return getattr(exc, "certainly_not_applied", False) is True
