"""The write side of the DynamoDB backend: transactions of record changes and their retries.

A :class:`Change` is every action that changes one record (its item, its value chunks) and
what it does to the counters (:mod:`.usage_counters`: its namespace's records, expiring
records and bytes, its expiry buckets); a batch's counter updates are added when it is
sent, so a count moves exactly when its records do. :meth:`DynamoDBWriter.apply` reads the
records' heads, plans a change for each and commits them in as few ``TransactWriteItems``
as DynamoDB's limits allow, re-reading and re-planning the records whose transaction lost
a race (every change is conditioned on the record's ``rev``, or on its absence).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from agent_data_store.backends import dynamodb_actions as build
from agent_data_store.backends import dynamodb_schema as schema
from agent_data_store.backends.dynamodb_client import (
    CONFLICT_ATTEMPTS,
    DynamoDBClient,
    Refused,
    backoff,
)
from agent_data_store.backends.dynamodb_reads import DynamoDBReader, Seen, SeenRecords, Target
from agent_data_store.backends.usage_counters import Counted, CounterDeltas, change_deltas
from agent_data_store.errors import BackendError
from agent_data_store.records import Record, RecordWrite

Plan = Callable[[Target, "schema.StoredRecord | None"], "Change | None"]
"""Given a record's head (``None``: it does not exist), the change to commit, if any."""


@dataclass
class Change:
    """The actions that change one record; applied together, in one transaction."""

    target: Target
    actions: list[dict[str, Any]]
    deltas: CounterDeltas = field(default_factory=CounterDeltas)
    """What the change adds to the counters."""
    size: int = 0
    seen: Seen | None = None
    """The record as it is afterwards (``None``: deleted), for :class:`SeenRecords`."""


class DynamoDBWriter:
    """Commits record changes for :class:`~.dynamodb.DynamoDBBackend`; see the module docstring."""

    def __init__(self, client: DynamoDBClient, reader: DynamoDBReader, seen: SeenRecords) -> None:
        self._db = client
        self._table = client.table
        self._reader = reader
        self._seen = seen

    def apply(self, targets: Sequence[Target], plan: Plan,
              heads: dict[Target, schema.StoredRecord] | None = None, *,
              values: bool = False) -> list[Change]:
        """Read the targets' heads (unless given; ``values``: whole records), plan a change
        each, commit; redo what lost a race after reading its head again. Return the
        committed changes."""
        remaining = list(dict.fromkeys(targets))
        committed: list[Change] = []
        for attempt in range(CONFLICT_ATTEMPTS):
            if heads is None:
                heads = self._reader.read(remaining, heads=not values)
            changes = [c for t in remaining if (c := plan(t, heads.get(t))) is not None]
            lost = self.commit(changes)
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

    def commit(self, changes: list[Change]) -> set[Target]:
        """Write changes in as few transactions as the limits allow; return those that lost."""
        lost: set[Target] = set()
        batch: list[Change] = []
        counters: set[tuple[Any, ...]] = set()
        size = 0
        for change in changes:
            moved = change.deltas.counters()
            actions = sum(len(c.actions) for c in batch) + len(counters | moved)
            if batch and (actions + len(change.actions) > schema.MAX_TRANSACTION_ITEMS
                          or size + change.size > schema.MAX_TRANSACTION_BYTES):
                lost |= self.transact(batch)
                batch, counters, size = [], set(), 0
            batch.append(change)
            size += change.size
            counters |= moved
        if batch:
            lost |= self.transact(batch)
        return lost

    def transact(self, batch: list[Change]) -> set[Target]:
        """One ``TransactWriteItems``; on a lost race return every target of the batch."""
        try:
            self.send(batch)
        except Refused:
            return {change.target for change in batch}
        return set()

    def send(self, batch: list[Change]) -> None:
        """One ``TransactWriteItems`` of the batch and its counters; may raise Refused."""
        deltas = CounterDeltas()
        for change in batch:
            deltas.merge(change.deltas)
        actions = [action for change in batch for action in change.actions]
        actions += build.counter_actions(self._table, deltas)
        self._db.call("transact_write_items", TransactItems=actions)
        for change in batch:
            self._seen.saw(change.target, change.seen)

    def record_change(self, record: Record, head: schema.StoredRecord | None, *,
                      replace: bool) -> Change:
        """The change that stores ``record`` over ``head`` (``replace``: every field as given).

        Where ``record`` is not an overwrite of ``head`` (it was created anew over a head
        that expired) the whole item is put, as with ``replace``.
        """
        chunks = schema.split_value(record.value_json)
        rev = head.rev if head else 0
        chunk_items = schema.chunk_items(record, rev + 1, chunks)
        counted = schema.new_counted(record, head)
        if head is None or replace or _recreated(record, head.record):
            item = schema.record_item(record, rev + 1, chunks, counted)
            main = build.put_action(self._table, item, expect_rev=head.rev if head else None)
            size = schema.item_bytes(item)
        else:
            main = build.overwrite_action(self._table, record, rev, chunks, counted)
            size = len(record.value_json) + 4096
        actions = [main, *({"Put": {"TableName": self._table, "Item": c}} for c in chunk_items)]
        if head:
            actions += [build.delete_action(self._table, schema.chunk_key(*target_of(record), i))
                        for i in range(len(chunks), head.chunks)]
        size += sum(schema.item_bytes(c) for c in chunk_items)
        deltas = change_deltas(record.user_id, record.namespace, _counted(head), counted)
        return Change(target_of(record), actions, deltas, size, Seen(not chunks, counted))

    def try_create(self, record: Record) -> bool | schema.StoredRecord:
        """Create ``record`` in one transaction that also counts it in its namespace.

        True if it did; the stored record if one was there already; False when the
        transaction lost a race, which says nothing about the record.
        """
        change = self.record_change(record, None, replace=False)
        change.actions[0]["Put"]["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
        try:
            self.send([change])
        except Refused as refusal:
            reason = (refusal.reasons or [{}])[0]
            if reason.get("Code") == "ConditionalCheckFailed" and "Item" in reason:
                return schema.parse_record(reason["Item"])
            return False
        return True

    def delete_change(self, target: Target, head: schema.StoredRecord | None) -> Change | None:
        """The change that deletes the record ``head`` read (with its chunks), if any."""
        if head is None:
            return None
        record = build.delete_action(self._table, schema.record_key(*target), expect_rev=head.rev)
        actions = [record, *(build.delete_action(self._table, schema.chunk_key(*target, i))
                             for i in range(head.chunks))]
        deltas = change_deltas(target[0], target[1], _counted(head), None)
        return Change(target, actions, deltas, 1024 * len(actions))

    def write_in_place(self, write: RecordWrite, old: Counted, expect: str | None = None
                       ) -> bool | schema.StoredRecord | None:
        """Apply ``write`` to its stored record in one call, as
        :func:`~.dynamodb_actions.overwrite_in_place` builds it over ``old`` (what the record
        is believed to count): one ``UpdateItem`` when the counters do not move, else one
        ``TransactWriteItems`` of that update and the counters.

        True if it did; the stored record when the condition refused it; False when there
        is no such record; ``None`` when no such call fits or it lost a race.
        """
        built = build.overwrite_in_place(self._table, write, old, expect)
        if built is None:
            return None
        request, assumed, new = built
        deltas = change_deltas(write.user_id, write.namespace, assumed, new)
        try:
            if deltas.counters():
                self._db.call("transact_write_items", TransactItems=[
                    {"Update": request}, *build.counter_actions(self._table, deltas)])
            else:
                self._db.call("update_item", **request)
        except Refused as refusal:
            item = refusal.item
            if refusal.code != "ConditionalCheckFailedException":
                reason = (refusal.reasons or [{}])[0]
                if reason.get("Code") != "ConditionalCheckFailed":
                    return None  # a race with another transaction, not a refusal
                item = reason.get("Item")
            return False if item is None else schema.parse_record(item)
        self._seen.saw((write.user_id, write.namespace, write.key), Seen(True, new))
        return True


def target_of(record: Record) -> Target:
    """The ``(user_id, namespace, key)`` of a record."""
    return (record.user_id, record.namespace, record.key)


def _counted(head: schema.StoredRecord | None) -> Counted | None:
    """What the record ``head`` read counts (``None``: no record)."""
    if head is None:
        return None
    assert head.counted is not None, "heads are read with their usage attributes"
    return head.counted


def _recreated(record: Record, head: Record) -> bool:
    """Whether ``record`` differs from ``head`` in a field an overwrite keeps (it is a new
    record over an expired one), so that an update of the overwritten fields cannot make it."""
    return (record.created_at, record.created_by_agent, record.access_count) != (
        head.created_at, head.created_by_agent, head.access_count)
