"""export and import: JSON Lines, lossless between backends, conflicts and bad lines reported."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from agent_data_store import Record, StoreConfig, open_backend
from agent_data_store.admin import cli as cli_module
from tests.admin.conftest import (
    HANDCRAFTED,
    SEEDED_COUNTS,
    Cli,
    documents,
    seed,
    unique_memory_url,
)


def lines_of(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines()]


def test_export_writes_one_document_per_line(cli: Cli, seeded_url: str) -> None:
    result = cli("--store", seeded_url, "export")
    assert result.code == 0
    exported = sorted(lines_of(result.out), key=lambda d: str(d["_id"]))
    assert exported == documents(StoreConfig(url=seeded_url))
    assert f"exported {sum(SEEDED_COUNTS.values())} records" in result.err


def test_export_uses_the_documented_camel_case_shape(cli: Cli, seeded_url: str) -> None:
    first = lines_of(cli("--store", seeded_url, "export", "--user", "carol").out)[0]
    assert set(first) == {"_id", "userId", "namespace", "key", "value", "metadata",
                          "createdByAgent", "lastAccessedByAgent", "accessCount", "createdAt",
                          "updatedAt", "lastAccessedAt", "version", "expiresAt"}


def test_export_of_a_user_and_a_namespace(cli: Cli, seeded_url: str) -> None:
    by_user = lines_of(cli("--store", seeded_url, "export", "--user", "alice").out)
    assert {d["userId"] for d in by_user} == {"alice"} and len(by_user) == 4
    notes = lines_of(cli("--store", seeded_url, "export", "--user", "alice",
                         "--namespace", "notes").out)
    assert {(d["userId"], d["namespace"]) for d in notes} == {("alice", "notes")}
    assert len(notes) == 3
    everyone = lines_of(cli("--store", seeded_url, "export", "--namespace", "default").out)
    assert {d["userId"] for d in everyone} == {"alice", "carol"}


def test_export_to_a_file(cli: Cli, seeded_url: str, tmp_path: Path) -> None:
    target = tmp_path / "dump.jsonl"
    result = cli("--store", seeded_url, "--json", "export", "-o", str(target))
    assert result.code == 0
    assert result.json() == {"exported": sum(SEEDED_COUNTS.values()), "file": str(target)}
    assert len(target.read_text(encoding="utf-8").splitlines()) == sum(SEEDED_COUNTS.values())
    assert not list(tmp_path.glob("*.partial"))


def test_export_then_import_into_another_backend_keeps_every_field(
    cli: Cli, seeded_url: str, other_url: str, tmp_path: Path
) -> None:
    dump = tmp_path / "dump.jsonl"
    assert cli("--store", seeded_url, "export", "-o", str(dump)).code == 0
    result = cli("--store", other_url, "--json", "import", str(dump))
    assert result.code == 0, result.err
    assert result.json()["imported"] == sum(SEEDED_COUNTS.values())
    source, target = StoreConfig(url=seeded_url), StoreConfig(url=other_url)
    assert documents(target) == documents(source)
    # value_json is re-serialised the way the store writes it, so sizes match too.
    assert cli("--store", other_url, "--json", "stats").json() == \
        cli("--store", seeded_url, "--json", "stats").json()


def test_import_reports_conflicts_and_keeps_stored_records(
    cli: Cli, seeded_url: str, tmp_path: Path
) -> None:
    changed = [{**r.to_document(), "value": "from the dump", "accessCount": 99}
               for r in HANDCRAFTED]
    dump = tmp_path / "dump.jsonl"
    dump.write_text("".join(json.dumps(d) + "\n" for d in changed), encoding="utf-8")
    before = documents(StoreConfig(url=seeded_url))
    result = cli("--store", seeded_url, "--json", "import", str(dump))
    assert result.code == 1
    report = result.json()
    assert (report["imported"], report["conflicts"]) == (0, 2)
    assert sorted(report["conflictIds"]) == sorted(r.id for r in HANDCRAFTED)
    assert HANDCRAFTED[0].id in result.err
    assert documents(StoreConfig(url=seeded_url)) == before


def test_import_with_overwrite_replaces_existing_records(
    cli: Cli, seeded_url: str, tmp_path: Path
) -> None:
    changed = {**HANDCRAFTED[1].to_document(), "value": [1, 2], "accessCount": 99}
    dump = tmp_path / "dump.jsonl"
    dump.write_text(json.dumps(changed) + "\n", encoding="utf-8")
    result = cli("--store", seeded_url, "import", "--overwrite", str(dump))
    assert result.code == 0
    stored = [d for d in documents(StoreConfig(url=seeded_url), "carol") if d["key"] == "empty"]
    assert stored == [changed]


def test_import_reports_bad_lines_by_number_and_imports_the_rest(
    cli: Cli, store_url: str, tmp_path: Path
) -> None:
    good = HANDCRAFTED[0].to_document()
    bad_lines = [
        "not json",
        json.dumps({**good, "key": ""}),
        json.dumps({**good, "userId": "a:b"}),
        json.dumps({**good, "accessCount": -1}),
        json.dumps({**good, "accessCount": "3"}),
        json.dumps({**good, "createdAt": "yesterday"}),
        json.dumps({**good, "surprise": 1}),
        json.dumps({**good, "metadata": ["not", "an", "object"]}),
        json.dumps(good).replace('2.5', 'NaN'),
        "[1, 2]",
    ]
    dump = tmp_path / "dump.jsonl"
    dump.write_bytes(("\n".join([json.dumps(good), *bad_lines, ""]) + "\n").encode()
                     + b"\xff\xfe\n")
    result = cli("--store", store_url, "--json", "import", str(dump))
    assert result.code == 1
    report = result.json()
    assert report["imported"] == 1
    assert report["invalid"] == len(bad_lines) + 1
    numbers = [entry["line"] for entry in report["invalidLines"]]
    assert numbers == [*range(2, 2 + len(bad_lines)), len(bad_lines) + 3]
    messages = {entry["line"]: entry["error"] for entry in report["invalidLines"]}
    assert "key" in messages[3] and "userId" in messages[4] and "accessCount" in messages[5]
    assert "createdAt" in messages[7] and "surprise" in messages[8] and "metadata" in messages[9]
    assert "NaN" in messages[10] and "UTF-8" in messages[len(bad_lines) + 3]
    assert f"{dump}:2: invalid" in result.err
    assert len(documents(StoreConfig(url=store_url))) == 1


def test_import_refuses_values_over_the_size_limit(
    cli: Cli, store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AGENT_DATA_STORE_MAX_VALUE_BYTES", "10")
    dump = tmp_path / "dump.jsonl"
    dump.write_text(json.dumps({**HANDCRAFTED[0].to_document(), "value": "x" * 20}) + "\n")
    result = cli("--store", store_url, "--json", "import", str(dump))
    assert result.code == 1 and "limit" in result.json()["invalidLines"][0]["error"]


def test_import_from_stdin(cli: Cli, store_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    dump = "".join(json.dumps(r.to_document()) + "\n" for r in HANDCRAFTED)
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(dump.encode())))
    result = cli("--store", store_url, "import", "-")
    assert result.code == 0, result.err
    assert "imported 2 records" in result.out
    assert len(documents(StoreConfig(url=store_url))) == 2


def test_the_same_record_twice_in_one_dump_is_a_conflict(
    cli: Cli, store_url: str, tmp_path: Path
) -> None:
    line = json.dumps(HANDCRAFTED[0].to_document()) + "\n"
    dump = tmp_path / "dump.jsonl"
    dump.write_text(line + line, encoding="utf-8")
    report = cli("--store", store_url, "--json", "import", str(dump)).json()
    assert (report["imported"], report["conflicts"]) == (1, 1)


def test_import_of_a_missing_file_fails_cleanly(cli: Cli, store_url: str, tmp_path: Path) -> None:
    result = cli("--store", store_url, "import", str(tmp_path / "missing.jsonl"))
    assert result.code == 1
    assert "missing.jsonl" in result.err and "Traceback" not in result.err


# -- streaming ------------------------------------------------------------------------------


def many_records(count: int) -> list[Record]:
    return [
        Record(user_id=f"u{i % 7}", namespace=f"ns{i % 3}", key=f"k{i}", value_json=str(i),
               metadata={}, created_by_agent="a", last_accessed_by_agent="a", access_count=i,
               created_at="2026-01-01T00:00:00Z", updated_at="2026-01-01T00:00:00Z",
               last_accessed_at="2026-01-01T00:00:00Z")
        for i in range(count)
    ]


def test_export_writes_each_page_before_reading_the_next(
    memory_url: str, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = StoreConfig(url=memory_url, page_size=50)
    backend = open_backend(config)
    backend.import_records(many_records(420), overwrite=False)
    real_iter_all = backend.iter_all
    written: list[str] = []
    pages_requested = 0

    def lazy_iter_all(user_id: str | None = None) -> Iterator[list[Record]]:
        nonlocal pages_requested
        for page in real_iter_all(user_id):
            # Everything from earlier pages is already on stdout when the next is fetched.
            written.extend(capsys.readouterr().out.splitlines())
            assert len(written) == pages_requested * 50
            pages_requested += 1
            yield page

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("export must only stream iter_all pages")

    monkeypatch.setattr(backend, "iter_all", lazy_iter_all)
    for name in ("iter_records", "get_many", "list_namespaces"):
        monkeypatch.setattr(backend, name, refuse)
    monkeypatch.setattr(cli_module, "open_backend", lambda config: backend)
    assert cli_module.main(["--store", memory_url, "export"]) == 0
    written.extend(capsys.readouterr().out.splitlines())
    assert pages_requested == 9
    assert len(written) == 420


def test_import_reads_lazily_and_writes_in_batches(
    cli: Cli, memory_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = [json.dumps(r.to_document()).encode() + b"\n" for r in many_records(25)]
    consumed = 0

    class LineSource(io.RawIOBase):
        def __iter__(self) -> Iterator[bytes]:  # type: ignore[override]
            nonlocal consumed
            for line in lines:
                consumed += 1
                yield line

    class Stdin:
        buffer = LineSource()

        def isatty(self) -> bool:
            return False

    backend = open_backend(StoreConfig(url=memory_url))
    real_import = backend.import_records
    batches: list[tuple[int, int]] = []

    def spy(records: list[Record], *, overwrite: bool) -> list[str]:
        batches.append((len(records), consumed))
        return real_import(records, overwrite=overwrite)

    monkeypatch.setattr(backend, "import_records", spy)
    monkeypatch.setattr(cli_module, "open_backend", lambda config: backend)
    monkeypatch.setattr("sys.stdin", Stdin())
    result = cli("--store", memory_url, "import", "--batch-size", "10", "-")
    assert result.code == 0, result.err
    assert batches == [(10, 10), (10, 20), (5, 25)]


def test_roundtrip_memory_to_sqlite_and_back(cli: Cli, tmp_path: Path) -> None:
    memory, back = unique_memory_url(), unique_memory_url()
    sqlite = f"sqlite:///{tmp_path / 'x.db'}"
    seed(StoreConfig(url=memory))
    first, second = tmp_path / "1.jsonl", tmp_path / "2.jsonl"
    assert cli("--store", memory, "export", "-o", str(first)).code == 0
    assert cli("--store", sqlite, "import", str(first)).code == 0
    assert cli("--store", sqlite, "export", "-o", str(second)).code == 0
    assert cli("--store", back, "import", str(second)).code == 0
    assert documents(StoreConfig(url=back)) == documents(StoreConfig(url=memory))
