"""Which namespaces one run may read and write, and what each ``data_store`` operation needs.

The host binds the patterns at injection, like the user and agent
(:class:`sandbox_host.context.ExecutionContext`'s ``read_namespaces``/``write_namespaces``);
agent code never sees this object. Patterns are shell-style globs (``*``, ``?``, ``[...]``)
matched case-sensitively against the whole namespace name: ``reports`` allows only
``reports``, and a namespace literally named ``reports*`` is not ``reports``.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable
from typing import Literal

from agent_data_store.errors import NamespacePermissionError

Access = Literal["read", "write"]

READ: frozenset[Access] = frozenset({"read"})
WRITE: frozenset[Access] = frozenset({"write"})
READ_WRITE: frozenset[Access] = READ | WRITE

OPERATION_ACCESS: dict[str, frozenset[Access]] = {
    "get": READ,
    "get_many": READ,
    "get_all": READ,
    "get_record": READ,
    "list_keys": READ,
    "set": WRITE,
    "set_many": WRITE,
    "set_if_absent": WRITE,
    "compare_and_set": WRITE,
    "delete": WRITE,
    "delete_many": WRITE,
    "clear": WRITE,
    # increment returns the stored number, so a run that may only write a namespace
    # cannot use it to read one.
    "increment": READ_WRITE,
    # Not about one namespace: list_namespaces lists only readable ones, use_namespace
    # needs read or write access to the namespace it switches to.
    "list_namespaces": frozenset(),
    "use_namespace": frozenset(),
}
"""What each agent-facing operation needs on the namespace it works on. Every operation of
``data_store`` must be listed: the handle refuses to expose one that is not (fail closed).
Operations that change records need write access; those that return stored values, read
access. Writes tell whether a key existed (``delete`` returns it), never a value."""

PATTERNS_SHOWN = 10
NAME_SHOWN_CHARS = 80


class NamespacePermissions:
    """The read and write namespace patterns of one run; ``None`` means every namespace."""

    __slots__ = ("_read", "_read_patterns", "_write", "_write_patterns")

    def __init__(
        self, read: Iterable[str] | None = None, write: Iterable[str] | None = None
    ) -> None:
        self._read_patterns = None if read is None else tuple(read)
        self._write_patterns = None if write is None else tuple(write)
        self._read = _compile(self._read_patterns)
        self._write = _compile(self._write_patterns)

    @property
    def unrestricted(self) -> bool:
        """Whether every namespace may be read and written."""
        return self._read_patterns is None and self._write_patterns is None

    def can_read(self, namespace: str) -> bool:
        """Whether the run may read ``namespace``."""
        return self._read is None or self._read.match(namespace) is not None

    def can_write(self, namespace: str) -> bool:
        """Whether the run may write ``namespace``."""
        return self._write is None or self._write.match(namespace) is not None

    def allows(self, operation: str, namespace: str) -> bool:
        """Whether ``data_store.<operation>`` may run on ``namespace``.

        Raises ``KeyError`` for an operation :data:`OPERATION_ACCESS` does not list.
        """
        try:
            needed = OPERATION_ACCESS[operation]
        except KeyError:
            raise KeyError(
                f"OPERATION_ACCESS does not say what data_store.{operation} needs"
            ) from None
        return ("read" not in needed or self.can_read(namespace)) and (
            "write" not in needed or self.can_write(namespace)
        )

    def check(self, operation: str, namespace: str, agent: str) -> None:
        """Raise :class:`NamespacePermissionError` unless :meth:`allows` says yes."""
        if not self.allows(operation, namespace):
            raise self.denied(operation, namespace, agent)

    def check_reachable(self, namespace: str, agent: str) -> None:
        """``use_namespace``'s rule: the run must be able to read or write ``namespace``."""
        if not (self.can_read(namespace) or self.can_write(namespace)):
            raise self.denied("use_namespace", namespace, agent)

    def denied(self, operation: str, namespace: str, agent: str) -> NamespacePermissionError:
        """The error saying ``agent`` may not do ``operation`` on ``namespace``, and what it
        may do instead."""
        missing: list[Access] = []
        if not self.can_read(namespace):
            missing.append("read")
        if not self.can_write(namespace):
            missing.append("write")
        if operation != "use_namespace":
            missing = [access for access in missing if access in OPERATION_ACCESS[operation]]
        what = "neither read nor write" if len(missing) == 2 else f"not {missing[0]}"
        allowed = "; ".join(f"it may {access} {self._describe(access)}" for access in missing)
        return NamespacePermissionError(
            f"agent {_shown(agent)} may {what} namespace {_shown(namespace)} "
            f"(data_store.{operation}); {allowed}",
            namespace=namespace, operation=operation, agent=agent,
        )

    def _describe(self, access: Access) -> str:
        patterns = self._read_patterns if access == "read" else self._write_patterns
        if not patterns:
            return "no namespace"
        shown = ", ".join(_shown(pattern) for pattern in patterns[:PATTERNS_SHOWN])
        hidden = len(patterns) - PATTERNS_SHOWN
        more = f" and {hidden} more" if hidden > 0 else ""
        return f"namespaces matching {shown}{more}"

    def __repr__(self) -> str:
        return (f"NamespacePermissions(read={self._read_patterns!r}, "
                f"write={self._write_patterns!r})")


def _compile(patterns: tuple[str, ...] | None) -> re.Pattern[str] | None:
    """One regular expression matching exactly the names any of ``patterns`` matches.

    An empty tuple compiles to a pattern that matches nothing.
    """
    if patterns is None:
        return None
    if not patterns:
        return re.compile(r"(?!)")
    return re.compile("|".join(f"(?:{fnmatch.translate(pattern)})" for pattern in patterns))


def _shown(name: str) -> str:
    if len(name) > NAME_SHOWN_CHARS:
        return repr(name[:NAME_SHOWN_CHARS]) + "…"
    return repr(name)


UNRESTRICTED = NamespacePermissions()
"""Every namespace of the user, read and write: what a run gets when the host sets nothing."""
