"""The plugin removes expired records now and then when runs end, on backends without
expiry of their own; what agents see never depends on it."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from agent_data_store import DataStorePlugin, StoreConfig
from sandbox_host import ExecutionContext, SandboxHost

WRITER = """
async def run(input_dict, tools):
    data_store.set("cached", 1, ttl=0.2)
    data_store.set("kept", 2)
    return {}
"""

READER = """
async def run(input_dict, tools):
    return {"keys": data_store.list_keys()}
"""


def _rows(path: Path) -> int:
    with sqlite3.connect(path) as connection:
        (count,) = connection.execute("SELECT count(*) FROM agent_data_store").fetchone()
    return int(count)


def _runs(path: Path, interval: float) -> list[object]:
    host = SandboxHost(plugins=[DataStorePlugin(StoreConfig(
        url=f"sqlite:///{path}", sweep_interval_s=interval))], load_entry_points=False)
    context = ExecutionContext(user_id="alice", agent_name="cache")
    outputs = [host.run_sync(WRITER, context=context).output]
    time.sleep(0.3)
    outputs.append(host.run_sync(READER, context=context).output)
    return outputs


def test_a_run_ending_removes_a_batch_of_expired_records(tmp_path: Path) -> None:
    outputs = _runs(tmp_path / "data.db", interval=0.1)
    assert outputs[1] == {"keys": ["kept"]}
    deadline = time.monotonic() + 5
    while _rows(tmp_path / "data.db") > 1 and time.monotonic() < deadline:
        time.sleep(0.05)  # the sweep runs in a thread of its own
    assert _rows(tmp_path / "data.db") == 1


def test_no_sweep_when_the_interval_is_zero(tmp_path: Path) -> None:
    outputs = _runs(tmp_path / "data.db", interval=0)
    assert outputs[1] == {"keys": ["kept"]}
    time.sleep(0.2)
    assert _rows(tmp_path / "data.db") == 2
