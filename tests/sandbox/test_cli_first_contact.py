"""``sandbox-host`` on first contact: --version, help that answers questions, bad input as
one clear line with exit 2, misconfiguration as exit 2, and a machine-readable trace."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sandbox_host import plugins
from sandbox_host.cli import main
from sandbox_host.limits import DEFAULT_TIMEOUT_S
from tests.cli_process import sandbox_host_command

COUNTER = Path(__file__).parents[2] / "examples" / "agents" / "counter.py"


@pytest.fixture(autouse=True)
def no_entry_point_plugins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(plugins.PLUGINS_ENV_VAR, "")


@pytest.fixture
def agent_file(tmp_path: Path) -> Path:
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
    agent_file: Path, capsys: pytest.CaptureFixture[str], value: str
) -> None:
    assert main(["run", str(agent_file), "--user", "alice", "--timeout", value]) == 2
    assert "--timeout" in _one_line_error(capsys.readouterr().err)


@pytest.mark.parametrize("text", ['{"x": NaN}', '{"x": Infinity}', '{"x": -Infinity}'])
def test_input_with_nan_or_infinity_exits_2(
    agent_file: Path, capsys: pytest.CaptureFixture[str], text: str
) -> None:
    assert main(["run", str(agent_file), "--user", "alice", "--input", text]) == 2
    assert "not a JSON number" in _one_line_error(capsys.readouterr().err)


def test_deeply_nested_input_file_exits_2_without_a_traceback(
    agent_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    deep = tmp_path / "deep.json"
    deep.write_text('{"a": ' + "[" * 100_000 + "]" * 100_000 + "}")
    assert main(["run", str(agent_file), "--user", "alice", "--input-file", str(deep)]) == 2
    assert "nested too deeply" in _one_line_error(capsys.readouterr().err)


@pytest.mark.parametrize("option", ["--user", "--agent"])
def test_ids_that_are_not_valid_utf8_exit_2(
    agent_file: Path, capsys: pytest.CaptureFixture[str], option: str
) -> None:
    # How Python hands over a command-line argument in an invalid encoding (b"\xff").
    undecodable = b"al\xffice".decode("utf-8", "surrogateescape")
    argv = ["run", str(agent_file), "--user", "alice", option, undecodable]
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
    assert [(op["op"], op["key"]) for op in trace["operations"]] == [
        ("get", "runs"), ("set", "runs")]
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
