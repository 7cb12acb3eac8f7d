"""Contract: value fidelity, value limits, and which keys and namespaces round-trip."""

from __future__ import annotations

import datetime
import math
from typing import Any

import pytest

from agent_data_store import Backend, DataStoreError, InvalidValueError
from agent_data_store.validation import MAX_VALUE_DEPTH
from tests.conftest import StoreFactory

FAITHFUL_VALUES: dict[str, Any] = {
    "big-int": 2**100,
    "negative-big-int": -(2**70) - 1,
    "int64-edges": [2**63 - 1, -(2**63), 2**64],
    "floats": [0.1, 1e308, 5e-324, -2.5, 1.0],
    "nested": {"a": [1, [2, [3, [4, {"b": None}]]]], "c": {"d": {"e": True}}},
    "nested-arrays": [[1, 2], [[3]], []],
    "empty-dict": {},
    "empty-list": [],
    "empty-string": "",
    "zero": 0,
    "false": False,
    "null": None,
    "unicode": "héllo wörld ✓ 日本語 🎉",
    "string-with-quotes": 'say "hi"\n\ttab\\',
    "mixed": [1, "two", 3.0, None, {"four": [4]}],
}


@pytest.mark.parametrize("name", list(FAITHFUL_VALUES))
def test_value_round_trips_exactly(make_store: StoreFactory, name: str) -> None:
    store = make_store()
    store.set(name, FAITHFUL_VALUES[name])
    got = store.get(name, "MISSING")
    assert got == FAITHFUL_VALUES[name]
    assert type(got) is type(FAITHFUL_VALUES[name])
    assert store.get_all()[name] == FAITHFUL_VALUES[name]
    assert store.get_many([name]) == {name: FAITHFUL_VALUES[name]}


def test_tuples_come_back_as_lists(make_store: StoreFactory) -> None:
    store = make_store()
    store.set("t", (1, (2, 3)))
    assert store.get("t") == [1, [2, 3]]


def test_returned_value_is_callers_own_copy(make_store: StoreFactory) -> None:
    store = make_store()
    original = {"items": [1, 2]}
    store.set("k", original)
    original["items"].append(99)
    first = store.get("k")
    first["items"].append(3)
    assert store.get("k") == {"items": [1, 2]}
    assert store.get_all()["k"] == {"items": [1, 2]}


@pytest.mark.parametrize(
    ("value", "named"),
    [
        (datetime.datetime(2026, 1, 1), "datetime"),
        (b"bytes", "bytes"),
        (object(), "object"),
        (math.nan, "nan"),
        (math.inf, "inf"),
        ({1, 2}, "set"),
        ({1: "int key"}, "key of type int"),
        ({"deep": [1, {"x": b"raw"}]}, "bytes"),
    ],
)
def test_non_json_value_raises_type_error_and_stores_nothing(
    make_store: StoreFactory, value: Any, named: str
) -> None:
    store = make_store()
    with pytest.raises(TypeError, match=named):
        store.set("bad", value)
    with pytest.raises(TypeError):
        store.set_many({"good": 1, "bad": value})
    assert store.list_keys() == []


@pytest.mark.parametrize(
    "value",
    ["lone \ud800", ["ok", {"x": "\udfff tail"}], {"key \udc80": 1}],
    ids=["string", "nested", "dict-key"],
)
def test_a_lone_surrogate_in_a_value_is_refused_and_nothing_is_stored(
    make_store: StoreFactory, value: Any
) -> None:
    store = make_store()
    for write in (lambda: store.set("k", value), lambda: store.set_many({"ok": 1, "k": value}),
                  lambda: store.set("k", 1, {"note": value})):
        with pytest.raises(InvalidValueError, match="lone surrogate"):
            write()
    assert store.list_keys() == []


def _nested(depth: int) -> Any:
    value: Any = "bottom"
    for level in range(depth):
        value = [value] if level % 2 else {"down": value}
    return value


def test_a_value_nested_to_the_limit_round_trips_and_one_level_more_is_refused(
    make_store: StoreFactory,
) -> None:
    store = make_store()
    store.set("deep", _nested(MAX_VALUE_DEPTH))
    assert store.get("deep") == _nested(MAX_VALUE_DEPTH)
    with pytest.raises(InvalidValueError, match=f"nested more than {MAX_VALUE_DEPTH} levels"):
        store.set("deeper", _nested(MAX_VALUE_DEPTH + 1))
    with pytest.raises(InvalidValueError, match="metadata is nested more than"):
        store.set("k", 1, {"m": _nested(MAX_VALUE_DEPTH)})
    assert store.list_keys() == ["deep"]


def test_self_referencing_value_raises_type_error(make_store: StoreFactory) -> None:
    loop: list[Any] = []
    loop.append(loop)
    with pytest.raises(TypeError):
        make_store().set("loop", loop)


def test_non_dict_metadata_raises_type_error(make_store: StoreFactory) -> None:
    with pytest.raises(TypeError, match="metadata"):
        make_store().set("k", 1, ["not", "a", "dict"])  # type: ignore[arg-type]


def test_value_of_exactly_one_mebibyte_is_stored(make_store: StoreFactory) -> None:
    store = make_store()
    value = "x" * (1024 * 1024 - 2)  # plus two quotes: exactly 1 MiB of JSON
    store.set("big", value)
    assert store.get("big") == value
    assert store.get_all() == {"big": value}


def test_value_one_byte_over_the_limit_is_refused(make_store: StoreFactory) -> None:
    store = make_store()
    with pytest.raises(ValueError, match="limit"):
        store.set("big", "x" * (1024 * 1024 - 1))
    assert store.list_keys() == []


def test_value_limit_counts_utf8_bytes(make_store: StoreFactory) -> None:
    store = make_store(max_value_bytes=100)
    store.set("ok", "é" * 49)  # 98 bytes + 2 quotes
    with pytest.raises(ValueError, match="limit"):
        store.set("too-big", "é" * 50)


def test_set_many_with_one_oversized_value_stores_nothing(make_store: StoreFactory) -> None:
    store = make_store(max_value_bytes=50)
    with pytest.raises(ValueError):
        store.set_many({"small": 1, "big": "y" * 100})
    assert store.list_keys() == []


UNUSUAL_NAMES = [
    "with/slash",
    "a:b:c",
    "with space",
    "ünïcödé-日本-🎉",
    "?query#fragment%20",
    "..",
    ".",
    "__reserved__",
    "_leading_underscore",
    "trailing/",
    "/",
    "back\\slash",
    "tab\tand\nnewline",
    "k" * 1000,
    "日" * 1000,
]


@pytest.mark.parametrize("key", UNUSUAL_NAMES, ids=lambda k: repr(k[:20]))
def test_unusual_keys_round_trip(make_store: StoreFactory, key: str) -> None:
    store = make_store()
    store.set(key, {"key": key})
    assert store.get(key) == {"key": key}
    assert store.list_keys() == [key]
    assert store.get_all() == {key: {"key": key}}
    assert store.get_many([key]) == {key: {"key": key}}
    assert store.delete(key) is True
    assert store.list_keys() == []


@pytest.mark.parametrize("namespace", UNUSUAL_NAMES, ids=lambda n: repr(n[:20]))
def test_unusual_namespaces_round_trip(make_store: StoreFactory, namespace: str) -> None:
    store = make_store().use_namespace(namespace)
    store.set("k", 1)
    assert store.get("k") == 1
    assert store.list_namespaces() == [namespace]
    assert store.list_keys() == ["k"]
    assert store.clear() == 1
    assert store.list_namespaces() == []


def test_keys_differing_only_after_a_colon_are_distinct(make_store: StoreFactory) -> None:
    store = make_store()
    store.use_namespace("a:b").set("c", "ns a:b key c")
    store.use_namespace("a").set("b:c", "ns a key b:c")
    assert store.use_namespace("a:b").get("c") == "ns a:b key c"
    assert store.use_namespace("a").get("b:c") == "ns a key b:c"
    assert store.use_namespace("a").list_keys() == ["b:c"]


def test_prefix_listing_with_unicode_and_slashes(make_store: StoreFactory) -> None:
    store = make_store()
    store.set_many({"src/a.py": 1, "src/b/c.py": 2, "srcx": 3, "日本/1": 4, "日本/2": 5})
    assert store.list_keys(prefix="src/") == ["src/a.py", "src/b/c.py"]
    assert store.list_keys(prefix="日本/") == ["日本/1", "日本/2"]


@pytest.mark.parametrize("bad", ["", None, 42, b"bytes", ["list"]])
def test_invalid_key_is_refused(make_store: StoreFactory, bad: Any) -> None:
    store = make_store()
    with pytest.raises((TypeError, ValueError)) as raised:
        store.set(bad, 1)
    assert isinstance(raised.value, DataStoreError)
    with pytest.raises((TypeError, ValueError)):
        store.get(bad)
    with pytest.raises((TypeError, ValueError)):
        store.delete(bad)


@pytest.mark.parametrize("bad", ["", None, 42])
def test_invalid_namespace_is_refused(make_store: StoreFactory, bad: Any) -> None:
    with pytest.raises((TypeError, ValueError), match="namespace"):
        make_store().use_namespace(bad)


def test_too_long_key_is_refused_clearly(make_store: StoreFactory) -> None:
    with pytest.raises(ValueError, match="limit is 1024"):
        make_store().set("k" * 1025, 1)


def test_bare_string_as_key_list_is_refused(make_store: StoreFactory) -> None:
    with pytest.raises(TypeError, match="list"):
        make_store().get_many("abc")  # type: ignore[arg-type]


def test_one_bad_key_in_set_many_stores_nothing(make_store: StoreFactory) -> None:
    store = make_store()
    with pytest.raises(ValueError):
        store.set_many({"good": 1, "": 2})
    assert store.list_keys() == []


def test_non_string_prefix_is_refused(make_store: StoreFactory, backend: Backend) -> None:
    with pytest.raises(TypeError, match="prefix"):
        make_store().list_keys(prefix=3)  # type: ignore[arg-type]
