"""Module facades: the only things ``import`` hands to agent code, and the importer.

Static facades (:mod:`.stdlib`, :mod:`.formats`, :mod:`.utilities`, :mod:`.reporting`,
:mod:`.async_tasks`) are shared by every run and hold nothing a run could change; per-run
facades (:mod:`.per_run`) are built for each run that imports them. See :mod:`.core` for
what a facade is.
"""

from __future__ import annotations

import _strptime  # type: ignore[import-not-found]  # noqa: F401 - see C_HELPER_MODULES
from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType
from typing import Any

from sandbox_host.facades.asyncio_facade import ASYNCIO
from sandbox_host.facades.core import ModuleFacade
from sandbox_host.facades.formats import FORMAT_FACADES
from sandbox_host.facades.per_run import PER_RUN_FACADES
from sandbox_host.facades.reporting import REPORTING_FACADES
from sandbox_host.facades.stdlib import STATIC_FACADES as _STDLIB
from sandbox_host.facades.utilities import UTILITY_FACADES
from sandbox_host.scope import RunScope

STATIC_FACADES: Mapping[str, ModuleFacade] = MappingProxyType(
    {**_STDLIB, **FORMAT_FACADES, **UTILITY_FACADES, **REPORTING_FACADES, "asyncio": ASYNCIO}
)
"""Facades without per-run state, shared by every run."""

ALLOWED_MODULES = frozenset(STATIC_FACADES) | frozenset(PER_RUN_FACADES)
"""Module names agent code may import."""

DEFAULT_PRELOAD = ("json", "re", "asyncio")
"""Modules in every agent's globals without an import, as the seed's runtime does."""

C_HELPER_MODULES = frozenset({"_strptime"})
"""Modules C code imports on the agent's behalf (``datetime.strptime`` imports
``_strptime`` through the ``__import__`` of the calling frame's builtins, which is the
sandbox's). The module is imported by the host in advance, and the C caller only checks
that the import succeeded before it takes the module from ``sys.modules`` itself, so the
importer answers with a placeholder: agent code never gets the module."""

_C_IMPORT = object()

__all__ = [
    "ALLOWED_MODULES",
    "DEFAULT_PRELOAD",
    "PER_RUN_FACADES",
    "STATIC_FACADES",
    "ModuleFacade",
    "fresh_facade",
    "make_importer",
]


def make_importer(scope: RunScope) -> Callable[..., ModuleFacade]:
    """Return the ``__import__`` builtin of one run: allow-listed facades only."""
    built: dict[str, ModuleFacade] = {}

    def guarded_import(
        name: str,
        globals: Any = None,
        locals: Any = None,
        fromlist: Any = (),
        level: int = 0,
    ) -> ModuleFacade:
        if level != 0:
            raise ImportError("relative imports are not available in the sandbox")
        if name in C_HELPER_MODULES and type(fromlist) is list and not fromlist:
            # PyImport_Import's call shape (an import statement passes None or a tuple;
            # agent code cannot spell __import__).
            return _C_IMPORT  # type: ignore[return-value]
        facade = STATIC_FACADES.get(name) or built.get(name)
        if facade is None:
            builder = PER_RUN_FACADES.get(name)
            if builder is None:
                allowed = ", ".join(sorted(ALLOWED_MODULES - {"__future__"}))
                raise ModuleNotFoundError(
                    f"module {name!r} is not available in the sandbox; allowed modules: "
                    f"{allowed}"
                )
            facade = built[name] = builder(scope)
        if not fromlist and "." in name:
            # ``import collections.abc`` binds ``collections``.
            return guarded_import(name.partition(".")[0])
        return facade

    return guarded_import


def preloaded(importer: Callable[..., ModuleFacade], names: Iterable[str]) -> dict[str, Any]:
    """The globals ``names`` preload: each name bound to its facade."""
    return {name.partition(".")[0]: importer(name) for name in names}


def fresh_facade(name: str, scope: RunScope | None = None) -> ModuleFacade:
    """A facade as a new run would get it (tests compare facades with fresh ones)."""
    if scope is None:
        from sandbox_host.guards import PrintCollector
        from sandbox_host.limits import RunLimits

        scope = RunScope(RunLimits(), PrintCollector())
    return make_importer(scope)(name, fromlist=("*",))
