"""``thread`` (the default): each run on an event loop of its own in a worker thread.

The host awaits the run without blocking its own loop, so one agent's blocking
``data_store`` round trips stall no other run; nothing of a run (task, callback, async
generator) is ever on the host's loop, and nothing of it survives on its own loop: a
worker's loop serves the next run only if the run left nothing on it, and is closed
otherwise (:mod:`.loops`). The worker threads come from a bounded pool, have large stacks
(deep C recursion in agent code needs far more nesting before it can crash the process)
and are daemons.

A run that does not finish by its deadline (plus :data:`ABANDON_GRACE_S`) -- blocked in a
backend call, or in one long C operation such as ``10 ** 10 ** 8`` -- is abandoned: the host
gets the timeout error at once, the run's limits are finished (whatever agent code runs
next stops at once) and the pool starts another thread in place of the busy one. The busy
thread ends when the call returns.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import inspect
import queue
import threading
from collections.abc import Callable
from typing import Any

from sandbox_host.execution.loops import end_of_run, loop_for_run
from sandbox_host.execution.outcome import RunOutcome
from sandbox_host.execution.session import RunJob, RunSession
from sandbox_host.result import RunError

ABANDON_GRACE_S = 0.1
"""How long past its deadline the host waits for a run before it stops waiting."""

THREAD_STACK_BYTES = 256 * 1024 * 1024
"""Stack of a worker thread. Address space only: pages are used as the stack grows."""

DEFAULT_MAX_THREADS = 64
"""Runs executing at once in thread mode; more wait for a free thread. Runs mostly wait
(on backends, tools, sleeps), so this is well above the number of cores; idle threads cost
only their (lazily used) stacks."""


Done = Callable[[tuple[bool, Any]], None]
"""Called in the worker thread with ``(True, result)`` or ``(False, exception)``."""


class RunThreadPool:
    """Daemon worker threads for runs, at most ``size`` of them not abandoned."""

    def __init__(self, size: int = DEFAULT_MAX_THREADS) -> None:
        if size < 1:
            raise ValueError("the thread pool needs at least one thread")
        self._size = size
        self._jobs: queue.SimpleQueue[tuple[Callable[[], Any], Done]] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._threads = 0
        self._idle = 0
        """Threads waiting for a job."""
        self._pending = 0
        """Jobs submitted and not yet taken by a thread."""
        self._abandoned = 0

    def submit(self, work: Callable[[], Any], done: Done) -> None:
        """Run ``work()`` on a worker thread and hand its outcome to ``done`` there."""
        with self._lock:
            self._pending += 1
            if self._pending > self._idle and self._threads - self._abandoned < self._size:
                self._start_thread()
        self._jobs.put((work, done))

    def abandon(self) -> None:
        """A thread is stuck in an abandoned run: let the pool start another one."""
        with self._lock:
            self._abandoned += 1

    def released(self) -> None:
        """An abandoned run finished after all: its thread counts again."""
        with self._lock:
            self._abandoned -= 1

    def _start_thread(self) -> None:
        previous = threading.stack_size()
        try:
            threading.stack_size(THREAD_STACK_BYTES)
            thread = threading.Thread(target=self._work, name="sandbox-run", daemon=True)
            thread.start()
        finally:
            threading.stack_size(previous)
        self._threads += 1

    def _work(self) -> None:
        while True:
            with self._lock:
                self._idle += 1
            work, done = self._jobs.get()
            with self._lock:
                self._idle -= 1
                self._pending -= 1
            try:
                outcome: tuple[bool, Any] = (True, work())
            except BaseException as exc:  # handed to the waiting host
                outcome = (False, exc)
            done(outcome)
            # Free what the run made here, now: after the host has its answer, before the
            # thread waits for the next run, and never in the host's thread.
            release = getattr(work, "release", None)
            if release is not None:
                release()
            del work, done, outcome


class _ThreadRun:
    """One run on a worker thread, as both sides see it."""

    def __init__(self, job: RunJob, pool: RunThreadPool) -> None:
        self.job = job
        self.pool = pool
        self.loop: asyncio.AbstractEventLoop | None = None
        self.session: RunSession | None = None
        self.abandoned = False
        self.lock = threading.Lock()

    def __call__(self) -> RunOutcome:
        """The worker thread's part: run the session on the thread's loop (see
        :mod:`.loops`: a loop is used again only when the run left nothing on it)."""
        loop = loop_for_run()
        session = RunSession(self.job)
        with self.lock:
            self.loop, self.session = loop, session
        try:
            return loop.run_until_complete(session.start(loop))
        finally:
            with self.lock:
                self.loop = None
                if self.abandoned:
                    self.pool.released()
            end_of_run(loop)

    def release(self) -> None:
        """Drop the session (and what the run made) in the worker thread."""
        with self.lock:
            session, self.session = self.session, None
        del session

    def cancel(self) -> None:
        """The host is being cancelled: end the run in its own loop."""
        with self.lock:
            if self.loop is not None and self.session is not None:
                self.loop.call_soon_threadsafe(self.session.cancel_from_host)

    def abandon(self) -> RunOutcome:
        """Stop waiting: the run is over for the host (see the module docstring)."""
        limits = self.job.limits
        error = limits.deadline_error()
        limits.finish()
        with self.lock:
            self.abandoned = True
            if self.loop is not None:
                self.pool.abandon()
        self.cancel()
        return RunOutcome(
            error=RunError("ExecutionTimeout", str(error)), stdout=self.job.printer.text()
        )


_TIMED_OUT: Any = object()

_shared_pool: RunThreadPool | None = None
_shared_pool_lock = threading.Lock()


def shared_pool() -> RunThreadPool:
    """The pool every thread-mode host uses unless it asks for its own size."""
    global _shared_pool
    with _shared_pool_lock:
        if _shared_pool is None:
            _shared_pool = RunThreadPool(DEFAULT_MAX_THREADS)
        return _shared_pool


class ThreadExecutor:
    """Runs each job on an event loop of its own in a pooled worker thread.

    Hosts share one pool of :data:`DEFAULT_MAX_THREADS` threads unless ``max_threads``
    gives a host a pool of its own.
    """

    mode = "thread"

    def __init__(self, max_threads: int | None = None) -> None:
        self._pool = shared_pool() if max_threads is None else RunThreadPool(max_threads)

    async def execute(self, job: RunJob) -> RunOutcome:
        """Run ``job`` in a worker thread and await it without blocking this loop."""
        loop = asyncio.get_running_loop()
        job.tools = tools_on_loop(job.tools, loop)
        run = _ThreadRun(job, self._pool)
        waiter: asyncio.Future[Any] = loop.create_future()

        def done(outcome: tuple[bool, Any]) -> None:
            # Nothing for an abandoned run: the host has moved on, and a late callback
            # would sit on its loop. RuntimeError: the host's loop is closed.
            with run.lock:
                if run.abandoned:
                    return
                with contextlib.suppress(RuntimeError):
                    loop.call_soon_threadsafe(_settle, waiter, outcome)

        self._pool.submit(run, done)
        timer = loop.call_later(
            max(job.limits.remaining_s(), 0.0) + ABANDON_GRACE_S, _settle, waiter, _TIMED_OUT
        )
        try:
            outcome = await waiter
        except asyncio.CancelledError:
            run.cancel()
            raise
        finally:
            timer.cancel()
        if outcome is _TIMED_OUT:
            return run.abandon()
        ok, value = outcome
        if not ok:
            raise value
        return value  # type: ignore[no-any-return]

    def execute_blocking(self, job: RunJob) -> RunOutcome:
        """Run ``job`` in a worker thread and wait for it (no event loop needed)."""
        run = _ThreadRun(job, self._pool)
        finished = threading.Event()
        box: list[tuple[bool, Any]] = []

        def done(outcome: tuple[bool, Any]) -> None:
            box.append(outcome)
            finished.set()

        self._pool.submit(run, done)
        if not finished.wait(max(job.limits.remaining_s(), 0.0) + ABANDON_GRACE_S):
            return run.abandon()
        ok, value = box[0]
        if not ok:
            raise value
        return value  # type: ignore[no-any-return]

    def close(self) -> None:
        """Worker threads are daemons and idle between runs: nothing to release."""


def _settle(waiter: asyncio.Future[Any], outcome: Any) -> None:
    if not waiter.done():
        waiter.set_result(outcome)


def tools_on_loop(tools: dict[str, Any], host_loop: asyncio.AbstractEventLoop) -> dict[str, Any]:
    """``tools`` with each async tool running on the host's loop.

    Host tools may use resources bound to the host's loop (an HTTP client session, say); a
    run in a worker thread awaits them there. Sync tools run in the worker thread.
    """
    wrapped: dict[str, Any] = {}
    for name, tool in tools.items():
        wrapped[name] = _on_loop(tool, host_loop) if _is_async(tool) else tool
    return wrapped


def _is_async(tool: Any) -> bool:
    return inspect.iscoroutinefunction(tool) or inspect.iscoroutinefunction(
        getattr(tool, "__call__", None)  # noqa: B004 - async callable objects
    )


def _on_loop(tool: Any, host_loop: asyncio.AbstractEventLoop) -> Callable[..., Any]:
    async def call(*args: Any, **kwargs: Any) -> Any:
        future = asyncio.run_coroutine_threadsafe(tool(*args, **kwargs), host_loop)
        return await asyncio.wrap_future(future)

    with_name: Callable[..., Any] = functools.wraps(tool)(call)
    return with_name
