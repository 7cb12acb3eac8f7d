"""Turn what agent code produced into plain data, inside the run, under its limits.

The host never handles agent objects itself: the result dict, an exception's message and
type are copied here, while the run still owns the thread and its limits apply, into
``dict``/``list``/``str``/numbers and :class:`~sandbox_host.result.RunError`. Copying uses
the C-level methods of the builtin types (``dict.items(d)``, ``str.__str__(s)``), never a
method an agent class overrides; what does run agent code (``str(exc)``) is contained.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from sandbox_host.result import RunError

MAX_RESULT_DEPTH = 500
"""Deepest nesting of lists and dicts a result may have."""


class AgentResultError(TypeError):
    """``run()`` returned something other than a JSON-serialisable dict of string keys."""


@dataclass(slots=True)
class RunOutcome:
    """What one run produced, as plain data only (also what a worker process sends back)."""

    output: dict[str, Any] | None = None
    error: RunError | None = None
    stdout: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


_SCALARS = (str, int, float, type(None))


def plain_result(output: Any, max_bytes: int) -> dict[str, Any]:
    """A plain JSON copy of the dict ``run()`` returned, or :class:`AgentResultError`.

    Non-string keys are refused rather than turned into strings (``{1: "a"}`` would come
    back as ``{"1": "a"}``, and ``{1: "a", "1": "b"}`` would lose a value). A result over
    ``max_bytes`` of JSON is refused with its size.
    """
    if not isinstance(output, dict):
        raise AgentResultError(f"run() must return a dict, not {type(output).__name__}")
    copied = _copy(output, "result", 0, set())
    try:
        text = json.dumps(copied, allow_nan=False, ensure_ascii=False)
    except ValueError as exc:
        raise AgentResultError(f"run() must return a JSON-serialisable dict: {exc}") from None
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > max_bytes:
        raise AgentResultError(
            f"run() returned {size:,} bytes of JSON; the limit is {max_bytes:,} bytes"
        )
    return copied  # type: ignore[no-any-return]


NOT_SCALAR: Any = object()


def plain_scalar(value: Any) -> Any:
    """``value`` as a plain ``str``/``int``/``float``/``bool`` if it is one or a subclass of
    one (copied with the builtin type's own method, never an override), else
    :data:`NOT_SCALAR`."""
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, int):
        return int.__int__(value)
    if isinstance(value, float):
        return float.__float__(value)
    return NOT_SCALAR


def _copy(value: Any, path: str, depth: int, active: set[int]) -> Any:
    kind = type(value)
    if kind in _SCALARS or kind is bool:
        return value
    if depth >= MAX_RESULT_DEPTH:
        raise AgentResultError(f"run() result is nested deeper than {MAX_RESULT_DEPTH} levels")
    if isinstance(value, dict):
        return _copy_container(value, path, depth, active, _copy_dict)
    if isinstance(value, (list, tuple)):
        return _copy_container(value, path, depth, active, _copy_list)
    scalar = plain_scalar(value)
    if scalar is not NOT_SCALAR:
        return scalar
    raise AgentResultError(
        f"run() must return a JSON-serialisable dict: {path} is a {kind.__name__}"
    )


def _copy_container(value: Any, path: str, depth: int, active: set[int], copier: Any) -> Any:
    ident = id(value)
    if ident in active:
        raise AgentResultError(f"run() result refers to itself at {path}")
    active.add(ident)
    try:
        return copier(value, path, depth, active)
    finally:
        active.discard(ident)


def _copy_dict(value: dict[Any, Any], path: str, depth: int, active: set[int]) -> dict[str, Any]:
    copied: dict[str, Any] = {}
    for key, item in dict.items(value):
        if not isinstance(key, str):
            raise AgentResultError(
                f"run() result has a key of type {type(key).__name__} at {path}: JSON keys "
                f"are strings; convert it, e.g. {{str(k): v}}"
            )
        key = str.__str__(key)
        copied[key] = _copy(item, f"{path}[{key!r}]", depth + 1, active)
    return copied


def _copy_list(value: Any, path: str, depth: int, active: set[int]) -> list[Any]:
    items = list.__iter__(value) if isinstance(value, list) else tuple.__iter__(value)
    return [_copy(item, f"{path}[{index}]", depth + 1, active) for index, item in enumerate(items)]


# --- errors --------------------------------------------------------------------------------

_TRACEBACK = BaseException.__dict__["__traceback__"]
_CAUSE = BaseException.__dict__["__cause__"]
_CONTEXT = BaseException.__dict__["__context__"]


def run_error(exc: BaseException, filename: str | None, source_lines: tuple[str, ...],
              max_chars: int) -> RunError:
    """The :class:`RunError` for ``exc``: type name, message (its ``str()``, contained and
    cut to ``max_chars``), and the agent line it came from."""
    line = agent_line(exc, filename)
    source_line = (
        source_lines[line - 1].strip() if line is not None and 0 < line <= len(source_lines)
        else None
    )
    return RunError(type(exc).__name__, error_text(exc, max_chars), line, source_line)


def error_text(exc: BaseException, max_chars: int) -> str:
    """``str(exc)`` as plain text, never raising, at most ``max_chars`` characters.

    An agent's exception may define ``__str__``; it runs here, still inside the run.
    """
    try:
        text = str(exc)
        text = str.__str__(text) if isinstance(text, str) else "<unprintable>"
    except BaseException as failure:
        text = f"<str() of the exception failed: {type(failure).__name__}>"
    return truncate(text, max_chars)


def truncate(text: str, max_chars: int) -> str:
    """``text``, or its first ``max_chars`` characters and a note of how many were cut."""
    if len(text) <= max_chars:
        return text
    return f"{text[:max_chars]}... [{len(text) - max_chars:,} more characters]"


def agent_line(exc: BaseException, filename: str | None) -> int | None:
    """The agent line nearest to where ``exc`` (or an exception it came from) was raised.

    Reads the exception's traceback, cause and context through ``BaseException``'s own
    descriptors, so a class attribute of the agent's cannot stand in for them.
    """
    if filename is None:
        return None
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        line = None
        tb: TracebackType | None = _TRACEBACK.__get__(current)
        while tb is not None:
            if tb.tb_frame.f_code.co_filename == filename:
                line = tb.tb_lineno
            tb = tb.tb_next
        if line is not None:
            return line
        current = _CAUSE.__get__(current) or _CONTEXT.__get__(current)
    return None
