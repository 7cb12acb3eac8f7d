"""Stored documents that cannot be read: one clear error that names the record.

Each backend builds records from what it stored in one place, and that place catches what a
malformed document raises there (:data:`DECODING_ERRORS`: a missing field, a field of another
type, metadata that is not JSON) and raises :class:`UnreadableRecordError` instead. Agents
then see a ``DataStoreError`` and operators a one-line message naming the record, never a
``KeyError`` or ``TypeError`` traceback. The usual cause is a document in the seed runtime's
layout (``value`` and ``metadata`` as native JSON instead of JSON text, optional fields left
out) or one written by hand.

Only the failure path describes what is wrong (:func:`document_problem`,
:func:`item_problem`); the success path costs one type check per field
(:func:`checked`).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Mapping
from typing import Any

from agent_data_store.errors import UnreadableRecordError
from agent_data_store.records import Record

DECODING_ERRORS = (KeyError, TypeError, ValueError, AttributeError, IndexError)
"""What building a record from a malformed document raises."""

REQUIRED_FIELDS = (
    "userId", "namespace", "key", "value", "createdByAgent", "lastAccessedByAgent",
    "accessCount", "createdAt", "updatedAt", "lastAccessedAt",
)
"""Fields every stored record document has (``metadata`` may be absent: empty)."""

_NUMBER_FIELDS = frozenset({"accessCount", "rev", "chunks", "valueChunks"})

_DYNAMODB_TYPES = {
    "S": "text", "N": "a number", "M": "a map", "L": "a list", "BOOL": "a boolean",
    "NULL": "null", "B": "binary", "SS": "a string set", "NS": "a number set",
    "BS": "a binary set",
}


def checked(record: Record) -> Record:
    """Return ``record`` if every field has its type; raise ``TypeError`` otherwise.

    Backends call it inside their ``try``, so a document whose fields have other types (a
    ``value`` stored as an object, a ``createdAt`` stored as a number) is refused where it is
    read rather than failing later, far from the record, in whatever used the field.
    """
    if (
        type(record.value_json) is str and type(record.metadata) is dict
        and type(record.access_count) is int and type(record.user_id) is str
        and type(record.namespace) is str and type(record.key) is str
        and type(record.created_by_agent) is str and type(record.last_accessed_by_agent) is str
        and type(record.created_at) is str and type(record.updated_at) is str
        and type(record.last_accessed_at) is str
    ):
        return record
    raise TypeError("a field has another type")


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, (list, tuple)):
        return "a list"
    return f"a {type(value).__name__}"


def document_problem(doc: Mapping[str, Any], fields: Collection[str] = REQUIRED_FIELDS) -> str:
    """Say what is wrong with a stored document of the JSON-text layout (CouchDB, Firestore).

    ``fields`` are the fields the read needed (a projection reads fewer).
    """
    problems = []
    missing = [name for name in fields if name not in doc]
    if missing:
        problems.append(f"missing {', '.join(missing)}")
    for name in fields:
        if name not in doc:
            continue
        value = doc[name]
        if name in _NUMBER_FIELDS:
            if isinstance(value, bool) or not isinstance(value, int):
                problems.append(f"{name} is {_kind(value)}, not a whole number")
        elif not isinstance(value, str):
            text = "JSON text" if name == "value" else "text"
            problems.append(f"{name} is {_kind(value)}, not {text}")
    metadata = doc.get("metadata")
    if metadata is not None and not isinstance(metadata, str):
        problems.append(f"metadata is {_kind(metadata)}, not JSON text")
    elif metadata and not _is_object_text(metadata):
        problems.append("metadata is not the JSON text of an object")
    return "; ".join(problems) or "its fields do not form a record"


def _is_object_text(text: str) -> bool:
    try:
        return isinstance(json.loads(text), dict)
    except ValueError:
        return False


def unreadable_document(
    doc: Mapping[str, Any], record_id: str, fields: Collection[str] = REQUIRED_FIELDS
) -> UnreadableRecordError:
    """The error for a document of the JSON-text layout that could not be read."""
    return UnreadableRecordError(
        document_problem(doc, fields), record_id=record_id,
        namespace=doc.get("namespace"), key=doc.get("key"),
    )


def listed_keys(docs: Iterable[tuple[str, Mapping[str, Any]]]) -> list[str]:
    """The ``key`` of each ``(record ID, document)`` of a key listing; each must be text."""
    keys: list[str] = []
    for record_id, doc in docs:
        key = doc.get("key")
        if type(key) is not str:
            raise unreadable_document(doc, record_id, ("key",))
        keys.append(key)
    return keys


def item_problem(item: Mapping[str, Any], types: Mapping[str, str]) -> str:
    """Say what is wrong with a DynamoDB item whose attributes should have ``types``.

    ``types`` maps each attribute the read needed to its DynamoDB type (``"S"``, ``"N"``);
    ``value`` may be missing where ``chunks`` stands for it.
    """
    problems = []
    needed = {
        name: kind for name, kind in types.items()
        if not (name == "value" and "chunks" in item) and name != "chunks"
    }
    missing = [name for name in needed if name not in item]
    if missing:
        problems.append(f"missing {', '.join(missing)}")
    for name, kind in types.items():
        attribute = item.get(name)
        if not isinstance(attribute, Mapping) or kind in attribute:
            continue
        found = _DYNAMODB_TYPES.get(next(iter(attribute), ""), "an unknown type")
        wanted = "JSON text" if name in ("value", "metadata") else _DYNAMODB_TYPES[kind]
        problems.append(f"{name} is {found}, not {wanted}")
    metadata = item.get("metadata", {}).get("S")
    if isinstance(metadata, str) and not _is_object_text(metadata):
        problems.append("metadata is not the JSON text of an object")
    return "; ".join(problems) or "its attributes do not form a record"


def unreadable_item(
    item: Mapping[str, Any], types: Mapping[str, str], namespace: str | None = None
) -> UnreadableRecordError:
    """The error for a DynamoDB record item that could not be read.

    ``namespace`` names the record's namespace where the read did not fetch it.
    """

    def text(name: str) -> str | None:
        attribute = item.get(name)
        found = attribute.get("S") if isinstance(attribute, Mapping) else None
        return found if isinstance(found, str) else None

    pk, sk = text("pk") or "", text("sk") or ""
    return UnreadableRecordError(
        item_problem(item, types), record_id=text("_id") or f"{pk} {sk}".strip(),
        namespace=text("namespace") or namespace, key=text("key"),
    )
