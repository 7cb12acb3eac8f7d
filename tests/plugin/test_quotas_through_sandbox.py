"""Quotas as agents and hosts meet them: the error agents catch, and a setup that cannot
enforce them refused before any agent code runs."""

from __future__ import annotations

import textwrap

from agent_data_store import DataStorePlugin, StoreConfig
from agent_data_store.backends.memory import MemoryBackend
from sandbox_host import ExecutionContext, SandboxHost

AGENT = textwrap.dedent("""\
    async def run(input_dict, tools):
        stored = 0
        try:
            for i in range(10):
                data_store.set(f"k{i}", i)
                stored += 1
        except QuotaExceededError as exc:
            return {"stored": stored, "error": str(exc), "is_data_store_error":
                    isinstance(exc, DataStoreError)}
        return {"stored": stored}
    """)


def test_an_agent_catches_quota_exceeded_by_name_and_keeps_what_fitted() -> None:
    backend = MemoryBackend()
    host = SandboxHost(plugins=[DataStorePlugin(StoreConfig(url="memory://", quota_records=3),
                                                backend=backend)],
                       load_entry_points=False)
    result = host.run_sync(AGENT, context=ExecutionContext(user_id="alice", agent_name="filler"))
    assert result.error is None, result.error
    assert result.output == {
        "stored": 3, "is_data_store_error": True,
        "error": "data_store.set would take this user over its quota (records 3 + 1 > 3); "
                 "nothing was stored. Delete records or store smaller ones to make room",
    }
    assert backend.user_usage("alice").records == 3
