"""``process``: each run in a pre-started worker process with OS limits.

For hosts that must survive any agent: a run that allocates too much memory
(``MemoryLimitExceeded``), uses too much CPU, or crashes the interpreter (deep C
recursion: ``WorkerCrashed: killed by SIGSEGV``) ends with that error, the worker is
replaced, and the next run works. Workers are started ahead (everything imported) and
reused run after run; limits are per run (see :mod:`.worker`).

The plugins stay in the host, so the data store, its access tracking, the operation log
and every hook behave as in the other modes: the worker gets a description of each plugin
global and tool and forwards calls to the host (:mod:`.remote`), which answers them in the
thread that serves the run. Messages from a worker are JSON, checked before use, and may
call only the methods the worker was given. Values the agent passes to the host must be
data (or handles it was given); ``input_dict`` must be picklable.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import os
import pickle
import queue
import signal
import socket
import subprocess
import sys
import threading
from multiprocessing.connection import Connection
from typing import Any

from sandbox_host.execution.outcome import RunOutcome
from sandbox_host.execution.remote import (
    MAX_MESSAGE_BYTES,
    RemoteRegistry,
    ValueNotTransferable,
    decode_value,
    loads,
)
from sandbox_host.execution.session import RunJob
from sandbox_host.result import RunError

ABANDON_GRACE_S = 0.1
"""How long past its deadline the host waits for a worker before it kills it."""

START_TIMEOUT_S = 30.0
"""How long a new worker may take to import everything and say it is ready."""

DEFAULT_POOL_SIZE = max(2, os.cpu_count() or 2)


class WorkerStartError(RuntimeError):
    """A worker process did not start."""


class _Worker:
    """One worker process and the host's end of its socket."""

    def __init__(self) -> None:
        host_end, worker_end = socket.socketpair()
        env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "sandbox_host.execution.worker", str(worker_end.fileno())],
            pass_fds=(worker_end.fileno(),),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
            start_new_session=True,
        )
        worker_end.close()
        self.connection = Connection(host_end.detach())
        self.ready = False

    def wait_ready(self, timeout_s: float) -> None:
        """Block until the worker says it is ready (or fail)."""
        if not self.connection.poll(timeout_s):
            self.kill()
            raise WorkerStartError("a sandbox worker process did not start in time")
        message = loads(self.connection.recv_bytes(MAX_MESSAGE_BYTES))
        if message != {"type": "ready"}:
            self.kill()
            raise WorkerStartError("a sandbox worker process sent an unexpected greeting")
        self.ready = True

    def send(self, message: Any) -> None:
        self.connection.send_bytes(pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL))

    def receive(self, timeout_s: float) -> Any:
        """The next message, ``None`` on timeout; ``EOFError`` if the worker is gone."""
        if not self.connection.poll(max(timeout_s, 0.0)):
            return None
        return loads(self.connection.recv_bytes(MAX_MESSAGE_BYTES))

    def kill(self) -> None:
        """End the worker now."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        self.connection.close()

    def exit_description(self) -> str:
        """Why the worker ended, e.g. ``killed by SIGSEGV``."""
        try:
            code = self.process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            self.kill()
            code = self.process.returncode
        if code is not None and code < 0:
            try:
                return f"killed by {signal.Signals(-code).name}"
            except ValueError:
                return f"killed by signal {-code}"
        return f"exited with status {code}"


class WorkerPool:
    """Pre-started workers, reused run after run, replaced when one dies or is killed."""

    def __init__(self, size: int = DEFAULT_POOL_SIZE) -> None:
        self._size = size
        self._idle: queue.SimpleQueue[_Worker] = queue.SimpleQueue()
        self._closed = False
        self._lock = threading.Lock()
        self._starting = 0
        for _ in range(size):
            self._start_one()

    def _start_one(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._starting += 1
        threading.Thread(target=self._start_worker, name="sandbox-worker-start",
                         daemon=True).start()

    def _start_worker(self) -> None:
        try:
            worker = _Worker()
            worker.wait_ready(START_TIMEOUT_S)
        except Exception:  # a failed start is retried on the next acquire
            worker = None
        with self._lock:
            self._starting -= 1
        if worker is not None:
            self._idle.put(worker)

    def acquire(self, timeout_s: float) -> _Worker:
        """An idle, ready worker (waiting for one up to ``timeout_s``)."""
        try:
            return self._idle.get(timeout=max(timeout_s, 0.001))
        except queue.Empty:
            with self._lock:
                starting = self._starting
            if not starting:
                self._start_one()
            raise WorkerStartError(
                "no sandbox worker process became free in time; raise the pool size or "
                "the run's timeout"
            ) from None

    def release(self, worker: _Worker) -> None:
        """Give a worker that finished its run cleanly back to the pool."""
        if self._closed:
            worker.kill()
        else:
            self._idle.put(worker)

    def replace(self, worker: _Worker) -> None:
        """Kill ``worker`` (crashed, over its limits, or abandoned) and start another."""
        worker.kill()
        self._start_one()

    def close(self) -> None:
        """Kill every idle worker; busy ones are killed when their run ends."""
        self._closed = True
        while True:
            try:
                self._idle.get_nowait().kill()
            except queue.Empty:
                return


_shared_pool: WorkerPool | None = None
_shared_lock = threading.Lock()


def shared_worker_pool() -> WorkerPool:
    """The worker pool process-mode hosts share unless one asks for a size of its own.

    Workers hold no plugin and no user: everything per run comes with the job.
    """
    global _shared_pool
    with _shared_lock:
        if _shared_pool is None:
            _shared_pool = WorkerPool(DEFAULT_POOL_SIZE)
        return _shared_pool


class ProcessExecutor:
    """Runs each job in a worker process of a :class:`WorkerPool`."""

    mode = "process"

    def __init__(self, memory_limit_mb: int = 512, cpu_limit_s: float | None = None,
                 pool_size: int | None = None) -> None:
        self.memory_limit_mb = memory_limit_mb
        self.cpu_limit_s = cpu_limit_s
        self._own_pool = pool_size is not None
        self._pool = WorkerPool(pool_size) if pool_size is not None else shared_worker_pool()
        self._threads = concurrent.futures.ThreadPoolExecutor(
            max_workers=4 * (pool_size or DEFAULT_POOL_SIZE),
            thread_name_prefix="sandbox-process-run",
        )
        # Calls of the agent to host objects run here, so that one blocked in a backend
        # cannot hold the run past its deadline (the host stops waiting, as in thread mode).
        self._calls = concurrent.futures.ThreadPoolExecutor(
            max_workers=4 * (pool_size or DEFAULT_POOL_SIZE),
            thread_name_prefix="sandbox-process-call",
        )

    async def execute(self, job: RunJob) -> RunOutcome:
        """Serve the run from a host thread; the caller's loop runs async tools."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._threads, self._serve, job, loop)

    def execute_blocking(self, job: RunJob) -> RunOutcome:
        """Serve the run in the calling thread."""
        return self._serve(job, None)

    def close(self) -> None:
        """Stop this host's own workers (the shared pool lives as long as the process)."""
        if self._own_pool:
            self._pool.close()
        self._threads.shutdown(wait=False, cancel_futures=True)
        self._calls.shutdown(wait=False, cancel_futures=True)

    def _serve(self, job: RunJob, loop: asyncio.AbstractEventLoop | None) -> RunOutcome:
        limits = job.limits
        try:
            worker = self._pool.acquire(limits.remaining_s())
        except WorkerStartError as exc:
            return RunOutcome(error=RunError("WorkerUnavailable", str(exc)))
        registry = RemoteRegistry()
        timeout_s = max(limits.remaining_s(), 0.001)
        message = {
            "source": job.source,
            "input": job.input_dict,
            "globals": {n: registry.to_worker(v) for n, v in job.plugin_globals.items()},
            "tools": {n: registry.describe(v) for n, v in job.tools.items()},
            "settings": job.settings,
            "timeout_s": timeout_s,
            "max_operations": limits.max_operations,
            "max_depth": limits.max_depth,
            "memory_limit_mb": self.memory_limit_mb,
            "cpu_limit_s": self.cpu_limit_s or timeout_s + 1.0,
        }
        try:
            worker.send(("run", message))
        except (OSError, pickle.PicklingError, TypeError, AttributeError) as exc:
            self._pool.replace(worker)
            return RunOutcome(error=RunError(
                "WorkerUnavailable", f"could not send the run to a worker process: {exc}"
            ))
        return self._conversation(worker, registry, job, loop)

    def _conversation(self, worker: _Worker, registry: RemoteRegistry, job: RunJob,
                      loop: asyncio.AbstractEventLoop | None) -> RunOutcome:
        limits = job.limits
        while True:
            try:
                message = worker.receive(limits.remaining_s() + ABANDON_GRACE_S)
            except (EOFError, OSError, ValueError, UnicodeDecodeError, RecursionError):
                description = worker.exit_description()
                self._pool.replace(worker)
                return RunOutcome(error=RunError("WorkerCrashed", description))
            if message is None:
                self._pool.replace(worker)
                return RunOutcome(error=RunError("ExecutionTimeout", str(limits.deadline_error())))
            if not isinstance(message, dict):
                self._pool.replace(worker)
                return RunOutcome(error=RunError("WorkerCrashed", "it sent a malformed message"))
            if message.get("type") == "done":
                return self._finish(worker, message.get("outcome"))
            if message.get("type") != "call":
                self._pool.replace(worker)
                return RunOutcome(error=RunError("WorkerCrashed", "it sent an unknown message"))
            call = self._calls.submit(_answer, registry, message, loop)
            try:
                reply = call.result(timeout=max(limits.remaining_s(), 0.0) + ABANDON_GRACE_S)
            except concurrent.futures.TimeoutError:
                self._pool.replace(worker)
                return RunOutcome(error=RunError("ExecutionTimeout", str(limits.deadline_error())))
            try:
                worker.send(reply)
            except (OSError, pickle.PicklingError, TypeError, AttributeError):
                worker.send(("raise", TypeError("the host's answer could not be sent")))

    def _finish(self, worker: _Worker, outcome: Any) -> RunOutcome:
        try:
            error = outcome["error"]
            result = RunOutcome(
                output=outcome["output"],
                error=None if error is None else _run_error(error),
                stdout=outcome["stdout"],
            )
            if result.output is not None and not isinstance(result.output, dict):
                raise TypeError("output must be a dict")
            if not isinstance(result.stdout, str):
                raise TypeError("stdout must be text")
        except (TypeError, KeyError, ValueError):
            self._pool.replace(worker)
            return RunOutcome(error=RunError("WorkerCrashed", "it sent a malformed outcome"))
        if outcome.get("recycle"):
            self._pool.replace(worker)
        else:
            self._pool.release(worker)
        return result


def _run_error(fields: Any) -> RunError:
    """The run's error from a worker's message, each field checked (a worker may lie)."""
    kind, message, line, source_line = fields
    if not (isinstance(kind, str) and isinstance(message, str)
            and (line is None or type(line) is int)
            and (source_line is None or isinstance(source_line, str))):
        raise TypeError("malformed error")
    return RunError(kind, message, line, source_line)


def _answer(registry: RemoteRegistry, message: dict[str, Any],
            loop: asyncio.AbstractEventLoop | None) -> tuple[str, Any]:
    """Perform one call a worker asked for; ``("return", value)`` or ``("raise", exc)``."""
    try:
        ref = message.get("ref")
        if type(ref) is not int:
            raise ValueNotTransferable("malformed call from the worker")
        function = registry.method(ref, message.get("method"))
        args = decode_value(message.get("args"), registry.resolve)
        kwargs = decode_value(message.get("kwargs"), registry.resolve)
        if not isinstance(args, list) or not isinstance(kwargs, dict) or not all(
            isinstance(key, str) for key in kwargs
        ):
            raise ValueNotTransferable("malformed call from the worker")
        value = function(*args, **kwargs)
        if asyncio.iscoroutine(value):
            value = _await(value, loop)
        return "return", registry.to_worker(value)
    except BaseException as exc:  # handed to the agent, as in other modes
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        return "raise", _transferable(exc)


def _await(coroutine: Any, loop: asyncio.AbstractEventLoop | None) -> Any:
    if loop is not None and loop.is_running():
        return asyncio.run_coroutine_threadsafe(coroutine, loop).result()
    return asyncio.run(coroutine)


def _transferable(exc: BaseException) -> BaseException:
    """``exc`` if it survives pickling, else the nearest builtin exception with its text."""
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:  # anything that cannot cross
        for base in type(exc).__mro__:
            if base.__module__ == "builtins" and issubclass(base, Exception):
                return base(f"{type(exc).__name__}: {exc}")
        return RuntimeError(f"{type(exc).__name__}: {exc}")
    exc.__traceback__ = None
    exc.__context__ = exc.__cause__ = None
    return exc


__all__ = ["ProcessExecutor", "WorkerPool", "WorkerStartError"]
