"""The guard functions and builtins compiled agent code calls: what it may touch at run time.

RestrictedPython rewrites ``a.b`` into ``_getattr_(a, "b")``, ``a[b]`` into
``_getitem_(a, b)``, ``for x in y`` into ``for x in _getiter_(y)``, ``a[b] = c`` into
``_write_(a)[b] = c``, ``f(*a)`` into ``_apply_(f, *a)`` and so on. Each guard here does
one of those jobs. The attribute rules, in one place:

* Public attributes of anything are readable, except :data:`RUNTIME_DENIED_ATTRIBUTES`
  and a few names that would change state shared by every run (see :data:`_PUBLIC_RULES`).
  Objects handed to agents therefore keep their internals in ``_`` attributes or closures.
* ``_private`` and ``__dunder__`` attributes are the agent's on what the agent owns: its
  own functions, and classes it defined (and their instances) whose bases are all the
  agent's or in :data:`OPEN_BASES` (builtin types, enums, ABCs, dataclass-friendly bases).
  A class derived from any other host class keeps that class's internals out of reach.
* On anything else only the introspection names (``__name__``, ``__qualname__``,
  ``__doc__``, ``__module__``, ``__class__``), namedtuple's ``_asdict``-family, and
  special methods of host classes *called on the agent's own objects*
  (``super().__init__()``, ``Exception.__init__(self, msg)``, ``dict.__setitem__(self, k, v)``)
  are available.
* ``type`` is :class:`SandboxType`: ``type(x)`` as usual, no 3-argument form.
"""

from __future__ import annotations

import _string  # type: ignore[import-not-found]
import abc
import builtins
import collections
import decimal
import enum
import functools
import inspect
import json
import operator
import string
import sys
import types
import typing
import weakref
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from RestrictedPython.Guards import guarded_iter_unpack_sequence, guarded_unpack_sequence

from sandbox_host.policy import (
    DENIED_ATTRIBUTES,
    REFUSED_METHODS,
    WRITABLE_DUNDER_ATTRIBUTES,
    hidden_name,
    is_dunder,
)

# dataclasses (and friends) look a class's module up by name in sys.modules; agent classes
# say "agent". An empty placeholder keeps that lookup from failing; agents cannot reach it.
sys.modules.setdefault(
    "agent", types.ModuleType("agent", "Placeholder: the module name of agent code.")
)

AGENT_FILENAME_PREFIX = "<agent "
"""Code objects compiled from agent source have file names starting with this."""

RUNTIME_DENIED_ATTRIBUTES = DENIED_ATTRIBUTES | {
    # asyncio futures and tasks: each leads to the event loop (threads, subprocesses) or
    # to frames. The asyncio facade never hands these objects out; this is the backstop.
    "get_loop", "get_stack", "print_stack", "get_coro",
}
"""Attribute names ``_getattr_`` refuses on any object."""

INTROSPECTION_ATTRIBUTES = frozenset({"__name__", "__qualname__", "__doc__", "__module__"})
"""Strings describing any object: readable everywhere."""

DATA_DUNDERS = frozenset({"__members__", "__match_args__"})
"""Read-only data of classes (an enum's members, a class's match arguments)."""

NAMEDTUPLE_API = frozenset({"_asdict", "_replace", "_fields", "_make", "_field_defaults"})
"""namedtuple's public API, named with a leading underscore to avoid field clashes."""

_SETATTR_FAMILY = frozenset({"__setattr__", "__delattr__", "__getattribute__"})

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

_MISSING: Any = object()

# ids of classes the agent defined (all), and of those whose bases are all open.
_AGENT_CLASS_IDS: set[int] = set()
_OPEN_CLASS_IDS: set[int] = set()


class RestrictedAttributeError(AttributeError):
    """An attribute exists (or may) but the sandbox does not hand it to agent code."""


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


# --- attribute guards --------------------------------------------------------------------


class _GuardedFormatter(string.Formatter):
    """``str.format`` whose fields resolve ``{a.b[c]}`` through the guards.

    Plain ``str.format`` does attribute lookups in C, e.g. ``"{0.__class__}"``, past every
    guard (see "Be careful with Python's new-style string format"). ``vformat`` numbers
    fields as ``str.format`` does, also ``{.name}`` and ``{[0]}`` (``string.Formatter``
    only numbers empty fields).
    """

    def vformat(
        self, format_string: str, args: Sequence[Any], kwargs: Mapping[str, Any]
    ) -> str:
        used: set[Any] = set()
        text, _ = self._fields(format_string, args, kwargs, used, 2, 0)
        self.check_unused_args(used, args, kwargs)
        return text

    def _fields(
        self, template: str, args: Sequence[Any], kwargs: Mapping[str, Any], used: set[Any],
        depth: int, auto: int | None,
    ) -> tuple[str, int | None]:
        # ``auto`` is the next automatic field number, or None once fields were numbered
        # by hand (mixing both is an error, as in str.format).
        if depth < 0:
            raise ValueError("Max string recursion exceeded")
        parts: list[str] = []
        for literal, field, spec, conversion in self.parse(template):
            parts.append(literal)
            if field is None:
                continue
            head = field.partition(".")[0].partition("[")[0]
            if head == "":
                if auto is None:
                    raise ValueError(
                        "cannot switch from manual field specification to automatic field "
                        "numbering"
                    )
                field, auto = f"{auto}{field}", auto + 1
            elif head.isdigit():
                if auto:
                    raise ValueError(
                        "cannot switch from automatic field numbering to manual field "
                        "specification"
                    )
                auto = None
            obj, key = self.get_field(field, args, kwargs)
            used.add(key)
            obj = self.convert_field(obj, conversion)
            spec, auto = self._fields(spec or "", args, kwargs, used, depth - 1, auto)
            parts.append(self.format_field(obj, spec))
        return "".join(parts), auto

    def get_field(self, field_name: str, args: Sequence[Any], kwargs: Mapping[str, Any]) -> Any:
        first, rest = _field_name_split(field_name)
        obj = self.get_value(first, args, kwargs)
        for is_attribute, part in rest:
            obj = guarded_getattr(obj, part) if is_attribute else guarded_getitem(obj, part)
        return obj, first


def _field_name_split(field_name: str) -> tuple[Any, Any]:
    # The C helper string.Formatter itself uses to parse field names.
    return _string.formatter_field_name_split(field_name)  # type: ignore[no-any-return]


_FORMATTER = _GuardedFormatter()


def safe_format(template: str, /, *args: Any, **kwargs: Any) -> str:
    """``template.format(*args, **kwargs)`` with guarded field lookups."""
    return _FORMATTER.vformat(template, args, kwargs)


def safe_format_map(template: str, mapping: Mapping[str, Any], /) -> str:
    """``template.format_map(mapping)`` with guarded field lookups."""
    return _FORMATTER.vformat(template, (), mapping)


def _safe_str_method(value: Any, name: str) -> Any:
    """Replace ``str.format``/``format_map`` (bound or not) by the guarded versions."""
    unsafe = str.format if name == "format" else str.format_map
    safe = safe_format if name == "format" else safe_format_map
    if value is unsafe:
        return safe
    owner = getattr(value, "__self__", None)
    if isinstance(value, types.BuiltinMethodType) and isinstance(owner, str):
        return functools.partial(safe, owner)
    return value


def _restricted(name: str) -> str:
    return f'"{name}" is a restricted attribute name in the sandbox'


def _refuse_always(obj: Any, name: str) -> None:
    raise RestrictedAttributeError(_restricted(name))


def _refuse_exception_obj(obj: Any, name: str) -> None:
    # AttributeError.obj is the object a lookup failed on, possibly one inside the host.
    if isinstance(obj, BaseException):
        raise RestrictedAttributeError(f'"{name}" of exceptions is not available in the sandbox')


def _refuse_shared_abc_register(obj: Any, name: str) -> None:
    if isinstance(obj, abc.ABCMeta) and not is_agent_class(obj):
        raise RestrictedAttributeError(
            f"{obj.__name__}.register would change a class shared by every run; register "
            "virtual subclasses only on abstract classes the agent defined"
        )


async def _probe_agen() -> Any:  # pragma: no cover - never iterated
    yield None


_probe = _probe_agen()
_DRIVEN_TYPES = (types.CoroutineType, type(_probe.asend(None)), type(_probe.athrow(ValueError)))
del _probe


def _refuse_driving_coroutines(obj: Any, name: str) -> None:
    if isinstance(obj, _DRIVEN_TYPES):
        raise RestrictedAttributeError(
            f"coroutines cannot be driven by hand with .{name}() in the sandbox: await them"
        )


_PUBLIC_RULES: dict[str, Callable[[Any, str], None]] = {
    **{name: _refuse_always for name in RUNTIME_DENIED_ATTRIBUTES if not name.startswith("_")},
    "obj": _refuse_exception_obj,
    "register": _refuse_shared_abc_register,
    "send": _refuse_driving_coroutines,
    "throw": _refuse_driving_coroutines,
}
"""Public names with a rule; every other public name is simply looked up."""

_FORMAT_NAMES = frozenset({"format", "format_map"})


def guarded_getattr(obj: Any, name: str, default: Any = _MISSING) -> Any:
    """``_getattr_`` and the ``getattr`` builtin (see the module docstring for the rules).

    A refusal raises :class:`RestrictedAttributeError` even when ``default`` is given: a
    refused attribute is not a missing one, and pretending otherwise would change answers.
    Raw modules are never returned, whatever object holds them.
    """
    if type(name) is not str:
        raise TypeError("attribute name must be a string")
    if name.startswith("_"):
        return _underscore_attribute(obj, name, default)
    rule = _PUBLIC_RULES.get(name)
    if rule is not None:
        rule(obj, name)
    try:
        value = getattr(obj, name)
    except AttributeError:
        if default is _MISSING:
            raise
        return default
    if isinstance(value, types.ModuleType):
        raise RestrictedAttributeError(
            f'"{name}" is a module, which is not available in the sandbox'
        )
    if name in _FORMAT_NAMES:
        return _safe_str_method(value, name)
    return value


def _lookup(obj: Any, name: str, default: Any) -> Any:
    try:
        return getattr(obj, name)
    except AttributeError:
        if default is _MISSING:
            raise
        return default


def _underscore_attribute(obj: Any, name: str, default: Any) -> Any:
    dunder = is_dunder(name)
    if dunder:
        if name in RUNTIME_DENIED_ATTRIBUTES:
            raise RestrictedAttributeError(_restricted(name))
        if name in INTROSPECTION_ATTRIBUTES:
            return _introspection(obj, name, default)
        if name == "__class__":
            return sandbox_type(obj)
        if name in DATA_DUNDERS and isinstance(obj, type):
            return _lookup(obj, name, default)
    elif name in NAMEDTUPLE_API and _is_namedtuple(obj):
        return _lookup(obj, name, default)
    if name == "__dict__" and isinstance(obj, WRITABLE_TYPES) and not isinstance(obj, type):
        # Per-run objects (a SimpleNamespace, a logger): their attributes are their data.
        return _lookup(obj, name, default)
    target = _ownership_target(obj)
    if target is not None and owns(target):
        value = _lookup(obj, name, default)
        return _checked_special_method(value, name) if dunder else value
    if dunder and isinstance(obj, type):
        # ``Exception.__init__(self, msg)``, ``dict.__setitem__(self, k, v)``,
        # ``object.__new__(cls)``: special methods of host classes, usable on the agent's
        # own objects (and on plain values). Data (``__dict__``, ``__slots__``) is not.
        value = _lookup(obj, name, default)
        if callable(value) and not isinstance(value, type):
            return _first_argument_checked(value, name)
    elif dunder and type(obj) in _VALUE_TYPES:
        # ``"a".__len__()``: bound to a plain value, nothing of the host behind it.
        return _checked_special_method(_lookup(obj, name, default), name)
    raise RestrictedAttributeError(_refusal_message(obj, name))


def _refusal_message(obj: Any, name: str) -> str:
    kind = type(obj).__name__ if not isinstance(obj, type) else obj.__name__
    target = _ownership_target(obj)
    if target is not None and is_agent_object(target):
        cls = target if isinstance(target, type) else type(target)
        closed = [base.__name__ for base in cls.__mro__[1:] if not _is_open_base(base)]
        return (
            f'"{name}" is not available: {cls.__name__} derives from the host class '
            f"{closed[0] if closed else '?'}, whose internals the sandbox keeps out of reach"
        )
    return (
        f'"{name}" of {kind} objects is not available in the sandbox: "_" attributes are '
        "readable on the agent's own objects only"
    )


def _introspection(obj: Any, name: str, default: Any) -> Any:
    # Host objects that answer these themselves (a module facade's ``__name__``) say so
    # with a ``sandbox_introspection`` method on their class.
    answer = getattr(type(obj), "sandbox_introspection", None)
    if answer is not None:
        return answer(obj, name)
    value = _lookup(obj, name, default)
    if value is not None and not isinstance(value, str):
        raise RestrictedAttributeError(f'"{name}" of {type(obj).__name__} objects is not a string')
    return value


def _is_namedtuple(obj: Any) -> bool:
    cls = obj if isinstance(obj, type) else type(obj)
    return issubclass(cls, tuple) and isinstance(getattr(cls, "_fields", None), tuple)


_UNBOUND_TYPES = (types.WrapperDescriptorType, types.MethodDescriptorType)


def _checked_special_method(value: Any, name: str) -> Any:
    """Wrap a special method of a host class so that it only runs on the agent's objects.

    Bound methods are bound to an object the agent owns already; the ``__setattr__``
    family still gets its attribute name checked. Unbound ones (``object.__setattr__``,
    ``dict.__setitem__``, ``object.__new__``) check their first argument.
    """
    if isinstance(value, _UNBOUND_TYPES) or (
        type(value) is types.BuiltinFunctionType and isinstance(value.__self__, type)
    ):
        return _first_argument_checked(value, name)
    if name in _SETATTR_FAMILY and type(value) is types.MethodWrapperType:
        return _name_checked(value, name, value.__self__)
    return value


def _first_argument_checked(function: Any, name: str) -> Callable[..., Any]:
    def call(first: Any, *args: Any, **kwargs: Any) -> Any:
        if not _owned_or_value(first):
            raise TypeError(
                f"{name} of a host class can only be called on objects of the agent's own "
                f"classes in the sandbox, not on {type(first).__name__} objects"
            )
        if name in _SETATTR_FAMILY and args:
            _check_attribute_access(first, args[0], name)
        return function(first, *args, **kwargs)

    call.__name__ = call.__qualname__ = name
    return call


def _name_checked(bound: Any, name: str, owner: Any) -> Callable[..., Any]:
    def call(attribute: Any, *args: Any) -> Any:
        _check_attribute_access(owner, attribute, name)
        return bound(attribute, *args)

    call.__name__ = call.__qualname__ = name
    return call


def _check_attribute_access(owner: Any, attribute: Any, how: str) -> None:
    if type(attribute) is not str:
        raise TypeError("attribute name must be a string")
    if attribute in RUNTIME_DENIED_ATTRIBUTES:
        raise RestrictedAttributeError(_restricted(attribute))
    writing = how != "__getattribute__"
    if writing and is_dunder(attribute) and attribute not in WRITABLE_DUNDER_ATTRIBUTES:
        raise RestrictedAttributeError(
            f'"{attribute}" cannot be assigned or deleted in the sandbox'
        )


def guarded_hasattr(obj: Any, name: str) -> bool:
    """The ``hasattr`` builtin: truthful, also for attributes the sandbox would not hand out.

    A refused attribute is looked up statically (no code runs), so ``hasattr(x,
    "__iter__")`` says what CPython says without returning anything.
    """
    try:
        guarded_getattr(obj, name)
    except RestrictedAttributeError:
        return inspect.getattr_static(obj, name, _MISSING) is not _MISSING
    except AttributeError:
        return False
    return True


def guarded_vars(*args: Any) -> dict[str, Any]:
    """``vars(obj)``: the ``__dict__`` of the agent's own objects. ``vars()`` with no
    argument would hand out the run's globals (where the guards live), so it is refused."""
    if len(args) != 1:
        raise TypeError(
            "vars() needs an argument in the sandbox: the module and local namespaces are "
            "not available"
        )
    value: dict[str, Any] = guarded_getattr(args[0], "__dict__")
    return value


guarded_getitem: Callable[[Any, Any], Any] = operator.getitem
"""``_getitem_``: plain subscription. Nothing reachable from the sandbox hides a module,
frame or global behind ``[]``, and this runs in every loop, so it stays a C call."""

guarded_getiter: Callable[[Any], Any] = builtins.iter
"""``_getiter_``: plain ``iter()``, for the same reasons as :data:`guarded_getitem`."""

apply_call: Callable[..., Any] = operator.call
"""``_apply_``: ``f(*args, **kwargs)`` as CPython calls it. RestrictedPython routes star
calls through it; unpacking iterates and reads mappings like any agent code may, and the
C-level call adds no Python frame (recursion through star calls stays as deep as CPython's)."""


# --- write guards ------------------------------------------------------------------------


def guarded_write(obj: Any) -> Any:
    """``_write_``: allow item and public attribute writes to objects the agent may change.

    Dicts, lists and the like (including ones a plugin returned: they are the agent's
    copy), the agent's functions, classes and their instances. Everything else --
    facades, host objects, builtin types -- is read-only, so no agent can change what
    another run sees.
    """
    if isinstance(obj, WRITABLE_TYPES) or is_agent_object(obj) or is_agent_function(obj):
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


_INPLACE_OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    "+=": operator.iadd,
    "-=": operator.isub,
    "*=": operator.imul,
    "/=": operator.itruediv,
    "//=": operator.ifloordiv,
    "%=": operator.imod,
    "**=": operator.ipow,
    "<<=": operator.ilshift,
    ">>=": operator.irshift,
    "|=": operator.ior,
    "^=": operator.ixor,
    "&=": operator.iand,
    "@=": operator.imatmul,
}


def inplace_var(op: str, target: Any, value: Any) -> Any:
    """``_inplacevar_``: perform ``target op= value`` and return the result to bind."""
    return _INPLACE_OPERATORS[op](target, value)


# --- printing ----------------------------------------------------------------------------


class PrintCollector:
    """Collects one run's ``print`` output (``_print_`` returns it; ``printed`` reads it).

    Output beyond ``max_chars`` is dropped with a marker, so a chatty loop cannot fill the
    host's memory. It is also the stream the run's ``logging`` writes to.
    """

    def __init__(self, max_chars: int = 1_000_000) -> None:
        self._parts: list[str] = []
        self._size = 0
        self._max_chars = max_chars
        self._truncated = False

    def __call__(self) -> str:
        """``printed`` in agent code: everything printed so far."""
        return self.text()

    def factory(self, _getattr_: Any = None) -> PrintCollector:
        """``_print_``: compiled code calls it once per function; always this collector."""
        return self

    def write(self, text: str) -> None:
        """Append ``text`` (file protocol for ``print``)."""
        if self._size >= self._max_chars:
            self._truncated = True
            return
        if self._size + len(text) > self._max_chars:
            self._truncated = True
        self._parts.append(text[: self._max_chars - self._size])
        self._size += len(text)

    def flush(self) -> None:
        """File protocol: nothing to flush (``print(..., flush=True)``)."""

    def _call_print(
        self, *objects: Any, sep: str | None = " ", end: str | None = "\n", **kwargs: Any
    ) -> None:
        # RestrictedPython compiles ``print(...)`` to ``_print._call_print(...)``. Printing
        # to another file needs that object's public ``write``; it goes through the guard.
        target = kwargs.pop("file", None)
        if target is not None:
            guarded_getattr(target, "write")
        builtins.print(*objects, sep=sep, end=end, file=target or self, **kwargs)

    def text(self) -> str:
        """Everything printed so far."""
        suffix = "\n[output truncated]\n" if self._truncated else ""
        return "".join(self._parts) + suffix


_SAFE_BUILTIN_NAMES = (  # noqa: SIM905 - a word list reads better than 100 quoted names
    "abs all any ascii bin bool bytearray bytes callable chr classmethod complex dict dir "
    "divmod enumerate filter float format frozenset hash hex id int isinstance issubclass "
    "iter len list map max min next object oct ord pow property range repr reversed round "
    "set slice sorted staticmethod str sum super tuple zip aiter anext None True False "
    "Ellipsis NotImplemented ArithmeticError AssertionError AttributeError BaseException "
    "BaseExceptionGroup BufferError BytesWarning DeprecationWarning EOFError "
    "EnvironmentError Exception ExceptionGroup FloatingPointError FutureWarning "
    "GeneratorExit IOError ImportError IndentationError IndexError KeyError LookupError "
    "MemoryError ModuleNotFoundError NameError NotImplementedError OSError OverflowError "
    "PendingDeprecationWarning RecursionError ReferenceError RuntimeError RuntimeWarning "
    "StopAsyncIteration StopIteration SyntaxError SyntaxWarning SystemError TabError "
    "TimeoutError TypeError UnboundLocalError UnicodeDecodeError UnicodeEncodeError "
    "UnicodeError UnicodeTranslateError UnicodeWarning UserWarning ValueError Warning "
    "ZeroDivisionError"
).split()
"""Builtins agents get as they are. Deliberately absent: ``open``, ``eval``, ``exec``,
``compile``, ``globals``, ``locals``, ``input``, ``help``, ``breakpoint``, ``memoryview``,
``exit``/``quit``, ``KeyboardInterrupt``/``SystemExit`` (the host must tell a real one from
the agent's). ``type``, ``vars``, ``getattr`` and friends are the guarded versions."""

SAFE_BUILTINS: types.MappingProxyType[str, Any] = types.MappingProxyType(
    {
        **{name: getattr(builtins, name) for name in _SAFE_BUILTIN_NAMES},
        # ``class`` statements need the real __build_class__; agents cannot name it.
        "__build_class__": builtins.__build_class__,
        "type": SandboxType,
        "vars": guarded_vars,
        "getattr": guarded_getattr,
        "hasattr": guarded_hasattr,
        "setattr": guarded_setattr,
        "delattr": guarded_delattr,
    }
)
"""Builtins of every run, except the per-run ``__import__`` (see the runner)."""

GUARD_GLOBALS: types.MappingProxyType[str, Any] = types.MappingProxyType(
    {
        hidden_name("_getattr_"): guarded_getattr,
        hidden_name("_getitem_"): guarded_getitem,
        hidden_name("_getiter_"): guarded_getiter,
        hidden_name("_write_"): guarded_write,
        hidden_name("_write_private_"): guarded_write_private,
        hidden_name("_inplacevar_"): inplace_var,
        hidden_name("_apply_"): apply_call,
        hidden_name("_unpack_sequence_"): guarded_unpack_sequence,
        hidden_name("_iter_unpack_sequence_"): guarded_iter_unpack_sequence,
        hidden_name("__metaclass__"): AgentClassBuilder(),
        "__name__": "agent",
    }
)
"""Guard names every run's globals hold (globals, not builtins: they are looked up in
every loop iteration and globals are searched first). Their names are hidden (see
:func:`sandbox_host.policy.hidden_name`)."""
