"""Embedded default backend: one SQLite file, no server (``sqlite:///PATH``).

The file persists across runs and processes; several processes may use it at once (WAL
journal, busy timeout). Records live in one table clustered on ``(userId, namespace, key)``,
which is the index every query uses. ``list_namespaces`` jumps from namespace to namespace
through that index (a recursive "skip scan"), so its cost grows with the number of
namespaces, not records.
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
)
from agent_data_store.backends.sqlite_usage import CONNECTION_PRAGMAS, SqliteUsage
from agent_data_store.errors import (
    BackendError,
    BackendUnavailableError,
    ConfigurationError,
    InvalidValueError,
    UnreadableRecordError,
)
from agent_data_store.records import (
    OVERWRITTEN_FIELDS,
    Access,
    Increment,
    Record,
    RecordWrite,
    add_to_json,
    apply_write,
    document_id,
    merge_metadata_json,
)

if TYPE_CHECKING:
    from agent_data_store.config import StoreConfig

COLUMNS = (
    "_id, userId, namespace, key, value, metadata, createdByAgent, lastAccessedByAgent, "
    "accessCount, createdAt, updatedAt, lastAccessedAt, version"
)
_PLACEHOLDERS = ",".join("?" * len(COLUMNS.split(",")))
ADDED_COLUMNS = {"version": "TEXT NOT NULL DEFAULT '0'"}
"""Columns added after the first release, added to an older table when it is opened."""
CHUNK = 500
"""Keys per statement in bulk reads and deletes (well under SQLite's variable limit)."""

_TABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")


def _row_to_record(row: sqlite3.Row) -> Record:
    # The table's types and NOT NULL columns hold everything but the metadata's JSON, which
    # only a hand-made row can break.
    try:
        metadata = {} if row[5] == "{}" else json.loads(row[5])
    except ValueError:
        metadata = None
    if type(metadata) is not dict:
        raise UnreadableRecordError(
            "metadata is not the JSON text of an object", record_id=row[0], namespace=row[2],
            key=row[3],
        )
    return Record(
        row[1], row[2], row[3], row[4], metadata, row[6], row[7], row[8], row[9], row[10],
        row[11], row[12],
    )


_encode_metadata = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _record_to_row(record: Record) -> tuple[Any, ...]:
    return (
        record.id,
        record.user_id,
        record.namespace,
        record.key,
        record.value_json,
        _encode_metadata(record.metadata) if record.metadata else "{}",
        record.created_by_agent,
        record.last_accessed_by_agent,
        record.access_count,
        record.created_at,
        record.updated_at,
        record.last_accessed_at,
        record.version,
    )


def _add_json(value_json: str, amount_json: str) -> str | None:
    """SQL ``add_json(value, amount)``: :func:`add_to_json`, or NULL for a non-number."""
    try:
        return add_to_json(value_json, json.loads(amount_json), "")
    except InvalidValueError:
        return None


def _overwrite_assignments(source: str) -> str:
    """``SET`` assignments of an overwrite, taking the new fields from ``source`` + name.

    ``source`` is ``"excluded."`` in an upsert, ``":"`` (named parameters) in an update.
    """
    return ", ".join(
        f"metadata = CASE WHEN {source}metadata = '{{}}' THEN metadata "
        f"ELSE merge_metadata_json(metadata, {source}metadata) END"
        if field == "metadata" else f"{field} = {source}{field}"
        for field in OVERWRITTEN_FIELDS
    )


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
        self._connections: list[sqlite3.Connection] = []
        self._connections_lock = threading.Lock()
        self._select_one = (
            f"SELECT {COLUMNS} FROM {table} WHERE userId = ? AND namespace = ? AND key = ?"
        )
        self._select_value = (
            f"SELECT value FROM {table} WHERE userId = ? AND namespace = ? AND key = ?"
        )
        self._insert = f"INSERT INTO {table} ({COLUMNS}) VALUES ({_PLACEHOLDERS})"
        self._upsert = (
            f"{self._insert} ON CONFLICT (userId, namespace, key) "
            f"DO UPDATE SET {_overwrite_assignments('excluded.')}"
        )
        self._update_version = (
            f"UPDATE {table} SET {_overwrite_assignments(':')} "
            "WHERE userId = :userId AND namespace = :namespace AND key = :key "
            "AND version = :expect"
        )
        counted = ", ".join(
            f"{field} = excluded.{field}" for field in OVERWRITTEN_FIELDS
            if field not in ("value", "metadata")
        )
        self._increment = (
            f"{self._insert} ON CONFLICT (userId, namespace, key) DO UPDATE SET "
            f"value = add_json(value, ?), {counted} WHERE add_json(value, ?) IS NOT NULL "
            "RETURNING value"
        )
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

    def _connection(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            try:
                conn = sqlite3.connect(
                    self.path, timeout=self._timeout_s, isolation_level=None,
                    check_same_thread=False,
                )
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")
                for pragma in CONNECTION_PRAGMAS:
                    conn.execute(pragma)
                conn.create_function(
                    "merge_metadata_json", 2, merge_metadata_json, deterministic=True
                )
                conn.create_function("add_json", 2, _add_json, deterministic=True)
            except sqlite3.Error as exc:
                raise BackendUnavailableError(
                    f"cannot open the SQLite database {self.path}: {exc}"
                ) from None
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
    def _transaction(self) -> Iterator[sqlite3.Connection]:
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
            return self._connection().execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise self._translate(exc) from None

    # -- records -------------------------------------------------------------------------

    def _select_keys(
        self, conn: sqlite3.Connection, user_id: str, namespace: str, keys: Sequence[str]
    ) -> dict[str, Record]:
        return {
            row[3]: _row_to_record(row)
            for row in self._select_rows(conn, COLUMNS, user_id, namespace, keys)
        }

    def _select_rows(
        self, conn: sqlite3.Connection, columns: str, user_id: str, namespace: str,
        keys: Sequence[str],
    ) -> Iterator[Any]:
        """Rows of ``keys`` that exist: one ``SELECT … IN`` per :data:`CHUNK` keys."""
        unique = list(dict.fromkeys(keys))
        for start in range(0, len(unique), CHUNK):
            chunk = unique[start : start + CHUNK]
            marks = ",".join("?" * len(chunk))
            yield from conn.execute(
                f"SELECT {columns} FROM {self.table} "
                f"WHERE userId = ? AND namespace = ? AND key IN ({marks})",
                (user_id, namespace, *chunk),
            ).fetchall()

    def get(self, user_id: str, namespace: str, key: str) -> Record | None:
        """Return one record: one primary-key lookup."""
        try:
            row = self._connection().execute(self._select_one, (user_id, namespace, key)).fetchone()
        except sqlite3.Error as exc:
            raise self._translate(exc) from None
        return None if row is None else _row_to_record(row)

    def get_value_json(self, user_id: str, namespace: str, key: str) -> str | None:
        """Return one value's JSON text: one primary-key lookup of one column."""
        try:
            cursor = self._connection().execute(self._select_value, (user_id, namespace, key))
            row = cursor.fetchone()
        except sqlite3.Error as exc:
            raise self._translate(exc) from None
        return None if row is None else row[0]

    def get_many(self, user_id: str, namespace: str, keys: Sequence[str]) -> dict[str, Record]:
        """Return existing records of ``keys``: one ``SELECT … IN`` per 500 keys."""
        with self._errors():
            return self._select_keys(self._connection(), user_id, namespace, keys)

    def get_many_values(
        self, user_id: str, namespace: str, keys: Sequence[str]
    ) -> dict[str, str]:
        """Return key → value JSON of existing ``keys``: the two columns, as :meth:`get_many`."""
        with self._errors():
            return dict(self._select_rows(self._connection(), "key, value", user_id, namespace,
                                          keys))

    def put_many(self, writes: Sequence[RecordWrite]) -> None:
        """Upsert every write in one statement (one transaction for several).

        A new key gets the created record of :func:`apply_write`; an existing one changes
        only :data:`OVERWRITTEN_FIELDS`, metadata merged inside SQLite by
        :func:`merge_metadata_json`. Nothing is read first, so a concurrent access-count
        increment cannot be overwritten with a stale count.
        """
        if not writes:
            return
        rows = [_record_to_row(apply_write(None, write)) for write in writes]
        if len(rows) == 1:
            try:
                self._connection().execute(self._upsert, rows[0])
            except sqlite3.Error as exc:
                raise self._translate(exc) from None
            return
        with self._transaction() as conn:
            conn.executemany(self._upsert, rows)

    def put_if(self, write: RecordWrite, expect: str | None) -> bool:
        """One statement: an insert that does nothing on conflict, or an update by version."""
        row = _record_to_row(apply_write(None, write))
        try:
            conn = self._connection()
            if expect is None:
                cursor = conn.execute(f"{self._insert} ON CONFLICT DO NOTHING", row)
            else:
                params = dict(zip((c.strip() for c in COLUMNS.split(",")), row, strict=True))
                cursor = conn.execute(self._update_version, {**params, "expect": expect})
        except sqlite3.Error as exc:
            raise self._translate(exc) from None
        return cursor.rowcount == 1

    def increment(self, change: Increment) -> str:
        """One upsert that adds in SQL (``add_json``) and returns the new value.

        Nothing is returned when the stored value is not a number: the value is then read
        to say what it is (and the increment is tried again if it became a number since).
        """
        amount_json = json.dumps(change.amount)
        created = _record_to_row(apply_write(None, change.write(amount_json)))
        for _attempt in range(3):
            rows = self._query(self._increment, (*created, amount_json, amount_json))
            if rows:
                value: str = rows[0][0]
                return value
            current = self.get_value_json(change.user_id, change.namespace, change.key)
            add_to_json(current, change.amount, change.key)  # raises for a non-number
        raise BackendError(f"the value of {change.key!r} kept changing during an increment")

    def delete_many(self, user_id: str, namespace: str, keys: Sequence[str]) -> int:
        """Delete ``keys`` with one ``DELETE … IN`` per 500 keys, in one transaction."""
        unique = list(dict.fromkeys(keys))
        deleted = 0
        with self._transaction() as conn:
            for start in range(0, len(unique), CHUNK):
                chunk = unique[start : start + CHUNK]
                marks = ",".join("?" * len(chunk))
                deleted += conn.execute(
                    f"DELETE FROM {self.table} "
                    f"WHERE userId = ? AND namespace = ? AND key IN ({marks})",
                    (user_id, namespace, *chunk),
                ).rowcount
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
        while True:
            later = "" if last is None else " AND key > ?"
            page_params = [*params, *([] if last is None else [last]), page_size]
            rows = self._query(
                f"SELECT {columns} FROM {self.table} "
                f"WHERE userId = ? AND namespace = ?{bounds}{later} ORDER BY key LIMIT ?",
                page_params,
            )
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
            yield [_row_to_record(row) for row in rows]

    def iter_values(self, user_id: str, namespace: str) -> Iterator[list[tuple[str, str]]]:
        """Yield ``(key, value JSON)`` in key order, a page per query."""
        for rows in self._pages("key, value", user_id, namespace, None):
            yield [(row[0], row[1]) for row in rows]

    def list_namespaces(self, user_id: str) -> list[str]:
        """Skip-scan the index: one ``min(namespace)`` seek per namespace."""
        rows = self._query(
            f"""
            WITH RECURSIVE ns(name) AS (
                SELECT (SELECT min(namespace) FROM {self.table} WHERE userId = ?1)
                UNION ALL
                SELECT (SELECT min(namespace) FROM {self.table}
                        WHERE userId = ?1 AND namespace > ns.name)
                FROM ns WHERE ns.name IS NOT NULL
            )
            SELECT name FROM ns WHERE name IS NOT NULL
            """,
            (user_id,),
        )
        return [row[0] for row in rows]

    def clear_namespace(self, user_id: str, namespace: str) -> int:
        """One ``DELETE`` over the namespace's index range."""
        with self._transaction() as conn:
            cursor = conn.execute(
                f"DELETE FROM {self.table} WHERE userId = ? AND namespace = ?",
                (user_id, namespace),
            )
            return cursor.rowcount

    def record_accesses(self, accesses: Sequence[Access]) -> None:
        """One transaction of atomic ``accessCount = accessCount + n`` updates.

        An ``UPDATE`` of a missing row changes nothing, so a deleted record stays deleted.
        """
        if not accesses:
            return
        with self._transaction() as conn:
            conn.executemany(
                f"UPDATE {self.table} SET accessCount = accessCount + ?, "
                "lastAccessedByAgent = CASE WHEN lastAccessedAt <= ? THEN ? "
                "ELSE lastAccessedByAgent END, "
                "lastAccessedAt = max(lastAccessedAt, ?) "
                "WHERE userId = ? AND namespace = ? AND key = ?",
                [
                    (a.count, a.at, a.agent, a.at, a.user_id, a.namespace, a.key)
                    for a in accesses
                ],
            )

    # -- operator primitives -------------------------------------------------------------

    def iter_all(self, user_id: str | None = None) -> Iterator[list[Record]]:
        """Keyset pagination over ``(userId, namespace, key)``.

        One user's pages seek to ``userId = ? AND (namespace, key) > (?, ?)``: with the
        user's ID inside the row value instead, SQLite would use only ``userId = ?`` of the
        index and every page would scan the user's records from the first again.
        """
        if user_id is None:
            sql = (f"SELECT {COLUMNS} FROM {self.table} WHERE (userId, namespace, key) > "
                   "(?, ?, ?) ORDER BY userId, namespace, key LIMIT ?")
            scope: list[str] = [""]
        else:
            sql = (f"SELECT {COLUMNS} FROM {self.table} WHERE userId = ? AND "
                   "(namespace, key) > (?, ?) ORDER BY namespace, key LIMIT ?")
            scope = [user_id]
        last: tuple[str, str] = ("", "")
        while True:
            rows = self._query(sql, [*scope, *last, self._page_size])
            if rows:
                yield [_row_to_record(row) for row in rows]
            if len(rows) < self._page_size:
                return
            scope = [rows[-1][1]] if user_id is None else scope
            last = (rows[-1][2], rows[-1][3])

    def namespace_usage(self, user_id: str) -> list[NamespaceUsage]:
        """One ``GROUP BY namespace`` over the user's index range.

        The database's text encoding is UTF-8 (SQLite's default, which this backend never
        changes), so the length of a value cast to a blob is its size in UTF-8 bytes.
        """
        rows = self._query(
            "SELECT namespace, count(*), sum(length(CAST(value AS BLOB))), "
            "json_group_array(DISTINCT createdByAgent), "
            "json_group_array(DISTINCT lastAccessedByAgent), max(updatedAt) "
            f"FROM {self.table} WHERE userId = ? GROUP BY namespace ORDER BY namespace",
            (user_id,),
        )
        return [
            NamespaceUsage(namespace, records, size, frozenset(json.loads(created)),
                           frozenset(accessed), last_updated)
            for namespace, records, size, created, accessed_json, last_updated in rows
            for accessed in [json.loads(accessed_json)]
        ]

    def import_records(self, records: Sequence[Record], *, overwrite: bool) -> list[str]:
        """Insert records as given in one transaction; report the IDs that already existed."""
        if not records:
            return []
        verb = "INSERT OR REPLACE" if overwrite else "INSERT OR IGNORE"
        conflicts: list[str] = []
        with self._transaction() as conn:
            if not overwrite:
                groups: dict[tuple[str, str], list[str]] = {}
                for record in records:
                    groups.setdefault((record.user_id, record.namespace), []).append(record.key)
                for (user_id, namespace), keys in groups.items():
                    for key in self._select_keys(conn, user_id, namespace, keys):
                        conflicts.append(document_id(user_id, namespace, key))
            conn.executemany(
                f"{verb} INTO {self.table} ({COLUMNS}) VALUES ({_PLACEHOLDERS})",
                [_record_to_row(record) for record in records],
            )
        return conflicts

    def ensure_indexes(self) -> list[str]:
        """Create the table (clustered on user, namespace, key) if missing."""
        with self._errors():
            self._connection().execute(
                f"""CREATE TABLE IF NOT EXISTS {self.table} (
                    _id TEXT NOT NULL,
                    userId TEXT NOT NULL,
                    namespace TEXT NOT NULL,
                    key TEXT NOT NULL,
                    value TEXT NOT NULL,
                    metadata TEXT NOT NULL,
                    createdByAgent TEXT NOT NULL,
                    lastAccessedByAgent TEXT NOT NULL,
                    accessCount INTEGER NOT NULL,
                    createdAt TEXT NOT NULL,
                    updatedAt TEXT NOT NULL,
                    lastAccessedAt TEXT NOT NULL,
                    version TEXT NOT NULL DEFAULT '0',
                    PRIMARY KEY (userId, namespace, key)
                ) WITHOUT ROWID"""
            )
            self._add_missing_columns()
            self._usage.install(self._connection())
        return [
            f"sqlite: {self.table} clustered on (userId, namespace, key) in {self.path}",
            f"sqlite: {self._usage.usage} (per-user usage and quotas) kept by triggers",
        ]

    # -- usage and quotas ------------------------------------------------------------------

    supports_usage: ClassVar[bool] = True

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
