"""Run one agent: compile (cached), collect the plugins' globals, execute, report.

The orchestration is the same in every isolation mode -- ``sandbox_run_started`` →
compile → ``sandbox_globals`` → the executor runs the job → ``sandbox_run_finished`` -- and
all of it except the execution happens here, in the host's process and calling thread.
How the job executes is the executor's business (:mod:`sandbox_host.execution`).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pluggy

from sandbox_host.compiler import AgentCompileError, AgentCompiler
from sandbox_host.context import ExecutionContext
from sandbox_host.execution import ISOLATION_MODES, Executor, IsolationMode
from sandbox_host.execution.outcome import AgentResultError, RunOutcome, truncate
from sandbox_host.execution.session import (
    RUN_SIGNATURE,
    AgentDefinitionError,
    RunJob,
    RunSettings,
)
from sandbox_host.facades import ALLOWED_MODULES, DEFAULT_PRELOAD
from sandbox_host.guards import GUARD_GLOBALS, SAFE_BUILTINS
from sandbox_host.limits import (
    DEFAULT_MAX_DEPTH,
    DEFAULT_MAX_OPERATIONS,
    DEFAULT_TIMEOUT_S,
    RunLimits,
    controls_context,
    reset_controls,
)
from sandbox_host.plugins import build_plugin_manager
from sandbox_host.result import RunError, RunResult

DEFAULT_MAX_RESULT_BYTES = 8 * 1024 * 1024
DEFAULT_MAX_OUTPUT_CHARS = 1_000_000
DEFAULT_MAX_ERROR_CHARS = 10_000
DEFAULT_MEMORY_LIMIT_MB = 512

PER_RUN_GLOBALS = frozenset({"__builtins__", "print", "printed"})
RESERVED_GLOBALS = (
    frozenset(SAFE_BUILTINS) | frozenset(GUARD_GLOBALS) | PER_RUN_GLOBALS | ALLOWED_MODULES
)
"""Names plugins may not contribute: the host's own builtins, guards and module names."""

__all__ = [
    "RUN_SIGNATURE",
    "AgentDefinitionError",
    "AgentResultError",
    "PluginError",
    "PluginGlobalsClash",
    "SandboxHost",
]


class PluginError(Exception):
    """A plugin failed or misbehaved while a run was being set up."""


class PluginGlobalsClash(PluginError):
    """Two plugins -- or a plugin and the host -- contribute the same sandbox global."""


class SandboxHost:
    """Runs untrusted agents under RestrictedPython, extended by pluggy plugins.

    ``plugins`` are registered by hand; entry-point plugins of the ``sandbox_host`` group
    load too unless ``load_entry_points`` is false. ``timeout_s``, ``max_operations`` and
    ``max_depth`` are the defaults of every run (see :mod:`sandbox_host.limits`).

    ``isolation`` says how runs execute: ``"thread"`` (default: an event loop of its own in a
    worker thread), ``"process"`` (a pool of worker processes with OS limits;
    ``memory_limit_mb`` and ``cpu_limit_s`` apply there) or ``"inline"`` (on the caller's
    loop). ``max_result_bytes``, ``max_output_chars`` and ``max_error_chars`` bound what a
    run hands back; ``preload`` names the modules every agent gets without an import.
    ``process_pool_size`` is how many worker processes ``"process"`` keeps started.
    """

    def __init__(
        self,
        plugins: Iterable[Any] = (),
        *,
        load_entry_points: bool = True,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        max_operations: int = DEFAULT_MAX_OPERATIONS,
        max_depth: int = DEFAULT_MAX_DEPTH,
        isolation: IsolationMode = "thread",
        memory_limit_mb: int = DEFAULT_MEMORY_LIMIT_MB,
        cpu_limit_s: float | None = None,
        max_result_bytes: int = DEFAULT_MAX_RESULT_BYTES,
        max_output_chars: int = DEFAULT_MAX_OUTPUT_CHARS,
        max_error_chars: int = DEFAULT_MAX_ERROR_CHARS,
        preload: Iterable[str] = DEFAULT_PRELOAD,
        process_pool_size: int | None = None,
        compiler: AgentCompiler | None = None,
    ) -> None:
        if isolation not in ISOLATION_MODES:
            raise ValueError(
                f"isolation must be one of {', '.join(ISOLATION_MODES)}, not {isolation!r}"
            )
        for name, value in (("timeout_s", timeout_s), ("max_operations", max_operations),
                            ("max_depth", max_depth), ("memory_limit_mb", memory_limit_mb),
                            ("max_result_bytes", max_result_bytes),
                            ("max_output_chars", max_output_chars),
                            ("max_error_chars", max_error_chars)):
            if not value > 0:
                raise ValueError(f"{name} must be positive")
        preload = tuple(preload)
        unknown = sorted(set(preload) - ALLOWED_MODULES)
        if unknown:
            raise ValueError(f"preload names modules the sandbox does not offer: {unknown}")
        self.plugin_manager: pluggy.PluginManager = build_plugin_manager(
            plugins, load_entry_points=load_entry_points
        )
        self.compiler = compiler or AgentCompiler()
        self.timeout_s = timeout_s
        self.max_operations = max_operations
        self.max_depth = max_depth
        self.isolation: IsolationMode = isolation
        self.memory_limit_mb = memory_limit_mb
        self.cpu_limit_s = cpu_limit_s
        self.process_pool_size = process_pool_size
        self.settings = RunSettings(
            max_result_bytes=max_result_bytes,
            max_output_chars=max_output_chars,
            max_error_chars=max_error_chars,
            preload=preload,
        )
        self._executor: Executor = self._make_executor()

    def _make_executor(self) -> Executor:
        if self.isolation == "inline":
            from sandbox_host.execution.inline import InlineExecutor

            return InlineExecutor()
        if self.isolation == "process":
            from sandbox_host.execution.process import ProcessExecutor

            return ProcessExecutor(
                memory_limit_mb=self.memory_limit_mb,
                cpu_limit_s=self.cpu_limit_s,
                pool_size=self.process_pool_size,
            )
        from sandbox_host.execution.threads import ThreadExecutor

        return ThreadExecutor()

    def close(self) -> None:
        """Stop the isolation mode's worker processes (threads are daemons and idle)."""
        self._executor.close()

    def __enter__(self) -> SandboxHost:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def run_sync(
        self,
        source: str,
        input_dict: dict[str, Any] | None = None,
        tools: dict[str, Any] | None = None,
        *,
        context: ExecutionContext,
        timeout_s: float | None = None,
    ) -> RunResult:
        """:meth:`run` for callers that are not async (no event loop needed)."""
        run = self._begin(source, input_dict, tools, context, timeout_s)
        if run.job is not None:
            try:
                _apply(self._executor.execute_blocking(run.job), run.result)
            finally:
                self._end(run)
        return run.result

    async def run(
        self,
        source: str,
        input_dict: dict[str, Any] | None = None,
        tools: dict[str, Any] | None = None,
        *,
        context: ExecutionContext,
        timeout_s: float | None = None,
    ) -> RunResult:
        """Run the agent ``source`` for ``context`` and return its :class:`RunResult`.

        ``input_dict`` and ``tools`` (host callables, sync or async; the agent gets a copy
        of the dict) are passed to the agent's ``run``. Failures never raise here, whatever
        the agent raises or cancels: they are in ``result.error`` (a plugin that fails while
        the run is set up too, as :class:`PluginError`). Only a cancellation of the
        caller's own task propagates, after the run has been stopped.
        ``sandbox_run_finished`` is called whatever happens.
        """
        run = self._begin(source, input_dict, tools, context, timeout_s)
        if run.job is not None:
            try:
                _apply(await self._executor.execute(run.job), run.result)
            finally:
                self._end(run)
        return run.result

    def _begin(
        self,
        source: str,
        input_dict: dict[str, Any] | None,
        tools: dict[str, Any] | None,
        context: ExecutionContext,
        timeout_s: float | None,
    ) -> _Run:
        """Set a run up; a run that cannot start is finished here, with its error."""
        run = _Run(
            started=time.perf_counter(),
            context=context.for_run(),
            limits=RunLimits(timeout_s or self.timeout_s, self.max_operations, self.max_depth),
        )
        try:
            run.job = self._prepare(run.context, source, input_dict, tools, run.limits)
        except AgentCompileError as exc:
            message = truncate(str(exc), self.settings.max_error_chars)
            run.result.error = RunError("CompileError", message, exc.line, exc.source_line)
            self._end(run)
        except Exception as exc:  # a plugin failed while the run was set up
            message = truncate(str(exc), self.settings.max_error_chars)
            run.result.error = RunError(type(exc).__name__, message)
            self._end(run)
        return run

    def _prepare(
        self,
        ctx: ExecutionContext,
        source: str,
        input_dict: dict[str, Any] | None,
        tools: dict[str, Any] | None,
        limits: RunLimits,
    ) -> RunJob:
        self._start(ctx)
        compiled = self.compiler.compile(source)
        token = controls_context(limits)
        try:
            plugin_globals = self.plugin_globals(ctx)
        finally:
            reset_controls(token)
        return RunJob(
            source=source,
            compiled=compiled,
            plugin_globals=plugin_globals,
            input_dict={} if input_dict is None else input_dict,
            tools={} if tools is None else dict(tools),
            limits=limits,
            settings=self.settings,
        )

    def _end(self, run: _Run) -> None:
        run.limits.finish()
        self._finish(run.context, run.result)
        run.result.duration_s = time.perf_counter() - run.started

    def plugin_globals(self, context: ExecutionContext) -> dict[str, Any]:
        """Collect every plugin's ``sandbox_globals`` for ``context``, refusing clashes.

        Implementations are called one by one (not through the hook caller) so a clash can
        name both plugins. Raises :class:`PluginGlobalsClash` or :class:`PluginError`.
        """
        owners: dict[str, str] = {}
        contributed: dict[str, Any] = {}
        for impl in self.plugin_manager.hook.sandbox_globals.get_hookimpls():
            names = _call_plugin(impl, "sandbox_globals", context=context)
            if names is None:
                continue
            if not isinstance(names, Mapping):
                raise PluginError(
                    f"plugin {impl.plugin_name!r}: sandbox_globals must return a dict, "
                    f"not {type(names).__name__}"
                )
            for name, value in names.items():
                if not isinstance(name, str) or not name.isidentifier() or name.startswith("_"):
                    raise PluginError(
                        f"plugin {impl.plugin_name!r}: {name!r} is not a valid sandbox global "
                        "name (identifiers not starting with '_')"
                    )
                if name in RESERVED_GLOBALS:
                    raise PluginGlobalsClash(
                        f"sandbox global {name!r} of plugin {impl.plugin_name!r} clashes with "
                        "a builtin or module name of the sandbox host"
                    )
                if name in owners:
                    raise PluginGlobalsClash(
                        f"sandbox global {name!r} is contributed by both plugin "
                        f"{owners[name]!r} and plugin {impl.plugin_name!r}"
                    )
                owners[name] = impl.plugin_name
                contributed[name] = value
        return contributed

    def _start(self, ctx: ExecutionContext) -> None:
        for impl in self.plugin_manager.hook.sandbox_run_started.get_hookimpls():
            _call_plugin(impl, "sandbox_run_started", context=ctx)

    def _finish(self, ctx: ExecutionContext, result: RunResult) -> None:
        for impl in self.plugin_manager.hook.sandbox_run_finished.get_hookimpls():
            try:
                _call_impl(impl, context=ctx, result=result)
            except Exception as exc:
                result.plugin_errors.append(f"{impl.plugin_name}: {type(exc).__name__}: {exc}")


@dataclass(slots=True)
class _Run:
    """One run as the host tracks it while it is set up, executed and finished."""

    started: float
    context: ExecutionContext
    limits: RunLimits
    result: RunResult = field(default_factory=RunResult)
    job: RunJob | None = None


def _apply(outcome: RunOutcome, result: RunResult) -> None:
    result.output = outcome.output
    result.error = outcome.error
    result.stdout = outcome.stdout


def _call_impl(impl: pluggy.HookImpl, **kwargs: Any) -> Any:
    # pluggy lets an implementation take a subset of the hook's arguments, by name.
    return impl.function(*(kwargs[name] for name in impl.argnames))


def _call_plugin(impl: pluggy.HookImpl, hook_name: str, **kwargs: Any) -> Any:
    try:
        return _call_impl(impl, **kwargs)
    except Exception as exc:
        raise PluginError(
            f"plugin {impl.plugin_name!r} failed in {hook_name}: {type(exc).__name__}: {exc}"
        ) from exc

