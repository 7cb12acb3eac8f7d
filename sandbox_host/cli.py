"""``sandbox-host``: run an agent file for a user and agent, or list the loaded plugins.

Exit codes: 0 the agent returned a result, 1 the agent failed (its error and line are on
stderr), 2 the command could not run (bad arguments or input, missing file, invalid IDs,
plugins that fail to load or are misconfigured), 130 interrupted.

Everything this command prints that an agent controls (its result, printed text, error
message, data store keys and values in the trace) goes through :mod:`sandbox_host.terminal`,
so no escape sequence of an agent reaches the operator's terminal.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import logging
import math
import sys
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, TextIO

from pydantic import ValidationError

from sandbox_host.context import ExecutionContext
from sandbox_host.execution import ISOLATION_MODES
from sandbox_host.limits import DEFAULT_TIMEOUT_S
from sandbox_host.plugins import PLUGINS_ENV_VAR
from sandbox_host.result import RunResult
from sandbox_host.runner import DEFAULT_MEMORY_LIMIT_MB, PluginError, SandboxHost
from sandbox_host.terminal import escape_json, escape_line, escape_text

EXIT_OK = 0
EXIT_AGENT_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

EPILOG = """\
exit codes: 0 the agent returned a result (printed as JSON on stdout); 1 the agent failed
(its error and line on stderr); 2 the command could not run (bad arguments or input,
missing file, invalid IDs, plugins that fail to load or are misconfigured); 130 interrupted.
"""

RUN_EPILOG = f"""\
data: the data_store plugin keeps records in $AGENT_DATA_STORE_URL, else in the embedded
SQLite file data.db under the user data directory (~/.local/share/agent-data-store/ on
Linux); see the README's Configuration section for the other variables.

{EPILOG}"""


class UsageError(Exception):
    """The command line or its input cannot be used; exit code 2."""


def package_version() -> str:
    """The installed version of the project (``unknown`` when run from a bare checkout)."""
    try:
        return version("agent-data-store")
    except PackageNotFoundError:
        return "unknown"


def positive_seconds(text: str) -> float:
    """An ``argparse`` type: a finite, positive number of seconds."""
    try:
        seconds = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not math.isfinite(seconds) or seconds <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds, not {text!r}")
    return seconds


def namespace_patterns(text: str) -> list[str]:
    """An ``argparse`` type: comma-separated namespace patterns, spaces around each ignored;
    the empty string is no namespace at all."""
    if not text.strip():
        return []
    patterns = [pattern.strip() for pattern in text.split(",")]
    if not all(patterns):
        raise argparse.ArgumentTypeError(
            f"{text!r} has an empty pattern; separate patterns with single commas"
        )
    return patterns


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``sandbox-host``."""
    parser = argparse.ArgumentParser(
        prog="sandbox-host",
        description="Run untrusted agents in the RestrictedPython sandbox.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version",
                        version=f"%(prog)s {package_version()}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser(
        "run",
        help="run AGENT_FILE's `async def run(input_dict, tools)` and print its result",
        description="Run AGENT_FILE's `async def run(input_dict, tools)` in the sandbox for "
        "one user and agent, and print the dict it returns as JSON on stdout.",
        epilog=RUN_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    run.add_argument("agent_file", metavar="AGENT_FILE", type=Path,
                     help="the agent's Python source file")
    run.add_argument("--user", required=True,
                     help="user ID the agent runs for (its data store is this user's)")
    run.add_argument("--agent", help="agent name (default: the file name without .py)")
    run.add_argument(
        "--read-namespaces", metavar="PATTERNS", type=namespace_patterns,
        help="comma-separated shell-style patterns of the namespaces the agent may read, "
        "e.g. 'default,shared-*' ('' for none; default: every namespace of the user)",
    )
    run.add_argument(
        "--write-namespaces", metavar="PATTERNS", type=namespace_patterns,
        help="comma-separated shell-style patterns of the namespaces the agent may write, "
        "e.g. 'reports' ('' for none; default: every namespace of the user)",
    )
    source = run.add_mutually_exclusive_group()
    source.add_argument("--input", metavar="JSON",
                        help="input_dict as a JSON object (default: {})")
    source.add_argument("--input-file", metavar="F", type=Path,
                        help="file holding input_dict as a JSON object")
    run.add_argument("--timeout", metavar="S", type=positive_seconds,
                     help=f"wall-clock limit of the run in seconds (default: "
                     f"{DEFAULT_TIMEOUT_S:g})")
    run.add_argument(
        "--isolation",
        choices=ISOLATION_MODES,
        default="thread",
        help="how the run executes: thread (default; an event loop of its own in a worker thread), "
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
        "--trace", action="store_true",
        help="show printed output and data store operations on stderr",
    )
    run.add_argument(
        "--trace-format", choices=("text", "json"),
        help="how --trace writes (implies --trace): text for people (default), or json, one "
        "object with printed, operations, durationMs and error",
    )

    commands.add_parser(
        "plugins", help="list loaded plugins and the hooks they implement", epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``sandbox-host`` console script; returns the exit code."""
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # argparse exits on --help, --version and usage errors
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    _log_to_stderr()
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
        _error(str(exc))
        return EXIT_USAGE
    except KeyboardInterrupt:
        _error("interrupted")
        return EXIT_INTERRUPTED


class _EscapingFormatter(logging.Formatter):
    """Log lines on one line each, with control characters escaped: messages can carry keys."""

    def format(self, record: logging.LogRecord) -> str:
        return escape_line(super().format(record))


def _log_to_stderr() -> None:
    """Show plugins' warnings (e.g. the full reason a data store call failed) on stderr."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_EscapingFormatter("sandbox-host: log: %(message)s"))
    logging.basicConfig(level=logging.WARNING, handlers=[handler])


def _error(message: str) -> None:
    print(f"sandbox-host: error: {escape_line(message)}", file=sys.stderr)


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
    context = _context(args.user, args.agent or args.agent_file.stem,
                       args.read_namespaces, args.write_namespaces)
    tools = _load_tools(args.tools) if args.tools is not None else {}
    result = host.run_sync(
        source, input_dict, tools=tools, context=context, timeout_s=args.timeout
    )
    if args.trace_format == "json":
        print_trace_json(result, sys.stderr)
    elif args.trace:
        print_trace(result, sys.stderr)
    for problem in result.plugin_errors:
        print(f"sandbox-host: warning: {escape_line(problem)}", file=sys.stderr)
    error = result.error
    if error is not None and error.type == PluginError.__name__ and error.line is None:
        # A plugin could not set the run up (e.g. its configuration is invalid): no agent
        # code ran, so this is the command's fault, not the agent's.
        raise UsageError(f"the run could not be set up: {error.message}")
    if error is not None:
        print(escape_line(f"{args.agent_file}: {error.type}: {error.message}"), file=sys.stderr)
        if error.line is not None:
            where = f"  at agent line {error.line}"
            source_line = error.source_line
            line = f"{where}: {source_line}" if source_line else where
            print(escape_line(line), file=sys.stderr)
        return EXIT_AGENT_ERROR
    print(escape_json(json.dumps(result.output, indent=2, ensure_ascii=False)))
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


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _read_input(text: str | None, path: Path | None) -> dict[str, Any]:
    if path is not None:
        text = _read_text(path, "input file")
    if text is None:
        return {}
    try:
        value = json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        raise UsageError(f"input is not valid JSON: {exc}") from None
    except ValueError as exc:  # NaN, Infinity
        raise UsageError(f"input is not valid JSON: {exc}") from None
    except RecursionError:
        raise UsageError("input is not usable JSON: it is nested too deeply") from None
    if not isinstance(value, dict):
        raise UsageError(f"input must be a JSON object, not {type(value).__name__}")
    return value


_CONTEXT_OPTIONS = {
    "user_id": "--user", "agent_name": "--agent",
    "read_namespaces": "--read-namespaces", "write_namespaces": "--write-namespaces",
}


def _context(
    user: str, agent: str, read_namespaces: list[str] | None, write_namespaces: list[str] | None
) -> ExecutionContext:
    try:
        return ExecutionContext(user_id=user, agent_name=agent, read_namespaces=read_namespaces,
                                write_namespaces=write_namespaces)
    except ValidationError as exc:
        problems = "; ".join(
            f"{_CONTEXT_OPTIONS.get(str(error['loc'][0]), error['loc'][0])}: "
            f"{error['msg'].removeprefix('Value error, ')}"
            for error in exc.errors()
        )
        raise UsageError(f"invalid execution context: {problems}") from None


def print_trace(result: RunResult, out: TextIO) -> None:
    """Write the captured output and the operation log of ``result`` readably to ``out``.

    Control characters of the agent's text are shown escaped (see :mod:`sandbox_host.terminal`).
    """
    print(f"--- printed output ({len(result.stdout)} characters) ---", file=out)
    if result.stdout:
        text = escape_text(result.stdout)
        print(text, end="" if text.endswith("\n") else "\n", file=out)
    print(f"--- operations ({len(result.ops)}) ---", file=out)
    for op in result.ops:
        print(format_op(op), file=out)
    print(f"--- finished in {result.duration_s * 1000:.1f} ms ---", file=out)


def print_trace_json(result: RunResult, out: TextIO) -> None:
    """Write the trace of ``result`` as one JSON object on one line, for programs.

    ``{"printed": str, "operations": [op, ...], "durationMs": float, "error": null |
    {"type", "message", "line", "sourceLine"}, "pluginErrors": [str, ...]}``; each
    operation is the data store's log entry as it is.
    """
    error = result.error
    trace = {
        "printed": result.stdout,
        "operations": result.ops,
        "durationMs": round(result.duration_s * 1000, 3),
        "error": None if error is None else {
            "type": error.type, "message": error.message, "line": error.line,
            "sourceLine": error.source_line,
        },
        "pluginErrors": result.plugin_errors,
    }
    print(escape_json(json.dumps(trace, ensure_ascii=False, default=str)), file=out)


_OP_FIELDS = ("ts", "agent", "op", "namespace", "key", "count", "found", "valuePreview")


def format_op(op: dict[str, Any]) -> str:
    """One operation log entry on one line: the known fields in order, then the rest."""
    parts = [str(op["ts"])] if "ts" in op else []
    parts += [f"{field}={op[field]!r}" for field in _OP_FIELDS[1:] if field in op]
    parts += [f"{name}={value!r}" for name, value in op.items() if name not in _OP_FIELDS]
    return "  " + escape_line(" ".join(parts))


def _list_plugins(host: SandboxHost) -> int:
    manager = host.plugin_manager
    plugins = manager.list_name_plugin()
    if not plugins:
        print(f"no plugins loaded ({PLUGINS_ENV_VAR} may restrict them)")
    for name, plugin in plugins:
        callers = manager.get_hookcallers(plugin) or []
        hooks = ", ".join(sorted(caller.name for caller in callers)) or "(no hooks)"
        print(escape_line(f"{name}: {hooks}"))
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
