"""Contract: ``Backend.keys_page``, the keyset-paged key listing the data browser pages with."""

from __future__ import annotations

from agent_data_store import Backend
from tests.conftest import StoreFactory

KEYS = [
    "a", "B", "b", "b/1", "b/2", "b:x", "e\u0301", "z", "é", "ü/x", "日本", "🙂 emoji", "~",
    "a b", "a%2Fb", "a?b#c",
]


def _pages(backend: Backend, limit: int, prefix: str | None = None) -> list[list[str]]:
    pages: list[list[str]] = []
    after: str | None = None
    while True:
        page = backend.keys_page("alice", "ns", prefix=prefix, after=after, limit=limit)
        if not page:
            return pages
        pages.append(page)
        after = page[-1]


def test_pages_cover_every_key_once_in_code_point_order(
    make_store: StoreFactory, backend: Backend
) -> None:
    make_store(namespace="ns").set_many({key: 1 for key in KEYS})
    pages = _pages(backend, limit=3)
    assert [key for page in pages for key in page] == sorted(KEYS)
    assert all(len(page) == 3 for page in pages[:-1])


def test_prefix_and_after_combine(make_store: StoreFactory, backend: Backend) -> None:
    make_store(namespace="ns").set_many({key: 1 for key in KEYS})
    assert backend.keys_page("alice", "ns", prefix="b", limit=10) == ["b", "b/1", "b/2", "b:x"]
    assert backend.keys_page("alice", "ns", prefix="b", after="b/1", limit=2) == ["b/2", "b:x"]
    assert [k for page in _pages(backend, limit=1, prefix="b/") for k in page] == ["b/1", "b/2"]


def test_after_need_not_be_a_stored_key(make_store: StoreFactory, backend: Backend) -> None:
    make_store(namespace="ns").set_many({key: 1 for key in KEYS})
    assert backend.keys_page("alice", "ns", after="b/10", limit=2) == ["b/2", "b:x"]
    assert backend.keys_page("alice", "ns", after="\U0010ffff", limit=5) == []


def test_only_the_users_namespace_is_listed(make_store: StoreFactory, backend: Backend) -> None:
    make_store(user="alice", namespace="ns").set("mine", 1)
    make_store(user="alice", namespace="ns2").set("other namespace", 1)
    make_store(user="bob", namespace="ns").set("bobs", 1)
    assert backend.keys_page("alice", "ns", limit=10) == ["mine"]
    assert backend.keys_page("carol", "ns", limit=10) == []


def test_a_key_just_written_is_listed_and_a_deleted_one_is_not(
    make_store: StoreFactory, backend: Backend
) -> None:
    store = make_store(namespace="ns")
    store.set("gone", 1)
    store.delete("gone")
    store.set("new", 1)
    assert backend.keys_page("alice", "ns", limit=10) == ["new"]
