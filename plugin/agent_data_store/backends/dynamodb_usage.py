"""Per-user usage on DynamoDB: read from the counter items of the user's partition.

The counters are kept by every write's transaction (:mod:`.usage_counters` says how). A
user's partition (``pk`` = the user ID) holds its expiry buckets (``e:{end}:{digest}``),
its namespace counters (``n:{namespace}``) and its quota item (``q:``) in that sort order,
so one consistent ``Query`` from the first bucket that has not ended (``sk >=
e:{now + 1}``) reads everything that counts now and nothing else. Listing every user
scans the table for those items (an operator's job). The one-time recount of records
written before sizes were kept is :meth:`DynamoDBUsage.recount`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from agent_data_store.backends import dynamodb_actions as build
from agent_data_store.backends import dynamodb_schema as schema
from agent_data_store.backends.base import UserUsage
from agent_data_store.backends.dynamodb_client import DynamoDBClient
from agent_data_store.backends.dynamodb_reads import DynamoDBReader, Target
from agent_data_store.backends.dynamodb_writes import Change, DynamoDBWriter
from agent_data_store.backends.usage_counters import UsageSum, change_deltas, usage_pages


class DynamoDBUsage:
    """Reads and sets usage and quotas for :class:`~.dynamodb.DynamoDBBackend`."""

    def __init__(self, client: DynamoDBClient, reader: DynamoDBReader, writer: DynamoDBWriter,
                 page_size: int) -> None:
        self._db = client
        self._reader = reader
        self._writer = writer
        self._page_size = page_size

    def user_usage(self, user_id: str) -> UserUsage:
        """One consistent ``Query`` of the user's live counters (more pages only for users
        with thousands of namespaces)."""
        request: dict[str, Any] = {
            "TableName": self._db.table, "ConsistentRead": True,
            "KeyConditionExpression": "#pk = :pk AND #sk >= :from",
            "ExpressionAttributeNames": {"#pk": schema.PK, "#sk": schema.SK},
            "ExpressionAttributeValues": {":pk": schema.s(user_id),
                                          ":from": schema.s(schema.live_counters_from())},
        }
        usage = _UserTotals(user_id)
        while True:
            page = self._db.call("query", **request)
            for item in page.get("Items", []):
                usage.add(item)
            if "LastEvaluatedKey" not in page:
                return usage.result()
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def iter_usage(self) -> Iterator[list[UserUsage]]:
        """Scan the table for counter and quota items; yield the users by ID, a page at a
        time (the totals of every user are gathered first: one small entry per user)."""
        users: dict[str, _UserTotals] = {}
        request: dict[str, Any] = {
            "TableName": self._db.table, "ConsistentRead": True,
            "FilterExpression": "begins_with(#sk, :n) OR #sk = :q "
                                "OR (begins_with(#sk, :e) AND #sk >= :from)",
            "ExpressionAttributeNames": {"#sk": schema.SK},
            "ExpressionAttributeValues": {
                ":n": schema.s(schema.NAMESPACE_TAG), ":q": schema.s(schema.QUOTA_SK),
                ":e": schema.s(schema.BUCKET_TAG),
                ":from": schema.s(schema.live_counters_from()),
            },
        }
        while True:
            page = self._db.call("scan", **request)
            for item in page.get("Items", []):
                user = item[schema.PK]["S"]
                users.setdefault(user, _UserTotals(user)).add(item)
            if "LastEvaluatedKey" not in page:
                break
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        yield from usage_pages((totals.result() for _, totals in sorted(users.items())),
                               self._page_size)

    def set_user_quota(self, user_id: str, max_records: int | None, max_bytes: int | None
                       ) -> None:
        """Put the user's quota item, or delete it when both limits are the default."""
        key = schema.quota_key(user_id)
        if max_records is None and max_bytes is None:
            self._db.call("delete_item", TableName=self._db.table, Key=key)
            return
        item = {**key, "userId": schema.s(user_id)}
        if max_records is not None:
            item["maxRecords"] = schema.n(max_records)
        if max_bytes is not None:
            item["maxBytes"] = schema.n(max_bytes)
        self._db.call("put_item", TableName=self._db.table, Item=item)

    def recount(self, batch_size: int) -> Iterator[int]:
        """Give the records written before sizes were kept their sizes, and count them.

        Scans for record items without ``valueBytes``, ``batch_size`` items read a page,
        reads those records whole and commits, per record, the sizes (moving its ``rev`` on,
        so that a writer that read it before retries) with the counters in one
        transaction conditioned on the ``rev`` read; yields how many each batch counted.
        Safe while agents write, and idempotent: a record counted is never counted again.
        """
        for targets in self._reader.scan_uncounted(batch_size):

            def plan(target: Target, head: schema.StoredRecord | None) -> Change | None:
                if head is None or head.counted is None or head.counted.value_bytes is not None:
                    return None
                counted = schema.new_counted(head.record, head)
                action = build.sizes_action(self._db.table, target, head.rev, counted)
                deltas = change_deltas(target[0], target[1], head.counted, counted)
                return Change(target, [action], deltas, 1024)

            counted = len(self._writer.apply(targets, plan, values=True)) if targets else 0
            if counted:
                yield counted


class _UserTotals:
    """One user's usage and quota, summed over its counter items."""

    def __init__(self, user_id: str) -> None:
        self.user_id = user_id
        self.usage = UsageSum()
        self.max_records: int | None = None
        self.max_bytes: int | None = None

    def add(self, item: Mapping[str, Any]) -> None:
        """Add a namespace counter, a bucket that has not ended, or the quota item."""
        tag = item[schema.SK]["S"][:2]
        if tag == schema.NAMESPACE_TAG:
            self.usage.add_namespace(_number(item, "records"), _number(item, "expiring"),
                                     _number(item, "bytes"), _number(item, "expiringBytes"))
        elif tag == schema.BUCKET_TAG:
            self.usage.add_bucket(_number(item, "records"), _number(item, "bytes"))
        elif item[schema.SK]["S"] == schema.QUOTA_SK:
            self.max_records = _limit(item, "maxRecords")
            self.max_bytes = _limit(item, "maxBytes")

    def result(self) -> UserUsage:
        """The totals as a :class:`UserUsage`."""
        return UserUsage(self.user_id, self.usage.records, self.usage.bytes, self.max_records,
                         self.max_bytes)


def _number(item: Mapping[str, Any], name: str) -> int:
    return int(item[name]["N"]) if name in item else 0


def _limit(item: Mapping[str, Any], name: str) -> int | None:
    return int(item[name]["N"]) if name in item else None
