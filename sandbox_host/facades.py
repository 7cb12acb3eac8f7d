"""Read-only module facades: the only things ``import`` hands to agent code.

A raw module leaks every module it imported (``json.codecs``, ``re.enum.sys`` ...) and can
be patched for every other agent in the process. A :class:`ModuleFacade` instead exposes an
explicit set of vetted names, refuses writes, and has no ``__name__`` -- without one,
``from json import decoder`` cannot fall back to ``sys.modules["json.decoder"]`` the way
CPython's ``IMPORT_FROM`` does for real modules.

Facades that carry state or touch time (``random``, ``time``, ``asyncio``) are built per
run, so nothing one run does to them is visible to another and sleeps respect the run's
deadline.
"""

from __future__ import annotations

import asyncio
import base64
import collections
import datetime
import functools
import hashlib
import itertools
import json
import math
import random
import re
import string
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping
from types import MappingProxyType
from typing import Any, Literal

from sandbox_host.limits import RunLimits


class ModuleFacade:
    """A read-only stand-in for a module, exposing only the names it was built with."""

    __slots__ = ("_facade_name", "_members")

    def __init__(self, name: str, members: Mapping[str, Any]) -> None:
        object.__setattr__(self, "_facade_name", name)
        object.__setattr__(self, "_members", MappingProxyType(dict(members)))

    def __getattr__(self, name: str) -> Any:
        try:
            return self._members[name]
        except KeyError:
            raise AttributeError(
                f"module {self._facade_name!r} in the sandbox has no attribute {name!r}"
            ) from None

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"module {self._facade_name!r} is read-only in the sandbox")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"module {self._facade_name!r} is read-only in the sandbox")

    def __dir__(self) -> list[str]:
        return sorted(self._members)

    def __repr__(self) -> str:
        return f"<sandbox module {self._facade_name!r}>"


def _pick(module: Any, names: str) -> dict[str, Any]:
    return {name: getattr(module, name) for name in names.split()}


def _public(module: Any) -> dict[str, Any]:
    # Only for C modules whose every public name is a function, type or constant.
    return {name: getattr(module, name) for name in dir(module) if not name.startswith("_")}


STATIC_FACADES: Mapping[str, ModuleFacade] = MappingProxyType(
    {
        "json": ModuleFacade(
            "json", _pick(json, "loads dumps JSONDecodeError JSONDecoder JSONEncoder")
        ),
        "re": ModuleFacade(
            "re",
            _pick(
                re,
                "compile search match fullmatch split findall finditer sub subn escape error "
                "Pattern Match A ASCII I IGNORECASE M MULTILINE S DOTALL X VERBOSE U UNICODE",
            ),
        ),
        "math": ModuleFacade("math", _public(math)),
        "datetime": ModuleFacade(
            "datetime",
            _pick(datetime, "date datetime time timedelta timezone tzinfo MINYEAR MAXYEAR UTC"),
        ),
        "base64": ModuleFacade(
            "base64",
            _pick(
                base64,
                "b64encode b64decode urlsafe_b64encode urlsafe_b64decode standard_b64encode "
                "standard_b64decode b32encode b32decode b16encode b16decode b85encode "
                "b85decode a85encode a85decode encodebytes decodebytes",
            ),
        ),
        "hashlib": ModuleFacade(
            "hashlib",
            _pick(
                hashlib,
                "md5 sha1 sha224 sha256 sha384 sha512 sha3_224 sha3_256 sha3_384 sha3_512 "
                "blake2b blake2s shake_128 shake_256 new pbkdf2_hmac algorithms_guaranteed",
            ),
        ),
        "collections": ModuleFacade(
            "collections",
            _pick(collections, "Counter OrderedDict defaultdict deque namedtuple ChainMap"),
        ),
        "itertools": ModuleFacade("itertools", _public(itertools)),
        # No update_wrapper/wraps/total_ordering/singledispatch: they write attributes onto
        # the objects they are given, which may be shared host objects.
        "functools": ModuleFacade(
            "functools", _pick(functools, "reduce partial lru_cache cache cmp_to_key")
        ),
        # No Formatter: its field lookups (``{0.__class__}``) bypass every guard.
        "string": ModuleFacade(
            "string",
            _pick(
                string,
                "ascii_letters ascii_lowercase ascii_uppercase digits hexdigits octdigits "
                "punctuation printable whitespace capwords Template",
            ),
        ),
    }
)
"""Facades without per-run state, shared by every run."""


def ensure_time_left(limits: RunLimits) -> None:
    """Raise :class:`~sandbox_host.limits.ExecutionTimeout` if the run is over."""
    if limits.exceeded is not None:
        raise limits.exceeded
    if limits.expired():
        raise limits.deadline_error()


def _time_facade(limits: RunLimits) -> ModuleFacade:
    def sleep(seconds: float) -> None:
        """Block like ``time.sleep``, but never past the run's deadline."""
        if seconds < 0:
            raise ValueError("sleep length must be non-negative")
        ensure_time_left(limits)
        remaining = limits.remaining_s()
        if seconds >= remaining:
            time.sleep(max(remaining, 0.0))
            raise limits.deadline_error()
        time.sleep(seconds)

    members = _pick(
        time,
        "time time_ns monotonic monotonic_ns perf_counter perf_counter_ns gmtime localtime "
        "mktime strftime strptime struct_time",
    )
    return ModuleFacade("time", {**members, "sleep": sleep})


def _random_facade(limits: RunLimits) -> ModuleFacade:
    # A generator of the run's own, so ``random.seed`` in one run is invisible to others.
    generator = random.Random()
    members = _pick(
        generator,
        "random randint randrange choice choices shuffle sample uniform gauss normalvariate "
        "triangular betavariate expovariate seed getrandbits",
    )
    return ModuleFacade("random", {**members, "Random": random.Random})


class _DeadlineLock(asyncio.Lock):
    _limits: RunLimits

    async def acquire(self) -> Literal[True]:
        ensure_time_left(self._limits)
        return await super().acquire()


class _DeadlineSemaphore(asyncio.Semaphore):
    _limits: RunLimits

    async def acquire(self) -> Literal[True]:
        ensure_time_left(self._limits)
        return await super().acquire()


class _DeadlineEvent(asyncio.Event):
    _limits: RunLimits

    async def wait(self) -> Literal[True]:
        ensure_time_left(self._limits)
        return await super().wait()


def _asyncio_facade(limits: RunLimits) -> ModuleFacade:
    # Every entry point checks the deadline first, so an agent that swallows the
    # cancellation at its deadline cannot go on waiting. Nothing returned is a Future or
    # Task: those lead to the event loop (threads, subprocesses) through ``get_loop()``.

    async def sleep(delay: float, result: Any = None) -> Any:
        """``asyncio.sleep``, but never past the run's deadline."""
        ensure_time_left(limits)
        remaining = limits.remaining_s()
        if delay >= remaining:
            await asyncio.sleep(max(remaining, 0.0))
            raise limits.deadline_error()
        await asyncio.sleep(delay)
        return result

    async def gather(*aws: Awaitable[Any], return_exceptions: bool = False) -> list[Any]:
        """``asyncio.gather``, awaited here so the gathering future stays in the host."""
        ensure_time_left(limits)
        return await asyncio.gather(*aws, return_exceptions=return_exceptions)

    async def wait_for(aw: Awaitable[Any], timeout: float | None) -> Any:
        """``asyncio.wait_for``."""
        ensure_time_left(limits)
        return await asyncio.wait_for(aw, timeout)

    def as_completed(
        aws: Iterable[Awaitable[Any]], *, timeout: float | None = None
    ) -> Iterator[Awaitable[Any]]:
        """``asyncio.as_completed``: an iterator of awaitables in completion order."""
        ensure_time_left(limits)
        return iter(list(asyncio.as_completed(aws, timeout=timeout)))

    def bound(base: type, name: str) -> type:
        return type(name, (base,), {"_limits": limits, "__module__": "asyncio"})

    return ModuleFacade(
        "asyncio",
        {
            "sleep": sleep,
            "gather": gather,
            "wait_for": wait_for,
            "as_completed": as_completed,
            "Lock": bound(_DeadlineLock, "Lock"),
            "Semaphore": bound(_DeadlineSemaphore, "Semaphore"),
            "Event": bound(_DeadlineEvent, "Event"),
            "TimeoutError": asyncio.TimeoutError,
        },
    )


PER_RUN_FACADES: Mapping[str, Callable[[RunLimits], ModuleFacade]] = MappingProxyType(
    {"time": _time_facade, "random": _random_facade, "asyncio": _asyncio_facade}
)
"""Facades built afresh for each run that imports them."""

ALLOWED_MODULES = frozenset(STATIC_FACADES) | frozenset(PER_RUN_FACADES)
"""Module names agent code may import."""


def make_importer(limits: RunLimits) -> Callable[..., ModuleFacade]:
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
        facade = STATIC_FACADES.get(name) or built.get(name)
        if facade is not None:
            return facade
        builder = PER_RUN_FACADES.get(name)
        if builder is None:
            allowed = ", ".join(sorted(ALLOWED_MODULES))
            raise ImportError(
                f"module {name!r} is not available in the sandbox; allowed modules: {allowed}"
            )
        facade = built[name] = builder(limits)
        return facade

    return guarded_import
