"""The read side of the DynamoDB backend: reads by key, query pages, chunk reassembly.

Every read is a strongly consistent base-table read (``GetItem``, ``BatchGetItem``,
``Query``; ``Scan`` for the operator listing of every user). Those for ``get``, ``get_many``
and ``get_all`` read only the value attributes (:data:`~schema.VALUE_ATTRIBUTES`). A large
value is joined from its chunk items with one more ``BatchGetItem``; a record overwritten
between its head and its chunks is read again. What the reads find also feeds
:class:`SeenRecords`, the hint the write side
(:class:`~agent_data_store.backends.dynamodb.DynamoDBBackend`) uses for a single ``set``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from typing import Any, NamedTuple

from agent_data_store.backends import dynamodb_schema as schema
from agent_data_store.backends.dynamodb_client import CONFLICT_ATTEMPTS, DynamoDBClient, backoff
from agent_data_store.backends.usage_counters import Counted
from agent_data_store.errors import BackendError
from agent_data_store.records import Record, expired, precise_now

SEEN_RECORDS = 10_000
"""Records whose last seen state a backend remembers to choose a ``set``'s first attempt."""

Target = tuple[str, str, str]
"""``(user_id, namespace, key)`` of one record."""

_VALUE_PROJECTION = schema.projection(schema.VALUE_ATTRIBUTES)


class Seen(NamedTuple):
    """What this process last saw of an existing record (a named tuple: one is built for
    every record a read sees)."""

    inline: bool
    """Whether its value was inside its item (not in chunks)."""
    counted: Counted | None
    """What it counted in usage, where known."""


class SeenRecords:
    """Records this process last saw existing, as :class:`Seen`.

    A hint for a single write's first attempt (see ``DynamoDBBackend._put_one``), never
    trusted for correctness (every attempt's condition checks what it assumes); forgotten
    all at once when it grows past :data:`SEEN_RECORDS`.
    """

    def __init__(self) -> None:
        self._seen: dict[Target, Seen] = {}

    def get(self, target: Target) -> Seen | None:
        """What was last seen of the record; ``None``: not seen existing."""
        return self._seen.get(target)

    def saw(self, target: Target, seen: Seen | None) -> None:
        """Remember that a record exists (as ``seen``) or not (``None``)."""
        if seen is None:
            self._seen.pop(target, None)
        else:
            self.saw_existing({target: seen})

    def saw_existing(self, seen: dict[Target, Seen]) -> None:
        """Remember records found existing."""
        if len(self._seen) > SEEN_RECORDS:
            self._seen.clear()
        self._seen.update(seen)


class DynamoDBReader:
    """Every read of the DynamoDB backend, through its client; see the module docstring."""

    def __init__(self, client: DynamoDBClient, page_size: int, seen: SeenRecords) -> None:
        self._db = client
        self._page_size = page_size
        self._seen = seen

    # -- by key --------------------------------------------------------------------------

    def read(self, targets: Iterable[Target], *, heads: bool = False
             ) -> dict[Target, schema.StoredRecord]:
        """Read records by key, in batches of 100; with ``heads``, without their values."""
        wanted = list(dict.fromkeys(targets))
        found: dict[Target, schema.StoredRecord] = {}
        for attempt in range(CONFLICT_ATTEMPTS):
            keys = [schema.record_key(*target) for target in wanted]
            attributes = schema.HEAD_ATTRIBUTES if heads else None
            stored = [schema.parse_record(item) for item in self._db.batch_get(keys, attributes)]
            by_target = {(r.record.user_id, r.record.namespace, r.record.key): r for r in stored}
            self._seen.saw_existing(
                {t: Seen(not r.chunks, r.counted) for t, r in by_target.items()})
            if heads:
                return by_target
            torn = self._fill_chunks(by_target)
            found.update((t, r) for t, r in by_target.items() if t not in torn)
            if not torn:
                return found
            wanted = torn
            backoff(attempt)
        raise BackendError(f"{self._db.where}: a large value kept changing while it was read")

    def get_many(self, user_id: str, namespace: str, keys: Sequence[str]) -> dict[str, Record]:
        """The live records of ``keys``, by key."""
        found = self.read((user_id, namespace, key) for key in keys)
        now = precise_now()
        return {target[2]: stored.record for target, stored in found.items()
                if not expired(stored.record.expires_at, now)}

    def get_value_json(self, user_id: str, namespace: str, key: str) -> str | None:
        """One record's value alone: one ``GetItem`` (plus chunks of a large value)."""
        response = self._db.call(
            "get_item", Key=schema.record_key(user_id, namespace, key), ConsistentRead=True,
            **_VALUE_PROJECTION)
        item = response.get("Item")
        if item is None:
            self._seen.saw((user_id, namespace, key), None)
            return None
        if schema.item_expired(item, precise_now()):
            return None
        _, value, _, _ = schema.item_value(item, namespace)
        if value is not None:
            self._seen.saw((user_id, namespace, key), Seen(True, schema.item_counted(item)))
            return value
        values, torn = self._values(user_id, namespace, [item])
        return self.get_many_values(user_id, namespace, torn).get(key) if torn else values[key]

    def get_many_values(self, user_id: str, namespace: str, keys: Sequence[str]
                        ) -> dict[str, str]:
        """Key → value of the live ``keys``, read alone in batches of 100."""
        wanted = list(dict.fromkeys(keys))
        found: dict[str, str] = {}
        now = precise_now()
        for attempt in range(CONFLICT_ATTEMPTS):
            items = self._db.batch_get([schema.record_key(user_id, namespace, key)
                                        for key in wanted], schema.VALUE_ATTRIBUTES)
            live = [item for item in items if not schema.item_expired(item, now)]
            values, torn = self._values(user_id, namespace, live)
            found.update(values)
            if not torn:
                return found
            wanted = torn
            backoff(attempt)
        raise BackendError(f"{self._db.where}: a large value kept changing while it was read")

    # -- chunked values ------------------------------------------------------------------

    def _fill_chunks(self, records: dict[Target, schema.StoredRecord]) -> list[Target]:
        """Put chunked values into ``records``; return the targets overwritten meanwhile."""
        joined = self._chunk_values({t: (r.rev, r.chunks) for t, r in records.items() if r.chunks})
        torn = []
        for target, value in joined.items():
            stored = records[target]
            if value is None:
                torn.append(target)
            else:
                records[target] = replace(stored, record=replace(stored.record, value_json=value))
        return torn

    def _chunk_values(self, heads: dict[Target, tuple[int, int]]) -> dict[Target, str | None]:
        """Join the values of records stored in chunks, given ``(rev, chunks)`` of each.

        ``None`` for a record overwritten since its head was read (its chunks belong to
        another write).
        """
        if not heads:
            return {}
        keys = [schema.chunk_key(*t, i) for t, (_, count) in heads.items() for i in range(count)]
        groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for item in self._db.batch_get(keys, None):
            groups.setdefault(schema.chunk_group(item), []).append(item)
        return {
            target: schema.join_chunks(
                groups.get(schema.chunk_group(schema.chunk_key(*target, 0)), []), rev, count)
            for target, (rev, count) in heads.items()
        }

    def _values(self, user_id: str, namespace: str, items: Iterable[dict[str, Any]]
                ) -> tuple[dict[str, str], list[str]]:
        """Key → value JSON of record items read with :data:`~schema.VALUE_ATTRIBUTES`.

        Chunked values are fetched and joined; the keys of those overwritten meanwhile are
        returned apart, to be read again.
        """
        values: dict[str, str] = {}
        chunked: dict[Target, tuple[int, int]] = {}
        seen: dict[Target, Seen] = {}
        for item in items:
            key, value, rev, chunks = schema.item_value(item, namespace)
            seen[(user_id, namespace, key)] = Seen(value is not None, schema.item_counted(item))
            if value is not None:
                values[key] = value
            else:
                chunked[(user_id, namespace, key)] = (rev, chunks)
        self._seen.saw_existing(seen)
        torn = []
        for (_, _, key), value in self._chunk_values(chunked).items():
            if value is None:
                torn.append(key)
            else:
                values[key] = value
        return values, torn

    def _complete(self, page: list[schema.StoredRecord]) -> list[Record]:
        """Fetch the chunks of a page's large values (re-reading any overwritten meanwhile)."""
        records = {(r.record.user_id, r.record.namespace, r.record.key): r for r in page}
        torn = self._fill_chunks(records)
        for target in torn:
            del records[target]
        records.update(self.read(torn))
        return [stored.record for stored in records.values()]

    # -- queries -------------------------------------------------------------------------

    def _query(self, *, paged: bool = True, **request: Any) -> Iterator[list[dict[str, Any]]]:
        """Page through a consistent ``Query`` (``LastEvaluatedKey``).

        ``paged``: pages of the configured size; otherwise DynamoDB's own (1 MB of items).
        """
        request = {"ConsistentRead": True, **request}
        if paged:
            # One more than a page: a result of exactly page_size items then ends without a
            # LastEvaluatedKey, so n records take at most ⌈n/page_size⌉ queries.
            request["Limit"] = self._page_size + 1
        while True:
            page = self._db.call("query", **request)
            yield page.get("Items", [])
            if "LastEvaluatedKey" not in page:
                return
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def record_pages(self, user_id: str, namespace: str, prefix: str | None,
                     attributes: Sequence[str] | None, *, paged: bool = True,
                     expired_too: bool = False) -> Iterator[list[dict[str, Any]]]:
        """Yield the namespace's record items (``attributes`` of them, which must include
        ``expiresAt``) a query page at a time; expired ones only with ``expired_too``."""
        request: dict[str, Any] = {
            "KeyConditionExpression": "#pk = :pk AND begins_with(#sk, :sk)",
            "ExpressionAttributeNames": {"#pk": schema.PK, "#sk": schema.SK},
            "ExpressionAttributeValues": {
                ":pk": schema.s(schema.partition(user_id, namespace)),
                ":sk": schema.s(schema.query_prefix(prefix or "")),
            },
        }
        if attributes is not None:
            chosen = schema.projection(attributes)
            request["ProjectionExpression"] = chosen["ProjectionExpression"]
            request["ExpressionAttributeNames"].update(chosen["ExpressionAttributeNames"])
        now = precise_now()
        for items in self._query(paged=paged, **request):
            if not expired_too:
                items = [item for item in items if not schema.item_expired(item, now)]
            if prefix:
                keys = schema.item_keys(items, namespace)
                items = [item for item, key in zip(items, keys, strict=True)
                         if key.startswith(prefix)]
            if items:
                yield items

    def iter_keys(self, user_id: str, namespace: str, prefix: str | None = None
                  ) -> Iterator[list[str]]:
        """Yield keys in code-point order, one query page at a time."""
        for page in self.record_pages(user_id, namespace, prefix, ("key", "expiresAt")):
            yield schema.item_keys(page, namespace)

    def iter_records(self, user_id: str, namespace: str, prefix: str | None = None
                     ) -> Iterator[list[Record]]:
        """Yield records in key order, a query page at a time."""
        for page in self.record_pages(user_id, namespace, prefix, None):
            yield self._complete([schema.parse_record(item) for item in page])

    def iter_values(self, user_id: str, namespace: str) -> Iterator[list[tuple[str, str]]]:
        """Yield ``(key, value)`` pages of query results of the values alone.

        Pages are DynamoDB's (1 MB of items), not the configured page size: the values are
        held in memory by the caller anyway, and a smaller page only adds round trips.
        """
        for page in self.record_pages(user_id, namespace, None, schema.VALUE_ATTRIBUTES,
                                      paged=False):
            values, torn = self._values(user_id, namespace, page)
            if torn:
                values.update(self.get_many_values(user_id, namespace, torn))
            yield list(values.items())

    def list_namespaces(self, user_id: str) -> list[str]:
        """Query the user's namespace items whose record count is above zero.

        A namespace with a record that never expires (more records than expiring ones) is
        listed as it is; one whose records all expire only if a query finds one of them
        still live.
        """
        names: list[str] = []
        now = precise_now()
        for items in self._query(
            KeyConditionExpression="#pk = :pk AND begins_with(#sk, :sk)",
            FilterExpression="#records > :zero",
            ExpressionAttributeNames={"#pk": schema.PK, "#sk": schema.SK, "#records": "records"},
            ExpressionAttributeValues={":pk": schema.s(user_id),
                                       ":sk": schema.s(schema.NAMESPACE_TAG), ":zero": schema.n(0)},
        ):
            for item in items:
                namespace = item["namespace"]["S"]
                expiring = int(item["expiring"]["N"]) if "expiring" in item else 0
                if (int(item["records"]["N"]) > expiring
                        or self._holds_live_record(user_id, namespace, now)):
                    names.append(namespace)
        return names

    def _holds_live_record(self, user_id: str, namespace: str, now: str) -> bool:
        """Whether the namespace has a record not expired at ``now``: a query of its
        partition filtered on the expiry, stopped at the first page with a match."""
        for items in self._query(
            paged=False,
            KeyConditionExpression="#pk = :pk AND begins_with(#sk, :sk)",
            FilterExpression="attribute_not_exists(#expiresAt) OR #expiresAt > :now",
            ProjectionExpression="#sk",
            ExpressionAttributeNames={"#pk": schema.PK, "#sk": schema.SK,
                                      "#expiresAt": "expiresAt"},
            ExpressionAttributeValues={
                ":pk": schema.s(schema.partition(user_id, namespace)),
                ":sk": schema.s(schema.RECORD_TAG), ":now": schema.s(now)},
        ):
            if items:
                return True
        return False

    def scan_records(self) -> Iterator[list[Record]]:
        """Scan the table for every live record, a page at a time."""
        now = precise_now()
        for items in self._scan(self._page_size, "begins_with(#sk, :sk)", {}, {}, None):
            live = [schema.parse_record(i) for i in items if not schema.item_expired(i, now)]
            records = self._complete(live)
            if records:
                yield records

    def scan_expired(self, now: str, batch_size: int) -> Iterator[list[schema.StoredRecord]]:
        """Scan the table for records expired at ``now`` (their heads), ``batch_size`` items
        read per page; every page is yielded, also an empty one."""
        for items in self._scan(batch_size, "begins_with(#sk, :sk) AND #expiresAt <= :now",
                                {"#expiresAt": "expiresAt"}, {":now": schema.s(now)},
                                schema.HEAD_ATTRIBUTES):
            yield [schema.parse_record(item) for item in items]

    def scan_uncounted(self, batch_size: int) -> Iterator[list[Target]]:
        """Scan the table for records written before sizes were kept (no ``valueBytes``),
        ``batch_size`` items read per page; every page is yielded, also an empty one."""
        for items in self._scan(batch_size, "begins_with(#sk, :sk) AND "
                                "attribute_not_exists(#valueBytes)",
                                {"#valueBytes": "valueBytes"}, {}, ("userId", "namespace", "key")):
            yield [(i["userId"]["S"], i["namespace"]["S"], i["key"]["S"]) for i in items]

    def _scan(self, limit: int, condition: str, names: dict[str, str], values: dict[str, Any],
              attributes: Sequence[str] | None) -> Iterator[list[dict[str, Any]]]:
        """Page through a consistent ``Scan`` of the record items matching ``condition``
        (``#sk``/``:sk`` name the record items' sort-key tag), ``limit`` items read a page."""
        request: dict[str, Any] = {
            "TableName": self._db.table, "ConsistentRead": True, "Limit": limit,
            "FilterExpression": condition,
            "ExpressionAttributeNames": {"#sk": schema.SK, **names},
            "ExpressionAttributeValues": {":sk": schema.s(schema.RECORD_TAG), **values},
        }
        if attributes is not None:
            chosen = schema.projection(attributes)
            request["ProjectionExpression"] = chosen["ProjectionExpression"]
            request["ExpressionAttributeNames"].update(chosen["ExpressionAttributeNames"])
        while True:
            page = self._db.call("scan", **request)
            yield page.get("Items", [])
            if "LastEvaluatedKey" not in page:
                return
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
