"""Red team, issue 14 class 11: agent-controlled text never reaches a terminal raw.

Keys, namespaces, values, printed text and error messages come from agent code. Whatever the
operator views them with -- ``agent-data-store keys``/``show``/``namespaces``/``top-accessed``
or ``sandbox-host run [--trace]`` -- control characters must come out escaped, so an escape
sequence cannot clear the screen, forge table rows, set the window title or hide lines.
"""

from __future__ import annotations

import unicodedata
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from agent_data_store import DataStorePlugin, StoreConfig
from agent_data_store.admin.cli import main as store_cli
from sandbox_host import ExecutionContext, SandboxHost
from sandbox_host.cli import main as host_cli
from tests.redteam.harness import agent

pytestmark = pytest.mark.redteam

CLEAR = "\x1b[2J\x1b[H"
TITLE = "\x1b]0;pwned\x07"
C1_CSI = "\x9b31m"
ERASE_LINE = "\r\x1b[2K"

EVIL_KEY = f"report{CLEAR}forged row"
EVIL_NAMESPACE = f"ns{ERASE_LINE}"


def raw_controls(text: str) -> list[str]:
    """Control characters other than newline, as escapes (empty when the text is safe)."""
    return sorted({repr(ch) for ch in text if ch != "\n" and unicodedata.category(ch) == "Cc"})


@pytest.fixture(autouse=True)
def _plain_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    # Rich would colour its own output for a real terminal; these tests look at agent text.
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.setenv("TERM", "dumb")
    monkeypatch.setenv("SANDBOX_HOST_PLUGINS", "")


@pytest.fixture
def store_url() -> Iterator[str]:
    """A named in-process memory store an agent filled with hostile text."""
    url = f"memory://redteam-terminal-{uuid.uuid4().hex}"
    host = SandboxHost(plugins=[DataStorePlugin(StoreConfig(url=url))], load_entry_points=False)
    source = agent(
        f"""
        data_store.set({EVIL_KEY!r}, {"value" + TITLE + C1_CSI!r})
        data_store.set("plain", {CLEAR + "hidden"!r}, metadata={{"note": {ERASE_LINE + "gone"!r}}})
        data_store.use_namespace({EVIL_NAMESPACE!r}).set("k", 1)
        data_store.get({EVIL_KEY!r})
        return {{}}
        """
    )
    result = host.run_sync(source, context=ExecutionContext(user_id="mallory", agent_name="a"))
    assert result.ok, result.error
    yield url


OPERATOR_VIEWS = {
    "keys": ["keys", "--user", "mallory", "--namespace", "default"],
    "show of a hostile key and value": ["show", "--user", "mallory", "--namespace", "default",
                                        EVIL_KEY],
    "show of hostile metadata": ["show", "--user", "mallory", "--namespace", "default",
                                 "plain"],
    "namespaces": ["namespaces", "--user", "mallory"],
    "top-accessed": ["top-accessed"],
}


@pytest.mark.parametrize("argv", OPERATOR_VIEWS.values(), ids=OPERATOR_VIEWS.keys())
def test_operator_views_escape_agent_text(
    store_url: str, argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    code = store_cli(["--store", store_url, *argv])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert out.strip(), "the view showed nothing"
    assert raw_controls(out) == [], f"raw control characters reach the terminal: {out!r}"
    assert raw_controls(err) == []


HOSTILE_AGENTS = {
    # Payloads are written as escapes (repr) into the source, except where the source line
    # itself is the attack: an ESC inside a string literal is valid Python.
    "printed text under --trace": agent(
        f"print({'progress' + CLEAR + TITLE!r})\nprint({C1_CSI + 'red'!r})\nreturn {{}}"),
    "an error message": agent(f"raise ValueError({'failed' + ERASE_LINE + 'all good'!r})"),
    "the source line of an error": agent(f"x = 1\nraise KeyError('{CLEAR}')"),
}


@pytest.mark.parametrize("source", HOSTILE_AGENTS.values(), ids=HOSTILE_AGENTS.keys())
def test_sandbox_host_run_escapes_agent_text(
    tmp_path: Path, source: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "hostile.py"
    path.write_text(source, encoding="utf-8")
    code = host_cli(["run", str(path), "--user", "mallory", "--trace"])
    out, err = capsys.readouterr()
    assert code in (0, 1), err
    assert raw_controls(out) == [], f"raw control characters on stdout: {out!r}"
    assert raw_controls(err) == [], f"raw control characters on stderr: {err!r}"
