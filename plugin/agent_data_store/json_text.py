"""Decoding stored JSON text: fast, and exactly what :func:`json.loads` gives.

Every read decodes the values it returns. orjson does that several times faster than the
standard library, but it turns an integer beyond 64 bits into a float, which would change
a stored number such as ``2**100``. Such an integer is a run of at least 19 digits, so text
holding one (inside a string too: the check is cheap, the fallback merely slower) is decoded
by the standard library; so is text orjson refuses where the standard library does not
(``NaN``, a number beyond a float's range, an escaped lone surrogate, deep nesting).
"""

from __future__ import annotations

import json
import re
from typing import Any

import orjson

_LONG_NUMBER = re.compile(r"[0-9]{19}")
"""JSON numbers are ASCII digits; a narrower class than \\d is also a faster search."""


def decode(text: str) -> Any:
    """The value of JSON ``text``; raises :class:`ValueError` where :func:`json.loads` does."""
    if _LONG_NUMBER.search(text) is None:
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:
            pass
    return json.loads(text)
