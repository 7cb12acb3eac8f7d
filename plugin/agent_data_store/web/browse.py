"""What the browser's pages show, read with the operator layer's queries.

The users and namespaces pages aggregate with :mod:`agent_data_store.admin.reports` over the
same indexed record streams as ``agent-data-store users`` and ``namespaces --user``. A
namespace is shown a page at a time with :meth:`Backend.keys_page` (keyset paging in key
order) and one :meth:`Backend.get_many` for the page's records, so a namespace of any size
costs two queries per page. Nothing here changes a record: showing one is not an access.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from agent_data_store.admin import reports
from agent_data_store.backends.base import Backend
from agent_data_store.config import StoreConfig
from agent_data_store.quotas import limits_for
from agent_data_store.records import Record

GROUP_SEPARATORS = ("/", ":")
"""Characters that end a key prefix group: ``todo/1`` is in ``todo/``, ``page:5`` in ``page:``."""

PREVIEW_CHARS = 80


def users(backend: Backend) -> list[reports.UserTotals]:
    """Every user with records, bytes and namespaces (a scan of the store, as the CLI's)."""
    return reports.user_totals(backend.iter_all())


def namespaces(backend: Backend, user_id: str) -> list[reports.NamespaceTotals]:
    """A user's namespaces with records, bytes, agents and last update."""
    return reports.user_namespace_totals(backend, user_id)


def quota_line(backend: Backend, config: StoreConfig, user_id: str) -> str | None:
    """The user's usage against its quota in one line."""
    usage = backend.user_usage(user_id)
    limits = limits_for(usage, config)

    def against(used: int, limit: int | None, unit: str) -> str:
        return f"{used:,} of {'unlimited' if limit is None else f'{limit:,}'} {unit}"

    line = (f"{against(usage.records, limits.records, 'records')}, "
            f"{against(usage.bytes, limits.bytes, 'bytes')}")
    return line if config.checks_quotas else f"{line} (not enforced)"


@dataclass(frozen=True, slots=True)
class RecordRow:
    """One record in a namespace listing: its summary and the start of its value."""

    summary: reports.RecordSummary
    preview: str

    @classmethod
    def of(cls, record: Record) -> RecordRow:
        """The row of ``record``."""
        text = record.value_json
        if len(text) > PREVIEW_CHARS:
            text = text[: PREVIEW_CHARS - 1] + "…"
        return cls(reports.RecordSummary.of(record), text)


@dataclass(frozen=True, slots=True)
class KeyGroup:
    """Consecutive keys of a page that share a prefix (``""``: keys without a separator)."""

    prefix: str
    rows: list[RecordRow]


@dataclass(frozen=True, slots=True)
class RecordsPage:
    """One page of a namespace: its records grouped by key prefix, and where the next starts."""

    groups: list[KeyGroup]
    next_after: str | None
    """The last key of this page when more keys follow, else ``None``."""

    @property
    def count(self) -> int:
        """How many records the page shows."""
        return sum(len(group.rows) for group in self.groups)


def key_group(key: str, prefix: str) -> str:
    """The group of ``key`` (which starts with ``prefix``): up to its first separator after
    the prefix; keys without one are in the group ``prefix`` itself.

    ``files/src/a.py`` is in ``files/`` at the top and in ``files/src/`` below ``files/``, so
    following a group's link walks down the key hierarchy.
    """
    rest = key[len(prefix):]
    cuts = [cut for cut in (rest.find(sep) for sep in GROUP_SEPARATORS) if cut >= 0]
    return prefix + rest[: min(cuts) + 1] if cuts else prefix


def records_page(
    backend: Backend, user_id: str, namespace: str, *, prefix: str, after: str | None,
    limit: int,
) -> RecordsPage:
    """The ``limit`` records after the key ``after`` whose keys start with ``prefix``."""
    keys = backend.keys_page(user_id, namespace, prefix=prefix or None, after=after,
                             limit=limit + 1)
    more = len(keys) > limit
    keys = keys[:limit]
    found = backend.get_many(user_id, namespace, keys) if keys else {}
    groups: list[KeyGroup] = []
    for key in keys:
        record = found.get(key)
        if record is None:  # deleted between the two queries
            continue
        group = key_group(key, prefix)
        if not groups or groups[-1].prefix != group:
            groups.append(KeyGroup(group, []))
        groups[-1].rows.append(RecordRow.of(record))
    return RecordsPage(groups, keys[-1] if more and keys else None)


@dataclass(frozen=True, slots=True)
class RecordDetail:
    """Everything the record page shows: the document's fields, value and metadata as text."""

    record: Record
    bytes: int
    value_text: str
    metadata_text: str
    fields: list[tuple[str, Any]]
    """The storage document's fields other than the value and metadata, in document order
    (tracking fields, timestamps, and whatever fields records gain, such as an expiry)."""

    @property
    def document_text(self) -> str:
        """The whole storage document, pretty-printed (what the copy button copies)."""
        return pretty(self.record.to_document())


def pretty(value: Any) -> str:
    """JSON indented for people, with unicode kept as it is."""
    return json.dumps(value, ensure_ascii=False, indent=2)


def record_detail(backend: Backend, user_id: str, namespace: str, key: str) -> RecordDetail | None:
    """One record in full, or ``None``."""
    record = backend.get(user_id, namespace, key)
    if record is None:
        return None
    document = record.to_document()
    return RecordDetail(
        record=record,
        bytes=reports.value_bytes(record),
        value_text=pretty(document["value"]),
        metadata_text=pretty(document["metadata"]),
        fields=[(name, value) for name, value in document.items()
                if name not in ("value", "metadata")],
    )
