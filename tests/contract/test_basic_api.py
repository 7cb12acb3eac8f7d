"""Contract: every documented method of ``data_store``, on every backend."""

from __future__ import annotations

import pytest

from tests.conftest import StoreFactory


def test_get_of_missing_key_returns_none(make_store: StoreFactory) -> None:
    assert make_store().get("missing") is None


def test_get_of_missing_key_returns_given_default(make_store: StoreFactory) -> None:
    assert make_store().get("missing", {"d": 1}) == {"d": 1}


def test_set_then_get_returns_value(make_store: StoreFactory) -> None:
    store = make_store()
    assert store.set("my-key", {"result": "some data"}) is None
    assert store.get("my-key") == {"result": "some data"}


def test_set_overwrites_value(make_store: StoreFactory) -> None:
    store = make_store()
    store.set("k", 1)
    store.set("k", [2])
    assert store.get("k") == [2]


def test_delete_returns_true_when_key_existed(make_store: StoreFactory) -> None:
    store = make_store()
    store.set("k", 1)
    assert store.delete("k") is True
    assert store.get("k") is None


def test_delete_returns_false_when_key_missing(make_store: StoreFactory) -> None:
    assert make_store().delete("never") is False


def test_delete_many_counts_only_existing_keys(make_store: StoreFactory) -> None:
    store = make_store()
    store.set_many({"a": 1, "b": 2, "c": 3})
    assert store.delete_many(["a", "c", "zzz"]) == 2
    assert store.list_keys() == ["b"]


def test_delete_many_of_nothing_is_zero(make_store: StoreFactory) -> None:
    assert make_store().delete_many([]) == 0


def test_list_keys_is_sorted(make_store: StoreFactory) -> None:
    store = make_store()
    for key in ["b", "a", "C", "a/b", "é", "10", "9"]:
        store.set(key, key)
    assert store.list_keys() == sorted(["b", "a", "C", "a/b", "é", "10", "9"])


def test_list_keys_filters_by_prefix(make_store: StoreFactory) -> None:
    store = make_store()
    store.set_many({"user:1": 1, "user:2": 2, "users": 3, "other": 4, "use": 5})
    assert store.list_keys(prefix="user:") == ["user:1", "user:2"]
    assert store.list_keys("use") == ["use", "user:1", "user:2", "users"]


def test_list_keys_of_empty_namespace_is_empty(make_store: StoreFactory) -> None:
    assert make_store().list_keys() == []


def test_list_keys_only_lists_current_namespace(make_store: StoreFactory) -> None:
    store = make_store()
    store.set("here", 1)
    store.use_namespace("elsewhere").set("there", 2)
    assert store.list_keys() == ["here"]


def test_default_namespace_is_default(make_store: StoreFactory) -> None:
    store = make_store()
    store.set("k", 1)
    assert store.list_namespaces() == ["default"]


def test_list_namespaces_is_sorted_and_lists_only_non_empty(make_store: StoreFactory) -> None:
    store = make_store()
    store.use_namespace("summary:repo").set("a", 1)
    store.use_namespace("cache:github").set("b", 2)
    store.use_namespace("files:apache/my-repo").set("c", 3)
    store.use_namespace("never-written")
    assert store.list_namespaces() == ["cache:github", "files:apache/my-repo", "summary:repo"]


def test_namespace_disappears_after_clear(make_store: StoreFactory) -> None:
    store = make_store()
    cache = store.use_namespace("cache")
    cache.set_many({"a": 1, "b": 2})
    store.set("k", 1)
    assert cache.clear() == 2
    assert store.list_namespaces() == ["default"]


def test_namespace_disappears_after_last_key_deleted(make_store: StoreFactory) -> None:
    store = make_store()
    tmp = store.use_namespace("tmp")
    tmp.set("only", 1)
    tmp.delete("only")
    assert store.list_namespaces() == []


def test_namespace_disappears_after_delete_many_of_all_keys(make_store: StoreFactory) -> None:
    tmp = make_store().use_namespace("tmp")
    tmp.set_many({"a": 1, "b": 2})
    assert tmp.delete_many(["a", "b"]) == 2
    assert tmp.list_namespaces() == []


def test_use_namespace_leaves_original_unchanged(make_store: StoreFactory) -> None:
    store = make_store()
    other = store.use_namespace("other")
    other.set("k", "other")
    store.set("k", "default")
    assert store.get("k") == "default"
    assert other.get("k") == "other"


def test_use_namespace_of_namespace_switches_again(make_store: StoreFactory) -> None:
    store = make_store()
    store.use_namespace("a").use_namespace("b").set("k", 1)
    assert store.use_namespace("b").get("k") == 1
    assert store.use_namespace("a").list_keys() == []


def test_clear_deletes_only_current_namespace(make_store: StoreFactory) -> None:
    store = make_store()
    store.set_many({"a": 1, "b": 2, "c": 3})
    store.use_namespace("keep").set("x", 1)
    assert store.clear() == 3
    assert store.list_keys() == []
    assert store.use_namespace("keep").get("x") == 1


def test_clear_of_empty_namespace_is_zero(make_store: StoreFactory) -> None:
    assert make_store().clear() == 0


def test_get_all_returns_every_pair(make_store: StoreFactory) -> None:
    store = make_store()
    items = {f"k{i:03}": {"n": i} for i in range(25)}
    store.set_many(items)
    store.use_namespace("other").set("not-me", 1)
    assert store.get_all() == items


def test_get_all_of_empty_namespace_is_empty(make_store: StoreFactory) -> None:
    assert make_store().get_all() == {}


def test_get_all_pages_through_more_than_one_page(make_store: StoreFactory) -> None:
    store = make_store(page_size=7)
    items = {f"key-{i}": i for i in range(30)}
    store.set_many(items)
    assert store.get_all() == items
    assert store.list_keys() == sorted(items)


def test_get_many_omits_missing_keys(make_store: StoreFactory) -> None:
    store = make_store()
    store.set_many({"a": 1, "b": 2})
    assert store.get_many(["a", "missing", "b"]) == {"a": 1, "b": 2}


def test_get_many_of_nothing_is_empty(make_store: StoreFactory) -> None:
    assert make_store().get_many([]) == {}


def test_get_many_with_repeated_keys(make_store: StoreFactory) -> None:
    store = make_store()
    store.set("a", 1)
    assert store.get_many(["a", "a"]) == {"a": 1}


def test_get_many_of_a_hundred_keys(make_store: StoreFactory) -> None:
    store = make_store()
    items = {f"item-{i}": i for i in range(100)}
    store.set_many(items)
    assert store.get_many(list(items)) == items


def test_set_many_returns_count_and_stores_all(make_store: StoreFactory) -> None:
    store = make_store()
    assert store.set_many({"a": 1, "b": [2], "c": {"three": 3}}) == 3
    assert store.get_all() == {"a": 1, "b": [2], "c": {"three": 3}}


def test_set_many_of_nothing_is_zero(make_store: StoreFactory) -> None:
    assert make_store().set_many({}) == 0


def test_set_many_rejects_non_dict(make_store: StoreFactory) -> None:
    with pytest.raises(TypeError, match="dict"):
        make_store().set_many([("a", 1)])  # type: ignore[arg-type]
