"""Contract: a run reads and writes only the namespaces its host allows, on every backend."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from agent_data_store.errors import NamespacePermissionError
from agent_data_store.permissions import OPERATION_ACCESS
from agent_data_store.store import _METHODS, DataStoreHandle
from tests.conftest import StoreFactory

Call = Callable[[DataStoreHandle], Any]

FULLWIDTH_REPORTS = "\uff52\uff45\uff50\uff4f\uff52\uff54\uff53"

WRITES: dict[str, Call] = {
    "set": lambda store: store.set("k", "changed"),
    "set_many": lambda store: store.set_many({"k": "changed", "new": 1}),
    "delete": lambda store: store.delete("k"),
    "delete_many": lambda store: store.delete_many(["k"]),
    "clear": lambda store: store.clear(),
    "set_if_absent": lambda store: store.set_if_absent("new", 1),
    "compare_and_set": lambda store: store.compare_and_set("k", "changed", None),
    "increment": lambda store: store.increment("n"),
}
"""One call of every operation that changes records."""

READS: dict[str, Call] = {
    "get": lambda store: store.get("k"),
    "get_many": lambda store: store.get_many(["k"]),
    "get_all": lambda store: store.get_all(),
    "list_keys": lambda store: store.list_keys(),
    "get_record": lambda store: store.get_record("k"),
}
"""One call of every operation that returns stored values or keys."""


def _seed(make_store: StoreFactory, *namespaces: str) -> None:
    owner = make_store()
    for namespace in namespaces:
        owner.use_namespace(namespace).set("k", f"{namespace}'s")


def _contents(make_store: StoreFactory, namespace: str) -> dict[str, Any]:
    return make_store().use_namespace(namespace).get_all()


def test_every_exposed_operation_says_what_it_needs() -> None:
    assert set(_METHODS) <= set(OPERATION_ACCESS)


def test_every_write_and_read_operation_is_tried_here() -> None:
    exposed = set(_METHODS)
    assert {op for op in exposed if "write" in OPERATION_ACCESS[op]} == set(WRITES)
    assert {op for op in exposed if OPERATION_ACCESS[op] == {"read"}} == set(READS)


@pytest.mark.parametrize("operation", sorted(WRITES))
def test_a_namespace_the_run_may_only_read_cannot_be_changed(
    make_store: StoreFactory, operation: str
) -> None:
    _seed(make_store, "billing")
    store = make_store(read=["*"], write=["reports"]).use_namespace("billing")
    with pytest.raises(NamespacePermissionError):
        WRITES[operation](store)
    assert _contents(make_store, "billing") == {"k": "billing's"}


@pytest.mark.parametrize("operation", sorted(READS))
def test_a_namespace_the_run_may_only_write_cannot_be_read(
    make_store: StoreFactory, operation: str
) -> None:
    _seed(make_store, "inbox")
    store = make_store(read=["default"], write=["inbox"]).use_namespace("inbox")
    with pytest.raises(NamespacePermissionError):
        READS[operation](store)


def test_writes_to_an_allowed_namespace_work(make_store: StoreFactory) -> None:
    store = make_store(read=[], write=["reports"]).use_namespace("reports")
    store.set("a", 1)
    assert store.set_many({"b": 2, "c": 3}) == 2
    assert store.delete("a") is True
    assert store.delete_many(["b"]) == 1
    assert _contents(make_store, "reports") == {"c": 3}
    assert store.clear() == 1


def test_the_error_names_namespace_operation_and_agent(make_store: StoreFactory) -> None:
    store = make_store(agent="reporter", read=["default", "shared-*"], write=["reports"])
    with pytest.raises(NamespacePermissionError) as caught:
        store.set("k", 1)
    error = caught.value
    assert (error.namespace, error.operation, error.agent) == ("default", "set", "reporter")
    message = str(error)
    assert "'reporter'" in message and "'default'" in message and "data_store.set" in message
    assert "may not write" in message and "'reports'" in message


def test_reads_of_an_unreadable_namespace_say_what_may_be_read(make_store: StoreFactory) -> None:
    with pytest.raises(NamespacePermissionError, match=r"may not read namespace 'inbox'.*"
                       r"may read namespaces matching 'default', 'shared-\*'"):
        make_store(read=["default", "shared-*"], write=["inbox"]).use_namespace("inbox").get("k")


def test_list_namespaces_lists_only_readable_ones(make_store: StoreFactory) -> None:
    _seed(make_store, "default", "billing", "shared-a", "shared-b", "reports", "secrets")
    store = make_store(read=["default", "shared-*"], write=["reports"])
    assert store.list_namespaces() == ["default", "shared-a", "shared-b"]
    assert make_store(read=[], write=["reports"]).list_namespaces() == []
    assert make_store().list_namespaces() == sorted(
        ["default", "billing", "shared-a", "shared-b", "reports", "secrets"]
    )


def test_use_namespace_of_an_unreachable_namespace_fails_at_once(
    make_store: StoreFactory,
) -> None:
    store = make_store(read=["default"], write=["reports"])
    with pytest.raises(NamespacePermissionError, match=r"may neither read nor write namespace "
                       r"'billing' \(data_store\.use_namespace\)"):
        store.use_namespace("billing")
    assert store.use_namespace("reports").set("k", 1) is None
    assert store.use_namespace("default").get("k") is None


def test_a_switched_store_keeps_the_permissions(make_store: StoreFactory) -> None:
    _seed(make_store, "billing")
    reports = make_store(read=["*"], write=["reports"]).use_namespace("reports")
    billing = reports.use_namespace("billing")
    assert billing.get("k") == "billing's"
    with pytest.raises(NamespacePermissionError):
        billing.set("k", "changed")


def test_empty_pattern_lists_allow_nothing(make_store: StoreFactory) -> None:
    _seed(make_store, "default")
    store = make_store(read=[], write=[])
    with pytest.raises(NamespacePermissionError):
        store.get("k")
    with pytest.raises(NamespacePermissionError):
        store.set("k", 1)
    with pytest.raises(NamespacePermissionError):
        store.use_namespace("default")
    assert store.list_namespaces() == []


@pytest.mark.parametrize(
    ("patterns", "allowed", "refused"),
    [
        (["shared-*"], ["shared-", "shared-x", "shared-x/y", "shared-*"], ["shared", "Shared-x"]),
        (["team-?"], ["team-1", "team-é"], ["team-", "team-10"]),
        (["[ab]-log"], ["a-log", "b-log"], ["c-log", "[ab]-log", "ab-log"]),
        (["reports"], ["reports"], ["Reports", "REPORTS", "reports ", " reports", "reports*",
                                    "reports/x", "reportsx", "report", FULLWIDTH_REPORTS,
                                    "r\u0435ports", "reports\x00"]),
        (["[[]a-z]"], ["[a-z]"], ["a", "z"]),
        (["[a-z]"], ["a", "z"], ["[a-z]", "A", "ab"]),
        (["*"], ["anything", "Ü:/ *?[]"], []),
    ],
)
def test_patterns_are_case_sensitive_shell_globs_over_the_whole_name(
    make_store: StoreFactory, patterns: list[str], allowed: list[str], refused: list[str]
) -> None:
    store = make_store(read=[], write=patterns)
    for namespace in allowed:
        store.use_namespace(namespace).set("k", namespace)
    for namespace in refused:
        with pytest.raises(NamespacePermissionError):
            store.use_namespace(namespace)
    assert sorted(make_store().list_namespaces()) == sorted(allowed)


def test_names_an_allowed_pattern_matches_stay_apart_from_others(
    make_store: StoreFactory,
) -> None:
    # Every one of these is a namespace of its own: none lands in (or empties) 'billing'.
    _seed(make_store, "billing")
    store = make_store(read=["reports*"], write=["reports*"])
    tricky = ["reports:billing", "reports/../billing", "reports\x00billing", "reports billing",
              "reports:", "reports*"]
    for namespace in tricky:
        view = store.use_namespace(namespace)
        view.set("k", namespace)
        assert view.get_all() == {"k": namespace}
    for namespace in tricky:
        assert store.use_namespace(namespace).clear() == 1
    assert _contents(make_store, "billing") == {"k": "billing's"}


def test_unrestricted_runs_read_and_write_every_namespace(make_store: StoreFactory) -> None:
    store = make_store()
    for namespace in ["a", "b-*", "[x]"]:
        store.use_namespace(namespace).set("k", 1)
    assert store.list_namespaces() == sorted(["a", "b-*", "[x]"])
