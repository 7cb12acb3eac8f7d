"""What an import reads from: a source of seed documents, and which one a SOURCE argument names.

A source yields :class:`SourcePage` objects, each with its documents as plain JSON values
and the cursor that resumes the read right after it. Sources hold one page at a time, so an
import's memory does not grow with the number of records.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from agent_data_store.config import DEFAULT_TABLE, split_url
from agent_data_store.errors import ConfigurationError, DataStoreError

Cursor = str | int | dict[str, Any] | None
"""A JSON value saying where a source resumes: ``None`` is the beginning."""



class SourceError(DataStoreError):
    """The source cannot be read as seed documents (e.g. a file that stops being JSON)."""


@dataclass(frozen=True, slots=True)
class SourceDocument:
    """One document as the source holds it, its values turned into plain JSON.

    ``problem`` says why the source could not turn it into JSON (a DynamoDB binary, a line
    that is not JSON); ``fields`` is then whatever could be read.
    """

    doc_id: str
    fields: dict[str, Any]
    problem: str | None = None


class NotJSON(ValueError):
    """A value of a source's own type that JSON cannot hold; the message says where."""


Leaf = Callable[[Any, str], Any]
"""Turns one value that is neither an object nor a list into JSON, given its path; raises
:class:`NotJSON` when it cannot."""


def _walk(value: Any, path: str, leaf: Leaf) -> Any:
    if isinstance(value, dict):
        return {key: _walk(item, f"{path}.{key}", leaf) for key, item in value.items()}
    if isinstance(value, list):
        return [_walk(item, f"{path}[{index}]", leaf) for index, item in enumerate(value)]
    return leaf(value, path)


def source_document(doc_id: str, fields: Mapping[str, Any], leaf: Leaf) -> SourceDocument:
    """The document ``doc_id`` with ``fields`` turned into plain JSON by ``leaf``.

    A value ``leaf`` cannot turn into JSON makes the document one with a ``problem``.
    """
    converted: dict[str, Any] = {}
    try:
        for name, value in fields.items():
            converted[name] = _walk(value, name, leaf)
    except NotJSON as exc:
        return SourceDocument(doc_id, converted, str(exc))
    return SourceDocument(doc_id, converted)


@dataclass(frozen=True, slots=True)
class SourcePage:
    """One page of a source: its record documents and where the next page starts.

    ``read`` counts everything the page consumed, design documents and other skipped
    entries included, so progress reaches the source's total.
    """

    documents: list[SourceDocument]
    cursor: Cursor
    read: int = field(default=0)


class SeedSource(Protocol):
    """A database, table, collection or file holding documents in the seed's layout."""

    description: str
    """What the source is, for messages (credentials never appear)."""

    identity: str
    """What a checkpoint must match to resume this source (no credentials either)."""

    def total(self) -> int | None:
        """How many documents the source holds, if that is cheap to learn; else ``None``."""

    def pages(self, after: Cursor) -> Iterator[SourcePage]:
        """Yield the documents after ``after`` (from the start for ``None``) a page at a time."""

    def close(self) -> None:
        """Release connections or files."""


SERVER_SCHEMES = ("couchdb", "couchdbs", "dynamodb", "firestore")


def open_source(spec: str, *, page_size: int, timeout_s: float) -> SeedSource:
    """Open the source ``spec`` names: a CouchDB, DynamoDB or Firestore URL, or a JSON file.

    Without a database, table or collection name in the URL the seed's default,
    ``agent_data_store``, is read.
    """
    scheme = spec.partition("://")[0] if "://" in spec else ""
    if scheme in ("couchdb", "couchdbs"):
        from agent_data_store.admin.seed_import.couchdb_source import CouchDBSource

        return CouchDBSource(spec, page_size=page_size, timeout_s=timeout_s)
    if scheme == "dynamodb":
        from agent_data_store.admin.seed_import.dynamodb_source import DynamoDBSource

        return DynamoDBSource(spec, page_size=page_size, timeout_s=timeout_s)
    if scheme == "firestore":
        from agent_data_store.admin.seed_import.firestore_source import FirestoreSource

        return FirestoreSource(spec, page_size=page_size, timeout_s=timeout_s)
    if scheme in ("sqlite", "memory"):
        raise ConfigurationError(
            f"{scheme}:// stores are in this data store's own layout: copy them with "
            "`agent-data-store export` and `agent-data-store import`"
        )
    if scheme:
        split_url(spec)  # redacts the URL in its error if it cannot be parsed
        raise ConfigurationError(
            f"unknown source scheme {scheme!r}; use one of: "
            f"{', '.join(s + '://' for s in SERVER_SCHEMES)} or a JSON file"
        )
    path = Path(spec)
    if not path.is_file():
        raise ConfigurationError(
            f"no such file: {spec}; give a CouchDB, DynamoDB or Firestore URL naming the seed's "
            f"{DEFAULT_TABLE} database, table or collection, or a JSON file"
        )
    from agent_data_store.admin.seed_import.file_source import FileSource

    return FileSource(path, page_size=page_size)
