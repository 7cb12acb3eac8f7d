"""Firestore backend (``firestore://PROJECT/COLLECTION``) on google-cloud-firestore.

Production uses application default credentials; the standard ``FIRESTORE_EMULATOR_HOST``
variable selects the emulator instead. Records live in one collection (default
``agent_data_store``) laid out as :mod:`.firestore_layout` describes.

Concurrency is optimistic and needs no transaction round trip: a write reads the records it
replaces (one ``BatchGetDocuments``) and commits with preconditions — ``exists=False`` for a
create, the read ``update_time`` for an overwrite or delete — so a concurrent change (an
access-count increment included) makes the commit fail as a whole, and the records are read
and written again. Every change moves its counters (the namespace's records and bytes, expiry
buckets: :mod:`.usage_counters`) in the same atomic commit, so counts and usage stay exact
under concurrent writers; usage and quotas are read and set in :mod:`.firestore_usage`.

Every RPC has a deadline (``timeout_s``) and no hidden retry: an unreachable emulator or
service fails within that time as :class:`BackendUnavailableError`.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Self

from google.auth import exceptions as auth_errors
from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter
from google.cloud.firestore_v1.bulk_batch import BulkWriteBatch

from agent_data_store.backends.base import (
    Backend,
    UserUsage,
    certainly_not_applied,
    merged_accesses,
    partly_written,
    unwritten_accesses,
)
from agent_data_store.backends.decoding import listed_keys
from agent_data_store.backends.firestore_layout import (
    CHUNKS,
    COUNTERS,
    COUNTERS_PARENT,
    DELETE_PROJECTION,
    INDEX_FILE,
    MAX_ID_BYTES,
    PROJECTION,
    chunk_count,
    fields_expired,
    firestore_id,
    index_descriptions,
    record_from_fields,
)
from agent_data_store.backends.firestore_queries import (
    belongs,
    expired_query,
    live_record_query,
    live_snapshots,
    scope_query,
)
from agent_data_store.backends.firestore_requests import (
    CONFLICT_DEADLINE_S,
    MAX_BATCH_OPS,
    FirestoreRequests,
    back_off,
    delete_change,
    record_change,
)
from agent_data_store.backends.firestore_usage import FirestoreUsage
from agent_data_store.errors import BackendError, ConfigurationError, InvalidValueError
from agent_data_store.records import (
    Access,
    Increment,
    Record,
    RecordWrite,
    apply_increment,
    apply_write,
    document_id,
    live,
    precise_now,
    write_allowed,
)

if TYPE_CHECKING:
    from google.cloud.firestore_v1.base_document import DocumentSnapshot
    from google.cloud.firestore_v1.document import DocumentReference

    from agent_data_store.config import StoreConfig

    Snapshot = DocumentSnapshot[Any]

EMULATOR_ENV_VAR = "FIRESTORE_EMULATOR_HOST"
"""The standard variable that points google-cloud-firestore at the emulator."""

_GRPC_OK, _GRPC_NOT_FOUND, _GRPC_FAILED_PRECONDITION = 0, 5, 9

SEEN_DOCUMENTS = 10_000
"""Records whose last read state a backend remembers for the tracking write that follows."""

_Plan = Callable[[Record | None], Record | None]
"""Given the stored record (or ``None``), the record to store (or ``None`` to leave it)."""


class FirestoreBackend(Backend):
    """Records in one Firestore collection, queried by ``(userId, namespace)`` ordered by key."""

    scheme: ClassVar[str] = "firestore"
    native_expiry: ClassVar[bool] = True

    def __init__(
        self,
        project: str,
        collection: str = "agent_data_store",
        *,
        database: str | None = None,
        page_size: int = 500,
        timeout_s: float = 5.0,
    ) -> None:
        if not project:
            raise ConfigurationError("firestore URL needs a project: firestore://PROJECT/COLLECTION")
        if (
            "/" in collection or collection in (".", "..")
            or len(collection.encode()) > MAX_ID_BYTES
            or (collection.startswith("__") and collection.endswith("__"))
        ):
            raise ConfigurationError(f"invalid Firestore collection name {collection!r}")
        self.collection = collection
        emulator = os.environ.get(EMULATOR_ENV_VAR)
        where = f"the Firestore emulator at {emulator}" if emulator else (
            f"Firestore project {project}"
        )
        try:
            self.client = firestore.Client(project=project, database=database)
        except auth_errors.DefaultCredentialsError:
            raise ConfigurationError(
                "no Google Cloud credentials for Firestore: run `gcloud auth application-default "
                f"login`, set GOOGLE_APPLICATION_CREDENTIALS, or set {EMULATOR_ENV_VAR} to use "
                "the emulator"
            ) from None
        self._records = self.client.collection(collection)
        self._counters = self._records.document(COUNTERS_PARENT).collection(COUNTERS)
        self._requests = FirestoreRequests(
            self.client, self._counters, where=where, timeout_s=timeout_s, page_size=page_size
        )
        self._usage = FirestoreUsage(self._requests, self._records, self._counters, page_size)
        self._seen: dict[str, tuple[Any, str]] = {}
        """Document path → ``(update_time, lastAccessedAt)`` as a read last found it: what
        the access-tracking write of the keys read preconditions on instead of reading them
        again (a hint: a document changed since fails the precondition and is read again)."""

    @classmethod
    def from_config(cls, config: StoreConfig) -> Self:
        """Open ``firestore://PROJECT/COLLECTION`` (collection defaults to the config's table).

        ``?database=NAME`` selects a named database instead of ``(default)``.
        """
        parts = config.parts
        collection = parts.path.strip("/") or config.table
        query = dict(p.partition("=")[::2] for p in parts.query.split("&") if p)
        return cls(
            parts.netloc, collection, database=query.get("database") or None,
            page_size=config.page_size, timeout_s=config.timeout_s,
        )

    # -- reading records -----------------------------------------------------------------

    def _record_ref(self, user_id: str, namespace: str, key: str) -> DocumentReference:
        return self._records.document(firestore_id(document_id(user_id, namespace, key)))

    def _records_from(self, snapshots: Sequence[Snapshot]) -> list[Record]:
        """Build records, reading chunked values in one request at the same read time."""
        # to_dict() deep-copies the document, so it is called once per snapshot.
        fields = [snapshot.to_dict() or {} for snapshot in snapshots]
        chunked = [
            snapshot.reference.collection(CHUNKS).document(str(i))
            for snapshot, doc in zip(snapshots, fields, strict=True)
            for i in range(chunk_count(doc))
        ]
        chunks: dict[str, Snapshot] = {}
        if chunked:
            # Reading chunks at the first read's time keeps a concurrent overwrite from
            # mixing chunks of two versions into one value.
            chunks = self._requests.get(chunked, read_time=snapshots[0].read_time)
        records = []
        if len(self._seen) > SEEN_DOCUMENTS:
            self._seen.clear()
        for snapshot, doc in zip(snapshots, fields, strict=True):
            self._seen[snapshot.reference.path] = (
                snapshot.update_time, doc.get("lastAccessedAt") or "")
            parts = [
                bytes((chunks[f"{snapshot.reference.path}/{CHUNKS}/{i}"].to_dict() or {})["data"])
                for i in range(chunk_count(doc))
            ]
            records.append(record_from_fields(doc, parts, snapshot.id))
        return records

    def get_many(self, user_id: str, namespace: str, keys: Sequence[str]) -> dict[str, Record]:
        """One ``BatchGetDocuments`` (plus one for any value stored in chunks)."""
        refs = [self._record_ref(user_id, namespace, key) for key in dict.fromkeys(keys)]
        found = live_snapshots(s for s in self._requests.get(refs).values() if s.exists)
        return {
            record.key: record for record in self._records_from(found)
            if record.user_id == user_id and record.namespace == namespace
        }

    def iter_keys(
        self, user_id: str, namespace: str, prefix: str | None = None
    ) -> Iterator[list[str]]:
        """Yield keys a query page at a time, projecting only the fields the check needs."""
        query = scope_query(self._records, user_id, namespace, prefix).select(
            ["userId", "namespace", "key", "queryKey", "expiresAt"]
        )
        for page in self._requests.pages(query):
            fields = [(snapshot.id, snapshot.to_dict() or {}) for snapshot in live_snapshots(page)]
            keys = listed_keys(
                (doc_id, f) for doc_id, f in fields if belongs(f, user_id, namespace, prefix)
            )
            if keys:
                yield keys

    def iter_records(
        self, user_id: str, namespace: str, prefix: str | None = None
    ) -> Iterator[list[Record]]:
        """Yield records a query page at a time, ordered by key."""
        for page in self._requests.pages(scope_query(self._records, user_id, namespace, prefix)):
            records = [
                r for r in self._records_from(live_snapshots(page))
                if r.user_id == user_id and r.namespace == namespace
                and (not prefix or r.key.startswith(prefix))
            ]
            if records:
                yield records

    def list_namespaces(self, user_id: str) -> list[str]:
        """One query over the user's namespace counters with ``count > 0``.

        A namespace with a record that never expires (``count > expiring``) is listed as it
        is; one whose records all expire only if a query finds one that has not yet.
        """
        query = self._counters.where(filter=FieldFilter("userId", "==", user_id)).where(
            filter=FieldFilter("count", ">", 0)
        )
        docs = self._requests.call(
            "list namespaces", lambda t: list(query.stream(retry=None, timeout=t))
        )
        fields = [doc.to_dict() or {} for doc in docs]
        now = precise_now()
        return sorted(
            f["namespace"] for f in fields
            if f.get("userId") == user_id and (
                int(f["count"]) > int(f.get("expiring") or 0)
                or self._holds_live_record(user_id, f["namespace"], now))
        )

    def _holds_live_record(self, user_id: str, namespace: str, now: str) -> bool:
        """Whether a namespace has a record expiring after ``now``: one query, one document
        (the shipped index ``userId, queryNamespace, expiresAt``)."""
        query = live_record_query(self._records, user_id, namespace, now)
        found = self._requests.call(
            "list namespaces", lambda t: list(query.stream(retry=None, timeout=t))
        )
        # The namespace field is exact where queryNamespace is a digest of a long one.
        return any(belongs(s.to_dict() or {}, user_id, namespace, None) for s in found)

    # -- writing records -----------------------------------------------------------------

    def _write_records(
        self, plans: dict[str, tuple[DocumentReference, _Plan]], *, values: bool = False
    ) -> None:
        """Read the records (``values``: with their values), compute what to store from each,
        commit; redo conflicted ones."""
        pending = plans
        deadline = time.monotonic() + CONFLICT_DEADLINE_S
        while pending:
            refs = [ref for ref, _ in pending.values()]
            snapshots = self._requests.get(refs, None if values else PROJECTION)
            changes = []
            for ref, plan in pending.values():
                snapshot = snapshots[ref.path]
                existing = (
                    record_from_fields(snapshot.to_dict() or {}, doc_id=snapshot.id)
                    if snapshot.exists else None
                )
                record = plan(existing)
                if record is not None:
                    changes.append(record_change(ref, snapshot, record))
            conflicted = {change.ref.path for change in self._requests.commit(changes)}
            pending = {k: v for k, v in pending.items() if v[0].path in conflicted}
            back_off(deadline, bool(pending))

    def put_many(self, writes: Sequence[RecordWrite]) -> None:
        """One read of the records replaced and one commit per 500 writes (uncontended)."""
        grouped: dict[str, list[RecordWrite]] = {}
        for write in writes:
            grouped.setdefault(write.id, []).append(write)

        def plan_for(batch: list[RecordWrite]) -> _Plan:
            def plan(existing: Record | None) -> Record | None:
                for write in batch:
                    existing = apply_write(existing, write)
                return existing
            return plan

        self._write_records({
            record_id: (self._record_ref(b[0].user_id, b[0].namespace, b[0].key), plan_for(b))
            for record_id, b in grouped.items()
        })

    def put_if(self, write: RecordWrite, expect: str | None) -> bool:
        """One read and, if the record is as expected, one preconditioned commit.

        A create (``expect`` ``None``) is first tried as a commit alone with the precondition
        that the record does not exist: one RPC when it does not.
        """
        ref = self._record_ref(write.user_id, write.namespace, write.key)
        if expect is None and not self._requests.commit(
            [record_change(ref, None, apply_write(None, write))]
        ):
            return True
        written = False

        def plan(existing: Record | None) -> Record | None:
            nonlocal written
            written = write_allowed(existing, expect, write.now)
            return apply_write(existing, write) if written else None

        self._write_records({write.id: (ref, plan)})
        return written

    def increment(self, change: Increment) -> str:
        """One read of the record and one commit preconditioned on its ``update_time``.

        Firestore's ``Increment`` transform cannot be made conditional on the stored value
        being a number (preconditions only see existence and update time), so the sum is
        computed here from the record read, and a concurrent change makes the commit fail
        and the increment start again.
        """
        result = ""

        def plan(existing: Record | None) -> Record:
            nonlocal result
            if existing is not None and not existing.value_json:
                raise InvalidValueError(
                    f"cannot increment key {change.key!r}: its value is a large value, not a "
                    "number; nothing changed"
                )
            record = apply_increment(existing, change)
            result = record.value_json
            return record

        ref = self._record_ref(change.user_id, change.namespace, change.key)
        self._write_records({change.id: (ref, plan)}, values=True)
        return result

    def _delete_snapshots(self, snapshots: Sequence[Snapshot]) -> tuple[int, list[str]]:
        """Delete records (and their chunks) as read; return how many of them were live, and
        the conflicted paths."""
        now = precise_now()
        existing = [s for s in snapshots if s.exists]
        changes = [delete_change(s) for s in existing]
        conflicted = {change.ref.path for change in self._requests.commit(changes)}
        deleted = sum(1 for s in existing if s.reference.path not in conflicted
                      and not fields_expired(s.to_dict() or {}, now))
        return deleted, list(conflicted)

    def delete_many(self, user_id: str, namespace: str, keys: Sequence[str]) -> int:
        """One read and one commit per 500 keys (uncontended)."""
        refs = {r.path: r for r in (self._record_ref(user_id, namespace, k) for k in keys)}
        deleted = 0
        deadline = time.monotonic() + CONFLICT_DEADLINE_S
        while refs:
            snapshots = self._requests.get(
                list(refs.values()), DELETE_PROJECTION
            )
            count, conflicted = self._delete_snapshots(list(snapshots.values()))
            deleted += count
            refs = {path: refs[path] for path in conflicted}
            back_off(deadline, bool(refs))
        return deleted

    def clear_namespace(self, user_id: str, namespace: str) -> int:
        """Page through the namespace's keys and delete each page in batched commits."""
        query = scope_query(self._records, user_id, namespace).select(
            ["key", "queryKey", *DELETE_PROJECTION]
        )
        deleted = 0
        deadline = time.monotonic() + CONFLICT_DEADLINE_S
        while True:
            conflicts = 0
            for page in self._requests.pages(query):
                mine = [
                    s for s in page if belongs(s.to_dict() or {}, user_id, namespace, None)
                ]
                count, conflicted = self._delete_snapshots(mine)
                deleted += count
                conflicts += len(conflicted)
            if not conflicts:
                return deleted
            back_off(deadline, True)

    def record_accesses(self, accesses: Sequence[Access]) -> None:
        """``Increment`` the counts with per-document updates in ``BatchWrite`` requests.

        A ``BatchWrite`` applies each write on its own: the update of a record deleted
        meanwhile fails alone (``update`` requires the document to exist) and nothing is
        created. Moving the last-access fields forward carries an ``update_time``
        precondition, so a later access that landed in between is never overwritten. The
        ``update_time`` and last access are those this backend's read of the record found
        (the run's own ``get``/``get_many``/``get_all``), so keys read here cost no read
        before the write; the others, and those changed since they were read (their
        precondition fails), are read first.

        A failure is raised marked with
        :func:`~agent_data_store.backends.base.partly_written`, naming the accesses not
        applied: those of the writes whose own status failed, of the ``BatchWrite`` that
        Firestore refused or that never went, and of the batches not sent yet. A
        ``BatchWrite`` whose outcome is unknown (a deadline or server error: it may have
        landed) counts as applied, since sending its increments again could count them
        twice: at worst its reads are lost, never doubled.
        """
        pending = list(merged_accesses(accesses).values())
        deadline = time.monotonic() + CONFLICT_DEADLINE_S
        known = True
        while pending:
            retry: list[Access] = []
            batches = [pending[start : start + MAX_BATCH_OPS]
                       for start in range(0, len(pending), MAX_BATCH_OPS)]
            for index, batch in enumerate(batches):
                try:
                    retry.extend(self._record_access_batch(batch, known))
                except BaseException as exc:
                    later = [access for rest in batches[index + 1 :] for access in rest]
                    partly_written(exc, retry + unwritten_accesses(exc, batch) + later)
                    raise
            pending, known = retry, False
            try:
                back_off(deadline, bool(pending))
            except BackendError as exc:
                partly_written(exc, pending)
                raise

    def _record_access_batch(self, accesses: Sequence[Access], known: bool) -> list[Access]:
        """Send one ``BatchWrite`` of the accesses; return those to try again (a document
        changed since it was read). ``known``: use what reads last found of the documents
        (and read only the others); otherwise read them all first."""
        refs = [self._record_ref(a.user_id, a.namespace, a.key) for a in accesses]
        found: dict[str, tuple[Any, str] | None] = {}
        if known:
            for ref in refs:
                found[ref.path] = self._seen.pop(ref.path, None)
        unknown = [ref for ref in refs if found.get(ref.path) is None]
        if unknown:
            for path, snapshot in self._requests.get(unknown, ["lastAccessedAt"]).items():
                fields = snapshot.to_dict() if snapshot.exists else None
                found[path] = None if fields is None else (
                    snapshot.update_time, fields.get("lastAccessedAt") or "")
        batch = BulkWriteBatch(self.client)
        sent: list[Access] = []
        for access, ref in zip(accesses, refs, strict=True):
            state = found.get(ref.path)
            if state is None:
                continue
            update_time, last_accessed_at = state
            update: dict[str, Any] = {"accessCount": firestore.Increment(access.count)}
            option = None
            if access.at >= last_accessed_at:
                update["lastAccessedAt"] = access.at
                update["lastAccessedByAgent"] = access.agent
                option = self.client.write_option(last_update_time=update_time)
            batch.update(ref, update, option=option)
            sent.append(access)
        if not sent:
            return []
        # Increments must not be sent twice, so no retry of this request.
        try:
            response = self._requests.call(
                "record accesses", lambda t: batch.commit(retry=None, timeout=t),
                replay_safe=False,
            )
        except BaseException as exc:
            partly_written(exc, sent if certainly_not_applied(exc) else [])
            raise
        retry, refused, message = [], [], ""
        for access, status in zip(sent, response.status, strict=True):
            if status.code == _GRPC_FAILED_PRECONDITION:
                retry.append(access)
            elif status.code not in (_GRPC_OK, _GRPC_NOT_FOUND):
                refused.append(access)
                message = status.message
        if refused:
            raise partly_written(
                BackendError(f"{self._requests.where} refused to record accesses: {message}"),
                refused + retry,
            )
        return retry

    # -- operator primitives -------------------------------------------------------------

    def iter_all(self, user_id: str | None = None) -> Iterator[list[Record]]:
        """Page through the collection (or one user's part of it) in document-name order."""
        query: Any = self._records
        if user_id is not None:
            query = query.where(filter=FieldFilter("userId", "==", user_id))
        for page in self._requests.pages(query.order_by("__name__")):
            records = self._records_from(live_snapshots(page))
            if records:
                yield records

    def sweep_expired(self, now: str, batch_size: int) -> Iterator[int]:
        """Query up to ``batch_size`` records with ``expiresAt <= now`` (the single-field
        index), delete them with their chunks, each preconditioned on the ``update_time``
        read so a record written again meanwhile stays (it is found again if still expired).
        """
        query = expired_query(self._records, now, batch_size)
        while True:
            found = self._requests.call(
                "sweep expired records", lambda t: list(query.stream(retry=None, timeout=t))
            )
            changes = [delete_change(snapshot) for snapshot in found]
            removed = len(changes) - len(self._requests.commit(changes))
            if removed:
                yield removed
            if len(found) < batch_size or not removed:
                return

    def import_records(self, records: Sequence[Record], *, overwrite: bool) -> list[str]:
        """Store records as given with the same optimistic writes as :meth:`put_many`."""
        skipped: dict[str, bool] = {}

        def plan_for(record: Record) -> _Plan:
            def plan(existing: Record | None) -> Record | None:
                skipped[record.id] = not overwrite and live(existing, now) is not None
                return None if skipped[record.id] else record
            return plan

        by_id = {record.id: record for record in records}
        now = precise_now()
        self._write_records({
            rid: (self._record_ref(r.user_id, r.namespace, r.key), plan_for(r))
            for rid, r in by_id.items()
        })
        return [rid for rid in by_id if skipped.get(rid)]

    # -- usage and quotas: delegated to FirestoreUsage (firestore_usage.py) -----------------

    def user_usage(self, user_id: str) -> UserUsage:
        """One query of the user's counters that count now."""
        return self._usage.user_usage(user_id)

    def iter_usage(self) -> Iterator[list[UserUsage]]:
        """Page through the counters; every user with records or a quota, by user ID."""
        return self._usage.iter_usage()

    def set_user_quota(self, user_id: str, max_records: int | None, max_bytes: int | None
                       ) -> None:
        """Write (or delete) the user's quota document."""
        self._usage.set_user_quota(user_id, max_records, max_bytes)

    def recount_usage(self, batch_size: int) -> Iterator[int]:
        """Count the records written before sizes were kept (see ``FirestoreUsage``)."""
        return self._usage.recount(batch_size, self._records_from)

    def ensure_indexes(self) -> list[str]:
        """Describe the shipped composite indexes; Firestore indexes are deployed, not created.

        Deploying needs index-admin rights the data path should not have, so this only
        reports what to deploy (the emulator needs none).
        """
        lines = index_descriptions(self.collection)
        lines.append(
            f"firestore: deploy {INDEX_FILE} with `firebase deploy --only firestore:indexes` "
            "or `gcloud firestore indexes composite create` (see the README)"
        )
        if os.environ.get(EMULATOR_ENV_VAR):
            lines.append(f"firestore: {self._requests.where} serves every query without indexes")
        return lines

    def close(self) -> None:
        """Close the client's channel."""
        self.client.close()  # type: ignore[no-untyped-call]
