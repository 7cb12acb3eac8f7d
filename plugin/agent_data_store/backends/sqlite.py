"""Embedded default backend: one SQLite file, no server (``sqlite:///PATH``).

The file persists across runs and processes; several processes may use it at once (WAL
journal, busy timeout). Records live in one table clustered on ``(userId, namespace, key)``,
which is the index every query uses. ``list_namespaces`` jumps from namespace to namespace
through that index (a recursive "skip scan"), so its cost grows with the number of
namespaces, not records. The SQL itself is in
:mod:`~agent_data_store.backends.sqlite_statements`.

Expired records are left out of every read by a condition on ``expiresAt``; the sweep
deletes them in batches through a partial index of the expiring rows (never a scan), and
the data store plugin runs one such batch now and then (see ``DataStorePlugin``).
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Self

from agent_data_store.backends.base import (
    Backend,
    NamespaceUsage,
    UserUsage,
    prefix_upper_bound,
    request_timeout,
)
from agent_data_store.backends.sqlite_connection import GuardedConnection
from agent_data_store.backends.sqlite_statements import (
    ADDED_COLUMNS,
    CHUNK,
    COLUMN_NAMES,
    COLUMNS,
    Statements,
    add_json,
    record_to_row,
    row_to_record,
    write_params,
)
from agent_data_store.backends.sqlite_usage import CONNECTION_PRAGMAS, SqliteUsage
from agent_data_store.errors import BackendError, BackendUnavailableError, ConfigurationError
from agent_data_store.records import (
    Access,
    Increment,
    Record,
    RecordWrite,
    add_to_json,
    apply_write,
    document_id,
    expired,
    merge_metadata_json,
    precise_now,
)

if TYPE_CHECKING:
    from agent_data_store.config import StoreConfig

_TABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")


class SqliteBackend(Backend):
    """Records in a SQLite table, one connection per thread."""

    scheme: ClassVar[str] = "sqlite"

    def __init__(
        self,
        path: str | Path,
        table: str = "agent_data_store",
        page_size: int = 500,
        timeout_s: float = 5.0,
        create: bool = True,
    ) -> None:
        if not _TABLE_NAME.fullmatch(table):
            raise ConfigurationError(f"invalid SQLite table name {table!r}")
        self.path = Path(path)
        self.table = table
        self._page_size = page_size
        self._timeout_s = timeout_s
        self._local = threading.local()
        self._usage = SqliteUsage(table)
        self._connections: list[GuardedConnection] = []
        self._connections_lock = threading.Lock()
        self._sql = Statements(table)
        if not create:
            self._check_exists()
            # Not a creation: a table of an older release needs the new columns to be read.
            with self._errors():
                self._add_missing_columns()
                self._usage.install(self._connection())
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise BackendUnavailableError(
                f"cannot create the data directory {self.path.parent}: {exc.strerror}"
            ) from None
        self.ensure_indexes()

    def _check_exists(self) -> None:
        """Refuse a file or table that does not exist, creating nothing."""
        if not self.path.is_file():
            raise ConfigurationError(
                f"no SQLite data store at {self.path}: the file does not exist "
                "(nothing was created)"
            )
        rows = self._query(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (self.table,)
        )
        if not rows:
            raise ConfigurationError(
                f"the SQLite file {self.path} has no table {self.table!r} (nothing was created)"
            )

    @classmethod
    def from_config(cls, config: StoreConfig) -> Self:
        """Open ``sqlite:///ABSOLUTE/PATH`` or ``sqlite://RELATIVE/PATH``."""
        parts = config.parts
        path = parts.netloc + parts.path
        if path.startswith("//"):  # sqlite:////abs/path, as f"sqlite:///{absolute}" gives
            path = "/" + path.lstrip("/")
        if not path or path == "/":
            raise ConfigurationError("sqlite URL needs a file path, e.g. sqlite:///var/data.db")
        return cls(path, table=config.table, page_size=config.page_size,
                   timeout_s=config.timeout_s, create=config.create_missing)

    # -- connections and transactions ----------------------------------------------------

    def _connection(self) -> GuardedConnection:
        conn: GuardedConnection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._open_connection()
        # Wait for a locked database no longer than the run being served lasts.
        timeout_s = request_timeout(self._timeout_s)
        if timeout_s != conn.timeout_s:
            conn.wait_at_most(timeout_s)
        return conn

    def _open_connection(self) -> GuardedConnection:
        """This thread's connection, opened and set up."""
        try:
            raw = sqlite3.connect(
                self.path, timeout=self._timeout_s, isolation_level=None,
                check_same_thread=False,
            )
            raw.execute("PRAGMA journal_mode=WAL")
            raw.execute("PRAGMA synchronous=NORMAL")
            for pragma in CONNECTION_PRAGMAS:
                raw.execute(pragma)
            raw.create_function(
                "merge_metadata_json", 2, merge_metadata_json, deterministic=True
            )
            raw.create_function("add_json", 2, add_json, deterministic=True)
        except sqlite3.Error as exc:
            raise BackendUnavailableError(
                f"cannot open the SQLite database {self.path}: {exc}"
            ) from None
        conn = GuardedConnection(raw, self._timeout_s)
        self._local.conn = conn
        with self._connections_lock:
            self._connections.append(conn)
        return conn

    def _translate(self, exc: sqlite3.Error) -> BackendError | BackendUnavailableError:
        message = str(exc)
        if isinstance(exc, sqlite3.OperationalError) and ("locked" in message or "busy" in message):
            return BackendUnavailableError(
                f"the SQLite database {self.path} stayed locked for {self._timeout_s:g} s"
            )
        return BackendError(f"SQLite error on {self.path}: {message}")

    @contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.Error as exc:
            raise self._translate(exc) from None

    @contextmanager
    def _transaction(self) -> Iterator[GuardedConnection]:
        """A write transaction that takes the lock up front, so read-then-write is atomic."""
        conn = self._connection()
        with self._errors():
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        try:
            return self._connection().rows(sql, params)
        except sqlite3.Error as exc:
            raise self._translate(exc) from None

    # -- records -------------------------------------------------------------------------

    def _select_keys(
        self, conn: GuardedConnection, user_id: str, namespace: str, keys: Sequence[str]
    ) -> dict[str, Record]:
        return {
            row[3]: row_to_record(row)
            for row in self._select_rows(conn, COLUMNS, user_id, namespace, keys)
        }

    def _select_rows(
        self, conn: GuardedConnection, columns: str, user_id: str, namespace: str,
        keys: Sequence[str],
    ) -> Iterator[Any]:
        """Live rows of ``keys``: one ``SELECT … IN`` per :data:`CHUNK` keys."""
        unique = list(dict.fromkeys(keys))
        now = precise_now()
        for start in range(0, len(unique), CHUNK):
            chunk = unique[start : start + CHUNK]
            yield from conn.execute(
                self._sql.select_keys(columns, len(chunk)), (user_id, namespace, *chunk, now),
            ).fetchall()

    def get(self, user_id: str, namespace: str, key: str) -> Record | None:
        """Return one live record: one primary-key lookup."""
        rows = self._query(self._sql.select_one, (user_id, namespace, key, precise_now()))
        return row_to_record(rows[0]) if rows else None

    def get_value_json(self, user_id: str, namespace: str, key: str) -> str | None:
        """Return one live value's JSON text: one primary-key lookup of one column."""
        rows = self._query(self._sql.select_value, (user_id, namespace, key))
        if not rows:
            return None
        value, expires_at = rows[0]
        if expires_at is not None and expired(expires_at, precise_now()):
            return None
        text: str = value  # a TEXT NOT NULL column
        return text

    def get_many(self, user_id: str, namespace: str, keys: Sequence[str]) -> dict[str, Record]:
        """Return live records of ``keys``: one ``SELECT … IN`` per 500 keys."""
        with self._errors():
            return self._select_keys(self._connection(), user_id, namespace, keys)

    def get_many_values(
        self, user_id: str, namespace: str, keys: Sequence[str]
    ) -> dict[str, str]:
        """Return key → value JSON of live ``keys``: the two columns, as :meth:`get_many`."""
        with self._errors():
            return dict(self._select_rows(self._connection(), "key, value", user_id, namespace,
                                          keys))

    def put_many(self, writes: Sequence[RecordWrite]) -> None:
        """Upsert every write in one statement (one transaction for several).

        A new key (or one whose row expired) gets the created record of
        :func:`apply_write`; a live one changes only :data:`OVERWRITTEN_FIELDS`, metadata
        merged inside SQLite by :func:`merge_metadata_json`. Nothing is read first, so a
        concurrent access-count increment cannot be overwritten with a stale count.
        """
        if not writes:
            return
        rows = [write_params(write) for write in writes]
        if len(rows) == 1:
            self._query(self._sql.upsert, rows[0])
            return
        with self._transaction() as conn:
            conn.executemany(self._sql.upsert, rows)

    def put_if(self, write: RecordWrite, expect: str | None) -> bool:
        """One statement: a create that replaces only an expired row, or an update by version."""
        row = write_params(write)
        try:
            conn = self._connection()
            if expect is None:
                cursor = conn.execute(self._sql.create_or_replace_expired, row)
            else:
                params = dict(zip(COLUMN_NAMES, row[:-1], strict=True))
                cursor = conn.execute(self._sql.update_version,
                                      {**params, "expect": expect, "now": write.now})
        except sqlite3.Error as exc:
            raise self._translate(exc) from None
        return cursor.rowcount == 1

    def increment(self, change: Increment) -> str:
        """One upsert that adds in SQL (``add_json``) and returns the new value.

        Nothing is returned when the stored value is not a number: the value is then read
        to say what it is (and the increment is tried again if it became a number since).
        """
        amount_json = json.dumps(change.amount)
        created = record_to_row(apply_write(None, change.write(amount_json, None)))
        for _attempt in range(3):
            rows = self._query(self._sql.increment, (*created, change.now, amount_json))
            if rows:
                value: str = rows[0][0]
                return value
            current = self.get_value_json(change.user_id, change.namespace, change.key)
            add_to_json(current, change.amount, change.key)  # raises for a non-number
        raise BackendError(f"the value of {change.key!r} kept changing during an increment")

    def delete_many(self, user_id: str, namespace: str, keys: Sequence[str]) -> int:
        """Delete ``keys`` with one ``DELETE … IN`` per 500 keys, in one transaction; count
        the deleted rows that had not expired."""
        unique = list(dict.fromkeys(keys))
        now = precise_now()
        deleted = 0
        with self._transaction() as conn:
            for start in range(0, len(unique), CHUNK):
                chunk = unique[start : start + CHUNK]
                rows = conn.execute(self._sql.delete_keys(len(chunk)),
                                    (user_id, namespace, *chunk)).fetchall()
                deleted += sum(1 for (expires_at,) in rows if not expired(expires_at, now))
        return deleted

    def _pages(
        self, columns: str, user_id: str, namespace: str, prefix: str | None,
        after: str | None = None, page_size: int | None = None,
    ) -> Iterator[list[Any]]:
        """Keyset pagination over the clustered index: ``key > last`` in key order.

        Starts after the key ``after`` when given; ``page_size`` defaults to the store's.
        """
        page_size = page_size or self._page_size
        bounds = ""
        params: list[Any] = [user_id, namespace]
        if prefix:
            bounds += " AND key >= ?"
            params.append(prefix)
            upper = prefix_upper_bound(prefix)
            if upper is not None:
                bounds += " AND key < ?"
                params.append(upper)
        last = after
        now = precise_now()
        while True:
            later = "" if last is None else " AND key > ?"
            page_params = [*params, *([] if last is None else [last]), now, page_size]
            rows = self._query(self._sql.page(columns, bounds + later), page_params)
            if rows:
                yield rows
            if len(rows) < page_size:
                return
            last = rows[-1][3] if columns == COLUMNS else rows[-1][0]

    def iter_keys(
        self, user_id: str, namespace: str, prefix: str | None = None
    ) -> Iterator[list[str]]:
        """Yield keys in key order, a page per query."""
        for rows in self._pages("key", user_id, namespace, prefix):
            yield [row[0] for row in rows]

    def keys_page(
        self, user_id: str, namespace: str, *, prefix: str | None = None,
        after: str | None = None, limit: int,
    ) -> list[str]:
        """One query over the clustered index: ``key > after`` in key order, ``LIMIT``."""
        if limit < 1:
            return []
        return [
            row[0]
            for row in next(self._pages("key", user_id, namespace, prefix, after, limit), [])
        ]

    def iter_records(
        self, user_id: str, namespace: str, prefix: str | None = None
    ) -> Iterator[list[Record]]:
        """Yield records in key order, a page per query."""
        for rows in self._pages(COLUMNS, user_id, namespace, prefix):
            yield [row_to_record(row) for row in rows]

    def iter_values(self, user_id: str, namespace: str) -> Iterator[list[tuple[str, str]]]:
        """Yield ``(key, value JSON)`` in key order, a page per query."""
        for rows in self._pages("key, value", user_id, namespace, None):
            yield [(row[0], row[1]) for row in rows]

    def list_namespaces(self, user_id: str) -> list[str]:
        """Skip-scan the index: one seek per namespace for its first live record."""
        rows = self._query(self._sql.list_namespaces, (user_id, precise_now()))
        return [row[0] for row in rows]

    def clear_namespace(self, user_id: str, namespace: str) -> int:
        """One ``DELETE`` over the namespace's index range (after counting its live rows)."""
        with self._transaction() as conn:
            (live,) = conn.execute(self._sql.count_live,
                                   (user_id, namespace, precise_now())).fetchone()
            conn.execute(self._sql.clear, (user_id, namespace))
            return int(live)

    def record_accesses(self, accesses: Sequence[Access]) -> None:
        """One transaction of atomic ``accessCount = accessCount + n`` updates.

        An ``UPDATE`` of a missing row changes nothing, so a deleted record stays deleted.
        """
        if not accesses:
            return
        with self._transaction() as conn:
            conn.executemany(
                self._sql.record_access,
                [
                    (a.count, a.at, a.agent, a.at, a.user_id, a.namespace, a.key)
                    for a in accesses
                ],
            )

    def sweep_expired(self, now: str, batch_size: int) -> Iterator[int]:
        """Delete expired rows ``batch_size`` at a time, found through the expiry index."""
        while True:
            with self._transaction() as conn:
                removed = conn.execute(self._sql.sweep, (now, batch_size)).rowcount
            if removed:
                yield removed
            if removed < batch_size:
                return

    # -- operator primitives -------------------------------------------------------------

    def iter_all(self, user_id: str | None = None) -> Iterator[list[Record]]:
        """Keyset pagination over ``(userId, namespace, key)``, live records only.

        One user's pages seek to ``userId = ? AND (namespace, key) > (?, ?)``: with the
        user's ID inside the row value instead, SQLite would use only ``userId = ?`` of the
        index and every page would scan the user's records from the first again.
        """
        sql = self._sql.all_pages if user_id is None else self._sql.user_pages
        scope: list[str] = [""] if user_id is None else [user_id]
        last: tuple[str, str] = ("", "")
        now = precise_now()
        while True:
            rows = self._query(sql, [*scope, *last, now, self._page_size])
            if rows:
                yield [row_to_record(row) for row in rows]
            if len(rows) < self._page_size:
                return
            scope = [rows[-1][1]] if user_id is None else scope
            last = (rows[-1][2], rows[-1][3])

    def namespace_usage(self, user_id: str) -> list[NamespaceUsage]:
        """One ``GROUP BY namespace`` over the user's index range.

        The database's text encoding is UTF-8 (SQLite's default, which this backend never
        changes), so the length of a value cast to a blob is its size in UTF-8 bytes.
        """
        rows = self._query(self._sql.namespace_usage, (user_id, precise_now()))
        return [
            NamespaceUsage(namespace, records, size, frozenset(json.loads(created)),
                           frozenset(accessed), last_updated)
            for namespace, records, size, created, accessed_json, last_updated in rows
            for accessed in [json.loads(accessed_json)]
        ]

    def import_records(self, records: Sequence[Record], *, overwrite: bool) -> list[str]:
        """Insert records as given in one transaction; report the IDs that already existed.

        Without ``overwrite`` a stored record that has expired does not count as existing:
        the imported one replaces it.
        """
        if not records:
            return []
        conflicts: list[str] = []
        now = precise_now()
        with self._transaction() as conn:
            if not overwrite:
                groups: dict[tuple[str, str], list[str]] = {}
                for record in records:
                    groups.setdefault((record.user_id, record.namespace), []).append(record.key)
                for (user_id, namespace), keys in groups.items():
                    for key in self._select_keys(conn, user_id, namespace, keys):
                        conflicts.append(document_id(user_id, namespace, key))
            if overwrite:
                conn.executemany(self._sql.import_replacing, map(record_to_row, records))
            else:
                conn.executemany(self._sql.create_or_replace_expired,
                                 [(*record_to_row(record), now) for record in records])
        return conflicts

    def ensure_indexes(self) -> list[str]:
        """Create the table (clustered on user, namespace, key) and the expiry index."""
        with self._errors():
            conn = self._connection()
            conn.execute(self._sql.create_table)
            self._add_missing_columns()
            conn.execute(self._sql.create_expiry_index)
            self._usage.install(conn)
        return [
            f"sqlite: {self.table} clustered on (userId, namespace, key) in {self.path}",
            f"sqlite: partial index {self._sql.expiry_index} on {self.table} (expiresAt) "
            "of the expiring records",
            f"sqlite: {self._usage.usage} (per-user usage and quotas) kept by triggers",
        ]

    # -- usage and quotas ------------------------------------------------------------------


    def user_usage(self, user_id: str) -> UserUsage:
        """The user's row of the usage table the triggers keep (:mod:`.sqlite_usage`)."""
        with self._errors():
            return self._usage.read(self._connection(), user_id)

    def iter_usage(self) -> Iterator[list[UserUsage]]:
        """Users with records or overrides, a keyset page of the usage table at a time."""
        with self._errors():
            yield from self._usage.pages(self._connection(), self._page_size)

    def set_user_quota(
        self, user_id: str, max_records: int | None, max_bytes: int | None
    ) -> None:
        """Store the user's overrides in its usage row."""
        with self._errors():
            self._usage.set_quota(self._connection(), user_id, max_records, max_bytes)

    def _add_missing_columns(self) -> None:
        """Bring a table made by an older release up to date (idempotent, race-safe)."""
        conn = self._connection()
        present = {row[1] for row in conn.execute(f"PRAGMA table_info({self.table})")}
        for name, definition in ADDED_COLUMNS.items():
            if name in present:
                continue
            try:
                conn.execute(f"ALTER TABLE {self.table} ADD COLUMN {name} {definition}")
            except sqlite3.OperationalError as exc:
                if "duplicate column" not in str(exc):
                    raise  # another process may have added it first; anything else is real

    def close(self) -> None:
        """Close every connection this backend opened."""
        with self._connections_lock:
            for conn in self._connections:
                conn.close()
            self._connections.clear()
        self._local = threading.local()
