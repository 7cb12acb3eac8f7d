"""What crosses between the host and a worker process, and how.

Host → worker messages are pickled (the worker trusts the host). Worker → host messages
are JSON only: the worker runs untrusted code, and a pickle from it could run code in the
host. Values the agent passes to the host (``data_store.set`` arguments, tool arguments)
are encoded by :func:`encode_value` into tagged JSON that keeps what the host's own checks
need to see -- tuples, sets, bytes, non-string dict keys, NaN, and the *type name* of
anything else, which the host rebuilds as an :class:`Opaque` stand-in so that
``data_store.set("k", some_object)`` fails with the same message as in other modes.

Host objects the agent reaches (plugin globals such as ``data_store``, tools, and objects
they return such as ``data_store.use_namespace(...)``) stay in the host: the worker gets a
:class:`Described` reference -- which methods it has, its repr -- and calls go back to the
host by reference (:class:`RemoteRegistry`).
"""

from __future__ import annotations

import base64
import inspect
import json
import math
import pickle
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sandbox_host.execution.outcome import NOT_SCALAR, plain_scalar

MAX_MESSAGE_BYTES = 64 * 1024 * 1024
"""Largest message a worker may send (the result limit applies inside it too)."""

MAX_VALUE_DEPTH = 400
"""Deepest nesting of a value passed from a worker to the host."""

_SCALARS = (str, int, float, type(None))


class ValueNotTransferable(TypeError):
    """A value cannot be passed from the worker to the host."""


class Opaque:
    """Stands in, on the host, for an object the worker could not send as data."""

    __slots__ = ()


_OPAQUE_TYPES: dict[str, type[Opaque]] = {}


def opaque(type_name: str) -> Opaque:
    """An :class:`Opaque` whose class is named ``type_name`` (cached per name)."""
    cls = _OPAQUE_TYPES.get(type_name)
    if cls is None:
        cls = _OPAQUE_TYPES[type_name] = type(type_name, (Opaque,), {"__slots__": ()})
    return cls()


def encode_value(value: Any, refs: Callable[[Any], int | None], depth: int = 0) -> Any:
    """Tagged JSON for ``value``; ``refs`` gives the reference of a remote handle, if any."""
    kind = type(value)
    if kind is bool or kind in _SCALARS:
        if kind is float and not math.isfinite(value):
            return ["float", repr(value)]
        return value
    if depth > MAX_VALUE_DEPTH:
        raise ValueNotTransferable(f"value is nested deeper than {MAX_VALUE_DEPTH} levels")
    ref = refs(value)
    if ref is not None:
        return ["ref", ref]
    deeper = depth + 1
    if isinstance(value, dict):
        return ["dict", [[encode_value(k, refs, deeper), encode_value(v, refs, deeper)]
                         for k, v in dict.items(value)]]
    if isinstance(value, list):
        return ["list", [encode_value(item, refs, deeper) for item in list.__iter__(value)]]
    if isinstance(value, tuple):
        return ["tuple", [encode_value(item, refs, deeper) for item in tuple.__iter__(value)]]
    if isinstance(value, (set, frozenset)):
        tag = "set" if isinstance(value, set) else "frozenset"
        return [tag, [encode_value(item, refs, deeper) for item in value]]
    if isinstance(value, (bytes, bytearray)):
        return ["bytes", base64.b64encode(bytes(value)).decode("ascii")]
    scalar = plain_scalar(value)
    if scalar is not NOT_SCALAR:
        return encode_value(scalar, refs, depth)
    return ["opaque", kind.__name__]


def decode_value(data: Any, resolve: Callable[[int], Any], depth: int = 0) -> Any:
    """Invert :func:`encode_value` on the host; ``resolve`` maps references to objects.

    Anything malformed raises :class:`ValueNotTransferable` (a worker may send anything).
    """
    if data is None or type(data) in (str, int, float, bool):
        return data
    if depth > MAX_VALUE_DEPTH + 1 or not isinstance(data, list) or len(data) != 2:
        raise ValueNotTransferable("malformed value from the worker")
    tag, body = data
    deeper = depth + 1
    if tag == "float" and body in ("nan", "inf", "-inf"):
        return float(body)
    if tag == "ref" and type(body) is int:
        return resolve(body)
    if tag == "opaque" and type(body) is str and body.isidentifier():
        return opaque(body)
    if tag == "bytes" and type(body) is str:
        return base64.b64decode(body.encode("ascii"))
    if not isinstance(body, list):
        raise ValueNotTransferable("malformed value from the worker")
    if tag == "dict":
        result: dict[Any, Any] = {}
        for pair in body:
            if not isinstance(pair, list) or len(pair) != 2:
                raise ValueNotTransferable("malformed value from the worker")
            key = decode_value(pair[0], resolve, deeper)
            try:
                result[key] = decode_value(pair[1], resolve, deeper)
            except TypeError as exc:  # an unhashable key
                raise ValueNotTransferable(str(exc)) from None
        return result
    items = [decode_value(item, resolve, deeper) for item in body]
    if tag == "list":
        return items
    if tag == "tuple":
        return tuple(items)
    try:
        if tag == "set":
            return set(items)
        if tag == "frozenset":
            return frozenset(items)
    except TypeError as exc:
        raise ValueNotTransferable(str(exc)) from None
    raise ValueNotTransferable(f"unknown value tag {tag!r} from the worker")


@dataclass(frozen=True, slots=True)
class Described:
    """A host object as the worker knows it: its reference and what it offers."""

    ref: int
    kind: str
    """``"function"``, ``"async function"`` or ``"object"``."""
    methods: dict[str, bool] = field(default_factory=dict)
    """An object's public methods, name → whether it is async."""
    values: dict[str, Any] = field(default_factory=dict)
    """An object's public plain attributes (strings, numbers)."""
    text: str = ""
    """Its ``repr``."""
    name: str = ""
    doc: str | None = None
    type_name: str = ""
    """Its class's name (the worker's stand-in takes it, so messages read as in the host)."""


class RemoteRegistry:
    """The host's side of one process run: the objects the worker may call, by reference."""

    def __init__(self) -> None:
        self._objects: dict[int, Any] = {}
        self._descriptions: dict[int, Described] = {}
        self._refs: dict[int, int] = {}

    def describe(self, obj: Any) -> Described:
        """Register ``obj`` (once) and describe it for the worker."""
        ref = self._refs.get(id(obj))
        if ref is not None:
            return self._descriptions[ref]
        ref = len(self._objects) + 1
        self._objects[ref] = obj
        self._refs[id(obj)] = ref
        description = _describe(ref, obj)
        self._descriptions[ref] = description
        return description

    def resolve(self, ref: int) -> Any:
        """The object of ``ref``; raises for references the worker was never given."""
        try:
            return self._objects[ref]
        except KeyError:
            raise ValueNotTransferable(f"unknown reference {ref} from the worker") from None

    def ref_of(self, obj: Any) -> int | None:
        """The reference of ``obj`` if it was handed to the worker."""
        return self._refs.get(id(obj))

    def method(self, ref: int, name: str | None) -> Callable[..., Any]:
        """What a call from the worker calls: the function itself, or a described method."""
        obj = self.resolve(ref)
        description = self._descriptions[ref]
        if name is None:
            if description.kind == "object":
                raise ValueNotTransferable("this object is not callable")
            return obj  # type: ignore[no-any-return]
        if not isinstance(name, str) or name not in description.methods:
            raise ValueNotTransferable(f"{name!r} is not a method the worker was given")
        method: Callable[..., Any] = getattr(obj, name)
        return method

    def to_worker(self, value: Any, depth: int = 0) -> Any:
        """A host return value for the worker: plain data as it is, objects described."""
        kind = type(value)
        if kind is bool or kind in _SCALARS or kind is bytes or depth > MAX_VALUE_DEPTH:
            return value
        if kind is dict:
            return {k: self.to_worker(v, depth + 1) for k, v in value.items()}
        if kind in (list, tuple):
            return kind(self.to_worker(item, depth + 1) for item in value)
        if kind in (set, frozenset):
            return value
        if isinstance(value, BaseException):
            return value
        if isinstance(value, type) and _importable(value):
            # A class (the data store's exception classes, say) crosses by reference, so
            # ``except InvalidValueError:`` catches in the worker what the host raises.
            return value
        if callable(value) or _public_methods(value):
            return self.describe(value)
        return value


def _importable(cls: type) -> bool:
    try:
        return pickle.loads(pickle.dumps(cls)) is cls
    except Exception:  # defined in a function, or otherwise not importable by name
        return False


def _describe(ref: int, obj: Any) -> Described:
    text = _safe_repr(obj)
    if callable(obj) and not isinstance(obj, type) and not _public_methods(obj):
        kind = "async function" if _is_async(obj) else "function"
        return Described(ref, kind, text=text, name=getattr(obj, "__name__", "tool"),
                         doc=getattr(obj, "__doc__", None))
    methods = {name: _is_async(getattr(obj, name)) for name in _public_methods(obj)}
    values = {
        name: value for name in _public_names(obj)
        if name not in methods and type(value := getattr(obj, name, None)) in _SCALARS
    }
    return Described(ref, "object", methods, values, text, type_name=type(obj).__name__)


def _public_names(obj: Any) -> list[str]:
    try:
        return [name for name in dir(obj) if not name.startswith("_")]
    except Exception:  # a host object with a broken __dir__: describe nothing
        return []


def _public_methods(obj: Any) -> list[str]:
    if isinstance(obj, (type, BaseException)) or inspect.isroutine(obj):
        return []
    return [name for name in _public_names(obj) if callable(getattr(obj, name, None))]


def _is_async(obj: Any) -> bool:
    return inspect.iscoroutinefunction(obj) or inspect.iscoroutinefunction(
        getattr(obj, "__call__", None)  # noqa: B004 - async callable objects
    )


def _safe_repr(obj: Any) -> str:
    try:
        return repr(obj)
    except Exception:  # a description must not fail because of a repr
        return f"<{type(obj).__name__} object>"


def dumps(message: Any) -> bytes:
    """A worker's message as JSON bytes."""
    return json.dumps(message, ensure_ascii=True, separators=(",", ":")).encode("ascii")


def loads(data: bytes) -> Any:
    """Parse a worker's JSON message (nothing else is accepted)."""
    return json.loads(data.decode("ascii"))
