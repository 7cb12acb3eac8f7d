"""Per-user usage on Firestore: read from the user's counter documents.

Every commit that changes records also increments their counters (:mod:`.usage_counters`
says how, :mod:`.firestore_layout` where they live). Each counter, bucket and quota document
has ``userId`` and ``until``, so a user's usage is one query, ``userId == U and until >=
now + 1`` (the composite index ``namespace_counts (userId, until)`` in production):
namespace counters and quotas always match, buckets only while they have not ended. Listing
every user pages through the counters collection (an operator's job). The one-time recount
of records written before sizes were kept is :meth:`FirestoreUsage.recount`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from google.cloud.firestore_v1.base_query import FieldFilter

from agent_data_store.backends.base import UserUsage
from agent_data_store.backends.firestore_layout import SIZE_FIELDS, quota_id
from agent_data_store.backends.firestore_requests import (
    MAX_BATCH_OPS,
    FirestoreRequests,
    record_change,
)
from agent_data_store.backends.usage_counters import (
    NEVER,
    UsageSum,
    live_bucket_floor,
    usage_pages,
)

if TYPE_CHECKING:
    from google.cloud.firestore_v1.base_document import DocumentSnapshot
    from google.cloud.firestore_v1.collection import CollectionReference

    from agent_data_store.records import Record

    Snapshot = DocumentSnapshot[Any]

ReadRecords = Callable[[Sequence["Snapshot"]], list["Record"]]
"""Builds whole records (chunked values joined) from their snapshots."""


class FirestoreUsage:
    """Reads and sets usage and quotas for :class:`~.firestore.FirestoreBackend`."""

    def __init__(self, requests: FirestoreRequests, records: CollectionReference,
                 counters: CollectionReference, page_size: int) -> None:
        self._requests = requests
        self._records = records
        self._counters = counters
        self._page_size = page_size

    def user_usage(self, user_id: str) -> UserUsage:
        """One query of the user's counters that count now."""
        query = self._counters.where(filter=FieldFilter("userId", "==", user_id)).where(
            filter=FieldFilter("until", ">=", live_bucket_floor()))
        docs = self._requests.call(
            "read usage", lambda t: list(query.stream(retry=None, timeout=t)))
        return _totals(user_id, (doc.to_dict() or {} for doc in docs))

    def iter_usage(self) -> Iterator[list[UserUsage]]:
        """Page through the counters; yield every user with records or a quota, by user ID
        (the totals of every user are gathered first: one small entry per user)."""
        floor = live_bucket_floor()
        by_user: dict[str, list[dict[str, Any]]] = {}
        for page in self._requests.pages(self._counters.order_by("__name__")):
            for doc in page:
                fields = doc.to_dict() or {}
                if isinstance(fields.get("userId"), str) and int(fields.get("until") or 0) >= floor:
                    by_user.setdefault(fields["userId"], []).append(fields)
        yield from usage_pages(
            (_totals(user, docs) for user, docs in sorted(by_user.items())), self._page_size)

    def set_user_quota(self, user_id: str, max_records: int | None, max_bytes: int | None
                       ) -> None:
        """Write the user's quota document, or delete it when both limits are the default."""
        ref = self._counters.document(quota_id(user_id))
        if max_records is None and max_bytes is None:
            self._requests.call("delete a quota", lambda t: ref.delete(retry=None, timeout=t))
            return
        fields = {"userId": user_id, "until": NEVER, "maxRecords": max_records,
                  "maxBytes": max_bytes}
        self._requests.call("set a quota", lambda t: ref.set(fields, retry=None, timeout=t))

    def recount(self, batch_size: int, read_records: ReadRecords) -> Iterator[int]:
        """Count what a collection written before sizes were kept holds.

        Namespace counters get ``until``; then the records are paged through,
        ``batch_size`` a query, and each one without ``valueBytes`` is read whole and written
        again with its sizes and its counters' increments, preconditioned on the
        ``update_time`` read (a record changed meanwhile is read again); yields how many each
        batch counted. Safe while agents write, and idempotent.
        """
        self._date_namespace_counters()
        query = self._records.order_by("__name__").select(["userId", *SIZE_FIELDS])
        cursor: Snapshot | None = None
        while True:
            batch = query.limit(batch_size) if cursor is None else (
                query.start_after(cursor).limit(batch_size))

            def read(timeout: float, batch: Any = batch) -> list[Snapshot]:
                return list(batch.stream(retry=None, timeout=timeout))

            page = self._requests.call("read records", read)
            pending = [s.reference for s in page if (s.to_dict() or {}).get("valueBytes") is None]
            counted = 0
            while pending:
                found = [s for s in self._requests.get(pending).values()
                         if s.exists and (s.to_dict() or {}).get("valueBytes") is None]
                changes = [record_change(s.reference, s, record)
                           for s, record in zip(found, read_records(found), strict=True)]
                conflicted = self._requests.commit(changes)
                counted += len(changes) - len(conflicted)
                pending = [change.ref for change in conflicted]
            if counted:
                yield counted
            if len(page) < batch_size:
                return
            cursor = page[-1]

    def _date_namespace_counters(self) -> None:
        """Give namespace counters written before usage was kept their ``until``."""
        undated = [doc.reference
                   for page in self._requests.pages(self._counters.order_by("__name__"))
                   for doc in page
                   if "namespace" in (fields := doc.to_dict() or {}) and "until" not in fields]
        for start in range(0, len(undated), MAX_BATCH_OPS):
            batch = self._requests.client.batch()
            for ref in undated[start : start + MAX_BATCH_OPS]:
                batch.set(ref, {"until": NEVER}, merge=True)

            def send(timeout: float, batch: Any = batch) -> object:
                return batch.commit(retry=None, timeout=timeout)

            self._requests.call("date namespace counters", send)


def _totals(user_id: str, docs: Iterable[dict[str, Any]]) -> UserUsage:
    """A user's :class:`UserUsage` from its counter, bucket and quota documents."""
    usage = UsageSum()
    max_records = max_bytes = None
    for fields in docs:
        if "namespace" in fields:
            usage.add_namespace(int(fields.get("count") or 0), int(fields.get("expiring") or 0),
                                int(fields.get("bytes") or 0),
                                int(fields.get("expiringBytes") or 0))
        elif "maxRecords" in fields or "maxBytes" in fields:
            max_records, max_bytes = fields.get("maxRecords"), fields.get("maxBytes")
        else:
            usage.add_bucket(int(fields.get("records") or 0), int(fields.get("bytes") or 0))
    return UserUsage(user_id, usage.records, usage.bytes, max_records, max_bytes)
