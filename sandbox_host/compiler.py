"""Compile agent source with the sandbox policy, once per distinct source."""

from __future__ import annotations

import ast
import hashlib
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from types import CodeType

from sandbox_host.policy import HideGuardNames, SandboxPolicy

DEFAULT_CACHE_SIZE = 256
_LINE_PREFIX = re.compile(r"^Line (\d+):")


class AgentCompileError(Exception):
    """Agent source is not valid Python or breaks a sandbox rule."""

    def __init__(self, errors: tuple[str, ...], source_lines: tuple[str, ...]) -> None:
        self.errors = errors
        self.line = _first_line_number(errors)
        self.source_line = (
            source_lines[self.line - 1].strip()
            if self.line is not None and 0 < self.line <= len(source_lines)
            else None
        )
        super().__init__("; ".join(errors))


def _first_line_number(errors: tuple[str, ...]) -> int | None:
    for error in errors:
        match = _LINE_PREFIX.match(error)
        if match:
            return int(match.group(1))
    return None


@dataclass(frozen=True, slots=True)
class CompiledAgent:
    """Compiled agent code, the pseudo-filename its frames carry, and its source lines."""

    code: CodeType
    filename: str
    source_lines: tuple[str, ...]

    def line_text(self, line: int | None) -> str | None:
        """The stripped source text of ``line`` (1-based), if it exists."""
        if line is None or not 0 < line <= len(self.source_lines):
            return None
        return self.source_lines[line - 1].strip()


class AgentCompiler:
    """Compiles agent source with :class:`SandboxPolicy`, caching by SHA-256 of the source.

    The cache is bounded (least recently used entries go first) and thread-safe. Failures
    are cached too, so a broken agent run in a loop does not recompile either.
    """

    def __init__(self, cache_size: int = DEFAULT_CACHE_SIZE) -> None:
        self._cache: OrderedDict[str, CompiledAgent | AgentCompileError] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()
        self.compile_count = 0
        """How many times source was actually compiled (cache misses)."""

    def compile(self, source: str) -> CompiledAgent:
        """Return the compiled agent for ``source``; raise :class:`AgentCompileError`."""
        digest = hashlib.sha256(source.encode("utf-8", "surrogatepass")).hexdigest()
        with self._lock:
            entry = self._cache.get(digest)
            if entry is not None:
                self._cache.move_to_end(digest)
        if entry is None:
            entry = self._compile(source, digest)
            with self._lock:
                self._cache[digest] = entry
                while len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
        if isinstance(entry, AgentCompileError):
            # Drop the previous raise's traceback, or it grows with every cached re-raise.
            raise entry.with_traceback(None)
        return entry

    def _compile(self, source: str, digest: str) -> CompiledAgent | AgentCompileError:
        self.compile_count += 1
        filename = f"<agent {digest[:12]}>"
        lines = tuple(source.splitlines())
        errors = _check_and_rewrite(source, filename)
        if isinstance(errors, tuple):
            return AgentCompileError(errors, lines)
        return CompiledAgent(code=errors, filename=filename, source_lines=lines)


def _check_and_rewrite(source: str, filename: str) -> CodeType | tuple[str, ...]:
    """The policy's errors, or the code: parse, check and rewrite, hide the guard names.

    Compiled with ``dont_inherit``: the agent's own ``from __future__`` imports decide its
    semantics, never the host module's.
    """
    try:
        tree = ast.parse(source, filename, "exec")
    except SyntaxError as exc:
        text = exc.text.strip() if exc.text else None
        return (f"Line {exc.lineno}: {type(exc).__name__}: {exc.msg} at statement: {text!r}",)
    except ValueError as exc:  # e.g. NUL bytes in the source
        return (f"Line 1: {exc}",)
    errors: list[str] = []
    SandboxPolicy(errors, [], {}).visit(tree)
    if errors:
        return tuple(errors)
    HideGuardNames().visit(tree)
    try:
        return compile(tree, filename, "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as exc:
        return (f"Line {getattr(exc, 'lineno', None) or 1}: {type(exc).__name__}: {exc}",)
