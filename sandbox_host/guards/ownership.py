"""Who owns what: the agent's classes and functions, and what agent code may change.

Every ``class`` statement in agent code goes through :class:`AgentClassBuilder`, which
records the class. A class whose bases are all the agent's or :data:`OPEN_BASES` is *open*:
its private and special attributes are the agent's (:func:`owns`). ``type`` in the sandbox
is :class:`SandboxType`.
"""

from __future__ import annotations

import abc
import collections
import collections.abc
import decimal
import enum
import json
import string
import sys
import types
import typing
import weakref
from collections import deque
from collections.abc import Mapping
from typing import Any

from sandbox_host.policy import REFUSED_METHODS

# dataclasses (and friends) look a class's module up by name in sys.modules; agent classes
# say "agent". An empty placeholder keeps that lookup from failing; agents cannot reach it.
sys.modules.setdefault(
    "agent", types.ModuleType("agent", "Placeholder: the module name of agent code.")
)

AGENT_FILENAME_PREFIX = "<agent "
"""Code objects compiled from agent source have file names starting with this."""

WRITABLE_TYPES: tuple[type, ...] = (
    dict, list, bytearray, deque, collections.ChainMap, collections.UserDict,
    collections.UserList, decimal.Context, type(decimal.Context().traps),
)
"""Containers and per-run objects an agent may change in place besides its own objects.
Facades add the classes of the per-run objects they make (:func:`add_writable_types`)."""

_VALUE_TYPES = frozenset(
    {int, float, complex, str, bytes, bytearray, bool, list, tuple, dict, set, frozenset,
     type(None), range, slice}
)
"""Builtin value types whose special methods (``"a".__len__()``) are harmless to call."""

OPEN_BASES: frozenset[type] = frozenset(
    {
        collections.OrderedDict, collections.defaultdict, collections.Counter, deque,
        collections.ChainMap, collections.UserDict, collections.UserList,
        collections.UserString, enum.Enum, enum.IntEnum, enum.StrEnum, enum.Flag,
        enum.IntFlag, enum.ReprEnum, typing.Generic, typing.Protocol, abc.ABC,
        json.JSONEncoder, json.JSONDecoder, string.Template, decimal.Decimal,
        *(getattr(collections.abc, name) for name in collections.abc.__all__),
    }
)
"""Host classes an agent class may derive from and still own its private attributes: their
own private state is harmless to the agent (builtin types are open too, see
:func:`_is_open_base`). Facades add their own classes through :func:`add_open_bases`."""

_extra_open_bases: set[type] = set()

# ids of classes the agent defined (all), and of those whose bases are all open.
_AGENT_CLASS_IDS: set[int] = set()
_OPEN_CLASS_IDS: set[int] = set()


def add_open_bases(*classes: type) -> None:
    """Declare host classes built for agents to subclass (their internals are harmless)."""
    _extra_open_bases.update(classes)


def add_writable_types(*classes: type) -> None:
    """Declare classes whose instances are made per run, so agents may set their public
    attributes (a logger's ``propagate``, a wrapper's ``width``)."""
    global WRITABLE_TYPES
    WRITABLE_TYPES = (*WRITABLE_TYPES, *classes)


def _is_open_base(cls: type) -> bool:
    return (
        id(cls) in _AGENT_CLASS_IDS
        or cls in OPEN_BASES
        or cls in _extra_open_bases
        or (cls.__module__ == "builtins" and not issubclass(cls, type))
    )


# --- the agent's own objects -------------------------------------------------------------


def register_agent_class(cls: type) -> type:
    """Remember ``cls`` as defined by the agent (and whether all its bases are open)."""
    ident = id(cls)
    _AGENT_CLASS_IDS.add(ident)
    if all(_is_open_base(base) for base in cls.__mro__[1:]):
        _OPEN_CLASS_IDS.add(ident)
    else:
        _check_match_args(cls)
    weakref.finalize(cls, _forget_class, ident)
    return cls


def _forget_class(ident: int) -> None:
    _AGENT_CLASS_IDS.discard(ident)
    _OPEN_CLASS_IDS.discard(ident)


def _check_match_args(cls: type) -> None:
    # ``case Cls(a, b)`` reads the attributes named in __match_args__ with a plain getattr;
    # a class that cannot read its host base's internals must not name them there.
    for name in getattr(cls, "__match_args__", ()):
        if not isinstance(name, str) or name.startswith("_"):
            raise TypeError(
                f"__match_args__ of {cls.__name__} names {name!r}: a class derived from a "
                "host class cannot match on private attributes"
            )


def is_agent_class(obj: Any) -> bool:
    """True for classes the agent defined."""
    return isinstance(obj, type) and id(obj) in _AGENT_CLASS_IDS


def is_agent_function(obj: Any) -> bool:
    """True for functions (and lambdas) compiled from agent source."""
    return type(obj) is types.FunctionType and obj.__code__.co_filename.startswith(
        AGENT_FILENAME_PREFIX
    )


def is_agent_object(obj: Any) -> bool:
    """True for classes defined by agent code and their instances."""
    return id(type(obj)) in _AGENT_CLASS_IDS or is_agent_class(obj)


def owns(obj: Any) -> bool:
    """True if ``obj``'s private and special attributes are the agent's: its functions,
    and its classes (and their instances) whose bases are all open."""
    return (
        id(type(obj)) in _OPEN_CLASS_IDS
        or (isinstance(obj, type) and id(obj) in _OPEN_CLASS_IDS)
        or is_agent_function(obj)
    )


def _ownership_target(obj: Any) -> Any:
    # ``super()`` reads attributes of the object it was made for.
    if type(obj) is super:
        return obj.__self__  # type: ignore[attr-defined]
    return obj


def _owned_or_value(first: Any) -> bool:
    return owns(first) or type(first) in _VALUE_TYPES


# --- metaclasses and class creation ------------------------------------------------------

ALLOWED_METACLASSES: frozenset[type] = frozenset(
    {type, abc.ABCMeta, enum.EnumType, type(typing.Protocol), typing.NamedTupleMeta,  # type: ignore[attr-defined]
     typing._TypedDictMeta}  # type: ignore[attr-defined]
)
"""Metaclasses of classes an agent may define; an agent cannot define metaclasses."""

METACLASS_KEYWORD = "%metaclass"
"""How the policy passes an explicit ``metaclass=`` to the builder."""


def _metaclass_for(bases: tuple[Any, ...], explicit: Any) -> type:
    meta: type = type if explicit is None else explicit
    if explicit is not None and explicit is SandboxType:
        meta = type
    for base in bases:
        base_meta = type(base)
        if issubclass(meta, base_meta):
            continue
        if issubclass(base_meta, meta):
            meta = base_meta
            continue
        raise TypeError(
            "metaclass conflict: the metaclass of a derived class must be a (non-strict) "
            "subclass of the metaclasses of all its bases"
        )
    if meta not in ALLOWED_METACLASSES:
        raise TypeError(
            f"classes with metaclass {meta.__name__!r} cannot be defined in the sandbox "
            "(agent code cannot define metaclasses); allowed: type, ABCMeta, EnumType and "
            "the typing metaclasses"
        )
    return meta


class AgentClassBuilder:
    """The ``metaclass`` of every ``class`` statement in agent code.

    It picks the metaclass ``class`` itself would (the most derived of the bases', or an
    explicit, allowed one), lets it prepare the namespace and build the class, refuses
    special methods the sandbox does not run, and records the class as the agent's.
    """

    __slots__ = ()

    def __prepare__(self, name: str, bases: tuple[Any, ...], **kwargs: Any) -> Mapping[str, Any]:
        """The namespace the metaclass prepares (an enum's member dict, for example)."""
        meta = _metaclass_for(bases, kwargs.pop(METACLASS_KEYWORD, None))
        return meta.__prepare__(name, bases, **kwargs)

    def __call__(
        self, name: str, bases: tuple[Any, ...], namespace: dict[str, Any], **kwargs: Any
    ) -> type:
        """Build the class with its metaclass and register it as the agent's."""
        meta = _metaclass_for(bases, kwargs.pop(METACLASS_KEYWORD, None))
        for refused, why in REFUSED_METHODS.items():
            if refused in namespace:
                raise TypeError(f"{name} cannot define {refused}: {why}")
        return register_agent_class(meta(name, bases, namespace, **kwargs))

    def __repr__(self) -> str:
        return "<sandbox class builder>"


class _TypeMeta(type):
    # ``isinstance(x, type)`` and ``issubclass(m, type)`` answer for the real ``type``,
    # and calling the sandbox ``type`` goes through SandboxType.__new__ semantics.
    def __instancecheck__(cls, obj: Any) -> bool:
        return isinstance(obj, type)

    def __subclasscheck__(cls, sub: Any) -> bool:
        return issubclass(sub, type)

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        if len(args) != 1 or kwargs:
            raise TypeError(
                "type() takes one argument in the sandbox: creating classes with "
                "type(name, bases, namespace) is not available; use a class statement"
            )
        return sandbox_type(args[0])

    def __repr__(cls) -> str:
        return "<class 'type'>"


class SandboxType(metaclass=_TypeMeta):
    """The sandbox's ``type``: ``type(x)`` returns ``x``'s class, with one difference --
    where that class is a metaclass (``type(int)``), the answer is this class itself, so
    ``type(int) is type`` holds and the real ``type`` (which can build classes from
    arbitrary namespaces) is never handed out."""

    __slots__ = ()


SandboxType.__name__ = SandboxType.__qualname__ = "type"
SandboxType.__module__ = "builtins"


def sandbox_type(obj: Any) -> type:
    """``type(obj)``, or :class:`SandboxType` for classes (whose type is a metaclass)."""
    cls = type(obj)
    return SandboxType if issubclass(cls, type) else cls
