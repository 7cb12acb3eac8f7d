"""The record document of an export line, validated before anything is imported.

An export line is :meth:`Record.to_document` as JSON: the documented storage layout with
camelCase field names. :class:`RecordDocument` checks every field the way the store would
have when it wrote the record, so an import cannot plant a record the data store could not
have produced (an empty key, a user ID with ``:``, a negative access count, a bad timestamp).
"""

from __future__ import annotations

import json
from datetime import datetime
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

from agent_data_store.records import Record, document_id
from agent_data_store.validation import check_name, check_size, to_json
from sandbox_host.context import validate_identifier


class InvalidLineError(ValueError):
    """An import line is not a valid record document; the message says why."""


def _check_timestamp(value: str) -> str:
    """Accept ISO 8601 UTC (``…Z``) timestamps, kept as written so a round trip is exact."""
    if not value.endswith("Z"):
        raise ValueError("must be an ISO 8601 UTC timestamp ending in 'Z'")
    try:
        datetime.fromisoformat(value)
    except ValueError:
        raise ValueError("must be an ISO 8601 UTC timestamp, e.g. 2026-02-01T10:30:00Z") from None
    return value


def _check_key(value: str) -> str:
    return check_name(value, "key")


def _check_namespace(value: str) -> str:
    return check_name(value, "namespace")


Timestamp = Annotated[str, AfterValidator(_check_timestamp)]
AgentName = Annotated[str, AfterValidator(validate_identifier)]


class RecordDocument(BaseModel):
    """One record in the storage layout, as an export line holds it."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    id: str | None = Field(default=None, alias="_id")
    rev: str | None = Field(default=None, alias="_rev")
    """CouchDB's revision, present in raw CouchDB dumps; not part of the record."""
    user_id: Annotated[str, AfterValidator(validate_identifier)] = Field(alias="userId")
    namespace: Annotated[str, AfterValidator(_check_namespace)]
    key: Annotated[str, AfterValidator(_check_key)]
    value: JsonValue
    metadata: dict[str, JsonValue] = Field(default_factory=dict)
    created_by_agent: AgentName = Field(alias="createdByAgent")
    last_accessed_by_agent: AgentName = Field(alias="lastAccessedByAgent")
    access_count: int = Field(alias="accessCount", ge=0)
    created_at: Timestamp = Field(alias="createdAt")
    updated_at: Timestamp = Field(alias="updatedAt")
    last_accessed_at: Timestamp = Field(alias="lastAccessedAt")

    @model_validator(mode="after")
    def _id_matches(self) -> RecordDocument:
        expected = document_id(self.user_id, self.namespace, self.key)
        if self.id is not None and self.id != expected:
            raise ValueError(f"_id {self.id!r} does not match userId/namespace/key ({expected!r})")
        return self

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
