"""The CouchDB wire layer under :mod:`agent_data_store.backends.couchdb`: couchdb3, made safe.

:class:`CouchDBConnection` is the one place that talks HTTP. It uses couchdb3's public calls
that carry document IDs and keys in request *bodies* (``_bulk_get``, ``_bulk_docs``,
``_find``, ``_index``) and works around what couchdb3 gets wrong:

* couchdb3 puts document IDs into URL paths unencoded (``/`` selects an attachment, ``?``
  and ``#`` truncate the ID), so no record ID ever goes into a URL here;
* couchdb3 renders view keys with ``str()`` (``{}`` becomes the string ``"{}"``), so view
  parameters are JSON-encoded here and handed over as finished strings;
* couchdb3 sends a 300 s timeout with every GET, so a transport wrapper enforces the
  configured timeout on every request, and an unreachable server fails fast;
* couchdb3 raises its own and httpx's exception classes with raw server text; every error
  leaves this module as a :class:`~agent_data_store.errors.DataStoreError` whose message
  names the server without its password.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

import couchdb3
import httpx
from couchdb3 import exceptions as couch_errors

from agent_data_store.backends.base import not_applied, request_timeout
from agent_data_store.config import redact_url, split_url
from agent_data_store.errors import (
    BackendError,
    BackendUnavailableError,
    ConfigurationError,
    DataStoreError,
)

DEFAULT_PORTS = {"couchdb": 5984, "couchdbs": 6984}
"""Port used when the URL names none: CouchDB's HTTP and TLS defaults."""

BULK_CHUNK_DOCS = 1000
"""Most documents in one ``_bulk_get`` or ``_bulk_docs`` request; larger batches are split."""

BULK_CHUNK_BYTES = 16 * 1024 * 1024
"""Most bytes of values in one ``_bulk_docs`` request (CouchDB's request limit is far above)."""

Document = dict[str, Any]


@dataclass(frozen=True)
class CouchDBTarget:
    """Where a ``couchdb://`` or ``couchdbs://`` URL points: server, database, credentials."""

    server: str
    """``http://HOST:PORT`` or ``https://HOST:PORT``, without credentials."""
    database: str
    user: str | None
    password: str | None = field(repr=False)
    redacted: str
    """The URL as messages show it: the password replaced by ``***``."""

    @classmethod
    def from_url(cls, url: str, default_database: str) -> CouchDBTarget:
        """Parse ``couchdb[s]://[USER:PASSWORD@]HOST[:PORT][/DATABASE]``.

        The password may be percent-encoded (``p%40ss`` for ``p@ss``). Without a path the
        database is ``default_database``.
        """
        parts = split_url(url)
        try:
            port = parts.port
        except ValueError:
            # Checked before anything formats the URL: redacting it needs the port too.
            raise ConfigurationError(
                "invalid port in the CouchDB URL; e.g. couchdb://USER:PASSWORD@HOST:5984/DB"
            ) from None
        redacted = redact_url(url)
        if parts.scheme not in DEFAULT_PORTS:
            raise ConfigurationError(f"not a CouchDB URL: {redacted}; use couchdb:// or couchdbs://")
        if not parts.hostname:
            raise ConfigurationError(
                f"CouchDB URL {redacted} names no host; e.g. couchdb://USER:PASSWORD@HOST:5984/DB"
            )
        database = unquote(parts.path.strip("/")) or default_database
        # couchdb3 puts the database name into URLs as it is, so a "/" would change the path.
        if "/" in database or not couchdb3.utils.validate_db_name(database):
            raise ConfigurationError(
                f"invalid CouchDB database name {database!r} in {redacted}: use lowercase "
                "letters, digits and _$()+- , starting with a letter"
            )
        host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
        scheme = "https" if parts.scheme == "couchdbs" else "http"
        return cls(
            server=f"{scheme}://{host}:{port or DEFAULT_PORTS[parts.scheme]}",
            database=database,
            user=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password is not None else None,
            redacted=redacted,
        )


class _TimeoutTransport(httpx.BaseTransport):
    """Applies one timeout to every request, whatever timeout couchdb3 asked for (less when
    the run a request serves ends sooner)."""

    def __init__(self, inner: httpx.BaseTransport, timeout: httpx.Timeout) -> None:
        self._inner = inner
        self._timeout = timeout.as_dict()
        self._seconds = float(timeout.read or 0.0)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        seconds = request_timeout(self._seconds)
        timeout = self._timeout if seconds >= self._seconds else httpx.Timeout(seconds).as_dict()
        request.extensions["timeout"] = timeout
        return self._inner.handle_request(request)

    def close(self) -> None:
        self._inner.close()


_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
"""Failures before a request leaves (a timeout or a dropped connection later may not be)."""

_REFUSED = (
    couch_errors.BadRequestError, couch_errors.UnauthorizedError, couch_errors.ForbiddenError,
    couch_errors.NotFoundError, couch_errors.MethodNotAllowedError,
    couch_errors.NotAcceptableError, couch_errors.ConflictError,
    couch_errors.PreconditionFailedError, couch_errors.RequestEntityTooLargeError,
    couch_errors.UnsupportedMediaTypeError, couch_errors.ExpectationFailedError,
)
"""couchdb3's errors of 4xx answers: CouchDB refused the request, nothing was applied."""


def _never_applied(raw: BaseException | None) -> bool:
    """Whether the failure ``raw`` certainly left the database unchanged."""
    if isinstance(raw, httpx.HTTPStatusError):
        return raw.response.status_code < 500
    return isinstance(raw, _NOT_SENT + _REFUSED)


def _reason(exc: couch_errors.CouchDBError) -> str:
    """CouchDB's ``error: reason`` from the body couchdb3 put into the exception."""
    text = str(exc)
    try:
        body = json.loads(text)
    except ValueError:
        return text[:200] or type(exc).__name__
    if isinstance(body, dict) and "error" in body:
        return f"{body['error']}: {body.get('reason', '')}".rstrip(": ")
    return text[:200]


class CouchDBConnection:
    """One CouchDB database, reached through couchdb3 over one pooled HTTP client.

    ``http`` is the :class:`httpx.Client` every request goes through (tests count requests
    with its event hooks). Methods return plain JSON values and raise only
    :class:`~agent_data_store.errors.DataStoreError` subclasses.
    """

    def __init__(self, target: CouchDBTarget, timeout_s: float) -> None:
        self.target = target
        self.timeout_s = timeout_s
        timeout = httpx.Timeout(timeout_s)
        auth = httpx.BasicAuth(target.user, target.password or "") if target.user else None
        self.http = httpx.Client(
            auth=auth,
            timeout=timeout,
            headers={"Accept": "application/json"},
            transport=_TimeoutTransport(httpx.HTTPTransport(retries=0), timeout),
        )
        common: dict[str, Any] = {
            "url": target.server,
            "user": target.user,
            "password": target.password,
            "auth_method": "basic",  # cookie auth costs an extra _session round trip
            "session": self.http,
        }
        try:
            self._server = couchdb3.Server(**common)
            self.db = couchdb3.Database(target.database, **common)
        except couch_errors.CouchDBError as exc:
            raise ConfigurationError(f"invalid CouchDB URL {target.redacted}: {exc}") from None

    def __repr__(self) -> str:
        return f"CouchDBConnection({self.target.redacted!r}, database={self.target.database!r})"

    def close(self) -> None:
        """Close the pooled connections."""
        self.http.close()

    # -- errors ----------------------------------------------------------------------------

    def _scrub(self, text: str) -> str:
        password = self.target.password
        return text.replace(password, "***") if password else text

    @contextmanager
    def errors(self, action: str) -> Iterator[None]:
        """Translate what couchdb3 and httpx raise during ``action`` into data store errors,
        marked as not applied when the request never left or CouchDB refused it (4xx)."""
        try:
            with self._translated(action):
                yield
        except DataStoreError as error:
            if _never_applied(error.__context__):
                not_applied(error)
            raise

    @contextmanager
    def _translated(self, action: str) -> Iterator[None]:
        where = f"CouchDB at {self.target.redacted} (database {self.target.database!r})"
        try:
            yield
        except httpx.TimeoutException:
            raise BackendUnavailableError(
                f"{where} did not answer within {self.timeout_s:g} s while trying to {action}"
            ) from None
        except httpx.TransportError as exc:
            detail = self._scrub(str(exc)) or type(exc).__name__
            raise BackendUnavailableError(
                f"cannot reach {where} to {action}: {detail}"
            ) from None
        except httpx.HTTPStatusError as exc:
            status = exc.response.status_code
            error_class = BackendUnavailableError if status >= 500 else BackendError
            raise error_class(f"{where} answered HTTP {status} while trying to {action}") from None
        except couch_errors.UnauthorizedError as exc:
            raise BackendError(
                f"{where} refused the credentials while trying to {action} ({_reason(exc)}); "
                "check the user and password in the URL"
            ) from None
        except couch_errors.ForbiddenError as exc:
            raise BackendError(
                f"{where} does not allow this user to {action} ({_reason(exc)}); see the "
                "README section 'Running on CouchDB' for the permissions the backend needs"
            ) from None
        except couch_errors.NotFoundError as exc:
            raise BackendError(
                f"{where} found nothing while trying to {action} ({_reason(exc)}); "
                "was the database deleted?"
            ) from None
        except couch_errors.RequestEntityTooLargeError as exc:
            raise BackendError(
                f"{where} refused a request as too large while trying to {action} "
                f"({_reason(exc)}); raise max_document_size / max_http_request_size"
            ) from None
        except couch_errors.InternalServerError as exc:
            raise BackendUnavailableError(
                f"{where} failed while trying to {action} ({self._scrub(_reason(exc))})"
            ) from None
        except couch_errors.CouchDBError as exc:
            raise BackendError(
                f"{where} refused to {action} ({self._scrub(_reason(exc))})"
            ) from None
        except ValueError:
            # A body that is not JSON: a proxy's error page, not CouchDB.
            raise BackendError(f"{where} answered something that is not JSON to {action}") from None

    # -- database and design documents ----------------------------------------------------

    def ensure_database(self, *, create: bool = True) -> bool:
        """Create the database unless it exists; return whether it was created.

        With ``create=False`` a missing database is a :class:`ConfigurationError`.
        """
        with self.errors("open the database"):
            try:
                self.db.info()
                return False
            except couch_errors.NotFoundError:
                pass
        if not create:
            raise ConfigurationError(
                f"CouchDB at {self.target.redacted} has no database "
                f"{self.target.database!r} (nothing was created)"
            )
        with self.errors("create the database"):
            try:
                self._server.create(self.target.database)
            except couch_errors.PreconditionFailedError:
                return False  # created by someone else meanwhile
        return True

    def save_index(self, fields: list[str], ddoc: str, name: str) -> str:
        """Ensure a Mango JSON index; return ``"created"`` or ``"exists"``."""
        with self.errors(f"create the Mango index {name}"):
            result, _, _ = self.db.save_index({"fields": fields}, ddoc=ddoc, name=name)
        return str(result)

    def indexes(self) -> list[Document]:
        """The database's Mango indexes, as ``GET /{db}/_index`` lists them."""
        with self.errors("list the Mango indexes"):
            found: list[Document] = self.db.indexes().get("indexes", [])
        return found

    # -- documents --------------------------------------------------------------------------

    def bulk_get(self, ids: Sequence[str]) -> dict[str, Document]:
        """Return the live documents among ``ids`` by ID: one ``_bulk_get`` per chunk.

        Missing and deleted documents are left out (CouchDB answers a deleted one with a
        ``_deleted`` stub, pouchdb-server with an empty entry).
        """
        found: dict[str, Document] = {}
        unique = list(dict.fromkeys(ids))
        for start in range(0, len(unique), BULK_CHUNK_DOCS):
            chunk = unique[start : start + BULK_CHUNK_DOCS]
            with self.errors("read documents"):
                results = self.db.bulk_get([{"id": doc_id} for doc_id in chunk])
            for result in results:
                for entry in result.get("docs", []):
                    doc = entry.get("ok")
                    if isinstance(doc, dict) and not doc.get("_deleted"):
                        found[doc["_id"]] = doc
        return found

    def bulk_docs(self, docs: Sequence[Document], sizes: Sequence[int]) -> list[Document]:
        """Write ``docs`` with ``_bulk_docs``; return CouchDB's per-document results.

        ``sizes`` estimates each document's bytes (see :meth:`chunks`). A result is
        ``{"id", "rev", "ok"}`` or ``{"id", "error", "reason"}``; a conflict is
        ``error == "conflict"``.
        """
        return [result for chunk in self.chunks(docs, sizes) for result in self.write_chunk(chunk)]

    @staticmethod
    def chunks(docs: Sequence[Document], sizes: Sequence[int]) -> list[list[Document]]:
        """Split ``docs`` into ``_bulk_docs`` requests of at most :data:`BULK_CHUNK_DOCS`
        documents and, by their estimated ``sizes``, :data:`BULK_CHUNK_BYTES`."""
        chunks: list[list[Document]] = []
        chunk: list[Document] = []
        chunk_bytes = 0
        for doc, size in zip(docs, sizes, strict=True):
            if chunk and (len(chunk) >= BULK_CHUNK_DOCS or chunk_bytes + size > BULK_CHUNK_BYTES):
                chunks.append(chunk)
                chunk, chunk_bytes = [], 0
            chunk.append(doc)
            chunk_bytes += size
        if chunk:
            chunks.append(chunk)
        return chunks

    def write_chunk(self, docs: list[Document]) -> list[Document]:
        """One ``_bulk_docs`` request; CouchDB's per-document results, in order."""
        with self.errors("write documents"):
            results: list[Document] = self.db.bulk_docs(docs)
        return results

    def find(
        self,
        selector: Document,
        *,
        sort: list[str],
        limit: int,
        use_index: tuple[str, str],
        fields: list[str] | None = None,
    ) -> list[Document]:
        """Run one Mango ``_find`` query; always with an explicit ``limit``."""
        with self.errors("query the Mango index"):
            result = self.db.find(
                selector,
                limit=limit,
                sort=[{name: "asc"} for name in sort],
                fields=fields,
                use_index=list(use_index),
            )
        docs: list[Document] = result.get("docs", [])
        return docs

    def view(self, path: str, **params: Any) -> list[Document]:
        """Query a view (``"ddoc/view"`` or ``"_all_docs"``); return its rows.

        ``startkey``, ``endkey`` and ``key`` are JSON-encoded here, because couchdb3 would
        render them with ``str()``.
        """
        for name in ("startkey", "endkey", "key"):
            if name in params:
                params[name] = json.dumps(params[name], ensure_ascii=False)
        ddoc, _, view = path.partition("/")
        with self.errors(f"query the view {path}"):
            result = self.db.view(ddoc, view or None, **params)
        return [dict(row) for row in result.rows]
