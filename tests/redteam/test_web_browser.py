"""Red team: the data browser. Someone without the token, another site, an agent that
writes markup, or a host's user guessing addresses tries to see or change data that is not
theirs. Every attempt must fail; each test says how."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html import unescape

import pytest
from starlette.testclient import TestClient

from agent_data_store import StoreConfig, open_backend
from agent_data_store.backends.base import Backend
from agent_data_store.web import create_app
from tests.web.fixtures import (
    HOSTILE_AGENT,
    HOSTILE_KEY,
    HOSTILE_NAMESPACE,
    TOKEN,
    MakeUserClient,
    csrf_of,
)

pytestmark = pytest.mark.redteam

ALICE_NOTE = {"namespace": "notes", "key": "todo/1"}
PAGES = [
    ("/", {}),
    ("/user", {"user": "alice"}),
    ("/namespace", {"user": "alice", "namespace": "notes"}),
    ("/record", {"user": "alice", **ALICE_NOTE}),
    ("/record/edit", {"user": "alice", **ALICE_NOTE}),
    ("/namespace/clear", {"user": "alice", "namespace": "notes"}),
    ("/export.jsonl", {"user": "alice"}),
]
ACTIONS = [
    ("/record/edit", {"user": "alice", **ALICE_NOTE, "value": '"owned"'}),
    ("/record/delete", {"user": "alice", **ALICE_NOTE}),
    ("/namespace/clear", {"user": "alice", "namespace": "notes", "confirm": "notes"}),
]


@pytest.fixture
def backend(web_config: StoreConfig) -> Iterator[Backend]:
    opened = open_backend(web_config)
    yield opened
    opened.close()


def assert_untouched(backend: Backend) -> None:
    record = backend.get("alice", "notes", "todo/1")
    assert record is not None and record.value == {"text": "buy milk", "done": False}
    assert len(backend.keys_page("alice", "notes", limit=10)) == 3


# -- the token ---------------------------------------------------------------------------


@pytest.mark.parametrize(("path", "params"), PAGES)
def test_no_page_answers_without_the_token(
    anonymous: TestClient, path: str, params: dict[str, str]
) -> None:
    """Refused with 401 and a sign-in form (which keeps only what the address asked for);
    nothing stored leaks into it."""
    response = anonymous.get(path, params=params)
    assert response.status_code == 401
    assert "Sign in" in response.text
    for secret in ("buy milk", "note-taker", "summariser", "bob", "sqlite:", "couchdb:"):
        assert secret not in response.text


@pytest.mark.parametrize(("path", "data"), ACTIONS)
def test_no_action_is_taken_without_the_token(
    anonymous: TestClient, backend: Backend, path: str, data: dict[str, str]
) -> None:
    """Refused with 401 before the form is even read."""
    assert anonymous.post(path, data=data).status_code == 401
    assert_untouched(backend)


def test_a_wrong_or_truncated_token_is_refused(anonymous: TestClient) -> None:
    """Compared in constant time against the whole token; no cookie is handed out."""
    for wrong in ("", TOKEN[:-1], TOKEN + "x", TOKEN.upper(), "browser-test-token"):
        response = anonymous.get("/", params={"token": wrong})
        assert response.status_code == 401
        assert "set-cookie" not in response.headers
    assert anonymous.get("/").status_code == 401


def test_the_token_is_exchanged_for_a_strict_http_only_cookie(anonymous: TestClient) -> None:
    """The redirect drops the token from the address; scripts cannot read the session."""
    response = anonymous.get("/namespace", params={"user": "alice", "namespace": "notes",
                                                   "token": TOKEN})
    assert response.status_code == 303
    assert response.headers["location"] == (
        "http://testserver/namespace?user=alice&namespace=notes"
    )
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/" in cookie
    assert TOKEN not in cookie


def test_a_forged_or_tampered_session_cookie_is_refused(anonymous: TestClient) -> None:
    """The session is signed with a key derived from the token."""
    anonymous.get(f"/?token={TOKEN}")
    real = anonymous.cookies["agent_data_store_session"]
    session_id, _, signature = real.partition(".")
    for forged in (f"{session_id}.{'0' * 64}", f"other.{signature}", session_id, "", TOKEN):
        anonymous.cookies.clear()
        anonymous.cookies.set("agent_data_store_session", forged)
        assert anonymous.get("/").status_code == 401


def test_a_bearer_token_reads_but_cannot_write(anonymous: TestClient, backend: Backend) -> None:
    """Scripts may download with the token in a header; writes need a session and a form."""
    header = {"authorization": f"Bearer {TOKEN}"}
    download = anonymous.get("/export.jsonl", params={"user": "alice"}, headers=header)
    assert download.status_code == 200
    assert anonymous.get("/", headers={"authorization": "Bearer wrong-token-xxxxxxxx"}
                         ).status_code == 401
    for path, data in ACTIONS:
        assert anonymous.post(path, data=data, headers=header).status_code == 401
    assert_untouched(backend)


def test_the_operator_app_needs_a_token_of_at_least_16_characters(
    web_config: StoreConfig,
) -> None:
    with pytest.raises(ValueError, match="needs a token"):
        create_app(web_config)
    with pytest.raises(ValueError, match="at least 16"):
        create_app(web_config, token="short")


# -- cross-site writes -------------------------------------------------------------------


@pytest.mark.parametrize(("path", "data"), ACTIONS)
def test_a_write_without_the_forms_csrf_token_is_refused(
    operator: TestClient, backend: Backend, path: str, data: dict[str, str]
) -> None:
    """A signed-in browser tricked into posting: no token, or one from another session."""
    assert operator.post(path, data=data).status_code == 403
    other = operator.post(path, data={**data, "csrf_token": "f" * 64})
    assert other.status_code == 403
    assert "not accepted" in unescape(other.text)
    assert_untouched(backend)


@pytest.mark.parametrize(("path", "data"), ACTIONS)
def test_a_write_from_another_origin_is_refused_even_with_the_token(
    operator: TestClient, backend: Backend, path: str, data: dict[str, str]
) -> None:
    """The CSRF token alone is not enough: Origin and Sec-Fetch-Site must be this site."""
    token = csrf_of(operator.get("/record", params={"user": "alice", **ALICE_NOTE}).text)
    form = {**data, "csrf_token": token}
    for headers in ({"origin": "http://evil.example"}, {"origin": "null"},
                    {"origin": "http://testserver.evil.example"},
                    {"sec-fetch-site": "cross-site"}, {"sec-fetch-site": "same-site"}):
        response = operator.post(path, data=form, headers=headers)
        assert response.status_code == 403, headers
    assert_untouched(backend)
    accepted = operator.post(path, data=form, headers={"origin": "http://testserver",
                                                       "sec-fetch-site": "same-origin"})
    assert accepted.status_code == 303


def test_a_csrf_token_of_another_session_is_refused(
    operator: TestClient, web_config: StoreConfig, backend: Backend
) -> None:
    """Each sign-in is its own session with its own CSRF token."""
    with TestClient(create_app(web_config, token=TOKEN), follow_redirects=False) as other:
        other.get(f"/?token={TOKEN}")
        theirs = csrf_of(other.get("/record", params={"user": "alice", **ALICE_NOTE}).text)
    mine = csrf_of(operator.get("/record", params={"user": "alice", **ALICE_NOTE}).text)
    assert theirs != mine
    response = operator.post("/record/delete", data={"user": "alice", **ALICE_NOTE,
                                                     "csrf_token": theirs})
    assert response.status_code == 403
    assert_untouched(backend)


# -- stored markup -----------------------------------------------------------------------


def test_markup_in_keys_values_namespaces_and_agents_renders_as_text(
    operator: TestClient,
) -> None:
    """Every page that shows the hostile record escapes it; no tag of it reaches the page."""
    where = {"user": "alice", "namespace": HOSTILE_NAMESPACE}
    pages = [
        operator.get("/user", params={"user": "alice"}),
        operator.get("/namespace", params=where),
        operator.get("/namespace", params={**where, "prefix": "<script>"}),
        operator.get("/record", params={**where, "key": HOSTILE_KEY}),
        operator.get("/record/edit", params={**where, "key": HOSTILE_KEY}),
        operator.get("/namespace/clear", params=where),
    ]
    for response in pages:
        assert response.status_code == 200
        html = response.text
        for tag in ("<script>alert", "<img src=x", "<b onmouseover", "<iframe", "</pre><script"):
            assert tag not in html
        assert re.findall(r"<script[^>]*>", html) == ['<script src="/static/browser.js" defer>']
    record_page = pages[3].text
    assert "&lt;script&gt;alert(&#39;key&#39;)&lt;/script&gt;" in record_page
    assert "&lt;b onmouseover=alert(&#39;agent&#39;)&gt;agent&lt;/b&gt;" in record_page
    assert unescape(record_page).count(HOSTILE_AGENT) >= 2


def test_markup_in_the_address_is_escaped_in_error_pages(operator: TestClient) -> None:
    """A crafted link cannot inject markup through a key, namespace or user in its query."""
    response = operator.get("/record", params={
        "user": "<svg onload=alert(1)>", "namespace": "<script>x</script>", "key": '"><img>',
    })
    assert response.status_code == 404
    assert "<svg" not in response.text and "<script>x" not in response.text
    assert '"><img>' not in response.text


def test_a_download_name_cannot_break_out_of_its_header(operator: TestClient) -> None:
    """Names with quotes, semicolons or newlines become a safe file name."""
    response = operator.get("/export.jsonl", params={"user": "alice",
                                                     "namespace": 'x"; filename=evil.sh\r\n'})
    disposition = response.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="alice-x__')
    assert "\n" not in disposition and 'evil.sh"' not in disposition


# -- the per-user app ---------------------------------------------------------------------


def test_a_user_sees_only_their_own_namespaces(user_client: MakeUserClient) -> None:
    """The user comes from the host's authentication; ``?user=`` is ignored."""
    alice = user_client("alice")
    for params in ({}, {"user": "bob"}, {"user": "carol"}):
        page = alice.get("/data/", params=params)
        assert page.status_code == 200
        assert "notes" in page.text
        assert "cache" not in page.text and "audit" not in page.text
        assert alice.get("/data/user", params=params).text.count("notes") >= 1


def test_guessing_another_users_namespace_or_record_shows_nothing_of_theirs(
    user_client: MakeUserClient,
) -> None:
    """bob's namespace ``cache`` and key ``page:1`` exist; alice asking for them gets her
    own (empty) namespace and a 404, whatever ``user`` the address names."""
    alice = user_client("alice")
    for user in ("bob", None):
        params = {"namespace": "cache"} | ({"user": user} if user else {})
        listing = alice.get("/data/namespace", params=params)
        assert "page:1" not in listing.text and "holds no records" in listing.text
        record = alice.get("/data/record", params={**params, "key": "page:1"})
        assert record.status_code == 404 and "xxxx" not in record.text
        edit = alice.get("/data/record/edit", params={**params, "key": "page:1"})
        assert edit.status_code == 404
    export = alice.get("/data/export.jsonl", params={"user": "bob"})
    assert export.status_code == 200
    assert all('"userId":"alice"' in line for line in export.text.splitlines())
    assert "bob" not in export.text
    # The operator's pages do not exist under another name either.
    assert alice.get("/data/users/bob").status_code == 404


def test_a_user_cannot_change_another_users_data(
    user_client: MakeUserClient, backend: Backend
) -> None:
    """Forms naming bob change alice's namespace of that name (which is empty) or fail."""
    alice = user_client("alice")
    token = csrf_of(alice.get("/data/record", params=ALICE_NOTE).text)
    bob_page = {"user": "bob", "namespace": "cache", "key": "page:1", "csrf_token": token}
    assert alice.post("/data/record/edit", data={**bob_page, "value": "1"}).status_code == 404
    assert alice.post("/data/record/delete", data=bob_page).status_code == 404
    cleared = alice.post("/data/namespace/clear", data={**bob_page, "confirm": "cache"})
    assert cleared.status_code == 303 and "count=0" in cleared.headers["location"]
    assert len(backend.keys_page("bob", "cache", limit=10)) == 5
    assert backend.get("bob", "cache", "page:1") is not None


def test_nobody_signed_in_gets_nothing(user_client: MakeUserClient) -> None:
    """``user_for_request`` returned ``None``: every page is a 403 without data."""
    nobody = user_client(None)
    for path, params in PAGES:
        response = nobody.get("/data" + path, params=params)
        assert response.status_code == 403
        assert "buy milk" not in response.text and "notes" not in response.text


def test_a_csrf_token_is_bound_to_its_user(
    user_client: MakeUserClient, backend: Backend
) -> None:
    """carol's browser cannot replay a token alice's page carried (same cookie jar)."""
    alice = user_client("alice")
    token = csrf_of(alice.get("/data/record", params=ALICE_NOTE).text)
    carol = user_client("carol", cookies=dict(alice.cookies))
    # The same browser cookie (no new one is handed out), yet another user's token.
    assert "set-cookie" not in carol.get("/data/", params=ALICE_NOTE).headers
    response = carol.post("/data/record/delete", data={**ALICE_NOTE, "csrf_token": token})
    assert response.status_code == 403
    assert_untouched(backend)


def test_the_per_user_app_takes_no_token(web_config: StoreConfig) -> None:
    with pytest.raises(ValueError, match="signed in by its host"):
        create_app(web_config, lambda request: "alice", token=TOKEN)
