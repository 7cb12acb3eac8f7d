"""Run one agent: compile (cached), assemble its globals, call the hooks, run ``run()``."""

from __future__ import annotations

import asyncio
import inspect
import json
import time
from collections.abc import Iterable, Mapping
from types import FunctionType, TracebackType
from typing import Any

import pluggy

from sandbox_host.compiler import AgentCompileError, AgentCompiler, CompiledAgent
from sandbox_host.context import ExecutionContext
from sandbox_host.facades import ALLOWED_MODULES, make_importer
from sandbox_host.guards import GUARD_GLOBALS, SAFE_BUILTINS, PrintCollector
from sandbox_host.limits import (
    DEFAULT_MAX_DEPTH,
    DEFAULT_MAX_OPERATIONS,
    DEFAULT_TIMEOUT_S,
    ExecutionTimeout,
    RunLimits,
)
from sandbox_host.plugins import build_plugin_manager
from sandbox_host.result import RunError, RunResult

RUN_SIGNATURE = "async def run(input_dict, tools)"
PER_RUN_GLOBALS = frozenset({"__builtins__", "_print_", "_tick_", "_enter_", "print", "printed"})
RESERVED_GLOBALS = (
    frozenset(SAFE_BUILTINS) | frozenset(GUARD_GLOBALS) | PER_RUN_GLOBALS | ALLOWED_MODULES
)
"""Names plugins may not contribute: the host's own builtins, guards and module names."""


class PluginError(Exception):
    """A plugin failed or misbehaved while a run was being set up."""


class PluginGlobalsClash(PluginError):
    """Two plugins -- or a plugin and the host -- contribute the same sandbox global."""


class AgentDefinitionError(Exception):
    """The agent does not define ``async def run(input_dict, tools)``."""


class AgentResultError(TypeError):
    """``run()`` returned something other than a JSON-serialisable dict."""


class SandboxHost:
    """Runs untrusted agents under RestrictedPython, extended by pluggy plugins.

    ``plugins`` are registered by hand; entry-point plugins of the ``sandbox_host`` group
    load too unless ``load_entry_points`` is false. ``timeout_s``, ``max_operations`` and
    ``max_depth`` are the defaults of every run (see :mod:`sandbox_host.limits`).
    """

    def __init__(
        self,
        plugins: Iterable[Any] = (),
        *,
        load_entry_points: bool = True,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        max_operations: int = DEFAULT_MAX_OPERATIONS,
        max_depth: int = DEFAULT_MAX_DEPTH,
        compiler: AgentCompiler | None = None,
    ) -> None:
        self.plugin_manager: pluggy.PluginManager = build_plugin_manager(
            plugins, load_entry_points=load_entry_points
        )
        self.compiler = compiler or AgentCompiler()
        self.timeout_s = timeout_s
        self.max_operations = max_operations
        self.max_depth = max_depth

    def run_sync(
        self,
        source: str,
        input_dict: dict[str, Any] | None = None,
        tools: dict[str, Any] | None = None,
        *,
        context: ExecutionContext,
        timeout_s: float | None = None,
    ) -> RunResult:
        """:meth:`run` in a fresh event loop, for callers that are not async."""
        return asyncio.run(
            self.run(source, input_dict, tools, context=context, timeout_s=timeout_s)
        )

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

        ``input_dict`` and ``tools`` (host callables, sync or async) are passed to the
        agent's ``run`` as given. Agent failures never raise here: they are in
        ``result.error``. ``sandbox_run_finished`` is called whatever happens.
        """
        started = time.perf_counter()
        ctx = context.for_run()
        result = RunResult()
        limits = RunLimits(timeout_s or self.timeout_s, self.max_operations, self.max_depth)
        printer = PrintCollector()
        compiled: CompiledAgent | None = None
        try:
            self._start(ctx)
            compiled = self.compiler.compile(source)
            run_globals = self._build_globals(ctx, limits, printer)
            result.output = await self._execute(
                compiled, run_globals, limits, {} if input_dict is None else input_dict, tools
            )
        except AgentCompileError as exc:
            result.error = RunError("CompileError", str(exc), exc.line, exc.source_line)
        except (Exception, ExecutionTimeout, GeneratorExit) as exc:
            result.error = _run_error(exc, compiled)
        finally:
            result.stdout = printer.text()
            self._finish(ctx, result)
            result.duration_s = time.perf_counter() - started
        return result

    def _build_globals(
        self, ctx: ExecutionContext, limits: RunLimits, printer: PrintCollector
    ) -> dict[str, Any]:
        # mappingproxy.copy() copies the underlying dict directly; dict(proxy) goes
        # through the generic mapping protocol and is several times slower.
        run_builtins = SAFE_BUILTINS.copy()
        run_builtins["__import__"] = make_importer(limits)
        run_globals: dict[str, Any] = GUARD_GLOBALS.copy()
        run_globals.update(self.plugin_globals(ctx))
        run_globals["__builtins__"] = run_builtins
        run_globals["_print_"] = printer.factory
        run_globals["_tick_"] = limits.make_tick()
        run_globals["_enter_"] = limits.make_enter()
        return run_globals

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

    async def _execute(
        self,
        compiled: CompiledAgent,
        run_globals: dict[str, Any],
        limits: RunLimits,
        input_dict: dict[str, Any],
        tools: dict[str, Any] | None,
    ) -> dict[str, Any]:
        limits.start_depth_count()
        timeout = asyncio.timeout(limits.remaining_s())
        try:
            exec(compiled.code, run_globals)
            run = _agent_run_function(run_globals, compiled)
            async with timeout:
                output = await run(input_dict, {} if tools is None else tools)
        except TimeoutError as exc:
            if timeout.expired():
                raise limits.deadline_error() from exc
            raise
        except (Exception, ExecutionTimeout) as exc:
            if limits.exceeded is not None and exc is not limits.exceeded:
                # The agent caught the timeout and raised something else instead.
                raise limits.exceeded from exc
            raise
        if timeout.expired():
            # The agent swallowed the cancellation and returned anyway.
            raise limits.deadline_error()
        if limits.exceeded is not None:
            # The agent caught ExecutionTimeout and returned anyway.
            raise limits.exceeded
        return _json_result(output)

    def _start(self, ctx: ExecutionContext) -> None:
        for impl in self.plugin_manager.hook.sandbox_run_started.get_hookimpls():
            _call_plugin(impl, "sandbox_run_started", context=ctx)

    def _finish(self, ctx: ExecutionContext, result: RunResult) -> None:
        for impl in self.plugin_manager.hook.sandbox_run_finished.get_hookimpls():
            try:
                _call_impl(impl, context=ctx, result=result)
            except Exception as exc:
                result.plugin_errors.append(f"{impl.plugin_name}: {type(exc).__name__}: {exc}")


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


def _json_result(output: Any) -> dict[str, Any]:
    if not isinstance(output, dict):
        raise AgentResultError(f"run() must return a dict, not {type(output).__name__}")
    try:
        text = json.dumps(output, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise AgentResultError(f"run() must return a JSON-serialisable dict: {exc}") from None
    # A copy of plain data: nothing the agent defined (and could hook) reaches the host.
    result: dict[str, Any] = json.loads(text)
    return result


def _agent_line(exc: BaseException, compiled: CompiledAgent | None) -> int | None:
    """The agent line nearest to where ``exc`` (or an exception it came from) was raised."""
    if compiled is None:
        return None
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        line = None
        tb: TracebackType | None = current.__traceback__
        while tb is not None:
            if tb.tb_frame.f_code.co_filename == compiled.filename:
                line = tb.tb_lineno
            tb = tb.tb_next
        if line is not None:
            return line
        current = current.__cause__ or current.__context__
    return None


def _run_error(exc: BaseException, compiled: CompiledAgent | None) -> RunError:
    line = _agent_line(exc, compiled)
    source_line = compiled.line_text(line) if compiled is not None else None
    return RunError(type(exc).__name__, str(exc), line, source_line)
