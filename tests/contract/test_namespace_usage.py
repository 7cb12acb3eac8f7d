"""Contract: ``Backend.namespace_usage``, the per-namespace totals operators look at.

A backend that aggregates inside the database must give exactly what counting its records
gives; one that cannot returns ``None`` and the operator layer counts.
"""

from __future__ import annotations

from agent_data_store import Backend
from agent_data_store.admin import reports
from tests.conftest import StoreFactory


def fill(make_store: StoreFactory) -> None:
    make_store(agent="writer", namespace="notes").set_many(
        {"a": "ünïcødé ☎ text", "b": {"n": [1, 2.5, None]}, "c": 1})
    make_store(agent="other", namespace="notes").set("c", "overwritten by other")
    make_store(agent="reader", namespace="notes").get("a")
    make_store(agent="writer", namespace="a/b: c").set("k", "x" * 300)
    make_store(user="bob", agent="bobs", namespace="notes").set("z", 1)
    make_store.flush()  # type: ignore[attr-defined]


def test_database_totals_equal_counted_totals(make_store: StoreFactory, backend: Backend) -> None:
    fill(make_store)
    counted = reports.namespace_totals(backend.iter_all("alice"))
    assert reports.user_namespace_totals(backend, "alice") == counted
    native = backend.namespace_usage("alice")
    if native is not None:
        assert [n.namespace for n in native] == ["a/b: c", "notes"]
        assert [(n.records, n.bytes, set(n.created_by), set(n.last_accessed_by),
                 n.last_updated) for n in native] == [
            (t.records, t.bytes, t.created_by, t.last_accessed_by, t.last_updated)
            for t in counted]


def test_totals_count_utf8_bytes_and_every_agent(
    make_store: StoreFactory, backend: Backend
) -> None:
    fill(make_store)
    notes = {t.namespace: t for t in reports.user_namespace_totals(backend, "alice")}["notes"]
    assert notes.records == 3
    assert notes.bytes == sum(
        len(text.encode("utf-8")) for text in
        ['"ünïcødé ☎ text"', '{"n":[1,2.5,null]}', '"overwritten by other"'])
    assert notes.created_by == {"writer"}
    assert notes.last_accessed_by == {"writer", "other", "reader"}


def test_a_user_without_records_has_no_namespaces(backend: Backend) -> None:
    assert reports.user_namespace_totals(backend, "nobody") == []
