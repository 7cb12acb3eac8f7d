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

import builtins
import types
from typing import Any

from sandbox_host.guards.attributes import (
    RUNTIME_DENIED_ATTRIBUTES,
    RestrictedAttributeError,
    apply_call,
    guarded_getattr,
    guarded_hasattr,
    guarded_vars,
    safe_format,
    safe_format_map,
)
from sandbox_host.guards.ownership import (
    AGENT_FILENAME_PREFIX,
    OPEN_BASES,
    AgentClassBuilder,
    SandboxType,
    add_open_bases,
    add_writable_types,
    is_agent_class,
    is_agent_function,
    is_agent_object,
    owns,
    register_agent_class,
    sandbox_type,
)
from sandbox_host.guards.printing import PrintCollector
from sandbox_host.guards.writes import (
    guarded_delattr,
    guarded_setattr,
    guarded_write,
    guarded_write_private,
)
from sandbox_host.policy import hidden_name

__all__ = [
    "AGENT_FILENAME_PREFIX",
    "GUARD_GLOBALS",
    "OPEN_BASES",
    "RUNTIME_DENIED_ATTRIBUTES",
    "SAFE_BUILTINS",
    "AgentClassBuilder",
    "PrintCollector",
    "RestrictedAttributeError",
    "SandboxType",
    "add_open_bases",
    "add_writable_types",
    "guarded_getattr",
    "guarded_hasattr",
    "guarded_write",
    "is_agent_class",
    "is_agent_function",
    "is_agent_object",
    "owns",
    "register_agent_class",
    "safe_format",
    "safe_format_map",
    "sandbox_type",
]

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
        hidden_name("_write_"): guarded_write,
        hidden_name("_write_private_"): guarded_write_private,
        hidden_name("_apply_"): apply_call,
        hidden_name("__metaclass__"): AgentClassBuilder(),
        "__name__": "agent",
    }
)
"""Guard names every run's globals hold (globals, not builtins: they are looked up in
every loop iteration and globals are searched first). Their names are hidden (see
:func:`sandbox_host.policy.hidden_name`). Subscripts, iteration, unpacking and augmented
assignment need no guard call here (see :mod:`sandbox_host.policy`)."""
