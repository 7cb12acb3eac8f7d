"""Documents in the seed runtime's layout (its schema.md), and the records they must become.

Shared by the import-gofannon tests on dumps and on real servers. Each server stores a bit
less than JSON text can say (pouchdb-server keeps numbers as doubles, Firestore integers as
int64, Firestore document IDs may not contain ``/``), which is why the big integer and the
namespace with a slash are parameters: the seed's own runtime could not have stored more.
"""

from __future__ import annotations

import base64
from typing import Any

BIG_INT = 12345678901234567890123456789
"""An integer beyond 64 bits (DynamoDB keeps 38 digits; JSON text any)."""


def seed_id(user: str, namespace: str, key: str) -> str:
    """The seed's ``_id``: ``{userId}:{namespace}:{urlsafe_base64(key)}``."""
    return f"{user}:{namespace}:{base64.urlsafe_b64encode(key.encode()).decode()}"


def seed_doc(user: str, namespace: str, key: str, value: Any, **fields: Any) -> dict[str, Any]:
    """A document as the seed runtime writes it (only its required fields unless given)."""
    return {
        "_id": seed_id(user, namespace, key), "_rev": "1-abc", "userId": user,
        "namespace": namespace, "key": key, "value": value,
        "createdAt": "2026-02-01T10:30:00Z", "updatedAt": "2026-02-05T14:22:00Z", **fields,
    }


def seed_documents(
    big_int: int = BIG_INT, odd_namespace: str = "notes/2026: Q1"
) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    """Five seed documents, and by ``_id`` the storage document each must become.

    Full and partial documents; keys with ``/``, ``:`` and unicode; floats, nested objects
    and lists, null, a big integer; naive timestamps; a document without ``key``.
    """
    full = seed_doc(
        "user_google_1", "files:my-repo", "src/main.py",
        {"lines": 2, "ratio": 0.75, "nested": {"deep": [1, 2.5, {"x": None}]}, "ok": True},
        metadata={"sha256": "abc", "file_size": 42}, createdByAgent="repo-indexer",
        lastAccessedByAgent="code-searcher", accessCount=15,
        lastAccessedAt="2026-02-06T08:00:00Z",
    )
    odd_keys = seed_doc("user_google_1", odd_namespace, "ünï/côdé:key ☃",
                        [3.14159, "é", None], createdByAgent="note-taker")
    partial = seed_doc("user_2", "default", "partial", "just text",
                       createdAt="2026-02-05T14:22:00.123456", updatedAt="2026-02-05T15:00:00")
    big = seed_doc("user_2", "default", "big", {"big": big_int, "neg": -big_int // 3})
    no_key = {k: v for k, v in seed_doc("user_2", "cache", "from-the-id", 1).items()
              if k != "key"}
    defaults = {"metadata": {}, "createdByAgent": "unknown", "lastAccessedByAgent": "unknown",
                "accessCount": 0, "lastAccessedAt": "2026-02-05T14:22:00Z"}

    def stored(doc: dict[str, Any], **fields: Any) -> dict[str, Any]:
        # Seed documents have no version: they get the one of records from before versions.
        return {**{k: v for k, v in doc.items() if k != "_rev"}, "version": "0",
                "expiresAt": None, **fields}

    expected = {
        full["_id"]: stored(full),
        odd_keys["_id"]: stored(odd_keys, **{**defaults, "createdByAgent": "note-taker",
                                             "lastAccessedByAgent": "note-taker"}),
        partial["_id"]: stored(partial, **{
            **defaults, "createdAt": "2026-02-05T14:22:00.123456Z",
            "updatedAt": "2026-02-05T15:00:00Z", "lastAccessedAt": "2026-02-05T15:00:00Z"}),
        big["_id"]: stored(big, **defaults),
        no_key["_id"]: stored(no_key, key="from-the-id", **defaults),
    }
    return [full, odd_keys, partial, big, no_key], expected
