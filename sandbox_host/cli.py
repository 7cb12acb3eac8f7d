"""``sandbox-host``: run an agent file for a user and agent, or list the loaded plugins.

Exit codes: 0 the agent returned a result, 1 the agent failed (its error and line are on
stderr), 2 the command could not run (bad arguments or input, missing file, invalid IDs,
plugins that fail to load).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from pydantic import ValidationError

from sandbox_host.context import ExecutionContext
from sandbox_host.execution import ISOLATION_MODES
from sandbox_host.plugins import PLUGINS_ENV_VAR
from sandbox_host.result import RunResult
from sandbox_host.runner import DEFAULT_MEMORY_LIMIT_MB, SandboxHost

EXIT_OK = 0
EXIT_AGENT_ERROR = 1
EXIT_USAGE = 2


class UsageError(Exception):
    """The command line or its input cannot be used; exit code 2."""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``sandbox-host``."""
    parser = argparse.ArgumentParser(
        prog="sandbox-host", description="Run untrusted agents in the RestrictedPython sandbox."
    )
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="run AGENT_FILE's `async def run(input_dict, tools)`")
    run.add_argument("agent_file", metavar="AGENT_FILE", type=Path)
    run.add_argument("--user", required=True, help="user ID the agent runs for")
    run.add_argument("--agent", help="agent name (default: the file name without .py)")
    source = run.add_mutually_exclusive_group()
    source.add_argument("--input", metavar="JSON", help="input_dict as a JSON object")
    source.add_argument("--input-file", metavar="F", type=Path, help="file with a JSON object")
    run.add_argument("--timeout", metavar="S", type=float, help="wall-clock limit in seconds")
    run.add_argument(
        "--isolation",
        choices=ISOLATION_MODES,
        default="thread",
        help="how the run executes: thread (default; a fresh event loop in a worker thread), "
        "process (a worker process with memory, CPU and process limits) or inline",
    )
    run.add_argument(
        "--memory-mb",
        metavar="N",
        type=int,
        default=DEFAULT_MEMORY_LIMIT_MB,
        help=f"memory limit of a run under --isolation process (default {DEFAULT_MEMORY_LIMIT_MB})",
    )
    run.add_argument(
        "--tools",
        metavar="PYFILE",
        type=Path,
        help="trusted Python file whose tools() function returns the agent's tools dict",
    )
    run.add_argument(
        "--trace", action="store_true", help="show printed output and operations on stderr"
    )

    commands.add_parser("plugins", help="list loaded plugins and the hooks they implement")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``sandbox-host`` console script; returns the exit code."""
    args = build_parser().parse_args(argv)
    try:
        if args.command == "plugins":
            return _list_plugins(_load_host())
        if args.memory_mb <= 0:
            raise UsageError("--memory-mb must be a positive number of MiB")
        options = {"isolation": args.isolation, "memory_limit_mb": args.memory_mb,
                   "process_pool_size": 1}
        with _load_host(**options) as host:
            return _run(host, args)
    except UsageError as exc:
        print(f"sandbox-host: error: {exc}", file=sys.stderr)
        return EXIT_USAGE


def _load_host(**options: Any) -> SandboxHost:
    try:
        return SandboxHost(**options)
    except Exception as exc:
        raise UsageError(
            f"could not load sandbox plugins ({type(exc).__name__}: {exc}); set "
            f"{PLUGINS_ENV_VAR} to a comma-separated list of plugins to load (empty for none)"
        ) from exc


def _run(host: SandboxHost, args: argparse.Namespace) -> int:
    source = _read_text(args.agent_file, "agent file")
    input_dict = _read_input(args.input, args.input_file)
    context = _context(args.user, args.agent or args.agent_file.stem)
    if args.timeout is not None and args.timeout <= 0:
        raise UsageError("--timeout must be a positive number of seconds")
    tools = _load_tools(args.tools) if args.tools is not None else {}
    result = host.run_sync(
        source, input_dict, tools=tools, context=context, timeout_s=args.timeout
    )
    if args.trace:
        print_trace(result, sys.stderr)
    for problem in result.plugin_errors:
        print(f"sandbox-host: warning: {problem}", file=sys.stderr)
    if result.error is not None:
        print(f"{args.agent_file}: {result.error.type}: {result.error.message}", file=sys.stderr)
        if result.error.line is not None:
            where = f"  at agent line {result.error.line}"
            source_line = result.error.source_line
            print(f"{where}: {source_line}" if source_line else where, file=sys.stderr)
        return EXIT_AGENT_ERROR
    print(json.dumps(result.output, indent=2, ensure_ascii=False))
    return EXIT_OK


def _load_tools(path: Path) -> dict[str, Any]:
    """Import the host-side tools file (trusted code, not sandboxed) and call its ``tools()``."""
    _read_text(path, "tools file")
    spec = importlib.util.spec_from_file_location(f"sandbox_tools_{path.stem}", path)
    if spec is None or spec.loader is None:
        raise UsageError(f"cannot load tools file {path}")
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        raise UsageError(f"tools file {path} failed to load: {type(exc).__name__}: {exc}") from None
    factory = getattr(module, "tools", None)
    if not callable(factory):
        raise UsageError(f"tools file {path} must define a function tools() returning a dict")
    tools = factory()
    if not isinstance(tools, dict) or not all(isinstance(name, str) for name in tools):
        raise UsageError(f"tools() in {path} must return a dict of name to callable")
    return tools


def _read_text(path: Path, what: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"{what} not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read {what} {path}: {exc}") from None


def _read_input(text: str | None, path: Path | None) -> dict[str, Any]:
    if path is not None:
        text = _read_text(path, "input file")
    if text is None:
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(f"input is not valid JSON: {exc}") from None
    if not isinstance(value, dict):
        raise UsageError(f"input must be a JSON object, not {type(value).__name__}")
    return value


def _context(user: str, agent: str) -> ExecutionContext:
    try:
        return ExecutionContext(user_id=user, agent_name=agent)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'--user' if error['loc'][0] == 'user_id' else '--agent'}: "
            f"{error['msg'].removeprefix('Value error, ')}"
            for error in exc.errors()
        )
        raise UsageError(f"invalid execution context: {problems}") from None


def print_trace(result: RunResult, out: TextIO) -> None:
    """Write the captured output and the operation log of ``result`` readably to ``out``."""
    print(f"--- printed output ({len(result.stdout)} characters) ---", file=out)
    if result.stdout:
        print(result.stdout, end="" if result.stdout.endswith("\n") else "\n", file=out)
    print(f"--- operations ({len(result.ops)}) ---", file=out)
    for op in result.ops:
        print(format_op(op), file=out)
    print(f"--- finished in {result.duration_s * 1000:.1f} ms ---", file=out)


_OP_FIELDS = ("ts", "agent", "op", "namespace", "key", "count", "found", "valuePreview")


def format_op(op: dict[str, Any]) -> str:
    """One operation log entry on one line: the known fields in order, then the rest."""
    parts = [str(op["ts"])] if "ts" in op else []
    parts += [f"{field}={op[field]!r}" for field in _OP_FIELDS[1:] if field in op]
    parts += [f"{name}={value!r}" for name, value in op.items() if name not in _OP_FIELDS]
    return "  " + " ".join(parts)


def _list_plugins(host: SandboxHost) -> int:
    manager = host.plugin_manager
    plugins = manager.list_name_plugin()
    if not plugins:
        print(f"no plugins loaded ({PLUGINS_ENV_VAR} may restrict them)")
    for name, plugin in plugins:
        callers = manager.get_hookcallers(plugin) or []
        hooks = ", ".join(sorted(caller.name for caller in callers)) or "(no hooks)"
        print(f"{name}: {hooks}")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
