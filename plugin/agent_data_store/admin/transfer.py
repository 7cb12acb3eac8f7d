"""Export and import: JSON Lines of record documents, streamed in both directions.

One line per record, :meth:`Record.to_document` as compact UTF-8 JSON. Export writes each
page as soon as the backend yields it; import reads a line at a time and writes batches with
:meth:`Backend.import_records`. Neither keeps more than one page or batch in memory, so both
work for any number of records, and a dump of one backend imports into any other with every
field unchanged (tracking fields and timestamps included).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from agent_data_store.admin.record_document import InvalidLineError, parse_line
from agent_data_store.backends.base import Backend
from agent_data_store.records import Record
from sandbox_host.terminal import escape_json

SAMPLE_LIMIT = 100
"""How many conflict IDs and bad lines an import report keeps (all are counted and streamed
to the callbacks; the report only keeps a bounded sample)."""


def document_line(record: Record) -> str:
    """The export line of ``record``, newline included."""
    # escape_json: the same JSON, but C1 controls, bidi marks and lone surrogates as \u
    # escapes, so a dump is valid UTF-8 and safe to look at in a terminal.
    text = json.dumps(record.to_document(), ensure_ascii=False, separators=(",", ":"))
    return escape_json(text) + "\n"


def export_records(
    pages: Iterable[Sequence[Record]],
    out: IO[str],
    on_page: Callable[[int], None] | None = None,
) -> int:
    """Write every record of ``pages`` to ``out`` as JSON Lines; return how many.

    Each page is written before the next is requested, so only one page is ever held.
    """
    count = 0
    for page in pages:
        out.write("".join(document_line(record) for record in page))
        count += len(page)
        if on_page is not None:
            on_page(len(page))
    return count


@dataclass(slots=True)
class ImportReport:
    """What an import did: counts, plus the first :data:`SAMPLE_LIMIT` problems of each kind."""

    imported: int = 0
    conflicts: int = 0
    invalid: int = 0
    conflict_ids: list[str] = field(default_factory=list)
    invalid_lines: list[tuple[int, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every line was imported."""
        return not self.conflicts and not self.invalid

    def to_json(self) -> dict[str, Any]:
        """The report as a JSON object for ``--json``."""
        return {
            "imported": self.imported,
            "conflicts": self.conflicts,
            "invalid": self.invalid,
            "conflictIds": self.conflict_ids,
            "invalidLines": [{"line": n, "error": e} for n, e in self.invalid_lines],
            "truncated": self.conflicts > len(self.conflict_ids)
            or self.invalid > len(self.invalid_lines),
        }


class RecordImporter:
    """Validates lines and writes them to a backend in batches.

    ``on_conflict(record_id)`` and ``on_invalid(line_number, message)`` hear about every
    problem as it is found, so a caller can report all of them without the importer keeping
    them.
    """

    def __init__(
        self,
        backend: Backend,
        *,
        overwrite: bool,
        batch_size: int,
        max_value_bytes: int,
        on_conflict: Callable[[str], None] = lambda record_id: None,
        on_invalid: Callable[[int, str], None] = lambda line, message: None,
    ) -> None:
        self._backend = backend
        self._overwrite = overwrite
        self._batch_size = batch_size
        self._max_value_bytes = max_value_bytes
        self._on_conflict = on_conflict
        self._on_invalid = on_invalid
        self._batch: list[Record] = []
        self._batch_ids: set[str] = set()
        self.report = ImportReport()

    def add_line(self, number: int, raw: bytes) -> None:
        """Validate line ``number`` of the dump and queue its record (blank lines are skipped)."""
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            self._invalid(number, f"not UTF-8: {exc.reason} at byte {exc.start}")
            return
        if not text.strip():
            return
        try:
            record = parse_line(text, self._max_value_bytes)
        except InvalidLineError as exc:
            self._invalid(number, str(exc))
            return
        # A repeated ID in one batch would be decided inside the backend's bulk call, where
        # conflicts are not reported the same way everywhere; flushing first makes the
        # second copy an ordinary conflict (or overwrite) on every backend.
        if record.id in self._batch_ids:
            self.flush()
        self._batch.append(record)
        self._batch_ids.add(record.id)
        if len(self._batch) >= self._batch_size:
            self.flush()

    def flush(self) -> None:
        """Write the queued batch with one bulk :meth:`Backend.import_records` call."""
        if not self._batch:
            return
        batch, self._batch, self._batch_ids = self._batch, [], set()
        conflicts = self._backend.import_records(batch, overwrite=self._overwrite)
        report = self.report
        report.imported += len(batch) - len(conflicts)
        report.conflicts += len(conflicts)
        for record_id in conflicts:
            if len(report.conflict_ids) < SAMPLE_LIMIT:
                report.conflict_ids.append(record_id)
            self._on_conflict(record_id)

    def _invalid(self, number: int, message: str) -> None:
        self.report.invalid += 1
        if len(self.report.invalid_lines) < SAMPLE_LIMIT:
            self.report.invalid_lines.append((number, message))
        self._on_invalid(number, message)


def import_lines(
    lines: Iterable[bytes],
    importer: RecordImporter,
    on_line: Callable[[int], None] | None = None,
) -> ImportReport:
    """Feed the dump's raw lines to ``importer`` one at a time; return its report.

    ``on_line(byte_count)`` is called after each line, for progress.
    """
    for number, raw in enumerate(lines, start=1):
        importer.add_line(number, raw)
        if on_line is not None:
            on_line(len(raw))
    importer.flush()
    return importer.report
