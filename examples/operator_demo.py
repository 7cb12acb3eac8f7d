"""Fill a store with the demo data of the README's "Operator command line" section.

Every record is written by a real agent run through ``SandboxHost`` and the data store
plugin, as the users and agents the README names, so the tracking fields are what agents
leave behind: alice's ``note-taker`` writes three notes that her ``summariser`` then reads,
her ``counter`` keeps ``visits``, and bob's ``crawler`` caches five pages and reads two.

Usage::

    python examples/operator_demo.py --store sqlite:///tmp/ops-demo/data.db

The store must not hold records of alice or bob yet (exit 1 otherwise): the demo is a
fresh start, never a change to someone's data. Exit status 0 when the store is filled.
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from typing import Any

from agent_data_store import DataStorePlugin, StoreConfig
from sandbox_host import ExecutionContext, SandboxHost

NOTE_TAKER = """
async def run(input_dict, tools):
    notes = data_store.use_namespace("notes")
    notes.set("todo/1", {"text": "buy milk", "done": False}, metadata={"tag": "home"})
    notes.set("todo/2", {"text": "call Bob \\u260e", "done": True})
    notes.set("[bold]not markup[/]", "kept as text")
    return {"written": notes.list_keys()}
"""

SUMMARISER = """
async def run(input_dict, tools):
    notes = data_store.use_namespace("notes")
    for _ in range(3):
        first = notes.get("todo/1")
    second = notes.get("todo/2")
    return {"open": [n["text"] for n in (first, second) if not n["done"]]}
"""

COUNTER = """
async def run(input_dict, tools):
    data_store.set("visits", 42)
    return {"visits": data_store.get("visits")}
"""

CRAWLER = """
async def run(input_dict, tools):
    cache = data_store.use_namespace("cache")
    cache.set_many({f"page:{i}": {"html": "x" * (100 * i)} for i in range(1, 6)})
    return {"reread": sorted(cache.get_many(["page:5", "page:4"]))}
"""

RUNS = [
    ("alice", "note-taker", NOTE_TAKER),
    ("alice", "summariser", SUMMARISER),
    ("alice", "counter", COUNTER),
    ("bob", "crawler", CRAWLER),
]
"""(user, agent, source) in the order they run."""


def fill(url: str) -> list[dict[str, Any]]:
    """Run the demo agents against the store at ``url``; return their outputs."""
    plugin = DataStorePlugin(StoreConfig(url=url))
    for user in ("alice", "bob"):
        if plugin.backend.list_namespaces(user):
            raise SystemExit(f"operator_demo: the store already holds records of {user}; "
                             "use an empty store")
    host = SandboxHost(plugins=[plugin], load_entry_points=False)
    outputs = []
    try:
        for user, agent, source in RUNS:
            result = host.run_sync(textwrap.dedent(source),
                                   context=ExecutionContext(user_id=user, agent_name=agent))
            if result.error is not None:
                raise SystemExit(f"operator_demo: {agent} failed: {result.error}")
            outputs.append(result.output or {})
    finally:
        plugin.close()
    return outputs


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments, fill the store, say what was done."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--store", required=True, metavar="URL",
                        help="the data store to fill (e.g. sqlite:///tmp/ops-demo/data.db)")
    args = parser.parse_args(argv)
    fill(args.store)
    print(f"filled {args.store}: {len(RUNS)} agent runs of alice and bob")
    return 0


if __name__ == "__main__":
    sys.exit(main())
