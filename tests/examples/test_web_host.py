"""The per-user browser example: a host signs people in and mounts the browser at /data."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from starlette.testclient import TestClient

from agent_data_store import StoreConfig
from tests.examples.conftest import EXAMPLES, _load
from tests.web.fixtures import seed_browser_store


@pytest.fixture
def host(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    url = f"sqlite:///{tmp_path / 'host.db'}"
    seed_browser_store(StoreConfig(url=url))
    monkeypatch.setenv("AGENT_DATA_STORE_URL", url)
    module = _load("web_host_example", EXAMPLES / "web_host.py")
    yield module
    module.browser.state.browser.close()


def basic(user: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"authorization": f"Basic {token}"}


def test_the_host_asks_for_a_sign_in_before_the_browser(host: ModuleType) -> None:
    client = TestClient(host.app, follow_redirects=False)
    response = client.get("/data/")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Basic realm="agents"'
    assert client.get("/data/", headers=basic("alice", "wrong")).status_code == 401


def test_each_user_sees_their_own_data_under_the_mount(host: ModuleType) -> None:
    client = TestClient(host.app, follow_redirects=False)
    alice = client.get("/data/", headers=basic("alice", "alice-demo"))
    assert alice.status_code == 200
    assert 'href="/data/namespace?namespace=notes"' in alice.text
    assert "My data" in alice.text and "cache" not in alice.text
    bob = client.get("/data/user", params={"user": "alice"}, headers=basic("bob", "bob-demo"))
    assert re.findall(r'namespace\?namespace=([^"&]+)"', bob.text) == ["cache"]


def test_readme_per_user_snippet_is_the_example_file() -> None:
    code = (EXAMPLES / "web_host.py").read_text(encoding="utf-8")
    snippet = code[code.index("store = StoreConfig.from_env()"):code.index("\n\nif __name__")]
    assert snippet in (EXAMPLES.parent / "README.md").read_text(encoding="utf-8")
