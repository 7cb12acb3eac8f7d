"""``agent-data-store quota set/show`` and ``usage``: per-user limits and usage for operators."""

from __future__ import annotations

import pytest

from agent_data_store import StoreConfig, open_backend
from agent_data_store.backends.base import record_bytes
from tests.admin.conftest import SEEDED_COUNTS, Cli


def _bytes_of(url: str, user: str) -> int:
    backend = open_backend(StoreConfig(url=url))
    try:
        return sum(record_bytes(r.value_json, r.metadata)
                   for page in backend.iter_all(user) for r in page)
    finally:
        backend.close()


def test_usage_lists_every_user_against_the_default_quota(
    cli: Cli, seeded_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AGENT_DATA_STORE_QUOTA_RECORDS", "10")
    rows = cli("--store", seeded_url, "--json", "usage").json()
    assert [(r["user"], r["records"], r["maxRecords"]) for r in rows] == [
        (user, count, 10) for user, count in sorted(SEEDED_COUNTS.items())
    ]
    assert all(r["bytes"] == _bytes_of(seeded_url, r["user"]) for r in rows)
    assert all(r["maxBytes"] is None and r["enforced"] for r in rows)
    table = cli("--store", seeded_url, "usage")
    assert table.code == 0
    assert "bob" in table.out and "50%" in table.out  # bob: 5 of 10 records


def test_quota_set_keeps_the_limit_not_given_and_show_says_where_each_comes_from(
    cli: Cli, seeded_url: str
) -> None:
    assert cli("--store", seeded_url, "quota", "set", "--user", "bob", "--records", "7").code == 0
    shown = cli("--store", seeded_url, "--json", "quota", "set", "--user", "bob",
                "--bytes", "unlimited").json()
    assert shown["ownLimits"] == {"records": 7, "bytes": "unlimited"}
    assert (shown["records"], shown["maxRecords"], shown["maxBytes"]) == (5, 7, None)
    table = cli("--store", seeded_url, "quota", "show", "--user", "bob")
    assert table.code == 0
    assert "5 of 7" in table.out and "the user's own limit" in table.out
    assert "not enforced" in table.err
    cli("--store", seeded_url, "quota", "set", "--user", "bob", "--records", "default",
        "--bytes", "default")
    assert cli("--store", seeded_url, "--json", "quota", "show", "--user", "bob").json()[
        "ownLimits"] == {"records": None, "bytes": None}


def test_a_user_with_only_a_limit_is_listed(cli: Cli, seeded_url: str) -> None:
    cli("--store", seeded_url, "quota", "set", "--user", "dave", "--records", "0")
    rows = cli("--store", seeded_url, "--json", "usage").json()
    assert {r["user"]: r["maxRecords"] for r in rows}["dave"] == 0


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["quota", "set", "--user", "bob"], "give --records, --bytes or both"),
        (["quota", "set", "--user", "bob", "--records", "-1"], "is not a limit"),
        (["quota", "set", "--user", "bob", "--bytes", "lots"], "is not a limit"),
        (["quota", "show"], "--user"),
    ],
)
def test_bad_quota_commands_exit_2(
    cli: Cli, seeded_url: str, argv: list[str], message: str
) -> None:
    result = cli("--store", seeded_url, *argv)
    assert result.code == 2
    assert message in result.err


def test_a_bad_default_quota_in_the_environment_exits_2(
    cli: Cli, seeded_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AGENT_DATA_STORE_QUOTA_BYTES", "1MB")
    result = cli("--store", seeded_url, "usage")
    assert result.code == 2
    assert "AGENT_DATA_STORE_QUOTA_BYTES='1MB'" in result.err


def test_usage_recount_counts_nothing_where_usage_derives_from_the_records(
    cli: Cli, seeded_url: str
) -> None:
    result = cli("--store", seeded_url, "--json", "usage", "--recount", "--batch-size", "2")
    assert result.code == 0
    assert "recount: 0 records of an earlier version counted" in result.err
    assert {row["user"] for row in result.json()} == set(SEEDED_COUNTS)
