"""export, import and erase-user on every backend, including the server backends.

Parametrised over ``store_config`` from ``tests/conftest.py``, so every backend fixture in
``tests/servers/`` is picked up without changes here.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent_data_store import ConfigurationError, StoreConfig, open_backend
from tests.admin.conftest import SEEDED_COUNTS, Cli, documents, seed, unique_memory_url


def shared(config: StoreConfig) -> StoreConfig:
    """The configuration the CLI can reach: a private ``memory://`` becomes a named one."""
    if config.url == "memory://":
        return config.model_copy(update={"url": unique_memory_url()})
    return config


def store_args(config: StoreConfig) -> list[str]:
    return ["--store", config.url, "--table", config.table]


def test_export_import_and_erase_on_every_backend(
    cli: Cli, store_config: StoreConfig, tmp_path: Path
) -> None:
    config = shared(store_config)
    seed(config)
    original = documents(config)
    assert len(original) == sum(SEEDED_COUNTS.values())
    dump = tmp_path / "dump.jsonl"
    assert cli(*store_args(config), "export", "-o", str(dump)).code == 0

    # Lossless into another backend.
    copy = StoreConfig(url=unique_memory_url())
    assert cli(*store_args(copy), "import", str(dump)).code == 0
    assert documents(copy) == original

    # Importing again reports every record as a conflict and changes nothing.
    again = cli(*store_args(config), "--json", "import", str(dump))
    assert again.code == 1
    assert again.json()["conflicts"] == len(original)
    assert documents(config) == original

    # Erasure removes one user and nobody else.
    others = [d for d in original if d["userId"] != "alice"]
    erased = cli(*store_args(config), "--json", "erase-user", "alice", "--yes")
    assert erased.code == 0 and erased.json()["records"] == SEEDED_COUNTS["alice"]
    assert documents(config) == others

    # Restoring from the dump brings alice back exactly, reporting the others as conflicts.
    restored = cli(*store_args(config), "--json", "import", str(dump))
    assert restored.json()["imported"] == SEEDED_COUNTS["alice"]
    assert documents(config) == original


def test_import_from_memory_into_every_backend(
    cli: Cli, store_config: StoreConfig, tmp_path: Path
) -> None:
    source = StoreConfig(url=unique_memory_url())
    seed(source)
    dump = tmp_path / "dump.jsonl"
    assert cli(*store_args(source), "export", "-o", str(dump)).code == 0
    target = shared(store_config)
    result = cli(*store_args(target), "--json", "import", "--batch-size", "3", str(dump))
    assert result.code == 0, result.err
    assert documents(target) == documents(source)
    stats = cli(*store_args(target), "--json", "stats").json()
    assert stats == cli(*store_args(source), "--json", "stats").json()
    assert json.loads(dump.read_text(encoding="utf-8").splitlines()[0])["_id"]


READ_ONLY_COMMANDS = [
    ["stats"], ["users"], ["namespaces", "--user", "alice"],
    ["keys", "--user", "alice", "--namespace", "notes"],
    ["show", "--user", "alice", "--namespace", "notes", "todo/1"], ["export"],
    ["top-accessed"], ["largest"], ["recent"],
]


def test_commands_that_only_read_create_no_store_on_every_backend(
    cli: Cli, store_config: StoreConfig
) -> None:
    config = shared(store_config)
    # memory and Firestore have nothing to create: a collection exists once it holds a record.
    creates_storage = config.parts.scheme in ("sqlite", "couchdb", "dynamodb")
    for command in READ_ONLY_COMMANDS:
        result = cli(*store_args(config), *command)
        if creates_storage:
            assert result.code == 2, (command, result.err)
            assert "(nothing was created)" in result.err and result.err.count("\n") == 1
        else:
            assert result.code in (0, 1), result.err
    if creates_storage:
        with pytest.raises(ConfigurationError, match="nothing was created"):
            open_backend(config.model_copy(update={"create_missing": False}))
    assert documents(config) == []
