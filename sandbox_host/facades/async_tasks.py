"""The ``asyncio`` facade's tasks and functions: concurrency through run-scoped handles.

Agents get what they use of asyncio -- ``sleep``, ``gather``, ``create_task``, ``TaskGroup``,
queues, locks, ``timeout``, ``wait``, ``wait_for``, ``as_completed`` -- with CPython's
behaviour, and never an asyncio ``Future``, ``Task``, event loop or asyncio's own
coroutine: those lead to the loop (threads, subprocesses), let one run cancel the host's
tasks, or keep callbacks alive after the run. Instead:

* every task or future a run creates is registered with the run (:class:`RunScope`) and
  handed out as a :class:`Task`/:class:`Future` handle (``done``, ``result``,
  ``exception``, ``cancel``, ``await``...); the host cancels and awaits every one of them
  when the run ends;
* every wait checks the run first (deadline, budget, run ending), so an agent that
  swallows a cancellation cannot go on waiting;
* done-callbacks receive the handle, and stop being called once the run has finished.

The facade (:mod:`.asyncio_facade`, with the classes of :mod:`.async_primitives`) is
shared by every run: each function finds its run through
:func:`~sandbox_host.scope.current_scope`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Generator, Iterable, Iterator
from types import GenericAlias
from typing import Any

from sandbox_host.scope import RunScope, current_scope


class Future:
    """An awaitable result the run waits for: a ``gather``, a ``shield`` or ``Future()``.

    Wraps an asyncio future the agent never sees. ``Future()`` makes a new one on the
    run's loop, for ``set_result``/``set_exception`` by the agent.
    """

    __slots__ = ("__weakref__", "_callbacks", "_future")

    _future: asyncio.Future[Any]
    _callbacks: list[tuple[Callable[..., Any], Callable[..., Any]]]

    def __init__(self) -> None:
        scope = current_scope()
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        register(scope, future)
        self._future = future
        self._callbacks = []
        scope.handles[future] = self

    __class_getitem__ = classmethod(GenericAlias)  # type: ignore[var-annotated]

    def done(self) -> bool:
        """True when the result or exception is set, or it was cancelled."""
        return self._future.done()

    def cancelled(self) -> bool:
        """True if it was cancelled."""
        return self._future.cancelled()

    def result(self) -> Any:
        """The result; raises its exception, ``CancelledError`` or ``InvalidStateError``."""
        return self._future.result()

    def exception(self) -> BaseException | None:
        """Its exception (``None`` if it finished normally)."""
        return self._future.exception()

    def cancel(self, msg: Any = None) -> bool:
        """Request cancellation; ``False`` if it is already done."""
        return self._future.cancel(msg)

    def set_result(self, result: Any) -> None:
        """Finish it with ``result``."""
        self._future.set_result(result)

    def set_exception(self, exception: BaseException) -> None:
        """Finish it with ``exception``."""
        self._future.set_exception(exception)

    def add_done_callback(self, fn: Callable[[Any], Any], *, context: Any = None) -> None:
        """Call ``fn(handle)`` when it is done -- while the run lasts."""
        if context is not None:
            raise TypeError("context is not available in the sandbox")
        scope = current_scope()
        handle = self

        def call(_: object) -> None:
            if scope.limits.finished:
                return
            try:
                fn(handle)
            except BaseException as exc:
                scope.printer.write(f"Exception in callback {fn!r}: {type(exc).__name__}\n")

        self._callbacks.append((fn, call))
        self._future.add_done_callback(call)

    def remove_done_callback(self, fn: Callable[[Any], Any]) -> int:
        """Remove every registration of ``fn``; return how many."""
        removed = 0
        for entry in [entry for entry in self._callbacks if entry[0] == fn]:
            self._callbacks.remove(entry)
            removed += self._future.remove_done_callback(entry[1])
        return removed

    def __await__(self) -> Generator[Any, None, Any]:
        current_scope().check_alive()
        return (yield from self._future.__await__())

    def __repr__(self) -> str:
        state = "cancelled" if self.cancelled() else "finished" if self.done() else "pending"
        return f"<{type(self).__name__} {state}>"

    def __reduce__(self) -> Any:
        raise TypeError(f"{type(self).__name__} handles cannot be copied or pickled")


class Task(Future):
    """A coroutine running concurrently in the run: what ``create_task`` returns."""

    __slots__ = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise TypeError("use asyncio.create_task(coroutine) to start a task")

    def get_name(self) -> str:
        """The task's name."""
        return self._task().get_name()

    def set_name(self, value: object) -> None:
        """Rename the task."""
        self._task().set_name(value)

    def cancelling(self) -> int:
        """How many cancellation requests are pending."""
        return self._task().cancelling()

    def uncancel(self) -> int:
        """Withdraw one cancellation request."""
        return self._task().uncancel()

    def _task(self) -> asyncio.Task[Any]:
        return self._future  # type: ignore[return-value]

    def __repr__(self) -> str:
        state = "cancelled" if self.cancelled() else "finished" if self.done() else "pending"
        return f"<Task {self.get_name()!r} {state}>"


def register(scope: RunScope, future: asyncio.Future[Any]) -> None:
    scope.tasks.add(future)
    future.add_done_callback(scope.tasks.discard)


def handle_for(scope: RunScope, future: asyncio.Future[Any]) -> Future:
    """The one handle of ``future`` in ``scope`` (made on first use)."""
    handle = scope.handles.get(future)
    if handle is None:
        kind = Task if isinstance(future, asyncio.Task) else Future
        handle = object.__new__(kind)
        handle._future = future
        handle._callbacks = []
        scope.handles[future] = handle
    found: Future = handle
    return found


def start_task(scope: RunScope, coro: Any, name: str | None = None) -> Task:
    """Start ``coro`` as a task of the run (also used for the run's own main coroutine)."""
    task = asyncio.get_running_loop().create_task(coro, name=name)
    register(scope, task)
    return handle_for(scope, task)  # type: ignore[return-value]


def _to_future(scope: RunScope, aw: Any) -> asyncio.Future[Any]:
    if isinstance(aw, Future):
        return aw._future
    if asyncio.iscoroutine(aw):
        return start_task(scope, aw)._future
    if isinstance(aw, asyncio.Future):  # a host tool may return one
        return aw
    future: asyncio.Future[Any] = asyncio.ensure_future(aw)
    register(scope, future)
    return future


# --- functions -------------------------------------------------------------------------


async def sleep(delay: float, result: Any = None) -> Any:
    """``asyncio.sleep``, but never past the run's deadline."""
    scope = current_scope()
    scope.check_alive()
    remaining = scope.limits.remaining_s()
    if delay >= remaining:
        await asyncio.sleep(max(remaining, 0.0))
        raise scope.limits.deadline_error()
    await asyncio.sleep(delay)
    return result


def create_task(coro: Any, *, name: str | None = None, context: Any = None) -> Task:
    """``asyncio.create_task``: start ``coro`` now; returns its :class:`Task` handle."""
    if context is not None:
        raise TypeError("context is not available in the sandbox")
    if not asyncio.iscoroutine(coro):
        raise TypeError(f"a coroutine was expected, got {coro!r}")
    scope = current_scope()
    scope.check_alive()
    return start_task(scope, coro, name)


def ensure_future(obj: Any) -> Future:
    """``asyncio.ensure_future``: a handle for a coroutine, awaitable or handle."""
    if isinstance(obj, Future):
        return obj
    if not (asyncio.iscoroutine(obj) or hasattr(type(obj), "__await__")):
        raise TypeError("An asyncio.Future, a coroutine or an awaitable is required")
    scope = current_scope()
    scope.check_alive()
    return handle_for(scope, _to_future(scope, obj))


def gather(*aws: Any, return_exceptions: bool = False) -> Future:
    """``asyncio.gather``: children start now (as in CPython); await the handle for the list."""
    scope = current_scope()
    scope.check_alive()
    futures = [_to_future(scope, aw) for aw in aws]
    outer = asyncio.gather(*futures, return_exceptions=return_exceptions)
    register(scope, outer)
    return handle_for(scope, outer)


def shield(aw: Any) -> Future:
    """``asyncio.shield``."""
    scope = current_scope()
    scope.check_alive()
    outer = asyncio.shield(_to_future(scope, aw))
    register(scope, outer)
    return handle_for(scope, outer)


async def wait_for(aw: Any, timeout: float | None) -> Any:
    """``asyncio.wait_for``."""
    scope = current_scope()
    scope.check_alive()
    return await asyncio.wait_for(_to_future(scope, aw), timeout)


async def wait(
    aws: Iterable[Any],
    *,
    timeout: float | None = None,
    return_when: str = asyncio.ALL_COMPLETED,
) -> tuple[set[Future], set[Future]]:
    """``asyncio.wait``: sets of handles ``(done, pending)``."""
    scope = current_scope()
    scope.check_alive()
    items = list(aws)
    if any(asyncio.iscoroutine(item) for item in items):
        raise TypeError("Passing coroutines is forbidden, use tasks explicitly.")
    futures = {_to_future(scope, item) for item in items}
    done, pending = await asyncio.wait(futures, timeout=timeout, return_when=return_when)
    return {handle_for(scope, f) for f in done}, {handle_for(scope, f) for f in pending}


def as_completed(aws: Iterable[Any], *, timeout: float | None = None) -> Iterator[Any]:
    """``asyncio.as_completed``: coroutines giving results in completion order.

    Each is the sandbox's own coroutine, which checks the run before it waits.
    """
    scope = current_scope()
    scope.check_alive()
    if isinstance(aws, Future) or asyncio.iscoroutine(aws):
        raise TypeError(f"expect an iterable of futures, not {type(aws).__name__}")
    futures = {_to_future(scope, aw) for aw in aws}
    inner = asyncio.as_completed(futures, timeout=timeout)

    async def next_completed() -> Any:
        scope.check_alive()
        return await next(inner)

    return _lazily(next_completed, len(futures))


def _lazily(factory: Callable[[], Awaitable[Any]], count: int) -> Iterator[Any]:
    for _ in range(count):
        yield factory()


def current_task() -> Task | None:
    """The handle of the task running now."""
    scope = current_scope()
    task = asyncio.current_task()
    if task is None or task not in scope.tasks:
        return None
    return handle_for(scope, task)  # type: ignore[return-value]


def all_tasks() -> set[Task]:
    """Handles of the run's tasks that are not done yet."""
    scope = current_scope()
    return {
        handle_for(scope, t)  # type: ignore[misc]
        for t in list(scope.tasks)
        if isinstance(t, asyncio.Task) and not t.done()
    }


def isfuture(obj: Any) -> bool:
    """True for the sandbox's task and future handles."""
    return isinstance(obj, Future)


def run(main: Any, *, debug: bool | None = None) -> Any:
    """``asyncio.run`` from inside a running loop fails in CPython too; so it does here."""
    if asyncio.iscoroutine(main):
        main.close()
    raise RuntimeError("asyncio.run() cannot be called from a running event loop")
