"""Operator side of expiry: sweep, and expiresAt in show, export and import."""

from __future__ import annotations

import json
import time
from pathlib import Path

from agent_data_store import StoreConfig, open_backend
from agent_data_store.records import precise_now
from agent_data_store.store import DataStore
from agent_data_store.tracking import RunState
from tests.admin.conftest import Cli, documents

SHORT_TTL = 0.25


def _fill(url: str) -> None:
    """alice: two keys that expire soon, one much later, one never."""
    config = StoreConfig(url=url)
    backend = open_backend(config)
    try:
        store = DataStore(lambda: backend, config, "alice", "cache", RunState("cache"))
        store.set_many({"soon-1": 1, "soon-2": 2}, ttl=SHORT_TTL)
        store.set("later", 3, ttl=3600)
        store.set("never", 4)
    finally:
        backend.close()
    time.sleep(SHORT_TTL + 0.05)


def test_sweep_removes_the_expired_records_and_says_how_many(cli: Cli, store_url: str) -> None:
    _fill(store_url)
    result = cli("--store", store_url, "sweep", "--batch-size", "1")
    assert result.code == 0, result.err
    assert result.out.strip() == "removed 2 expired records"
    assert cli("--store", store_url, "--json", "sweep").json() == {"removed": 0}
    assert [d["key"] for d in documents(StoreConfig(url=store_url))] == ["later", "never"]


def test_show_and_export_include_the_expiry(cli: Cli, store_url: str) -> None:
    _fill(store_url)
    shown = cli("--store", store_url, "--json", "show", "--user", "alice",
                "--namespace", "default", "later").json()
    assert shown["expiresAt"] > precise_now()
    never = cli("--store", store_url, "--json", "show", "--user", "alice",
                "--namespace", "default", "never").json()
    assert never["expiresAt"] is None
    gone = cli("--store", store_url, "show", "--user", "alice", "--namespace", "default",
               "soon-1")
    assert gone.code == 1
    exported = [json.loads(line) for line in
                cli("--store", store_url, "export", "--user", "alice").out.splitlines()]
    assert {d["key"]: d["expiresAt"] is None for d in exported} == {"later": False,
                                                                    "never": True}


def test_import_keeps_the_expiry_and_normalises_its_form(
    cli: Cli, store_url: str, tmp_path: Path
) -> None:
    _fill(store_url)
    dump = tmp_path / "dump.jsonl"
    lines = cli("--store", store_url, "export", "--user", "alice").out.splitlines()
    line = json.loads(lines[0])
    line["key"], line["_id"] = "second-form", None
    line["expiresAt"] = "2999-01-01T00:00:00Z"
    dump.write_text("\n".join([*lines, json.dumps({k: v for k, v in line.items()
                                                   if v is not None})]) + "\n")
    target = f"sqlite:///{tmp_path / 'copy.db'}"
    assert cli("--store", target, "import", str(dump)).code == 0
    copied = {d["key"]: d["expiresAt"] for d in documents(StoreConfig(url=target))}
    original = {d["key"]: d["expiresAt"] for d in documents(StoreConfig(url=store_url))}
    assert copied == {**original, "second-form": "2999-01-01T00:00:00.000Z"}


def test_import_refuses_an_expiry_that_is_not_a_utc_timestamp(
    cli: Cli, store_url: str, tmp_path: Path
) -> None:
    _fill(store_url)
    line = json.loads(cli("--store", store_url, "export", "--user", "alice").out.splitlines()[0])
    line["expiresAt"] = "tomorrow"
    dump = tmp_path / "bad.jsonl"
    dump.write_text(json.dumps(line) + "\n")
    result = cli("--store", f"sqlite:///{tmp_path / 'copy.db'}", "import", str(dump))
    assert result.code == 1 and "expiresAt" in result.err
