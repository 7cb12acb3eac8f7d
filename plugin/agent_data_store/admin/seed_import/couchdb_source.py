"""Reading the seed's documents from a CouchDB database: ``_all_docs`` pages with the documents.

One ``GET /{db}/_all_docs?include_docs=true`` per page, in document-ID order, each starting at
the last ID of the page before (``startkey``) and dropping it: resuming from a stored ID is
then exact even if that document was deleted meanwhile, where ``skip=1`` would lose one.
Design documents are skipped. The database is only read: nothing is created, not even the
indexes the store itself would make.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx

from agent_data_store.admin.seed_import.sources import Cursor, SourceDocument, SourcePage
from agent_data_store.backends.couchdb_http import CouchDBConnection, CouchDBTarget
from agent_data_store.config import DEFAULT_TABLE


class CouchDBSource:
    """The seed's documents in one CouchDB database (``couchdb[s]://USER:PASS@HOST:PORT/DB``)."""

    def __init__(self, url: str, *, page_size: int, timeout_s: float) -> None:
        target = CouchDBTarget.from_url(url, default_database=DEFAULT_TABLE)
        self._connection = CouchDBConnection(target, timeout_s)
        self._page_size = page_size
        host = urlsplit(target.server).netloc
        self.description = f"CouchDB database {target.database!r} at {host}"
        self.identity = f"couchdb {target.server}/{target.database}"
        try:
            with self._connection.errors("open the seed database"):
                self._info = self._connection.db.info()
        except BaseException:
            self._connection.close()
            raise

    @property
    def http(self) -> httpx.Client:
        """The HTTP client every request goes through (benchmarks count requests on it)."""
        return self._connection.http

    def total(self) -> int | None:
        """The database's document count (design documents included)."""
        count = self._info.get("doc_count")
        return count if isinstance(count, int) else None

    def pages(self, after: Cursor) -> Iterator[SourcePage]:
        """Yield ``_all_docs`` pages after the document ID ``after``."""
        last = after if isinstance(after, str) else None
        while True:
            params: dict[str, object] = {
                "include_docs": True, "limit": self._page_size + (1 if last is None else 2),
            }
            if last is not None:
                params["startkey"] = last
            rows = [row for row in self._connection.view("_all_docs", **params)
                    if row.get("id") != last]
            page = rows[: self._page_size]
            if not page:
                return
            documents = [
                SourceDocument(str(row["id"]), dict(row["doc"])) for row in page
                if not str(row["id"]).startswith("_design/") and isinstance(row.get("doc"), dict)
            ]
            last = str(page[-1]["id"])
            yield SourcePage(documents, last, len(page))
            if len(rows) <= self._page_size:
                return

    def close(self) -> None:
        """Close the HTTP connections."""
        self._connection.close()
