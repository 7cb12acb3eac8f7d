"""The exit codes of ``agent-data-store``, which scripts can rely on."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """How a command ended."""

    OK = 0
    """The command did everything it was asked."""
    FAILED = 1
    """The operation failed (backend error, record not found) or an import met conflicts or
    invalid lines."""
    USAGE = 2
    """The command line or the store configuration (e.g. ``--store`` URL) is invalid."""
    REFUSED = 3
    """A destructive command was not confirmed: declined at the prompt, or no terminal to
    ask at and no ``--yes``."""
    INTERRUPTED = 130
    """Stopped with Ctrl-C."""
