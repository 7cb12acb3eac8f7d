"""Reading the seed's documents from a DynamoDB table: a consistent ``Scan``, page by page.

The seed's table has the hash key ``_id`` and stores values as DynamoDB types, numbers
included. Numbers are read from DynamoDB's decimal text without passing through a binary
float: one written without a fraction or exponent comes back as a Python ``int`` of any size
(exact), any other as the nearest ``float``, which is the float the seed had written (DynamoDB
keeps 38 significant digits). DynamoDB trims trailing zeros, so a float written as ``100.0``
reads as the integer ``100`` (DynamoDB Local keeps the zero). Binary attributes and sets have
no JSON form; a document holding one is reported, not imported.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer

from agent_data_store.admin.seed_import.sources import (
    Cursor,
    NotJSON,
    SourceDocument,
    SourcePage,
    source_document,
)
from agent_data_store.backends.dynamodb_client import DynamoDBClient, Refused
from agent_data_store.config import DEFAULT_TABLE
from agent_data_store.errors import BackendError, ConfigurationError

SEED_HASH_KEY = "_id"

_INTEGER = re.compile(r"-?\d+")


def plain(value: Any, path: str) -> Any:
    """One value as :class:`TypeDeserializer` returns it (not a map or list) as JSON."""
    if isinstance(value, Decimal):
        text = str(value)
        if _INTEGER.fullmatch(text):
            return int(text)
        number = float(value)
        if not math.isfinite(number):
            raise NotJSON(f"{path} is the number {text}, beyond what JSON can hold")
        return number
    if isinstance(value, (set, frozenset)):
        raise NotJSON(f"{path} is a DynamoDB set, which JSON cannot hold")
    if value is None or isinstance(value, (str, bool)):
        return value
    raise NotJSON(f"{path} is DynamoDB binary data, which JSON cannot hold")


class DynamoDBSource:
    """The seed's documents in one DynamoDB table (``dynamodb://TABLE?region=…&endpoint_url=…``)."""

    def __init__(self, url: str, *, page_size: int, timeout_s: float) -> None:
        self._db = DynamoDBClient.from_url(url, DEFAULT_TABLE, timeout_s)
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
        try:
            fields = {name: self._deserialize(attribute) for name, attribute in item.items()}
        except TypeError as exc:  # an attribute type boto3 does not know
            return SourceDocument(doc_id, {}, str(exc))
        return source_document(doc_id, fields, plain)

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
