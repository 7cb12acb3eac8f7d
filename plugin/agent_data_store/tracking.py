"""Per-run state: buffered access tracking and the operation log.

Reads are tracked in memory during a run and written in one bulk operation when the run
finishes, so a read costs no extra database round trip.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from agent_data_store.errors import RunFinishedError
from agent_data_store.records import Access, utc_now

if TYPE_CHECKING:
    from agent_data_store.backends.base import Backend
    from sandbox_host.limits import RunLimits as RunControls

MAX_LOGGED_OPS = 10_000
"""Operations kept in one run's log; later ones are counted, not kept."""

PREVIEW_CHARS = 200


class AccessTracker:
    """Accesses of keys by one run, summed per key until :meth:`flush`.

    Kept per ``(user, namespace)`` as a count per key and the last ``(agent, time)`` per
    key, so that recording the keys of a bulk read is two C-level dict updates, not Python
    work per key.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._scopes: dict[tuple[str, str], tuple[Counter[str], dict[str, tuple[str, str]]]] = {}

    def _scope(self, user_id: str, namespace: str
               ) -> tuple[Counter[str], dict[str, tuple[str, str]]]:
        scope = self._scopes.get((user_id, namespace))
        if scope is None:
            scope = self._scopes[(user_id, namespace)] = (Counter(), {})
        return scope

    def record(self, user_id: str, namespace: str, keys: Iterable[str], agent: str) -> None:
        """Count one access of each key, by ``agent``, now."""
        if not isinstance(keys, (list, tuple)):
            keys = list(keys)
        last = (agent, utc_now())
        with self._lock:
            counts, latest = self._scope(user_id, namespace)
            counts.update(keys)
            latest.update(dict.fromkeys(keys, last))

    def record_one(self, user_id: str, namespace: str, key: str, agent: str) -> None:
        """Count one access of ``key``, by ``agent``, now: :meth:`record` of a single read."""
        last = (agent, utc_now())
        with self._lock:
            scope = self._scopes.get((user_id, namespace)) or self._scope(user_id, namespace)
            counts = scope[0]
            counts[key] = counts.get(key, 0) + 1
            scope[1][key] = last

    def __len__(self) -> int:
        return sum(len(counts) for counts, _ in self._scopes.values())

    def drain(self) -> list[Access]:
        """Return the buffered accesses and forget them."""
        with self._lock:
            scopes, self._scopes = self._scopes, {}
        return [
            Access(user_id, namespace, key, count, *latest[key])
            for (user_id, namespace), (counts, latest) in scopes.items()
            for key, count in counts.items()
        ]

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
        except BaseException:
            with self._lock:
                for access in accesses:
                    counts, latest = self._scope(access.user_id, access.namespace)
                    counts[access.key] += access.count
                    # Accesses recorded since the drain are the later ones.
                    latest.setdefault(access.key, (access.agent, access.at))
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
            entry["valuePreview"] = (
                value_json if len(value_json) <= PREVIEW_CHARS
                else value_json[: PREVIEW_CHARS - 1] + "…"
            )
        entry["agent"] = self.agent
        entry["ts"] = utc_now()
        self.ops.append(entry)

    def log_entries(self) -> list[dict[str, Any]]:
        """The log, with a closing note when entries were dropped."""
        if not self.dropped_ops:
            return list(self.ops)
        note = {"op": "log_truncated", "namespace": "", "count": self.dropped_ops,
                "agent": self.agent, "ts": utc_now()}
        return [*self.ops, note]
