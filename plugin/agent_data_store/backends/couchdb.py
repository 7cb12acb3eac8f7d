"""CouchDB backend (Apache CouchDB 3.x): ``couchdb://USER:PASSWORD@HOST:5984/DATABASE``.

One database holds every record as one document with the storage layout's fields. What is
decided here, and why:

* **Values and metadata are JSON text** in the ``value`` and ``metadata`` fields, as on the
  other backends: a CouchDB-protocol server may hold numbers as JavaScript doubles
  (pouchdb-server does), which would turn ``2**100`` into a float and ``1.0`` into ``1``.
  Text round-trips exactly, and reads skip a decode and re-encode of every value.
* **Document IDs** are the record ID percent-encoded (:func:`couch_id`): only ASCII letters,
  digits, ``:`` and ``_.-~=`` stay as they are, and a leading ``_`` (reserved by CouchDB)
  becomes ``%5F``. The encoded ID is plain ASCII, so it is safe in any URL and, more
  importantly, CouchDB's ICU collation orders such IDs totally: two different ones never
  compare equal. IDs still never go into URLs; they travel in request bodies.
* **Listing** (``list_keys``, ``get_all``, ``clear``) is a Mango ``_find`` on the JSON index
  ``[userId, namespace, _id]``, paged by ``_id`` from the last one seen. Paging by ``key``
  would be wrong on CouchDB: it compares strings with ICU collation, under which different
  keys can be equal (``"é"`` and ``"e\\u0301"``, or keys differing only in ignorable
  characters), and ``key > last`` would skip them. Mango's ``$eq`` on ``namespace`` is ICU
  too, so documents are also checked for an exact user and namespace here. Each query asks
  for one document more than a page, to learn whether another page follows without
  another request.
* **Namespaces** are found by a skip-scan of the Mango index ``[userId, namespace]``: a
  ``_find`` with ``limit`` 1 for the first record of the user whose namespace follows the
  last one found (``$gte`` the last one followed by ``"\\u0000"``, its exact successor), so one
  indexed query per namespace, however many records each holds. A namespace is listed when
  that record is live; when it is expired (or another user's that ICU collation made equal),
  the namespace's live records are looked for a page at a time on the listing index. This
  relies on the index ordering strings by code unit, as pouchdb-server does. CouchDB orders
  them with ICU collation, which ignores ``"\\u0000"`` and makes different namespaces (``é``
  and ``e\\u0301``) equal; the scan notices (the successor brings back a namespace already
  found) and the backend answers from then on from the view
  ``_design/agent-data-store/_view/namespaces`` (map emits ``[userId, namespace]`` with the
  record's expiry in epoch milliseconds, reduce ``_stats``) queried with ``group=true``
  over the user's key range: CouchDB keeps its reductions in the B-tree and groups keys by
  exact equality, and a namespace is listed when the latest expiry in it is still ahead.
* **Expiry**: ``expiresAt`` is in a document only while the record expires. Reads leave out
  expired documents; the sweep finds them with a Mango ``_find`` on the index
  ``[expiresAt]`` (which holds only expiring documents) and deletes those still expired.
* **Writes** read the current documents in one ``_bulk_get`` and write in one
  ``_bulk_docs`` (per chunk, see :data:`~.couchdb_http.BULK_CHUNK_DOCS`). A document that
  conflicts (HTTP 409 in its result) is read again and retried alone, with a growing random
  backoff, for up to :data:`CONFLICT_DEADLINE_S`, so concurrent writers of one key end with
  the last write and concurrent access counts all land. An access never writes a document
  that is missing or deleted. Access tracking skips the ``_bulk_get``: it rewrites the
  documents as the run's reads found them (:class:`~.couchdb_read.ReadDocuments`), and a
  conflict means one changed since.
* **Index refresh**: pouchdb-server updates a Mango index only when a query names it (CouchDB
  does it in the background), so every :data:`~.couchdb_refresh.REFRESH_EVERY_DOCS`
  documents this backend writes, a background thread queries each index once to bring it
  up to date (:class:`~.couchdb_refresh.IndexRefresher`, on its own HTTP client): the first
  query after many writes does not wait for them to be indexed. A writer that gets
  :data:`~.couchdb_refresh.MAX_UNINDEXED_DOCS` ahead of the indexes waits for the running
  pass, so a bulk load goes only as fast as the server can also index it.
* **Conditional writes and increments** (``put_if``, ``increment``) are the same
  revision-checked write of one document: the condition (or the addition) is evaluated on
  the document read, and a conflict means another writer came first, so the document is
  read and evaluated again. The ``version`` field, not ``_rev``, is the record's version:
  access tracking rewrites the document (a new ``_rev``) without changing its version.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Collection, Iterator, Sequence
from typing import TYPE_CHECKING, ClassVar, Self
from urllib.parse import unquote

from agent_data_store.backends.base import (
    Backend,
    UserUsage,
    certainly_not_applied,
    merged_accesses,
    partly_written,
)
from agent_data_store.backends.couchdb_http import CouchDBConnection, CouchDBTarget, Document
from agent_data_store.backends.couchdb_layout import (
    EXPIRY_INDEX_DDOC,
    EXPIRY_INDEX_FIELDS,
    EXPIRY_INDEX_NAME,
    INDEX_DDOC,
    INDEX_FIELDS,
    INDEX_NAME,
    NAMESPACE_INDEX_DDOC,
    NAMESPACE_INDEX_FIELDS,
    NAMESPACE_INDEX_NAME,
    NAMESPACES_VIEW,
    VIEW_DDOC,
    VIEW_DDOC_ID,
    couch_id,
    is_record,
    now_ms,
    prefix_regex,
    size_of,
    to_document,
    to_record,
    tombstone,
)
from agent_data_store.backends.couchdb_read import ReadDocuments
from agent_data_store.backends.couchdb_refresh import REFRESH_EVERY_DOCS, IndexRefresher
from agent_data_store.backends.couchdb_usage import (
    USAGE_DDOC,
    USAGE_DDOC_ID,
    USAGE_VIEW,
    encoded_user,
    group_by_user,
    quota_document,
    quota_id,
    usage_from_rows,
)
from agent_data_store.backends.decoding import listed_keys
from agent_data_store.errors import BackendError
from agent_data_store.records import (
    Access,
    Increment,
    Record,
    RecordWrite,
    apply_access,
    apply_increment,
    apply_write,
    document_id,
    expired,
    precise_now,
    write_allowed,
)

if TYPE_CHECKING:
    import httpx

    from agent_data_store.config import StoreConfig

CONFLICT_DEADLINE_S = 60.0
"""How long writes of one document keep being retried while concurrent writers keep
conflicting. Each round one writer of a contended document wins, so even many writers of one
key all land well within it; it only bounds a pathological storm."""

def _backoff(attempt: int) -> None:
    """Sleep a little, randomly, so writers that conflicted do not collide again in step.

    The cap grows with the attempts, so when many writers contend for one document they
    spread out instead of re-reading and conflicting together round after round.
    """
    time.sleep(random.uniform(0, min(0.5, 0.005 * 2**attempt)))


class _Contention:
    """How many times writes of each document lately had to back off.

    A write of a document that was contended starts from that backoff level, with a random
    wait first, instead of from zero: a writer that just won would otherwise go again at
    once, ahead of those still waiting, and under sustained contention (many processes
    incrementing one counter) some writers would starve. Levels decay by one with every
    write that lands; the memory is bounded.
    """

    MAX_DOCUMENTS = 10_000

    def __init__(self) -> None:
        self._levels: dict[str, int] = {}

    def level(self, ids: Collection[str]) -> int:
        """The backoff level to start writing ``ids`` from."""
        if not self._levels:
            return 0
        return max((self._levels.get(doc_id, 0) for doc_id in ids), default=0)

    def settle(self, ids: Collection[str], attempt: int) -> None:
        """Remember that writing ``ids`` succeeded at backoff level ``attempt``."""
        if len(self._levels) > self.MAX_DOCUMENTS:
            self._levels.clear()
        for doc_id in ids:
            if attempt > 1:
                self._levels[doc_id] = attempt - 1
            else:
                self._levels.pop(doc_id, None)


class CouchDBBackend(Backend):
    """Records as documents of one CouchDB database."""

    scheme: ClassVar[str] = "couchdb"

    def __init__(self, target: CouchDBTarget, page_size: int = 500, timeout_s: float = 5.0,
                 create: bool = True, refresh_every_docs: int = REFRESH_EVERY_DOCS) -> None:
        self.connection = CouchDBConnection(target, timeout_s)
        self.refresher = IndexRefresher(target, refresh_every_docs, writer_wait_s=timeout_s)
        """Keeps the Mango indexes current as this backend writes (0 documents: off)."""
        self._page_size = page_size
        self._contention = _Contention()
        self._read = ReadDocuments()
        self._namespaces_by_view = False
        """Whether the server was found to collate with ICU (see :meth:`list_namespaces`)."""
        try:
            self.connection.ensure_database(create=create)
            self.ensure_indexes()
        except BaseException:
            self.close()
            raise

    @classmethod
    def from_config(cls, config: StoreConfig) -> Self:
        """Open ``couchdb://`` or ``couchdbs://`` (TLS); create the database if missing."""
        target = CouchDBTarget.from_url(config.url, default_database=config.table)
        return cls(target, page_size=config.page_size, timeout_s=config.timeout_s,
                   create=config.create_missing)

    def __repr__(self) -> str:
        target = self.connection.target
        return f"CouchDBBackend({target.redacted!r}, database={target.database!r})"

    @property
    def http(self) -> httpx.Client:
        """The HTTP client every request goes through (an :class:`httpx.Client`)."""
        return self.connection.http

    # -- the optimistic-concurrency write loop ---------------------------------------------

    def _update(
        self,
        ids: Collection[str],
        change: Callable[[str, Document | None], tuple[Document, int] | None],
        current: dict[str, Document] | None = None,
        unsettled: set[str] | None = None,
    ) -> set[str]:
        """Write ``change(id, current live document or None)`` for each ID; return those written.

        ``change`` returns the new document (with the current ``_rev``, if any) and its size,
        or ``None`` to write nothing. One ``_bulk_get`` (none if ``current`` holds the
        documents already read) and one ``_bulk_docs``; documents that conflict are read
        and changed again, alone, after a backoff that :class:`_Contention` remembers.

        ``unsettled``, if given, is kept to the IDs not written yet, for a caller that
        must know after a failure which changes certainly did not land: a ``_bulk_docs``
        request whose outcome is unknown (a timeout, a dropped connection) counts as landed.
        """
        written: set[str] = set()
        pending = list(ids)
        if unsettled is None:
            unsettled = set()
        unsettled.update(pending)
        attempt = self._contention.level(pending)
        if current is None:
            if attempt:
                _backoff(attempt - 1)
            current = self.connection.bulk_get(pending)
        deadline = time.monotonic() + CONFLICT_DEADLINE_S
        while True:
            docs: list[Document] = []
            sizes: list[int] = []
            for doc_id in pending:
                changed = change(doc_id, current.get(doc_id))
                if changed is None:
                    unsettled.discard(doc_id)
                else:
                    docs.append(changed[0])
                    sizes.append(changed[1])
            if not docs:
                self._contention.settle(pending, attempt)
                return written
            conflicted, refused = self._write_chunks(docs, sizes, written, unsettled)
            self._read.forget(written)
            # Records only: no index holds a design document.
            self.refresher.wrote(sum(
                doc["_id"] in written and not doc["_id"].startswith("_design/") for doc in docs))
            if refused is not None:
                raise BackendError(
                    f"CouchDB refused to write a document: {refused['error']}: "
                    f"{refused.get('reason', '')}"
                )
            if not conflicted:
                self._contention.settle(pending, attempt)
                return written
            if time.monotonic() > deadline:
                raise BackendError(
                    f"{len(conflicted)} document(s) kept changing under concurrent writers for "
                    f"{CONFLICT_DEADLINE_S:g} s; gave up (the other writes landed)"
                )
            _backoff(attempt)
            attempt += 1
            pending = conflicted
            current = self.connection.bulk_get(pending)

    def _write_chunks(
        self, docs: list[Document], sizes: list[int], written: set[str], unsettled: set[str]
    ) -> tuple[list[str], Document | None]:
        """Send ``docs`` a ``_bulk_docs`` request at a time, adding the IDs written to
        ``written`` and taking them (and those of a request whose outcome is unknown) out of
        ``unsettled``; return the IDs that conflicted and a refusal other than a conflict."""
        conflicted: list[str] = []
        refused: Document | None = None
        for chunk in self.connection.chunks(docs, sizes):
            try:
                results = self.connection.write_chunk(chunk)
            except BaseException as exc:
                if not certainly_not_applied(exc):
                    unsettled.difference_update(doc["_id"] for doc in chunk)
                self._read.forget(written)
                raise
            for result in results:
                if "error" not in result:
                    written.add(result["id"])
                    unsettled.discard(result["id"])
                elif result["error"] == "conflict":
                    conflicted.append(result["id"])
                elif refused is None:
                    refused = result
        return conflicted, refused

    # -- records ---------------------------------------------------------------------------

    def get_many(self, user_id: str, namespace: str, keys: Sequence[str]) -> dict[str, Record]:
        """Return the live records of ``keys``: one ``_bulk_get`` (per 1000 keys)."""
        ids = {couch_id(document_id(user_id, namespace, key)): key for key in keys}
        docs = self.connection.bulk_get(list(ids))
        now = precise_now()
        records = {ids[doc_id]: to_record(doc) for doc_id, doc in docs.items()
                   if not expired(doc.get("expiresAt"), now)}
        self._read.keep(docs.values())
        return records

    def put_many(self, writes: Sequence[RecordWrite]) -> None:
        """Read the current documents once, write the merged ones once; retry conflicts."""
        by_id: dict[str, list[RecordWrite]] = {}
        for write in writes:
            by_id.setdefault(couch_id(write.id), []).append(write)

        def merge(doc_id: str, current: Document | None) -> tuple[Document, int]:
            record = to_record(current) if current is not None else None
            for write in by_id[doc_id]:
                record = apply_write(record, write)
            assert record is not None
            return to_document(record, current), size_of(record)

        self._update(by_id, merge)

    def put_if(self, write: RecordWrite, expect: str | None) -> bool:
        """One ``_bulk_get`` and, if the record is as expected, one ``_bulk_docs``.

        A create (``expect`` ``None``) is first tried as a ``_bulk_docs`` alone, as if the
        document did not exist: one request when it does not, a conflict (then the read)
        when it does.
        """
        allowed = False

        def conditional(doc_id: str, current: Document | None) -> tuple[Document, int] | None:
            nonlocal allowed
            record = to_record(current) if current is not None else None
            allowed = write_allowed(record, expect, write.now)
            if not allowed:
                return None
            stored = apply_write(record, write)
            return to_document(stored, current), size_of(stored)

        guess: dict[str, Document] | None = {} if expect is None else None
        return bool(self._update([couch_id(write.id)], conditional, guess)) and allowed

    def increment(self, change: Increment) -> str:
        """A revision-checked write: one ``_bulk_get`` and one ``_bulk_docs`` uncontended."""
        result = ""

        def add(doc_id: str, current: Document | None) -> tuple[Document, int]:
            nonlocal result
            record = apply_increment(to_record(current) if current is not None else None, change)
            result = record.value_json
            return to_document(record, current), size_of(record)

        self._update([couch_id(change.id)], add)
        return result

    def delete_many(self, user_id: str, namespace: str, keys: Sequence[str]) -> int:
        """Delete the documents of ``keys``: one ``_bulk_get``, one ``_bulk_docs``; count the
        live ones."""
        ids = dict.fromkeys(couch_id(document_id(user_id, namespace, key)) for key in keys)
        return self._delete(ids, None)

    def _delete(self, ids: Collection[str], current: dict[str, Document] | None) -> int:
        """Delete the documents ``ids`` (as read in ``current``, if given); return how many of
        them were live records when deleted."""
        now = precise_now()
        live: set[str] = set()

        def remove(doc_id: str, found: Document | None) -> tuple[Document, int] | None:
            if found is not None and not expired(found.get("expiresAt"), now):
                live.add(doc_id)
            else:
                live.discard(doc_id)
            return tombstone(doc_id, found)

        return len(self._update(ids, remove, current) & live)

    # -- listing ---------------------------------------------------------------------------

    def _pages(
        self, user_id: str, namespace: str, prefix: str | None, fields: list[str] | None,
        *, expired_too: bool = False,
    ) -> Iterator[list[Document]]:
        """Yield the namespace's documents a page per ``_find``, paged by ``_id`` after the last.

        Expired documents are left out, unless ``expired_too``.

        The selector says ``$gte`` and the last page's final document is dropped here:
        pouchdb-find applies the limit before it drops the row ``$gt`` excludes, which
        returns short pages. One more document than a page (two after the first page, which
        may include the previous last) tells whether another page follows.
        """
        after: str | None = None
        now = precise_now()
        while True:
            selector: Document = {
                "userId": user_id, "namespace": namespace, "_id": {"$gte": after or ""},
            }
            if prefix:
                selector["key"] = {"$regex": prefix_regex(prefix)}
            found = self.connection.find(
                selector,
                sort=INDEX_FIELDS,
                limit=self._page_size + (1 if after is None else 2),
                use_index=(INDEX_DDOC, INDEX_NAME),
                fields=fields,
            )
            docs = [doc for doc in found if doc["_id"] != after]
            page = docs[: self._page_size]
            exact = [
                doc for doc in page
                if doc.get("userId") == user_id and doc.get("namespace") == namespace
                and (not prefix or str(doc.get("key", "")).startswith(prefix))
                and (expired_too or not expired(doc.get("expiresAt"), now))
            ]
            if exact:
                yield exact
            if len(docs) <= self._page_size:
                return
            after = page[-1]["_id"]

    def iter_keys(
        self, user_id: str, namespace: str, prefix: str | None = None
    ) -> Iterator[list[str]]:
        """Yield keys a page per ``_find``, projected to the fields the paging needs."""
        fields = ["_id", *INDEX_FIELDS[:2], "key", "expiresAt"]
        for page in self._pages(user_id, namespace, prefix, fields):
            yield listed_keys((unquote(doc["_id"]), doc) for doc in page)

    def iter_records(
        self, user_id: str, namespace: str, prefix: str | None = None
    ) -> Iterator[list[Record]]:
        """Yield records a page per ``_find``."""
        for page in self._pages(user_id, namespace, prefix, None):
            records = [to_record(doc) for doc in page]
            self._read.keep(page)
            yield records

    def list_namespaces(self, user_id: str) -> list[str]:
        """Skip through the namespace index, one ``_find`` per namespace found (and more for
        a namespace whose first record has expired); on a server that collates with ICU, the
        grouped namespaces view instead (see the module docstring)."""
        if not self._namespaces_by_view:
            names = self._skip_scan_namespaces(user_id)
            if names is not None:
                return names
            self._namespaces_by_view = True
        return self._grouped_namespaces(user_id)

    def _skip_scan_namespaces(self, user_id: str) -> list[str] | None:
        """The user's namespaces with a live record, or ``None`` if the server's collation
        does not let the scan step past a namespace exactly."""
        names: list[str] = []
        seen: set[str] = set()
        now = precise_now()
        after = ""
        while True:
            found = self.connection.find(
                {"userId": user_id, "namespace": {"$gte": after}},
                sort=NAMESPACE_INDEX_FIELDS, limit=1,
                use_index=(NAMESPACE_INDEX_DDOC, NAMESPACE_INDEX_NAME),
                fields=["userId", "namespace", "expiresAt"],
            )
            namespace = found[0].get("namespace") if found else None
            if not isinstance(namespace, str):
                # Nothing further, or only documents whose namespace is no string, which
                # collate after every string: no record has one.
                return sorted(names)
            if namespace in seen:
                return None  # "\u0000" collated as nothing: ICU
            seen.add(namespace)
            doc = found[0]
            if (doc.get("userId") == user_id and not expired(doc.get("expiresAt"), now)) or any(
                self._pages(user_id, namespace, None, ["_id", *INDEX_FIELDS[:2], "expiresAt"])
            ):
                names.append(namespace)
            after = namespace + "\u0000"

    def _grouped_namespaces(self, user_id: str) -> list[str]:
        """Group the namespaces view over the user's key range: one request per page.

        A namespace is listed when the latest expiry of its records (``max`` of the
        ``_stats``) is still ahead. A page starts at the last namespace seen (inclusive, so
        nothing is skipped where ICU collation makes different names equal); paging stops
        when a page brings nothing new.
        """
        names: dict[str, None] = {}
        seen: set[str] = set()
        startkey: list[object] = [user_id]
        now = now_ms()
        while True:
            rows = self.connection.view(
                NAMESPACES_VIEW, group=True, startkey=startkey, endkey=[user_id, {}],
                limit=self._page_size + 1,
            )
            new = [
                row for row in rows
                if row["key"][0] == user_id and row["key"][1] not in seen
            ]
            seen.update(row["key"][1] for row in new)
            names.update(dict.fromkeys(row["key"][1] for row in new if _live_group(row, now)))
            if len(rows) <= self._page_size or not new:
                return sorted(names)
            startkey = [user_id, rows[-1]["key"][1]]

    def clear_namespace(self, user_id: str, namespace: str) -> int:
        """Delete the namespace a page at a time: ``_find`` for IDs and revs, ``_bulk_docs``.

        Expired documents go too; the count is of the live ones.
        """
        deleted = 0
        fields = ["_id", "_rev", *INDEX_FIELDS[:2], "expiresAt"]
        for page in self._pages(user_id, namespace, None, fields, expired_too=True):
            docs = {doc["_id"]: doc for doc in page}
            deleted += self._delete(docs, docs)
        return deleted

    def sweep_expired(self, now: str, batch_size: int) -> Iterator[int]:
        """``_find`` up to ``batch_size`` expired documents on the expiry index, delete them.

        Each document is deleted with the revision read, and only if it is still expired
        (a conflict re-reads it), so a record written again meanwhile stays.
        """
        while True:
            found = self.connection.find(
                {"expiresAt": {"$gte": "", "$lte": now}},
                sort=EXPIRY_INDEX_FIELDS, limit=batch_size,
                use_index=(EXPIRY_INDEX_DDOC, EXPIRY_INDEX_NAME),
                fields=["_id", "_rev", "expiresAt"],
            )
            docs = {doc["_id"]: doc for doc in found}

            def remove(doc_id: str, current: Document | None) -> tuple[Document, int] | None:
                if current is None or not expired(current.get("expiresAt"), now):
                    return None
                return tombstone(doc_id, current)

            removed = len(self._update(docs, remove, current=docs)) if docs else 0
            if removed:
                yield removed
            if len(found) < batch_size:
                return

    def record_accesses(self, accesses: Sequence[Access]) -> None:
        """Add buffered reads: one ``_bulk_docs`` (per 1000 keys) of the documents as the
        reads found them (:class:`ReadDocuments`), a ``_bulk_get`` first only for those no
        longer kept; conflicts are read again and retried.

        Each document is written on its own: a failure is raised marked with
        :func:`~agent_data_store.backends.base.partly_written`, naming the accesses whose
        documents were not written (refused, conflicting until the deadline, in a request
        refused or never sent, or after it). A ``_bulk_docs`` request whose outcome is
        unknown (a timeout, a dropped connection, a 5xx answer) counts as written: sending
        it again could count its reads twice, so at worst they are lost, never doubled.
        """
        by_id = {couch_id(doc_id): access for doc_id, access in merged_accesses(accesses).items()}
        unsettled = set(by_id)
        try:
            current = self._read.take(by_id)
            missing = [doc_id for doc_id in by_id if doc_id not in current]
            if missing:
                current.update(self.connection.bulk_get(missing))

            def count(doc_id: str, found: Document | None) -> tuple[Document, int] | None:
                if found is None:
                    return None  # deleted meanwhile: stays deleted
                record = apply_access(to_record(found), by_id[doc_id])
                return to_document(record, found), size_of(record)

            self._update(by_id, count, current, unsettled)
        except BaseException as exc:
            partly_written(exc, [by_id[doc_id] for doc_id in by_id if doc_id in unsettled])
            raise

    # -- operator primitives ---------------------------------------------------------------

    def iter_all(self, user_id: str | None = None) -> Iterator[list[Record]]:
        """Yield records a page at a time: a user's namespace by namespace, else all documents."""
        if user_id is not None:
            yield from self._iter_user_by_namespace(user_id)
            return
        after: str | None = None
        now = precise_now()
        while True:
            params: dict[str, object] = {"include_docs": True, "limit": self._page_size + 1}
            if after is not None:
                params["startkey"] = after
                params["skip"] = 1
            rows = self.connection.view("_all_docs", **params)
            records = [
                to_record(row["doc"]) for row in rows[: self._page_size]
                if is_record(row.get("doc")) and not expired(row["doc"].get("expiresAt"), now)
            ]
            if records:
                yield records
            if len(rows) <= self._page_size:
                return
            after = rows[self._page_size - 1]["id"]

    def import_records(self, records: Sequence[Record], *, overwrite: bool) -> list[str]:
        """Store records as given in bulk; without ``overwrite`` existing IDs are left alone."""
        by_id = {couch_id(record.id): record for record in records}
        skipped: list[str] = []

        now = precise_now()

        def store(doc_id: str, current: Document | None) -> tuple[Document, int] | None:
            record = by_id[doc_id]
            if current is not None and not overwrite and not expired(current.get("expiresAt"),
                                                                      now):
                skipped.append(record.id)
                return None
            return to_document(record, current), size_of(record)

        self._update(by_id, store)
        return skipped

    def ensure_indexes(self) -> list[str]:
        """Ensure the Mango indexes and the design documents of the views, idempotently."""
        result = self.connection.save_index(INDEX_FIELDS, INDEX_DDOC, INDEX_NAME)
        expiry = self.connection.save_index(EXPIRY_INDEX_FIELDS, EXPIRY_INDEX_DDOC,
                                            EXPIRY_INDEX_NAME)
        namespaces = self.connection.save_index(NAMESPACE_INDEX_FIELDS, NAMESPACE_INDEX_DDOC,
                                                NAMESPACE_INDEX_NAME)
        written = self._ensure_design(VIEW_DDOC)
        usage_written = self._ensure_design(USAGE_DDOC)
        database = self.connection.target.database
        return [
            f"couchdb: Mango index {INDEX_NAME} on {INDEX_FIELDS} in _design/{INDEX_DDOC} "
            f"of {database} ({result})",
            f"couchdb: Mango index {EXPIRY_INDEX_NAME} on {EXPIRY_INDEX_FIELDS} in "
            f"_design/{EXPIRY_INDEX_DDOC} of {database} ({expiry})",
            f"couchdb: Mango index {NAMESPACE_INDEX_NAME} on {NAMESPACE_INDEX_FIELDS} in "
            f"_design/{NAMESPACE_INDEX_DDOC} of {database} ({namespaces})",
            f"couchdb: view {NAMESPACES_VIEW} (emit [userId, namespace] with the expiry, _stats) "
            f"in {VIEW_DDOC_ID} of {database} ({'created' if written else 'exists'})",
            f"couchdb: view {USAGE_VIEW} (per-user records and bytes, _sum) in "
            f"{USAGE_DDOC_ID} of {database} ({'created' if usage_written else 'exists'})",
        ]

    def _ensure_design(self, ddoc: Document) -> bool:
        """Write the design document ``ddoc`` unless it is stored as it is; return whether."""

        def design(doc_id: str, current: Document | None) -> tuple[Document, int] | None:
            if current is not None and all(current.get(k) == v for k, v in ddoc.items()):
                return None
            doc = dict(ddoc)
            if current is not None:
                doc["_rev"] = current["_rev"]
            return doc, 4096

        return bool(self._update([ddoc["_id"]], design))

    # -- usage and quotas (see couchdb_usage) ----------------------------------------------


    def user_usage(self, user_id: str) -> UserUsage:
        """One grouped query of the usage view over the user's two keys."""
        key = encoded_user(user_id)
        rows = self.connection.view(USAGE_VIEW, group_level=2, startkey=[key],
                                    endkey=[key, {}])
        return usage_from_rows(user_id, [row for row in rows if row["key"][0] == key])

    def iter_usage(self) -> Iterator[list[UserUsage]]:
        """Grouped pages of the usage view; a page ends before the user it may have cut."""
        limit = 2 * self._page_size + 2
        startkey: list[object] | None = None
        while True:
            params: dict[str, object] = {"group_level": 2, "limit": limit}
            if startkey is not None:
                params["startkey"] = startkey
            rows = self.connection.view(USAGE_VIEW, **params)
            if len(rows) < limit:
                if rows:
                    yield group_by_user(rows)
                return
            last = rows[-1]["key"][0]
            yield group_by_user([row for row in rows if row["key"][0] != last])
            startkey = [last, -1]

    def set_user_quota(
        self, user_id: str, max_records: int | None, max_bytes: int | None
    ) -> None:
        """Write (or, back to the defaults, delete) the user's quota document."""

        def store(doc_id: str, current: Document | None) -> tuple[Document, int] | None:
            if max_records is None and max_bytes is None:
                return tombstone(doc_id, current)
            doc = quota_document(user_id, max_records, max_bytes)
            if current is not None:
                doc["_rev"] = current["_rev"]
            return doc, 512

        self._update([quota_id(user_id)], store)

    def close(self) -> None:
        """Stop the index refresher and close the HTTP connections."""
        self.refresher.close()
        self.connection.close()


def _live_group(row: Document, now: int) -> bool:
    """Whether a row of the grouped namespaces view has a record that has not expired."""
    stats = row.get("value")
    return isinstance(stats, dict) and float(stats.get("max", 0)) > now
