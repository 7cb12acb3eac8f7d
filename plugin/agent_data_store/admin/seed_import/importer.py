"""The copy of a seed source into a store: page by page, resumable, idempotent, verified.

For each page of the source: convert its documents (those that cannot be converted are
reported with the reason and skipped), write the records with the target's bulk
:meth:`~agent_data_store.backends.base.Backend.import_records`, compare any record the
target already had with the one read (identical: nothing to do; different: kept, unless
``overwrite``), then save the checkpoint. Memory holds one page plus a counter per
``(user, namespace)``. At the end every namespace the source named is counted in the
target and compared with what the source had.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from agent_data_store.admin.seed_import.checkpoint import Checkpoint
from agent_data_store.admin.seed_import.documents import ConversionError, convert
from agent_data_store.admin.seed_import.sources import Cursor, SeedSource, SourcePage
from agent_data_store.backends.base import Backend
from agent_data_store.records import Record

SAMPLE_LIMIT = 100
"""How many problems of each kind the report keeps (all are counted and heard by callbacks)."""


@dataclass(slots=True)
class ImportState:
    """Everything an import has done so far: what a checkpoint saves and the report shows."""

    cursor: Cursor = None
    complete: bool = False
    read: int = 0
    pages: int = 0
    imported: int = 0
    identical: int = 0
    different: int = 0
    unconvertible: int = 0
    unconvertible_sample: list[tuple[str, str]] = field(default_factory=list)
    different_sample: list[str] = field(default_factory=list)
    ignored_fields: Counter[str] = field(default_factory=Counter)
    per_namespace: Counter[tuple[str, str]] = field(default_factory=Counter)
    """Records read from the source, by ``(user, namespace)``."""

    def to_json(self) -> dict[str, Any]:
        """The state as JSON, for the checkpoint."""
        return {
            "cursor": self.cursor, "complete": self.complete, "read": self.read,
            "pages": self.pages, "imported": self.imported, "identical": self.identical,
            "different": self.different, "unconvertible": self.unconvertible,
            "unconvertibleSample": [list(pair) for pair in self.unconvertible_sample],
            "differentSample": self.different_sample,
            "ignoredFields": dict(self.ignored_fields),
            "perNamespace": [[u, n, c] for (u, n), c in self.per_namespace.items()],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ImportState:
        """Invert :meth:`to_json`."""
        return cls(
            cursor=data["cursor"], complete=data["complete"], read=data["read"],
            pages=data["pages"], imported=data["imported"], identical=data["identical"],
            different=data["different"], unconvertible=data["unconvertible"],
            unconvertible_sample=[(i, r) for i, r in data["unconvertibleSample"]],
            different_sample=list(data["differentSample"]),
            ignored_fields=Counter(data["ignoredFields"]),
            per_namespace=Counter({(u, n): c for u, n, c in data["perNamespace"]}),
        )


@dataclass(frozen=True, slots=True)
class NamespaceCheck:
    """One namespace of the verification: records in the source and in the target."""

    user_id: str
    namespace: str
    source: int
    target: int

    @property
    def ok(self) -> bool:
        """The target has at least every record the source had (it may hold others too)."""
        return self.target >= self.source


class SeedImport:
    """Copies one seed source into one backend; see the module docstring.

    ``saved`` is the state of the ``checkpoint`` (``None`` to start from the beginning).
    ``on_unconvertible(doc_id, reason)`` and ``on_different(record_id)`` hear about every
    problem as it is found.
    """

    def __init__(
        self,
        source: SeedSource,
        target: Backend,
        checkpoint: Checkpoint,
        saved: dict[str, Any] | None,
        *,
        overwrite: bool,
        max_value_bytes: int,
        on_unconvertible: Callable[[str, str], None] = lambda doc_id, reason: None,
        on_different: Callable[[str], None] = lambda record_id: None,
    ) -> None:
        self._source = source
        self._target = target
        self._checkpoint = checkpoint
        self._overwrite = overwrite
        self._max_value_bytes = max_value_bytes
        self._on_unconvertible = on_unconvertible
        self._on_different = on_different
        self.resumed = saved is not None
        self.state = ImportState.from_json(saved) if saved is not None else ImportState()

    def copy(self, advance: Callable[[int], None]) -> None:
        """Read the source from where the state left off, writing and checkpointing each page."""
        state = self.state
        if state.complete:
            return
        for page in self._source.pages(state.cursor):
            self._write(page)
            state.cursor = page.cursor
            state.read += page.read
            state.pages += 1
            self._checkpoint.save(state.to_json())
            advance(page.read)
        state.complete = True
        self._checkpoint.save(state.to_json())

    def _write(self, page: SourcePage) -> None:
        state = self.state
        records: list[Record] = []
        for document in page.documents:
            try:
                conversion = convert(document, self._max_value_bytes)
            except ConversionError as exc:
                state.unconvertible += 1
                if len(state.unconvertible_sample) < SAMPLE_LIMIT:
                    state.unconvertible_sample.append((document.doc_id, str(exc)))
                self._on_unconvertible(document.doc_id, str(exc))
                continue
            records.append(conversion.record)
            state.ignored_fields.update(conversion.ignored_fields)
        for batch in _without_repeated_ids(records):
            conflicts = self._target.import_records(batch, overwrite=self._overwrite)
            state.imported += len(batch) - len(conflicts)
            if conflicts:
                self._compare(batch, set(conflicts))
        state.per_namespace.update((r.user_id, r.namespace) for r in records)

    def _compare(self, batch: Sequence[Record], conflicts: set[str]) -> None:
        """Count records the target already had as identical or different (kept as stored)."""
        by_scope: dict[tuple[str, str], list[Record]] = {}
        for record in batch:
            if record.id in conflicts:
                by_scope.setdefault((record.user_id, record.namespace), []).append(record)
        state = self.state
        for (user_id, namespace), records in by_scope.items():
            stored = self._target.get_many(user_id, namespace, [r.key for r in records])
            for record in records:
                if stored.get(record.key) == record:
                    state.identical += 1
                    continue
                state.different += 1
                if len(state.different_sample) < SAMPLE_LIMIT:
                    state.different_sample.append(record.id)
                self._on_different(record.id)

    def verify(self, advance: Callable[[int], None]) -> list[NamespaceCheck]:
        """Count the target's records of every namespace the source named (a key listing each)."""
        checks = []
        for (user_id, namespace), expected in sorted(self.state.per_namespace.items()):
            found = sum(len(page) for page in self._target.iter_keys(user_id, namespace))
            checks.append(NamespaceCheck(user_id, namespace, expected, found))
            advance(1)
        return checks

    def finish(self) -> None:
        """Forget the checkpoint: the import is complete."""
        self._checkpoint.remove()


def _without_repeated_ids(records: list[Record]) -> Iterator[list[Record]]:
    """Split ``records`` where an ID repeats, so every backend reports the repeat as a conflict."""
    batch: list[Record] = []
    ids: set[str] = set()
    for record in records:
        if record.id in ids:
            yield batch
            batch, ids = [], set()
        batch.append(record)
        ids.add(record.id)
    if batch:
        yield batch
