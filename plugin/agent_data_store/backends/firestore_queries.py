"""The queries of the Firestore backend, and the checks their results need.

Every query of a user's namespace filters ``userId`` and ``queryNamespace`` (the shipped
composite indexes); results are checked against the exact fields (:func:`belongs`), and
expired records are left out of what reads return (:func:`live_snapshots`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from google.cloud.firestore_v1.base_query import FieldFilter

from agent_data_store.backends.base import prefix_upper_bound
from agent_data_store.backends.firestore_layout import (
    DELETE_PROJECTION,
    fields_expired,
    query_key,
    query_namespace,
    to_timestamp,
)
from agent_data_store.records import precise_now

if TYPE_CHECKING:
    from google.cloud.firestore_v1.base_document import DocumentSnapshot
    from google.cloud.firestore_v1.collection import CollectionReference
    from google.cloud.firestore_v1.query import Query

    Snapshot = DocumentSnapshot[Any]


def scope_query(records: CollectionReference, user_id: str, namespace: str,
                prefix: str | None = None) -> Query:
    """``userId == U and namespace == N`` ordered by key (the shipped composite index).

    The namespace and key are compared through their query fields (see
    :mod:`.firestore_layout`), which equal them unless they pass 1,400 bytes.
    """
    query = records.where(filter=FieldFilter("userId", "==", user_id)).where(
        filter=FieldFilter("queryNamespace", "==", query_namespace(namespace))
    )
    if prefix:
        lower = query_key(prefix)
        query = query.where(filter=FieldFilter("queryKey", ">=", lower))
        upper = prefix_upper_bound(lower)
        if upper is not None:
            query = query.where(filter=FieldFilter("queryKey", "<", upper))
    return query.order_by("queryKey")


def belongs(fields: dict[str, Any], user_id: str, namespace: str, prefix: str | None) -> bool:
    """Whether a document's exact fields are of the user's namespace (and prefix).

    Query fields of long namespaces and keys are digests or cut short, so a query can match
    more than it should: results are checked here.
    """
    return (
        fields.get("userId") == user_id and fields.get("namespace") == namespace
        and (not prefix or str(fields.get("key", "")).startswith(prefix))
    )


def live_record_query(records: CollectionReference, user_id: str, namespace: str,
                      now: str) -> Query:
    """The first record of a namespace expiring after ``now`` (index ``userId,
    queryNamespace, expiresAt``); records that never expire have no timestamp to match."""
    return (
        records.where(filter=FieldFilter("userId", "==", user_id))
        .where(filter=FieldFilter("queryNamespace", "==", query_namespace(namespace)))
        .where(filter=FieldFilter("expiresAt", ">", to_timestamp(now)))
        .order_by("expiresAt").select(["userId", "namespace"]).limit(1)
    )


def expired_query(records: CollectionReference, now: str, limit: int) -> Query:
    """Up to ``limit`` records expired at ``now``, oldest expiry first (the single-field
    index on ``expiresAt``), with the fields a delete needs."""
    return (
        records.where(filter=FieldFilter("expiresAt", "<=", to_timestamp(now)))
        .order_by("expiresAt").select(list(DELETE_PROJECTION))
        .limit(limit)
    )


def live_snapshots(snapshots: Iterable[Snapshot]) -> list[Snapshot]:
    """The snapshots of records that have not expired (now)."""
    now = precise_now()
    return [s for s in snapshots if not fields_expired({"expiresAt": stored_expiry(s)}, now)]


def stored_expiry(snapshot: Snapshot) -> object:
    """The stored ``expiresAt`` of a snapshot (read alone: ``to_dict`` copies the whole
    document), ``None`` where the document has none."""
    try:
        return snapshot.get("expiresAt")
    except KeyError:
        return None
