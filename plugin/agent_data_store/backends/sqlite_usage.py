"""Per-user usage in SQLite: a table kept by triggers on the records table.

``{table}_usage`` holds one row per user: its record count and bytes (UTF-8 length of each
value's JSON plus its metadata's, an empty ``{}`` counting 0, as
:func:`~agent_data_store.backends.base.record_bytes` says) and the quota overrides an
operator set. Triggers after every insert, update of the value or metadata, and delete of a
record move the row in the same transaction as the record: every write path (upserts,
conditional writes, increments, bulk deletes, imports, expiry) keeps it exact, with no scan
and no extra statement from the writer. ``INSERT OR REPLACE`` deletes before it inserts,
which fires the delete trigger only with ``PRAGMA recursive_triggers = ON``, so every
connection turns it on (:data:`CONNECTION_PRAGMAS`).

A store created before usage existed gets the table, filled from one ``GROUP BY`` over its
records, in the transaction that creates the triggers.
"""

from __future__ import annotations

from collections.abc import Iterator

from agent_data_store.backends.base import UserUsage
from agent_data_store.backends.sqlite_connection import GuardedConnection

CONNECTION_PRAGMAS = ("PRAGMA recursive_triggers = ON",)
"""Settings each connection needs for the usage triggers to see every change."""


def _size(row: str) -> str:
    """SQL for the bytes record ``row`` (``NEW``/``OLD``, or a table alias) counts."""
    return (
        f"(length(CAST({row}.value AS BLOB)) + CASE WHEN {row}.metadata = '{{}}' THEN 0 "
        f"ELSE length(CAST({row}.metadata AS BLOB)) END)"
    )


def _add(usage: str, row: str, sign: str) -> str:
    return (
        f"INSERT INTO {usage} (userId, records, bytes) VALUES ({row}.userId, {sign}1, "
        f"{sign}{_size(row)}) ON CONFLICT (userId) DO UPDATE SET "
        "records = records + excluded.records, bytes = bytes + excluded.bytes;"
    )


class SqliteUsage:
    """The usage table of one records table, and the statements that read and change it."""

    def __init__(self, table: str) -> None:
        self.table = table
        self.usage = f"{table}_usage"

    def install(self, conn: GuardedConnection) -> None:
        """Create the usage table and its triggers if missing (filling it from the records)."""
        conn.execute("BEGIN IMMEDIATE")
        try:
            exists = conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (self.usage,)
            ).fetchone()
            if not exists:
                self._create(conn)
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def _create(self, conn: GuardedConnection) -> None:
        table, usage = self.table, self.usage
        conn.execute(
            f"""CREATE TABLE {usage} (
                userId TEXT NOT NULL PRIMARY KEY,
                records INTEGER NOT NULL,
                bytes INTEGER NOT NULL,
                maxRecords INTEGER,
                maxBytes INTEGER
            ) WITHOUT ROWID"""
        )
        conn.execute(
            f"INSERT INTO {usage} (userId, records, bytes) "
            f"SELECT userId, count(*), sum({_size(table)}) FROM {table} GROUP BY userId"
        )
        conn.execute(
            f"CREATE TRIGGER {usage}_insert AFTER INSERT ON {table} BEGIN "
            f"{_add(usage, 'NEW', '')} END"
        )
        conn.execute(
            f"CREATE TRIGGER {usage}_delete AFTER DELETE ON {table} BEGIN "
            f"{_add(usage, 'OLD', '-')} END"
        )
        conn.execute(
            f"CREATE TRIGGER {usage}_update AFTER UPDATE OF userId, value, metadata ON {table} "
            f"BEGIN {_add(usage, 'OLD', '-')} {_add(usage, 'NEW', '')} END"
        )

    def read(self, conn: GuardedConnection, user_id: str) -> UserUsage:
        """The user's row: one primary-key lookup."""
        row = conn.execute(
            f"SELECT records, bytes, maxRecords, maxBytes FROM {self.usage} WHERE userId = ?",
            (user_id,),
        ).fetchone()
        return UserUsage(user_id, 0, 0) if row is None else UserUsage(user_id, *row)

    def pages(self, conn: GuardedConnection, page_size: int) -> Iterator[list[UserUsage]]:
        """Users with records or overrides, by user ID, a keyset page at a time."""
        after = ""
        while True:
            rows = conn.execute(
                f"SELECT userId, records, bytes, maxRecords, maxBytes FROM {self.usage} "
                "WHERE userId > ? AND (records > 0 OR maxRecords IS NOT NULL "
                "OR maxBytes IS NOT NULL) ORDER BY userId LIMIT ?",
                (after, page_size),
            ).fetchall()
            if rows:
                yield [UserUsage(*row) for row in rows]
            if len(rows) < page_size:
                return
            after = rows[-1][0]

    def set_quota(
        self, conn: GuardedConnection, user_id: str, max_records: int | None,
        max_bytes: int | None,
    ) -> None:
        """Store the user's overrides (``NULL``: the configured default)."""
        conn.execute(
            f"INSERT INTO {self.usage} (userId, records, bytes, maxRecords, maxBytes) "
            "VALUES (?, 0, 0, ?, ?) ON CONFLICT (userId) DO UPDATE SET "
            "maxRecords = excluded.maxRecords, maxBytes = excluded.maxBytes",
            (user_id, max_records, max_bytes),
        )
