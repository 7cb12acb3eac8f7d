"""Per-user usage on CouchDB: a view CouchDB keeps, and one document per quota override.

CouchDB's way to keep a total is a view with a built-in reduce: the view
``agent-data-store-usage/usage`` maps every record document to ``[user, 0] → [1, bytes]``
and every quota document to ``[user, 1] → [maxRecords, maxBytes]``, reduced by ``_sum``.
CouchDB updates the view from the changes feed and keeps the reductions in its B-tree, so a
user's totals come from one ``group_level=2`` query without a scan, and every change of a
record -- any write path, an import, an expiry sweep, a deletion by hand -- counts once it
is committed. (pouchdb-server, the CouchDB-protocol server the tests run, computes the
reduce of a query over the user's rows instead.) A write needs no extra request: the view
derives usage from the records themselves, so it can never drift.

User IDs are emitted percent-encoded (ASCII), like document IDs: CouchDB groups keys by ICU
collation, under which two different unicode IDs can compare equal and would be summed
together. Quota documents have IDs (``quota:`` and the encoded user) that no record ID can
have (record IDs have at least two ``:``), and no ``userId`` field, so no record query sees
them. Limits are stored as numbers: :data:`DEFAULT_CODE` for the configured default,
:data:`~agent_data_store.backends.base.UNLIMITED` for none.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, unquote

from agent_data_store.backends.base import UserUsage

USAGE_DDOC_ID = "_design/agent-data-store-usage"
USAGE_VIEW = "agent-data-store-usage/usage"
QUOTA_TYPE = "agent-data-store-quota"
DEFAULT_CODE = -2
"""A quota document's limit that means the configured default."""

_MAP = """function (doc) {
  function utf8(text) {
    var n = 0;
    for (var i = 0; i < text.length; i++) {
      var c = text.charCodeAt(i);
      if (c < 0x80) { n += 1; }
      else if (c < 0x800) { n += 2; }
      else if (c >= 0xD800 && c <= 0xDBFF) { n += 4; i++; }
      else { n += 3; }
    }
    return n;
  }
  function encoded(user) {
    return encodeURIComponent(user).replace(/[!'()*]/g, function (ch) {
      return '%' + ch.charCodeAt(0).toString(16).toUpperCase();
    });
  }
  if (typeof doc.userId === 'string' && typeof doc.namespace === 'string'
      && typeof doc.key === 'string' && typeof doc.value === 'string') {
    var metadata = typeof doc.metadata === 'string' && doc.metadata !== '{}'
      ? utf8(doc.metadata) : 0;
    emit([encoded(doc.userId), 0], [1, utf8(doc.value) + metadata]);
  } else if (doc.type === '""" + QUOTA_TYPE + """' && typeof doc.quotaUser === 'string') {
    emit([encoded(doc.quotaUser), 1], [doc.maxRecords, doc.maxBytes]);
  }
}"""

USAGE_DDOC: dict[str, Any] = {
    "_id": USAGE_DDOC_ID,
    "language": "javascript",
    "views": {"usage": {"map": _MAP, "reduce": "_sum"}},
}
"""The design document of the usage view."""


def encoded_user(user_id: str) -> str:
    """The user ID as the view emits it: what JavaScript's ``encodeURIComponent`` gives,
    with ``!'()*`` encoded too (Python's ``quote`` with nothing safe but ``-_.~``)."""
    return quote(user_id, safe="")


def quota_id(user_id: str) -> str:
    """The ID of the user's quota document."""
    return f"quota:{encoded_user(user_id)}"


def quota_document(user_id: str, max_records: int | None, max_bytes: int | None) -> dict[str, Any]:
    """The quota document holding the user's overrides."""
    return {
        "_id": quota_id(user_id), "type": QUOTA_TYPE, "quotaUser": user_id,
        "maxRecords": DEFAULT_CODE if max_records is None else max_records,
        "maxBytes": DEFAULT_CODE if max_bytes is None else max_bytes,
    }


def usage_from_rows(user_id: str, rows: list[dict[str, Any]]) -> UserUsage:
    """One user's :class:`UserUsage` from its (at most two) grouped rows."""
    records = size = 0
    max_records = max_bytes = None
    for row in rows:
        first, second = (int(number) for number in row["value"][:2])
        if row["key"][1] == 0:
            records, size = first, second
        else:
            max_records = None if first == DEFAULT_CODE else first
            max_bytes = None if second == DEFAULT_CODE else second
    return UserUsage(user_id, records, size, max_records, max_bytes)


def group_by_user(rows: list[dict[str, Any]]) -> list[UserUsage]:
    """:class:`UserUsage` of each user among grouped rows (in order), users with nothing
    stored and no override left out."""
    users: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        users.setdefault(row["key"][0], []).append(row)
    found = (usage_from_rows(unquote(user), user_rows) for user, user_rows in users.items())
    return [
        usage for usage in found
        if usage.records or usage.max_records is not None or usage.max_bytes is not None
    ]
