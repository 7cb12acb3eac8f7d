"""Writes: which objects agent code may change in place (``_write_``), and how."""

from __future__ import annotations

from typing import Any

from sandbox_host.guards import ownership
from sandbox_host.guards.attributes import _check_attribute_access, _refusal_message
from sandbox_host.guards.ownership import (
    _VALUE_TYPES,
    is_agent_function,
    is_agent_object,
    owns,
)


def guarded_write(obj: Any) -> Any:
    """``_write_``: allow item and public attribute writes to objects the agent may change.

    Dicts, lists and the like (including ones a plugin returned: they are the agent's
    copy), the agent's functions, classes and their instances. Everything else --
    facades, host objects, builtin types -- is read-only, so no agent can change what
    another run sees.
    """
    if isinstance(obj, ownership.WRITABLE_TYPES) or is_agent_object(obj) or is_agent_function(obj):
        return obj
    if type(obj) in _VALUE_TYPES:
        # Immutable builtins (tuple, str, frozenset...): CPython's own error says it best.
        return obj
    raise TypeError(
        f"cannot modify {type(obj).__name__!r} objects in the sandbox: only dicts, lists "
        "and objects of classes defined by the agent can be changed"
    )


def guarded_write_private(obj: Any, name: str) -> Any:
    """``_write_private_``: private attribute writes (``self._x = 1``) need an object that
    :func:`owns` says is the agent's."""
    if owns(obj):
        return obj
    raise TypeError(_write_refusal(obj, name))


def _write_refusal(obj: Any, name: str) -> str:
    if is_agent_object(obj):
        return _refusal_message(obj, name).replace("is not available", "cannot be set", 1)
    return (
        f'cannot set "{name}" on {type(obj).__name__!r} objects in the sandbox: "_" '
        "attributes can be set on the agent's own objects only"
    )


def guarded_setattr(obj: Any, name: str, value: Any) -> None:
    """The ``setattr`` builtin: the write guard plus the attribute-name checks."""
    _check_attribute_access(obj, name, "setattr")
    target = guarded_write_private(obj, name) if name.startswith("_") else guarded_write(obj)
    setattr(target, name, value)


def guarded_delattr(obj: Any, name: str) -> None:
    """The ``delattr`` builtin: the write guard plus the attribute-name checks."""
    _check_attribute_access(obj, name, "delattr")
    target = guarded_write_private(obj, name) if name.startswith("_") else guarded_write(obj)
    delattr(target, name)
