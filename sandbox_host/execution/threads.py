"""``thread`` (the default): each run on a fresh event loop in a worker thread.

The host awaits the run without blocking its own loop, so one agent's blocking
``data_store`` round trips stall no other run; nothing of a run (task, callback, async
generator) is ever on the host's loop, and the run's loop is closed after the run. The
worker threads come from a bounded pool, have large stacks (deep C recursion in agent
code needs far more nesting before it can crash the process) and are daemons.

A run that does not finish by its deadline (plus :data:`ABANDON_GRACE_S`) -- blocked in a
backend call, or in one long C operation such as ``10 ** 10 ** 8`` -- is abandoned: the host
gets the timeout error at once, the run's limits are finished (whatever agent code runs
next stops at once) and the pool starts another thread in place of the busy one. The busy
thread ends when the call returns.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import inspect
import os
import queue
import threading
from collections.abc import Callable
from typing import Any

from sandbox_host.execution.outcome import RunOutcome
from sandbox_host.execution.session import RunJob, RunSession, close_loop_generators
from sandbox_host.result import RunError

ABANDON_GRACE_S = 0.1
"""How long past its deadline the host waits for a run before it stops waiting."""

THREAD_STACK_BYTES = 256 * 1024 * 1024
"""Stack of a worker thread. Address space only: pages are used as the stack grows."""

DEFAULT_MAX_THREADS = max(8, 4 * (os.cpu_count() or 2))
"""Runs executing at once in thread mode; more wait for a free thread."""


class RunThreadPool:
    """Daemon worker threads for runs, at most ``size`` of them not abandoned."""

    def __init__(self, size: int = DEFAULT_MAX_THREADS) -> None:
        if size < 1:
            raise ValueError("the thread pool needs at least one thread")
        self._size = size
        self._jobs: queue.SimpleQueue[tuple[Callable[[], Any], concurrent.futures.Future[Any]]]
        self._jobs = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._threads = 0
        self._idle = 0
        self._abandoned = 0

    def submit(self, work: Callable[[], Any]) -> concurrent.futures.Future[Any]:
        """Run ``work()`` on a worker thread; its future."""
        future: concurrent.futures.Future[Any] = concurrent.futures.Future()
        self._jobs.put((work, future))
        with self._lock:
            if self._idle == 0 and self._threads - self._abandoned < self._size:
                self._start_thread()
            else:
                self._idle -= 1
        return future

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
            work, future = self._jobs.get()
            if future.set_running_or_notify_cancel():
                try:
                    future.set_result(work())
                except BaseException as exc:
                    future.set_exception(exc)
            with self._lock:
                self._idle += 1


class _ThreadRun:
    """One run on a worker thread, as both sides see it."""

    def __init__(self, job: RunJob, pool: RunThreadPool) -> None:
        self.job = job
        self.pool = pool
        self.loop: asyncio.AbstractEventLoop | None = None
        self.session: RunSession | None = None
        self.abandoned = False
        self._lock = threading.Lock()

    def __call__(self) -> RunOutcome:
        """The worker thread's part: a fresh loop, the session, then close the loop."""
        loop = asyncio.new_event_loop()
        session = RunSession(self.job, close_loop_generators)
        with self._lock:
            self.loop, self.session = loop, session
        try:
            return loop.run_until_complete(session.start(loop))
        finally:
            try:
                loop.run_until_complete(loop.shutdown_asyncgens())
            finally:
                with self._lock:
                    self.loop = None
                    if self.abandoned:
                        self.pool.released()
                loop.close()

    def cancel(self) -> None:
        """The host is being cancelled: end the run in its own loop."""
        with self._lock:
            if self.loop is not None and self.session is not None:
                self.loop.call_soon_threadsafe(self.session.cancel_from_host)

    def abandon(self) -> RunOutcome:
        """Stop waiting: the run is over for the host (see the module docstring)."""
        limits = self.job.limits
        error = limits.deadline_error()
        limits.finish()
        with self._lock:
            self.abandoned = True
            if self.loop is not None:
                self.pool.abandon()
        self.cancel()
        return RunOutcome(
            error=RunError("ExecutionTimeout", str(error)), stdout=self.job.printer.text()
        )


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
    """Runs each job on a fresh event loop in a pooled worker thread.

    Hosts share one pool of :data:`DEFAULT_MAX_THREADS` threads unless ``max_threads``
    gives a host a pool of its own.
    """

    mode = "thread"

    def __init__(self, max_threads: int | None = None) -> None:
        self._pool = shared_pool() if max_threads is None else RunThreadPool(max_threads)

    async def execute(self, job: RunJob) -> RunOutcome:
        """Run ``job`` in a worker thread and await it without blocking this loop."""
        job.tools = tools_on_loop(job.tools, asyncio.get_running_loop())
        run = _ThreadRun(job, self._pool)
        waiting = asyncio.wrap_future(self._pool.submit(run))
        try:
            done, _ = await asyncio.wait(
                {waiting}, timeout=max(job.limits.remaining_s(), 0.0) + ABANDON_GRACE_S
            )
        except asyncio.CancelledError:
            run.cancel()
            raise
        if not done:
            return run.abandon()
        return waiting.result()  # type: ignore[no-any-return]

    def execute_blocking(self, job: RunJob) -> RunOutcome:
        """Run ``job`` in a worker thread and wait for it (no event loop needed)."""
        run = _ThreadRun(job, self._pool)
        future = self._pool.submit(run)
        try:
            return future.result(timeout=max(job.limits.remaining_s(), 0.0) + ABANDON_GRACE_S)  # type: ignore[no-any-return]
        except concurrent.futures.TimeoutError:
            return run.abandon()

    def close(self) -> None:
        """Worker threads are daemons and idle between runs: nothing to release."""


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
