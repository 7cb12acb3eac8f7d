"""DynamoDB backend (boto3): ``dynamodb://TABLE?region=REGION&endpoint_url=URL``.

This module holds :class:`DynamoDBBackend`, which decides how each operation writes; the
key schema is in :mod:`agent_data_store.backends.dynamodb_schema`, the requests that change
items in :mod:`~agent_data_store.backends.dynamodb_actions`, the transactions and their
retries in :mod:`~agent_data_store.backends.dynamodb_writes`, the reads (value-only reads,
chunk reassembly, query pages) in :mod:`agent_data_store.backends.dynamodb_reads`, the boto3
client in :mod:`agent_data_store.backends.dynamodb_client`, usage and quotas in
:mod:`~agent_data_store.backends.dynamodb_usage`. Every change to a record is a
``TransactWriteItems`` that also updates its chunks and its counters (its namespace's record
count and bytes, its expiry buckets: :mod:`.usage_counters`), conditioned on the record's
write counter and retried after re-reading on a conflict, except an overwrite that touches
neither chunks nor counters: a single ``set`` of an inline value of an unchanged size can be
one conditional ``UpdateItem`` (see :meth:`DynamoDBBackend._put_one`), and so can a
``compare_and_set`` and an integer ``increment`` that keeps its length (an ``ADD`` to the
record's number).
The table is created on first use. Errors reach callers as ``DataStoreError``s after
throttling has been retried; an unreachable endpoint fails within a few seconds.
"""

from __future__ import annotations

import contextvars
import uuid
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, ClassVar, Self

from agent_data_store.backends import dynamodb_actions as build
from agent_data_store.backends import dynamodb_schema as schema
from agent_data_store.backends.base import (
    Backend,
    UserUsage,
    certainly_not_applied,
    merged_accesses,
    metadata_bytes,
    partly_written,
    unwritten_accesses,
    utf8_length,
)
from agent_data_store.backends.dynamodb_client import (
    CONFLICT_ATTEMPTS,
    DynamoDBClient,
    Refused,
    backoff,
)
from agent_data_store.backends.dynamodb_reads import DynamoDBReader, Seen, SeenRecords, Target
from agent_data_store.backends.dynamodb_usage import DynamoDBUsage
from agent_data_store.backends.dynamodb_writes import Change, DynamoDBWriter, target_of
from agent_data_store.backends.usage_counters import Counted
from agent_data_store.errors import BackendError, ConfigurationError
from agent_data_store.records import (
    Access,
    Increment,
    Record,
    RecordWrite,
    apply_increment,
    apply_write,
    document_id,
    expired,
    live,
    precise_now,
    write_allowed,
)

if TYPE_CHECKING:
    from agent_data_store.config import StoreConfig

ACCESS_THREADS = 4
"""Access-count transactions one flush sends at the same time."""


class DynamoDBBackend(Backend):
    """Records in one DynamoDB table; see the module docstring."""

    scheme: ClassVar[str] = "dynamodb"
    native_expiry: ClassVar[bool] = True

    def __init__(self, client: DynamoDBClient, page_size: int = 500, create: bool = True
                 ) -> None:
        self._db = client
        self.table = client.table
        self._seen = SeenRecords()
        """What this backend last saw of records: the hint for a ``set``'s first attempt."""
        self._reader = DynamoDBReader(client, page_size, self._seen)
        self._writer = DynamoDBWriter(client, self._reader, self._seen)
        self._usage = DynamoDBUsage(client, self._reader, self._writer, page_size)
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

    def put_many(self, writes: Sequence[RecordWrite]) -> None:
        """Read heads in bulk, then one transaction per ≤100 items (see the module docstring).

        A single write first tries to do without the read (:meth:`_put_one`).
        """
        known: dict[Target, schema.StoredRecord] | None = None
        if len(writes) == 1:
            outcome = self._put_one(writes[0])
            if outcome is True:
                return
            known = outcome or None
        by_target: dict[Target, list[RecordWrite]] = {}
        for write in writes:
            by_target.setdefault((write.user_id, write.namespace, write.key), []).append(write)

        def plan(target: Target, head: schema.StoredRecord | None) -> Change:
            record = head.record if head else None
            for write in by_target[target]:
                record = apply_write(record, write)
            assert record is not None
            return self._writer.record_change(record, head, replace=False)

        self._writer.apply(list(by_target), plan, known)

    def _put_one(self, write: RecordWrite) -> bool | dict[Target, schema.StoredRecord] | None:
        """Store one write in one call without reading its record first: True if it did,
        else the record as a refusal returned it (or ``None``) for the transaction that
        follows.

        What this backend last saw of the record picks the attempt: for a record never seen
        (or deleted) a create, a transaction conditioned on the record not existing that also
        counts it in its namespace; for a record seen with its value inline an overwrite in
        place (:meth:`DynamoDBWriter.write_in_place`, conditioned on what the record was seen
        counting; a record not seen counting is guessed to keep its size). Both change
        nothing when their guess is wrong and return the stored item.
        """
        target = (write.user_id, write.namespace, write.key)
        seen = self._seen.get(target)
        if seen is None:
            created = self._writer.try_create(apply_write(None, write))
            return created if isinstance(created, bool) else {target: created}
        if not seen.inline or schema.split_value(write.value_json):
            return None
        outcome = self._writer.write_in_place(write, seen.counted or _same_size(write))
        if isinstance(outcome, schema.StoredRecord):
            return {target: outcome}
        return outcome or None

    def put_if(self, write: RecordWrite, expect: str | None) -> bool:
        """One call when the record is as the caller expects, or plainly is not.

        Without ``expect``: a create transaction (``DynamoDBWriter.try_create``). With a
        version: an overwrite in place conditioned on it
        (:meth:`DynamoDBWriter.write_in_place`; not for a value that needs chunks). A
        refusal returns what is stored, which answers most conditions at once; the rest (a
        merge of metadata, chunks, a size other than the one seen, a lost race) read the
        record and commit a transaction conditioned on its ``rev``.
        """
        target = (write.user_id, write.namespace, write.key)
        stored: schema.StoredRecord | None = None
        if expect is None:
            outcome = self._writer.try_create(apply_write(None, write))
            if outcome is True:
                return True
            stored = outcome or None
        elif not schema.split_value(write.value_json):
            seen = self._seen.get(target)
            written = self._writer.write_in_place(
                write, seen.counted if seen and seen.counted else _same_size(write), expect)
            if written is True or written is False:
                return written  # False: no such record
            stored = written
        if stored is not None and not write_allowed(stored.record, expect, write.now):
            return False

        def plan(target: Target, head: schema.StoredRecord | None) -> Change | None:
            record = head.record if head else None
            if not write_allowed(record, expect, write.now):
                return None
            return self._writer.record_change(apply_write(record, write), head, replace=False)

        return bool(self._writer.apply([target], plan, {target: stored} if stored else None))

    def increment(self, change: Increment) -> str:
        """One ``UpdateItem`` (``ADD``) for an integer, one transaction to create the key.

        Otherwise (a float, a value not stored as a number, a lost race) the record is read
        whole and written in a transaction conditioned on its ``rev``.
        """
        target = (change.user_id, change.namespace, change.key)
        request = build.increment_in_place(self.table, change)
        stored: schema.StoredRecord | None = None
        for attempt in range(CONFLICT_ATTEMPTS):
            if request is not None:
                try:
                    response = self._db.call("update_item", **request)
                    if self._seen.get(target) is None:
                        self._seen.saw(target, Seen(True, None))
                    return str(response["Attributes"]["num"]["N"])
                except Refused as refusal:
                    if refusal.item is not None:
                        stored = schema.parse_record(refusal.item)
                        break  # not a number the update can add to (keeping its size)
            elif self._seen.get(target) is not None:
                break  # a float: seen existing, so read it
            created = apply_increment(None, change)
            outcome = self._writer.try_create(created)
            if outcome is True:
                return created.value_json
            if outcome is False:
                backoff(attempt)  # the create lost a race: try again
                continue
            stored = outcome
            break  # created meanwhile by another caller: add to it as read
        result = ""

        def plan(target: Target, head: schema.StoredRecord | None) -> Change:
            nonlocal result
            record = apply_increment(head.record if head else None, change)
            result = record.value_json
            return self._writer.record_change(record, head, replace=False)

        known = {target: stored} if stored is not None and not stored.chunks else None
        self._writer.apply([target], plan, known, values=True)
        return result

    def delete_many(self, user_id: str, namespace: str, keys: Sequence[str]) -> int:
        """Read heads in bulk, then delete the existing records in transactions."""
        return self._delete([(user_id, namespace, key) for key in keys], None)

    def _delete(self, targets: Sequence[Target],
                heads: dict[Target, schema.StoredRecord] | None) -> int:
        """Delete the records ``targets`` (read as ``heads``, if given); return how many of
        them had not expired."""
        now = precise_now()
        alive: set[Target] = set()

        def plan(target: Target, head: schema.StoredRecord | None) -> Change | None:
            if head is not None and not expired(head.record.expires_at, now):
                alive.add(target)
            else:
                alive.discard(target)
            return self._writer.delete_change(target, head)

        return sum(1 for change in self._writer.apply(targets, plan, heads)
                   if change.target in alive)

    def clear_namespace(self, user_id: str, namespace: str) -> int:
        """Delete the namespace a ``Query`` page at a time, then drop its empty counter."""
        deleted = 0
        for page in self._reader.record_pages(user_id, namespace, None, schema.HEAD_ATTRIBUTES,
                                              expired_too=True):
            heads = {target_of(s.record): s for s in map(schema.parse_record, page)}
            deleted += self._delete(list(heads), heads)
        self._db.call_ignoring_refusal(
            "delete_item", TableName=self.table, Key=schema.namespace_key(user_id, namespace),
            ConditionExpression="#records <= :zero",
            ExpressionAttributeNames={"#records": "records"},
            ExpressionAttributeValues={":zero": schema.n(0)},
        )
        return deleted

    def record_accesses(self, accesses: Sequence[Access]) -> None:
        """One transaction of atomic ``ADD accessCount`` updates per 100 keys, up to
        :data:`ACCESS_THREADS` of them at a time.

        Each update requires the record to exist, so a deleted record stays deleted. An
        update whose last-access time is older than the record's retries as a count only.

        A transaction applies all its updates or none, but the transactions of one flush
        succeed or fail each on its own: a failure is raised marked with
        :func:`~agent_data_store.backends.base.partly_written`, naming the accesses of the
        transactions DynamoDB refused or that were never sent. A transaction whose outcome
        is unknown (a read timeout, a connection dropped after sending) counts as applied:
        putting it back could count its reads twice, so at worst they are lost, never
        doubled. Each transaction carries a ``ClientRequestToken``, which makes the client's
        resend after a dropped connection apply it at most once.
        """
        pending = [(access, True) for access in merged_accesses(accesses).values()]
        batches = [pending[start : start + schema.MAX_TRANSACTION_ITEMS]
                   for start in range(0, len(pending), schema.MAX_TRANSACTION_ITEMS)]
        if len(batches) <= 1:
            for batch in batches:
                self._record_access_batch(batch)
            return
        # The transactions touch disjoint records: sent side by side, they take the time
        # of the slowest rather than of all (boto3 clients are thread-safe).
        with ThreadPoolExecutor(min(ACCESS_THREADS, len(batches)),
                                thread_name_prefix="agent-data-store-tracking") as pool:
            futures = [pool.submit(contextvars.copy_context().run, self._record_access_batch,
                                   batch) for batch in batches]
        failures = [(error, batch) for future, batch in zip(futures, batches, strict=True)
                    if (error := future.exception()) is not None]
        if failures:
            unwritten = [access for error, batch in failures
                         for access in unwritten_accesses(error, [a for a, _ in batch])]
            raise partly_written(failures[0][0], unwritten)

    def _record_access_batch(self, batch: list[tuple[Access, bool]]) -> None:
        """Apply one transaction's accesses; a failure names those not applied."""
        for attempt in range(CONFLICT_ATTEMPTS):
            if not batch:
                return
            actions = [
                build.access_action(self.table, a.user_id, a.namespace, a.key, a.count,
                                     a.agent if move else None, a.at)
                for a, move in batch
            ]
            try:
                self._db.call("transact_write_items", TransactItems=actions,
                              ClientRequestToken=uuid.uuid4().hex)
                return
            except Refused as refusal:
                reasons = refusal.reasons or [{"Code": "TransactionConflict"}] * len(batch)
            except BaseException as exc:
                partly_written(exc, [a for a, _ in batch] if certainly_not_applied(exc) else [])
                raise
            retry = []
            for (access, move), reason in zip(batch, reasons, strict=False):
                if reason.get("Code") != "ConditionalCheckFailed":
                    retry.append((access, move))
                elif move:
                    retry.append((access, False))
            batch = retry
            backoff(attempt)
        raise partly_written(
            BackendError(f"{self._db.where}: access counts kept conflicting; gave up"),
            [a for a, _ in batch],
        )

    # -- operator primitives -------------------------------------------------------------

    def sweep_expired(self, now: str, batch_size: int) -> Iterator[int]:
        """Scan for expired records, ``batch_size`` items a page, and delete them.

        DynamoDB's own TTL deletes them too, eventually; this removes them now and keeps
        the namespace counts exact. Each delete is conditioned on the ``rev`` read and
        re-planned on a lost race, so a record written again meanwhile stays. A table
        has no index on the expiry, so this reads the whole table: an operator's job.
        """
        for heads in self._reader.scan_expired(now, batch_size):
            found = {target_of(head.record): head for head in heads}

            def plan(target: Target, head: schema.StoredRecord | None) -> Change | None:
                if head is None or not expired(head.record.expires_at, now):
                    return None
                return self._writer.delete_change(target, head)

            removed = len(self._writer.apply(list(found), plan, found)) if found else 0
            if removed:
                yield removed

    def iter_all(self, user_id: str | None = None) -> Iterator[list[Record]]:
        """Query each namespace of a user, or scan the table, a page at a time."""
        if user_id is not None:
            return self._iter_user_by_namespace(user_id)
        return self._reader.scan_records()

    def import_records(self, records: Sequence[Record], *, overwrite: bool) -> list[str]:
        """Store records as given, in transactions; report the IDs that already existed."""
        given = {target_of(record): record for record in records}
        conflicts: dict[Target, bool] = {}

        now = precise_now()

        def plan(target: Target, head: schema.StoredRecord | None) -> Change | None:
            conflicts[target] = (not overwrite and head is not None
                                 and live(head.record, now) is not None)
            if conflicts[target]:
                return None
            return self._writer.record_change(given[target], head, replace=True)

        self._writer.apply(list(given), plan)
        return [document_id(*target) for target, conflict in conflicts.items() if conflict]

    # -- usage and quotas: delegated to DynamoDBUsage (dynamodb_usage.py) -------------------

    def user_usage(self, user_id: str) -> UserUsage:
        """One consistent ``Query`` of the user's counters that count now."""
        return self._usage.user_usage(user_id)

    def iter_usage(self) -> Iterator[list[UserUsage]]:
        """Scan for counter items; every user with records or a quota, by user ID."""
        return self._usage.iter_usage()

    def set_user_quota(self, user_id: str, max_records: int | None, max_bytes: int | None
                       ) -> None:
        """Put (or delete) the user's quota item."""
        self._usage.set_user_quota(user_id, max_records, max_bytes)

    def recount_usage(self, batch_size: int) -> Iterator[int]:
        """Count the records written before sizes were kept (a scan; see ``DynamoDBUsage``)."""
        return self._usage.recount(batch_size)

    def ensure_indexes(self) -> list[str]:
        """Create the table if missing, wait until it is ACTIVE, switch its time to live on;
        describe it."""
        self._db.ensure_table()
        return [
            f"dynamodb: table {self.table!r} keyed on (pk HASH, sk RANGE), ACTIVE; "
            "no secondary index: every query reads the base table consistently",
            f"dynamodb: {self._db.ensure_time_to_live()}",
        ]

    def close(self) -> None:
        """Close the HTTP connections of the client."""
        self._db.close()


def _same_size(write: RecordWrite) -> Counted:
    """The guess for a record not seen counting: a write that keeps its size (and its
    metadata, when the write has some), with no expiry bucket known."""
    return Counted(utf8_length(write.value_json), metadata_bytes(write.metadata),
                   write.expires_at is not None, None)
