"""``agent-data-store serve``: the URL and token it prints, and its errors."""

from __future__ import annotations

import re
import socket
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from agent_data_store.config import is_loopback_host
from tests.admin.conftest import Cli
from tests.servers._support import ServerProcess, wait_until
from tests.web.fixtures import TOKEN


def start(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> ServerProcess:
    return ServerProcess(
        [sys.executable, "-m", "agent_data_store.admin", "serve", "--port", "0", *args],
        env={"AGENT_DATA_STORE_URL": f"sqlite:///{tmp_path / 'data.db'}", **(env or {})},
        log_path=tmp_path / "serve.log",
    )


def printed_url(server: ServerProcess) -> str:
    found: list[str] = []

    def check() -> bool:
        found[:] = re.findall(r"Data browser on (\S+)", server.log_tail())
        return bool(found)

    wait_until(check, 30, "the URL agent-data-store serve prints")
    return found[0]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def test_prints_a_sign_in_url_with_a_fresh_token_that_works(tmp_path: Path) -> None:
    server = start(tmp_path)
    try:
        url = printed_url(server)
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/\?token=[\w-]{32}", url)
        opener = urllib.request.build_opener(NoRedirect)
        with pytest.raises(urllib.error.HTTPError) as signed_in:
            opener.open(url, timeout=10)
        assert signed_in.value.code == 303
        assert "agent_data_store_session=" in signed_in.value.headers["set-cookie"]
        with pytest.raises(urllib.error.HTTPError) as refused:
            opener.open(url.split("?")[0], timeout=10)
        assert refused.value.code == 401
    finally:
        server.stop()
    assert "Press Ctrl-C to stop." in server.log_tail()


def test_a_token_from_the_environment_is_not_printed(tmp_path: Path) -> None:
    server = start(tmp_path, env={"AGENT_DATA_STORE_WEB_TOKEN": TOKEN})
    try:
        url = printed_url(server)
        assert url.endswith("/")
        assert TOKEN not in server.log_tail()
        assert "token from AGENT_DATA_STORE_WEB_TOKEN" in server.log_tail()
        browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
        with browser.open(f"{url}?token={TOKEN}", timeout=10) as response:
            assert response.status == 200  # redirected to the users page, signed in
            assert response.url == url
    finally:
        server.stop()


def test_a_short_token_in_the_environment_is_a_usage_error(
    cli: Cli, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AGENT_DATA_STORE_WEB_TOKEN", "short")
    result = cli("--store", sqlite_url, "serve", "--port", "0")
    assert result.code == 2
    assert "AGENT_DATA_STORE_WEB_TOKEN must be at least 16 characters" in result.err


def test_a_port_in_use_is_a_one_line_error(cli: Cli, sqlite_url: str) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = cli("--store", sqlite_url, "serve", "--port", str(port))
    assert result.code == 1
    assert result.err.strip() == (
        f"agent-data-store: error: cannot listen on 127.0.0.1:{port}: Address already in use"
    )


def test_a_bad_port_is_a_usage_error(cli: Cli) -> None:
    assert cli("serve", "--port", "70000").code == 2
    assert cli("serve", "--port", "http").code == 2


@pytest.mark.parametrize(("host", "loopback"), [
    ("127.0.0.1", True), ("localhost", True), ("::1", True), ("127.0.0.2", True),
    ("0.0.0.0", False), ("::", False), ("192.168.1.10", False), ("example.org", False),
])
def test_only_loopback_addresses_listen_without_a_warning(host: str, loopback: bool) -> None:
    assert is_loopback_host(host) is loopback
