"""DynamoDB backend (boto3): ``dynamodb://TABLE?region=REGION&endpoint_url=URL``.

This module holds :class:`DynamoDBBackend` and its write side; the key schema is in
:mod:`agent_data_store.backends.dynamodb_schema`, the reads (value-only reads, chunk
reassembly, query pages) in :mod:`agent_data_store.backends.dynamodb_reads`, the boto3
client in :mod:`agent_data_store.backends.dynamodb_client`. Every change to a record is a
``TransactWriteItems`` that also updates its chunks and its namespace's record count,
conditioned on the record's write counter and retried after re-reading on a conflict, except
an overwrite that touches neither chunks nor count: a single ``set`` of an inline value can be
one conditional ``UpdateItem`` (see :meth:`DynamoDBBackend._put_one`).
The table is created on first use. Errors reach callers as ``DataStoreError``s after
throttling has been retried; an unreachable endpoint fails within a few seconds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Self

from agent_data_store.backends import dynamodb_schema as schema
from agent_data_store.backends.base import Backend
from agent_data_store.backends.dynamodb_client import (
    CONFLICT_ATTEMPTS,
    DynamoDBClient,
    Refused,
    backoff,
)
from agent_data_store.backends.dynamodb_reads import DynamoDBReader, SeenRecords, Target
from agent_data_store.errors import BackendError, ConfigurationError
from agent_data_store.records import Access, Record, RecordWrite, apply_write, document_id

if TYPE_CHECKING:
    from agent_data_store.config import StoreConfig


@dataclass
class _Change:
    """The actions that change one record; applied together, in one transaction."""

    target: Target
    actions: list[dict[str, Any]]
    delta: int = 0
    """+1 when the record is created, -1 when it is deleted (its namespace's count)."""
    size: int = field(default=0)
    inline: bool = True
    """Whether the record's value is inside its item afterwards (not in chunks)."""


class DynamoDBBackend(Backend):
    """Records in one DynamoDB table; see the module docstring."""

    scheme: ClassVar[str] = "dynamodb"

    def __init__(self, client: DynamoDBClient, page_size: int = 500, create: bool = True
                 ) -> None:
        self._db = client
        self.table = client.table
        self._seen = SeenRecords()
        """What this backend last saw of records: the hint for a ``set``'s first attempt."""
        self._reader = DynamoDBReader(client, page_size, self._seen)
        self._db.ensure_table(create=create)

    @classmethod
    def from_config(cls, config: StoreConfig) -> Self:
        """Open ``dynamodb://TABLE?region=…&endpoint_url=…`` (default table: ``config.table``)."""
        if config.max_value_bytes > schema.MAX_VALUE_BYTES:
            raise ConfigurationError(
                f"max_value_bytes {config.max_value_bytes} is above what the DynamoDB backend "
                f"can write in one transaction ({schema.MAX_VALUE_BYTES} bytes)"
            )
        client = DynamoDBClient.from_url(config.url, config.table, config.timeout_s)
        return cls(client, page_size=min(config.page_size, 1000), create=config.create_missing)

    # -- reading: delegated to DynamoDBReader (dynamodb_reads.py) --------------------------

    def get_many(self, user_id: str, namespace: str, keys: Sequence[str]) -> dict[str, Record]:
        """One consistent ``BatchGetItem`` per 100 keys (plus one for chunks of large values)."""
        return self._reader.get_many(user_id, namespace, keys)

    def get_value_json(self, user_id: str, namespace: str, key: str) -> str | None:
        """One consistent ``GetItem`` of the value alone (plus chunks of a large value)."""
        return self._reader.get_value_json(user_id, namespace, key)

    def get_many_values(self, user_id: str, namespace: str, keys: Sequence[str]
                        ) -> dict[str, str]:
        """One consistent ``BatchGetItem`` per 100 keys of the values alone."""
        return self._reader.get_many_values(user_id, namespace, keys)

    def iter_keys(self, user_id: str, namespace: str, prefix: str | None = None
                  ) -> Iterator[list[str]]:
        """Yield keys in code-point order, one consistent ``Query`` page at a time."""
        return self._reader.iter_keys(user_id, namespace, prefix)

    def iter_records(self, user_id: str, namespace: str, prefix: str | None = None
                     ) -> Iterator[list[Record]]:
        """Yield records in key order, a consistent ``Query`` page at a time."""
        return self._reader.iter_records(user_id, namespace, prefix)

    def iter_values(self, user_id: str, namespace: str) -> Iterator[list[tuple[str, str]]]:
        """Yield ``(key, value)`` pages of consistent ``Query`` results of the values alone.

        Pages are DynamoDB's (1 MB of items), not the configured page size.
        """
        return self._reader.iter_values(user_id, namespace)

    def list_namespaces(self, user_id: str) -> list[str]:
        """Query the user's namespace items whose record count is above zero."""
        return self._reader.list_namespaces(user_id)

    # -- writing -------------------------------------------------------------------------

    def _apply(self, targets: Sequence[Target],
               plan: Callable[[Target, schema.StoredRecord | None], _Change | None],
               heads: dict[Target, schema.StoredRecord] | None = None) -> list[_Change]:
        """Read the targets' heads (unless given), plan a change each, commit; redo what lost
        a race after reading its head again. Return the committed changes."""
        remaining = list(dict.fromkeys(targets))
        committed: list[_Change] = []
        for attempt in range(CONFLICT_ATTEMPTS):
            if heads is None:
                heads = self._reader.read(remaining, heads=True)
            changes = [c for t in remaining if (c := plan(t, heads.get(t))) is not None]
            lost = self._commit(changes)
            committed.extend(c for c in changes if c.target not in lost)
            if not lost:
                return committed
            remaining = [t for t in remaining if t in lost]
            heads = None
            backoff(attempt)
        raise BackendError(
            f"{self._db.where}: gave up after {CONFLICT_ATTEMPTS} attempts; "
            "the records kept changing concurrently"
        )

    def _commit(self, changes: list[_Change]) -> set[Target]:
        """Write changes in as few transactions as the limits allow; return those that lost."""
        lost: set[Target] = set()
        batch: list[_Change] = []
        counted: set[tuple[str, str]] = set()
        size = 0
        for change in changes:
            namespace = change.target[:2]
            extra = 1 if change.delta and namespace not in counted else 0
            actions = sum(len(c.actions) for c in batch) + len(counted) + extra
            if batch and (actions + len(change.actions) > schema.MAX_TRANSACTION_ITEMS
                          or size + change.size > schema.MAX_TRANSACTION_BYTES):
                lost |= self._transact(batch)
                batch, counted, size = [], set(), 0
            batch.append(change)
            size += change.size
            if change.delta:
                counted.add(namespace)
        if batch:
            lost |= self._transact(batch)
        return lost

    def _transact(self, batch: list[_Change]) -> set[Target]:
        """One ``TransactWriteItems``; on a lost race return every target of the batch."""
        deltas: dict[tuple[str, str], int] = {}
        for change in batch:
            if change.delta:
                namespace = (change.target[0], change.target[1])
                deltas[namespace] = deltas.get(namespace, 0) + change.delta
        actions = [action for change in batch for action in change.actions]
        actions += [schema.count_action(self.table, *ns, delta) for ns, delta in deltas.items()]
        try:
            self._db.call("transact_write_items", TransactItems=actions)
        except Refused:
            return {change.target for change in batch}
        for change in batch:
            self._seen.saw(change.target, None if change.delta < 0 else change.inline)
        return set()

    def _record_change(self, record: Record, head: schema.StoredRecord | None, *,
                       replace: bool) -> _Change:
        """The change that stores ``record`` over ``head`` (``replace``: every field as given)."""
        chunks = schema.split_value(record.value_json)
        rev = head.rev if head else 0
        chunk_items = schema.chunk_items(record, rev + 1, chunks)
        if head is None or replace:
            item = schema.record_item(record, rev + 1, chunks)
            main = schema.put_action(self.table, item, expect_rev=head.rev if head else None)
            size = schema.item_bytes(item)
        else:
            main = schema.overwrite_action(self.table, record, rev, chunks)
            size = len(record.value_json) + 4096
        actions = [main, *({"Put": {"TableName": self.table, "Item": c}} for c in chunk_items)]
        if head:
            actions += [schema.delete_action(self.table, schema.chunk_key(*_target(record), i))
                        for i in range(len(chunks), head.chunks)]
        size += sum(schema.item_bytes(c) for c in chunk_items)
        return _Change(_target(record), actions, delta=0 if head else 1, size=size,
                       inline=not chunks)

    def put_many(self, writes: Sequence[RecordWrite]) -> None:
        """Read heads in bulk, then one transaction per ≤100 items (see the module docstring).

        A single write first tries to do without the read (:meth:`_put_one`).
        """
        if len(writes) == 1 and self._put_one(writes[0]):
            return
        by_target: dict[Target, list[RecordWrite]] = {}
        for write in writes:
            by_target.setdefault((write.user_id, write.namespace, write.key), []).append(write)

        def plan(target: Target, head: schema.StoredRecord | None) -> _Change:
            record = head.record if head else None
            for write in by_target[target]:
                record = apply_write(record, write)
            assert record is not None
            return self._record_change(record, head, replace=False)

        self._apply(list(by_target), plan)

    def _put_one(self, write: RecordWrite) -> bool:
        """Store one write in one call without reading its record first; whether it did.

        What this backend last saw of the record picks the attempt: for a record never seen
        (or deleted) a create, a transaction conditioned on the record not existing that also
        counts it in its namespace; for a record seen with its value inline an overwrite in
        place (:func:`~schema.overwrite_in_place`). A create that finds the record there
        tries the overwrite next. Both are conditional writes that change nothing when their
        guess is wrong; the caller then reads the record and writes as usual.
        """
        target = (write.user_id, write.namespace, write.key)
        inline = self._seen.get(target)
        if inline is None:
            if not self._transact([self._record_change(apply_write(None, write), None,
                                                       replace=False)]):
                return True
            inline = True  # it exists, or the create lost a race: try it as an overwrite
        if not inline or schema.split_value(write.value_json):
            return False
        try:
            self._db.call("update_item", **schema.overwrite_in_place(self.table, write))
        except Refused:
            return False
        self._seen.saw(target, True)
        return True

    def _delete_change(self, target: Target, head: schema.StoredRecord | None) -> _Change | None:
        if head is None:
            return None
        record = schema.delete_action(self.table, schema.record_key(*target), expect_rev=head.rev)
        actions = [record, *(schema.delete_action(self.table, schema.chunk_key(*target, i))
                             for i in range(head.chunks))]
        return _Change(target, actions, delta=-1, size=1024 * len(actions))

    def delete_many(self, user_id: str, namespace: str, keys: Sequence[str]) -> int:
        """Read heads in bulk, then delete the existing records in transactions."""
        targets = [(user_id, namespace, key) for key in keys]
        return len(self._apply(targets, self._delete_change))

    def clear_namespace(self, user_id: str, namespace: str) -> int:
        """Delete the namespace a ``Query`` page at a time, then drop its empty counter."""
        deleted = 0
        for page in self._reader.record_pages(user_id, namespace, None, schema.HEAD_ATTRIBUTES):
            heads = {_target(s.record): s for s in map(schema.parse_record, page)}
            deleted += len(self._apply(list(heads), self._delete_change, heads))
        self._db.call_ignoring_refusal(
            "delete_item", TableName=self.table, Key=schema.namespace_key(user_id, namespace),
            ConditionExpression="#records <= :zero",
            ExpressionAttributeNames={"#records": "records"},
            ExpressionAttributeValues={":zero": schema.n(0)},
        )
        return deleted

    def record_accesses(self, accesses: Sequence[Access]) -> None:
        """One transaction of atomic ``ADD accessCount`` updates per 100 keys.

        Each update requires the record to exist, so a deleted record stays deleted. An
        update whose last-access time is older than the record's retries as a count only.
        """
        merged: dict[Target, Access] = {}
        for access in accesses:
            target = (access.user_id, access.namespace, access.key)
            seen = merged.get(target)
            if seen is None or seen.at <= access.at:
                count = access.count + (seen.count if seen else 0)
                merged[target] = Access(*target, count, access.agent, access.at)
            else:
                merged[target] = Access(*target, seen.count + access.count, seen.agent, seen.at)
        pending = [(access, True) for access in merged.values()]
        for start in range(0, len(pending), schema.MAX_TRANSACTION_ITEMS):
            self._record_access_batch(pending[start : start + schema.MAX_TRANSACTION_ITEMS])

    def _record_access_batch(self, batch: list[tuple[Access, bool]]) -> None:
        for attempt in range(CONFLICT_ATTEMPTS):
            if not batch:
                return
            actions = [
                schema.access_action(self.table, a.user_id, a.namespace, a.key, a.count,
                                     a.agent if move else None, a.at)
                for a, move in batch
            ]
            try:
                self._db.call("transact_write_items", TransactItems=actions)
                return
            except Refused as refusal:
                reasons = refusal.reasons or [{"Code": "TransactionConflict"}] * len(batch)
            retry = []
            for (access, move), reason in zip(batch, reasons, strict=False):
                if reason.get("Code") != "ConditionalCheckFailed":
                    retry.append((access, move))
                elif move:
                    retry.append((access, False))
            batch = retry
            backoff(attempt)
        raise BackendError(f"{self._db.where}: access counts kept conflicting; gave up")

    # -- operator primitives -------------------------------------------------------------

    def iter_all(self, user_id: str | None = None) -> Iterator[list[Record]]:
        """Query each namespace of a user, or scan the table, a page at a time."""
        if user_id is not None:
            return self._iter_user_by_namespace(user_id)
        return self._reader.scan_records()

    def import_records(self, records: Sequence[Record], *, overwrite: bool) -> list[str]:
        """Store records as given, in transactions; report the IDs that already existed."""
        given = {_target(record): record for record in records}
        conflicts: dict[Target, bool] = {}

        def plan(target: Target, head: schema.StoredRecord | None) -> _Change | None:
            conflicts[target] = head is not None and not overwrite
            if conflicts[target]:
                return None
            return self._record_change(given[target], head, replace=True)

        self._apply(list(given), plan)
        return [document_id(*target) for target, conflict in conflicts.items() if conflict]

    def ensure_indexes(self) -> list[str]:
        """Create the table if missing and wait until it is ACTIVE; describe it."""
        self._db.ensure_table()
        return [
            f"dynamodb: table {self.table!r} keyed on (pk HASH, sk RANGE), ACTIVE; "
            "no secondary index: every query reads the base table consistently"
        ]

    def close(self) -> None:
        """Close the HTTP connections of the client."""
        self._db.close()


def _target(record: Record) -> Target:
    return (record.user_id, record.namespace, record.key)
