"""The asyncio facade's classes: timeouts, task groups, queues and locks, run-scoped.

Each wait checks the run first (deadline, budget, the run ending), so an agent that
swallows a cancellation cannot go on waiting. Queues wrap a real queue the agent never
sees; the locks are asyncio's own, with their waits checked.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from types import GenericAlias
from typing import Any, Literal

from sandbox_host.facades.async_tasks import Task, handle_for, register
from sandbox_host.scope import current_scope


class Timeout:
    """What ``asyncio.timeout(delay)`` returns: an async context manager."""

    __slots__ = ("_delay", "_timeout")

    def __init__(self, delay: float | None) -> None:
        self._delay = delay
        self._timeout: asyncio.Timeout | None = None

    async def __aenter__(self) -> Timeout:
        current_scope().check_alive()
        self._timeout = asyncio.timeout(self._delay)
        await self._timeout.__aenter__()
        return self

    async def __aexit__(self, exc_type: Any, exc: Any, tb: Any) -> bool | None:
        assert self._timeout is not None
        await self._timeout.__aexit__(exc_type, exc, tb)
        return None

    def expired(self) -> bool:
        """True if the deadline passed and the block was cancelled."""
        return self._timeout is not None and self._timeout.expired()

    def when(self) -> float | None:
        """The deadline in event loop time, or ``None``."""
        return self._delay if self._timeout is None else self._timeout.when()

    def reschedule(self, when: float | None) -> None:
        """Move the deadline (event loop time, as ``when()`` gives)."""
        if self._timeout is None:
            raise RuntimeError("Timeout has not been entered")
        self._timeout.reschedule(when)

    def __reduce__(self) -> Any:
        raise TypeError("Timeout objects cannot be copied or pickled")


def timeout(delay: float | None) -> Timeout:
    """``asyncio.timeout``: ``async with asyncio.timeout(2): ...``."""
    return Timeout(delay)


class TaskGroup:
    """``asyncio.TaskGroup``: ``async with asyncio.TaskGroup() as tg: tg.create_task(...)``."""

    __slots__ = ("_group",)

    def __init__(self) -> None:
        self._group = asyncio.TaskGroup()

    async def __aenter__(self) -> TaskGroup:
        current_scope().check_alive()
        await self._group.__aenter__()
        return self

    async def __aexit__(self, exc_type: Any, exc: Any, tb: Any) -> bool | None:
        await self._group.__aexit__(exc_type, exc, tb)
        return None

    def create_task(self, coro: Any, *, name: str | None = None, context: Any = None) -> Task:
        """Start ``coro`` in the group; returns its handle."""
        if context is not None:
            raise TypeError("context is not available in the sandbox")
        scope = current_scope()
        scope.check_alive()
        task = self._group.create_task(coro, name=name)
        register(scope, task)
        return handle_for(scope, task)  # type: ignore[return-value]

    def __reduce__(self) -> Any:
        raise TypeError("TaskGroup objects cannot be copied or pickled")


class Queue:
    """``asyncio.Queue`` whose waits check the run first."""

    __slots__ = ("__weakref__", "_queue")
    _kind: Callable[[int], asyncio.Queue[Any]] = asyncio.Queue

    def __init__(self, maxsize: int = 0) -> None:
        self._queue = type(self)._kind(maxsize)

    __class_getitem__ = classmethod(GenericAlias)  # type: ignore[var-annotated]

    @property
    def maxsize(self) -> int:
        """The size limit (0: none)."""
        return self._queue.maxsize

    def qsize(self) -> int:
        """Items in the queue."""
        return self._queue.qsize()

    def empty(self) -> bool:
        """True if it holds nothing."""
        return self._queue.empty()

    def full(self) -> bool:
        """True if it holds ``maxsize`` items."""
        return self._queue.full()

    async def put(self, item: Any) -> None:
        """Put ``item``, waiting for room."""
        current_scope().check_alive()
        await self._queue.put(item)

    def put_nowait(self, item: Any) -> None:
        """Put ``item`` or raise ``QueueFull``."""
        self._queue.put_nowait(item)

    async def get(self) -> Any:
        """Remove and return an item, waiting for one."""
        current_scope().check_alive()
        return await self._queue.get()

    def get_nowait(self) -> Any:
        """Remove and return an item or raise ``QueueEmpty``."""
        return self._queue.get_nowait()

    def task_done(self) -> None:
        """Mark one fetched item as processed."""
        self._queue.task_done()

    async def join(self) -> None:
        """Wait until every item was marked done."""
        current_scope().check_alive()
        await self._queue.join()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} maxsize={self.maxsize} qsize={self.qsize()}>"

    def __reduce__(self) -> Any:
        raise TypeError("queues cannot be copied or pickled")


class LifoQueue(Queue):
    """``asyncio.LifoQueue``."""

    __slots__ = ()
    _kind = asyncio.LifoQueue


class PriorityQueue(Queue):
    """``asyncio.PriorityQueue``."""

    __slots__ = ()
    _kind = asyncio.PriorityQueue


class Lock(asyncio.Lock):
    """``asyncio.Lock`` whose ``acquire`` checks the run first."""

    async def acquire(self) -> Literal[True]:
        """Wait for the lock."""
        current_scope().check_alive()
        return await super().acquire()


class Event(asyncio.Event):
    """``asyncio.Event`` whose ``wait`` checks the run first."""

    async def wait(self) -> Literal[True]:
        """Wait until set."""
        current_scope().check_alive()
        return await super().wait()


class Semaphore(asyncio.Semaphore):
    """``asyncio.Semaphore`` whose ``acquire`` checks the run first."""

    async def acquire(self) -> Literal[True]:
        """Wait for a slot."""
        current_scope().check_alive()
        return await super().acquire()


class BoundedSemaphore(asyncio.BoundedSemaphore):
    """``asyncio.BoundedSemaphore`` whose ``acquire`` checks the run first."""

    async def acquire(self) -> Literal[True]:
        """Wait for a slot."""
        current_scope().check_alive()
        return await super().acquire()


class Condition(asyncio.Condition):
    """``asyncio.Condition`` whose waits check the run first."""

    async def acquire(self) -> Literal[True]:
        """Wait for the underlying lock."""
        current_scope().check_alive()
        return await super().acquire()

    async def wait(self) -> Literal[True]:
        """Wait to be notified."""
        current_scope().check_alive()
        return await super().wait()


class Barrier(asyncio.Barrier):
    """``asyncio.Barrier`` whose ``wait`` checks the run first."""

    async def wait(self) -> int:
        """Wait for the other parties."""
        current_scope().check_alive()
        return await super().wait()
