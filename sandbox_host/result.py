"""What a run returns to the host's caller."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class RunError:
    """Why a run failed: the exception type, its message and the agent's own line, if any."""

    type: str
    message: str
    line: int | None = None
    source_line: str | None = None

    def __str__(self) -> str:
        where = f" (agent line {self.line}: {self.source_line})" if self.line else ""
        return f"{self.type}: {self.message}{where}"


@dataclass(slots=True, repr=False)
class RunResult:
    """The outcome of one run.

    ``output`` is the dict the agent's ``run()`` returned (``None`` on failure), ``error``
    explains a failure, ``stdout`` holds what the agent printed, ``ops`` is the operation
    log plugins contributed (e.g. every data store call), ``duration_s`` the wall time.
    """

    output: dict[str, Any] | None = None
    error: RunError | None = None
    stdout: str = ""
    ops: list[dict[str, Any]] = field(default_factory=list)
    duration_s: float = 0.0
    plugin_errors: list[str] = field(default_factory=list)

    def __repr__(self) -> str:
        # The operation log and output can be long: summarise them. This also keeps
        # asyncio.run cheap, which formats its finished main task (result included) when
        # it restores the SIGINT handler.
        return (f"RunResult(ok={self.ok}, error={self.error!r}, ops={len(self.ops)}, "
                f"stdout={len(self.stdout)} chars, duration_s={self.duration_s:.3f})")

    @property
    def ok(self) -> bool:
        """True when the agent returned a result and no error occurred."""
        return self.error is None
