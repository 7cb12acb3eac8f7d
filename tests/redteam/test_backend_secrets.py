"""Red team, issue 14 class 12: errors the agent sees never reveal the backend.

An agent that makes the backend fail -- a metadata merge that fails inside SQLite, a locked
database, a data directory that cannot be created, a CouchDB or DynamoDB server that cannot
be reached -- gets an error naming the operation, key and rule; never the backend's name,
the database file path, URL, table, region, user, password or host. (Operators get the
detail in logs; that is not tested here.)
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from agent_data_store import DataStorePlugin, StoreConfig
from sandbox_host import ExecutionContext, SandboxHost
from tests.redteam.harness import agent

pytestmark = pytest.mark.redteam

PROVOKE = agent(
    """
    messages = []
    for attempt in [lambda: data_store.get("k"), lambda: data_store.set("k", 1),
                    lambda: data_store.list_keys(), lambda: data_store.get_all()]:
        try:
            attempt()
        except Exception as e:
            messages.append(repr(e) + " " + str(e))
    return {"messages": messages}
    """
)

MERGE_FAILURE = agent(
    """
    def nested(depth):
        m = {}
        for i in range(depth):
            m = {"m": m}
        return m
    messages = []
    try:
        data_store.set("k", 1, metadata=nested(900))
    except Exception as e:
        messages.append(repr(e) + " " + str(e))
    def deep(n):
        # The merge runs inside SQLite at this stack depth and hits the recursion limit.
        if n == 0:
            try:
                data_store.set("k", 2, metadata={"x": 1})
            except Exception as e:
                messages.append(repr(e) + " " + str(e))
            return 0
        return deep(n - 1)
    deep(150)
    return {"messages": messages}
    """
)


def agent_sees(config: StoreConfig, source: str = PROVOKE) -> list[str]:
    host = SandboxHost(plugins=[DataStorePlugin(config)], load_entry_points=False,
                       timeout_s=20)
    result = host.run_sync(source, context=ExecutionContext(user_id="mallory", agent_name="a"))
    assert result.ok, result.error
    assert result.output is not None
    messages: list[str] = result.output["messages"]
    return messages


def assert_nothing_revealed(messages: list[str], *secrets: str) -> None:
    text = "\n".join(messages).lower()
    revealed = [secret for secret in secrets if secret.lower() in text]
    assert not revealed, f"the agent learns {revealed}: {messages}"


def test_a_failed_metadata_merge_does_not_reveal_sqlite(tmp_path: Path) -> None:
    database = tmp_path / "secret-dir" / "data.db"
    messages = agent_sees(StoreConfig(url=f"sqlite:///{database}"), MERGE_FAILURE)
    assert_nothing_revealed(messages, "sqlite", str(tmp_path), "secret-dir", "data.db")


@pytest.fixture
def locked_database(tmp_path: Path) -> Iterator[Path]:
    database = tmp_path / "locked-dir" / "data.db"
    DataStorePlugin(StoreConfig(url=f"sqlite:///{database}")).backend.close()  # creates it
    holder = sqlite3.connect(database, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    yield database
    holder.execute("ROLLBACK")
    holder.close()


def test_a_locked_database_does_not_reveal_sqlite(locked_database: Path) -> None:
    messages = agent_sees(StoreConfig(url=f"sqlite:///{locked_database}", timeout_s=0.2))
    assert messages, "the locked database failed no call"
    assert_nothing_revealed(messages, "sqlite", str(locked_database.parent), "locked-dir",
                            "data.db")


def test_an_unusable_data_directory_is_not_revealed(tmp_path: Path) -> None:
    blocker = tmp_path / "private-blocker"
    blocker.write_text("a file where the data directory should be")
    messages = agent_sees(StoreConfig(url=f"sqlite:///{blocker}/sub/data.db"))
    assert messages, "the unusable directory failed no call"
    assert_nothing_revealed(messages, "sqlite", str(tmp_path), "private-blocker", "data.db")


def test_an_unreachable_couchdb_is_not_revealed() -> None:
    config = StoreConfig(url="couchdb://store_admin:hunter2@127.0.0.1:9/agent_db",
                         timeout_s=1.0)
    messages = agent_sees(config)
    assert messages, "the unreachable server failed no call"
    assert_nothing_revealed(messages, "couch", "store_admin", "hunter2", "127.0.0.1",
                            "agent_db", "http://")


def test_an_unreachable_dynamodb_is_not_revealed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDREDTEAM")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "redteam-secret")
    config = StoreConfig(
        url="dynamodb://agent_tbl?region=eu-west-1&endpoint_url=http://127.0.0.1:9",
        timeout_s=1.0,
    )
    messages = agent_sees(config)
    assert messages, "the unreachable service failed no call"
    assert_nothing_revealed(messages, "dynamo", "agent_tbl", "eu-west-1", "127.0.0.1",
                            "AKIDREDTEAM", "http://")
