"""The hooks a sandbox plugin can implement.

Plugins are pluggy plugins. Implement a hook by decorating a function or method with
:data:`hookimpl`; register a plugin through the ``sandbox_host`` entry-point group or by
passing it to :class:`sandbox_host.SandboxHost`. A third-party host that runs its own
RestrictedPython runtime can call the same hooks through
:func:`sandbox_host.plugins.build_plugin_manager` without using the runner.

Order of calls for one run: ``sandbox_run_started`` → ``sandbox_globals`` → the agent runs →
``sandbox_run_finished`` (always, also when the agent failed or timed out).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from sandbox_host.context import ExecutionContext
    from sandbox_host.result import RunResult

PROJECT_NAME = "sandbox_host"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


@hookspec
def sandbox_globals(context: ExecutionContext) -> dict[str, Any] | None:
    """Contribute names to the globals of one run's sandbox.

    Called once per run, after ``sandbox_run_started`` and before the agent's code runs.
    Return a dict of global name → object (or ``None`` to add nothing). Objects must be
    safe to hand to untrusted code: bind any identity from ``context`` now and expose no
    way to change it. Two plugins returning the same name is an error that names both.
    """


@hookspec
def sandbox_run_started(context: ExecutionContext) -> None:
    """Learn that a run is about to start, e.g. to allocate per-run state.

    Called once per run, before ``sandbox_globals``. ``context.run_id`` identifies the run
    in the later calls. The return value is ignored.
    """


@hookspec
def sandbox_run_finished(context: ExecutionContext, result: RunResult) -> None:
    """Learn that a run has finished, to flush buffered work and release per-run state.

    Called exactly once per run, after the agent returned, failed or was stopped, before
    the host returns ``result`` to its caller. A plugin may append entries to
    ``result.ops`` (its operation log for the run). The return value is ignored; an
    exception is recorded in ``result.plugin_errors`` and does not hide the agent's result.
    """
