"""import reads records in the form of the seed runtime's schema.md, not only its own exports.

Optional fields may be absent, timestamps may lack a zone (read as UTC), and ``_id`` and
``_rev`` are ignored; the module docstring of ``record_document`` has the rules.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from agent_data_store import StoreConfig
from agent_data_store.admin.record_document import UNKNOWN_AGENT, InvalidLineError, parse_line
from tests.admin.conftest import Cli, documents

SCHEMA_EXAMPLES: list[dict[str, Any]] = [
    {
        "_id": "user_123:default:Z3JlZXRpbmc=",
        "userId": "user_123", "namespace": "default", "key": "greeting",
        "value": "Hello, World!", "createdByAgent": "hello-agent", "accessCount": 1,
        "createdAt": "2026-02-05T10:00:00Z", "updatedAt": "2026-02-05T10:00:00Z",
    },
    {
        "_id": "user_123:files:my-repo:c3JjL21haW4ucHk=",
        "userId": "user_123", "namespace": "files:my-repo", "key": "src/main.py",
        "value": {"content": "def main():\n    print('Hello')\n", "lines": 2,
                  "language": "python", "functions": ["main"]},
        "metadata": {"indexed_at": "2026-02-05T09:00:00Z", "file_size": 42, "sha256": "abc123..."},
        "createdByAgent": "repo-indexer", "lastAccessedByAgent": "code-searcher",
        "accessCount": 15, "createdAt": "2026-02-05T09:00:00Z",
        "updatedAt": "2026-02-05T09:00:00Z", "lastAccessedAt": "2026-02-05T14:30:00Z",
    },
    {
        "_id": "user_123:default:bXkta2V5", "_rev": "1-abc123def456",
        "userId": "user_123", "namespace": "default", "key": "my-key",
        "value": {"result": "analysis complete", "score": 95, "items": ["a", "b", "c"]},
        "metadata": {"version": "1.0", "source": "analyzer-agent"},
        "createdByAgent": "data-processor", "lastAccessedByAgent": "report-generator",
        "accessCount": 5, "createdAt": "2026-02-01T10:30:00Z",
        "updatedAt": "2026-02-05T14:22:00Z", "lastAccessedAt": "2026-02-05T14:22:00Z",
    },
]
"""The example documents of schema.md, as written there."""


def parse(document: dict[str, Any]) -> dict[str, Any]:
    return parse_line(json.dumps(document), 1 << 20).to_document()


def test_the_schema_examples_import_with_their_fields(
    cli: Cli, store_url: str, tmp_path: Path
) -> None:
    dump = tmp_path / "schema.jsonl"
    dump.write_text("".join(json.dumps(d) + "\n" for d in SCHEMA_EXAMPLES), encoding="utf-8")
    result = cli("--store", store_url, "--json", "import", str(dump))
    assert result.code == 0, result.err
    assert result.json()["imported"] == 3
    stored = {d["key"]: d for d in documents(StoreConfig(url=store_url))}
    greeting = stored["greeting"]
    assert greeting["_id"] == "user_123:default:Z3JlZXRpbmc="
    assert (greeting["value"], greeting["metadata"], greeting["accessCount"]) == (
        "Hello, World!", {}, 1)
    assert greeting["lastAccessedByAgent"] == "hello-agent"
    assert greeting["lastAccessedAt"] == "2026-02-05T10:00:00Z"
    for example in SCHEMA_EXAMPLES[1:]:
        kept = {**{k: v for k, v in example.items() if k != "_rev"}, "version": "0",
                "expiresAt": None}
        assert stored[example["key"]] == kept


def test_absent_agents_take_the_other_one_or_the_placeholder() -> None:
    base = {k: v for k, v in SCHEMA_EXAMPLES[2].items()
            if k not in ("createdByAgent", "lastAccessedByAgent")}
    only_reader = parse({**base, "lastAccessedByAgent": "reader"})
    assert (only_reader["createdByAgent"], only_reader["lastAccessedByAgent"]) == (
        "reader", "reader")
    neither = parse({**base, "createdByAgent": None})
    assert neither["createdByAgent"] == neither["lastAccessedByAgent"] == UNKNOWN_AGENT


def test_absent_counts_and_metadata_are_zero_and_empty() -> None:
    base = {k: v for k, v in SCHEMA_EXAMPLES[2].items() if k not in ("accessCount", "metadata")}
    parsed = parse({**base, "metadata": None})
    assert (parsed["accessCount"], parsed["metadata"]) == (0, {})


@pytest.mark.parametrize(
    ("present", "expected"),
    [
        ({"createdAt": "2026-01-01T00:00:00Z"},
         ("2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z")),
        ({"updatedAt": "2026-01-02T00:00:00Z", "lastAccessedAt": "2026-01-03T00:00:00Z"},
         ("2026-01-02T00:00:00Z", "2026-01-02T00:00:00Z", "2026-01-03T00:00:00Z")),
        ({"lastAccessedAt": "2026-01-03T00:00:00Z"},
         ("2026-01-03T00:00:00Z", "2026-01-03T00:00:00Z", "2026-01-03T00:00:00Z")),
    ],
)
def test_absent_timestamps_take_the_nearest_one_present(
    present: dict[str, str], expected: tuple[str, str, str]
) -> None:
    base = {k: v for k, v in SCHEMA_EXAMPLES[1].items()
            if k not in ("createdAt", "updatedAt", "lastAccessedAt")}
    parsed = parse({**base, **present})
    assert (parsed["createdAt"], parsed["updatedAt"], parsed["lastAccessedAt"]) == expected


def test_a_document_without_any_timestamp_is_refused() -> None:
    base = {k: v for k, v in SCHEMA_EXAMPLES[1].items()
            if k not in ("createdAt", "updatedAt", "lastAccessedAt")}
    with pytest.raises(InvalidLineError, match="missing createdAt, updatedAt, lastAccessedAt"):
        parse(base)


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        ("2026-02-05T14:22:00", "2026-02-05T14:22:00Z"),
        ("2026-02-05T14:22:00.250000", "2026-02-05T14:22:00.250000Z"),
        ("2026-02-05T16:22:00+02:00", "2026-02-05T14:22:00Z"),
        ("2026-02-05T14:22:00+00:00", "2026-02-05T14:22:00Z"),
        ("2026-02-05 14:22:00", "2026-02-05T14:22:00Z"),
        ("2026-02-05T14:22:00.5Z", "2026-02-05T14:22:00.5Z"),
        ("2026-02-05T14:22:00Z", "2026-02-05T14:22:00Z"),
    ],
)
def test_timestamps_are_stored_as_utc_text(written: str, stored: str) -> None:
    parsed = parse({**SCHEMA_EXAMPLES[0], "createdAt": written, "updatedAt": written})
    assert parsed["createdAt"] == parsed["updatedAt"] == stored


def test_id_and_rev_are_ignored_and_fill_in_missing_identity_fields() -> None:
    mismatched = parse({**SCHEMA_EXAMPLES[2], "_id": "someone:else:eA==", "_rev": "9-x"})
    assert mismatched["_id"] == "user_123:default:bXkta2V5"
    identity = ("userId", "namespace", "key")
    from_id = parse({k: v for k, v in SCHEMA_EXAMPLES[1].items() if k not in identity})
    assert (from_id["userId"], from_id["namespace"], from_id["key"]) == (
        "user_123", "files:my-repo", "src/main.py")
    unpadded = {k: v for k, v in SCHEMA_EXAMPLES[0].items() if k != "key"}
    unpadded["_id"] = "user_123:default:Z3JlZXRpbmc"
    assert parse(unpadded)["key"] == "greeting"


def test_fields_that_are_present_are_still_checked() -> None:
    with pytest.raises(InvalidLineError, match="createdByAgent"):
        parse({**SCHEMA_EXAMPLES[0], "createdByAgent": "a:b"})
    with pytest.raises(InvalidLineError, match="createdAt"):
        parse({**SCHEMA_EXAMPLES[0], "createdAt": "last tuesday"})
    with pytest.raises(InvalidLineError, match="accessCount"):
        parse({**SCHEMA_EXAMPLES[0], "accessCount": 1.5})
