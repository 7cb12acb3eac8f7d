"""Global options, store selection, error messages and exit codes; one real subprocess."""

from __future__ import annotations

import io
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console

from agent_data_store import StoreConfig
from agent_data_store.admin import ExitCode
from agent_data_store.admin.cli import build_parser, store_config
from agent_data_store.admin.progress import progress
from tests.admin.conftest import SEEDED_COUNTS, Cli, seed


def test_store_comes_from_the_environment(
    cli: Cli, seeded_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AGENT_DATA_STORE_URL", seeded_url)
    users = cli("--json", "users").json()
    assert {u["userId"] for u in users} == set(SEEDED_COUNTS)


def test_store_option_wins_over_the_environment(
    cli: Cli, seeded_url: str, memory_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AGENT_DATA_STORE_URL", memory_url)
    assert cli("--json", "--store", seeded_url, "stats").json()["users"] == 3


def test_global_options_may_follow_the_command(cli: Cli, seeded_url: str) -> None:
    assert cli("stats", "--store", seeded_url, "--json").json()["users"] == 3


def test_table_option_selects_another_table(cli: Cli, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 't.db'}"
    seed(StoreConfig(url=url, table="other_table"))
    missing = cli("--store", url, "--json", "stats")
    assert missing.code == ExitCode.USAGE
    assert "has no table 'agent_data_store' (nothing was created)" in missing.err
    assert cli("--store", url, "--table", "other_table", "--json", "stats").json()["records"] \
        == sum(SEEDED_COUNTS.values())


def test_help_exits_zero(cli: Cli) -> None:
    assert cli("--help").code == 0


def test_usage_errors_exit_2(cli: Cli, memory_url: str) -> None:
    assert cli("--store", memory_url, "no-such-command").code == ExitCode.USAGE
    assert cli("--store", memory_url).code == ExitCode.USAGE
    assert cli("--store", memory_url, "top-accessed", "--limit", "0").code == ExitCode.USAGE


def test_unknown_backend_scheme_is_a_usage_error(cli: Cli) -> None:
    result = cli("--store", "nosuch://host/db", "stats")
    assert result.code == 2
    assert "unknown backend scheme" in result.err


def test_backend_errors_are_one_line_without_traceback_or_password(
    cli: Cli, tmp_path: Path
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    result = cli("--store", f"sqlite:///{blocker}/sub/data.db", "import", "-")
    assert result.code == 1
    assert result.err.count("\n") == 1 and result.err.startswith("agent-data-store: error:")
    assert "Traceback" not in result.err


def test_errors_never_show_a_password(cli: Cli) -> None:
    result = cli("--store", "couchdb://admin:s3cret@127.0.0.1:1/db", "stats")
    assert result.code in (1, 2)
    assert "s3cret" not in result.err and "Traceback" not in result.err


def test_every_command_is_documented() -> None:
    parser = build_parser()
    commands = parser._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    assert set(commands) == {
        "stats", "users", "namespaces", "keys", "show", "export", "import", "import-gofannon",
        "erase-user", "clear-namespace", "top-accessed", "largest", "recent", "ensure-indexes",
        "serve", "quota", "usage", "sweep"}
    assert all(sub.description for sub in commands.values())
    assert "exit codes" in parser.format_help()


def test_runs_as_a_real_process(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'data.db'}"
    seed(StoreConfig(url=url))
    env = {**os.environ, "AGENT_DATA_STORE_URL": url}
    stats = subprocess.run(
        [sys.executable, "-m", "agent_data_store.admin", "--json", "stats"],
        capture_output=True, text=True, env=env, timeout=60, check=False,
    )
    assert stats.returncode == 0, stats.stderr
    assert json.loads(stats.stdout)["records"] == sum(SEEDED_COUNTS.values())
    refused = subprocess.run(
        [sys.executable, "-m", "agent_data_store.admin", "erase-user", "alice"],
        capture_output=True, text=True, env=env, timeout=60, check=False,
        stdin=subprocess.DEVNULL,
    )
    assert refused.returncode == 3
    assert "pass --yes" in refused.stderr


def test_progress_shows_only_at_a_terminal() -> None:
    terminal = io.StringIO()
    with progress("Exporting", console=Console(file=terminal, force_terminal=True)) as advance:
        advance(5)
    assert "Exporting" in terminal.getvalue()
    pipe = io.StringIO()
    with progress("Exporting", console=Console(file=pipe, force_terminal=False)) as advance:
        advance(5)
    assert pipe.getvalue() == ""


def test_version_prints_the_package_version(cli: Cli) -> None:
    result = cli("--version")
    assert result.code == 0 and result.out.startswith("agent-data-store 0.")


def test_timeout_option_and_variable_set_the_backend_timeout(
    monkeypatch: pytest.MonkeyPatch, memory_url: str
) -> None:
    args = build_parser().parse_args(["--store", memory_url, "stats", "--timeout", "42"])
    assert store_config(args).timeout_s == 42
    monkeypatch.setenv("AGENT_DATA_STORE_TIMEOUT_S", "7.5")
    args = build_parser().parse_args(["--store", memory_url, "stats"])
    assert store_config(args).timeout_s == 7.5


@pytest.mark.parametrize("value", ["nan", "inf", "0", "-3", "later"])
def test_a_timeout_that_is_not_a_positive_finite_number_exits_2(
    cli: Cli, memory_url: str, value: str
) -> None:
    result = cli("--store", memory_url, "--timeout", value, "stats")
    assert result.code == ExitCode.USAGE and "--timeout" in result.err


def test_a_bad_timeout_variable_exits_2(
    cli: Cli, memory_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AGENT_DATA_STORE_TIMEOUT_S", "nan")
    result = cli("--store", memory_url, "stats")
    assert result.code == ExitCode.USAGE and "timeout_s" in result.err


def test_a_missing_sqlite_store_is_not_created_by_a_command_that_reads(
    cli: Cli, tmp_path: Path
) -> None:
    target = tmp_path / "typo" / "dir" / "x.db"
    result = cli("--store", f"sqlite:///{target}", "stats")
    assert result.code == ExitCode.USAGE
    assert result.err == (f"agent-data-store: error: no SQLite data store at {target}: the "
                          "file does not exist (nothing was created)\n")
    assert not (tmp_path / "typo").exists()


def test_an_unavailable_store_says_to_retry_with_a_longer_timeout(cli: Cli) -> None:
    with socket.socket() as silent:  # accepts connections, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        result = cli("--store", f"couchdb://ops:pw@127.0.0.1:{port}/db", "--timeout", "0.5",
                     "stats")
    assert result.code == ExitCode.FAILED
    assert result.err.count("\n") == 1 and "did not answer within 0.5 s" in result.err
    assert result.err.rstrip().endswith("retry with a longer --timeout (now 0.5 s)")
    assert "pw@" not in result.err
