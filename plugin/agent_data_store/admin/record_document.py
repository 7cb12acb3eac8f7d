"""The record document of an export line, validated before anything is imported.

An export line is :meth:`Record.to_document` as JSON: the documented storage layout with
camelCase field names. :class:`RecordDocument` checks every field the way the store would
have when it wrote the record, so an import cannot plant a record the data store could not
have produced (an empty key, a user ID with ``:``, a negative access count, a bad timestamp).

It also reads records in the form the seed runtime's ``schema.md`` documents, where some
fields are optional (:func:`complete_document` fills them by the rules below) and
timestamps may lack a zone:

* ``_id``, ``_rev`` and every other ``_`` field (CouchDB's own) are ignored: a record's ID
  is computed from ``userId``, ``namespace`` and ``key``. Where one of those three is absent,
  it is read from the ``_id`` (``{userId}:{namespace}:{base64(key)}``).
* ``metadata`` absent or null: ``{}``. ``accessCount`` absent or null: ``0``.
* ``createdByAgent`` / ``lastAccessedByAgent`` absent or null: the other one; both absent:
  :data:`UNKNOWN_AGENT`.
* A missing timestamp takes the nearest one present: ``createdAt`` ← ``updatedAt`` ←
  ``lastAccessedAt``; ``updatedAt`` ← ``createdAt`` ← ``lastAccessedAt``; ``lastAccessedAt``
  ← ``updatedAt`` ← ``createdAt``. A document with none is refused.
* Timestamps are ISO 8601. A UTC one ending in ``Z`` is kept as written; one without a zone
  is read as UTC and one with an offset converted to UTC, then written
  ``YYYY-MM-DDTHH:MM:SS[.ffffff]Z``, so that every stored timestamp sorts as text in time
  order.
"""

from __future__ import annotations

import base64
import json
import re
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    ValidationError,
    model_validator,
)

from agent_data_store.records import LEGACY_VERSION, Record
from agent_data_store.validation import check_name, check_size, to_json
from sandbox_host.context import validate_identifier

UNKNOWN_AGENT = "unknown"
"""The agent a record is attributed to when its document names neither creator nor reader."""

TIMESTAMP_FIELDS = ("createdAt", "updatedAt", "lastAccessedAt")

_TIMESTAMP_FALLBACKS = {
    "createdAt": ("updatedAt", "lastAccessedAt"),
    "updatedAt": ("createdAt", "lastAccessedAt"),
    "lastAccessedAt": ("updatedAt", "createdAt"),
}

_UTC_TEXT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?Z")


class InvalidLineError(ValueError):
    """An import line is not a valid record document; the message says why."""


def _check_timestamp(value: str) -> str:
    """Return the timestamp as UTC text ending in ``Z`` (see the module docstring)."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError("must be an ISO 8601 timestamp, e.g. 2026-02-01T10:30:00Z") from None
    if _UTC_TEXT.fullmatch(value):
        return value
    utc = parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.%fZ" if utc.microsecond else "%Y-%m-%dT%H:%M:%SZ")


def _check_expiry(value: str) -> str:
    """Accept an ISO 8601 UTC expiry time; return it as the store writes them (milliseconds)."""
    if not value.endswith("Z"):
        raise ValueError("must be an ISO 8601 UTC timestamp ending in 'Z'")
    try:
        moment = datetime.fromisoformat(value[:-1] + "+00:00")
    except ValueError:
        raise ValueError(
            "must be an ISO 8601 UTC timestamp, e.g. 2026-02-01T10:30:00.250Z") from None
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{moment.microsecond // 1000:03d}Z"


def _check_key(value: str) -> str:
    return check_name(value, "key")


def _check_namespace(value: str) -> str:
    return check_name(value, "namespace")


Timestamp = Annotated[str, AfterValidator(_check_timestamp)]
AgentName = Annotated[str, AfterValidator(validate_identifier)]


def key_from_id(encoded: str) -> str | None:
    """The key of a record ID's last part (URL-safe or standard base64, padding optional)."""
    padded = encoded + "=" * (-len(encoded) % 4)
    try:
        return base64.b64decode(padded, altchars=b"-_", validate=True).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return None


def complete_document(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` without ``_`` fields and with the fields ``schema.md`` makes optional filled.

    See the module docstring for the rules. Fields that are present are left for
    :class:`RecordDocument` to check.
    """
    doc = {name: value for name, value in data.items() if not name.startswith("_")}
    record_id = data.get("_id")
    if isinstance(record_id, str) and record_id.count(":") >= 2:
        user_id, _, rest = record_id.partition(":")
        namespace, _, encoded = rest.rpartition(":")
        doc.setdefault("userId", user_id)
        doc.setdefault("namespace", namespace)
        if "key" not in doc and (key := key_from_id(encoded)) is not None:
            doc["key"] = key
    if doc.get("metadata") is None:
        doc["metadata"] = {}
    count = doc.get("accessCount")
    if count is None:
        doc["accessCount"] = 0
    elif isinstance(count, float) and count.is_integer():
        doc["accessCount"] = int(count)
    created_by, last_by = data.get("createdByAgent"), data.get("lastAccessedByAgent")
    if created_by is None:
        doc["createdByAgent"] = UNKNOWN_AGENT if last_by is None else last_by
    if last_by is None:
        doc["lastAccessedByAgent"] = UNKNOWN_AGENT if created_by is None else created_by
    for name, fallbacks in _TIMESTAMP_FALLBACKS.items():
        if doc.get(name) is None:
            found = next((data[f] for f in fallbacks if data.get(f) is not None), None)
            if found is None:
                doc.pop(name, None)  # reported as missing
            else:
                doc[name] = found
    return doc


class RecordDocument(BaseModel):
    """One record in the storage layout, as an export line holds it."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    user_id: Annotated[str, AfterValidator(validate_identifier)] = Field(alias="userId")
    namespace: Annotated[str, AfterValidator(_check_namespace)]
    key: Annotated[str, AfterValidator(_check_key)]
    value: JsonValue
    metadata: dict[str, JsonValue]
    created_by_agent: AgentName = Field(alias="createdByAgent")
    last_accessed_by_agent: AgentName = Field(alias="lastAccessedByAgent")
    access_count: int = Field(alias="accessCount", ge=0)
    created_at: Timestamp = Field(alias="createdAt")
    updated_at: Timestamp = Field(alias="updatedAt")
    last_accessed_at: Timestamp = Field(alias="lastAccessedAt")
    version: str | None = Field(default=None, min_length=1, max_length=128)
    """The record's version; a document from before versions existed has the legacy one."""
    expires_at: Annotated[str, AfterValidator(_check_expiry)] | None = Field(
        default=None, alias="expiresAt")
    """When the record expires (``None``: never), kept in the store's millisecond form."""

    @model_validator(mode="before")
    @classmethod
    def _schema_form(cls, data: Any) -> Any:
        return complete_document(data) if isinstance(data, dict) else data

    def to_record(self, max_value_bytes: int) -> Record:
        """The record this document describes, its value re-serialised as the store does."""
        value_json = to_json(self.value)
        check_size(value_json, max_value_bytes)
        return Record(
            user_id=self.user_id,
            namespace=self.namespace,
            key=self.key,
            value_json=value_json,
            metadata=dict(self.metadata),
            created_by_agent=self.created_by_agent,
            last_accessed_by_agent=self.last_accessed_by_agent,
            access_count=self.access_count,
            created_at=self.created_at,
            updated_at=self.updated_at,
            last_accessed_at=self.last_accessed_at,
            version=self.version or LEGACY_VERSION,
            expires_at=self.expires_at,
        )


def _refuse_constant(name: str) -> Any:
    # Python's json accepts NaN and Infinity, which are not JSON and no store can hold.
    raise ValueError(f"{name} is not valid JSON")


def parse_line(line: str, max_value_bytes: int) -> Record:
    """Parse and validate one export line into a record, or raise :class:`InvalidLineError`."""
    try:
        data = json.loads(line, parse_constant=_refuse_constant)
    except ValueError as exc:
        raise InvalidLineError(f"not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise InvalidLineError(f"expected a JSON object, found {type(data).__name__}")
    try:
        return RecordDocument.model_validate(data).to_record(max_value_bytes)
    except ValidationError as exc:
        raise InvalidLineError(describe_validation_error(exc)) from None
    except (TypeError, ValueError) as exc:  # value checks of the data store
        raise InvalidLineError(str(exc)) from None


def describe_validation_error(exc: ValidationError) -> str:
    """One line naming each bad field, in the document's own field names."""
    problems = []
    missing = []
    for error in exc.errors(include_url=False):
        where = ".".join(str(part) for part in error["loc"]) or "record"
        if error["type"] == "missing":
            missing.append(where)
            continue
        message = str(error["msg"]).removeprefix("Value error, ")
        problems.append(f"{where}: {message}")
    if missing:
        problems.insert(0, f"missing {', '.join(missing)}")
    return "; ".join(problems)
