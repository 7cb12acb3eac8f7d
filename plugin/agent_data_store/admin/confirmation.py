"""The confirmation destructive commands need: ``--yes``, or a "y" typed at a terminal.

Without a terminal on stdin there is nobody to ask, so the answer is "no": a script must say
``--yes`` explicitly.
"""

from __future__ import annotations

import sys
from enum import Enum


class Confirmation(Enum):
    """The outcome of asking."""

    GIVEN = "given"
    DECLINED = "declined"
    NO_TERMINAL = "no terminal"


def confirm(question: str, *, assume_yes: bool) -> Confirmation:
    """Ask ``question`` on stderr and read the answer from stdin, unless ``assume_yes``."""
    if assume_yes:
        return Confirmation.GIVEN
    if not sys.stdin.isatty():
        return Confirmation.NO_TERMINAL
    sys.stderr.write(f"{question} [y/N] ")
    sys.stderr.flush()
    answer = sys.stdin.readline().strip().lower()
    return Confirmation.GIVEN if answer in ("y", "yes") else Confirmation.DECLINED
