"""Decoding stored JSON text gives exactly what the standard library's ``json.loads`` gives."""

from __future__ import annotations

import dataclasses
import datetime
import enum
import json
import uuid
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agent_data_store.errors import InvalidValueError
from agent_data_store.json_text import decode
from agent_data_store.validation import _checked_encode, to_json

_SCALARS = (
    st.none() | st.booleans() | st.integers() | st.integers(min_value=2**60, max_value=2**80)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text()
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


def _same(a: Any, b: Any) -> bool:
    """Equal and of the same types all the way down (``1`` is not ``1.0``)."""
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True) and repr(a) == repr(b)


@given(_VALUES)
def test_decoding_equals_the_standard_library(value: Any) -> None:
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    assert _same(decode(text), json.loads(text))


@pytest.mark.parametrize("text", [
    "123456789012345678901234567890", "-9223372036854775809", "18446744073709551616",
    '{"id":"12345678901234567890","n":1}', "[1e400]", "NaN", '"\\ud800"',
    "[" * 600 + "]" * 600, '{"é":1234567890123456789012}',
    '["\ud800",12345678901234567890]', '["\ud800",1]',  # raw lone surrogates
    '"' + "\u0663" * 20 + '"',  # digits that are not ASCII ones are no number
])
def test_what_a_fast_decoder_gets_wrong_is_decoded_by_the_standard_library(text: str) -> None:
    assert _same(decode(text), json.loads(text))


@pytest.mark.parametrize("text", ["", "[1,]", "{'a': 1}", '"\x01"', "\ufeff1"])
def test_text_that_is_not_json_raises_value_error(text: str) -> None:
    with pytest.raises(ValueError):
        decode(text)



# -- encoding: orjson's quick check never changes what is accepted or what is said --------


def _nested(depth: int) -> list[object]:
    value: list[object] = []
    for _ in range(depth - 1):
        value = [value]
    return value


def _circular() -> list[object]:
    value: list[object] = []
    value.append(value)
    return value


@dataclasses.dataclass
class _Point:
    x: int


_QUIRKS: list[object] = [
    {"a": float("nan")}, {"t": (1, float("inf"))}, {1: 2}, {"x": [1, {True: 1}]}, {None: 1},
    {"a": {2.5: "x"}}, 2**100, [2**64, -(2**63) - 1], {"s": "\ud800"}, (1, 2), 1e16, 1e-7,
    -0.0, {"é": "日本", "ctl": "\x00\x1f\x7f"}, [[[]]], {"": None}, True, "plain",
    _nested(255), _nested(256), _nested(257), _circular(), object(), datetime.date(2026, 1, 1),
    uuid.UUID(int=5), _Point(1), enum.Enum("Colour", "RED").RED, {"p": [_Point(2)]},
]


@pytest.mark.parametrize("value", _QUIRKS)
def test_to_json_answers_as_the_checked_slow_path(value: object) -> None:
    """The quick path (orjson checks in C, the standard encoder writes) gives the text or
    the error that walking the value first gives; what it accepts is ``json.dumps``."""
    try:
        slow: Any = _checked_encode(value, "value")
    except InvalidValueError as exc:
        slow = ("error", str(exc))
    try:
        quick: Any = to_json(value)
    except InvalidValueError as exc:
        quick = ("error", str(exc))
    if isinstance(slow, str) and "\ud800" in slow:
        assert quick[0] == "error" and "surrogate" in quick[1]
        return
    assert quick == slow
    if isinstance(quick, str):
        assert quick == json.dumps(value, ensure_ascii=False, separators=(",", ":"))


@given(_VALUES)
def test_to_json_of_json_values_is_the_standard_compact_text(value: Any) -> None:
    text = to_json(value)
    assert text == json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    assert decode(text) == value
