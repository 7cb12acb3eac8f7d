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

from sandbox_host.execution.outcome import RunOutcome
from sandbox_host.execution.session import RunJob, RunSession


class InlineExecutor:
    """Runs each job as a task of the caller's event loop."""

    mode = "inline"

    async def execute(self, job: RunJob) -> RunOutcome:
        """Run ``job`` on the running loop; a cancellation of the caller ends the run first."""
        session = RunSession(job)
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
