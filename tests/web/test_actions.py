"""The browser's actions over HTTP: edit a value, delete a record, clear a namespace.

Writes go through the data store's validation and record rules, as the agent ``operator``.
"""

from __future__ import annotations

from collections.abc import Iterator
from html import unescape
from typing import Any

import pytest
from starlette.testclient import TestClient

from agent_data_store import Record, StoreConfig, open_backend
from agent_data_store.backends.base import Backend
from agent_data_store.web import EDITOR_AGENT, create_app
from tests.web.fixtures import HOSTILE_NAMESPACE, TOKEN, csrf_of

NOTES = {"user": "alice", "namespace": "notes"}
TODO = {**NOTES, "key": "todo/1"}


@pytest.fixture
def backend(web_config: StoreConfig) -> Iterator[Backend]:
    opened = open_backend(web_config)
    yield opened
    opened.close()


def stored(backend: Backend, user: str, namespace: str, key: str) -> Record | None:
    return backend.get(user, namespace, key)


def edit(client: TestClient, text: str, **fields: Any) -> Any:
    form_page = client.get("/record/edit", params=TODO)
    assert form_page.status_code == 200
    data = {**TODO, "csrf_token": csrf_of(form_page.text), "value": text,
            "seen_updated_at": stored_updated_at(form_page.text), **fields}
    return client.post("/record/edit", data=data)


def stored_updated_at(html: str) -> str:
    start = html.index('name="seen_updated_at" value="') + len('name="seen_updated_at" value="')
    return html[start: html.index('"', start)]


def test_edit_form_holds_the_value_pretty_printed(operator: TestClient) -> None:
    page = operator.get("/record/edit", params=TODO)
    assert '"text": "buy milk"' in unescape(page.text)
    assert f"<code>{EDITOR_AGENT}</code>" in page.text


def test_edit_stores_the_value_as_a_write_by_the_operator(
    operator: TestClient, backend: Backend
) -> None:
    before = stored(backend, "alice", "notes", "todo/1")
    response = edit(operator, '{"text": "buy oat milk", "done": true}')
    assert response.status_code == 303
    assert response.headers["location"] == (
        "/record?user=alice&namespace=notes&key=todo%2F1&notice=saved"
    )
    after = stored(backend, "alice", "notes", "todo/1")
    assert before is not None and after is not None
    assert after.value == {"text": "buy oat milk", "done": True}
    assert after.last_accessed_by_agent == EDITOR_AGENT
    assert after.created_by_agent == before.created_by_agent == "note-taker"
    assert after.access_count == before.access_count == 3
    assert after.metadata == before.metadata == {"tag": "home"}
    assert after.created_at == before.created_at
    assert after.updated_at >= before.updated_at
    shown = operator.get(response.headers["location"])
    assert "Saved the new value of todo/1." in shown.text


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"text": ', "not valid JSON: Expecting value at line 1, column 10"),
        ("NaN", "NaN is not a JSON value"),
        ('{"n": Infinity}', "Infinity is not a JSON value"),
        ("", "not valid JSON"),
    ],
)
def test_an_invalid_value_is_refused_with_the_text_kept_and_nothing_stored(
    operator: TestClient, backend: Backend, text: str, message: str
) -> None:
    response = edit(operator, text)
    assert response.status_code == 400
    assert message in unescape(response.text)
    assert f">{text}</textarea>" in unescape(response.text)
    record = stored(backend, "alice", "notes", "todo/1")
    assert record is not None and record.value == {"text": "buy milk", "done": False}


def test_a_value_over_the_size_limit_is_refused(web_config: StoreConfig) -> None:
    small = web_config.model_copy(update={"max_value_bytes": 64})
    with TestClient(create_app(small, token=TOKEN), follow_redirects=False) as client:
        client.get(f"/?token={TOKEN}")
        response = edit(client, '"' + "x" * 100 + '"')
    assert response.status_code == 400
    assert "the limit is 64 bytes" in unescape(response.text)


def test_an_edit_of_a_record_changed_meanwhile_is_refused_and_shows_the_new_value(
    operator: TestClient, backend: Backend
) -> None:
    response = edit(operator, '"mine"', seen_updated_at="2000-01-01T00:00:00Z")
    assert response.status_code == 409
    text = unescape(response.text)
    assert "after you opened it; nothing was stored" in text
    assert '"text": "buy milk"' in text  # the value as it is now
    assert ">\"mine\"</textarea>" in text  # the editor's text, kept
    record = stored(backend, "alice", "notes", "todo/1")
    assert record is not None and record.value == {"text": "buy milk", "done": False}
    # The form now carries the newer state: submitting it again replaces the value.
    again = operator.post("/record/edit", data={
        **TODO, "csrf_token": csrf_of(response.text), "value": '"mine"',
        "seen_updated_at": stored_updated_at(response.text),
    })
    assert again.status_code == 303
    assert stored(backend, "alice", "notes", "todo/1").value == "mine"  # type: ignore[union-attr]


def test_an_edit_of_a_record_deleted_meanwhile_is_refused_not_recreated(
    operator: TestClient, backend: Backend
) -> None:
    page = operator.get("/record/edit", params=TODO)
    backend.delete_many("alice", "notes", ["todo/1"])
    response = operator.post("/record/edit", data={
        **TODO, "csrf_token": csrf_of(page.text), "value": "1",
        "seen_updated_at": stored_updated_at(page.text),
    })
    assert response.status_code == 404
    assert "no longer exists" in unescape(response.text)
    assert stored(backend, "alice", "notes", "todo/1") is None


def test_delete_removes_the_record_and_returns_to_its_namespace(
    operator: TestClient, backend: Backend
) -> None:
    page = operator.get("/record", params=TODO)
    response = operator.post("/record/delete", data={**TODO, "csrf_token": csrf_of(page.text)})
    assert response.status_code == 303
    assert response.headers["location"].startswith("/namespace?user=alice&namespace=notes")
    assert stored(backend, "alice", "notes", "todo/1") is None
    assert stored(backend, "alice", "notes", "todo/2") is not None
    assert "Deleted todo/1." in operator.get(response.headers["location"]).text
    twice = operator.post("/record/delete", data={**TODO, "csrf_token": csrf_of(page.text)})
    assert twice.status_code == 404


def test_clear_needs_the_namespace_name_typed(operator: TestClient, backend: Backend) -> None:
    page = operator.get("/namespace/clear", params=NOTES)
    assert page.status_code == 200 and "Type the namespace" in page.text
    for typed in ("", "Notes", "notes "):
        refused = operator.post("/namespace/clear", data={
            **NOTES, "csrf_token": csrf_of(page.text), "confirm": typed,
        })
        assert refused.status_code == 400
        assert "nothing was deleted" in unescape(refused.text)
    assert "notes" in backend.list_namespaces("alice")


def test_clear_deletes_every_record_of_the_namespace_only(
    operator: TestClient, backend: Backend
) -> None:
    page = operator.get("/namespace/clear", params=NOTES)
    response = operator.post("/namespace/clear", data={
        **NOTES, "csrf_token": csrf_of(page.text), "confirm": "notes",
    })
    assert response.status_code == 303
    assert backend.list_namespaces("alice") == sorted(["default", HOSTILE_NAMESPACE])
    assert backend.list_namespaces("bob") == ["cache"]
    shown = operator.get(response.headers["location"])
    assert "Cleared namespace notes: 3 records deleted." in shown.text
