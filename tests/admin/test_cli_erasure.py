"""erase-user and clear-namespace: confirmation, counts, and nobody else's data touched."""

from __future__ import annotations

import io

import pytest

from agent_data_store import StoreConfig
from tests.admin.conftest import SEEDED_COUNTS, Cli, documents


class Terminal(io.StringIO):
    """Stdin as if a person typed ``answer`` at a terminal."""

    def isatty(self) -> bool:
        return True


def users_left(url: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for document in documents(StoreConfig(url=url)):
        counts[str(document["userId"])] = counts.get(str(document["userId"]), 0) + 1
    return counts


def test_erase_user_with_yes_deletes_all_their_data_and_reports_counts(
    cli: Cli, seeded_url: str
) -> None:
    bob_and_carol = documents(StoreConfig(url=seeded_url), "bob") + \
        documents(StoreConfig(url=seeded_url), "carol")
    result = cli("--store", seeded_url, "--json", "erase-user", "alice", "--yes")
    assert result.code == 0
    assert result.json() == {"userId": "alice", "records": 4,
                             "namespaces": {"default": 1, "notes": 3}}
    assert users_left(seeded_url) == {"bob": 5, "carol": 2}
    assert documents(StoreConfig(url=seeded_url), "bob") + \
        documents(StoreConfig(url=seeded_url), "carol") == bob_and_carol


def test_erase_user_table_output(cli: Cli, seeded_url: str) -> None:
    result = cli("--store", seeded_url, "erase-user", "bob", "--yes")
    assert result.code == 0
    assert "deleted 5 records in 1 namespace(s) of user bob" in result.out


def test_erase_user_without_yes_and_without_a_terminal_is_refused(
    cli: Cli, seeded_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Even a "y" on stdin does not count when stdin is not a terminal.
    monkeypatch.setattr("sys.stdin", io.StringIO("y\n"))
    result = cli("--store", seeded_url, "erase-user", "alice")
    assert result.code == 3
    assert "pass --yes" in result.err
    assert users_left(seeded_url) == SEEDED_COUNTS


def test_erase_user_asks_at_a_terminal_and_proceeds_on_yes(
    cli: Cli, seeded_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", Terminal("y\n"))
    result = cli("--store", seeded_url, "erase-user", "carol")
    assert result.code == 0
    assert "Erase ALL data of user 'carol'" in result.err
    assert "carol" not in users_left(seeded_url)


@pytest.mark.parametrize("answer", ["n\n", "\n", "whatever\n", ""])
def test_erase_user_declined_at_the_prompt_changes_nothing(
    cli: Cli, seeded_url: str, monkeypatch: pytest.MonkeyPatch, answer: str
) -> None:
    monkeypatch.setattr("sys.stdin", Terminal(answer))
    result = cli("--store", seeded_url, "erase-user", "carol")
    assert result.code == 3
    assert users_left(seeded_url) == SEEDED_COUNTS


def test_erase_of_an_unknown_user_deletes_nothing_without_asking(
    cli: Cli, seeded_url: str
) -> None:
    result = cli("--store", seeded_url, "--json", "erase-user", "nobody")
    assert result.code == 0
    assert result.json() == {"userId": "nobody", "records": 0, "namespaces": {}}
    assert users_left(seeded_url) == SEEDED_COUNTS


def test_clear_namespace_deletes_only_that_namespace(cli: Cli, seeded_url: str) -> None:
    result = cli("--store", seeded_url, "--json", "clear-namespace", "--user", "alice",
                 "notes", "--yes")
    assert result.code == 0
    assert result.json() == {"userId": "alice", "records": 3, "namespaces": {"notes": 3}}
    remaining = documents(StoreConfig(url=seeded_url), "alice")
    assert [d["key"] for d in remaining] == ["visits"]
    assert users_left(seeded_url) == {"alice": 1, "bob": 5, "carol": 2}


def test_clear_namespace_without_yes_is_refused(
    cli: Cli, seeded_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    result = cli("--store", seeded_url, "clear-namespace", "--user", "bob", "cache")
    assert result.code == 3
    assert users_left(seeded_url) == SEEDED_COUNTS


def test_clear_namespace_of_another_users_namespace_name_leaves_it(
    cli: Cli, seeded_url: str
) -> None:
    # carol and alice both have "default"; clearing carol's leaves alice's.
    assert cli("--store", seeded_url, "clear-namespace", "--user", "carol", "default",
               "--yes").code == 0
    assert [d["key"] for d in documents(StoreConfig(url=seeded_url), "alice")
            if d["namespace"] == "default"] == ["visits"]


def test_clear_namespace_needs_a_user(cli: Cli, seeded_url: str) -> None:
    assert cli("--store", seeded_url, "clear-namespace", "notes", "--yes").code == 2
