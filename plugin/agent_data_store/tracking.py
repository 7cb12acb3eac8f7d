"""Per-run state: buffered access tracking and the operation log.

Reads are tracked in memory during a run and written in one bulk operation when the run
finishes, so a read costs no extra database round trip.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import datetime
from itertools import repeat
from typing import TYPE_CHECKING, Any

from agent_data_store.backends.base import unwritten_accesses
from agent_data_store.errors import RunFinishedError
from agent_data_store.records import Access, utc_now, utc_time

if TYPE_CHECKING:
    from agent_data_store.backends.base import Backend
    from sandbox_host.limits import RunLimits as RunControls

MAX_LOGGED_OPS = 10_000
"""Operations kept in one run's log; later ones are counted, not kept."""

PREVIEW_CHARS = 200


class ReadLog:
    """The reads of one ``(user, namespace)`` by one agent, in order: keys and when (epoch
    seconds), appended without a lock (``list.append`` and ``extend`` are atomic).

    A reader appends the key first, then the time; the tracker folds in as many reads as
    there are times, so a read half-appended by another thread waits for the next fold.
    """

    __slots__ = ("keys", "times")

    def __init__(self) -> None:
        self.keys: list[str] = []
        self.times: list[float] = []


class AccessTracker:
    """Accesses of keys by one run, summed per key until :meth:`flush`.

    Reads go to a :class:`ReadLog` per ``(user, namespace, agent)``: a single read (``get``,
    the most frequent call) is two list appends, a bulk read two C-level extends. Every
    :data:`FOLD_AT` reads, and when the buffer is read, the logs are folded into a count
    and a latest read time per key (C-level too: a ``Counter`` update and a ``dict``
    update in read order), so memory stays bounded by the keys read, not the reads.
    """

    FOLD_AT = 10_000
    """Reads a log holds before they are folded into counts."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._logs: dict[tuple[str, str, str], ReadLog] = {}
        self._folded: dict[tuple[str, str, str], tuple[Counter[str], dict[str, float]]] = {}

    def read_log(self, user_id: str, namespace: str, agent: str) -> ReadLog:
        """The log that reads of ``namespace`` by ``agent`` go to (kept for the tracker's
        life, so a caller may hold on to it)."""
        scope = (user_id, namespace, agent)
        log = self._logs.get(scope)
        if log is None:
            with self._lock:
                log = self._logs.setdefault(scope, ReadLog())
        return log

    def record(self, user_id: str, namespace: str, keys: Iterable[str], agent: str) -> None:
        """Count one access of each key, by ``agent``, now."""
        self.record_in(self.read_log(user_id, namespace, agent), keys)

    def record_in(self, log: ReadLog, keys: Iterable[str]) -> None:
        """:meth:`record` into a log from :meth:`read_log`."""
        if not isinstance(keys, (list, tuple)):
            keys = list(keys)
        log.keys.extend(keys)
        log.times.extend(repeat(time.time(), len(keys)))
        if len(log.times) >= self.FOLD_AT:
            self._fold_all()

    def record_one(self, log: ReadLog, key: str) -> None:
        """Count one access of ``key`` into a log from :meth:`read_log`, now."""
        log.keys.append(key)
        log.times.append(time.time())
        if len(log.times) >= self.FOLD_AT:
            self._fold_all()

    def _fold_all(self) -> None:
        with self._lock:
            self._fold()

    def _fold(self) -> None:
        """Move the logged reads into the counts (the caller holds the lock)."""
        for scope, log in list(self._logs.items()):
            taken = len(log.times)
            if not taken:
                continue
            keys, times = log.keys[:taken], log.times[:taken]
            del log.keys[:taken], log.times[:taken]
            folded = self._folded.get(scope)
            if folded is None:
                folded = self._folded[scope] = (Counter(), {})
            folded[0].update(keys)
            folded[1].update(zip(keys, times, strict=True))  # in read order: the latest wins

    def __len__(self) -> int:
        with self._lock:
            self._fold()
            return sum(len(counts) for counts, _ in self._folded.values())

    def drain(self) -> list[Access]:
        """Return the buffered accesses and forget them."""
        with self._lock:
            self._fold()
            folded, self._folded = self._folded, {}
        return [
            Access(user_id, namespace, key, count, agent, utc_time(latest[key]))
            for (user_id, namespace, agent), (counts, latest) in folded.items()
            for key, count in counts.items()
        ]

    def merge(self, accesses: Iterable[Access]) -> None:
        """Add drained accesses (of a write that failed), merged per key: counts summed,
        the latest read kept."""
        with self._lock:
            for access in accesses:
                self._add((access.user_id, access.namespace, access.agent),
                          Counter({access.key: access.count}),
                          {access.key: datetime.fromisoformat(access.at).timestamp()})

    def move_to(self, other: AccessTracker) -> None:
        """Move every buffered access into ``other`` (merged per key, as :meth:`merge`)."""
        with self._lock:
            self._fold()
            folded, self._folded = self._folded, {}
        with other._lock:
            for scope, (counts, latest) in folded.items():
                other._add(scope, counts, latest)

    def _add(self, scope: tuple[str, str, str], counts: Counter[str],
             latest: dict[str, float]) -> None:
        """Add counts and latest read times to ``scope``'s, taking the two dicts over when
        the scope has none yet (the caller holds the lock)."""
        into = self._folded.get(scope)
        if into is None:
            self._folded[scope] = (counts, latest)
            return
        into[0].update(counts)
        into_latest = into[1]
        for key, at in latest.items():
            if into_latest.get(key, 0.0) < at:
                into_latest[key] = at

    def flush(self, backend: Backend) -> int:
        """Write the buffered accesses in one bulk operation; return how many keys.

        If the write fails the accesses go back into the buffer, so a later flush (e.g. at
        process exit) can still land them.
        """
        accesses = self.drain()
        if not accesses:
            return 0
        try:
            backend.record_accesses(accesses)
        except BaseException as exc:
            self.merge(unwritten_accesses(exc, accesses))
            raise
        return len(accesses)


class RunState:
    """What the data store keeps for one run: its access tracker and operation log.

    ``controls`` are the sandbox host's limits of the run (deadline, operation budget), when
    the host offers them; ``finished`` is set when the run ends, after which the run's
    ``data_store`` refuses every call (see :meth:`check_open`).
    """

    def __init__(self, agent: str, controls: RunControls | None = None) -> None:
        self.agent = agent
        self.tracker = AccessTracker()
        self.ops: list[dict[str, Any]] = []
        self.dropped_ops = 0
        self.controls = controls
        self.finished = False
        self.counts_written: Callable[[float], bool] | None = None
        """Waits (at most the seconds given) for the access counts of finished runs that are
        being written in the background; ``None`` when they are written as runs end."""

    def check_open(self) -> None:
        """Before each ``data_store`` call: refuse after the run, charge the run's budget.

        Charging also checks the run's deadline, so calls driven from C iterators
        (``list(map(data_store.set, ...))``), which no loop tick of the agent's sees, stop at
        the deadline too.
        """
        if self.finished:
            raise RunFinishedError(
                "this data_store belongs to a run that has finished; it cannot be used any more"
            )
        if self.controls is not None:
            self.controls.charge(1)

    def log(
        self,
        op: str,
        namespace: str,
        *,
        key: str | None = None,
        count: int | None = None,
        found: bool | int | None = None,
        written: bool | None = None,
        value_json: str | None = None,
    ) -> None:
        """Append one entry to the run's operation log.

        ``found``: whether the key existed (or how many did); ``written``: whether a
        conditional write (``set_if_absent``, ``compare_and_set``) happened.
        """
        if len(self.ops) >= MAX_LOGGED_OPS:
            self.dropped_ops += 1
            return
        entry: dict[str, Any] = {"op": op, "namespace": namespace}
        if key is not None:
            entry["key"] = key
        if count is not None:
            entry["count"] = count
        if found is not None:
            entry["found"] = found
        if written is not None:
            entry["written"] = written
        if value_json is not None:
            entry["valuePreview"] = _preview(value_json)
        entry["agent"] = self.agent
        entry["ts"] = utc_now()
        self.ops.append(entry)

    def log_read(self, op: str, namespace: str, key: str, value_json: str) -> None:
        """:meth:`log` of a read that found ``key`` (``get``, ``get_record``): one dict
        display instead of a check per field, as every read logs."""
        if len(self.ops) >= MAX_LOGGED_OPS:
            self.dropped_ops += 1
            return
        self.ops.append({
            "op": op, "namespace": namespace, "key": key, "found": True,
            "valuePreview": _preview(value_json), "agent": self.agent, "ts": utc_now(),
        })

    def log_entries(self) -> list[dict[str, Any]]:
        """The log, with a closing note when entries were dropped."""
        if not self.dropped_ops:
            return list(self.ops)
        note = {"op": "log_truncated", "namespace": "", "count": self.dropped_ops,
                "agent": self.agent, "ts": utc_now()}
        return [*self.ops, note]


def _preview(value_json: str) -> str:
    if len(value_json) <= PREVIEW_CHARS:
        return value_json
    return value_json[: PREVIEW_CHARS - 1] + "…"
