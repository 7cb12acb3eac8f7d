"""``sandbox-host``: exit codes 0/1/2, output on stdout/stderr, ``--trace`` (text and JSON),
``plugins``, ``--version`` and help, bad input and misconfiguration as one line and exit 2."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest

from sandbox_host import plugins
from sandbox_host.cli import main
from sandbox_host.limits import DEFAULT_TIMEOUT_S
from tests.cli_process import sandbox_host_command

HELLO = Path(__file__).parents[2] / "examples" / "agents" / "hello.py"
COUNTER = Path(__file__).parents[2] / "examples" / "agents" / "counter.py"


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


# -- first contact: --version, help, bad input and misconfiguration exit 2, JSON trace --


@pytest.fixture
def echo_agent(tmp_path: Path) -> Path:
    path = tmp_path / "echo.py"
    path.write_text("async def run(input_dict, tools):\n    return {'got': input_dict}\n")
    return path


def _one_line_error(err: str) -> str:
    lines = err.strip().splitlines()
    assert "Traceback" not in err
    assert lines[-1].startswith(("sandbox-host: error:", "sandbox-host run: error:")), err
    return lines[-1]


def test_version_prints_the_package_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("sandbox-host 0.")


def test_help_lists_the_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "exit codes: 0" in out and "1 the agent failed" in out and "130 interrupted" in out


def test_run_help_says_the_default_timeout_and_where_the_data_lives(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["run", "--help"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert f"(default: {DEFAULT_TIMEOUT_S:g})" in out
    assert "$AGENT_DATA_STORE_URL" in out and "~/.local/share/agent-data-store/" in out
    assert "AGENT_FILE the agent's Python source file" in out
    assert "exit codes:" in out


@pytest.mark.parametrize("value", ["nan", "inf", "-1", "0", "soon"])
def test_a_timeout_that_is_not_a_positive_finite_number_exits_2(
    echo_agent: Path, capsys: pytest.CaptureFixture[str], value: str
) -> None:
    assert main(["run", str(echo_agent), "--user", "alice", "--timeout", value]) == 2
    assert "--timeout" in _one_line_error(capsys.readouterr().err)


@pytest.mark.parametrize("text", ['{"x": NaN}', '{"x": Infinity}', '{"x": -Infinity}'])
def test_input_with_nan_or_infinity_exits_2(
    echo_agent: Path, capsys: pytest.CaptureFixture[str], text: str
) -> None:
    assert main(["run", str(echo_agent), "--user", "alice", "--input", text]) == 2
    assert "not a JSON number" in _one_line_error(capsys.readouterr().err)


def test_deeply_nested_input_file_exits_2_without_a_traceback(
    echo_agent: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    deep = tmp_path / "deep.json"
    deep.write_text('{"a": ' + "[" * 100_000 + "]" * 100_000 + "}")
    assert main(["run", str(echo_agent), "--user", "alice", "--input-file", str(deep)]) == 2
    assert "nested too deeply" in _one_line_error(capsys.readouterr().err)


@pytest.mark.parametrize("option", ["--user", "--agent"])
def test_ids_that_are_not_valid_utf8_exit_2(
    echo_agent: Path, capsys: pytest.CaptureFixture[str], option: str
) -> None:
    # How Python hands over a command-line argument in an invalid encoding (b"\xff").
    undecodable = b"al\xffice".decode("utf-8", "surrogateescape")
    argv = ["run", str(echo_agent), "--user", "alice", option, undecodable]
    assert main(argv) == 2
    line = _one_line_error(capsys.readouterr().err)
    assert f"{option}: must be valid UTF-8 text" in line


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("AGENT_DATA_STORE_URL", "bogus://x", "unknown backend scheme 'bogus'"),
        ("AGENT_DATA_STORE_MAX_VALUE_BYTES", "lots", "max_value_bytes"),
        ("AGENT_DATA_STORE_TRACKING", "maybe", "AGENT_DATA_STORE_TRACKING='maybe'; use on or off"),
        ("AGENT_DATA_STORE_TIMEOUT_S", "nan", "timeout_s"),
    ],
)
def test_a_misconfigured_data_store_exits_2_before_the_agent_runs(
    tmp_path: Path, variable: str, value: str, message: str,
) -> None:
    env = {"AGENT_DATA_STORE_URL": f"sqlite:///{tmp_path / 'data.db'}", variable: value}
    completed = sandbox_host_command(["run", str(COUNTER), "--user", "alice"], env)
    assert completed.returncode == 2
    assert completed.stdout == ""
    line = _one_line_error(completed.stderr)
    assert "the run could not be set up" in line and message in line
    assert not (tmp_path / "data.db").exists()


def test_an_agent_error_named_like_a_plugin_error_is_still_the_agents(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    agent = tmp_path / "liar.py"
    agent.write_text(
        "class PluginError(Exception):\n    pass\n"
        "async def run(input_dict, tools):\n    raise PluginError('not really')\n"
    )
    assert main(["run", str(agent), "--user", "alice"]) == 1
    assert "PluginError: not really" in capsys.readouterr().err


def test_trace_format_json_writes_one_object_on_stderr(tmp_path: Path) -> None:
    completed = sandbox_host_command(
        ["run", str(COUNTER), "--user", "alice", "--trace-format", "json"],
        {"AGENT_DATA_STORE_URL": f"sqlite:///{tmp_path / 'data.db'}"},
    )
    assert completed.returncode == 0 and json.loads(completed.stdout) == {"count": 1}
    (line,) = completed.stderr.splitlines()
    trace = json.loads(line)
    assert trace["printed"].startswith("Hello! Counter")
    assert [(op["op"], op["key"]) for op in trace["operations"]] == [("increment", "runs")]
    assert trace["error"] is None and trace["pluginErrors"] == []
    assert trace["durationMs"] > 0


def test_trace_format_json_carries_the_agents_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    agent = tmp_path / "fails.py"
    agent.write_text("async def run(input_dict, tools):\n    return 1 / 0\n")
    assert main(["run", str(agent), "--user", "alice", "--trace-format", "json"]) == 1
    trace = json.loads(capsys.readouterr().err.splitlines()[0])
    assert trace["error"] == {"type": "ZeroDivisionError", "message": "division by zero",
                              "line": 2, "sourceLine": "return 1 / 0"}
