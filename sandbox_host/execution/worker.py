"""The worker process of ``process`` isolation: runs jobs one after another under OS limits.

Started by :mod:`.process` as ``python -m sandbox_host.execution.worker FD`` with a socket
to the host on file descriptor ``FD``. It imports everything a run needs once, then for
each job: sets the run's OS limits (address space, CPU seconds), runs the session on the
worker's event loop (see :mod:`.loops`), sends the plain outcome back and lifts the limits
again. Calls the agent makes to host objects (``data_store``, tools) are forwarded over
the socket and answered by the host (see :mod:`.remote`).

Limits set once for the worker's life: no child processes (``RLIMIT_NPROC``; not
enforced by the kernel for root), few file descriptors, no file writes (``RLIMIT_FSIZE``).
"""

from __future__ import annotations

import pickle
import resource
import sys
from multiprocessing.connection import Connection
from typing import Any

from sandbox_host.compiler import AgentCompileError, AgentCompiler
from sandbox_host.execution.loops import end_of_run, loop_for_run
from sandbox_host.execution.outcome import RunOutcome
from sandbox_host.execution.remote import (
    Described,
    ValueNotTransferable,
    dumps,
    encode_value,
)
from sandbox_host.execution.session import RunJob, RunSession
from sandbox_host.limits import RunLimits
from sandbox_host.result import RunError

MAX_OPEN_FILES = 64
_MIB = 1024 * 1024


class _Channel:
    """The worker's end of the socket: requests to the host, and their answers."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.remotes: dict[int, Any] = {}
        self._refs: dict[int, int] = {}
        """id() of each proxy handed out this run → its host reference."""

    def send(self, message: Any) -> None:
        self.connection.send_bytes(dumps(message))

    def receive(self) -> Any:
        return pickle.loads(self.connection.recv_bytes())

    def ref_of(self, value: Any) -> int | None:
        """The host reference of a proxy the agent passes back (``tools["t"](data_store)``)."""
        return self._refs.get(id(value))

    def clear(self) -> None:
        """Forget the proxies of the previous run."""
        self.remotes.clear()
        self._refs.clear()

    def call(self, ref: int, method: str | None, args: Any, kwargs: Any) -> Any:
        """Ask the host to call ``method`` of object ``ref``; its result or its exception."""
        try:
            payload = {
                "type": "call",
                "ref": ref,
                "method": method,
                "args": encode_value(list(args), self.ref_of),
                "kwargs": encode_value(dict(kwargs), self.ref_of),
            }
        except ValueNotTransferable as exc:
            raise TypeError(str(exc)) from None
        self.send(payload)
        kind, value = self.receive()
        if kind == "raise":
            raise value
        return self.wrap(value)

    def wrap(self, value: Any) -> Any:
        """Turn host descriptions in a reply into proxies."""
        if isinstance(value, Described):
            return self.proxy(value)
        if type(value) is dict:
            return {k: self.wrap(v) for k, v in value.items()}
        if type(value) in (list, tuple):
            return type(value)(self.wrap(item) for item in value)
        return value

    def proxy(self, description: Described) -> Any:
        found = self.remotes.get(description.ref)
        if found is None:
            found = self.remotes[description.ref] = _make_proxy(self, description)
            self._refs[id(found)] = description.ref
        return found


def _remote_function(channel: _Channel, ref: int, method: str | None, is_async: bool,
                     name: str, doc: str | None) -> Any:
    if is_async:

        async def call_async(*args: Any, **kwargs: Any) -> Any:
            return channel.call(ref, method, args, kwargs)

        function: Any = call_async
    else:

        def call(*args: Any, **kwargs: Any) -> Any:
            return channel.call(ref, method, args, kwargs)

        function = call
    function.__name__ = function.__qualname__ = name
    function.__doc__ = doc
    return function


class RemoteObject:
    """A host object in the worker: its methods call the host; it cannot be changed."""

    __slots__ = ("_members", "_ref", "_text")

    def __init__(self, ref: int, text: str, members: dict[str, Any]) -> None:
        object.__setattr__(self, "_ref", ref)
        object.__setattr__(self, "_text", text)
        object.__setattr__(self, "_members", members)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return self._members[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{self._text} cannot be modified")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{self._text} cannot be modified")

    def __dir__(self) -> list[str]:
        return sorted(self._members)

    def __repr__(self) -> str:
        return str(self._text)

    def __reduce__(self) -> Any:
        raise TypeError(f"{self._text} cannot be copied or pickled")


def _make_proxy(channel: _Channel, description: Described) -> Any:
    if description.kind in ("function", "async function"):
        return _remote_function(
            channel, description.ref, None, description.kind == "async function",
            description.name or "tool", description.doc,
        )
    members: dict[str, Any] = dict(description.values)
    for name, is_async in description.methods.items():
        members[name] = _remote_function(channel, description.ref, name, is_async, name, None)
    return _proxy_class(description.type_name)(description.ref, description.text, members)


_PROXY_CLASSES: dict[str, type[RemoteObject]] = {}


def _proxy_class(type_name: str) -> type[RemoteObject]:
    """A :class:`RemoteObject` class named like the host object's class."""
    if not type_name.isidentifier():
        return RemoteObject
    cls = _PROXY_CLASSES.get(type_name)
    if cls is None:
        cls = _PROXY_CLASSES[type_name] = type(type_name, (RemoteObject,), {"__slots__": ()})
    return cls


def _set_lifetime_limits() -> None:
    for limit, value in ((resource.RLIMIT_NPROC, 0), (resource.RLIMIT_NOFILE, MAX_OPEN_FILES),
                         (resource.RLIMIT_FSIZE, 0)):
        try:
            _, hard = resource.getrlimit(limit)
            resource.setrlimit(limit, (value, hard))
        except (ValueError, OSError):
            pass


def _address_space_bytes() -> int:
    with open("/proc/self/statm", "rb") as statm:
        pages = int(statm.read().split()[0])
    return pages * resource.getpagesize()


class _RunLimitsOS:
    """The run's memory and CPU limits, set before and lifted after it."""

    def __init__(self, memory_limit_mb: int, cpu_limit_s: float) -> None:
        self.memory_limit_mb = memory_limit_mb
        self.cpu_limit_s = cpu_limit_s
        self._saved: list[tuple[int, tuple[int, int]]] = []

    def __enter__(self) -> _RunLimitsOS:
        used_cpu = resource.getrusage(resource.RUSAGE_SELF)
        cpu_now = used_cpu.ru_utime + used_cpu.ru_stime
        for limit, soft in (
            (resource.RLIMIT_AS, _address_space_bytes() + self.memory_limit_mb * _MIB),
            (resource.RLIMIT_CPU, int(cpu_now + self.cpu_limit_s) + 1),
        ):
            current = resource.getrlimit(limit)
            hard = current[1]
            if hard != resource.RLIM_INFINITY:
                soft = min(soft, hard)
            resource.setrlimit(limit, (soft, hard))
            self._saved.append((limit, current))
        return self

    def __exit__(self, *exc_info: object) -> None:
        for limit, saved in reversed(self._saved):
            resource.setrlimit(limit, saved)
        self._saved.clear()


def _run_job(channel: _Channel, compiler: AgentCompiler, job: dict[str, Any]) -> RunOutcome:
    settings = job["settings"]
    limits = RunLimits(job["timeout_s"], job["max_operations"], job["max_depth"])
    try:
        compiled = compiler.compile(job["source"])
    except AgentCompileError as exc:  # the host compiled it already; kept for safety
        return RunOutcome(error=RunError("CompileError", str(exc), exc.line, exc.source_line))
    run_job = RunJob(
        source=job["source"],
        compiled=compiled,
        plugin_globals={name: channel.wrap(value) for name, value in job["globals"].items()},
        input_dict=job["input"],
        tools={name: channel.wrap(value) for name, value in job["tools"].items()},
        limits=limits,
        settings=settings,
    )
    loop = loop_for_run()
    try:
        with _RunLimitsOS(job["memory_limit_mb"], job["cpu_limit_s"]):
            outcome = loop.run_until_complete(RunSession(run_job).start(loop))
    finally:
        end_of_run(loop)
    if outcome.error is not None and outcome.error.type == "MemoryError":
        outcome.error = RunError(
            "MemoryLimitExceeded", f"{job['memory_limit_mb']} MiB", outcome.error.line,
            outcome.error.source_line,
        )
        outcome.extra["recycle"] = True
    return outcome


def main(fd: int) -> None:
    """Serve jobs on the socket ``fd`` until the host closes it."""
    _set_lifetime_limits()
    channel = _Channel(Connection(fd))
    compiler = AgentCompiler()
    channel.send({"type": "ready"})
    while True:
        try:
            kind, job = channel.receive()
        except EOFError:
            return
        if kind != "run":
            return
        channel.clear()
        outcome = _run_job(channel, compiler, job)
        channel.send({"type": "done", "outcome": _outcome_message(outcome)})


def _outcome_message(outcome: RunOutcome) -> dict[str, Any]:
    error = outcome.error
    return {
        "output": outcome.output,
        "error": None if error is None else [error.type, error.message, error.line,
                                             error.source_line],
        "stdout": outcome.stdout,
        "recycle": bool(outcome.extra.get("recycle")),
    }


if __name__ == "__main__":
    main(int(sys.argv[1]))
