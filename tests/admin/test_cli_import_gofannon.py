"""import-gofannon from JSON dumps: forms, conversion, reports, idempotence, resuming, verifying.

The sources on real servers (CouchDB, DynamoDB, Firestore) are tested in
``tests/backends/test_seed_import_servers.py``; this module covers what every source shares,
through the file source.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from agent_data_store import Record, StoreConfig, open_backend
from agent_data_store.admin import cli as cli_module
from agent_data_store.admin.seed_import.checkpoint import Checkpoint
from agent_data_store.admin.seed_import.importer import SeedImport
from agent_data_store.admin.seed_import.sources import Cursor, SourceDocument, SourcePage
from tests.admin.conftest import Cli, documents
from tests.seed_documents import seed_doc, seed_documents

GOOD, EXPECTED = seed_documents()
FULL, PARTIAL = GOOD[0], GOOD[2]


@pytest.fixture(autouse=True)
def _private_state_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Default checkpoints go to a directory of the test's own."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))


def all_docs(docs: list[dict[str, Any]]) -> dict[str, Any]:
    """CouchDB's ``_all_docs?include_docs=true`` answer for ``docs``, with a design document."""
    design = {"_id": "_design/idx", "_rev": "1-x", "language": "query", "views": {}}
    rows = [{"id": d.get("_id", "?"), "key": d.get("_id", "?"), "value": {"rev": "1-abc"},
             "doc": d} for d in [design, *docs]]
    return {"total_rows": len(rows), "offset": 0, "rows": rows}


def write_all_docs(path: Path, docs: list[dict[str, Any]]) -> Path:
    # CouchDB writes one row per line; the object spans the whole file.
    answer = all_docs(docs)
    rows = ",\r\n".join(json.dumps(row, ensure_ascii=False) for row in answer["rows"])
    path.write_text(f'{{"total_rows":{answer["total_rows"]},"offset":0,"rows":[\r\n{rows}\r\n]}}\n',
                    encoding="utf-8")
    return path


def run_import(cli: Cli, target: str, *args: str) -> Any:
    result = cli("--store", target, "--json", "import-gofannon", *args)
    return result, (result.json() if result.out.strip() else None)


def test_an_all_docs_dump_imports_every_field(cli: Cli, store_url: str, tmp_path: Path) -> None:
    dump = write_all_docs(tmp_path / "all_docs.json", GOOD)
    result, report = run_import(cli, store_url, str(dump))
    assert result.code == 0, result.err
    assert (report["imported"], report["unconvertible"], report["verified"]) == (5, 0, True)
    assert report["documentsRead"] == 6  # the design document is read, not imported
    stored = {d["_id"]: d for d in documents(StoreConfig(url=store_url))}
    assert stored == EXPECTED


@pytest.mark.parametrize("form", ["array", "lines", "find"])
def test_arrays_json_lines_and_find_answers_import_alike(
    cli: Cli, store_url: str, tmp_path: Path, form: str
) -> None:
    dump = tmp_path / "dump.json"
    if form == "array":
        dump.write_text(json.dumps(GOOD, indent=2), encoding="utf-8")
    elif form == "lines":
        dump.write_text("".join(json.dumps(d) + "\n" for d in GOOD), encoding="utf-8")
    else:
        dump.write_text(json.dumps({"docs": GOOD, "bookmark": "x"}, indent=1), encoding="utf-8")
    result, report = run_import(cli, store_url, str(dump))
    assert result.code == 0, result.err
    assert report["imported"] == 5
    assert {d["_id"]: d for d in documents(StoreConfig(url=store_url))} == EXPECTED


def test_a_second_run_changes_nothing(cli: Cli, store_url: str, tmp_path: Path) -> None:
    dump = write_all_docs(tmp_path / "all_docs.json", GOOD)
    assert run_import(cli, store_url, str(dump))[0].code == 0
    before = documents(StoreConfig(url=store_url))
    result, report = run_import(cli, store_url, str(dump))
    assert result.code == 0, result.err
    assert (report["imported"], report["identical"], report["different"]) == (0, 5, 0)
    assert report["verified"] is True
    assert documents(StoreConfig(url=store_url)) == before


def test_records_that_changed_in_the_target_are_kept_unless_overwrite(
    cli: Cli, store_url: str, tmp_path: Path
) -> None:
    dump = write_all_docs(tmp_path / "all_docs.json", GOOD)
    assert run_import(cli, store_url, str(dump))[0].code == 0
    backend = open_backend(StoreConfig(url=store_url))
    try:
        changed = Record.from_document({**EXPECTED[FULL["_id"]], "accessCount": 99})
        backend.import_records([changed], overwrite=True)
    finally:
        backend.close()
    result, report = run_import(cli, store_url, str(dump))
    assert result.code == 1
    assert (report["identical"], report["different"]) == (4, 1)
    assert report["differentIds"] == [FULL["_id"]]
    assert f"different: {FULL['_id']}" in result.err
    assert {d["_id"]: d for d in documents(StoreConfig(url=store_url))}[FULL["_id"]][
        "accessCount"] == 99
    result, report = run_import(cli, store_url, "--overwrite", str(dump))
    assert result.code == 0, result.err
    assert {d["_id"]: d for d in documents(StoreConfig(url=store_url))} == EXPECTED


def test_documents_that_cannot_be_converted_are_each_reported_with_the_reason(
    cli: Cli, store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AGENT_DATA_STORE_MAX_VALUE_BYTES", "1000")
    bad = {
        "no-value": {k: v for k, v in seed_doc("u", "default", "a", 1).items() if k != "value"},
        "bad-user": seed_doc("u:x", "default", "b", 1),
        "bad-time": seed_doc("u", "default", "c", 1, createdAt="last tuesday"),
        "no-time": {k: v for k, v in seed_doc("u", "default", "d", 1).items()
                    if k not in ("createdAt", "updatedAt")},
        "too-big": seed_doc("u", "default", "e", "x" * 2000),
        "bad-metadata": seed_doc("u", "default", "f", 1, metadata=["not", "an", "object"]),
        "empty-key": seed_doc("u", "default", "", 1),
    }
    dump = write_all_docs(tmp_path / "all_docs.json", [FULL, *bad.values()])
    result, report = run_import(cli, store_url, str(dump))
    assert result.code == 1
    assert (report["imported"], report["unconvertible"], report["verified"]) == (1, 7, True)
    reasons = {entry["id"]: entry["reason"] for entry in report["unconvertibleDocuments"]}
    assert set(reasons) == {d["_id"] for d in bad.values()}
    by_name = {name: reasons[doc["_id"]] for name, doc in bad.items()}
    assert by_name["no-value"] == "missing value"
    assert "userId" in by_name["bad-user"] and "createdAt" in by_name["bad-time"]
    assert "missing createdAt, updatedAt, lastAccessedAt" in by_name["no-time"]
    assert "limit" in by_name["too-big"] and "metadata" in by_name["bad-metadata"]
    assert "key" in by_name["empty-key"]
    for doc_id, reason in reasons.items():
        assert f"not imported: {doc_id}: {reason}" in result.err
    assert len(documents(StoreConfig(url=store_url))) == 1


def test_rows_without_documents_and_bad_lines_are_reported(
    cli: Cli, store_url: str, tmp_path: Path
) -> None:
    no_docs = tmp_path / "no_docs.json"
    no_docs.write_text(json.dumps({"rows": [{"id": FULL["_id"], "value": {"rev": "1-a"}}]}))
    result, report = run_import(cli, store_url, str(no_docs))
    assert result.code == 1
    assert "include_docs=true" in report["unconvertibleDocuments"][0]["reason"]
    lines = tmp_path / "lines.jsonl"
    lines.write_text(json.dumps(FULL) + "\nnot json\n[1]\n", encoding="utf-8")
    result, report = run_import(cli, store_url, str(lines))
    assert result.code == 1 and report["imported"] == 1
    assert [e["id"] for e in report["unconvertibleDocuments"]] == ["lines.jsonl:2", "lines.jsonl:3"]


def test_fields_outside_the_layout_are_left_out_and_reported(
    cli: Cli, store_url: str, tmp_path: Path
) -> None:
    dump = write_all_docs(tmp_path / "all_docs.json", [{**FULL, "ttl": 60, "tags": ["a"]}])
    result, report = run_import(cli, store_url, str(dump))
    assert result.code == 0, result.err
    assert report["ignoredFields"] == {"tags": 1, "ttl": 1}
    assert "ignored the field 'ttl' of 1 document:" in result.err
    assert documents(StoreConfig(url=store_url)) == [EXPECTED[FULL["_id"]]]


def test_the_text_report_lists_counts_and_namespaces(
    cli: Cli, sqlite_url: str, tmp_path: Path
) -> None:
    dump = write_all_docs(tmp_path / "all_docs.json", GOOD)
    result = cli("--store", sqlite_url, "import-gofannon", str(dump))
    assert result.code == 0, result.err
    assert result.out.startswith(f"imported 5 records from file {dump} (6 documents read")
    assert "files:my-repo" in result.out and "notes/2026: Q1" in result.out
    assert "verified: the target holds every record of the 4 namespace(s) of 2 user(s)" in (
        result.out)


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("sqlite:///x.db", "export"),
        ("memory://", "export"),
        ("ftp://host/x", "unknown source scheme"),
        ("no/such/file.json", "no such file"),
    ],
)
def test_sources_that_are_not_seed_stores_are_usage_errors(
    cli: Cli, memory_url: str, source: str, message: str
) -> None:
    result = cli("--store", memory_url, "import-gofannon", source)
    assert result.code == 2
    assert message in result.err and "Traceback" not in result.err


def test_a_file_that_is_not_a_dump_is_one_line_error(
    cli: Cli, memory_url: str, tmp_path: Path
) -> None:
    for text in ('"just a string"', '{"total_rows": 1}', '{"rows": [{"id": "a", "doc": {'):
        dump = tmp_path / "bad.json"
        dump.write_text(text, encoding="utf-8")
        result = cli("--store", memory_url, "import-gofannon", str(dump))
        assert result.code == 1, text
        assert len(result.err.strip().splitlines()) == 1 and "Traceback" not in result.err


# -- resuming ---------------------------------------------------------------------------------


def many_docs(count: int) -> list[dict[str, Any]]:
    return [seed_doc(f"user{i % 3}", f"ns{i % 4}", f"key/{i}", {"i": i, "half": i / 2})
            for i in range(count)]


def interrupt_at_batch(
    number: int, url: str, monkeypatch: pytest.MonkeyPatch
) -> Callable[[], None]:
    """Make the CLI's store raise Ctrl-C at its ``number``-th bulk import; return the undo."""
    backend = open_backend(StoreConfig(url=url))
    real_import = backend.import_records
    calls: list[int] = []

    def interrupt(records: list[Record], *, overwrite: bool) -> list[str]:
        calls.append(len(records))
        if len(calls) == number:
            raise KeyboardInterrupt
        return real_import(records, overwrite=overwrite)

    monkeypatch.setattr(backend, "import_records", interrupt)
    monkeypatch.setattr(cli_module, "open_backend", lambda config: backend)
    return lambda: monkeypatch.setattr(backend, "import_records", real_import)


def test_an_interrupted_import_resumes_after_the_last_page_written(
    cli: Cli, memory_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dump = write_all_docs(tmp_path / "all_docs.json", many_docs(45))
    resume = interrupt_at_batch(3, memory_url, monkeypatch)
    result = cli("--store", memory_url, "import-gofannon", "--page-size", "10", str(dump))
    assert result.code == 130
    assert "run the same command again to resume" in result.err
    assert len(documents(StoreConfig(url=memory_url))) == 19  # 9 + 10: design doc on page 1

    resume()
    result, report = run_import(cli, memory_url, "--page-size", "10", str(dump))
    assert result.code == 0, result.err
    assert "resuming from" in result.err and "20 documents done" in result.err
    assert report["resumed"] is True
    assert (report["imported"], report["identical"], report["documentsRead"]) == (45, 0, 46)
    assert report["verified"] is True
    assert len(documents(StoreConfig(url=memory_url))) == 45
    assert not list((tmp_path / "state").rglob("*.json")), "a finished import keeps no checkpoint"


def test_a_checkpoint_of_a_changed_file_is_refused_until_restart(
    cli: Cli, memory_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dump = write_all_docs(tmp_path / "all_docs.json", many_docs(30))
    checkpoint = tmp_path / "progress.json"
    resume = interrupt_at_batch(2, memory_url, monkeypatch)
    args = ["import-gofannon", "--page-size", "10", "--checkpoint", str(checkpoint), str(dump)]
    assert cli("--store", memory_url, *args).code == 130
    assert checkpoint.exists()
    write_all_docs(dump, many_docs(31))
    resume()
    refused = cli("--store", memory_url, *args)
    assert refused.code == 2 and "--restart" in refused.err
    result, report = run_import(cli, memory_url, *args[1:], "--restart")
    assert result.code == 0, result.err
    assert report["imported"] + report["identical"] == 31 and not checkpoint.exists()


# -- streaming and verification ---------------------------------------------------------------


class ListSource:
    """A source over a list, recording when each page is requested."""

    description = identity = "list"

    def __init__(self, docs: list[dict[str, Any]], page_size: int) -> None:
        self.docs, self.page_size = docs, page_size
        self.requested: list[int] = []

    def total(self) -> int:
        return len(self.docs)

    def pages(self, after: Cursor) -> Iterator[SourcePage]:
        start = after if isinstance(after, int) else 0
        for offset in range(start, len(self.docs), self.page_size):
            self.requested.append(offset)
            chunk = self.docs[offset : offset + self.page_size]
            yield SourcePage([SourceDocument(d["_id"], d) for d in chunk],
                             offset + len(chunk), len(chunk))

    def close(self) -> None:
        pass


def test_each_page_is_written_before_the_next_is_read(memory_url: str, tmp_path: Path) -> None:
    source = ListSource(many_docs(95), page_size=20)
    backend = open_backend(StoreConfig(url=memory_url))
    real_import = backend.import_records
    written_before_request: list[tuple[int, int]] = []

    def spy(records: list[Record], *, overwrite: bool) -> list[str]:
        written_before_request.append((len(source.requested), len(records)))
        return real_import(records, overwrite=overwrite)

    backend.import_records = spy  # type: ignore[method-assign]
    job = SeedImport(source, backend, Checkpoint(tmp_path / "c.json", "list", "t"), None,
                     overwrite=False, max_value_bytes=1 << 20)
    job.copy(lambda n: None)
    # The n-th write happens while only n pages have been requested.
    assert written_before_request == [(1, 20), (2, 20), (3, 20), (4, 20), (5, 15)]
    assert job.state.pages == 5 and job.state.imported == 95


def test_verification_names_the_namespaces_that_lost_records(
    cli: Cli, memory_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dump = write_all_docs(tmp_path / "all_docs.json", GOOD)
    backend = open_backend(StoreConfig(url=memory_url))
    real_import = backend.import_records

    def lose_partial(records: list[Record], *, overwrite: bool) -> list[str]:
        return real_import([r for r in records if r.key != "partial"], overwrite=overwrite)

    monkeypatch.setattr(backend, "import_records", lose_partial)
    monkeypatch.setattr(cli_module, "open_backend", lambda config: backend)
    result = cli("--store", memory_url, "import-gofannon", str(dump))
    assert result.code == 1
    assert "verification failed: 1 namespace(s)" in result.err
    assert "Namespaces missing records" in result.out and "user_2" in result.out
