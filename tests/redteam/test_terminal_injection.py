"""Red team: agent-controlled text tries to reach the operator's terminal raw.

Keys, namespaces, values, metadata, printed output and error messages come from agents. Raw,
an escape sequence could clear the screen or recolour it, ``\\r`` or cursor movement could
overwrite an earlier line, a line break could forge a row of ``keys`` or a table, a bidi
override could reverse what is read, and a lone surrogate would crash the output. Every
human-facing line of ``sandbox-host`` and ``agent-data-store`` must show them escaped.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from agent_data_store import StoreConfig, open_backend
from agent_data_store.admin.cli import main as admin_main
from agent_data_store.records import Record
from tests.cli_process import sandbox_host_command

pytestmark = pytest.mark.redteam

HOSTILE = "\x1b[2J\x1b[1;31mPWNED\x1b[0m\r\x07\x9b31m\u202etxt.exe\u2028\n│ eve │ forged │"
"""Clear screen, colour, carriage return, bell, C1 CSI, bidi override, line separator and a
line break followed by what looks like a table row."""
SURROGATE = "lone \ud800 surrogate"

RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
                 "\u2028\u2029\ud800-\udfff]")
"""What may never reach a terminal raw (newline and tab are the only controls allowed)."""


def assert_terminal_safe(*texts: str) -> None:
    for text in texts:
        found = RAW.search(text)
        assert found is None, f"raw {found.group()!r} in output: {text!r}"


@pytest.fixture
def hostile_store(tmp_path: Path) -> str:
    """A store whose records hold hostile text wherever an agent chooses it: namespace, key,
    value, metadata. (User IDs and agent names are validated before any run.)"""
    url = f"sqlite:///{tmp_path / 'hostile.db'}"
    backend = open_backend(StoreConfig(url=url))
    stamp = "2026-01-01T00:00:00Z"
    backend.import_records(
        [
            Record("eve", HOSTILE, HOSTILE, json.dumps({HOSTILE: HOSTILE}, ensure_ascii=False),
                   {"note": HOSTILE}, "writer", "reader", 3, stamp, stamp, stamp),
            Record("eve", HOSTILE, "plain", json.dumps([HOSTILE]), {}, "writer", "writer", 1,
                   stamp, stamp, stamp),
        ],
        overwrite=True,
    )
    backend.close()
    return url


ADMIN_COMMANDS = [
    ["stats"], ["users"], ["namespaces", "--user", "eve"],
    ["keys", "--user", "eve", "--namespace", HOSTILE],
    ["show", "--user", "eve", "--namespace", HOSTILE, HOSTILE],
    ["show", "--user", "eve", "--namespace", HOSTILE, "plain"],
    ["top-accessed"], ["largest"], ["recent"], ["recent", "--by-agent"], ["export"],
    ["show", "--user", "eve", "--namespace", HOSTILE, "missing" + HOSTILE],
]


@pytest.mark.parametrize("json_mode", [False, True], ids=["tables", "json"])
@pytest.mark.parametrize("command", ADMIN_COMMANDS, ids=lambda c: c[0] + str(len(c)))
def test_operator_commands_show_hostile_records_escaped(
    hostile_store: str, command: list[str], json_mode: bool,
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ["--store", hostile_store, *(["--json"] if json_mode else []), *command]
    code = admin_main(argv)
    out, err = capsys.readouterr()
    assert code in (0, 1), err
    assert_terminal_safe(out, err)
    if json_mode and out and command[0] != "export":
        json.loads(out)  # still valid JSON: the escapes are JSON escapes


def test_keys_cannot_forge_a_line(hostile_store: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert admin_main(["--store", hostile_store, "keys", "--user", "eve",
                       "--namespace", HOSTILE]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and lines[1] == "plain"


def test_export_of_hostile_records_reimports_unchanged(
    hostile_store: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dump = tmp_path / "dump.jsonl"
    assert admin_main(["--store", hostile_store, "export", "-o", str(dump)]) == 0
    assert_terminal_safe(dump.read_text(encoding="utf-8"))
    copy = f"sqlite:///{tmp_path / 'copy.db'}"
    assert admin_main(["--store", copy, "import", str(dump)]) == 0
    original, copied = open_backend(StoreConfig(url=hostile_store)), open_backend(
        StoreConfig(url=copy))
    for key in (HOSTILE, "plain"):
        before, after = original.get("eve", HOSTILE, key), copied.get("eve", HOSTILE, key)
        assert before is not None and after is not None
        assert json.loads(after.value_json) == json.loads(before.value_json)
        assert after.metadata == before.metadata and after.key == before.key == key
    original.close()
    copied.close()


HOSTILE_AGENT = f"""
async def run(input_dict, tools):
    hostile = {HOSTILE!r}
    print(hostile)
    print({SURROGATE!r})
    data_store.use_namespace(hostile).set(hostile, {{hostile: hostile}})
    data_store.use_namespace(hostile).get(hostile)
    if input_dict.get("fail"):
        raise ValueError(hostile)
    return {{hostile: hostile, "s": {SURROGATE!r}}}
"""


@pytest.mark.parametrize("trace", [["--trace"], ["--trace-format", "json"]], ids=["text", "json"])
@pytest.mark.parametrize("fail", [False, True], ids=["result", "error"])
def test_sandbox_host_run_shows_hostile_agent_text_escaped(
    tmp_path: Path, trace: list[str], fail: bool
) -> None:
    agent = tmp_path / "hostile.py"
    agent.write_text(HOSTILE_AGENT, encoding="utf-8")
    argv = ["run", str(agent), "--user", "eve", *trace, "--input", json.dumps({"fail": fail})]
    completed = sandbox_host_command(
        argv, {"AGENT_DATA_STORE_URL": f"sqlite:///{tmp_path / 'data.db'}"}
    )
    out, err = completed.stdout, completed.stderr
    assert completed.returncode == (1 if fail else 0), err
    assert_terminal_safe(out, err)
    if not fail:
        assert json.loads(out)[HOSTILE] == HOSTILE  # the JSON result decodes to the original
    else:
        error_lines = [line for line in err.splitlines() if line.startswith(str(agent))]
        assert len(error_lines) == 1 and "forged" in error_lines[0]
