"""Facades of standard library modules that carry no per-run state, shared by every run.

Each exposes the module's everyday API. What is left out, or wrapped, and why:

* anything that reaches files, processes, the network, the interpreter or other modules
  (``json.codecs``, ``contextlib.redirect_stdout``, ``uuid.getnode``);
* anything that evaluates strings as code (``typing.get_type_hints``);
* mutable objects shared by every run (``hashlib.algorithms_guaranteed`` becomes a
  frozenset, ``copy.dispatch_table`` and ``typing`` overload registries are left out,
  ``textwrap.TextWrapper`` gets a read-only translation table);
* decorators and helpers that write onto their argument (``dataclass``,
  ``functools.wraps``, ``abc.abstractmethod``...) accept the agent's own classes and
  functions only (:func:`~sandbox_host.facades.core.for_own_objects`);
* ``operator.attrgetter``/``methodcaller``/``setitem`` go through the guards.
"""

from __future__ import annotations
import __future__

import abc
import base64
import bisect
import collections
import collections.abc
import contextlib
import copy
import dataclasses
import datetime
import enum
import fractions
import functools
import hashlib
import heapq
import itertools
import json
import math
import operator
import re
import statistics
import string
import textwrap
import typing
import uuid
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

from sandbox_host.facades.core import ModuleFacade, check_own, for_own_objects, pick, public
from sandbox_host.guards import (
    add_open_bases,
    add_writable_types,
    guarded_getattr,
    guarded_write,
    is_agent_class,
    register_agent_class,
)
from sandbox_host.policy import REFUSED_METHODS

# --- wrapped helpers ---------------------------------------------------------------------


def _update_wrapper(
    wrapper: Any,
    wrapped: Any,
    assigned: tuple[str, ...] = functools.WRAPPER_ASSIGNMENTS,
    updated: tuple[str, ...] = functools.WRAPPER_UPDATES,
) -> Any:
    """``functools.update_wrapper`` onto the agent's own function or class only."""
    check_own(wrapper, "functools.update_wrapper")
    return functools.update_wrapper(wrapper, wrapped, assigned, updated)


def _wraps(
    wrapped: Any,
    assigned: tuple[str, ...] = functools.WRAPPER_ASSIGNMENTS,
    updated: tuple[str, ...] = functools.WRAPPER_UPDATES,
) -> Callable[[Any], Any]:
    """``functools.wraps``: a decorator applying :func:`_update_wrapper`."""
    return functools.partial(_update_wrapper, wrapped=wrapped, assigned=assigned, updated=updated)


def _dataclass(cls: Any = None, /, **kwargs: Any) -> Any:
    """``dataclasses.dataclass`` for the agent's own classes.

    ``slots=True`` makes dataclasses build a new class; that one is the agent's too.
    """

    def decorate(target: Any) -> Any:
        if not is_agent_class(target):
            raise TypeError(
                "dataclass can only decorate classes the agent defined (it changes the class), "
                f"not {type(target).__name__} objects"
            )
        result = dataclasses.dataclass(target, **kwargs)
        return result if result is target else register_agent_class(result)

    return decorate if cls is None else decorate(cls)


def _make_dataclass(cls_name: str, fields: Any, **kwargs: Any) -> type:
    """``dataclasses.make_dataclass``: the class is the agent's, checked like a class statement."""
    namespace = kwargs.get("namespace") or {}
    for refused, why in REFUSED_METHODS.items():
        if refused in namespace:
            raise TypeError(f"{cls_name} cannot define {refused}: {why}")
    bases = kwargs.get("bases", ())
    if any(not isinstance(base, type) for base in bases):
        raise TypeError("make_dataclass bases must be classes")
    return register_agent_class(dataclasses.make_dataclass(cls_name, fields, **kwargs))


def _overload(function: Any) -> Any:
    """``typing.overload`` without the process-wide registry (``get_overloads`` is absent)."""

    def overloaded(*args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(
            "You should not call an overloaded function. A series of @overload-decorated "
            "functions outside a stub module should always be followed by an implementation "
            "that is not @overload-ed."
        )

    return overloaded


def _attrgetter(*names: str) -> Callable[[Any], Any]:
    """``operator.attrgetter`` whose lookups go through the attribute guard."""
    for name in names:
        if not isinstance(name, str):
            raise TypeError("attribute name must be a string")
    paths = [name.split(".") for name in names]

    def resolve(obj: Any, path: list[str]) -> Any:
        for part in path:
            obj = guarded_getattr(obj, part)
        return obj

    if len(paths) == 1:
        return lambda obj: resolve(obj, paths[0])
    return lambda obj: tuple(resolve(obj, path) for path in paths)


def _methodcaller(name: str, /, *args: Any, **kwargs: Any) -> Callable[[Any], Any]:
    """``operator.methodcaller`` whose method lookup goes through the attribute guard."""
    if not isinstance(name, str):
        raise TypeError("method name must be a string")
    return lambda obj: guarded_getattr(obj, name)(*args, **kwargs)


def _setitem(obj: Any, key: Any, value: Any) -> None:
    """``operator.setitem`` through the write guard."""
    guarded_write(obj)[key] = value


def _delitem(obj: Any, key: Any) -> None:
    """``operator.delitem`` through the write guard."""
    del guarded_write(obj)[key]


class TextWrapper(textwrap.TextWrapper):
    """``textwrap.TextWrapper`` whose whitespace translation table cannot be changed (the
    original is a class-level dict shared by every run)."""

    unicode_whitespace_trans = MappingProxyType(  # type: ignore[assignment]
        dict(textwrap.TextWrapper.unicode_whitespace_trans)
    )


def _wrap(text: str, width: int = 70, **kwargs: Any) -> list[str]:
    """``textwrap.wrap`` with the sandbox's TextWrapper."""
    return TextWrapper(width=width, **kwargs).wrap(text)


def _fill(text: str, width: int = 70, **kwargs: Any) -> str:
    """``textwrap.fill`` with the sandbox's TextWrapper."""
    return TextWrapper(width=width, **kwargs).fill(text)


def _shorten(text: str, width: int, **kwargs: Any) -> str:
    """``textwrap.shorten`` with the sandbox's TextWrapper."""
    wrapper = TextWrapper(width=width, max_lines=1, **kwargs)
    return wrapper.fill(" ".join(text.strip().split()))


add_open_bases(TextWrapper)
add_writable_types(TextWrapper)

_ABC_NAMES = tuple(collections.abc.__all__)

COLLECTIONS_ABC = ModuleFacade(
    "collections.abc", {name: getattr(collections.abc, name) for name in _ABC_NAMES}
)

_TYPING_NAMES = (
    "Annotated Any AnyStr AsyncContextManager AsyncGenerator AsyncIterable AsyncIterator "
    "Awaitable BinaryIO ByteString Callable ChainMap ClassVar Collection Concatenate "
    "Container ContextManager Coroutine Counter DefaultDict Deque Dict Final FrozenSet "
    "Generator Generic Hashable IO ItemsView Iterable Iterator KeysView List Literal "
    "LiteralString Mapping MappingView Match MutableMapping MutableSequence MutableSet "
    "NamedTuple Never NewType NoReturn NotRequired Optional OrderedDict ParamSpec "
    "ParamSpecArgs ParamSpecKwargs Pattern Protocol Required Reversible Self Sequence Set "
    "Sized SupportsAbs SupportsBytes SupportsComplex SupportsFloat SupportsIndex SupportsInt "
    "SupportsRound Text TextIO Tuple Type TypeAlias TypeGuard TypeVar TypeVarTuple TypedDict "
    "Union Unpack ValuesView AbstractSet TYPE_CHECKING assert_never assert_type cast get_args "
    "get_origin is_typeddict"
)

STATIC_FACADES: Mapping[str, ModuleFacade] = MappingProxyType(
    {
        "json": ModuleFacade(
            "json", pick(json, "loads dumps load dump JSONDecodeError JSONDecoder JSONEncoder")
        ),
        "re": ModuleFacade(
            "re",
            pick(
                re,
                "compile search match fullmatch split findall finditer sub subn escape error "
                "Pattern Match RegexFlag NOFLAG A ASCII I IGNORECASE M MULTILINE S DOTALL X "
                "VERBOSE U UNICODE",
            ),
            refused={"purge": "the regular expression cache is shared by every run"},
        ),
        "math": ModuleFacade("math", public(math)),
        "datetime": ModuleFacade(
            "datetime",
            pick(datetime, "date datetime time timedelta timezone tzinfo MINYEAR MAXYEAR UTC"),
        ),
        "base64": ModuleFacade(
            "base64",
            pick(
                base64,
                "b64encode b64decode urlsafe_b64encode urlsafe_b64decode standard_b64encode "
                "standard_b64decode b32encode b32decode b16encode b16decode b85encode "
                "b85decode a85encode a85decode encodebytes decodebytes",
            ),
        ),
        "hashlib": ModuleFacade(
            "hashlib",
            {
                **pick(
                    hashlib,
                    "md5 sha1 sha224 sha256 sha384 sha512 sha3_224 sha3_256 sha3_384 sha3_512 "
                    "blake2b blake2s shake_128 shake_256 new pbkdf2_hmac",
                ),
                # Mutable sets in the real module: one run could change what others see.
                "algorithms_guaranteed": frozenset(hashlib.algorithms_guaranteed),
                "algorithms_available": frozenset(hashlib.algorithms_available),
            },
            refused={"file_digest": "files are not available"},
        ),
        "collections": ModuleFacade(
            "collections",
            {
                **pick(
                    collections,
                    "Counter OrderedDict defaultdict deque namedtuple ChainMap UserDict "
                    "UserList UserString",
                ),
                "abc": COLLECTIONS_ABC,
            },
        ),
        "collections.abc": COLLECTIONS_ABC,
        "itertools": ModuleFacade("itertools", public(itertools)),
        "functools": ModuleFacade(
            "functools",
            {
                **pick(
                    functools,
                    "reduce partial partialmethod lru_cache cache cached_property cmp_to_key "
                    "singledispatch singledispatchmethod WRAPPER_ASSIGNMENTS WRAPPER_UPDATES",
                ),
                "wraps": _wraps,
                "update_wrapper": _update_wrapper,
                "total_ordering": for_own_objects(functools.total_ordering, "total_ordering"),
            },
        ),
        # No Formatter: its field lookups (``{0.__class__}``) bypass every guard.
        "string": ModuleFacade(
            "string",
            pick(
                string,
                "ascii_letters ascii_lowercase ascii_uppercase digits hexdigits octdigits "
                "punctuation printable whitespace capwords Template",
            ),
            refused={"Formatter": "its field lookups bypass the sandbox's attribute guard"},
        ),
        "typing": ModuleFacade(
            "typing",
            {
                **pick(typing, _TYPING_NAMES),
                "overload": _overload,
                "runtime_checkable": for_own_objects(typing.runtime_checkable, "runtime_checkable"),
                "final": for_own_objects(typing.final, "final"),
                "no_type_check": for_own_objects(typing.no_type_check, "no_type_check"),
                "dataclass_transform": lambda **kwargs: for_own_objects(
                    typing.dataclass_transform(**kwargs), "dataclass_transform"
                ),
            },
            refused={
                "get_type_hints": "it evaluates annotation strings as code; read "
                "__annotations__ of your own classes instead",
                "ForwardRef": "it evaluates strings as code",
                "get_overloads": "overloads are not recorded in the sandbox",
                "clear_overloads": "overloads are not recorded in the sandbox",
                "reveal_type": "it writes to the host's standard error",
            },
        ),
        "dataclasses": ModuleFacade(
            "dataclasses",
            {
                **pick(
                    dataclasses,
                    "field fields asdict astuple replace is_dataclass FrozenInstanceError "
                    "InitVar KW_ONLY MISSING Field",
                ),
                "dataclass": _dataclass,
                "make_dataclass": _make_dataclass,
            },
        ),
        "enum": ModuleFacade(
            "enum",
            pick(
                enum,
                "Enum IntEnum StrEnum Flag IntFlag ReprEnum EnumType EnumMeta auto unique "
                "member nonmember verify property EnumCheck UNIQUE CONTINUOUS NAMED_FLAGS "
                "FlagBoundary STRICT CONFORM EJECT KEEP",
            ),
            refused={"global_enum": "it writes into the defining module's globals"},
        ),
        "statistics": ModuleFacade(
            "statistics",
            pick(
                statistics,
                "mean fmean geometric_mean harmonic_mean median median_low median_high "
                "median_grouped mode multimode quantiles pstdev pvariance stdev variance "
                "covariance correlation linear_regression LinearRegression NormalDist "
                "StatisticsError",
            ),
        ),
        "textwrap": ModuleFacade(
            "textwrap",
            {
                **pick(textwrap, "dedent indent"),
                "TextWrapper": TextWrapper,
                "wrap": _wrap,
                "fill": _fill,
                "shorten": _shorten,
            },
        ),
        "uuid": ModuleFacade(
            "uuid",
            pick(
                uuid,
                "UUID uuid3 uuid4 uuid5 NAMESPACE_DNS NAMESPACE_URL NAMESPACE_OID "
                "NAMESPACE_X500 SafeUUID RESERVED_NCS RFC_4122 RESERVED_MICROSOFT "
                "RESERVED_FUTURE",
            ),
            refused={
                "uuid1": "it embeds the host's network address; use uuid4",
                "getnode": "it reveals the host's network address",
            },
        ),
        "fractions": ModuleFacade("fractions", pick(fractions, "Fraction")),
        "bisect": ModuleFacade("bisect", public(bisect)),
        "heapq": ModuleFacade("heapq", public(heapq)),
        "copy": ModuleFacade(
            "copy",
            pick(copy, "copy deepcopy Error error"),
            refused={"dispatch_table": "it is shared by every run"},
        ),
        "operator": ModuleFacade(
            "operator",
            {
                **public(operator),
                "attrgetter": _attrgetter,
                "methodcaller": _methodcaller,
                "setitem": _setitem,
                "delitem": _delitem,
            },
        ),
        "contextlib": ModuleFacade(
            "contextlib",
            pick(
                contextlib,
                "contextmanager asynccontextmanager suppress nullcontext closing aclosing "
                "ExitStack AsyncExitStack AbstractContextManager AbstractAsyncContextManager "
                "ContextDecorator AsyncContextDecorator",
            ),
            refused={
                "redirect_stdout": "the host's standard streams are not available; print "
                "output is captured per run",
                "redirect_stderr": "the host's standard streams are not available",
                "chdir": "the working directory is not available",
            },
        ),
        "abc": ModuleFacade(
            "abc",
            {
                **pick(abc, "ABC ABCMeta get_cache_token"),
                "abstractmethod": for_own_objects(abc.abstractmethod, "abstractmethod"),
                "update_abstractmethods": for_own_objects(
                    abc.update_abstractmethods, "update_abstractmethods"
                ),
            },
        ),
        "__future__": ModuleFacade(
            "__future__",
            pick(
                __future__,
                "annotations division absolute_import print_function generator_stop "
                "nested_scopes unicode_literals with_statement generators",
            ),
        ),
    }
)
"""Facades without per-run state, shared by every run."""
