"""In-memory backend, for tests and throwaway runs: ``memory://`` (or ``memory://NAME``).

``memory://`` gives a fresh, private store; ``memory://NAME`` is shared by every backend
opened with the same name in this process. Nothing survives the process. Queries filter in
Python, which is fine at test sizes; so does the sweep of expired records.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any, ClassVar, Self

from agent_data_store.backends.base import Backend, UserUsage, record_bytes
from agent_data_store.records import (
    Access,
    Increment,
    Record,
    RecordWrite,
    apply_access,
    apply_increment,
    apply_write,
    expired,
    live,
    precise_now,
    write_allowed,
)

if TYPE_CHECKING:
    from agent_data_store.config import StoreConfig

class _Usage:
    """One user's record and byte totals, moved by :class:`_Records` as records change."""

    __slots__ = ("bytes", "records")

    def __init__(self) -> None:
        self.records = 0
        self.bytes = 0

    def add(self, record: Record, sign: int) -> None:
        self.records += sign
        self.bytes += sign * record_bytes(record.value_json, record.metadata)


class _Records(dict[str, Record]):
    """One namespace's records by key; every change moves the user's :class:`_Usage`, so
    usage stays exact whichever write path changes a record."""

    __slots__ = ("usage",)

    def __init__(self, usage: _Usage) -> None:
        super().__init__()
        self.usage = usage

    def __setitem__(self, key: str, record: Record) -> None:
        old = self.get(key)
        if old is not None:
            self.usage.add(old, -1)
        self.usage.add(record, 1)
        super().__setitem__(key, record)

    def __delitem__(self, key: str) -> None:
        self.usage.add(self[key], -1)
        super().__delitem__(key)

    def pop(self, key: str, default: Record | None = None) -> Record | None:  # type: ignore[override]
        if key not in self:
            return default
        record = self[key]
        del self[key]
        return record

    def _unsupported(self, *args: object, **kwargs: object) -> None:
        raise TypeError("records change one key at a time, so usage stays exact")

    clear = popitem = setdefault = update = __ior__ = _unsupported  # type: ignore[assignment]


_Namespace = dict[str, Record]


class _Namespaces(dict[str, _Namespace]):
    """One user's namespaces; removing one takes its records out of the user's usage."""

    __slots__ = ()

    def pop(self, namespace: str, default: Any = None) -> Any:
        records = super().pop(namespace, None)
        if records is None:
            return default
        if isinstance(records, _Records):
            for record in records.values():
                records.usage.add(record, -1)
        return records

    def __delitem__(self, namespace: str) -> None:
        self.pop(namespace)


class _Tables:
    """The records of one memory store: user → namespace → key → record, with each user's
    usage and quota overrides."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.users: dict[str, dict[str, _Namespace]] = {}
        self.usage: dict[str, _Usage] = {}
        self.quotas: dict[str, tuple[int | None, int | None]] = {}


_NAMED: dict[str, _Tables] = {}
_NAMED_LOCK = threading.Lock()


class MemoryBackend(Backend):
    """Records in Python dicts, guarded by one lock."""

    scheme: ClassVar[str] = "memory"

    def __init__(self, name: str = "", page_size: int = 500) -> None:
        if name:
            with _NAMED_LOCK:
                self._tables = _NAMED.setdefault(name, _Tables())
        else:
            self._tables = _Tables()
        self._page_size = page_size

    @classmethod
    def from_config(cls, config: StoreConfig) -> Self:
        """Open ``memory://`` (private) or ``memory://NAME`` (shared in this process)."""
        return cls(config.parts.netloc, page_size=config.page_size)

    def _namespace(self, user_id: str, namespace: str, create: bool = False) -> _Namespace:
        namespaces = self._tables.users.get(user_id)
        if namespaces is None:
            if not create:
                return {}
            namespaces = self._tables.users[user_id] = _Namespaces()
        records = namespaces.get(namespace)
        if records is None:
            if not create:
                return {}
            usage = self._tables.usage.setdefault(user_id, _Usage())
            records = namespaces[namespace] = _Records(usage)
        return records

    def _drop_if_empty(self, user_id: str, namespace: str) -> None:
        namespaces = self._tables.users.get(user_id, {})
        if not namespaces.get(namespace, True):
            del namespaces[namespace]

    def get_many(self, user_id: str, namespace: str, keys: Sequence[str]) -> dict[str, Record]:
        """Return the live records of ``keys``."""
        now = precise_now()
        with self._tables.lock:
            records = self._namespace(user_id, namespace)
            return {key: record for key in keys
                    if (record := live(records.get(key), now)) is not None}

    def put_many(self, writes: Sequence[RecordWrite]) -> None:
        """Create or overwrite records under the store's lock."""
        with self._tables.lock:
            for write in writes:
                records = self._namespace(write.user_id, write.namespace, create=True)
                records[write.key] = apply_write(records.get(write.key), write)

    def put_if(self, write: RecordWrite, expect: str | None) -> bool:
        """Check and write under the store's lock."""
        with self._tables.lock:
            records = self._namespace(write.user_id, write.namespace, create=True)
            existing = records.get(write.key)
            if not write_allowed(existing, expect, write.now):
                self._drop_if_empty(write.user_id, write.namespace)
                return False
            records[write.key] = apply_write(existing, write)
            return True

    def increment(self, change: Increment) -> str:
        """Add under the store's lock."""
        with self._tables.lock:
            records = self._namespace(change.user_id, change.namespace)
            record = apply_increment(records.get(change.key), change)
            self._namespace(change.user_id, change.namespace, create=True)[change.key] = record
            return record.value_json

    def delete_many(self, user_id: str, namespace: str, keys: Sequence[str]) -> int:
        """Delete the records of ``keys``; return how many were live."""
        now = precise_now()
        with self._tables.lock:
            records = self._namespace(user_id, namespace)
            deleted = sum(1 for key in set(keys) if live(records.pop(key, None), now))
            self._drop_if_empty(user_id, namespace)
            return deleted

    def _pages(self, items: list[Record]) -> Iterator[list[Record]]:
        for start in range(0, len(items), self._page_size):
            yield items[start : start + self._page_size]

    def iter_records(
        self, user_id: str, namespace: str, prefix: str | None = None
    ) -> Iterator[list[Record]]:
        """Yield the namespace's live records (a snapshot) in pages."""
        now = precise_now()
        with self._tables.lock:
            records = [
                record
                for key, record in self._namespace(user_id, namespace).items()
                if (prefix is None or key.startswith(prefix))
                and not expired(record.expires_at, now)
            ]
        yield from self._pages(records)

    def iter_keys(
        self, user_id: str, namespace: str, prefix: str | None = None
    ) -> Iterator[list[str]]:
        """Yield the namespace's keys in pages."""
        for page in self.iter_records(user_id, namespace, prefix):
            yield [record.key for record in page]

    def list_namespaces(self, user_id: str) -> list[str]:
        """Return the user's namespaces holding a live record."""
        now = precise_now()
        with self._tables.lock:
            namespaces = self._tables.users.get(user_id, {})
            return sorted(
                ns for ns, records in namespaces.items()
                if any(not expired(r.expires_at, now) for r in records.values())
            )

    def clear_namespace(self, user_id: str, namespace: str) -> int:
        """Delete the whole namespace; return how many records were live."""
        now = precise_now()
        with self._tables.lock:
            removed = self._tables.users.get(user_id, {}).pop(namespace, {})
            return sum(1 for record in removed.values() if not expired(record.expires_at, now))

    def record_accesses(self, accesses: Sequence[Access]) -> None:
        """Add buffered reads to records that still exist."""
        with self._tables.lock:
            for access in accesses:
                records = self._namespace(access.user_id, access.namespace)
                existing = records.get(access.key)
                if existing is not None:
                    records[access.key] = apply_access(existing, access)

    def iter_all(self, user_id: str | None = None) -> Iterator[list[Record]]:
        """Yield every matching live record (a snapshot) in pages."""
        now = precise_now()
        with self._tables.lock:
            selected = [
                record
                for uid, namespaces in self._tables.users.items()
                if user_id is None or uid == user_id
                for records in namespaces.values()
                for record in records.values()
                if not expired(record.expires_at, now)
            ]
        yield from self._pages(selected)

    def import_records(self, records: Sequence[Record], *, overwrite: bool) -> list[str]:
        """Store records as given; return the IDs skipped because they exist."""
        conflicts: list[str] = []
        with self._tables.lock:
            for record in records:
                target = self._namespace(record.user_id, record.namespace, create=True)
                if live(target.get(record.key), precise_now()) and not overwrite:
                    conflicts.append(record.id)
                    continue
                target[record.key] = replace(record, metadata=dict(record.metadata))
        return conflicts

    def sweep_expired(self, now: str, batch_size: int) -> Iterator[int]:
        """Find and delete up to ``batch_size`` expired records at a time, under the lock."""
        while True:
            with self._tables.lock:
                found = [
                    (user_id, namespace, key)
                    for user_id, namespaces in self._tables.users.items()
                    for namespace, records in namespaces.items()
                    for key, record in records.items()
                    if expired(record.expires_at, now)
                ][:batch_size]
                for user_id, namespace, key in found:
                    del self._tables.users[user_id][namespace][key]
                    self._drop_if_empty(user_id, namespace)
            if not found:
                return
            yield len(found)
            if len(found) < batch_size:
                return


    def user_usage(self, user_id: str) -> UserUsage:
        """The user's totals, kept by its namespaces' record dicts."""
        with self._tables.lock:
            return self._usage_of(user_id)

    def _usage_of(self, user_id: str) -> UserUsage:
        usage = self._tables.usage.get(user_id) or _Usage()
        max_records, max_bytes = self._tables.quotas.get(user_id, (None, None))
        return UserUsage(user_id, usage.records, usage.bytes, max_records, max_bytes)

    def iter_usage(self) -> Iterator[list[UserUsage]]:
        """Every user with records or an override, in pages, by user ID."""
        with self._tables.lock:
            users = sorted(
                {u for u, usage in self._tables.usage.items() if usage.records}
                | set(self._tables.quotas)
            )
            rows = [self._usage_of(user) for user in users]
        for start in range(0, len(rows), self._page_size):
            yield rows[start : start + self._page_size]

    def set_user_quota(
        self, user_id: str, max_records: int | None, max_bytes: int | None
    ) -> None:
        """Keep the user's overrides (both ``None``: forget them)."""
        with self._tables.lock:
            if max_records is None and max_bytes is None:
                self._tables.quotas.pop(user_id, None)
            else:
                self._tables.quotas[user_id] = (max_records, max_bytes)

    def ensure_indexes(self) -> list[str]:
        """Nothing to create: lookups are dict lookups."""
        return ["memory: dict by user, namespace and key (no index needed)"]
