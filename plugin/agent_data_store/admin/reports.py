"""Aggregations over a stream of record pages: counts, sizes, top-N and audit views.

Every function here consumes pages (``Iterable[Sequence[Record]]``, as
:meth:`Backend.iter_all` yields them) exactly once and keeps only counters per user,
namespace or agent, or a heap of at most ``limit`` summaries. No function holds a page after
it moved on to the next one, so memory does not grow with the number of records.

A record's size is the size of its value's JSON in UTF-8 bytes.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from agent_data_store.backends.base import Backend
from agent_data_store.records import Record

Pages = Iterable[Sequence[Record]]
"""Record pages as the backend's bulk iterators yield them."""


def value_bytes(record: Record) -> int:
    """The size of the record's value: its JSON text in UTF-8 bytes."""
    return len(record.value_json.encode("utf-8"))


def records_of(pages: Pages) -> Iterator[Record]:
    """Flatten pages into records, pulling the next page only when the last one is used up."""
    for page in pages:
        yield from page


@dataclass(slots=True)
class NamespaceTotals:
    """Counters of one user's namespace."""

    user_id: str
    namespace: str
    records: int = 0
    bytes: int = 0
    created_by: set[str] = field(default_factory=set)
    last_accessed_by: set[str] = field(default_factory=set)
    last_updated: str = ""

    def add(self, record: Record) -> None:
        """Count ``record`` in."""
        self.records += 1
        self.bytes += value_bytes(record)
        self.created_by.add(record.created_by_agent)
        self.last_accessed_by.add(record.last_accessed_by_agent)
        # ISO 8601 UTC timestamps of one format sort as strings.
        self.last_updated = max(self.last_updated, record.updated_at)

    def to_json(self) -> dict[str, Any]:
        """The counters as a JSON object for ``--json``."""
        return {
            "userId": self.user_id,
            "namespace": self.namespace,
            "records": self.records,
            "bytes": self.bytes,
            "createdByAgents": sorted(self.created_by),
            "lastAccessedByAgents": sorted(self.last_accessed_by),
            "lastUpdated": self.last_updated,
        }


@dataclass(slots=True)
class UserTotals:
    """Counters of one user."""

    user_id: str
    records: int = 0
    bytes: int = 0
    namespaces: set[str] = field(default_factory=set)

    def to_json(self) -> dict[str, Any]:
        """The counters as a JSON object for ``--json``."""
        return {
            "userId": self.user_id,
            "records": self.records,
            "namespaces": len(self.namespaces),
            "bytes": self.bytes,
        }


@dataclass(slots=True)
class StoreStats:
    """Totals of the whole store (or of the selected user) and per namespace."""

    records: int
    users: int
    namespaces: int
    bytes: int
    per_namespace: list[NamespaceTotals]

    def to_json(self) -> dict[str, Any]:
        """The totals as a JSON object for ``--json``."""
        return {
            "records": self.records,
            "users": self.users,
            "namespaces": self.namespaces,
            "bytes": self.bytes,
            "perNamespace": [
                {"userId": t.user_id, "namespace": t.namespace, "records": t.records,
                 "bytes": t.bytes}
                for t in self.per_namespace
            ],
        }


@dataclass(frozen=True, slots=True)
class RecordSummary:
    """What the usage views show of a record: everything but its value and metadata."""

    user_id: str
    namespace: str
    key: str
    bytes: int
    access_count: int
    created_by_agent: str
    last_accessed_by_agent: str
    updated_at: str
    last_accessed_at: str

    @classmethod
    def of(cls, record: Record) -> RecordSummary:
        """Summarise ``record`` (its value is measured, not kept)."""
        return cls(
            user_id=record.user_id,
            namespace=record.namespace,
            key=record.key,
            bytes=value_bytes(record),
            access_count=record.access_count,
            created_by_agent=record.created_by_agent,
            last_accessed_by_agent=record.last_accessed_by_agent,
            updated_at=record.updated_at,
            last_accessed_at=record.last_accessed_at,
        )

    def to_json(self) -> dict[str, Any]:
        """The summary as a JSON object for ``--json`` (storage field names)."""
        return {
            "userId": self.user_id,
            "namespace": self.namespace,
            "key": self.key,
            "bytes": self.bytes,
            "accessCount": self.access_count,
            "createdByAgent": self.created_by_agent,
            "lastAccessedByAgent": self.last_accessed_by_agent,
            "updatedAt": self.updated_at,
            "lastAccessedAt": self.last_accessed_at,
        }


@dataclass(slots=True)
class AgentActivity:
    """What one agent did, as far as the tracking fields tell."""

    agent: str
    records_created: int = 0
    records_last_accessed: int = 0
    last_access_at: str = ""
    last_access: tuple[str, str, str] | None = None
    """``(userId, namespace, key)`` of the record this agent touched most recently."""

    def to_json(self) -> dict[str, Any]:
        """The activity as a JSON object for ``--json``."""
        user_id, namespace, key = self.last_access or (None, None, None)
        return {
            "agent": self.agent,
            "recordsCreated": self.records_created,
            "recordsLastAccessed": self.records_last_accessed,
            "lastAccessedAt": self.last_access_at or None,
            "lastAccess": None if self.last_access is None
            else {"userId": user_id, "namespace": namespace, "key": key},
        }


def store_stats(pages: Pages) -> StoreStats:
    """Count records, users, namespaces and bytes, in total and per namespace."""
    per_namespace: dict[tuple[str, str], NamespaceTotals] = {}
    users: set[str] = set()
    for record in records_of(pages):
        where = (record.user_id, record.namespace)
        totals = per_namespace.get(where)
        if totals is None:
            totals = per_namespace[where] = NamespaceTotals(*where)
            users.add(record.user_id)
        totals.records += 1
        totals.bytes += value_bytes(record)
    ordered = [per_namespace[where] for where in sorted(per_namespace)]
    return StoreStats(
        records=sum(t.records for t in ordered),
        users=len(users),
        namespaces=len(ordered),
        bytes=sum(t.bytes for t in ordered),
        per_namespace=ordered,
    )


def user_totals(pages: Pages) -> list[UserTotals]:
    """Records, namespaces and bytes per user, sorted by user ID."""
    totals: dict[str, UserTotals] = {}
    for record in records_of(pages):
        user = totals.get(record.user_id)
        if user is None:
            user = totals[record.user_id] = UserTotals(record.user_id)
        user.records += 1
        user.bytes += value_bytes(record)
        user.namespaces.add(record.namespace)
    return [totals[user_id] for user_id in sorted(totals)]


def namespace_totals(pages: Pages) -> list[NamespaceTotals]:
    """Records, bytes, agents and last update per namespace, sorted by user and namespace."""
    totals: dict[tuple[str, str], NamespaceTotals] = {}
    for record in records_of(pages):
        where = (record.user_id, record.namespace)
        namespace = totals.get(where)
        if namespace is None:
            namespace = totals[where] = NamespaceTotals(*where)
        namespace.add(record)
    return [totals[where] for where in sorted(totals)]


def user_namespace_totals(
    backend: Backend, user_id: str, wrap: Callable[[Pages], Pages] = lambda pages: pages
) -> list[NamespaceTotals]:
    """:func:`namespace_totals` of one user: aggregated by the database where the backend
    can (:meth:`Backend.namespace_usage`), else counted over its pages (passed through
    ``wrap``, e.g. to show progress)."""
    usage = backend.namespace_usage(user_id)
    if usage is None:
        return namespace_totals(wrap(backend.iter_all(user_id)))
    return [
        NamespaceTotals(user_id, n.namespace, n.records, n.bytes, set(n.created_by),
                        set(n.last_accessed_by), n.last_updated)
        for n in usage
    ]


def top_accessed(pages: Pages, limit: int) -> list[RecordSummary]:
    """The ``limit`` records read most often, most first."""
    # nlargest keeps a heap of ``limit`` items while it consumes the stream.
    return heapq.nlargest(
        limit,
        (RecordSummary.of(record) for record in records_of(pages)),
        key=lambda s: (s.access_count, s.last_accessed_at),
    )


def largest(pages: Pages, limit: int) -> list[RecordSummary]:
    """The ``limit`` records with the largest values, largest first."""
    return heapq.nlargest(
        limit,
        (RecordSummary.of(record) for record in records_of(pages)),
        key=lambda s: (s.bytes, s.updated_at),
    )


def most_recent(pages: Pages, limit: int, agent: str | None = None) -> list[RecordSummary]:
    """The ``limit`` records accessed (read or written) last, newest first.

    With ``agent``, only records whose last access was by that agent.
    """
    return heapq.nlargest(
        limit,
        (
            RecordSummary.of(record)
            for record in records_of(pages)
            if agent is None or record.last_accessed_by_agent == agent
        ),
        key=lambda s: s.last_accessed_at,
    )


def recent_by_agent(pages: Pages) -> list[AgentActivity]:
    """Per agent: records created, records it accessed last, and its latest access.

    Sorted by latest access, newest first.
    """
    agents: dict[str, AgentActivity] = {}

    def activity(agent: str) -> AgentActivity:
        found = agents.get(agent)
        if found is None:
            found = agents[agent] = AgentActivity(agent)
        return found

    for record in records_of(pages):
        activity(record.created_by_agent).records_created += 1
        reader = activity(record.last_accessed_by_agent)
        reader.records_last_accessed += 1
        if record.last_accessed_at > reader.last_access_at:
            reader.last_access_at = record.last_accessed_at
            reader.last_access = (record.user_id, record.namespace, record.key)
    return sorted(agents.values(), key=lambda a: (a.last_access_at, a.agent), reverse=True)
