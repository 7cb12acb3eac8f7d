"""The pluggy plugin that gives every sandbox its ``data_store``.

Registered with the sandbox host through the ``sandbox_host`` entry-point group as
``data_store = agent_data_store.hooks:plugin``. A host that wants its own configuration
registers ``DataStorePlugin(StoreConfig(...))`` by hand instead; it replaces the entry point.
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
import weakref
from typing import TYPE_CHECKING, Any

from agent_data_store.backends import open_backend
from agent_data_store.config import StoreConfig
from agent_data_store.errors import (
    AGENT_VISIBLE_ERRORS,
    BackendError,
    BackendUnavailableError,
    DataStoreError,
)
from agent_data_store.permissions import NamespacePermissions
from agent_data_store.records import precise_now
from agent_data_store.store import DataStore, agent_handle
from agent_data_store.tracking import RunState
from agent_data_store.tracking_writer import AccessWriter
from sandbox_host.hookspecs import hookimpl
from sandbox_host.limits import run_controls

if TYPE_CHECKING:
    from agent_data_store.backends.base import Backend
    from sandbox_host.context import ExecutionContext
    from sandbox_host.result import RunResult

log = logging.getLogger(__name__)

SWEEP_BATCH = 100
"""Expired records the plugin removes at most when a run ends (see ``sweep_interval_s``)."""

_LIVE_PLUGINS: weakref.WeakSet[DataStorePlugin] = weakref.WeakSet()

AGENT_GLOBALS: dict[str, type[Exception]] = {cls.__name__: cls for cls in AGENT_VISIBLE_ERRORS}
"""The data store's exception classes, contributed to every sandbox under their own names."""


class DataStorePlugin:
    """Contributes ``data_store`` bound to the run's user and agent; flushes tracking after.

    The backend is opened on first use, so loading the plugin costs nothing and a host
    whose agents never touch the store never connects. Pass ``backend`` to share an open
    backend (tests, benchmarks).
    """

    plugin_name = "data_store"

    def __init__(self, config: StoreConfig | None = None, backend: Backend | None = None) -> None:
        self._config = config
        self._backend = backend
        self._lock = threading.Lock()
        self._runs: dict[str, RunState] = {}
        self._next_sweep = 0.0
        self._sweeping = False
        self._failed_at: float | None = None
        """When writing access counts last failed (``time.monotonic()``), if ever."""
        self._writer = AccessWriter(lambda: self.backend)
        """Writes finished runs' access counts (``tracking_write="background"``)."""
        _LIVE_PLUGINS.add(self)

    @property
    def config(self) -> StoreConfig:
        """The configuration in force (from the environment unless one was given)."""
        if self._config is None:
            self._config = StoreConfig.from_env()
        return self._config

    @property
    def backend(self) -> Backend:
        """The open backend, opened on first use."""
        if self._backend is None:
            with self._lock:
                if self._backend is None:
                    self._backend = open_backend(self.config)
        return self._backend

    def _state(self, context: ExecutionContext) -> RunState:
        with self._lock:
            state = self._runs.get(context.run_id)
            if state is None:
                state = self._runs[context.run_id] = RunState(context.agent_name)
            return state

    @hookimpl
    def sandbox_run_started(self, context: ExecutionContext) -> None:
        """Allocate the run's access tracker and operation log."""
        self._state(context)

    @hookimpl
    def sandbox_globals(self, context: ExecutionContext) -> dict[str, Any]:
        """Return ``{"data_store": ...}`` bound to the context's user, agent and namespace
        permissions (and to the run's limits, which every call charges), and the data
        store's exception classes by name (``InvalidValueError``, ...), for ``except``.

        The configuration is read here, so a bad setting fails the run's set-up (before any
        agent code runs) rather than the agent's first call.
        """
        config = self.config
        state = self._state(context)
        state.controls = run_controls()
        if config.tracking_write == "background":
            state.counts_written = self._writer.wait
        store = DataStore(
            lambda: self.backend, config, context.user_id, context.agent_name, state,
            permissions=NamespacePermissions(context.read_namespaces, context.write_namespaces),
        )
        return {"data_store": agent_handle(store), **AGENT_GLOBALS}

    @hookimpl
    def sandbox_run_finished(self, context: ExecutionContext, result: RunResult) -> None:
        """Hand over the run's log, and its access counts to the background writer, or
        write them in one bulk operation now (``tracking_write="end_of_run"``)."""
        with self._lock:
            state = self._runs.pop(context.run_id, None)
        if state is None:
            return
        # From now on the run's data_store refuses every call: whatever the run left
        # behind can neither write late nor read without its access being counted.
        state.finished = True
        result.ops.extend(state.log_entries())
        keys = len(state.tracker)
        if keys and self.config.tracking_write == "background":
            self._writer.hand_over(state.tracker)
        elif keys:
            try:
                state.tracker.flush(self.backend)
            except DataStoreError as exc:
                # Keep the accesses for the exit flush rather than losing them.
                self._failed_at = time.monotonic()
                with self._lock:
                    self._runs[f"unflushed:{context.run_id}"] = state
                family = (BackendUnavailableError if isinstance(exc, BackendUnavailableError)
                          else BackendError)
                raise family(
                    f"the access counts of {len(state.tracker)} key(s) read by this run "
                    "could not be written "
                    f"(kept in memory, retried when the process exits): {exc}"
                ) from None
        self._sweep_now_and_then()

    def _sweep_now_and_then(self) -> None:
        """Remove one batch of expired records, at most every ``sweep_interval_s``.

        Only where the backend does not expire records itself, and only once it is open (a
        host whose agents never touch the store never connects for this). The batch (one
        bounded, indexed delete) runs in a thread of its own, so the end of a run never
        waits for it, not even on a locked or slow database.
        """
        interval = self.config.sweep_interval_s
        backend = self._backend
        if not interval or backend is None or backend.native_expiry:
            return
        with self._lock:
            now = time.monotonic()
            if now < self._next_sweep or self._sweeping:
                return
            self._next_sweep = now + interval
            self._sweeping = True
        threading.Thread(target=self._sweep_batch, args=(backend,), daemon=True,
                         name="agent-data-store-sweep").start()

    def _sweep_batch(self, backend: Backend) -> None:
        try:
            next(iter(backend.sweep_expired(precise_now(), SWEEP_BATCH)), 0)
        except Exception:
            # An unreachable or closed backend: a later run's end tries again.
            log.debug("could not remove expired records", exc_info=True)
        finally:
            with self._lock:
                self._sweeping = False

    def flush(self) -> int:
        """Write every buffered access (of runs still open, and of finished runs the
        background writer has not written yet), and wait for a background write under way;
        return how many keys. Host code that reads access counts from the backend itself
        calls this first."""
        with self._lock:
            states = list(self._runs.values())
        written = sum(state.tracker.flush(self.backend) for state in states
                      if len(state.tracker))
        return written + self._writer.flush(self.config.timeout_s)

    def wait_for_counts(self, timeout_s: float | None = None) -> bool:
        """Wait until the access counts of the runs finished so far are written (they are
        written in the background right after each run; at most ``timeout_s``, by default
        the configured ``timeout_s``); whether they are. Nothing to wait for with
        ``tracking_write="end_of_run"``."""
        return self._writer.wait(self.config.timeout_s if timeout_s is None else timeout_s)

    def pending_accesses(self) -> int:
        """How many keys' access counts are buffered and not written yet."""
        with self._lock:
            in_runs = sum(len(state.tracker) for state in self._runs.values())
        return in_runs + self._writer.pending()

    def flush_at_exit(self) -> None:
        """Write what is still buffered, once, when the process exits; never raise.

        When writing failed less than ``timeout_s`` ago the backend is taken to be still down
        and nothing is retried, so exiting does not wait for a second timeout; the counts
        are then lost, and one log line says how many.
        """
        if self._config is None:
            return  # never configured, so no run used the store (or it failed to set up)
        # Let a background write under way finish: the interpreter would end it halfway.
        self._writer.stop(self.config.timeout_s)
        pending = self.pending_accesses()
        if not pending:
            return
        failed_at = self._failed_at if self._writer.failed_at is None else self._writer.failed_at
        if failed_at is not None and time.monotonic() - failed_at < self.config.timeout_s:
            log.warning(
                "access counts of %d key(s) were not written: the data store failed to take "
                "them %.1f s ago, too recently to retry at exit", pending,
                time.monotonic() - failed_at,
            )
            return
        try:
            self.flush()
        except Exception as exc:
            log.warning("access counts of %d key(s) were not written at exit: %s: %s",
                        pending, type(exc).__name__, exc)

    def close(self) -> None:
        """Flush what is buffered and close the backend."""
        self.flush()
        self._writer.stop(self.config.timeout_s)
        if self._backend is not None:
            self._backend.close()
            self._backend = None


@atexit.register
def _flush_at_exit() -> None:
    """Runs that never reported finishing, or whose tracking failed, get one more try."""
    for live in list(_LIVE_PLUGINS):
        live.flush_at_exit()


plugin = DataStorePlugin()
"""The instance the ``sandbox_host`` entry point registers, configured from the environment."""
