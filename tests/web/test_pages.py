"""The browser's pages, over HTTP: users, namespaces, records, one record, downloads."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from html import unescape

from starlette.testclient import TestClient

from agent_data_store import BackendUnavailableError, Record, StoreConfig, open_backend
from agent_data_store.backends.memory import MemoryBackend
from agent_data_store.store import DataStore
from agent_data_store.tracking import RunState
from agent_data_store.web import create_app
from tests.admin.conftest import documents
from tests.web.fixtures import TOKEN, write


def cells(html: str) -> list[list[str]]:
    """The text of every table row's cells, unescaped, tags removed."""
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", html, flags=re.S)
    return [
        [unescape(re.sub(r"<[^>]+>", "", cell)).strip()
         for cell in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, flags=re.S)]
        for row in rows
    ]


def test_users_page_lists_users_with_records_namespaces_and_bytes(operator: TestClient) -> None:
    response = operator.get("/")
    assert response.status_code == 200
    rows = {row[0]: row[1:] for row in cells(response.text)[1:]}
    assert rows["alice"][:2] == ["5", "3"]
    assert rows["bob"][:2] == ["5", "1"]
    assert rows["carol"][:2] == ["2", "2"]
    assert rows["bob"][2] == "1,555"


def test_user_page_lists_namespaces_with_counts_agents_and_last_update(
    operator: TestClient,
) -> None:
    response = operator.get("/user", params={"user": "alice"})
    assert response.status_code == 200
    rows = {row[0]: row[1:] for row in cells(response.text)[1:]}
    assert rows["notes"][:4] == ["3", "81", "note-taker", "note-taker, summariser"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", rows["notes"][4])
    assert rows["default"][:4] == ["1", "2", "counter", "counter"]
    assert "bob" not in response.text and "cache" not in response.text


def test_namespace_page_groups_keys_by_prefix_and_links_each_record(
    operator: TestClient,
) -> None:
    response = operator.get("/namespace", params={"user": "alice", "namespace": "notes"})
    assert response.status_code == 200
    rows = cells(response.text)
    keys = [row[0] for row in rows[1:] if len(row) > 1]
    assert keys == ["[bold]not markup[/]", "todo/1", "todo/2"]
    assert ["todo/ 2 on this page"] in rows  # the group heading of todo/*
    assert 'href="/record?user=alice&amp;namespace=notes&amp;key=todo%2F1"' in response.text
    assert 'href="/namespace?user=alice&amp;namespace=notes&amp;prefix=todo%2F"' in response.text


def test_key_search_shows_keys_starting_with_the_prefix(operator: TestClient) -> None:
    response = operator.get(
        "/namespace", params={"user": "alice", "namespace": "notes", "prefix": "todo/"}
    )
    keys = [row[0] for row in cells(response.text)[1:]]
    assert keys == ["todo/1", "todo/2"]
    missing = operator.get(
        "/namespace", params={"user": "alice", "namespace": "notes", "prefix": "nothing"}
    )
    assert "No key starts with" in missing.text


def test_pages_of_a_namespace_visit_every_key_once_in_order(web_config: StoreConfig) -> None:
    keys = [f"item/{i:03d}" for i in range(23)]
    write(web_config, "dave", "many", dict.fromkeys(keys, 1))
    with TestClient(create_app(web_config, token=TOKEN, page_size=5)) as client:
        client.get(f"/?token={TOKEN}")
        seen: list[str] = []
        url: str | None = "/namespace?user=dave&namespace=many"
        while url:
            page = client.get(url).text
            seen.extend(row[0] for row in cells(page)[1:] if len(row) > 1)
            found = re.search(r'rel="next" href="([^"]+)"', page)
            url = unescape(found.group(1)) if found else None
    assert seen == keys


def test_record_page_shows_value_metadata_and_every_tracking_field(
    operator: TestClient,
) -> None:
    params = {"user": "carol", "namespace": "audit/2026: Q1", "key": "ünïcode key/with:colons"}
    response = operator.get("/record", params=params)
    assert response.status_code == 200
    fields = {row[0]: row[1] for row in cells(response.text) if len(row) == 2}
    assert fields["createdByAgent"] == "importer"
    assert fields["lastAccessedByAgent"] == "auditor"
    assert fields["accessCount"] == "17"
    assert fields["createdAt"] == "2025-01-02T03:04:05Z"
    assert fields["updatedAt"] == "2025-06-07T08:09:10Z"
    assert fields["lastAccessedAt"] == "2026-01-01T00:00:01Z"
    value = re.search(r'<pre id="record-value" class="json">(.*?)</pre>', response.text, re.S)
    assert value and json.loads(unescape(value.group(1))) == {"nested": [1, 2.5, None, True, "é"]}
    assert '"source": "import"' in unescape(response.text)
    document = re.search(r'<pre id="record-document" hidden>(.*?)</pre>', response.text, re.S)
    assert document and json.loads(unescape(document.group(1)))["_id"].startswith("carol:")


def test_showing_a_record_is_not_an_access(operator: TestClient, web_config: StoreConfig) -> None:
    for _ in range(3):
        operator.get("/record", params={"user": "alice", "namespace": "default", "key": "visits"})
    backend = open_backend(web_config)
    try:
        record = backend.get("alice", "default", "visits")
    finally:
        backend.close()
    assert record is not None and record.access_count == 1
    assert record.last_accessed_by_agent == "counter"


def test_a_missing_record_is_a_404_and_a_missing_parameter_a_400(operator: TestClient) -> None:
    gone = operator.get("/record", params={"user": "alice", "namespace": "notes", "key": "nope"})
    assert gone.status_code == 404 and "There is no record" in unescape(gone.text)
    no_key = operator.get("/record", params={"user": "alice", "namespace": "notes"})
    assert no_key.status_code == 400
    assert operator.get("/namespace", params={"user": "alice"}).status_code == 400
    assert operator.get("/user").status_code == 400


def test_download_of_a_user_is_the_export_format(
    operator: TestClient, web_config: StoreConfig
) -> None:
    response = operator.get("/export.jsonl", params={"user": "bob"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/jsonl")
    assert 'filename="bob.jsonl"' in response.headers["content-disposition"]
    lines = [json.loads(line) for line in response.text.splitlines()]
    assert sorted(lines, key=lambda d: d["_id"]) == documents(web_config, "bob")


def test_download_of_a_namespace_holds_only_that_namespace(operator: TestClient) -> None:
    response = operator.get("/export.jsonl", params={"user": "alice", "namespace": "notes"})
    lines = [json.loads(line) for line in response.text.splitlines()]
    assert sorted(doc["key"] for doc in lines) == ["[bold]not markup[/]", "todo/1", "todo/2"]
    assert {doc["userId"] for doc in lines} == {"alice"}
    everything = operator.get("/export.jsonl").text.splitlines()
    assert len(everything) == 12


def test_static_files_and_security_headers_are_served(operator: TestClient) -> None:
    page = operator.get("/")
    assert "'unsafe-inline'" not in page.headers["content-security-policy"]
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["cache-control"] == "no-store"
    for name in ("browser.css", "browser.js", "favicon.svg"):
        assert operator.get(f"/static/{name}").status_code == 200
    # Every script is a file of the app's own: no inline script the policy would block.
    assert re.findall(r"<script[^>]*>", page.text) == ['<script src="/static/browser.js" defer>']


def test_the_sign_in_form_returns_to_the_page_asked_for(anonymous: TestClient) -> None:
    asked = {"user": "alice", "namespace": "notes"}
    page = anonymous.get("/namespace", params=asked)
    assert page.status_code == 401
    assert '<input type="hidden" name="user" value="alice">' in page.text
    assert '<input type="hidden" name="namespace" value="notes">' in page.text
    signed_in = anonymous.get("/namespace", params={**asked, "token": TOKEN})
    assert signed_in.headers["location"].endswith("/namespace?user=alice&namespace=notes")


class UnreachableBackend(MemoryBackend):
    """Fault injection: a store that stopped answering."""

    def iter_all(self, user_id: str | None = None) -> Iterator[list[Record]]:
        raise BackendUnavailableError("the CouchDB server at db.internal:5984 did not answer")

    def keys_page(self, *args: object, **kwargs: object) -> list[str]:
        raise BackendUnavailableError("the CouchDB server at db.internal:5984 did not answer")


def test_a_store_that_does_not_answer_is_a_503_page_not_a_traceback() -> None:
    app = create_app(StoreConfig(url="memory://"), token=TOKEN, backend=UnreachableBackend())
    with TestClient(app, follow_redirects=False) as client:
        client.get(f"/?token={TOKEN}")
        for url in ("/", "/namespace?user=alice&namespace=notes"):
            response = client.get(url)
            assert response.status_code == 503
            assert "The store did not answer: the CouchDB server at db.internal:5984" in (
                unescape(response.text))
            assert "Traceback" not in response.text


def test_user_page_shows_usage_against_the_quota_in_one_line(web_config: StoreConfig) -> None:
    config = web_config.model_copy(update={"quota_records": 10})
    backend = open_backend(config)
    backend.set_user_quota("alice", None, 5000)
    used = backend.user_usage("alice").bytes
    backend.close()
    with TestClient(create_app(config, token=TOKEN)) as client:
        client.get(f"/?token={TOKEN}")
        alice = client.get("/user", params={"user": "alice"}).text
    assert f'<p class="summary quota">Quota: 5 of 10 records, {used} of 5,000 bytes.</p>' in alice


def test_the_quota_line_says_when_quotas_are_not_enforced(operator: TestClient) -> None:
    page = operator.get("/user", params={"user": "carol"}).text
    assert re.search(r"Quota: 2 of unlimited records, [\d,]+ of unlimited bytes "
                     r"\(not enforced\)\.", page)


def test_record_page_shows_when_a_record_expires(
    operator: TestClient, web_config: StoreConfig
) -> None:
    backend = open_backend(web_config)
    try:
        DataStore(lambda: backend, web_config, "alice", "cacher", RunState("cacher"),
                  "cache").set("page", {"html": "..."}, ttl=3600)
    finally:
        backend.close()
    response = operator.get("/record", params={"user": "alice", "namespace": "cache",
                                               "key": "page"})
    assert response.status_code == 200
    fields = {row[0]: row[1] for row in cells(response.text) if len(row) == 2}
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", fields["expiresAt"])
