"""Reading the seed's documents from a Firestore collection, in document-ID order.

One query per page (``order_by(__name__)``, ``start_after`` the last document, a ``limit`` of
one more than a page to learn whether another follows),
so a stored document ID resumes the read exactly. The document ID is the seed's ``_id``.
Firestore's own types are read as the JSON they stand for; a timestamp in ``createdAt``,
``updatedAt`` or ``lastAccessedAt`` becomes ISO 8601 UTC text. Anything else JSON cannot
hold (bytes, geo points, references, timestamps inside a value) is reported, not imported.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from google.auth import exceptions as auth_errors
from google.cloud import firestore

from agent_data_store.admin.record_document import TIMESTAMP_FIELDS
from agent_data_store.admin.seed_import.sources import (
    Cursor,
    NotJSON,
    SourcePage,
    source_document,
)
from agent_data_store.backends.firestore import EMULATOR_ENV_VAR
from agent_data_store.backends.firestore_requests import FirestoreRequests
from agent_data_store.config import DEFAULT_TABLE, split_url
from agent_data_store.errors import ConfigurationError

if TYPE_CHECKING:
    from google.cloud.firestore_v1.base_document import DocumentSnapshot
    from google.cloud.firestore_v1.query import Query


def plain(value: Any, path: str) -> Any:
    """One Firestore value (not a map or array) as JSON; timestamps only where ``path``
    allows them."""
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise NotJSON(f"{path} is {value!r}, which JSON cannot hold")
        return value
    if isinstance(value, datetime) and path in TIMESTAMP_FIELDS:
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    kind = "timestamp" if isinstance(value, datetime) else type(value).__name__
    raise NotJSON(f"{path} is a Firestore {kind}, which JSON cannot hold")


class FirestoreSource:
    """The seed's documents in one Firestore collection (``firestore://PROJECT/COLLECTION``)."""

    def __init__(self, url: str, *, page_size: int, timeout_s: float) -> None:
        parts = split_url(url)
        if not parts.netloc:
            raise ConfigurationError("firestore URL needs a project: firestore://PROJECT/COLLECTION")
        collection = parts.path.strip("/") or DEFAULT_TABLE
        databases = parse_qs(parts.query).get("database")
        database = databases[0] if databases else None
        emulator = os.environ.get(EMULATOR_ENV_VAR)
        where = f"the Firestore emulator at {emulator}" if emulator else (
            f"Firestore project {parts.netloc}"
        )
        try:
            self._client = firestore.Client(project=parts.netloc, database=database)
        except auth_errors.DefaultCredentialsError:
            raise ConfigurationError(
                "no Google Cloud credentials for Firestore: run `gcloud auth application-default "
                f"login`, set GOOGLE_APPLICATION_CREDENTIALS, or set {EMULATOR_ENV_VAR}"
            ) from None
        self._collection = self._client.collection(collection)
        self._requests = FirestoreRequests(
            self._client, self._collection, where=where, timeout_s=timeout_s, page_size=page_size
        )
        self._page_size = page_size
        self.description = f"collection {collection!r} of {where}"
        self.identity = f"firestore {parts.netloc}/{database or '(default)'}/{collection}"

    def total(self) -> int | None:
        """The collection's document count: one aggregation query."""

        def count(timeout: float) -> Any:
            query = self._collection.count()  # type: ignore[no-untyped-call]
            return query.get(retry=None, timeout=timeout)

        results = self._requests.call("count the seed documents", count)
        return int(results[0][0].value) if results and results[0] else None

    def pages(self, after: Cursor) -> Iterator[SourcePage]:
        """Yield pages of the collection after the document ID ``after``."""
        last = after if isinstance(after, str) else None
        while True:
            # One document more than a page tells whether another page follows.
            query: Query = self._collection.order_by("__name__").limit(self._page_size + 1)
            if last is not None:
                query = query.start_after({"__name__": self._collection.document(last)})

            def run(timeout: float, query: Query = query) -> list[DocumentSnapshot[Any]]:
                return list(query.stream(retry=None, timeout=timeout))

            snapshots = self._requests.call("read the seed documents", run)
            page = snapshots[: self._page_size]
            if not page:
                return
            last = page[-1].id
            documents = [source_document(s.id, s.to_dict() or {}, plain) for s in page]
            yield SourcePage(documents, last, len(page))
            if len(snapshots) <= self._page_size:
                return

    def close(self) -> None:
        """Close the client's channel."""
        self._client.close()  # type: ignore[no-untyped-call]
