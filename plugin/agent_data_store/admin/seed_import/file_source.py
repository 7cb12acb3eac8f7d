"""Reading the seed's documents from a JSON file, streamed: nothing holds the whole file.

Three forms are recognised from the file's start:

* a JSON object with ``rows`` — CouchDB's ``GET /{db}/_all_docs?include_docs=true``; each
  row's ``doc`` is a document (rows without one, e.g. from a request without
  ``include_docs``, are reported);
* a JSON object with ``docs`` — a Mango ``_find`` answer;
* a JSON array of documents, or JSON Lines (one document per line).

Objects and arrays are parsed incrementally with ijson, JSON Lines a line at a time. The
cursor is the number of documents consumed; a resumed import skips that many. Numbers keep
what JSON text says: integers of any size exactly, the rest as floats.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import ijson

from agent_data_store.admin.seed_import.sources import (
    Cursor,
    SourceDocument,
    SourceError,
    SourcePage,
)

_CONTAINERS = ("rows", "docs")

_EXACT = ijson.get_backend("python")
"""ijson's pure Python parser, which reads integers of any size."""

_FIRST_LINE_BYTES = 4 * 1024 * 1024
"""How much of the first line is read to tell JSON Lines from one JSON object: a longer line
is taken for the start of an object written on one line."""


class FileSource:
    """Seed documents in a JSON, ``_all_docs`` or JSON Lines file."""

    def __init__(self, path: Path, *, page_size: int) -> None:
        self._path = path
        self._page_size = page_size
        stat = path.stat()
        self.description = f"file {path}"
        self.identity = f"file {path.resolve()} ({stat.st_size} bytes, mtime {stat.st_mtime_ns})"
        self._form = self._detect()

    def _detect(self) -> str:
        """``"lines"``, ``"array"``, ``"rows"`` or ``"docs"``: how the file holds documents."""
        with open(self._path, "rb") as file:
            first = file.readline(_FIRST_LINE_BYTES)
            while first and not first.strip():
                first = file.readline(_FIRST_LINE_BYTES)
        start = first.lstrip()[:1]
        if start == b"[":
            return "array"
        if start != b"{":
            raise SourceError(
                f"{self._path} is not a JSON object, array or JSON Lines file of seed documents"
            )
        try:
            head = json.loads(first)
        except ValueError:
            head = None  # an object spread over several lines
        if isinstance(head, dict) and not any(name in head for name in _CONTAINERS):
            return "lines"
        with open(self._path, "rb") as file:
            try:
                for prefix, event, value in ijson.parse(file):
                    if prefix == "" and event == "map_key" and value in _CONTAINERS:
                        return str(value)
            except ijson.JSONError as exc:
                raise SourceError(f"{self._path} is not valid JSON: {exc}") from None
        raise SourceError(
            f"{self._path} is a JSON object without rows (CouchDB _all_docs) or docs (_find)"
        )

    def total(self) -> int | None:
        """``None``: counting the documents would read the whole file."""
        return None

    def _entries(self, file: IO[bytes]) -> Iterator[SourceDocument | None]:
        """Every entry of the file in order; ``None`` for one that is not a document."""
        if self._form == "lines":
            for number, line in enumerate(file, start=1):
                if not line.strip():
                    continue
                yield _line_document(self._path, number, line)
            return
        prefix = "item" if self._form == "array" else f"{self._form}.item"
        try:
            for index, entry in enumerate(_items(file, prefix)):
                if self._form == "rows":
                    yield _row_document(entry)
                elif isinstance(entry, dict):
                    yield SourceDocument(str(entry.get("_id", f"[{index}]")), entry)
                else:
                    yield SourceDocument(f"[{index}]", {}, "not a JSON object")
        except ijson.JSONError as exc:
            raise SourceError(f"{self._path} stops being valid JSON: {exc}") from None

    def pages(self, after: Cursor) -> Iterator[SourcePage]:
        """Yield pages of documents after the first ``after`` entries."""
        skip = after if isinstance(after, int) else 0
        consumed = 0
        documents: list[SourceDocument] = []
        read = 0
        with open(self._path, "rb") as file:
            for entry in self._entries(file):
                consumed += 1
                if consumed <= skip:
                    continue
                read += 1
                if entry is not None:
                    documents.append(entry)
                if read >= self._page_size:
                    yield SourcePage(documents, consumed, read)
                    documents, read = [], 0
        if read:
            yield SourcePage(documents, consumed, read)

    def close(self) -> None:
        """Nothing stays open between pages."""


def _items(file: IO[bytes], prefix: str) -> Iterator[Any]:
    """The values at ``prefix``, parsed incrementally; integers of any size kept exact.

    ijson's C parser (yajl) is fast but stops at integers beyond 64 bits; its pure Python
    parser, some twenty times slower, reads them. A file is read with the first and, from
    the value where that stopped, with the second.
    """
    done = 0
    try:
        for value in ijson.items(file, prefix, use_float=True):
            done += 1
            yield value
        return
    except ijson.JSONError as exc:
        if "integer overflow" not in str(exc):
            raise
    file.seek(0)
    for index, value in enumerate(_EXACT.items(file, prefix, use_float=True)):
        if index >= done:
            yield value


def _line_document(path: Path, number: int, line: bytes) -> SourceDocument:
    where = f"{path.name}:{number}"
    try:
        doc = json.loads(line)
    except ValueError as exc:
        return SourceDocument(where, {}, f"line {number} is not valid JSON: {exc}")
    if not isinstance(doc, dict):
        return SourceDocument(where, {}, f"line {number} is not a JSON object")
    return SourceDocument(str(doc.get("_id", where)), doc)


def _row_document(row: Any) -> SourceDocument | None:
    if not isinstance(row, dict):
        return SourceDocument("?", {}, "an _all_docs row that is not a JSON object")
    row_id = str(row.get("id", "?"))
    if row_id.startswith("_design/"):
        return None
    doc = row.get("doc")
    if isinstance(doc, dict):
        return SourceDocument(row_id, doc)
    if isinstance(row.get("value"), dict) and row["value"].get("deleted"):
        return None
    return SourceDocument(
        row_id, {}, "the _all_docs row has no doc: fetch it with ?include_docs=true"
    )
