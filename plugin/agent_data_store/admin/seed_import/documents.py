"""One document in the seed's layout to a record of this store, or the reason it cannot be.

The seed's document is checked exactly as an ``import`` line is
(:class:`~agent_data_store.admin.record_document.RecordDocument`, which also fills the fields
``schema.md`` makes optional), after two things only a seed source needs:

* fields the layout does not define are left out and reported by name (:class:`Conversion`),
  rather than refusing the record: they were never visible to agents;
* the ``_id`` the source knows the document by stands in for a missing ``_id`` field, so a
  key can still come from it (Firestore keeps the ID outside the fields).
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import ValidationError

from agent_data_store.admin.record_document import RecordDocument, describe_validation_error
from agent_data_store.admin.seed_import.sources import SourceDocument
from agent_data_store.records import Record

LAYOUT_FIELDS = frozenset({
    "userId", "namespace", "key", "value", "metadata", "createdByAgent",
    "lastAccessedByAgent", "accessCount", "createdAt", "updatedAt", "lastAccessedAt",
})
"""The fields of ``schema.md``'s record document (besides ``_id`` and ``_rev``)."""


class ConversionError(ValueError):
    """A seed document cannot become a record; the message says why."""


@dataclass(frozen=True, slots=True)
class Conversion:
    """A converted record and the names of the fields left out of it."""

    record: Record
    ignored_fields: tuple[str, ...]


def convert(document: SourceDocument, max_value_bytes: int) -> Conversion:
    """Turn ``document`` into a record, or raise :class:`ConversionError` saying why."""
    if document.problem is not None:
        raise ConversionError(document.problem)
    fields = document.fields
    ignored = tuple(sorted(
        name for name in fields if name not in LAYOUT_FIELDS and not name.startswith("_")
    ))
    kept = {name: value for name, value in fields.items() if name not in ignored}
    kept.setdefault("_id", document.doc_id)
    if "value" not in kept:
        raise ConversionError("missing value")
    try:
        parsed = RecordDocument.model_validate(kept)
    except ValidationError as exc:
        raise ConversionError(describe_validation_error(exc)) from None
    try:
        record = parsed.to_record(max_value_bytes)
    except (TypeError, ValueError) as exc:  # the data store's value checks
        raise ConversionError(str(exc)) from None
    return Conversion(record, ignored)

