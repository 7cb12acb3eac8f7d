"""The guard functions and safe builtins compiled agent code calls.

RestrictedPython rewrites ``a.b`` into ``_getattr_(a, "b")``, ``a[b]`` into
``_getitem_(a, b)``, ``for x in y`` into ``for x in _getiter_(y)``, ``a[b] = c`` into
``_write_(a)[b] = c`` and so on. Each guard here does one of those jobs.
"""

from __future__ import annotations

import _string  # type: ignore[import-not-found]
import builtins
import operator
import string
import types
import weakref
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from RestrictedPython.Guards import guarded_iter_unpack_sequence, guarded_unpack_sequence

from sandbox_host.policy import DENIED_ATTRIBUTES

RUNTIME_DENIED_ATTRIBUTES = DENIED_ATTRIBUTES | {
    # asyncio futures and tasks: each leads to the event loop (threads, subprocesses) or
    # to frames. The asyncio facade never hands these objects out; this is the backstop.
    "get_loop",
    "get_stack",
    "print_stack",
    "get_coro",
}
"""Attribute names ``_getattr_`` refuses on any object (underscore names are refused too)."""

EXCEPTION_DENIED_ATTRIBUTES = frozenset({"obj"})
"""``AttributeError.obj`` is the object a lookup failed on, possibly one inside the host."""

WRITABLE_TYPES = (dict, list, bytearray, deque)
"""Containers an agent may change in place; anything else must be its own object."""

_FORMAT_NAMES = frozenset({"format", "format_map"})

_MISSING: Any = object()

_agent_classes: weakref.WeakSet[type] = weakref.WeakSet()


class _GuardedFormatter(string.Formatter):
    """``str.format`` whose fields resolve ``{a.b[c]}`` through the guards.

    Plain ``str.format`` does attribute lookups in C, e.g. ``"{0.__class__}"``, past every
    guard (see "Be careful with Python's new-style string format").
    """

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

        def bound(*args: Any, **kwargs: Any) -> str:
            return safe(owner, *args, **kwargs)

        return bound
    return value


def check_attribute_name(obj: Any, name: Any) -> None:
    """Raise if agent code may not read attribute ``name`` of ``obj``."""
    if type(name) is not str:
        raise TypeError("attribute name must be a string")
    if name.startswith("_"):
        raise AttributeError(f'"{name}" is an invalid attribute name because it starts with "_"')
    if name in RUNTIME_DENIED_ATTRIBUTES:
        raise AttributeError(f'"{name}" is a restricted attribute name')
    if name in EXCEPTION_DENIED_ATTRIBUTES and isinstance(obj, BaseException):
        raise AttributeError(f'"{name}" of exceptions is not available in the sandbox')


def guarded_getattr(obj: Any, name: str, default: Any = _MISSING) -> Any:
    """``_getattr_`` and the ``getattr`` builtin: public, non-denied attributes only.

    Public attributes of any object are readable, so objects handed to agents must keep
    their internals in ``_``-prefixed attributes (or closures). Raw modules are never
    returned, whatever object holds them.
    """
    check_attribute_name(obj, name)
    try:
        value = getattr(obj, name)
    except AttributeError:
        if default is _MISSING:
            raise
        return default
    if isinstance(value, types.ModuleType):
        raise AttributeError(f'"{name}" is a module, which is not available in the sandbox')
    if name in _FORMAT_NAMES:
        return _safe_str_method(value, name)
    return value


def guarded_hasattr(obj: Any, name: str) -> bool:
    """The ``hasattr`` builtin, answering as the getattr guard would."""
    try:
        guarded_getattr(obj, name)
    except AttributeError:
        return False
    return True


guarded_getitem: Callable[[Any, Any], Any] = operator.getitem
"""``_getitem_``: plain subscription. Nothing reachable from the sandbox hides a module,
frame or global behind ``[]``, and this runs in every loop, so it stays a C call."""

guarded_getiter: Callable[[Any], Any] = builtins.iter
"""``_getiter_``: plain ``iter()``, for the same reasons as :data:`guarded_getitem`."""


def register_agent_class(name: str, bases: tuple[type, ...], namespace: dict[str, Any]) -> type:
    """``__metaclass__`` of every ``class`` statement: build it and remember it as the agent's.

    Objects of classes the agent defined are the agent's to change (see
    :func:`guarded_write`); host classes are not.
    """
    cls = type(name, bases, namespace)
    _agent_classes.add(cls)
    return cls


def is_agent_object(obj: Any) -> bool:
    """True for classes defined by agent code and their instances."""
    if isinstance(obj, type):
        return obj in _agent_classes
    return type(obj) in _agent_classes


def guarded_write(obj: Any) -> Any:
    """``_write_``: allow item/attribute writes to agent-owned objects only.

    Dicts, lists and the like (including ones a plugin returned: they are the agent's copy)
    and objects of classes the agent defined. Everything else -- facades, host objects,
    builtin types -- is read-only, so no agent can change what another run sees.
    """
    if isinstance(obj, WRITABLE_TYPES) or is_agent_object(obj):
        return obj
    raise TypeError(
        f"cannot modify {type(obj).__name__!r} objects in the sandbox: only dicts, lists "
        "and objects of classes defined by the agent can be changed"
    )


def guarded_setattr(obj: Any, name: str, value: Any) -> None:
    """The ``setattr`` builtin: the write guard plus the attribute-name checks."""
    check_attribute_name(obj, name)
    setattr(guarded_write(obj), name, value)


def guarded_delattr(obj: Any, name: str) -> None:
    """The ``delattr`` builtin: the write guard plus the attribute-name checks."""
    check_attribute_name(obj, name)
    delattr(guarded_write(obj), name)


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


class PrintCollector:
    """Collects one run's ``print`` output (``_print_`` returns it; ``printed`` reads it).

    Output beyond ``max_chars`` is dropped with a marker, so a chatty loop cannot fill the
    host's memory.
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
        self._parts.append(text[: self._max_chars - self._size])
        self._size += len(text)

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
    "abs all any ascii bin bool bytearray bytes callable chr classmethod complex dict "
    "divmod enumerate filter float format frozenset hash hex id int isinstance issubclass "
    "iter len list map max min next object oct ord pow property range repr reversed round "
    "set slice sorted staticmethod str sum super tuple zip aiter anext None True False "
    "Ellipsis NotImplemented ArithmeticError AssertionError AttributeError BaseException "
    "BufferError BytesWarning DeprecationWarning EOFError EnvironmentError Exception "
    "FloatingPointError FutureWarning GeneratorExit IOError ImportError IndentationError "
    "IndexError KeyError LookupError MemoryError NameError NotImplementedError OSError "
    "OverflowError PendingDeprecationWarning RecursionError ReferenceError RuntimeError "
    "RuntimeWarning StopAsyncIteration StopIteration SyntaxError SyntaxWarning "
    "SystemError TabError TimeoutError TypeError UnboundLocalError UnicodeDecodeError "
    "UnicodeEncodeError UnicodeError UnicodeTranslateError UnicodeWarning UserWarning "
    "ValueError Warning ZeroDivisionError"
).split()
"""Builtins agents get as they are. Deliberately absent: ``type`` (reaches ``mro`` and
metaclasses), ``open``, ``eval``, ``exec``, ``compile``, ``globals``, ``locals``, ``vars``,
``dir``, ``input``, ``help``, ``breakpoint``, ``memoryview``, ``exit``/``quit``,
``KeyboardInterrupt`` (the host must tell a real one from the agent's) and the exception
groups (``except*`` is refused too)."""

SAFE_BUILTINS: types.MappingProxyType[str, Any] = types.MappingProxyType(
    {
        **{name: getattr(builtins, name) for name in _SAFE_BUILTIN_NAMES},
        # ``class`` statements need the real __build_class__; agents cannot name it.
        "__build_class__": builtins.__build_class__,
        "getattr": guarded_getattr,
        "hasattr": guarded_hasattr,
        "setattr": guarded_setattr,
        "delattr": guarded_delattr,
    }
)
"""Builtins of every run, except the per-run ``__import__`` (see the runner)."""

GUARD_GLOBALS: types.MappingProxyType[str, Any] = types.MappingProxyType(
    {
        "_getattr_": guarded_getattr,
        "_getitem_": guarded_getitem,
        "_getiter_": guarded_getiter,
        "_write_": guarded_write,
        "_inplacevar_": inplace_var,
        "_unpack_sequence_": guarded_unpack_sequence,
        "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
        "__metaclass__": register_agent_class,
        "__name__": "agent",
    }
)
"""Guard names every run's globals hold (globals, not builtins: they are looked up in
every loop iteration and globals are searched first)."""
