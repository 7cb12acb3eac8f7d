"""The data browser in a real browser: headless Chromium (Debian's package) driven by
Playwright clicks through browse → search → edit → delete → clear on ``agent-data-store
serve``, and keeps a screenshot of every page it sees.

Screenshots go to ``$AGENT_DATA_STORE_TEST_SCREENSHOTS`` if set, else to the test's
temporary directory (``pytest -s`` prints where). Chromium is ``/usr/bin/chromium``
(``$AGENT_DATA_STORE_TEST_CHROMIUM`` overrides); ``scripts/install-chromium.sh`` installs it.
Without it these tests skip locally and fail under ``CI=true``.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Dialog, Page, sync_playwright

from agent_data_store import StoreConfig, open_backend
from tests.servers._support import ServerProcess, free_port, http_answers, unavailable, wait_until
from tests.web.fixtures import HOSTILE_KEY, HOSTILE_NAMESPACE, TOKEN, seed_browser_store

CHROMIUM = Path(os.environ.get("AGENT_DATA_STORE_TEST_CHROMIUM", "/usr/bin/chromium"))
SCREENSHOTS_ENV_VAR = "AGENT_DATA_STORE_TEST_SCREENSHOTS"
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, StoreConfig]]:
    """``agent-data-store serve`` on a free loopback port over a seeded SQLite file."""
    workdir = tmp_path_factory.mktemp("served")
    config = StoreConfig(url=f"sqlite:///{workdir / 'data.db'}")
    seed_browser_store(config)
    port = free_port()
    server = ServerProcess(
        [sys.executable, "-m", "agent_data_store.admin", "serve", "--port", str(port)],
        env={"AGENT_DATA_STORE_URL": config.url, "AGENT_DATA_STORE_WEB_TOKEN": TOKEN},
        log_path=workdir / "serve.log",
    )
    try:
        base = f"http://127.0.0.1:{port}/"
        try:
            wait_until(http_answers(base + "static/browser.css"), 30, "agent-data-store serve")
        except TimeoutError as exc:
            pytest.fail(f"{exc}; its output:\n{server.log_tail()}", pytrace=False)
        yield base, config
    finally:
        server.stop()


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where each page's screenshot is kept."""
    configured = os.environ.get(SCREENSHOTS_ENV_VAR)
    folder = Path(configured) if configured else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    print(f"\nscreenshots of the data browser: {folder}")
    return folder


@pytest.fixture
def page() -> Iterator[Page]:
    """A fresh headless Chromium page (own profile), with alerts recorded, not shown."""
    if not CHROMIUM.exists():
        unavailable(f"the browser tests need Chromium at {CHROMIUM}: run "
                    "scripts/install-chromium.sh (apt-get install chromium chromium-driver)")
    with sync_playwright() as playwright, tempfile.TemporaryDirectory() as profile:
        context = playwright.chromium.launch_persistent_context(
            profile, executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_FLAGS,
            viewport={"width": 1200, "height": 800},
        )
        context.grant_permissions(["clipboard-read", "clipboard-write"])
        try:
            browser_page = context.new_page()
            browser_page.set_default_timeout(15_000)
            yield browser_page
        finally:
            context.close()


def shoot(page: Page, screenshots: Path, name: str) -> None:
    page.screenshot(path=str(screenshots / f"{name}.png"), full_page=True)


def test_browse_search_edit_delete_and_clear(
    page: Page, served: tuple[str, StoreConfig], screenshots: Path
) -> None:
    p = page
    base, config = served
    dialogs: list[str] = []

    def answer(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.accept()

    p.on("dialog", answer)

    p.goto(f"{base}?token={TOKEN}")
    assert p.url == base, "the token must leave the address bar"
    assert p.locator("h1").inner_text() == "Users"
    shoot(p, screenshots, "01-users")

    p.get_by_role("link", name="alice", exact=True).click()
    assert "notes" in p.locator("table").inner_text()
    shoot(p, screenshots, "02-user")

    p.get_by_role("link", name="notes", exact=True).click()
    assert p.locator("td.key").all_inner_texts() == [
        "[bold]not markup[/]", "todo/1", "todo/2"]
    shoot(p, screenshots, "03-namespace")

    p.get_by_label("Keys starting with").fill("todo/")
    p.get_by_role("button", name="Search").click()
    p.wait_for_url("**prefix=todo%2F**")
    assert p.locator("td.key").all_inner_texts() == ["todo/1", "todo/2"]
    shoot(p, screenshots, "04-search")

    p.get_by_role("link", name="todo/1").click()
    assert '"buy milk"' in p.locator("#record-value").inner_text()
    p.get_by_role("button", name="Copy value").click()
    copied = p.evaluate("navigator.clipboard.readText()")
    assert '"text": "buy milk"' in copied
    shoot(p, screenshots, "05-record")

    p.get_by_role("link", name="Edit value").click()
    shoot(p, screenshots, "06-edit")
    p.locator("textarea").fill('{"text": "buy oat milk",')
    p.get_by_role("button", name="Save").click()
    assert "not valid JSON" in p.get_by_role("alert").inner_text()
    assert p.locator("textarea").input_value() == '{"text": "buy oat milk",'
    shoot(p, screenshots, "07-edit-refused")
    p.locator("textarea").fill('{"text": "buy oat milk", "done": true}')
    p.get_by_role("button", name="Save").click()
    assert "Saved the new value of todo/1." in p.get_by_role("status").inner_text()
    assert '"buy oat milk"' in p.locator("#record-value").inner_text()
    assert "operator" in p.locator("table.fields").inner_text()
    shoot(p, screenshots, "08-saved")

    p.get_by_role("button", name="Delete").click()
    p.wait_for_url("**notice=deleted**")
    assert dialogs == ["Delete this record? This cannot be undone."]
    assert "Deleted todo/1." in p.get_by_role("status").inner_text()
    assert "todo/1" not in p.locator("td.key").all_inner_texts()
    shoot(p, screenshots, "09-deleted")

    p.get_by_role("link", name="Clear namespace…").click()
    p.get_by_label("Type the namespace's name to confirm").fill("notes")
    shoot(p, screenshots, "10-clear")
    p.get_by_role("button", name="Clear namespace").click()
    assert "Cleared namespace notes: 2 records deleted." in p.get_by_role(
        "status").inner_text()
    shoot(p, screenshots, "11-cleared")

    backend = open_backend(config)
    try:
        assert "notes" not in backend.list_namespaces("alice")
        assert backend.list_namespaces("bob") == ["cache"]
    finally:
        backend.close()


def test_stored_markup_runs_no_script_in_the_browser(
    page: Page, served: tuple[str, StoreConfig], screenshots: Path
) -> None:
    p = page
    dialogs: list[str] = []
    p.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    base, _ = served
    p.goto(f"{base}?token={TOKEN}")
    p.goto(f"{base}user?user=alice")
    p.get_by_role("link", name=HOSTILE_NAMESPACE).click()
    p.get_by_role("link", name=HOSTILE_KEY).click()
    assert p.locator("#record-key").inner_text() == HOSTILE_KEY
    assert "</pre><script>" in p.locator("#record-value").inner_text()
    shoot(p, screenshots, "12-markup-as-text")
    p.get_by_role("link", name="Edit value").click()
    assert dialogs == []
    assert p.evaluate("document.querySelectorAll('script:not([src]), img, iframe').length") == 0
