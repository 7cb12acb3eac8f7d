"""Facades of the modules that report: traceback, warnings, pprint.

In CPython they write to standard output or standard error; here to the run's printed
output, as ``print`` and ``logging`` do. Tracebacks show the agent's own frames only (the
host's would reveal its file paths). ``warnings`` keeps its filters per run.
"""

from __future__ import annotations

import pprint as _pprint
import sys
import traceback as _traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

from sandbox_host.facades.core import ModuleFacade, pick
from sandbox_host.guards import AGENT_FILENAME_PREFIX
from sandbox_host.scope import RunScope, current_scope


def exception_lines(error: BaseException) -> list[str]:
    """``traceback.format_exception(error)`` with the agent's own frames only."""
    summary = _traceback.TracebackException.from_exception(error)
    lines: list[str] = []
    frames = [frame for frame in summary.stack
              if frame.filename.startswith(AGENT_FILENAME_PREFIX)]
    if frames:
        lines.append("Traceback (most recent call last):\n")
    for frame in frames:
        lines.append(f'  File "<agent>", line {frame.lineno}, in {frame.name}\n')
        if frame.line:
            lines.append(f"    {frame.line}\n")
    lines.extend(summary.format_exception_only())
    return lines


def _current_error() -> BaseException | None:
    return sys.exc_info()[1]


def format_exc(limit: int | None = None, chain: bool = True) -> str:
    """The exception being handled, as ``traceback.format_exc`` shows it."""
    error = _current_error()
    return "NoneType: None\n" if error is None else "".join(exception_lines(error))


def format_exception(exc: BaseException, /, *args: Any, **kwargs: Any) -> list[str]:
    """``traceback.format_exception(exc)``."""
    if isinstance(exc, type):  # the old (type, value, tb) form
        exc = args[0] if args else exc()
    return exception_lines(exc)


def format_exception_only(exc: BaseException, /, *args: Any) -> list[str]:
    """``traceback.format_exception_only(exc)``."""
    if isinstance(exc, type):
        exc = args[0] if args else exc()
    return list(_traceback.TracebackException.from_exception(exc).format_exception_only())


def print_exc(limit: int | None = None, file: Any = None, chain: bool = True) -> None:
    """Write the exception being handled to the run's output (or ``file``)."""
    _write(format_exc(), file)


def print_exception(exc: BaseException, /, *args: Any, file: Any = None, **kwargs: Any) -> None:
    """Write ``exc`` to the run's output (or ``file``)."""
    _write("".join(format_exception(exc, *args)), file)


def _write(text: str, file: Any) -> None:
    if file is None:
        current_scope().printer.write(text)
    else:
        file.write(text)


def _pprint_to_output(obj: Any, stream: Any = None, **kwargs: Any) -> None:
    """``pprint.pprint`` writing to the run's output (or ``stream``)."""
    _write(_pprint.pformat(obj, **kwargs) + "\n", stream)


def _pp(obj: Any, *args: Any, sort_dicts: bool = False, **kwargs: Any) -> None:
    """``pprint.pp``: like ``pprint`` with dicts in insertion order."""
    _pprint_to_output(obj, *args, sort_dicts=sort_dicts, **kwargs)


REPORTING_FACADES = {
    "traceback": ModuleFacade(
        "traceback",
        {"format_exc": format_exc, "format_exception": format_exception,
         "format_exception_only": format_exception_only, "print_exc": print_exc,
         "print_exception": print_exception},
        refused={name: "frames and tracebacks are not available in the sandbox"
                 for name in ("extract_stack", "extract_tb", "format_stack", "format_tb",
                              "print_stack", "print_tb", "walk_stack", "walk_tb",
                              "TracebackException", "StackSummary", "FrameSummary")},
    ),
    "pprint": ModuleFacade(
        "pprint",
        {**pick(_pprint, "pformat saferepr isreadable isrecursive"),
         "pprint": _pprint_to_output, "pp": _pp},
        refused={"PrettyPrinter": "it writes to the host's standard output; use "
                                  "pprint.pformat"},
    ),
}
"""Reporting facades without per-run state."""


_DEFAULT_FILTERS = tuple(
    ("ignore", "", category)
    for category in (DeprecationWarning, PendingDeprecationWarning, ImportWarning,
                     ResourceWarning)
)
"""CPython's default filters for code outside ``__main__``, which agent code is."""


class _Warnings:
    """One run's ``warnings``: its filters, the warnings already shown."""

    def __init__(self, scope: RunScope) -> None:
        self.scope = scope
        self.action = "default"
        self.filters: list[tuple[str, str, type[Warning]]] = list(_DEFAULT_FILTERS)
        self.shown: set[tuple[str, type[Warning], int]] = set()

    def warn(self, message: Any, category: type[Warning] | None = None,
             stacklevel: int = 1, source: Any = None) -> None:
        """Show ``message`` once per place, as CPython's default filter does."""
        if isinstance(message, Warning):
            category, text = type(message), str(message)
        else:
            category, text = category or UserWarning, str(message)
        if not (isinstance(category, type) and issubclass(category, Warning)):
            raise TypeError(f"category must be a Warning subclass, not '{type(category).__name__}'")
        action = self._action(text, category)
        if action == "ignore":
            return
        if action == "error":
            raise category(text)
        line = _agent_line(stacklevel)
        key = (text, category, line)
        if action in ("default", "once", "module") and key in self.shown:
            return
        self.shown.add(key)
        self.scope.printer.write(f"<agent>:{line}: {category.__name__}: {text}\n")

    def _action(self, text: str, category: type[Warning]) -> str:
        for action, pattern, kind in self.filters:
            if issubclass(category, kind) and text.startswith(pattern):
                return action
        return self.action

    def simplefilter(self, action: str, category: type[Warning] = Warning,
                     lineno: int = 0, append: bool = False) -> None:
        """Add a filter for every message of ``category`` (this run only)."""
        self.filterwarnings(action, "", category, "", lineno, append)

    def filterwarnings(self, action: str, message: str = "", category: type[Warning] = Warning,
                       module: str = "", lineno: int = 0, append: bool = False) -> None:
        """Add a filter (this run only)."""
        if action not in ("default", "error", "ignore", "always", "module", "once"):
            raise ValueError(f"invalid action: {action!r}")
        entry = (action, message, category)
        if append:
            self.filters.append(entry)
        else:
            self.filters.insert(0, entry)

    def resetwarnings(self) -> None:
        """Forget this run's filters (CPython's defaults go too, as there)."""
        self.filters.clear()

    @contextmanager
    def catch_warnings(self, *, record: bool = False, action: str | None = None,
                       category: type[Warning] = Warning) -> Iterator[list[Any] | None]:
        """Keep filter changes inside the block."""
        saved = (list(self.filters), self.action)
        if action is not None:
            self.simplefilter(action, category)
        try:
            yield [] if record else None
        finally:
            self.filters[:], self.action = saved


def agent_frame(stacklevel: int = 1) -> FrameType | None:
    """The ``stacklevel``-th agent frame up the stack: who called a facade function."""
    frame: FrameType | None = sys._getframe(1)
    seen = 0
    while frame is not None:
        if frame.f_code.co_filename.startswith(AGENT_FILENAME_PREFIX):
            seen += 1
            if seen >= stacklevel:
                return frame
        frame = frame.f_back
    return None


def _agent_line(stacklevel: int) -> int:
    frame = agent_frame(stacklevel)
    return 0 if frame is None else frame.f_lineno


def build_warnings(scope: RunScope) -> ModuleFacade:
    """The ``warnings`` facade of one run."""
    state = _Warnings(scope)
    members: dict[str, Callable[..., Any]] = {
        name: getattr(state, name)
        for name in ("warn", "simplefilter", "filterwarnings", "resetwarnings",
                     "catch_warnings")
    }
    return ModuleFacade("warnings", members)
