"""Fixtures of the operator CLI tests: stores filled with known data, and a CLI runner.

``memory://NAME`` is shared within the process, so memory stores are named uniquely per test
and the CLI (run in-process through :func:`main`) sees what the test seeded.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from agent_data_store import Record, StoreConfig, open_backend
from agent_data_store.admin.cli import main
from agent_data_store.store import DataStore
from agent_data_store.tracking import RunState


@dataclass(frozen=True)
class CliResult:
    """What one in-process run of ``agent-data-store`` did."""

    code: int
    out: str
    err: str

    def json(self) -> Any:
        """Stdout parsed as JSON."""
        return json.loads(self.out)


Cli = Callable[..., CliResult]


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Cli:
    """Run ``agent-data-store ARGS`` in this process; return exit code, stdout and stderr."""

    def run(*argv: str) -> CliResult:
        capsys.readouterr()
        code = main(list(argv))
        captured = capsys.readouterr()
        return CliResult(int(code), captured.out, captured.err)

    return run


def unique_memory_url() -> str:
    """A memory store no other test uses, shared by every backend this process opens on it."""
    return f"memory://admin-{uuid.uuid4().hex}"


@pytest.fixture
def memory_url() -> str:
    """A fresh named memory store."""
    return unique_memory_url()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A fresh SQLite file."""
    return f"sqlite:///{tmp_path / 'admin.db'}"


@pytest.fixture(params=["memory", "sqlite"])
def store_url(request: pytest.FixtureRequest) -> str:
    """A fresh store on memory and on SQLite in turn."""
    url: str = request.getfixturevalue(f"{request.param}_url")
    return url


@pytest.fixture(params=["memory", "sqlite"])
def other_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A second fresh store, on memory and on SQLite in turn."""
    if request.param == "memory":
        return unique_memory_url()
    return f"sqlite:///{tmp_path / 'other.db'}"


HANDCRAFTED = [
    Record(
        user_id="carol", namespace="audit/2026: Q1", key="ünïcode key/with:colons",
        value_json='{"nested":[1,2.5,null,true,"é"]}', metadata={"source": "import", "n": 2},
        created_by_agent="importer", last_accessed_by_agent="auditor", access_count=17,
        created_at="2025-01-02T03:04:05Z", updated_at="2025-06-07T08:09:10Z",
        last_accessed_at="2026-01-01T00:00:01Z",
    ),
    Record(
        user_id="carol", namespace="default", key="empty", value_json="null", metadata={},
        created_by_agent="a1", last_accessed_by_agent="a2", access_count=0,
        created_at="2024-02-29T23:59:59Z", updated_at="2024-03-01T00:00:00Z",
        last_accessed_at="2024-03-02T00:00:00Z",
    ),
]
"""Records whose every field differs from the others, so a round trip that swapped or reset
a field (e.g. createdAt for updatedAt) would show."""


def seed(config: StoreConfig) -> None:
    """Fill a store with the known data set, written through the real data store.

    alice: ``notes`` (3 keys, read by ``summariser``), ``default`` (``visits``);
    bob: ``cache`` (5 pages of growing size, two read); carol: :data:`HANDCRAFTED`.
    """
    backend = open_backend(config)

    def store(user: str, agent: str, namespace: str = "default") -> tuple[DataStore, RunState]:
        run = RunState(agent)
        return DataStore(lambda: backend, config, user, agent, run, namespace), run

    try:
        notes, _ = store("alice", "note-taker", "notes")
        notes.set("todo/1", {"text": "buy milk", "done": False}, metadata={"tag": "home"})
        notes.set("todo/2", {"text": "call Bob ☎", "done": True})
        notes.set("[bold]not markup[/]", "kept as text")
        reader, run = store("alice", "summariser", "notes")
        for _ in range(3):
            reader.get("todo/1")
        reader.get("todo/2")
        run.tracker.flush(backend)
        counter, run = store("alice", "counter")
        counter.set("visits", 42)
        counter.get("visits")
        run.tracker.flush(backend)
        crawler, run = store("bob", "crawler", "cache")
        crawler.set_many({f"page:{i}": {"html": "x" * (100 * i)} for i in range(1, 6)})
        crawler.get_many(["page:5", "page:4"])
        run.tracker.flush(backend)
        backend.import_records(HANDCRAFTED, overwrite=True)
    finally:
        backend.close()


SEEDED_COUNTS = {"alice": 4, "bob": 5, "carol": 2}


def documents(config: StoreConfig, user: str | None = None) -> list[dict[str, Any]]:
    """Every record of the store (or of one user) as storage documents, sorted by ID."""
    backend = open_backend(config)
    try:
        found = [record.to_document() for page in backend.iter_all(user) for record in page]
    finally:
        backend.close()
    return sorted(found, key=lambda document: str(document["_id"]))


@pytest.fixture
def seeded_url(store_url: str) -> str:
    """A memory or SQLite store filled by :func:`seed`."""
    seed(StoreConfig(url=store_url))
    return store_url
