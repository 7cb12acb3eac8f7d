"""Red team: an agent whose record cannot be read tries to learn its user ID from the error.

``UnreadableRecordError`` keeps the full record ID (``{userId}:…``) for operators in an
underscore attribute; its message names only the namespace and key. Every way an agent has
of looking into the exception must come up without the user.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from agent_data_store import DataStorePlugin, StoreConfig, open_backend
from agent_data_store.records import document_id
from sandbox_host import ExecutionContext, SandboxHost

pytestmark = pytest.mark.redteam

USER = "mallory-5521"


@pytest.fixture(params=["thread", "process"])
def host(request: pytest.FixtureRequest, tmp_path: Path) -> SandboxHost:
    """A host over a SQLite file holding one record of USER whose value is not JSON."""
    config = StoreConfig(url=f"sqlite:///{tmp_path / 'data.db'}")
    open_backend(config).close()  # creates the table
    with sqlite3.connect(tmp_path / "data.db") as connection:
        connection.execute(
            "INSERT INTO agent_data_store (_id, userId, namespace, key, value, metadata, "
            "createdByAgent, lastAccessedByAgent, accessCount, createdAt, updatedAt, "
            "lastAccessedAt) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (document_id(USER, "default", "broken"), USER, "default", "broken", "not json",
             "{}", "a", "a", 0, "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z",
             "2026-01-01T00:00:00Z"),
        )
    return SandboxHost(plugins=[DataStorePlugin(config)], load_entry_points=False,
                       isolation=request.param)


@pytest.mark.parametrize(
    "probe",
    [
        "str(e)", "repr(e)", "e.args", "e.problem", "e._record_id",
        "getattr(e, '_record_id')", "e.__dict__", "vars(e)", "e.__reduce__()",
        "'{0._record_id}'.format(e)", "e.__traceback__",
    ],
)
def test_the_error_never_gives_an_agent_its_user_id(host: SandboxHost, probe: str) -> None:
    source = (
        "async def run(input_dict, tools):\n"
        "    try:\n"
        "        data_store.get('broken')\n"
        "    except Exception as e:\n"
        f"        return {{'seen': str({probe})}}\n"
        "    return {'seen': 'no error'}\n"
    )
    result = host.run_sync(source, context=ExecutionContext(user_id=USER, agent_name="a"))
    text = f"{result.output!r} {result.error!r} {result.stdout!r}"
    assert USER not in text, text
    assert result.output != {"seen": "no error"}


def test_the_message_names_the_namespace_and_key(host: SandboxHost) -> None:
    source = "async def run(input_dict, tools):\n    return {'v': data_store.get('broken')}\n"
    result = host.run_sync(source, context=ExecutionContext(user_id=USER, agent_name="a"))
    assert result.error is not None and result.error.type == "UnreadableRecordError"
    assert "key 'broken' in namespace 'default' cannot be read: value is not JSON text" in (
        result.error.message)
