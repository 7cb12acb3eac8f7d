"""The event loop a run executes on in a worker thread or a worker process.

Each worker keeps one loop and uses it run after run, as long as a run leaves nothing on
it: no task, no callback or timer, no watched file but the loop's own wake-up pipe, no
unfinished async generator (the session's end makes sure of all that, see
:mod:`.session`). A loop a run left anything on is closed, and the next run gets a new
one. Making and closing a loop per run would cost more than running a trivial agent
(about 60 µs of interpreter time, under the GIL every other thread needs too).
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

_worker = threading.local()


def loop_for_run() -> asyncio.AbstractEventLoop:
    """This worker's loop, made if it has none (or its last one was closed)."""
    loop: asyncio.AbstractEventLoop | None = getattr(_worker, "loop", None)
    if loop is None or loop.is_closed():
        loop = _worker.loop = asyncio.new_event_loop()
    return loop


def end_of_run(loop: asyncio.AbstractEventLoop) -> None:
    """After a run: keep ``loop`` for the next run if it holds nothing, else close it."""
    if holds_nothing(loop):
        return
    _worker.loop = None
    loop.close()


def holds_nothing(loop: asyncio.AbstractEventLoop) -> bool:
    """True if nothing of any run is on ``loop``: what a new loop would hold.

    Reads the internals of asyncio's own loop (its ready queue, timers, selector and
    generator set), in time independent of how many tasks the host has; any other kind of
    loop counts as holding something, so it is closed.
    """
    ready: Any = getattr(loop, "_ready", None)
    scheduled: Any = getattr(loop, "_scheduled", None)
    selector: Any = getattr(loop, "_selector", None)
    generators: Any = getattr(loop, "_asyncgens", None)
    if ready is None or scheduled is None or selector is None or generators is None:
        return False
    if any(not handle.cancelled() for handle in (*ready, *scheduled)):
        return False
    # A task still pending with nothing ready, no timer and no file to wait on could
    # never run again; the session already cancelled and awaited every task of the run.
    if len(selector.get_map()) != 1:
        return False
    if any(agen.ag_frame is not None for agen in list(generators)):
        return False
    ready.clear()  # only cancelled handles were left
    scheduled.clear()
    return True
