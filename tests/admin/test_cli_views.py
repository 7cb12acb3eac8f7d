"""The read-only commands: stats, users, namespaces, keys, show and the usage views."""

from __future__ import annotations

from tests.admin.conftest import SEEDED_COUNTS, Cli


def test_stats_counts_records_users_namespaces_and_bytes(cli: Cli, seeded_url: str) -> None:
    result = cli("--store", seeded_url, "--json", "stats")
    assert result.code == 0
    stats = result.json()
    assert stats["records"] == sum(SEEDED_COUNTS.values())
    assert stats["users"] == 3
    assert stats["namespaces"] == 5
    per_namespace = {(n["userId"], n["namespace"]): n for n in stats["perNamespace"]}
    cache = per_namespace[("bob", "cache")]
    # {"html":"xxx…"}: 11 bytes of JSON around 100·i characters.
    assert cache == {"userId": "bob", "namespace": "cache", "records": 5,
                     "bytes": sum(100 * i + 11 for i in range(1, 6))}
    assert stats["bytes"] == sum(n["bytes"] for n in stats["perNamespace"])


def test_stats_of_one_user(cli: Cli, seeded_url: str) -> None:
    stats = cli("--store", seeded_url, "--json", "stats", "--user", "bob").json()
    assert (stats["records"], stats["users"], stats["namespaces"]) == (5, 1, 1)


def test_stats_table_shows_totals(cli: Cli, seeded_url: str) -> None:
    result = cli("--store", seeded_url, "stats")
    assert result.code == 0
    assert "records" in result.out and "bob" in result.out and "cache" in result.out


def test_bytes_count_utf8_of_the_value_json(cli: Cli, seeded_url: str) -> None:
    stats = cli("--store", seeded_url, "--json", "stats", "--user", "carol").json()
    sizes = {n["namespace"]: n["bytes"] for n in stats["perNamespace"]}
    assert sizes["audit/2026: Q1"] == len('{"nested":[1,2.5,null,true,"é"]}'.encode())
    assert sizes["default"] == len(b"null")


def test_users_lists_record_counts(cli: Cli, seeded_url: str) -> None:
    users = cli("--store", seeded_url, "--json", "users").json()
    assert {u["userId"]: u["records"] for u in users} == SEEDED_COUNTS
    assert [u["userId"] for u in users] == ["alice", "bob", "carol"]
    table = cli("--store", seeded_url, "users")
    assert table.code == 0 and "carol" in table.out


def test_namespaces_show_counts_agents_and_last_update(cli: Cli, seeded_url: str) -> None:
    namespaces = cli("--store", seeded_url, "--json", "namespaces", "--user", "alice").json()
    by_name = {n["namespace"]: n for n in namespaces}
    assert set(by_name) == {"default", "notes"}
    notes = by_name["notes"]
    assert notes["records"] == 3
    assert notes["createdByAgents"] == ["note-taker"]
    assert notes["lastAccessedByAgents"] == ["note-taker", "summariser"]
    assert notes["lastUpdated"].endswith("Z")


def test_namespaces_needs_a_user(cli: Cli, seeded_url: str) -> None:
    assert cli("--store", seeded_url, "namespaces").code == 2


def test_keys_lists_one_key_per_line(cli: Cli, seeded_url: str) -> None:
    result = cli("--store", seeded_url, "keys", "--user", "alice", "--namespace", "notes")
    assert result.code == 0
    assert sorted(result.out.splitlines()) == ["[bold]not markup[/]", "todo/1", "todo/2"]


def test_keys_with_prefix_as_json(cli: Cli, seeded_url: str) -> None:
    result = cli("--store", seeded_url, "--json", "keys", "--user", "alice",
                 "--namespace", "notes", "--prefix", "todo/")
    assert sorted(result.json()) == ["todo/1", "todo/2"]


def test_keys_of_an_empty_namespace_is_an_empty_json_list(cli: Cli, seeded_url: str) -> None:
    result = cli("--store", seeded_url, "--json", "keys", "--user", "nobody", "--namespace", "x")
    assert result.code == 0 and result.json() == []


def test_show_prints_the_full_record(cli: Cli, seeded_url: str) -> None:
    document = cli("--store", seeded_url, "--json", "show", "--user", "carol",
                   "--namespace", "audit/2026: Q1", "ünïcode key/with:colons").json()
    assert document["value"] == {"nested": [1, 2.5, None, True, "é"]}
    assert document["metadata"] == {"source": "import", "n": 2}
    assert document["accessCount"] == 17
    assert document["createdByAgent"] == "importer"
    assert document["lastAccessedByAgent"] == "auditor"
    assert (document["createdAt"], document["updatedAt"], document["lastAccessedAt"]) == (
        "2025-01-02T03:04:05Z", "2025-06-07T08:09:10Z", "2026-01-01T00:00:01Z")


def test_show_table_keeps_user_text_literal(cli: Cli, seeded_url: str) -> None:
    result = cli("--store", seeded_url, "show", "--user", "alice", "--namespace", "notes",
                 "[bold]not markup[/]")
    assert result.code == 0
    assert "[bold]not markup[/]" in result.out and "kept as text" in result.out


def test_show_is_not_an_access(cli: Cli, seeded_url: str) -> None:
    args = ("--store", seeded_url, "--json", "show", "--user", "bob", "--namespace", "cache",
            "page:1")
    assert cli(*args).json()["accessCount"] == 0
    assert cli(*args).json()["accessCount"] == 0


def test_show_of_a_missing_key_fails(cli: Cli, seeded_url: str) -> None:
    result = cli("--store", seeded_url, "show", "--user", "alice", "--namespace", "notes", "nope")
    assert result.code == 1
    assert "no record 'nope'" in result.err


def test_top_accessed_orders_by_access_count(cli: Cli, seeded_url: str) -> None:
    rows = cli("--store", seeded_url, "--json", "top-accessed", "--limit", "2").json()
    assert [(r["key"], r["accessCount"]) for r in rows] == [
        ("ünïcode key/with:colons", 17), ("todo/1", 3)]


def test_top_accessed_within_a_namespace(cli: Cli, seeded_url: str) -> None:
    rows = cli("--store", seeded_url, "--json", "top-accessed", "--user", "bob",
               "--namespace", "cache").json()
    assert [r["key"] for r in rows[:2]] in (["page:5", "page:4"], ["page:4", "page:5"])
    assert len(rows) == 5


def test_largest_orders_by_value_bytes(cli: Cli, seeded_url: str) -> None:
    rows = cli("--store", seeded_url, "--json", "largest", "--limit", "3").json()
    assert [r["key"] for r in rows] == ["page:5", "page:4", "page:3"]
    assert rows[0]["bytes"] == 511
    table = cli("--store", seeded_url, "largest", "--limit", "1")
    assert "page:5" in table.out and "511" in table.out


def test_usage_views_filter_by_namespace_across_users(cli: Cli, seeded_url: str) -> None:
    rows = cli("--store", seeded_url, "--json", "largest", "--namespace", "default").json()
    assert {(r["userId"], r["key"]) for r in rows} == {("alice", "visits"), ("carol", "empty")}


def test_recent_orders_by_last_access(cli: Cli, seeded_url: str) -> None:
    rows = cli("--store", seeded_url, "--json", "recent", "--limit", "20").json()
    stamps = [r["lastAccessedAt"] for r in rows]
    assert stamps == sorted(stamps, reverse=True)
    assert len(rows) == sum(SEEDED_COUNTS.values())
    # The handcrafted records were last read in 2024-2026, the seeded ones just now.
    assert rows[-1]["key"] == "empty"


def test_recent_by_agent_summarises_each_agent(cli: Cli, seeded_url: str) -> None:
    agents = {a["agent"]: a for a in
              cli("--store", seeded_url, "--json", "recent", "--by-agent", "--limit", "50").json()}
    assert agents["summariser"]["recordsLastAccessed"] == 2
    assert agents["summariser"]["recordsCreated"] == 0
    assert agents["crawler"]["recordsCreated"] == 5
    assert agents["auditor"]["lastAccess"] == {
        "userId": "carol", "namespace": "audit/2026: Q1", "key": "ünïcode key/with:colons"}
    assert agents["auditor"]["lastAccessedAt"] == "2026-01-01T00:00:01Z"
    table = cli("--store", seeded_url, "recent", "--by-agent")
    assert table.code == 0 and "summariser" in table.out


def test_recent_of_one_agent(cli: Cli, seeded_url: str) -> None:
    rows = cli("--store", seeded_url, "--json", "recent", "--agent", "summariser").json()
    assert sorted(r["key"] for r in rows) == ["todo/1", "todo/2"]


def test_ensure_indexes_describes_what_exists(cli: Cli, store_url: str) -> None:
    first = cli("--store", store_url, "--json", "ensure-indexes")
    again = cli("--store", store_url, "--json", "ensure-indexes")
    assert first.code == again.code == 0
    assert first.json()["indexes"] and first.json() == again.json()
    assert cli("--store", store_url, "ensure-indexes").out.strip()
