"""Checks on what agent code passes in: keys, namespaces, values and metadata.

Everything is checked before anything is stored, so a bad call stores nothing.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable
from typing import Any

import orjson

from agent_data_store.errors import (
    InvalidKeyError,
    InvalidKeyTypeError,
    InvalidValueError,
    ValueTooLargeError,
)

MAX_KEY_LENGTH = 1024
"""Longest key or namespace, in characters."""

MAX_VALUE_DEPTH = 256
"""Deepest nesting of lists and dicts in a value or metadata: deeper ones are refused, so
every backend, ``get`` and the host's JSON handling read back what was stored."""

MAX_METADATA_BYTES = 64 * 1024
"""Largest metadata dict, in bytes of JSON: metadata describes a value, it is not a second one."""


def check_name(value: object, what: str) -> str:
    """Return ``value`` if it is a usable key or namespace, else raise a clear error.

    Any characters a user might type are allowed (``/``, ``:``, spaces, unicode); the string
    must be non-empty, at most :data:`MAX_KEY_LENGTH` characters, and encodable as UTF-8.
    """
    # Fast path for the common case: every key of every call passes through here.
    if type(value) is str and 0 < len(value) <= MAX_KEY_LENGTH and value.isascii():
        return value
    if not isinstance(value, str):
        raise InvalidKeyTypeError(f"{what} must be a string, not {type(value).__name__}")
    # A str subclass of the agent's would carry its methods (agent code) into the store,
    # the operation log and every comparison the host makes: keep the plain text only.
    value = str.__str__(value)
    if not value:
        raise InvalidKeyError(f"{what} must be a non-empty string")
    if len(value) > MAX_KEY_LENGTH:
        raise InvalidKeyError(
            f"{what} is {len(value)} characters long; the limit is {MAX_KEY_LENGTH}"
        )
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidKeyError(f"{what} contains a character that is not valid unicode") from None
    return value


def check_keys(keys: object, what: str = "keys") -> list[str]:
    """Return ``keys`` as a list of checked keys, refusing a bare string."""
    if isinstance(keys, (str, bytes)) or not isinstance(keys, Iterable):
        raise InvalidKeyTypeError(f"{what} must be a list of strings, not {type(keys).__name__}")
    return [check_name(key, "key") for key in keys]


_SCALARS = frozenset({str, int, bool, type(None)})


def _describe_unserialisable(value: Any, path: str, depth: int = 1) -> str | None:
    """Return where and what the first non-JSON part of ``value`` is, or ``None``.

    Exact-type checks come first because this walks every stored value: most members
    are plain scalars, and a set lookup on their type is the cheapest way to pass them.
    """
    kind = type(value)
    if kind in _SCALARS:
        return None
    if kind is float:
        return None if math.isfinite(value) else f"{path} is {value!r}, which JSON cannot hold"
    if depth > MAX_VALUE_DEPTH:
        return (f"{path.partition('[')[0]} is nested more than {MAX_VALUE_DEPTH} levels deep "
                "(lists and dicts inside each other); store it flatter")
    if kind is dict or (kind is not list and isinstance(value, dict)):
        for key, item in value.items():
            if type(key) is not str:
                return f"{path} has a key of type {type(key).__name__}; JSON keys are strings"
            if type(item) not in _SCALARS:
                found = _describe_unserialisable(item, f"{path}[{key!r}]", depth + 1)
                if found:
                    return found
        return None
    if kind is list or isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            if type(item) not in _SCALARS:
                found = _describe_unserialisable(item, f"{path}[{index}]", depth + 1)
                if found:
                    return found
        return None
    if isinstance(value, (str, int)):
        return None
    if isinstance(value, float):
        return _describe_unserialisable(float(value), path, depth)
    return f"{path} is a {kind.__name__}, which is not JSON-serialisable"


_SURROGATE = re.compile("[\ud800-\udfff]")
"""A lone surrogate: Python strings may hold one, UTF-8 (and so every backend) cannot."""

def _compact_encoder() -> Callable[[Any], str]:
    """Compact JSON text, no NaN: an encoder built once.

    ``JSONEncoder.encode`` (and so ``json.dumps``) builds its C encoder again on every call;
    the one built here is used as it is. Circular values never reach it (the check before
    refuses them as too deep), so it keeps no markers.
    """
    encoder = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    make_c_encoder = getattr(json.encoder, "c_make_encoder", None)
    if make_c_encoder is None:  # pragma: no cover - Pythons without the C accelerator
        return encoder.encode
    c_encode = make_c_encoder(None, encoder.default, json.encoder.encode_basestring, None,
                              ":", ",", False, False, False)

    def encode(value: Any) -> str:
        return "".join(c_encode(value, 0))

    return encode


_ENCODE = _compact_encoder()


_ORJSON_STRICT = orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_DATETIME
"""orjson options that leave dataclasses and datetimes to ``default`` (none: refused)."""


def _quick_check(value: Any) -> bool:
    """Whether orjson, in C, finds ``value`` clean of what :func:`_describe_unserialisable`
    refuses once the standard encoder has run: non-string keys, nesting deeper than
    :data:`MAX_VALUE_DEPTH` (orjson stops sooner), circular values.

    What orjson takes but JSON text of ours must not hold (NaN, other objects it knows) the
    standard encoder refuses; what orjson refuses but we take (integers beyond 64 bits, the
    last levels of nesting) goes the slow way. Either way the answer is the slow walk's.
    """
    try:
        orjson.dumps(value, option=_ORJSON_STRICT)
    except orjson.JSONEncodeError:
        return False
    return True


def to_json(value: Any, what: str = "value") -> str:
    """Serialise ``value`` to JSON text, or raise :class:`InvalidValueError` naming the problem.

    Only what survives a JSON round trip unchanged in meaning is accepted: dict keys must
    be strings (JSON would silently turn ``1`` into ``"1"``), NaN and Infinity are refused.
    A value orjson checks clean is encoded at once; any other is walked first, so that the
    error names the part at fault.
    """
    text = None
    if _quick_check(value):
        # try, not contextlib.suppress (an object per call): every write comes here.
        try:
            text = _ENCODE(value)
        except (TypeError, ValueError, RecursionError):
            text = None
    if text is None:
        text = _checked_encode(value, what)
    if not text.isascii() and _SURROGATE.search(text):
        raise InvalidValueError(
            f"{what} contains a string with a lone surrogate (e.g. '\\ud800'), which is not "
            "valid unicode text; nothing was stored"
        )
    return text


def _checked_encode(value: Any, what: str) -> str:
    try:
        problem = _describe_unserialisable(value, what)
    except RecursionError:
        raise InvalidValueError(f"{what} is nested too deeply or refers to itself") from None
    if problem:
        raise InvalidValueError(problem)
    try:
        return _ENCODE(value)
    except (TypeError, ValueError, RecursionError) as exc:
        raise InvalidValueError(f"{what} is not JSON-serialisable: {exc}") from None


def check_size(value_json: str, limit: int, what: str = "value") -> None:
    """Refuse JSON text larger than ``limit`` bytes (UTF-8)."""
    size = len(value_json.encode("utf-8")) if len(value_json) * 4 > limit else len(value_json)
    if size > limit:
        raise ValueTooLargeError(
            f"{what} is {size} bytes of JSON; the limit is {limit} bytes. Nothing was stored."
        )


def check_metadata(metadata: object) -> dict[str, Any] | None:
    """Return a private, JSON-clean copy of ``metadata`` (a dict or ``None``)."""
    if metadata is None:
        return None
    if not isinstance(metadata, dict):
        raise InvalidValueError(f"metadata must be a dict or None, not {type(metadata).__name__}")
    text = to_json(metadata, "metadata")
    check_size(text, MAX_METADATA_BYTES, "metadata")
    copied: dict[str, Any] = json.loads(text)
    return copied


def check_amount(amount: object) -> int | float:
    """Return ``amount`` as a plain int or float if it is a finite number (not a bool)."""
    if isinstance(amount, bool) or not isinstance(amount, (int, float)):
        raise InvalidValueError(f"amount must be an int or a float, not {type(amount).__name__}")
    if isinstance(amount, int):
        return int(amount)
    if not math.isfinite(amount):
        raise InvalidValueError(f"amount must be a finite number, not {amount!r}")
    return float(amount)


def check_version(version: object) -> str | None:
    """Return ``version`` if it is ``None`` or a version string from ``get_record``."""
    if version is None or type(version) is str:
        return version
    raise InvalidValueError(
        f"version must be a string from get_record() or None, not {type(version).__name__}"
    )


MAX_TTL_S = 100 * 365 * 24 * 3600
"""Longest time to live: a century, so expiry times stay within four-digit years."""


def check_ttl(ttl: object) -> float | None:
    """Return ``ttl`` (seconds) if it is ``None`` or a number above 0, else raise."""
    if ttl is None:
        return None
    if isinstance(ttl, bool) or not isinstance(ttl, (int, float)):
        raise InvalidValueError(
            f"ttl must be a number of seconds or None, not {type(ttl).__name__}"
        )
    if not 0 < ttl <= MAX_TTL_S:  # also refuses NaN
        raise InvalidValueError(
            f"ttl must be more than 0 and at most {MAX_TTL_S} seconds (100 years), not {ttl!r}"
        )
    return float(ttl)
