"""The read-only module stand-in every facade is, and helpers to build facades.

A raw module leaks every module it imported (``json.codecs``, ``re.enum.sys`` ...) and can
be patched for every other agent in the process. A :class:`ModuleFacade` instead exposes an
explicit set of vetted names, refuses writes, and has no ``__name__`` attribute -- without
one, ``from json import decoder`` cannot fall back to ``sys.modules["json.decoder"]`` the
way CPython's ``IMPORT_FROM`` does for real modules (agent code still reads
``json.__name__`` through the attribute guard, which asks :meth:`sandbox_introspection`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

from sandbox_host.guards import is_agent_class, is_agent_function


class ModuleFacade:
    """A read-only stand-in for a module, exposing only the names it was built with.

    ``refused`` maps names the real module has but the sandbox does not offer to the
    reason, so that ``asyncio.get_running_loop`` fails saying why, not just "no attribute".
    """

    __slots__ = ("_facade_doc", "_facade_name", "_members", "_refused")

    def __init__(
        self,
        name: str,
        members: Mapping[str, Any],
        refused: Mapping[str, str] | None = None,
        doc: str | None = None,
    ) -> None:
        try:
            object.__getattribute__(self, "_members")
        except AttributeError:
            pass
        else:
            raise TypeError("a module facade cannot be initialised twice")
        object.__setattr__(self, "_facade_name", name)
        object.__setattr__(self, "_members", MappingProxyType(dict(members)))
        object.__setattr__(self, "_refused", MappingProxyType(dict(refused or {})))
        object.__setattr__(self, "_facade_doc", doc)

    def __getattr__(self, name: str) -> Any:
        if name in ModuleFacade.__slots__:
            raise AttributeError(name)  # not initialised (never for a facade in use)
        try:
            return self._members[name]
        except KeyError:
            pass
        why = self._refused.get(name)
        if why is not None:
            raise AttributeError(
                f"{self._facade_name}.{name} is not available in the sandbox: {why}"
            )
        raise AttributeError(
            f"module {self._facade_name!r} in the sandbox has no attribute {name!r}"
        )

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"module {self._facade_name!r} is read-only in the sandbox")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"module {self._facade_name!r} is read-only in the sandbox")

    def __dir__(self) -> list[str]:
        return sorted(self._members)

    def __repr__(self) -> str:
        return f"<module {self._facade_name!r} (sandbox)>"

    def __reduce__(self) -> Any:
        raise TypeError(f"module {self._facade_name!r} cannot be copied or pickled")

    def sandbox_introspection(self, name: str) -> str | None:
        """``__name__`` and friends as agent code sees them (the guard asks here)."""
        if name in ("__name__", "__qualname__"):
            return str(self._facade_name)
        if name == "__doc__":
            doc: str | None = self._facade_doc
            return doc
        return None

    @property
    def members(self) -> Mapping[str, Any]:
        """The names this facade exposes (for the host and tests)."""
        members: Mapping[str, Any] = self._members
        return members


def pick(module: Any, names: str) -> dict[str, Any]:
    """The named attributes of ``module`` (a space-separated list)."""
    return {name: getattr(module, name) for name in names.split()}


def public(module: Any) -> dict[str, Any]:
    """Every public attribute; only for C modules whose public names are all harmless."""
    return {name: getattr(module, name) for name in dir(module) if not name.startswith("_")}


def for_own_objects(function: Callable[..., Any], what: str) -> Callable[..., Any]:
    """Wrap a decorator-like ``function`` that writes onto its first argument.

    ``dataclass``, ``total_ordering``, ``wraps`` and ``abstractmethod`` set attributes on
    the class or function they get; on a host object that would change it for every run.
    The wrapper accepts the agent's own classes and functions only.
    """

    @functools.wraps(function)
    def guarded(target: Any, *args: Any, **kwargs: Any) -> Any:
        check_own(target, what)
        return function(target, *args, **kwargs)

    return guarded


def check_own(target: Any, what: str) -> None:
    """Raise unless ``target`` is a class or function the agent defined."""
    if not (is_agent_class(target) or is_agent_function(target)):
        raise TypeError(
            f"{what} can only be applied to the agent's own classes and functions in the "
            f"sandbox (it changes its argument), not to {type(target).__name__} objects"
        )
