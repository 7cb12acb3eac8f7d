"""The SQL of the SQLite backend: the table, its indexes, rows, and every statement it runs.

A record is one row of :data:`COLUMN_NAMES`. ``expiresAt`` is the record's expiry (``NULL``:
never) as ISO 8601 text with milliseconds, which sorts as time does, so "expired at now" is
``expiresAt <= now`` and a partial index on the expiring rows serves the sweep.

Statements that write a whole row take its columns as parameters ``?1`` … ``?14`` and the
current time as ``?15`` (:data:`NOW`): where a stored row has expired by then, an upsert
replaces it as a new record (:func:`~agent_data_store.records.apply_write` in SQL) instead
of overwriting it.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from agent_data_store.errors import InvalidValueError, UnreadableRecordError
from agent_data_store.records import (
    OVERWRITTEN_FIELDS,
    Record,
    RecordWrite,
    add_to_json,
    document_id,
)

COLUMN_NAMES = (
    "_id", "userId", "namespace", "key", "value", "metadata", "createdByAgent",
    "lastAccessedByAgent", "accessCount", "createdAt", "updatedAt", "lastAccessedAt", "version",
    "expiresAt",
)
COLUMNS = ", ".join(COLUMN_NAMES)
ROW = ", ".join(f"?{i}" for i in range(1, len(COLUMN_NAMES) + 1))
NOW = f"?{len(COLUMN_NAMES) + 1}"
"""The parameter after a row: the current time (``precise_now()``)."""

ADDED_COLUMNS = {"version": "TEXT NOT NULL DEFAULT '0'", "expiresAt": "TEXT"}
"""Columns added after the first release, added to an older table when it is opened."""

KEPT_FIELDS = tuple(
    name for name in COLUMN_NAMES[4:] if name not in OVERWRITTEN_FIELDS
)
"""Fields an overwrite keeps (``createdByAgent``, ``accessCount``, ``createdAt``)."""

CHUNK = 500
"""Keys per statement in bulk reads and deletes (well under SQLite's variable limit)."""


def live(now: str = "?") -> str:
    """The condition that a row has not expired at the parameter ``now``."""
    return f"(expiresAt IS NULL OR expiresAt > {now})"


_DEAD = f"(expiresAt IS NOT NULL AND expiresAt <= {NOW})"
"""In an upsert: the stored row has expired, so the write creates the record anew."""


def row_to_record(row: sqlite3.Row) -> Record:
    """The record of a row selected with :data:`COLUMNS`."""
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
        row[11], row[12], row[13],
    )


_encode_metadata = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def record_to_row(record: Record) -> tuple[Any, ...]:
    """The row of a record, in :data:`COLUMN_NAMES` order."""
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
        record.expires_at,
    )


def write_params(write: RecordWrite) -> tuple[Any, ...]:
    """The parameters of an upsert of ``write``: the row of the record it creates, then
    :data:`NOW`.

    The same as ``(*record_to_row(apply_write(None, write)), write.now)``, built without the
    record in between: every item of a bulk write builds one.
    """
    agent, at, metadata = write.agent, write.at, write.metadata
    return (
        document_id(write.user_id, write.namespace, write.key), write.user_id,
        write.namespace, write.key, write.value_json,
        _encode_metadata(metadata) if metadata else "{}", agent, agent, 0, at, at, at,
        write.version, write.expires_at, write.now,
    )


def add_json(value_json: str, amount_json: str) -> str | None:
    """SQL ``add_json(value, amount)``: :func:`add_to_json`, or NULL for a non-number."""
    try:
        return add_to_json(value_json, json.loads(amount_json), "")
    except (InvalidValueError, ValueError):
        return None


def _overwrite(source: str) -> str:
    """``SET`` assignments of an overwrite of a live row, the new fields from ``source``.

    ``source`` is ``"excluded."`` in an upsert, ``":"`` (named parameters) in an update.
    """
    return ", ".join(
        f"metadata = CASE WHEN {source}metadata = '{{}}' THEN metadata "
        f"ELSE merge_metadata_json(metadata, {source}metadata) END"
        if field == "metadata" else f"{field} = {source}{field}"
        for field in OVERWRITTEN_FIELDS
    )


def _recreate(field: str, otherwise: str) -> str:
    """Assign ``field`` the new row's value where the stored row expired, else ``otherwise``."""
    return f"{field} = CASE WHEN {_DEAD} THEN excluded.{field} ELSE {otherwise} END"


class Statements:
    """Every statement of the backend, for one table (named in them)."""

    def __init__(self, table: str) -> None:
        t = table
        self.create_table = (
            f"CREATE TABLE IF NOT EXISTS {t} (_id TEXT NOT NULL, userId TEXT NOT NULL, "
            "namespace TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, "
            "metadata TEXT NOT NULL, createdByAgent TEXT NOT NULL, "
            "lastAccessedByAgent TEXT NOT NULL, accessCount INTEGER NOT NULL, "
            "createdAt TEXT NOT NULL, updatedAt TEXT NOT NULL, lastAccessedAt TEXT NOT NULL, "
            "version TEXT NOT NULL DEFAULT '0', expiresAt TEXT, "
            "PRIMARY KEY (userId, namespace, key)) WITHOUT ROWID"
        )
        self.expiry_index = f"{t}_expiry"
        self.create_expiry_index = (
            f"CREATE INDEX IF NOT EXISTS {self.expiry_index} ON {t} (expiresAt) "
            "WHERE expiresAt IS NOT NULL"
        )
        where_key = "WHERE userId = ? AND namespace = ? AND key = ?"
        self.select_one = f"SELECT {COLUMNS} FROM {t} {where_key} AND {live()}"
        # The expiry is checked by the caller, and only when there is one: most records
        # never expire, and a read then needs no clock.
        self.select_value = f"SELECT value, expiresAt FROM {t} {where_key}"
        insert = f"INSERT INTO {t} ({COLUMNS}) VALUES ({ROW})"
        on_key = "ON CONFLICT (userId, namespace, key) DO UPDATE SET"
        self.upsert = (
            f"{insert} {on_key} "
            "metadata = CASE WHEN " + _DEAD + " THEN excluded.metadata "
            "WHEN excluded.metadata = '{}' THEN metadata "
            "ELSE merge_metadata_json(metadata, excluded.metadata) END, "
            + ", ".join(f"{f} = excluded.{f}" for f in OVERWRITTEN_FIELDS if f != "metadata")
            + ", " + ", ".join(_recreate(f, f) for f in KEPT_FIELDS)
        )
        self.create_or_replace_expired = (
            f"{insert} {on_key} "
            + ", ".join(f"{f} = excluded.{f}" for f in COLUMN_NAMES[4:])
            + f" WHERE {_DEAD}"
        )
        self.update_version = (
            f"UPDATE {t} SET {_overwrite(':')} "
            "WHERE userId = :userId AND namespace = :namespace AND key = :key "
            f"AND version = :expect AND {live(':now')}"
        )
        amount = f"?{len(COLUMN_NAMES) + 2}"
        counted = [f for f in OVERWRITTEN_FIELDS if f not in ("value", "metadata", "expiresAt")]
        self.increment = (
            f"{insert} {on_key} "
            + _recreate("value", f"add_json(value, {amount})") + ", "
            + _recreate("metadata", "metadata") + ", "
            + _recreate("expiresAt", "expiresAt") + ", "
            + ", ".join(f"{f} = excluded.{f}" for f in counted) + ", "
            + ", ".join(_recreate(f, f) for f in KEPT_FIELDS)
            + f" WHERE {_DEAD} OR add_json(value, {amount}) IS NOT NULL RETURNING value"
        )
        self.count_live = (
            f"SELECT count(*) FROM {t} WHERE userId = ? AND namespace = ? AND {live()}"
        )
        self.clear = f"DELETE FROM {t} WHERE userId = ? AND namespace = ?"
        self.list_namespaces = f"""
            WITH RECURSIVE ns(name) AS (
                SELECT (SELECT namespace FROM {t} WHERE userId = ?1 AND {live('?2')}
                        ORDER BY namespace LIMIT 1)
                UNION ALL
                SELECT (SELECT namespace FROM {t}
                        WHERE userId = ?1 AND namespace > ns.name AND {live('?2')}
                        ORDER BY namespace LIMIT 1)
                FROM ns WHERE ns.name IS NOT NULL
            )
            SELECT name FROM ns WHERE name IS NOT NULL
            """
        self.record_access = (
            f"UPDATE {t} SET accessCount = accessCount + ?, "
            "lastAccessedByAgent = CASE WHEN lastAccessedAt <= ? THEN ? "
            "ELSE lastAccessedByAgent END, lastAccessedAt = max(lastAccessedAt, ?) "
            f"{where_key}"
        )
        self.all_pages = (
            f"SELECT {COLUMNS} FROM {t} WHERE (userId, namespace, key) > (?, ?, ?) "
            f"AND {live()} ORDER BY userId, namespace, key LIMIT ?"
        )
        self.user_pages = (
            f"SELECT {COLUMNS} FROM {t} WHERE userId = ? AND (namespace, key) > (?, ?) "
            f"AND {live()} ORDER BY namespace, key LIMIT ?"
        )
        self.namespace_usage = (
            "SELECT namespace, count(*), sum(length(CAST(value AS BLOB))), "
            "json_group_array(DISTINCT createdByAgent), "
            "json_group_array(DISTINCT lastAccessedByAgent), max(updatedAt) "
            f"FROM {t} WHERE userId = ? AND {live()} GROUP BY namespace ORDER BY namespace"
        )
        self.import_replacing = f"INSERT OR REPLACE INTO {t} ({COLUMNS}) VALUES ({ROW})"
        self.sweep = (
            f"DELETE FROM {t} WHERE (userId, namespace, key) IN (SELECT userId, namespace, key "
            f"FROM {t} WHERE expiresAt <= ? "
            "ORDER BY expiresAt LIMIT ?)"
        )
        self._table = t

    def select_keys(self, columns: str, count: int) -> str:
        """Rows of ``count`` keys of a namespace that are live (parameters: user, namespace,
        the keys, now)."""
        marks = ",".join("?" * count)
        return (f"SELECT {columns} FROM {self._table} WHERE userId = ? AND namespace = ? "
                f"AND key IN ({marks}) AND {live()}")

    def delete_keys(self, count: int) -> str:
        """Delete ``count`` keys of a namespace, returning each deleted row's expiry."""
        marks = ",".join("?" * count)
        return (f"DELETE FROM {self._table} WHERE userId = ? AND namespace = ? "
                f"AND key IN ({marks}) RETURNING expiresAt")

    def page(self, columns: str, bounds: str) -> str:
        """One page of a namespace's live rows in key order (parameters: user, namespace, the
        bounds' values, now, limit)."""
        return (f"SELECT {columns} FROM {self._table} WHERE userId = ? AND namespace = ?"
                f"{bounds} AND {live()} ORDER BY key LIMIT ?")
