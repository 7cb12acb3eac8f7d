"""Who runs an agent: the execution context a host hands to plugins.

The host's caller is trusted and builds the context; agent code never sees or builds one.
Plugins bind whatever they give a sandbox (e.g. the data store) to these IDs, so the IDs are
validated here once, for every plugin.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Annotated

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

MAX_ID_LENGTH = 256


def validate_identifier(value: str) -> str:
    """Check a user ID or agent name: non-empty UTF-8 text, no ``:``, no control characters,
    no leading ``_``.

    ``:`` separates the parts of a record ID (``{userId}:{namespace}:{key}``), so a user ID
    containing one would make two users' records collide. A leading ``_`` is reserved by
    CouchDB for its own documents.
    """
    if not value:
        raise ValueError("must be a non-empty string")
    if len(value) > MAX_ID_LENGTH:
        raise ValueError(f"must be at most {MAX_ID_LENGTH} characters")
    if ":" in value:
        raise ValueError("must not contain ':'")
    if value.startswith("_"):
        raise ValueError("must not start with '_'")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        raise ValueError("must not contain control characters")
    if value != value.strip():
        raise ValueError("must not start or end with whitespace")
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            # A command line in an invalid encoding arrives as lone surrogates; no backend
            # can store them, so refuse them here rather than fail on the first write.
            raise ValueError("must be valid UTF-8 text") from None
    return value


Identifier = Annotated[str, AfterValidator(validate_identifier)]

MAX_PATTERN_LENGTH = 1024
"""Longest namespace pattern, in characters (namespaces are at most that long)."""


def validate_namespace_patterns(value: object) -> object:
    """Turn a list of namespace patterns into a tuple, checking each; ``None`` stays ``None``.

    Patterns are shell-style globs (``*``, ``?``, ``[...]``) matched case-sensitively
    against whole namespace names. A bare string is refused rather than read as a list of
    one-character patterns.
    """
    if value is None:
        return None
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise ValueError(
            f"must be a list of namespace patterns (or None), not {type(value).__name__}"
        )
    for pattern in value:
        if not isinstance(pattern, str):
            raise ValueError(f"each pattern must be a string, not {type(pattern).__name__}")
        if not pattern:
            raise ValueError("a namespace pattern must be a non-empty string")
        if len(pattern) > MAX_PATTERN_LENGTH:
            raise ValueError(f"a namespace pattern must be at most {MAX_PATTERN_LENGTH} characters")
        try:
            pattern.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError("a namespace pattern must be valid UTF-8 text") from None
    return tuple(value)


NamespacePatterns = Annotated[
    Sequence[str] | None, BeforeValidator(validate_namespace_patterns)
]
"""A list of namespace patterns, kept as a tuple (so a frozen context cannot change)."""


class ExecutionContext(BaseModel):
    """Which user runs which agent, for one run of the sandbox.

    Frozen: plugins bind to these values when they contribute sandbox globals, and nothing
    can change them afterwards. ``run_id`` tells concurrent runs apart; the host gives every
    run a fresh one (see :meth:`for_run`).

    ``read_namespaces`` and ``write_namespaces`` are the namespace patterns the run may read
    and write (shell-style globs, e.g. ``["default", "shared-*"]``); ``None`` (the default)
    means every namespace of the user, an empty list none. Plugins enforce them; agent code
    can neither see nor change them.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)

    user_id: Identifier
    agent_name: Identifier
    run_id: str = Field(default_factory=lambda: uuid.uuid4().hex)
    read_namespaces: NamespacePatterns = None
    write_namespaces: NamespacePatterns = None

    def for_run(self) -> ExecutionContext:
        """Return a copy of this context with a new ``run_id``, for one more run."""
        return self.model_copy(update={"run_id": uuid.uuid4().hex})
