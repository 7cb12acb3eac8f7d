"""Per-user quotas: how a record's size counts, and whether a write may grow a user's usage.

Backends keep each user's usage (records, bytes) as records change
(:meth:`~agent_data_store.backends.base.Backend.user_usage`). Before a write that may grow
it, the data store reads that usage -- one request -- and refuses the write if it would take
the user over a limit (:class:`~agent_data_store.errors.QuotaExceededError`, nothing
stored). Only growth is refused: deletes, and overwrites that do not grow, always pass.

The check reads usage and then writes, so writers running at the same moment can each pass
it against the same usage: a user can end above a limit by at most the growth of the writes
in flight at that moment, never more (the README gives the figures per backend).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from agent_data_store.backends.base import (
    UNLIMITED,
    UserUsage,
    metadata_bytes,
    record_bytes,
    utf8_length,
)
from agent_data_store.errors import QuotaExceededError
from agent_data_store.records import add_to_json, merge_metadata

if TYPE_CHECKING:
    from agent_data_store.backends.base import Backend
    from agent_data_store.config import StoreConfig
    from agent_data_store.records import Increment, Record, RecordWrite

@dataclass(frozen=True, slots=True)
class Growth:
    """How much a write adds to a user's usage (negative when it shrinks it)."""

    records: int
    bytes: int


@dataclass(frozen=True, slots=True)
class Limits:
    """The limits in force for one user; ``None`` is no limit."""

    records: int | None
    bytes: int | None


def limits_for(usage: UserUsage, config: StoreConfig) -> Limits:
    """The user's own limits where an operator set them, else the configured defaults."""
    return Limits(
        _pick(usage.max_records, config.quota_records), _pick(usage.max_bytes, config.quota_bytes)
    )


def _pick(override: int | None, default: int | None) -> int | None:
    if override is None:
        return default
    return None if override == UNLIMITED else override


def exceeded(usage: UserUsage, growth: Growth, limits: Limits) -> list[str]:
    """The limits ``growth`` would pass, described (empty: the write may go ahead)."""
    problems = []
    if growth.records > 0 and limits.records is not None \
            and usage.records + growth.records > limits.records:
        problems.append(f"records {usage.records} + {growth.records} > {limits.records}")
    if growth.bytes > 0 and limits.bytes is not None \
            and usage.bytes + growth.bytes > limits.bytes:
        problems.append(f"bytes {usage.bytes} + {growth.bytes} > {limits.bytes}")
    return problems


def most_growth(writes: Sequence[RecordWrite]) -> Growth:
    """The most ``writes`` can add, whatever is stored: every key new, nothing replaced.

    An overwrite adds at most its value and metadata: the merged metadata is never longer
    than the old and the new metadata together, and the old value is replaced.
    """
    return Growth(
        len({write.key for write in writes}),
        sum(record_bytes(write.value_json, write.metadata) for write in writes),
    )


def exact_growth(
    existing: Mapping[str, Record], writes: Sequence[RecordWrite], *, create_only: bool = False
) -> Growth:
    """What ``writes`` add over the ``existing`` records of their keys (as ``put_many`` does);
    ``create_only``: writes of keys that exist do not happen (``set_if_absent``)."""
    if create_only:
        writes = [write for write in writes if write.key not in existing]
    sizes: dict[str, tuple[int, dict[str, Any] | None]] = {
        key: (utf8_length(record.value_json), record.metadata)
        for key, record in existing.items()
    }
    before = sum(value + metadata_bytes(metadata) for value, metadata in sizes.values())
    records_before = len(sizes)
    for write in writes:
        old = sizes.get(write.key)
        metadata = merge_metadata(old[1] or {}, write.metadata) if old else write.metadata
        sizes[write.key] = (utf8_length(write.value_json), metadata)
    after = sum(value + metadata_bytes(metadata) for value, metadata in sizes.values())
    return Growth(len(sizes) - records_before, after - before)


LONGEST_NUMBER_GROWTH = 24
"""The most a number's JSON can lengthen by an addition beyond the amount's own length: a
float's shortest repr is at most 24 characters (``-1.2345678901234567e-308``)."""


def most_increment_growth(change: Increment) -> Growth:
    """The most an ``increment`` can add: a new record holding the amount, or a stored
    number that lengthens."""
    return Growth(1, len(json.dumps(change.amount)) + LONGEST_NUMBER_GROWTH)


def increment_growth(existing: Record | None, change: Increment) -> Growth:
    """What ``change`` adds to ``existing`` (raises, as the increment would, for a value that
    is not a number)."""
    if existing is None:
        return Growth(1, len(json.dumps(change.amount)))
    added = add_to_json(existing.value_json, change.amount, change.key)
    return Growth(0, utf8_length(added) - utf8_length(existing.value_json))


def check_growth(
    backend: Backend, config: StoreConfig, user_id: str, operation: str, most: Growth,
    exact: Callable[[], Growth],
) -> None:
    """Refuse a write that would take the user over a quota; nothing when quotas are off.

    One request reads the usage. Only when ``most`` (the growth if nothing were replaced)
    would pass a limit is ``exact`` asked, which reads the records the write replaces.
    """
    if not config.checks_quotas or (most.records <= 0 and most.bytes <= 0):
        return
    usage = backend.user_usage(user_id)
    limits = limits_for(usage, config)
    if not exceeded(usage, most, limits):
        return
    problems = exceeded(usage, exact(), limits)
    if problems:
        raise QuotaExceededError(
            f"data_store.{operation} would take this user over its quota ({'; '.join(problems)});"
            " nothing was stored. Delete records or store smaller ones to make room",
            records=usage.records, bytes=usage.bytes, max_records=limits.records,
            max_bytes=limits.bytes,
        )
