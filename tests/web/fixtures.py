"""Fixtures of the data browser tests: seeded stores, and signed-in HTTP clients.

The HTTP tests run on SQLite and on pouchdb-server (the CouchDB backend, a real server on
loopback). They are imported by ``tests/web/conftest.py`` and ``tests/redteam/conftest.py``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.testclient import TestClient

from agent_data_store import Record, StoreConfig, open_backend
from agent_data_store.store import DataStore
from agent_data_store.tracking import RunState
from agent_data_store.web import create_app
from tests.admin.conftest import seed

WEB_BACKENDS = ["sqlite", "couchdb"]
TOKEN = "browser-test-token-0123456789"
USER_HEADER = "x-test-user"

HOSTILE_NAMESPACE = "<img src=x onerror=alert('ns')>"
HOSTILE_KEY = "<script>alert('key')</script>"
HOSTILE_VALUE = {"html": "</pre><script>alert('value')</script>", "q": "\"'&<>"}
HOSTILE_AGENT = "<b onmouseover=alert('agent')>agent</b>"

HOSTILE = Record(
    user_id="alice", namespace=HOSTILE_NAMESPACE, key=HOSTILE_KEY,
    value_json='{"html":"</pre><script>alert(\'value\')</script>","q":"\\"\'&<>"}',
    metadata={"note": "<iframe src=//evil.example>"}, created_by_agent=HOSTILE_AGENT,
    last_accessed_by_agent=HOSTILE_AGENT, access_count=3, created_at="2026-01-01T00:00:00Z",
    updated_at="2026-01-02T00:00:00Z", last_accessed_at="2026-01-03T00:00:00Z",
)
"""A record of alice whose every agent-written string carries markup."""


def csrf_of(html: str) -> str:
    """The CSRF token a page's forms carry."""
    found = re.search(r'name="csrf_token" value="([^"]*)"', html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def write(config: StoreConfig, user: str, namespace: str, items: dict[str, Any],
          agent: str = "filler") -> None:
    """Store ``items`` in a user's namespace as an agent's ``set_many`` would."""
    backend = open_backend(config)
    try:
        DataStore(lambda: backend, config, user, agent, RunState(agent), namespace).set_many(items)
    finally:
        backend.close()


def seed_browser_store(config: StoreConfig) -> None:
    """The operator CLI's data set (alice, bob, carol) plus :data:`HOSTILE`."""
    seed(config)
    backend = open_backend(config)
    try:
        backend.import_records([HOSTILE], overwrite=True)
    finally:
        backend.close()


@pytest.fixture(params=WEB_BACKENDS)
def web_config(request: pytest.FixtureRequest) -> StoreConfig:
    """A fresh store seeded by :func:`seed_browser_store`, on SQLite and on CouchDB."""
    config: StoreConfig = request.getfixturevalue(f"{request.param}_store_config")
    seed_browser_store(config)
    return config


Client = TestClient


@pytest.fixture
def anonymous(web_config: StoreConfig) -> Iterator[TestClient]:
    """A client of the operator's browser that has not signed in."""
    with TestClient(create_app(web_config, token=TOKEN), follow_redirects=False) as client:
        yield client


@pytest.fixture
def operator(anonymous: TestClient) -> TestClient:
    """A client of the operator's browser, signed in with the token."""
    response = anonymous.get(f"/?token={TOKEN}")
    assert response.status_code == 303
    return anonymous


def header_user(request: Request) -> str | None:
    """A stand-in for a host's authentication: the user named in a test header."""
    return request.headers.get(USER_HEADER)


MakeUserClient = Callable[..., TestClient]


@pytest.fixture
def user_client(web_config: StoreConfig) -> Iterator[MakeUserClient]:
    """Clients of a host app that mounts the per-user browser at ``/data``.

    ``user_client("alice")`` is signed in to the host as alice.
    """
    browser = create_app(web_config, header_user, secret_key=b"k" * 32)
    host = Starlette()
    host.mount("/data", browser)
    clients: list[TestClient] = []

    def make(user: str | None, **kwargs: Any) -> TestClient:
        headers = {USER_HEADER: user} if user else {}
        client = TestClient(host, headers=headers, follow_redirects=False, **kwargs)
        clients.append(client.__enter__())
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)
    browser.state.browser.close()  # a mounted app's lifespan is not run by its host
