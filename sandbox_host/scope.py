"""The run an agent-facing helper is serving, found through a context variable.

Each run's code executes in a :class:`contextvars.Context` of its own (every task the run
creates copies it), in which :data:`CURRENT_SCOPE` holds the run's :class:`RunScope`. Facade
functions and classes are therefore shared by all runs and still act for the right one:
``asyncio.sleep`` stops at *this* run's deadline, ``asyncio.create_task`` registers the task
with *this* run, so that it is cancelled and awaited when the run ends.
"""

from __future__ import annotations

import asyncio
import weakref
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from sandbox_host.limits import EXPIRY_TOLERANCE_S, ExecutionTimeout, RunLimits

if TYPE_CHECKING:
    from sandbox_host.guards import PrintCollector


class RunScope:
    """One run as the agent-facing helpers see it: limits, output, tasks, generators.

    ``closing`` is set when the run's ``run()`` has returned and its leftover tasks are being
    cancelled: from then on every facade await ends at once with ``CancelledError``.
    """

    __slots__ = ("__weakref__", "agens", "closing", "handles", "limits", "printer", "tasks")

    def __init__(self, limits: RunLimits, printer: PrintCollector) -> None:
        self.limits = limits
        self.printer = printer
        self.closing = False
        self.tasks: set[asyncio.Future[Any]] = set()
        """Every task and future the run created (through the asyncio facade)."""
        self.handles: weakref.WeakKeyDictionary[asyncio.Future[Any], Any] = (
            weakref.WeakKeyDictionary()
        )
        """The agent-facing handle of each of them, so one future always has one handle."""
        self.agens: weakref.WeakSet[Any] = weakref.WeakSet()
        """Async generators the run started (inline mode tracks them; see execution)."""

    def check_alive(self) -> None:
        """Raise if the run may not wait any more: over its limits, finished, or closing."""
        limits = self.limits
        if limits.exceeded is not None:
            raise ExecutionTimeout(limits.exceeded)
        if limits.remaining_s() <= EXPIRY_TOLERANCE_S:
            raise limits.deadline_error()
        if self.closing:
            raise asyncio.CancelledError("the run is ending")


CURRENT_SCOPE: ContextVar[RunScope] = ContextVar("sandbox_run_scope")


def current_scope() -> RunScope:
    """The scope of the run whose code is calling; ``RuntimeError`` outside any run."""
    try:
        return CURRENT_SCOPE.get()
    except LookupError:
        raise RuntimeError("this sandbox facility can only be used inside a sandbox run") from None
