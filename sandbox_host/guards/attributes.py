"""Attribute reads: what ``obj.name`` (``_getattr_``), ``getattr``, ``hasattr`` and
``vars`` give agent code. The rules are in the package docstring."""

from __future__ import annotations

import _string  # type: ignore[import-not-found]
import abc
import functools
import inspect
import operator
import string
import types
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sandbox_host.guards import ownership
from sandbox_host.guards.ownership import (
    _VALUE_TYPES,
    _is_open_base,
    _owned_or_value,
    _ownership_target,
    is_agent_class,
    is_agent_object,
    owns,
    sandbox_type,
)
from sandbox_host.policy import DENIED_ATTRIBUTES, WRITABLE_DUNDER_ATTRIBUTES, is_dunder

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

_MISSING: Any = object()


class RestrictedAttributeError(AttributeError):
    """An attribute exists (or may) but the sandbox does not hand it to agent code."""




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
            obj = guarded_getattr(obj, part) if is_attribute else obj[part]
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
    if name == "__dict__" and not isinstance(obj, type) and isinstance(
        obj, ownership.WRITABLE_TYPES
    ):
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


apply_call: Callable[..., Any] = operator.call
"""``_apply_``: ``f(*args, **kwargs)`` as CPython calls it. RestrictedPython routes star
calls through it; unpacking iterates and reads mappings like any agent code may, and the
C-level call adds no Python frame (recursion through star calls stays as deep as CPython's)."""
