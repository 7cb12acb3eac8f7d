"""What ``print`` writes to: one collector per run."""

from __future__ import annotations

import builtins
from typing import Any

from sandbox_host.guards.attributes import guarded_getattr


class PrintCollector:
    """Collects one run's ``print`` output (``_print_`` returns it; ``printed`` reads it).

    Output beyond ``max_chars`` is dropped with a marker, so a chatty loop cannot fill the
    host's memory. It is also the stream the run's ``logging`` writes to.
    """

    def __init__(self, max_chars: int = 1_000_000) -> None:
        self._parts: list[str] = []
        self._size = 0
        self._max_chars = max_chars
        self._truncated = False

    def __call__(self) -> str:
        """``printed`` in agent code: everything printed so far."""
        return self.text()

    def factory(self, _getattr_: Any = None) -> PrintCollector:
        """``_print_``: compiled code calls it once per function; always this collector."""
        return self

    def write(self, text: str) -> None:
        """Append ``text`` (file protocol for ``print``)."""
        if self._size >= self._max_chars:
            self._truncated = True
            return
        if self._size + len(text) > self._max_chars:
            self._truncated = True
        self._parts.append(text[: self._max_chars - self._size])
        self._size += len(text)

    def flush(self) -> None:
        """File protocol: nothing to flush (``print(..., flush=True)``)."""

    def _call_print(
        self, *objects: Any, sep: str | None = " ", end: str | None = "\n", **kwargs: Any
    ) -> None:
        # RestrictedPython compiles ``print(...)`` to ``_print._call_print(...)``. Printing
        # to another file needs that object's public ``write``; it goes through the guard.
        target = kwargs.pop("file", None)
        if target is not None:
            guarded_getattr(target, "write")
        builtins.print(*objects, sep=sep, end=end, file=target or self, **kwargs)

    def text(self) -> str:
        """Everything printed so far."""
        suffix = "\n[output truncated]\n" if self._truncated else ""
        return "".join(self._parts) + suffix
