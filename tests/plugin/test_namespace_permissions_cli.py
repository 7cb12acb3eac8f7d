"""``sandbox-host run --read-namespaces/--write-namespaces``: what a user of the command sees."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sandbox_host.cli import main, namespace_patterns
from sandbox_host.context import ExecutionContext
from tests.cli_process import sandbox_host_command

AGENT = """\
async def run(input_dict, tools):
    data_store.use_namespace("reports").set("q1", {"total": 3})
    seen = data_store.list_namespaces()
    data_store.set("note", "in default")
    return {"seen": seen}
"""


@pytest.fixture
def agent(tmp_path: Path) -> Path:
    path = tmp_path / "reporter.py"
    path.write_text(AGENT)
    return path


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"AGENT_DATA_STORE_URL": f"sqlite:///{tmp_path / 'data.db'}"}


@pytest.mark.parametrize("isolation", ["thread", "process", "inline"])
def test_a_write_outside_the_allowed_namespaces_fails_the_run_with_exit_1(
    agent: Path, env: dict[str, str], isolation: str
) -> None:
    completed = sandbox_host_command(
        ["run", str(agent), "--user", "alice", "--read-namespaces", "default, shared-*",
         "--write-namespaces", "reports", "--isolation", isolation], env,
    )
    assert completed.returncode == 1
    assert completed.stdout == ""
    assert completed.stderr.splitlines() == [
        f"{agent}: NamespacePermissionError: agent 'reporter' may not write namespace "
        "'default' (data_store.set); it may write namespaces matching 'reports'",
        '  at agent line 4: data_store.set("note", "in default")',
    ]


def test_allowed_reads_and_writes_work_and_listing_shows_readable_namespaces(
    agent: Path, env: dict[str, str]
) -> None:
    completed = sandbox_host_command(
        ["run", str(agent), "--user", "alice", "--read-namespaces", "default",
         "--write-namespaces", "default,reports"], env,
    )
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout) == {"seen": []}
    completed = sandbox_host_command(["run", str(agent), "--user", "alice"], env)
    assert json.loads(completed.stdout) == {"seen": ["default", "reports"]}


@pytest.mark.parametrize(
    ("text", "patterns"),
    [("reports", ["reports"]), ("default, shared-*", ["default", "shared-*"]), ("", []),
     ("  ", []), ("[,]x", ["[", "]x"])],
)
def test_patterns_are_comma_separated_and_the_empty_string_is_none(
    text: str, patterns: list[str]
) -> None:
    assert namespace_patterns(text) == patterns


@pytest.mark.parametrize("text", ["a,,b", "a,", ",a", "a, ,b"])
def test_an_empty_pattern_exits_2(
    agent: Path, capsys: pytest.CaptureFixture[str], text: str
) -> None:
    assert main(["run", str(agent), "--user", "alice", "--write-namespaces", text]) == 2
    assert "argument --write-namespaces" in capsys.readouterr().err


def test_a_pattern_that_is_not_utf8_exits_2_naming_the_option(
    agent: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    undecodable = b"rep\xffort".decode("utf-8", "surrogateescape")
    assert main(["run", str(agent), "--user", "alice", "--read-namespaces", undecodable]) == 2
    err = capsys.readouterr().err
    assert "--read-namespaces: a namespace pattern must be valid UTF-8 text" in err


def test_the_context_keeps_patterns_as_given_and_unset_means_every_namespace() -> None:
    context = ExecutionContext(user_id="u", agent_name="a", read_namespaces=["x", "y*"])
    assert context.read_namespaces == ("x", "y*")
    assert context.write_namespaces is None
    assert context.for_run().read_namespaces == ("x", "y*")


@pytest.mark.parametrize(
    ("value", "message"),
    [("reports", "must be a list of namespace patterns"), ([""], "non-empty"),
     ([3], "must be a string"), (["x" * 1025], "at most 1024 characters")],
)
def test_the_context_refuses_patterns_that_are_not_a_list_of_names(
    value: object, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        ExecutionContext(user_id="u", agent_name="a", write_namespaces=value)  # type: ignore[arg-type]
