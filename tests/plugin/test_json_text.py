"""Decoding stored JSON text gives exactly what the standard library's ``json.loads`` gives."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agent_data_store.json_text import decode

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
    "[" * 600 + "]" * 600,
])
def test_what_a_fast_decoder_gets_wrong_is_decoded_by_the_standard_library(text: str) -> None:
    assert _same(decode(text), json.loads(text))


@pytest.mark.parametrize("text", ["", "[1,]", "{'a': 1}", '"\x01"', "\ufeff1"])
def test_text_that_is_not_json_raises_value_error(text: str) -> None:
    with pytest.raises(ValueError):
        decode(text)
