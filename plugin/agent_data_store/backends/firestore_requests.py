"""Every request the Firestore backend sends: deadlines, retries, errors, batched commits.

Each RPC gets the remaining part of one ``timeout_s`` deadline and no hidden client retry,
so an unreachable emulator or service fails within that time. Google exceptions never
leave this module: they become :class:`BackendUnavailableError` or :class:`BackendError`.

Writes are grouped per record (:class:`Change`) and packed into atomic commits of at most
500 operations and 8 MiB; each commit also carries the counter increments of the changes in
it (namespace counts and bytes, expiry buckets: :mod:`.usage_counters`), so a counter moves
exactly when its records do.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from google.api_core import exceptions as google_errors
from google.auth import exceptions as auth_errors
from google.cloud import firestore

from agent_data_store.backends.base import (
    CALL_DEADLINE,
    MIN_REQUEST_S,
    not_applied,
    request_timeout,
)
from agent_data_store.backends.firestore_layout import (
    CHUNKS,
    INDEX_FILE,
    bucket_id,
    chunk_count,
    counted_fields,
    counter_id,
    from_timestamp,
    record_fields,
    split_value,
)
from agent_data_store.backends.usage_counters import (
    NEVER,
    CounterDeltas,
    change_deltas,
    counted_record,
)
from agent_data_store.errors import BackendError, BackendUnavailableError, DataStoreError

if TYPE_CHECKING:
    from google.cloud.firestore_v1.base_document import DocumentSnapshot
    from google.cloud.firestore_v1.collection import CollectionReference
    from google.cloud.firestore_v1.document import DocumentReference
    from google.cloud.firestore_v1.query import Query

    from agent_data_store.records import Record

    Snapshot = DocumentSnapshot[Any]

T = TypeVar("T")

MAX_BATCH_OPS = 500
"""Writes per commit: Firestore's documented batch limit."""

MAX_COMMIT_BYTES = 8 * 1024 * 1024
"""Payload per commit, under Firestore's 10 MiB request limit."""

GET_ALL_CHUNK = 1000
"""Document references per ``BatchGetDocuments``."""

CONFLICT_DEADLINE_S = 30.0
"""How long a write keeps re-reading and retrying records other writers keep changing."""

_TRANSIENT = (
    google_errors.ServiceUnavailable,
    google_errors.DeadlineExceeded,
    google_errors.InternalServerError,
    google_errors.Aborted,
    google_errors.TooManyRequests,
    auth_errors.TransportError,
)


def _sure(exc: DataStoreError, maybe_applied: bool) -> DataStoreError:
    """``exc``, marked as certainly not applied unless a request may have landed."""
    return exc if maybe_applied else not_applied(exc)


class Conflict(Exception):
    """A commit's precondition failed: another writer changed a record meanwhile."""


@dataclass(frozen=True, slots=True)
class Op:
    """One write of a commit; ``if_updated_at`` is the ``update_time`` precondition."""

    kind: Literal["create", "update", "set", "delete"]
    ref: DocumentReference
    fields: dict[str, Any] | None = None
    if_updated_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Change:
    """The writes of one record, always committed together so the record changes atomically,
    and what they do to the counters (``deltas``)."""

    ref: DocumentReference
    ops: list[Op]
    deltas: CounterDeltas
    size: int


def record_change(ref: DocumentReference, snapshot: Snapshot | None, record: Record) -> Change:
    """Store ``record`` over what ``snapshot`` read: create, or update if unchanged since.

    Without a snapshot the record is created, on the guess that it does not exist (the
    commit fails if it does). Chunks of the new value are written and chunks the old value
    had beyond them deleted.
    """
    exists = snapshot is not None and snapshot.exists
    chunks = split_value(record.value_json)
    old = (snapshot.to_dict() or {}) if snapshot and exists else {}
    old_chunks = chunk_count(old)
    before = counted_fields(old) if exists else None
    keep = before.bucket if before and from_timestamp(old.get("expiresAt")) == record.expires_at \
        else None
    after = counted_record(record.value_json, record.metadata, record.expires_at, keep)
    fields = record_fields(record, len(chunks), after)
    ops = [
        Op("update", ref, fields, snapshot.update_time) if snapshot and exists
        else Op("create", ref, fields)
    ]
    ops += [Op("set", ref.collection(CHUNKS).document(str(i)),
               {"data": chunk, "expiresAt": fields["expiresAt"]})
            for i, chunk in enumerate(chunks)]
    ops += [Op("delete", ref.collection(CHUNKS).document(str(i)))
            for i in range(len(chunks), old_chunks)]
    size = sum(map(len, chunks)) + len(fields["value"].encode()) + len(fields["metadata"]) * 4
    deltas = change_deltas(record.user_id, record.namespace, before, after)
    return Change(ref, ops, deltas, size + 16 * 1024)


def delete_change(snapshot: Snapshot) -> Change:
    """Delete the record ``snapshot`` read, if unchanged since, with its value chunks."""
    fields = snapshot.to_dict() or {}
    ref = snapshot.reference
    ops = [Op("delete", ref, if_updated_at=snapshot.update_time)]
    ops += [Op("delete", ref.collection(CHUNKS).document(str(i)))
            for i in range(chunk_count(fields))]
    deltas = change_deltas(fields["userId"], fields["namespace"], counted_fields(fields), None)
    return Change(ref, ops, deltas, 1024)


def pack(changes: Sequence[Change]) -> list[list[Change]]:
    """Group changes into commits within the operation and size limits, counters included."""
    groups: list[list[Change]] = []
    current: list[Change] = []
    ops = size = 0
    counters: set[tuple[Any, ...]] = set()
    for change in changes:
        moved = change.deltas.counters()
        extra = len(change.ops) + len(moved - counters)
        if current and (ops + extra > MAX_BATCH_OPS or size + change.size > MAX_COMMIT_BYTES):
            groups.append(current)
            current, ops, size, counters = [], 0, 0, set()
            extra = len(change.ops) + len(moved)
        current.append(change)
        ops += extra
        size += change.size
        counters |= moved
    if current:
        groups.append(current)
    return groups


def back_off(deadline: float, again: bool) -> None:
    """Wait a little before redoing conflicted records; give up at ``deadline``."""
    if not again:
        return
    if time.monotonic() > deadline:
        raise BackendError(
            f"records kept changing under concurrent writers for {CONFLICT_DEADLINE_S:g} s; "
            "try again"
        )
    time.sleep(random.uniform(0.005, 0.05))


class FirestoreRequests:
    """The backend's requests to one Firestore database, with deadlines and error mapping."""

    def __init__(
        self, client: firestore.Client, counters: CollectionReference, *, where: str,
        timeout_s: float, page_size: int,
    ) -> None:
        self.client = client
        self._counters = counters
        self.where = where
        self._timeout_s = timeout_s
        self._page_size = page_size

    def call(
        self, action: str, call: Callable[[float], T], *, replay_safe: bool = True,
        preconditioned: bool = False,
    ) -> T:
        """Run ``call(timeout)``; retry transient failures while ``timeout_s`` lasts.

        ``replay_safe=False`` is for writes that must not be sent twice (increments without
        a precondition): they fail on the first transient error instead. With
        ``preconditioned`` a failed precondition raises :class:`Conflict`.
        """
        deadline = time.monotonic() + request_timeout(self._timeout_s)
        delay = 0.05
        # Whether an attempt failed with its outcome unknown (a server error or a deadline:
        # a write may have landed). Errors raised otherwise are marked as not applied.
        maybe_applied = False
        while True:
            try:
                # At least half a second per RPC, unless the run it serves ends sooner.
                floor = 0.5 if CALL_DEADLINE.get() is None else MIN_REQUEST_S
                return call(max(deadline - time.monotonic(), floor))
            except _TRANSIENT as exc:
                maybe_applied = maybe_applied or isinstance(exc, google_errors.ServerError)
                if replay_safe and time.monotonic() + delay < deadline:
                    time.sleep(delay)
                    delay = min(delay * 2, 1.0)
                    continue
                reason = str(getattr(exc, "message", "") or type(exc).__name__).splitlines()[0]
                raise _sure(BackendUnavailableError(
                    f"{self.where} did not {action} within {self._timeout_s:g} s: {reason[:200]}"
                ), maybe_applied) from None
            except (google_errors.FailedPrecondition, google_errors.AlreadyExists) as exc:
                if preconditioned:
                    raise Conflict from None
                raise _sure(self._refused(action, exc), maybe_applied) from None
            except google_errors.GoogleAPICallError as exc:
                unknown = maybe_applied or isinstance(exc, google_errors.ServerError)
                raise _sure(self._refused(action, exc), unknown) from None
            except auth_errors.GoogleAuthError:
                raise _sure(BackendUnavailableError(
                    f"cannot {action} on {self.where}: the application default credentials "
                    "could not be used; run `gcloud auth application-default login`"
                ), maybe_applied) from None

    def _refused(self, action: str, exc: google_errors.GoogleAPICallError) -> BackendError:
        message = str(exc.message).splitlines()[0][:300] if exc.message else type(exc).__name__
        if isinstance(exc, google_errors.PermissionDenied | google_errors.Unauthenticated):
            return BackendError(
                f"{self.where} refused to {action}: permission denied; the credentials need "
                "the Cloud Datastore User role (roles/datastore.user)"
            )
        if isinstance(exc, google_errors.FailedPrecondition) and "index" in message.lower():
            return BackendError(
                f"{self.where} needs the composite indexes in {INDEX_FILE.name}; deploy them "
                f"as the README's 'Running on Firestore' says ({message})"
            )
        return BackendError(f"{self.where} refused to {action}: {message}")

    def get(
        self, refs: Sequence[DocumentReference], field_paths: Sequence[str] | None = None,
        read_time: datetime | None = None,
    ) -> dict[str, Snapshot]:
        """Read documents by reference (path → snapshot), one request per 1,000."""
        snapshots: dict[str, Snapshot] = {}
        for start in range(0, len(refs), GET_ALL_CHUNK):
            chunk = list(refs[start : start + GET_ALL_CHUNK])

            def read(timeout: float, chunk: list[DocumentReference] = chunk) -> list[Snapshot]:
                return list(self.client.get_all(
                    chunk, field_paths=field_paths, retry=None, timeout=timeout,
                    read_time=read_time,
                ))

            for snapshot in self.call("read documents", read):
                snapshots[snapshot.reference.path] = snapshot
        return snapshots

    def pages(self, query: Query) -> Iterator[list[Snapshot]]:
        """Run ``query`` a page at a time: ``limit(page + 1)`` tells whether more follow."""
        cursor: Snapshot | None = None
        while True:
            page_query = query.limit(self._page_size + 1)
            if cursor is not None:
                page_query = page_query.start_after(cursor)

            def run(timeout: float, page_query: Query = page_query) -> list[Snapshot]:
                return list(page_query.stream(retry=None, timeout=timeout))

            docs = self.call("run a query", run)
            page = docs[: self._page_size]
            if page:
                yield page
            if len(docs) <= self._page_size:
                return
            cursor = page[-1]

    def _apply(self, batch: Any, op: Op) -> None:
        option = (
            self.client.write_option(last_update_time=op.if_updated_at)
            if op.if_updated_at is not None else None
        )
        if op.kind == "create":
            batch.create(op.ref, op.fields)
        elif op.kind == "update":
            batch.update(op.ref, op.fields, option=option)
        elif op.kind == "set":
            batch.set(op.ref, op.fields)
        else:
            batch.delete(op.ref, option=option)

    def _count(self, batch: Any, deltas: CounterDeltas) -> None:
        """Add the counters' increments to a commit."""
        for (user_id, namespace), row in deltas.changed_namespaces().items():
            batch.set(self._counters.document(counter_id(user_id, namespace)), {
                "userId": user_id, "namespace": namespace, "until": NEVER,
                "count": firestore.Increment(row[0]), "expiring": firestore.Increment(row[1]),
                "bytes": firestore.Increment(row[2]),
                "expiringBytes": firestore.Increment(row[3]),
            }, merge=True)
        for (user_id, end, digest), (records, size) in deltas.changed_buckets().items():
            batch.set(self._counters.document(bucket_id(user_id, end, digest)), {
                "userId": user_id, "until": end, "expiresAt": datetime.fromtimestamp(end, UTC),
                "records": firestore.Increment(records), "bytes": firestore.Increment(size),
            }, merge=True)

    def commit(self, changes: Sequence[Change]) -> list[Change]:
        """Commit changes in batches of whole records; return those that hit a conflict."""
        conflicted: list[Change] = []
        for group in pack(changes):
            batch = self.client.batch()
            deltas = CounterDeltas()
            for change in group:
                for op in change.ops:
                    self._apply(batch, op)
                deltas.merge(change.deltas)
            self._count(batch, deltas)

            def send(timeout: float, batch: Any = batch) -> object:
                return batch.commit(retry=None, timeout=timeout)

            try:
                # Replaying a commit is safe: its preconditions fail if it already landed.
                self.call("commit", send, preconditioned=True)
            except Conflict:
                conflicted.extend(group)
        return conflicted
