"""``sandbox-host``: exit codes 0/1/2, output on stdout/stderr, ``--trace``, ``plugins``."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest

from sandbox_host import plugins
from sandbox_host.cli import main

HELLO = Path(__file__).parents[2] / "examples" / "agents" / "hello.py"


@pytest.fixture(autouse=True)
def no_entry_point_plugins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(plugins.PLUGINS_ENV_VAR, "")


@pytest.fixture
def agent_file(tmp_path: Path) -> Path:
    path = tmp_path / "counter.py"
    path.write_text(
        "async def run(input_dict, tools):\n"
        "    print('counting', input_dict['n'])\n"
        "    return {'next': input_dict['n'] + 1}\n"
    )
    return path


def test_run_prints_the_result_as_json_and_exits_0(
    agent_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["run", str(agent_file), "--user", "alice", "--input", '{"n": 1}'])
    out, err = capsys.readouterr()
    assert code == 0
    assert json.loads(out) == {"next": 2}
    assert err == ""


def test_input_can_come_from_a_file(
    agent_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    input_file = tmp_path / "input.json"
    input_file.write_text('{"n": 41}')
    code = main(["run", str(agent_file), "--user", "alice", "--input-file", str(input_file)])
    assert code == 0
    assert json.loads(capsys.readouterr().out) == {"next": 42}


def test_agent_error_is_shown_with_its_line_and_exits_1(
    agent_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["run", str(agent_file), "--user", "alice", "--agent", "counter"])
    out, err = capsys.readouterr()
    assert code == 1
    assert out == ""
    assert "KeyError: 'n'" in err
    assert "agent line 2: print('counting', input_dict['n'])" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--input", "{not json"], "input is not valid JSON"),
        (["--input", "[1, 2]"], "input must be a JSON object"),
        (["--user", "a:b"], "--user: must not contain ':'"),
        (["--agent", "_hidden"], "--agent: must not start with '_'"),
        (["--timeout", "0"], "--timeout: must be a positive number"),
    ],
)
def test_usage_errors_exit_2_with_a_clear_message(
    agent_file: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    argv = ["run", str(agent_file), "--user", "alice", *args]
    code = main(argv)
    assert code == 2
    assert message in capsys.readouterr().err


def test_missing_agent_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", str(tmp_path / "nope.py"), "--user", "alice"]) == 2
    assert "agent file not found" in capsys.readouterr().err


def test_missing_user_is_an_argparse_usage_error(
    agent_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run", str(agent_file)]) == 2
    assert "the following arguments are required: --user" in capsys.readouterr().err


def test_trace_shows_printed_output_and_operations_on_stderr(
    agent_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["run", str(agent_file), "--user", "alice", "--input", '{"n": 1}', "--trace"])
    out, err = capsys.readouterr()
    assert code == 0
    assert json.loads(out) == {"next": 2}
    assert "counting 1" in err
    assert "--- operations (0) ---" in err


def test_plugin_that_fails_to_load_is_reported_without_a_traceback(
    agent_file: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = EntryPoint(name="broken", value="no_such_module_xyz:plugin", group="sandbox_host")
    monkeypatch.setattr(plugins, "entry_points", lambda group: [broken])
    monkeypatch.delenv(plugins.PLUGINS_ENV_VAR)
    code = main(["run", str(agent_file), "--user", "alice", "--input", '{"n": 1}'])
    err = capsys.readouterr().err
    assert code == 2
    assert "could not load sandbox plugins" in err and "no_such_module_xyz" in err
    assert plugins.PLUGINS_ENV_VAR in err


def test_plugins_command_lists_plugins(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plugins"]) == 0
    assert "no plugins loaded" in capsys.readouterr().out


def test_hello_example_runs_as_a_console_command() -> None:
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "sandbox_host.cli",
            "run",
            str(HELLO),
            "--user",
            "alice",
            "--input",
            '{"name": "Ada"}',
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout)["greeting"] == "Hello, Ada!"


def test_tools_file_hands_its_tools_to_the_agent(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tools_file = tmp_path / "my_tools.py"
    tools_file.write_text(
        "async def shout(text):\n"
        "    return text.upper()\n"
        "def tools():\n"
        "    return {'shout': shout, 'double': lambda n: n * 2}\n"
    )
    agent = tmp_path / "agent.py"
    agent.write_text(
        "async def run(input_dict, tools):\n"
        "    return {'a': await tools['shout']('hi'), 'b': tools['double'](21)}\n"
    )
    code = main(["run", str(agent), "--user", "alice", "--tools", str(tools_file)])
    assert code == 0
    assert json.loads(capsys.readouterr().out) == {"a": "HI", "b": 42}


def test_tools_file_without_a_tools_function_exits_2(
    tmp_path: Path, agent_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tools_file = tmp_path / "no_tools.py"
    tools_file.write_text("TOOLS = {}\n")
    code = main(["run", str(agent_file), "--user", "alice", "--tools", str(tools_file)])
    assert code == 2
    assert "must define a function tools()" in capsys.readouterr().err
