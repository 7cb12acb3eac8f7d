"""One run inside its event loop: module code, ``run()``, its tasks, and the end of it.

Every isolation mode runs a :class:`RunSession` the same way: in an event loop (the
host's in inline mode, a fresh one otherwise) as a task with a :mod:`contextvars` context
of its own, where :data:`~sandbox_host.scope.CURRENT_SCOPE` names the run. The session

1. executes the agent's module code and ``await run(input_dict, tools)`` under the run's
   deadline;
2. copies the result or the error into plain data (:mod:`.outcome`), still under the
   run's limits;
3. ends the run: every task it created is cancelled and awaited, its async generators are
   closed, then the limits are finished, so any agent code that would still run (a
   callback, a generator finalizer) stops at its first step.

Only then does the host see the :class:`~sandbox_host.execution.outcome.RunOutcome`.
"""

from __future__ import annotations

import asyncio
import contextvars
import inspect
from dataclasses import dataclass, field
from types import FunctionType
from typing import Any

from sandbox_host.compiler import CompiledAgent
from sandbox_host.execution.generators import close_generators, track_generators
from sandbox_host.execution.outcome import RunOutcome, plain_result, run_error
from sandbox_host.facades import make_importer, preloaded
from sandbox_host.guards import GUARD_GLOBALS, SAFE_BUILTINS, PrintCollector
from sandbox_host.limits import ExecutionTimeout, RunLimits
from sandbox_host.policy import hidden_name
from sandbox_host.result import RunError
from sandbox_host.scope import CURRENT_SCOPE, RunScope

RUN_SIGNATURE = "async def run(input_dict, tools)"

CLEANUP_GRACE_S = 0.05
"""How long leftover tasks get after the run's deadline to end once cancelled."""


class AgentDefinitionError(Exception):
    """The agent does not define ``async def run(input_dict, tools)``."""


@dataclass(frozen=True, slots=True)
class RunSettings:
    """The host's settings a run is executed with (plain data: worker processes get it)."""

    max_result_bytes: int
    max_output_chars: int
    max_error_chars: int
    preload: tuple[str, ...]


@dataclass(slots=True)
class RunJob:
    """Everything one run needs, prepared by the host: what to run, for whom, how."""

    source: str
    compiled: CompiledAgent
    plugin_globals: dict[str, Any]
    input_dict: dict[str, Any]
    tools: dict[str, Any]
    limits: RunLimits
    settings: RunSettings
    printer: PrintCollector = field(init=False)

    def __post_init__(self) -> None:
        self.printer = PrintCollector(self.settings.max_output_chars)


class RunSession:
    """Executes one :class:`RunJob` in the current event loop (see the module docstring)."""

    def __init__(self, job: RunJob) -> None:
        self.job = job
        self.scope = RunScope(job.limits, job.printer)
        self.host_cancelled = False
        self.task: asyncio.Task[RunOutcome] | None = None
        self.leftovers: list[Any] = []
        """What the run made (its globals, its exception): kept until the session is
        dropped, so that freeing large structures happens after the host has its answer."""

    def start(self, loop: asyncio.AbstractEventLoop) -> asyncio.Task[RunOutcome]:
        """Start the run as a task of ``loop`` in a context of its own."""
        context = contextvars.Context()
        context.run(CURRENT_SCOPE.set, self.scope)
        self.task = loop.create_task(self._main(), name="sandbox-run", context=context)
        return self.task

    def cancel_from_host(self) -> None:
        """The host itself is being cancelled: stop the run (call in the run's loop)."""
        self.host_cancelled = True
        self.job.limits.expire("the host cancelled the run")
        if self.task is not None:
            self.task.cancel()

    async def _main(self) -> RunOutcome:
        job = self.job
        outcome = RunOutcome()
        try:
            outcome.output = await self._run_agent()
        except asyncio.CancelledError as exc:
            if self.host_cancelled:
                await self._end()
                raise
            outcome.error = self._error(exc)
        except BaseException as exc:
            outcome.error = self._error(exc)
        await self._end()
        outcome.stdout = job.printer.text()
        return outcome

    async def _run_agent(self) -> dict[str, Any]:
        job = self.job
        limits = job.limits
        track_generators()
        run_globals = self._globals()
        self.leftovers.append(run_globals)
        limits.start_depth_count()
        task = asyncio.current_task()
        assert task is not None
        self.scope.tasks.add(task)
        deadline = asyncio.timeout(limits.remaining_s())
        try:
            exec(job.compiled.code, run_globals)
            run = _agent_run_function(run_globals, job.compiled)
            async with deadline:
                output = await run(job.input_dict, job.tools)
            result = plain_result(output, job.settings.max_result_bytes)
        except TimeoutError as exc:
            if deadline.expired():
                raise limits.deadline_error() from exc
            raise
        except BaseException as exc:
            if limits.exceeded is not None and not isinstance(exc, ExecutionTimeout):
                # The agent caught the timeout and raised something else instead.
                raise ExecutionTimeout(limits.exceeded) from exc
            raise
        if deadline.expired():
            # The agent swallowed the cancellation and returned anyway.
            raise limits.deadline_error()
        error = limits.error()
        if error is not None:
            # The agent caught ExecutionTimeout and returned anyway.
            raise error
        return result

    def _globals(self) -> dict[str, Any]:
        job = self.job
        importer = make_importer(self.scope)
        # mappingproxy.copy() copies the underlying dict directly; dict(proxy) goes
        # through the generic mapping protocol and is several times slower.
        run_builtins = SAFE_BUILTINS.copy()
        run_builtins["__import__"] = importer
        run_globals: dict[str, Any] = GUARD_GLOBALS.copy()
        run_globals.update(preloaded(importer, job.settings.preload))
        run_globals.update(job.plugin_globals)
        run_globals["__builtins__"] = run_builtins
        run_globals[hidden_name("_print_")] = job.printer.factory
        run_globals[hidden_name("_tick_")] = job.limits.make_tick()
        run_globals[hidden_name("_enter_")] = job.limits.make_enter()
        return run_globals

    def _error(self, exc: BaseException) -> RunError:
        compiled = self.job.compiled
        return run_error(
            exc, compiled.filename, compiled.source_lines, self.job.settings.max_error_chars
        )

    async def _end(self) -> None:
        """Cancel and await the run's leftover tasks, close its generators, finish it."""
        scope = self.scope
        limits = scope.limits
        scope.closing = True
        me = asyncio.current_task()
        try:
            for attempt in range(2):
                pending = [t for t in list(scope.tasks) if t is not me and not t.done()]
                if not pending:
                    break
                for task in pending:
                    task.cancel()
                grace = max(limits.remaining_s(), 0.0) + CLEANUP_GRACE_S if attempt == 0 else (
                    CLEANUP_GRACE_S
                )
                await asyncio.wait(pending, timeout=grace)
                # Whatever is still running now swallows cancellations: stop it for good.
                limits.expire("the run has ended")
            # Bounded like the tasks: a generator's cleanup code that waits finds the run
            # closing, and one that loops stops at the deadline.
            await close_generators(scope)
        except BaseException:
            pass
        finally:
            limits.finish()
            for task in scope.tasks:
                if task is not me and not task.done():
                    task.cancel()
                    # Asyncio would complain at interpreter exit about what cannot end.
                    task._log_destroy_pending = False  # type: ignore[attr-defined]


def _agent_run_function(run_globals: dict[str, Any], compiled: CompiledAgent) -> Any:
    run = run_globals.get("run")
    if run is None:
        raise AgentDefinitionError(f"the agent must define `{RUN_SIGNATURE}`; no `run` found")
    code = getattr(run, "__code__", None)
    if (
        not isinstance(run, FunctionType)
        or code is None
        or code.co_filename != compiled.filename
        or not inspect.iscoroutinefunction(run)
    ):
        raise AgentDefinitionError(f"`run` must be defined in the agent as `{RUN_SIGNATURE}`")
    required = code.co_argcount - len(run.__defaults__ or ())
    takes_two = code.co_argcount >= 2 or bool(code.co_flags & inspect.CO_VARARGS)
    if required > 2 or not takes_two or code.co_kwonlyargcount > len(run.__kwdefaults__ or {}):
        raise AgentDefinitionError(
            f"`run` must take two arguments: `{RUN_SIGNATURE}` (line {code.co_firstlineno})"
        )
    return run


__all__ = [
    "RUN_SIGNATURE",
    "AgentDefinitionError",
    "RunJob",
    "RunSession",
    "RunSettings",
]
