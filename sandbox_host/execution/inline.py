"""``inline``: the run executes on the caller's own event loop, as a task of it.

The cheapest mode and the oldest behaviour, for hosts that want it: a run's tasks and
callbacks live on the host's loop while it runs (they are still cancelled and awaited when
it ends), a blocking ``data_store`` call stalls every other coroutine of the host, and deep
C recursion in agent code can crash the host process. ``thread`` (the default) and
``process`` do not have these limits.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import threading
import weakref
from typing import Any

from sandbox_host.execution.outcome import RunOutcome
from sandbox_host.execution.session import RunJob, RunSession
from sandbox_host.guards import AGENT_FILENAME_PREFIX
from sandbox_host.scope import CURRENT_SCOPE, RunScope


class InlineExecutor:
    """Runs each job as a task of the caller's event loop."""

    mode = "inline"

    async def execute(self, job: RunJob) -> RunOutcome:
        """Run ``job`` on the running loop; a cancellation of the caller ends the run first."""
        _track_generators()
        session = RunSession(job, close_tracked_generators)
        task = session.start(asyncio.get_running_loop())
        try:
            return await asyncio.shield(task)
        except asyncio.CancelledError:
            if not task.done():
                session.cancel_from_host()
                with contextlib.suppress(BaseException):
                    await task
            raise

    def execute_blocking(self, job: RunJob) -> RunOutcome:
        """Run ``job`` on a fresh event loop in the calling thread."""
        return asyncio.run(self.execute(job))

    def close(self) -> None:
        """Nothing to release."""


# Async generators of a run on the host's loop: asyncio's own hooks would have the loop
# close a generator the run left behind whenever it is garbage-collected -- after the run,
# running agent code. The hooks below record each run's generators (so the run's end can
# close them) and drop the finalisation of those whose run has finished.

_generator_runs: weakref.WeakKeyDictionary[Any, RunScope] = weakref.WeakKeyDictionary()
_previous_hooks = threading.local()


def _first_iteration(agen: Any) -> None:
    scope = CURRENT_SCOPE.get(None)
    if scope is not None and agen.ag_code.co_filename.startswith(AGENT_FILENAME_PREFIX):
        scope.agens.add(agen)
        _generator_runs[agen] = scope
    previous = getattr(_previous_hooks, "hooks", None)
    if previous is not None and previous.firstiter is not None:
        previous.firstiter(agen)


def _finalize(agen: Any) -> None:
    scope = _generator_runs.get(agen)
    if scope is not None and scope.limits.finished:
        return
    previous = getattr(_previous_hooks, "hooks", None)
    if previous is not None and previous.finalizer is not None:
        previous.finalizer(agen)


def _track_generators() -> None:
    current = sys.get_asyncgen_hooks()
    if current.firstiter is _first_iteration:
        return
    _previous_hooks.hooks = current
    sys.set_asyncgen_hooks(firstiter=_first_iteration, finalizer=_finalize)


async def close_tracked_generators(scope: RunScope) -> None:
    """Close the async generators the run left open on the host's loop."""
    for agen in list(scope.agens):
        with contextlib.suppress(BaseException):
            await agen.aclose()
