"""Progress bars for long operations, on stderr and only at a terminal.

A pipe or a log file gets no progress output at all, so scripts see only results and
one-line messages.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import TypeVar

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

T = TypeVar("T")

Advance = Callable[[int], None]
"""Report that ``n`` more units are done."""


@contextmanager
def progress(
    description: str,
    *,
    total: int | None = None,
    unit: str = "records",
    console: Console | None = None,
) -> Iterator[Advance]:
    """A progress bar (or, without ``total``, a running count) for the ``with`` block.

    ``unit="bytes"`` shows sizes. Yields the function that advances it; at no terminal the
    function does nothing. Messages printed meanwhile through ``console`` (a stderr console)
    appear above the bar instead of breaking it.
    """
    console = console or Console(stderr=True)
    if not console.is_terminal:
        yield _ignore
        return
    columns: list[ProgressColumn | str] = [SpinnerColumn(), TextColumn("{task.description}")]
    if total is not None:
        columns.append(BarColumn())
    if unit == "bytes":
        columns.append(DownloadColumn())
    elif total is not None:
        columns.append(MofNCompleteColumn())
    else:
        columns.append(TextColumn(f"{{task.completed:,.0f}} {unit}"))
    columns.append(TimeElapsedColumn())
    if total is not None:
        columns.append(TimeRemainingColumn())
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task(description, total=total)
        yield lambda n: bar.advance(task, n)


def counted(pages: Iterable[Sequence[T]], advance: Advance) -> Iterator[Sequence[T]]:
    """Pass ``pages`` through, advancing the progress by each page's length after it is used."""
    for page in pages:
        yield page
        advance(len(page))


def _ignore(n: int) -> None:
    """Progress at no terminal: nothing to show."""
