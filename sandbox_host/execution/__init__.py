"""How a run executes: one executor per isolation mode behind one small interface.

* ``inline`` (:mod:`.inline`): on the caller's event loop.
* ``thread`` (:mod:`.threads`, the default): on an event loop of its own in a pooled worker
  thread; the host's loop is never blocked and never holds anything of a run.
* ``process`` (:mod:`.process`): in a pre-started worker process with OS limits (memory,
  CPU, no child processes, few files); ``data_store`` and tool calls are proxied to the
  host, where the plugins live.

Whatever the mode, the plugin hooks run in the host process, in the thread that called
``SandboxHost.run``; the agent's code and the ``data_store`` calls it makes run where the
mode says (see the README's "Isolation modes").
"""

from __future__ import annotations

from typing import Literal, Protocol

from sandbox_host.execution.outcome import RunOutcome
from sandbox_host.execution.session import RunJob

IsolationMode = Literal["inline", "thread", "process"]
ISOLATION_MODES: tuple[IsolationMode, ...] = ("thread", "process", "inline")


class Executor(Protocol):
    """Runs prepared jobs in one isolation mode."""

    mode: str

    async def execute(self, job: RunJob) -> RunOutcome:
        """Run ``job`` for an async caller; never raises because of agent code."""
        ...

    def execute_blocking(self, job: RunJob) -> RunOutcome:
        """Run ``job`` for a caller without an event loop."""
        ...

    def close(self) -> None:
        """Release the mode's resources (threads, processes)."""
        ...
