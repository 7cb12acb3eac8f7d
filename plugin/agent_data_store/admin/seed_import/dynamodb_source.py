"""Reading the seed's documents from a DynamoDB table: a consistent ``Scan``, page by page.

The seed's table has the hash key ``_id`` and stores values as DynamoDB types, numbers
included. Numbers are read from DynamoDB's decimal text without passing through a binary
float: one written without a fraction or exponent comes back as a Python ``int`` of any size
(exact), any other as the nearest ``float``, which is the float the seed had written (DynamoDB
keeps 38 significant digits). DynamoDB does not keep ``100.0`` apart from ``100``: both read
as the integer. Binary attributes and sets have no JSON form; a document holding one is
reported, not imported.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs

from boto3.dynamodb.types import TypeDeserializer

from agent_data_store.admin.seed_import.sources import Cursor, SourceDocument, SourcePage
from agent_data_store.backends.dynamodb_client import DynamoDBClient, Refused
from agent_data_store.config import DEFAULT_TABLE, split_url
from agent_data_store.errors import BackendError, ConfigurationError

SEED_HASH_KEY = "_id"

_INTEGER = re.compile(r"-?\d+")


class NotJSON(ValueError):
    """An attribute value that JSON cannot hold."""


def plain(value: Any, path: str) -> Any:
    """``value`` as :class:`TypeDeserializer` returns it, turned into plain JSON values."""
    if isinstance(value, Decimal):
        text = str(value)
        if _INTEGER.fullmatch(text):
            return int(text)
        number = float(value)
        if not math.isfinite(number):
            raise NotJSON(f"{path} is the number {text}, beyond what JSON can hold")
        return number
    if isinstance(value, dict):
        return {key: plain(item, f"{path}.{key}") for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item, f"{path}[{index}]") for index, item in enumerate(value)]
    if isinstance(value, (set, frozenset)):
        raise NotJSON(f"{path} is a DynamoDB set, which JSON cannot hold")
    if value is None or isinstance(value, (str, bool)):
        return value
    raise NotJSON(f"{path} is DynamoDB binary data, which JSON cannot hold")


class DynamoDBSource:
    """The seed's documents in one DynamoDB table (``dynamodb://TABLE?region=…&endpoint_url=…``)."""

    def __init__(self, url: str, *, page_size: int, timeout_s: float) -> None:
        parts = split_url(url)
        query = parse_qs(parts.query, keep_blank_values=True)
        unknown = set(query) - {"region", "endpoint_url"}
        if unknown:
            raise ConfigurationError(
                f"unknown dynamodb URL parameter(s) {', '.join(sorted(unknown))}; "
                "use region and endpoint_url"
            )
        table = parts.netloc or DEFAULT_TABLE
        self._db = DynamoDBClient(
            table, region=query.get("region", [None])[0],
            endpoint_url=query.get("endpoint_url", [None])[0], timeout_s=timeout_s,
        )
        self._page_size = page_size
        self._deserialize = TypeDeserializer().deserialize
        self.description = self._db.where
        self.identity = f"dynamodb {self._db.where}"
        try:
            self._check_table()
        except BaseException:
            self._db.close()
            raise

    def _check_table(self) -> None:
        try:
            table = self._db.call("describe_table", expect={"ResourceNotFoundException"},
                                  TableName=self._db.table)["Table"]
        except Refused:
            raise BackendError(f"{self._db.where} does not exist") from None
        keys = {(k["AttributeName"], k["KeyType"]) for k in table.get("KeySchema", [])}
        if keys != {(SEED_HASH_KEY, "HASH")}:
            names = ", ".join(f"{name} ({kind})" for name, kind in sorted(keys))
            raise ConfigurationError(
                f"{self._db.where} has the key schema {names}, not the seed's hash key "
                f"{SEED_HASH_KEY}; a table of this data store is copied with export and import"
            )

    def total(self) -> int | None:
        """``None``: DynamoDB's item count is hours old, a full count costs a scan."""
        return None

    def _document(self, item: Mapping[str, Any]) -> SourceDocument:
        doc_id = str(item.get(SEED_HASH_KEY, {}).get("S", ""))
        fields: dict[str, Any] = {}
        try:
            for name, attribute in item.items():
                fields[name] = plain(self._deserialize(attribute), name)
        except (NotJSON, TypeError) as exc:
            return SourceDocument(doc_id, fields, str(exc))
        return SourceDocument(doc_id, fields)

    def pages(self, after: Cursor) -> Iterator[SourcePage]:
        """Yield ``Scan`` pages after the key ``after`` (a ``LastEvaluatedKey``)."""
        request: dict[str, Any] = {"ConsistentRead": True, "Limit": self._page_size}
        if isinstance(after, dict):
            request["ExclusiveStartKey"] = after
        while True:
            response = self._db.call("scan", **request)
            items = response.get("Items", [])
            cursor = response.get("LastEvaluatedKey")
            if items or cursor is not None:
                yield SourcePage([self._document(item) for item in items], cursor, len(items))
            if cursor is None:
                return
            request["ExclusiveStartKey"] = cursor

    def close(self) -> None:
        """Close the client's connections."""
        self._db.close()
