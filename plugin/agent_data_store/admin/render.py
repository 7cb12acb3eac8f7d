"""How the command line shows results: rich tables for people, JSON for scripts.

Results go to stdout; messages, warnings and prompts go to stderr, so ``--json`` output and
exports stay clean in a pipe. User data (keys, namespaces, values) is shown as plain text,
never interpreted as rich markup, and with its control characters escaped
(:mod:`sandbox_host.terminal`): an agent's key cannot move the cursor, forge a table row or
hide a line.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from sandbox_host.terminal import escape_json, escape_line

PIPE_WIDTH = 10_000
"""Console width when stdout is not a terminal: tables keep their natural width in a pipe
instead of wrapping at rich's default of 80 columns."""


def _console(stderr: bool) -> Console:
    probe = Console(stderr=stderr)
    width = None if probe.is_terminal else PIPE_WIDTH
    return Console(stderr=stderr, highlight=False, emoji=False, width=width)


class Output:
    """The command's output channels, in table or JSON mode."""

    def __init__(self, *, json_mode: bool) -> None:
        self.json_mode = json_mode
        self.stdout = _console(stderr=False)
        self.stderr = _console(stderr=True)

    def json(self, data: Any) -> None:
        """Print ``data`` as indented JSON on stdout."""
        sys.stdout.write(escape_json(json.dumps(data, ensure_ascii=False, indent=2)) + "\n")
        sys.stdout.flush()

    def table(
        self,
        columns: Sequence[str],
        rows: Iterable[Sequence[object]],
        *,
        title: str | None = None,
        right: Iterable[str] = (),
    ) -> None:
        """Print a table; columns named in ``right`` (numbers) are right-aligned."""
        right_aligned = set(right)
        table = Table(title=_title(title), title_justify="left")
        for column in columns:
            table.add_column(column, justify="right" if column in right_aligned else "left")
        empty = True
        for row in rows:
            table.add_row(*(Text(cell_text(cell)) for cell in row))
            empty = False
        if empty:
            self.stdout.print(Text(escape_line(f"{title}: none" if title else "(none)")))
        else:
            self.stdout.print(table)

    def fields(self, pairs: Iterable[tuple[str, object]], *, title: str | None = None) -> None:
        """Print name/value pairs as a two-column table."""
        table = Table(title=_title(title), title_justify="left", show_header=False)
        table.add_column("field", style="bold")
        table.add_column("value")
        for name, value in pairs:
            table.add_row(Text(name), Text(cell_text(value)))
        self.stdout.print(table)

    def line(self, text: str) -> None:
        """Print one line of plain text on stdout."""
        self.stdout.print(Text(escape_line(text)), soft_wrap=True)

    def note(self, text: str) -> None:
        """Print a message for the person at the terminal on stderr."""
        self.stderr.print(Text(escape_line(text)), soft_wrap=True)

    def error(self, text: str) -> None:
        """Print a one-line error on stderr."""
        one_line = escape_line(" ".join(text.split()))
        self.stderr.print(Text(f"agent-data-store: error: {one_line}"), soft_wrap=True)


def _title(title: str | None) -> Text | None:
    return None if title is None else Text(escape_line(title))


def cell_text(value: object) -> str:
    """How a value reads in a table cell: numbers with thousands separators, JSON as JSON.

    Strings are escaped to one line, so a key holding a line break cannot look like a row.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, str):
        return escape_line(value)
    if isinstance(value, (list, tuple, set, frozenset)) and all(isinstance(v, str) for v in value):
        return ", ".join(escape_line(v) for v in sorted(value))
    return escape_json(json.dumps(value, ensure_ascii=False, indent=2))
