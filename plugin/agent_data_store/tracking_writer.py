"""Writing finished runs' access counts in the background (``tracking_write="background"``).

A run's reads are counted in memory while it runs (:mod:`.tracking`); when it ends, its
counts are handed to the plugin's :class:`AccessWriter` and the run returns. One thread
writes what finished runs handed over, merged per key (runs reading the same keys while a
write is under way cost one write between them), with the backend's bulk
``record_accesses``. Counts stay exact: they are sums, a failed write puts back what it did
not apply and is tried again, and what is left when the process exits is written then
(:meth:`AccessWriter.flush`). Readers that show access counts wait for the writes handed
over before them (:meth:`AccessWriter.wait`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from agent_data_store.tracking import AccessTracker

if TYPE_CHECKING:
    from agent_data_store.backends.base import Backend

log = logging.getLogger(__name__)

GATHER_S = 0.005
"""How long the writer waits at least, once counts are handed over, before it writes: the
counts of runs that finish meanwhile go in the same write, and the run that handed them over
returns to its host first instead of sharing the interpreter with the write."""

GATHER_SHARE = 2.0
"""The writer also gathers for this many times as long as its last write took, at most
:data:`MAX_GATHER_S`: on a database slow to take count updates (pouchdb-server and DynamoDB
Local take about 30 ms for 100), runs that follow each other closely share one write, and
count writes take at most about a third of the database's time instead of competing with
every run's reads."""

MAX_GATHER_S = 0.25
"""The longest the writer gathers. Someone waiting for the counts (:meth:`AccessWriter.wait`:
``get_record``, ``wait_for_counts``) ends the gathering at once; :meth:`AccessWriter.flush`
(the exit) writes what is pending itself."""

RETRY_AFTER_S = (0.5, 30.0)
"""A failed background write is tried again after the first figure, doubling up to the
second, until one succeeds."""


class AccessWriter:
    """Writes access counts handed over by finished runs, in one background thread."""

    def __init__(self, backend: Callable[[], Backend]) -> None:
        self._backend = backend
        self._pending = AccessTracker()
        self._cond = threading.Condition()
        self._handed = 0
        """Hand-overs so far."""
        self._written = 0
        """Hand-overs whose counts are all written."""
        self._busy = False
        """A background write is under way."""
        self._hurry = False
        """Someone waits for the counts: write without gathering."""
        self._last_write_s = 0.0
        """How long the last successful background write took."""
        self._thread: threading.Thread | None = None
        self._generation = 0
        """Bumped by :meth:`stop`: a thread of an earlier generation ends."""
        self.failed_at: float | None = None
        """When the last background write failed (``time.monotonic()``), while it has not
        succeeded since."""

    def hand_over(self, tracker: AccessTracker) -> None:
        """Take ``tracker``'s counts, to be written at once in the background."""
        tracker.move_to(self._pending)
        with self._cond:
            self._handed += 1
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._work, args=(self._generation,), daemon=True,
                    name="agent-data-store-tracking",
                )
                self._thread.start()
            self._cond.notify_all()

    def pending(self) -> int:
        """How many keys' counts are handed over and not written yet."""
        return len(self._pending)

    def wait(self, timeout_s: float) -> bool:
        """Wait until every count handed over before this call is written (at most
        ``timeout_s``; not at all while writing fails); whether they are."""
        if self.failed_at is not None:
            return False
        with self._cond:
            target = self._handed
            if self._written < target:
                self._hurry = True
                self._cond.notify_all()
            return self._cond.wait_for(lambda: self._written >= target, timeout_s)

    def flush(self, timeout_s: float) -> int:
        """Write what is pending now, in the caller's thread, and wait (at most ``timeout_s``)
        for a background write under way; return how many keys this call wrote. Raises
        what the backend raised (the counts are then kept)."""
        with self._cond:
            target = self._handed
        written = self._pending.flush(self._backend())
        with self._cond:
            if self._cond.wait_for(lambda: not self._busy, timeout_s) and not self._pending:
                self._written = max(self._written, target)
                self._cond.notify_all()
        return written

    def stop(self, timeout_s: float) -> None:
        """Stop the thread after the write under way (waiting at most ``timeout_s``: at exit,
        so that the interpreter does not end it halfway); what is pending stays for
        :meth:`flush`, and the next hand-over starts a thread again."""
        with self._cond:
            self._generation += 1
            thread, self._thread = self._thread, None
            self._cond.notify_all()
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout_s)

    def _work(self, generation: int) -> None:
        delay = RETRY_AFTER_S[0]

        def stopped() -> bool:
            return self._generation != generation

        while True:
            with self._cond:
                self._cond.wait_for(lambda: stopped() or self._written < self._handed)
                if stopped():
                    return
                if self.failed_at is None and not self._hurry:
                    gather = min(MAX_GATHER_S, max(GATHER_S, GATHER_SHARE * self._last_write_s))
                    self._cond.wait_for(lambda: stopped() or self._hurry, gather)
                    if stopped():
                        return
                target = self._handed
                self._hurry = False
                self._busy = True
            started = time.monotonic()
            try:
                self._pending.flush(self._backend())
            except Exception as exc:  # the counts are kept; tried again after a pause
                with self._cond:
                    self._busy = False
                    self._cond.notify_all()
                if self.failed_at is None:
                    log.warning("access counts of %d key(s) could not be written, retrying in "
                                "the background: %s: %s", len(self._pending),
                                type(exc).__name__, exc)
                self.failed_at = time.monotonic()
                with self._cond:
                    self._cond.wait_for(stopped, delay)
                delay = min(delay * 2, RETRY_AFTER_S[1])
                continue
            if self.failed_at is not None:
                log.warning("access counts are written again")
                self.failed_at = None
            delay = RETRY_AFTER_S[0]
            with self._cond:
                self._last_write_s = time.monotonic() - started
                self._busy = False
                self._written = max(self._written, target)
                self._cond.notify_all()
